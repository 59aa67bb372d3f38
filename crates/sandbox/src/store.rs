//! SQLite state: customers (billing keys), payments with their cancel history, and
//! schedules. In memory by default, a file with `--db` so a restart keeps everything.
//!
//! One connection behind a mutex: the sandbox is one merchant account, so a single
//! writer is simpler and, with indexed lookups, far faster than the goal. The lock also
//! makes "check merchant_uid, then insert" atomic, which is the duplicate-charge guard.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::error::SandboxError;
use crate::wire::{CancelHistory, Customer, Payment, Schedule};

mod window;

pub use window::{DAY_SECS, day, payments_by_status};

const SCHEMA_VERSION: i64 = 3;

/// Migrations run in order; each is applied once, tracked in `schema_version`.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE customers (
    customer_uid      TEXT PRIMARY KEY,
    pg_provider       TEXT NOT NULL,
    pg_id             TEXT NOT NULL,
    sandbox           INTEGER NOT NULL,
    customer_id       TEXT,
    card_name         TEXT NOT NULL,
    card_code         TEXT,
    card_number       TEXT,
    card_type         INTEGER,
    customer_name     TEXT,
    customer_tel      TEXT,
    customer_email    TEXT,
    customer_addr     TEXT,
    customer_postcode TEXT,
    inserted          INTEGER NOT NULL,
    updated           INTEGER NOT NULL
);
CREATE TABLE payments (
    id                 INTEGER PRIMARY KEY,
    imp_uid            TEXT NOT NULL UNIQUE,
    merchant_uid       TEXT NOT NULL,
    status             TEXT NOT NULL,
    amount             INTEGER NOT NULL,
    cancel_amount      INTEGER NOT NULL DEFAULT 0,
    currency           TEXT NOT NULL,
    tax_free           INTEGER NOT NULL DEFAULT 0,
    vat_amount         INTEGER NOT NULL DEFAULT 0,
    cancel_tax_free    INTEGER NOT NULL DEFAULT 0,
    cancel_vat         INTEGER NOT NULL DEFAULT 0,
    pg_provider        TEXT NOT NULL,
    pg_id              TEXT NOT NULL,
    pg_tid             TEXT,
    sandbox            INTEGER NOT NULL,
    apply_num          TEXT,
    card_code          TEXT,
    card_name          TEXT,
    card_number        TEXT,
    card_type          INTEGER,
    card_quota         INTEGER NOT NULL DEFAULT 0,
    name               TEXT,
    buyer_name         TEXT,
    buyer_email        TEXT,
    buyer_tel          TEXT,
    buyer_addr         TEXT,
    buyer_postcode     TEXT,
    custom_data        TEXT,
    started_at         INTEGER NOT NULL,
    paid_at            INTEGER NOT NULL DEFAULT 0,
    failed_at          INTEGER NOT NULL DEFAULT 0,
    cancelled_at       INTEGER NOT NULL DEFAULT 0,
    updated_at         INTEGER NOT NULL,
    -- the timestamp that matches `status` (ready: started, paid: paid, …), which is
    -- what GET /payments/status/{status}?from&to filters on
    status_at          INTEGER NOT NULL,
    fail_reason        TEXT,
    cancel_reason      TEXT,
    receipt_url        TEXT,
    customer_uid       TEXT,
    customer_uid_usage TEXT
);
CREATE INDEX payments_merchant ON payments(merchant_uid, started_at);
CREATE INDEX payments_status_window ON payments(status, status_at);
CREATE INDEX payments_window ON payments(status_at);
CREATE INDEX payments_customer ON payments(customer_uid, started_at);
CREATE TABLE cancel_history (
    id              INTEGER PRIMARY KEY,
    payment_id      INTEGER NOT NULL REFERENCES payments(id) ON DELETE CASCADE,
    pg_tid          TEXT NOT NULL,
    amount          INTEGER NOT NULL,
    tax_free        INTEGER NOT NULL DEFAULT 0,
    vat_amount      INTEGER NOT NULL DEFAULT 0,
    cancelled_at    INTEGER NOT NULL,
    reason          TEXT NOT NULL,
    cancellation_id TEXT NOT NULL UNIQUE,
    receipt_url     TEXT
);
CREATE INDEX cancel_history_payment ON cancel_history(payment_id);
CREATE TABLE schedules (
    merchant_uid     TEXT PRIMARY KEY,
    customer_uid     TEXT NOT NULL,
    imp_uid          TEXT,
    pg_provider      TEXT,
    pg_id            TEXT,
    customer_id      TEXT,
    schedule_at      INTEGER NOT NULL,
    executed_at      INTEGER NOT NULL DEFAULT 0,
    revoked_at       INTEGER NOT NULL DEFAULT 0,
    amount           INTEGER NOT NULL,
    currency         TEXT NOT NULL,
    tax_free         INTEGER NOT NULL DEFAULT 0,
    vat_amount       INTEGER,
    card_quota       INTEGER NOT NULL DEFAULT 0,
    product_type     TEXT,
    name             TEXT,
    buyer_name       TEXT,
    buyer_email      TEXT,
    buyer_tel        TEXT,
    buyer_addr       TEXT,
    buyer_postcode   TEXT,
    custom_data      TEXT,
    notice_url       TEXT,
    schedule_status  TEXT NOT NULL,
    payment_status   TEXT,
    fail_reason      TEXT
);
CREATE INDEX schedules_due ON schedules(schedule_status, schedule_at);
CREATE INDEX schedules_window ON schedules(schedule_at);
CREATE INDEX schedules_customer ON schedules(customer_uid, schedule_at);
"#,
    r#"
-- Charges that answered `ready` and settle later: when, to what, and whom to tell.
-- settle_at 0 = nothing pending.
ALTER TABLE payments ADD COLUMN settle_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE payments ADD COLUMN settle_paid INTEGER NOT NULL DEFAULT 0;
ALTER TABLE payments ADD COLUMN settle_fail_reason TEXT;
ALTER TABLE payments ADD COLUMN settle_notice_url TEXT;
ALTER TABLE payments ADD COLUMN settle_notify_failed INTEGER NOT NULL DEFAULT 0;
CREATE INDEX payments_settle ON payments(settle_at) WHERE settle_at > 0;
"#,
    r#"
-- Day counts for the time-window lists, so a page is found without counting the window
-- row by row (see store/window.rs). A day is floor(t / 86400): SQLite's `/` truncates,
-- and `- (t % 86400 < 0)` turns that into a floor for times before 1970, as
-- `window::day` does in Rust.
ALTER TABLE payments ADD COLUMN status_day INTEGER AS (status_at / 86400 - (status_at % 86400 < 0));
ALTER TABLE payments ADD COLUMN started_day INTEGER AS (started_at / 86400 - (started_at % 86400 < 0));
ALTER TABLE payments ADD COLUMN paid_day INTEGER AS (paid_at / 86400 - (paid_at % 86400 < 0));
ALTER TABLE payments ADD COLUMN updated_day INTEGER AS (updated_at / 86400 - (updated_at % 86400 < 0));
-- Payments per day of the window's time (status_at) and per day of each sort time.
CREATE TABLE payment_days (
    status_day  INTEGER NOT NULL,
    status      TEXT NOT NULL,
    started_day INTEGER NOT NULL,
    paid_day    INTEGER NOT NULL,
    updated_day INTEGER NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (status_day, status, started_day, paid_day, updated_day)
) WITHOUT ROWID;
INSERT INTO payment_days
    SELECT status_day, status, started_day, paid_day, updated_day, COUNT(*)
    FROM payments GROUP BY 1, 2, 3, 4, 5;
CREATE TRIGGER payment_days_insert AFTER INSERT ON payments BEGIN
    INSERT INTO payment_days VALUES (NEW.status_day, NEW.status, NEW.started_day, NEW.paid_day, NEW.updated_day, 1)
        ON CONFLICT DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER payment_days_delete AFTER DELETE ON payments BEGIN
    UPDATE payment_days SET n = n - 1
        WHERE (status_day, status, started_day, paid_day, updated_day) = (OLD.status_day, OLD.status, OLD.started_day, OLD.paid_day, OLD.updated_day);
    DELETE FROM payment_days
        WHERE (status_day, status, started_day, paid_day, updated_day) = (OLD.status_day, OLD.status, OLD.started_day, OLD.paid_day, OLD.updated_day) AND n = 0;
END;
CREATE TRIGGER payment_days_update AFTER UPDATE OF status, status_at, started_at, paid_at, updated_at ON payments BEGIN
    UPDATE payment_days SET n = n - 1
        WHERE (status_day, status, started_day, paid_day, updated_day) = (OLD.status_day, OLD.status, OLD.started_day, OLD.paid_day, OLD.updated_day);
    DELETE FROM payment_days
        WHERE (status_day, status, started_day, paid_day, updated_day) = (OLD.status_day, OLD.status, OLD.started_day, OLD.paid_day, OLD.updated_day) AND n = 0;
    INSERT INTO payment_days VALUES (NEW.status_day, NEW.status, NEW.started_day, NEW.paid_day, NEW.updated_day, 1)
        ON CONFLICT DO UPDATE SET n = n + 1;
END;
-- The window indexes carry the sort times, so the window's cut first and last days are
-- counted per sort day from the index alone.
DROP INDEX payments_window;
CREATE INDEX payments_window ON payments(status_at, started_at, paid_at, updated_at);
DROP INDEX payments_status_window;
CREATE INDEX payments_status_window ON payments(status, status_at, started_at, paid_at, updated_at);
-- One index per sort order, in page order (time, then id), carrying what the window
-- filters on, so rows before the page are stepped over in the index.
CREATE INDEX payments_by_started ON payments(started_at, id, status, status_at);
CREATE INDEX payments_by_paid ON payments(paid_at, id, status, status_at);
CREATE INDEX payments_by_updated ON payments(updated_at, id, status, status_at);

ALTER TABLE schedules ADD COLUMN schedule_day INTEGER AS (schedule_at / 86400 - (schedule_at % 86400 < 0));
CREATE TABLE schedule_days (
    schedule_day    INTEGER NOT NULL,
    schedule_status TEXT NOT NULL,
    n               INTEGER NOT NULL,
    PRIMARY KEY (schedule_day, schedule_status)
) WITHOUT ROWID;
INSERT INTO schedule_days
    SELECT schedule_day, schedule_status, COUNT(*) FROM schedules GROUP BY 1, 2;
CREATE TRIGGER schedule_days_insert AFTER INSERT ON schedules BEGIN
    INSERT INTO schedule_days VALUES (NEW.schedule_day, NEW.schedule_status, 1)
        ON CONFLICT DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER schedule_days_delete AFTER DELETE ON schedules BEGIN
    UPDATE schedule_days SET n = n - 1
        WHERE schedule_day = OLD.schedule_day AND schedule_status = OLD.schedule_status;
    DELETE FROM schedule_days
        WHERE schedule_day = OLD.schedule_day AND schedule_status = OLD.schedule_status AND n = 0;
END;
CREATE TRIGGER schedule_days_update AFTER UPDATE OF schedule_at, schedule_status ON schedules BEGIN
    UPDATE schedule_days SET n = n - 1
        WHERE schedule_day = OLD.schedule_day AND schedule_status = OLD.schedule_status;
    DELETE FROM schedule_days
        WHERE schedule_day = OLD.schedule_day AND schedule_status = OLD.schedule_status AND n = 0;
    INSERT INTO schedule_days VALUES (NEW.schedule_day, NEW.schedule_status, 1)
        ON CONFLICT DO UPDATE SET n = n + 1;
END;
-- Schedule indexes in page order (schedule_at, then merchant_uid), so no page sorts.
DROP INDEX schedules_due;
CREATE INDEX schedules_due ON schedules(schedule_status, schedule_at, merchant_uid);
DROP INDEX schedules_window;
CREATE INDEX schedules_window ON schedules(schedule_at, merchant_uid);
DROP INDEX schedules_customer;
CREATE INDEX schedules_customer ON schedules(customer_uid, schedule_at, merchant_uid, schedule_status);
"#,
];

pub struct Store {
    conn: Mutex<Connection>,
}

/// A payment row plus the columns the wire object does not show.
#[derive(Debug, Clone)]
pub struct StoredPayment {
    pub id: i64,
    pub payment: Payment,
    pub tax_free: i64,
    pub vat_amount: i64,
    pub cancel_tax_free: i64,
    pub cancel_vat: i64,
}

/// A schedule row plus its charge options.
#[derive(Debug, Clone)]
pub struct StoredSchedule {
    pub schedule: Schedule,
    pub tax_free: i64,
    pub vat_amount: Option<i64>,
    pub card_quota: i64,
    pub product_type: Option<String>,
    pub notice_url: Option<String>,
}

/// The time a payment list is ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortTime {
    Started,
    Paid,
    Updated,
}

/// A `sorting` of the payment lists: a time, then the row id as the tie-break.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaymentOrder {
    pub time: SortTime,
    pub descending: bool,
}

impl PaymentOrder {
    /// The API's `sorting` values; absent means `-started`. `None` for anything else.
    pub fn parse(sorting: Option<&str>) -> Option<Self> {
        let s = sorting.unwrap_or("-started");
        let (descending, name) = match s.strip_prefix('-') {
            Some(n) => (true, n),
            None => (false, s),
        };
        let time = match name {
            "started" => SortTime::Started,
            "paid" => SortTime::Paid,
            "updated" => SortTime::Updated,
            _ => return None,
        };
        Some(Self { time, descending })
    }

    /// The `ORDER BY` clause.
    pub fn sql(self) -> &'static str {
        match (self.time, self.descending) {
            (SortTime::Started, true) => "started_at DESC, id DESC",
            (SortTime::Started, false) => "started_at ASC, id ASC",
            (SortTime::Paid, true) => "paid_at DESC, id DESC",
            (SortTime::Paid, false) => "paid_at ASC, id ASC",
            (SortTime::Updated, true) => "updated_at DESC, id DESC",
            (SortTime::Updated, false) => "updated_at ASC, id ASC",
        }
    }

    fn column(self) -> &'static str {
        match self.time {
            SortTime::Started => "started_at",
            SortTime::Paid => "paid_at",
            SortTime::Updated => "updated_at",
        }
    }

    fn day_column(self) -> &'static str {
        match self.time {
            SortTime::Started => "started_day",
            SortTime::Paid => "paid_day",
            SortTime::Updated => "updated_day",
        }
    }

    /// The index in this order (migration 3).
    fn index(self) -> &'static str {
        match self.time {
            SortTime::Started => "payments_by_started",
            SortTime::Paid => "payments_by_paid",
            SortTime::Updated => "payments_by_updated",
        }
    }
}

/// `imps_` + 12 digits, derived from the row id by a bijection mod 10^12 so ids look
/// scattered (like real ones) yet never collide and stay deterministic.
pub fn imp_uid_for(id: i64) -> String {
    let n = (id as i128 * 7_919_609 + 104_729).rem_euclid(1_000_000_000_000);
    format!("imps_{n:012}")
}

const PAY_COLS: &str = "id, imp_uid, merchant_uid, status, amount, cancel_amount, currency, tax_free, vat_amount, cancel_tax_free, cancel_vat, pg_provider, pg_id, pg_tid, sandbox, apply_num, card_code, card_name, card_number, card_type, card_quota, name, buyer_name, buyer_email, buyer_tel, buyer_addr, buyer_postcode, custom_data, started_at, paid_at, failed_at, cancelled_at, updated_at, fail_reason, cancel_reason, receipt_url, customer_uid, customer_uid_usage";

fn payment_from_row(r: &Row<'_>) -> rusqlite::Result<StoredPayment> {
    let payment = Payment {
        imp_uid: r.get(1)?,
        merchant_uid: r.get(2)?,
        pay_method: "card".into(),
        channel: "api".into(),
        status: r.get(3)?,
        amount: r.get(4)?,
        cancel_amount: r.get(5)?,
        currency: r.get(6)?,
        pg_provider: r.get(11)?,
        emb_pg_provider: None,
        pg_id: r.get(12)?,
        pg_tid: r.get(13)?,
        sandbox: r.get(14)?,
        escrow: false,
        apply_num: r.get(15)?,
        bank_code: None,
        bank_name: None,
        card_code: r.get(16)?,
        card_name: r.get(17)?,
        card_issuer_code: None,
        card_issuer_name: None,
        card_publisher_code: None,
        card_publisher_name: None,
        card_number: r.get(18)?,
        card_type: r.get(19)?,
        card_quota: r.get(20)?,
        vbank_code: None,
        vbank_name: None,
        vbank_num: None,
        vbank_holder: None,
        vbank_date: 0,
        vbank_issued_at: 0,
        name: r.get(21)?,
        buyer_name: r.get(22)?,
        buyer_email: r.get(23)?,
        buyer_tel: r.get(24)?,
        buyer_addr: r.get(25)?,
        buyer_postcode: r.get(26)?,
        custom_data: r.get(27)?,
        user_agent: None,
        started_at: r.get(28)?,
        paid_at: r.get(29)?,
        failed_at: r.get(30)?,
        cancelled_at: r.get(31)?,
        fail_reason: r.get(33)?,
        cancel_reason: r.get(34)?,
        receipt_url: r.get(35)?,
        cancel_history: Vec::new(),
        cancel_receipt_urls: Vec::new(),
        cash_receipt_issued: false,
        customer_uid: r.get(36)?,
        customer_uid_usage: r.get(37)?,
    };
    Ok(StoredPayment {
        id: r.get(0)?,
        payment,
        tax_free: r.get(7)?,
        vat_amount: r.get(8)?,
        cancel_tax_free: r.get(9)?,
        cancel_vat: r.get(10)?,
    })
}

const CUST_COLS: &str = "customer_uid, pg_provider, pg_id, sandbox, customer_id, card_name, card_code, card_number, card_type, customer_name, customer_tel, customer_email, customer_addr, customer_postcode, inserted, updated";

fn customer_from_row(r: &Row<'_>) -> rusqlite::Result<Customer> {
    Ok(Customer {
        customer_uid: r.get(0)?,
        pg_provider: r.get(1)?,
        pg_id: r.get(2)?,
        sandbox: r.get(3)?,
        customer_id: r.get(4)?,
        card_name: r.get(5)?,
        card_code: r.get(6)?,
        card_issuer_code: None,
        card_issuer_name: None,
        card_publisher_code: None,
        card_publisher_name: None,
        card_number: r.get(7)?,
        card_type: r.get(8)?,
        customer_name: r.get(9)?,
        customer_tel: r.get(10)?,
        customer_email: r.get(11)?,
        customer_addr: r.get(12)?,
        customer_postcode: r.get(13)?,
        inserted: r.get(14)?,
        updated: r.get(15)?,
    })
}

const SCHED_COLS: &str = "customer_uid, merchant_uid, imp_uid, pg_provider, pg_id, customer_id, schedule_at, executed_at, revoked_at, amount, currency, name, buyer_name, buyer_email, buyer_tel, buyer_addr, buyer_postcode, custom_data, schedule_status, payment_status, fail_reason, tax_free, vat_amount, card_quota, product_type, notice_url";

fn schedule_from_row(r: &Row<'_>) -> rusqlite::Result<StoredSchedule> {
    Ok(StoredSchedule {
        schedule: Schedule {
            customer_uid: r.get(0)?,
            merchant_uid: r.get(1)?,
            imp_uid: r.get(2)?,
            pg_provider: r.get(3)?,
            pg_id: r.get(4)?,
            customer_id: r.get(5)?,
            schedule_at: r.get(6)?,
            executed_at: r.get(7)?,
            revoked_at: r.get(8)?,
            amount: r.get(9)?,
            currency: r.get(10)?,
            name: r.get(11)?,
            buyer_name: r.get(12)?,
            buyer_email: r.get(13)?,
            buyer_tel: r.get(14)?,
            buyer_addr: r.get(15)?,
            buyer_postcode: r.get(16)?,
            custom_data: r.get(17)?,
            schedule_status: r.get(18)?,
            payment_status: r.get(19)?,
            fail_reason: r.get(20)?,
        },
        tax_free: r.get(21)?,
        vat_amount: r.get(22)?,
        card_quota: r.get(23)?,
        product_type: r.get(24)?,
        notice_url: r.get(25)?,
    })
}

impl Store {
    pub fn open(path: Option<&Path>) -> Result<Self, SandboxError> {
        let conn = match path {
            Some(p) => Connection::open(p)?,
            None => Connection::open_in_memory()?,
        };
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        if path.is_some() {
            // WAL keeps readers of the file (e.g. a curious sqlite3 shell) from blocking us.
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "synchronous", "NORMAL")?;
        }
        migrate(&conn)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    /// Runs `f` with the connection. A poisoned lock means a panic mid-request; SQLite
    /// rolled back any open transaction, so the connection is still consistent.
    pub fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Deletes every row (control endpoint `reset`).
    pub fn reset(&self) -> rusqlite::Result<()> {
        self.lock().execute_batch(
            "DELETE FROM cancel_history; DELETE FROM payments; DELETE FROM schedules; DELETE FROM customers;",
        )
    }
}

fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    debug_assert_eq!(MIGRATIONS.len() as i64, SCHEMA_VERSION);
    migrate_to(conn, SCHEMA_VERSION)
}

/// Applies the migrations up to `version` (tests stop early to make older databases).
fn migrate_to(conn: &Connection, version: i64) -> rusqlite::Result<()> {
    conn.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")?;
    let current: i64 = conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_version",
        [],
        |r| r.get(0),
    )?;
    for (i, sql) in MIGRATIONS.iter().enumerate() {
        let v = i as i64 + 1;
        if v > current && v <= version {
            let tx = conn.unchecked_transaction()?;
            tx.execute_batch(sql)?;
            tx.execute("INSERT INTO schema_version (version) VALUES (?1)", [v])?;
            tx.commit()?;
        }
    }
    Ok(())
}

// ---- payments -------------------------------------------------------------------

/// The payment indexes and triggers taken off the table for a bulk load, with what
/// recreates them.
#[must_use = "the payments table has no indexes until restored"]
pub struct SetAside {
    sql: Vec<String>,
}

/// Takes the payment indexes and triggers off for a bulk load (the seed): SQLite builds
/// an index from the finished table far faster than it inserts a million rows into it
/// one by one in random order, and the day counts are rebuilt in one pass. The
/// uniqueness of `imp_uid` is not an index of ours and stays. Inside a transaction, an
/// error before [`SetAside::restore`] rolls the drop back with everything else.
pub fn set_aside_payment_indexes(conn: &Connection) -> rusqlite::Result<SetAside> {
    let objects: Vec<(String, String, String)> = conn
        .prepare(
            "SELECT type, name, sql FROM sqlite_schema WHERE tbl_name = 'payments' AND type IN ('index', 'trigger') AND sql IS NOT NULL",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (kind, name, _) in &objects {
        let kind = if kind == "index" { "INDEX" } else { "TRIGGER" };
        conn.execute_batch(&format!("DROP {kind} \"{name}\""))?;
    }
    Ok(SetAside {
        sql: objects.into_iter().map(|(_, _, sql)| sql).collect(),
    })
}

impl SetAside {
    /// Recreates the indexes and triggers, and recounts `payment_days`.
    pub fn restore(self, conn: &Connection) -> rusqlite::Result<()> {
        for sql in &self.sql {
            conn.execute_batch(sql)?;
        }
        conn.execute_batch(
            "DELETE FROM payment_days;
             INSERT INTO payment_days
                 SELECT status_day, status, started_day, paid_day, updated_day, COUNT(*)
                 FROM payments GROUP BY 1, 2, 3, 4, 5;",
        )
    }
}

pub fn next_payment_id(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM payments", [], |r| {
        r.get(0)
    })
}

fn status_at(p: &Payment) -> i64 {
    match p.status.as_str() {
        "paid" => p.paid_at,
        "failed" => p.failed_at,
        "cancelled" => p.cancelled_at,
        _ => p.started_at,
    }
}

/// Inserts a payment whose `imp_uid` was made from `id` (see [`next_payment_id`]).
pub fn insert_payment(
    conn: &Connection,
    id: i64,
    p: &Payment,
    tax_free: i64,
    vat_amount: i64,
) -> rusqlite::Result<()> {
    let mut st = conn.prepare_cached(
        "INSERT INTO payments (id, imp_uid, merchant_uid, status, amount, cancel_amount, currency, tax_free, vat_amount, pg_provider, pg_id, pg_tid, sandbox, apply_num, card_code, card_name, card_number, card_type, card_quota, name, buyer_name, buyer_email, buyer_tel, buyer_addr, buyer_postcode, custom_data, started_at, paid_at, failed_at, cancelled_at, updated_at, status_at, fail_reason, cancel_reason, receipt_url, customer_uid, customer_uid_usage)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36, ?37)",
    )?;
    let updated = p
        .started_at
        .max(p.paid_at)
        .max(p.failed_at)
        .max(p.cancelled_at);
    st.execute(params![
        id,
        p.imp_uid,
        p.merchant_uid,
        p.status,
        p.amount,
        p.cancel_amount,
        p.currency,
        tax_free,
        vat_amount,
        p.pg_provider,
        p.pg_id,
        p.pg_tid,
        p.sandbox,
        p.apply_num,
        p.card_code,
        p.card_name,
        p.card_number,
        p.card_type,
        p.card_quota,
        p.name,
        p.buyer_name,
        p.buyer_email,
        p.buyer_tel,
        p.buyer_addr,
        p.buyer_postcode,
        p.custom_data,
        p.started_at,
        p.paid_at,
        p.failed_at,
        p.cancelled_at,
        updated,
        status_at(p),
        p.fail_reason,
        p.cancel_reason,
        p.receipt_url,
        p.customer_uid,
        p.customer_uid_usage,
    ])?;
    Ok(())
}

/// Fills in the cancel history of every payment of a list with one query (a page of
/// 1,000 would otherwise make 1,000).
fn load_histories(conn: &Connection, list: &mut [StoredPayment]) -> rusqlite::Result<()> {
    if list.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = list.iter().map(|p| p.id.to_string()).collect();
    let mut st = conn.prepare_cached(
        "SELECT payment_id, pg_tid, amount, cancelled_at, reason, cancellation_id, receipt_url FROM cancel_history
         WHERE payment_id IN (SELECT value FROM json_each(?1)) ORDER BY id",
    )?;
    let mut by_payment: HashMap<i64, Vec<CancelHistory>> = HashMap::new();
    let rows = st.query_map([format!("[{}]", ids.join(","))], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            CancelHistory {
                pg_tid: r.get(1)?,
                amount: r.get(2)?,
                cancelled_at: r.get(3)?,
                reason: r.get(4)?,
                cancellation_id: r.get(5)?,
                receipt_url: r.get(6)?,
            },
        ))
    })?;
    for row in rows {
        let (id, h) = row?;
        by_payment.entry(id).or_default().push(h);
    }
    for sp in list {
        let history = by_payment.remove(&sp.id).unwrap_or_default();
        sp.payment.cancel_receipt_urls = history
            .iter()
            .filter_map(|h| h.receipt_url.clone())
            .collect();
        sp.payment.cancel_history = history;
    }
    Ok(())
}

fn query_payments(
    conn: &Connection,
    sql: &str,
    args: &[&dyn rusqlite::ToSql],
) -> rusqlite::Result<Vec<StoredPayment>> {
    let mut st = conn.prepare_cached(sql)?;
    let mut out = st
        .query_map(args, payment_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    load_histories(conn, &mut out)?;
    Ok(out)
}

pub fn payment_by_imp(conn: &Connection, imp_uid: &str) -> rusqlite::Result<Option<StoredPayment>> {
    let sql = format!("SELECT {PAY_COLS} FROM payments WHERE imp_uid = ?1");
    Ok(query_payments(conn, &sql, &[&imp_uid])?.into_iter().next())
}

/// Payments with a merchant_uid, optionally one status, in `order` (an `ORDER BY`
/// clause such as [`PaymentOrder::sql`]), paged.
pub fn payments_by_merchant(
    conn: &Connection,
    merchant_uid: &str,
    status: Option<&str>,
    order: &str,
    limit: i64,
    offset: i64,
) -> rusqlite::Result<(i64, Vec<StoredPayment>)> {
    let status = status.unwrap_or("");
    let filter = "merchant_uid = ?1 AND (?2 = '' OR status = ?2)";
    let total: i64 = conn
        .prepare_cached(&format!("SELECT COUNT(*) FROM payments WHERE {filter}"))?
        .query_row(params![merchant_uid, status], |r| r.get(0))?;
    let sql = format!(
        "SELECT {PAY_COLS} FROM payments WHERE {filter} ORDER BY {order} LIMIT ?3 OFFSET ?4"
    );
    let list = query_payments(conn, &sql, &[&merchant_uid, &status, &limit, &offset])?;
    Ok((total, list))
}

pub fn payments_by_customer(
    conn: &Connection,
    customer_uid: &str,
    limit: i64,
    offset: i64,
) -> rusqlite::Result<(i64, Vec<StoredPayment>)> {
    let total: i64 = conn
        .prepare_cached("SELECT COUNT(*) FROM payments WHERE customer_uid = ?1")?
        .query_row([customer_uid], |r| r.get(0))?;
    let sql = format!(
        "SELECT {PAY_COLS} FROM payments WHERE customer_uid = ?1 ORDER BY started_at DESC, id DESC LIMIT ?2 OFFSET ?3"
    );
    Ok((
        total,
        query_payments(conn, &sql, &[&customer_uid, &limit, &offset])?,
    ))
}

/// True when an order id already has a successful (paid, possibly later refunded) charge.
pub fn merchant_uid_was_paid(conn: &Connection, merchant_uid: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT EXISTS(SELECT 1 FROM payments WHERE merchant_uid = ?1 AND paid_at > 0)",
    )?
    .query_row([merchant_uid], |r| r.get(0))
}

/// True when an order id has a `ready` charge that has not settled yet.
pub fn merchant_uid_is_settling(conn: &Connection, merchant_uid: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT EXISTS(SELECT 1 FROM payments WHERE merchant_uid = ?1 AND status = 'ready' AND settle_at > 0)",
    )?
    .query_row([merchant_uid], |r| r.get(0))
}

/// The outcome waiting for a `ready` charge.
#[derive(Debug, Clone)]
pub struct PendingSettle {
    /// Sandbox time at which it settles.
    pub at: i64,
    /// `true` → paid, `false` → failed with `fail_reason`.
    pub paid: bool,
    pub fail_reason: Option<String>,
    pub notice_url: Option<String>,
    /// Also send the webhook when it fails (scheduled executions).
    pub notify_failed: bool,
}

pub fn set_pending_settle(conn: &Connection, id: i64, s: &PendingSettle) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE payments SET settle_at = ?2, settle_paid = ?3, settle_fail_reason = ?4, settle_notice_url = ?5, settle_notify_failed = ?6 WHERE id = ?1",
    )?
    .execute(params![
        id,
        s.at,
        s.paid,
        s.fail_reason,
        s.notice_url,
        s.notify_failed
    ])?;
    Ok(())
}

/// `ready` charges due at `now`, oldest first: (id, imp_uid, merchant_uid, outcome).
pub fn due_settlements(
    conn: &Connection,
    now: i64,
) -> rusqlite::Result<Vec<(i64, String, String, PendingSettle)>> {
    conn.prepare_cached(
        "SELECT id, imp_uid, merchant_uid, settle_at, settle_paid, settle_fail_reason, settle_notice_url, settle_notify_failed
         FROM payments WHERE settle_at > 0 AND settle_at <= ?1 AND status = 'ready' ORDER BY settle_at, id",
    )?
    .query_map([now], |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            PendingSettle {
                at: r.get(3)?,
                paid: r.get(4)?,
                fail_reason: r.get(5)?,
                notice_url: r.get(6)?,
                notify_failed: r.get(7)?,
            },
        ))
    })?
    .collect()
}

/// What a `ready` charge becomes.
#[derive(Debug, Clone)]
pub enum Settlement {
    Paid {
        apply_num: String,
        receipt_url: String,
    },
    Failed {
        fail_reason: String,
    },
}

/// Moves a `ready` charge to its outcome at `at`, and the schedule that made it along.
pub fn settle_payment(
    conn: &Connection,
    id: i64,
    imp_uid: &str,
    at: i64,
    outcome: &Settlement,
) -> rusqlite::Result<()> {
    let tx = conn.unchecked_transaction()?;
    match outcome {
        Settlement::Paid {
            apply_num,
            receipt_url,
        } => {
            tx.execute(
                "UPDATE payments SET status = 'paid', paid_at = ?2, status_at = ?2, updated_at = MAX(updated_at, ?2), apply_num = ?3, receipt_url = ?4, settle_at = 0 WHERE id = ?1",
                params![id, at, apply_num, receipt_url],
            )?;
            tx.execute(
                "UPDATE schedules SET payment_status = 'paid', fail_reason = NULL WHERE imp_uid = ?1",
                [imp_uid],
            )?;
        }
        Settlement::Failed { fail_reason } => {
            tx.execute(
                "UPDATE payments SET status = 'failed', failed_at = ?2, status_at = ?2, updated_at = MAX(updated_at, ?2), fail_reason = ?3, settle_at = 0 WHERE id = ?1",
                params![id, at, fail_reason],
            )?;
            tx.execute(
                "UPDATE schedules SET payment_status = 'failed', fail_reason = ?2 WHERE imp_uid = ?1",
                params![imp_uid, fail_reason],
            )?;
        }
    }
    tx.commit()
}

/// Records one cancel: history row plus the payment's running totals.
#[allow(clippy::too_many_arguments)]
pub fn apply_cancel(
    conn: &Connection,
    sp: &StoredPayment,
    amount: i64,
    tax_free: i64,
    vat: i64,
    reason: &str,
    now: i64,
    history: &CancelHistory,
) -> rusqlite::Result<()> {
    let tx = conn.unchecked_transaction()?;
    let new_cancel = sp.payment.cancel_amount + amount;
    let fully = new_cancel >= sp.payment.amount;
    // Partial cancels keep `paid`; the payment turns `cancelled` when nothing is left.
    let status = if fully { "cancelled" } else { "paid" };
    let status_at = if fully { now } else { sp.payment.paid_at };
    tx.execute(
        "UPDATE payments SET cancel_amount = ?2, cancel_tax_free = cancel_tax_free + ?3, cancel_vat = cancel_vat + ?4, status = ?5, cancelled_at = ?6, cancel_reason = ?7, updated_at = ?6, status_at = ?8 WHERE id = ?1",
        params![sp.id, new_cancel, tax_free, vat, status, now, reason, status_at],
    )?;
    tx.execute(
        "INSERT INTO cancel_history (payment_id, pg_tid, amount, tax_free, vat_amount, cancelled_at, reason, cancellation_id, receipt_url) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![sp.id, history.pg_tid, amount, tax_free, vat, now, reason, history.cancellation_id, history.receipt_url],
    )?;
    tx.commit()
}

pub fn cancel_count(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT COUNT(*) FROM cancel_history", [], |r| r.get(0))
}

// ---- customers ------------------------------------------------------------------

pub fn customer(conn: &Connection, uid: &str) -> rusqlite::Result<Option<Customer>> {
    conn.prepare_cached(&format!(
        "SELECT {CUST_COLS} FROM customers WHERE customer_uid = ?1"
    ))?
    .query_row([uid], customer_from_row)
    .optional()
}

/// Issues or re-points a key. Re-issuing keeps `inserted` and bumps `updated`.
pub fn upsert_customer(conn: &Connection, c: &Customer) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO customers (customer_uid, pg_provider, pg_id, sandbox, customer_id, card_name, card_code, card_number, card_type, customer_name, customer_tel, customer_email, customer_addr, customer_postcode, inserted, updated)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
         ON CONFLICT(customer_uid) DO UPDATE SET pg_provider = excluded.pg_provider, pg_id = excluded.pg_id, sandbox = excluded.sandbox, customer_id = excluded.customer_id, card_name = excluded.card_name, card_code = excluded.card_code, card_number = excluded.card_number, card_type = excluded.card_type, customer_name = excluded.customer_name, customer_tel = excluded.customer_tel, customer_email = excluded.customer_email, customer_addr = excluded.customer_addr, customer_postcode = excluded.customer_postcode, updated = excluded.updated",
    )?
    .execute(params![
        c.customer_uid,
        c.pg_provider,
        c.pg_id,
        c.sandbox,
        c.customer_id,
        c.card_name,
        c.card_code,
        c.card_number,
        c.card_type,
        c.customer_name,
        c.customer_tel,
        c.customer_email,
        c.customer_addr,
        c.customer_postcode,
        c.inserted,
        c.updated,
    ])?;
    Ok(())
}

pub fn delete_customer(conn: &Connection, uid: &str) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM customers WHERE customer_uid = ?1", [uid])?;
    Ok(())
}

// ---- schedules ------------------------------------------------------------------

pub fn schedule(conn: &Connection, merchant_uid: &str) -> rusqlite::Result<Option<StoredSchedule>> {
    conn.prepare_cached(&format!(
        "SELECT {SCHED_COLS} FROM schedules WHERE merchant_uid = ?1"
    ))?
    .query_row([merchant_uid], schedule_from_row)
    .optional()
}

pub fn insert_schedule(conn: &Connection, s: &StoredSchedule) -> rusqlite::Result<()> {
    let x = &s.schedule;
    conn.prepare_cached(
        "INSERT INTO schedules (customer_uid, merchant_uid, imp_uid, pg_provider, pg_id, customer_id, schedule_at, executed_at, revoked_at, amount, currency, name, buyer_name, buyer_email, buyer_tel, buyer_addr, buyer_postcode, custom_data, schedule_status, payment_status, fail_reason, tax_free, vat_amount, card_quota, product_type, notice_url)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26)",
    )?
    .execute(params![
        x.customer_uid,
        x.merchant_uid,
        x.imp_uid,
        x.pg_provider,
        x.pg_id,
        x.customer_id,
        x.schedule_at,
        x.executed_at,
        x.revoked_at,
        x.amount,
        x.currency,
        x.name,
        x.buyer_name,
        x.buyer_email,
        x.buyer_tel,
        x.buyer_addr,
        x.buyer_postcode,
        x.custom_data,
        x.schedule_status,
        x.payment_status,
        x.fail_reason,
        s.tax_free,
        s.vat_amount,
        s.card_quota,
        s.product_type,
        s.notice_url,
    ])?;
    Ok(())
}

/// Writes back the mutable state of a schedule.
pub fn update_schedule(conn: &Connection, s: &Schedule) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE schedules SET imp_uid = ?2, pg_provider = ?3, pg_id = ?4, schedule_at = ?5, executed_at = ?6, revoked_at = ?7, schedule_status = ?8, payment_status = ?9, fail_reason = ?10 WHERE merchant_uid = ?1",
    )?
    .execute(params![
        s.merchant_uid,
        s.imp_uid,
        s.pg_provider,
        s.pg_id,
        s.schedule_at,
        s.executed_at,
        s.revoked_at,
        s.schedule_status,
        s.payment_status,
        s.fail_reason,
    ])?;
    Ok(())
}

/// After a refund, a schedule's `payment_status` shows `cancelled`.
pub fn mark_schedule_payment_cancelled(conn: &Connection, imp_uid: &str) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE schedules SET payment_status = 'cancelled' WHERE imp_uid = ?1",
        [imp_uid],
    )?;
    Ok(())
}

/// Schedules in `[from, to)` on `schedule_at`, optionally for one customer and status,
/// by `schedule_at` then `merchant_uid`, paged.
#[allow(clippy::too_many_arguments)]
pub fn schedules_in_window(
    conn: &Connection,
    customer_uid: Option<&str>,
    status: Option<&str>,
    from: i64,
    to: i64,
    oldest_first: bool,
    limit: i64,
    offset: i64,
) -> rusqlite::Result<(i64, Vec<Schedule>)> {
    let Some(c) = customer_uid else {
        return window::schedules_in_window(conn, status, from, to, oldest_first, limit, offset);
    };
    // One customer's schedules are few: its index range is counted and paged directly.
    let filter = "customer_uid = ?1 AND schedule_at >= ?3 AND schedule_at < ?4 AND (?2 IS NULL OR schedule_status = ?2)";
    let total: i64 = conn
        .prepare_cached(&format!(
            "SELECT COUNT(*) FROM schedules INDEXED BY schedules_customer WHERE {filter}"
        ))?
        .query_row(params![c, status, from, to], |r| r.get(0))?;
    let order = if oldest_first {
        "schedule_at ASC, merchant_uid ASC"
    } else {
        "schedule_at DESC, merchant_uid DESC"
    };
    let list = conn
        .prepare_cached(&format!(
            "SELECT {SCHED_COLS} FROM schedules INDEXED BY schedules_customer WHERE {filter} ORDER BY {order} LIMIT ?5 OFFSET ?6"
        ))?
        .query_map(params![c, status, from, to, limit, offset], schedule_from_row)?
        .map(|r| r.map(|s| s.schedule))
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((total, list))
}

/// Pending schedules of a customer (unschedule without merchant_uid).
pub fn pending_schedules_of(
    conn: &Connection,
    customer_uid: &str,
) -> rusqlite::Result<Vec<StoredSchedule>> {
    conn.prepare_cached(&format!(
        "SELECT {SCHED_COLS} FROM schedules WHERE customer_uid = ?1 AND schedule_status = 'scheduled' ORDER BY schedule_at"
    ))?
    .query_map([customer_uid], schedule_from_row)?
    .collect()
}

/// Due schedules, oldest first.
pub fn due_schedules(
    conn: &Connection,
    now: i64,
    limit: i64,
) -> rusqlite::Result<Vec<StoredSchedule>> {
    conn.prepare_cached(&format!(
        "SELECT {SCHED_COLS} FROM schedules WHERE schedule_status = 'scheduled' AND schedule_at <= ?1 ORDER BY schedule_at, merchant_uid LIMIT ?2"
    ))?
    .query_map(params![now, limit], schedule_from_row)?
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database written by the version before the day counts gets them, filled from
    /// its existing rows, and its windows answer as before.
    #[test]
    fn a_version_2_database_gains_filled_day_counts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite");
        {
            let conn = Connection::open(&path).unwrap();
            migrate_to(&conn, 2).unwrap();
            for i in 0..500i64 {
                let started = 1_700_000_000 + i * 4_321;
                let (status, status_at) = match i % 4 {
                    0 => ("cancelled", started + (i % 9) * DAY_SECS),
                    1 => ("failed", started + 3),
                    _ => ("paid", started),
                };
                conn.execute(
                    "INSERT INTO payments (id, imp_uid, merchant_uid, status, amount, currency, pg_provider, pg_id, sandbox, started_at, paid_at, updated_at, status_at)
                     VALUES (?1, ?2, ?3, ?4, 1000, 'KRW', 'nice', 'nice_test', 0, ?5, ?5, ?6, ?6)",
                    params![i + 1, imp_uid_for(i + 1), format!("m{i}"), status, started, status_at],
                )
                .unwrap();
                conn.execute(
                    "INSERT INTO schedules (merchant_uid, customer_uid, schedule_at, amount, currency, schedule_status) VALUES (?1, 'c', ?2, 1000, 'KRW', 'scheduled')",
                    params![format!("s{i}"), started],
                )
                .unwrap();
            }
        }
        let store = Store::open(Some(&path)).unwrap();
        let conn = store.lock();
        let version: i64 = conn
            .query_row("SELECT MAX(version) FROM schema_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        let counted: i64 = conn
            .query_row("SELECT SUM(n) FROM payment_days", [], |r| r.get(0))
            .unwrap();
        let scheduled: i64 = conn
            .query_row("SELECT SUM(n) FROM schedule_days", [], |r| r.get(0))
            .unwrap();
        assert_eq!((counted, scheduled), (500, 500));
        let (from, to) = (1_700_000_000 + 86_400 + 17, 1_700_000_000 + 20 * 86_400);
        let order = PaymentOrder::parse(Some("started")).unwrap();
        let plain: Vec<i64> = conn
            .prepare(
                "SELECT id FROM payments NOT INDEXED WHERE status_at BETWEEN ?1 AND ?2 ORDER BY started_at, id LIMIT 50 OFFSET 40",
            )
            .unwrap()
            .query_map([from, to], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let (_, page) = payments_by_status(&conn, None, from, to, order, 50, 40).unwrap();
        assert_eq!(page.iter().map(|p| p.id).collect::<Vec<_>>(), plain);
        let (total, list) =
            schedules_in_window(&conn, None, Some("scheduled"), from, to, true, 1000, 0).unwrap();
        assert_eq!(total, list.len() as i64);
        assert!(total > 0);
    }
}
