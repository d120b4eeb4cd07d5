import { iso31661, iso31662 } from "iso-3166";
import { z } from "zod";
import { DomainError } from "../errors";

// Shipping addresses (the HTTP contract in docs, "Shop operations: Address").
//
// One schema accepts both forms a cart may hold: the estimate form { country, region?, postalCode, city? } and the
// full address { name, line1, line2?, city, region?, postalCode, country, phone? }. Whatever is given is checked
// the same way, so a made-up region is refused while estimating too: tax is looked up by (country, region), and an
// unknown region silently falling back to "no regional tax" would under-charge. Checkout then needs the full form
// (requireFullAddress).
//
// Countries and subdivisions come from the `iso-3166` package (ISO 3166-1 alpha-2 and ISO 3166-2, maintained).

/** country -> the set of its subdivision codes without the country prefix ("US" -> { "CA", "NY", ... }). */
const SUBDIVISIONS: ReadonlyMap<string, ReadonlySet<string>> = (() => {
  const out = new Map<string, Set<string>>();
  for (const s of iso31662) {
    const [country, ...rest] = s.code.split("-");
    if (!country || rest.length === 0) continue;
    let set = out.get(country);
    if (!set) out.set(country, (set = new Set()));
    set.add(rest.join("-"));
  }
  return out;
})();

const COUNTRIES: ReadonlySet<string> = new Set(iso31661.map((c) => c.alpha2));

/** Countries where a shipping address must name its subdivision (tax differs by state or province). */
export const REGION_REQUIRED: ReadonlySet<string> = new Set(["US", "CA", "AU"]);

export const isCountryCode = (c: string) => COUNTRIES.has(c);

/** True when `region` (the part after "US-") is an ISO 3166-2 subdivision of `country`. */
export function isSubdivisionOf(country: string, region: string): boolean {
  return SUBDIVISIONS.get(country)?.has(region) ?? false;
}

/** Postal code formats, for the countries we check (others: any 1-16 characters). */
const POSTAL_FORMATS: Record<string, { re: RegExp; example: string }> = {
  US: { re: /^\d{5}(-\d{4})?$/, example: "94105 or 94105-1234" },
  CA: { re: /^[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d$/, example: "M5V 2T6" },
  GB: { re: /^([A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}|GIR ?0AA)$/, example: "SW1A 1AA" },
  DE: { re: /^\d{5}$/, example: "10115" },
  FR: { re: /^\d{5}$/, example: "75001" },
  JP: { re: /^\d{3}-?\d{4}$/, example: "100-0001" },
  AU: { re: /^\d{4}$/, example: "2000" },
};

/** The postal-code check for a country: null when it is fine, else the message. */
export function postalCodeProblem(country: string, postalCode: string): string | null {
  const f = POSTAL_FORMATS[country];
  if (!f || f.re.test(postalCode.toUpperCase())) return null;
  return `Enter a valid postal code for ${country}, e.g. ${f.example}.`;
}

const optionalText = (max: number, what: string) =>
  z
    .string()
    .trim()
    .max(max, `${what} can be at most ${max} characters`)
    .optional()
    .nullable()
    .transform((v) => (v ? v : null));

/** The address's fields, each checked on its own (the rules between fields are in shippingAddressSchema). */
export const addressFieldsSchema = z.strictObject({
  country: z
    .string({ error: "Country is required" })
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{2}$/, "Use the two-letter country code, e.g. US")
    .refine(isCountryCode, "Not an ISO 3166-1 country code"),
  region: z
    .string()
    .trim()
    .toUpperCase()
    .max(6, "Use the region code, e.g. CA")
    .optional()
    .nullable()
    .transform((v) => (v ? v : null)),
  postalCode: z.string({ error: "Postal code is required" }).trim().min(1, "Postal code is required").max(16, "Postal code is too long"),
  city: optionalText(100, "City"),
  line1: optionalText(200, "Address line 1"),
  line2: optionalText(200, "Address line 2"),
  name: optionalText(200, "Name"),
  phone: z
    .string()
    .trim()
    .max(32, "Phone can be at most 32 characters")
    .regex(/^[+0-9 ().-]*$/, "Use digits, spaces and + ( ) . - only")
    .optional()
    .nullable()
    .transform((v) => (v ? v : null)),
});

/**
 * An address as a cart or an order holds it: country and postal code always, everything else optional here (see
 * requireFullAddress). Region accepts "CA" or "US-CA" and is stored as "CA"; it must be a subdivision of the country.
 */
export const shippingAddressSchema = addressFieldsSchema.transform((a, ctx) => checkAddress(a, ctx));

type AddressFields = z.output<typeof addressFieldsSchema>;
type IssueSink = { addIssue(issue: { code: "custom"; path: (string | number)[]; message: string }): void };

/** The rules between an address's fields (region of its country, postal code format), as issues on their fields. */
function checkAddress(a: AddressFields, ctx: IssueSink): AddressFields {
  let region = a.region;
  if (region && region.startsWith(`${a.country}-`)) region = region.slice(a.country.length + 1);
  if (region && !isSubdivisionOf(a.country, region))
    ctx.addIssue({ code: "custom", path: ["region"], message: `${region} is not a state, province or region of ${a.country}` });
  const postal = postalCodeProblem(a.country, a.postalCode);
  if (postal) ctx.addIssue({ code: "custom", path: ["postalCode"], message: postal });
  return { ...a, region, postalCode: POSTAL_FORMATS[a.country] ? a.postalCode.toUpperCase() : a.postalCode };
}

/**
 * checkAddress plus checkout's rule (missingAddressFields), each problem on its own field: what an address must be
 * to ship to, for a transform over address fields that carry more keys (the address book's label, isDefault).
 */
export function completeAddress(a: AddressFields, ctx: IssueSink): FullAddress {
  const out = checkAddress(a, ctx);
  for (const [field, messages] of Object.entries(missingAddressFields(out))) ctx.addIssue({ code: "custom", path: [field], message: messages[0]! });
  return out as FullAddress;
}

/** A complete address (name, line1, city; a region in US, CA, AU), with field errors at the field's own name. */
export const fullAddressSchema = addressFieldsSchema.transform((a, ctx) => completeAddress(a, ctx));

export type ShippingAddressInput = z.input<typeof shippingAddressSchema>;

const storedText = z.string().nullable().optional();

/** The stored address, as carts and orders answer it. Estimates may lack name, line1 and city; an order's address never does. */
export const addressSchema = z
  .object({
    country: z.string().regex(/^[A-Z]{2}$/).describe("ISO 3166-1 alpha-2"),
    region: storedText.describe('ISO 3166-2 subdivision code without the country ("CA"); required at checkout for US, CA and AU'),
    postalCode: z.string(),
    city: storedText,
    line1: storedText,
    line2: storedText,
    name: storedText,
    phone: storedText,
  })
  .meta({ id: "ShippingAddress", description: "An estimate needs country and postal code; checkout needs name, line1 and city too (and region in US, CA, AU)" });
export type Address = z.output<typeof addressSchema>;

/** The address checkout needs: name, line1, city always; a region in US, CA and AU. */
export type FullAddress = Address & { name: string; line1: string; city: string };

/** The missing fields of an address that checkout needs, as field errors under `prefix` ("shippingAddress."). */
export function missingAddressFields(a: Address, prefix = ""): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (!a.name) out[`${prefix}name`] = ["Enter the recipient's name"];
  if (!a.line1) out[`${prefix}line1`] = ["Enter the street address"];
  if (!a.city) out[`${prefix}city`] = ["Enter the city"];
  if (REGION_REQUIRED.has(a.country) && !a.region) out[`${prefix}region`] = [`Enter the state, province or territory (required for ${a.country})`];
  return out;
}

/**
 * Checkout's rule: a full address, else 400 validation_failed with details.fieldErrors["shippingAddress.<field>"].
 * The address is checked again (it may come from a cart saved before these rules), so a region that is not a
 * subdivision of its country never reaches pricing.
 */
export function requireFullAddress(a: Address | null | undefined): FullAddress {
  if (!a) {
    const message = "A shipping address is required to check out.";
    throw new DomainError("validation_failed", message, { fieldErrors: { shippingAddress: [message] } });
  }
  const parsed = shippingAddressSchema.safeParse(a);
  const fieldErrors: Record<string, string[]> = {};
  if (!parsed.success)
    for (const issue of parsed.error.issues) (fieldErrors[`shippingAddress.${issue.path.join(".")}`] ??= []).push(issue.message);
  Object.assign(fieldErrors, missingAddressFields(parsed.success ? parsed.data : a, "shippingAddress."));
  if (Object.keys(fieldErrors).length > 0 || !parsed.success)
    throw new DomainError("validation_failed", "Please complete the shipping address.", { fieldErrors });
  return parsed.data as FullAddress;
}
