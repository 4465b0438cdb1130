import { describe, expect, it } from "vitest";
import { negotiateCoding } from "../../server/http/content-coding.js";

describe("negotiateCoding (RFC 9110 §12.5.3)", () => {
  it.each([
    // No header: a client that says nothing may decode nothing.
    [null, "identity"],
    ["", "identity"],
    // Browsers.
    ["gzip, deflate, br", "br"],
    ["gzip, deflate, br, zstd", "br"],
    ["gzip, deflate", "gzip"],
    // Weights.
    ["gzip;q=1, br;q=0", "gzip"],
    ["br;q=0.5, gzip;q=0.8", "gzip"],
    ["br;q=0.8, gzip;q=0.8", "br"],
    ["gzip;q=0.8, br;q=0.8", "br"],
    ["gzip ; q=0.7 , br ; Q=0.2", "gzip"],
    ["br;q=0.001", "br"],
    ["br;q=1.000", "br"],
    // Names: any case, the x-gzip alias, unknown codings ignored.
    ["GZIP", "gzip"],
    ["Br", "br"],
    ["x-gzip", "gzip"],
    ["compress, zstd, deflate", "identity"],
    ["gzip-but-not-really", "identity"],
    // The wildcard and identity.
    ["*", "br"],
    ["*;q=0.5, br;q=0", "gzip"],
    ["*;q=0, gzip", "gzip"],
    ["identity", "identity"],
    ["identity, gzip;q=0.5", "identity"],
    ["identity;q=0.5, gzip;q=0.5", "gzip"],
    ["identity;q=0, gzip;q=0.1", "gzip"],
    // Everything refused: identity anyway, rather than a 406 that helps nobody.
    ["br;q=0, gzip;q=0", "identity"],
    ["*;q=0", "identity"],
    ["identity;q=0", "identity"],
    // A malformed weight voids its entry; the first entry for a name counts.
    ["gzip;q=2", "identity"],
    ["gzip;q=abc, br;q=-1", "identity"],
    ["gzip;q=0.5555", "identity"],
    ["gzip;q=0, gzip;q=1", "identity"],
    [",,, ;q=1, br", "br"],
  ])("%j → %s", (header, expected) => {
    expect(negotiateCoding(header)).toBe(expected);
  });

  it("chooses only among the codings offered", () => {
    expect(negotiateCoding("gzip, deflate, br", ["gzip"])).toBe("gzip");
    expect(negotiateCoding("br", ["gzip"])).toBe("identity");
    expect(negotiateCoding("gzip, br", [])).toBe("identity");
  });

  it("reads a long hostile header in linear time", () => {
    // 50,000 entries: linear work is a few milliseconds, quadratic work minutes. The bound only
    // tells the two apart, with room for a busy machine; it measures no speed.
    const header = `${"x;q=0.5, ".repeat(50_000)}gzip`;
    const started = performance.now();
    expect(negotiateCoding(header)).toBe("gzip");
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
