import { describe, expect, it } from "vitest";
import { serverNodeOptions, YOUNG_GENERATION_FLAG } from "@/scripts/node-options";

describe("the server's NODE_OPTIONS", () => {
  it("adds the young-generation size to whatever is there", () => {
    expect(serverNodeOptions(undefined)).toBe(YOUNG_GENERATION_FLAG);
    expect(serverNodeOptions("")).toBe(YOUNG_GENERATION_FLAG);
    expect(serverNodeOptions(" --enable-source-maps ")).toBe(`--enable-source-maps ${YOUNG_GENERATION_FLAG}`);
  });

  it("keeps a young-generation size the operator set", () => {
    expect(serverNodeOptions("--max-semi-space-size=16")).toBe("--max-semi-space-size=16");
    expect(serverNodeOptions("--max-old-space-size=2048 --max-semi-space-size=32")).toBe("--max-old-space-size=2048 --max-semi-space-size=32");
  });
});
