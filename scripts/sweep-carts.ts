// `npm run carts:sweep`: marks signed-in carts idle for CART_ABANDON_AFTER_DAYS ABANDONED (safe to run anywhere,
// any number of times at once). Guest carts expire in the KV store by themselves.
import { cartService } from "../lib/cart";
import { disconnectPrisma } from "../lib/db";
import { env } from "../lib/env";
import { closeKv } from "../lib/kv";

const processed = await cartService().sweepAbandoned(env().CART_ABANDON_AFTER_DAYS);
console.log(JSON.stringify({ msg: "carts swept", processed }));
await closeKv();
await disconnectPrisma();
