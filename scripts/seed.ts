// Loads the "Cartwright Supply" demo data (lib/catalog/seed-data.ts). Idempotent: every row is created only when
// its natural key (product slug, variant SKU, discount code, user email, shipping country, (zone, currency),
// (country, region)) is missing, so re-running never resets stock, uses_count, passwords or an admin's edits.
//
// The demo accounts (admin@cartwright.test, shopper@cartwright.test, with passwords printed in the README) are
// created only with SEED_DEMO=1 (`npm start` on the embedded default sets it): on a real database they would be
// an admin login anyone can look up.
//
//   DATABASE_URL=postgresql://... [SEED_DEMO=1] npx tsx scripts/seed.ts
import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { hashPassword } from "../lib/auth/password";
import { createPrismaClient, type PrismaClient } from "../lib/db";
import { combinesColumns } from "../lib/discounts/repository";
import { legacyCombinesWith } from "../lib/discounts/rules";
import {
  seedCategories,
  seedDiscounts,
  seedImages,
  seedProducts,
  seedShippingRates,
  seedShippingZoneCountries,
  seedTaxRates,
  seedUsers,
} from "../lib/catalog/seed-data";

type Log = (message: string) => void;

export type SeedOptions = {
  /** create the demo accounts; default: SEED_DEMO=1 in the environment */
  demoAccounts?: boolean;
};

const seedDemoFromEnv = () => ["1", "true", "yes"].includes(process.env.SEED_DEMO ?? "");

export async function seed(db: PrismaClient, log: Log = console.log, opts: SeedOptions = {}): Promise<{ created: boolean }> {
  const catalogWasEmpty = (await db.product.count()) === 0;
  const demoUsers = (opts.demoAccounts ?? seedDemoFromEnv()) ? seedUsers : [];

  // Hash outside the transaction (scrypt is slow on purpose), and only for accounts that do not exist yet.
  const existingEmails = new Set(
    (await db.user.findMany({ where: { email: { in: demoUsers.map((u) => u.email) } }, select: { email: true } })).map(
      (u) => u.email,
    ),
  );
  const newUsers = await Promise.all(
    demoUsers
      .filter((u) => !existingEmails.has(u.email))
      .map(async (u) => {
        const password = process.env[u.passwordEnv] || u.defaultPassword;
        return { ...u, password, passwordHash: await hashPassword(password) };
      }),
  );

  const result = await db.$transaction(
    async (tx) => {
      // INSERT ... ON CONFLICT DO NOTHING throughout: existing rows are left exactly as they are.
      const products = await tx.product.createMany({
        data: seedProducts.map((p) => ({
          slug: p.slug,
          name: p.name,
          description: p.description,
          basePrice: p.basePrice,
          currency: p.currency,
          imageUrl: p.imageUrl,
        })),
        skipDuplicates: true,
      });

      const idBySlug = new Map(
        (
          await tx.product.findMany({
            where: { slug: { in: seedProducts.map((p) => p.slug) } },
            select: { id: true, slug: true },
          })
        ).map((p) => [p.slug, p.id]),
      );
      const productId = (slug: string): number => {
        const id = idBySlug.get(slug);
        if (id === undefined) throw new Error(`seed: product "${slug}" is missing after insert`);
        return id;
      };

      const variants = await tx.productVariant.createMany({
        data: seedProducts.flatMap((p) =>
          p.variants.map((v) => ({
            productId: productId(p.slug),
            sku: v.sku,
            attributes: v.attributes,
            priceOverride: v.priceOverride ?? null,
            stockQuantity: v.stockQuantity,
            isActive: v.isActive ?? true,
          })),
        ),
        skipDuplicates: true,
      });

      // Shelves and their products; an admin's later changes to a category's products are left alone, because
      // only missing (product, category) pairs are added.
      const categories = await tx.category.createMany({
        data: seedCategories.map((c, position) => ({ slug: c.slug, name: c.name, description: c.description, position })),
        skipDuplicates: true,
      });
      const categoryIdBySlug = new Map(
        (await tx.category.findMany({ where: { slug: { in: seedCategories.map((c) => c.slug) } }, select: { id: true, slug: true } })).map(
          (c) => [c.slug, c.id],
        ),
      );
      await tx.productCategory.createMany({
        data: seedCategories.flatMap((c) =>
          c.productSlugs.map((slug) => ({ productId: productId(slug), categoryId: categoryIdBySlug.get(c.slug)! })),
        ),
        skipDuplicates: true,
      });

      // The gallery: each product's main image first (so images[0] is imageUrl), then the variant shots.
      const variantIdBySku = new Map(
        (
          await tx.productVariant.findMany({
            where: { sku: { in: seedImages.flatMap((i) => (i.variantSku ? [i.variantSku] : [])) } },
            select: { id: true, sku: true },
          })
        ).map((v) => [v.sku, v.id]),
      );
      const images = await tx.productImage.createMany({
        data: [
          ...seedProducts.map((p) => ({ productId: productId(p.slug), url: p.imageUrl, alt: p.name, position: 0 })),
          ...seedImages.map((i, n) => ({
            productId: productId(i.productSlug),
            variantId: i.variantSku ? (variantIdBySku.get(i.variantSku) ?? null) : null,
            url: i.url,
            alt: i.alt,
            position: n + 1,
          })),
        ],
        skipDuplicates: true,
      });

      // Discount codes are unique on lower(code) (an expression index), which ON CONFLICT DO NOTHING honours.
      const discounts = await tx.discount.createMany({
        data: seedDiscounts.map((d) => ({
          code: d.code,
          type: d.type,
          value: d.value,
          currency: d.currency ?? null,
          minOrderAmount: d.minOrderAmount ?? null,
          maxUses: d.maxUses ?? null,
          maxUsesPerCustomer: d.maxUsesPerCustomer ?? null,
          validFrom: d.validFrom ? new Date(d.validFrom) : null,
          validUntil: d.validUntil ? new Date(d.validUntil) : null,
          applicableProductIds: (d.applicableProductSlugs ?? []).map(productId),
          buyQuantity: d.buyQuantity ?? null,
          getQuantity: d.getQuantity ?? null,
          maxApplications: d.maxApplications ?? null,
          // the demo codes keep the original stacking rule: one free-shipping code plus one other
          ...combinesColumns(legacyCombinesWith(d.type)),
        })),
        skipDuplicates: true,
      });

      const zoneCountries = await tx.shippingZoneCountry.createMany({
        data: seedShippingZoneCountries,
        skipDuplicates: true,
      });
      const shippingRates = await tx.shippingRate.createMany({ data: seedShippingRates, skipDuplicates: true });
      const taxRates = await tx.taxRate.createMany({ data: seedTaxRates, skipDuplicates: true });

      const createdUsers: { email: string; role: string; password: string }[] = [];
      for (const u of newUsers) {
        const r = await tx.user.createMany({
          data: [{ email: u.email.toLowerCase(), role: u.role, passwordHash: u.passwordHash }],
          skipDuplicates: true,
        });
        if (r.count === 1) createdUsers.push({ email: u.email, role: u.role, password: u.password });
      }

      return {
        products: products.count,
        variants: variants.count,
        categories: categories.count,
        images: images.count,
        discounts: discounts.count,
        zoneCountries: zoneCountries.count,
        shippingRates: shippingRates.count,
        taxRates: taxRates.count,
        createdUsers,
      };
    },
    { timeout: 60_000, maxWait: 10_000 },
  );

  for (const u of result.createdUsers)
    log(`Created ${u.role.toLowerCase()} account ${u.email} with dev password "${u.password}"`);

  const variantCount = seedProducts.reduce((n, p) => n + p.variants.length, 0);
  const part = (total: number, fresh: number, what: string) => `${total} ${what}${fresh === total ? "" : ` (${fresh} new)`}`;
  log(
    `Seeded ${[
      part(seedProducts.length, result.products, "products"),
      part(variantCount, result.variants, "variants"),
      part(seedDiscounts.length, result.discounts, "discounts"),
      part(seedShippingZoneCountries.length, result.zoneCountries, "shipping countries"),
      part(seedShippingRates.length, result.shippingRates, "shipping rates"),
      part(seedTaxRates.length, result.taxRates, "tax rates"),
      demoUsers.length ? part(demoUsers.length, result.createdUsers.length, "users") : "no demo accounts (SEED_DEMO=1 creates them)",
      part(seedCategories.length, result.categories, "categories"),
      part(seedProducts.length + seedImages.length, result.images, "images"),
    ].join(", ")}.`,
  );

  return { created: catalogWasEmpty };
}

function isMain(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(entry)).href;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error(
      "DATABASE_URL is not set. Point it at the database to seed, e.g.\n" +
        "  DATABASE_URL=postgresql://postgres@127.0.0.1:5432/cartwright npx tsx scripts/seed.ts",
    );
    process.exitCode = 1;
    return;
  }
  const db = createPrismaClient(url, 2);
  try {
    const { created } = await seed(db);
    console.log(created ? "Demo catalog created." : "Catalog already present: only missing rows were added.");
  } catch (err) {
    console.error("Seeding failed:", err);
    process.exitCode = 1;
  } finally {
    await db.$disconnect();
  }
}

if (isMain()) void main();
