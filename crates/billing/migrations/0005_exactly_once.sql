-- Schema version 5: money moves exactly once per intent, across processes.
--
-- journal gains the `conflict` state (a payment found under our order id that is
-- not ours: a person decides), `seen` (whether whoever asked was told the outcome)
-- and `conflict_json` (the other side of a conflict). SQLite cannot change a CHECK
-- constraint in place, so the table is rebuilt with its rows.
CREATE TABLE journal_v5 (
    id             INTEGER PRIMARY KEY,
    op             TEXT NOT NULL CHECK (op IN ('charge_again', 'charge_onetime', 'schedule',
                                               'unschedule', 'schedule_update', 'refund')),
    profile        TEXT NOT NULL,
    merchant_uid   TEXT NOT NULL,
    -- What may have only one open operation at a time: `charge:<customer_uid>` (one
    -- open charge per customer), `pay:<merchant_uid>` (a card charge that keeps no
    -- key), `sched:<merchant_uid>`, `refund:<imp_uid>`.
    lock_key       TEXT NOT NULL,
    customer_uid   TEXT,
    target_imp_uid TEXT,
    amount         INTEGER NOT NULL DEFAULT 0,
    request_hash   TEXT NOT NULL,
    request_json   TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'succeeded', 'declined',
                                                  'rejected', 'unknown', 'resolved',
                                                  'conflict')),
    outcome        TEXT,
    attempts       INTEGER NOT NULL DEFAULT 0,
    prior_count    INTEGER NOT NULL DEFAULT 0,
    checksum       INTEGER,
    imp_uid        TEXT,
    fail_reason    TEXT,
    error_code     TEXT,
    error_message  TEXT,
    source         TEXT NOT NULL DEFAULT 'manual',
    created_at     INTEGER NOT NULL,
    sent_at        INTEGER,
    updated_at     INTEGER NOT NULL,
    resolved_at    INTEGER,
    -- 1 once the caller was given the outcome; 0 while they were told "checking" (or
    -- nothing, after a crash). The next request for the same customer is answered
    -- with that outcome first, so a retry never becomes a second charge.
    seen           INTEGER NOT NULL DEFAULT 1,
    -- Conflicts: what i'mport holds under our order id (customer, amount, time).
    conflict_json  TEXT
);
INSERT INTO journal_v5 (id, op, profile, merchant_uid, lock_key, customer_uid, target_imp_uid,
    amount, request_hash, request_json, state, outcome, attempts, prior_count, checksum, imp_uid,
    fail_reason, error_code, error_message, source, created_at, sent_at, updated_at, resolved_at,
    seen)
SELECT id, op, profile, merchant_uid, lock_key, customer_uid, target_imp_uid, amount,
    request_hash, request_json, state, outcome, attempts, prior_count, checksum, imp_uid,
    fail_reason, error_code, error_message, source, created_at, sent_at, updated_at, resolved_at,
    CASE WHEN state IN ('pending', 'sent', 'unknown') THEN 0 ELSE 1 END
FROM journal;
DROP TABLE journal;
ALTER TABLE journal_v5 RENAME TO journal;

-- A conflict holds its lock like an open row: nobody charges that customer (or
-- refunds that payment) again before a person has decided.
CREATE UNIQUE INDEX journal_open_lock ON journal (lock_key)
    WHERE state IN ('pending', 'sent', 'unknown', 'conflict');
CREATE UNIQUE INDEX journal_charge_merchant ON journal (merchant_uid)
    WHERE op IN ('charge_again', 'charge_onetime');
CREATE INDEX journal_merchant ON journal (merchant_uid, op);
CREATE INDEX journal_open ON journal (state)
    WHERE state IN ('pending', 'sent', 'unknown', 'conflict');
CREATE INDEX journal_customer ON journal (customer_uid, created_at);
CREATE INDEX journal_created ON journal (created_at);
-- Outcomes nobody was told yet, per customer (checked before every manual charge).
CREATE INDEX journal_unseen ON journal (customer_uid) WHERE seen = 0;

-- Work only one process may do at a time (a bulk run, the plan engine, a
-- reconciliation): the holder renews `expires_at` while it works; a crashed
-- holder's lease runs out and another process may take it.
CREATE TABLE leases (
    name         TEXT PRIMARY KEY NOT NULL,
    owner        TEXT NOT NULL,
    acquired_at  INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
) WITHOUT ROWID;

-- Set when the database was replaced by a backup or started empty: what i'mport did
-- since `since` is not known here, so money waits until payments and schedules are
-- synced again (both `*_synced_at` at or after `set_at`).
CREATE TABLE resync_required (
    id                  INTEGER PRIMARY KEY CHECK (id = 1),
    since               INTEGER NOT NULL,
    reason              TEXT NOT NULL,
    set_at              INTEGER NOT NULL,
    payments_synced_at  INTEGER,
    schedules_synced_at INTEGER
);

-- Bulk runs are identified by their content: planning the same file again finds the
-- same run. `repeat_of` is set on a deliberate second run of the same content.
ALTER TABLE bulk_runs ADD COLUMN content_hash TEXT;
ALTER TABLE bulk_runs ADD COLUMN allow_repeats INTEGER NOT NULL DEFAULT 0;
CREATE INDEX bulk_runs_content ON bulk_runs (kind, content_hash);
