import { initTRPC, TRPCError } from "@trpc/server";
import { z } from "zod";
import { isDatabaseUnavailable } from "../../db/faults.js";
import { busy, busyRetryAfterSeconds, fail, failureTrpcCode, type Failure, type FailureReason, type FieldName } from "../auth/failures.js";
import type { Context } from "./context.js";
import type { InputField } from "./inputs.js";

/** A refusal from a flow, carried as the TRPCError's cause so the formatter and the pages' caller can read it back. */
export class FlowFailure extends Error {
  constructor(readonly failure: Failure) {
    super(failure.message);
    this.name = "FlowFailure";
  }
}

/** The one mapping from a flow's failure to tRPC: the code comes from the failure catalogue. */
export function toTRPCError(failure: Failure): TRPCError {
  return new TRPCError({ code: failureTrpcCode(failure.reason), message: failure.message, cause: new FlowFailure(failure) });
}

/** The failure a TRPCError stands for: a flow's own, zod's verdict on the input, or null for an unexpected error. */
export function failureOf(error: TRPCError): Failure | null {
  if (error.cause instanceof FlowFailure) return error.cause.failure;
  if (error.cause instanceof z.ZodError) return fail("invalid_input", { detail: describeZodError(error.cause) });
  return null;
}

/** What `error.data` holds on every tRPC error: typed, so a misspelt reason or field does not compile. */
export type AppErrorData = {
  reason: FailureReason | null;
  field: FieldName | null;
  fieldErrors: Partial<Record<InputField, string[]>> | null;
  retryAfterSeconds: number | null;
};

const t = initTRPC.context<Context>().create({
  // Never include stack traces, whatever NODE_ENV says.
  isDev: false,
  errorFormatter({ shape, error }) {
    const failure = failureOf(error);
    const zodError = error.cause instanceof z.ZodError ? error.cause : null;
    const data: AppErrorData = {
      reason: failure?.reason ?? null,
      field: failure?.field ?? null,
      fieldErrors: zodError ? (z.flattenError(zodError).fieldErrors as Partial<Record<InputField, string[]>>) : fieldErrorsOf(failure),
      retryAfterSeconds: failure?.retryAfterSeconds ?? null,
    };
    return {
      ...shape,
      // An unexpected error's own message could hold SQL or paths: never show it.
      message: failure?.message ?? (error.code === "INTERNAL_SERVER_ERROR" ? "Something went wrong on our side. Please try again." : error.message),
      data: { code: shape.data.code, httpStatus: shape.data.httpStatus, path: shape.data.path, ...data },
    };
  },
});

/** A flow's wrong fields in zod's shape (one message each), so a client reads both the same way. */
function fieldErrorsOf(failure: Failure | null): AppErrorData["fieldErrors"] {
  const all = failure?.fieldFailures ?? (failure?.field ? [{ field: failure.field, message: failure.message }] : []);
  if (all.length === 0) return null;
  return Object.fromEntries(all.map(({ field, message }) => [field, [message]]));
}

function describeZodError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "";
  const where = issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
  return `${where}${issue.message}`;
}

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/**
 * A database that cannot serve now (SQLite's lock held too long, PostgreSQL unreachable or too
 * slow: db/faults.ts) is the server being busy, not an internal error: 503 with Retry-After
 * through every door that calls a procedure.
 */
export const publicProcedure = t.procedure.use(async ({ ctx, next }) => {
  const result = await next();
  if (!result.ok && isDatabaseUnavailable(result.error.cause)) {
    ctx.resHeaders.set("Retry-After", String(busyRetryAfterSeconds));
    throw toTRPCError(busy());
  }
  return result;
});

/** After this middleware `ctx.auth` is non-null: procedures never check the session again. */
export const protectedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.auth) throw toTRPCError(fail("not_signed_in"));
  return next({ ctx: { ...ctx, auth: ctx.auth } });
});
