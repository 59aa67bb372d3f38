//! Reconciliation: every journal row whose outcome is not known is decided by a
//! lookup at i'mport — never by sending the request again.
//!
//! A lookup proves identity: what i'mport holds under our order id is ours only if it
//! is what we sent.
//! - charges: `GET /payments/findAll/{merchant_uid}`: a paid payment of our customer,
//!   amount and currency, not older than the intent, means it happened; a paid
//!   payment that is not ours makes the row a **conflict** (neither paid nor failed:
//!   a person decides); a `ready` payment keeps the row open; a failed payment newer
//!   than the ones we knew means it was declined; nothing means it was not executed
//!   (and may be sent again, same merchant_uid);
//! - schedule operations: `GET /subscribe/payments/schedule/{merchant_uid}`: a
//!   registration is ours if customer, amount and time match, else a conflict;
//! - refunds: the payment's `cancel_history`: ours if an entry of our amount was made
//!   after the refund was sent.
//!
//! "Not found" is only believed when i'mport says so in its envelope (the client's
//! `NotFound`; a bare 404 from a proxy is an error that leaves the row open), and
//! only for rows sent at least `min_age_secs` ago: a request still in flight at
//! i'mport would otherwise be called "not executed" and then commit. One process
//! reconciles at a time (a lease). The app runs [`reconcile`] at start-up, before
//! new money moves.

use serde::{Deserialize, Serialize};
use subdesk_iamport::{Client, Error as ApiError, PaymentListQuery, PaymentStatus, ScheduleStatus};

use crate::error::{Error, Result};
use crate::mirror::sync::payments::payment_record;
use crate::mirror::sync::schedules::schedule_record;
use crate::money::journal::{self, Finish, JournalEntry, JournalOp, JournalState, outcome};
use crate::store::db::Store;

/// Options of a reconciliation.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct ReconcileOptions {
    /// Rows sent more recently than this stay "checking" when the lookup finds
    /// nothing (the request may still be in flight). Default 60 s.
    pub min_age_secs: i64,
}

impl Default for ReconcileOptions {
    fn default() -> Self {
        ReconcileOptions { min_age_secs: 60 }
    }
}

/// One row reconciliation decided.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ResolvedEntry {
    pub journal_id: i64,
    pub op: JournalOp,
    pub merchant_uid: String,
    pub outcome: String,
    pub imp_uid: Option<String>,
}

/// What a reconciliation did.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ReconcileReport {
    /// Open rows looked at.
    pub checked: i64,
    /// Rows now resolved.
    pub resolved: i64,
    /// Rows still open ("checking"): too young, or the lookup failed.
    pub still_open: i64,
    /// Per outcome: paid, failed, not_executed, registered, revoked, moved, refunded, refused.
    pub by_outcome: std::collections::BTreeMap<String, i64>,
    pub entries: Vec<ResolvedEntry>,
    /// Lookups that failed: (journal id, error code).
    pub errors: Vec<(i64, subdesk_codes::ErrorCode)>,
    pub started_at: i64,
    pub finished_at: i64,
}

/// Resolve every open journal row (start-up and on demand), default options.
pub async fn reconcile(store: &Store, client: &Client) -> Result<ReconcileReport> {
    reconcile_with(store, client, &ReconcileOptions::default()).await
}

/// Resolve every open journal row.
pub async fn reconcile_with(
    store: &Store,
    client: &Client,
    opts: &ReconcileOptions,
) -> Result<ReconcileReport> {
    let mut report = ReconcileReport {
        started_at: crate::now(),
        ..Default::default()
    };
    // Another process reconciling the same database: wait for it to finish rather
    // than look everything up twice; what it settled is then simply not open.
    let _lease = crate::store::lease::Lease::acquire_waiting(
        store,
        "reconcile",
        std::time::Duration::from_secs(crate::store::lease::LEASE_SECS as u64),
    )
    .await?;
    for entry in store.journal_open()? {
        report.checked += 1;
        match resolve_entry(store, client, &entry, opts.min_age_secs).await {
            Ok(true) => {
                let done = store.journal_get(entry.id)?;
                let o = done.outcome.clone().unwrap_or_default();
                *report.by_outcome.entry(o.clone()).or_default() += 1;
                report.resolved += 1;
                report.entries.push(ResolvedEntry {
                    journal_id: done.id,
                    op: done.op,
                    merchant_uid: done.merchant_uid,
                    outcome: o,
                    imp_uid: done.imp_uid,
                });
            }
            Ok(false) => report.still_open += 1,
            Err(e) => {
                report.still_open += 1;
                report.errors.push((entry.id, e.code()));
            }
        }
    }
    report.finished_at = crate::now();
    // A pass that found nothing to check changed nothing: only real work is audited, so
    // the log is not filled with a line per charge.
    if report.checked > 0 {
        store.audit_record(
            "journal.reconcile",
            &serde_json::json!({
                "checked": report.checked, "resolved": report.resolved,
                "still_open": report.still_open, "min_age_secs": opts.min_age_secs,
            }),
            if report.still_open > 0 {
                "unknown"
            } else {
                "ok"
            },
        )?;
    }
    Ok(report)
}

fn not_found(e: &ApiError) -> bool {
    matches!(e, ApiError::NotFound { .. })
}

fn resolved(o: &'static str) -> Finish {
    Finish::new(JournalState::Resolved, Some(o))
}

/// Decide one open row by lookup. `Ok(true)` when it is resolved now; `Ok(false)`
/// when it must stay open (nothing found yet and the row is younger than
/// `min_age_secs`).
pub(crate) async fn resolve_entry(
    store: &Store,
    client: &Client,
    entry: &JournalEntry,
    min_age_secs: i64,
) -> Result<bool> {
    if !entry.state.is_open() {
        return Ok(true);
    }
    let old_enough = entry.state == JournalState::Pending
        || crate::now().saturating_sub(entry.sent_at.unwrap_or(entry.updated_at)) >= min_age_secs;
    let audit = Some((
        "journal.resolve".to_string(),
        serde_json::json!({ "op": entry.op.as_str(), "merchant_uid": entry.merchant_uid }),
    ));
    // A pending row was never handed to the network: nothing can have happened.
    if entry.state == JournalState::Pending {
        let mut f = resolved(outcome::NOT_EXECUTED);
        f.audit = audit;
        journal::finish(store, entry.id, &f)?;
        return Ok(true);
    }
    let mut f = match entry.op {
        // A schedule's retry is a charge under the schedule's merchant_uid: the payments
        // under it tell, past the failed ones known when it was sent (`prior_count`).
        JournalOp::ChargeAgain | JournalOp::ChargeOnetime | JournalOp::ScheduleRetry => {
            match charge_lookup(client, entry, old_enough).await? {
                Some(f) => f,
                None => return Ok(false),
            }
        }
        JournalOp::Schedule
        | JournalOp::Unschedule
        | JournalOp::ScheduleUpdate
        | JournalOp::ScheduleReschedule => {
            match schedule_lookup(client, entry, old_enough).await? {
                Some(f) => f,
                None => return Ok(false),
            }
        }
        JournalOp::Refund => match refund_lookup(client, entry, old_enough).await? {
            Some(f) => f,
            None => return Ok(false),
        },
    };
    f.audit = audit;
    journal::finish(store, entry.id, &f)?;
    let done = store.journal_get(entry.id)?;
    if done.op == JournalOp::ChargeOnetime
        && done.outcome.as_deref() == Some(outcome::PAID)
        && let Some(uid) = kept_key_of(&done)
    {
        // A first charge that keeps its card as a key: the key is kept whether the
        // answer came at once or only this lookup found the payment.
        crate::mirror::sync::keys::keep_key(store, client, &uid).await;
    }
    Ok(true)
}

fn kept_key_of(e: &JournalEntry) -> Option<String> {
    serde_json::from_str::<serde_json::Value>(&e.request_json)
        .ok()?
        .get("keep_key_as")?
        .as_str()
        .map(str::to_string)
}

/// Clocks differ: i'mport's times may be this much behind ours and still be ours.
const CLOCK_SKEW_SECS: i64 = 300;

/// When the intent was formed: our ULID order ids carry their creation time. An
/// order id of another form (a plan period's, a run line's, a caller's own) is
/// deterministic and has no such time; its identity rests on customer and amount.
fn intent_time(merchant_uid: &str) -> Option<i64> {
    let ulid = merchant_uid.strip_prefix("sd-")?;
    let t = ulid::Ulid::from_string(ulid).ok()?.timestamp_ms() / 1000;
    Some(t as i64)
}

fn same_customer(a: Option<&str>, b: Option<&str>) -> bool {
    a.filter(|s| !s.is_empty()) == b.filter(|s| !s.is_empty())
}

/// Is this payment the one our row asked for?
fn is_ours(entry: &JournalEntry, p: &subdesk_iamport::Payment) -> bool {
    let when = p.started_at.or(p.paid_at).or(p.failed_at).unwrap_or(0);
    same_customer(entry.customer_uid.as_deref(), p.customer_uid.as_deref())
        && p.amount.as_won() == Some(entry.amount)
        && p.currency.eq_ignore_ascii_case("KRW")
        && intent_time(&entry.merchant_uid).is_none_or(|t| when >= t - CLOCK_SKEW_SECS)
}

fn conflict_with(p: &subdesk_iamport::Payment) -> Finish {
    let mut f = Finish::new(JournalState::Conflict, Some(outcome::CONFLICT));
    f.conflict = Some(serde_json::json!({
        "imp_uid": p.imp_uid,
        "customer_uid": p.customer_uid,
        "amount": p.amount.as_won(),
        "currency": p.currency,
        "status": p.status.as_str(),
        "paid_at": p.paid_at,
        "started_at": p.started_at,
    }));
    f
}

async fn charge_lookup(
    client: &Client,
    entry: &JournalEntry,
    old_enough: bool,
) -> Result<Option<Finish>> {
    let q = PaymentListQuery::default().limit(100);
    let list = match client
        .find_all_payments(&entry.merchant_uid, None, &q)
        .await
    {
        Ok(page) => page.list,
        Err(e) if not_found(&e) => Vec::new(),
        Err(e) => return Err(Error::Api(e)),
    };
    let records = list.iter().map(payment_record).collect::<Vec<_>>();
    // Paid, or paid and refunded since: either way it was charged.
    let paid: Vec<_> = list
        .iter()
        .filter(|p| {
            p.status == PaymentStatus::Paid
                || (p.status == PaymentStatus::Cancelled && p.paid_at.is_some())
        })
        .collect();
    if let Some(p) = paid.iter().find(|p| is_ours(entry, p)) {
        let mut f = resolved(outcome::PAID);
        f.imp_uid = Some(p.imp_uid.clone());
        f.payments = records;
        return Ok(Some(f));
    }
    if let Some(p) = paid.first() {
        // Charged under our order id, but not what we sent: never "paid" (it would
        // point at someone else's payment), never "failed" (a retry would charge).
        let mut f = conflict_with(p);
        f.payments = records;
        return Ok(Some(f));
    }
    if list
        .iter()
        .any(|p| p.status == PaymentStatus::Ready && is_ours(entry, p))
    {
        // Accepted, not settled: stays open until it becomes paid or failed.
        return Ok(None);
    }
    let failed: Vec<_> = list
        .iter()
        .filter(|p| p.status == PaymentStatus::Failed && is_ours(entry, p))
        .collect();
    if failed.len() as i64 > entry.prior_count {
        let newest = failed
            .iter()
            .max_by_key(|p| (p.failed_at.unwrap_or(0), p.started_at.unwrap_or(0)));
        let mut f = resolved(outcome::FAILED);
        f.imp_uid = newest.map(|p| p.imp_uid.clone());
        f.fail_reason = newest.and_then(|p| p.fail_reason.clone());
        f.prior_count = Some(failed.len() as i64);
        f.payments = records;
        return Ok(Some(f));
    }
    if !old_enough {
        return Ok(None);
    }
    Ok(Some(resolved(outcome::NOT_EXECUTED)))
}

async fn schedule_lookup(
    client: &Client,
    entry: &JournalEntry,
    old_enough: bool,
) -> Result<Option<Finish>> {
    let s = match client.get_schedule(&entry.merchant_uid).await {
        Ok(s) => Some(s),
        Err(e) if not_found(&e) => None,
        Err(e) => return Err(Error::Api(e)),
    };
    let status = s.as_ref().and_then(|s| s.schedule_status.clone());
    let want_at: Option<i64> = serde_json::from_str::<serde_json::Value>(&entry.request_json)
        .ok()
        .and_then(|v| v.get("schedule_at").and_then(|x| x.as_i64()));
    let mut f = match (entry.op, &s, status) {
        (JournalOp::Schedule, Some(sch), _)
            if sch.customer_uid == entry.customer_uid.clone().unwrap_or_default()
                && sch.amount.as_ref().and_then(|a| a.as_won()) == Some(entry.amount)
                && sch.schedule_at == want_at =>
        {
            resolved(outcome::REGISTERED)
        }
        (JournalOp::Schedule, Some(sch), _) => {
            let mut f = Finish::new(JournalState::Conflict, Some(outcome::CONFLICT));
            f.conflict = Some(serde_json::json!({
                "customer_uid": sch.customer_uid,
                "amount": sch.amount.as_ref().and_then(|a| a.as_won()),
                "schedule_at": sch.schedule_at,
            }));
            f
        }
        (JournalOp::Unschedule, Some(_), Some(ScheduleStatus::Revoked)) => {
            resolved(outcome::REVOKED)
        }
        (JournalOp::Unschedule, Some(_), Some(ScheduleStatus::Executed))
        | (JournalOp::Unschedule, None, _) => {
            // Too late or nothing there: the unschedule cannot have done anything.
            resolved(outcome::REFUSED)
        }
        (JournalOp::ScheduleUpdate, Some(sch), _) => {
            if want_at.is_some() && sch.schedule_at == want_at {
                resolved(outcome::MOVED)
            } else if old_enough {
                resolved(outcome::NOT_EXECUTED)
            } else {
                return Ok(None);
            }
        }
        (JournalOp::ScheduleUpdate, None, _) => resolved(outcome::REFUSED),
        // Registered again at the time we asked for: the reschedule went through.
        (JournalOp::ScheduleReschedule, Some(sch), Some(ScheduleStatus::Scheduled))
            if want_at.is_some() && sch.schedule_at == want_at =>
        {
            resolved(outcome::RESCHEDULED)
        }
        (JournalOp::ScheduleReschedule, None, _) => resolved(outcome::REFUSED),
        _ if old_enough => resolved(outcome::NOT_EXECUTED),
        _ => return Ok(None),
    };
    if let Some(s) = &s {
        f.schedules = vec![schedule_record(s)];
    }
    Ok(Some(f))
}

async fn refund_lookup(
    client: &Client,
    entry: &JournalEntry,
    old_enough: bool,
) -> Result<Option<Finish>> {
    let Some(imp_uid) = entry.target_imp_uid.as_deref() else {
        return Ok(Some(resolved(outcome::NOT_EXECUTED)));
    };
    let p = client.get_payment(imp_uid, true).await?;
    // Ours: an entry of our amount, newer than the history we knew, made after the
    // refund was sent (another refund of the same amount earlier is not ours).
    let sent = entry.sent_at.unwrap_or(entry.created_at);
    let new_entries = p
        .cancel_history
        .iter()
        .skip(entry.prior_count.max(0) as usize)
        .any(|c| {
            c.amount.as_won() == Some(entry.amount)
                && c.cancelled_at.is_none_or(|t| t >= sent - CLOCK_SKEW_SECS)
        });
    let mut f = if new_entries {
        resolved(outcome::REFUNDED)
    } else if old_enough {
        resolved(outcome::NOT_EXECUTED)
    } else {
        return Ok(None);
    };
    f.imp_uid = Some(p.imp_uid.clone());
    f.payments = vec![payment_record(&p)];
    Ok(Some(f))
}
