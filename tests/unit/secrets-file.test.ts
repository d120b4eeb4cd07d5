import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ensureSecrets, writePrivateFileAtomic } from "@/scripts/runtime-setup";

const NAMES = ["NEXTAUTH_SECRET", "CRON_SECRET", "ADMIN_API_TOKEN"] as const;

describe("the secrets file (./.data/secrets.json)", () => {
  let dir: string;
  let saved: Record<string, string | undefined>;
  let umask: number;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "cw-secrets-"));
    saved = Object.fromEntries(NAMES.map((n) => [n, process.env[n]]));
    for (const n of NAMES) delete process.env[n];
    umask = process.umask(0); // the most permissive umask: the file must still be private
  });
  afterEach(() => {
    process.umask(umask);
    for (const n of NAMES) if (saved[n] === undefined) delete process.env[n]; else process.env[n] = saved[n];
    rmSync(dir, { recursive: true, force: true });
  });

  it("is created with mode 0600 even under umask 000, leaves no temporary file, and holds every secret", () => {
    ensureSecrets(dir);
    const file = path.join(dir, "secrets.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(["secrets.json"]);
    const stored = JSON.parse(readFileSync(file, "utf8")) as Record<string, string>;
    for (const n of NAMES) {
      expect(stored[n]!.length).toBeGreaterThanOrEqual(32);
      expect(process.env[n]).toBe(stored[n]);
    }
  });

  it("takes back a readable file left by an older version, keeping its secrets", () => {
    const file = path.join(dir, "secrets.json");
    writeFileSync(file, JSON.stringify({ NEXTAUTH_SECRET: "a".repeat(40), CRON_SECRET: "b".repeat(40), ADMIN_API_TOKEN: "c".repeat(40) }));
    chmodSync(file, 0o644);
    ensureSecrets(dir);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(process.env.NEXTAUTH_SECRET).toBe("a".repeat(40));
  });

  it("replaces a file in one step: the old content or the new, never a partial or wider-moded one", () => {
    const file = path.join(dir, "f.json");
    writeFileSync(file, "old");
    chmodSync(file, 0o644);
    writePrivateFileAtomic(file, "new");
    expect(readFileSync(file, "utf8")).toBe("new");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(["f.json"]);
  });
});
