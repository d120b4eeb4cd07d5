import { describe, expect, it } from "vitest";
import { restartDelayMs, workerCount } from "@/scripts/cluster";
import { parseEnv } from "@/lib/env";

describe("worker count (WEB_CONCURRENCY)", () => {
  it("is one per core when unset, WEB_CONCURRENCY when set, and 1 in development", () => {
    expect(workerCount(undefined, false, 8)).toBe(8);
    expect(workerCount(undefined, false, 0)).toBe(1);
    expect(workerCount(3, false, 8)).toBe(3);
    expect(workerCount(1, false, 8)).toBe(1);
    expect(workerCount(4, true, 8)).toBe(1);
  });

  it("WEB_CONCURRENCY and MAX_IN_FLIGHT are validated: a bad value names the variable", () => {
    const base = { DATABASE_URL: "postgresql://u@h:5432/d" };
    expect(parseEnv({ ...base, WEB_CONCURRENCY: "4" }).WEB_CONCURRENCY).toBe(4);
    expect(parseEnv(base).WEB_CONCURRENCY).toBeUndefined();
    expect(parseEnv(base).MAX_IN_FLIGHT).toBe(1024);
    for (const bad of ["0", "-1", "two", "1.5"]) expect(() => parseEnv({ ...base, WEB_CONCURRENCY: bad })).toThrow(/WEB_CONCURRENCY/);
    for (const bad of ["0", "lots"]) expect(() => parseEnv({ ...base, MAX_IN_FLIGHT: bad })).toThrow(/MAX_IN_FLIGHT/);
  });
});

describe("restart backoff", () => {
  it("restarts at once after a healthy run, then doubles from 250 ms up to 30 s while a worker keeps dying young", () => {
    expect(restartDelayMs(0)).toBe(0);
    expect([1, 2, 3, 4].map(restartDelayMs)).toEqual([250, 500, 1000, 2000]);
    expect(restartDelayMs(20)).toBe(30_000);
    for (let n = 1; n < 30; n++) expect(restartDelayMs(n + 1)).toBeGreaterThanOrEqual(restartDelayMs(n));
  });
});
