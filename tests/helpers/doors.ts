import { createClient } from "../../server/trpc/client.js";
import { Device, signUpAndIn } from "./browserish.js";

export type Attempt = { currentPassword: string; newPassword: string; confirmNewPassword: string };
export type Outcome = { status: number; message: string | null };

/** One account, signed in through one of the three doors, able to try a change through it. */
export type Account = {
  username: string;
  password: string;
  device: Device;
  attempt(fields: Attempt): Promise<Outcome>;
};

export type Door = { name: "form" | "json" | "trpc"; signUp(baseUrl: string, username: string, password: string): Promise<Account> };

const pagePath = "/private/change-password";

/** The form-level message the page renders in the seed's `<p class="error">`. */
export function pageErrorMessage(html: string): string | null {
  const match = /<p class="error form-error" role="alert"[^>]*>([^<]*)<\/p>/.exec(html);
  return match ? decodeEntities(match[1]!) : null;
}

function decodeEntities(text: string): string {
  return text.replace(/&#x27;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

export const formDoor: Door = {
  name: "form",
  async signUp(baseUrl, username, password) {
    const device = await signUpAndIn(baseUrl, { username, password });
    return {
      username,
      password,
      device,
      async attempt(fields) {
        const response = await device.postForm(pagePath, {
          current_password: fields.currentPassword,
          new_password: fields.newPassword,
          confirm_new_password: fields.confirmNewPassword,
        });
        return { status: response.status, message: pageErrorMessage(await response.text()) };
      },
    };
  },
};

export const jsonDoor: Door = {
  name: "json",
  async signUp(baseUrl, username, password) {
    const device = await signUpAndIn(baseUrl, { username, password });
    return {
      username,
      password,
      device,
      async attempt(fields) {
        const response = await device.postJson(pagePath, {
          current_password: fields.currentPassword,
          new_password: fields.newPassword,
          confirm_new_password: fields.confirmNewPassword,
        });
        const text = await response.text();
        return { status: response.status, message: text ? (JSON.parse(text) as { detail: string }).detail : null };
      },
    };
  },
};

export const trpcDoor: Door = {
  name: "trpc",
  async signUp(baseUrl, username, password) {
    const device = await signUpAndIn(baseUrl, { username, password });
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
