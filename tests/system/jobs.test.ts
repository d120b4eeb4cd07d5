import { describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { testRedisUrl } from "@/tests/support/test-database";
import { call, checkout, guestCart, kvPrefixFor, makeProduct, METRICS_TOKEN, metricSum, ordersOfCart, stockOf, systemTestSetup, waitFor } from "@/tests/support/system";

// `npm start` semantics: the production server runs every scheduled job in-process. No cron route is called here:
// an unpaid order's stock must come back on its own once its reservation runs out, on two instances sharing one
// database, and the compensation (and its e-mail) must happen exactly once. Reservations of 3 s and job periods of
// 1 s (test-only settings) keep the test short.

const sys = systemTestSetup();

describe("scheduled jobs in the production server", () => {
  it("an unpaid order's stock comes back after its reservation, with no cron call, once, on two instances of two workers each", async () => {
    const { db, sql } = await sys.database(4);
    const common = {
      databaseUrl: db.url,
      redisUrl: testRedisUrl(),
      kvPrefix: kvPrefixFor("jobs"),
      // two instances of two HTTP workers each: jobs run in one process per instance (worker 1)
      env: { JOBS: "on", ORDER_RESERVATION_MINUTES: "0.05", JOB_PERIOD_SECONDS: "1", WEB_CONCURRENCY: "2" },
    };
    const [a, b] = await sys.instances({ ...common, name: "jobs-a" }, { ...common, name: "jobs-b" });
    const { variantIds } = await makeProduct(sql, { price: 2100, stocks: [5] });
    const v = variantIds[0]!;

    const cartId = await guestCart(a!.url, [[v, 2]]);
    const email = `unpaid-${randomUUID().slice(0, 8)}@example.test`;
    const placed = await checkout(b!.url, cartId, randomUUID(), { email });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    expect(await stockOf(sql, v)).toBe(3);

    // nobody pays and nobody calls /api/cron/*: the instances' own schedulers release it
    const [order] = await waitFor(
      "the order to be released by the expire-orders job",
      async () => {
        const rows = await ordersOfCart(sql, cartId);
        return rows[0]?.status === "CANCELLED" ? rows : undefined;
      },
      60_000,
      250,
    );
    expect(order).toMatchObject({ status: "CANCELLED", payment_status: "expired" });
    expect(await stockOf(sql, v)).toBe(5);
    // the cart comes back: its row in the compensation's transaction, its KV document right after that commits (so
    // a read in between may still see the closed copy for a few milliseconds)
    const cart = await waitFor(
      "the guest cart to be ACTIVE again",
      async () => {
        const r = await call(a!.url, "GET", `/api/carts/${cartId}`);
        return r.body?.cart?.status === "ACTIVE" ? r : undefined;
      },
      10_000,
      50,
    );
    expect(cart.body.cart.items.map((l: { variantId: number; quantity: number }) => [l.variantId, l.quantity])).toEqual([[v, 2]]);

    // its cancellation mail reaches the local mailbox (no SMTP_URL) through the deliver-mail job, once
    const mailbox = await waitFor(
      "the cancellation mail in the local mailbox",
      async () => {
        const r = await sql.query(`SELECT subject, headers FROM mailbox_messages WHERE "to" = $1`, [email]);
        return r.rows.length > 0 ? r.rows : undefined;
      },
      30_000,
      250,
    );
    // a few more periods: nothing runs twice
    await new Promise((r) => setTimeout(r, 2500));
    expect(await stockOf(sql, v)).toBe(5);
    const mails = (await sql.query(`SELECT subject, headers FROM mailbox_messages WHERE "to" = $1`, [email])).rows;
    expect(mails).toHaveLength(1);
    expect(mailbox[0].headers["X-Cartwright-Event"]).toBe("order_cancelled");
    expect(mails[0].subject).toContain(order!.id.slice(0, 8));

    // each job's period was claimed by exactly one instance (the primary key says so); both took part
    const runs = (await sql.query(`SELECT job, instance, status FROM job_runs WHERE job = 'expire-orders'`)).rows;
    expect(runs.length).toBeGreaterThan(1);
    expect(runs.every((r) => r.status !== "failed")).toBe(true);
    // one scheduler per instance, not one per worker: of the four processes, at most two ever claimed a period
    const claimers = (await sql.query(`SELECT DISTINCT instance FROM job_runs`)).rows.map((r) => r.instance as string);
    expect(claimers.length).toBeGreaterThanOrEqual(1);
    expect(claimers.length, claimers.join(", ")).toBeLessThanOrEqual(2);
    // each instance's /api/metrics sums its workers (the one running the jobs included, whichever answers)
    const metrics = await Promise.all([a!, b!].map((i) => call(i.url, "GET", "/api/metrics", { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })));
    const total = metrics.reduce((n, m) => n + metricSum(m.body as string, "cartwright_job_runs_total", ['job="expire-orders"']), 0);
    // every period ran once across the two instances: as many runs as claimed periods (allowing the last one in flight)
    expect(Math.abs(total - runs.length)).toBeLessThanOrEqual(2);
  });
});
