import nodemailer from "nodemailer";
import { describe, expect, it } from "vitest";
import type { AppOptions } from "../../server/app.js";
import { createClient } from "../../server/trpc/client.js";
import { Device, signIn, signUpAndIn } from "../helpers/device.js";
import { seedFields, uniqueName } from "../helpers/doors.js";
import { serversForEachTest } from "../helpers/server.js";
import { sqlOf } from "../helpers/sql.js";

const password = "original password 1";
const fresh = "a brand new password";
const change = seedFields({ currentPassword: password, newPassword: fresh, confirmNewPassword: fresh });
const serverWith = serversForEachTest();

/** A real nodemailer transport (its custom-transport API) that keeps each built message in memory. */
function memoryTransport() {
  const messages: string[] = [];
  const transport = nodemailer.createTransport({
    name: "memory",
    version: "1",
    send(mail, done) {
      mail.message.build((error, message) => {
        if (!error) messages.push(message.toString());
        done(error, { envelope: mail.message.getEnvelope(), messageId: mail.message.messageId() });
      });
    },
  });
  return { transport, messages };
}

async function eventually(check: () => boolean | Promise<boolean>) {
  for (let tries = 0; tries < 100 && !(await check()); tries++) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe("afterPasswordChange: sign-in-again (the default)", () => {
  it("signs out everywhere, and the login page then says so once", async () => {
    const server = await serverWith();
    const device = await signUpAndIn(server.url, { username: uniqueName(), password });
    const response = await device.submitForm("/private/change-password", change);
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/login");

    const login = await (await device.request("/login")).text();
    expect(login).toContain("Your password was changed. Sign in with your new password.");
    // One-shot: a reload no longer shows it.
    expect(await (await device.request("/login")).text()).not.toContain("Your password was changed.");
  });
});

describe("afterPasswordChange: stay-signed-in", () => {
  it("keeps this device signed in with a fresh session, signs out the others, and says how many", async () => {
    const server = await serverWith({ afterPasswordChange: "stay-signed-in" });
    const username = uniqueName();
    const device = await signUpAndIn(server.url, { username, password });
    const oldToken = device.cookies.get("session");
    const others = [new Device(server.url), new Device(server.url)];
    for (const other of others) await signIn(other, { username, password });

    const response = await device.submitForm("/private/change-password", change);
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/private/password-changed");
    const newToken = device.cookies.get("session");
    expect(newToken).toBeDefined();
    expect(newToken).not.toBe(oldToken);

    const page = await device.request("/private/password-changed");
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Your password was changed. 2 other devices were signed out.");
    expect(html).toContain("<h1>Password changed</h1>");
    for (const other of others) expect((await other.request("/private/change-password")).status).toBe(302);
    // The old cookie value is dead too: only the fresh session lives.
    const stale = new Device(server.url);
    stale.cookies.set("session", oldToken!);
    expect((await stale.request("/private/change-password")).status).toBe(302);

    const reload = await (await device.request("/private/password-changed")).text();
    expect(reload).not.toContain("Your password was changed.");
    expect(reload).toContain("<h1>Your account</h1>");
  });

  it("the success URL is an option", async () => {
    const server = await serverWith({ afterPasswordChange: "stay-signed-in", passwordChangedUrl: "/" });
    const device = await signUpAndIn(server.url, { username: uniqueName(), password });
    const response = await device.postJson("/private/change-password", change);
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/");
    expect(await (await device.request("/")).text()).toContain("Your password was changed. No other device was signed in.");
  });

  it("tells a tRPC client what happened and gives a bearer client its new token", async () => {
    const server = await serverWith({ afterPasswordChange: "stay-signed-in" });
    const username = uniqueName();
    await signUpAndIn(server.url, { username, password });
    const url = `${server.url}/trpc`;
    const { token } = await createClient({ url }).auth.login.mutate({ username, password });
    const result = await createClient({ url, token }).auth.changePassword.mutate({ currentPassword: password, newPassword: fresh });
    expect(result).toMatchObject({
      mode: "stay-signed-in",
      signedOut: false,
      redirectTo: "/private/password-changed",
      revokedSessions: 2,
      otherSessionsEnded: 1,
    });
    if (result.signedOut || !result.token) throw new Error("expected a new token");
    expect(await createClient({ url, token }).auth.me.query()).toBeNull();
    expect((await createClient({ url, token: result.token }).auth.me.query())?.user.username).toBe(username);
  });
});

describe("stay-signed-in on the JSON door with a bearer token", () => {
  it("answers the replacement token, since a redirect has no place for it", async () => {
    const server = await serverWith({ afterPasswordChange: "stay-signed-in" });
    const username = uniqueName();
    await signUpAndIn(server.url, { username, password });
    const url = `${server.url}/trpc`;
    const { token } = await createClient({ url }).auth.login.mutate({ username, password });
    const response = await fetch(`${server.url}/private/change-password`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ current_password: password, new_password: fresh, confirm_new_password: fresh }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { token: string; expiresAt: string; redirectTo: string };
    expect(body.redirectTo).toBe("/private/password-changed");
    expect(new Date(body.expiresAt).getTime()).toBeGreaterThan(Date.now());
    expect(await createClient({ url, token }).auth.me.query()).toBeNull();
    expect((await createClient({ url, token: body.token }).auth.me.query())?.user.username).toBe(username);
  });
});

describe("the change notification", () => {
  it("sends exactly one message per success, none per failure, with when, browser and IP, never a password", async () => {
    const { transport, messages } = memoryTransport();
    const server = await serverWith({ mailTransport: transport });
    const username = uniqueName();
    const device = await signUpAndIn(server.url, { username, password });

    const failures = [
      seedFields({ currentPassword: "wrong password!", newPassword: fresh, confirmNewPassword: fresh }),
      seedFields({ currentPassword: password, newPassword: "short", confirmNewPassword: "short" }),
    ];
    for (const body of failures) expect((await device.postJson("/private/change-password", body)).status).toBe(422);

    const userAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/150.0 Safari/537.36";
    const response = await device.submitForm("/private/change-password", change, { headers: { "user-agent": userAgent } });
    expect(response.status).toBe(303);
    await eventually(() => messages.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 100));

    expect(messages).toHaveLength(1);
    // Undo quoted-printable soft line breaks.
    const message = messages[0]!.replace(/=\r?\n/g, "");
    expect(message).toMatch(new RegExp(`^To: ${username}@example\\.com`, "m"));
    expect(message).toContain("Subject: Your password was changed");
    expect(message).toMatch(/changed on \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC, from Chrome on Linux at IP address 127\.0\.0\.1/);
    expect(message).toContain("If it was not you");
    for (const secret of [password, fresh, "wrong password!"]) expect(message).not.toContain(secret);

    const outbox = (await sqlOf(server.app.store).all("SELECT sent_at, error FROM outbox")) as { sent_at: number | null; error: string | null }[];
    expect(outbox).toHaveLength(1);
    expect(outbox[0]!.sent_at).toBeGreaterThan(0);
    expect(outbox[0]!.error).toBeNull();
  });

  it("without e-mail set up, records the message in the outbox and the log", async () => {
    const server = await serverWith();
    const username = uniqueName();
    const device = await signUpAndIn(server.url, { username, password });
    await device.submitForm("/private/change-password", change);
    const rows = (await sqlOf(server.app.store).all("SELECT recipient, subject, sent_at FROM outbox"));
    expect(rows).toEqual([{ recipient: `${username}@example.com`, subject: "Your password was changed", sent_at: null }]);
  });

  it("a failing mail server neither fails nor delays the change; the failure is recorded", async () => {
    const transport = nodemailer.createTransport({
      name: "broken",
      version: "1",
      send: (_mail, done) => done(new Error("connection refused"), undefined as never),
    });
    const server = await serverWith({ mailTransport: transport });
    const device = await signUpAndIn(server.url, { username: uniqueName(), password });
    expect((await device.submitForm("/private/change-password", change)).status).toBe(303);
    await eventually(async () => (await sqlOf(server.app.store).value("SELECT error FROM outbox")) !== null);
    expect((await sqlOf(server.app.store).value("SELECT error FROM outbox"))).toBe("connection refused");
  });
});
