-- Money hardening (per-customer keys, unpaid-order caps, payment event records).

-- Per-customer discount limits count by the normalised e-mail (trimmed, lower-cased, `+tag` removed from the
-- local part): a signed-in shopper by their account's e-mail, a guest by the checkout e-mail, so the two count
-- together (lib/discounts/repository.ts customerKeyOf). Redemptions stored under the old keys ("user:<id>", or a
-- guest's e-mail with its +tag) are rewritten so they keep counting.
UPDATE "discount_redemptions" r
SET "customer_key" = 'email:' || regexp_replace(lower(btrim(u."email")), '^([^@+]+)\+[^@]*@', '\1@')
FROM "users" u
WHERE r."customer_key" = 'user:' || u."id"::text;

UPDATE "discount_redemptions"
SET "customer_key" = 'email:' || regexp_replace(lower(btrim(substr("customer_key", 7))), '^([^@+]+)\+[^@]*@', '\1@')
WHERE "customer_key" LIKE 'email:%';
