import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerUser } from "@/lib/accounts";
import {
  ADDRESS_BOOK_LIMIT,
  createAddress,
  deleteAddress,
  getAddress,
  listAddresses,
  rememberAddress,
  setDefaultAddress,
  updateAddress,
} from "@/lib/address-book";
import { createPrismaClient, type PrismaClient } from "@/lib/db";
import { DomainError } from "@/lib/errors";

// The address book (lib/address-book) on the real database: CRUD, ownership, validation through lib/address, the
// default rule, and races on one user's book (the user row lock and the one-default partial unique index).

let db: PrismaClient;
beforeAll(() => {
  db = createPrismaClient(process.env.DATABASE_URL!, 20);
});
afterAll(async () => {
  await db.$disconnect();
});

async function newUser(tag: string) {
  return registerUser(db, { email: `${tag}-${randomBytes(5).toString("hex")}@example.test`, password: "address-book-password-1" });
}

const HOME = { name: "Ann Lee", line1: "350 5th Ave", city: "New York", region: "NY", postalCode: "10001", country: "US" };
const WORK = { name: "Ann Lee", line1: "1 Market St", line2: "Floor 3", city: "San Francisco", region: "CA", postalCode: "94105", country: "US", phone: "+1 415 555 0100" };
const at = (i: number) => ({ ...HOME, line1: `${i} Main St` });

/** The error a call throws (fails the test if it does not throw a DomainError). */
async function refusal(p: Promise<unknown>): Promise<DomainError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error("expected a refusal");
}

const rows = (userId: string) => db.savedAddress.findMany({ where: { userId }, orderBy: { createdAt: "asc" } });
const defaults = async (userId: string) => (await db.savedAddress.findMany({ where: { userId, isDefault: true } })).map((r) => r.id);

describe("address book: create, read, update, delete", () => {
  it("the first address becomes the default; later ones do not unless asked; the list puts the default first", async () => {
    const user = await newUser("crud");
    const home = await createAddress(db, user.id, { ...HOME, label: "Home", isDefault: false });
    expect(home).toMatchObject({ ...HOME, label: "Home", line2: null, phone: null, isDefault: true });
    const work = await createAddress(db, user.id, { ...WORK, label: "  Work  " });
    expect(work).toMatchObject({ ...WORK, label: "Work", isDefault: false });
    const list = await listAddresses(db, user.id);
    expect(list.map((a) => a.id)).toEqual([home.id, work.id]);
    expect(await getAddress(db, user.id, work.id)).toEqual(work);

    const third = await createAddress(db, user.id, { ...at(3), isDefault: true });
    expect(third.isDefault).toBe(true);
    expect(await defaults(user.id)).toEqual([third.id]);
    expect((await listAddresses(db, user.id)).map((a) => a.id)).toEqual([third.id, work.id, home.id]);
  });

  it("normalises through lib/address: region as US-CA, lower-case country and postal code", async () => {
    const user = await newUser("normal");
    const a = await createAddress(db, user.id, { name: "Bea", line1: "10 Queen St W", city: "Toronto", region: "ca-on", postalCode: "m5h 2n2", country: "ca" });
    expect(a).toMatchObject({ country: "CA", region: "ON", postalCode: "M5H 2N2" });
  });

  it("updates any fields, keeps the others, clears an optional one with null, and makes an address the default", async () => {
    const user = await newUser("update");
    const home = await createAddress(db, user.id, HOME);
    const work = await createAddress(db, user.id, { ...WORK, label: "Work" });
    const changed = await updateAddress(db, user.id, work.id, { line2: null, city: "Oakland", postalCode: "94607" });
    expect(changed).toMatchObject({ ...WORK, line2: null, city: "Oakland", postalCode: "94607", label: "Work", isDefault: false });
    const relabelled = await updateAddress(db, user.id, work.id, { label: null });
    expect(relabelled.label).toBeNull();

    const made = await setDefaultAddress(db, user.id, work.id);
    expect(made.isDefault).toBe(true);
    expect(await defaults(user.id)).toEqual([work.id]);
    expect((await getAddress(db, user.id, home.id)).isDefault).toBe(false);
    // making the default the default again changes nothing
    await setDefaultAddress(db, user.id, work.id);
    expect(await defaults(user.id)).toEqual([work.id]);
  });

  it("the default cannot be unset (409 conflict); isDefault false on another address is a no-op", async () => {
    const user = await newUser("unset");
    const home = await createAddress(db, user.id, HOME);
    const work = await createAddress(db, user.id, WORK);
    const e = await refusal(updateAddress(db, user.id, home.id, { isDefault: false, city: "Brooklyn" }));
    expect(e.code).toBe("conflict");
    expect((await getAddress(db, user.id, home.id)).city).toBe("New York");
    expect((await updateAddress(db, user.id, work.id, { isDefault: false })).isDefault).toBe(false);
    expect(await defaults(user.id)).toEqual([home.id]);
  });

  it("deleting the default promotes the most recently created other address; deleting the last leaves none", async () => {
    const user = await newUser("delete");
    const first = await createAddress(db, user.id, at(1));
    const second = await createAddress(db, user.id, at(2));
    const third = await createAddress(db, user.id, at(3));
    expect((await deleteAddress(db, user.id, second.id)).promoted).toBeNull();
    expect(await defaults(user.id)).toEqual([first.id]);
    const { promoted } = await deleteAddress(db, user.id, first.id);
    expect(promoted?.id).toBe(third.id);
    expect(await defaults(user.id)).toEqual([third.id]);
    expect((await deleteAddress(db, user.id, third.id)).promoted).toBeNull();
    expect(await rows(user.id)).toEqual([]);
    // the next address is the default again
    expect((await createAddress(db, user.id, at(4))).isDefault).toBe(true);
  });
});

describe("address book: ownership", () => {
  it("another user's address is 404 not_found for read, update, make default and delete, and changes nothing", async () => {
    const owner = await newUser("owner");
    const other = await newUser("other");
    const mine = await createAddress(db, owner.id, { ...HOME, label: "Home" });
    const theirs = await createAddress(db, other.id, WORK);
    const before = await rows(owner.id);
    for (const attempt of [
      () => getAddress(db, other.id, mine.id),
      () => updateAddress(db, other.id, mine.id, { city: "Hacked" }),
      () => setDefaultAddress(db, other.id, mine.id),
      () => deleteAddress(db, other.id, mine.id),
    ]) {
      const e = await refusal(attempt());
      expect(e.code).toBe("not_found");
      expect(e.httpStatus).toBe(404);
    }
    // the same answer as an id that exists nowhere: the refusal does not tell that it exists
    expect((await refusal(getAddress(db, other.id, randomUUID()))).message).toBe((await refusal(getAddress(db, other.id, mine.id))).message);
    expect(await rows(owner.id)).toEqual(before);
    expect(await defaults(other.id)).toEqual([theirs.id]);
    expect((await listAddresses(db, other.id)).map((a) => a.id)).toEqual([theirs.id]);
  });
});

describe("address book: validation (lib/address's rules), and a refusal changes nothing", () => {
  it.each([
    ["a bad US postal code", { ...HOME, postalCode: "ABCDE" }, "postalCode"],
    ["a region that is not a subdivision of the country", { ...HOME, region: "ZZ" }, "region"],
    ["no region in the US", { ...HOME, region: undefined }, "region"],
    ["no name", { ...HOME, name: "" }, "name"],
    ["no street", { ...HOME, line1: undefined }, "line1"],
    ["an unknown country", { ...HOME, country: "XX" }, "country"],
    ["an unknown field", { ...HOME, nickname: "x" }, "nickname"],
    ["a label that is too long", { ...HOME, label: "x".repeat(61) }, "label"],
    ["isDefault that is not a boolean", { ...HOME, isDefault: "yes" }, "isDefault"],
  ])("create with %s is 400 validation_failed on the field", async (_what, body, field) => {
    const user = await newUser("invalid");
    await createAddress(db, user.id, WORK);
    const before = await rows(user.id);
    const e = await refusal(createAddress(db, user.id, body));
    expect(e.code).toBe("validation_failed");
    expect(e.httpStatus).toBe(400);
    expect((e.details?.fieldErrors as Record<string, string[]>)[field]).toEqual([expect.any(String)]);
    expect(await rows(user.id)).toEqual(before);
  });

  it("an update is checked merged with what is stored: a new country with the old region is 400 on region; a bad postal code on postalCode", async () => {
    const user = await newUser("patch-invalid");
    const a = await createAddress(db, user.id, WORK);
    const before = await rows(user.id);
    const e1 = await refusal(updateAddress(db, user.id, a.id, { country: "GB", postalCode: "SW1A 1AA" }));
    expect(e1.code).toBe("validation_failed");
    expect(Object.keys(e1.details?.fieldErrors as object)).toEqual(["region"]);
    const e2 = await refusal(updateAddress(db, user.id, a.id, { postalCode: "9410" }));
    expect(Object.keys(e2.details?.fieldErrors as object)).toEqual(["postalCode"]);
    const e3 = await refusal(updateAddress(db, user.id, a.id, { name: null }));
    expect(Object.keys(e3.details?.fieldErrors as object)).toEqual(["name"]);
    const e4 = await refusal(updateAddress(db, user.id, a.id, { colour: "red" }));
    expect(Object.keys(e4.details?.fieldErrors as object)).toEqual(["colour"]);
    expect(await rows(user.id)).toEqual(before);
    // with the region cleared, the move to GB is fine
    expect(await updateAddress(db, user.id, a.id, { country: "GB", region: null, postalCode: "sw1a 1aa", city: "London" })).toMatchObject({ country: "GB", region: null, postalCode: "SW1A 1AA" });
  });
});

describe("address book: the limit", () => {
  it(`the ${ADDRESS_BOOK_LIMIT + 1}st address is 409 conflict and is not saved`, async () => {
    const user = await newUser("limit");
    for (let i = 0; i < ADDRESS_BOOK_LIMIT; i++) await createAddress(db, user.id, at(i));
    const e = await refusal(createAddress(db, user.id, at(99)));
    expect(e.code).toBe("conflict");
    expect(e.httpStatus).toBe(409);
    expect(e.details).toEqual({ limit: ADDRESS_BOOK_LIMIT });
    expect(await db.savedAddress.count({ where: { userId: user.id } })).toBe(ADDRESS_BOOK_LIMIT);
  });

  it("rememberAddress (checkout's 'save this address') saves an address once, however often it is asked", async () => {
    const user = await newUser("remember");
    const results = await Promise.all(Array.from({ length: 8 }, () => rememberAddress(db, user.id, { ...HOME, name: "ann lee" })));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.address.id)).size).toBe(1);
    expect(await rows(user.id)).toHaveLength(1);
    expect(await defaults(user.id)).toEqual([results[0]!.address.id]);
  });
});

describe("address book: races", () => {
  it("10 concurrent 'make default' on 10 different addresses leave exactly one default, one of them", async () => {
    for (let trial = 0; trial < 5; trial++) {
      const user = await newUser("race-default");
      const made = [];
      for (let i = 0; i < 10; i++) made.push(await createAddress(db, user.id, at(i)));
      const settled = await Promise.allSettled(made.map((a) => setDefaultAddress(db, user.id, a.id)));
      expect(settled.every((s) => s.status === "fulfilled")).toBe(true);
      const d = await defaults(user.id);
      expect(d).toHaveLength(1);
      expect(made.map((a) => a.id)).toContain(d[0]);
    }
  });

  it(`30 concurrent creates on a book of ${ADDRESS_BOOK_LIMIT - 5}: exactly 5 succeed, the rest are 409 conflict, never more than ${ADDRESS_BOOK_LIMIT}`, async () => {
    for (let trial = 0; trial < 3; trial++) {
      const user = await newUser("race-limit");
      for (let i = 0; i < ADDRESS_BOOK_LIMIT - 5; i++) await createAddress(db, user.id, at(i));
      const settled = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => createAddress(db, user.id, { ...at(100 + i), isDefault: i % 2 === 0 })));
      const refused = settled.filter((s): s is PromiseRejectedResult => s.status === "rejected");
      expect(settled.filter((s) => s.status === "fulfilled")).toHaveLength(5);
      expect(refused.every((r) => r.reason instanceof DomainError && r.reason.code === "conflict")).toBe(true);
      expect(await db.savedAddress.count({ where: { userId: user.id } })).toBe(ADDRESS_BOOK_LIMIT);
      expect(await defaults(user.id)).toHaveLength(1);
    }
  });

  it("concurrent first creates on an empty book: exactly one becomes the default", async () => {
    const user = await newUser("race-first");
    await Promise.all(Array.from({ length: 10 }, (_, i) => createAddress(db, user.id, at(i))));
    expect(await rows(user.id)).toHaveLength(10);
    expect(await defaults(user.id)).toHaveLength(1);
  });

  it("a delete of the default racing make-default on others leaves exactly one default (20 trials)", async () => {
    for (let trial = 0; trial < 20; trial++) {
      const user = await newUser("race-delete");
      const a = await createAddress(db, user.id, at(1));
      const b = await createAddress(db, user.id, at(2));
      const c = await createAddress(db, user.id, at(3));
      await Promise.allSettled([deleteAddress(db, user.id, a.id), setDefaultAddress(db, user.id, b.id), setDefaultAddress(db, user.id, c.id), deleteAddress(db, user.id, b.id)]);
      const left = await rows(user.id);
      expect(left.map((r) => r.id)).toEqual([c.id]);
      expect(await defaults(user.id)).toEqual([c.id]);
    }
  });

  it("deleting the only address racing make-default on it leaves no address and no default; a racing delete of the last two leaves none", async () => {
    for (let trial = 0; trial < 10; trial++) {
      const user = await newUser("race-last");
      const a = await createAddress(db, user.id, at(1));
      const settled = await Promise.allSettled([deleteAddress(db, user.id, a.id), setDefaultAddress(db, user.id, a.id)]);
      expect(settled[0]!.status).toBe("fulfilled");
      // make-default either ran first or found nothing (404)
      if (settled[1]!.status === "rejected") expect((settled[1] as PromiseRejectedResult).reason).toMatchObject({ code: "not_found" });
      expect(await rows(user.id)).toEqual([]);

      const b = await createAddress(db, user.id, at(2));
      const c = await createAddress(db, user.id, at(3));
      await Promise.all([deleteAddress(db, user.id, b.id), deleteAddress(db, user.id, c.id)]);
      expect(await rows(user.id)).toEqual([]);
    }
  });

  it("the database refuses a second default even without the lock (the partial unique index)", async () => {
    const user = await newUser("index");
    await createAddress(db, user.id, at(1));
    const b = await createAddress(db, user.id, at(2));
    await expect(db.savedAddress.update({ where: { id: b.id }, data: { isDefault: true } })).rejects.toThrow();
    expect(await defaults(user.id)).toHaveLength(1);
  });
});
