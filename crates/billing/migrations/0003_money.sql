-- Schema version 3: money movement (DESIGN principle 1). The journal, recurring
-- plans with their subscriptions and periods, and bulk charge runs.

-- Every request that moves money or changes a schedule is a row here, committed
-- before the request leaves. A row whose answer was lost stays open ('sent' or
-- 'unknown') until a lookup at i'mport decides what happened.
CREATE TABLE journal (
    id             INTEGER PRIMARY KEY,
    op             TEXT NOT NULL CHECK (op IN ('charge_again', 'charge_onetime', 'schedule',
                                               'unschedule', 'schedule_update', 'refund')),
    profile        TEXT NOT NULL,
    merchant_uid   TEXT NOT NULL,
    -- What may have only one open operation at a time: `pay:<merchant_uid>`,
    -- `sched:<merchant_uid>`, `refund:<imp_uid>`.
    lock_key       TEXT NOT NULL,
    customer_uid   TEXT,
    target_imp_uid TEXT,              -- refunds: the payment refunded
    amount         INTEGER NOT NULL DEFAULT 0,
    -- sha256 of `request_json`: a retry must be the same request.
    request_hash   TEXT NOT NULL,
    -- The request without secrets or card data (what the UI shows).
    request_json   TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'succeeded', 'declined',
                                                  'rejected', 'unknown', 'resolved')),
    -- What happened, once known: paid, failed, not_executed, registered, revoked,
    -- moved, refunded, refused.
    outcome        TEXT,
    attempts       INTEGER NOT NULL DEFAULT 0,
    -- Charges: failed payments i'mport held for this merchant_uid before the last
    -- send. Refunds: length of the cancel history before the send. A lookup
    -- compares against it to tell a new attempt from an old one.
    prior_count    INTEGER NOT NULL DEFAULT 0,
    checksum       INTEGER,           -- refunds: the balance sent as `checksum`
    imp_uid        TEXT,              -- the payment the operation produced or touched
    fail_reason    TEXT,
    error_code     TEXT,
    error_message  TEXT,
    source         TEXT NOT NULL DEFAULT 'manual',
    created_at     INTEGER NOT NULL,
    sent_at        INTEGER,
    updated_at     INTEGER NOT NULL,
    resolved_at    INTEGER
);
-- At most one open operation per lock key: "until resolved, the same item cannot
-- be charged again" is enforced by the database, not only by code.
CREATE UNIQUE INDEX journal_open_lock ON journal (lock_key)
    WHERE state IN ('pending', 'sent', 'unknown');
-- One charge row per merchant_uid: a retry reuses its row (attempts + 1).
CREATE UNIQUE INDEX journal_charge_merchant ON journal (merchant_uid)
    WHERE op IN ('charge_again', 'charge_onetime');
CREATE INDEX journal_merchant ON journal (merchant_uid, op);
CREATE INDEX journal_open ON journal (state) WHERE state IN ('pending', 'sent', 'unknown');
CREATE INDEX journal_customer ON journal (customer_uid, created_at);
CREATE INDEX journal_created ON journal (created_at);

-- Recurring plans. `code` is short and goes into every period's merchant_uid.
CREATE TABLE plans (
    code             TEXT PRIMARY KEY NOT NULL,
    name             TEXT NOT NULL,
    amount           INTEGER NOT NULL CHECK (amount > 0),
    currency         TEXT NOT NULL DEFAULT 'KRW',
    tax_free         INTEGER NOT NULL DEFAULT 0,
    interval_kind    TEXT NOT NULL CHECK (interval_kind IN ('monthly', 'days')),
    interval_value   INTEGER NOT NULL,   -- day of month (1-31) or number of days
    start_at         INTEGER NOT NULL,
    end_at           INTEGER,
    max_periods      INTEGER,
    retry_after_days INTEGER NOT NULL DEFAULT 3,
    retry_max        INTEGER NOT NULL DEFAULT 2,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);

CREATE TABLE subscriptions (
    id           INTEGER PRIMARY KEY,
    plan_code    TEXT NOT NULL REFERENCES plans (code),
    customer_uid TEXT NOT NULL REFERENCES customers (customer_uid),
    status       TEXT NOT NULL CHECK (status IN ('active', 'cancelled')),
    created_at   INTEGER NOT NULL,
    cancelled_at INTEGER
);
CREATE UNIQUE INDEX subscriptions_active ON subscriptions (plan_code, customer_uid)
    WHERE status = 'active';
CREATE INDEX subscriptions_customer ON subscriptions (customer_uid);

-- One row per period of a subscription the engine has dealt with.
CREATE TABLE subscription_periods (
    subscription_id INTEGER NOT NULL REFERENCES subscriptions (id),
    period          INTEGER NOT NULL,      -- 0-based
    label           TEXT NOT NULL,         -- YYYYMM or p<n>
    due_at          INTEGER NOT NULL,
    merchant_uid    TEXT NOT NULL UNIQUE,  -- the scheduled charge's
    -- scheduled, paid, failed (dunning), written_off, revoked
    state           TEXT NOT NULL,
    retries         INTEGER NOT NULL DEFAULT 0,
    next_retry_at   INTEGER,
    paid_merchant_uid TEXT,
    imp_uid         TEXT,
    fail_reason     TEXT,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (subscription_id, period)
) WITHOUT ROWID;
CREATE INDEX subscription_periods_due ON subscription_periods (state, due_at);

-- Bulk charge runs: the planned items, then their results.
CREATE TABLE bulk_runs (
    id           TEXT PRIMARY KEY NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('plan', 'csv')),
    label        TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('ready', 'running', 'paused', 'cancelled',
                                                'completed')),
    concurrency  INTEGER NOT NULL,
    rate_per_sec REAL NOT NULL,
    items        INTEGER NOT NULL,
    total        INTEGER NOT NULL,
    vat          INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

CREATE TABLE bulk_items (
    run_id       TEXT NOT NULL REFERENCES bulk_runs (id),
    line         INTEGER NOT NULL,
    customer_uid TEXT NOT NULL,
    amount       INTEGER NOT NULL,
    name         TEXT NOT NULL,
    merchant_uid TEXT NOT NULL,
    -- queued, done
    state        TEXT NOT NULL,
    -- paid, declined, rejected, unknown, not_executed (cancelled run)
    outcome      TEXT,
    imp_uid      TEXT,
    fail_reason  TEXT,
    error_code   TEXT,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (run_id, line)
) WITHOUT ROWID;
CREATE INDEX bulk_items_state ON bulk_items (run_id, state);
CREATE INDEX bulk_items_merchant ON bulk_items (merchant_uid);

CREATE TABLE bulk_excluded (
    run_id       TEXT NOT NULL REFERENCES bulk_runs (id),
    line         INTEGER NOT NULL,
    customer_uid TEXT,
    reason       TEXT NOT NULL,
    detail       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (run_id, line)
) WITHOUT ROWID;
