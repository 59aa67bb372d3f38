//! What the plan engine and dunning share, below both: plans, subscriptions and
//! their periods as stored (types and the store's methods for them), a plan's
//! retry policy, and the report an engine run fills in. Period arithmetic is here
//! too, since a plan's periods are part of what a plan is.
//!
//! Periods are computed in Asia/Seoul (UTC+9, no daylight saving since 1988);
//! times are Unix seconds.

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
    /// No period before this time.
    pub start_at: Option<i64>,
    /// Its own amount per period (the plan's when None).
    pub amount: Option<i64>,
    /// Collection paused since then (still `active`).
    pub paused_at: Option<i64>,
    /// Cancelled by the engine at this time (the end of the period).
    pub cancel_at: Option<i64>,
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
        crate::money::merchant_uid::for_period(&self.code, customer_uid, &period.label)
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
     start_at, end_at, max_periods, retry_after_days, retry_max, created_at, archived_at";

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
        archived_at: r.get(13)?,
    })
}

const SUB_COLS: &str = "id, plan_code, customer_uid, status, created_at, cancelled_at, start_at, amount, paused_at, \
     cancel_at";

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
                "INSERT INTO subscriptions (plan_code, customer_uid, status, created_at, start_at,
                     amount)
                 VALUES (?1, ?2, 'active', ?3, ?4, ?5)",
                params![plan_code, customer_uid, now, opts.start_at, opts.amount],
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
                     retry_max = ?6, updated_at = ?7 WHERE code = ?1",
                params![
                    code,
                    edit.name,
                    edit.amount,
                    edit.tax_free,
                    edit.dunning.retry_after_days,
                    edit.dunning.max_retries,
                    now
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

    /// Every plan with its subscriber count, monthly recurring revenue (SQL) and its
    /// next period's count and total, archived ones last.
    pub fn plan_summaries(&self, now: i64) -> Result<Vec<PlanSummary>> {
        let counts: Vec<(String, i64, i64, i64)> = self.read(|c| {
            Ok(c.prepare_cached(
                "SELECT p.code,
                        count(s.id),
                        count(s.paused_at),
                        coalesce(sum(CASE WHEN s.paused_at IS NULL AND s.cancel_at IS NULL THEN
                            CASE p.interval_kind WHEN 'monthly' THEN coalesce(s.amount, p.amount)
                            ELSE coalesce(s.amount, p.amount) * 365 / (12 * p.interval_value)
                            END END), 0)
                 FROM plans p LEFT JOIN subscriptions s
                   ON s.plan_code = p.code AND s.status = 'active'
                 GROUP BY p.code",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?)
        })?;
        let mut out = Vec::new();
        for plan in self.list_plans()? {
            let (_, subscribers, paused, mrr) = counts
                .iter()
                .find(|c| c.0 == plan.code)
                .cloned()
                .unwrap_or_default();
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

/// The retry policy of a plan.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DunningPolicy {
    /// Days between a failure and the next attempt.
    pub retry_after_days: u32,
    /// Attempts after the scheduled charge failed (0 = none).
    pub max_retries: u32,
}

impl Default for DunningPolicy {
    fn default() -> Self {
        DunningPolicy {
            retry_after_days: 3,
            max_retries: 2,
        }
    }
}

impl DunningPolicy {
    pub(crate) fn validate(&self) -> Result<()> {
        if self.max_retries > 9 {
            // The retry suffix is one digit: merchant_uids stay within 40.
            return Err(Error::invalid("max_retries", "at most 9"));
        }
        if self.retry_after_days == 0 && self.max_retries > 0 {
            return Err(Error::invalid("retry_after_days", "at least 1"));
        }
        Ok(())
    }

    pub(crate) fn delay(&self) -> i64 {
        i64::from(self.retry_after_days) * DAY
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
    /// Subscriptions cancelled now at the end of their period.
    pub cancelled: i64,
    /// Items left for later: (merchant_uid, error code).
    pub deferred: Vec<(String, String)>,
}

pub(crate) fn plan_for(store: &Store, subscription_id: i64) -> Result<Plan> {
    let sub = store.subscription(subscription_id)?;
    store.get_plan(&sub.plan_code)
}
