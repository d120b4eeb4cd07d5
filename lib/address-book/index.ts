import { z } from "zod";
import { addressFieldsSchema, completeAddress, fullAddressSchema, type Address, type FullAddress } from "../address";
import type { Db, PrismaClient } from "../db";
import { DomainError, notFound, validationError } from "../errors";
import { isoDateTimeSchema } from "../money/schema";

// The address book of a signed-in shopper: saved full addresses (lib/address's type and rules, nothing of its own
// but a label), one of them the default.
//
// Rules, and where each is enforced:
//   - at most one default per user: the partial unique index saved_addresses_one_default_per_user;
//   - while a user has addresses, exactly one is the default: the first address becomes it, a default cannot be
//     unset (make another one the default instead), and deleting the default promotes the most recently created
//     of the others;
//   - at most ADDRESS_BOOK_LIMIT addresses per user.
// Every change runs in one transaction that first locks the user's row (FOR NO KEY UPDATE: it serialises the
// address book's writers without blocking the foreign-key checks of carts, orders and sessions), so the count and
// the default are read and written with no other writer of that book in between, whatever runs at once.

export const ADDRESS_BOOK_LIMIT = 20;
export const LABEL_MAX_LENGTH = 60;

const ADDRESS_KEYS = ["name", "line1", "line2", "city", "region", "postalCode", "country", "phone"] as const;

const labelSchema = z
  .string({ error: "The label must be text" })
  .trim()
  .max(LABEL_MAX_LENGTH, `The label can be at most ${LABEL_MAX_LENGTH} characters`)
  .optional()
  .nullable()
  .transform((v) => (v ? v : null));

/** POST /api/account/addresses and the add form: a complete address, an optional label, isDefault. */
export const createAddressSchema = z
  .strictObject({ ...addressFieldsSchema.shape, label: labelSchema, isDefault: z.boolean({ error: "isDefault must be true or false" }).optional() })
  .transform(({ label, isDefault, ...fields }, ctx) => ({ address: completeAddress(fields, ctx), label, isDefault: isDefault ?? false }));

/**
 * PATCH /api/account/addresses/{id} and the edit form: any of the fields (null clears an optional one). The result,
 * merged with what is stored, must still be a complete address. `isDefault: true` makes it the default;
 * `isDefault: false` on the default is 409 conflict (a book with addresses always has a default).
 */
export const patchAddressSchema = z.strictObject({
  ...addressFieldsSchema.partial().shape,
  label: labelSchema,
  isDefault: z.boolean({ error: "isDefault must be true or false" }).optional(),
});

export const addressIdSchema = z.uuid("Not an address id");

export type CreateAddressInput = z.input<typeof createAddressSchema>;
export type PatchAddressInput = z.input<typeof patchAddressSchema>;

/** A saved address as the API and the pages show it (GET/POST/PATCH /api/account/addresses). */
export const savedAddressSchema = z
  .object({
    id: z.uuid(),
    label: z.string().nullable().describe('The shopper\'s name for it ("Home")'),
    name: z.string(),
    line1: z.string(),
    line2: z.string().nullable(),
    city: z.string(),
    region: z.string().nullable().describe('ISO 3166-2 subdivision code without the country ("CA")'),
    postalCode: z.string(),
    country: z.string().regex(/^[A-Z]{2}$/).describe("ISO 3166-1 alpha-2"),
    phone: z.string().nullable(),
    isDefault: z.boolean().describe("Exactly one address of a non-empty book is the default"),
    createdAt: isoDateTimeSchema,
    updatedAt: isoDateTimeSchema,
  })
  .meta({ id: "SavedAddress", description: "A saved address of the signed-in shopper's address book" });
export type SavedAddressView = z.output<typeof savedAddressSchema>;

type Row = {
  id: string;
  label: string | null;
  name: string;
  line1: string;
  line2: string | null;
  city: string;
  region: string | null;
  postalCode: string;
  country: string;
  phone: string | null;
  isDefault: boolean;
  createdAt: Date;
  updatedAt: Date;
};

function view(r: Row): SavedAddressView {
  return {
    id: r.id,
    label: r.label,
    name: r.name,
    line1: r.line1,
    line2: r.line2,
    city: r.city,
    region: r.region,
    postalCode: r.postalCode,
    country: r.country.trim(),
    phone: r.phone,
    isDefault: r.isDefault,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

/** The address part of a saved address, in lib/address's shape (what a cart or an order holds). */
export function addressOf(a: SavedAddressView): FullAddress {
  return { name: a.name, line1: a.line1, line2: a.line2, city: a.city, region: a.region, postalCode: a.postalCode, country: a.country, phone: a.phone };
}

/** The stored columns of an address (optional fields as null). */
function columnsOf(a: FullAddress) {
  return { name: a.name, line1: a.line1, line2: a.line2 ?? null, city: a.city, region: a.region ?? null, postalCode: a.postalCode, country: a.country, phone: a.phone ?? null };
}

/** Newest first, the default before all. */
const ORDER = [{ isDefault: "desc" as const }, { createdAt: "desc" as const }, { id: "desc" as const }];

export async function listAddresses(db: Db, userId: string): Promise<SavedAddressView[]> {
  const rows = await db.savedAddress.findMany({ where: { userId }, orderBy: ORDER });
  return rows.map(view);
}

/** One of the user's addresses; another user's (or none) is 404 not_found, so an id never tells that it exists. */
export async function getAddress(db: Db, userId: string, id: unknown): Promise<SavedAddressView> {
  const parsed = addressIdSchema.safeParse(id);
  if (!parsed.success) throw notFound("The address");
  const row = await db.savedAddress.findFirst({ where: { id: parsed.data, userId } });
  if (!row) throw notFound("The address");
  return view(row);
}

type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

/** Runs `fn` with the user's row locked: the one writer of this address book at a time. */
async function withBookLocked<T>(db: PrismaClient, userId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.$transaction(
    async (tx) => {
      const user = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM users WHERE id = ${userId}::uuid FOR NO KEY UPDATE`;
      if (user.length === 0) throw new DomainError("unauthorized", "Please sign in.");
      return fn(tx);
    },
    // writers of one book queue on its row lock: let them wait their turn rather than give up at the default 2 s
    { maxWait: 10_000, timeout: 10_000 },
  );
}

const limitReached = () =>
  new DomainError("conflict", `Your address book is full (${ADDRESS_BOOK_LIMIT} addresses). Delete one to add another.`, { limit: ADDRESS_BOOK_LIMIT });

async function insert(tx: Tx, userId: string, address: FullAddress, label: string | null, wantDefault: boolean): Promise<SavedAddressView> {
  const count = await tx.savedAddress.count({ where: { userId } });
  if (count >= ADDRESS_BOOK_LIMIT) throw limitReached();
  // the first address is the default, whatever was asked
  const isDefault = count === 0 || wantDefault;
  if (isDefault) await tx.savedAddress.updateMany({ where: { userId, isDefault: true }, data: { isDefault: false } });
  return view(await tx.savedAddress.create({ data: { userId, label, isDefault, ...columnsOf(address) } }));
}

/** Saves a new address (400 validation_failed on its fields; 409 conflict when the book holds ADDRESS_BOOK_LIMIT). */
export async function createAddress(db: PrismaClient, userId: string, input: unknown): Promise<SavedAddressView> {
  const parsed = createAddressSchema.safeParse(input);
  if (!parsed.success) throw validationError(parsed.error, "Please check the address.");
  const { address, label, isDefault } = parsed.data;
  return withBookLocked(db, userId, (tx) => insert(tx, userId, address, label, isDefault));
}

/**
 * Changes some fields of one address, and/or makes it the default. The merged address is checked as a whole: a
 * new country with the old region that is not one of its subdivisions is 400 on `region`.
 */
export async function updateAddress(db: PrismaClient, userId: string, id: unknown, input: unknown): Promise<SavedAddressView> {
  const parsed = patchAddressSchema.safeParse(input);
  if (!parsed.success) throw validationError(parsed.error, "Please check the address.");
  const patch = parsed.data;
  const given = new Set(Object.keys(input as object));
  return withBookLocked(db, userId, async (tx) => {
    const current = await getAddress(tx, userId, id);
    const merged: Record<string, unknown> = {};
    for (const k of ADDRESS_KEYS) merged[k] = given.has(k) ? patch[k] : current[k];
    const full = fullAddressSchema.safeParse(merged);
    if (!full.success) throw validationError(full.error, "Please check the address.");
    if (patch.isDefault === false && current.isDefault)
      throw new DomainError("conflict", "This is your default address: make another address the default instead.", {
        fieldErrors: { isDefault: ["Make another address the default instead"] },
      });
    if (patch.isDefault === true && !current.isDefault)
      await tx.savedAddress.updateMany({ where: { userId, isDefault: true }, data: { isDefault: false } });
    const row = await tx.savedAddress.update({
      where: { id: current.id },
      data: {
        ...columnsOf(full.data),
        ...(given.has("label") ? { label: patch.label } : {}),
        ...(patch.isDefault === true ? { isDefault: true } : {}),
      },
    });
    return view(row);
  });
}

/** Makes one address the default (the one before it stops being it). */
export async function setDefaultAddress(db: PrismaClient, userId: string, id: unknown): Promise<SavedAddressView> {
  return updateAddress(db, userId, id, { isDefault: true });
}

/**
 * Deletes one address. When it was the default, the most recently created of the others becomes the default; the
 * promoted address is returned (null when none is left or the deleted one was not the default).
 */
export async function deleteAddress(db: PrismaClient, userId: string, id: unknown): Promise<{ promoted: SavedAddressView | null }> {
  return withBookLocked(db, userId, async (tx) => {
    const current = await getAddress(tx, userId, id);
    await tx.savedAddress.delete({ where: { id: current.id } });
    if (!current.isDefault) return { promoted: null };
    const next = await tx.savedAddress.findFirst({ where: { userId }, orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
    if (!next) return { promoted: null };
    return { promoted: view(await tx.savedAddress.update({ where: { id: next.id }, data: { isDefault: true } })) };
  });
}

const same = (a: string | null | undefined, b: string | null | undefined) => (a ?? "").trim().toLowerCase() === (b ?? "").trim().toLowerCase();

/** True when two addresses are the same place and recipient (case and blank optional fields aside). */
export function sameAddress(a: Address, b: Address): boolean {
  return ADDRESS_KEYS.every((k) => same(a[k], b[k]));
}

/**
 * Checkout's "save this address to my address book": saves the address unless the book already holds the same
 * one, so a retried order never saves it twice. 409 conflict when the book is full (the caller decides whether
 * that matters: an order is placed either way).
 */
export async function rememberAddress(db: PrismaClient, userId: string, address: Address): Promise<{ address: SavedAddressView; created: boolean }> {
  const parsed = fullAddressSchema.safeParse(address);
  if (!parsed.success) throw validationError(parsed.error, "Please check the address.");
  return withBookLocked(db, userId, async (tx) => {
    const existing = (await tx.savedAddress.findMany({ where: { userId }, orderBy: ORDER })).map(view);
    const found = existing.find((a) => sameAddress(a, parsed.data));
    if (found) return { address: found, created: false };
    return { address: await insert(tx, userId, parsed.data, null, false), created: true };
  });
}

/** The saved address that is the same as `address`, if any (checkout preselects it). */
export function findSame(addresses: SavedAddressView[], address: Address | null | undefined): SavedAddressView | null {
  if (!address) return null;
  return addresses.find((a) => sameAddress(a, address)) ?? null;
}

/** What shipToSavedAddress needs of the cart service: the one way a cart's address changes. */
type CartAddressSetter = {
  setShippingAddress(cartId: string, actor: { userId: string | null }, address: Address): Promise<unknown>;
};

/**
 * Puts one of the user's saved addresses on their cart (so the cart is priced with it), unless the cart already
 * holds the same address. Another account's address is 404 not_found, like one that does not exist.
 */
export async function shipToSavedAddress(
  db: Db,
  carts: CartAddressSetter,
  userId: string,
  cart: { id: string; shippingAddress: Address | null },
  addressId: string,
): Promise<void> {
  const saved = addressOf(await getAddress(db, userId, addressId));
  if (cart.shippingAddress && sameAddress(cart.shippingAddress, saved)) return;
  await carts.setShippingAddress(cart.id, { userId }, saved);
}
