// The streak's count of 5xx answers: the sum of the per-scenario counts a bench run writes, and "none written" is not 0.
import { describe, expect, it } from "vitest";
import { fiveXxTotal } from "../bench/streak";

describe("fiveXxTotal", () => {
  it("adds up every scenario's 5xx answers", () => {
    expect(fiveXxTotal({ baseline: 0, "sell-out": 0 })).toBe(0);
    expect(fiveXxTotal({ baseline: 0, "add-to-cart, 1 worker": 13, "sell-out": 2, sustained: 1 })).toBe(16);
  });

  it("is null, not 0, for a run that wrote no counts (it failed early, or is older than the counts)", () => {
    expect(fiveXxTotal(undefined)).toBeNull();
    expect(fiveXxTotal({})).toBeNull();
  });
});
