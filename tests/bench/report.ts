// The console table and BENCHMARKS.md, from one run's results.
import type { HistogramDelta } from "./app-metrics";
import type { CpuBreakdown } from "./cpu-profile";
import type { LoadResult } from "./load";
import type { Profile } from "./profile";
import type { CeilingResult } from "./reserve-ceiling";
import type { ActivitySummary, CpuShare } from "./samplers";
import type { Invariant, SellOut, Sustained } from "./scenarios";
import type { machine } from "./setup";

export type Row = {
  kind: "info" | "target" | "invariant";
  scenario: string;
  rate: number;
  unit: string;
  p50: number;
  tail: number;
  tailLabel: "p99" | "p95";
  errors: string;
  ratio: string;
  verdict: "PASS" | "FAIL" | "—";
};

type Sampled = { cpu: CpuShare; busyCores: number; activity?: ActivitySummary };
type PhaseMetrics = { request: HistogramDelta; reserveTx: HistogramDelta; appCpuSeconds: number };

export type Results = {
  scale: number;
  startedAt: Date;
  seconds: number;
  machine: ReturnType<typeof machine>;
  otherRuns: string[];
  poolSize: number;
  config: { duration: number; sustained: number; ceiling: number; hotStock: number; sellOutCarts: number; addCarts: number; clients: number; ceilingClients: number };
  base: { load: LoadResult; heapUsedMb: number } & Sampled;
  /** the baseline again after the cart scenarios: the drift within the run */
  base2: { load: LoadResult; heapUsedMb: number } & Sampled;
  add: { load: LoadResult } & Sampled;
  hit: { load: LoadResult; cacheHits: number; cacheReads: number } & Sampled;
  miss: { load: LoadResult } & Sampled;
  /** app W's WEB_CONCURRENCY (the machine's cores): 2b and 6b */
  workers: number;
  add2: { load: LoadResult } & Sampled;
  sus2: Sustained & Sampled;
  /** 5b: the sell-out on app W (N workers), on a hot SKU of its own */
  sell2: SellOut & Sampled;
  /** the app process's own CPU (its metrics) per answered request on app A: health and add-to-cart in 1 and 2, and
   *  per placed checkout in a burst where every checkout is placed */
  appCpu: {
    /** the median pair (by ratio) of ratioPairs */
    healthMs: number;
    addMs: number;
    /** health's and add-to-cart's CPU per request, measured in pairs: scenarios 1 and 2, then short runs */
    ratioPairs?: { healthMs: number; addMs: number }[];
    /** the median of the bursts (checkoutMsBursts, in the order they ran) */
    checkoutMs: number;
    checkouts: number;
    checkoutMsBursts: number[];
    discountedCheckoutMs: number;
    discountedCheckouts: number;
    discountedCheckoutMsBursts: number[];
    /** the required stack's I/O for one checkout with no business logic, in a process of its own (stack-floor.ts) */
    stackFloorIoMs?: number;
  };
  page: { load: LoadResult } & Sampled;
  sell: SellOut & Sampled & { metrics: PhaseMetrics; paymentIntents: number; finalStock: number };
  sus: Sustained & Sampled & { metrics: PhaseMetrics; paymentIntents: number };
  profile: Profile;
  cpuProfiles: CpuBreakdown[];
  /** µs to parse an add-to-cart body with a schema built for the request vs a reused one */
  schemaCost: { freshUs: number; reusedUs: number; perRequest: boolean };
  /** app commits that cite the bench */
  appChanges: string[];
  /** section 8 of the run that chose the reserve step's design, carried over (null: none recorded) */
  reserveDecision: ReserveDecision | null;
  /** the headline rows of the run this one replaces (read from the file before it is overwritten) */
  previous: PreviousRun | null;
  /** the commit measured, and whether the working tree had changes */
  commit: string | null;
  dirty: boolean;
  ceilings: (CeilingResult & Sampled)[];
  invariants: Invariant[];
  /** the answers with a 5xx status, per scenario (absent in results written before this field) */
  fiveXx?: Record<string, number>;
  rows: Row[];
};

const f0 = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "–");
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : "–");
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : "–");
/** every burst's value, in the order they ran */
const bursts = (xs: readonly number[]) => xs.map(f2).join(", ");
const ms = (n: number) => (Number.isFinite(n) ? (n < 10 ? n.toFixed(1) : Math.round(n).toString()) : "–");
const sMs = (seconds: number) => ms(seconds * 1000);
const pct = (n: number) => (Number.isFinite(n) ? `${Math.round(n * 100)}%` : "–");

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ");
  return [line(headers), widths.map((w) => "-".repeat(w)).join("-|-"), ...rows.map(line)].join("\n");
}

const HEAD = ["scenario", "rate", "p50 ms", "p99/p95 ms", "errors", "ratio / target", "result"];
const rateText = (r: Row) => (r.unit === "ms" || r.unit === "×" ? `${f2(r.rate)} ${r.unit}` : `${f0(r.rate)} ${r.unit}`);
const cells = (r: Row) => [r.scenario, rateText(r), ms(r.p50), `${ms(r.tail)} (${r.tailLabel})`, r.errors, r.ratio, r.verdict];

export function renderTable(r: Results): string {
  return table(HEAD, r.rows.map(cells));
}

function mdTable(headers: string[], rows: string[][]): string {
  const esc = (c: string) => c.replace(/\|/g, "\\|");
  return [`| ${headers.map(esc).join(" | ")} |`, `|${headers.map(() => "---").join("|")}|`, ...rows.map((row) => `| ${row.map(esc).join(" | ")} |`)].join("\n");
}

const cpuLine = (x: Sampled) => `${x.cpu.filter((c) => c.cores >= 0.02).map((c) => `${c.label} ${f2(c.cores)}`).join(", ")} (busy ${f2(x.busyCores)} of the cores)`;

export type PreviousRun = { date: string; commit: string | null; rows: { scenario: string; rate: string; p50: string; tail: string }[] };

/** The date and results table of an earlier BENCHMARKS.md (null if there is none, or it was a shortened run). */
export function parsePreviousRun(markdown: string): PreviousRun | null {
  if (/BENCH_SCALE=/.test(markdown)) return null;
  const date = /\*\*Date:\*\* ([^;]+);/.exec(markdown)?.[1]?.replace(/\s*UTC$/, "").trim();
  const results = markdown.split("## Results")[1]?.split("\n## ")[0];
  if (!date || !results) return null;
  const rows = results
    .split("\n")
    .filter((l) => /^\| (\d|app CPU|add-to-cart app CPU)/.test(l))
    .map((l) => l.split("|").map((c) => c.trim()))
    .map((c) => ({ scenario: c[1] ?? "", rate: c[2] ?? "", p50: c[3] ?? "", tail: c[4] ?? "" }));
  const commit = /\*\*Code:\*\* commit ([0-9a-f]{7,40})/.exec(markdown)?.[1] ?? null;
  return rows.length ? { date, commit, rows } : null;
}

const leadingNumber = (text: string) => Number(/^[\d,.]+/.exec(text)?.[0]?.replace(/,/g, "") ?? NaN);

/** This run's headline rows next to the previous run's, with the change. */
function previousSection(r: Results): string {
  const prev = r.previous;
  if (!prev) return "";
  const rows = r.rows.map((now) => {
    const key = now.scenario.replace(/\(.*$/, "").trim();
    const before = prev.rows.find((b) => b.scenario.replace(/\(.*$/, "").trim() === key);
    const was = before ? leadingNumber(before.rate) : NaN;
    return [
      now.scenario,
      before ? (before.p50 === "–" ? before.rate : `${before.rate}, p50 ${before.p50}, ${before.tail}`) : "–",
      // the CPU rows are a number with no latency
      Number.isFinite(now.p50) ? `${f0(now.rate)} ${now.unit}, p50 ${ms(now.p50)}, ${ms(now.tail)} (${now.tailLabel})` : `${f2(now.rate)} ${now.unit}`,
      Number.isFinite(was) && was > 0 ? `×${f2(now.rate / was)}` : "–",
    ];
  });
  return `### Against the previous run recorded in this file

The run recorded in BENCHMARKS.md before this one (as committed; \`BENCH_COMPARE_WITH=<git rev>\` picks another): ${prev.date} UTC${prev.commit ? `, written by commit ${prev.commit}` : ""}. Both were full runs on a machine of the same kind; absolute numbers drift
between runs (compare each run's own baseline), so the ratios in each run are the fairer comparison.

${mdTable(["scenario", "before", "now", "rate now / before"], rows)}
`;
}

export function renderMarkdown(r: Results): string {
  const m = r.machine;
  const pgTx = r.ceilings.find((c) => c.name === "pg-tx")!;
  const inter = r.ceilings.find((c) => c.name === "prisma-interactive")!;
  const single = r.ceilings.find((c) => c.name === "prisma-single")!;
  const pgSingle = r.ceilings.find((c) => c.name === "pg-single")!;
  const p = r.profile;
  const seq = p.sequential;
  const con = p.concurrent;
  // the lock is taken when the locking statement gets it: alone that statement's round trip is its run time; under
  // contention most of its round trip is waiting, so its run time is taken from the lone checkouts
  const holdSeq = seq.tx.lockStatementMs.mean + seq.tx.afterLockMs.mean;
  const holdCon = seq.tx.lockStatementMs.mean + con.tx.afterLockMs.mean;
  const out: string[] = [];
  out.push(`# Benchmarks

Produced by \`npm run bench\` (tests/bench/run.ts) — every number below comes from ONE run on one machine, so the
ratios hold even where absolute numbers drift. Re-run it to refresh this file (the run takes about ${Math.round(r.seconds / 60)} minutes).

- **Machine:** ${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB memory, ${m.os}; Node ${m.node}; PostgreSQL and Redis local.
- **Date:** ${r.startedAt.toISOString().slice(0, 16).replace("T", " ")} UTC; the run took ${f0(r.seconds)} s${r.scale !== 1 ? `; **BENCH_SCALE=${r.scale} (shortened run, not for comparison)**` : ""}.
- **Code:** ${r.commit ? `commit ${r.commit}${r.dirty ? " with uncommitted changes" : ""}` : "not a git checkout"}.
- **Quiet machine:** load average at start ${m.loadAvg.join(" / ")}; ${r.otherRuns.length ? `**other test runs were active** (${r.otherRuns.length} processes), numbers are skewed` : "no other test runs were active"}.
- **Load generator:** autocannon 9 through its programmatic API (and a small keep-alive HTTP loop for the sustained run), in the
  bench process, **on the same ${m.cores} cores** as the app, PostgreSQL and Redis. Everything competes for the same CPUs; the
  CPU split per scenario is in the details below.
- **App:** the production build (\`next build\`, served by scripts/serve.ts), one instance of one worker (WEB_CONCURRENCY=1) and, for 2b and 6b, one of ${r.workers} workers (one per core, \`npm start\`'s default), DATABASE_POOL_SIZE=${r.poolSize}, LOG_LEVEL=warn,
  Stripe through its real SDK against the local fake (tests/fakes/stripe-fake.ts), Redis for guest carts and the cart cache.
- **Shoppers:** every checkout comes from a shopper of its own: its own e-mail and its own address (X-Forwarded-For, the app
  running with TRUST_PROXY=1 as behind a load balancer), so the unpaid-order caps count each shopper apart, as they would
  200 real ones (runs recorded before 2026-12-07 sent every checkout from 127.0.0.1, one client for the caps).

## Results

${mdTable(HEAD, r.rows.map(cells))}

Durations: ${r.config.duration} s per load run (after an unmeasured warm-up), ${r.config.sustained} s sustained (6b: ${r.sus2.seconds} s), each after a ${r.sus.rampS} s ramp-up,
${r.config.ceiling} s per ceiling run. 2b and 6b run the same load against one instance of ${r.workers} workers (node:cluster; the
workers share the port and the primary hands out connections in turn); every other row is one worker.
Latency is the full response time measured by the client (so for the page it bounds time-to-first-byte from above).
`);

  out.push(`## Ratios

- add-to-cart / baseline: **${f2(r.add.load.rps / r.base.load.rps)}** (target ≥ 0.40) with p99 ${ms(r.add.load.latency.p99)} ms (target ≤ 50 ms).
- get-cart cache hit / baseline: ${f2(r.hit.load.rps / r.base.load.rps)}; cache miss / cache hit: ${f2(r.miss.load.rps / r.hit.load.rps)}
  (the hit run read the cache ${f0(r.hit.cacheHits)} times out of ${f0(r.hit.cacheReads)} cache lookups).
- hot-SKU sell-out checkouts/s / pg ceiling (target ≥ 0.45): **${f2(r.sell.load.rps / pgTx.tps)}** with 1 worker, **${f2(r.sell2.load.rps / pgTx.tps)}** with ${r.workers} workers;
  sustained checkouts/s / pg ceiling (target ≥ 0.3): **${f2(r.sus.checkoutsPerS / pgTx.tps)}** with 1 worker, **${f2(r.sus2.checkoutsPerS / pgTx.tps)}** with ${r.workers} workers.
- **app CPU per placed checkout**: **${f2(r.appCpu.checkoutMs)} ms** (target ≤ 4 ms; the median of ${r.appCpu.checkoutMsBursts.length} bursts: ${bursts(r.appCpu.checkoutMsBursts)} ms;
  ${f0(r.appCpu.checkouts)} checkouts of the big-stock SKU from ${r.config.clients} clients in all, every one placed, 1 worker; their carts made beforehand on app M);
  with discounts (the seeded code WELCOME10 on every cart, an automatic free shipping with a budget and an automatic 5% off the product live):
  **${f2(r.appCpu.discountedCheckoutMs)} ms** (the median of ${bursts(r.appCpu.discountedCheckoutMsBursts)} ms; ${f0(r.appCpu.discountedCheckouts)} checkouts, every one placed;
  ${f2(r.appCpu.discountedCheckoutMs / r.appCpu.checkoutMs)}× the bursts without discounts, which ran interleaved with these);
  add-to-cart costs **${f2(r.appCpu.addMs / r.appCpu.healthMs)}×** the app CPU of GET /api/health (${f2(r.appCpu.addMs)} ms against ${f2(r.appCpu.healthMs)} ms; target ≤ 1.3×;
  the median of ${r.appCpu.ratioPairs?.length ?? 1} pairs: ${(r.appCpu.ratioPairs ?? [r.appCpu]).map((p) => `${f2(p.addMs / p.healthMs)}× (${f2(p.addMs)} / ${f2(p.healthMs)} ms)`).join(", ")};
  the first pair is scenarios 1 and 2, the others runs of a few seconds each, in alternating order).
  All three are the app process's own CPU counter (user + system) over the requests it answered in scenarios 1 and 2, the pairs after them, and the bursts.
${floorLine(r)}- reserve step alone, 32 clients: Prisma interactive transaction ${f0(inter.tps)} tx/s (${f2(inter.tps / pgTx.tps)} of pg), single statement
  through prisma.$queryRaw ${f0(single.tps)} tx/s (${f2(single.tps / pgTx.tps)} of pg; ${f2(single.tps / inter.tps)}× the interactive transaction);
  the same single statement through node-pg ${f0(pgSingle.tps)} tx/s.
`);

  out.push(`## Invariants

${r.invariants.map((i) => `- ${i.ok ? "✅" : "❌"} ${i.name}: ${i.detail}`).join("\n")}
`);

  out.push(`## Details

| scenario | CPU while it ran (cores) | app CPU per request |
|---|---|---|
| 1. baseline | ${cpuLine(r.base)} | ${cpuPer(r.base, r.base.load.completed, r.base.load.durationS)} |
| 1'. baseline again | ${cpuLine(r.base2)} | ${cpuPer(r.base2, r.base2.load.completed, r.base2.load.durationS)} |
| 2. add-to-cart | ${cpuLine(r.add)} | ${cpuPer(r.add, r.add.load.completed, r.add.load.durationS)} |
| 3a. get-cart hit | ${cpuLine(r.hit)} | ${cpuPer(r.hit, r.hit.load.completed, r.hit.load.durationS)} |
| 3b. get-cart miss | ${cpuLine(r.miss)} | ${cpuPer(r.miss, r.miss.load.completed, r.miss.load.durationS)} |
| 2b. add-to-cart, ${r.workers} workers | ${cpuLine(r.add2)} | ${cpuPer(r.add2, r.add2.load.completed, r.add2.load.durationS)} |
| 6b. sustained, ${r.workers} workers | ${cpuLine(r.sus2)} | ${cpuPer(r.sus2, r.sus2.allLoops, r.sus2.elapsedS)} per buyer loop |
| 4. cart page | ${cpuLine(r.page)} | ${cpuPer(r.page, r.page.load.completed, r.page.load.durationS)} |
| 5. sell-out | ${cpuLine(r.sell)} | ${cpuPer(r.sell, r.sell.load.completed, r.sell.load.durationS)} per checkout attempt |
| 6. sustained | ${cpuLine(r.sus)} | ${cpuPer(r.sus, r.sus.allLoops, r.sus.elapsedS)} per buyer loop (3 requests) |
${r.ceilings.map((c) => `| 7. ${c.name} | ${cpuLine(c)} | ${cpuPer(c, c.tps * r.config.ceiling, r.config.ceiling, "load generator")} per transaction (the bench process is the client) |`).join("\n")}

Sell-out: ${r.sell.placed} orders in ${f1(r.sell.sellOutS)} s (${f0(r.sell.placed / r.sell.sellOutS)} orders/s until sold out), all ${f0(r.sell.load.completed)} answers in ${f1(r.sell.load.durationS)} s.
Server side (app metrics): checkout request mean ${sMs(r.sell.metrics.request.mean)} ms, reserve transaction mean ${sMs(r.sell.metrics.reserveTx.mean)} ms
(p50 ${sMs(r.sell.metrics.reserveTx.p50)}, p99 ${sMs(r.sell.metrics.reserveTx.p99)}; ${f0(r.sell.metrics.reserveTx.count)} transactions).
${r.sell.activity ? activityLine(r.sell.activity, r.poolSize) : ""}

Sustained: ${f0(r.sus.placed)} orders, ${f1(r.sus.loopsPerS)} buyer loops/s (each loop = POST /api/carts, POST item, POST /api/checkout).
Server side: checkout request mean ${sMs(r.sus.metrics.request.mean)} ms (p50 ${sMs(r.sus.metrics.request.p50)}, p99 ${sMs(r.sus.metrics.request.p99)}),
reserve transaction mean ${sMs(r.sus.metrics.reserveTx.mean)} ms (p50 ${sMs(r.sus.metrics.reserveTx.p50)}, p99 ${sMs(r.sus.metrics.reserveTx.p99)}).
${r.sus.activity ? activityLine(r.sus.activity, r.poolSize) : ""}
`);

  const single1 = seq.tx.roundTripsWhileLocked <= 1; // the reserve step is one statement (cw_place_order)
  out.push(`## What limits it / what changed

${previousSection(r)}
### Profile of one hot-SKU checkout

An extra instance of the app ran with its database connections through a tracing proxy (tests/bench/pg-trace-proxy.ts),
which records every PostgreSQL round trip. ${seq.checkouts} checkouts one at a time, then ${f0(con.checkouts)} from ${con.clients} clients at once.

One checkout alone: ${ms(seq.latency.mean)} ms mean (p50 ${ms(seq.latency.p50)}), made of

| phase | PostgreSQL round trips | time waiting on PostgreSQL |
|---|---|---|
| before the reserve step (idempotency key, catalog read, ...) | ${f1(seq.beforeTx.roundTrips)} | ${ms(seq.beforeTx.dbMs)} ms |
| the reserve step (${single1 ? "one statement: its own transaction" : "BEGIN … COMMIT"}) | ${f1(seq.inTx.roundTrips)} | ${ms(seq.inTx.dbMs)} ms |
| after it (payment bookkeeping, stored answer) | ${f1(seq.afterTx.roundTrips)} | ${ms(seq.afterTx.dbMs)} ms |
| the rest: app code, ${f1(seq.redisCommands)} Redis commands, ${f1(seq.stripeCalls)} Stripe call(s), HTTP | | ${ms(seq.otherMs)} ms |

The reserve step: ${seq.tx.statementsInTx.map((x) => `\`${x}\``).join(" → ")}.
${
  single1
    ? `It is one statement (cw_place_order, prisma/migrations): inside PostgreSQL it closes the cart, writes the order
and its items and the idempotency recovery point, and only then takes the shopper's unpaid-order cap locks and the hot rows (variants,
then discounts), which its own commit releases — no round trip to the app while they are held.`
    : `The hot row is locked by the last statement before COMMIT: ${f1(seq.tx.roundTripsWhileLocked)} round trips while it is held.`
}

| | one at a time | ${con.clients} clients at once |
|---|---|---|
| the locking statement's round trip, mean (alone: its run time; at once: mostly waiting for the lock) | ${ms(seq.tx.lockStatementMs.mean)} ms | ${ms(con.tx.lockStatementMs.mean)} ms |
${
  single1
    ? `| **lock held** ≤ that statement's run time alone (it takes the lock in its last steps; the commit that releases it is part of it) | ${ms(holdSeq)} ms | ${ms(holdCon)} ms |`
    : `| from its answer to COMMIT answered (the app's share of the hold), mean / p99 | ${ms(seq.tx.afterLockMs.mean)} / ${ms(seq.tx.afterLockMs.p99)} ms | ${ms(con.tx.afterLockMs.mean)} / ${ms(con.tx.afterLockMs.p99)} ms |
| … of which the app's own time before it sends COMMIT, mean / p99 | ${ms(seq.tx.appGapAfterLockMs.mean)} / ${ms(seq.tx.appGapAfterLockMs.p99)} ms | ${ms(con.tx.appGapAfterLockMs.mean)} / ${ms(con.tx.appGapAfterLockMs.p99)} ms |
| **lock held** ≈ the statement's run time (alone) + its answer → COMMIT answered | ${ms(holdSeq)} ms | ${ms(holdCon)} ms |
| reserve transaction, BEGIN → COMMIT on the wire, mean | ${ms(seq.tx.txMs)} ms | ${ms(con.tx.txMs)} ms |
| share of the transaction the connection waits on the app | ${pct(seq.tx.appShareInTx)} | ${pct(con.tx.appShareInTx)} |`
}
| ⇒ most checkouts/s one hot row allows (1 / hold) | ${f0(1000 / holdSeq)} | ${f0(1000 / holdCon)} |
| the reserve step as the app's metric sees it (cartwright_reservation_lock_wait_seconds: from asking for a pooled connection to the answer), mean / p99 | | ${sMs(con.reserveTx.mean)} / ${sMs(con.reserveTx.p99)} ms |
| app CPU per placed checkout | ${ms(seq.appCpuMs)} ms | ${ms(con.appCpuMs)} ms |
| checkouts/s through the proxy | | ${f0(con.rps)} |

What the other requests cost, one at a time on the same instance (Redis commands are counted server-wide, so
another user of the Redis server during the run would add to them):

${mdTable(
  ["request", "mean ms alone", "PostgreSQL round trips", "Redis commands", "statements"],
  p.requests.map((q) => [q.name, ms(q.meanMs), f1(q.pgRoundTrips), f1(q.redisCommands), q.statements.slice(0, 6).map((x) => `\`${x}\``).join("<br>") || "—"]),
)}

Every round trip of one checkout (the median of the ${seq.checkouts}), in order — "app ms" is the time between the previous answer and
this statement being sent (app code, Redis, the Stripe call), "db ms" the round trip itself, "tx" the transaction
status after it (T = inside a transaction):

${mdTable(["#", "statement", "app ms", "db ms", "tx"], seq.oneCheckout.map((x, i) => [String(i + 1), `\`${x.sql}\``, f1(x.gapMs), f1(x.dbMs), x.tx]))}

All statements of the single-checkout run, per checkout:

${mdTable(["statement (start)", "per checkout", "mean ms"], seq.statements.slice(0, 25).map((x) => [`\`${x.sql}\``, f2(x.perCheckout), ms(x.meanMs)]))}
`);
  out.push(cpuSection(r.cpuProfiles));
  out.push(analysis(r));
  if (r.reserveDecision) out.push(reserveDecisionSection(r.reserveDecision));
  return out.join("\n");
}

export type ReserveDecision = { commit: string; date: string; text: string };

const DECISION_HEADING = "## 8. The reserve step: interactive transaction against cw_place_order";

/**
 * Section 8 of the run that chose the reserve step's design (both designs side by side in that one run). The design
 * that lost was deleted afterwards, so later runs cannot measure it again: they carry that run's section over as it
 * was, saying which run it is from.
 */
export function reserveDecisionOf(markdown: string, commitOfFile: string | null): ReserveDecision | null {
  const at = markdown.indexOf(DECISION_HEADING);
  if (at < 0) return null;
  const text = markdown.slice(at).split(/\n## (?!8\.)/)[0]!.trim();
  const carried = /^Carried over from the run at commit ([0-9a-f]{7,40}) \(([^)]+)\)/m.exec(text);
  if (carried) return { commit: carried[1]!, date: carried[2]!, text: text.replace(/^.*\n\nCarried over from the run at commit[^\n]*\n(?:[^\n]+\n)*?\n/, "") };
  const date = /\*\*Date:\*\* ([^;]+);/.exec(markdown)?.[1]?.trim() ?? "date unknown";
  const commit = /\*\*Code:\*\* commit ([0-9a-f]{7,40})/.exec(markdown)?.[1] ?? commitOfFile ?? "unknown";
  return { commit, date, text: text.slice(text.indexOf("\n")).trim() };
}

function reserveDecisionSection(d: ReserveDecision): string {
  return `${DECISION_HEADING}

Carried over from the run at commit ${d.commit} (${d.date}), the run that chose the design: its numbers are from THAT run,
not from this one. The design that lost (the Prisma interactive transaction) was deleted after it, so no later run can
measure it again; everything above this section is this run's.

${d.text}
`;
}

function cpuSection(profiles: CpuBreakdown[]): string {
  if (!profiles.length) return "";
  const names = new Set<string>();
  for (const p of profiles) for (const c of p.categories) if (c.share >= 0.02) names.add(c.name);
  const rows = [...names]
    .map((n) => ({ n, total: profiles.reduce((a, p) => a + (p.categories.find((c) => c.name === n)?.share ?? 0), 0) }))
    .sort((a, b) => b.total - a.total)
    .map(({ n }) => [n, ...profiles.map((p) => pct(p.categories.find((c) => c.name === n)?.share ?? 0))]);
  rows.push(["everything else", ...profiles.map((p) => pct(p.categories.filter((c) => !names.has(c.name)).reduce((a, c) => a + c.share, 0)))]);
  rows.push(["main-thread ms per request (profiler wall time)", ...profiles.map((p) => f1(p.cpuMsPerRequest))]);
  return `### Where the app's CPU goes

One more instance ran with V8's sampling profiler (tests/bench/cpu-profiler-preload.mjs, 0.5 ms interval) while each
request kind was driven as in its scenario; every sample of the main thread was mapped through the build's source maps
to the package or app module it ran in (built-ins count for their caller; idle samples are left out). Shares of the
main thread's busy time:

${mdTable(["where", ...profiles.map((p) => p.workload)], rows)}
`;
}

/** CPU ms of the app (or another group) per completed request. */
function cpuPer(x: Sampled, completed: number, seconds: number, group = "app"): string {
  const cores = x.cpu.filter((c) => c.label.startsWith(group)).reduce((n, c) => n + c.cores, 0);
  return completed > 0 ? `${f1((cores * seconds * 1000) / completed)} ms` : "–";
}

function activityLine(a: ActivitySummary, pool: number): string {
  return `The app's PostgreSQL connections (pg_stat_activity every 100 ms, ${a.samples} samples): on average ${f1(a.active)} active
(of which ${f1(a.waitingOnLock)} waiting on a row lock), ${f1(a.idleInTransaction)} idle in transaction, ${f1(a.idle)} idle; all ${pool}
pooled connections active or in a transaction at once in ${pct(a.poolSaturated)} of the samples (a connection the pool has lent
to a request between two of its statements shows as idle, so this undercounts how busy the pool is).`;
}

const appCores = (x: Sampled) => x.cpu.filter((c) => c.label.startsWith("app")).reduce((n, c) => n + c.cores, 0);
const cpuMs = (x: Sampled, completed: number, seconds: number) => (appCores(x) * seconds * 1000) / Math.max(1, completed);
const shareOf = (p: CpuBreakdown | undefined, test: (name: string) => boolean) =>
  p ? p.categories.filter((c) => test(c.name)).reduce((n, c) => n + c.share, 0) : NaN;
const isPrisma = (n: string) => n.startsWith("Prisma") || n === "pg driver";

/** The required stack's floor per checkout: GET /api/health's app CPU (Next.js and Node answering a request) plus a
 *  checkout's I/O through the app's own clients with no business logic (tests/bench/stack-floor.ts). */
export function stackFloorMs(r: Results): number {
  return r.appCpu.healthMs + (r.appCpu.stackFloorIoMs ?? NaN);
}

function floorLine(r: Results): string {
  const floor = stackFloorMs(r);
  if (!Number.isFinite(floor)) return "";
  return `- **the required stack's floor per checkout**: **${f2(floor)} ms** = GET /api/health's app CPU (${f2(r.appCpu.healthMs)} ms: Next.js and Node answering one request)
  + a checkout's I/O with no business logic at all (${f2(r.appCpu.stackFloorIoMs!)} ms: the same 4 KV commands, 3 Prisma statements with a placed checkout's argument and
  answer sizes and 1 PaymentIntent through the Stripe SDK, made by the app's own clients in a process of their own, 20 at a time; tests/bench/stack-floor.ts).
  It is a lower bound: a POST with a body, a cookie and a larger answer costs Next.js more than GET /api/health, and the same I/O inside Next.js
  pays for its async context on every promise. A placed checkout costs ${f2(r.appCpu.checkoutMs / floor)}× that floor; the 4 ms target is ${f2(4 / floor)}× it, which leaves
  ${f2(Math.max(0, 4 - floor))} ms for reading and validating the body, pricing, discounts, building the order, the cookie and the JSON answer.
`;
}

/** PostgreSQL's CPU per sell-out attempt (ms). */
function pgPerSell(r: Results): number {
  const cores = r.sell.cpu.find((c) => c.label === "postgres")?.cores ?? 0;
  return (cores * r.sell.load.durationS * 1000) / Math.max(1, r.sell.load.completed);
}

function floorBound(r: Results, targetRate: number, pgMs: number): string {
  const floor = stackFloorMs(r);
  if (!Number.isFinite(floor)) return "";
  const cores = (targetRate * (floor + pgMs)) / 1000;
  return ` Even an app that cost only the stack's floor (${f2(floor)} ms, above) would need ${f2(cores)} cores for the target's ${f0(targetRate)} checkouts/s
  with PostgreSQL's ${f1(pgMs)} ms per sell-out attempt (${cores >= r.machine.cores ? `more than the machine's ${r.machine.cores}` : `of the machine's ${r.machine.cores}`}), before the load generator and the Stripe fake.`;
}

/** The prose, written against this run's numbers (so a re-run keeps it true, or shows where it stopped being). */
function analysis(r: Results): string {
  const m = r.machine;
  const p = r.profile;
  const seq = p.sequential;
  const con = p.concurrent;
  const pgTx = r.ceilings.find((c) => c.name === "pg-tx")!;
  const inter = r.ceilings.find((c) => c.name === "prisma-interactive")!;
  const single = r.ceilings.find((c) => c.name === "prisma-single")!;
  const prof = (prefix: string) => r.cpuProfiles.find((x) => x.workload.startsWith(prefix));
  const addProf = prof("POST /api/carts/{id}/items");
  const coProf = prof("POST /api/checkout");
  const healthCpu = cpuMs(r.base, r.base.load.completed, r.base.load.durationS);
  const addCpu = cpuMs(r.add, r.add.load.completed, r.add.load.durationS);
  const sellCpu = cpuMs(r.sell, r.sell.load.completed, r.sell.load.durationS);
  const loopCpu = cpuMs(r.sus, r.sus.allLoops, r.sus.elapsedS);
  const addReq = p.requests.find((q) => q.name.startsWith("POST /api/carts/{id}/items"));
  const addRatio = r.add.load.rps / r.base.load.rps;
  const add2x = r.add2.load.rps / r.add.load.rps;
  const sus2x = r.sus2.checkoutsPerS / r.sus.checkoutsPerS;
  const coresRange = [r.base, r.add, r.hit, r.page].map(appCores);
  const littleRps = 50 / 0.05;
  const coPrisma = shareOf(coProf, isPrisma);
  const holdAlone = seq.tx.lockStatementMs.mean + seq.tx.afterLockMs.mean;
  const holdLoaded = con.tx.afterLockMs.mean + seq.tx.lockStatementMs.mean; // lock wait excluded: the statement's own run time is taken from the lone checkout
  const interVsSingle = single.tps / inter.tps;
  const cpuBound = 1000 / Math.max(1e-9, r.appCpu.checkoutMs);
  const lockBound = 1000 / holdLoaded;
  const out: string[] = [];

  out.push(`### What keeps the numbers below target, and what would fix it

**1. ${add2x > 1.15 ? "The one app process runs out of CPU first." : "Everything shares the same cores."}** In the HTTP scenarios the app process used ${f2(Math.min(...coresRange))}–${f2(Math.max(...coresRange))}
cores of the ${m.cores} (its JavaScript runs on one thread; garbage collection and I/O add a little on others), and the rest of the
machine went to PostgreSQL, Redis, the load generator and, when there were any, other users of the machine. Throughput is
then simply the app's cores divided by its CPU per request: /api/health costs ${f1(healthCpu)} ms, add-to-cart ${f1(addCpu)} ms,
a checkout attempt in the sell-out ${f1(sellCpu)} ms, a sustained buyer loop (new cart, add, checkout) ${f1(loopCpu)} ms.
${r.workers} workers on the same machine (scenarios 2b and 6b) show which limit comes next: add-to-cart went ×${f2(add2x)}
(${add2x > 1.15 ? "so one process's CPU was its limit" : "so one process's CPU was not its only limit"}; the machine was then ${f2(r.add2.busyCores)} of ${m.cores} cores busy), sustained
checkouts ×${f2(sus2x)} (machine ${f2(r.sus2.busyCores)} of ${m.cores} cores busy, PostgreSQL ${f2(r.sus2.cpu.find((c) => c.label === "postgres")?.cores ?? 0)} of them, and on average
${r.sus2.activity ? f1(r.sus2.activity.waitingOnLock) : "–"} connections waiting on the hot row's lock). ${
    add2x >= 1.15
      ? "One process per core is the cheap first step for the cart routes; for the hot SKU, more processes run into the machine's cores (point 3)."
      : `Here a second worker did not add a core's worth of work: with both workers busy an add-to-cart cost ${ms(cpuMs(r.add2, r.add2.load.completed, r.add2.load.durationS))} ms of app CPU
against ${ms(cpuMs(r.add, r.add.load.completed, r.add.load.durationS))} ms on one worker, so this machine's two vCPUs do not run two busy processes at full speed. N workers are for
machines whose cores are really free; on this one, one worker per instance is as fast.`
  }
`);

  // What the traces show about the code as it is now (the text must stay true when the code changes).
  const addStatements = addReq?.statements ?? [];
  const total = seq.beforeTx.roundTrips + seq.inTx.roundTrips + seq.afterTx.roundTrips;
  const reserveIsMultiStatement = seq.tx.roundTripsWhileLocked > 1;
  const addCatalogTrips = addReq?.pgRoundTrips ?? NaN;
  const susPgCores = r.sus.cpu.find((c) => c.label === "postgres")?.cores ?? 0;
  const pgPerLoop = (susPgCores * r.sus.elapsedS * 1000) / Math.max(1, r.sus.allLoops);
  const targetRate = 0.45 * pgTx.tps;
  const budgetMs = (m.cores * 1000) / targetRate; // all cores, nothing else running, per checkout

  out.push(`**2. add-to-cart: ${f2(addRatio)} of baseline (target 0.40)${addRatio >= 0.4 ? " — met" : ""}, p99 ${ms(r.add.load.latency.p99)} ms (target 50 ms).**
- In scenarios 1 and 2 one add-to-cart cost ${f1(addCpu / healthCpu)}× the CPU of /api/health (${f1(addCpu)} ms against ${f1(healthCpu)} ms; the CPU target's row judges the median of ${r.appCpu.ratioPairs?.length ?? 1} pairs: ${f2(r.appCpu.addMs / r.appCpu.healthMs)}×); the 0.40 target means at most ${f1(healthCpu / 0.4)} ms.
  The profile puts ${pct(shareOf(addProf, (n) => n.startsWith("Next.js") || n.startsWith("Node.js")))} of its CPU in Next.js and Node's HTTP handling that every route pays, ${pct(shareOf(addProf, isPrisma))} in Prisma and the pg driver
  (${f1(addCatalogTrips)} PostgreSQL round trips per add when measured one at a time${addStatements.length ? `: ${addStatements.map((x) => `\`${x}\``).join(", ")}` : ""}), ${pct(shareOf(addProf, (n) => n.startsWith("zod")))} in zod,
  ${pct(shareOf(addProf, (n) => n.startsWith("next-auth")))} in next-auth and ${pct(shareOf(addProf, (n) => n.startsWith("Redis")))} in the Redis client (${f1(addReq?.redisCommands ?? NaN)} commands counted server-wide, a script's own commands included: the cart's compare-and-set, and a read first when this process had not seen the cart yet).
- What was done for it: the body schema is built once per maximum (zod compiles a new object schema on its first parse:
  ${f0(r.schemaCost.freshUs)} µs per request measured in isolation against ${f1(r.schemaCost.reusedUs)} µs with one reused schema); the variant and its product
  are read in one joined query; that read goes through a per-process cache of at most CATALOG_CACHE_MS (1 s by default; checkout
  always reads fresh and answers prices_changed / insufficient_stock, so a copy that old is harmless); a request without a session
  cookie no longer asks next-auth to decode one; the cart's compare-and-set is sent against the copy this process last read or
  wrote, without reading first (Redis compares: a stale copy costs one refused write, answered with the current value), so an add
  to a cart this process has seen is one Redis round trip instead of two.
- The p99 target is the stricter one. In a closed loop, mean latency = connections / throughput (Little's law), so p99 ≤ 50 ms
  at 50 connections needs well over ${f0(littleRps)} requests/s from one process: ${
    r.base.load.latency.p99 > 50
      ? `even /api/health, which does nothing, misses it here (${f0(r.base.load.rps)} req/s, p99 ${ms(r.base.load.latency.p99)} ms)`
      : `only /api/health meets it here (${f0(r.base.load.rps)} req/s, p99 ${ms(r.base.load.latency.p99)} ms), with no room for a route that does any work`
  }.
  Alone, one add-to-cart takes ${ms(addReq?.meanMs ?? NaN)} ms; the latency at 50 connections is the queue in front of one busy process. That target
  needs more app processes than these ${m.cores} cores can run next to PostgreSQL, Redis and the load generator; it is not met here.
  ${
    Math.abs(r.base2.load.rps / r.base.load.rps - 1) >= 0.05 || Math.abs(addRatio - 0.4) < 0.04
      ? `The baseline measured ${f0(r.base2.load.rps)} req/s when run again after the cart scenarios (${f0(r.base.load.rps)} first): against that one the
  ratio is ${f2(r.add.load.rps / r.base2.load.rps)}. ${
      Math.abs(addRatio - 0.4) <= Math.abs(r.add.load.rps / r.base2.load.rps - addRatio) + 0.01
        ? "The target is within that spread: this run is not a clear pass or fail."
        : `The ${addRatio >= 0.4 ? "pass" : "miss"} is larger than that spread.`
    }
  `
      : ""
  }The ratio is the two routes' CPU per request, so more processes do not change it (2b raises add-to-cart's throughput ×${f2(add2x)},
  but a second process would serve /api/health faster too).
`);

  out.push(`**3. Hot-SKU checkout: ${f0(r.sell.load.rps)} checkouts/s in the sell-out, ${f0(r.sus.checkoutsPerS)}/s sustained — ${f2(r.sell.load.rps / pgTx.tps)} and ${f2(r.sus.checkoutsPerS / pgTx.tps)} of the ${f0(pgTx.tps)} tx/s
the raw reserve SQL reaches on the same row (targets 0.45 and 0.3${r.sell.load.rps / pgTx.tps >= 0.45 && r.sus.checkoutsPerS / pgTx.tps >= 0.3 ? ", met" : ", not met"}; with ${r.workers} workers ${f2(r.sell2.load.rps / pgTx.tps)} and ${f2(r.sus2.checkoutsPerS / pgTx.tps)}).** ${
    reserveIsMultiStatement
      ? `The reserve step is still a multi-statement transaction: the lock lives for ${f0(seq.tx.roundTripsWhileLocked)} round trips and the app's event loop between them.`
      : `The row lock is no longer what limits it: the reserve step is one statement, the lock is held ≤ ${ms(holdAlone)} ms, which allows ~${f0(lockBound)}
checkouts/s on one SKU, and the single-statement reserve alone reaches ${f0(single.tps)} tx/s through Prisma (${f2(single.tps / pgTx.tps)} of the ceiling).`
  } What limits it is CPU:
- *The app's CPU per checkout.* A placed checkout costs about ${ms(r.appCpu.checkoutMs)} ms of app CPU (the median burst of the "app CPU per placed checkout" row, where every checkout is placed;
  a sustained buyer loop — new cart, add, checkout — costs ${f1(loopCpu)} ms), so one process places at most roughly ${f0(cpuBound)} orders/s
  whatever the database does (sustained: ${f0(r.sus.checkoutsPerS)}/s). A checkout refused for stock stops before the payment step and costs far
  less, so the sell-out, half of whose answers are refusals, averages ${f1(sellCpu)} ms per attempt. A checkout makes ${f0(total)} PostgreSQL
  round trips (${f0(seq.beforeTx.roundTrips)} before the reserve step, ${f0(seq.inTx.roundTrips)} for it, ${f0(seq.afterTx.roundTrips)} after it; every one is listed above), ${f1(seq.redisCommands)} Redis commands
  and ${f1(seq.stripeCalls)} Stripe call; the CPU profile splits it: ${pct(shareOf(coProf, (n) => n.startsWith("Next.js") || n.startsWith("Node.js")))} Next.js and Node's HTTP, ${pct(coPrisma)} Prisma and the pg driver,
  ${pct(shareOf(coProf, (n) => n.startsWith("Stripe")))} the Stripe SDK, ${pct(shareOf(coProf, (n) => n.startsWith("app code")))} our own code.
- *The machine.* 0.45 of the ceiling is ${f0(targetRate)} checkouts/s: all ${m.cores} cores would have to do a whole checkout in ${f1(budgetMs)} ms of CPU
  with nothing else running. Here a placed checkout takes about ${ms(r.appCpu.checkoutMs)} ms of app CPU, PostgreSQL spends ${f1(pgPerLoop)} ms per sustained buyer
  loop, and the load generator and the Stripe fake share the same cores. ${r.workers} workers (6b) changed sustained checkouts ×${f2(sus2x)} with the machine ${f2(r.sus2.busyCores)} of ${m.cores} cores busy:
  there is no idle core left to give it.${floorBound(r, targetRate, pgPerSell(r))} The ceiling itself is a bare SQL transaction driven from a client with nothing else to do;
  a checkout is an HTTP request through Next.js that also validates, re-prices, talks to Redis and to Stripe, and stores its answer.
  On this machine the target is blocked by CPU, not by the row lock; on a machine with the database on its own cores and one
  app process per core, the same code scales out with the number of processes until the lock bound above.
- Latency: the sell-out's p50 (${ms(r.sell.load.latency.p50)} ms) is the queue: ${Math.min(r.config.clients, r.config.sellOutCarts)} clients / ${f0(r.sell.load.rps)} answers per second ≈ ${ms((Math.min(r.config.clients, r.config.sellOutCarts) / r.sell.load.rps) * 1000)} ms.
  The sell-out placed its ${r.sell.placed} orders at ${f0(r.sell.placed / r.sell.sellOutS)}/s; pg_stat_activity shows ${r.sus.activity ? f1(r.sus.activity.waitingOnLock) : "–"} connections waiting on a row lock
  on average during the sustained run.
- *The reserve step alone* (the checkout step 3 question), ${r.config.ceilingClients} clients on one row: a Prisma interactive transaction
  (\`$transaction\` + \`tx.$queryRaw\` FOR UPDATE + update + create) reaches **${f0(inter.tps)} tx/s** (p99 ${ms(inter.latency.p99)} ms); the same reserve as ONE
  statement through \`prisma.$queryRaw\` reaches **${f0(single.tps)} tx/s** (p99 ${ms(single.latency.p99)} ms), ${f1(interVsSingle)}× ${interVsSingle >= 1 ? "faster" : "slower"}, ${f2(single.tps / pgTx.tps)} of node-pg's
  5-round-trip transaction. This is why checkout's reserve step is now one statement.

**4. Reads and the cart page (no targets set).** A signed-in cart read costs ${f1(cpuMs(r.hit, r.hit.load.completed, r.hit.load.durationS))} ms of app CPU from the cache and
${f1(cpuMs(r.miss, r.miss.load.completed, r.miss.load.durationS))} ms without it (the cart, its lines, variants and products through Prisma), so the cache is worth ×${f2(r.hit.load.rps / r.miss.load.rps)} in
throughput; ${pct(shareOf(prof("GET /api/carts/{id}"), (n) => n.startsWith("next-auth")))} of a cached read is next-auth decoding the session. The cart page costs ${f1(cpuMs(r.page, r.page.load.completed, r.page.load.durationS))} ms,
${pct(shareOf(prof("GET /cart"), (n) => n.startsWith("Next.js")))} of it in Next.js and React rendering; at 20 connections its p95 (${ms(r.page.load.latency.p95)} ms) is again mostly the queue (alone: ${ms(p.requests.find((q) => q.name.startsWith("GET /cart"))?.meanMs ?? NaN)} ms).

### What changed in this work
${
  r.appChanges.length
    ? `App commits made because of what this bench measured (the numbers above include them; the comparison with the previous run
recorded here is at the top of this section):
${r.appChanges.map((c) => `- ${c}`).join("\n")}`
    : "No app commit cites the bench yet."
}
- The bench runs the app exactly as \`npm start\` would (production build, scripts/serve.ts), with LOG_LEVEL=warn so a log line
  per request does not become the thing being measured. The load generator is kept light, since it shares the cores:
  autocannon's programmatic API in the bench process (no CLI, no workers) and node:http with one keep-alive agent for the buyer
  loops; its share of the CPU is in the table above.

### Method notes
- One run, one machine, in this order: build, database, baseline, add-to-cart, signed-in reads, cart page, baseline again, sell-out, sustained,
  the second instance (cache miss), the ${r.workers}-worker instance (2b, 6b), the profiles, then the ceilings with the app stopped. Every load run follows an
  unmeasured warm-up; carts are made before the clock starts. The carts of the sell-out and of the CPU bursts are made on an
  instance of their own (app M, not measured), so the measured app's CPU, garbage collection included, is the checkouts' alone;
  the sustained buyers make theirs in the loop, on the measured app.
- Latency percentiles are exact over every response (autocannon's per-response timings, not its 1 ms histogram); rates are
  responses / wall time. Sell-out: every cart is checked out exactly once (the bench fails if a connection retry would have
  sent a second attempt). Sustained: the first ${r.sus.rampS} s are a ramp-up (every buyer starts with a new cart and an add), then only checkouts that
  complete inside the window count; p50/p99 are of the checkout request alone.
- The tracing proxy and the CPU profiler run on separate instances and are not in the headline numbers; the proxy adds a
  little to every round trip, so its lock times are upper bounds. Redis commands per request are counted server-wide.
- The ceilings (7) drive the bench database directly on a row of their own, with the app stopped, from the bench process;
  pg-tx is the ceiling protocol (BEGIN; SELECT … FOR UPDATE; UPDATE; INSERT; COMMIT, node-pg, ${r.config.ceilingClients} clients).
`);
  return out.join("\n");
}
