import { loopClock, type EventLoopStallClock } from "../observability/event-loop";

/** A KV command got no answer within its deadline of store time (the connection may be hung). */
export class KvTimeoutError extends Error {
  constructor(readonly storeMs: number, readonly wallMs: number) {
    super(`no answer from the KV store within ${Math.round(storeMs)} ms of store time (${Math.round(wallMs)} ms wall)`);
    this.name = "KvTimeoutError";
  }
}

export type DeadlineOptions = {
  /** the store's time (wall time minus this process's event-loop stall) a command may take */
  storeMs: number;
  /** wall time after which the command fails whatever the event loop did (a hung store on a saturated process) */
  wallMs: number;
  clock?: EventLoopStallClock;
  /** told when the command succeeded although its timer had fired: the wait was our busy loop, not the store */
  onAbsorbed?: () => void;
};

export type Timed<T> = { value: T; storeMs: number };

/**
 * Waits for a store command with a deadline that measures the store, not this process.
 *
 * Why a plain timer is wrong under load: each turn of Node's event loop runs due timers BEFORE it reads sockets.
 * When the loop was busy for a second (a saturated process working through hundreds of requests), a 1 s timer and
 * Redis's reply, which arrived after 0.2 ms and sits in the socket, are both ready at the next turn, and the timer
 * runs first: the command "times out" although the store answered at once. That was the false 503 of issue 14.
 *
 * So when the timer fires, (1) one setImmediate lets the loop's I/O phase read whatever is already buffered (the
 * reply settles the command before the check runs), and (2) the time counted is the wall time minus the stall the
 * event loop accrued meanwhile (EventLoopStallClock). Only when that store time passes `storeMs` (or the wall time
 * passes `wallMs`, the backstop for a hung store on a process that stays saturated) does the command fail.
 */
export function storeDeadline<T>(command: Promise<T>, opts: DeadlineOptions): Promise<Timed<T>> {
  const clock = opts.clock ?? loopClock();
  const t0 = performance.now();
  const s0 = clock.stalled();
  const storeTime = () => Math.max(0, performance.now() - t0 - (clock.stalled() - s0));
  return new Promise<Timed<T>>((resolve, reject) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let fired = false;
    command.then(
      (value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (fired) opts.onAbsorbed?.();
        resolve({ value, storeMs: storeTime() });
      },
      (e: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(e);
      },
    );
    const check = () => {
      fired = true;
      // after this turn's I/O phase: a reply already in the socket has settled the command by now
      setImmediate(() => {
        if (settled) return;
        const wall = performance.now() - t0;
        const store = storeTime();
        if (store >= opts.storeMs || wall >= opts.wallMs) {
          settled = true;
          reject(new KvTimeoutError(store, wall));
          return;
        }
        timer = setTimeout(check, Math.max(1, Math.min(opts.storeMs - store, opts.wallMs - wall)));
      });
    };
    timer = setTimeout(check, opts.storeMs);
  });
}

/**
 * The same deadline as an AbortSignal, for clients that take one per request (the Upstash REST SDK): it aborts
 * once the store has had `storeMs` of its own time (wall time minus the event loop's stall, looked at again after
 * the I/O phase) or `wallMs` of wall time. Its timers never keep the process alive; one that fires after the request
 * has finished aborts nothing that matters.
 */
export function storeTimeoutSignal(opts: Omit<DeadlineOptions, "onAbsorbed">): AbortSignal {
  const clock = opts.clock ?? loopClock();
  const controller = new AbortController();
  const t0 = performance.now();
  const s0 = clock.stalled();
  const check = () => {
    setImmediate(() => {
      const wall = performance.now() - t0;
      const store = Math.max(0, wall - (clock.stalled() - s0));
      if (store >= opts.storeMs || wall >= opts.wallMs) controller.abort(new KvTimeoutError(store, wall));
      else setTimeout(check, Math.max(1, Math.min(opts.storeMs - store, opts.wallMs - wall))).unref();
    }).unref();
  };
  setTimeout(check, opts.storeMs).unref();
  return controller.signal;
}
