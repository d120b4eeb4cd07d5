import { metrics } from "./metrics";

/** How often the sampler asks to run; how late it runs is the event loop's delay at that moment. */
const SAMPLE_MS = 10;

/**
 * How long this process's event loop was too busy to run callbacks, added up since the process started: a timer
 * asks to run every 10 ms and adds up how late it ran. A reply that sat in a socket while the loop was busy waited
 * about as long as this timer did, so "wall time minus the stall that accrued meanwhile" is the time a dependency
 * (Redis) took to answer, not the time this process took to look (lib/kv/deadline.ts). Each lateness is also
 * observed in cartwright_event_loop_delay_seconds, apart from the KV store's own latency.
 */
export class EventLoopStallClock {
  private stalledMs = 0;
  private last = performance.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly onDelay?: (ms: number) => void) {}

  start(): this {
    if (this.timer) return this;
    this.last = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      const late = Math.max(0, now - this.last - SAMPLE_MS);
      this.stalledMs += late;
      this.last = now;
      this.onDelay?.(late);
    }, SAMPLE_MS);
    this.timer.unref(); // never keeps a process alive
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Milliseconds of stall so far, including the lateness of the sample that is due but has not run yet. */
  stalled(): number {
    return this.stalledMs + Math.max(0, performance.now() - this.last - SAMPLE_MS);
  }
}

const globalForLoop = globalThis as unknown as { cartwrightLoopClock?: EventLoopStallClock };

/** The process's clock (kept on globalThis: the server and every route bundle share it), started on first use. */
export function loopClock(): EventLoopStallClock {
  globalForLoop.cartwrightLoopClock ??= new EventLoopStallClock((ms) => metrics().eventLoopDelay.observe(ms / 1000)).start();
  return globalForLoop.cartwrightLoopClock;
}
