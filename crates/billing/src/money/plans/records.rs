//! What the plan engine and dunning share, below both: plans, subscriptions and
//! their periods as stored (types and the store's methods for them), a plan's
//! retry policy, and the report an engine run fills in. Period arithmetic is here
//! too, since a plan's periods are part of what a plan is.
//!
//! Periods are computed in Asia/Seoul (UTC+9, no daylight saving since 1988);
//! times are Unix seconds.

use std::collections::HashMap;

use rusqlite::{OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use time::{Date, Month, OffsetDateTime, UtcOffset};

use crate::error::{Error, Result};
use crate::money::charge::ChargeDetails;
use crate::store::db::Store;

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
    /// Once a year on `day` of `month` (1–12; day 1–31, clamped to the month's last
    /// day: 29 February is 28 February in common years), at the start's time of day.
    Yearly { month: u8, day: u8 },
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
    /// Subscribing charges the current period at once (the period then counts as billed).
    #[serde(default)]
    pub first_charge: bool,
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
    /// Subscribing charges the current period at once.
    #[serde(default)]
    pub first_charge: bool,
    pub created_at: i64,
    /// Archived: nobody new can subscribe; existing subscriptions go on.
    pub archived_at: Option<i64>,
}

/// What can change in a plan once it exists. The code, interval and start make the
/// periods' order ids, so they stay; a new amount applies to periods registered from now
/// on (those already registered at i'mport keep theirs).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PlanEdit {
    pub name: String,
    pub amount: i64,
    pub tax_free: i64,
    pub dunning: DunningPolicy,
    #[serde(default)]
    pub first_charge: bool,
}

/// How a customer joins a plan.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SubscribeOptions {
    /// No period before this time (the plan's periods from its own start otherwise).
    pub start_at: Option<i64>,
    /// Whole won per period instead of the plan's amount.
    pub amount: Option<i64>,
}

/// A plan with what the list and its page show: computed here, not in a front end.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PlanSummary {
    pub plan: Plan,
    /// Active subscriptions (paused ones included).
    pub subscribers: i64,
    /// Of them paused.
    pub paused: i64,
    /// Monthly recurring revenue in won: every collecting subscription's amount, per
    /// month (an every-N-days amount × 365 / 12 / N, rounded down).
    pub mrr: i64,
    /// The plan's next period after now, if any.
    pub next_run_at: Option<i64>,
    /// What that period charges: collecting subscriptions due then, and their total.
    pub next_run_count: i64,
    pub next_run_total: i64,
}

/// What [`Store::plan_counts`] gives for one plan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct PlanCounts {
    pub subscribers: i64,
    pub paused: i64,
    pub mrr: i64,
}

/// One billing period of a plan.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Period {
    /// 0-based.
    pub index: u32,
    /// `YYYYMM` (monthly, yearly) or `p<n>` (every N days): part of the merchant_uid.
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
    /// No period before this time.
    pub start_at: Option<i64>,
    /// Its own amount per period (the plan's when None).
    pub amount: Option<i64>,
    /// Collection paused since then (still `active`).
    pub paused_at: Option<i64>,
    /// Cancelled by the engine at this time (the end of the period).
    pub cancel_at: Option<i64>,
    /// Earlier subscriptions of this customer to this plan: part of its periods' order ids
    /// from 1 on (a revoked schedule's order id is never taken again).
    #[serde(default)]
    pub generation: u32,
}

impl Subscription {
    /// Whether the engine registers and retries for it now.
    pub fn collecting(&self) -> bool {
        self.status == "active" && self.paused_at.is_none()
    }

    /// Whether period `p` of its plan is one it is charged for.
    pub fn covers(&self, p: &Period) -> bool {
        self.start_at.is_none_or(|s| p.due_at >= s) && self.cancel_at.is_none_or(|c| p.due_at < c)
    }
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
            Interval::Monthly { .. } | Interval::Yearly { .. } => {
                let (day, step, first_month) = match self.interval {
                    Interval::Yearly { month, day } => (day, 12, Some(month)),
                    Interval::Monthly { day } => (day, 1, None),
                    Interval::EveryDays { .. } => return None,
                };
                let start = OffsetDateTime::from_unix_timestamp(self.start_at)
                    .ok()?
                    .to_offset(seoul());
                // Yearly: the plan's month in the start's year.
                let (y0, m0) = match first_month {
                    Some(m) => (start.year(), Month::try_from(m.clamp(1, 12)).ok()?),
                    None => (start.year(), start.month()),
                };
                let at_month = |n: u32| -> Option<i64> {
                    let (y, m) = add_months(y0, m0, n * step);
                    let d = day.clamp(1, days_in_month(y, m));
                    let date = Date::from_calendar_date(y, m, d).ok()?;
                    Some(
                        date.with_time(start.time())
                            .assume_offset(seoul())
                            .unix_timestamp(),
                    )
                };
                // The first period is the first day-D (of month M) on or after the start.
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
        crate::money::merchant_uid::for_period(&self.code, customer_uid, &period.label)
    }

    /// The merchant_uid of a subscription's period: the customer's, with the
    /// subscription's generation from its first re-subscription on.
    pub fn merchant_uid_for(&self, sub: &Subscription, period: &Period) -> String {
        crate::money::merchant_uid::for_generation(
            &self.merchant_uid(&sub.customer_uid, period),
            sub.generation,
        )
    }

    /// The period a first charge on subscribing at `now` pays: the latest one due by
    /// then, or the first one when none is due yet.
    pub fn current_period(&self, now: i64) -> Option<Period> {
        let mut i = 0u32;
        let mut last = None;
        while let Some(p) = self.period(i) {
            if p.due_at > now {
                return last.or(Some(p));
            }
            last = Some(p);
            i += 1;
        }
        last
    }

    /// What a subscription is charged per period: its own amount or the plan's.
    pub fn amount_for(&self, sub: &Subscription) -> i64 {
        sub.amount.unwrap_or(self.amount)
    }

    /// The first period after `now`.
    pub fn next_period(&self, now: i64) -> Option<Period> {
        let mut i = 0u32;
        while let Some(p) = self.period(i) {
            if p.due_at > now {
                return Some(p);
            }
            i += 1;
        }
        None
    }

    pub(crate) fn details(&self, sub: &Subscription) -> ChargeDetails {
        let amount = self.amount_for(sub);
        ChargeDetails {
            amount,
            name: self.name.clone(),
            tax_free: (self.tax_free > 0).then_some(self.tax_free.min(amount)),
            ..Default::default()
        }
    }
}

const PLAN_COLS: &str = "code, name, amount, currency, tax_free, interval_kind, interval_value, \
     start_at, end_at, max_periods, retry_after_days, retry_max, created_at, archived_at, \
     retry_ladder, dunning_end, yearly_month, first_charge";

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
            match r.get::<_, Option<i64>>(16)? {
                Some(month) => Interval::Yearly {
                    month: month.clamp(1, 12) as u8,
                    day: value.clamp(1, 31) as u8,
                },
                None => Interval::Monthly {
                    day: value.clamp(1, 31) as u8,
                },
            }
        } else {
            Interval::EveryDays {
                days: value.clamp(1, 3660) as u32,
            }
        },
        start_at: r.get(7)?,
        end_at: r.get(8)?,
        max_periods: r.get::<_, Option<i64>>(9)?.map(|v| v.max(0) as u32),
        dunning: DunningPolicy::from_columns(
            r.get::<_, Option<String>>(14)?.as_deref(),
            r.get::<_, i64>(10)?,
            r.get::<_, i64>(11)?,
            &r.get::<_, String>(15)?,
        ),
        first_charge: r.get(17)?,
        created_at: r.get(12)?,
        archived_at: r.get(13)?,
    })
}

const SUB_COLS: &str = "id, plan_code, customer_uid, status, created_at, cancelled_at, start_at, amount, paused_at, \
     cancel_at, generation";

fn sub_row(r: &Row<'_>) -> rusqlite::Result<Subscription> {
    Ok(Subscription {
        id: r.get(0)?,
        plan_code: r.get(1)?,
        customer_uid: r.get(2)?,
        status: r.get(3)?,
        created_at: r.get(4)?,
        cancelled_at: r.get(5)?,
        start_at: r.get(6)?,
        amount: r.get(7)?,
        paused_at: r.get(8)?,
        cancel_at: r.get(9)?,
        generation: r.get::<_, i64>(10)?.clamp(0, 99) as u32,
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
    crate::money::merchant_uid::validate_plan_code(&p.code)?;
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
        Interval::Yearly { month, day }
            if !(1..=12).contains(&month) || !(1..=31).contains(&day) =>
        {
            return Err(Error::invalid(
                "interval",
                "a month 1 to 12 and a day 1 to 31",
            ));
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
        let (kind, value, yearly_month) = match p.interval {
            Interval::Monthly { day } => ("monthly", i64::from(day), None),
            Interval::Yearly { month, day } => ("monthly", i64::from(day), Some(i64::from(month))),
            Interval::EveryDays { days } => ("days", i64::from(days), None),
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
                     created_at, updated_at, retry_ladder, dunning_end, yearly_month, first_charge)
                 VALUES (?1, ?2, ?3, 'KRW', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13, ?14,
                     ?15, ?16)",
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
                    p.dunning.ladder.first().copied().unwrap_or(0),
                    p.dunning.ladder.len(),
                    now,
                    p.dunning.ladder_column(),
                    p.dunning.end.as_str(),
                    yearly_month,
                    p.first_charge,
                ],
            )?;
            crate::store::audit::append(
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

    /// Put a customer (with an active key) on a plan, from its plan's start.
    pub fn subscribe(&self, plan_code: &str, customer_uid: &str) -> Result<Subscription> {
        self.subscribe_with(plan_code, customer_uid, &SubscribeOptions::default())
    }

    /// Put a customer (with an active key) on a plan that is not archived, with a start
    /// and an amount of its own.
    pub fn subscribe_with(
        &self,
        plan_code: &str,
        customer_uid: &str,
        opts: &SubscribeOptions,
    ) -> Result<Subscription> {
        let plan = self.get_plan(plan_code)?;
        if plan.archived_at.is_some() {
            return Err(Error::invalid(
                "plan_code",
                "archived: nobody new can subscribe",
            ));
        }
        if opts.start_at.is_some_and(|s| s <= 0) {
            return Err(Error::invalid("start_at", "must be a Unix time"));
        }
        if let Some(a) = opts.amount {
            crate::money::charge::check_amount("amount", a)?;
            if a < plan.tax_free {
                return Err(Error::invalid("amount", "below the plan's tax-free part"));
            }
        }
        crate::money::charge::check_customer(self, customer_uid)?;
        let now = crate::now();
        let id =
            self.write(|tx| {
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
                let generation: i64 = tx.query_row(
                    "SELECT count(*) FROM subscriptions WHERE plan_code = ?1 AND customer_uid = ?2",
                    params![plan_code, customer_uid],
                    |r| r.get(0),
                )?;
                if generation > i64::from(crate::money::merchant_uid::GENERATION_MAX) {
                    return Err(Error::invalid(
                        "customer_uid",
                        "subscribed to this plan too many times",
                    ));
                }
                tx.execute(
                "INSERT INTO subscriptions (plan_code, customer_uid, status, created_at, start_at,
                     amount, generation)
                 VALUES (?1, ?2, 'active', ?3, ?4, ?5, ?6)",
                params![plan_code, customer_uid, now, opts.start_at, opts.amount, generation],
            )?;
                let id = tx.last_insert_rowid();
                crate::store::audit::append(
                    tx,
                    self.profile(),
                    "plan.subscribe",
                    &serde_json::json!({
                        "plan": plan_code, "customer_uid": customer_uid, "subscription": id,
                        "start_at": opts.start_at, "amount": opts.amount,
                    }),
                    "ok",
                )?;
                Ok(id)
            })?;
        self.subscription(id)
    }

    /// Change what a plan's future periods charge and its retries.
    pub fn update_plan(&self, code: &str, edit: &PlanEdit) -> Result<Plan> {
        let plan = self.get_plan(code)?;
        let details = ChargeDetails {
            amount: edit.amount,
            name: edit.name.clone(),
            tax_free: Some(edit.tax_free),
            ..Default::default()
        };
        details.validate()?;
        edit.dunning.validate()?;
        let now = crate::now();
        self.write(|tx| {
            tx.execute(
                "UPDATE plans SET name = ?2, amount = ?3, tax_free = ?4, retry_after_days = ?5,
                     retry_max = ?6, updated_at = ?7, retry_ladder = ?8, dunning_end = ?9,
                     first_charge = ?10 WHERE code = ?1",
                params![
                    code,
                    edit.name,
                    edit.amount,
                    edit.tax_free,
                    edit.dunning.ladder.first().copied().unwrap_or(0),
                    edit.dunning.ladder.len(),
                    now,
                    edit.dunning.ladder_column(),
                    edit.dunning.end.as_str(),
                    edit.first_charge,
                ],
            )?;
            crate::store::audit::append(
                tx,
                self.profile(),
                "plan.update",
                &serde_json::json!({ "plan": code, "before": {
                    "name": plan.name, "amount": plan.amount, "tax_free": plan.tax_free,
                }, "after": edit }),
                "ok",
            )?;
            Ok(())
        })?;
        self.get_plan(code)
    }

    /// Archive a plan (or bring it back with `archived = false`): archived plans take no
    /// new subscriptions; the existing ones go on until they are cancelled.
    pub fn archive_plan(&self, code: &str, archived: bool) -> Result<Plan> {
        self.get_plan(code)?;
        let now = crate::now();
        self.write(|tx| {
            tx.execute(
                "UPDATE plans SET archived_at = ?2, updated_at = ?3 WHERE code = ?1",
                params![code, archived.then_some(now), now],
            )?;
            crate::store::audit::append(
                tx,
                self.profile(),
                if archived {
                    "plan.archive"
                } else {
                    "plan.unarchive"
                },
                &serde_json::json!({ "plan": code }),
                "ok",
            )?;
            Ok(())
        })?;
        self.get_plan(code)
    }

    /// Record a pause (`Some(time)`) or a resume (`None`) of an active subscription.
    pub(crate) fn set_paused(&self, id: i64, paused_at: Option<i64>) -> Result<Subscription> {
        let sub = self.subscription(id)?;
        if sub.status != "active" {
            return Err(Error::invalid("subscription", "cancelled"));
        }
        self.write(|tx| {
            tx.execute(
                "UPDATE subscriptions SET paused_at = ?2 WHERE id = ?1",
                params![id, paused_at],
            )?;
            crate::store::audit::append(
                tx,
                self.profile(),
                if paused_at.is_some() {
                    "plan.pause"
                } else {
                    "plan.resume"
                },
                &serde_json::json!({ "subscription": id, "customer_uid": sub.customer_uid }),
                "ok",
            )?;
            Ok(())
        })?;
        self.subscription(id)
    }

    /// Cancel an active subscription at `at` (the engine does it then), or take that
    /// back with `None`. Nothing due at or after `at` is registered.
    pub fn set_cancel_at(&self, id: i64, at: Option<i64>) -> Result<Subscription> {
        let sub = self.subscription(id)?;
        if sub.status != "active" {
            return Err(Error::invalid("subscription", "cancelled"));
        }
        self.write(|tx| {
            tx.execute(
                "UPDATE subscriptions SET cancel_at = ?2 WHERE id = ?1",
                params![id, at],
            )?;
            crate::store::audit::append(
                tx,
                self.profile(),
                "plan.cancel_at",
                &serde_json::json!({ "subscription": id, "customer_uid": sub.customer_uid, "at": at }),
                "ok",
            )?;
            Ok(())
        })?;
        self.subscription(id)
    }

    /// A customer's subscriptions, active first.
    pub fn customer_subscriptions(&self, customer_uid: &str) -> Result<Vec<Subscription>> {
        self.read(|c| {
            Ok(c.prepare_cached(&format!(
                "SELECT {SUB_COLS} FROM subscriptions WHERE customer_uid = ?1 ORDER BY status, id"
            ))?
            .query_map([customer_uid], sub_row)?
            .collect::<rusqlite::Result<_>>()?)
        })
    }

    /// Per plan code: its active subscriptions, of them paused, and its monthly
    /// recurring revenue. The one definition of MRR: the plans screen and the dashboard
    /// both read it. A plan without subscriptions counts zeros.
    pub(crate) fn plan_counts(&self) -> Result<HashMap<String, PlanCounts>> {
        self.read(|c| {
            Ok(c.prepare_cached(
                "SELECT p.code,
                        count(s.id),
                        count(s.paused_at),
                        coalesce(sum(CASE WHEN s.id IS NOT NULL AND s.paused_at IS NULL AND s.cancel_at IS NULL THEN
                            CASE WHEN p.yearly_month IS NOT NULL THEN coalesce(s.amount, p.amount) / 12
                            WHEN p.interval_kind = 'monthly' THEN coalesce(s.amount, p.amount)
                            ELSE coalesce(s.amount, p.amount) * 365 / (12 * p.interval_value)
                            END END), 0)
                 FROM plans p LEFT JOIN subscriptions s
                   ON s.plan_code = p.code AND s.status = 'active'
                 GROUP BY p.code",
            )?
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    PlanCounts {
                        subscribers: r.get(1)?,
                        paused: r.get(2)?,
                        mrr: r.get(3)?,
                    },
                ))
            })?
            .collect::<rusqlite::Result<_>>()?)
        })
    }

    /// Every plan with its subscriber count, monthly recurring revenue (SQL) and its
    /// next period's count and total, archived ones last.
    pub fn plan_summaries(&self, now: i64) -> Result<Vec<PlanSummary>> {
        let counts = self.plan_counts()?;
        let mut out = Vec::new();
        for plan in self.list_plans()? {
            let PlanCounts {
                subscribers,
                paused,
                mrr,
            } = counts.get(&plan.code).copied().unwrap_or_default();
            let next = plan.next_period(now);
            let (mut count, mut total) = (0, 0);
            if let Some(p) = &next {
                for s in self.subscriptions(Some(&plan.code))? {
                    if s.collecting() && s.covers(p) {
                        count += 1;
                        total += plan.amount_for(&s);
                    }
                }
            }
            out.push(PlanSummary {
                next_run_at: next.map(|p| p.due_at),
                next_run_count: count,
                next_run_total: total,
                plan,
                subscribers,
                paused,
                mrr,
            });
        }
        out.sort_by_key(|s| s.plan.archived_at.is_some());
        Ok(out)
    }

    /// One subscription.
    pub fn subscription(&self, id: i64) -> Result<Subscription> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {SUB_COLS} FROM subscriptions WHERE id = ?1"
            ))?
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
            Ok(c.prepare_cached(&format!(
                "SELECT {SUB_COLS} FROM subscriptions WHERE (?1 IS NULL OR plan_code = ?1)
                 ORDER BY status, id"
            ))?
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
                crate::store::audit::append(
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

    /// Period labels paid by earlier subscriptions of a subscription's customer to its
    /// plan.
    pub(crate) fn periods_paid_before(
        &self,
        sub: &Subscription,
    ) -> Result<std::collections::HashSet<String>> {
        self.read(|c| {
            Ok(c.prepare_cached(
                "SELECT p.label FROM subscription_periods p
                 JOIN subscriptions s ON s.id = p.subscription_id
                 WHERE s.plan_code = ?1 AND s.customer_uid = ?2 AND s.id <> ?3
                   AND p.state = 'paid'",
            )?
            .query_map(params![sub.plan_code, sub.customer_uid, sub.id], |r| {
                r.get(0)
            })?
            .collect::<rusqlite::Result<_>>()?)
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

/// What happens to a subscription once its period's retries are spent, or a hard
/// decline (see [`crate::money::decline`]) ended them.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum DunningEnd {
    /// The period is given up; the next periods are charged as usual.
    #[default]
    Keep,
    /// Collection is paused (future schedules revoked) until a person resumes it.
    Pause,
    /// The subscription is cancelled (future schedules revoked).
    Cancel,
}

impl DunningEnd {
    pub fn as_str(self) -> &'static str {
        match self {
            DunningEnd::Keep => "keep",
            DunningEnd::Pause => "pause",
            DunningEnd::Cancel => "cancel",
        }
    }

    fn parse(s: &str) -> DunningEnd {
        match s {
            "pause" => DunningEnd::Pause,
            "cancel" => DunningEnd::Cancel,
            _ => DunningEnd::Keep,
        }
    }
}

/// The retry policy of a plan: a ladder of retries and what happens after it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DunningPolicy {
    /// Days after the failed period at which it is tried again, rising (empty: never).
    pub ladder: Vec<u32>,
    /// What happens to the subscription after the last retry or a hard decline.
    pub end: DunningEnd,
}

/// The longest ladder: the retry suffix of an order id is one digit.
pub const LADDER_MAX_STEPS: usize = 9;
/// The latest retry, in days after the failed period.
pub const LADDER_MAX_DAYS: u32 = 60;

impl Default for DunningPolicy {
    fn default() -> Self {
        DunningPolicy {
            ladder: vec![1, 3, 5, 7],
            end: DunningEnd::Keep,
        }
    }
}

impl DunningPolicy {
    /// `retries` retries every `every_days` days, as plans before ladders had them.
    pub fn every(every_days: u32, retries: u32) -> DunningPolicy {
        DunningPolicy {
            ladder: (1..=retries).map(|n| n * every_days).collect(),
            end: DunningEnd::Keep,
        }
    }

    fn from_columns(ladder: Option<&str>, every: i64, retries: i64, end: &str) -> DunningPolicy {
        let ladder = match ladder {
            Some(l) => l
                .split(',')
                .filter_map(|d| d.trim().parse::<u32>().ok())
                .collect(),
            None => DunningPolicy::every(every.max(0) as u32, retries.clamp(0, 9) as u32).ladder,
        };
        DunningPolicy {
            ladder,
            end: DunningEnd::parse(end),
        }
    }

    fn ladder_column(&self) -> String {
        self.ladder
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",")
    }

    pub(crate) fn validate(&self) -> Result<()> {
        if self.ladder.len() > LADDER_MAX_STEPS {
            // The retry suffix is one digit: merchant_uids stay within 40.
            return Err(Error::invalid("ladder", "at most 9 retries"));
        }
        if self
            .ladder
            .iter()
            .any(|d| !(1..=LADDER_MAX_DAYS).contains(d))
        {
            return Err(Error::invalid("ladder", "each retry 1 to 60 days after"));
        }
        if self.ladder.windows(2).any(|w| w[0] >= w[1]) {
            return Err(Error::invalid("ladder", "each retry after the one before"));
        }
        Ok(())
    }

    /// Retries after the failed period.
    pub fn max_retries(&self) -> u32 {
        self.ladder.len() as u32
    }

    /// When retry `n` (1-based) of a period due at `due_at` is made, if there is one, the
    /// attempt before it having failed at `failed_at`: the ladder's day, but never sooner
    /// after that attempt than the ladder's own gap between the two. On time the two are
    /// the same; after days with the app closed the retries keep their spacing instead of
    /// all falling due at once (a burst of charges on one card, which card companies read
    /// as abuse and the customer sees as several declines in a minute).
    pub fn retry_at(&self, due_at: i64, n: u32, failed_at: i64) -> Option<i64> {
        let i = (n as usize).checked_sub(1)?;
        let days = *self.ladder.get(i)?;
        let before = i.checked_sub(1).map_or(0, |j| self.ladder[j]);
        let planned = due_at + i64::from(days) * DAY;
        Some(planned.max(failed_at + i64::from(days.saturating_sub(before)) * DAY))
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
    /// Of the failures, hard declines (not retried; in triage).
    #[serde(default)]
    pub hard_declines: i64,
    /// Subscriptions paused or cancelled by their plan's dunning end.
    #[serde(default)]
    pub dunning_ended: i64,
    /// Subscriptions cancelled now at the end of their period.
    pub cancelled: i64,
    /// Items left for later: (merchant_uid, error code).
    pub deferred: Vec<(String, String)>,
}

pub(crate) fn plan_for(store: &Store, subscription_id: i64) -> Result<Plan> {
    let sub = store.subscription(subscription_id)?;
    store.get_plan(&sub.plan_code)
}
