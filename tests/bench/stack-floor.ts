// The required stack's floor for one checkout: what a checkout's I/O costs the app's process when it carries no
// business logic at all. BENCHMARKS.md reports it beside "app CPU per placed checkout" (the floor adds GET
// /api/health's app CPU from the same run: Next.js and Node answering one request):
//
//   npx tsx tests/bench/stack-floor.ts   (alone: prints the I/O floor against a fresh bench database)
//
// A child process (so the Stripe fake, the database and the load generator are not counted) makes, per "checkout",
// exactly the round trips a placed guest checkout makes, through the same libraries and the app's own clients:
// 4 KV commands (the cart read, the rate limiter's window, the cart's compare-and-set close, one more read), 3 Prisma
// `$queryRaw` statements with a placed checkout's argument and answer sizes (the key claim with the catalog read, the
// reserve step's JSON argument, the payment bookkeeping) and one PaymentIntent through the Stripe SDK, 20 at a time.
// Its CPU (user + system, process.cpuUsage) per checkout after a warm-up is the I/O floor.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";

export type StackFloor = { ioMs: number; checkouts: number };

const CHILD_FLAG = "--stack-floor-child";
const CONCURRENCY = 20;

/** The I/O floor per checkout, measured in a child process against this database, Redis and Stripe fake. */
export async function measureStackFloor(env: { databaseUrl: string; redisUrl: string; kvPrefix: string; stripeUrl: string }, checkouts = 2000): Promise<StackFloor> {
  const tsx = fileURLToPath(new URL("../../node_modules/tsx/dist/cli.mjs", import.meta.url));
  const child = spawn(process.execPath, [tsx, fileURLToPath(import.meta.url), CHILD_FLAG], {
    env: { ...process.env, FLOOR_DATABASE_URL: env.databaseUrl, FLOOR_REDIS_URL: env.redisUrl, FLOOR_KV_PREFIX: `${env.kvPrefix}floor:`, FLOOR_STRIPE_URL: env.stripeUrl, FLOOR_CHECKOUTS: String(checkouts) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  const line = out.trim().split("\n").pop() ?? "";
  if (code !== 0 || !line.startsWith("{")) throw new Error(`stack floor: the child failed (exit ${code}): ${out.slice(-500)}`);
  return JSON.parse(line) as StackFloor;
}

/** A JSON value of about `chars` characters, shaped like checkout's (objects of short strings and numbers). */
function payload(chars: number): Record<string, unknown> {
  const items: unknown[] = [];
  while (JSON.stringify(items).length < chars)
    items.push({ id: randomUUID(), productId: items.length + 1, variantId: items.length + 1, sku: `SKU-${items.length}`, name: "Bench widget, blue", quantity: 1, unitPrice: 1999, options: {} });
  return { items };
}

async function child(): Promise<void> {
  const { createPrismaClient } = await import("../../lib/db");
  const { RedisKvStore } = await import("../../lib/kv");
  const { createStripeProvider } = await import("../../lib/payments/stripe");
  const db = createPrismaClient(process.env.FLOOR_DATABASE_URL!, 10);
  // under the bench's own prefix, so its clean-up deletes these keys too
  const kv = new RedisKvStore({ url: process.env.FLOOR_REDIS_URL!, prefix: process.env.FLOOR_KV_PREFIX! });
  const stripe = createStripeProvider({ secretKey: "sk_test_cartwrightfloor0123456789", apiBase: process.env.FLOOR_STRIPE_URL! });
  const n = Number(process.env.FLOOR_CHECKOUTS ?? 2000);
  // a guest cart document, the reserve step's argument and the catalog answer, each of a placed checkout's size
  const cart = JSON.stringify(payload(1200));
  const reserveArg = JSON.stringify(payload(3000));
  const catalog = JSON.stringify(payload(2500));
  const stored = JSON.stringify(payload(1500));

  const checkout = async (i: number) => {
    const cartKey = `cart:${i % 500}`;
    await kv.get(cartKey);
    await kv.windowHit(`rl:${i % 500}`, { at: Date.now(), windowMs: 60_000, limit: 1_000_000, ttlMs: 61_000 });
    await db.$queryRaw`SELECT ${randomUUID()}::text AS key, now() AS locked_at, ${catalog}::json AS catalog`;
    await kv.update(cartKey, () => cart, { ttlSeconds: 3600 });
    await db.$queryRaw`SELECT (${reserveArg}::jsonb) -> 'items' -> 0 AS answer`;
    const orderId = randomUUID();
    const created = await stripe.createPayment({ orderId, amount: 1999 + (i % 100), currency: "usd", email: "floor@example.com", idempotencyKey: `order:${orderId}` });
    await db.$queryRaw`SELECT ${created.paymentId}::text AS payment_intent_id, ${stored}::jsonb IS NOT NULL AS completed, now() AS updated_at`;
    await kv.get(cartKey);
  };
  const run = async (count: number) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < count) await checkout(next++);
      }),
    );
  };
  await run(Math.max(500, Math.floor(n / 2))); // warm-up: V8 optimises the hot code meanwhile
  const before = process.cpuUsage();
  await run(n);
  const used = process.cpuUsage(before);
  await db.$disconnect();
  await kv.close();
  console.log(JSON.stringify({ ioMs: (used.user + used.system) / 1000 / n, checkouts: n } satisfies StackFloor));
}

if (process.argv.includes(CHILD_FLAG)) {
  const { runScript } = await import("./setup");
  runScript(child);
} else if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { benchWorld, runScript } = await import("./setup");
  runScript(async () => {
    const world = await benchWorld();
    try {
      const { databaseUrl, redisUrl, kvPrefix, fake } = world.appEnv;
      const floor = await measureStackFloor({ databaseUrl, redisUrl, kvPrefix, stripeUrl: fake.url });
      console.log(`I/O floor per checkout: ${floor.ioMs.toFixed(2)} ms of CPU (${floor.checkouts} checkouts, ${CONCURRENCY} at a time)`);
    } finally {
      await world.close();
    }
  });
}
