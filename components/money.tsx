/** Formats integer minor units with the currency's own exponent (JPY has none, USD two). */
export function formatMinor(amount: number, currency: string, locale = "en-US"): string {
  const nf = new Intl.NumberFormat(locale, { style: "currency", currency });
  const exponent = nf.resolvedOptions().maximumFractionDigits ?? 2;
  // Intl needs a number in major units; dividing an exact integer by a power of ten for display only.
  return nf.format(amount / 10 ** exponent);
}

export function Price({ amount, currency, className }: { amount: number; currency: string; className?: string }) {
  return (
    <span className={className ?? "price"} data-amount={amount} data-currency={currency}>
      {formatMinor(amount, currency)}
    </span>
  );
}
