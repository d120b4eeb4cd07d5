import { z } from "zod";
import { DomainError } from "../errors";

// Keyset paging cursors, one codec for every list (catalog, order desk): opaque to clients (base64url JSON of the
// last row's sort key and id), checked against the list's own zod schema when they come back, so a cursor that was
// not made by that list is 400 validation_failed on `cursor`, never a query error.

export const badCursor = (why: string) => new DomainError("validation_failed", "The cursor is not valid.", { fieldErrors: { cursor: [why] } });

export type CursorCodec<T> = { encode: (key: T) => string; decode: (cursor: string) => T };

export function cursorCodec<S extends z.ZodType>(schema: S): CursorCodec<z.output<S>> {
  return {
    encode: (key) => Buffer.from(JSON.stringify(key), "utf8").toString("base64url"),
    decode: (cursor) => {
      if (cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw badCursor("Not a cursor from this list");
      let json: unknown;
      try {
        json = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
      } catch {
        throw badCursor("Not a cursor from this list");
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) throw badCursor("Not a cursor from this list");
      return parsed.data;
    },
  };
}


