import { readdirSync, readFileSync } from "node:fs";
import { extname, join, relative, sep } from "node:path";

const contentTypes: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
};

type Asset = { body: Uint8Array<ArrayBuffer>; type: string };

function filesUnder(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
    );
  } catch {
    return [];
  }
}

/**
 * Serves the compiled browser assets (public/build). They are read into memory once at start
 * (a few hundred KiB), so no request ever touches the disk for them; their names carry content
 * hashes, so browsers may keep them for a year.
 */
export function createStaticFiles(publicDir: string) {
  const assets = new Map<string, Asset>();
  for (const file of filesUnder(join(publicDir, "build"))) {
    const path = `/${relative(publicDir, file).split(sep).join("/")}`;
    assets.set(path, { body: new Uint8Array(readFileSync(file)), type: contentTypes[extname(file)] ?? "application/octet-stream" });
  }
  return function serveStatic(request: Request): Response | null {
    if (request.method !== "GET" && request.method !== "HEAD") return null;
    const asset = assets.get(new URL(request.url).pathname);
    if (!asset) return null;
    return new Response(request.method === "HEAD" ? null : asset.body, {
      headers: {
        "content-type": asset.type,
        "content-length": String(asset.body.byteLength),
        "cache-control": "public, max-age=31536000, immutable",
      },
    });
  };
}
