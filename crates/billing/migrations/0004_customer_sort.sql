-- Schema version 4: the customer list sorts by any of its columns.
--
-- Each index is on the exact expression the list orders by (see
-- `CustomerSortField::key_sql`), so a sorted page walks an index from the cursor
-- instead of sorting the registry. The rowid, the tiebreak, is in every index.
CREATE INDEX customers_name_sort ON customers (coalesce(customer_name, ''));
CREATE INDEX customers_pg_name_sort ON customers (coalesce(pg_provider, ''));
CREATE INDEX customers_status_rank ON customers (
    CASE key_status WHEN 'active' THEN 0 WHEN 'unverified' THEN 1
                    WHEN 'unknown' THEN 2 ELSE 3 END
);
CREATE INDEX customers_verified_sort ON customers (coalesce(last_verified_at, 0));
