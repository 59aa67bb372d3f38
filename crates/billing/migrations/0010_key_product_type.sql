-- Schema version 10: the kind of goods a key's charges carry (`product_type`, `real` or
-- `digital`), for PGs that refuse a charge without it (KSNET). Given when the key is
-- issued here, then sent with every charge and schedule of the key that does not name
-- its own. A table of its own: keys of other PGs have none.
CREATE TABLE key_product_type (
    customer_uid TEXT PRIMARY KEY NOT NULL,
    product_type TEXT NOT NULL CHECK (product_type IN ('real', 'digital'))
) WITHOUT ROWID;
