import { z } from "zod";
import { DomainError } from "../errors";

// The listing's paging cursor: opaque to clients, but only an encoding of the last row's sort key and its id, so a
// page boundary never moves when rows before it change (keyset paging, no OFFSET). Every sort is expressed as two
// integer keys ordered ascending (descending sorts negate theirs), so the cursor is exact: no float ever crosses it.

export const SORT_MODES = ["default", "relevance", "price_asc", "price_desc", "newest"] as const;
export type SortMode = (typeof SORT_MODES)[number];

export type CursorKey = { mode: SortMode; k1: bigint; k2: number };

const INT_TEXT = /^-?\d{1,19}$/;
const payload = z.object({
  v: z.literal(1),
  s: z.enum(SORT_MODES),
  k: z.string().regex(INT_TEXT),
  i: z.number().int().min(-2147483648).max(2147483647),
});

const badCursor = (why: string) =>
  new DomainError("validation_failed", "The cursor is not valid.", { fieldErrors: { cursor: [why] } });

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify({ v: 1, s: key.mode, k: key.k1.toString(), i: key.k2 }), "utf8").toString("base64url");
}

/** The key a cursor holds; a cursor made for another sort order is refused (its keys mean something else). */
export function decodeCursor(cursor: string, mode: SortMode): CursorKey {
  if (cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw badCursor("Not a cursor from this API");
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw badCursor("Not a cursor from this API");
  }
  const parsed = payload.safeParse(json);
  if (!parsed.success) throw badCursor("Not a cursor from this API");
  const k1 = BigInt(parsed.data.k);
  // the keys are bigint columns in the query: anything outside that range could not have come from it
  if (k1 > 9223372036854775807n || k1 < -9223372036854775808n) throw badCursor("Not a cursor from this API");
  if (parsed.data.s !== mode) throw badCursor("The cursor belongs to another sort order; start again without it");
  return { mode: parsed.data.s, k1, k2: parsed.data.i };
}
