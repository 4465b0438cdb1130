import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Device, signIn, signUpAndIn } from "../helpers/device.js";
import { uniqueName } from "../helpers/doors.js";
import { freePort, startReverseProxy, type ReverseProxy } from "../helpers/nginx.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { sqlOf } from "../helpers/sql.js";

/**
 * The app behind a real nginx that rewrites Host, with TRUST_PROXY and PUBLIC_ORIGIN set: the whole
 * no-JavaScript journey goes through, and the audit trail names the client, not the proxy.
 */

let app: TestServer;
let proxy: ReverseProxy;
beforeAll(async () => {
  const port = await freePort();
  app = await startServer({ publicOrigin: `http://127.0.0.1:${port}`, trustProxy: true });
  proxy = await startReverseProxy(port, app.url);
});
afterAll(async () => {
  await proxy?.stop();
  await app?.close();
});

const password = "original password 1";
const fresh = "a brand new password";

describe("behind nginx", () => {
  it("register, sign in, change the password, sign in again and sign out, without JavaScript", async () => {
    const username = uniqueName("proxied");
    const device = await signUpAndIn(proxy.url, { username, password });

    const page = await device.request("/private/change-password");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`Signed in as ${username}.`);

    const changed = await device.submitForm("/private/change-password", {
      current_password: password,
      new_password: fresh,
      confirm_new_password: fresh,
    });
    expect(changed.status).toBe(303);
    expect(changed.headers.get("location")).toBe("/login");
    expect(await (await device.request("/login")).text()).toContain("Your password was changed.");

    expect((await signIn(new Device(proxy.url), { username, password })).status).toBe(401);
    expect((await signIn(device, { username, password: fresh })).status).toBe(303);
    expect((await device.request("/private/change-password")).status).toBe(200);
    expect((await device.submitForm("/logout", {})).status).toBe(303);
    expect((await device.request("/private/change-password")).status).toBe(302);

    // X-Forwarded-For from the proxy, not the proxy's own address, is who made each request.
    const ips = (await sqlOf(app.app.store).values("SELECT DISTINCT ip FROM auth_event"));
    expect(ips).toEqual(["127.0.0.1"]);
  });

  it("refuses a form posted from another origin through the proxy, without a 500", async () => {
    const username = uniqueName("proxied");
    const device = await signUpAndIn(proxy.url, { username, password });
    const response = await device.submitForm(
      "/private/change-password",
      { current_password: password, new_password: fresh, confirm_new_password: fresh },
      { origin: "http://evil.example" },
    );
    expect(response.status).toBe(403);
  });
});
