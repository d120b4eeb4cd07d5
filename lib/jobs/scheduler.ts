import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import type { PrismaClient } from "../db";
import { logger as appLogger } from "../observability/logger";
import { metrics } from "../observability/metrics";

export type Job = {
  name: string;
  /** runs at most once per period across every instance */
  periodMs: number;
  /** does the work; returns how many things it processed */
  run: (now: Date) => Promise<number>;
};

export type JobRunOutcome = { job: string; periodStart: Date; ran: boolean; processed?: number; error?: string };

/** The start of the period `now` falls in: periods are aligned to the epoch, so every instance agrees on them. */
export const periodStartOf = (now: Date, periodMs: number) => new Date(Math.floor(now.getTime() / periodMs) * periodMs);

/**
 * Claims (job, period) for this instance: one INSERT ... ON CONFLICT DO NOTHING into job_runs, so of any number of
 * instances racing for the same period exactly one gets the row (the primary key decides, on PostgreSQL and on
 * PGlite alike), and a later tick of the same period finds it taken.
 */
export async function claimPeriod(db: PrismaClient, job: string, periodStart: Date, instance: string, now: Date): Promise<boolean> {
  const rows = await db.$queryRaw<{ job: string }[]>`
    INSERT INTO job_runs (job, period_start, instance, started_at, status)
    VALUES (${job}, ${periodStart}, ${instance}, ${now}, 'running')
    ON CONFLICT (job, period_start) DO NOTHING
    RETURNING job`;
  return rows.length === 1;
}

export type SchedulerOptions = {
  /** names this process in job_runs (host and pid by default) */
  instance?: string;
  now?: () => Date;
  /** how often the scheduler looks for due jobs */
  tickMs?: number;
};

/**
 * Runs every job once per period, in-process, on however many instances: each instance ticks, and a job runs
 * where its period's claim succeeded. Jobs of one instance run one after the other (never two at once: PGlite
 * serves one transaction at a time, and nothing here needs more). A job that throws is recorded as failed and
 * runs again next period. Runs, failures, lag (how late a run started after its period began) and duration are
 * Prometheus metrics; job_runs keeps each run for /admin.
 */
export class JobScheduler {
  readonly instance: string;
  private readonly now: () => Date;
  private readonly tickMs: number;
  private readonly attempted = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;

  constructor(
    private readonly db: PrismaClient,
    private readonly jobs: Job[],
    opts: SchedulerOptions = {},
  ) {
    this.instance = opts.instance ?? `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
    this.now = opts.now ?? (() => new Date());
    this.tickMs = opts.tickMs ?? 1000;
  }

  /** One pass: every job whose current period this instance has not tried yet is claimed, and run if claimed. */
  async tick(): Promise<JobRunOutcome[]> {
    const out: JobRunOutcome[] = [];
    for (const job of this.jobs) {
      if (this.stopped) break;
      const now = this.now();
      const periodStart = periodStartOf(now, job.periodMs);
      if (this.attempted.get(job.name) === periodStart.getTime()) continue;
      let claimed: boolean;
      try {
        claimed = await claimPeriod(this.db, job.name, periodStart, this.instance, now);
      } catch (e) {
        // the database is unreachable: try this period again on the next tick
        appLogger().warn({ job: job.name, err: String(e) }, "jobs: could not claim a period");
        continue;
      }
      this.attempted.set(job.name, periodStart.getTime());
      if (!claimed) {
        out.push({ job: job.name, periodStart, ran: false });
        continue;
      }
      out.push(await this.runClaimed(job, periodStart, now));
    }
    return out;
  }

  private async runClaimed(job: Job, periodStart: Date, startedAt: Date): Promise<JobRunOutcome> {
    const m = safeMetrics();
    m?.jobLag.set({ job: job.name }, (startedAt.getTime() - periodStart.getTime()) / 1000);
    const t0 = process.hrtime.bigint();
    let processed: number | undefined;
    let error: string | undefined;
    try {
      processed = await job.run(startedAt);
    } catch (e) {
      error = (e instanceof Error ? e.message : String(e)).slice(0, 1000);
      appLogger().error({ job: job.name, err: error }, "jobs: a run failed");
    }
    m?.jobRuns.inc({ job: job.name, result: error ? "failed" : "ok" });
    m?.jobDuration.observe({ job: job.name }, Number(process.hrtime.bigint() - t0) / 1e9);
    await this.db.$executeRaw`
      UPDATE job_runs SET finished_at = ${this.now()}, status = ${error ? "failed" : "ok"}, processed = ${processed ?? null}, error = ${error ?? null}
      WHERE job = ${job.name} AND period_start = ${periodStart}`.catch(() => {});
    return { job: job.name, periodStart, ran: true, processed, error };
  }

  start(): void {
    if (this.timer || this.stopped) return;
    const loop = () => {
      if (this.stopped || this.running) return;
      this.running = this.tick()
        .catch((e: unknown) => appLogger().error({ err: String(e) }, "jobs: tick failed"))
        .finally(() => {
          this.running = undefined;
        });
    };
    this.timer = setInterval(loop, this.tickMs);
    this.timer.unref();
    loop();
  }

  /** Stops ticking and waits for the run in progress (a job is never cut off halfway by a shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}

function safeMetrics() {
  try {
    return metrics();
  } catch {
    return null;
  }
}

export type JobStatus = { job: string; lastRunAt: string | null; lastStatus: string | null; lastProcessed: number | null; lastError: string | null; instance: string | null };

/** Each job's most recent run, for /admin. */
export async function lastRuns(db: PrismaClient, jobs: string[]): Promise<JobStatus[]> {
  const rows = await db.$queryRaw<{ job: string; started_at: Date; status: string; processed: number | null; error: string | null; instance: string }[]>`
    SELECT DISTINCT ON (job) job, started_at, status, processed, error, instance
    FROM job_runs WHERE job = ANY(${jobs}::text[])
    ORDER BY job, period_start DESC`;
  const byJob = new Map(rows.map((r) => [r.job, r]));
  return jobs.map((job) => {
    const r = byJob.get(job);
    return {
      job,
      lastRunAt: r?.started_at.toISOString() ?? null,
      lastStatus: r?.status ?? null,
      lastProcessed: r?.processed ?? null,
      lastError: r?.error ?? null,
      instance: r?.instance ?? null,
    };
  });
}

/** job_runs older than `olderThanMs` go (the mail job alone claims ~17,000 periods a day). */
export async function purgeJobRuns(db: PrismaClient, now: Date, olderThanMs = 2 * 24 * 60 * 60_000): Promise<number> {
  return db.$executeRaw`DELETE FROM job_runs WHERE period_start < ${new Date(now.getTime() - olderThanMs)}`;
}
