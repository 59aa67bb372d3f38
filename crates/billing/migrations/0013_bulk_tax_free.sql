-- Schema version 13: a bulk item carries its tax-free part, so a run of a plan's period
-- sends (and its dry run's VAT counts) the plan's tax_free like the plan engine's own
-- charges. 0 on older items and on CSV lines (the CSV has no such column).
ALTER TABLE bulk_items ADD COLUMN tax_free INTEGER NOT NULL DEFAULT 0;
