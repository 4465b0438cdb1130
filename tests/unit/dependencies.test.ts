import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * @remix-run/react 2.17 pins react-router, react-router-dom 6.30.4 and @remix-run/router 1.23.3
 * exactly, inside the range of GHSA-jjmj-jmhj-qwj2 (open redirect leading to XSS, fixed in 6.30.6 /
 * 1.23.4). Only package.json's `overrides` lifts an exact pin; this reads what is really installed,
 * every copy of it, so a lock file or a nested copy cannot bring the old versions back.
 */

const patched: Record<string, [number, number, number]> = {
  "react-router": [6, 30, 6],
  "react-router-dom": [6, 30, 6],
  "@remix-run/router": [1, 23, 4],
};

/** Every installed copy of `name` under node_modules, nested ones included. */
function copiesOf(name: string, root = "node_modules", depth = 0): string[] {
  const found: string[] = [];
  const manifest = join(root, name, "package.json");
  if (existsSync(manifest)) found.push(manifest);
  if (depth > 6) return found;
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
    const dirs = entry.name.startsWith("@")
      ? readdirSync(join(root, entry.name), { withFileTypes: true }).filter((sub) => sub.isDirectory()).map((sub) => join(root, entry.name, sub.name))
      : [join(root, entry.name)];
    for (const dir of dirs) {
      const nested = join(dir, "node_modules");
      if (existsSync(nested)) found.push(...copiesOf(name, nested, depth + 1));
    }
  }
  return found;
}

const versionOf = (manifest: string) =>
  (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version.split(".").map(Number) as [number, number, number];

const atLeast = (version: number[], floor: number[]) => {
  for (let index = 0; index < 3; index++) {
    if ((version[index] ?? 0) !== floor[index]) return (version[index] ?? 0) > floor[index]!;
  }
  return true;
};

describe("patched router packages (GHSA-jjmj-jmhj-qwj2)", () => {
  it.each(Object.entries(patched))("every installed copy of %s is at least the patched version", (name, floor) => {
    const copies = copiesOf(name);
    expect(copies.length).toBeGreaterThan(0);
    for (const manifest of copies) expect(atLeast(versionOf(manifest), floor), `${manifest}: ${versionOf(manifest).join(".")}`).toBe(true);
  });
});
