// Architecture rules, enforced on the import graph of our own modules.
//
// Every .ts/.tsx file under the source folders is read and every module it
// names is collected: static imports (`import type` too), `export ... from`
// re-exports, dynamic `import()`, `require()` and `import("x").Type` types.
// The rules below are data; each becomes one test that lists offenders as
// "importing file → specifier".
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { join, posix } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** Folders holding our modules. tests/ is left out: tests may reach anywhere. */
const sourceDirs = ["app", "server", "db", "bench", "scripts", "examples"];
const skippedDirs = new Set(["node_modules", "build", "public"]);

// ---------------------------------------------------------------------------
// The rules
// ---------------------------------------------------------------------------

/**
 * Rule 1: one module per third-party library. Wrapping each library in a
 * single module keeps upgrades, swaps and security reviews to one file, and
 * keeps a server-only library from leaking into another layer (or the
 * browser bundle). Type-only imports count too: a type from the library in
 * another module's signature couples that module to it just the same.
 *
 * A path ending in "/" allows a whole folder.
 */
const libraryOwners: Record<string, string[]> = {
  lucia: ["server/auth/sessions.ts"],
  "@lucia-auth/adapter-sqlite": ["server/auth/sessions.ts"],
  "@lucia-auth/adapter-postgresql": ["server/auth/sessions.ts"],
  oslo: ["server/auth/passwords.ts"],
  nodemailer: ["server/notify/notifier.ts"],
  "rate-limiter-flexible": ["server/auth/throttle.ts"],
  pino: ["server/logger.ts"],
  // The database drivers: each behind one module of db/ (the store's two implementations).
  pg: ["db/postgres/pool.ts"],
  "better-sqlite3": [
    "db/sqlite/database.ts",
    // Exception: the benchmark's PEER server runs better-auth (the competitor)
    // on its own better-sqlite3 database; it is not part of our app.
    "bench/peer/server.ts",
  ],
  // One judge of strength for the server's policy and the browser's meter alike.
  "@zxcvbn-ts/core": ["server/auth/password-strength.ts"],
  "@zxcvbn-ts/language-common": ["server/auth/password-strength.ts"],
};

/**
 * The server modules the browser may import at run time: the strength judge
 * and the password text it counts with, so the meter and the server's policy
 * are one code. Rule 7 keeps them plain.
 */
const sharedWithBrowser = ["server/auth/password-strength.ts", "server/auth/password-text.ts"];

/** Rules 2–5: a folder of importers may not reach into some other folders or packages. */
interface Boundary {
  title: string;
  /** Why the rule exists; printed when it fails. */
  why: string;
  /** Importing files: those whose repo path starts with this. */
  files: string;
  /** Importing files this rule does not apply to. */
  exemptFiles?: RegExp;
  /** Repo path prefixes the files may not import... */
  forbiddenPaths: string[];
  /** ...except these. */
  allowedPaths?: string[];
  /** Package name prefixes the files may not import. */
  forbiddenPackages?: string[];
  /** Only imports that exist at run time count (`import type` is erased). */
  typeOnlyAllowed?: boolean;
}

const boundaries: Boundary[] = [
  {
    title: "rule 2: the auth domain (server/auth/**) knows nothing of HTTP, tRPC, Remix or the UI",
    why:
      "server/auth holds the business rules; the CLI, tRPC and Remix all call it. " +
      "If it imports a transport or UI it can no longer be used (or unit-tested) without that transport.",
    files: "server/auth/",
    forbiddenPaths: ["server/http/", "server/trpc/", "server/remix/", "app/"],
    forbiddenPackages: ["@remix-run/", "@trpc/", "react"],
  },
  {
    title: "rule 3: the database layer (db/**) imports nothing from server/ or app/",
    why: "db/ is the lowest layer: queries and migrations. Everything depends on it, so it depends on nothing of ours.",
    files: "db/",
    forbiddenPaths: ["server/", "app/"],
  },
  {
    title: "rule 4a: notifications (server/notify/**) do not import auth, HTTP, tRPC or Remix",
    why:
      "server/notify sits below the auth domain (auth calls the notifier); " +
      "importing upward would make a cycle and drag the web stack into the mail outbox.",
    files: "server/notify/",
    forbiddenPaths: ["server/auth/", "server/http/", "server/trpc/", "server/remix/"],
  },
  {
    title: "rule 4b: HTTP helpers (server/http/**) do not import Remix glue or UI code (except app/forms/)",
    why:
      "server/http sits below server/remix, which uses it. Of app/, only app/forms/ is shared: " +
      "plain form-field modules that the JSON endpoint and the Remix routes both read.",
    files: "server/http/",
    forbiddenPaths: ["server/remix/", "app/"],
    allowedPaths: ["app/forms/"],
  },
  {
    title: "rule 5: browser code (app/**) imports nothing at run time from server/ or db/ (except the strength judge)",
    why:
      "anything app/ imports can end up in the browser bundle (secrets, node: built-ins, SQLite). " +
      "`import type` is erased, and *.server.ts(x) modules are kept out of the bundle by Remix. " +
      "The strength judge is shared on purpose, and rule 7 keeps it plain.",
    files: "app/",
    exemptFiles: /\.server\.tsx?$/,
    forbiddenPaths: ["server/", "db/"],
    allowedPaths: sharedWithBrowser,
    typeOnlyAllowed: true,
  },
];

// ---------------------------------------------------------------------------
// The scanner
// ---------------------------------------------------------------------------

interface Import {
  /** The specifier as written, e.g. "../auth/sessions.js" or "oslo/password". */
  specifier: string;
  /** Repo-relative path for our modules ("server/auth/sessions.ts"), else undefined. */
  path?: string;
  /** Package name for third-party modules ("oslo", "@trpc/server"), else undefined. */
  pkg?: string;
  /** Node built-in ("node:fs", "fs"). */
  builtin: boolean;
  /** Erased at compile time: `import type`, `export type ... from`, `import("x").T`. */
  typeOnly: boolean;
}

interface SourceFile {
  /** Repo-relative, "/"-separated. */
  path: string;
  imports: Import[];
}

function listSourceFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(join(repoRoot, dir), { withFileTypes: true })) {
    const path = posix.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!skippedDirs.has(entry.name)) found.push(...listSourceFiles(path));
    } else if (/\.tsx?$/.test(entry.name)) {
      found.push(path);
    }
  }
  return found;
}

/**
 * Specifiers in one file, each flagged type-only or not. If a file names a
 * module both ways, the run-time import wins.
 */
function specifiersOf(path: string, text: string): Map<string, boolean> {
  const found = new Map<string, boolean>();
  const add = (specifier: string, typeOnly: boolean) =>
    found.set(specifier, (found.get(specifier) ?? true) && typeOnly);

  // The syntax tree tells type-only imports apart, and sees everything else.
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest);
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, isTypeOnlyImport(node));
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, isTypeOnlyExport(node));
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      add(node.moduleReference.expression.text, node.isTypeOnly);
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      add(node.argument.literal.text, true);
    } else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(node.expression) && node.expression.text === "require")) &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      add(node.arguments[0].text, false); // import("x") / require("x"), incl. `await import("x")`
    }
    ts.forEachChild(node, visit);
  };
  visit(source);

  // TypeScript's own import scanner, as a cross-check: anything it finds that
  // the walk above did not is counted as a run-time import. (It misses
  // `export * as ns from "x"`, which the walk covers.)
  for (const { fileName } of ts.preProcessFile(text, true, true).importedFiles) {
    if (!found.has(fileName)) add(fileName, false);
  }
  return found;
}

/** `import type {A} from`, or `import {type A, type B} from`: erased when compiled. */
function isTypeOnlyImport(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (!clause) return false; // `import "x"` runs x
  if (clause.isTypeOnly) return true;
  if (clause.name) return false; // a default import is a value
  const bindings = clause.namedBindings;
  return (
    bindings !== undefined &&
    ts.isNamedImports(bindings) &&
    bindings.elements.length > 0 &&
    bindings.elements.every((element) => element.isTypeOnly)
  );
}

/** `export type {A} from`, or `export {type A} from`. */
function isTypeOnlyExport(node: ts.ExportDeclaration): boolean {
  if (node.isTypeOnly) return true;
  const clause = node.exportClause;
  return (
    clause !== undefined &&
    ts.isNamedExports(clause) &&
    clause.elements.length > 0 &&
    clause.elements.every((element) => element.isTypeOnly)
  );
}

const builtins = new Set(builtinModules);

/** Our module's repo path: "../db/x.js" → "db/x.ts"; "~/lib/http" → "app/lib/http.ts". */
function resolveOwnModule(from: string, specifier: string): string {
  const target = specifier.startsWith("~/")
    ? posix.join("app", specifier.slice(2))
    : posix.join(posix.dirname(from), specifier);
  const base = target.replace(/\.(m|c)?jsx?$/, "");
  const candidates = [`${base}.ts`, `${base}.tsx`, `${base}/index.ts`, `${base}/index.tsx`, target];
  // A file that does not exist (yet) keeps its written path: the folder is what the rules check.
  return candidates.find((candidate) => existsSync(join(repoRoot, candidate))) ?? target;
}

function classify(from: string, specifier: string, typeOnly: boolean): Import {
  if (specifier.startsWith(".") || specifier.startsWith("~/")) {
    return { specifier, path: resolveOwnModule(from, specifier), builtin: false, typeOnly };
  }
  if (specifier.startsWith("node:") || builtins.has(specifier)) {
    return { specifier, builtin: true, typeOnly };
  }
  // "oslo/password" → "oslo"; "@trpc/server/adapters/fetch" → "@trpc/server".
  const parts = specifier.split("/");
  const pkg = specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
  return { specifier, pkg, builtin: false, typeOnly };
}

function scan(): SourceFile[] {
  return sourceDirs.flatMap(listSourceFiles).map((path) => {
    const text = readFileSync(join(repoRoot, path), "utf8");
    const imports = [...specifiersOf(path, text)].map(([specifier, typeOnly]) => classify(path, specifier, typeOnly));
    return { path, imports };
  });
}

const startsWithAny = (value: string | undefined, prefixes: string[] | undefined) =>
  value !== undefined && (prefixes ?? []).some((prefix) => value.startsWith(prefix));

const describeImport = (file: SourceFile, imp: Import) =>
  `${file.path} → ${imp.specifier}${imp.path ? ` (${imp.path})` : ""}${imp.typeOnly ? " [type-only]" : ""}`;

// ---------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------

describe("import graph", () => {
  const files = scan();

  it("rule 1: each third-party library is imported by its one owning module", () => {
    const violations = files.flatMap((file) =>
      file.imports
        .filter((imp) => imp.pkg !== undefined && imp.pkg in libraryOwners)
        .filter((imp) => {
          const owners = libraryOwners[imp.pkg!]!;
          return !owners.some((owner) => (owner.endsWith("/") ? file.path.startsWith(owner) : file.path === owner));
        })
        .map((imp) => `${describeImport(file, imp)} — only ${libraryOwners[imp.pkg!]!.join(", ")} may import ${imp.pkg}`),
    );
    expect(
      violations,
      "Wrap the library in its owning module and import that module instead (type-only imports count too)",
    ).toEqual([]);
  });

  for (const rule of boundaries) {
    it(rule.title, () => {
      const violations = files
        .filter((file) => file.path.startsWith(rule.files) && !rule.exemptFiles?.test(file.path))
        .flatMap((file) =>
          file.imports
            .filter((imp) => !(rule.typeOnlyAllowed && imp.typeOnly))
            .filter(
              (imp) =>
                (startsWithAny(imp.path, rule.forbiddenPaths) && !startsWithAny(imp.path, rule.allowedPaths)) ||
                startsWithAny(imp.pkg, rule.forbiddenPackages),
            )
            .map((imp) => describeImport(file, imp)),
        );
      expect(violations, `Why this rule exists: ${rule.why}`).toEqual([]);
    });
  }

  it("rule 7: the server modules the browser imports import nothing but each other and zxcvbn", () => {
    const violations = files
      .filter((file) => sharedWithBrowser.includes(file.path))
      .flatMap((file) =>
        file.imports
          .filter((imp) => !imp.typeOnly)
          .filter((imp) => (imp.path ? !sharedWithBrowser.includes(imp.path) : imp.builtin || !imp.pkg?.startsWith("@zxcvbn-ts/")))
          .map((imp) => describeImport(file, imp)),
      );
    expect(files.filter((file) => sharedWithBrowser.includes(file.path)).map((file) => file.path)).toEqual(sharedWithBrowser);
    expect(violations, "These modules ship to browsers: no server code, no Node built-ins, no other package").toEqual([]);
  });

  it("rule 6 (sanity): the scanner sees our files and their imports", () => {
    expect(files.length, "too few source files found; is the scanner looking in the right place?").toBeGreaterThanOrEqual(40);
    const sessions = files.find((file) => file.path === "server/auth/sessions.ts");
    expect(sessions?.imports.map((imp) => imp.pkg), "server/auth/sessions.ts should import lucia").toContain("lucia");
  });

  it("rule 6 (sanity): the scanner reads every import form", () => {
    const text = [
      `import a from "./a.js";`,
      `import type { B } from "./b.js";`,
      `import { type C, type D } from "./c.js";`,
      `import { type E, e } from "./e.js";`,
      `export { f } from "./f.js";`,
      `export * as g from "./g.js";`,
      `export type { H } from "./h.js";`,
      `import "./side-effect.js";`,
      `async function load() { const i = await import("~/lib/i"); const j = require("j/sub"); }`,
      `type K = import("@scope/k/deep").K;`,
      `import { readFileSync } from "node:fs";`,
    ].join("\n");
    const seen = Object.fromEntries(
      [...specifiersOf("server/x/example.ts", text)].map(([specifier, typeOnly]) => {
        const imp = classify("server/x/example.ts", specifier, typeOnly);
        return [imp.path ?? imp.pkg ?? specifier, imp.typeOnly ? "type" : "value"];
      }),
    );
    expect(seen).toEqual({
      "server/x/a.js": "value",
      "server/x/b.js": "type",
      "server/x/c.js": "type",
      "server/x/e.js": "value",
      "server/x/f.js": "value",
      "server/x/g.js": "value",
      "server/x/h.js": "type",
      "server/x/side-effect.js": "value",
      "app/lib/i": "value",
      j: "value",
      "@scope/k": "type",
      "node:fs": "value",
    });
  });
});
