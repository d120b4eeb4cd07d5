// What the machine does during a scenario: CPU time per process group (from /proc, Linux) and what the app's
// database connections are doing (pg_stat_activity), so a number can be explained, not only reported.
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import pg from "pg";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** per pid; `start` (start time since boot) tells a reused pid from the same process, whose name may change (kworkers) */
type ProcTimes = Map<number, { comm: string; pgrp: number; ticks: number; start: number }>;

function readProcs(): ProcTimes {
  const out: ProcTimes = new Map();
  let entries: string[] = [];
  try {
    entries = readdirSync("/proc");
  } catch {
    return out; // not Linux: no CPU breakdown
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const comm = stat.slice(stat.indexOf("(") + 1, close);
      const f = stat.slice(close + 2).split(" "); // f[0] is field 3 (state)
      const pgrp = Number(f[2]);
      const ticks = Number(f[11]) + Number(f[12]); // utime + stime
      out.set(Number(e), { comm: comm.replace(/-.*$/, ""), pgrp, ticks, start: Number(f[19]) });
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

export type CpuShare = { label: string; cores: number }[];

/** Busy jiffies of the whole machine (/proc/stat: everything but idle and iowait). */
function machineBusyTicks(): number {
  try {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    return total - (f[3] ?? 0) - (f[4] ?? 0);
  } catch {
    return NaN;
  }
}

/** CPU used per group over a window, in cores (1.0 = one core busy the whole time). */
export class CpuSampler {
  private before: ProcTimes = new Map();
  private busyBefore = 0;
  private startedAt = 0;

  /** groups: label -> process group ids (the app's process group, ...); postgres and redis are found by name. */
  constructor(private readonly groups: () => Record<string, number[]>) {}

  start(): void {
    this.before = readProcs();
    this.busyBefore = machineBusyTicks();
    this.startedAt = performance.now();
  }

  stop(): { cores: number; share: CpuShare; busy: number } {
    const after = readProcs();
    const busyTicks = machineBusyTicks() - this.busyBefore;
    const seconds = (performance.now() - this.startedAt) / 1000;
    const groups = this.groups();
    const byLabel = new Map<string, number>();
    const otherByComm = new Map<string, number>();
    for (const [pid, p] of after) {
      const prior = this.before.get(pid);
      const ticks = p.ticks - (prior && prior.start === p.start ? prior.ticks : 0);
      if (ticks <= 0) continue;
      let label = "other";
      if (pid === process.pid) label = "load generator + Stripe fake (bench process)";
      else if (p.comm === "postgres") label = "postgres";
      else if (p.comm.startsWith("redis")) label = "redis";
      else
        for (const [name, pgrps] of Object.entries(groups))
          if (pgrps.includes(p.pgrp)) {
            label = name;
            break;
          }
      byLabel.set(label, (byLabel.get(label) ?? 0) + ticks);
      if (label === "other") otherByComm.set(p.comm, (otherByComm.get(p.comm) ?? 0) + ticks);
    }
    // name the biggest "other" processes; what no process accounts for (processes that exited, the kernel) is shown too
    const others = [...otherByComm].sort((a, b) => b[1] - a[1]).slice(0, 2).map(([c]) => c);
    if (byLabel.has("other")) {
      byLabel.set(`other (${others.join(", ")})`, byLabel.get("other")!);
      byLabel.delete("other");
    }
    const attributed = [...byLabel.values()].reduce((a, b) => a + b, 0);
    if (Number.isFinite(busyTicks) && busyTicks - attributed > 0) byLabel.set("exited processes and kernel", busyTicks - attributed);
    const share = [...byLabel]
      .map(([label, ticks]) => ({ label, cores: ticks / TICKS_PER_SECOND / seconds }))
      .sort((a, b) => b.cores - a.cores);
    const busy = share.reduce((n, s) => n + s.cores, 0);
    return { cores: os.cpus().length, share, busy };
  }
}

export type ActivitySummary = {
  samples: number;
  /** mean number of the app's connections in each state */
  active: number;
  waitingOnLock: number;
  idleInTransaction: number;
  idle: number;
  /** share of samples where every pooled connection was busy (active or idle in transaction) */
  poolSaturated: number;
};

/** Samples pg_stat_activity for one database every `everyMs` (one extra connection, ~10 queries/s). */
export class ActivitySampler {
  private client: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private rows: { active: number; lock: number; idleTx: number; idle: number }[] = [];
  private busy = false;

  constructor(
    private readonly adminUrl: string,
    private readonly database: string,
    private readonly poolSize: number,
    private readonly everyMs = 100,
  ) {}

  async start(): Promise<void> {
    this.rows = [];
    this.client = new pg.Client({ connectionString: this.adminUrl, application_name: "cw-bench-sampler" });
    await this.client.connect();
    this.timer = setInterval(() => void this.sample(), this.everyMs);
  }

  private async sample(): Promise<void> {
    if (this.busy || !this.client) return;
    this.busy = true;
    try {
      const r = await this.client.query<{ active: number; lock: number; idle_tx: number; idle: number }>(
        `SELECT count(*) FILTER (WHERE state = 'active')::int AS active,
                count(*) FILTER (WHERE state = 'active' AND wait_event_type = 'Lock')::int AS lock,
                count(*) FILTER (WHERE state LIKE 'idle in transaction%')::int AS idle_tx,
                count(*) FILTER (WHERE state = 'idle')::int AS idle
         FROM pg_stat_activity
         WHERE datname = $1 AND backend_type = 'client backend' AND application_name <> 'cw-bench-sampler'`,
        [this.database],
      );
      const row = r.rows[0];
      if (row) this.rows.push({ active: row.active, lock: row.lock, idleTx: row.idle_tx, idle: row.idle });
    } catch {
      /* a sample lost is fine */
    } finally {
      this.busy = false;
    }
  }

  async stop(): Promise<ActivitySummary> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    while (this.busy) await new Promise((r) => setTimeout(r, 5));
    await this.client?.end().catch(() => {});
    this.client = null;
    const n = this.rows.length || 1;
    const mean = (f: (r: (typeof this.rows)[number]) => number) => this.rows.reduce((s, r) => s + f(r), 0) / n;
    return {
      samples: this.rows.length,
      active: mean((r) => r.active),
      waitingOnLock: mean((r) => r.lock),
      idleInTransaction: mean((r) => r.idleTx),
      idle: mean((r) => r.idle),
      poolSaturated: this.rows.filter((r) => r.active + r.idleTx >= this.poolSize).length / n,
    };
  }
}
