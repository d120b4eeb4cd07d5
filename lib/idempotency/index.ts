import { createHash } from "node:crypto";
import { Prisma, type Db } from "../db";
import { DomainError } from "../errors";

// Durable idempotency keys in PostgreSQL (docs/ARCHITECTURE.md, Checkout step 1). One row per (scope, key):
//   IN_PROGRESS  an attempt holds the key; `locked_at` (database clock) identifies that attempt, and every later
//                write of the attempt (the recovery point, completeIdempotent, releaseIdempotent) is conditional on
//                it, so an attempt whose key was taken over can no longer change anything.
//   COMPLETED    the final answer (201, or a 4xx that follows from the request) is stored and replayed.
// `order_id` is the recovery point: set inside the reserve transaction, so a retry after a failure in step 4
// (payment) resumes for that order instead of reserving again. Every time comparison uses the database clock.

export type IdempotencyScope = string;

/** Who holds a key: the attempt identified by `lockedAt` (a value read back from the database, never the app clock). */
export type IdempotencyLock = { scope: IdempotencyScope; key: string; lockedAt: Date };

export type BeginResult =
  | ({ kind: "new" } & IdempotencyLock)
  | ({ kind: "resume"; orderId: string } & IdempotencyLock)
  | { kind: "replay"; status: number; body: unknown };

export type BeginOptions = {
  scope: IdempotencyScope;
  key: string;
  /** sha-256 of the canonical request (see fingerprintOf) */
  fingerprint: string;
  /** an IN_PROGRESS key whose lock is older than this belongs to a crashed attempt and may be taken over */
  staleAfterMs?: number;
  /** how long the key (and its stored answer) is kept; at least 24 h for checkout */
  keepHours?: number;
};

/** JSON with object keys sorted, so the same request always has the same text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

/** sha-256 (hex) of the canonical JSON of a request. */
export function fingerprintOf(request: unknown): string {
  return createHash("sha256").update(canonicalJson(request), "utf8").digest("hex");
}

type KeyRow = {
  fingerprint: string;
  state: "IN_PROGRESS" | "COMPLETED";
  locked_at: Date;
  order_id: string | null;
  response_status: number | null;
  response_body: unknown;
  stale: boolean;
};

/**
 * Claims a key, or says what to do with an existing one. In this order: a different fingerprint ->
 * idempotency_key_reused (422); COMPLETED -> replay the stored answer; IN_PROGRESS and locked less than
 * `staleAfterMs` ago -> idempotency_key_in_use (409); otherwise the key is taken over (atomically: only one of
 * several concurrent retries wins) and the attempt resumes at the recorded order, or starts anew without one.
 */
export async function beginIdempotent(db: Db, opts: BeginOptions): Promise<BeginResult> {
  const { scope, key, fingerprint } = opts;
  const staleSeconds = (opts.staleAfterMs ?? 60_000) / 1000;
  for (let attempt = 0; attempt < 5; attempt++) {
    const inserted = await db.$queryRaw<{ locked_at: Date }[]>(claimKeySql(opts));
    const mine = inserted[0];
    if (mine) return { kind: "new", scope, key, lockedAt: mine.locked_at };

    const rows = await db.$queryRaw<KeyRow[]>`
      SELECT fingerprint, state::text AS state, locked_at, order_id::text AS order_id, response_status, response_body,
             locked_at < clock_timestamp() - make_interval(secs => ${staleSeconds}::double precision) AS stale
      FROM idempotency_keys WHERE scope = ${scope} AND key = ${key}`;
    const row = rows[0];
    if (!row) continue; // purged or released between the two statements: try to claim it again

    if (row.fingerprint !== fingerprint)
      throw new DomainError(
        "idempotency_key_reused",
        "This Idempotency-Key was already used for a different request. Send a new key for a new request.",
      );
    if (row.state === "COMPLETED") return { kind: "replay", status: row.response_status ?? 200, body: storedBody(row.response_body) };
    if (!row.stale)
      throw new DomainError(
        "idempotency_key_in_use",
        "A request with this Idempotency-Key is still being processed. Try again in a moment.",
      );

    const taken = await db.$queryRaw<{ locked_at: Date; order_id: string | null }[]>`
      UPDATE idempotency_keys SET locked_at = clock_timestamp()
      WHERE scope = ${scope} AND key = ${key} AND state = 'IN_PROGRESS' AND locked_at = ${row.locked_at}
      RETURNING locked_at, order_id::text AS order_id`;
    const took = taken[0];
    if (!took) continue; // another retry took it over (or it completed) first: look again
    return took.order_id
      ? { kind: "resume", scope, key, lockedAt: took.locked_at, orderId: took.order_id }
      : { kind: "new", scope, key, lockedAt: took.locked_at };
  }
  throw new DomainError("idempotency_key_in_use", "A request with this Idempotency-Key is still being processed. Try again in a moment.");
}

/**
 * beginIdempotent's first statement: claims a key nobody holds (`RETURNING locked_at`: one row when claimed, none
 * when the key exists), to run alone or as a part of a larger statement (checkout claims the key and reads the
 * cart's catalog in one). A caller that got no row goes on with beginIdempotent, which says what to do.
 */
export function claimKeySql(opts: BeginOptions): Prisma.Sql {
  const keepSeconds = (opts.keepHours ?? 24) * 3600;
  return Prisma.sql`
    INSERT INTO idempotency_keys (scope, key, fingerprint, state, locked_at, created_at, expires_at)
    VALUES (${opts.scope}, ${opts.key}, ${opts.fingerprint}, 'IN_PROGRESS', clock_timestamp(), clock_timestamp(),
            clock_timestamp() + make_interval(secs => ${keepSeconds}::double precision))
    ON CONFLICT (scope, key) DO NOTHING
    RETURNING locked_at`;
}

/** The recovery point's UPDATE (one row when this attempt still holds the key and it has no order yet), as a part
 *  of the reserve transaction's statement (add RETURNING there); cw_place_order writes the same inside PostgreSQL. */
export function recordOrderOnKeySql(lock: IdempotencyLock, orderId: string): Prisma.Sql {
  return Prisma.sql`
    UPDATE idempotency_keys SET order_id = ${orderId}::uuid
    WHERE scope = ${lock.scope} AND key = ${lock.key} AND locked_at = ${lock.lockedAt}
      AND state = 'IN_PROGRESS' AND order_id IS NULL`;
}

/** The body is stored as its JSON text (a jsonb string): jsonb would reorder object keys, and a replay should be
 *  the same bytes as the original answer. */
function storedBody(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** Stores the final answer (201, or a 4xx that follows from the request); later requests with the key replay it.
 *  Returns false when this attempt no longer holds the key (it was taken over). */
export async function completeIdempotent(db: Db, lock: IdempotencyLock, status: number, body: unknown): Promise<boolean> {
  const n = await db.$executeRaw(completeIdempotentSql(lock, status, body));
  return n === 1;
}

/** completeIdempotent's UPDATE, to run alone or as a part of a larger statement (one row while this attempt holds
 *  the key; a caller may add conditions with AND, and RETURNING). */
export function completeIdempotentSql(lock: IdempotencyLock, status: number, body: unknown): Prisma.Sql {
  return Prisma.sql`
    UPDATE idempotency_keys
    SET state = 'COMPLETED', response_status = ${status}::int, response_body = to_jsonb(${JSON.stringify(body)}::text)
    WHERE scope = ${lock.scope} AND key = ${lock.key} AND locked_at = ${lock.lockedAt} AND state = 'IN_PROGRESS'`;
}

/**
 * A failure that is not a final answer (a 5xx, the provider unreachable): a key with no order yet is deleted, so
 * the retry starts over; a key that records an order is unlocked (locked_at set to the epoch, i.e. stale), so the
 * retry takes it over at once and resumes at the payment step for that order.
 */
export async function releaseIdempotent(db: Db, lock: IdempotencyLock): Promise<void> {
  await db.$executeRaw`
    WITH gone AS (
      DELETE FROM idempotency_keys
      WHERE scope = ${lock.scope} AND key = ${lock.key} AND locked_at = ${lock.lockedAt}
        AND state = 'IN_PROGRESS' AND order_id IS NULL
      RETURNING key)
    UPDATE idempotency_keys SET locked_at = to_timestamp(0)
    WHERE scope = ${lock.scope} AND key = ${lock.key} AND locked_at = ${lock.lockedAt}
      AND state = 'IN_PROGRESS' AND order_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM gone)`;
}

/** Deletes keys past their expires_at, `batch` rows per statement; returns how many. */
export async function purgeExpiredIdempotencyKeys(db: Db, opts: { batch?: number } = {}): Promise<number> {
  const batch = opts.batch ?? 1000;
  let total = 0;
  for (;;) {
    const n = await db.$executeRaw`
      DELETE FROM idempotency_keys WHERE (scope, key) IN (
        SELECT scope, key FROM idempotency_keys WHERE expires_at < clock_timestamp() LIMIT ${batch}
        FOR UPDATE SKIP LOCKED)`;
    total += n;
    if (n < batch) return total;
  }
}
