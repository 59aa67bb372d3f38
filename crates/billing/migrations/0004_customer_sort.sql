-- Schema version 4: the customer list sorts by any of its columns, and a name
-- search reads each matching name's newest customers only.
--
-- Each index is on the exact expression the list orders by (see
-- `CustomerSortField::key_sql`), so a sorted page walks an index from the cursor
-- instead of sorting the registry. The rowid, the tiebreak, is in every index.
CREATE INDEX customers_name_order ON customers (coalesce(customer_name, ''));
CREATE INDEX customers_pg_order ON customers (coalesce(pg_provider, ''));
CREATE INDEX customers_status_order ON customers (
    CASE key_status WHEN 'active' THEN 0 WHEN 'unverified' THEN 1
                    WHEN 'unknown' THEN 2 ELSE 3 END
);
CREATE INDEX customers_verified_order ON customers (coalesce(last_verified_at, 0));

-- A name's customers newest first: a name search runs once per matching name and
-- reads only that name's newest rows. It replaces the index on the name alone.
CREATE INDEX customers_name_time ON customers (customer_name, sort_at);
DROP INDEX customers_name;
