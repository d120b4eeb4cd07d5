import type { DiscountJson } from "@/lib/admin/discounts";
import { formatMoney } from "@/lib/money";

// How the admin pages describe a discount in words. Percents come from the API as numbers like 12.5.

const percent = (p: number) => `${p}%`;

/** "15%", "$5.00", "Free shipping", "Buy 2 get 1 free", "Buy 3 get 1 at 50% off". */
export function describeValue(d: Pick<DiscountJson, "type" | "value" | "currency" | "buyQuantity" | "getQuantity" | "maxApplications">): string {
  switch (d.type) {
    case "PERCENTAGE":
      return `${percent(d.value)} off`;
    case "FIXED_AMOUNT":
      return d.currency ? `${formatMoney({ amount: d.value, currency: d.currency })} off` : `${d.value} off`;
    case "FREE_SHIPPING":
      return "Free shipping";
    case "BUY_X_GET_Y": {
      const deal = `Buy ${d.buyQuantity ?? "?"} get ${d.getQuantity ?? "?"} ${d.value === 100 ? "free" : `at ${percent(d.value)} off`}`;
      return d.maxApplications ? `${deal} (up to ${d.maxApplications}× per order)` : deal;
    }
  }
}

export const TYPE_LABELS: Record<DiscountJson["type"], string> = {
  PERCENTAGE: "Percentage",
  FIXED_AMOUNT: "Fixed amount",
  FREE_SHIPPING: "Free shipping",
  BUY_X_GET_Y: "Buy X get Y",
};

const dateFormat = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
const when = (iso: string) => `${dateFormat.format(new Date(iso))} UTC`;

/** "Always", "From …", "Until …", "… – …" (the end is exclusive). */
export function describeWindow(d: Pick<DiscountJson, "validFrom" | "validUntil">): string {
  if (d.validFrom && d.validUntil) return `${when(d.validFrom)} – ${when(d.validUntil)}`;
  if (d.validFrom) return `From ${when(d.validFrom)}`;
  if (d.validUntil) return `Until ${when(d.validUntil)}`;
  return "Always";
}

/** "3 / 100", "0 / no limit". */
export function describeUsage(d: Pick<DiscountJson, "usesCount" | "maxUses">): string {
  return `${d.usesCount} / ${d.maxUses ?? "no limit"}`;
}

export function StatusPill({ status }: { status: DiscountJson["status"] }) {
  return (
    <span className={`status-pill status-${status}`} data-testid="discount-status">
      {status.charAt(0).toUpperCase() + status.slice(1)}
    </span>
  );
}
