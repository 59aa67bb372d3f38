//! The plan engine. [`run_plans`] keeps the next K periods of every active
//! subscription registered as i'mport schedules with deterministic merchant_uids
//! (registering again changes nothing), records what each due period did, and hands
//! failed ones to [`dunning`](crate::money::plans::dunning). `now` is a parameter
//! so that the sandbox clock drives tests.

use rusqlite::params;
use serde::{Deserialize, Serialize};
use subdesk_iamport::{Client, SchedulePaymentStatus, ScheduleStatus};

use crate::error::{Error, Result};
use crate::money::plans::records::{
    DunningEnd, EngineReport, Period, PeriodRecord, Plan, Subscription, plan_for,
};
use crate::money::scheduling::{ScheduleInput, ScheduleOpStatus};
use crate::store::db::Store;

/// Options of the engine.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct EngineOptions {
    /// Periods kept registered ahead (K).
    pub horizon: u32,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions { horizon: 3 }
    }
}

/// Keep every active subscription's next `horizon` periods registered, record
/// due periods' outcomes and run dunning. Safe to run as often as wanted: every
/// step is decided by what is recorded here and at i'mport.
pub async fn run_plans(
    store: &Store,
    client: &Client,
    now: i64,
    opts: &EngineOptions,
) -> Result<EngineReport> {
    store.check_money_allowed()?;
    // One engine at a time across processes (the app's timer, `plans run` from cron).
    let lease = crate::store::lease::Lease::acquire(store, "plans")?;
    let mut report = EngineReport::default();
    let mut ends = Vec::new();
    observe_due(store, client, now, &mut report, &mut ends).await?;
    observe_charging(store, now, &mut report, &mut ends).await?;
    // Cancellations at the end of a period whose time has come: before dunning, so
    // nothing is retried for them.
    for sub in store.subscriptions(None)? {
        if sub.status == "active" && sub.cancel_at.is_some_and(|c| c <= now) {
            let c = cancel_subscription(store, client, sub.id, now).await?;
            report.cancelled += 1;
            for m in c.pending {
                report.deferred.push((m, "schedule_unresolved".into()));
            }
        }
    }
    crate::money::plans::dunning::run(store, client, now, &mut report, &mut ends).await?;
    apply_ends(store, client, ends, now, &mut report).await?;
    for sub in store.subscriptions(None)? {
        if !sub.collecting() {
            continue;
        }
        if !lease.held() {
            return Err(Error::Busy {
                work: "plans".into(),
                owner: "another process".into(),
                expires_at: crate::now(),
            });
        }
        let plan = store.get_plan(&sub.plan_code)?;
        ensure_registered(store, client, &plan, &sub, now, opts.horizon, &mut report).await?;
    }
    Ok(report)
}

/// The plan's end after a period given up: pause or cancel (each revokes what it
/// registered; what is still being checked is reported, and tried again next time).
async fn apply_ends(
    store: &Store,
    client: &Client,
    ends: Vec<(i64, DunningEnd)>,
    now: i64,
    report: &mut EngineReport,
) -> Result<()> {
    for (id, end) in ends {
        let sub = store.subscription(id)?;
        if sub.status != "active" {
            continue;
        }
        let c = match end {
            DunningEnd::Pause if sub.paused_at.is_none() => {
                pause_subscription(store, client, id, now).await?
            }
            DunningEnd::Cancel => cancel_subscription(store, client, id, now).await?,
            _ => continue,
        };
        report.dunning_ended += 1;
        for m in c.pending {
            report.deferred.push((m, "schedule_unresolved".into()));
        }
    }
    Ok(())
}

/// What a first charge on subscribing did.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SubscribeCharge {
    /// The period it paid (or tried to), `YYYYMM` or `p<n>`.
    pub label: String,
    pub charge: crate::money::charge::ChargeResult,
    /// The period's record after it: `paid`, `failed` (in dunning), `written_off` (a
    /// hard decline or no retries), or `charging` while the answer is checked.
    pub state: String,
}

/// Charge a new subscription's current period at once (a plan with a first charge),
/// through the money rules: journaled under the period's deterministic order id, so
/// calling it again never charges twice. The period counts as billed: the engine does
/// not register it, a decline goes to dunning like a failed schedule.
pub async fn charge_first_period(
    store: &Store,
    client: &Client,
    subscription_id: i64,
    now: i64,
) -> Result<SubscribeCharge> {
    store.check_money_allowed()?;
    // The engine's lease for the whole charge: a run at the same time (the app's timer,
    // a cron job) would otherwise find the period `charging` before its journal row
    // exists and give it up while the request is on its way.
    let _lease = crate::store::lease::Lease::acquire_waiting(
        store,
        "plans",
        std::time::Duration::from_secs(crate::store::lease::LEASE_SECS as u64),
    )
    .await?;
    let sub = store.subscription(subscription_id)?;
    if !sub.collecting() {
        return Err(Error::invalid("subscription", "not collecting"));
    }
    let plan = store.get_plan(&sub.plan_code)?;
    let period = plan
        .current_period(now)
        .ok_or_else(|| Error::invalid("plan_code", "the plan has no period left"))?;
    let m = plan.merchant_uid_for(&sub, &period);
    let mut rec = scheduled(&sub, &period, m.clone());
    rec.state = "charging".into();
    // Recorded before the request leaves: the engine never registers this period.
    if !store
        .subscription_periods(sub.id)?
        .iter()
        .any(|p| p.period == period.index)
    {
        store.set_period(&rec, Some(("plan.first_charge", "charging")))?;
    }
    let req = crate::money::charge::AgainCharge {
        customer_uid: sub.customer_uid.clone(),
        merchant_uid: Some(m),
        details: plan.details(&sub),
    };
    let ctx = crate::money::charge::Ctx {
        source: format!("plan:{}", sub.id),
    };
    let charge = crate::money::charge::charge_again_ctx(store, client, &req, &ctx).await?;
    let mut report = EngineReport::default();
    let mut ends = Vec::new();
    settle_charging(store, &plan, &mut rec, &charge, now, &mut report, &mut ends)?;
    apply_ends(store, client, ends, now, &mut report).await?;
    Ok(SubscribeCharge {
        label: period.label,
        state: rec.state,
        charge,
    })
}

/// A first charge's answer on its period's record.
fn settle_charging(
    store: &Store,
    plan: &Plan,
    rec: &mut PeriodRecord,
    charge: &crate::money::charge::ChargeResult,
    now: i64,
    report: &mut EngineReport,
    ends: &mut Vec<(i64, DunningEnd)>,
) -> Result<()> {
    use crate::money::charge::ChargeStatus;
    match charge.status {
        ChargeStatus::Paid => {
            rec.state = "paid".into();
            rec.paid_merchant_uid = Some(rec.merchant_uid.clone());
            rec.imp_uid = charge.imp_uid.clone();
            report.paid += 1;
            store.set_period(rec, Some(("plan.period_paid", "paid")))?;
        }
        ChargeStatus::Declined => {
            rec.imp_uid = charge.imp_uid.clone();
            rec.fail_reason = charge.fail_reason.clone();
            report.failed += 1;
            let outcome =
                crate::money::plans::dunning::after_failure(plan, rec, 0, now, report, ends);
            store.set_period(rec, Some(("plan.period_failed", outcome)))?;
        }
        // Checked by reconciliation; the engine reads the journal once it is settled.
        ChargeStatus::Unknown | ChargeStatus::Conflict => {}
    }
    Ok(())
}

/// First charges whose answer was being checked: read the journal once it is settled.
async fn observe_charging(
    store: &Store,
    now: i64,
    report: &mut EngineReport,
    ends: &mut Vec<(i64, DunningEnd)>,
) -> Result<()> {
    use crate::money::charge::ChargeStatus;
    use crate::money::journal::outcome;
    for mut p in store.periods_in_state("charging", i64::MAX)? {
        let Some(e) = store.journal_charge(&p.merchant_uid)? else {
            // Recorded, never sent (a crash in between): nothing was charged. The
            // period is given up; its schedule time has passed or it is a person's.
            p.state = "written_off".into();
            report.written_off += 1;
            store.set_period(&p, Some(("plan.first_charge", "not_sent")))?;
            continue;
        };
        let status = match (e.state.is_open(), e.outcome.as_deref()) {
            (true, _) => {
                report
                    .deferred
                    .push((p.merchant_uid.clone(), "charge_unresolved".into()));
                continue;
            }
            (false, Some(outcome::PAID)) => ChargeStatus::Paid,
            (false, Some(outcome::FAILED)) => ChargeStatus::Declined,
            _ => {
                report
                    .deferred
                    .push((p.merchant_uid.clone(), "charge_conflict".into()));
                continue;
            }
        };
        let plan = plan_for(store, p.subscription_id)?;
        let charge = crate::money::charge::ChargeResult {
            journal_id: e.id,
            merchant_uid: p.merchant_uid.clone(),
            status,
            amount: e.amount,
            imp_uid: e.imp_uid.clone(),
            fail_reason: e.fail_reason.clone(),
            replayed: true,
        };
        settle_charging(store, &plan, &mut p, &charge, now, report, ends)?;
    }
    Ok(())
}

async fn ensure_registered(
    store: &Store,
    client: &Client,
    plan: &Plan,
    sub: &Subscription,
    now: i64,
    horizon: u32,
    report: &mut EngineReport,
) -> Result<()> {
    let known: std::collections::HashSet<u32> = store
        .subscription_periods(sub.id)?
        .into_iter()
        .map(|p| p.period)
        .collect();
    // A re-subscription is not charged for a period an earlier subscription of the same
    // customer paid (ahead, by a first charge).
    let paid_before = if sub.generation > 0 {
        store.periods_paid_before(sub)?
    } else {
        Default::default()
    };
    let mut upcoming = Vec::new();
    let mut i = 0u32;
    while upcoming.len() < horizon as usize {
        let Some(p) = plan.period(i) else { break };
        i += 1;
        if sub.cancel_at.is_some_and(|c| p.due_at >= c) {
            break;
        }
        if p.due_at <= now || !sub.covers(&p) || paid_before.contains(&p.label) {
            continue;
        }
        upcoming.push(p);
    }
    let mut to_register = Vec::new();
    for p in upcoming {
        if known.contains(&p.index) {
            continue;
        }
        let m = plan.merchant_uid_for(sub, &p);
        // Registered before (a lost answer, a restored backup)? Then record it
        // and send nothing.
        match client.get_schedule(&m).await {
            Ok(s) if s.schedule_status != Some(ScheduleStatus::Revoked) => {
                report.already_registered += 1;
                store.set_period(&scheduled(sub, &p, m), None)?;
                continue;
            }
            Ok(_) => {
                // Revoked earlier (by this subscription, its record lost with a
                // restored backup): i'mport will not take the id again, and charging
                // the period is a person's decision.
                report.deferred.push((m, "schedule_revoked".into()));
                continue;
            }
            Err(subdesk_iamport::Error::NotFound { .. }) => {}
            Err(e) => {
                report.deferred.push((m, Error::Api(e).code().to_string()));
                continue;
            }
        }
        to_register.push((p, m));
    }
    if to_register.is_empty() {
        return Ok(());
    }
    let inputs: Vec<ScheduleInput> = to_register
        .iter()
        .map(|(p, m)| ScheduleInput {
            merchant_uid: Some(m.clone()),
            schedule_at: p.due_at,
            details: plan.details(sub),
        })
        .collect();
    let source = format!("plan:{}", sub.id);
    match crate::money::scheduling::register_ctx(store, client, &sub.customer_uid, &inputs, &source)
        .await
    {
        Ok(results) => {
            for ((p, m), r) in to_register.into_iter().zip(results) {
                if r.status == ScheduleOpStatus::Done {
                    report.registered += 1;
                    store.set_period(&scheduled(sub, &p, m), None)?;
                } else {
                    report.deferred.push((m, "schedule_unresolved".into()));
                }
            }
        }
        Err(e) => {
            for (_, m) in to_register {
                report.deferred.push((m, e.code().to_string()));
            }
        }
    }
    Ok(())
}

fn scheduled(sub: &Subscription, p: &Period, m: String) -> PeriodRecord {
    PeriodRecord {
        subscription_id: sub.id,
        period: p.index,
        label: p.label.clone(),
        due_at: p.due_at,
        merchant_uid: m,
        state: "scheduled".into(),
        retries: 0,
        next_retry_at: None,
        paid_merchant_uid: None,
        imp_uid: None,
        fail_reason: None,
    }
}

/// Due scheduled periods: read what the schedule did.
async fn observe_due(
    store: &Store,
    client: &Client,
    now: i64,
    report: &mut EngineReport,
    ends: &mut Vec<(i64, DunningEnd)>,
) -> Result<()> {
    for mut p in store.periods_in_state("scheduled", now)? {
        let s = match client.get_schedule(&p.merchant_uid).await {
            Ok(s) => s,
            Err(e) => {
                report
                    .deferred
                    .push((p.merchant_uid.clone(), Error::Api(e).code().to_string()));
                continue;
            }
        };
        store.upsert_schedules(&[crate::mirror::sync::schedules::schedule_record(&s)])?;
        match (s.schedule_status, s.payment_status) {
            (Some(ScheduleStatus::Executed), Some(SchedulePaymentStatus::Paid))
            | (Some(ScheduleStatus::Executed), Some(SchedulePaymentStatus::Cancelled)) => {
                p.state = "paid".into();
                p.paid_merchant_uid = Some(p.merchant_uid.clone());
                p.imp_uid = s.imp_uid.clone();
                report.paid += 1;
                store.set_period(&p, Some(("plan.period_paid", "paid")))?;
            }
            (Some(ScheduleStatus::Executed), _) => {
                let plan = plan_for(store, p.subscription_id)?;
                p.imp_uid = s.imp_uid.clone();
                p.fail_reason = s.fail_reason.clone();
                report.failed += 1;
                let outcome = crate::money::plans::dunning::after_failure(
                    &plan, &mut p, 0, now, report, ends,
                );
                store.set_period(&p, Some(("plan.period_failed", outcome)))?;
            }
            (Some(ScheduleStatus::Revoked), _) => {
                p.state = "revoked".into();
                store.set_period(&p, Some(("plan.period_revoked", "revoked")))?;
            }
            // Not run yet (the executor is behind): look again next time.
            _ => {}
        }
    }
    Ok(())
}

/// What cancelling a subscription did.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CancelReport {
    /// Future schedules revoked at i'mport.
    pub revoked: Vec<String>,
    /// Schedules whose revocation is still being checked or was refused.
    pub pending: Vec<String>,
}

/// Cancel a subscription and revoke every schedule its plan made on the key that
/// has not run yet: the periods recorded as scheduled, and also every registration
/// the journal sent for it whose answer was lost (those are not recorded as
/// periods), and the next periods' deterministic ids in case a registration landed
/// after a restore. Each is checked at i'mport afterwards; what is still live or
/// still being checked is reported as `pending`, and calling this again (on a
/// cancelled subscription too) tries those once more.
pub async fn cancel_subscription(
    store: &Store,
    client: &Client,
    subscription_id: i64,
    now: i64,
) -> Result<CancelReport> {
    let sub = store.subscription(subscription_id)?;
    if sub.status == "active" {
        store.write(|tx| {
            tx.execute(
                "UPDATE subscriptions SET status = 'cancelled', cancelled_at = ?2 WHERE id = ?1",
                params![subscription_id, crate::now()],
            )?;
            crate::store::audit::append(
                tx,
                store.profile(),
                "plan.cancel",
                &serde_json::json!({ "subscription": subscription_id, "customer_uid": sub.customer_uid }),
                "ok",
            )?;
            Ok(())
        })?;
    }
    revoke_future(store, client, &sub, now).await
}

/// Pause collecting a subscription: nothing new is registered or retried for it, and
/// what it has registered that has not run yet is revoked (as cancelling does). Those
/// periods stay revoked after a resume; the next ones are registered again.
pub async fn pause_subscription(
    store: &Store,
    client: &Client,
    subscription_id: i64,
    now: i64,
) -> Result<CancelReport> {
    let sub = store.subscription(subscription_id)?;
    let sub = if sub.paused_at.is_none() {
        store.set_paused(subscription_id, Some(crate::now()))?
    } else {
        sub
    };
    revoke_future(store, client, &sub, now).await
}

/// Resume collecting a paused subscription: the next engine run registers its next
/// periods.
pub fn resume_subscription(store: &Store, subscription_id: i64) -> Result<Subscription> {
    store.set_paused(subscription_id, None)
}

/// Revoke every schedule a subscription's plan made on the key that has not run yet.
async fn revoke_future(
    store: &Store,
    client: &Client,
    sub: &Subscription,
    now: i64,
) -> Result<CancelReport> {
    let subscription_id = sub.id;
    let plan = store.get_plan(&sub.plan_code)?;
    let periods = store.subscription_periods(subscription_id)?;
    let mut candidates: Vec<String> = periods
        .iter()
        .filter(|p| matches!(p.state.as_str(), "scheduled") && p.due_at > now)
        .map(|p| p.merchant_uid.clone())
        .collect();
    let source = format!("plan:{subscription_id}");
    let journaled: Vec<(String, bool)> = store.read(|c| {
        let mut stmt = c.prepare_cached(
            "SELECT merchant_uid, state IN ('pending', 'sent', 'unknown') FROM journal
             WHERE op = 'schedule' AND source = ?1
               AND (outcome IS NULL OR outcome IN ('registered', 'conflict'))",
        )?;
        let rows = stmt
            .query_map([&source], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    })?;
    let mut i = 0u32;
    let mut ahead = 0;
    while ahead < EngineOptions::default().horizon {
        let Some(p) = plan.period(i) else { break };
        i += 1;
        if p.due_at > now {
            ahead += 1;
            candidates.push(plan.merchant_uid_for(sub, &p));
        }
    }
    for (m, _) in &journaled {
        candidates.push(m.clone());
    }
    candidates.sort();
    candidates.dedup();
    let mut report = CancelReport::default();
    // Registrations still being checked: settle them first (their lock would refuse
    // the unschedule). One still in flight stays pending, for the next call.
    for (m, open) in &journaled {
        if *open && let Some(e) = store.journal_schedule_open(m)? {
            let _ = crate::money::reconcile::resolve_entry(store, client, &e, 60).await;
        }
    }
    let live = live_schedules(client, &candidates, &mut report).await;
    if !live.is_empty() {
        match crate::money::scheduling::unschedule(store, client, &sub.customer_uid, &live).await {
            Ok(_) => {}
            Err(e) => tracing::warn!(code = %e.code(), "unschedule refused; checking each"),
        }
        // Check, whatever the answer said.
        let still = live_schedules(client, &live, &mut report).await;
        for m in &live {
            if still.contains(m) {
                report.pending.push(m.clone());
            } else {
                report.revoked.push(m.clone());
            }
        }
    }
    for mut p in periods
        .into_iter()
        .filter(|p| p.state == "scheduled" && p.due_at > now)
    {
        if !report.pending.contains(&p.merchant_uid) {
            p.state = "revoked".into();
            store.set_period(&p, None)?;
        }
    }
    report.pending.sort();
    report.pending.dedup();
    Ok(report)
}

/// Which of these order ids have a schedule at i'mport that can still run. One that
/// cannot be looked up counts as live (it goes to `pending`).
async fn live_schedules(client: &Client, ids: &[String], report: &mut CancelReport) -> Vec<String> {
    let mut live = Vec::new();
    for m in ids {
        match client.get_schedule(m).await {
            Ok(s) if s.schedule_status == Some(ScheduleStatus::Scheduled) => live.push(m.clone()),
            Ok(_) | Err(subdesk_iamport::Error::NotFound { .. }) => {}
            Err(e) => {
                tracing::warn!(code = %e.code(), merchant_uid = %m, "schedule lookup failed");
                report.pending.push(m.clone());
            }
        }
    }
    live
}
