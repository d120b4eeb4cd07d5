import { formatMoney } from "@/lib/money";

/** Formats integer minor units with the currency's own exponent (JPY has none, USD two), with no float math. */
export function formatMinor(amount: number, currency: string): string {
  return formatMoney({ amount, currency });
}

export function Price({ amount, currency, className }: { amount: number; currency: string; className?: string }) {
  return (
    <span className={className ?? "price"} data-amount={amount} data-currency={currency}>
      {formatMoney({ amount, currency })}
    </span>
  );
}
