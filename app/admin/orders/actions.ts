"use server";

import { randomUUID } from "node:crypto";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { adminActor } from "@/app/_shared/admin";
import { checkoutDeps } from "@/lib/checkout";
import { prisma } from "@/lib/db";
import { toErrorResponse } from "@/lib/errors";
import { parseWith } from "@/lib/http/handler";
import {
  cancelBodySchema,
  cancelOrderByAdmin,
  fulfillmentBodySchema,
  fulfillOrder,
  orderIdSchema,
  refundBodySchema,
  refundOrder,
} from "@/lib/orders";

// The order page's forms (plain <form action>: they work without JavaScript). Each answers by redirecting back to the
// order with a message, so a reload never repeats the change (a refund form also carries its own idempotency key).

const text = (f: FormData, k: string) => {
  const v = f.get(k);
  return typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
};

/** items from fields "qty:<itemId>" with a positive number; none -> undefined (= everything). */
function itemsOf(f: FormData): { itemId: string; quantity: number }[] | undefined {
  const items: { itemId: string; quantity: number }[] = [];
  for (const [k, v] of f.entries())
    if (k.startsWith("qty:") && typeof v === "string" && v.trim() !== "" && Number(v) > 0) items.push({ itemId: k.slice(4), quantity: Number(v) });
  return items.length ? items : undefined;
}

async function run(orderId: unknown, done: string, fn: (id: string, actor: string) => Promise<unknown>): Promise<never> {
  const id = parseWith(orderIdSchema, orderId);
  let to: string;
  try {
    const actor = await adminActor();
    await fn(id, actor);
    to = `/admin/orders/${id}?done=${done}`;
  } catch (e) {
    const { body } = toErrorResponse(e);
    const fields = body.error.details?.fieldErrors as Record<string, string[]> | undefined;
    const detail = fields ? Object.values(fields).flat()[0] : undefined;
    to = `/admin/orders/${id}?${new URLSearchParams({ error: detail ? `${body.error.message} ${detail}` : body.error.message })}`;
  }
  revalidatePath("/admin/orders", "layout");
  redirect(to);
}

export async function shipAction(form: FormData): Promise<void> {
  await run(form.get("orderId"), "shipped", (id, actor) => {
    const body = { carrier: text(form, "carrier"), trackingNumber: text(form, "trackingNumber"), items: itemsOf(form) };
    return fulfillOrder({ db: prisma() }, id, parseWith(fulfillmentBodySchema, body), actor);
  });
}

export async function refundAction(form: FormData): Promise<void> {
  await run(form.get("orderId"), "refunded", (id, actor) => {
    const body = {
      items: itemsOf(form),
      shipping: form.get("shipping") === "on" ? true : undefined,
      restock: form.get("restock") === "on",
      reason: text(form, "reason"),
    };
    const key = text(form, "idempotencyKey") ?? randomUUID();
    return refundOrder(checkoutDeps(), { orderId: id, idempotencyKey: key, body: parseWith(refundBodySchema, body), actor });
  });
}

export async function cancelAction(form: FormData): Promise<void> {
  await run(form.get("orderId"), "cancelled", (id, actor) =>
    cancelOrderByAdmin(checkoutDeps(), id, parseWith(cancelBodySchema, { restock: form.get("restock") !== "off" }), actor),
  );
}
