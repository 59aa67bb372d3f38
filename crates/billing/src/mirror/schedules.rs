//! Schedules (예약 결제): a mirror of i'mport's, upserted by merchant_uid.

use rusqlite::{Row, Transaction, params};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::store::db::Store;

/// A schedule object in plain types, as the store upserts it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ScheduleRecord {
    pub merchant_uid: String,
    pub customer_uid: String,
    pub imp_uid: Option<String>,
    pub schedule_at: i64,
    pub executed_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub amount: i64,
    pub amount_text: String,
    pub currency: String,
    pub name: Option<String>,
    pub buyer_name: Option<String>,
    /// `scheduled`, `executed`, `revoked`.
    pub schedule_status: String,
    /// None until executed; then `paid`, `failed` or `cancelled`.
    pub payment_status: Option<String>,
    pub fail_reason: Option<String>,
    pub raw_json: String,
}

/// Where a schedule stands.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ScheduleStatus {
    Scheduled,
    Executed,
    Revoked,
}

impl ScheduleStatus {
    fn as_str(self) -> &'static str {
        match self {
            ScheduleStatus::Scheduled => "scheduled",
            ScheduleStatus::Executed => "executed",
            ScheduleStatus::Revoked => "revoked",
        }
    }

    fn parse(s: &str) -> ScheduleStatus {
        match s {
            "executed" => ScheduleStatus::Executed,
            "revoked" => ScheduleStatus::Revoked,
            _ => ScheduleStatus::Scheduled,
        }
    }
}

/// A schedule as lists show it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Schedule {
    pub merchant_uid: String,
    pub customer_uid: String,
    pub imp_uid: Option<String>,
    pub schedule_at: i64,
    pub executed_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub amount: i64,
    pub amount_text: String,
    pub currency: String,
    pub name: Option<String>,
    pub buyer_name: Option<String>,
    pub schedule_status: ScheduleStatus,
    pub payment_status: Option<String>,
    pub fail_reason: Option<String>,
}

/// Filters and cursor for `list_schedules`; schedules come oldest first.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct ScheduleQuery {
    pub customer_uid: Option<String>,
    pub status: Option<ScheduleStatus>,
    /// Inclusive lower bound on schedule_at.
    pub from: Option<i64>,
    /// Exclusive upper bound on schedule_at.
    pub to: Option<i64>,
    pub cursor: Option<String>,
    /// Page size, 1..=500 (default 50).
    pub limit: Option<u32>,
}

/// A page of schedules.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SchedulePage {
    pub items: Vec<Schedule>,
    pub next_cursor: Option<String>,
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<(Schedule, i64)> {
    let st: String = r.get(11)?;
    Ok((
        Schedule {
            merchant_uid: r.get(0)?,
            customer_uid: r.get(1)?,
            imp_uid: r.get(2)?,
            schedule_at: r.get(3)?,
            executed_at: r.get(4)?,
            revoked_at: r.get(5)?,
            amount: r.get(6)?,
            amount_text: r.get(7)?,
            currency: r.get(8)?,
            name: r.get(9)?,
            buyer_name: r.get(10)?,
            schedule_status: ScheduleStatus::parse(&st),
            payment_status: r.get(12)?,
            fail_reason: r.get(13)?,
        },
        r.get(14)?,
    ))
}

pub(crate) fn upsert_tx(tx: &Transaction<'_>, recs: &[ScheduleRecord], now: i64) -> Result<i64> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO schedules (merchant_uid, customer_uid, imp_uid, schedule_at, executed_at,
             revoked_at, amount, amount_text, currency, name, buyer_name, schedule_status,
             payment_status, fail_reason, raw_json, synced_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
         ON CONFLICT (merchant_uid) DO UPDATE SET
             customer_uid = excluded.customer_uid, imp_uid = excluded.imp_uid,
             schedule_at = excluded.schedule_at, executed_at = excluded.executed_at,
             revoked_at = excluded.revoked_at, amount = excluded.amount,
             amount_text = excluded.amount_text, currency = excluded.currency,
             name = excluded.name, buyer_name = excluded.buyer_name,
             schedule_status = excluded.schedule_status, payment_status = excluded.payment_status,
             fail_reason = excluded.fail_reason, raw_json = excluded.raw_json,
             synced_at = excluded.synced_at
         WHERE schedules.raw_json IS NOT excluded.raw_json",
    )?;
    let mut changed = 0;
    for s in recs {
        if s.merchant_uid.is_empty() {
            return Err(Error::invalid("merchant_uid", "empty"));
        }
        changed += stmt.execute(params![
            s.merchant_uid,
            s.customer_uid,
            s.imp_uid,
            s.schedule_at,
            s.executed_at.filter(|t| *t > 0),
            s.revoked_at.filter(|t| *t > 0),
            s.amount,
            s.amount_text,
            s.currency,
            s.name,
            s.buyer_name,
            s.schedule_status,
            s.payment_status,
            s.fail_reason,
            s.raw_json,
            now,
        ])? as i64;
    }
    Ok(changed)
}

impl Store {
    /// Upsert schedules (idempotent by merchant_uid) in one transaction.
    pub fn upsert_schedules(&self, recs: &[ScheduleRecord]) -> Result<i64> {
        let now = crate::now();
        self.write(|tx| upsert_tx(tx, recs, now))
    }

    /// How many schedules `list_schedules` pages through for `q` (its cursor and limit
    /// aside).
    pub fn count_schedules(&self, q: &ScheduleQuery) -> Result<u64> {
        self.read(|conn| {
            let n: i64 = conn.query_row(
                "SELECT count(*) FROM schedules
                 WHERE (?1 IS NULL OR customer_uid = ?1)
                   AND (?2 IS NULL OR schedule_status = ?2)
                   AND schedule_at >= ?3 AND schedule_at < ?4",
                params![
                    q.customer_uid,
                    q.status.map(ScheduleStatus::as_str),
                    q.from.unwrap_or(i64::MIN),
                    q.to.unwrap_or(i64::MAX),
                ],
                |r| r.get(0),
            )?;
            Ok(n.max(0) as u64)
        })
    }

    /// Schedules, oldest `schedule_at` first, keyset-paged.
    pub fn list_schedules(&self, q: &ScheduleQuery) -> Result<SchedulePage> {
        let limit = q.limit.unwrap_or(50).clamp(1, 500) as i64;
        let (c_at, c_id) = match &q.cursor {
            Some(c) => crate::registry::search::decode_cursor2(c)?,
            None => (i64::MIN, i64::MIN),
        };
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT merchant_uid, customer_uid, imp_uid, schedule_at, executed_at, revoked_at,
                     amount, amount_text, currency, name, buyer_name, schedule_status,
                     payment_status, fail_reason, id
                 FROM schedules
                 WHERE (?1 IS NULL OR customer_uid = ?1)
                   AND (?2 IS NULL OR schedule_status = ?2)
                   AND schedule_at >= ?3 AND schedule_at < ?4
                   AND (schedule_at, id) > (?5, ?6)
                 ORDER BY schedule_at, id LIMIT ?7",
            )?;
            let rows: Vec<(Schedule, i64)> = stmt
                .query_map(
                    params![
                        q.customer_uid,
                        q.status.map(|s| s.as_str()),
                        q.from.unwrap_or(i64::MIN),
                        q.to.unwrap_or(i64::MAX),
                        c_at,
                        c_id,
                        limit
                    ],
                    from_row,
                )?
                .collect::<rusqlite::Result<_>>()?;
            let next_cursor = if rows.len() as i64 == limit {
                rows.last()
                    .map(|(s, id)| crate::registry::search::encode_cursor2(s.schedule_at, *id))
            } else {
                None
            };
            Ok(SchedulePage {
                items: rows.into_iter().map(|(s, _)| s).collect(),
                next_cursor,
            })
        })
    }
}
