//! Payments: a mirror of i'mport's, upserted by imp_uid.

use rusqlite::{OptionalExtension, Row, Transaction, params};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::registry::search::index;
use crate::store::db::Store;

/// Payment status as i'mport reports it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    Ready,
    Paid,
    Cancelled,
    Failed,
}

impl PaymentStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Ready => "ready",
            PaymentStatus::Paid => "paid",
            PaymentStatus::Cancelled => "cancelled",
            PaymentStatus::Failed => "failed",
        }
    }

    pub(crate) fn parse(s: &str) -> PaymentStatus {
        match s {
            "paid" => PaymentStatus::Paid,
            "cancelled" | "canceled" => PaymentStatus::Cancelled,
            "failed" => PaymentStatus::Failed,
            _ => PaymentStatus::Ready,
        }
    }
}

/// One entry of a payment's cancel history.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CancelEntry {
    /// Whole units (won for KRW).
    pub amount: i64,
    pub cancelled_at: Option<i64>,
    pub reason: Option<String>,
    pub pg_tid: Option<String>,
    pub receipt_url: Option<String>,
    pub cancellation_id: Option<String>,
}

/// A payment object in plain types: what the store upserts. Sync converts the
/// client's payment into this; times that the API sends as 0 are None.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PaymentRecord {
    pub imp_uid: String,
    pub merchant_uid: String,
    pub customer_uid: Option<String>,
    /// `ready`, `paid`, `cancelled`, `failed`.
    pub status: String,
    /// Whole units (exact for KRW).
    pub amount: i64,
    /// The exact decimal the API sent ("12000", "12.34").
    pub amount_text: String,
    pub cancel_amount: i64,
    pub currency: String,
    pub pg_provider: Option<String>,
    pub pay_method: Option<String>,
    pub name: Option<String>,
    pub buyer_name: Option<String>,
    pub buyer_email: Option<String>,
    pub buyer_tel: Option<String>,
    pub apply_num: Option<String>,
    pub card_name: Option<String>,
    pub card_number: Option<String>,
    pub started_at: Option<i64>,
    pub paid_at: Option<i64>,
    pub failed_at: Option<i64>,
    pub cancelled_at: Option<i64>,
    pub fail_reason: Option<String>,
    pub cancel_reason: Option<String>,
    /// The whole object as received, cancel history included.
    pub raw_json: String,
}

/// A payment as lists show it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Payment {
    pub imp_uid: String,
    pub merchant_uid: String,
    pub customer_uid: Option<String>,
    pub status: PaymentStatus,
    pub amount: i64,
    pub amount_text: String,
    pub cancel_amount: i64,
    pub currency: String,
    pub pg_provider: Option<String>,
    pub pay_method: Option<String>,
    pub name: Option<String>,
    pub buyer_name: Option<String>,
    pub buyer_email: Option<String>,
    pub buyer_tel: Option<String>,
    pub apply_num: Option<String>,
    pub card_name: Option<String>,
    pub card_number: Option<String>,
    pub started_at: Option<i64>,
    pub paid_at: Option<i64>,
    pub failed_at: Option<i64>,
    pub cancelled_at: Option<i64>,
    /// The latest of the four times: the list order.
    pub event_at: i64,
    pub fail_reason: Option<String>,
    pub cancel_reason: Option<String>,
}

/// A payment with its cancel history and the raw object.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PaymentDetail {
    pub payment: Payment,
    pub cancel_history: Vec<CancelEntry>,
    /// The whole object as last received from i'mport (JSON text).
    pub raw_json: String,
    pub synced_at: i64,
    /// The sales slip (매출전표) the PG published, when it names one.
    pub receipt_url: Option<String>,
}

/// Counts from an upsert.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct UpsertStats {
    /// Rows received.
    pub received: i64,
    /// Rows inserted or changed (identical rows are left alone).
    pub changed: i64,
}

pub(crate) const PAYMENT_COLS: &str = "p.imp_uid, p.merchant_uid, p.customer_uid, p.status, p.amount, \
     p.amount_text, p.cancel_amount, p.currency, p.pg_provider, p.pay_method, p.name, p.buyer_name, \
     p.buyer_email, p.buyer_tel, p.apply_num, p.card_name, p.card_number, p.started_at, p.paid_at, \
     p.failed_at, p.cancelled_at, p.event_at, p.fail_reason, p.cancel_reason, p.id";
/// How many columns `PAYMENT_COLS` selects (a list's sort key comes next).
pub(crate) const PAYMENT_COL_COUNT: usize = 25;

/// Map a row selected with `PAYMENT_COLS`, plus the row id (keyset tiebreak).
pub(crate) fn from_row(r: &Row<'_>) -> rusqlite::Result<(Payment, i64)> {
    let status: String = r.get(3)?;
    Ok((
        Payment {
            imp_uid: r.get(0)?,
            merchant_uid: r.get(1)?,
            customer_uid: r.get(2)?,
            status: PaymentStatus::parse(&status),
            amount: r.get(4)?,
            amount_text: r.get(5)?,
            cancel_amount: r.get(6)?,
            currency: r.get(7)?,
            pg_provider: r.get(8)?,
            pay_method: r.get(9)?,
            name: r.get(10)?,
            buyer_name: r.get(11)?,
            buyer_email: r.get(12)?,
            buyer_tel: r.get(13)?,
            apply_num: r.get(14)?,
            card_name: r.get(15)?,
            card_number: r.get(16)?,
            started_at: r.get(17)?,
            paid_at: r.get(18)?,
            failed_at: r.get(19)?,
            cancelled_at: r.get(20)?,
            event_at: r.get(21)?,
            fail_reason: r.get(22)?,
            cancel_reason: r.get(23)?,
        },
        r.get(24)?,
    ))
}

fn nz(t: Option<i64>) -> Option<i64> {
    t.filter(|v| *v > 0)
}

/// The fields of i'mport's payment object that the columns already hold. The stored
/// `raw_json` keeps only the rest (cancel history, PG ids, receipt, …), which takes about
/// half of a row's bytes off the store; [`whole_json`] puts them back when a payment is
/// read.
const FIELDS_IN_COLUMNS: [&str; 22] = [
    "imp_uid",
    "merchant_uid",
    "customer_uid",
    "status",
    "amount",
    "cancel_amount",
    "currency",
    "pg_provider",
    "pay_method",
    "name",
    "buyer_name",
    "buyer_email",
    "buyer_tel",
    "apply_num",
    "card_name",
    "card_number",
    "started_at",
    "paid_at",
    "failed_at",
    "cancelled_at",
    "fail_reason",
    "cancel_reason",
];

/// A field of the object as the payment's columns give it back (None: they cannot).
fn column_json(p: &Payment, field: &str) -> Option<serde_json::Value> {
    use serde_json::Value;
    let text = |v: &Option<String>| v.clone().map(Value::from);
    match field {
        "imp_uid" => Some(p.imp_uid.clone().into()),
        "merchant_uid" => Some(p.merchant_uid.clone().into()),
        "customer_uid" => text(&p.customer_uid),
        "status" => Some(p.status.as_str().into()),
        "amount" => serde_json::from_str::<Value>(&p.amount_text)
            .ok()
            .filter(Value::is_number),
        "cancel_amount" => Some(p.cancel_amount.into()),
        "currency" => Some(p.currency.clone().into()),
        "pg_provider" => text(&p.pg_provider),
        "pay_method" => text(&p.pay_method),
        "name" => text(&p.name),
        "buyer_name" => text(&p.buyer_name),
        "buyer_email" => text(&p.buyer_email),
        "buyer_tel" => text(&p.buyer_tel),
        "apply_num" => text(&p.apply_num),
        "card_name" => text(&p.card_name),
        "card_number" => text(&p.card_number),
        "started_at" => p.started_at.map(Value::from),
        "paid_at" => p.paid_at.map(Value::from),
        "failed_at" => p.failed_at.map(Value::from),
        "cancelled_at" => p.cancelled_at.map(Value::from),
        "fail_reason" => text(&p.fail_reason),
        "cancel_reason" => text(&p.cancel_reason),
        _ => None,
    }
}

/// Fields whose value is the same on nearly every payment of a merchant billing cards by
/// key (`/subscribe/payments/again`: channel `api`, no escrow, no instalments, …). A field
/// received with exactly this value is not stored in the row's rest; one the received
/// object did not have at all sets its bit (the index here) in the row's `raw_absent`, so
/// the object read back is still the one received. The list is part of the stored format:
/// never reorder or change an entry; a new entry needs a schema step that tells the rows
/// written before it apart (as migration 12 did with `raw_absent` NULL).
const USUAL_VALUES: [(&str, &str); 8] = [
    ("sandbox", "false"),
    ("escrow", "false"),
    ("card_quota", "0"),
    ("card_type", "0"),
    ("cash_receipt_issued", "false"),
    ("channel", "\"api\""),
    ("customer_uid_usage", "\"payment\""),
    ("user_agent", "\"sorry_not_supported\""),
];

/// `USUAL_VALUES` with the values parsed.
fn usual_values() -> &'static [(&'static str, serde_json::Value)] {
    static PARSED: std::sync::LazyLock<Vec<(&'static str, serde_json::Value)>> =
        std::sync::LazyLock::new(|| {
            USUAL_VALUES
                .iter()
                .map(|(f, v)| (*f, serde_json::from_str(v).unwrap_or_default()))
                .collect()
        });
    &PARSED
}

/// How a row written before migration 12 (`raw_absent` NULL) is read: every usual field
/// counts as absent, so none is added to what the row kept.
const ALL_ABSENT: i64 = (1 << USUAL_VALUES.len()) - 1;

/// What of the received object to store beside the columns: every field the columns do
/// not give back exactly (a field whose column differs — a trimmed name, a time of 0 —
/// stays, so the object read back is the one received), less the fields that have their
/// usual value; and the bits of the usual fields the object did not have. Text that is
/// not a JSON object is kept whole.
fn rest_json(raw: &str, stored: &Payment) -> (String, i64) {
    let Ok(serde_json::Value::Object(mut object)) = serde_json::from_str(raw) else {
        return (raw.to_string(), 0);
    };
    for field in FIELDS_IN_COLUMNS {
        if object
            .get(field)
            .is_some_and(|v| column_json(stored, field).as_ref() == Some(v))
        {
            object.remove(field);
        }
    }
    let mut absent = 0i64;
    for (bit, (field, usual)) in usual_values().iter().enumerate() {
        match object.get(*field) {
            None => absent |= 1 << bit,
            Some(v) if v == usual => {
                object.remove(*field);
            }
            Some(_) => {}
        }
    }
    (serde_json::Value::Object(object).to_string(), absent)
}

/// The received object again: the stored rest with the columns' fields and the usual
/// values it had put back (`absent` as stored: NULL for a row written before migration
/// 12, whose rest kept its usual values).
fn whole_json(rest: &str, absent: Option<i64>, p: &Payment) -> String {
    let Ok(serde_json::Value::Object(mut object)) = serde_json::from_str(rest) else {
        return rest.to_string();
    };
    for field in FIELDS_IN_COLUMNS {
        if !object.contains_key(field)
            && let Some(v) = column_json(p, field)
        {
            object.insert(field.to_string(), v);
        }
    }
    let absent = absent.unwrap_or(ALL_ABSENT);
    for (bit, (field, usual)) in usual_values().iter().enumerate() {
        if absent & (1 << bit) == 0 && !object.contains_key(*field) {
            object.insert(field.to_string(), usual.clone());
        }
    }
    serde_json::Value::Object(object).to_string()
}

/// Upsert payments inside the caller's transaction. Rows identical to what is
/// stored are not rewritten, so re-syncing an overlap costs reads only.
pub(crate) fn upsert_tx(
    tx: &Transaction<'_>,
    recs: &[PaymentRecord],
    now: i64,
) -> Result<UpsertStats> {
    let mut stats = UpsertStats::default();
    let mut stmt = tx.prepare_cached(
        "INSERT INTO payments (imp_uid, merchant_uid, customer_uid, status, amount, amount_text,
             cancel_amount, currency, pg_provider, pay_method, name, buyer_name, buyer_email,
             buyer_tel, apply_num, card_name, card_number, started_at, paid_at, failed_at,
             cancelled_at, event_at, fail_reason, cancel_reason, raw_json, synced_at, raw_absent)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
             ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27)
         ON CONFLICT (imp_uid) DO UPDATE SET
             merchant_uid = excluded.merchant_uid, customer_uid = excluded.customer_uid,
             status = excluded.status, amount = excluded.amount, amount_text = excluded.amount_text,
             cancel_amount = excluded.cancel_amount, currency = excluded.currency,
             pg_provider = excluded.pg_provider, pay_method = excluded.pay_method,
             name = excluded.name, buyer_name = excluded.buyer_name,
             buyer_email = excluded.buyer_email, buyer_tel = excluded.buyer_tel,
             apply_num = excluded.apply_num, card_name = excluded.card_name,
             card_number = excluded.card_number, started_at = excluded.started_at,
             paid_at = excluded.paid_at, failed_at = excluded.failed_at,
             cancelled_at = excluded.cancelled_at, event_at = excluded.event_at,
             fail_reason = excluded.fail_reason, cancel_reason = excluded.cancel_reason,
             raw_json = excluded.raw_json, synced_at = excluded.synced_at,
             raw_absent = excluded.raw_absent
         WHERE (payments.raw_json, payments.raw_absent, payments.merchant_uid, payments.customer_uid, payments.status,
                payments.amount, payments.amount_text, payments.cancel_amount, payments.currency,
                payments.pg_provider, payments.pay_method, payments.name, payments.buyer_name,
                payments.buyer_email, payments.buyer_tel, payments.apply_num, payments.card_name,
                payments.card_number, payments.started_at, payments.paid_at, payments.failed_at,
                payments.cancelled_at, payments.fail_reason, payments.cancel_reason)
            IS NOT (excluded.raw_json, excluded.raw_absent, excluded.merchant_uid, excluded.customer_uid,
                excluded.status, excluded.amount, excluded.amount_text, excluded.cancel_amount,
                excluded.currency, excluded.pg_provider, excluded.pay_method, excluded.name,
                excluded.buyer_name, excluded.buyer_email, excluded.buyer_tel, excluded.apply_num,
                excluded.card_name, excluded.card_number, excluded.started_at, excluded.paid_at,
                excluded.failed_at, excluded.cancelled_at, excluded.fail_reason,
                excluded.cancel_reason)",
    )?;
    let mut last_name: Option<&str> = None;
    for p in recs {
        if p.imp_uid.is_empty() {
            return Err(Error::invalid("imp_uid", "empty"));
        }
        let (started, paid, failed, cancelled) = (
            nz(p.started_at),
            nz(p.paid_at),
            nz(p.failed_at),
            nz(p.cancelled_at),
        );
        let event_at = [started, paid, failed, cancelled]
            .into_iter()
            .flatten()
            .max()
            .unwrap_or(now);
        let apply_num = p.apply_num.as_deref().filter(|s| !s.is_empty());
        let buyer_name = p
            .buyer_name
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        // The payment as it will be read back, to know which fields the columns restore.
        let stored = Payment {
            imp_uid: p.imp_uid.clone(),
            merchant_uid: p.merchant_uid.clone(),
            customer_uid: p.customer_uid.clone(),
            status: PaymentStatus::parse(&p.status),
            amount: p.amount,
            amount_text: p.amount_text.clone(),
            cancel_amount: p.cancel_amount,
            currency: p.currency.clone(),
            pg_provider: p.pg_provider.clone(),
            pay_method: p.pay_method.clone(),
            name: p.name.clone(),
            buyer_name: buyer_name.map(str::to_string),
            buyer_email: p.buyer_email.clone(),
            buyer_tel: p.buyer_tel.clone(),
            apply_num: apply_num.map(str::to_string),
            card_name: p.card_name.clone(),
            card_number: p.card_number.clone(),
            started_at: started,
            paid_at: paid,
            failed_at: failed,
            cancelled_at: cancelled,
            event_at,
            fail_reason: p.fail_reason.clone(),
            cancel_reason: p.cancel_reason.clone(),
        };
        let (rest, absent) = rest_json(&p.raw_json, &stored);
        let n = stmt.execute(params![
            p.imp_uid,
            p.merchant_uid,
            p.customer_uid,
            p.status,
            p.amount,
            p.amount_text,
            p.cancel_amount,
            p.currency,
            p.pg_provider,
            p.pay_method,
            p.name,
            buyer_name,
            p.buyer_email,
            p.buyer_tel,
            apply_num,
            p.card_name,
            p.card_number,
            started,
            paid,
            failed,
            cancelled,
            event_at,
            p.fail_reason,
            p.cancel_reason,
            rest,
            now,
            absent,
        ])?;
        stats.received += 1;
        stats.changed += n as i64;
        if n > 0
            && let Some(name) = buyer_name
            && last_name != Some(name)
        {
            index::ensure_name(tx, name)?;
            last_name = Some(name);
        }
    }
    Ok(stats)
}

fn parse_cancel_history(raw: &str) -> Vec<CancelEntry> {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(raw) else {
        return Vec::new();
    };
    let Some(list) = v.get("cancel_history").and_then(|h| h.as_array()) else {
        return Vec::new();
    };
    let s = |e: &serde_json::Value, k: &str| e.get(k).and_then(|x| x.as_str()).map(str::to_string);
    list.iter()
        .map(|e| CancelEntry {
            amount: e
                .get("amount")
                .and_then(|a| {
                    a.as_i64()
                        .or_else(|| a.as_f64().map(|f| f as i64))
                        .or_else(|| a.as_str().and_then(|t| t.split('.').next()?.parse().ok()))
                })
                .unwrap_or(0),
            cancelled_at: e
                .get("cancelled_at")
                .and_then(|t| t.as_i64())
                .filter(|t| *t > 0),
            reason: s(e, "reason"),
            pg_tid: s(e, "pg_tid"),
            receipt_url: s(e, "receipt_url"),
            cancellation_id: s(e, "cancellation_id"),
        })
        .collect()
}

impl Store {
    /// Upsert payments (idempotent by imp_uid) in one transaction.
    pub fn upsert_payments(&self, recs: &[PaymentRecord]) -> Result<UpsertStats> {
        let now = crate::now();
        self.write(|tx| upsert_tx(tx, recs, now))
    }

    /// One payment with its cancel history.
    pub fn get_payment(&self, imp_uid: &str) -> Result<PaymentDetail> {
        self.read(|conn| {
            let sql = format!("SELECT {PAYMENT_COLS}, p.raw_json, p.synced_at, p.raw_absent FROM payments p WHERE p.imp_uid = ?1");
            let row = conn
                .prepare_cached(&sql)?
                .query_row([imp_uid], |r| {
                    let (p, _) = from_row(r)?;
                    Ok((
                        p,
                        r.get::<_, String>(PAYMENT_COL_COUNT)?,
                        r.get::<_, i64>(PAYMENT_COL_COUNT + 1)?,
                        r.get::<_, Option<i64>>(PAYMENT_COL_COUNT + 2)?,
                    ))
                })
                .optional()?;
            let (payment, rest, synced_at, absent) = row.ok_or_else(|| Error::NotFound {
                what: "payment",
                id: imp_uid.to_string(),
            })?;
            let raw_json = whole_json(&rest, absent, &payment);
            let receipt_url = serde_json::from_str::<serde_json::Value>(&raw_json)
                .ok()
                .and_then(|v| v.get("receipt_url")?.as_str().map(str::to_string))
                .filter(|u| !u.is_empty());
            Ok(PaymentDetail {
                payment,
                receipt_url,
                cancel_history: parse_cancel_history(&raw_json),
                raw_json,
                synced_at,
            })
        })
    }

    /// Number of payments stored.
    pub fn payment_count(&self) -> Result<i64> {
        self.read(|c| Ok(c.query_row("SELECT count(*) FROM payments", [], |r| r.get(0))?))
    }
}
