import { execFileSync } from "node:child_process";
import { cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { brotliCompressSync, brotliDecompressSync, constants, gunzipSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { wireRequest } from "../helpers/raw-http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { tempDir } from "../helpers/temp.js";

/**
 * `npm run build` leaves a .br and a .gz copy next to each asset (scripts/precompress-assets.mjs);
 * the server sends those copies, and makes its own at start for a build that has none or whose
 * copies do not decode to the file.
 */

const dir = tempDir();
const build = join(dir.path, "public", "build");

function filesUnder(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(folder, entry.name)) : [join(folder, entry.name)],
  );
}

const isCopy = (file: string) => file.endsWith(".br") || file.endsWith(".gz");
const bySize = (files: string[]) => [...files].sort((a, b) => statSync(a).size - statSync(b).size);

beforeAll(() => {
  // The files `remix build` made, without any copies a `npm run build` may have added.
  cpSync("public/build", build, { recursive: true, filter: (source) => !isCopy(source) });
});
afterAll(() => dir.remove());

describe("the build step (scripts/precompress-assets.mjs)", () => {
  let assets: string[];
  beforeAll(() => {
    execFileSync(process.execPath, ["scripts/precompress-assets.mjs", build], { stdio: "pipe" });
    assets = filesUnder(build).filter((file) => !isCopy(file));
  });

  it("writes a br copy at brotli's best and a gzip copy at level 9, each decoding to its file", () => {
    const [largest] = bySize(assets).reverse();
    const original = readFileSync(largest!);
    const br = readFileSync(`${largest}.br`);
    expect(brotliDecompressSync(br).equals(original)).toBe(true);
    // Quality 11 is what a quality-11 compressor makes, and smaller than the server's start-up 5.
    const best = brotliCompressSync(original, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: original.byteLength },
    });
    expect(br.equals(best)).toBe(true);
    expect(readFileSync(`${largest}.gz`).equals(gzipSync(original, { level: 9 }))).toBe(true);
    for (const file of assets) {
      if (existsSync(`${file}.br`)) expect(brotliDecompressSync(readFileSync(`${file}.br`)).equals(readFileSync(file))).toBe(true);
      if (existsSync(`${file}.gz`)) expect(gunzipSync(readFileSync(`${file}.gz`)).equals(readFileSync(file))).toBe(true);
    }
  });

  it("skips files that compression does not help, and leaves no temporary file", () => {
    const tiny = assets.filter((file) => statSync(file).size < 120);
    expect(tiny.length).toBeGreaterThan(0);
    for (const file of tiny) {
      expect(existsSync(`${file}.br`), relative(build, file)).toBe(false);
      expect(existsSync(`${file}.gz`), relative(build, file)).toBe(false);
    }
    const worthIt = assets.filter((file) => statSync(file).size > 1000);
    for (const file of worthIt) expect(existsSync(`${file}.br`) && existsSync(`${file}.gz`), relative(build, file)).toBe(true);
    expect(filesUnder(build).filter((file) => file.endsWith(".tmp"))).toEqual([]);
  });
});

describe("the server's copies", () => {
  let server: TestServer;
  let planted: { path: string; gzip: Buffer; original: Buffer };
  let corrupt: { path: string; original: Buffer };
  let stale: { path: string; original: Buffer };

  beforeAll(async () => {
    const [, third, second, first] = bySize(filesUnder(build).filter((file) => !isCopy(file))).reverse();
    const urlOf = (file: string) => `/${relative(join(dir.path, "public"), file).split("\\").join("/")}`;
    // A gzip copy unlike the build's (level 1), to see whose copy is sent.
    const plantedOriginal = readFileSync(first!);
    const plantedGzip = gzipSync(plantedOriginal, { level: 1 });
    writeFileSync(`${first}.gz`, plantedGzip);
    planted = { path: urlOf(first!), gzip: plantedGzip, original: plantedOriginal };
    // Not brotli at all.
    writeFileSync(`${second}.br`, "not brotli");
    corrupt = { path: urlOf(second!), original: readFileSync(second!) };
    // Valid brotli, of some other file.
    writeFileSync(`${third}.br`, brotliCompressSync(readFileSync(first!)));
    stale = { path: urlOf(third!), original: readFileSync(third!) };
    server = await startServer({ publicDir: join(dir.path, "public") });
  });
  afterAll(() => server?.close());

  it("sends the build's copy as it is", async () => {
    const response = await wireRequest(server.url, planted.path, { headers: { "accept-encoding": "gzip" } });
    expect(response.headers["content-encoding"]).toBe("gzip");
    expect(response.body.equals(planted.gzip)).toBe(true);
  });

  it.each([
    ["one that is not brotli", () => corrupt],
    ["one that decodes to another file", () => stale],
  ])("never sends %s: it makes its own", async (_name, asset) => {
    const { path, original } = asset();
    const response = await wireRequest(server.url, path, { headers: { "accept-encoding": "br" } });
    expect(response.headers["content-encoding"]).toBe("br");
    expect(brotliDecompressSync(response.body).equals(original)).toBe(true);
  });

  it("makes copies at start for a build without any", async () => {
    const bare = tempDir();
    try {
      cpSync("public/build", join(bare.path, "build"), { recursive: true, filter: (source) => !isCopy(source) });
      const plain = await startServer({ publicDir: bare.path });
      try {
        const [largest] = bySize(filesUnder(join(bare.path, "build"))).reverse();
        const path = `/build/${relative(join(bare.path, "build"), largest!).split("\\").join("/")}`;
        for (const [accept, decode] of [
          ["br", brotliDecompressSync],
          ["gzip", gunzipSync],
        ] as const) {
          const response = await wireRequest(plain.url, path, { headers: { "accept-encoding": accept } });
          expect(response.headers["content-encoding"]).toBe(accept);
          expect(decode(response.body).equals(readFileSync(largest!))).toBe(true);
        }
      } finally {
        await plain.close();
      }
    } finally {
      bare.remove();
    }
  });
});
