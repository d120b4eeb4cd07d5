import { cartService } from "../cart";
import { checkoutDeps, expireReservations } from "../checkout";
import { prisma } from "../db";
import { env, type Env } from "../env";
import { purgeExpiredIdempotencyKeys } from "../idempotency";
import { kv, type PostgresKvStore } from "../kv";
import { sendCartReminders } from "../mail/cart-reminders";
import { deliverMail, mailDeps, type MailRenderer } from "../mail";
import { JobScheduler, purgeJobRuns, type Job } from "./scheduler";

export { JobScheduler, claimPeriod, lastRuns, periodStartOf, type Job, type JobRunOutcome, type JobStatus } from "./scheduler";

export const JOB_NAMES = ["expire-orders", "abandon-carts", "cart-reminders", "deliver-mail", "purge"] as const;
export type JobName = (typeof JOB_NAMES)[number];

/**
 * Every scheduled job of the shop. Each is safe to run on several instances at once by itself (SKIP LOCKED,
 * unique keys); the scheduler's claim only keeps them from running N times per period for nothing.
 * JOB_PERIOD_SECONDS (tests) replaces every period.
 */
export function scheduledJobs(render: MailRenderer, e: Env = env()): Job[] {
  const period = (ms: number) => (e.JOB_PERIOD_SECONDS ? Math.round(e.JOB_PERIOD_SECONDS * 1000) : ms);
  const jobs: Record<JobName, Job> = {
    "expire-orders": {
      name: "expire-orders",
      periodMs: period(60_000),
      run: async (now) => {
        const deps = checkoutDeps();
        const processed = await expireReservations(deps, { now, batch: 100 });
        await purgeExpiredIdempotencyKeys(deps.db);
        return processed;
      },
    },
    "abandon-carts": {
      name: "abandon-carts",
      periodMs: period(15 * 60_000),
      run: () => cartService().sweepAbandoned(e.CART_ABANDON_AFTER_DAYS),
    },
    "cart-reminders": {
      name: "cart-reminders",
      periodMs: period(5 * 60_000),
      run: (now) => sendCartReminders({ db: prisma(), carts: cartService(), afterMinutes: e.CART_REMINDER_AFTER_MINUTES, now: () => now }),
    },
    "deliver-mail": {
      name: "deliver-mail",
      periodMs: period(5_000),
      run: () => deliverMail(mailDeps(render)),
    },
    purge: {
      name: "purge",
      periodMs: period(15 * 60_000),
      run: async (now) => {
        const store = kv();
        // Redis expires keys by itself; the PostgreSQL KV table needs its expired rows swept
        const kvRows = store.kind === "postgres" ? await (store as PostgresKvStore).purgeExpired() : 0;
        return kvRows + (await purgeJobRuns(prisma(), now));
      },
    },
  };
  return JOB_NAMES.map((n) => jobs[n]);
}

/** `npm start`: the scheduler of this process (null with JOBS=off). */
export function startJobs(render: MailRenderer): JobScheduler | null {
  if (env().JOBS === "off") return null;
  const scheduler = new JobScheduler(prisma(), scheduledJobs(render));
  scheduler.start();
  return scheduler;
}
