-- The foreign keys from a guest cart's rows to the hot rows are checked at the commit of the transaction that
-- writes them, not at their INSERT.
--
-- cw_place_order writes a guest cart's lines (cart_items) and codes (cart_discounts) before it locks the hot rows:
-- the variants and the discounts. Checked at the INSERT, each foreign key took a KEY SHARE lock on its variant or
-- discount while other checkouts held or waited for that row's update lock, so the row carried every waiting
-- checkout as one more member of a MultiXact, which PostgreSQL rewrites at each new locker and each update of the
-- row. Measured here with pgbench, 32 clients, one transaction = a cart row, one line on one variant, the
-- variant's stock decremented: 274-284 transactions/s and 5.8 ms of PostgreSQL CPU each with the check at the
-- INSERT, 898-926/s and 1.7 ms at the commit (three alternating runs each, a fresh database for every run).
-- Checked at the commit, the checkout already holds the row's update lock (it decremented the stock, or redeemed
-- the discount), so the check finds the row locked by itself and adds nobody.
-- The rules are the same: a line cannot name a variant that does not exist, nor a cart a discount that does not
-- exist; only their moment moves to the end of the transaction. The other side is unchanged (a variant with lines
-- cannot be deleted: RESTRICT is checked at once; a deleted discount still takes its cart rows with it).
ALTER TABLE "cart_items" ALTER CONSTRAINT "cart_items_variant_id_fkey" DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE "cart_discounts" ALTER CONSTRAINT "cart_discounts_discount_id_fkey" DEFERRABLE INITIALLY DEFERRED;
