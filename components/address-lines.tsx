import type { Address } from "@/lib/address";
import { COUNTRIES } from "./countries";

const countryName = (code: string) => COUNTRIES.find(([c]) => c === code)?.[1] ?? code;

/** An address as lines on a label: the address book, checkout's picker and the order page show it the same way. */
export function addressLines(a: Address): string[] {
  return [
    a.name ?? "",
    [a.line1, a.line2].filter(Boolean).join(", "),
    [a.city, [a.region, a.postalCode].filter(Boolean).join(" ")].filter(Boolean).join(", "),
    countryName(a.country),
    a.phone ?? "",
  ].filter((l) => l.trim() !== "");
}

export function AddressLines({ address, testId }: { address: Address; testId?: string }) {
  return (
    <address className="address-lines" data-testid={testId}>
      {addressLines(address).map((l, i) => (
        <span key={i}>{l}</span>
      ))}
    </address>
  );
}
