// A Prisma client that counts the raw statements sent through it: for tests that a read is made once, not per request.
import type { PrismaClient } from "@/lib/db";

export function countingRawStatements(client: PrismaClient): { db: PrismaClient; statements: () => number } {
  let n = 0;
  const db = new Proxy(client, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop === "$queryRaw")
        return (...args: unknown[]) => {
          n++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { db, statements: () => n };
}
