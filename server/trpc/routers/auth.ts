import { z } from "zod";
import { changePassword } from "../../auth/change-password.js";
import { checkCredentials } from "../../auth/login.js";
import { register } from "../../auth/register.js";
import type { Context } from "../context.js";
import { DomainFailure, protectedProcedure, publicProcedure, router, TRPCError } from "../init.js";

type ErrorCode = ConstructorParameters<typeof TRPCError>[0]["code"];

/** How each domain refusal travels over tRPC (and so over HTTP: 405, 422, 409, 401). */
const codeForReason: Record<string, ErrorCode> = {
  read_only: "METHOD_NOT_SUPPORTED",
  unknown_user: "UNAUTHORIZED",
  invalid_credentials: "UNAUTHORIZED",
  taken: "CONFLICT",
};

function refuse(failure: { reason: string; message: string; field?: string }): never {
  throw new TRPCError({
    code: codeForReason[failure.reason] ?? "UNPROCESSABLE_CONTENT",
    message: failure.message,
    cause: new DomainFailure(failure.reason, failure.message, failure.field),
  });
}

function settingsOf(ctx: Context) {
  const { config } = ctx.services;
  return {
    readOnly: config.readOnly,
    invalidateSessions: config.invalidateSessions,
    minPasswordLength: config.minPasswordLength,
    maxPasswordLength: config.maxPasswordLength,
  };
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
      const { users, passwords } = ctx.services;
      const result = await register({ users, passwords, settings: settingsOf(ctx) }, input);
      if (!result.ok) refuse(result);
      return { userId: result.userId };
    }),

  /** Sets the session cookie for browsers and returns the token for other clients (Bearer). */
  login: publicProcedure
    .input(z.object({ username: z.string(), password: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const { users, passwords, sessions } = ctx.services;
      const result = await checkCredentials({ users, passwords }, input);
      if (!result.ok) refuse(result);
      const user = await users.findById(result.userId);
      if (!user) refuse({ reason: "unknown_user", message: "Your account no longer exists." });
      const session = await sessions.create(user.id);
      ctx.resHeaders.append("Set-Cookie", session.cookie);
      return {
        user: { id: user.id, username: user.username, email: user.email },
        token: session.token,
        expiresAt: session.expiresAt.toISOString(),
      };
    }),

  logout: publicProcedure.mutation(async ({ ctx }) => {
    if (ctx.auth) await ctx.services.sessions.invalidate(ctx.auth.session.id);
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
      const { users, passwords, sessions, config } = ctx.services;
      const result = await changePassword(
        { users, passwords, settings: settingsOf(ctx) },
        { userId: ctx.auth.user.id, ...input },
      );
      if (!result.ok) refuse(result);
      // Like the seed: this browser's cookie goes whether or not the other sessions were revoked.
      ctx.resHeaders.append("Set-Cookie", sessions.blankCookie());
      return {
        signedOut: true as const,
        redirectTo: config.loginUrl,
        revokedSessions: result.revokedSessions,
      };
    }),
});
