import { z } from "zod";

const url = z.url({ protocol: /^https?$/ });

/**
 * The shop's public origin for absolute links (canonical URLs, Open Graph, sitemap, JSON-LD): NEXTAUTH_URL, which
 * the deployment already sets to the public URL (scripts/start.ts defaults it to http://localhost:$PORT).
 */
export function siteUrl(env: Record<string, string | undefined> = process.env): URL {
  const parsed = url.safeParse(env.NEXTAUTH_URL);
  return new URL(parsed.success ? parsed.data : `http://localhost:${env.PORT ?? 3000}`);
}

/** An absolute URL on the shop for a path. */
export const absoluteUrl = (path: string, env?: Record<string, string | undefined>): string => new URL(path, siteUrl(env)).toString();
