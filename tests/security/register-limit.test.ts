import { describe, expect, it } from "vitest";
import { createClient } from "../../server/trpc/client.js";
import { countingHasher } from "../helpers/counting-hasher.js";
import { Device, signIn } from "../helpers/device.js";
import { pageErrorMessage, uniqueName } from "../helpers/doors.js";
import { serversForEachTest } from "../helpers/server.js";
import { sqlOf } from "../helpers/sql.js";

/**
 * Registering is throttled per address (a flood, and probing which names are taken, is slow), does
 * not say which of username or e-mail is taken, and is refused in read-only mode.
 */

const password = "original password 1";
const serverWith = serversForEachTest();

function registration(over: Record<string, string> = {}) {
  const username = uniqueName("reg");
  return { username, email: `${username}@example.com`, password, confirm_password: password, ...over };
}

describe("registering from one address", () => {
  it("is stopped at the default limit, 10 a window; refused attempts cost nothing and other addresses go on", async () => {
    const { hasher, calls } = countingHasher();
    // The default limit (the test helper otherwise sets a generous one).
    const server = await serverWith({ rateLimitRegisterAttempts: undefined, trustProxy: true, passwordHasher: hasher });
    const flood = (over: Record<string, string> = {}) => new Device(server.url, "203.0.113.5").postForm("/register", registration(over));

    // Refusals that cost nothing (a bad username) are not counted.
    expect((await flood({ username: "a b" })).status).toBe(422);
    const statuses = [];
    for (let attempt = 0; attempt < 10; attempt++) statuses.push((await flood()).status);
    expect(statuses).toEqual(Array(10).fill(303));

    const rows = (await sqlOf(server.app.store).all("SELECT key, points, expire FROM rate_limit ORDER BY key"));
    const hashes = { ...calls };
    const users = async () => (await sqlOf(server.app.store).value(`SELECT count(*) FROM "user"`));
    const registered = await users();
    const refused = await flood();
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(800);
    expect(pageErrorMessage(await refused.text())).toBe("Too many sign-up attempts from your network. Try again in 15 minutes.");
    // A taken name is refused the same way: past the limit nothing is learnt.
    const taken = await flood({ username: "reg_taken_probe" });
    expect(taken.status).toBe(429);
    const overTrpc = await createClient({ url: `${server.url}/trpc`, fetch: withAddress("203.0.113.5") })
      .auth.register.mutate({ username: uniqueName("reg"), email: "x@example.com", password })
      .catch((caught: unknown) => caught);
    expect(overTrpc).toMatchObject({ data: { httpStatus: 429, code: "TOO_MANY_REQUESTS", reason: "too_many_registrations" } });
    expect(await users()).toBe(registered);
    expect((await sqlOf(server.app.store).all("SELECT key, points, expire FROM rate_limit ORDER BY key"))).toEqual(rows);
    expect(calls).toEqual(hashes);

    // Another address registers, and the accounts made before sign in at once (no e-mail round trip).
    const elsewhere = registration();
    expect((await new Device(server.url, "203.0.113.6").postForm("/register", elsewhere)).status).toBe(303);
    expect((await signIn(new Device(server.url, "203.0.113.6"), elsewhere)).status).toBe(303);
  });
});

describe("a taken username or e-mail address", () => {
  it("gets one answer, whichever is taken", async () => {
    const server = await serverWith();
    const first = registration();
    expect((await new Device(server.url).postForm("/register", first)).status).toBe(303);

    const sameName = await new Device(server.url).postForm("/register", registration({ username: first.username.toUpperCase() }));
    const sameEmail = await new Device(server.url).postForm("/register", registration({ email: first.email }));
    expect([sameName.status, sameEmail.status]).toEqual([409, 409]);
    const messages = [pageErrorMessage(await sameName.text()), pageErrorMessage(await sameEmail.text())];
    expect(messages).toEqual(["That username or email address is already registered.", "That username or email address is already registered."]);

    const client = createClient({ url: `${server.url}/trpc` });
    const errors = await Promise.all([
      client.auth.register.mutate({ username: first.username, email: `${uniqueName()}@example.com`, password }).catch((caught: unknown) => caught),
      client.auth.register.mutate({ username: uniqueName(), email: first.email, password }).catch((caught: unknown) => caught),
    ]);
    const answers = errors.map((error) => {
      const { message, data } = error as { message: string; data: { reason: string; field: string | null; httpStatus: number } };
      return { message, reason: data.reason, field: data.field, status: data.httpStatus };
    });
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[0]).toEqual({
      message: "That username or email address is already registered.",
      reason: "already_registered",
      field: null,
      status: 409,
    });
  });
});

describe("read-only mode", () => {
  it("refuses to register with 405, through the page and tRPC, and creates nothing", async () => {
    const server = await serverWith({ readOnly: true });
    const page = await new Device(server.url).postForm("/register", registration());
    expect(page.status).toBe(405);
    expect(pageErrorMessage(await page.text())).toBe("Running in read only mode");
    const error = await createClient({ url: `${server.url}/trpc` })
      .auth.register.mutate({ username: uniqueName(), email: "someone@example.com", password })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ message: "Running in read only mode", data: { httpStatus: 405, reason: "read_only" } });
    expect((await sqlOf(server.app.store).value(`SELECT count(*) FROM "user"`))).toBe(0);
  });
});

/** fetch for the typed client, claiming a client address through X-Forwarded-For. */
function withAddress(address: string): typeof fetch {
  return (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set("x-forwarded-for", address);
    return fetch(input, { ...init, headers });
  };
}
