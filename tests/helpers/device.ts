/**
 * A cookie jar over fetch, like one browser (or one device): it keeps the cookies the server sets,
 * sends them back, never follows redirects (tests look at them), and sends its own Origin on
 * POSTs as a browser does.
 */
export class Device {
  readonly cookies = new Map<string, string>();

  /**
   * `forwardedFor`: the client address it claims through `X-Forwarded-For`, which a server started
   * with `trustProxy` takes as its IP; so one loopback test can play many addresses.
   */
  constructor(
    readonly baseUrl: string,
    readonly forwardedFor?: string,
  ) {}

  async request(path: string, init: RequestInit & { origin?: string | null } = {}): Promise<Response> {
    const { origin = this.baseUrl, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (this.forwardedFor !== undefined && !headers.has("x-forwarded-for")) headers.set("x-forwarded-for", this.forwardedFor);
    if (this.cookies.size > 0 && !headers.has("cookie")) {
      headers.set("cookie", [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; "));
    }
    if (origin !== null && (rest.method ?? "GET") !== "GET" && !headers.has("origin")) headers.set("origin", origin);
    const response = await fetch(new URL(path, this.baseUrl), { ...rest, headers, redirect: "manual" });
    for (const setCookie of response.headers.getSetCookie()) {
      const [pair = "", ...attributes] = setCookie.split(";");
      const index = pair.indexOf("=");
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      const expired = attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute));
      if (expired || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  /** What a browser would submit: the form's hidden CSRF token, read from the page it came from. */
  async formToken(pagePath: string): Promise<string> {
    const html = await (await this.request(pagePath)).text();
    return /name="csrf" value="([^"]*)"/.exec(html)?.[1] ?? "";
  }

  /** Submits a page's form as a browser would: with the page's CSRF token added. */
  async submitForm(path: string, fields: Record<string, string>, init: RequestInit & { origin?: string | null } = {}) {
    return this.postForm(path, { csrf: await this.formToken(path), ...fields }, init);
  }

  postForm(path: string, fields: Record<string, string>, init: RequestInit & { origin?: string | null } = {}) {
    return this.request(path, { ...init, method: "POST", body: new URLSearchParams(fields) });
  }

  postJson(path: string, body: unknown, init: RequestInit & { origin?: string | null } = {}) {
    const headers = new Headers(init.headers);
    headers.set("content-type", "application/json");
    return this.request(path, {
      ...init,
      method: "POST",
      headers,
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  }
}

/**
 * Registers through the real register form and signs in through the real login form. `forwardedFor`
 * plays a client address (see Device); `registerAt` is another server on the same database, for a
 * server that refuses to register (read-only mode).
 */
export async function signUpAndIn(
  baseUrl: string,
  user: { username: string; password: string; email?: string },
  { forwardedFor, registerAt = baseUrl }: { forwardedFor?: string; registerAt?: string } = {},
): Promise<Device> {
  const device = new Device(baseUrl, forwardedFor);
  const registered = await new Device(registerAt, forwardedFor).postForm("/register", {
    username: user.username,
    email: user.email ?? `${user.username}@example.com`,
    password: user.password,
    confirm_password: user.password,
  });
  if (registered.status !== 303) throw new Error(`register failed: ${registered.status} ${await registered.text()}`);
  // The sign-in page is where registering leads (LOGIN_URL).
  const signedIn = await signIn(device, user, registered.headers.get("location") ?? "/login");
  if (signedIn.status !== 303 || device.cookies.size === 0) throw new Error(`login failed: ${signedIn.status}`);
  return device;
}

/** Signs in through the sign-in form, at `/login` unless the server has another LOGIN_URL. */
export async function signIn(device: Device, user: { username: string; password: string }, loginPath = "/login"): Promise<Response> {
  return device.postForm(loginPath, { username: user.username, password: user.password });
}
