import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

describe("the browser bundle (public/build, made by `remix build` before the tests)", () => {
  const files = filesUnder("public/build").filter((file) => file.endsWith(".js"));

  it("exists", () => {
    expect(files.length).toBeGreaterThan(3);
  });

  // Routes reach the server only through `context`: none of its code may ship to browsers.
  it.each(["better-sqlite3", "argon2", "CREATE TABLE", "password_hash", "createSessionCookie", "initTRPC", "DELETE FROM", "nodemailer"])(
    "contains no %s",
    (marker) => {
      const leaking = files.filter((file) => readFileSync(file, "utf8").includes(marker));
      expect(leaking).toEqual([]);
    },
  );
});
