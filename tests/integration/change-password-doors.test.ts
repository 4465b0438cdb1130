import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../server/trpc/client.js";
import { Device, signIn } from "../helpers/device.js";
import { doors, seedFields, uniqueName } from "../helpers/doors.js";
import { startServer, type TestServer } from "../helpers/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

const password = "original password 1";
const fresh = "a brand new password";

// The seed's cases (spec §1), in its order, with its messages word for word; plus our maximum.
const refusals = [
  { name: "a missing field", fields: { currentPassword: password, newPassword: "", confirmNewPassword: fresh }, message: "Form is invalid. Missing one or more fields." },
  { name: "a missing current password", fields: { currentPassword: "", newPassword: fresh, confirmNewPassword: fresh }, message: "Form is invalid. Missing one or more fields." },
  { name: "a new password too short", fields: { currentPassword: password, newPassword: "short", confirmNewPassword: "short" }, message: "Password must be at least 12 characters long." },
  {
    name: "too short and mismatched (length first)",
    fields: { currentPassword: "wrong", newPassword: "short", confirmNewPassword: "other" },
    message: "Password must be at least 12 characters long.",
    // The page shows every wrong field at once (in its own order); the other doors give the seed's first.
    formMessages: "Incorrect password.\nPassword must be at least 12 characters long.\nPasswords do not match.",
  },
  { name: "a new password over 128 characters", fields: { currentPassword: password, newPassword: "x".repeat(129), confirmNewPassword: "x".repeat(129) }, message: "Password must be at most 128 characters long." },
  { name: "a confirmation that differs", fields: { currentPassword: password, newPassword: fresh, confirmNewPassword: `${fresh}!` }, message: "Passwords do not match." },
  { name: "a wrong current password", fields: { currentPassword: "not my password", newPassword: fresh, confirmNewPassword: fresh }, message: "Incorrect password." },
];

describe.each(doors)("the $name door", (door) => {
  it.each(refusals)("answers $name with 422 and the seed's message, changing nothing", async ({ fields, message, formMessages }) => {
    const account = await door.signUp(server.url, uniqueName(door.name), password);
    const outcome = await account.attempt(fields);
    expect(outcome).toEqual({ status: 422, message: door.name === "form" ? (formMessages ?? message) : message });
    // Still signed in, and the old password still works.
    expect((await account.device.request("/private/change-password")).status).toBe(200);
    expect((await signIn(new Device(server.url), { username: account.username, password })).status).toBe(303);
  });

  it("changes the password, signs out every device and only the new password works", async () => {
    const account = await door.signUp(server.url, uniqueName(door.name), password);
    const otherDevice = new Device(server.url);
    expect((await signIn(otherDevice, account)).status).toBe(303);
    expect((await otherDevice.request("/private/change-password")).status).toBe(200);

    const outcome = await account.attempt({ currentPassword: password, newPassword: fresh, confirmNewPassword: fresh });
    expect(outcome.status).toBe(door.name === "trpc" ? 200 : 303);

    const afterwards = await otherDevice.request("/private/change-password");
    expect(afterwards.status).toBe(302);
    expect(afterwards.headers.get("location")).toBe("/login?redirectTo=/private/change-password");
    expect((await account.device.request("/private/change-password")).status).toBe(302);

    expect((await signIn(new Device(server.url), { username: account.username, password })).status).toBe(401);
    expect((await signIn(new Device(server.url), { username: account.username, password: fresh })).status).toBe(303);
  });
});

describe("what a successful change answers", () => {
  it("form POST: 303 to the login URL deleting the session cookie", async () => {
    const account = await doors[0]!.signUp(server.url, uniqueName("form"), password);
    const response = await account.device.submitForm("/private/change-password", seedFields({ currentPassword: password, newPassword: fresh, confirmNewPassword: fresh }));
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/login");
    expect(response.headers.getSetCookie()).toEqual([
      "session=; HttpOnly; Max-Age=0; Path=/; SameSite=Lax",
      `flash=signed_in_again~${account.username}; Max-Age=120; HttpOnly; Path=/; SameSite=Lax`,
    ]);
    expect(response.headers.get("cache-control")).toBe("no-store");
  });

  it("JSON POST with the seed's documented old_password: 303 deleting the cookie", async () => {
    const account = await doors[1]!.signUp(server.url, uniqueName("json"), password);
    const response = await account.device.postJson("/private/change-password", {
      old_password: password,
      new_password: fresh,
      confirm_new_password: fresh,
    });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/login");
    expect(response.headers.getSetCookie()).toEqual([
      "session=; HttpOnly; Max-Age=0; Path=/; SameSite=Lax",
      `flash=signed_in_again~${account.username}; Max-Age=120; HttpOnly; Path=/; SameSite=Lax`,
    ]);
  });

  it("typed client: says where to go and how many sessions ended; its token stops working", async () => {
    const username = uniqueName("client");
    await doors[2]!.signUp(server.url, username, password);
    const url = `${server.url}/trpc`;
    const { token } = await createClient({ url }).auth.login.mutate({ username, password });
    const client = createClient({ url, token });
    expect((await client.auth.me.query())?.user.username).toBe(username);
    const result = await client.auth.changePassword.mutate({ currentPassword: password, newPassword: fresh });
    // The browser session from signUp, the one from the door's own login and this one.
    expect(result).toEqual({
      mode: "sign-in-again",
      signedOut: true,
      redirectTo: "/login",
      revokedSessions: 3,
      otherDevices: "signed-out",
      otherSessionsEnded: 2,
      otherSessionsKept: 0,
    });
    expect(await client.auth.me.query()).toBeNull();
  });
});
