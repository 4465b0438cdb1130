import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cheapHasher } from "../helpers/cheap-hasher.js";
import { createClient } from "../../server/trpc/client.js";
import type { Device } from "../helpers/device.js";
import { signUpAndIn } from "../helpers/device.js";
import { uniqueName } from "../helpers/doors.js";
import { headerValues, socketRequest, type SocketReply } from "../helpers/raw-socket.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { sqlOf } from "../helpers/sql.js";

/**
 * Thousands of malformed requests through every door. Whatever comes in: no 5xx, no stack trace or
 * SQL in the answer, no submitted password echoed, and the account's password and sessions intact.
 */

const total = 2_400;
const password = "the real password 1";

let server: TestServer;
let device: Device;
let token: string;
let username: string;
beforeAll(async () => {
  server = await startServer({ rateLimitIpAttempts: 100_000 });
  username = uniqueName("fuzz");
  device = await signUpAndIn(server.url, { username, password });
  // A program (no Origin, no Sec-Fetch-*) gets its token in the body.
  token = (await createClient({ url: `${server.url}/trpc` }).auth.login.mutate({ username, password })).token!;
});
afterAll(() => server.close());

/** mulberry32: a small seeded generator, so a failure can be replayed. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const seed = Number(process.env.FUZZ_SEED ?? 20261128);
const next = random(seed);
const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
let counter = 0;
/** Markers of the values sent in password fields of the case being built. */
let passwordMarkers: string[] = [];

/** A value for a named field; what goes into a password field is remembered. */
function valueFor(name: string, value: unknown = anyValue()): unknown {
  if (/password/i.test(name) && typeof value === "string") {
    const marker = /PWmark\d+x/.exec(value)?.[0];
    if (marker) passwordMarkers.push(marker);
  }
  return value;
}

/** A password-field value, marked so that an echo of it can be found in any response. */
function passwordValue(): string {
  const marker = `PWmark${++counter}x`;
  return pick([
    () => marker,
    () => `${marker}\u0000nul`,
    () => `${marker}\ud800`,
    () => `\udfff${marker}`,
    () => `${marker}${"é".repeat(200)}`,
    () => `${marker}${"a".repeat(3000)}`,
    () => `${marker}<script>alert(1)</script>`,
    () => `${marker}' OR '1'='1`,
    () => `${marker}\u202e\u200b😀`,
    () => `${marker}%00%ZZ`,
    () => `  ${marker}  `,
    () => `${marker}${"\u0301".repeat(300)}`,
  ])();
}

function anyValue(depth = 0): unknown {
  return pick([
    () => passwordValue(),
    () => "",
    () => null,
    () => Math.floor(next() * 1e9),
    () => -0.5,
    () => true,
    () => (depth < 3 ? [anyValue(depth + 1)] : []),
    () => (depth < 3 ? { $ne: null, nested: anyValue(depth + 1) } : {}),
    () => 1e308 * 10,
  ])();
}

const changeNames = ["current_password", "old_password", "new_password", "confirm_new_password"];
const trpcNames = ["currentPassword", "newPassword", "confirmNewPassword"];

function object(names: string[]): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const name of names) if (next() < 0.8) result[name] = valueFor(name);
  if (next() < 0.2) result[pick(["extra", "__proto__", "constructor", "toString"])] = anyValue();
  return result;
}

/** JSON text, sometimes broken or with a key twice. */
function jsonText(names: string[]): string {
  return pick([
    () => JSON.stringify(object(names)),
    () => JSON.stringify(object(names)).slice(0, Math.floor(next() * 20)),
    () => {
      const [first, second] = [pick(names), pick(names)];
      return `{"${first}": "${valueFor(first, passwordValue())}", "${second}": "${valueFor(second, passwordValue())}"}`;
    },
    () => JSON.stringify([object(names)]),
    () => pick(["null", "true", "42", '"text"', "", "{", "[]", "{}", "\ufeff{}", "{'a': 1}", "NaN"]),
    () => `{"${pick(names)}": "\\ud800\\udc00\\ud800", "x": "\\u0000"}`,
  ])();
}

/** Percent-encoding that keeps lone surrogates, as their (invalid) CESU-8 bytes. */
function encodeLoose(text: string): string {
  return text.replace(/[\ud800-\udfff]/g, (unit) => (unit.isWellFormed() ? unit : `\u0000SURROGATE${unit.charCodeAt(0).toString(16)}\u0000`))
    .split("\u0000")
    .map((part) => (part.startsWith("SURROGATE") ? cesu(Number.parseInt(part.slice(9), 16)) : encodeURIComponent(part)))
    .join("");
}

function cesu(unit: number): string {
  const bytes = [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)];
  return bytes.map((byte) => `%${byte.toString(16).toUpperCase()}`).join("");
}

/** A form body, with repeated fields and broken percent-encoding at times. */
function formText(names: string[]): string {
  const parts: string[] = [];
  for (const name of names) {
    if (next() < 0.8) parts.push(`${name}=${encodeLoose(valueFor(name, passwordValue()) as string)}`);
    if (next() < 0.2) parts.push(`${name}=${encodeLoose(valueFor(name, passwordValue()) as string)}`);
  }
  if (next() < 0.2) parts.push(pick(["%E0%A4%A", "=%", "&&&", "a=%ZZ", "csrf=%FF%FE"]));
  return parts.join("&");
}

const contentTypes = [
  "application/json",
  "application/json; charset=utf-16",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=nope",
  "multipart/form-data",
  "text/plain",
  "application/xml",
  "",
];

type Case = { path: string; init: RequestInit; passwords: string[] };

function generateCase(): Case {
  passwordMarkers = [];
  const target = pick(["page-json", "page-form", "page-odd", "trpc-change", "trpc-login", "login-form", "register-form"] as const);
  const headers = new Headers({ origin: server.url });
  let path = "/private/change-password";
  let body: string;
  switch (target) {
    case "page-json":
      headers.set("content-type", pick(contentTypes.slice(0, 2)));
      body = jsonText(changeNames);
      break;
    case "page-form":
      headers.set("content-type", "application/x-www-form-urlencoded");
      body = formText([...changeNames, "csrf"]);
      break;
    case "page-odd":
      headers.set("content-type", pick(contentTypes));
      body = pick([jsonText, formText])(changeNames);
      break;
    case "trpc-change":
      path = pick(["/trpc/auth.changePassword", "/trpc/auth.changePassword,auth.me?batch=1", "/trpc/auth.nope"]);
      headers.set("content-type", pick(["application/json", "application/json", "text/plain"]));
      headers.set("authorization", pick([`Bearer ${token}`, "Bearer ", "Basic abc", `Bearer ${token}x`]));
      body = next() < 0.2 ? JSON.stringify({ 0: object(trpcNames) }) : jsonText(trpcNames);
      break;
    case "trpc-login":
      path = "/trpc/auth.login";
      headers.set("content-type", "application/json");
      body = jsonText(["username", "password"]);
      break;
    case "login-form":
      path = pick(["/login", "/login/"]);
      headers.set("content-type", pick(contentTypes));
      body = formText(["username", "password", "redirectTo"]);
      break;
    default:
      path = "/register";
      headers.set("content-type", pick(contentTypes));
      body = formText(["username", "email", "password", "confirm_password"]);
  }
  if (headers.get("content-type") === "") headers.delete("content-type");
  if (target.startsWith("page") && device.cookies.size > 0) {
    headers.set("cookie", `session=${device.cookies.get("session")}`);
  }
  return { path, init: { method: "POST", headers, body }, passwords: passwordMarkers };
}

const stackTrace = /\bat [^\n]*\.(ts|js|mjs|cjs):\d+|SQLITE_|sqlite3|node_modules/i;

describe(`a fuzzer sending ${total} malformed requests (seed ${seed})`, () => {
  it("gets no 5xx, no stack trace, no echoed password, and changes nothing", async () => {
    const hashBefore = (await sqlOf(server.app.store).value(`SELECT password_hash FROM "user" WHERE username = ?`, username));
    const sessionsBefore = (await sqlOf(server.app.store).values("SELECT id FROM session ORDER BY id"));
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    for (let sent = 0; sent < total; sent += 8) {
      const batch = Array.from({ length: 8 }, generateCase);
      await Promise.all(
        batch.map(async (testCase) => {
          const response = await fetch(new URL(testCase.path, server.url), { ...testCase.init, redirect: "manual" });
          const text = await response.text();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          const problem =
            response.status >= 500
              ? `status ${response.status}`
              : stackTrace.test(text)
                ? "stack trace or internals"
                : testCase.passwords.find((marker) => text.includes(marker));
          if (problem) failures.push(`${problem}: POST ${testCase.path} ${String(testCase.init.body).slice(0, 200)}`);
        }),
      );
    }
    expect(failures).toEqual([]);
    // The fuzzer reached the deep checks, not just the front door.
    expect(statuses.get(422) ?? 0).toBeGreaterThan(200);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(20);
    expect([...statuses.keys()].every((status) => status < 500)).toBe(true);

    expect((await sqlOf(server.app.store).value(`SELECT password_hash FROM "user" WHERE username = ?`, username))).toBe(hashBefore);
    expect(await cheapHasher.verify(hashBefore as string, password)).toBe(true);
    expect((await sqlOf(server.app.store).values("SELECT id FROM session ORDER BY id"))).toEqual(sessionsBefore);
    expect((await device.request("/private/change-password")).status).toBe(200);
    expect(await createClient({ url: `${server.url}/trpc`, token }).auth.me.query()).not.toBeNull();
  });
});

/**
 * Headers and redirect targets: whatever a client puts in them, no 5xx, and every Location the
 * server sends is a path on this site in plain ASCII (non-ASCII and unsafe characters
 * percent-encoded). Sent over raw sockets, so that bytes fetch would refuse (control characters,
 * raw non-ASCII, duplicated Host) reach the server too.
 */
describe("a fuzzer sending odd headers and redirect targets", () => {
  const headerCases = 400;
  const headerSeed = seed + 1;
  const nextHeader = random(headerSeed);
  const choose = <T>(items: readonly T[]): T => items[Math.floor(nextHeader() * items.length)]!;

  let target: TestServer;
  let host: string;
  const account = { username: uniqueName("hdr"), password: "the header password 1" };
  beforeAll(async () => {
    // Behind a proxy, so X-Forwarded-For is read too.
    target = await startServer({ rateLimitIpAttempts: 100_000, trustProxy: true });
    host = new URL(target.url).host;
    await signUpAndIn(target.url, account);
  });
  afterAll(() => target.close());

  /** Values as text (sent as UTF-8) or as raw bytes. */
  const oddValues: readonly (string | Buffer)[] = [
    "é", "€", "😀", "\u202e\u200b", "ünïcödé.example", "a\tb", "a\u0001b", "a\u007fb", "a\u000bb", "\u0000",
    "", " ", ",,,", "null", "%00", "%E0%A4%A", '"quoted"', "<script>alert(1)</script>", "../../etc/passwd",
    "[::1", "localhost:99999", "1.2.3.4, 5.6.7.8", "unknown", "[2001:db8::1]:443", "fe80::1%eth0", "::ffff:127.0.0.1",
    "evil.example", "http://evil.example", "a".repeat(8000), "x".repeat(20_000), "<b>".repeat(1000),
    Buffer.from([0xff, 0xfe]), Buffer.from([0xc3]), Buffer.from([0x80, 0x41]),
  ];
  const oddHeaders = ["host", "x-forwarded-for", "x-forwarded-host", "origin", "cookie", "authorization", "content-type", "accept-encoding"] as const;

  function valueFor(name: (typeof oddHeaders)[number]): Buffer {
    const odd = choose(oddValues);
    const text = (prefix: string) => Buffer.concat([Buffer.from(prefix), typeof odd === "string" ? Buffer.from(odd) : odd]);
    switch (name) {
      case "cookie":
        return choose([() => text("session="), () => text("session=a; session="), () => text("flash="), () => text("")])();
      case "authorization":
        return choose([() => text("Bearer "), () => text("Basic "), () => text("")])();
      case "content-type":
        return choose([() => text("application/json; charset="), () => text("multipart/form-data; boundary="), () => text("")])();
      case "origin":
        return choose([() => text("http://"), () => text("")])();
      default:
        return text("");
    }
  }

  type RawCase = { method: "GET" | "POST"; path: string; headers: [string, Buffer][]; body: string };

  function toBytes(testCase: RawCase): Buffer {
    const lines: Buffer[] = [Buffer.from(`${testCase.method} ${testCase.path} HTTP/1.1\r\n`, "latin1")];
    for (const [name, value] of testCase.headers) lines.push(Buffer.from(`${name}: `), value, Buffer.from("\r\n"));
    if (testCase.method === "POST") lines.push(Buffer.from(`content-length: ${Buffer.byteLength(testCase.body)}\r\n`));
    lines.push(Buffer.from("connection: close\r\n\r\n"), Buffer.from(testCase.body));
    return Buffer.concat(lines);
  }

  function loginForm(redirectTo: string): string {
    return new URLSearchParams({ username: account.username, password: account.password, redirectTo }).toString();
  }

  function headerCase(): RawCase {
    const base = choose([
      (): RawCase => ({ method: "GET", path: "/", headers: [], body: "" }),
      (): RawCase => ({ method: "GET", path: "/private/change-password", headers: [], body: "" }),
      (): RawCase => ({ method: "GET", path: "/trpc/auth.me", headers: [], body: "" }),
      (): RawCase => ({ method: "GET", path: `/login?${new URLSearchParams({ redirectTo: choose(redirectTargets) })}`, headers: [], body: "" }),
      (): RawCase => ({
        method: "POST",
        path: "/login",
        headers: [["content-type", Buffer.from("application/x-www-form-urlencoded")]],
        body: loginForm(choose(redirectTargets)),
      }),
      (): RawCase => ({
        method: "POST",
        path: "/trpc/auth.login",
        headers: [["content-type", Buffer.from("application/json")]],
        body: JSON.stringify(account),
      }),
    ])();
    const headers = new Map<string, Buffer>([["host", Buffer.from(host)], ["origin", Buffer.from(target.url)], ...base.headers]);
    const extra: [string, Buffer][] = [];
    const count = 1 + Math.floor(nextHeader() * 3);
    for (let index = 0; index < count; index++) {
      const name = choose(oddHeaders);
      // Sometimes the odd value comes in addition to the usual one (a duplicated header).
      if (nextHeader() < 0.25) extra.push([name, valueFor(name)]);
      else headers.set(name, valueFor(name));
    }
    return { ...base, headers: [...headers, ...extra] };
  }

  const redirectTargets = [
    "/€", "/é", "/private/change-password", "/%E2%82%AC", "/%C3%A9", "//evil.example", "/\\evil.example",
    "/%2F%2Fevil.example", "/%5Cevil.example", "/.//evil.example", "/./\\evil.example", "/%0D%0ASet-Cookie:%20x=1",
    "/\r\nSet-Cookie: x=1", "/\t/evil.example", "/\u0000", "/\ud800", "/a b<\"'>`{|}^", "https://evil.example",
    "javascript:alert(1)", " /x", "/%", "/%ZZ", "/?q=é#é", "/\u2028\u202e", `/${"é".repeat(1000)}`, "/x?a=\\b#c\\d",
  ];

  function redirectCases(): RawCase[] {
    return redirectTargets.flatMap((redirectTo): RawCase[] => [
      { method: "GET", path: `/login?${new URLSearchParams({ redirectTo })}`, headers: [], body: "" },
      {
        method: "POST",
        path: "/login",
        headers: [["content-type", Buffer.from("application/x-www-form-urlencoded")]],
        body: loginForm(redirectTo),
      },
    ]).map((testCase) => ({ ...testCase, headers: [["host", Buffer.from(host)], ["origin", Buffer.from(target.url)], ...testCase.headers] }));
  }

  /** What is wrong with a reply, or null. */
  function problemWith(reply: SocketReply): string | null {
    if (reply.status === null) return `no answer (${reply.error ?? "closed"})`;
    if (reply.status >= 500) return `status ${reply.status}`;
    for (const location of headerValues(reply, "location")) {
      if (!/^[\x21-\x7e]+$/.test(location)) return `Location with a byte outside printable ASCII: ${JSON.stringify(location.slice(0, 80))}`;
      if (!/^\/(?![/\\])/.test(location)) return `Location off this site: ${JSON.stringify(location.slice(0, 80))}`;
    }
    return null;
  }

  async function send(cases: RawCase[]): Promise<{ failures: string[]; statuses: Map<number, number> }> {
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    for (let start = 0; start < cases.length; start += 8) {
      await Promise.all(
        cases.slice(start, start + 8).map(async (testCase) => {
          const reply = await socketRequest(target.url, toBytes(testCase));
          if (reply.status !== null) statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
          const problem = problemWith(reply);
          const sent = toBytes(testCase).toString("latin1").slice(0, 300);
          if (problem) failures.push(`${problem}: ${JSON.stringify(sent)}`);
        }),
      );
    }
    return { failures, statuses };
  }

  it(`gets no 5xx and only plain same-site Locations for redirect targets (${redirectTargets.length} targets, GET and POST)`, async () => {
    const { failures, statuses } = await send(redirectCases());
    expect(failures).toEqual([]);
    // The successful logins did redirect somewhere: the Location checks above had work to do.
    expect(statuses.get(303) ?? 0).toBeGreaterThanOrEqual(redirectTargets.length);
  });

  it(`gets no 5xx for ${headerCases} requests with odd headers (seed ${headerSeed})`, async () => {
    const { failures, statuses } = await send(Array.from({ length: headerCases }, headerCase));
    expect(failures).toEqual([]);
    // Both kinds of answer happen: refusals of the odd headers and the ordinary pages.
    expect(statuses.get(400) ?? 0).toBeGreaterThan(10);
    expect(statuses.get(200) ?? 0).toBeGreaterThan(10);
    expect((await signUpAndIn(target.url, { username: uniqueName("hdr"), password: account.password })).cookies.has("session")).toBe(true);
  });
});
