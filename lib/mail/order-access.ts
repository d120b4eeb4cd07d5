import type { Db } from "../db";
import { isUuid, loadOrderRow, orderJson, type OrderView } from "../checkout/order-view";
import { verifyOrderAccessToken } from "./links";

/**
 * The order behind a signed link from an e-mail (`/orders/{id}?access=...`): valid for that order only, 7 days from
 * when the mail was rendered. Null when the link is not valid (the page then falls back to its usual checks).
 */
export async function orderForAccessLink(db: Db, orderId: string, access: unknown, now = new Date()): Promise<OrderView | null> {
  if (!isUuid(orderId) || !verifyOrderAccessToken(access, orderId, now)) return null;
  const row = await loadOrderRow(db, orderId);
  return row ? orderJson(row) : null;
}
