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
const failedTests: string[] = []; // repeated at the end, so a log's last lines say what failed

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
    const r = JSON.parse(readFileSync(out, "utf8")) as {
      numPassedTests: number;
      numFailedTests: number;
      numPendingTests: number;
      numTodoTests: number;
      testResults?: { name: string; assertionResults?: { fullName: string; status: string; failureMessages?: string[] }[] }[];
    };
    for (const file of r.testResults ?? [])
      for (const t of file.assertionResults ?? [])
        if (t.status === "failed") failedTests.push(`${project}: ${file.name.replace(process.cwd() + "/", "")} > ${t.fullName}\n    ${(t.failureMessages?.[0] ?? "").split("\n")[0]}`);
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    skipped += r.numPendingTests + r.numTodoTests;
  } else failed += 1;
}

if (want("e2e")) {
  const out = ".test-results/playwright.json";
  run("e2e", "npx", ["playwright", "test"]);
  if (existsSync(out)) {
    type Suite = { title: string; file?: string; specs?: { title: string; ok: boolean }[]; suites?: Suite[] };
    const r = JSON.parse(readFileSync(out, "utf8")) as { stats: { expected: number; unexpected: number; flaky: number; skipped: number }; suites?: Suite[] };
    const walk = (s: Suite, file: string) => {
      for (const spec of s.specs ?? []) if (!spec.ok) failedTests.push(`e2e: ${s.file ?? file} > ${spec.title}`);
      for (const inner of s.suites ?? []) walk(inner, s.file ?? file);
    };
    for (const s of r.suites ?? []) walk(s, s.file ?? s.title);
    passed += r.stats.expected + r.stats.flaky;
    failed += r.stats.unexpected;
    skipped += r.stats.skipped;
  } else failed += 1;
}

if (failedTests.length) console.log(`\nFailed tests:\n${failedTests.map((t) => `  ${t}`).join("\n")}`);
if (failures.length) console.log(`\nFailed steps: ${failures.join(", ")}`);
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failures.length || failed ? 1 : 0);
