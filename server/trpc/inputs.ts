import { z } from "zod";

/** Every procedure's input, in one place: the routers validate with them, the error shape is keyed by their fields. */
export const registerInput = z.object({
  username: z.string(),
  email: z.string(),
  password: z.string(),
  confirmPassword: z.string().optional(),
});

export const loginInput = z.object({ username: z.string(), password: z.string() });

export const changePasswordInput = z.object({
  currentPassword: z.string(),
  newPassword: z.string(),
  confirmNewPassword: z.string().optional(),
  /**
   * Whether to sign out the account's other devices; heeded only when the app offers the choice
   * (SIGN_OUT_OTHER_DEVICES_CHOICE), otherwise INVALIDATE_SESSIONS decides. The answer says what happened.
   */
  signOutOtherDevices: z.boolean().optional(),
});

/** Step one of a reset: the account's username or e-mail address. */
export const requestPasswordResetInput = z.object({ emailOrUsername: z.string() });

/** The token from a reset link (the last segment of /reset-password/<token>). */
export const resetLinkInput = z.object({ token: z.string() });

export const resetPasswordInput = z.object({
  token: z.string(),
  newPassword: z.string(),
  confirmNewPassword: z.string().optional(),
});

/** An id from `auth.sessions` (opaque: never a token). */
export const signOutSessionInput = z.object({ sessionId: z.string().max(100) });

/** The field names a client may find in `error.data.fieldErrors` and `error.data.field`. */
export type InputField =
  | keyof z.input<typeof registerInput>
  | keyof z.input<typeof loginInput>
  | keyof z.input<typeof changePasswordInput>
  | keyof z.input<typeof requestPasswordResetInput>
  | keyof z.input<typeof resetPasswordInput>
  | keyof z.input<typeof signOutSessionInput>;
