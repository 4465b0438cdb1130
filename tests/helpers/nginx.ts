import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { tempDir } from "./temp.js";

/** Debian's nginx (`nginx-light` or `nginx`); .ci/run installs it when missing. */
const nginxBinary = ["/usr/sbin/nginx", "/usr/bin/nginx"].find((path) => existsSync(path));

/** A free loopback port, so the app can be told its public origin before the proxy starts. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export type ReverseProxy = { url: string; errorLog: string; stop: () => Promise<void> };

/**
 * A real nginx in front of `upstream` (several: round robin, as a load balancer spreads requests
 * over app instances), in a temp folder of its own: it rewrites Host (nginx's default) and adds
 * X-Forwarded-For and X-Forwarded-Proto.
 */
export async function startReverseProxy(port: number, upstream: string | string[]): Promise<ReverseProxy> {
  const upstreams = Array.isArray(upstream) ? upstream : [upstream];
  if (!nginxBinary) throw new Error("nginx is not installed: apt-get install nginx-light (.ci/run does it)");
  const dir = tempDir("cp-nginx-");
  for (const sub of ["body", "proxy", "fastcgi", "uwsgi", "scgi"]) mkdirSync(join(dir.path, sub));
  const errorLog = join(dir.path, "error.log");
  writeFileSync(
    join(dir.path, "nginx.conf"),
    `worker_processes 1;
error_log ${errorLog} warn;
pid ${join(dir.path, "nginx.pid")};
events { worker_connections 128; }
http {
  access_log off;
  client_body_temp_path ${join(dir.path, "body")};
  proxy_temp_path ${join(dir.path, "proxy")};
  fastcgi_temp_path ${join(dir.path, "fastcgi")};
  uwsgi_temp_path ${join(dir.path, "uwsgi")};
  scgi_temp_path ${join(dir.path, "scgi")};
  upstream app {
${upstreams.map((url) => `    server ${new URL(url).host};`).join("\n")}
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      # Host is left at nginx's default, the upstream's own host:port: the rewrite that used to
      # turn every no-JavaScript form post into a 500.
      proxy_pass ${upstreams.length === 1 ? upstreams[0] : "http://app"};${
        // Balancing over instances: they get the client's Host, as a load balancer in front of a
        // fleet passes it (the upstream group's name would be no host at all).
        upstreams.length === 1 ? "" : "\n      proxy_set_header Host $http_host;"
      }
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
    }
  }
}
`,
  );
  // One process, no daemon: it stays a child of the test and runs as whoever runs the test.
  const child: ChildProcess = spawn(nginxBinary, ["-p", dir.path, "-c", join(dir.path, "nginx.conf"), "-g", "daemon off; master_process off;"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  // Ready when it answers; bounded by attempts, not by a tight timeout.
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`nginx exited (${child.exitCode}): ${stderr}`);
    const ok = await fetch(`${url}/`, { redirect: "manual" }).then(
      () => true,
      () => false,
    );
    if (ok) break;
    if (attempt > 300) throw new Error(`nginx did not answer: ${stderr}`);
    await sleep(100);
  }
  return {
    url,
    errorLog,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      dir.remove();
    },
  };
}
