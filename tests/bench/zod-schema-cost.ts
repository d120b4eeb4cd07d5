// The add-to-cart route builds its body schema per request (`addItemSchema(max)` in lib/cart/schemas.ts, called in
// app/api/carts/[cartId]/items/route.ts). Zod compiles an object schema the first time it parses with it, so a new
// schema per request pays that every time. Measured here in isolation, next to parsing with one reused schema.
import { readFileSync } from "node:fs";
import { addItemSchema } from "../../lib/cart/schemas";

/** perRequest: the route (as it is now) calls addItemSchema(...) inside its handler, i.e. once per request */
export type SchemaCost = { freshUs: number; reusedUs: number; perRequest: boolean };

const ROUTE = "app/api/carts/[cartId]/items/route.ts";

function routeBuildsPerRequest(): boolean {
  try {
    const src = readFileSync(ROUTE, "utf8");
    const handler = src.slice(src.indexOf("export const POST"));
    return /addItemSchema\(/.test(handler);
  } catch {
    return false;
  }
}

export function zodSchemaCost(n = 5000): SchemaCost {
  const body = { variantId: 12, quantity: 1 };
  const time = (parse: () => unknown) => {
    for (let i = 0; i < 200; i++) parse(); // warm-up
    const t0 = performance.now();
    for (let i = 0; i < n; i++) parse();
    return ((performance.now() - t0) * 1000) / n;
  };
  const reused = addItemSchema(99);
  return { freshUs: time(() => addItemSchema(99).parse(body)), reusedUs: time(() => reused.parse(body)), perRequest: routeBuildsPerRequest() };
}
