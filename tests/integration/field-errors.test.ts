import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failureCatalogue } from "../../server/auth/failures.js";
import { createClient } from "../../server/trpc/client.js";
import { Device, signIn } from "../helpers/device.js";
import { formDoor, uniqueName } from "../helpers/doors.js";
import { startServer, type TestServer } from "../helpers/server.js";

/**
 * Every wrong field at once, as a person without JavaScript sees it (a plain form POST and the
 * server's re-render): each message once, next to its field, and a summary that links to the
 * fields. The doors that give one message keep giving the seed's first.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

const password = "original password 1";
const guessable =
  "This password is too easy to guess. This is similar to a commonly used password. Add another word or two. Uncommon words are better.";

/** What a person sees: the page without its scripts (Remix repeats the action's data in one for hydration). */
function visible(html: string): string {
  return html.replace(/<script\b[^>]*>[\s\S]*?<\/script>/g, "");
}

const escapeHtml = (text: string) => text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/'/g, "&#x27;");
const occurrences = (html: string, text: string) => html.split(escapeHtml(text)).length - 1;

/** The `<input>` tag of a field, by its name. */
function inputTag(html: string, name: string): string {
  const tag = new RegExp(`<input id="field-${name}"[^>]*>`).exec(html)?.[0];
  expect(tag, `input ${name}`).toBeDefined();
  return tag!;
}

/** Each message once, in its field's error slot, tied to the input; the summary's links in the page's order. */
function expectEveryFieldError(html: string, errors: [name: string, message: string][], labels: string[]) {
  for (const [name, message] of errors) {
    expect(occurrences(html, message), message).toBe(1);
    expect(html).toContain(`<p class="error" id="field-${name}-error">${escapeHtml(message)}</p>`);
    const input = inputTag(html, name);
    expect(input).toContain('aria-invalid="true"');
    expect(input).toMatch(new RegExp(`aria-describedby="[^"]*field-${name}-error`));
  }
  const summary = /<div class="error-summary" role="alert"[^>]*>([\s\S]*?)<\/div>/.exec(html)?.[1] ?? "";
  const links = [...summary.matchAll(/<a href="#([^"]+)">([^<]*)<\/a>/g)].map((match) => [match[1], match[2]]);
  expect(links).toEqual(errors.map(([name], index) => [`field-${name}`, labels[index]]));
  // The summary names the fields; it does not repeat their messages.
  for (const [, message] of errors) expect(summary).not.toContain(escapeHtml(message));
}

describe("the change-password page without JavaScript", () => {
  it("shows a wrong current password, a guessable new one and a mismatch at once, each once, next to its field", async () => {
    const account = await formDoor.signUp(server.url, uniqueName("all"), password);
    const response = await account.device.submitForm("/private/change-password", {
      current_password: "not my password",
      new_password: "password123456",
      confirm_new_password: "password12345",
    });
    expect(response.status).toBe(422);
    const html = visible(await response.text());
    expectEveryFieldError(
      html,
      [
        ["current_password", "Incorrect password."],
        ["new_password", guessable],
        ["confirm_new_password", "Passwords do not match."],
      ],
      ["Current password", "New password", "Confirm new password"],
    );
    expect(html).not.toContain("password123456");
    expect(html).not.toContain("not my password");
    // Nothing changed.
    expect((await signIn(new Device(server.url), account)).status).toBe(303);
  });

  it("marks only the wrong fields", async () => {
    const account = await formDoor.signUp(server.url, uniqueName("one"), password);
    const response = await account.device.submitForm("/private/change-password", {
      current_password: password,
      new_password: "aaaaaaaaaaaa",
      confirm_new_password: "aaaaaaaaaaaa",
    });
    const html = visible(await response.text());
    expect(response.status).toBe(422);
    expect(inputTag(html, "new_password")).toContain('aria-invalid="true"');
    expect(inputTag(html, "current_password")).not.toContain("aria-invalid");
    expect(inputTag(html, "confirm_new_password")).not.toContain("aria-invalid");
    expect(html).toContain('<a href="#field-new_password">New password</a>');
    expect(html).not.toContain('href="#field-current_password"');
  });
});

describe("the register page without JavaScript", () => {
  it("shows a bad username, a bad email, a short password and a mismatch at once, each once, next to its field", async () => {
    const response = await new Device(server.url).postForm("/register", {
      username: "a b",
      email: "not-an-email",
      password: "short",
      confirm_password: "other",
    });
    expect(response.status).toBe(422);
    const html = visible(await response.text());
    expectEveryFieldError(
      html,
      [
        ["username", failureCatalogue.invalid_username.message],
        ["email", failureCatalogue.invalid_email.message],
        ["password", "Password must be at least 12 characters long."],
        ["confirm_password", "Passwords do not match."],
      ],
      ["Username", "Email", "Password", "Confirm password"],
    );
    // The username and email come back to be corrected; the passwords never do.
    expect(inputTag(html, "username")).toContain('value="a b"');
    expect(inputTag(html, "email")).toContain('value="not-an-email"');
    expect(html).not.toContain('value="short"');
  });

  it("keeps a message that concerns no field in the summary itself", async () => {
    const first = { username: uniqueName("taken"), email: `${uniqueName()}@example.com`, password, confirm_password: password };
    await new Device(server.url).postForm("/register", first);
    const again = await new Device(server.url).postForm("/register", { ...first, email: `${uniqueName()}@example.com` });
    expect(again.status).toBe(409);
    const html = visible(await again.text());
    const message = failureCatalogue.already_registered.message;
    expect(occurrences(html, message)).toBe(1);
    expect(html).toMatch(new RegExp(`<div class="error-summary" role="alert"[^>]*><p class="error form-error">${message}</p></div>`));
    expect(html).not.toContain("aria-invalid");
  });
});

describe("the doors that give one message", () => {
  const wrongEverywhere = { currentPassword: "not my password", newPassword: "password123456", confirmNewPassword: "password12345" };

  it("JSON: the seed's single detail, the first failure in the seed's order", async () => {
    const account = await formDoor.signUp(server.url, uniqueName("json"), password);
    const response = await account.device.postJson("/private/change-password", {
      current_password: wrongEverywhere.currentPassword,
      new_password: wrongEverywhere.newPassword,
      confirm_new_password: wrongEverywhere.confirmNewPassword,
    });
    expect(response.status).toBe(422);
    expect(await response.json()).toEqual({ detail: "Passwords do not match." });

    const guessed = await account.device.postJson("/private/change-password", {
      current_password: password,
      new_password: "password123456",
      confirm_new_password: "password123456",
    });
    expect(guessed.status).toBe(422);
    expect(await guessed.json()).toEqual({ detail: guessable });
  });

  it("tRPC: the first failure's reason, field and message, and every field in fieldErrors", async () => {
    const username = uniqueName("trpc");
    await formDoor.signUp(server.url, username, password);
    const url = `${server.url}/trpc`;
    const { token } = await createClient({ url }).auth.login.mutate({ username, password });
    const error = await createClient({ url, token })
      .auth.changePassword.mutate(wrongEverywhere)
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      message: "Passwords do not match.",
      data: {
        code: "UNPROCESSABLE_CONTENT",
        httpStatus: 422,
        reason: "mismatch",
        field: "confirmNewPassword",
        fieldErrors: {
          currentPassword: ["Incorrect password."],
          newPassword: [guessable],
          confirmNewPassword: ["Passwords do not match."],
        },
      },
    });
  });
});
