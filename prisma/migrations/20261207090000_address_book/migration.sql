-- The address book of signed-in shoppers (lib/address-book). The fields are lib/address's full address; the
-- checks below are the database's backstop for the rules lib/address-book applies (one default per user; the
-- limit of ADDRESS_BOOK_LIMIT addresses is counted under the user's row lock, which a constraint cannot express).
CREATE TABLE "saved_addresses" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "label" TEXT,
    "name" TEXT NOT NULL,
    "line1" TEXT NOT NULL,
    "line2" TEXT,
    "city" TEXT NOT NULL,
    "region" TEXT,
    "postal_code" TEXT NOT NULL,
    "country" CHAR(2) NOT NULL,
    "phone" TEXT,
    "is_default" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "saved_addresses_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "saved_addresses_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "saved_addresses_required_text" CHECK (length("name") > 0 AND length("line1") > 0 AND length("city") > 0 AND length("postal_code") > 0)
);

CREATE INDEX "saved_addresses_user_id_created_at_idx" ON "saved_addresses" ("user_id", "created_at");

-- at most one default per user, whatever runs at once
CREATE UNIQUE INDEX "saved_addresses_one_default_per_user" ON "saved_addresses" ("user_id") WHERE "is_default";
