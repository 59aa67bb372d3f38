//! Dunning: what happens after a scheduled charge of a plan fails. The plan's ladder
//! says how many days after the failed period each retry is made (1, 3, 5 and 7 by
//! default); each retry is an `again` charge with its own deterministic merchant_uid
//! (`<period id>-r<attempt>`), journaled like any other charge. The journal decides
//! every step, so a run interrupted anywhere never makes an extra attempt: an attempt
//! already journaled is read, not sent.
//!
//! A hard decline (lost, stolen, expired, invalid or suspended card: see
//! [`crate::money::decline`]) is never retried: the period is given up at once and the
//! triage queue shows it. After the last retry or a hard decline the plan's end applies
//! to the subscription ([`DunningEnd`]): keep charging the next periods, pause, or cancel.

use subdesk_iamport::Client;

use crate::error::Result;
use crate::money::charge::{AgainCharge, ChargeStatus, Ctx};
use crate::money::decline::{DeclineClass, classify};
use crate::money::journal::outcome;
use crate::money::plans::records::{DunningEnd, EngineReport, PeriodRecord, Plan, plan_for};
use crate::store::db::Store;

/// What a failed attempt (`retries` made so far, the failed one included), learnt at
/// `now`, leads to: the next retry's time, or the period given up, with the audit's
/// outcome. Pushes the plan's end for the subscription to `ends` when the period is given
/// up and the end is not `keep`.
pub(crate) fn after_failure(
    plan: &Plan,
    p: &mut PeriodRecord,
    retries: u32,
    now: i64,
    report: &mut EngineReport,
    ends: &mut Vec<(i64, DunningEnd)>,
) -> &'static str {
    let hard = classify(p.fail_reason.as_deref()).class == DeclineClass::Hard;
    let next = plan.dunning.retry_at(p.due_at, retries + 1, now);
    match next {
        Some(at) if !hard => {
            p.state = "failed".into();
            p.next_retry_at = Some(at);
            if retries == 0 { "dunning" } else { "declined" }
        }
        _ => {
            p.state = "written_off".into();
            p.next_retry_at = None;
            report.written_off += 1;
            if hard {
                report.hard_declines += 1;
            }
            if plan.dunning.end != DunningEnd::Keep {
                ends.push((p.subscription_id, plan.dunning.end));
            }
            if hard { "hard_decline" } else { "written_off" }
        }
    }
}

/// Make every dunning attempt that is due.
pub(crate) async fn run(
    store: &Store,
    client: &Client,
    now: i64,
    report: &mut EngineReport,
    ends: &mut Vec<(i64, DunningEnd)>,
) -> Result<()> {
    for p in store.periods_in_state("failed", now)? {
        if p.next_retry_at.is_none_or(|t| t > now) {
            continue;
        }
        let sub = store.subscription(p.subscription_id)?;
        if sub.status != "active" {
            // Cancelled: never charged again. The period is given up, not retried.
            let mut p = p;
            p.state = "written_off".into();
            p.next_retry_at = None;
            report.written_off += 1;
            store.set_period(&p, Some(("plan.dunning_stopped", "cancelled")))?;
            continue;
        }
        if sub.paused_at.is_some() {
            continue; // retried after a resume
        }
        attempt(store, client, now, p, report, ends).await?;
    }
    Ok(())
}

async fn attempt(
    store: &Store,
    client: &Client,
    now: i64,
    mut p: PeriodRecord,
    report: &mut EngineReport,
    ends: &mut Vec<(i64, DunningEnd)>,
) -> Result<()> {
    let plan = plan_for(store, p.subscription_id)?;
    let sub = store.subscription(p.subscription_id)?;
    let n = p.retries + 1;
    let m = crate::money::merchant_uid::for_retry(&p.merchant_uid, n);
    // Already journaled? Then its outcome decides; nothing is sent twice.
    let known = store.journal_charge(&m)?;
    let status = match known
        .as_ref()
        .map(|e| (e.state.is_open(), e.outcome.as_deref()))
    {
        Some((true, _)) => {
            report.deferred.push((m, "charge_unresolved".into()));
            return Ok(());
        }
        Some((false, Some(outcome::CONFLICT))) => {
            report.deferred.push((m, "charge_conflict".into()));
            return Ok(());
        }
        Some((false, Some(outcome::PAID))) => (
            ChargeStatus::Paid,
            known.as_ref().and_then(|e| e.imp_uid.clone()),
            None,
        ),
        Some((false, Some(outcome::FAILED))) => (
            ChargeStatus::Declined,
            known.as_ref().and_then(|e| e.imp_uid.clone()),
            known.as_ref().and_then(|e| e.fail_reason.clone()),
        ),
        // Never sent, refused, or not executed: (re)send with the same merchant_uid.
        _ => {
            report.retries += 1;
            let req = AgainCharge {
                customer_uid: sub.customer_uid.clone(),
                merchant_uid: Some(m.clone()),
                details: plan.details(&sub),
            };
            let ctx = Ctx {
                source: format!("dunning:{}", sub.id),
            };
            match crate::money::charge::charge_again_ctx(store, client, &req, &ctx).await {
                Ok(r) => (r.status, r.imp_uid, r.fail_reason),
                Err(e) => {
                    // Not a decline (a decline is an `Ok` with its reason): a key
                    // that cannot be charged now, the database waiting for a sync,
                    // or a refusal after sending. None of these is an attempt that
                    // failed at the card company, so none moves the ladder; the
                    // period waits and shows why.
                    report.deferred.push((m, e.code().to_string()));
                    return Ok(());
                }
            }
        }
    };
    match status {
        (ChargeStatus::Paid, imp_uid, _) => {
            p.retries = n;
            p.state = "paid".into();
            p.paid_merchant_uid = Some(m);
            p.imp_uid = imp_uid;
            p.next_retry_at = None;
            report.retries_paid += 1;
            store.set_period(&p, Some(("plan.dunning_attempt", "paid")))?;
        }
        (ChargeStatus::Declined, imp_uid, reason) => {
            p.retries = n;
            p.imp_uid = imp_uid.or(p.imp_uid);
            p.fail_reason = reason;
            let outcome = after_failure(&plan, &mut p, n, now, report, ends);
            store.set_period(&p, Some(("plan.dunning_attempt", outcome)))?;
        }
        (ChargeStatus::Unknown, _, _) => {
            // Checking: the next run reads the journal row once it is resolved.
            report.deferred.push((m, "charge_unresolved".into()));
        }
        (ChargeStatus::Conflict, _, _) => {
            // Something else is paid under this order id: a person decides.
            report.deferred.push((m, "charge_conflict".into()));
        }
    }
    Ok(())
}
