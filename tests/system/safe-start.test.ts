import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, inject, it } from "vitest";
import { startApp } from "@/tests/support/app-server";
import { freePort } from "@/tests/support/net";
import { LOG_DIR } from "@/tests/support/system";

// The production server itself (scripts/serve.ts, the way docs/DEPLOY.md starts instances) refuses to start with
// an unsafe environment, naming the variables, instead of serving 500s: Next runs instrumentation.ts's register()
// when the server prepares, and lib/startup.ts exits on an invalid environment.

async function startWith(name: string, env: Record<string, string>): Promise<{ error: string; log: string }> {
  mkdirSync(LOG_DIR, { recursive: true });
  const port = await freePort();
  const logFile = path.join(LOG_DIR, `${name}-${port}.log`);
  const error = await startApp({
    port,
    env: { DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/never_used", ...env },
    distDir: inject("systemDistDir"),
    logFile,
  }).then(
    async (app) => {
      await app.stop();
      return "started";
    },
    (e: Error) => e.message,
  );
  return { error, log: readFileSync(logFile, "utf8") };
}

describe("a production instance with an unsafe environment", () => {
  it("refuses to start with an example NEXTAUTH_SECRET, naming it and never echoing it", async () => {
    const r = await startWith("weak-secret", { NEXTAUTH_SECRET: "changeme-changeme-changeme", PAYMENT_PROVIDER: "test" });
    expect(r.error).toMatch(/exited with code [1-9]/);
    expect(r.log).toContain("cannot start");
    expect(r.log).toContain("NEXTAUTH_SECRET");
    expect(r.log).not.toContain("changeme-changeme-changeme");
  });

  it("refuses to start without Stripe keys and without PAYMENT_PROVIDER=test", async () => {
    const r = await startWith("no-payments", { NEXTAUTH_SECRET: "Xq3v9bKf0_wL2mZr8TcYp1NhA6sDuE4j", PAYMENT_PROVIDER: "" });
    expect(r.error).toMatch(/exited with code [1-9]/);
    expect(r.log).toContain("STRIPE_SECRET_KEY");
    expect(r.log).toContain("PAYMENT_PROVIDER=test");
  });
});
