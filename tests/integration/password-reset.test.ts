import nodemailer from "nodemailer";
import { TRPCClientError } from "@trpc/client";
import { describe, expect, it } from "vitest";
import { createClient } from "../../server/trpc/client.js";
import type { AppRouter } from "../../server/trpc/routers/_app.js";
import { Device, signIn, signUpAndIn } from "../helpers/device.js";
import { pageErrorMessage, uniqueName } from "../helpers/doors.js";
import { rawRequest } from "../helpers/raw-http.js";
import { serversForEachTest, type TestServer } from "../helpers/server.js";
import { sqlOf } from "../helpers/sql.js";

/**
 * "Forgot your password?" through the real server on this run's store: the no-JavaScript pages (form
 * POSTs, Post/Redirect/Get), the typed tRPC client, the link in the e-mail, and what an attacker
 * can send (a forged Host, an unknown account, a flood).
 */

const serverWith = serversForEachTest();
const password = "original password 1";
const fresh = "a brand new password";

/** The newest reset link e-mailed to `email`, as the outbox holds it (no mail transport in these tests). */
async function linkFor(server: TestServer, email: string): Promise<string> {
  const body = await sqlOf(server.app.store).value<string>(
    "SELECT body FROM outbox WHERE recipient = ? AND subject = ? ORDER BY id DESC LIMIT 1",
    email,
    "Reset your password",
  );
  const link = /^https?:\/\/\S+\/reset-password\/[A-Za-z0-9_-]{43}$/m.exec(body ?? "")?.[0];
  if (!link) throw new Error(`no reset link e-mailed to ${email}: ${body}`);
  return link;
}

const pathOf = (link: string) => new URL(link).pathname;

async function eventually(check: () => boolean | Promise<boolean>) {
  for (let tries = 0; tries < 150 && !(await check()); tries++) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe("the no-JavaScript journey", () => {
  it("forgot → e-mail → link → new password → every device signed out → sign in with the new password", async () => {
    const server = await serverWith();
    const username = uniqueName("forgetful");
    const email = `${username}@example.com`;
    const laptop = await signUpAndIn(server.url, { username, password });
    const phone = new Device(server.url);
    expect((await signIn(phone, { username, password })).status).toBe(303);

    // Both pages that ask for a password offer the way out.
    const visitor = new Device(server.url);
    expect(await (await visitor.request("/login")).text()).toMatch(/<a [^>]*href="\/forgot-password"[^>]*>Forgot your password\?<\/a>/);
    expect(await (await laptop.request("/private/change-password")).text()).toMatch(/<a [^>]*href="\/forgot-password"[^>]*>Forgot your password\?<\/a>/);

    const page = await visitor.request("/forgot-password");
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("<title>Forgot password — Change Password Demo</title>");
    expect(html).toMatch(/<label for="field-email_or_username">Username or email address<\/label>/);
    expect(html).toMatch(/<input id="field-email_or_username" name="email_or_username"[^>]* autoComplete="username"/);

    const asked = await visitor.postForm("/forgot-password", { csrf: "", email_or_username: email });
    expect(asked.status).toBe(303);
    expect(asked.headers.get("location")).toBe("/forgot-password?sent");
    const sent = await (await visitor.request("/forgot-password?sent")).text();
    expect(sent).toContain("Check your email");
    expect(sent).toContain("It works once, for 30 minutes.");

    // The link in the e-mail, at this server's address.
    const link = await linkFor(server, email);
    expect(link.startsWith(`${server.url}/reset-password/`)).toBe(true);

    const form = await visitor.request(pathOf(link));
    expect(form.status).toBe(200);
    const formHtml = await form.text();
    expect(formHtml).toContain("<title>Reset password — Change Password Demo</title>");
    expect(formHtml).toContain(`For the account ${username}.`);
    expect(formHtml).toContain('name="new_password"');
    expect(formHtml).toContain('name="confirm_new_password"');
    expect(form.headers.get("cache-control")).toBe("no-store");

    // The change form's rules, and no password comes back into the page.
    const mismatch = await visitor.postForm(pathOf(link), { csrf: "", new_password: fresh, confirm_new_password: "something else entirely" });
    expect(mismatch.status).toBe(422);
    const mismatchHtml = await mismatch.text();
    expect(pageErrorMessage(mismatchHtml)).toBe("Passwords do not match.");
    expect(mismatchHtml).not.toContain(fresh);
    expect(mismatchHtml).toMatch(/<input id="field-confirm_new_password" name="confirm_new_password" aria-invalid="true" aria-describedby="field-confirm_new_password-error/);

    const done = await visitor.postForm(pathOf(link), { csrf: "", new_password: fresh, confirm_new_password: fresh });
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe("/login");
    const login = await (await visitor.request(done.headers.get("location")!)).text();
    expect(login).toContain("Your password was reset and every device was signed out. Sign in with your new password.");
    expect(login).toContain(`value="${username}"`);

    // Every device is signed out; only the new password works.
    for (const device of [laptop, phone]) expect((await device.request("/private/change-password")).status).toBe(302);
    expect((await signIn(new Device(server.url), { username, password })).status).toBe(401);
    expect((await signIn(new Device(server.url), { username, password: fresh })).status).toBe(303);

    // The link worked once.
    const again = await visitor.request(pathOf(link));
    expect(again.status).toBe(404);
    const againHtml = await again.text();
    expect(againHtml).toContain("This link cannot be used");
    expect(againHtml).toContain("already been used");
    expect(againHtml).toMatch(/<a [^>]*href="\/forgot-password"[^>]*>Ask for a new link<\/a>/);

    // The owner hears about it; the stored e-mails hold no live link and no password.
    const mails = await sqlOf(server.app.store).all<{ subject: string; body: string }>("SELECT subject, body FROM outbox WHERE recipient = ? ORDER BY id", email);
    expect(mails.map((mail) => mail.subject)).toEqual(["Reset your password", "Your password was reset"]);
    expect(JSON.stringify(mails)).not.toContain(link);
    expect(JSON.stringify(mails)).not.toContain(fresh);
  });

  it("answers an unknown account exactly as a known one", async () => {
    const server = await serverWith();
    const username = uniqueName("known");
    await signUpAndIn(server.url, { username, password });
    const answers = [];
    for (const name of [username, uniqueName("unknown"), "nobody@example.com"]) {
      const response = await new Device(server.url).postForm("/forgot-password", { email_or_username: name });
      answers.push({ status: response.status, location: response.headers.get("location"), body: await response.text() });
    }
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    expect(await sqlOf(server.app.store).value("SELECT count(*) FROM outbox")).toBe(1);
  });

  it("limits requests per account, with the same 429 for an unknown one, and says when to retry", async () => {
    const server = await serverWith({ trustProxy: true });
    const username = uniqueName("flooded");
    await signUpAndIn(server.url, { username, password });
    const ask = (name: string, ip: string) => new Device(server.url, ip).postForm("/forgot-password", { email_or_username: name });
    const ghost = uniqueName("ghost");
    for (let n = 0; n < 3; n++) {
      expect((await ask(username, `203.0.113.${n}`)).status).toBe(303);
      expect((await ask(ghost, `203.0.113.${n}`)).status).toBe(303);
    }
    const refusals = [await ask(username, "198.51.100.1"), await ask(ghost, "198.51.100.1")];
    const [known, unknown] = await Promise.all(
      refusals.map(async (response) => ({ status: response.status, retryAfter: response.headers.get("retry-after"), message: pageErrorMessage(await response.text()) })),
    );
    // The same refusal; the waits differ only by when each name's window began (a second at most here).
    expect({ ...known, retryAfter: null }).toEqual({ ...unknown, retryAfter: null });
    expect(Math.abs(Number(known!.retryAfter) - Number(unknown!.retryAfter))).toBeLessThanOrEqual(1);
    expect(known!.status).toBe(429);
    expect(Number(known!.retryAfter)).toBeGreaterThan(1700);
    expect(known!.message).toMatch(/^Too many password reset requests\. Use a link already sent to you, or try again in 30 minutes\.$/);
    expect(await sqlOf(server.app.store).value("SELECT count(*) FROM outbox")).toBe(3);
  });

  it("shows a clear page, with its status and a way to ask again, for an expired or made-up link", async () => {
    const server = await serverWith();
    const username = uniqueName("late");
    await signUpAndIn(server.url, { username, password });
    await new Device(server.url).postForm("/forgot-password", { email_or_username: username });
    const link = await linkFor(server, `${username}@example.com`);
    await sqlOf(server.app.store).run("UPDATE password_reset SET expires_at = ?", Date.now() - 1);

    const visitor = new Device(server.url);
    for (const response of [
      await visitor.request(pathOf(link)),
      await visitor.postForm(pathOf(link), { new_password: fresh, confirm_new_password: fresh }),
    ]) {
      expect(response.status).toBe(404);
      const html = await response.text();
      expect(html).toContain("This password reset link has expired. Ask for a new one.");
      expect(html).toMatch(/<a [^>]*href="\/forgot-password"[^>]*>Ask for a new link<\/a>/);
      expect(html).not.toMatch(/at .*\.(ts|js):\d+|Unexpected Server Error/);
    }
    expect((await signIn(new Device(server.url), { username, password })).status).toBe(303);

    for (const path of ["/reset-password/not-a-token", `/reset-password/${"A".repeat(43)}`, "/reset-password/%E2%82%AC"]) {
      const response = await visitor.request(path);
      expect(response.status).toBe(404);
      expect(await response.text()).toContain("This password reset link is not valid.");
    }
  });

  it("a signed-in browser's form carries its session-bound token; a stale one changes nothing", async () => {
    const server = await serverWith();
    const username = uniqueName("signedin");
    const device = await signUpAndIn(server.url, { username, password });
    const refused = await device.postForm("/forgot-password", { csrf: "stale", email_or_username: username });
    expect(refused.status).toBe(403);
    expect(await sqlOf(server.app.store).value("SELECT count(*) FROM outbox")).toBe(0);
    expect((await device.submitForm("/forgot-password", { email_or_username: username })).status).toBe(303);

    const link = await linkFor(server, `${username}@example.com`);
    expect((await device.postForm(pathOf(link), { csrf: "stale", new_password: fresh, confirm_new_password: fresh })).status).toBe(403);
    const reset = await device.submitForm(pathOf(link), { new_password: fresh, confirm_new_password: fresh });
    expect(reset.status).toBe(303);
    // Its own session ended with the others: the cookie goes too.
    expect(device.cookies.has("session")).toBe(false);
  });

  it("refuses a cross-site POST to either page", async () => {
    const server = await serverWith();
    const username = uniqueName("crossed");
    await signUpAndIn(server.url, { username, password });
    const hostile = { origin: "https://evil.example" };
    expect((await new Device(server.url).postForm("/forgot-password", { email_or_username: username }, hostile)).status).toBe(403);
    await new Device(server.url).postForm("/forgot-password", { email_or_username: username });
    const path = pathOf(await linkFor(server, `${username}@example.com`));
    expect((await new Device(server.url).postForm(path, { new_password: fresh, confirm_new_password: fresh }, hostile)).status).toBe(403);
    expect((await signIn(new Device(server.url), { username, password })).status).toBe(303);
  });
});

describe("the typed tRPC client", () => {
  it("asks, checks the link, resets, and reads typed failures", async () => {
    const server = await serverWith();
    const url = `${server.url}/trpc`;
    const username = uniqueName("typed");
    await signUpAndIn(server.url, { username, password });
    const { token: bearer } = await createClient({ url }).auth.login.mutate({ username, password });
    const client = createClient({ url });

    expect(await client.auth.requestPasswordReset.mutate({ emailOrUsername: username })).toEqual({ linkLifetimeMinutes: 30 });
    expect(await client.auth.requestPasswordReset.mutate({ emailOrUsername: uniqueName("nobody") })).toEqual({ linkLifetimeMinutes: 30 });
    const token = pathOf(await linkFor(server, `${username}@example.com`)).split("/").pop()!;

    const link = await client.auth.passwordResetLink.query({ token });
    expect(link).toMatchObject({ username, email: `${username}@example.com` });
    expect(new Date(link.expiresAt).getTime()).toBeGreaterThan(Date.now() + 29 * 60_000);

    const failure = await client.auth.resetPassword.mutate({ token, newPassword: "short", confirmNewPassword: "short" }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TRPCClientError);
    expect((failure as TRPCClientError<AppRouter>).data).toMatchObject({ reason: "too_short", field: "newPassword", httpStatus: 422 });

    const done = await client.auth.resetPassword.mutate({ token, newPassword: fresh });
    expect(done).toEqual({ username, signedOut: true, sessionsEnded: 2, redirectTo: "/login" });
    expect(await createClient({ url, token: bearer }).auth.me.query()).toBeNull();

    const used = await client.auth.passwordResetLink.query({ token }).catch((error: unknown) => error);
    expect((used as TRPCClientError<AppRouter>).data).toMatchObject({ reason: "reset_link_used", httpStatus: 404, code: "NOT_FOUND" });
    const empty = await client.auth.requestPasswordReset.mutate({ emailOrUsername: "" }).catch((error: unknown) => error);
    expect((empty as TRPCClientError<AppRouter>).data).toMatchObject({ reason: "missing_account_name", field: "emailOrUsername" });
  });

  it("answers 429 with Retry-After past the limit, the same for any name", async () => {
    const server = await serverWith({ rateLimitResetIpAttempts: 2 });
    const response = async (name: string) =>
      fetch(`${server.url}/trpc/auth.requestPasswordReset`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ emailOrUsername: name }),
      });
    expect((await response("a-name")).status).toBe(200);
    expect((await response("b-name")).status).toBe(200);
    const refused = await response("c-name");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(1700);
    expect(((await refused.json()) as { error: { data: { reason: string } } }).error.data.reason).toBe("too_many_reset_requests");
  });
});

describe("the link's origin", () => {
  const forged = { host: "evil.example", origin: "http://evil.example", "content-type": "application/x-www-form-urlencoded" };

  it("is never the request's Host: without PUBLIC_ORIGIN it is the address the server listens on", async () => {
    const server = await serverWith();
    const username = uniqueName("poisoned");
    await signUpAndIn(server.url, { username, password });
    const response = await rawRequest(server.url, {
      method: "POST",
      path: "/forgot-password",
      headers: forged,
      body: new URLSearchParams({ email_or_username: username }).toString(),
    });
    expect(response.status).toBe(303);
    const trpc = await rawRequest(server.url, {
      method: "POST",
      path: "/trpc/auth.requestPasswordReset",
      headers: { ...forged, "content-type": "application/json", "x-forwarded-host": "evil.example" },
      body: JSON.stringify({ emailOrUsername: username }),
    });
    expect(trpc.status).toBe(200);
    const bodies = await sqlOf(server.app.store).values<string>("SELECT body FROM outbox");
    expect(bodies).toHaveLength(2);
    for (const body of bodies) {
      expect(body).not.toContain("evil.example");
      expect(body).toContain(`${server.url}/reset-password/`);
    }
  });

  it("is PUBLIC_ORIGIN when it is set, in the link and in the notices' advice", async () => {
    const server = await serverWith({ publicOrigin: "https://accounts.example" });
    const username = uniqueName("public");
    // Behind PUBLIC_ORIGIN the pages expect it as Origin; a program without cookies and without Origin may post.
    await fetch(`${server.url}/trpc/auth.register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username, email: `${username}@example.com`, password, confirmPassword: password }),
    });
    const client = createClient({ url: `${server.url}/trpc` });
    await client.auth.requestPasswordReset.mutate({ emailOrUsername: username });
    const link = await linkFor(server, `${username}@example.com`);
    expect(link.startsWith("https://accounts.example/reset-password/")).toBe(true);
    const token = link.split("/").pop()!;
    await client.auth.resetPassword.mutate({ token, newPassword: fresh, confirmNewPassword: fresh });
    const notice = await sqlOf(server.app.store).value<string>("SELECT body FROM outbox WHERE subject = ?", "Your password was reset");
    expect(notice).toContain("https://accounts.example/forgot-password");
  });
});

describe("delivery", () => {
  it("sends the link through the mail transport, then keeps only a copy without it", async () => {
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
    const server = await serverWith({ mailTransport: transport, mailFrom: "Accounts <accounts@example.com>" });
    const username = uniqueName("mailed");
    await signUpAndIn(server.url, { username, password });
    expect((await new Device(server.url).postForm("/forgot-password", { email_or_username: username })).status).toBe(303);
    await eventually(() => messages.length > 0);
    // Undo quoted-printable soft line breaks.
    const mail = messages[0]!.replace(/=\r?\n/g, "");
    expect(mail).toMatch(/^From: Accounts <accounts@example\.com>/m);
    expect(mail).toContain("Subject: Reset your password");
    expect(mail).toContain("If you need help, reply to this message.");
    const link = /http:\/\/\S+\/reset-password\/[A-Za-z0-9_-]{43}/.exec(mail)?.[0];
    expect(link?.startsWith(`${server.url}/reset-password/`)).toBe(true);
    await eventually(async () => (await sqlOf(server.app.store).value("SELECT sent_at FROM outbox")) !== null);
    const stored = await sqlOf(server.app.store).get<{ body: string; redacted_body: string | null; secret_until: number | null }>(
      "SELECT body, redacted_body, secret_until FROM outbox",
    );
    expect(stored).toMatchObject({ redacted_body: null, secret_until: null });
    expect(stored!.body).not.toContain(link!);
    // The link itself still works: only the stored copy lost it.
    expect((await new Device(server.url).request(pathOf(link!))).status).toBe(200);
  });
});

describe("malformed requests", () => {
  it("get no 5xx, no stack trace and no echoed password from either page or procedure, and change nothing", async () => {
    const server = await serverWith({ rateLimitResetAttempts: 1000, rateLimitResetIpAttempts: 100_000 });
    const username = uniqueName("fuzzed");
    await signUpAndIn(server.url, { username, password });
    await new Device(server.url).postForm("/forgot-password", { email_or_username: username });
    const link = pathOf(await linkFor(server, `${username}@example.com`));
    const marker = "MARKER-pw-\u00e9";
    const values = ["", marker, `${marker}\ud800`, "x".repeat(7000), "\u0000", "a@b", "../../etc", "%ZZ"];
    const names = ["email_or_username", "new_password", "confirm_new_password", "current_password", "csrf"];
    const bodies: [string, string][] = [
      ...values.map((value): [string, string] => ["application/x-www-form-urlencoded", names.map((name) => `${name}=${encodeURIComponent(value.toWellFormed())}`).join("&")]),
      ["application/x-www-form-urlencoded", `new_password=%ED%A0%80${encodeURIComponent(marker)}&new_password=2&confirm_new_password=%E0%A4%A&email_or_username=%FF`],
      ["multipart/form-data; boundary=x", `--x\r\nContent-Disposition: form-data; name="new_password"; filename="a.txt"\r\n\r\n${marker}\r\n--x--\r\n`],
      ["multipart/form-data", "garbage"],
      ["text/plain", `email_or_username=${marker}`],
      ...["null", "[]", "42", '{"emailOrUsername": 5}', `{"token": ["${marker}"], "newPassword": {"a": 1}}`, `{"emailOrUsername": "${marker}", "token": null}`, "{", `{"token": "\\ud800", "newPassword": "${marker}"}`].map(
        (json): [string, string] => ["application/json", json],
      ),
    ];
    const paths = ["/forgot-password", "/forgot-password?sent", link, "/reset-password/AAAA", `/reset-password/${"A".repeat(43)}`, "/trpc/auth.requestPasswordReset", "/trpc/auth.resetPassword"];
    const problems: string[] = [];
    for (const path of paths) {
      for (const [type, body] of bodies) {
        const response = await fetch(new URL(path, server.url), { method: "POST", headers: { "content-type": type, origin: server.url }, body, redirect: "manual" });
        const text = await response.text();
        if (response.status >= 500) problems.push(`${response.status}: ${path} ${body.slice(0, 80)}`);
        if (/\bat [^\n]*\.(ts|js|mjs|cjs):\d+|SQLITE_|node_modules/.test(text)) problems.push(`internals: ${path} ${body.slice(0, 80)}`);
        if (text.includes(marker)) problems.push(`echoed: ${path} ${body.slice(0, 80)}`);
      }
    }
    for (const input of ["", "%7B", encodeURIComponent(JSON.stringify({ token: 5 })), encodeURIComponent(JSON.stringify({ token: "x".repeat(5000) }))]) {
      const response = await fetch(`${server.url}/trpc/auth.passwordResetLink?input=${input}`);
      if (response.status >= 500) problems.push(`${response.status}: passwordResetLink ${input.slice(0, 40)}`);
    }
    expect(problems).toEqual([]);
    expect((await new Device(server.url).request(link)).status).toBe(200);
    expect((await signIn(new Device(server.url), { username, password })).status).toBe(303);
  });
});
