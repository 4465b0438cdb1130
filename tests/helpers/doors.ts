import { createClient } from "../../server/trpc/client.js";
import { Device, signUpAndIn } from "./device.js";

export type Attempt = { currentPassword: string; newPassword: string; confirmNewPassword: string };
export type Outcome = { status: number; message: string | null };

/** One account, signed in through one of the three doors, able to try a change through it. */
export type Account = {
  username: string;
  password: string;
  device: Device;
  attempt(fields: Attempt): Promise<Outcome>;
};

/** `registerAt`: another server on the same database that registers the account (see signUpAndIn). */
export type Door = {
  name: "form" | "json" | "trpc";
  signUp(baseUrl: string, username: string, password: string, registerAt?: string): Promise<Account>;
};

const pagePath = "/private/change-password";

/**
 * Every error message a page shows, in the page's order: the summary's own message (one that
 * concerns no field) and each field's, all in the seed's `<p class="error">`.
 */
export function pageErrorMessages(html: string): string[] {
  const found = html.matchAll(/<p class="error(?: form-error)?"(?: id="field-[^"]+-error")?>([^<]*)<\/p>/g);
  return [...found].map((match) => decodeEntities(match[1]!));
}

/** The one message a page shows after a failed submit, or all of them one per line; null for none. */
export function pageErrorMessage(html: string): string | null {
  const messages = pageErrorMessages(html);
  return messages.length > 0 ? messages.join("\n") : null;
}

function decodeEntities(text: string): string {
  return text.replace(/&#x27;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/** The seed's field names for an attempt. */
export function seedFields(fields: Attempt): Record<string, string> {
  return {
    current_password: fields.currentPassword,
    new_password: fields.newPassword,
    confirm_new_password: fields.confirmNewPassword,
  };
}

/** A door on the page's own URL: the body is sent one way, the message read back another. */
function pageDoor(
  name: "form" | "json",
  send: (device: Device, body: Record<string, string>) => Promise<Response>,
  readMessage: (body: string) => string | null,
): Door {
  return {
    name,
    async signUp(baseUrl, username, password, registerAt) {
      const device = await signUpAndIn(baseUrl, { username, password }, { registerAt });
      return {
        username,
        password,
        device,
        async attempt(fields) {
          const response = await send(device, seedFields(fields));
          return { status: response.status, message: readMessage(await response.text()) };
        },
      };
    },
  };
}

export const formDoor = pageDoor("form", (device, body) => device.submitForm(pagePath, body), pageErrorMessage);

export const jsonDoor = pageDoor(
  "json",
  (device, body) => device.postJson(pagePath, body),
  (text) => (text ? (JSON.parse(text) as { detail: string }).detail : null),
);

export const trpcDoor: Door = {
  name: "trpc",
  async signUp(baseUrl, username, password, registerAt) {
    const device = await signUpAndIn(baseUrl, { username, password }, { registerAt });
    const { token } = await createClient({ url: `${baseUrl}/trpc` }).auth.login.mutate({ username, password });
    const client = createClient({ url: `${baseUrl}/trpc`, token });
    return {
      username,
      password,
      device,
      async attempt(fields) {
        try {
          await client.auth.changePassword.mutate(fields);
          return { status: 200, message: null };
        } catch (error) {
          const { data, message } = error as { data?: { httpStatus: number }; message: string };
          return { status: data?.httpStatus ?? 0, message };
        }
      },
    };
  },
};

export const doors = [formDoor, jsonDoor, trpcDoor];

let counter = 0;
/** A username no other test in the file uses. */
export function uniqueName(prefix = "user"): string {
  counter += 1;
  return `${prefix}${counter}_${process.pid}`;
}
