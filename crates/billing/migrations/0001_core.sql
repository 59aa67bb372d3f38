-- Schema version 1: the registry of billing keys, the mirror of payments and
-- schedules, sync state and the hash-chained audit log.

-- The local registry. The V1 API cannot list billing keys, so this table is the
-- only complete list the merchant has (DESIGN principle 3).
CREATE TABLE customers (
    customer_uid      TEXT PRIMARY KEY NOT NULL,
    pg_provider       TEXT,
    pg_id             TEXT,
    customer_id       TEXT,
    card_name         TEXT,
    card_code         TEXT,
    card_number       TEXT,            -- masked, as the API returns it
    card_type         INTEGER,         -- 0 credit, 1 check, NULL unknown
    customer_name     TEXT,
    customer_tel      TEXT,
    customer_email    TEXT,
    customer_addr     TEXT,
    customer_postcode TEXT,
    sandbox           INTEGER NOT NULL DEFAULT 0,
    issued_at         INTEGER,         -- the API's `inserted`
    updated_at        INTEGER,         -- the API's `updated`
    key_status        TEXT NOT NULL DEFAULT 'unverified'
                      CHECK (key_status IN ('active', 'deleted', 'unknown', 'unverified')),
    last_verified_at  INTEGER,
    notes             TEXT NOT NULL DEFAULT '',
    raw_json          TEXT,            -- the last customer object seen from the API
    created_local_at  INTEGER NOT NULL,
    modified_local_at INTEGER NOT NULL,
    -- List order, newest first: issued time at PortOne, else when we first saw it.
    sort_at           INTEGER NOT NULL
);
CREATE INDEX customers_sort ON customers (sort_at);
CREATE INDEX customers_status_sort ON customers (key_status, sort_at);
CREATE INDEX customers_pg_sort ON customers (pg_provider, sort_at);
CREATE INDEX customers_name ON customers (customer_name);

CREATE TABLE customer_tags (
    customer_uid TEXT NOT NULL REFERENCES customers (customer_uid) ON DELETE CASCADE,
    tag          TEXT NOT NULL,
    PRIMARY KEY (customer_uid, tag)
) WITHOUT ROWID;
CREATE INDEX customer_tags_tag ON customer_tags (tag, customer_uid);

-- Payments belong to i'mport; this is a mirror, upserted by imp_uid.
-- `raw_json` keeps the whole object (cancel history included); the other columns
-- are extracted so that lists, filters and search run on indexes.
CREATE TABLE payments (
    id                  INTEGER PRIMARY KEY,
    imp_uid             TEXT NOT NULL UNIQUE,
    merchant_uid        TEXT NOT NULL,
    customer_uid        TEXT,
    status              TEXT NOT NULL,
    amount              INTEGER NOT NULL,  -- whole units (won for KRW)
    amount_text         TEXT NOT NULL,     -- exact decimal as the API sent it
    cancel_amount       INTEGER NOT NULL DEFAULT 0,
    currency            TEXT NOT NULL,
    pg_provider         TEXT,
    pay_method          TEXT,
    name                TEXT,
    buyer_name          TEXT,
    buyer_email         TEXT,
    buyer_tel           TEXT,
    apply_num           TEXT,
    card_name           TEXT,
    card_number         TEXT,
    started_at          INTEGER,
    paid_at             INTEGER,           -- NULL when the API says 0 (not happened)
    failed_at           INTEGER,
    cancelled_at        INTEGER,
    -- Latest of the four times: the default list order.
    event_at            INTEGER NOT NULL,
    fail_reason         TEXT,
    cancel_reason       TEXT,
    raw_json            TEXT NOT NULL,
    synced_at           INTEGER NOT NULL
);
-- Every index carries the rowid, so (x, event_at) orders by (x, event_at, id),
-- which is exactly the keyset the lists page on.
CREATE INDEX payments_event ON payments (event_at);
CREATE INDEX payments_status_event ON payments (status, event_at);
CREATE INDEX payments_pg_event ON payments (pg_provider, event_at);
CREATE INDEX payments_customer_event ON payments (customer_uid, event_at);
CREATE INDEX payments_buyer_event ON payments (buyer_name, event_at);
CREATE INDEX payments_amount_event ON payments (amount, event_at);
CREATE INDEX payments_merchant ON payments (merchant_uid);
CREATE INDEX payments_apply ON payments (apply_num) WHERE apply_num IS NOT NULL;
-- Covering for the 30-day totals of the overview.
CREATE INDEX payments_paid ON payments (paid_at, currency, amount) WHERE paid_at IS NOT NULL;
CREATE INDEX payments_cancelled ON payments (cancelled_at) WHERE cancelled_at IS NOT NULL;
CREATE INDEX payments_failed ON payments (failed_at) WHERE failed_at IS NOT NULL;

-- Schedules belong to i'mport too; upserted by merchant_uid.
CREATE TABLE schedules (
    id              INTEGER PRIMARY KEY,
    merchant_uid    TEXT NOT NULL UNIQUE,
    customer_uid    TEXT NOT NULL,
    imp_uid         TEXT,
    schedule_at     INTEGER NOT NULL,
    executed_at     INTEGER,
    revoked_at      INTEGER,
    amount          INTEGER NOT NULL,
    amount_text     TEXT NOT NULL,
    currency        TEXT NOT NULL,
    name            TEXT,
    buyer_name      TEXT,
    schedule_status TEXT NOT NULL,
    payment_status  TEXT,
    fail_reason     TEXT,
    raw_json        TEXT NOT NULL,
    synced_at       INTEGER NOT NULL
);
CREATE INDEX schedules_at ON schedules (schedule_at);
CREATE INDEX schedules_customer_at ON schedules (customer_uid, schedule_at);
CREATE INDEX schedules_status_at ON schedules (schedule_status, schedule_at);

-- One row per sync stream. `cursor_json` is written in the same transaction as
-- each page's rows, so after a crash the sync resumes exactly after the last
-- committed page.
CREATE TABLE sync_state (
    stream           TEXT PRIMARY KEY NOT NULL,
    watermark        INTEGER,
    cursor_json      TEXT,
    last_started_at  INTEGER,
    last_finished_at INTEGER,
    last_error       TEXT,
    rows_synced      INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- Audit log, hash-chained: hash = sha256(prev_hash || canonical row).
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    profile   TEXT NOT NULL,
    action    TEXT NOT NULL,
    inputs    TEXT NOT NULL,
    outcome   TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
-- The chain's head, updated with every append: without it, deleting the newest
-- rows would leave a shorter chain that still verifies.
CREATE TABLE audit_head (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    last_id   INTEGER NOT NULL,
    last_hash TEXT NOT NULL
);
