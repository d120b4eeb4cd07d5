"use client";

import Link from "next/link";
import { createContext, useContext, useOptimistic, type ReactNode } from "react";

type CartCount = { count: number; addOptimistic: (delta: number) => void };
const Ctx = createContext<CartCount>({ count: 0, addOptimistic: () => {} });

/** Holds the header's item count; an add-to-cart bumps it at once (optimistic) until the server's answer arrives. */
export function CartCountProvider({ count, children }: { count: number; children: ReactNode }) {
  const [optimistic, addOptimistic] = useOptimistic(count, (current: number, delta: number) => Math.max(0, current + delta));
  return <Ctx.Provider value={{ count: optimistic, addOptimistic }}>{children}</Ctx.Provider>;
}

export function useCartCount(): CartCount {
  return useContext(Ctx);
}

export function CartLink() {
  const { count } = useCartCount();
  return (
    <Link href="/cart" className="cart-link" aria-label={`Cart, ${count} item${count === 1 ? "" : "s"}`}>
      Cart <span className="cart-count" data-testid="cart-count">{count}</span>
    </Link>
  );
}
