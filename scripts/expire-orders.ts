// `npm run orders:expire`: releases orders still PENDING_PAYMENT after their reservation (cancels the payment at
// the provider, restocks, gives the discount use back, puts the cart back), and purges expired idempotency keys.
// Safe to run anywhere, any number of times at once (FOR UPDATE SKIP LOCKED).
import { checkoutDeps, expireReservations } from "../lib/checkout";
import { disconnectPrisma } from "../lib/db";
import { purgeExpiredIdempotencyKeys } from "../lib/idempotency";
import { closeKv } from "../lib/kv";

const deps = checkoutDeps();
const processed = await expireReservations(deps, { now: new Date(), batch: 100 });
const purged = await purgeExpiredIdempotencyKeys(deps.db);
console.log(JSON.stringify({ msg: "orders expired", processed, purgedIdempotencyKeys: purged }));
await closeKv();
await disconnectPrisma();
