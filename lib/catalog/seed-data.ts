// Demo data for "Cartwright Supply", loaded by scripts/seed.ts. Plain data only.
// Money is integer minor units of the row's currency (USD/EUR cents, JPY whole yen); percentages are basis points
// (1000 = 10%); tax rates are parts per million (72500 = 7.25%).

export type SeedCurrency = "USD" | "EUR" | "JPY";

export interface SeedVariant {
  sku: string;
  attributes: { size?: string; color?: string };
  /** minor units of the product's currency; absent = the product's base price */
  priceOverride?: number;
  stockQuantity: number;
  /** default true */
  isActive?: boolean;
}

export interface SeedProduct {
  slug: string;
  name: string;
  description: string;
  basePrice: number;
  currency: SeedCurrency;
  imageUrl: string;
  variants: SeedVariant[];
}

export interface SeedCategory {
  slug: string;
  name: string;
  description: string;
  /** product slugs on this shelf (a product can sit on several) */
  productSlugs: string[];
}

export interface SeedImage {
  productSlug: string;
  /** the variant the image shows (another colour); absent = the whole product */
  variantSku?: string;
  url: string;
  alt: string;
}

export interface SeedDiscount {
  code: string;
  type: "PERCENTAGE" | "FIXED_AMOUNT" | "FREE_SHIPPING" | "BUY_X_GET_Y";
  value: number;
  currency?: SeedCurrency;
  minOrderAmount?: number;
  maxUses?: number;
  maxUsesPerCustomer?: number;
  /** ISO 8601 */
  validFrom?: string;
  /** ISO 8601 */
  validUntil?: string;
  /** product slugs the discount is limited to; absent = all products */
  applicableProductSlugs?: string[];
  buyQuantity?: number;
  getQuantity?: number;
  maxApplications?: number;
}

export interface SeedShippingZoneCountry {
  country: string;
  zone: "DOMESTIC" | "NEIGHBOURING" | "INTERNATIONAL";
}

export interface SeedShippingRate {
  zone: "DOMESTIC" | "NEIGHBOURING" | "INTERNATIONAL";
  currency: SeedCurrency;
  amount: number;
  /** free when the discounted subtotal reaches this; null = never free */
  freeOver: number | null;
}

export interface SeedTaxRate {
  country: string;
  /** subdivision code; "" = the whole country */
  region: string;
  name: string;
  ratePpm: number;
  taxesShipping: boolean;
}

export interface SeedUser {
  email: string;
  role: "ADMIN" | "CUSTOMER";
  /** the environment variable that overrides the dev password */
  passwordEnv: string;
  defaultPassword: string;
}

export const seedProducts: SeedProduct[] = [
  {
    slug: "classic-tee",
    name: "Classic Cotton Tee",
    description:
      "A midweight tee in combed ring-spun cotton with a tubular body that holds its shape wash after wash. Cut for an easy, everyday fit.",
    basePrice: 2800,
    currency: "USD",
    imageUrl: "/products/classic-tee.svg",
    variants: [
      { sku: "TEE-CLASSIC-S-NAVY", attributes: { size: "S", color: "Navy" }, stockQuantity: 60 },
      { sku: "TEE-CLASSIC-M-NAVY", attributes: { size: "M", color: "Navy" }, stockQuantity: 120 },
      { sku: "TEE-CLASSIC-L-NAVY", attributes: { size: "L", color: "Navy" }, stockQuantity: 110 },
      { sku: "TEE-CLASSIC-XL-NAVY", attributes: { size: "XL", color: "Navy" }, stockQuantity: 45 },
      { sku: "TEE-CLASSIC-XXL-NAVY", attributes: { size: "XXL", color: "Navy" }, priceOverride: 3200, stockQuantity: 2 },
      { sku: "TEE-CLASSIC-S-WHITE", attributes: { size: "S", color: "White" }, stockQuantity: 50 },
      { sku: "TEE-CLASSIC-M-WHITE", attributes: { size: "M", color: "White" }, stockQuantity: 90 },
      { sku: "TEE-CLASSIC-L-WHITE", attributes: { size: "L", color: "White" }, stockQuantity: 0 },
    ],
  },
  {
    slug: "heavyweight-hoodie",
    name: "Heavyweight Pullover Hoodie",
    description:
      "A 400 gsm brushed-back fleece hoodie with a double-layer hood and a kangaroo pocket. Warm enough to skip the jacket in early autumn.",
    basePrice: 6400,
    currency: "USD",
    imageUrl: "/products/heavyweight-hoodie.svg",
    variants: [
      { sku: "HOODIE-HW-S-CHARCOAL", attributes: { size: "S", color: "Charcoal" }, stockQuantity: 30 },
      { sku: "HOODIE-HW-M-CHARCOAL", attributes: { size: "M", color: "Charcoal" }, stockQuantity: 75 },
      { sku: "HOODIE-HW-L-CHARCOAL", attributes: { size: "L", color: "Charcoal" }, stockQuantity: 70 },
      { sku: "HOODIE-HW-XL-CHARCOAL", attributes: { size: "XL", color: "Charcoal" }, stockQuantity: 25 },
      {
        sku: "HOODIE-HW-XXL-CHARCOAL",
        attributes: { size: "XXL", color: "Charcoal" },
        priceOverride: 6900,
        stockQuantity: 12,
      },
      { sku: "HOODIE-HW-M-FOREST", attributes: { size: "M", color: "Forest" }, stockQuantity: 3 },
      { sku: "HOODIE-HW-L-FOREST", attributes: { size: "L", color: "Forest" }, stockQuantity: 40 },
    ],
  },
  {
    slug: "canvas-cap",
    name: "Six-Panel Canvas Cap",
    description:
      "A washed cotton-canvas cap with a low crown, a curved brim and a brass-buckle strap. Breaks in nicely after a few weekends outdoors.",
    basePrice: 2400,
    currency: "USD",
    imageUrl: "/products/canvas-cap.svg",
    variants: [
      { sku: "CAP-CANVAS-KHAKI", attributes: { color: "Khaki" }, stockQuantity: 80 },
      { sku: "CAP-CANVAS-BLACK", attributes: { color: "Black" }, stockQuantity: 95 },
      { sku: "CAP-CANVAS-OLIVE", attributes: { color: "Olive" }, stockQuantity: 20 },
    ],
  },
  {
    slug: "everyday-crew-socks",
    name: "Everyday Crew Socks",
    description:
      "Combed-cotton crew socks with a cushioned sole and a reinforced heel and toe. Buy three pairs, pay for two.",
    basePrice: 1200,
    currency: "USD",
    imageUrl: "/products/everyday-crew-socks.svg",
    variants: [
      { sku: "SOCKS-CREW-SM-OATMEAL", attributes: { size: "S/M", color: "Oatmeal" }, stockQuantity: 150 },
      { sku: "SOCKS-CREW-LXL-OATMEAL", attributes: { size: "L/XL", color: "Oatmeal" }, stockQuantity: 140 },
      { sku: "SOCKS-CREW-SM-BLACK", attributes: { size: "S/M", color: "Black" }, stockQuantity: 120 },
      { sku: "SOCKS-CREW-LXL-BLACK", attributes: { size: "L/XL", color: "Black" }, stockQuantity: 200 },
    ],
  },
  {
    slug: "merino-hiking-socks",
    name: "Merino Hiking Socks",
    description:
      "Mid-cushion merino wool socks that stay warm when damp and do not hold odour on multi-day trips. Part of the socks three-for-two.",
    basePrice: 1800,
    currency: "USD",
    imageUrl: "/products/merino-hiking-socks.svg",
    variants: [
      { sku: "SOCKS-MERINO-M-GREY", attributes: { size: "M", color: "Grey" }, stockQuantity: 65 },
      { sku: "SOCKS-MERINO-L-GREY", attributes: { size: "L", color: "Grey" }, stockQuantity: 1 },
    ],
  },
  {
    slug: "enamel-camp-mug",
    name: "Enamel Camp Mug",
    description:
      "A 12 oz enamelled steel mug with a rolled stainless rim, at home on a desk or a camp stove. Hand wash recommended.",
    basePrice: 1600,
    currency: "USD",
    imageUrl: "/products/enamel-camp-mug.svg",
    variants: [
      { sku: "MUG-ENAMEL-CREAM", attributes: { color: "Cream" }, stockQuantity: 85 },
      { sku: "MUG-ENAMEL-COBALT", attributes: { color: "Cobalt" }, stockQuantity: 0 },
    ],
  },
  {
    slug: "waxed-canvas-tote",
    name: "Waxed Canvas Tote",
    description:
      "A roomy 18 oz waxed-canvas tote with leather handles and an inside zip pocket. Shrugs off rain and gets better with age.",
    basePrice: 3200,
    currency: "USD",
    imageUrl: "/products/waxed-canvas-tote.svg",
    variants: [
      { sku: "TOTE-WAXED-NATURAL", attributes: { color: "Natural" }, stockQuantity: 55 },
      { sku: "TOTE-WAXED-BLACK", attributes: { color: "Black" }, stockQuantity: 40 },
    ],
  },
  {
    slug: "dot-grid-notebook",
    name: "Dot Grid Notebook",
    description:
      "An A5 lay-flat notebook with 192 numbered pages of 100 gsm dot-grid paper that takes fountain pens without bleeding.",
    basePrice: 1400,
    currency: "USD",
    imageUrl: "/products/dot-grid-notebook.svg",
    variants: [
      { sku: "NOTEBOOK-A5-SAGE", attributes: { size: "A5", color: "Sage" }, stockQuantity: 110 },
      { sku: "NOTEBOOK-A5-TERRACOTTA", attributes: { size: "A5", color: "Terracotta" }, stockQuantity: 90 },
      { sku: "NOTEBOOK-A5-INK", attributes: { size: "A5", color: "Ink" }, stockQuantity: 100 },
    ],
  },
  {
    slug: "rolltop-backpack",
    name: "Everyday Rolltop Backpack",
    description:
      "A 22-litre rolltop backpack in water-resistant recycled nylon with a padded 16-inch laptop sleeve. Carry-on friendly.",
    basePrice: 12800,
    currency: "USD",
    imageUrl: "/products/rolltop-backpack.svg",
    variants: [
      { sku: "BACKPACK-ROLLTOP-BLACK", attributes: { color: "Black" }, stockQuantity: 35 },
      { sku: "BACKPACK-ROLLTOP-OLIVE", attributes: { color: "Olive" }, stockQuantity: 2 },
    ],
  },
  {
    slug: "ribbed-beanie",
    name: "Ribbed Merino Beanie",
    description: "A fine-ribbed beanie knitted from extra-fine merino, soft enough to wear all day without the itch.",
    basePrice: 2600,
    currency: "USD",
    imageUrl: "/products/ribbed-beanie.svg",
    variants: [
      { sku: "BEANIE-RIB-CHARCOAL", attributes: { color: "Charcoal" }, stockQuantity: 70 },
      { sku: "BEANIE-RIB-RUST", attributes: { color: "Rust" }, stockQuantity: 45 },
      // discontinued colour: kept for order history, not sold
      { sku: "BEANIE-RIB-CREAM", attributes: { color: "Cream" }, stockQuantity: 6, isActive: false },
    ],
  },
  {
    slug: "insulated-water-bottle",
    name: "Insulated Water Bottle",
    description:
      "A double-walled stainless bottle that keeps drinks cold for 24 hours or hot for 12, with a leak-proof loop cap.",
    basePrice: 3400,
    currency: "USD",
    imageUrl: "/products/insulated-water-bottle.svg",
    variants: [
      { sku: "BOTTLE-500ML-STONE", attributes: { size: "500 ml", color: "Stone" }, stockQuantity: 80 },
      {
        sku: "BOTTLE-750ML-STONE",
        attributes: { size: "750 ml", color: "Stone" },
        priceOverride: 3800,
        stockQuantity: 60,
      },
      {
        sku: "BOTTLE-750ML-BLACK",
        attributes: { size: "750 ml", color: "Black" },
        priceOverride: 3800,
        stockQuantity: 0,
      },
    ],
  },
  {
    slug: "canvas-sneakers",
    name: "Low-Top Canvas Sneakers",
    description:
      "Vulcanised low-tops with a 12 oz cotton-canvas upper, a cushioned cork insole and a natural rubber sole.",
    basePrice: 7800,
    currency: "USD",
    imageUrl: "/products/canvas-sneakers.svg",
    variants: [
      { sku: "SNEAKER-CANVAS-8-WHITE", attributes: { size: "US 8", color: "White" }, stockQuantity: 3 },
      { sku: "SNEAKER-CANVAS-9-WHITE", attributes: { size: "US 9", color: "White" }, stockQuantity: 28 },
      { sku: "SNEAKER-CANVAS-10-WHITE", attributes: { size: "US 10", color: "White" }, stockQuantity: 34 },
      { sku: "SNEAKER-CANVAS-11-WHITE", attributes: { size: "US 11", color: "White" }, stockQuantity: 22 },
      { sku: "SNEAKER-CANVAS-12-WHITE", attributes: { size: "US 12", color: "White" }, stockQuantity: 0 },
    ],
  },
  {
    slug: "lambswool-scarf",
    name: "Lambswool Scarf",
    description:
      "A generously sized scarf woven from soft Scottish lambswool and finished with hand-twisted fringes. Priced in euros.",
    basePrice: 5900,
    currency: "EUR",
    imageUrl: "/products/lambswool-scarf.svg",
    variants: [
      { sku: "SCARF-LAMBSWOOL-CAMEL", attributes: { color: "Camel" }, stockQuantity: 40 },
      { sku: "SCARF-LAMBSWOOL-GREY-CHECK", attributes: { color: "Grey Check" }, stockQuantity: 25 },
    ],
  },
  {
    slug: "sashiko-pouch",
    name: "Sashiko Stitched Pouch",
    description:
      "A zip pouch in cotton canvas, hand-finished with traditional sashiko running stitch. Priced in yen.",
    basePrice: 3500,
    currency: "JPY",
    imageUrl: "/products/sashiko-pouch.svg",
    variants: [
      { sku: "POUCH-SASHIKO-INDIGO", attributes: { color: "Indigo" }, stockQuantity: 30 },
      { sku: "POUCH-SASHIKO-NATURAL", attributes: { color: "Natural" }, priceOverride: 3800, stockQuantity: 20 },
    ],
  },
];

export const seedDiscounts: SeedDiscount[] = [
  { code: "WELCOME10", type: "PERCENTAGE", value: 1000 },
  { code: "SAVE5", type: "FIXED_AMOUNT", value: 500, currency: "USD", minOrderAmount: 3000 },
  { code: "FREESHIP", type: "FREE_SHIPPING", value: 0, currency: "USD", minOrderAmount: 5000 },
  {
    code: "SOCKS3FOR2",
    type: "BUY_X_GET_Y",
    value: 10000,
    buyQuantity: 2,
    getQuantity: 1,
    maxApplications: 3,
    applicableProductSlugs: ["everyday-crew-socks", "merino-hiking-socks"],
  },
  { code: "LIMITED20", type: "PERCENTAGE", value: 2000, maxUses: 100, maxUsesPerCustomer: 1 },
  {
    code: "EXPIRED15",
    type: "PERCENTAGE",
    value: 1500,
    validFrom: "2024-11-25T00:00:00.000Z",
    validUntil: "2025-01-01T00:00:00.000Z",
  },
];

export const seedShippingZoneCountries: SeedShippingZoneCountry[] = [
  { country: "US", zone: "DOMESTIC" },
  { country: "CA", zone: "NEIGHBOURING" },
  { country: "MX", zone: "NEIGHBOURING" },
  { country: "DE", zone: "INTERNATIONAL" },
  { country: "FR", zone: "INTERNATIONAL" },
  { country: "NL", zone: "INTERNATIONAL" },
  { country: "IE", zone: "INTERNATIONAL" },
  { country: "ES", zone: "INTERNATIONAL" },
  { country: "IT", zone: "INTERNATIONAL" },
  { country: "GB", zone: "INTERNATIONAL" },
  { country: "JP", zone: "INTERNATIONAL" },
  { country: "AU", zone: "INTERNATIONAL" },
];

export const seedShippingRates: SeedShippingRate[] = [
  { zone: "DOMESTIC", currency: "USD", amount: 599, freeOver: 7500 },
  { zone: "DOMESTIC", currency: "EUR", amount: 549, freeOver: 7000 },
  { zone: "DOMESTIC", currency: "JPY", amount: 900, freeOver: 11000 },
  { zone: "NEIGHBOURING", currency: "USD", amount: 1499, freeOver: 15000 },
  { zone: "NEIGHBOURING", currency: "EUR", amount: 1399, freeOver: 14000 },
  { zone: "NEIGHBOURING", currency: "JPY", amount: 2200, freeOver: 22000 },
  { zone: "INTERNATIONAL", currency: "USD", amount: 2499, freeOver: null },
  { zone: "INTERNATIONAL", currency: "EUR", amount: 2299, freeOver: null },
  { zone: "INTERNATIONAL", currency: "JPY", amount: 3700, freeOver: null },
];

/** Rates as of 2025. US: state-level rates (local add-ons not modelled); Canada: the combined federal+provincial rate. */
export const seedTaxRates: SeedTaxRate[] = [
  { country: "US", region: "CA", name: "California sales tax", ratePpm: 72500, taxesShipping: false },
  { country: "US", region: "NY", name: "New York sales tax", ratePpm: 40000, taxesShipping: true },
  { country: "US", region: "TX", name: "Texas sales tax", ratePpm: 62500, taxesShipping: true },
  { country: "US", region: "WA", name: "Washington sales tax", ratePpm: 65000, taxesShipping: false },
  { country: "US", region: "OR", name: "Oregon (no sales tax)", ratePpm: 0, taxesShipping: false },
  { country: "US", region: "FL", name: "Florida sales tax", ratePpm: 60000, taxesShipping: false },
  { country: "US", region: "IL", name: "Illinois sales tax", ratePpm: 62500, taxesShipping: false },
  { country: "CA", region: "ON", name: "Ontario HST", ratePpm: 130000, taxesShipping: true },
  { country: "CA", region: "QC", name: "Québec GST+QST", ratePpm: 149750, taxesShipping: true },
  { country: "CA", region: "BC", name: "British Columbia GST+PST", ratePpm: 120000, taxesShipping: true },
  { country: "CA", region: "AB", name: "Alberta GST", ratePpm: 50000, taxesShipping: true },
  { country: "CA", region: "NS", name: "Nova Scotia HST", ratePpm: 140000, taxesShipping: true },
  { country: "DE", region: "", name: "Germany VAT (MwSt.)", ratePpm: 190000, taxesShipping: true },
  { country: "FR", region: "", name: "France VAT (TVA)", ratePpm: 200000, taxesShipping: true },
  { country: "NL", region: "", name: "Netherlands VAT (BTW)", ratePpm: 210000, taxesShipping: true },
  { country: "IE", region: "", name: "Ireland VAT", ratePpm: 230000, taxesShipping: true },
  { country: "ES", region: "", name: "Spain VAT (IVA)", ratePpm: 210000, taxesShipping: true },
  { country: "IT", region: "", name: "Italy VAT (IVA)", ratePpm: 220000, taxesShipping: true },
  { country: "GB", region: "", name: "United Kingdom VAT", ratePpm: 200000, taxesShipping: true },
  { country: "JP", region: "", name: "Japan consumption tax", ratePpm: 100000, taxesShipping: true },
];

export const seedUsers: SeedUser[] = [
  {
    email: "admin@cartwright.test",
    role: "ADMIN",
    passwordEnv: "SEED_ADMIN_PASSWORD",
    defaultPassword: "admin-password-123",
  },
  {
    email: "shopper@cartwright.test",
    role: "CUSTOMER",
    passwordEnv: "SEED_SHOPPER_PASSWORD",
    defaultPassword: "shopper-password-123",
  },
];

export const seedCategories: SeedCategory[] = [
  {
    slug: "apparel",
    name: "Apparel",
    description: "Tees, hoodies and the things that keep your head, neck and feet warm.",
    productSlugs: [
      "classic-tee",
      "heavyweight-hoodie",
      "canvas-cap",
      "ribbed-beanie",
      "everyday-crew-socks",
      "merino-hiking-socks",
      "canvas-sneakers",
      "lambswool-scarf",
    ],
  },
  {
    slug: "bags",
    name: "Bags & Carry",
    description: "Totes, packs and pouches built to be carried every day.",
    productSlugs: ["waxed-canvas-tote", "rolltop-backpack", "sashiko-pouch"],
  },
  {
    slug: "outdoors",
    name: "Outdoors",
    description: "For the trail, the campsite and the commute.",
    productSlugs: ["merino-hiking-socks", "enamel-camp-mug", "insulated-water-bottle", "rolltop-backpack"],
  },
  {
    slug: "home-desk",
    name: "Home & Desk",
    description: "Mugs, notebooks and small things for the table.",
    productSlugs: ["enamel-camp-mug", "dot-grid-notebook"],
  },
];

/** Gallery images beyond each product's main image (which the seed also records as the gallery's first image). */
export const seedImages: SeedImage[] = [
  { productSlug: "classic-tee", variantSku: "TEE-CLASSIC-M-WHITE", url: "/products/classic-tee-white.svg", alt: "Classic Cotton Tee in white" },
  {
    productSlug: "heavyweight-hoodie",
    variantSku: "HOODIE-HW-L-FOREST",
    url: "/products/heavyweight-hoodie-forest.svg",
    alt: "Heavyweight Pullover Hoodie in forest green",
  },
];
