"use client";

import { useRouter } from "next/navigation";
import { useEffect } from "react";

/** While an order waits for its payment (a Stripe webhook may be on its way), refreshes the page every 2 s. */
export function OrderStatusPoller({ orderId, pending }: { orderId: string; pending: boolean }) {
  const router = useRouter();
  useEffect(() => {
    if (!pending) return;
    let stopped = false;
    const timer = setInterval(async () => {
      const res = await fetch(`/api/orders/${orderId}`, { cache: "no-store" }).catch(() => null);
      if (!res?.ok || stopped) return;
      const { order } = (await res.json()) as { order: { status: string } };
      if (order.status !== "PENDING_PAYMENT") router.refresh();
    }, 2000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [orderId, pending, router]);
  return null;
}
