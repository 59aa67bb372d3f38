//! The dashboard's view model: a period's figures and chart series, every one of them
//! with the list filter it counts ([`PaymentLink`], [`ScheduleLink`]). A figure is the
//! store's totals of exactly the query its link opens, so the list a figure opens shows
//! the same count and sums.
//!
//! What the figures mean (all in won, KRW payments; other currencies are counted by the
//! list, never summed):
//! - gross: the payments paid in the period (status paid or cancelled), by when they were
//!   paid; refunds: what has been refunded of those; net: gross less refunds. The daily
//!   bars split the same payments by the day they were paid, so they add up to the figures.
//! - failure rate: failed attempts in the period over paid and failed ones.
//! - plans: what the plans' periods paid in the period, and the monthly recurring revenue
//!   of the active subscriptions.
//! - next 7 days: the schedules waiting from today to six days on, in the profile's zone.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use subdesk_billing::{
    PaymentQuery, PaymentStatus, PaymentTotals, ScheduleQuery, ScheduleState, Store, TimeField,
};

use crate::dates::{self, DatePreset, DateRange};
use crate::error::{ErrorCode, IpcError, IpcResult};

/// The payments list's filter, as the list's own controls hold it: the list turns its
/// days into bounds with [`dates::date_range`] / [`dates::day_range`] like this module.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PaymentLink {
    pub time_field: TimeField,
    /// Any of these (all when empty).
    pub status: Vec<PaymentStatus>,
    /// The named period, when the figure counts one (else `first_day`–`last_day`).
    pub preset: Option<DatePreset>,
    /// `YYYY-MM-DD`, inclusive.
    pub first_day: String,
    /// `YYYY-MM-DD`, inclusive.
    pub last_day: String,
    pub pg_provider: Option<String>,
    pub plan_code: Option<String>,
    pub plans_only: bool,
    pub refunded_only: bool,
}

impl PaymentLink {
    /// The store query the list runs for this filter in `zone`.
    pub fn query(&self, zone: &str) -> IpcResult<PaymentQuery> {
        let (from, to) = dates::day_range(Some(&self.first_day), Some(&self.last_day), zone)?;
        Ok(PaymentQuery {
            time_field: self.time_field,
            status: self.status.clone(),
            from,
            to,
            pg_provider: self.pg_provider.clone(),
            plan_code: self.plan_code.clone(),
            plans_only: self.plans_only,
            refunded_only: self.refunded_only,
            ..PaymentQuery::default()
        })
    }
}

/// The schedules list's filter: these states, scheduled from the first day's midnight to
/// the end of the last day in the profile's zone.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ScheduleLink {
    pub states: Vec<ScheduleState>,
    pub first_day: String,
    pub last_day: String,
}

impl ScheduleLink {
    /// The store query the schedules list runs for this filter (`to` exclusive there).
    pub fn query(&self, zone: &str) -> IpcResult<ScheduleQuery> {
        let (from, to) = dates::day_range(Some(&self.first_day), Some(&self.last_day), zone)?;
        Ok(ScheduleQuery {
            states: self.states.clone(),
            from,
            to: to.map(|t| t + 1),
            ..ScheduleQuery::default()
        })
    }
}

/// A figure of payments: the totals of its link's list.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PaymentFigure {
    pub count: i64,
    /// Won paid.
    pub amount: i64,
    /// Won refunded of those.
    pub refunded: i64,
    pub net: i64,
    pub link: PaymentLink,
}

/// A figure of schedules: count and won of its link's list.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ScheduleFigure {
    pub count: i64,
    pub amount: i64,
    pub link: ScheduleLink,
}

/// One bar (a day, a PG, a plan) with what it counts.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Bar {
    /// The day (`YYYY-MM-DD`), the PG's id or the plan's code.
    pub key: String,
    /// The plan's name; else the key.
    pub label: String,
    pub figure: PaymentFigure,
}

/// Plans: what their periods paid in the period and what they bring each month.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PlanFigures {
    /// How many plans exist (0: the dashboard says how to start without one).
    pub plans: i64,
    pub active_subscriptions: i64,
    /// Won a month from the active subscriptions.
    pub monthly_recurring: i64,
    /// The plans' payments paid in the period.
    pub paid: PaymentFigure,
}

/// Everything the dashboard shows for a period.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Dashboard {
    pub range: DateRange,
    /// Paid in the period; its `net` is the net figure.
    pub gross: PaymentFigure,
    /// The refunded ones of `gross`; its `refunded` is the refunds figure.
    pub refunds: PaymentFigure,
    /// Failed in the period.
    pub failed: PaymentFigure,
    /// Failed over (paid + failed) in the period, in hundredths of a percent (1234 = 12.34 %);
    /// None with no attempt.
    pub failure_rate_bp: Option<i64>,
    pub plans: PlanFigures,
    /// Schedules waiting in the next 7 days (today included).
    pub next_week: ScheduleFigure,
    /// The days of the period (each a custom-days link), first to last.
    pub daily: Vec<Bar>,
    /// Per PG that paid in the period, biggest first.
    pub by_pg: Vec<Bar>,
    /// Per plan, biggest first (every plan, paid or not).
    pub by_plan: Vec<Bar>,
}

fn bad(message: impl Into<String>) -> IpcError {
    IpcError::new(ErrorCode::InvalidDate, message)
}

fn figure(store: &Store, link: PaymentLink, zone: &str) -> IpcResult<PaymentFigure> {
    Ok(figure_of(store.payment_totals(&link.query(zone)?)?, link))
}

/// The figure `totals` give, opening the list of `link`.
fn figure_of(totals: PaymentTotals, link: PaymentLink) -> PaymentFigure {
    let PaymentTotals {
        count,
        amount,
        refunded,
        net,
        ..
    } = totals;
    PaymentFigure {
        count,
        amount,
        refunded,
        net,
        link,
    }
}

fn days_of(range: &DateRange) -> IpcResult<Vec<Date>> {
    let parse = |s: &str| s.parse::<Date>().map_err(|e| bad(format!("{s}: {e}")));
    let (first, last) = (parse(&range.first_day)?, parse(&range.last_day)?);
    let mut days = Vec::new();
    let mut d = first;
    while d <= last {
        days.push(d);
        d = d.tomorrow().map_err(|e| bad(e.to_string()))?;
    }
    Ok(days)
}

fn biggest_first(mut bars: Vec<Bar>) -> Vec<Bar> {
    bars.sort_by(|a, b| {
        b.figure
            .amount
            .cmp(&a.figure.amount)
            .then_with(|| a.key.cmp(&b.key))
    });
    bars
}

/// The dashboard of `preset` as it stands at `now`, its days in `zone` (the profile's,
/// which every list reads days in).
pub fn dashboard(store: &Store, preset: DatePreset, zone: &str, now: i64) -> IpcResult<Dashboard> {
    let range = dates::date_range(preset, zone, now)?;
    let period = PaymentLink {
        time_field: TimeField::Paid,
        status: vec![PaymentStatus::Paid, PaymentStatus::Cancelled],
        preset: Some(preset),
        first_day: range.first_day.clone(),
        last_day: range.last_day.clone(),
        ..PaymentLink::default()
    };
    let gross = figure(store, period.clone(), zone)?;
    let refunds = figure(
        store,
        PaymentLink {
            refunded_only: true,
            ..period.clone()
        },
        zone,
    )?;
    let failed = figure(
        store,
        PaymentLink {
            time_field: TimeField::Failed,
            status: vec![PaymentStatus::Failed],
            ..period.clone()
        },
        zone,
    )?;
    let attempts = gross.count + failed.count;
    let failure_rate_bp = (attempts > 0).then(|| failed.count * 10_000 / attempts);

    let recurring = store.plan_recurring()?;
    let plans = PlanFigures {
        plans: recurring.len() as i64,
        active_subscriptions: recurring.iter().map(|p| p.active_subscriptions).sum(),
        monthly_recurring: recurring.iter().map(|p| p.monthly_amount).sum(),
        paid: figure(
            store,
            PaymentLink {
                plans_only: true,
                ..period.clone()
            },
            zone,
        )?,
    };
    let by_plan = recurring
        .iter()
        .map(|p| {
            Ok(Bar {
                key: p.code.clone(),
                label: p.name.clone(),
                figure: figure(
                    store,
                    PaymentLink {
                        plan_code: Some(p.code.clone()),
                        ..period.clone()
                    },
                    zone,
                )?,
            })
        })
        .collect::<IpcResult<Vec<_>>>()?;

    // Every PG's figure in one pass over the period (one query per PG read each PG's
    // whole history: 1.6 s at a million payments); each bar links to the list with that
    // PG as its filter, which shows the same figure.
    let by_pg = store
        .payment_totals_by_pg(&period.query(zone)?)?
        .into_iter()
        .map(|(pg, totals)| Bar {
            key: pg.clone(),
            label: pg.clone(),
            figure: figure_of(
                totals,
                PaymentLink {
                    pg_provider: Some(pg),
                    ..period.clone()
                },
            ),
        })
        .collect();

    let daily = days_of(&range)?
        .into_iter()
        .map(|d| {
            let day = d.to_string();
            Ok(Bar {
                key: day.clone(),
                label: day.clone(),
                figure: figure(
                    store,
                    PaymentLink {
                        preset: None,
                        first_day: day.clone(),
                        last_day: day,
                        ..period.clone()
                    },
                    zone,
                )?,
            })
        })
        .collect::<IpcResult<Vec<_>>>()?;

    let today = Timestamp::from_second(now)
        .map_err(|e| bad(e.to_string()))?
        .to_zoned(crate::zone::named_or_utc(zone))
        .date();
    let week_end = today
        .checked_add(jiff::Span::new().days(6))
        .map_err(|e| bad(e.to_string()))?;
    let link = ScheduleLink {
        states: vec![ScheduleState::Scheduled],
        first_day: today.to_string(),
        last_day: week_end.to_string(),
    };
    let totals = store.schedule_totals(&link.query(zone)?)?;
    let next_week = ScheduleFigure {
        count: totals.count,
        amount: totals.amount,
        link,
    };

    Ok(Dashboard {
        range,
        gross,
        refunds,
        failed,
        failure_rate_bp,
        plans,
        next_week,
        daily,
        by_pg: biggest_first(by_pg),
        by_plan: biggest_first(by_plan),
    })
}
