import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Device, signUpAndIn } from "../helpers/device.js";
import { uniqueName } from "../helpers/doors.js";
import { startServer, type TestServer } from "../helpers/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

describe("/.well-known/change-password (what password managers open)", () => {
  it("sends a signed-in person to the change-password page, and a signed-out one through sign-in to it", async () => {
    const device = await signUpAndIn(server.url, { username: uniqueName("wk"), password: "original password 1" });
    const signedIn = await device.request("/.well-known/change-password");
    expect(signedIn.status).toBe(302);
    expect(signedIn.headers.get("location")).toBe("/private/change-password");
    expect((await device.request(signedIn.headers.get("location")!)).status).toBe(200);

    const visitor = new Device(server.url);
    const signedOut = await visitor.request("/.well-known/change-password");
    expect(signedOut.headers.get("location")).toBe("/private/change-password");
    expect((await visitor.request("/private/change-password")).headers.get("location")).toBe("/login?redirectTo=/private/change-password");
  });
});
