import type { TRPCClientError } from "@trpc/client";
import { TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { describe, expect, expectTypeOf, it } from "vitest";
import { fail, failureCatalogue, type FailureReason, type FieldName } from "../../server/auth/failures.js";
import type { InputField } from "../../server/trpc/inputs.js";
import type { AppRouter } from "../../server/trpc/routers/_app.js";

describe("the failure catalogue", () => {
  it.each(Object.entries(failureCatalogue))("%s: its HTTP status is the one tRPC gives its code", (_reason, entry) => {
    expect(getHTTPStatusCodeFromError(new TRPCError({ code: entry.trpcCode }))).toBe(entry.status);
  });

  it("fills in messages from their parameters and carries the field and retry time", () => {
    expect(fail("too_short", { min: 12, field: "newPassword" })).toEqual({
      ok: false,
      reason: "too_short",
      message: "Password must be at least 12 characters long.",
      field: "newPassword",
    });
    expect(fail("rate_limited", { retryAfterSeconds: 900 })).toMatchObject({
      message: "Too many failed attempts. Try again in 15 minutes.",
      retryAfterSeconds: 900,
    });
    expect(fail("rate_limited", { retryAfterSeconds: 30 }).message).toBe("Too many failed attempts. Try again in 30 seconds.");
  });
});

/**
 * Compile-time checks (`npm run typecheck` fails if any line below stops holding): what a typed
 * client sees of an error is exact, so a misspelt reason or field is a compile error.
 */
type ErrorData = NonNullable<TRPCClientError<AppRouter>["data"]>;

describe("the typed client's errors", () => {
  it("expose the catalogue's reasons and the inputs' fields as exact types", () => {
    expectTypeOf<ErrorData["reason"]>().toEqualTypeOf<FailureReason | null>();
    expectTypeOf<ErrorData["field"]>().toEqualTypeOf<FieldName | null>();
    expectTypeOf<keyof NonNullable<ErrorData["fieldErrors"]>>().toEqualTypeOf<InputField>();
    // The domain's field names and the procedures' input fields are one set.
    expectTypeOf<FieldName>().toEqualTypeOf<InputField>();

    const read = (data: ErrorData) => {
      const known = data.reason === "incorrect_password" && data.fieldErrors?.newPassword;
      // @ts-expect-error a misspelt reason does not compile
      const misspelt = data.reason === "incorect_password";
      // @ts-expect-error an unknown field does not compile
      const unknown = data.fieldErrors?.newPasword;
      return [known, misspelt, unknown];
    };
    expect(typeof read).toBe("function");
  });
});
