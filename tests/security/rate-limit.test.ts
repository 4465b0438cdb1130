import { describe, expect, it } from "vitest";
import { createApp } from "../../server/app.js";
import { createClient } from "../../server/trpc/client.js";
import { Device, signIn, signUpAndIn } from "../helpers/device.js";
import { doors, uniqueName } from "../helpers/doors.js";
import { serversForEachTest, startServer, type TestServer } from "../helpers/server.js";
import { sqlOf } from "../helpers/sql.js";

const password = "original password 1";
const fresh = "a brand new password";
const serverWith = serversForEachTest();

const wrong = { currentPassword: "not the password", newPassword: fresh, confirmNewPassword: fresh };

describe.each(doors)("per-account limit through the $name door", (door) => {
  it("after 5 failures answers 429 with Retry-After and when to retry, and refuses even the right password", async () => {
    const server = await serverWith();
    const account = await door.signUp(server.url, uniqueName(door.name), password);
    for (let attempt = 0; attempt < 5; attempt++) {
      expect(await account.attempt(wrong)).toEqual({ status: 422, message: "Incorrect password." });
    }
    const blocked = await account.attempt({ currentPassword: password, newPassword: fresh, confirmNewPassword: fresh });
    expect(blocked).toEqual({ status: 429, message: "Too many failed attempts. Try again in 15 minutes." });
    // Login with the right password from the same client is refused too: login and change share the
    // counters. The page doors' client is the browser that signed in (a known device: its own
    // counter); the tRPC door's is a program with no device cookie (counted by account and address).
    const sameClient = door.name === "trpc" ? new Device(server.url) : account.device;
    const login = await signIn(sameClient, account);
    expect(login.status).toBe(429);
    expect(Number(login.headers.get("retry-after"))).toBeGreaterThan(800);
    expect(Number(login.headers.get("retry-after"))).toBeLessThanOrEqual(900);
  });
});

describe("the account counter", () => {
  it("sends Retry-After on the JSON door and TOO_MANY_REQUESTS over tRPC", async () => {
    const server = await serverWith();
    const username = uniqueName();
    const device = await signUpAndIn(server.url, { username, password });
    const body = { current_password: "wrong one", new_password: fresh, confirm_new_password: fresh };
    for (let attempt = 0; attempt < 5; attempt++) await device.postJson("/private/change-password", body);
    const response = await device.postJson("/private/change-password", body);
    expect(response.status).toBe(429);
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await response.json()).toEqual({ detail: "Too many failed attempts. Try again in 15 minutes." });

    // The typed client, sent from this same device (its device cookie), is refused as well.
    const fromThisDevice: typeof fetch = (input, init) => {
      const headers = new Headers(init?.headers);
      headers.set("cookie", `device=${device.cookies.get("device")}`);
      return fetch(input, { ...init, headers });
    };
    const error = await createClient({ url: `${server.url}/trpc`, fetch: fromThisDevice })
      .auth.login.mutate({ username, password })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ data: { code: "TOO_MANY_REQUESTS", httpStatus: 429, reason: "rate_limited" } });
  });

  it("is shared by login and change password, whichever door (one browser, a known device)", async () => {
    const server = await serverWith();
    const username = uniqueName();
    const device = await signUpAndIn(server.url, { username, password });
    for (let attempt = 0; attempt < 3; attempt++) {
      expect((await signIn(device, { username, password: "wrong!" })).status).toBe(401);
    }
    const trpcLogin = await device.postJson("/trpc/auth.login", { username, password: "wrong!" });
    expect(trpcLogin.status).toBe(401);
    const json = await device.postJson("/private/change-password", { current_password: "wrong!", new_password: fresh, confirm_new_password: fresh });
    expect(json.status).toBe(422);
    // Five failures across three doors: the sixth attempt, through a fourth door, is blocked.
    const form = await device.submitForm("/private/change-password", { current_password: password, new_password: fresh, confirm_new_password: fresh });
    expect(form.status).toBe(429);
  });

  it("is shared by login and change password, whichever door (programs and browsers without a device cookie, one address)", async () => {
    const server = await serverWith();
    const username = uniqueName();
    const device = await signUpAndIn(server.url, { username, password });
    const client = createClient({ url: `${server.url}/trpc` });
    const { token } = await client.auth.login.mutate({ username, password });
    for (let attempt = 0; attempt < 3; attempt++) {
      expect((await signIn(new Device(server.url), { username, password: "wrong!" })).status).toBe(401);
    }
    await client.auth.login.mutate({ username, password: "wrong!" }).catch(() => {});
    const change = await createClient({ url: `${server.url}/trpc`, token })
      .auth.changePassword.mutate({ currentPassword: "wrong!", newPassword: fresh })
      .catch((caught: unknown) => caught);
    expect(change).toMatchObject({ data: { httpStatus: 422, reason: "incorrect_password" } });
    // Five failures across three doors from this address: a sign-in by a browser it does not know is blocked.
    expect((await signIn(new Device(server.url), { username, password })).status).toBe(429);
    // The browser that signed in before is a known device: its own counter is untouched.
    expect((await signIn(device, { username, password })).status).toBe(303);
  });

  it("is reset by a successful login", async () => {
    const server = await serverWith();
    const username = uniqueName();
    await signUpAndIn(server.url, { username, password });
    for (let attempt = 0; attempt < 4; attempt++) await signIn(new Device(server.url), { username, password: "wrong!" });
    expect((await signIn(new Device(server.url), { username, password })).status).toBe(303);
    for (let attempt = 0; attempt < 4; attempt++) {
      expect((await signIn(new Device(server.url), { username, password: "wrong!" })).status).toBe(401);
    }
    expect((await signIn(new Device(server.url), { username, password })).status).toBe(303);
  });

  it("counts unknown usernames too, so a 429 tells nothing about which accounts exist", async () => {
    const server = await serverWith();
    for (let attempt = 0; attempt < 5; attempt++) {
      expect((await signIn(new Device(server.url), { username: "nobody_at_all", password: "x" })).status).toBe(401);
    }
    expect((await signIn(new Device(server.url), { username: "NOBODY_at_all", password: "x" })).status).toBe(429);
  });

  it("lets no more than 5 of 50 concurrent wrong attempts reach the password check", async () => {
    const server = await serverWith();
    const username = uniqueName();
    const device = await signUpAndIn(server.url, { username, password });
    const body = { current_password: "wrong guess", new_password: fresh, confirm_new_password: fresh };
    const responses = await Promise.all(Array.from({ length: 50 }, () => device.postJson("/private/change-password", body)));
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 422)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(45);
    const checked = (await sqlOf(server.app.store).value("SELECT count(*) FROM auth_event WHERE type = 'password_change_failed' AND reason = 'incorrect_password'"));
    expect(checked).toBe(5);
  });

  it("survives a restart (the counters live in the SQLite file)", async () => {
    const server = await startServer();
    const username = uniqueName();
    await signUpAndIn(server.url, { username, password });
    for (let attempt = 0; attempt < 5; attempt++) await signIn(new Device(server.url), { username, password: "wrong!" });
    await server.app.close();

    const again = await createApp({ ...server.database, env: {}, host: "127.0.0.1", port: 0, logLevel: "silent" });
    const url = await again.listen();
    try {
      expect((await signIn(new Device(url), { username, password })).status).toBe(429);
    } finally {
      await again.close();
    }
  });
});

describe("the per-IP limit", () => {
  it("stops one address spraying many accounts", async () => {
    const server = await serverWith({ rateLimitIpAttempts: 8 });
    const statuses: number[] = [];
    for (let account = 0; account < 4; account++) {
      const username = uniqueName("spray");
      for (let attempt = 0; attempt < 3; attempt++) {
        statuses.push((await signIn(new Device(server.url), { username, password: "wrong!" })).status);
      }
    }
    expect(statuses.slice(0, 8)).toEqual(Array(8).fill(401));
    expect(statuses.slice(8)).toEqual(Array(4).fill(429));
  });
});
