import { Redis } from "@upstash/redis";
import { env } from "../env";
import { storeTimeoutSignal } from "./deadline";
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

export interface UpstashKvOptions {
  /** REST URL; default UPSTASH_REDIS_REST_URL. */
  url?: string;
  /** REST token; default UPSTASH_REDIS_REST_TOKEN. */
  token?: string;
  /** Prepended to every key; default KV_PREFIX. */
  prefix?: string;
  /** Per-request timeout (ms) of the store's time (our event loop's stall is not counted, see deadline.ts), the one
   *  retry after a network error included; 10 × that of wall time at most. */
  requestTimeoutMs?: number;
}

/**
 * KvStore over Upstash's REST API (@upstash/redis). Values are strings we serialise ourselves, so automatic JSON
 * deserialisation is off. Same Lua scripts as the TCP adapter, so both Redis adapters behave the same. Any failure
 * to get an answer (network, timeout, HTTP error) is a KvUnavailableError.
 */
export class UpstashKvStore implements KvStore {
  readonly kind = "upstash" as const;
  readonly prefix: string;
  private readonly redis: Redis;

  constructor(opts: UpstashKvOptions = {}) {
    const url = opts.url ?? env().UPSTASH_REDIS_REST_URL;
    const token = opts.token ?? env().UPSTASH_REDIS_REST_TOKEN;
    if (!url || !token)
      throw new Error("UpstashKvStore needs UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN.");
    this.prefix = opts.prefix ?? env().KV_PREFIX;
    const timeoutMs = opts.requestTimeoutMs ?? 2000;
    this.redis = new Redis({
      url,
      token,
      automaticDeserialization: false,
      enableTelemetry: false,
      // the SDK's default is 5 retries with exponential backoff (seconds of waiting while the store is down):
      // one quick retry (a stale keep-alive socket), then fail
      retry: { retries: 1, backoff: () => 20 },
      // a function, so each request gets a fresh timeout (an already-aborted signal would be reported as a result);
      // a deadline of the store's time, so a busy event loop is not taken for a slow store (lib/kv/deadline.ts)
      signal: () => storeTimeoutSignal({ storeMs: timeoutMs, wallMs: 10 * timeoutMs }),
    });
  }

  private k(key: string): string {
    return this.prefix + key;
  }

  private async run<T>(op: (r: Redis) => Promise<T>): Promise<T> {
    try {
      return await op(this.redis);
    } catch (e) {
      throw isKvUnavailable(e) ? e : new KvUnavailableError({ cause: e });
    }
  }

  async get(key: string): Promise<string | null> {
    const v = await this.run((r) => r.get<string>(this.k(key)));
    return v === null || v === undefined ? null : String(v);
  }

  async set(key: string, value: string, opts?: { ttlSeconds?: number }): Promise<void> {
    const px = opts?.ttlSeconds === undefined ? undefined : ttlMs(opts.ttlSeconds);
    await this.run((r) => (px === undefined ? r.set(this.k(key), value) : r.set(this.k(key), value, { px })));
  }

  async delete(key: string): Promise<void> {
    await this.run((r) => r.del(this.k(key)));
  }

  async expire(key: string, ttlSeconds: number): Promise<boolean> {
    const ms = ttlMs(ttlSeconds);
    return Number(await this.run((r) => r.pexpire(this.k(key), ms))) === 1;
  }

  async ttl(key: string): Promise<number | null> {
    return secondsFromPttl(Number(await this.run((r) => r.pttl(this.k(key)))));
  }

  async incr(key: string, ttlSeconds: number): Promise<number> {
    const ms = ttlMs(ttlSeconds);
    return Number(await this.run((r) => r.eval(LUA_INCR_TTL, [this.k(key)], [String(ms)])));
  }

  async windowHit(key: string, hit: WindowHitInput): Promise<WindowHitResult> {
    const args = [String(hit.at), String(hit.windowMs), String(hit.limit), String(hit.ttlMs)];
    return windowHitAnswer(await this.run((r) => r.eval(LUA_WINDOW_HIT, [this.k(key)], args)));
  }

  async windowUnhit(key: string, at: number): Promise<void> {
    await this.run((r) => r.eval(LUA_WINDOW_UNHIT, [this.k(key)], [String(at)]));
  }

  async update(
    key: string,
    fn: (current: string | null) => string | null,
    opts?: { ttlSeconds?: number },
  ): Promise<string | null> {
    const k = this.k(key);
    const px = opts?.ttlSeconds === undefined ? "0" : String(ttlMs(opts.ttlSeconds));
    // what the key holds: read first; after a refused compare-and-set, what Redis answered it held then
    let current: string | null | undefined;
    return casLoop(async () => {
      if (current === undefined) {
        const raw = await this.run((r) => r.get<string>(k));
        current = raw === null || raw === undefined ? null : String(raw);
      }
      const next = fn(current);
      if (current === null && next === null) return { done: true, value: null };
      const answer = await this.run((r) =>
        r.eval(LUA_CAS_UPDATE_OR_CURRENT, [k], [current === null ? "0" : "1", current ?? "", next === null ? "del" : "set", next ?? "", px]),
      );
      const refused = casRefusal(answer);
      if (!refused) return { done: true, value: next };
      current = refused.current;
      return { done: false };
    });
  }

  async ping(): Promise<void> {
    await this.run((r) => r.ping());
  }

  async close(): Promise<void> {
    // stateless HTTP: nothing to close
  }
}
