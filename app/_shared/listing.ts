import { cookies } from "next/headers";
import { env } from "@/lib/env";

export type SearchParams = Record<string, string | string[] | undefined>;

export const firstParam = (sp: SearchParams, key: string): string | undefined => {
  const v = sp[key];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * The currency a listing shows: the `currency` query parameter, else a `currency` cookie, else DEFAULT_CURRENCY.
 * Only a currency the catalog is priced in counts; anything else falls back to the default.
 */
export async function shopperCurrency(sp: SearchParams, available: string[]): Promise<string> {
  const fallback = env().DEFAULT_CURRENCY;
  const candidates = [firstParam(sp, "currency"), (await cookies()).get("currency")?.value];
  for (const c of candidates) {
    const code = c?.toUpperCase();
    if (code && available.includes(code)) return code;
  }
  return fallback;
}

/** A listing URL with these parameters (empty values dropped). */
export function listingHref(path: string, params: Record<string, string | undefined>): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") qs.set(k, v);
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}
