import { existsSync, readdirSync, readFileSync } from "node:fs";
import { extname, join, relative, sep } from "node:path";
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from "node:zlib";
import { brotliOptions } from "./compression.js";
import { negotiateCoding, codings, type Coding } from "./content-coding.js";

const contentTypes: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
};

type Bytes = Uint8Array<ArrayBuffer>;
type Asset = { type: string; identity: Bytes; encoded: Partial<Record<Coding, Bytes>> };

/** Where `npm run build` (scripts/precompress-assets.mjs) leaves each coding's copy of a file. */
const siblingSuffix: Record<Coding, string> = { br: ".br", gzip: ".gz" };

/**
 * For a build without those copies (a plain `remix build`): compressed here at start, in memory.
 * gzip at the build's level 9; brotli at quality 5, not the build's 11, which would add a second
 * to every start for 7 % less. Both together: under 0.1 s for the whole build.
 */
const compressAtStart: Record<Coding, (bytes: Bytes) => Buffer> = {
  br: (bytes) => brotliCompressSync(bytes, brotliOptions(bytes.byteLength)),
  gzip: (bytes) => gzipSync(bytes, { level: 9 }),
};
const decompress: Record<Coding, (bytes: Buffer) => Buffer> = { br: brotliDecompressSync, gzip: gunzipSync };

/**
 * A copy is kept only if it is at least 5 % smaller: tiny files and already compressed formats
 * (woff2, png) grow or barely shrink, and are sent as they are. The build script keeps the same rule.
 */
const helps = (encoded: Uint8Array, original: Uint8Array) => encoded.byteLength <= original.byteLength * 0.95;

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
 * The file's copy in one coding: the build's, if it decodes to exactly the file (a copy left over
 * from another build, or cut short, is never sent), otherwise made now; none when it would not help.
 */
function encodedCopy(file: string, identity: Bytes, coding: Coding): Bytes | undefined {
  const sibling = file + siblingSuffix[coding];
  if (existsSync(sibling)) {
    const built = readFileSync(sibling);
    try {
      if (decompress[coding](built).equals(identity) && helps(built, identity)) return new Uint8Array(built);
    } catch {
      // Not even valid: made again below.
    }
  }
  const made = compressAtStart[coding](identity);
  return helps(made, identity) ? new Uint8Array(made) : undefined;
}

/**
 * Serves the compiled browser assets (public/build). They are read into memory once at start
 * (a few hundred KiB, and their br and gzip copies), so no request ever touches the disk or
 * compresses anything; their names carry content hashes, so browsers may keep them for a year.
 */
export function createStaticFiles(publicDir: string) {
  const assets = new Map<string, Asset>();
  const isCopy = (file: string) => Object.values(siblingSuffix).some((suffix) => file.endsWith(suffix));
  for (const file of filesUnder(join(publicDir, "build")).filter((file) => !isCopy(file))) {
    const path = `/${relative(publicDir, file).split(sep).join("/")}`;
    const identity = new Uint8Array(readFileSync(file));
    const encoded: Asset["encoded"] = {};
    for (const coding of codings) encoded[coding] = encodedCopy(file, identity, coding);
    assets.set(path, { type: contentTypes[extname(file)] ?? "application/octet-stream", identity, encoded });
  }
  return function serveStatic(request: Request, url: URL): Response | null {
    if (request.method !== "GET" && request.method !== "HEAD") return null;
    const asset = assets.get(url.pathname);
    if (!asset) return null;
    const offered = codings.filter((coding) => asset.encoded[coding]);
    const coding = negotiateCoding(request.headers.get("accept-encoding"), offered);
    const body = coding === "identity" ? asset.identity : asset.encoded[coding]!;
    const headers = new Headers({
      "content-type": asset.type,
      "content-length": String(body.byteLength),
      "cache-control": "public, max-age=31536000, immutable",
      // On every answer, the identity one too: a shared cache must not hand a br copy to a
      // client that did not ask for it, nor the plain one to every client that did.
      vary: "Accept-Encoding",
    });
    if (coding !== "identity") headers.set("content-encoding", coding);
    return new Response(request.method === "HEAD" ? null : body, { headers });
  };
}
