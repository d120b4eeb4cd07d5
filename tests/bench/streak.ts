// `npm run bench:streak`: the full bench RUNS times in a row (default 5), each a fresh `npm run bench` (its own build,
// database and app instances), to show that its invariants, zero 5xx in every scenario first of all, hold run after
// run and not just once: a false 503 under saturation (issue 14) showed up in one run of several.
//
//   npx tsx tests/bench/streak.ts              5 runs (~35 minutes on 2 cores); the last one writes BENCHMARKS.md
//   RUNS=3 npx tsx tests/bench/streak.ts
//   RUNS=2 BENCH_SCALE=0.1 BENCH_OUT=.test-results/streak.md npx tsx tests/bench/streak.ts   a quick try
//
// Runs 1..N-1 write their reports to .test-results/bench-streak-<i>.md; the last writes BENCHMARKS.md, and a section
// "Consecutive runs" is appended to it: per run, the answers with a 5xx status, the invariants that failed and the
// headline numbers. Stops at the first run whose invariants fail (exit 1); the streak is then broken.
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, readFileSync, rmSync } from "node:fs";

const RUNS = Math.max(1, Number(process.env.RUNS ?? 5) || 5);
/** where the last run's report goes, with the streak's section (BENCH_OUT, as for `npm run bench`) */
const OUT = process.env.BENCH_OUT ?? "BENCHMARKS.md";

type Invariant = { name: string; ok: boolean; detail: string };
type RunRow = {
  run: number;
  startedAt: string;
  seconds: number;
  exit: number;
  commit: string;
  invariants: Invariant[];
  fiveXx: number | null;
  headline: Record<string, string>;
};

/** The 5xx answers a run counted in all its scenarios (run.ts writes them per scenario), or null when it wrote none. */
export function fiveXxTotal(perScenario: Record<string, number> | undefined): number | null {
  if (!perScenario || Object.keys(perScenario).length === 0) return null;
  return Object.values(perScenario).reduce((n, k) => n + k, 0);
}

type ReportRow = { scenario: string; rate: number; unit: string; ratio: string };

function headlineOf(results: { rows?: ReportRow[] }): Record<string, string> {
  const row = (re: RegExp) => results.rows?.find((r) => re.test(r.scenario));
  const rate = (r: ReportRow | undefined, digits: number) => (r ? `${r.rate.toFixed(digits)} ${r.unit}` : "–");
  // "0.319 of pg ceiling (target ≥ 0.45)": the ratio is the row's first number
  const ofCeiling = (r: ReportRow | undefined) => (r ? `${rate(r, 0)} (${/^[\d.]+/.exec(r.ratio)?.[0] ?? "?"} of the ceiling)` : "–");
  return {
    cpu: rate(row(/^app CPU per placed checkout \(/), 2),
    sellOut: ofCeiling(row(/^5\. hot SKU sell-out/)),
    sustained: ofCeiling(row(/^6\. hot SKU sustained/)),
  };
}

async function main(): Promise<number> {
  const rows: RunRow[] = [];
  for (let run = 1; run <= RUNS; run++) {
    const last = run === RUNS;
    const startedAt = new Date().toISOString().slice(0, 16).replace("T", " ");
    const t0 = Date.now();
    console.log(`\n[streak] run ${run} of ${RUNS}${last ? ` (writes ${OUT})` : ""}`);
    const env = { ...process.env, BENCH_OUT: last ? OUT : `.test-results/bench-streak-${run}.md` };
    rmSync(".test-results/bench-results.json", { force: true }); // a run that fails early writes none
    const child = spawnSync(process.execPath, ["--import", "tsx", "tests/bench/run.ts"], { env, stdio: "inherit" });
    const exit = child.status ?? 1;
    const written = existsSync(".test-results/bench-results.json");
    const results = (written ? JSON.parse(readFileSync(".test-results/bench-results.json", "utf8")) : {}) as {
      invariants?: Invariant[];
      commit?: string;
      dirty?: boolean;
      rows?: ReportRow[];
      fiveXx?: Record<string, number>;
    };
    rows.push({
      run,
      startedAt,
      seconds: (Date.now() - t0) / 1000,
      exit,
      commit: `${results.commit ?? "?"}${results.dirty ? " (uncommitted changes)" : ""}`,
      invariants: results.invariants ?? [{ name: "the run wrote no results", ok: false, detail: `exit ${exit}` }],
      fiveXx: fiveXxTotal(results.fiveXx),
      headline: headlineOf(results),
    });
    if (exit !== 0) {
      console.error(`[streak] run ${run} failed (exit ${exit}): the streak is broken`);
      break;
    }
  }
  const held = rows.length === RUNS && rows.every((r) => r.exit === 0 && r.fiveXx === 0 && r.invariants.every((i) => i.ok));
  const lines = [
    "",
    `## Consecutive runs`,
    "",
    `\`npm run bench:streak\` (tests/bench/streak.ts) ran the whole bench ${RUNS} times in a row, each a fresh \`npm run bench\`;`,
    `the last of them is the run above. ${held ? `**Every invariant held in all ${RUNS} runs, with zero 5xx answers in every one.**` : `**The streak broke** (see the table).`}`,
    "",
    "| run | started (UTC) | took | commit | 5xx answers | invariants failed | app CPU per placed checkout | sell-out, 1 worker | sustained, 1 worker |",
    "|---|---|---|---|---|---|---|---|---|",
    ...rows.map((r) => {
      const failed = r.invariants.filter((i) => !i.ok).map((i) => i.name);
      return `| ${r.run} | ${r.startedAt} | ${Math.round(r.seconds)} s | ${r.commit} | ${r.fiveXx ?? "–"} | ${failed.length ? failed.join("; ") : `none of ${r.invariants.length}`}${r.exit !== 0 && !failed.length ? ` (exit ${r.exit})` : ""} | ${r.headline.cpu} | ${r.headline.sellOut} | ${r.headline.sustained} |`;
    }),
    "",
  ];
  if (rows.at(-1)?.run === RUNS) appendFileSync(OUT, lines.join("\n"));
  console.log(lines.join("\n"));
  return held ? 0 : 1;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop()!))
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
