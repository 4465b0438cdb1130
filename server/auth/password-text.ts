/**
 * A password as text: how it is normalised and how long it is. Plain code with no imports, so the
 * browser's strength meter counts exactly as the server does (it reaches the page through
 * password-strength.ts; tests/unit/import-graph.test.ts keeps both free of server code).
 */

/**
 * NFKC, the same way when setting and verifying, so "é" typed as one code point or as "e" plus a
 * combining accent is the same password (NIST 800-63B). oslo does it too; doing it here keeps the
 * guarantee if oslo is replaced.
 */
export function normalizePassword(password: string): string {
  return password.normalize("NFKC");
}

/** Length as people count it: Unicode code points, so three emoji are 3 characters, not 6. */
export function codePointLength(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/**
 * A UTF-8 code point is at most 4 bytes, so anything longer than this is over the maximum
 * whatever it holds: refused before it is normalised or hashed. Counted without encoding (a lone
 * surrogate as the 3 bytes of U+FFFD, as Node's Buffer.byteLength and TextEncoder count it), and
 * a string of more UTF-16 units than the cap stops at once.
 */
export function exceedsByteCap(password: string, limits: { maxPasswordLength: number }): boolean {
  const cap = limits.maxPasswordLength * 4;
  if (password.length > cap) return true;
  let bytes = 0;
  for (let i = 0; i < password.length; i++) {
    const unit = password.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < password.length) {
      const next = password.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes > cap;
}
