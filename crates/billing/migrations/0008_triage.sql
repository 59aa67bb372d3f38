-- Schema version 8: the triage queue.
-- The card's expiry month (YYYY-MM) is kept beside its masked number when the key is
-- issued here (DESIGN principle 2: the month only, for expiry warnings; never the
-- card number or the day). Keys issued elsewhere or before schema 8 have none.
ALTER TABLE customers ADD COLUMN card_expiry TEXT
    CHECK (card_expiry IS NULL OR card_expiry GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]');

-- What a person marked resolved in the triage queue. `entry_key` names the entry and
-- the version of it that was resolved (a charge declined again after a retry is a new
-- entry), so a resolution never hides a later problem.
CREATE TABLE triage_resolved (
    entry_key   TEXT PRIMARY KEY NOT NULL,
    kind        TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    resolved_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX customers_expiry ON customers (card_expiry) WHERE card_expiry IS NOT NULL;
CREATE INDEX journal_declined ON journal (customer_uid, updated_at) WHERE state = 'declined';
