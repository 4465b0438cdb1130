/**
 * The one catalogue of failures. Every refusal of every flow is one of these reasons, and each
 * reason says once how it travels: its HTTP status, its tRPC code (whose status tRPC derives and
 * a test checks against ours) and its message. A rule returns `fail(reason, ...)`; the doors only
 * look the reason up here. Plain data: nothing HTTP or tRPC is imported.
 */

/** Every field a failure can point at: the inputs of all flows, in the API's (camelCase) names. */
export type FieldName =
  | "username"
  | "email"
  | "password"
  | "confirmPassword"
  | "currentPassword"
  | "newPassword"
  | "confirmNewPassword"
  | "emailOrUsername"
  | "token"
  | "signOutOtherDevices"
  | "sessionId";

type TrpcCode =
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "METHOD_NOT_SUPPORTED"
  | "CONFLICT"
  | "UNPROCESSABLE_CONTENT"
  | "TOO_MANY_REQUESTS"
  | "SERVICE_UNAVAILABLE";

type Entry<Params = never> = {
  status: number;
  trpcCode: TrpcCode;
  message: [Params] extends [never] ? string : (params: Params) => string;
};

const invalid = { status: 422, trpcCode: "UNPROCESSABLE_CONTENT" } as const;

export const failureCatalogue = {
  // The seed's messages, word for word (piccolo_api change_password).
  read_only: { status: 405, trpcCode: "METHOD_NOT_SUPPORTED", message: "Running in read only mode" },
  missing_fields: { ...invalid, message: "Form is invalid. Missing one or more fields." },
  too_short: { ...invalid, message: ({ min }: { min: number }) => `Password must be at least ${min} characters long.` },
  mismatch: { ...invalid, message: "Passwords do not match." },
  incorrect_password: { ...invalid, message: "Incorrect password." },
  // Ours.
  too_long: { ...invalid, message: ({ max }: { max: number }) => `Password must be at most ${max} characters long.` },
  invalid_characters: {
    ...invalid,
    message: "Password contains characters that cannot be used (control characters, unassigned code points or broken Unicode).",
  },
  no_visible_character: {
    ...invalid,
    message: "Password must contain at least one visible character: a letter, digit, punctuation mark or symbol.",
  },
  common_password: { ...invalid, message: "This password is too common. Choose one that is harder to guess." },
  /** zxcvbn rates it under the minimum score (password-strength.ts); its advice says what to do instead. */
  too_guessable: { ...invalid, message: ({ advice }: { advice: string }) => `This password is too easy to guess. ${advice}`.trim() },
  same_as_username: { ...invalid, message: "Password must not be your username." },
  same_as_email: { ...invalid, message: "Password must not be your email address." },
  same_as_current: { ...invalid, message: "New password must be different from your current password." },
  rate_limited: {
    status: 429,
    trpcCode: "TOO_MANY_REQUESTS",
    message: ({ retryAfterSeconds }: { retryAfterSeconds: number }) => `Too many failed attempts. Try again in ${waitText(retryAfterSeconds)}.`,
  },
  conflict: {
    status: 409,
    trpcCode: "CONFLICT",
    message: "Your password was just changed by another request. Sign in again with the new password.",
  },
  /** Too much password work waiting, or the database locked for too long: nothing was done, try again. */
  busy: {
    status: 503,
    trpcCode: "SERVICE_UNAVAILABLE",
    message: ({ retryAfterSeconds }: { retryAfterSeconds: number }) =>
      `The server is busy. Try again in ${waitText(retryAfterSeconds)}.`,
  },
  not_signed_in: { status: 401, trpcCode: "UNAUTHORIZED", message: "Sign in first." },
  unknown_user: { status: 401, trpcCode: "UNAUTHORIZED", message: "Your account no longer exists." },
  no_such_user: {
    status: 404,
    trpcCode: "NOT_FOUND",
    message: ({ username }: { username: string }) => `There is no user called "${username}".`,
  },
  // One message for both cases, so the form does not tell which usernames exist.
  invalid_credentials: { status: 401, trpcCode: "UNAUTHORIZED", message: "Incorrect username or password." },
  missing_credentials: { ...invalid, message: "Enter your username and password." },
  invalid_username: { ...invalid, message: "Usernames are 3 to 32 letters, digits, dots, dashes or underscores." },
  invalid_email: { ...invalid, message: "Enter a valid email address." },
  // One message whether the username or the e-mail address is taken: a probe does not learn which.
  already_registered: { status: 409, trpcCode: "CONFLICT", message: "That username or email address is already registered." },
  too_many_registrations: {
    status: 429,
    trpcCode: "TOO_MANY_REQUESTS",
    message: ({ retryAfterSeconds }: { retryAfterSeconds: number }) =>
      `Too many sign-up attempts from your network. Try again in ${waitText(retryAfterSeconds)}.`,
  },
  // Password reset. One answer to a request whether or not the account exists; the link's three
  // ways of being unusable are told apart, since only the holder of a link can ask about it.
  missing_account_name: { ...invalid, message: "Enter your username or email address." },
  too_many_reset_requests: {
    status: 429,
    trpcCode: "TOO_MANY_REQUESTS",
    message: ({ retryAfterSeconds }: { retryAfterSeconds: number }) =>
      `Too many password reset requests. Use a link already sent to you, or try again in ${waitText(retryAfterSeconds)}.`,
  },
  reset_link_invalid: {
    status: 404,
    trpcCode: "NOT_FOUND",
    message: "This password reset link is not valid. Check that you opened the whole link from the email, or ask for a new one.",
  },
  reset_link_expired: { status: 404, trpcCode: "NOT_FOUND", message: "This password reset link has expired. Ask for a new one." },
  reset_link_used: {
    status: 404,
    trpcCode: "NOT_FOUND",
    message: "This password reset link has already been used, or your password has changed since it was sent. Ask for a new one if you still need it.",
  },
  // The list of signed-in devices: one answer for an id of another account's session, an ended one or a made-up one.
  no_such_device: { status: 404, trpcCode: "NOT_FOUND", message: "That device is not signed in to your account." },
  this_device: { ...invalid, message: 'That is the device you are using: sign out of it with "Sign out".' },
  /** Input that does not have the procedure's shape (zod's verdict); the message is zod's. */
  invalid_input: { ...invalid, message: ({ detail }: { detail: string }) => (detail ? `Invalid input. ${detail}` : "Invalid input.") },
} as const satisfies Record<
  string,
  | Entry<never>
  | Entry<{ min: number }>
  | Entry<{ max: number }>
  | Entry<{ retryAfterSeconds: number }>
  | Entry<{ username: string }>
  | Entry<{ detail: string }>
  | Entry<{ advice: string }>
>;

/** Seconds a client is asked to wait when the server is `busy`. */
export const busyRetryAfterSeconds = 2;

/** Too much password work waiting: new work is turned away at once rather than queued (passwords.ts). */
export function busy(): Failure<"busy"> {
  return fail("busy", { retryAfterSeconds: busyRetryAfterSeconds });
}

type Catalogue = typeof failureCatalogue;
export type FailureReason = keyof Catalogue;

type ParamsOf<R extends FailureReason> = Catalogue[R]["message"] extends (params: infer P) => string ? P : never;

export type Failure<R extends FailureReason = FailureReason> = {
  ok: false;
  reason: R;
  message: string;
  field?: FieldName;
  /** With `rate_limited`, `too_many_registrations` and `too_many_reset_requests`: when to try again. */
  retryAfterSeconds?: number;
  /**
   * Every field the request got wrong, one failure each, this one first: forms show them all at
   * once, next to their fields. Set by `failureOfFields`, through which the flows report them.
   */
  fieldFailures?: FieldFailure[];
};

/** One wrong field of a request: its failure's reason and message. */
export type FieldFailure = { field: FieldName; reason: FailureReason; message: string };

type Extra = { field?: FieldName };
type FailArgs<R extends FailureReason> = [ParamsOf<R>] extends [never] ? [extra?: Extra] : [params: ParamsOf<R> & Extra];

/** The failure value for a reason, its message filled in from the catalogue. */
export function fail<R extends FailureReason>(reason: R, ...[details]: FailArgs<R>): Failure<R> {
  const entry: { message: string | ((params: never) => string) } = failureCatalogue[reason];
  const params = (details ?? {}) as Extra & Record<string, unknown>;
  const message = typeof entry.message === "string" ? entry.message : entry.message(params as never);
  const failure: Failure<R> = { ok: false, reason, message };
  if (params.field !== undefined) failure.field = params.field;
  if (typeof params.retryAfterSeconds === "number") failure.retryAfterSeconds = params.retryAfterSeconds;
  return failure;
}

/**
 * The failures a flow found in a request's fields (each naming its field, at most one per field),
 * as the request's one failure: the first, in the order the flow checks (the seed's order, so the
 * doors that give one message, the JSON door's `detail` and tRPC's message and reason, keep
 * giving the seed's), carrying all of them in `fieldFailures`. Null when there are none.
 */
export function failureOfFields<R extends FailureReason>(found: readonly Failure<R>[]): Failure<R> | null {
  const [first] = found;
  if (!first) return null;
  const all = found.flatMap(({ field, reason, message }) => (field ? [{ field, reason, message }] : []));
  return { ...first, fieldFailures: all };
}

export function failureStatus(reason: FailureReason): number {
  return failureCatalogue[reason].status;
}

export function failureTrpcCode(reason: FailureReason): TrpcCode {
  return failureCatalogue[reason].trpcCode;
}

export function isFailureReason(value: unknown): value is FailureReason {
  return typeof value === "string" && Object.hasOwn(failureCatalogue, value);
}

/** "15 minutes", "30 seconds", "24 hours" (the daily counters). */
function waitText(seconds: number): string {
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes <= 120) return `${minutes} minute${minutes === 1 ? "" : "s"}`;
  return `${Math.ceil(minutes / 60)} hours`;
}
