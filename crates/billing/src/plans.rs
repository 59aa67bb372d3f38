//! Recurring plans and subscriptions. The engine ([`run_plans`]) keeps the next
//! K periods of every active subscription registered as i'mport schedules with
//! deterministic merchant_uids (registering again changes nothing), records what
//! each due period did, and hands failed ones to [`crate::dunning`].
//!
//! Periods are computed in Asia/Seoul (UTC+9, no daylight saving since 1988);
//! times are Unix seconds. `now` is a parameter so that the sandbox clock drives
//! tests.

use rusqlite::{OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use subdesk_iamport::{Client, SchedulePaymentStatus, ScheduleStatus};
use time::{Date, Month, OffsetDateTime, UtcOffset};

use crate::charge::ChargeDetails;
use crate::db::Store;
use crate::dunning::DunningPolicy;
use crate::error::{Error, Result};
use crate::scheduling::{ScheduleInput, ScheduleOpStatus};

const SEOUL_SECS: i32 = 9 * 3600;
const DAY: i64 = 86_400;

/// How often a plan charges.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Interval {
    /// Every month on `day` (1–31; clamped to the month's last day), at the
    /// start time's time of day.
    Monthly { day: u8 },
    /// Every `days` days from the start.
    EveryDays { days: u32 },
}

/// A plan to create.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PlanInput {
    /// 1–10 lower-case letters or digits; part of every period's merchant_uid.
    pub code: String,
    pub name: String,
    /// Whole won per period.
    pub amount: i64,
    pub tax_free: i64,
    pub interval: Interval,
    /// First possible charge time.
    pub start_at: i64,
    /// No period at or after this time.
    pub end_at: Option<i64>,
    /// At most this many periods.
    pub max_periods: Option<u32>,
    pub dunning: DunningPolicy,
}

/// A stored plan.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Plan {
    pub code: String,
    pub name: String,
    pub amount: i64,
    pub currency: String,
    pub tax_free: i64,
    pub interval: Interval,
    pub start_at: i64,
    pub end_at: Option<i64>,
    pub max_periods: Option<u32>,
    pub dunning: DunningPolicy,
    pub created_at: i64,
}

/// One billing period of a plan.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Period {
    /// 0-based.
    pub index: u32,
    /// `YYYYMM` (monthly) or `p<n>` (every N days): part of the merchant_uid.
    pub label: String,
    pub due_at: i64,
}

/// A customer on a plan.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Subscription {
    pub id: i64,
    pub plan_code: String,
    pub customer_uid: String,
    /// `active` or `cancelled`.
    pub status: String,
    pub created_at: i64,
    pub cancelled_at: Option<i64>,
}

/// What the engine knows about one period of a subscription.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PeriodRecord {
    pub subscription_id: i64,
    pub period: u32,
    pub label: String,
    pub due_at: i64,
    /// The scheduled charge's merchant_uid.
    pub merchant_uid: String,
    /// `scheduled`, `paid`, `failed` (in dunning), `written_off`, `revoked`.
    pub state: String,
    /// Dunning attempts made.
    pub retries: u32,
    pub next_retry_at: Option<i64>,
    /// The merchant_uid that finally paid (the schedule's or a retry's).
    pub paid_merchant_uid: Option<String>,
    pub imp_uid: Option<String>,
    pub fail_reason: Option<String>,
}

fn seoul() -> UtcOffset {
    UtcOffset::from_whole_seconds(SEOUL_SECS).unwrap_or(UtcOffset::UTC)
}

fn days_in_month(year: i32, month: Month) -> u8 {
    time::util::days_in_month(month, year)
}

fn add_months(year: i32, month: Month, n: u32) -> (i32, Month) {
    let m0 = (month as i32 - 1) + n as i32;
    let y = year + m0.div_euclid(12);
    let m = (m0.rem_euclid(12) + 1) as u8;
    (y, Month::try_from(m).unwrap_or(Month::January))
}

impl Plan {
    /// Period `index`, or None past the plan's end or count.
    pub fn period(&self, index: u32) -> Option<Period> {
        if self.max_periods.is_some_and(|m| index >= m) {
            return None;
        }
        let p = match self.interval {
            Interval::EveryDays { days } => Period {
                index,
                label: format!("p{}", index + 1),
                due_at: self.start_at + i64::from(index) * i64::from(days) * DAY,
            },
            Interval::Monthly { day } => {
                let start = OffsetDateTime::from_unix_timestamp(self.start_at)
                    .ok()?
                    .to_offset(seoul());
                let at_month = |n: u32| -> Option<i64> {
                    let (y, m) = add_months(start.year(), start.month(), n);
                    let d = day.clamp(1, days_in_month(y, m));
                    let date = Date::from_calendar_date(y, m, d).ok()?;
                    Some(
                        date.with_time(start.time())
                            .assume_offset(seoul())
                            .unix_timestamp(),
                    )
                };
                // The first period is the first day-D on or after the start.
                let skip = u32::from(at_month(0)? < self.start_at);
                let due_at = at_month(index + skip)?;
                let local = OffsetDateTime::from_unix_timestamp(due_at)
                    .ok()?
                    .to_offset(seoul());
                Period {
                    index,
                    label: format!("{:04}{:02}", local.year(), u8::from(local.month())),
                    due_at,
                }
            }
        };
        if self.end_at.is_some_and(|e| p.due_at >= e) {
            return None;
        }
        Some(p)
    }

    /// Periods due in `[from, to)`.
    pub fn periods_between(&self, from: i64, to: i64) -> Vec<Period> {
        let mut out = Vec::new();
        let mut i = 0u32;
        while let Some(p) = self.period(i) {
            if p.due_at >= to {
                break;
            }
            if p.due_at >= from {
                out.push(p);
            }
            i += 1;
        }
        out
    }

    /// The merchant_uid of a customer's period.
    pub fn merchant_uid(&self, customer_uid: &str, period: &Period) -> String {
        crate::merchant_uid::for_period(&self.code, customer_uid, &period.label)
    }

    fn details(&self) -> ChargeDetails {
        ChargeDetails {
            amount: self.amount,
            name: self.name.clone(),
            tax_free: (self.tax_free > 0).then_some(self.tax_free),
            ..Default::default()
        }
    }
}

const PLAN_COLS: &str = "code, name, amount, currency, tax_free, interval_kind, interval_value, \
     start_at, end_at, max_periods, retry_after_days, retry_max, created_at";

fn plan_row(r: &Row<'_>) -> rusqlite::Result<Plan> {
    let kind: String = r.get(5)?;
    let value: i64 = r.get(6)?;
    Ok(Plan {
        code: r.get(0)?,
        name: r.get(1)?,
        amount: r.get(2)?,
        currency: r.get(3)?,
        tax_free: r.get(4)?,
        interval: if kind == "monthly" {
            Interval::Monthly {
                day: value.clamp(1, 31) as u8,
            }
        } else {
            Interval::EveryDays {
                days: value.clamp(1, 3660) as u32,
            }
        },
        start_at: r.get(7)?,
        end_at: r.get(8)?,
        max_periods: r.get::<_, Option<i64>>(9)?.map(|v| v.max(0) as u32),
        dunning: DunningPolicy {
            retry_after_days: r.get::<_, i64>(10)?.max(0) as u32,
            max_retries: r.get::<_, i64>(11)?.max(0) as u32,
        },
        created_at: r.get(12)?,
    })
}

fn sub_row(r: &Row<'_>) -> rusqlite::Result<Subscription> {
    Ok(Subscription {
        id: r.get(0)?,
        plan_code: r.get(1)?,
        customer_uid: r.get(2)?,
        status: r.get(3)?,
        created_at: r.get(4)?,
        cancelled_at: r.get(5)?,
    })
}

const PERIOD_COLS: &str = "subscription_id, period, label, due_at, merchant_uid, state, retries, \
     next_retry_at, paid_merchant_uid, imp_uid, fail_reason";

pub(crate) fn period_row(r: &Row<'_>) -> rusqlite::Result<PeriodRecord> {
    Ok(PeriodRecord {
        subscription_id: r.get(0)?,
        period: r.get::<_, i64>(1)?.max(0) as u32,
        label: r.get(2)?,
        due_at: r.get(3)?,
        merchant_uid: r.get(4)?,
        state: r.get(5)?,
        retries: r.get::<_, i64>(6)?.max(0) as u32,
        next_retry_at: r.get(7)?,
        paid_merchant_uid: r.get(8)?,
        imp_uid: r.get(9)?,
        fail_reason: r.get(10)?,
    })
}

fn validate_plan(p: &PlanInput) -> Result<()> {
    crate::merchant_uid::validate_plan_code(&p.code)?;
    let details = ChargeDetails {
        amount: p.amount,
        name: p.name.clone(),
        tax_free: Some(p.tax_free),
        ..Default::default()
    };
    details.validate()?;
    match p.interval {
        Interval::Monthly { day } if !(1..=31).contains(&day) => {
            return Err(Error::invalid("interval", "day of month 1 to 31"));
        }
        Interval::EveryDays { days } if !(1..=3660).contains(&days) => {
            return Err(Error::invalid("interval", "1 to 3660 days"));
        }
        _ => {}
    }
    if p.start_at <= 0 {
        return Err(Error::invalid("start_at", "must be a Unix time"));
    }
    if p.end_at.is_some_and(|e| e <= p.start_at) {
        return Err(Error::invalid("end_at", "must be after the start"));
    }
    if p.max_periods == Some(0) {
        return Err(Error::invalid("max_periods", "at least 1"));
    }
    p.dunning.validate()
}

impl Store {
    /// Create a plan. Its code can never be reused (it is inside merchant_uids).
    pub fn create_plan(&self, p: &PlanInput) -> Result<Plan> {
        validate_plan(p)?;
        let now = crate::now();
        let (kind, value) = match p.interval {
            Interval::Monthly { day } => ("monthly", i64::from(day)),
            Interval::EveryDays { days } => ("days", i64::from(days)),
        };
        self.write(|tx| {
            let exists: Option<String> = tx
                .query_row("SELECT code FROM plans WHERE code = ?1", [&p.code], |r| {
                    r.get(0)
                })
                .optional()?;
            if exists.is_some() {
                return Err(Error::invalid("plan_code", "already used"));
            }
            tx.execute(
                "INSERT INTO plans (code, name, amount, currency, tax_free, interval_kind,
                     interval_value, start_at, end_at, max_periods, retry_after_days, retry_max,
                     created_at, updated_at)
                 VALUES (?1, ?2, ?3, 'KRW', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)",
                params![
                    p.code,
                    p.name,
                    p.amount,
                    p.tax_free,
                    kind,
                    value,
                    p.start_at,
                    p.end_at,
                    p.max_periods,
                    p.dunning.retry_after_days,
                    p.dunning.max_retries,
                    now
                ],
            )?;
            crate::audit::append(
                tx,
                self.profile(),
                "plan.create",
                &serde_json::to_value(p).unwrap_or_default(),
                "ok",
            )?;
            Ok(())
        })?;
        self.get_plan(&p.code)
    }

    /// One plan.
    pub fn get_plan(&self, code: &str) -> Result<Plan> {
        self.read(|c| {
            c.prepare_cached(&format!("SELECT {PLAN_COLS} FROM plans WHERE code = ?1"))?
                .query_row([code], plan_row)
                .optional()?
                .ok_or_else(|| Error::NotFound {
                    what: "plan",
                    id: code.to_string(),
                })
        })
    }

    /// Every plan, by code.
    pub fn list_plans(&self) -> Result<Vec<Plan>> {
        self.read(|c| {
            Ok(
                c.prepare_cached(&format!("SELECT {PLAN_COLS} FROM plans ORDER BY code"))?
                    .query_map([], plan_row)?
                    .collect::<rusqlite::Result<_>>()?,
            )
        })
    }

    /// Put a customer (with an active key) on a plan.
    pub fn subscribe(&self, plan_code: &str, customer_uid: &str) -> Result<Subscription> {
        self.get_plan(plan_code)?;
        crate::charge::check_customer(self, customer_uid)?;
        let now = crate::now();
        let id = self.write(|tx| {
            let dup: Option<i64> = tx
                .query_row(
                    "SELECT id FROM subscriptions WHERE plan_code = ?1 AND customer_uid = ?2
                     AND status = 'active'",
                    params![plan_code, customer_uid],
                    |r| r.get(0),
                )
                .optional()?;
            if dup.is_some() {
                return Err(Error::invalid("customer_uid", "already on this plan"));
            }
            tx.execute(
                "INSERT INTO subscriptions (plan_code, customer_uid, status, created_at)
                 VALUES (?1, ?2, 'active', ?3)",
                params![plan_code, customer_uid, now],
            )?;
            let id = tx.last_insert_rowid();
            crate::audit::append(
                tx,
                self.profile(),
                "plan.subscribe",
                &serde_json::json!({ "plan": plan_code, "customer_uid": customer_uid, "subscription": id }),
                "ok",
            )?;
            Ok(id)
        })?;
        self.subscription(id)
    }

    /// One subscription.
    pub fn subscription(&self, id: i64) -> Result<Subscription> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT id, plan_code, customer_uid, status, created_at, cancelled_at
                 FROM subscriptions WHERE id = ?1",
            )?
            .query_row([id], sub_row)
            .optional()?
            .ok_or_else(|| Error::NotFound {
                what: "subscription",
                id: id.to_string(),
            })
        })
    }

    /// Subscriptions of a plan (all when `plan_code` is None), active first.
    pub fn subscriptions(&self, plan_code: Option<&str>) -> Result<Vec<Subscription>> {
        self.read(|c| {
            Ok(c.prepare_cached(
                "SELECT id, plan_code, customer_uid, status, created_at, cancelled_at
                 FROM subscriptions WHERE (?1 IS NULL OR plan_code = ?1)
                 ORDER BY status, id",
            )?
            .query_map([plan_code], sub_row)?
            .collect::<rusqlite::Result<_>>()?)
        })
    }

    /// The periods the engine has dealt with for a subscription, oldest first.
    pub fn subscription_periods(&self, subscription_id: i64) -> Result<Vec<PeriodRecord>> {
        self.read(|c| {
            Ok(c.prepare_cached(&format!(
                "SELECT {PERIOD_COLS} FROM subscription_periods WHERE subscription_id = ?1
                 ORDER BY period"
            ))?
            .query_map([subscription_id], period_row)?
            .collect::<rusqlite::Result<_>>()?)
        })
    }

    pub(crate) fn set_period(&self, p: &PeriodRecord, audit: Option<(&str, &str)>) -> Result<()> {
        let now = crate::now();
        self.write(|tx| {
            tx.prepare_cached(
                "INSERT INTO subscription_periods (subscription_id, period, label, due_at,
                     merchant_uid, state, retries, next_retry_at, paid_merchant_uid, imp_uid,
                     fail_reason, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                 ON CONFLICT (subscription_id, period) DO UPDATE SET state = excluded.state,
                     retries = excluded.retries, next_retry_at = excluded.next_retry_at,
                     paid_merchant_uid = excluded.paid_merchant_uid, imp_uid = excluded.imp_uid,
                     fail_reason = excluded.fail_reason, updated_at = excluded.updated_at",
            )?
            .execute(params![
                p.subscription_id,
                p.period,
                p.label,
                p.due_at,
                p.merchant_uid,
                p.state,
                p.retries,
                p.next_retry_at,
                p.paid_merchant_uid,
                p.imp_uid,
                p.fail_reason,
                now
            ])?;
            if let Some((action, outcome)) = audit {
                crate::audit::append(
                    tx,
                    self.profile(),
                    action,
                    &serde_json::json!({
                        "subscription": p.subscription_id, "period": p.label,
                        "merchant_uid": p.merchant_uid, "retries": p.retries,
                    }),
                    outcome,
                )?;
            }
            Ok(())
        })
    }

    pub(crate) fn periods_in_state(&self, state: &str, due_by: i64) -> Result<Vec<PeriodRecord>> {
        self.read(|c| {
            Ok(c.prepare_cached(&format!(
                "SELECT {PERIOD_COLS} FROM subscription_periods WHERE state = ?1 AND due_at <= ?2
                 ORDER BY due_at"
            ))?
            .query_map(params![state, due_by], period_row)?
            .collect::<rusqlite::Result<_>>()?)
        })
    }
}

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

/// What one engine run did.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct EngineReport {
    /// Schedules registered now.
    pub registered: i64,
    /// Periods found registered at i'mport already (nothing sent).
    pub already_registered: i64,
    /// Due periods the schedule paid.
    pub paid: i64,
    /// Due periods whose schedule failed (now in dunning).
    pub failed: i64,
    /// Dunning attempts made / of them paid.
    pub retries: i64,
    pub retries_paid: i64,
    /// Periods given up after the last retry.
    pub written_off: i64,
    /// Items left for later: (merchant_uid, error code).
    pub deferred: Vec<(String, String)>,
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
    let lease = crate::lease::Lease::acquire(store, "plans")?;
    let mut report = EngineReport::default();
    observe_due(store, client, now, &mut report).await?;
    crate::dunning::run(store, client, now, &mut report).await?;
    for sub in store.subscriptions(None)? {
        if sub.status != "active" {
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
    let mut upcoming = Vec::new();
    let mut i = 0u32;
    while upcoming.len() < horizon as usize {
        let Some(p) = plan.period(i) else { break };
        i += 1;
        if p.due_at <= now {
            continue;
        }
        upcoming.push(p);
    }
    let mut to_register = Vec::new();
    for p in upcoming {
        if known.contains(&p.index) {
            continue;
        }
        let m = plan.merchant_uid(&sub.customer_uid, &p);
        // Registered before (a lost answer, a restored backup)? Then record it
        // and send nothing.
        match client.get_schedule(&m).await {
            Ok(s) if s.schedule_status != Some(ScheduleStatus::Revoked) => {
                report.already_registered += 1;
                store.set_period(&scheduled(sub, &p, m), None)?;
                continue;
            }
            Ok(_) => {
                // Revoked earlier (a cancelled subscription): i'mport will not take
                // the id again, and charging the period is a person's decision.
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
            details: plan.details(),
        })
        .collect();
    let source = format!("plan:{}", sub.id);
    match crate::scheduling::register_ctx(store, client, &sub.customer_uid, &inputs, &source).await
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
        store.upsert_schedules(&[crate::sync::schedules::schedule_record(&s)])?;
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
                let plan_policy = plan_for(store, p.subscription_id)?.dunning;
                p.imp_uid = s.imp_uid.clone();
                p.fail_reason = s.fail_reason.clone();
                report.failed += 1;
                if plan_policy.max_retries == 0 {
                    p.state = "written_off".into();
                    report.written_off += 1;
                    store.set_period(&p, Some(("plan.period_failed", "written_off")))?;
                } else {
                    p.state = "failed".into();
                    p.next_retry_at = Some(p.due_at + plan_policy.delay());
                    store.set_period(&p, Some(("plan.period_failed", "dunning")))?;
                }
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

pub(crate) fn plan_for(store: &Store, subscription_id: i64) -> Result<Plan> {
    let sub = store.subscription(subscription_id)?;
    store.get_plan(&sub.plan_code)
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
            crate::audit::append(
                tx,
                store.profile(),
                "plan.cancel",
                &serde_json::json!({ "subscription": subscription_id, "customer_uid": sub.customer_uid }),
                "ok",
            )?;
            Ok(())
        })?;
    }
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
            candidates.push(plan.merchant_uid(&sub.customer_uid, &p));
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
            let _ = crate::reconcile::resolve_entry(store, client, &e, 60).await;
        }
    }
    let live = live_schedules(client, &candidates, &mut report).await;
    if !live.is_empty() {
        match crate::scheduling::unschedule(store, client, &sub.customer_uid, &live).await {
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
