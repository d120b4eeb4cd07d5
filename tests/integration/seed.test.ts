import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyPassword } from "../../lib/auth/password";
import {
  seedCategories,
  seedDiscounts,
  seedImages,
  seedProducts,
  seedShippingRates,
  seedShippingZoneCountries,
  seedTaxRates,
  seedUsers,
} from "../../lib/catalog/seed-data";
import { createPrismaClient, type PrismaClient } from "../../lib/db";
import { seed } from "../../scripts/seed";
import { demoInfo } from "../../scripts/demo-info";
import { createMigratedDatabase } from "../support/test-database";

const root = fileURLToPath(new URL("../..", import.meta.url));
const variantCount = seedProducts.reduce((n, p) => n + p.variants.length, 0);

// The seed gets a migrated database of its own (on the run's server): the run's shared database is used by the
// other integration files, whose rows would make "the catalog was empty" untestable and whose codes could clash.
let database: { url: string; drop: () => Promise<void> };
let db: PrismaClient;

beforeAll(async () => {
  database = await createMigratedDatabase("cw_seed");
  db = createPrismaClient(database.url, 4);
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

async function snapshot(client: PrismaClient) {
  return {
    products: await client.product.findMany({ orderBy: { id: "asc" } }),
    variants: await client.productVariant.findMany({ orderBy: { id: "asc" } }),
    discounts: await client.discount.findMany({ orderBy: { id: "asc" } }),
    zoneCountries: await client.shippingZoneCountry.findMany({ orderBy: { country: "asc" } }),
    shippingRates: await client.shippingRate.findMany({ orderBy: { id: "asc" } }),
    taxRates: await client.taxRate.findMany({ orderBy: { id: "asc" } }),
    users: await client.user.findMany({ orderBy: { email: "asc" } }),
  };
}

function collect(): { lines: string[]; log: (m: string) => void } {
  const lines: string[] = [];
  return { lines, log: (m: string) => lines.push(m) };
}

describe("seed", () => {
  it("seeds the demo catalog on an empty database", async () => {
    const { lines, log } = collect();
    await expect(seed(db, log, { demoAccounts: true })).resolves.toEqual({ created: true });

    const s = await snapshot(db);
    expect(s.products).toHaveLength(seedProducts.length);
    expect(s.products.length).toBeGreaterThanOrEqual(12);
    expect(s.variants).toHaveLength(variantCount);
    expect(s.variants.length).toBeGreaterThanOrEqual(30);
    expect(s.discounts).toHaveLength(seedDiscounts.length);
    expect(s.zoneCountries).toHaveLength(seedShippingZoneCountries.length);
    expect(s.shippingRates).toHaveLength(seedShippingRates.length);
    expect(s.taxRates).toHaveLength(seedTaxRates.length);
    expect(s.users).toHaveLength(seedUsers.length);

    // catalog shape
    expect(new Set(s.products.map((p) => p.currency))).toEqual(new Set(["USD", "EUR", "JPY"]));
    for (const p of s.products) {
      expect(p.imageUrl).toBe(`/products/${p.slug}.svg`);
      expect(p.description.length).toBeGreaterThan(20);
      expect(s.variants.some((v) => v.productId === p.id)).toBe(true);
    }
    expect(s.variants.some((v) => v.stockQuantity === 0)).toBe(true);
    expect(s.variants.some((v) => v.stockQuantity >= 1 && v.stockQuantity <= 3)).toBe(true);
    expect(s.variants.some((v) => !v.isActive)).toBe(true);
    expect(s.variants.some((v) => v.priceOverride !== null)).toBe(true);
    const tee = s.variants.find((v) => v.sku === "TEE-CLASSIC-M-NAVY");
    expect(tee?.attributes).toEqual({ size: "M", color: "Navy" });

    // one discount of each type, with the documented terms
    expect(new Set(s.discounts.map((d) => d.type))).toEqual(
      new Set(["PERCENTAGE", "FIXED_AMOUNT", "FREE_SHIPPING", "BUY_X_GET_Y"]),
    );
    const byCode = new Map(s.discounts.map((d) => [d.code, d]));
    expect(byCode.get("WELCOME10")).toMatchObject({ type: "PERCENTAGE", value: 1000, applicableProductIds: [] });
    expect(byCode.get("SAVE5")).toMatchObject({ type: "FIXED_AMOUNT", value: 500, currency: "USD", minOrderAmount: 3000 });
    expect(byCode.get("FREESHIP")).toMatchObject({ type: "FREE_SHIPPING", currency: "USD", minOrderAmount: 5000 });
    expect(byCode.get("LIMITED20")).toMatchObject({ value: 2000, maxUses: 100, maxUsesPerCustomer: 1 });
    expect(byCode.get("EXPIRED15")?.validUntil?.getTime()).toBeLessThan(Date.now());
    const socksIds = s.products.filter((p) => p.slug.includes("socks")).map((p) => p.id);
    expect(socksIds.length).toBeGreaterThan(0);
    const bxgy = byCode.get("SOCKS3FOR2");
    expect(bxgy).toMatchObject({ type: "BUY_X_GET_Y", value: 10000, buyQuantity: 2, getQuantity: 1, maxApplications: 3 });
    expect([...(bxgy?.applicableProductIds ?? [])].sort()).toEqual([...socksIds].sort());
    for (const d of s.discounts) {
      expect(d.isActive).toBe(true);
      expect(d.usesCount).toBe(0);
    }

    // every zone has a rate in every currency
    for (const zone of ["DOMESTIC", "NEIGHBOURING", "INTERNATIONAL"])
      for (const currency of ["USD", "EUR", "JPY"])
        expect(s.shippingRates.some((r) => r.zone === zone && r.currency === currency)).toBe(true);
    expect(s.taxRates.find((t) => t.country === "CA" && t.region === "QC")?.ratePpm).toBe(149750);

    // accounts, with the passwords that were printed
    for (const u of seedUsers) {
      const row = s.users.find((x) => x.email === u.email);
      expect(row?.role).toBe(u.role);
      const password = process.env[u.passwordEnv] || u.defaultPassword;
      expect(await verifyPassword(password, row?.passwordHash ?? "")).toBe(true);
      expect(lines.some((l) => l.includes(u.email) && l.includes(password))).toBe(true);
    }
    expect(lines.at(-1)).toMatch(/^Seeded 14 products, \d+ variants, 6 discounts, /);
  });

  it("changes nothing when run again", async () => {
    const before = await snapshot(db);
    const { lines, log } = collect();
    await expect(seed(db, log)).resolves.toEqual({ created: false });
    expect(await snapshot(db)).toEqual(before);
    expect(lines.some((l) => l.includes("password"))).toBe(false);
    expect(lines.at(-1)).toContain("14 products (0 new)");
  });

  it("keeps stock, uses and passwords of existing rows and only restores what is missing", async () => {
    const variant = await db.productVariant.update({ where: { sku: "TEE-CLASSIC-M-NAVY" }, data: { stockQuantity: 7 } });
    const limited = await db.discount.findFirstOrThrow({ where: { code: "LIMITED20" } });
    await db.discount.update({ where: { id: limited.id }, data: { usesCount: 5 } });
    await db.user.update({ where: { email: "admin@cartwright.test" }, data: { passwordHash: "changed" } });
    await db.productVariant.delete({ where: { sku: "CAP-CANVAS-OLIVE" } });
    await db.taxRate.delete({ where: { country_region: { country: "US", region: "WA" } } });

    const { lines, log } = collect();
    await expect(seed(db, log)).resolves.toEqual({ created: false });

    expect((await db.productVariant.findUniqueOrThrow({ where: { id: variant.id } })).stockQuantity).toBe(7);
    expect((await db.discount.findUniqueOrThrow({ where: { id: limited.id } })).usesCount).toBe(5);
    expect((await db.user.findUniqueOrThrow({ where: { email: "admin@cartwright.test" } })).passwordHash).toBe("changed");
    expect(await db.productVariant.count({ where: { sku: "CAP-CANVAS-OLIVE" } })).toBe(1);
    expect(await db.taxRate.count({ where: { country: "US", region: "WA" } })).toBe(1);
    expect(await db.productVariant.count()).toBe(variantCount);
    expect(await db.taxRate.count()).toBe(seedTaxRates.length);
    expect(lines.at(-1)).toContain(`${variantCount} variants (1 new)`);
  });

  it("runs as a script and refuses to start without DATABASE_URL", async () => {
    const run = promisify(execFile);
    const tsx = `${root}node_modules/.bin/tsx`;
    const { DATABASE_URL: _omit, ...envWithout } = process.env;

    const failed = await run(tsx, ["scripts/seed.ts"], { cwd: root, env: envWithout }).then(
      () => null,
      (e: { code?: number; stderr?: string }) => e,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain("DATABASE_URL is not set");

    const ok = await run(tsx, ["scripts/seed.ts"], { cwd: root, env: { ...envWithout, DATABASE_URL: database.url } });
    expect(ok.stdout).toContain("14 products (0 new)");
    expect(await db.product.count()).toBe(seedProducts.length);
  });

  it("seeds categories (one with at least 3 products) and each product's main image as its first gallery image", async () => {
    const categories = await db.category.findMany({ include: { products: true } });
    expect(categories.length).toBeGreaterThanOrEqual(2);
    expect(categories.some((c) => c.products.length >= 3)).toBe(true);
    for (const p of await db.product.findMany({ where: { slug: { in: seedProducts.map((x) => x.slug) } }, include: { images: { orderBy: [{ position: "asc" }, { id: "asc" }] } } }))
      expect(p.images[0]?.url).toBe(p.imageUrl);
  });

  it("npm start's demo lines name the demo accounts and the codes usable now (not the expired one)", async () => {
    const lines = await demoInfo(db, {});
    expect(lines.join("\n")).toContain("shopper@cartwright.test / shopper-password-123");
    expect(lines.join("\n")).toContain("admin@cartwright.test");
    const codes = lines.find((l) => l.startsWith("discount codes"))!;
    expect(codes).toContain("WELCOME10 (10% off)");
    expect(codes).toContain("SAVE5 ($5.00 off on orders from $30.00)");
    expect(codes).not.toContain("EXPIRED15");
    // a password from the environment is named, never printed
    expect((await demoInfo(db, { SEED_ADMIN_PASSWORD: "secret-from-env" })).join("\n")).not.toContain("secret-from-env");
  });

  it("two seeds racing on a catalog without categories and images add each category, pair and image once", async () => {
    await db.productImage.deleteMany({});
    await db.productCategory.deleteMany({});
    await db.category.deleteMany({});
    const quiet = () => {};
    const other = createPrismaClient(database.url, 2);
    try {
      await Promise.all([seed(db, quiet), seed(other, quiet), seed(db, quiet)]);
    } finally {
      await other.$disconnect();
    }
    expect(await db.category.count()).toBe(seedCategories.length);
    expect(await db.productCategory.count()).toBe(seedCategories.reduce((n, c) => n + c.productSlugs.length, 0));
    expect(await db.productImage.count()).toBe(seedProducts.length + seedImages.length);
  });
});
