import { createClient, ErrorReply, type RedisClientType } from "redis";
import { env } from "../env";
import { logger } from "../observability/logger";
import { metrics } from "../observability/metrics";
import { KvTimeoutError, storeDeadline } from "./deadline";
import { LUA_WINDOW_HIT, LUA_WINDOW_UNHIT, windowHitAnswer, type WindowHitInput, type WindowHitResult } from "./window";
import {
  casLoop,
  casRefusal,
  isKvUnavailable,
  KvUnavailableError,
  LUA_CAS_UPDATE_OR_CURRENT,
  LUA_INCR_TTL,
  secondsFromPttl,
  ttlMs,
  type KvStore,
} from "./types";

export interface RedisKvOptions {
  /** redis:// or rediss:// URL; default REDIS_URL. */
  url?: string;
  /** Prepended to every key; default KV_PREFIX. */
  prefix?: string;
  /** TCP connect timeout per attempt (ms). */
  connectTimeoutMs?: number;
  /** Per-command timeout (ms) of the store's own time: a command on a hung connection fails instead of waiting
   *  forever, but time this process's event loop was too busy to read the answer is not counted (deadline.ts). */
  commandTimeoutMs?: number;
  /** Wall-clock backstop (ms) for a command, whatever the event loop did; default 10 × commandTimeoutMs. */
  commandWallTimeoutMs?: number;
  /** How long a call waits for a (re)connection in progress before failing with KvUnavailableError (ms). */
  readyWaitMs?: number;
  /** Upper bound of the reconnect backoff (ms); the client keeps reconnecting in the background forever. */
  maxReconnectDelayMs?: number;
}

type Client = RedisClientType;

/** The bound of RedisKvStore's last-seen values: at most this many keys, each at most this long. */
const SEEN_MAX_KEYS = 4096;
const SEEN_MAX_CHARS = 8 * 1024;

/** Server replies that mean "not available right now" rather than "your command is wrong". */
const TRANSIENT_REPLY = /^(LOADING|BUSY|READONLY|OOM|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|NOREPLICAS)\b/;

/**
 * KvStore over TCP Redis (node-redis). Connects lazily on first use. While Redis is down every call fails fast
 * (the offline queue is disabled, each command has a timeout, a call waits at most `readyWaitMs` for a
 * reconnection) with KvUnavailableError, and the client reconnects by itself with capped exponential backoff.
 */
export class RedisKvStore implements KvStore {
  readonly kind = "redis" as const;
  readonly prefix: string;
  private readonly url: string;
  private readonly connectTimeoutMs: number;
  private readonly commandTimeoutMs: number;
  private readonly commandWallTimeoutMs: number;
  private readonly readyWaitMs: number;
  private readonly maxReconnectDelayMs: number;
  private client: Client | undefined;
  private lastError: unknown;
  private outageLogged = false;
  private readonly readyWaiters = new Set<() => void>();
  /** Set when a command got no answer within its deadline of store time (the store, not our event loop, is
   *  silent); cleared by any answer or a reconnection. While set, one command at a time goes through as a probe,
   *  at most every `probeIntervalMs`, and the rest fail at once with KvUnavailableError instead of each waiting
   *  out its own deadline on a connection that is known to be hung. */
  private unresponsive = false;
  private probing = false;
  private nextProbeAt = 0;
  private readonly probeIntervalMs = 250;
  /** Counts (re)connections: a cache user that sees it change knows it may have missed invalidations. */
  connectionEpoch = 0;
  /**
   * The last value this process read or wrote per key (least recently used first out): update() sends its
   * compare-and-set against it without reading first, so changing a key this process just read or wrote is one
   * round trip. Only a guess: Redis compares, so a stale one costs a retry (answered with the current value,
   * still no extra read), never a lost or a wrong write.
   */
  private readonly seen = new Map<string, string>();

  constructor(opts: RedisKvOptions = {}) {
    const url = opts.url ?? env().REDIS_URL;
    if (!url) throw new Error("RedisKvStore needs a Redis URL (REDIS_URL).");
    this.url = url;
    this.prefix = opts.prefix ?? env().KV_PREFIX;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 1000;
    this.commandTimeoutMs = opts.commandTimeoutMs ?? 1000;
    this.commandWallTimeoutMs = opts.commandWallTimeoutMs ?? 10 * this.commandTimeoutMs;
    this.readyWaitMs = opts.readyWaitMs ?? 500;
    this.maxReconnectDelayMs = opts.maxReconnectDelayMs ?? 2000;
  }

  private k(key: string): string {
    return this.prefix + key;
  }

  private remember(k: string, value: string | null): void {
    this.seen.delete(k);
    if (value === null || value.length > SEEN_MAX_CHARS) return;
    this.seen.set(k, value);
    if (this.seen.size > SEEN_MAX_KEYS) this.seen.delete(this.seen.keys().next().value as string);
  }

  private createAndConnect(): Client {
    const client = createClient({
      url: this.url,
      disableOfflineQueue: true,
      // node-redis's own timer is only a backstop that drops commands never written: the deadline that decides is
      // storeDeadline's (run()), which does not count this process's busy event loop as the store's slowness
      commandOptions: { timeout: this.commandWallTimeoutMs + 1000 },
      socket: {
        connectTimeout: this.connectTimeoutMs,
        // 50, 100, 200, ... ms up to the cap, plus jitter so many instances do not reconnect in lockstep
        reconnectStrategy: (retries: number) =>
          Math.min(this.maxReconnectDelayMs, 50 * 2 ** Math.min(retries, 10)) + Math.floor(Math.random() * 50),
      },
    });
    client.on("error", (err: unknown) => {
      this.lastError = err;
      if (!this.outageLogged) {
        this.outageLogged = true;
        logger().warn({ err: describe(err) }, "kv: Redis unavailable, reconnecting in the background");
      }
    });
    client.on("ready", () => {
      this.connectionEpoch += 1;
      this.unresponsive = false;
      if (this.outageLogged) logger().info("kv: Redis connection restored");
      this.outageLogged = false;
      for (const wake of [...this.readyWaiters]) wake();
    });
    // Resolves when first connected; rejects only when the client is closed. Errors arrive on "error".
    client.connect().catch(() => {});
    return client;
  }

  /** The connected client, or KvUnavailableError after waiting at most readyWaitMs for a connection. */
  private async ready(): Promise<Client> {
    const client = (this.client ??= this.createAndConnect());
    if (client.isReady) return client;
    await new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.readyWaiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, this.readyWaitMs);
      this.readyWaiters.add(wake);
    });
    if (client !== this.client || !client.isReady) throw new KvUnavailableError({ cause: this.lastError });
    return client;
  }

  /**
   * Runs one command against the store's deadline (storeDeadline: the store's time, not our event loop's). `read`
   * marks an idempotent read (GET, PTTL, PING): after a timeout it is sent once more, since asking again cannot
   * change anything. Writes are never re-sent after a timeout: the first one may have been applied (Redis runs
   * what it received; only the answer is missing), and a second INCR or compare-and-set on top of it would apply
   * the change twice. A timed-out write is a 503 and the shopper decides to retry.
   */
  private async run<T>(op: string, command: (c: Client) => Promise<T>, read = false): Promise<T> {
    const m = metrics();
    for (let attempt = 0; ; attempt++) {
      const client = await this.ready();
      let probe = false;
      if (this.unresponsive) {
        if (this.probing || performance.now() < this.nextProbeAt)
          throw new KvUnavailableError({ cause: this.lastError, details: { reason: "kv_unresponsive" } });
        this.probing = probe = true;
      }
      try {
        let sent: Promise<T>;
        try {
          sent = command(client);
        } catch (e) {
          sent = Promise.reject(e);
        }
        const { value, storeMs } = await storeDeadline(sent, {
          storeMs: this.commandTimeoutMs,
          wallMs: this.commandWallTimeoutMs,
          onAbsorbed: () => m.kvTimeouts.inc({ op, outcome: "absorbed" }),
        });
        this.unresponsive = false;
        m.kvLatency.observe({ op, result: "ok" }, storeMs / 1000);
        return value;
      } catch (e) {
        if (e instanceof KvTimeoutError) {
          // a read that timed out on a connection that was answering is sent once more (as the probe)
          if (read && attempt === 0 && !this.unresponsive) {
            m.kvTimeouts.inc({ op, outcome: "retried" });
            this.lastError = e;
            continue;
          }
          this.unresponsive = true;
          this.nextProbeAt = performance.now() + this.probeIntervalMs;
          m.kvTimeouts.inc({ op, outcome: "failed" });
        }
        throw this.wrap(e);
      } finally {
        if (probe) this.probing = false;
      }
    }
  }

  private wrap(e: unknown): unknown {
    if (isKvUnavailable(e)) return e;
    // a reply error is a bug in the command (WRONGTYPE, a script error...), unless Redis says it is busy/loading
    if (e instanceof ErrorReply && !TRANSIENT_REPLY.test(e.message)) return e;
    this.lastError = e;
    return new KvUnavailableError({ cause: e });
  }

  async get(key: string): Promise<string | null> {
    const k = this.k(key);
    const value = (await this.run("get", (c) => c.get(k), true)) as string | null;
    this.remember(k, value);
    return value;
  }

  async set(key: string, value: string, opts?: { ttlSeconds?: number }): Promise<void> {
    const k = this.k(key);
    const px = opts?.ttlSeconds === undefined ? undefined : ttlMs(opts.ttlSeconds);
    this.seen.delete(k);
    await this.run("set", (c) => (px === undefined ? c.set(k, value) : c.set(k, value, { expiration: { type: "PX", value: px } })));
    this.remember(k, value);
  }

  async delete(key: string): Promise<void> {
    const k = this.k(key);
    this.seen.delete(k);
    await this.run("delete", (c) => c.del(k));
  }

  async expire(key: string, ttlSeconds: number): Promise<boolean> {
    const ms = ttlMs(ttlSeconds);
    return Number(await this.run("expire", (c) => c.pExpire(this.k(key), ms))) === 1;
  }

  async ttl(key: string): Promise<number | null> {
    return secondsFromPttl(Number(await this.run("ttl", (c) => c.pTTL(this.k(key)), true)));
  }

  async incr(key: string, ttlSeconds: number): Promise<number> {
    const k = this.k(key);
    const ms = ttlMs(ttlSeconds);
    this.seen.delete(k);
    const n = await this.run("incr", (c) => c.eval(LUA_INCR_TTL, { keys: [k], arguments: [String(ms)] }));
    return Number(n);
  }

  async update(
    key: string,
    fn: (current: string | null) => string | null,
    opts?: { ttlSeconds?: number },
  ): Promise<string | null> {
    const k = this.k(key);
    const px = opts?.ttlSeconds === undefined ? "0" : String(ttlMs(opts.ttlSeconds));
    // what the key holds: this process's last-seen value (a guess), else read; after a refused compare-and-set,
    // what Redis answered it held then
    let current: string | null | undefined = this.seen.get(k);
    let guess = current !== undefined;
    return casLoop(async () => {
      if (current === undefined) {
        // an idempotent GET (retried once after a timeout)
        current = (await this.run("get", (c) => c.get(k), true)) as string | null;
        guess = false;
        this.remember(k, current);
      }
      let next: string | null;
      try {
        next = fn(current);
      } catch (e) {
        if (!guess) throw e;
        // fn refused a guessed value: it decides only on what the key really holds
        this.seen.delete(k);
        current = undefined;
        return { done: false, now: true };
      }
      if (current === null && next === null) return { done: true, value: null };
      // not re-sent after a timeout: it may have applied, and fn would then apply on top of our own write
      this.seen.delete(k);
      const answer = await this.run("cas", (c) =>
        c.eval(LUA_CAS_UPDATE_OR_CURRENT, {
          keys: [k],
          arguments: [current === null ? "0" : "1", current ?? "", next === null ? "del" : "set", next ?? "", px],
        }),
      );
      const refused = casRefusal(answer);
      if (!refused) {
        this.remember(k, next);
        return { done: true, value: next };
      }
      // refused: the key held something else, which Redis answered; a refused guess is no sign of contention
      const stale = guess;
      current = refused.current;
      guess = false;
      this.remember(k, current);
      return { done: false, now: stale };
    });
  }

  async windowHit(key: string, hit: WindowHitInput): Promise<WindowHitResult> {
    const k = this.k(key);
    this.seen.delete(k);
    // not re-sent after a timeout: it may have counted
    const answer = await this.run("window_hit", (c) =>
      c.eval(LUA_WINDOW_HIT, { keys: [k], arguments: [String(hit.at), String(hit.windowMs), String(hit.limit), String(hit.ttlMs)] }),
    );
    return windowHitAnswer(answer);
  }

  async windowUnhit(key: string, at: number): Promise<void> {
    const k = this.k(key);
    this.seen.delete(k);
    await this.run("window_unhit", (c) => c.eval(LUA_WINDOW_UNHIT, { keys: [k], arguments: [String(at)] }));
  }

  async ping(): Promise<void> {
    await this.run("ping", (c) => c.ping(), true);
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    for (const wake of [...this.readyWaiters]) wake();
    if (!client) return;
    if (client.isReady && !this.unresponsive) {
      try {
        // close() waits for the answers still due: bounded, so a hung connection cannot hold a shutdown
        let timer: NodeJS.Timeout | undefined;
        const closed = await Promise.race([
          client.close().then(() => true),
          new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), this.commandTimeoutMs))),
        ]).finally(() => clearTimeout(timer));
        if (closed) return;
      } catch {
        // fall through: drop the socket
      }
    }
    if (client.isOpen) client.destroy();
  }
}

function describe(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return err.errors.map(describe).join("; ");
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
