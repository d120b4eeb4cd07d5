// A TCP proxy in front of PostgreSQL that reads the wire protocol (it forwards every byte unchanged) and records
// every round trip: the statement, when it was sent, when the server answered ReadyForQuery, and the transaction
// status after it. Used by the profile phase to count round trips per checkout and to time the locked section.
// Plain TCP only (no SSL), which is what the app uses against the local server.
import net from "node:net";

export type RoundTrip = { sql: string; sentAt: number; readyAt: number; txAfter: "I" | "T" | "E" };

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

/** Splits a byte stream into protocol messages: typed (1 byte type + int32 length) after the startup phase. */
class Framer {
  private buf: Buffer = Buffer.alloc(0);
  constructor(
    private typed: boolean,
    private readonly onMessage: (type: string, body: Buffer) => void,
  ) {}
  setTyped(v: boolean): void {
    this.typed = v;
  }
  push(chunk: Buffer, rawByte?: () => boolean): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    for (;;) {
      if (rawByte?.()) {
        // the one-byte answer to an SSL/GSS request
        if (this.buf.length < 1) return;
        this.onMessage("raw", this.buf.subarray(0, 1));
        this.buf = this.buf.subarray(1);
        continue;
      }
      const head = this.typed ? 5 : 4;
      if (this.buf.length < head) return;
      const len = this.buf.readInt32BE(this.typed ? 1 : 0);
      const total = (this.typed ? 1 : 0) + len;
      if (this.buf.length < total) return;
      const type = this.typed ? String.fromCharCode(this.buf[0] as number) : "startup";
      this.onMessage(type, this.buf.subarray(head, total));
      this.buf = this.buf.subarray(total);
    }
  }
}

const cstr = (b: Buffer, from: number): [string, number] => {
  const end = b.indexOf(0, from);
  return [b.toString("utf8", from, end), end + 1];
};

export type TraceProxy = {
  url: string;
  port: number;
  /** forget everything recorded so far */
  reset(): void;
  /** round trips per connection, in order */
  connections(): RoundTrip[][];
  close(): Promise<void>;
};

export async function startTraceProxy(upstream: { host: string; port: number }): Promise<TraceProxy> {
  let traces: RoundTrip[][] = [];
  const sockets = new Set<net.Socket>();

  const server = net.createServer((client) => {
    const trace: RoundTrip[] = [];
    traces.push(trace);
    const conn = { trace };
    const pending: { sql: string; sentAt: number }[] = [];
    const statements = new Map<string, string>();
    let batchSql: string | null = null;
    let batchAt = 0;
    let awaitingRaw = 0;
    const backend = net.connect(upstream.port, upstream.host);
    sockets.add(client);
    sockets.add(backend);

    const fromClient = new Framer(false, (type, body) => {
      const now = performance.now();
      if (type === "startup") {
        const code = body.readInt32BE(0);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) awaitingRaw += 1;
        else fromClient.setTyped(true);
        return;
      }
      if (batchSql === null && type !== "S" && type !== "X") batchAt = now;
      switch (type) {
        case "Q": {
          pending.push({ sql: cstr(body, 0)[0], sentAt: now });
          batchSql = null;
          return;
        }
        case "P": {
          const [name, at] = cstr(body, 0);
          const [sql] = cstr(body, at);
          if (name) statements.set(name, sql);
          batchSql = sql;
          return;
        }
        case "B": {
          const [, at] = cstr(body, 0);
          const [stmt] = cstr(body, at);
          if (batchSql === null || batchSql === "") batchSql = statements.get(stmt) ?? `<prepared ${stmt}>`;
          return;
        }
        case "S": {
          pending.push({ sql: batchSql ?? "<sync>", sentAt: batchSql === null ? now : batchAt });
          batchSql = null;
          return;
        }
        default:
          if (batchSql === null && type !== "X") batchSql = "";
      }
    });
    const fromServer = new Framer(true, (type, body) => {
      if (type === "raw") {
        awaitingRaw -= 1;
        return;
      }
      if (type !== "Z") return;
      const p = pending.shift();
      if (!p) return; // the ReadyForQuery that ends the startup
      conn.trace.push({ sql: p.sql, sentAt: p.sentAt, readyAt: performance.now(), txAfter: String.fromCharCode(body[0] as number) as RoundTrip["txAfter"] });
    });

    client.on("data", (chunk: Buffer) => {
      fromClient.push(chunk);
      backend.write(chunk);
    });
    backend.on("data", (chunk: Buffer) => {
      fromServer.push(chunk, () => awaitingRaw > 0);
      client.write(chunk);
    });
    const end = () => {
      client.destroy();
      backend.destroy();
      sockets.delete(client);
      sockets.delete(backend);
    };
    client.on("error", end);
    backend.on("error", end);
    client.on("close", end);
    backend.on("close", end);
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: `127.0.0.1:${port}`,
    reset() {
      for (const t of traces) t.length = 0;
      traces = traces.filter(() => true);
    },
    connections: () => traces.map((t) => [...t]),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export type Dist = { p50: number; p99: number; mean: number };

function dist(values: number[]): Dist {
  const v = [...values].sort((a, b) => a - b);
  const pick = (q: number) => v[Math.min(v.length - 1, Math.max(0, Math.ceil(q * v.length) - 1))] ?? NaN;
  return { p50: pick(0.5), p99: pick(0.99), mean: v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN };
}

export type TxProfile = {
  transactions: number;
  /** round trips per transaction (BEGIN and COMMIT included) */
  roundTripsPerTx: number;
  /** mean ms from BEGIN sent to COMMIT answered */
  txMs: number;
  /** ms from sending the statement that locks the hot row to COMMIT answered (includes waiting for the lock) */
  lockHeldMs: Dist;
  /** the locking statement's round trip: waiting for the row lock + executing */
  lockStatementMs: Dist;
  /** from the locking statement's answer to COMMIT answered: what the app adds to the time the lock is held */
  afterLockMs: Dist;
  /** the part of afterLockMs spent in the app before it sends COMMIT */
  appGapAfterLockMs: Dist;
  /** round trips from the locking statement to COMMIT, both included */
  roundTripsWhileLocked: number;
  /** inside the transaction: share of time the connection waited on the app (idle in transaction) */
  appShareInTx: number;
  statementsInTx: string[];
  totalRoundTrips: number;
};

const short = (sql: string) => sql.replace(/\s+/g, " ").trim().slice(0, 70);

/** Transactions and round trips recorded by the proxy. `isLock` tells the statement that locks the hot row. */
export function profileTraces(conns: RoundTrip[][], isLock: (sql: string) => boolean): TxProfile {
  const held: number[] = [];
  const lockStmt: number[] = [];
  const afterLock: number[] = [];
  const gapAfterLock: number[] = [];
  let txCount = 0;
  let txTrips = 0;
  let txMs = 0;
  let lockedTrips = 0;
  let lockedTx = 0;
  let appMs = 0;
  let dbMs = 0;
  let total = 0;
  let example: string[] = [];
  for (const trips of conns) {
    total += trips.length;
    let tx: RoundTrip[] | null = null;
    for (const rt of trips) {
      if (tx === null && rt.txAfter !== "I") tx = [];
      if (tx === null && isLock(rt.sql)) tx = []; // a locking statement on its own is a transaction of one round trip
      if (tx === null) continue;
      tx.push(rt);
      if (rt.txAfter === "I") {
        const first = tx[0]!;
        txCount += 1;
        txTrips += tx.length;
        txMs += rt.readyAt - first.sentAt;
        for (let i = 0; i < tx.length; i++) {
          dbMs += tx[i]!.readyAt - tx[i]!.sentAt;
          if (i > 0) appMs += tx[i]!.sentAt - tx[i - 1]!.readyAt;
        }
        const lockAt = tx.findIndex((r) => isLock(r.sql));
        if (lockAt >= 0) {
          const lock = tx[lockAt]!;
          held.push(rt.readyAt - lock.sentAt);
          lockStmt.push(lock.readyAt - lock.sentAt);
          afterLock.push(rt.readyAt - lock.readyAt);
          gapAfterLock.push((tx[lockAt + 1]?.sentAt ?? lock.readyAt) - lock.readyAt);
          lockedTrips += tx.length - lockAt;
          lockedTx += 1;
          if (example.length === 0 || tx.length > example.length) example = tx.map((r) => short(r.sql));
        }
        tx = null;
      }
    }
  }
  return {
    transactions: txCount,
    roundTripsPerTx: txCount ? txTrips / txCount : NaN,
    txMs: txCount ? txMs / txCount : NaN,
    lockHeldMs: dist(held),
    lockStatementMs: dist(lockStmt),
    afterLockMs: dist(afterLock),
    appGapAfterLockMs: dist(gapAfterLock),
    roundTripsWhileLocked: lockedTx ? lockedTrips / lockedTx : NaN,
    appShareInTx: appMs + dbMs > 0 ? appMs / (appMs + dbMs) : NaN,
    statementsInTx: example,
    totalRoundTrips: total,
  };
}

/** Round trips by statement (first words), most frequent first. */
export function statementCounts(conns: RoundTrip[][]): { sql: string; count: number; meanMs: number }[] {
  const m = new Map<string, { count: number; ms: number }>();
  for (const trips of conns)
    for (const rt of trips) {
      const k = short(rt.sql);
      const e = m.get(k) ?? { count: 0, ms: 0 };
      e.count += 1;
      e.ms += rt.readyAt - rt.sentAt;
      m.set(k, e);
    }
  return [...m].map(([sql, e]) => ({ sql, count: e.count, meanMs: e.ms / e.count })).sort((a, b) => b.count - a.count);
}
