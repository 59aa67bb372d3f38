-- Schema version 12: a payment row keeps less of i'mport's object. Besides the fields its
-- columns give back, the rest no longer keeps the fields that carry their usual value on a
-- card-by-key merchant's payments (channel "api", no escrow, no instalments, …: the list
-- is `USUAL_VALUES` in crates/billing/src/mirror/payments.rs). `raw_absent` has a bit set
-- for each of those fields the received object did not have at all (NULL: it had every
-- one), so the object read back is still the one received. The backfill rewrites every
-- row's rest in the new form. No index is added, dropped or changed.
ALTER TABLE payments ADD COLUMN raw_absent INTEGER;
