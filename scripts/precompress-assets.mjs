// Part of `npm run build`, after `remix build`: writes a brotli (.br, quality 11) and a gzip (.gz,
// level 9) copy next to each file of public/build, once per build, so the server sends the
// smallest copy without compressing anything itself (server/http/static-files.ts reads them, and
// makes cheaper ones at start for a build that has none).
//
// Plain JavaScript on purpose: a build step needs nothing but Node.
//
//   node scripts/precompress-assets.mjs [folder]      (default: public/build)
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const folder = process.argv[2] ?? "public/build";

const codings = [
  {
    suffix: ".br",
    compress: (bytes) =>
      brotliCompressSync(bytes, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
          [constants.BROTLI_PARAM_SIZE_HINT]: bytes.byteLength,
        },
      }),
  },
  { suffix: ".gz", compress: (bytes) => gzipSync(bytes, { level: constants.Z_BEST_COMPRESSION }) },
];

// The server's rule too: a copy is kept only if it is at least 5 % smaller. Tiny files and
// compressed formats (woff2, png) are sent as they are.
const helps = (encoded, original) => encoded.byteLength <= original.byteLength * 0.95;

const filesUnder = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );

const isCopy = (file) => codings.some(({ suffix }) => file.endsWith(suffix));
const totals = { files: 0, identity: 0, ".br": 0, ".gz": 0 };
const started = Date.now();
for (const file of filesUnder(folder).filter((file) => !isCopy(file))) {
  const original = readFileSync(file);
  totals.files++;
  totals.identity += original.byteLength;
  for (const { suffix, compress } of codings) {
    const encoded = compress(original);
    const target = file + suffix;
    if (!helps(encoded, original)) {
      rmSync(target, { force: true });
      totals[suffix] += original.byteLength;
      continue;
    }
    // Written aside and renamed: a copy cut short by a crash is never left under the real name.
    writeFileSync(`${target}.tmp`, encoded);
    renameSync(`${target}.tmp`, target);
    totals[suffix] += encoded.byteLength;
  }
}
const kb = (bytes) => `${Math.round(bytes / 1024)} KiB`;
console.log(
  `precompressed ${totals.files} files in ${folder} in ${Date.now() - started} ms: ` +
    `${kb(totals.identity)} → br ${kb(totals[".br"])}, gzip ${kb(totals[".gz"])}`,
);
