// The streak's count of 5xx answers is read back from the bench's invariant lines: every shape they come in counts.
import { describe, expect, it } from "vitest";
import { fiveXxOf } from "../bench/streak";

describe("fiveXxOf", () => {
  it("counts 5xx statuses in a status map, and nothing else", () => {
    expect(fiveXxOf([{ name: "baseline: 5xx", ok: true, detail: '{"200":8598}; connection errors 0' }])).toBe(0);
    expect(fiveXxOf([{ name: "add-to-cart, 1 worker: 5xx", ok: false, detail: '{"201":7200,"503":12,"500":1}; connection errors 0' }])).toBe(13);
  });

  it("counts the other shapes: a bare count, `5xx N`, `N 5xx`", () => {
    expect(
      fiveXxOf([
        { name: "sell-out: 5xx", ok: false, detail: "3" },
        { name: "CPU bursts: every checkout placed", ok: false, detail: "399 of 400; 5xx 1; other {} | 400 of 400; 5xx 0; other {}" },
        { name: "sell-out on 2 workers: 500 placed, no 5xx", ok: false, detail: "498 placed, 500 insufficient, 2 5xx, other {}; connection errors 0" },
      ]),
    ).toBe(6);
  });

  it("ignores invariants that are not about 5xx", () => {
    expect(fiveXxOf([{ name: "sell-out: orders in the database", ok: true, detail: "500 (expected 500)" }])).toBe(0);
  });
});
