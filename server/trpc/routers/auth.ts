import { changePassword, type PasswordChanged } from "../../auth/change-password.js";
import type { Failure } from "../../auth/failures.js";
import { signIn } from "../../auth/login.js";
import { register } from "../../auth/register.js";
import { requestPasswordReset } from "../../auth/request-password-reset.js";
import { checkResetLink, resetPassword } from "../../auth/reset-password.js";
import { signOut } from "../../auth/sign-out.js";
import { listSignedInDevices, signOutDevice, signOutOtherDevices } from "../../auth/signed-in-devices.js";
import { afterChangeCookies, afterChangeLocation } from "../../http/after-change.js";
import type { Context } from "../context.js";
import { protectedProcedure, publicProcedure, router, toTRPCError } from "../init.js";
import {
  changePasswordInput,
  loginInput,
  registerInput,
  requestPasswordResetInput,
  resetLinkInput,
  resetPasswordInput,
  signOutSessionInput,
} from "../inputs.js";

/**
 * Thin procedures: zod → the flow in server/auth → its value, or its failure through the one
 * mapping to TRPCError. Cookies are the only thing added here (server/http/after-change.ts says
 * which), because only the door knows whether its caller holds one.
 */

function refuse(ctx: Context, failure: Failure): never {
  if (failure.retryAfterSeconds !== undefined) ctx.resHeaders.set("Retry-After", String(failure.retryAfterSeconds));
  throw toTRPCError(failure);
}

export const authRouter = router({
  me: publicProcedure.query(({ ctx }) => (ctx.auth ? { user: ctx.auth.user } : null)),

  register: publicProcedure.input(registerInput).mutation(async ({ ctx, input }) => {
    const result = await register(ctx.services.auth, { ...input, requester: ctx.requester });
    if (!result.ok) return refuse(ctx, result);
    return { userId: result.userId };
  }),

  /**
   * Sets the session cookie and the device cookie. The token comes back in the body only for
   * programs (Bearer): a browser keeps it in the HttpOnly cookie, out of reach of page scripts.
   */
  login: publicProcedure.input(loginInput).mutation(async ({ ctx, input }) => {
    const { sessions, devices } = ctx.services.auth;
    const result = await signIn(ctx.services.auth, { ...input, requester: ctx.requester });
    if (!result.ok) return refuse(ctx, result);
    ctx.resHeaders.append("Set-Cookie", sessions.cookie(result.session.token));
    ctx.resHeaders.append("Set-Cookie", devices.cookie(result.deviceToken));
    const token: string | null = ctx.browser ? null : result.session.token;
    return { user: result.account, token, expiresAt: result.session.expiresAt.toISOString() };
  }),

  logout: publicProcedure.mutation(async ({ ctx }) => {
    await signOut(ctx.services.auth, { session: ctx.auth?.session ?? null, requester: ctx.requester });
    ctx.resHeaders.append("Set-Cookie", ctx.services.auth.sessions.blankCookie());
    return { signedOut: true as const };
  }),

  changePassword: protectedProcedure.input(changePasswordInput).mutation(async ({ ctx, input }) => {
    const { currentPassword, newPassword, confirmNewPassword, signOutOtherDevices } = input;
    const result = await changePassword(ctx.services.auth, {
      authority: { by: "owner", session: ctx.auth.session, currentPassword, requester: ctx.requester },
      newPassword,
      confirmNewPassword,
      signOutOtherDevices,
    });
    if (!result.ok) return refuse(ctx, result);
    for (const cookie of afterChangeCookies(ctx.services.auth.sessions, result, ctx.auth.via)) {
      ctx.resHeaders.append("Set-Cookie", cookie);
    }
    return changeAnswer(ctx, result);
  }),

  /**
   * Step one of "Forgot your password?": the same answer whether or not an account has that name
   * (the e-mail, if any, is on its way). Counted per name and per address: 429 past either limit.
   */
  requestPasswordReset: publicProcedure.input(requestPasswordResetInput).mutation(async ({ ctx, input }) => {
    const result = await requestPasswordReset(ctx.services.auth, { emailOrUsername: input.emailOrUsername, requester: ctx.requester });
    if (!result.ok) return refuse(ctx, result);
    return { linkLifetimeMinutes: result.linkLifetimeMinutes };
  }),

  /** Whether a reset link can still be used, and whose it is; NOT_FOUND with the reason when it cannot. */
  passwordResetLink: publicProcedure.input(resetLinkInput).query(async ({ ctx, input }) => {
    const result = await checkResetLink(ctx.services.auth, input.token);
    if (!result.ok) return refuse(ctx, result);
    return { username: result.account.username, email: result.account.email, expiresAt: new Date(result.expiresAt).toISOString() };
  }),

  /**
   * Step two: a new password through the link. Every session of the account ends, and nobody is
   * signed in: the answer says where to sign in with the new password.
   */
  resetPassword: publicProcedure.input(resetPasswordInput).mutation(async ({ ctx, input }) => {
    const result = await resetPassword(ctx.services.auth, { ...input, requester: ctx.requester });
    if (!result.ok) return refuse(ctx, result);
    // A browser signed in to that account holds a session that no longer exists: its cookie goes too.
    if (ctx.auth?.via === "cookie" && ctx.auth.user.id === result.account.id) {
      ctx.resHeaders.append("Set-Cookie", ctx.services.auth.sessions.blankCookie());
    }
    return {
      username: result.account.username,
      signedOut: true as const,
      sessionsEnded: result.sessionsEnded,
      redirectTo: ctx.services.config.loginUrl,
    };
  }),

  /** The account's signed-in devices (live sessions), this one first and marked `current`; times in ISO 8601. */
  sessions: protectedProcedure.query(async ({ ctx }) => {
    const { devices } = await listSignedInDevices(ctx.services.auth, { session: ctx.auth.session });
    return {
      sessions: devices.map((device) => ({
        ...device,
        signedInAt: new Date(device.signedInAt).toISOString(),
        lastSeenAt: device.lastSeenAt === null ? null : new Date(device.lastSeenAt).toISOString(),
      })),
    };
  }),

  /** Signs one other device out; `sessionId` is an id from `auth.sessions`. */
  signOutSession: protectedProcedure.input(signOutSessionInput).mutation(async ({ ctx, input }) => {
    const result = await signOutDevice(ctx.services.auth, { session: ctx.auth.session, id: input.sessionId, requester: ctx.requester });
    if (!result.ok) return refuse(ctx, result);
    return { signedOut: true as const, browser: result.device.browser, system: result.device.system };
  }),

  /** Signs out every device of the account but this one; `signedOut` counts the devices that were signed in. */
  signOutOtherSessions: protectedProcedure.mutation(async ({ ctx }) => {
    const result = await signOutOtherDevices(ctx.services.auth, { session: ctx.auth.session, requester: ctx.requester });
    return { signedOut: result.signedOut };
  }),
});

/** What a client learns of a change: every field follows from what the flow did, nothing is assumed. */
function changeAnswer(ctx: Context, result: PasswordChanged) {
  const { config } = ctx.services;
  const counts = {
    revokedSessions: result.revokedSessions,
    otherDevices: result.otherDevices,
    otherSessionsEnded: result.otherSessionsEnded,
    otherSessionsKept: result.otherSessionsKept,
  };
  const redirectTo = afterChangeLocation(config, result);
  if (result.thisDevice === "signed-out") {
    return { mode: config.afterPasswordChange, signedOut: true as const, redirectTo, ...counts };
  }
  return {
    mode: config.afterPasswordChange,
    signedOut: false as const,
    redirectTo,
    ...counts,
    /** For bearer clients: the token that replaces the one they used (null when theirs carries over). */
    token: ctx.browser ? null : (result.newSession?.token ?? null),
    expiresAt: result.newSession?.expiresAt.toISOString() ?? null,
  };
}
