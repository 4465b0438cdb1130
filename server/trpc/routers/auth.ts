import { z } from "zod";
import { changePassword } from "../../auth/change-password.js";
import type { AuthEventType } from "../../auth/events.js";
import { checkCredentials } from "../../auth/login.js";
import { register } from "../../auth/register.js";
import type { Context } from "../context.js";
import { DomainFailure, protectedProcedure, publicProcedure, router, TRPCError } from "../init.js";

type ErrorCode = ConstructorParameters<typeof TRPCError>[0]["code"];

/** How each domain refusal travels over tRPC (and so over HTTP: 405, 409, 401, 429; 422 otherwise). */
const codeForReason: Record<string, ErrorCode> = {
  read_only: "METHOD_NOT_SUPPORTED",
  unknown_user: "UNAUTHORIZED",
  invalid_credentials: "UNAUTHORIZED",
  taken: "CONFLICT",
  conflict: "CONFLICT",
  rate_limited: "TOO_MANY_REQUESTS",
};

type Failure = { reason: string; message: string; field?: string; retryAfterSeconds?: number; userId?: string };

/** Records the failure, then throws it as a TRPCError carrying the reason and field. */
async function refuse(ctx: Context, type: AuthEventType, failure: Failure): Promise<never> {
  if (failure.retryAfterSeconds !== undefined) {
    ctx.resHeaders.set("Retry-After", String(failure.retryAfterSeconds));
  }
  await ctx.services.events.record({
    type: failure.reason === "rate_limited" ? "rate_limited" : type,
    reason: failure.reason,
    userId: failure.userId ?? ctx.auth?.user.id,
    client: ctx.client,
  });
  throw domainError(failure);
}

function domainError(failure: Failure): TRPCError {
  return new TRPCError({
    code: codeForReason[failure.reason] ?? "UNPROCESSABLE_CONTENT",
    message: failure.message,
    cause: new DomainFailure(failure.reason, failure.message, failure.field),
  });
}

export const authRouter = router({
  me: publicProcedure.query(({ ctx }) => (ctx.auth ? { user: ctx.auth.user } : null)),

  register: publicProcedure
    .input(
      z.object({
        username: z.string(),
        email: z.string(),
        password: z.string(),
        confirmPassword: z.string().optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const { users, passwords, events, config } = ctx.services;
      const result = await register({ users, passwords, settings: config }, input);
      // Register failures are not password checks: nothing to audit.
      if (!result.ok) throw domainError(result);
      await events.record({ type: "registered", userId: result.userId, client: ctx.client });
      return { userId: result.userId };
    }),

  /** Sets the session cookie for browsers and returns the token for other clients (Bearer). */
  login: publicProcedure
    .input(z.object({ username: z.string(), password: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const { users, passwords, sessions, throttle, events, config } = ctx.services;
      const result = await checkCredentials({ users, passwords, throttle, settings: config }, { ...input, ip: ctx.client.ip });
      if (!result.ok) return refuse(ctx, "login_failed", result);
      const { user } = result;
      const session = await sessions.create(user.id, result.checkedAt);
      ctx.resHeaders.append("Set-Cookie", session.cookie);
      await events.record({ type: "login_succeeded", userId: user.id, client: ctx.client });
      return {
        user,
        token: session.token,
        expiresAt: session.expiresAt.toISOString(),
      };
    }),

  logout: publicProcedure.mutation(async ({ ctx }) => {
    if (ctx.auth) {
      await ctx.services.sessions.invalidate(ctx.auth.session.id);
      await ctx.services.events.record({ type: "logged_out", userId: ctx.auth.user.id, client: ctx.client });
    }
    ctx.resHeaders.append("Set-Cookie", ctx.services.sessions.blankCookie());
    return { signedOut: true as const };
  }),

  /** A thin wrapper: every rule is in server/auth/change-password.ts. */
  changePassword: protectedProcedure
    .input(
      z.object({
        currentPassword: z.string(),
        newPassword: z.string(),
        confirmNewPassword: z.string().optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const { users, passwords, sessions, throttle, events, notifier, config } = ctx.services;
      const { user, session, via } = ctx.auth;
      const result = await changePassword(
        { users, passwords, throttle, sessions, settings: config },
        { user, sessionId: session.id, ip: ctx.client.ip, ...input },
      );
      if (!result.ok) return refuse(ctx, "password_change_failed", result);
      await events.record({ type: "password_change_succeeded", userId: user.id, client: ctx.client });
      await notifier.passwordChanged({ user, at: result.changedAt, client: ctx.client });
      const { revokedSessions, otherSessionsEnded, newSession } = result;

      if (config.afterPasswordChange === "stay-signed-in") {
        if (newSession && via === "cookie") ctx.resHeaders.append("Set-Cookie", newSession.cookie);
        return {
          mode: "stay-signed-in" as const,
          signedOut: false as const,
          redirectTo: config.passwordChangedUrl,
          revokedSessions,
          otherSessionsEnded,
          /** For bearer clients: the token that replaces the one they used. */
          token: newSession?.token ?? null,
          expiresAt: newSession?.expiresAt.toISOString() ?? null,
        };
      }
      // Like the seed: this browser's cookie goes whether or not the other sessions were revoked.
      ctx.resHeaders.append("Set-Cookie", sessions.blankCookie());
      return {
        mode: "sign-in-again" as const,
        signedOut: true as const,
        redirectTo: config.loginUrl,
        revokedSessions,
        otherSessionsEnded,
      };
    }),
});
