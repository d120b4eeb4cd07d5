import { z } from "zod";
import { badCursor, cursorCodec } from "../http/cursor";

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

const codec = cursorCodec(payload);

export function encodeCursor(key: CursorKey): string {
  return codec.encode({ v: 1, s: key.mode, k: key.k1.toString(), i: key.k2 });
}

/** The key a cursor holds; a cursor made for another sort order is refused (its keys mean something else). */
export function decodeCursor(cursor: string, mode: SortMode): CursorKey {
  const key = codec.decode(cursor);
  const k1 = BigInt(key.k);
  // the keys are bigint columns in the query: anything outside that range could not have come from it
  if (k1 > 9223372036854775807n || k1 < -9223372036854775808n) throw badCursor("Not a cursor from this list");
  if (key.s !== mode) throw badCursor("The cursor belongs to another sort order; start again without it");
  return { mode: key.s, k1, k2: key.i };
}
