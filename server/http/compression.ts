import { promisify } from "node:util";
import { brotliCompress, brotliCompressSync, constants, gzip, gzipSync, type BrotliOptions, type ZlibOptions } from "node:zlib";
import { negotiateCoding, type Coding } from "./content-coding.js";

/**
 * Compression of our own answers (pages and JSON; the assets come precompressed, see
 * static-files.ts). Why these rules, BREACH included: docs/decisions/003-compression.md.
 */

/** Smaller answers gain less than the Content-Encoding header and the work cost. */
export const minCompressedBytes = 1024;

/**
 * Cheap settings, measured on our 7 KB change-password page on this project's machine: brotli 5
 * makes 2.0 KB in 0.06 ms, gzip 6 makes 2.3 KB in 0.03 ms (brotli 4 costs the same as 5 for
 * 8 % more; brotli 11 would save another 0.2 KB for 12 ms).
 */
export const brotliOptions = (size: number): BrotliOptions => ({
  params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: size },
});
const gzipOptions: ZlibOptions = { level: 6 };

/**
 * Up to this size we compress on the event loop, not on libuv's thread pool. For the 7 KB page
 * the loop's own time is about the same either way (measured: brotli 5 0.06 ms here, 0.04 ms for
 * the async call's set-up and callback; gzip 6 0.03 ms and 0.04 ms), and the pool is where the
 * Argon2 hashes run: cores + 1 at a time in its 4 threads, so on a machine with 3 cores or more a
 * page would wait behind a hash (about 20 ms) during a flood of password changes. Larger answers
 * (we have none today) go to the pool.
 */
const syncLimitBytes = 16 * 1024;

const brotliCompressAsync = promisify(brotliCompress);
const gzipAsync = promisify(gzip);
const compressors: Record<Coding, { sync: (body: Uint8Array) => Buffer; async: (body: Uint8Array) => Promise<Buffer> }> = {
  br: {
    sync: (body) => brotliCompressSync(body, brotliOptions(body.byteLength)),
    async: (body) => brotliCompressAsync(body, brotliOptions(body.byteLength)),
  },
  gzip: {
    sync: (body) => gzipSync(body, gzipOptions),
    async: (body) => gzipAsync(body, gzipOptions),
  },
};

const compressibleType = /^(?:text\/html|application\/json)\s*(?:;|$)/i;

/**
 * BREACH: a signed-in page holds secrets (the form token, the e-mail address) next to text from
 * the URL (a form's action repeats the query string). If another site could make the victim's
 * browser load such a page many times with chosen query strings, someone watching the encrypted
 * traffic could read the secret off the compressed lengths. Of the requests another site can
 * cause, only top-level navigations carry our cookies (SameSite=Lax), and the browser marks each
 * `Sec-Fetch-Site: cross-site` (`same-site` from a sibling domain), which no page can forge. So an
 * answer to a request with cookies is compressed only when the browser says the person (`none`:
 * typed, bookmarked) or this site (`same-origin`) made it; with cookies and no such header (an old
 * browser, a program's cookie jar) it is not compressed either.
 */
function noOtherSiteCouldAsk(request: Request): boolean {
  if (!request.headers.has("cookie")) return true;
  const site = request.headers.get("sec-fetch-site");
  return site === "same-origin" || site === "none";
}

/**
 * The answer compressed in the best coding the client accepts, when it is HTML or JSON of at least
 * `minCompressedBytes`; otherwise the same answer. The body is read whole (our answers are small
 * and complete once rendered), so the bridge still writes it in one go, with its length. An answer
 * that will not be compressed anyway is passed on unread.
 */
export async function compressAnswer(request: Request, response: Response): Promise<Response> {
  if (
    response.status < 200 ||
    [204, 205, 304].includes(response.status) ||
    response.body === null ||
    // Encoded already (never twice), or someone said not to.
    response.headers.has("content-encoding") ||
    /\bno-transform\b/i.test(response.headers.get("cache-control") ?? "") ||
    !compressibleType.test(response.headers.get("content-type") ?? "")
  ) {
    return response;
  }
  // Whichever coding is chosen: a cache must not hand this answer to a request that would get another.
  response.headers.append("vary", "Accept-Encoding, Sec-Fetch-Site");
  // HEAD sends no body, so nothing to encode; its headers are GET's but for those set while encoding.
  const coding =
    request.method !== "HEAD" && noOtherSiteCouldAsk(request) ? negotiateCoding(request.headers.get("accept-encoding")) : "identity";
  if (coding === "identity") return response;

  const body = new Uint8Array(await response.arrayBuffer());
  const headers = new Headers(response.headers);
  const init = { status: response.status, statusText: response.statusText, headers };
  if (body.byteLength < minCompressedBytes) return new Response(body, init);
  const compressor = compressors[coding];
  const compressed = body.byteLength <= syncLimitBytes ? compressor.sync(body) : await compressor.async(body);
  headers.set("content-encoding", coding);
  headers.delete("content-length");
  return new Response(new Uint8Array(compressed), init);
}
