//! Schedules (예약 결제): a mirror of i'mport's, upserted by merchant_uid.

use rusqlite::{OptionalExtension, Row, Transaction, params};
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

/// Where a schedule stands for a person: i'mport's `schedule_status` and, once
/// executed, its `payment_status` in one word. What lists filter by, calendars add up
/// and colours follow.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ScheduleState {
    /// Waiting for its time.
    Scheduled,
    /// Executed and paid (or paid and refunded since).
    Paid,
    /// Executed and declined: can be retried now or rescheduled.
    Failed,
    /// Revoked before it ran: can be rescheduled.
    Revoked,
}

impl ScheduleState {
    pub const ALL: [ScheduleState; 4] = [
        ScheduleState::Scheduled,
        ScheduleState::Paid,
        ScheduleState::Failed,
        ScheduleState::Revoked,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ScheduleState::Scheduled => "scheduled",
            ScheduleState::Paid => "paid",
            ScheduleState::Failed => "failed",
            ScheduleState::Revoked => "revoked",
        }
    }

    fn parse(s: &str) -> ScheduleState {
        match s {
            "paid" => ScheduleState::Paid,
            "failed" => ScheduleState::Failed,
            "revoked" => ScheduleState::Revoked,
            _ => ScheduleState::Scheduled,
        }
    }
}

/// The one SQL rule from i'mport's two statuses to a [`ScheduleState`] (on `s`).
const STATE_SQL: &str = "CASE WHEN s.schedule_status = 'scheduled' THEN 'scheduled'
     WHEN s.schedule_status = 'revoked' THEN 'revoked'
     WHEN s.payment_status = 'failed' THEN 'failed' ELSE 'paid' END";

/// The PG of a schedule: the one that executed it, else its key's.
const PG_SQL: &str =
    "coalesce(nullif(json_extract(s.raw_json, '$.pg_provider'), ''), c.pg_provider)";

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
    /// Both statuses in one word.
    pub state: ScheduleState,
    /// The PG that executed it, else its key's (None when the key is not in the registry).
    pub pg_provider: Option<String>,
    /// The registry's name of the customer.
    pub customer_name: Option<String>,
    /// The tax-free part sent with it, when known.
    pub tax_free: Option<i64>,
}

/// Filters and cursor for `list_schedules`; schedules come oldest first.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct ScheduleQuery {
    pub customer_uid: Option<String>,
    /// i'mport's `schedule_status` (kept for callers that filter by it).
    pub status: Option<ScheduleStatus>,
    /// Only these states; every state when empty.
    pub states: Vec<ScheduleState>,
    /// Inclusive lower bound on schedule_at.
    pub from: Option<i64>,
    /// Exclusive upper bound on schedule_at.
    pub to: Option<i64>,
    /// Only this PG (`pg_provider`).
    pub pg: Option<String>,
    /// Text in the order id, customer_uid, order name, buyer or customer name.
    pub text: Option<String>,
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

/// How many schedules, and how much, in one state.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct StateTotal {
    pub state: ScheduleState,
    pub count: i64,
    /// Whole won.
    pub amount: i64,
}

/// What a filter of the schedules list adds up to, and per state (every state listed,
/// zero when none).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ScheduleTotals {
    pub count: i64,
    pub amount: i64,
    pub by_state: Vec<StateTotal>,
}

/// One span of time's schedules per state (a calendar day, a forecast week).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SpanTotals {
    /// The span's index in the bounds asked for.
    pub index: u32,
    pub by_state: Vec<StateTotal>,
}

/// The columns every list reads (`s` the schedule, `c` its customer).
const SELECT_COLS: &str = "s.merchant_uid, s.customer_uid, s.imp_uid, s.schedule_at, s.executed_at,
     s.revoked_at, s.amount, s.amount_text, s.currency, s.name, s.buyer_name, s.schedule_status,
     s.payment_status, s.fail_reason, s.id";

/// The filter of [`ScheduleQuery`], parameters ?1..?8 (see [`filter_params`]).
fn filter_sql() -> String {
    format!(
        "(?1 IS NULL OR s.customer_uid = ?1)
         AND (?2 IS NULL OR s.schedule_status = ?2)
         AND (?3 IS NULL OR ({STATE_SQL}) IN (SELECT value FROM json_each(?3)))
         AND s.schedule_at >= ?4 AND s.schedule_at < ?5
         AND (?6 IS NULL OR {PG_SQL} = ?6)
         AND (?7 IS NULL OR instr(lower(s.merchant_uid || ' ' || s.customer_uid || ' '
              || coalesce(s.name, '') || ' ' || coalesce(s.buyer_name, '') || ' '
              || coalesce(c.customer_name, '')), ?7) > 0)"
    )
}

type FilterParams = (
    Option<String>,
    Option<&'static str>,
    Option<String>,
    i64,
    i64,
    Option<String>,
    Option<String>,
);

fn filter_params(q: &ScheduleQuery) -> FilterParams {
    let states = (!q.states.is_empty()).then(|| {
        let names: Vec<&str> = q.states.iter().map(|s| s.as_str()).collect();
        serde_json::to_string(&names).unwrap_or_else(|_| "[]".into())
    });
    let text = q
        .text
        .as_deref()
        .map(|t| t.trim().to_lowercase())
        .filter(|t| !t.is_empty());
    (
        q.customer_uid.clone().filter(|c| !c.is_empty()),
        q.status.map(|s| s.as_str()),
        states,
        q.from.unwrap_or(i64::MIN),
        q.to.unwrap_or(i64::MAX),
        q.pg.clone().filter(|p| !p.trim().is_empty()),
        text,
    )
}

fn totals_from(rows: Vec<(String, i64, i64)>) -> Vec<StateTotal> {
    ScheduleState::ALL
        .iter()
        .map(|st| {
            let (count, amount) = rows
                .iter()
                .filter(|(s, _, _)| ScheduleState::parse(s) == *st)
                .fold((0, 0), |(c, a), (_, n, sum)| (c + n, a + sum));
            StateTotal {
                state: *st,
                count,
                amount,
            }
        })
        .collect()
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<(Schedule, i64)> {
    let st: String = r.get(11)?;
    let state: String = r.get(15)?;
    let raw: Option<String> = r.get(18)?;
    let tax_free = raw
        .as_deref()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
        .and_then(|v| v.get("tax_free").and_then(|x| x.as_f64()))
        .map(|x| x as i64)
        .filter(|x| *x > 0);
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
            state: ScheduleState::parse(&state),
            pg_provider: r.get(16)?,
            customer_name: r.get(17)?,
            tax_free,
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
        let f = filter_params(q);
        self.read(|conn| {
            let sql = format!(
                "SELECT {SELECT_COLS}, {STATE_SQL}, {PG_SQL}, c.customer_name, s.raw_json
                 FROM schedules s LEFT JOIN customers c ON c.customer_uid = s.customer_uid
                 WHERE {} AND (s.schedule_at, s.id) > (?8, ?9)
                 ORDER BY s.schedule_at, s.id LIMIT ?10",
                filter_sql()
            );
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows: Vec<(Schedule, i64)> = stmt
                .query_map(
                    params![f.0, f.1, f.2, f.3, f.4, f.5, f.6, c_at, c_id, limit],
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

    /// One schedule from the mirror.
    pub fn get_schedule(&self, merchant_uid: &str) -> Result<Schedule> {
        self.read(|conn| {
            let sql = format!(
                "SELECT {SELECT_COLS}, {STATE_SQL}, {PG_SQL}, c.customer_name, s.raw_json
                 FROM schedules s LEFT JOIN customers c ON c.customer_uid = s.customer_uid
                 WHERE s.merchant_uid = ?1"
            );
            conn.prepare_cached(&sql)?
                .query_row([merchant_uid], from_row)
                .optional()?
                .map(|(s, _)| s)
                .ok_or_else(|| Error::NotFound {
                    what: "schedule",
                    id: merchant_uid.to_string(),
                })
        })
    }

    /// What every schedule the query matches adds up to (its cursor and limit
    /// ignored), in all and per state, summed by SQLite.
    pub fn schedule_totals(&self, q: &ScheduleQuery) -> Result<ScheduleTotals> {
        let f = filter_params(q);
        self.read(|conn| {
            let sql = format!(
                "SELECT {STATE_SQL} AS st, count(*), coalesce(sum(s.amount), 0)
                 FROM schedules s LEFT JOIN customers c ON c.customer_uid = s.customer_uid
                 WHERE {} GROUP BY st",
                filter_sql()
            );
            let rows: Vec<(String, i64, i64)> = conn
                .prepare_cached(&sql)?
                .query_map(params![f.0, f.1, f.2, f.3, f.4, f.5, f.6], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?
                .collect::<rusqlite::Result<_>>()?;
            let by_state = totals_from(rows);
            Ok(ScheduleTotals {
                count: by_state.iter().map(|t| t.count).sum(),
                amount: by_state.iter().map(|t| t.amount).sum(),
                by_state,
            })
        })
    }

    /// Per-state totals of consecutive spans of time: span `i` is
    /// `bounds[i] <= schedule_at < bounds[i + 1]` (the caller computes the bounds, e.g.
    /// the days of a month in the profile's zone). The query's own `from`/`to` still
    /// apply. Spans with no schedule are left out.
    pub fn schedule_spans(&self, bounds: &[i64], q: &ScheduleQuery) -> Result<Vec<SpanTotals>> {
        if bounds.len() < 2 {
            return Ok(Vec::new());
        }
        if bounds.windows(2).any(|w| w[0] >= w[1]) {
            return Err(Error::invalid("bounds", "must increase"));
        }
        let bounds_json =
            serde_json::to_string(bounds).map_err(|e| Error::Internal(e.to_string()))?;
        let f = filter_params(q);
        self.read(|conn| {
            let sql = format!(
                "WITH b AS (
                     SELECT CAST(key AS INTEGER) AS i, value AS start,
                            lead(value) OVER (ORDER BY CAST(key AS INTEGER)) AS stop
                     FROM json_each(?8))
                 SELECT b.i, {STATE_SQL} AS st, count(*), coalesce(sum(s.amount), 0)
                 FROM schedules s
                 LEFT JOIN customers c ON c.customer_uid = s.customer_uid
                 JOIN b ON s.schedule_at >= b.start AND s.schedule_at < b.stop
                 WHERE {} AND s.schedule_at >= ?9 AND s.schedule_at < ?10
                 GROUP BY b.i, st ORDER BY b.i",
                filter_sql()
            );
            let rows: Vec<(i64, String, i64, i64)> = conn
                .prepare_cached(&sql)?
                .query_map(
                    params![
                        f.0,
                        f.1,
                        f.2,
                        f.3,
                        f.4,
                        f.5,
                        f.6,
                        bounds_json,
                        bounds[0],
                        bounds[bounds.len() - 1]
                    ],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )?
                .collect::<rusqlite::Result<_>>()?;
            let mut out: Vec<SpanTotals> = Vec::new();
            let mut i = 0;
            while i < rows.len() {
                let index = rows[i].0;
                let mut group = Vec::new();
                while i < rows.len() && rows[i].0 == index {
                    group.push((rows[i].1.clone(), rows[i].2, rows[i].3));
                    i += 1;
                }
                out.push(SpanTotals {
                    index: index as u32,
                    by_state: totals_from(group),
                });
            }
            Ok(out)
        })
    }

    /// The order ids of every schedule due in `[from, to)`, whatever its state: what a
    /// forecast must not count twice beside a plan's projected periods.
    pub fn schedule_uids_between(
        &self,
        from: i64,
        to: i64,
    ) -> Result<std::collections::HashSet<String>> {
        self.read(|conn| {
            let rows = conn
                .prepare_cached(
                    "SELECT merchant_uid FROM schedules WHERE schedule_at >= ?1 AND schedule_at < ?2",
                )?
                .query_map([from, to], |r| r.get(0))?
                .collect::<rusqlite::Result<std::collections::HashSet<String>>>()?;
            Ok(rows)
        })
    }

    /// The PGs the schedules list can filter by: those of the registry's keys and of
    /// executed schedules.
    pub fn schedule_pgs(&self) -> Result<Vec<String>> {
        self.read(|conn| {
            let sql = format!(
                "SELECT DISTINCT pg FROM (
                     SELECT {PG_SQL} AS pg FROM schedules s
                     LEFT JOIN customers c ON c.customer_uid = s.customer_uid)
                 WHERE pg IS NOT NULL AND pg <> '' ORDER BY pg"
            );
            let rows = conn
                .prepare_cached(&sql)?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>()?;
            Ok(rows)
        })
    }
}
