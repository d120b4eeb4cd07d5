-- Catalog search, categories and product images.
--
-- Search: a stored generated tsvector (name weighted above description) with a GIN index answers word and prefix
-- queries; pg_trgm answers typos ("hodie" -> "hoodie") through a trigram GIN index on the name. pg_trgm ships with
-- PostgreSQL's contrib on every server we target, and the embedded PGlite (0.5.14) has it too: scripts/
-- embedded-postgres.ts starts the PGlite server with the extension loaded. Without pg_trgm this migration fails
-- loudly rather than leaving a search that silently never forgives a typo.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE "products" ADD COLUMN "search" tsvector GENERATED ALWAYS AS (
  setweight(to_tsvector('english', coalesce("name", '')), 'A') ||
  setweight(to_tsvector('english', coalesce("description", '')), 'B')
) STORED;

CREATE INDEX "products_search_idx" ON "products" USING GIN ("search");
CREATE INDEX "products_name_trgm_idx" ON "products" USING GIN (lower("name") gin_trgm_ops);

CREATE TABLE "categories" (
    "id" SERIAL NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "position" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "categories_pkey" PRIMARY KEY ("id"),
    -- slugs are URL segments: lower-case words joined by hyphens
    CONSTRAINT "categories_slug_format" CHECK ("slug" ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length("slug") <= 100)
);
CREATE UNIQUE INDEX "categories_slug_key" ON "categories"("slug");

CREATE TABLE "product_categories" (
    "product_id" INTEGER NOT NULL,
    "category_id" INTEGER NOT NULL,
    CONSTRAINT "product_categories_pkey" PRIMARY KEY ("product_id", "category_id")
);
-- the category page and the counts go from the category to its products
CREATE INDEX "product_categories_category_id_idx" ON "product_categories"("category_id", "product_id");
ALTER TABLE "product_categories" ADD CONSTRAINT "product_categories_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "products"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "product_categories" ADD CONSTRAINT "product_categories_category_id_fkey" FOREIGN KEY ("category_id") REFERENCES "categories"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "product_images" (
    "id" SERIAL NOT NULL,
    "product_id" INTEGER NOT NULL,
    -- NULL: the image shows the product as a whole; set: it shows that variant (e.g. another colour)
    "variant_id" INTEGER,
    "url" TEXT NOT NULL,
    "alt" TEXT NOT NULL DEFAULT '',
    "position" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "product_images_pkey" PRIMARY KEY ("id"),
    -- same-origin paths or https only: the URL lands in an <img src> and in Open Graph tags
    CONSTRAINT "product_images_url_format" CHECK ("url" ~ '^(/[^/]|https://)' AND length("url") <= 2000)
);
CREATE INDEX "product_images_product_id_idx" ON "product_images"("product_id", "position", "id");
CREATE UNIQUE INDEX "product_images_product_id_url_key" ON "product_images"("product_id", "url");
ALTER TABLE "product_images" ADD CONSTRAINT "product_images_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "products"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "product_images" ADD CONSTRAINT "product_images_variant_id_fkey" FOREIGN KEY ("variant_id") REFERENCES "product_variants"("id") ON DELETE SET NULL ON UPDATE CASCADE;
