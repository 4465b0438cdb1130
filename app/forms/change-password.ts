/**
 * The change-password form's field names (the seed's) and how a submitted body maps onto the
 * `auth.changePassword` input. Plain code, shared by the page's action and the JSON door.
 */
export const changePasswordFields = {
  currentPassword: "current_password",
  newPassword: "new_password",
  confirmNewPassword: "confirm_new_password",
} as const;

/** The seed's docs call the first field `old_password`; its code reads `current_password`. Accept both. */
const currentPasswordAliases = ["current_password", "old_password"];

export type ChangePasswordFormInput = { currentPassword: string; newPassword: string; confirmNewPassword: string };

export type FieldsResult = { ok: true; input: ChangePasswordFormInput } | { ok: false; message: string };

/**
 * Reads the three fields from any body (form data or a JSON object). A missing or null field
 * becomes "" so the domain function reports it with the seed's message; a field that is not text
 * (a number, an object, an uploaded file) is refused here with a clear message.
 */
export function readChangePasswordFields(get: (name: string) => unknown): FieldsResult {
  const current = currentPasswordAliases.map(get).find((value) => value !== undefined && value !== null);
  const values: Record<keyof ChangePasswordFormInput, unknown> = {
    currentPassword: current,
    newPassword: get(changePasswordFields.newPassword),
    confirmNewPassword: get(changePasswordFields.confirmNewPassword),
  };
  const input: Partial<ChangePasswordFormInput> = {};
  for (const [key, value] of Object.entries(values) as [keyof ChangePasswordFormInput, unknown][]) {
    if (value === undefined || value === null) input[key] = "";
    else if (typeof value === "string") input[key] = value;
    else return { ok: false, message: `Form is invalid. ${changePasswordFields[key]} must be text.` };
  }
  return { ok: true, input: input as ChangePasswordFormInput };
}

/**
 * "Sign out of all other devices", offered when the app lets the owner choose
 * (SIGN_OUT_OTHER_DEVICES_CHOICE). The form sends a hidden "no" and, after it, the checkbox's
 * "yes" when ticked, so the last value is the answer and an unticked box still says "no"; the
 * JSON door takes a boolean. Left out entirely: no choice made, the app's default holds.
 */
export const signOutOtherDevicesField = "sign_out_other_devices";

export type ChoiceResult = { ok: true; value: boolean | undefined } | { ok: false; message: string };

export function readSignOutOtherDevices(value: unknown): ChoiceResult {
  if (value === undefined || value === null) return { ok: true, value: undefined };
  if (value === true || value === "yes") return { ok: true, value: true };
  if (value === false || value === "no") return { ok: true, value: false };
  return { ok: false, message: `Form is invalid. ${signOutOtherDevicesField} must be yes or no (true or false in JSON).` };
}
