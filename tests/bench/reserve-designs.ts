// The reserve step's two designs, measured side by side in one run (docs/ARCHITECTURE.md section 5, step 3):
//   transaction  a Prisma interactive transaction: the cart's close, the order, its items and the idempotency recovery
//                point first, the hot-row locks in its last statement, then COMMIT (lib/checkout/reserve-transaction.ts)
//   function     the database function cw_place_order: the same steps in one statement (lib/checkout/reserve-function.ts)
// For each design: the reserve step alone (the lib function driven from here, 32 clients on one row, no HTTP), the
// hot-SKU sell-out, the sustained hot-SKU run (1 app process) and the app CPU per placed checkout. Each HTTP phase
// runs both designs back to back on two app processes that differ only in CHECKOUT_RESERVE; only one of them is
// under load at a time. The rule (binding): the transaction ships if its sustained checkouts/s are within 15% of
// the function's.
import { randomBytes, randomUUID } from "node:crypto";
import { createPrismaClient, type PrismaClient } from "../../lib/db";
import type { LocatedCart } from "../../lib/cart";
import type { OrderRow } from "../../lib/checkout/order-view";
import { reserveOrder, type ReserveDesign, type ReserveRequest } from "../../lib/checkout/reserve";
import type { AppServer } from "../support/app-server";
import { APP_CPU_METRIC, counterDelta, histogramDelta, scrape, type HistogramDelta } from "./app-metrics";
import { percentiles, type Latencies } from "./load";
import * as s from "./scenarios";
import { METRICS_TOKEN, startBenchApp, type AppEnv } from "./setup";

export const DESIGNS: ReserveDesign[] = ["function", "transaction"];
/** the transaction ships when its sustained checkouts/s are at least this share of the function's */
export const SHIP_RATIO = 0.85;

export type AloneResult = { tps: number; latency: Latencies; clients: number; errors: number; reserved: number };

export type DesignRun = {
  design: ReserveDesign;
  alone: AloneResult;
  sell: s.SellOut & { finalStock: number; reserveStep: HistogramDelta };
  sus: s.Sustained & { reserveStep: HistogramDelta; appCpuMsPerLoop: number };
  /** app CPU (ms) per placed checkout in a burst where every checkout is placed (carts made beforehand) */
  cpuPerPlacedMs: number;
  burstPlaced: number;
};

export type ReserveDesignsResult = { runs: DesignRun[]; invariants: s.Invariant[]; config: Config };

type Config = { clients: number; aloneClients: number; aloneS: number; sustainedS: number; rampS: number; hotStock: number; burst: number };

type Options = Config & { db: PrismaClient; databaseUrl: string; appEnv: AppEnv; log: (msg: string) => void };

const ADDRESS = { ...s.US_ADDRESS };

async function newVariants(db: PrismaClient, hotStock: number) {
  const big = 10_000_000;
  const tag = randomBytes(3).toString("hex");
  const product = await db.product.create({
    data: {
      slug: `bench-designs-${tag}`,
      name: "Bench Designs Tee",
      basePrice: 2500,
      currency: "USD",
      variants: {
        create: DESIGNS.flatMap((d) => [
          { sku: `BD-${tag}-${d}-HOT`, attributes: { design: d, kind: "hot" }, stockQuantity: hotStock },
          { sku: `BD-${tag}-${d}-BIG`, attributes: { design: d, kind: "big" }, stockQuantity: big },
          { sku: `BD-${tag}-${d}-ALONE`, attributes: { design: d, kind: "alone" }, stockQuantity: big },
        ]),
      },
    },
    include: { variants: true },
  });
  const of = (d: ReserveDesign, kind: string) => {
    const v = product.variants.find((x) => x.sku === `BD-${tag}-${d}-${kind}`)!;
    return { id: v.id, stock: v.stockQuantity };
  };
  return { productId: product.id, of };
}

/**
 * The reserve step alone: reserveOrder() of lib/checkout, called from here as place-order.ts calls it (a guest cart
 * of one line, written into PostgreSQL with its order), by `clients` concurrent callers for `seconds`. The
 * idempotency keys the steps record their orders on are made beforehand (not timed).
 */
async function reserveAlone(url: string, design: ReserveDesign, productId: number, variantId: number, clients: number, seconds: number): Promise<AloneResult> {
  const db = createPrismaClient(url, clients);
  try {
    const scope = `bench-alone-${design}`;
    const maxKeys = Math.ceil(seconds * 4000);
    const at = (await db.$queryRaw<{ at: Date }[]>`SELECT date_trunc('milliseconds', clock_timestamp()) AS at`)[0]!.at;
    await db.$executeRaw`
      INSERT INTO idempotency_keys (scope, key, fingerprint, state, locked_at, created_at, expires_at)
      SELECT ${scope}, 'k' || g, 'bench', 'IN_PROGRESS', ${at}::timestamptz, now(), now() + interval '1 day'
      FROM generate_series(1, ${maxKeys}::int) AS g`;
    await Promise.all(Array.from({ length: clients }, () => db.$queryRaw`SELECT 1`)); // the pool, before the clock
    let next = 0;
    let errors = 0;
    let reserved = 0;
    let lastError: unknown;
    const latencies: number[] = [];
    const started = performance.now();
    const deadline = started + seconds * 1000;
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (performance.now() < deadline && next < maxKeys) {
          const r = request(design, productId, variantId, { scope, key: `k${++next}`, lockedAt: at });
          const t0 = performance.now();
          try {
            const answer = await reserveOrder(db, design, r);
            if (answer.failure === undefined) reserved += 1;
            else throw new Error(`reserve step failed: ${JSON.stringify(answer)}`);
            latencies.push(performance.now() - t0);
          } catch (e) {
            errors += 1;
            lastError = e;
            if (errors > 100) throw e;
          }
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    if (errors) console.warn(`  reserve alone (${design}): ${errors} errors, last: ${String(lastError)}`);
    return { tps: latencies.length / elapsed, latency: percentiles(latencies), clients, errors, reserved };
  } finally {
    await db.$disconnect();
  }
}

function request(design: ReserveDesign, productId: number, variantId: number, lock: ReserveRequest["lock"]): ReserveRequest {
  const now = new Date();
  const cartId = randomBytes(16).toString("base64url");
  const orderId = randomUUID();
  const line = {
    id: randomUUID(),
    productId,
    variantId,
    sku: `alone-${design}`,
    name: "Bench Designs Tee",
    attributes: {},
    imageUrl: null,
    quantity: 1,
    unitPrice: 2500,
    customOptions: {},
    optionsKey: "",
    addedAt: now.toISOString(),
  };
  const located: LocatedCart = {
    source: "kv",
    cart: {
      id: cartId,
      userId: null,
      sessionId: cartId,
      status: "CHECKED_OUT",
      currency: "USD",
      shippingAddress: ADDRESS,
      items: [line],
      discounts: [],
      version: 2,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      expiresAt: null,
    },
  };
  const order = {
    id: orderId,
    userId: null,
    email: RESERVE_ALONE_EMAIL,
    currency: "USD",
    subtotal: 2500,
    discountTotal: 0,
    shippingTotal: 0,
    shippingTax: 0,
    taxTotal: 0,
    total: 2500,
    shippingAddress: ADDRESS,
    discounts: [],
    orderTokenHash: randomBytes(16).toString("hex"),
    reservedUntil: new Date(now.getTime() + 15 * 60_000),
    paymentProvider: "stripe",
    emailKey: `email:${RESERVE_ALONE_EMAIL}`,
    clientKey: null,
    items: [{ id: randomUUID(), productId, variantId, sku: line.sku, name: line.name, quantity: 1, unitPrice: 2500, discount: 0, tax: 0, total: 2500, customOptions: {} }],
  } as unknown as OrderRow;
  return { located, order, lock, stock: { ids: [variantId], quantities: [1] }, redeem: [], bulkCodes: [], customerKey: `email:${RESERVE_ALONE_EMAIL}`, unpaid: null, now };
}

/** The e-mail of the orders the "reserve step alone" runs write (they never get a PaymentIntent). */
export const RESERVE_ALONE_EMAIL = "alone@bench.test";

export async function compareReserveDesigns(o: Options): Promise<ReserveDesignsResult> {
  const { db, log } = o;
  const v = await newVariants(db, o.hotStock);
  const invariants: s.Invariant[] = [];
  const runs = new Map<ReserveDesign, Partial<DesignRun>>(DESIGNS.map((d) => [d, { design: d }]));
  const run = (d: ReserveDesign) => runs.get(d)!;

  // ---- the reserve step alone (no app) ----
  for (const d of DESIGNS) {
    log(`8. reserve step alone, ${d}: ${o.aloneClients} clients, ${o.aloneS} s, one row`);
    run(d).alone = await reserveAlone(o.databaseUrl, d, v.productId, v.of(d, "ALONE").id, o.aloneClients, o.aloneS);
    log(`   ${run(d).alone!.tps.toFixed(0)} tx/s, p50 ${run(d).alone!.latency.p50.toFixed(1)} ms, p99 ${run(d).alone!.latency.p99.toFixed(1)} ms`);
    const taken = v.of(d, "ALONE").stock - (await stockOf(db, v.of(d, "ALONE").id));
    const sold = await unitsOrdered(db, v.of(d, "ALONE").id);
    invariants.push({ name: `reserve alone (${d}): stock taken = units ordered = steps answered`, ok: taken === sold && sold === run(d).alone!.reserved, detail: `${taken} taken, ${sold} ordered, ${run(d).alone!.reserved} answered` });
  }

  // ---- the app, once per design ----
  const apps = new Map<ReserveDesign, AppServer>();
  try {
    for (const d of DESIGNS) apps.set(d, await startBenchApp(o.appEnv, { CHECKOUT_RESERVE: d }));
    const base = (d: ReserveDesign) => apps.get(d)!.url;
    for (const d of DESIGNS) {
      log(`8. warming app (${d})`);
      await Promise.all((await s.makeCarts(base(d), 60, v.of(d, "BIG").id)).map((c, i) => s.checkout(base(d), c, `warm-${d}-${i}@bench.test`)));
    }

    for (const d of DESIGNS) {
      const hot = v.of(d, "HOT");
      const carts = await s.makeCarts(base(d), o.hotStock * 2, hot.id);
      log(`8. sell-out (${d}): ${Math.min(o.clients, carts.length)} clients, ${carts.length} carts, stock ${hot.stock}`);
      const m0 = await scrape(base(d), METRICS_TOKEN);
      const sell = await s.sellOut(base(d), carts, o.clients);
      const m1 = await scrape(base(d), METRICS_TOKEN);
      const finalStock = await stockOf(db, hot.id);
      run(d).sell = { ...sell, finalStock, reserveStep: histogramDelta(m0, m1, "cartwright_reservation_lock_wait_seconds") };
      log(`   ${sell.load.rps.toFixed(0)} checkouts/s, ${sell.placed} placed, ${sell.insufficient} insufficient_stock, ${sell.fiveXx} 5xx`);
      invariants.push(
        { name: `sell-out (${d}): ${hot.stock} placed, ${hot.stock} insufficient_stock, no 5xx`, ok: sell.placed === hot.stock && sell.insufficient === carts.length - hot.stock && sell.fiveXx === 0 && Object.keys(sell.other4xx).length === 0, detail: `${sell.placed} placed, ${sell.insufficient} insufficient, ${sell.fiveXx} 5xx, other ${JSON.stringify(sell.other4xx)}` },
        { name: `sell-out (${d}): final stock 0, units ordered = stock taken`, ok: finalStock === 0 && (await unitsOrdered(db, hot.id)) === hot.stock, detail: `stock ${finalStock}` },
      );
    }

    for (const d of DESIGNS) {
      log(`8. sustained (${d}): ${o.clients} buyers, ${o.rampS} s ramp-up, ${o.sustainedS} s counted`);
      const m0 = await scrape(base(d), METRICS_TOKEN);
      const sus = await s.sustained(base(d), v.of(d, "BIG").id, o.clients, o.sustainedS, o.rampS);
      const m1 = await scrape(base(d), METRICS_TOKEN);
      await new Promise((r) => setTimeout(r, 500));
      const appCpuMs = counterDelta(m0, m1, APP_CPU_METRIC) * 1000;
      run(d).sus = { ...sus, reserveStep: histogramDelta(m0, m1, "cartwright_reservation_lock_wait_seconds"), appCpuMsPerLoop: appCpuMs / Math.max(1, sus.allLoops) };
      log(`   ${sus.checkoutsPerS.toFixed(0)} checkouts/s, p50 ${sus.latency.p50.toFixed(0)} ms, p99 ${sus.latency.p99.toFixed(0)} ms`);
      invariants.push({ name: `sustained (${d}): no 5xx, no errors`, ok: !Object.keys(sus.statuses).some((c) => c.startsWith("5")) && sus.errors === 0, detail: `${JSON.stringify(sus.statuses)}; errors ${sus.errors}${sus.lastError ? `; last: ${sus.lastError}` : ""}` });
    }

    for (const d of DESIGNS) {
      const carts = await s.makeCarts(base(d), o.burst, v.of(d, "BIG").id);
      log(`8. app CPU per placed checkout (${d}): ${carts.length} checkouts, ${Math.min(o.clients, carts.length)} clients`);
      const m0 = await scrape(base(d), METRICS_TOKEN);
      const burst = await s.sellOut(base(d), carts, o.clients);
      const m1 = await scrape(base(d), METRICS_TOKEN);
      run(d).cpuPerPlacedMs = (counterDelta(m0, m1, APP_CPU_METRIC) * 1000) / Math.max(1, burst.placed);
      run(d).burstPlaced = burst.placed;
      log(`   ${run(d).cpuPerPlacedMs!.toFixed(2)} ms of app CPU per placed checkout`);
      invariants.push({ name: `CPU burst (${d}): every checkout placed`, ok: burst.placed === carts.length, detail: `${burst.placed} of ${carts.length}` });
    }
  } finally {
    for (const a of apps.values()) await a.stop().catch((e) => console.error(e));
  }
  const { db: _db, databaseUrl: _u, appEnv: _e, log: _l, ...config } = o;
  return { runs: DESIGNS.map((d) => run(d) as DesignRun), invariants, config };
}

const stockOf = async (db: PrismaClient, id: number) => (await db.productVariant.findUniqueOrThrow({ where: { id }, select: { stockQuantity: true } })).stockQuantity;
const unitsOrdered = async (db: PrismaClient, variantId: number) =>
  (await db.orderItem.aggregate({ where: { variantId, order: { status: { not: "CANCELLED" } } }, _sum: { quantity: true } }))._sum.quantity ?? 0;

const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : "—");
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : "—");
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : "—");

/** The side-by-side table, with the ratio transaction / function and the verdict of the 15% rule. */
export function renderReserveDesigns(r: ReserveDesignsResult): string {
  const fn = r.runs.find((x) => x.design === "function")!;
  const tx = r.runs.find((x) => x.design === "transaction")!;
  const ratio = (a: number, b: number) => (b > 0 ? f2(a / b) : "—");
  const rows: [string, string, string, string][] = [
    [`reserve step alone (${r.config.aloneClients} clients, one row), tx/s`, f0(fn.alone.tps), f0(tx.alone.tps), ratio(tx.alone.tps, fn.alone.tps)],
    ["reserve step alone, p50 / p99 ms", `${f1(fn.alone.latency.p50)} / ${f1(fn.alone.latency.p99)}`, `${f1(tx.alone.latency.p50)} / ${f1(tx.alone.latency.p99)}`, ""],
    [`sell-out (${r.config.hotStock} units, ${r.config.hotStock * 2} carts), checkouts/s`, f0(fn.sell.load.rps), f0(tx.sell.load.rps), ratio(tx.sell.load.rps, fn.sell.load.rps)],
    ["sell-out p50 / p99 ms", `${f0(fn.sell.load.latency.p50)} / ${f0(fn.sell.load.latency.p99)}`, `${f0(tx.sell.load.latency.p50)} / ${f0(tx.sell.load.latency.p99)}`, ""],
    ["sell-out: the reserve step as the app sees it (pool wait included), mean / p99 ms", `${f1(fn.sell.reserveStep.mean * 1000)} / ${f1(fn.sell.reserveStep.p99 * 1000)}`, `${f1(tx.sell.reserveStep.mean * 1000)} / ${f1(tx.sell.reserveStep.p99 * 1000)}`, ""],
    [`**sustained hot SKU, 1 app process (${r.config.clients} buyers, ${r.config.sustainedS} s), checkouts/s**`, f0(fn.sus.checkoutsPerS), f0(tx.sus.checkoutsPerS), `**${ratio(tx.sus.checkoutsPerS, fn.sus.checkoutsPerS)}**`],
    ["sustained checkout p50 / p99 ms", `${f0(fn.sus.latency.p50)} / ${f0(fn.sus.latency.p99)}`, `${f0(tx.sus.latency.p50)} / ${f0(tx.sus.latency.p99)}`, ""],
    ["sustained: app CPU per buyer loop (cart, add, checkout), ms", f2(fn.sus.appCpuMsPerLoop), f2(tx.sus.appCpuMsPerLoop), ratio(tx.sus.appCpuMsPerLoop, fn.sus.appCpuMsPerLoop)],
    [`**app CPU per placed checkout** (${r.config.burst} checkouts, all placed), ms`, f2(fn.cpuPerPlacedMs), f2(tx.cpuPerPlacedMs), ratio(tx.cpuPerPlacedMs, fn.cpuPerPlacedMs)],
  ];
  const share = fn.sus.checkoutsPerS > 0 ? tx.sus.checkoutsPerS / fn.sus.checkoutsPerS : NaN;
  const verdict =
    share >= SHIP_RATIO
      ? `the transaction's sustained checkouts/s are ${f2(share)} of the function's (≥ ${SHIP_RATIO}): **ship the interactive transaction**`
      : `the transaction's sustained checkouts/s are ${f2(share)} of the function's (< ${SHIP_RATIO}): **keep the function**`;
  return `
## 8. The reserve step: interactive transaction against cw_place_order (same run)

Two app processes that differ only in \`CHECKOUT_RESERVE\` (function: \`cw_place_order\`, one statement; transaction: a
Prisma interactive transaction that writes the cart's close, the order, its items and the recovery point first and
locks the hot rows in its last statement); only one is under load at a time, each on variants of its own. "Alone"
drives lib/checkout's \`reserveOrder\` directly from the bench process (no HTTP). Rule: the transaction ships when its
sustained checkouts/s are within 15% of the function's. Verdict of this run: ${verdict}.

| | function | transaction | transaction / function |
|---|---|---|---|
${rows.map((x) => `| ${x.join(" | ")} |`).join("\n")}

${r.invariants.map((i) => `- ${i.ok ? "ok" : "**FAIL**"} ${i.name}: ${i.detail}`).join("\n")}
`;
}
