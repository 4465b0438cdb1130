import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientAddress } from "../../server/http/node-bridge.js";
import { signUpAndIn } from "../helpers/device.js";
import { uniqueName } from "../helpers/doors.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { sqlOf } from "../helpers/sql.js";

/**
 * Behind a proxy (TRUST_PROXY) the client's address is the last X-Forwarded-For entry, the one
 * our proxy added, but only if it is an IP address: anything else a client managed to put there
 * (markup, a host name, 3,000 characters) must never be recorded, rate-limited on or mailed as
 * "the IP address".
 */

describe("clientAddress", () => {
  it.each([
    ["203.0.113.7", "203.0.113.7"],
    ["10.0.0.1, 203.0.113.7", "203.0.113.7"],
    [" 203.0.113.7 ", "203.0.113.7"],
    ["203.0.113.7:8080", "203.0.113.7"],
    ["2001:db8::1", "2001:db8::1"],
    ["[2001:db8::1]", "2001:db8::1"],
    ["[2001:db8::1]:443", "2001:db8::1"],
    ["fe80::1%eth0", "fe80::1"],
    ["::ffff:192.0.2.1", "::ffff:192.0.2.1"],
  ])("takes %j as %j", (forwarded, expected) => {
    expect(clientAddress(forwarded, "127.0.0.1", true)).toBe(expected);
  });

  it.each([
    ["junk markup", "<script>alert(1)</script>".repeat(120)],
    ["a host name", "proxy.example"],
    ["the RFC 7239 word for none", "unknown"],
    ["an IP address followed by junk", "203.0.113.7 <b>"],
    ["junk after a good entry (only the last entry counts)", "203.0.113.7, <b>junk</b>"],
    ["an IPv4 address with a zone", "203.0.113.7%eth0"],
    ["a bracketed IPv4 address", "[203.0.113.7]"],
    ["an out-of-range address", "300.1.1.1"],
    ["nothing", ""],
    ["a separator alone", ","],
  ])("ignores %s and takes the socket's address", (_name, forwarded) => {
    expect(clientAddress(forwarded, "127.0.0.1", true)).toBe("127.0.0.1");
  });

  it("reads several X-Forwarded-For headers as one list", () => {
    expect(clientAddress(["198.51.100.1", "203.0.113.7"], "127.0.0.1", true)).toBe("203.0.113.7");
  });

  it("ignores X-Forwarded-For entirely unless told to trust the proxy", () => {
    expect(clientAddress("203.0.113.7", "127.0.0.1", false)).toBe("127.0.0.1");
  });
});

describe("a forwarded address that is not an IP address, end to end", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ trustProxy: true });
  });
  afterAll(() => server.close());

  it("is never recorded in auth_event nor written in the change notice", async () => {
    const junk = "<script>alert(1)</script>".repeat(120);
    const username = uniqueName("ip");
    const password = "forwarded password 1";
    const device = await signUpAndIn(server.url, { username, password });
    const headers = { "x-forwarded-for": `203.0.113.7, ${junk}` };
    await device.postForm("/login", { username, password: "wrong password here" }, { headers });
    const changed = await device.postJson(
      "/private/change-password",
      { current_password: password, new_password: "changed password 2", confirm_new_password: "changed password 2" },
      { headers },
    );
    expect(changed.status).toBe(303);

    const userId = (await sqlOf(server.app.store).value(`SELECT id FROM "user" WHERE username = ?`, username));
    const addresses = (await sqlOf(server.app.store).all("SELECT type, ip FROM auth_event WHERE user_id = ? OR user_id IS NULL", userId));
    expect(addresses).toContainEqual({ type: "login_failed", ip: "127.0.0.1" });
    expect(addresses).toContainEqual({ type: "password_change_succeeded", ip: "127.0.0.1" });
    expect(JSON.stringify(addresses)).not.toContain("script");
    const notice = (await sqlOf(server.app.store).value("SELECT body FROM outbox WHERE user_id = ?", userId)) as string;
    expect(notice).toContain("at IP address 127.0.0.1");
    expect(notice).not.toContain("script");
  });

  it("is recorded when it is one", async () => {
    const username = uniqueName("ip");
    const device = await signUpAndIn(server.url, { username, password: "forwarded password 1" });
    await device.postForm("/login", { username, password: "wrong password here" }, { headers: { "x-forwarded-for": "[2001:db8::7]:443" } });
    const userId = (await sqlOf(server.app.store).value(`SELECT id FROM "user" WHERE username = ?`, username));
    const ips = (await sqlOf(server.app.store).values("SELECT ip FROM auth_event WHERE user_id = ? AND type = 'login_failed'", userId));
    expect(ips).toEqual(["2001:db8::7"]);
  });
});
