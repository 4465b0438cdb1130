import { describe, expect, it } from "vitest";
import { createDeviceService } from "../../server/auth/devices.js";

const devices = createDeviceService({ secret: "a test secret of at least 32 characters", cookieName: "device", secure: false });

describe("device cookies", () => {
  it("bind a random device id to one account, and keep the id of a device the account already knows", () => {
    const token = devices.issue("account-1", null);
    const device = devices.verify(token);
    expect(device).toEqual({ id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/), accountId: "account-1" });
    expect(devices.verify(devices.issue("account-1", device!.id))).toEqual(device);
    expect(devices.issue("account-1", null)).not.toBe(token);
  });

  it("refuse anything whose signature does not hold: another account, another device id, another secret, garbage", () => {
    const [id, accountId, mac] = devices.issue("account-1", null).split(".") as [string, string, string];
    const other = createDeviceService({ secret: "another secret of at least 32 characters", cookieName: "device", secure: false });
    for (const forged of [
      `${id}.account-2.${mac}`,
      `${"A".repeat(22)}.${accountId}.${mac}`,
      other.issue("account-1", id),
      `${id}.${accountId}.`,
      `${id}.${accountId}.${mac}x`,
      "",
      null,
    ]) {
      expect(devices.verify(forged)).toBeNull();
    }
  });

  it("are HttpOnly, SameSite=Lax, site-wide and long-lived; Secure over https", () => {
    const cookie = devices.cookie("value");
    expect(cookie).toMatch(/^device=value; Max-Age=31536000; Path=\/; HttpOnly; SameSite=Lax$/);
    expect(createDeviceService({ secret: "x".repeat(32), cookieName: "d", secure: true }).cookie("v")).toMatch(/; Secure$/);
  });
});
