-- Schema version 7: a failed or revoked schedule can be retried now
-- (`POST /subscribe/payments/schedule/{merchant_uid}/retry`, a charge) or re-armed at
-- a new time (`…/reschedule`), each journaled like every other money request. SQLite
-- cannot change a CHECK constraint in place, so the journal is rebuilt with its rows.
CREATE TABLE journal_v6 (
    id             INTEGER PRIMARY KEY,
    op             TEXT NOT NULL CHECK (op IN ('charge_again', 'charge_onetime', 'schedule',
                                               'unschedule', 'schedule_update', 'refund',
                                               'schedule_retry', 'schedule_reschedule')),
    profile        TEXT NOT NULL,
    merchant_uid   TEXT NOT NULL,
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
    seen           INTEGER NOT NULL DEFAULT 1,
    conflict_json  TEXT
);
INSERT INTO journal_v6 SELECT id, op, profile, merchant_uid, lock_key, customer_uid,
    target_imp_uid, amount, request_hash, request_json, state, outcome, attempts, prior_count,
    checksum, imp_uid, fail_reason, error_code, error_message, source, created_at, sent_at,
    updated_at, resolved_at, seen, conflict_json
FROM journal;
DROP TABLE journal;
ALTER TABLE journal_v6 RENAME TO journal;

CREATE UNIQUE INDEX journal_open_lock ON journal (lock_key)
    WHERE state IN ('pending', 'sent', 'unknown', 'conflict');
CREATE UNIQUE INDEX journal_charge_merchant ON journal (merchant_uid)
    WHERE op IN ('charge_again', 'charge_onetime');
CREATE INDEX journal_merchant ON journal (merchant_uid, op);
CREATE INDEX journal_open ON journal (state)
    WHERE state IN ('pending', 'sent', 'unknown', 'conflict');
CREATE INDEX journal_customer ON journal (customer_uid, created_at);
CREATE INDEX journal_created ON journal (created_at);
CREATE INDEX journal_unseen ON journal (customer_uid) WHERE seen = 0;
