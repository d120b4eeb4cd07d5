// `npm test`: typecheck, unit + integration + system tests (vitest, real PostgreSQL and Redis), then the browser tests
// (Playwright in Debian's Chromium against the built app). Ends with one "N passed, N failed" line.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";

const only = process.argv.slice(2); // e.g. `npm test -- unit integration`
const want = (step: string) => only.length === 0 || only.includes(step);
mkdirSync(".test-results", { recursive: true });

let passed = 0;
let failed = 0;
let skipped = 0;
const failures: string[] = [];

function run(step: string, cmd: string, args: string[]): boolean {
  console.log(`\n=== ${step}: ${cmd} ${args.join(" ")}`);
  const r = spawnSync(cmd, args, { stdio: "inherit", env: process.env });
  if (r.status !== 0) failures.push(step);
  return r.status === 0;
}

if (want("typecheck")) {
  if (run("typecheck", "npx", ["tsc", "--noEmit", "-p", "."])) passed += 1;
  else failed += 1;
}

// system: real production instances started and broken on purpose (faults, two instances, graceful shutdown)
for (const project of ["unit", "integration", "system"]) {
  if (!want(project)) continue;
  const out = `.test-results/vitest-${project}.json`;
  run(project, "npx", ["vitest", "run", "--project", project, "--reporter=default", "--reporter=json", `--outputFile=${out}`]);
  if (existsSync(out)) {
    const r = JSON.parse(readFileSync(out, "utf8")) as { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number };
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    skipped += r.numPendingTests + r.numTodoTests;
  } else failed += 1;
}

if (want("e2e")) {
  const out = ".test-results/playwright.json";
  run("e2e", "npx", ["playwright", "test"]);
  if (existsSync(out)) {
    const r = JSON.parse(readFileSync(out, "utf8")) as { stats: { expected: number; unexpected: number; flaky: number; skipped: number } };
    passed += r.stats.expected + r.stats.flaky;
    failed += r.stats.unexpected;
    skipped += r.stats.skipped;
  } else failed += 1;
}

if (failures.length) console.log(`\nFailed steps: ${failures.join(", ")}`);
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failures.length || failed ? 1 : 0);
