import { z } from "zod";
import type { KvStore } from "../kv";
import type { CappedLine } from "./mutations";

// The "some quantities were reduced" notice a merge at sign-in leaves for the cart page: kept in the KV store for
// ten minutes and shown once. Losing it (the store unreachable) loses a courtesy, never a line: both never throw.

const NOTICE_TTL_SECONDS = 600;
const noticeKey = (userId: string) => `merge-notice:${userId}`;

const noticeSchema = z.array(z.object({ name: z.string(), requested: z.number().int(), kept: z.number().int() }));
export type MergeNotice = z.output<typeof noticeSchema>;

/** Leaves the notice for these capped lines (nothing when none was capped). */
export async function keepMergeNotice(kv: KvStore, userId: string, capped: readonly CappedLine[]): Promise<void> {
  if (capped.length === 0) return;
  const notice: MergeNotice = capped.map(({ name, requested, kept }) => ({ name, requested, kept }));
  await kv.set(noticeKey(userId), JSON.stringify(notice), { ttlSeconds: NOTICE_TTL_SECONDS }).catch(() => {});
}

/** The notice left for this user, once: it is gone after this read. Empty when there is none (or it is unreadable). */
export async function takeMergeNotice(kv: KvStore, userId: string): Promise<MergeNotice> {
  try {
    const raw = await kv.get(noticeKey(userId));
    if (!raw) return [];
    await kv.delete(noticeKey(userId));
    const parsed = noticeSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}
