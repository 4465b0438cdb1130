import { initTRPC, TRPCError } from "@trpc/server";
import { z } from "zod";
import type { Context } from "./context.js";

/** A refusal from a domain function, carried as the TRPCError's cause so the formatter can expose it. */
export class DomainFailure extends Error {
  constructor(
    readonly reason: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "DomainFailure";
  }
}

/** What every door shows of an error: one short message, the reason code and the field errors. */
export function errorDetails(error: TRPCError) {
  const zodError = error.cause instanceof z.ZodError ? error.cause : null;
  const domain = error.cause instanceof DomainFailure ? error.cause : null;
  return {
    // An unexpected error's own message could hold SQL or paths: never show it.
    message:
      error.code === "INTERNAL_SERVER_ERROR"
        ? "Something went wrong on our side. Please try again."
        : zodError
          ? describeZodError(zodError)
          : error.message,
    reason: domain?.reason ?? (zodError ? "invalid_input" : null),
    field: domain?.field ?? null,
    fieldErrors: zodError ? z.flattenError(zodError).fieldErrors : null,
  };
}

const t = initTRPC.context<Context>().create({
  // Never include stack traces, whatever NODE_ENV says.
  isDev: false,
  errorFormatter({ shape, error }) {
    const { message, ...details } = errorDetails(error);
    return {
      ...shape,
      message,
      data: { code: shape.data.code, httpStatus: shape.data.httpStatus, path: shape.data.path, ...details },
    };
  },
});

function describeZodError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "Invalid input.";
  const where = issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
  return `Invalid input. ${where}${issue.message}`;
}

export const router = t.router;
export const publicProcedure = t.procedure;
export const createCallerFactory = t.createCallerFactory;

/** After this middleware `ctx.auth` is non-null: procedures never check the session again. */
export const protectedProcedure = t.procedure.use(({ ctx, next }) => {
  if (!ctx.auth) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in first." });
  return next({ ctx: { ...ctx, auth: ctx.auth } });
});

export { TRPCError };
