//! The money journal (DESIGN principle 1): one row per operation that moves money
//! or changes a schedule, committed *before* the request leaves.
//!
//! States: `pending` (journaled, not handed to the network yet) → `sent`
//! (committed just before the request leaves) → `succeeded` | `declined` |
//! `rejected` (the answer said so) or `unknown` (no usable answer) → `resolved`
//! (a lookup at i'mport decided; `outcome` says what). A crash leaves `sent`,
//! which reconciliation treats exactly like `unknown`.
//!
//! A row whose lookup found a payment under our order id that is not ours (another
//! customer, amount or time) becomes a `conflict`: neither paid nor failed, for a
//! person to decide ([`Store::decide_conflict`]).
//!
//! At most one open (`pending`, `sent`, `unknown`) or conflicting row per lock key is
//! enforced by a unique index: one open charge per customer, one open refund per
//! payment, one open operation per schedule. Every transition is compare-and-set
//! (marking sent moves only a `pending` row; a finish moves only a row still open),
//! so two processes sharing the database never both act on one row.

use rusqlite::{OptionalExtension, Row, Transaction, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::mirror::payments::{PaymentRecord, upsert_tx};
use crate::store::db::Store;

/// What a journal row does.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum JournalOp {
    /// `POST /subscribe/payments/again`.
    ChargeAgain,
    /// `POST /subscribe/payments/onetime`.
    ChargeOnetime,
    /// One entry of `POST /subscribe/payments/schedule`.
    Schedule,
    /// One merchant_uid of `POST /subscribe/payments/unschedule`.
    Unschedule,
    /// `PUT /subscribe/payments/schedule/{merchant_uid}`.
    ScheduleUpdate,
    /// `POST /payments/cancel`.
    Refund,
    /// `POST /subscribe/payments/schedule/{merchant_uid}/retry`: a failed or revoked
    /// schedule charged now, under its own merchant_uid (a charge: the customer's lock).
    ScheduleRetry,
    /// `POST /subscribe/payments/schedule/{merchant_uid}/reschedule`: a failed or
    /// revoked schedule registered again at a new time.
    ScheduleReschedule,
}

impl JournalOp {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            JournalOp::ChargeAgain => "charge_again",
            JournalOp::ChargeOnetime => "charge_onetime",
            JournalOp::Schedule => "schedule",
            JournalOp::Unschedule => "unschedule",
            JournalOp::ScheduleUpdate => "schedule_update",
            JournalOp::Refund => "refund",
            JournalOp::ScheduleRetry => "schedule_retry",
            JournalOp::ScheduleReschedule => "schedule_reschedule",
        }
    }

    fn parse(s: &str) -> JournalOp {
        match s {
            "charge_onetime" => JournalOp::ChargeOnetime,
            "schedule" => JournalOp::Schedule,
            "unschedule" => JournalOp::Unschedule,
            "schedule_update" => JournalOp::ScheduleUpdate,
            "refund" => JournalOp::Refund,
            "schedule_retry" => JournalOp::ScheduleRetry,
            "schedule_reschedule" => JournalOp::ScheduleReschedule,
            _ => JournalOp::ChargeAgain,
        }
    }

    /// True for the two charge operations.
    pub fn is_charge(self) -> bool {
        matches!(self, JournalOp::ChargeAgain | JournalOp::ChargeOnetime)
    }
}

/// Where a journal row stands.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum JournalState {
    Pending,
    Sent,
    Succeeded,
    Declined,
    Rejected,
    Unknown,
    Resolved,
    /// A payment (refund, schedule) exists under our order id but is not ours.
    Conflict,
}

impl JournalState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            JournalState::Pending => "pending",
            JournalState::Sent => "sent",
            JournalState::Succeeded => "succeeded",
            JournalState::Declined => "declined",
            JournalState::Rejected => "rejected",
            JournalState::Unknown => "unknown",
            JournalState::Resolved => "resolved",
            JournalState::Conflict => "conflict",
        }
    }

    fn parse(s: &str) -> JournalState {
        match s {
            "pending" => JournalState::Pending,
            "sent" => JournalState::Sent,
            "succeeded" => JournalState::Succeeded,
            "declined" => JournalState::Declined,
            "rejected" => JournalState::Rejected,
            "resolved" => JournalState::Resolved,
            "conflict" => JournalState::Conflict,
            _ => JournalState::Unknown,
        }
    }

    /// True while the outcome is not known: the UI shows "확인 중 / checking".
    pub fn is_open(self) -> bool {
        matches!(
            self,
            JournalState::Pending | JournalState::Sent | JournalState::Unknown
        )
    }

    /// True while nothing new may be sent for the same item: open, or a conflict
    /// nobody has decided yet.
    pub fn holds_lock(self) -> bool {
        self.is_open() || self == JournalState::Conflict
    }
}

/// Outcome words stored in `journal.outcome`.
pub mod outcome {
    /// A charge was approved.
    pub const PAID: &str = "paid";
    /// A charge was declined by the card company.
    pub const FAILED: &str = "failed";
    /// Nothing happened at i'mport: safe to send again with the same merchant_uid.
    pub const NOT_EXECUTED: &str = "not_executed";
    /// A schedule exists at i'mport.
    pub const REGISTERED: &str = "registered";
    /// A schedule was revoked.
    pub const REVOKED: &str = "revoked";
    /// A schedule's time was changed.
    pub const MOVED: &str = "moved";
    /// A failed or revoked schedule was registered again at a new time.
    pub const RESCHEDULED: &str = "rescheduled";
    /// A refund went through.
    pub const REFUNDED: &str = "refunded";
    /// i'mport refused the request (nothing executed).
    pub const REFUSED: &str = "refused";
    /// Something exists under our order id that is not what we sent.
    pub const CONFLICT: &str = "conflict";
}

/// One journal row.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct JournalEntry {
    pub id: i64,
    pub op: JournalOp,
    pub profile: String,
    pub merchant_uid: String,
    pub customer_uid: Option<String>,
    /// Refunds: the payment refunded.
    pub target_imp_uid: Option<String>,
    pub amount: i64,
    pub request_hash: String,
    /// The request without secrets or card data, as JSON text.
    pub request_json: String,
    pub state: JournalState,
    /// `paid`, `failed`, `not_executed`, `registered`, `revoked`, `moved`,
    /// `refunded`, `refused`; None while open.
    pub outcome: Option<String>,
    pub attempts: i64,
    pub prior_count: i64,
    /// Refunds: the balance sent as `checksum`.
    pub checksum: Option<i64>,
    pub imp_uid: Option<String>,
    pub fail_reason: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// `manual`, `bulk:<run>`, `plan:<subscription>`, `dunning:<subscription>`.
    pub source: String,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    pub updated_at: i64,
    pub resolved_at: Option<i64>,
    /// Whether whoever asked was given the outcome. False while they were told
    /// "checking": their next request for the same customer (or payment) is answered
    /// with this outcome first.
    pub seen: bool,
    /// Conflicts: what i'mport holds under our order id, as JSON text.
    pub conflict: Option<String>,
}

const COLS: &str = "id, op, profile, merchant_uid, customer_uid, target_imp_uid, amount, request_hash, \
     request_json, state, outcome, attempts, prior_count, checksum, imp_uid, fail_reason, error_code, \
     error_message, source, created_at, sent_at, updated_at, resolved_at, seen, conflict_json";

fn from_row(r: &Row<'_>) -> rusqlite::Result<JournalEntry> {
    let op: String = r.get(1)?;
    let state: String = r.get(9)?;
    Ok(JournalEntry {
        id: r.get(0)?,
        op: JournalOp::parse(&op),
        profile: r.get(2)?,
        merchant_uid: r.get(3)?,
        customer_uid: r.get(4)?,
        target_imp_uid: r.get(5)?,
        amount: r.get(6)?,
        request_hash: r.get(7)?,
        request_json: r.get(8)?,
        state: JournalState::parse(&state),
        outcome: r.get(10)?,
        attempts: r.get(11)?,
        prior_count: r.get(12)?,
        checksum: r.get(13)?,
        imp_uid: r.get(14)?,
        fail_reason: r.get(15)?,
        error_code: r.get(16)?,
        error_message: r.get(17)?,
        source: r.get(18)?,
        created_at: r.get(19)?,
        sent_at: r.get(20)?,
        updated_at: r.get(21)?,
        resolved_at: r.get(22)?,
        seen: r.get(23)?,
        conflict: r.get(24)?,
    })
}

/// A row about to be written.
pub(crate) struct NewEntry {
    pub op: JournalOp,
    pub merchant_uid: String,
    pub lock_key: String,
    pub customer_uid: Option<String>,
    pub target_imp_uid: Option<String>,
    pub amount: i64,
    /// Serialised request without secrets; its hash guards retries.
    pub request_json: String,
    pub prior_count: i64,
    pub checksum: Option<i64>,
    pub source: String,
    /// Write as `sent` straight away (the request leaves right after the commit),
    /// or as `pending` (the caller marks it sent later).
    pub sent: bool,
}

pub(crate) fn hash(request_json: &str) -> String {
    hex::encode(Sha256::digest(request_json.as_bytes()))
}

/// The lock of a charge: one open charge per customer; a card charge that keeps no
/// key has no customer and is locked by its order id.
pub(crate) fn charge_lock(customer_uid: Option<&str>, merchant_uid: &str) -> String {
    match customer_uid {
        Some(c) => format!("charge:{c}"),
        None => format!("pay:{merchant_uid}"),
    }
}
pub(crate) fn schedule_lock(merchant_uid: &str) -> String {
    format!("sched:{merchant_uid}")
}
pub(crate) fn refund_lock(imp_uid: &str) -> String {
    format!("refund:{imp_uid}")
}

fn op_family(op: JournalOp) -> &'static str {
    match op {
        JournalOp::ChargeAgain | JournalOp::ChargeOnetime | JournalOp::ScheduleRetry => "charge",
        JournalOp::Refund => "refund",
        _ => "schedule",
    }
}

/// The row holding `lock_key`: open, or a conflict nobody decided.
fn lock_holder(tx: &Transaction<'_>, lock_key: &str) -> Result<Option<(i64, String, String)>> {
    Ok(tx
        .prepare_cached(
            "SELECT id, merchant_uid, state FROM journal WHERE lock_key = ?1
             AND state IN ('pending', 'sent', 'unknown', 'conflict')",
        )?
        .query_row([lock_key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?)
}

fn one(
    tx: &Transaction<'_>,
    sql_where: &str,
    p: impl rusqlite::Params,
) -> Result<Option<JournalEntry>> {
    let sql = format!("SELECT {COLS} FROM journal WHERE {sql_where}");
    Ok(tx.prepare_cached(&sql)?.query_row(p, from_row).optional()?)
}

/// What [`begin_tx`] decided.
#[derive(Debug)]
pub(crate) enum Begun {
    /// Journaled (a new row, or the same order's row again for a retry): send it.
    Send(i64),
    /// Nothing to send: this earlier request's outcome answers the caller. The row
    /// is marked seen.
    Earlier(Box<JournalEntry>),
}

impl Begun {
    /// The row either way (schedule and refund rows never answer `Earlier` from
    /// `begin_tx`; only a charge's paid order does).
    pub(crate) fn id(self) -> i64 {
        match self {
            Begun::Send(id) => id,
            Begun::Earlier(e) => e.id,
        }
    }
}

/// Journal an operation before it is sent, in the caller's transaction.
///
/// Refused while another operation on the same item holds the lock (one open charge
/// per customer, refund per payment, operation per schedule), naming that row. For a
/// charge whose order id was used before, the same row is reused when that is safe
/// (the earlier attempt was declined, refused, or not executed); an order already
/// paid answers with its outcome (`Begun::Earlier`) when the request is the same,
/// and is refused when it is not.
pub(crate) fn begin_tx(tx: &Transaction<'_>, profile: &str, e: &NewEntry) -> Result<Begun> {
    let now = crate::now();
    let hash = hash(&e.request_json);
    let prev = if e.op.is_charge() {
        one(
            tx,
            "merchant_uid = ?1 AND op IN ('charge_again', 'charge_onetime')",
            [&e.merchant_uid],
        )?
    } else {
        None
    };
    // Whoever holds the lock, this order or another one of the same item, nothing
    // new is sent until it is settled.
    if let Some((id, merchant_uid, state)) = lock_holder(tx, &e.lock_key)? {
        return Err(if state == JournalState::Conflict.as_str() {
            Error::Conflict {
                op: op_family(e.op),
                journal_id: id,
                merchant_uid,
            }
        } else {
            Error::Unresolved {
                op: op_family(e.op),
                key: merchant_uid,
            }
        });
    }
    let (state, sent_at, attempts) = if e.sent {
        ("sent", Some(now), 1)
    } else {
        ("pending", None, 0)
    };
    if let Some(prev) = prev {
        if prev.request_hash != hash {
            return Err(Error::MerchantUidConflict {
                merchant_uid: e.merchant_uid.clone(),
            });
        }
        if prev.outcome.as_deref() == Some(outcome::PAID) {
            mark_seen_tx(tx, prev.id)?;
            return Ok(Begun::Earlier(Box::new(prev)));
        }
        // A retry: same row, same merchant_uid (principle 1).
        let moved = tx
            .prepare_cached(
                "UPDATE journal SET state = ?2, outcome = NULL, attempts = attempts + ?3,
                     sent_at = coalesce(?4, sent_at), error_code = NULL, error_message = NULL,
                     source = ?5, updated_at = ?6, resolved_at = NULL, lock_key = ?7, seen = 0
                 WHERE id = ?1 AND state NOT IN ('pending', 'sent', 'unknown', 'conflict')",
            )?
            .execute(params![
                prev.id, state, attempts, sent_at, e.source, now, e.lock_key
            ])?;
        if moved == 0 {
            return Err(Error::Unresolved {
                op: op_family(e.op),
                key: e.merchant_uid.clone(),
            });
        }
        return Ok(Begun::Send(prev.id));
    }
    tx.prepare_cached(
        "INSERT INTO journal (op, profile, merchant_uid, lock_key, customer_uid, target_imp_uid,
             amount, request_hash, request_json, state, attempts, prior_count, checksum, source,
             created_at, sent_at, updated_at, seen)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?15, 0)",
    )?
    .execute(params![
        e.op.as_str(),
        profile,
        e.merchant_uid,
        e.lock_key,
        e.customer_uid,
        e.target_imp_uid,
        e.amount,
        hash,
        e.request_json,
        state,
        attempts,
        e.prior_count,
        e.checksum,
        e.source,
        now,
        sent_at,
    ])?;
    Ok(Begun::Send(tx.last_insert_rowid()))
}

/// Journal one operation in its own transaction.
pub(crate) fn begin(store: &Store, e: &NewEntry) -> Result<Begun> {
    store.write(|tx| begin_tx(tx, store.profile(), e))
}

/// The newest outcome of a manual request for the same item (a customer's charges,
/// a payment's refunds) that nobody was told: the caller was answered "checking",
/// or the process died before answering. With `request_hash`, only that very
/// request; with `outcome`, only rows that ended so.
pub(crate) fn unseen_tx(
    tx: &Transaction<'_>,
    op_family_sql: &str,
    item: &str,
    request_hash: Option<&str>,
    outcome: Option<&str>,
) -> Result<Option<JournalEntry>> {
    let column = if op_family_sql.contains("refund") {
        "target_imp_uid"
    } else {
        "customer_uid"
    };
    one(
        tx,
        &format!(
            "{column} = ?1 AND seen = 0 AND source = 'manual' AND op IN ({op_family_sql})
             AND state NOT IN ('pending', 'sent', 'unknown', 'conflict')
             AND (?2 IS NULL OR request_hash = ?2) AND (?3 IS NULL OR outcome = ?3)
             ORDER BY id DESC LIMIT 1"
        ),
        params![item, request_hash, outcome],
    )
}

/// A person's paid charge of this customer with this very request, in the last
/// `within_secs`.
pub(crate) fn recent_paid_tx(
    tx: &Transaction<'_>,
    customer_uid: &str,
    request_hash: &str,
    within_secs: i64,
) -> Result<Option<JournalEntry>> {
    one(
        tx,
        "customer_uid = ?1 AND request_hash = ?2 AND source = 'manual' AND outcome = 'paid'
         AND op IN ('charge_again', 'charge_onetime') AND updated_at >= ?3
         ORDER BY id DESC LIMIT 1",
        params![customer_uid, request_hash, crate::now() - within_secs],
    )
}

/// A charge of this customer, by whatever source, that is open or a conflict: the
/// refusal to give a person's new charge.
pub(crate) fn open_charge_refusal_tx(
    tx: &Transaction<'_>,
    customer_uid: &str,
    except_merchant_uid: &str,
) -> Result<Option<Error>> {
    let row: Option<(i64, String, String)> = tx
        .prepare_cached(
            "SELECT id, merchant_uid, state FROM journal WHERE customer_uid = ?1
             AND op IN ('charge_again', 'charge_onetime') AND merchant_uid <> ?2
             AND state IN ('pending', 'sent', 'unknown', 'conflict')
             ORDER BY state = 'conflict' DESC LIMIT 1",
        )?
        .query_row([customer_uid, except_merchant_uid], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    Ok(row.map(|(id, merchant_uid, state)| {
        if state == JournalState::Conflict.as_str() {
            Error::Conflict {
                op: "charge",
                journal_id: id,
                merchant_uid,
            }
        } else {
            Error::Unresolved {
                op: "charge",
                key: merchant_uid,
            }
        }
    }))
}

pub(crate) fn mark_seen_tx(tx: &Transaction<'_>, id: i64) -> Result<()> {
    tx.prepare_cached("UPDATE journal SET seen = 1 WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// `pending` → `sent`, committed just before the request leaves. Fails when the row
/// is no longer pending: another process resolved or took it, and this one must not
/// send.
pub(crate) fn mark_sent(store: &Store, id: i64) -> Result<()> {
    let now = crate::now();
    store.write(|tx| {
        let moved = tx
            .prepare_cached(
                "UPDATE journal SET state = 'sent', attempts = attempts + 1, sent_at = ?2,
                     updated_at = ?2
                 WHERE id = ?1 AND state = 'pending'",
            )?
            .execute(params![id, now])?;
        if moved == 0 {
            return Err(Error::TakenOver { journal_id: id });
        }
        Ok(())
    })
}

/// How an operation ended (or that it did not, for `Unknown`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Finish {
    pub state: Option<JournalState>,
    pub outcome: Option<&'static str>,
    pub imp_uid: Option<String>,
    pub fail_reason: Option<String>,
    pub error: Option<(String, String)>,
    /// New value of `prior_count` (charges: failed attempts known).
    pub prior_count: Option<i64>,
    /// Payments to mirror into the store in the same transaction.
    pub payments: Vec<PaymentRecord>,
    /// Schedules to mirror into the store in the same transaction.
    pub schedules: Vec<crate::mirror::schedules::ScheduleRecord>,
    /// Audit action (`charge.again`, `refund`, ...) and its inputs.
    pub audit: Option<(String, serde_json::Value)>,
    /// The caller is given this outcome now (so the row is `seen`).
    pub told: bool,
    /// Conflicts: the other side, as JSON.
    pub conflict: Option<serde_json::Value>,
}

impl Finish {
    pub(crate) fn new(state: JournalState, outcome: Option<&'static str>) -> Finish {
        Finish {
            state: Some(state),
            outcome,
            ..Default::default()
        }
    }
}

/// Record how a row ended. Compare-and-set: only a row still open moves; `Ok(false)`
/// when another process had finished it already (its record stands, nothing here is
/// written but the payments and schedules, which are facts either way).
pub(crate) fn finish_tx(tx: &Transaction<'_>, profile: &str, id: i64, f: &Finish) -> Result<bool> {
    let now = crate::now();
    let state = f.state.unwrap_or(JournalState::Unknown);
    let resolved_at = (!state.holds_lock()).then_some(now);
    let (code, msg) = match &f.error {
        Some((c, m)) => (Some(c.as_str()), Some(m.as_str())),
        None => (None, None),
    };
    let conflict = f.conflict.as_ref().map(|v| v.to_string());
    let moved = tx
        .prepare_cached(
            "UPDATE journal SET state = ?2, outcome = ?3, imp_uid = coalesce(?4, imp_uid),
                 fail_reason = coalesce(?5, fail_reason), error_code = ?6, error_message = ?7,
                 prior_count = coalesce(?8, prior_count), updated_at = ?9, resolved_at = ?10,
                 seen = max(seen, ?11), conflict_json = coalesce(?12, conflict_json)
             WHERE id = ?1 AND state IN ('pending', 'sent', 'unknown')",
        )?
        .execute(params![
            id,
            state.as_str(),
            f.outcome,
            f.imp_uid,
            f.fail_reason,
            code,
            msg,
            f.prior_count,
            now,
            resolved_at,
            f.told as i64,
            conflict,
        ])?;
    if !f.payments.is_empty() {
        upsert_tx(tx, &f.payments, now)?;
    }
    if !f.schedules.is_empty() {
        crate::mirror::schedules::upsert_tx(tx, &f.schedules, now)?;
    }
    if moved == 0 {
        return Ok(false);
    }
    if let Some((action, inputs)) = &f.audit {
        let text = match (state, f.outcome) {
            (JournalState::Declined, _) => format!(
                "declined: {}",
                f.fail_reason.as_deref().unwrap_or("no reason given")
            ),
            (JournalState::Rejected, _) => {
                format!("error: {}", code.unwrap_or("rejected"))
            }
            (JournalState::Conflict, _) => "conflict".to_string(),
            (s, _) if s.is_open() => format!("unknown: {}", code.unwrap_or("no answer")),
            (_, Some(o)) => o.to_string(),
            (_, None) => "ok".to_string(),
        };
        let mut inputs = inputs.clone();
        if let Some(obj) = inputs.as_object_mut() {
            obj.insert("journal_id".into(), id.into());
            if let Some(i) = &f.imp_uid {
                obj.insert("imp_uid".into(), i.clone().into());
            }
        }
        crate::store::audit::append(tx, profile, action, &inputs, &text)?;
    }
    Ok(true)
}

/// Record the end (or the unknown end) of an operation, with the payments it
/// produced and its audit entry, in one transaction.
pub(crate) fn finish(store: &Store, id: i64, f: &Finish) -> Result<bool> {
    store.write(|tx| finish_tx(tx, store.profile(), id, f))
}

/// Record the answer of a request that has left. A busy or failing database is
/// tried again for a while (six busy timeouts, 30 s by default); if it still cannot
/// be written, `false`: the row stays `sent`, the caller says "checking", and
/// reconciliation finishes it from i'mport's side. Never an error: once a request
/// has left, the answer is never a plain error.
pub(crate) async fn finish_after_send(store: &Store, id: i64, f: &Finish) -> bool {
    let deadline = tokio::time::Instant::now() + store.busy_timeout() * 6;
    let mut wait = std::time::Duration::from_millis(50);
    loop {
        let attempt = {
            let (store, f) = (store.clone(), f.clone());
            tokio::task::spawn_blocking(move || finish(&store, id, &f)).await
        };
        match attempt {
            Ok(Ok(_)) => return true,
            Ok(Err(e)) => tracing::warn!(
                code = %e.code(),
                journal_id = id,
                "could not record an answer yet"
            ),
            Err(e) => tracing::warn!(error = %e, journal_id = id, "recording task failed"),
        }
        if tokio::time::Instant::now() >= deadline {
            tracing::error!(
                journal_id = id,
                "answer not recorded; reconciliation will settle it"
            );
            return false;
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(std::time::Duration::from_secs(2));
    }
}

impl Store {
    /// A person's decision on a conflict: the payment found under our order id is
    /// ours after all (`paid`), or it is not and our request did nothing
    /// (`not_executed`). Either way the lock is released and the decision audited.
    pub fn decide_conflict(&self, journal_id: i64, ours: bool, note: &str) -> Result<JournalEntry> {
        self.write(|tx| {
            let row = one(tx, "id = ?1", [journal_id])?.ok_or_else(|| Error::NotFound {
                what: "journal entry",
                id: journal_id.to_string(),
            })?;
            if row.state != JournalState::Conflict {
                return Err(Error::invalid("journal_id", "not a conflict"));
            }
            let decided = if ours {
                if row.op == JournalOp::Refund {
                    outcome::REFUNDED
                } else if row.op.is_charge() {
                    outcome::PAID
                } else {
                    outcome::REGISTERED
                }
            } else {
                outcome::NOT_EXECUTED
            };
            tx.prepare_cached(
                "UPDATE journal SET state = 'resolved', outcome = ?2, seen = 1, updated_at = ?3,
                     resolved_at = ?3, imp_uid = CASE WHEN ?4 THEN imp_uid ELSE NULL END
                 WHERE id = ?1 AND state = 'conflict'",
            )?
            .execute(params![journal_id, decided, crate::now(), ours])?;
            crate::store::audit::append(
                tx,
                self.profile(),
                "journal.decide_conflict",
                &serde_json::json!({
                    "journal_id": journal_id, "merchant_uid": row.merchant_uid, "ours": ours,
                    "note": note,
                }),
                decided,
            )?;
            Ok(())
        })?;
        self.journal_get(journal_id)
    }
}

/// Filters of `journal_list`; newest first.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct JournalQuery {
    /// Only rows that need attention: outcome not known yet, or a conflict.
    pub open_only: bool,
    pub customer_uid: Option<String>,
    pub merchant_uid: Option<String>,
    /// Rows with `id` below this (paging).
    pub before_id: Option<i64>,
    /// 1..=1000, default 100.
    pub limit: Option<u32>,
}

impl Store {
    /// Journal rows, newest first.
    pub fn journal_list(&self, q: &JournalQuery) -> Result<Vec<JournalEntry>> {
        let limit = q.limit.unwrap_or(100).clamp(1, 1000) as i64;
        self.read(|c| {
            let sql = format!(
                "SELECT {COLS} FROM journal
                 WHERE id < ?1
                   AND (?2 = 0 OR state IN ('pending', 'sent', 'unknown', 'conflict'))
                   AND (?3 IS NULL OR customer_uid = ?3)
                   AND (?4 IS NULL OR merchant_uid = ?4)
                 ORDER BY id DESC LIMIT ?5"
            );
            let rows = c
                .prepare_cached(&sql)?
                .query_map(
                    params![
                        q.before_id.unwrap_or(i64::MAX),
                        q.open_only as i64,
                        q.customer_uid,
                        q.merchant_uid,
                        limit
                    ],
                    from_row,
                )?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
    }

    /// One journal row.
    pub fn journal_get(&self, id: i64) -> Result<JournalEntry> {
        self.read(|c| {
            let sql = format!("SELECT {COLS} FROM journal WHERE id = ?1");
            c.prepare_cached(&sql)?
                .query_row([id], from_row)
                .optional()?
                .ok_or_else(|| Error::NotFound {
                    what: "journal entry",
                    id: id.to_string(),
                })
        })
    }

    /// The charge row of a merchant_uid, if any.
    pub fn journal_charge(&self, merchant_uid: &str) -> Result<Option<JournalEntry>> {
        self.read(|c| {
            let sql = format!(
                "SELECT {COLS} FROM journal WHERE merchant_uid = ?1
                 AND op IN ('charge_again', 'charge_onetime')"
            );
            Ok(c.prepare_cached(&sql)?
                .query_row([merchant_uid], from_row)
                .optional()?)
        })
    }

    /// The open schedule-operation row of an order id, if any.
    pub(crate) fn journal_schedule_open(&self, merchant_uid: &str) -> Result<Option<JournalEntry>> {
        self.read(|c| {
            let sql = format!(
                "SELECT {COLS} FROM journal WHERE merchant_uid = ?1
                 AND op IN ('schedule', 'unschedule', 'schedule_update', 'schedule_reschedule')
                 AND state IN ('pending', 'sent', 'unknown')"
            );
            Ok(c.prepare_cached(&sql)?
                .query_row([merchant_uid], from_row)
                .optional()?)
        })
    }

    /// Rows still waiting for an outcome (the "checking" count).
    pub fn journal_open_count(&self) -> Result<i64> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT count(*) FROM journal WHERE state IN ('pending', 'sent', 'unknown')",
                [],
                |r| r.get(0),
            )?)
        })
    }

    /// Every open row, oldest first (what reconciliation works through).
    pub(crate) fn journal_open(&self) -> Result<Vec<JournalEntry>> {
        self.read(|c| {
            let sql = format!(
                "SELECT {COLS} FROM journal WHERE state IN ('pending', 'sent', 'unknown') ORDER BY id"
            );
            let rows = c
                .prepare_cached(&sql)?
                .query_map([], from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
    }
}
