//! Schedules (예약 결제) as both front ends manage them: a one-off schedule registered
//! for a customer, moved, revoked (one, or all of a key), retried now or rescheduled; the
//! list's totals; a month's calendar and a 90-day forecast. Dates and times a person
//! types are read in the profile's time zone, and calendar days are that zone's days.
//!
//! Every operation goes through subdesk-billing's journal (exactly once). Whatever moves
//! money — a registration, a reschedule, a retry — runs the money policy of
//! [`crate::money`]: every problem of the form at once before anything is sent, the live
//! confirmation of the exact total, reconciliation first.

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};
use subdesk_billing::money::charge::{self, ORDER_NAME_MAX_CHARS, check_customer};
use subdesk_billing::registry::keys::{FieldProblem, ProblemCode};
use subdesk_billing::{
    BuyerInput, ChargeDetails, ChargeResult, Customer, Schedule, ScheduleInput, ScheduleOpResult,
    ScheduleOpStatus, ScheduleQuery, ScheduleState, ScheduleTotals, StateTotal,
};
use subdesk_profiles::Mode;

use crate::error::{ErrorCode, IpcError, IpcResult};
use crate::money::check_live_confirmation;
use crate::session::Session;
use crate::zone;

fn session_zone(session: &Session) -> TimeZone {
    zone::named_or_utc(&session.profile.time_zone)
}

/// A date and time of day as a person types them, in the profile's zone.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct When {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `HH:MM` (24 hours).
    pub time: String,
}

/// The Unix time of `when` in `tz`, or the problems of its fields (`date`, `time`): a
/// date or time that is not one, or a moment not after `now`.
pub fn unix_time(when: &When, tz: &TimeZone, now: i64) -> Result<i64, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let date = match when.date.trim() {
        "" => {
            problems.push(FieldProblem::new("date", ProblemCode::Required));
            None
        }
        d => match d.parse::<Date>() {
            Ok(date) if d.len() == 10 => Some(date),
            _ => {
                problems.push(FieldProblem::new("date", ProblemCode::DateFormat));
                None
            }
        },
    };
    let time = match when.time.trim() {
        "" => {
            problems.push(FieldProblem::new("time", ProblemCode::Required));
            None
        }
        t => match Time::strptime("%H:%M", t) {
            Ok(time) => Some(time),
            _ => {
                problems.push(FieldProblem::new("time", ProblemCode::TimeFormat));
                None
            }
        },
    };
    let (Some(date), Some(time)) = (date, time) else {
        return Err(problems);
    };
    match date.to_datetime(time).to_zoned(tz.clone()) {
        Ok(z) if z.timestamp().as_second() > now => Ok(z.timestamp().as_second()),
        Ok(_) => Err(vec![FieldProblem::new("date", ProblemCode::DatePast)]),
        Err(_) => Err(vec![FieldProblem::new("date", ProblemCode::DateFormat)]),
    }
}

/// A Unix time as the form shows it in `tz` (the inverse of [`unix_time`]).
pub fn when_of(unix: i64, tz: &TimeZone) -> When {
    match Timestamp::from_second(unix) {
        Ok(ts) => {
            let z = ts.to_zoned(tz.clone());
            When {
                date: z.strftime("%Y-%m-%d").to_string(),
                time: z.strftime("%H:%M").to_string(),
            }
        }
        Err(_) => When::default(),
    }
}

/// A one-off schedule to register for a customer.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct ScheduleForm {
    pub customer_uid: String,
    /// When i'mport charges, in the profile's zone.
    pub when: When,
    /// Whole won.
    pub amount: i64,
    pub tax_free: Option<i64>,
    /// Order name, 1–40 characters.
    pub name: String,
    /// The intent's order id, fixed when the form opened (`new_order_id`): asking again
    /// after a lost answer registers the same schedule, never a second one.
    pub merchant_uid: Option<String>,
    /// The total the person confirmed (required on live profiles).
    pub confirmed_total: Option<i64>,
    /// The kind of goods (KSNET); the key's own when None.
    #[serde(default)]
    pub product_type: Option<subdesk_billing::ProductType>,
}

/// What registering a schedule will do, checked as the registration itself is.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SchedulePreview {
    pub customer_uid: String,
    pub customer_name: Option<String>,
    pub card_name: Option<String>,
    pub card_number: Option<String>,
    pub name: String,
    /// Unix seconds.
    pub schedule_at: i64,
    /// The profile's zone the time was read in.
    pub time_zone: String,
    /// The total to confirm, in won.
    pub total: i64,
    /// The VAT i'mport will derive.
    pub vat: i64,
    pub live: bool,
}

/// Every problem of a schedule's fields at once (date, time, amount, tax-free part,
/// name), by the core's limits; the time when there is none.
pub fn check_form(form: &ScheduleForm, tz: &TimeZone, now: i64) -> Result<i64, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let at = match unix_time(&form.when, tz, now) {
        Ok(at) => Some(at),
        Err(p) => {
            problems.extend(p);
            None
        }
    };
    if form.amount <= 0 {
        problems.push(FieldProblem::new("amount", ProblemCode::AmountNotPositive));
    } else if charge::check_amount("amount", form.amount).is_err() {
        problems.push(FieldProblem::new("amount", ProblemCode::AmountTooLarge));
    }
    if let Some(t) = form.tax_free
        && !(0..=form.amount.max(0)).contains(&t)
    {
        problems.push(FieldProblem::new("tax_free", ProblemCode::TaxFreeRange));
    }
    if form.name.trim().is_empty() {
        problems.push(FieldProblem::new("name", ProblemCode::Required));
    } else if form.name.trim().chars().count() > ORDER_NAME_MAX_CHARS {
        problems.push(FieldProblem::new("name", ProblemCode::TooLong));
    }
    match (at, problems.is_empty()) {
        (Some(at), true) => Ok(at),
        _ => Err(problems),
    }
}

fn details(form: &ScheduleForm, buyer: BuyerInput) -> ChargeDetails {
    ChargeDetails {
        amount: form.amount,
        name: form.name.trim().to_owned(),
        tax_free: form.tax_free.filter(|t| *t > 0),
        vat_amount: None,
        buyer,
        card_quota: None,
        custom_data: None,
        product_type: form.product_type,
    }
}

fn buyer_of(c: &Customer) -> BuyerInput {
    BuyerInput {
        name: c.customer_name.clone(),
        email: c.customer_email.clone(),
        tel: c.customer_tel.clone(),
        addr: c.customer_addr.clone(),
        postcode: c.customer_postcode.clone(),
    }
}

/// Checks a schedule without sending anything and says what it will do: the form's
/// problems (`invalid_form`), then the customer's active key.
pub fn schedule_preview(session: &Session, form: &ScheduleForm) -> IpcResult<SchedulePreview> {
    let at = check_form(form, &session_zone(session), subdesk_billing::now())
        .map_err(|p| IpcError::invalid_form(&p, "sent"))?;
    let d = details(form, BuyerInput::default());
    d.validate()?;
    check_customer(&session.store, &form.customer_uid)?;
    charge::product_type_for(&session.store, &form.customer_uid, &d)?;
    let c = session.store.get_customer(&form.customer_uid)?;
    Ok(SchedulePreview {
        customer_uid: c.customer_uid,
        customer_name: c.customer_name,
        card_name: c.card_name,
        card_number: c.card_number,
        name: form.name.trim().to_owned(),
        schedule_at: at,
        time_zone: session.profile.time_zone.clone(),
        total: form.amount,
        vat: charge::vat_of(form.amount, form.tax_free.unwrap_or(0)),
        live: session.profile.mode == Mode::Live,
    })
}

/// Registers a one-off schedule (`POST /subscribe/payments/schedule`), journaled first.
pub async fn register(session: &Session, form: ScheduleForm) -> IpcResult<ScheduleOpResult> {
    let preview = schedule_preview(session, &form)?;
    check_live_confirmation(session, preview.total, form.confirmed_total)?;
    session.ensure_reconciled().await?;
    let customer = session.store.get_customer(&form.customer_uid)?;
    let input = ScheduleInput {
        merchant_uid: form.merchant_uid.clone(),
        schedule_at: preview.schedule_at,
        details: details(&form, buyer_of(&customer)),
    };
    let mut out = subdesk_billing::register_schedules(
        &session.store,
        session.client()?,
        &form.customer_uid,
        &[input],
    )
    .await?;
    let result = out
        .pop()
        .ok_or_else(|| IpcError::internal("no schedule result"))?;
    tracing::info!(merchant_uid = %result.merchant_uid, status = ?result.status, "schedule registered");
    Ok(result)
}

/// The schedule as the mirror has it (for the drawer's actions and their confirmation).
pub fn get(session: &Session, merchant_uid: &str) -> IpcResult<Schedule> {
    Ok(session.store.get_schedule(merchant_uid)?)
}

/// Moves a pending schedule to another time (`PUT …/schedule/{merchant_uid}`). The time
/// is the form's only field: its problems come back as `invalid_form`.
pub async fn move_to(
    session: &Session,
    merchant_uid: &str,
    when: &When,
) -> IpcResult<ScheduleOpResult> {
    let at = unix_time(when, &session_zone(session), subdesk_billing::now())
        .map_err(|p| IpcError::invalid_form(&p, "sent"))?;
    let s = session.store.get_schedule(merchant_uid)?;
    session.ensure_reconciled().await?;
    Ok(subdesk_billing::move_schedule(
        &session.store,
        session.client()?,
        &s.customer_uid,
        merchant_uid,
        at,
    )
    .await?)
}

/// Revokes pending schedules of a key (`POST /subscribe/payments/unschedule`).
pub async fn revoke(
    session: &Session,
    customer_uid: &str,
    merchant_uids: &[String],
) -> IpcResult<Vec<ScheduleOpResult>> {
    session.ensure_reconciled().await?;
    Ok(subdesk_billing::unschedule(
        &session.store,
        session.client()?,
        customer_uid,
        merchant_uids,
    )
    .await?)
}

/// Revokes every schedule of a key still waiting at i'mport (looked up there first).
pub async fn revoke_all(session: &Session, customer_uid: &str) -> IpcResult<Vec<ScheduleOpResult>> {
    session.ensure_reconciled().await?;
    Ok(subdesk_billing::unschedule_all(&session.store, session.client()?, customer_uid).await?)
}

/// What retrying or rescheduling a failed or revoked schedule will move, for the
/// confirmation: the schedule's own amount.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AgainPreview {
    pub schedule: Schedule,
    pub total: i64,
    pub live: bool,
}

/// Checks that a schedule can be charged again (failed or revoked, its key active).
pub fn again_preview(session: &Session, merchant_uid: &str) -> IpcResult<AgainPreview> {
    again_check(session, merchant_uid, false)
}

/// A retry of a schedule already paid goes on to be answered with that payment (nothing
/// is sent): asking twice is not an error.
fn again_check(session: &Session, merchant_uid: &str, paid_ok: bool) -> IpcResult<AgainPreview> {
    let s = session.store.get_schedule(merchant_uid)?;
    let paid = paid_ok && s.state == ScheduleState::Paid;
    if !paid && !matches!(s.state, ScheduleState::Failed | ScheduleState::Revoked) {
        return Err(IpcError::invalid_input(
            "merchant_uid",
            "only a failed or revoked schedule can be retried or rescheduled",
        ));
    }
    check_customer(&session.store, &s.customer_uid)?;
    Ok(AgainPreview {
        total: s.amount,
        live: session.profile.mode == Mode::Live,
        schedule: s,
    })
}

/// Charges a failed or revoked schedule now (`…/schedule/{merchant_uid}/retry`): a
/// charge under the money policy, journaled, never twice.
pub async fn retry(
    session: &Session,
    merchant_uid: &str,
    confirmed_total: Option<i64>,
) -> IpcResult<ChargeResult> {
    let preview = again_check(session, merchant_uid, true)?;
    check_live_confirmation(session, preview.total, confirmed_total)?;
    session.ensure_reconciled().await?;
    let result =
        subdesk_billing::retry_schedule(&session.store, session.client()?, merchant_uid).await?;
    tracing::info!(merchant_uid, status = ?result.status, "schedule retried");
    Ok(result)
}

/// Registers a failed or revoked schedule again at a new time
/// (`…/schedule/{merchant_uid}/reschedule`), keeping its order id.
pub async fn reschedule(
    session: &Session,
    merchant_uid: &str,
    when: &When,
    confirmed_total: Option<i64>,
) -> IpcResult<ScheduleOpResult> {
    let at = unix_time(when, &session_zone(session), subdesk_billing::now())
        .map_err(|p| IpcError::invalid_form(&p, "sent"))?;
    let preview = again_preview(session, merchant_uid)?;
    check_live_confirmation(session, preview.total, confirmed_total)?;
    session.ensure_reconciled().await?;
    Ok(subdesk_billing::reschedule(&session.store, session.client()?, merchant_uid, at).await?)
}

/// The schedules list's figures for a filter: count and amount, in all and per state.
pub fn totals(session: &Session, query: &ScheduleQuery) -> IpcResult<ScheduleTotals> {
    Ok(session.store.schedule_totals(query)?)
}

/// What a key still has waiting at i'mport: shown before the key is deleted.
pub async fn live_of_key(session: &Session, customer_uid: &str) -> IpcResult<Vec<Schedule>> {
    Ok(subdesk_billing::live_schedules(&session.store, session.client()?, customer_uid).await?)
}

/// What deleting a key did: the key, and the schedules revoked first.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct KeyDeleted {
    pub customer: Customer,
    pub revoked: Vec<ScheduleOpResult>,
}

/// Deletes a billing key, its live schedules revoked first: i'mport does not revoke them
/// with the key, and a schedule left on a deleted key fails at its time. When any cannot
/// be revoked (or its outcome is not known yet) the key is kept (`key_has_live_schedules`).
pub async fn delete_key(
    session: &Session,
    customer_uid: &str,
    reason: &str,
) -> IpcResult<KeyDeleted> {
    // The reason's rules first: nothing is revoked for a deletion that would be refused.
    subdesk_billing::registry::keys::check_delete_reason(reason)?;
    session.ensure_reconciled().await?;
    let client = session.client()?;
    let revoked = match subdesk_billing::unschedule_all(&session.store, client, customer_uid).await
    {
        Ok(r) => r,
        Err(e) => return Err(kept(customer_uid, e.into())),
    };
    let unsure = revoked
        .iter()
        .filter(|r| r.status == ScheduleOpStatus::Unknown)
        .count();
    let left = subdesk_billing::live_schedules(&session.store, client, customer_uid)
        .await
        .map_err(|e| kept(customer_uid, e.into()))?;
    if unsure > 0 || !left.is_empty() {
        return Err(IpcError::new(
            ErrorCode::KeyHasLiveSchedules,
            format!(
                "{} schedule(s) of {customer_uid} are still waiting at i'mport; the key was kept",
                left.len().max(unsure)
            ),
        )
        .with_details(serde_json::json!({
            "customer_uid": customer_uid,
            "count": left.len().max(unsure),
            "merchant_uids": left.iter().map(|s| s.merchant_uid.clone()).collect::<Vec<_>>(),
        })));
    }
    let customer =
        subdesk_billing::registry::keys::delete_key(&session.store, client, customer_uid, reason)
            .await?;
    tracing::info!(customer_uid, revoked = revoked.len(), "billing key deleted");
    Ok(KeyDeleted { customer, revoked })
}

/// The error of a revocation that failed before the key was touched.
fn kept(customer_uid: &str, e: IpcError) -> IpcError {
    tracing::warn!(customer_uid, code = %e.code, "schedules not revoked; key kept");
    e
}

// ---- the calendar

/// One day of a month in the profile's zone, with its schedules per state.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CalendarDay {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub day: u8,
    /// Its first second, Unix; `end` is the next day's first (exclusive): the bounds of
    /// the day's list.
    pub start: i64,
    pub end: i64,
    /// Every state, zero when none.
    pub by_state: Vec<StateTotal>,
}

/// A month of schedules, day by day, in the profile's zone.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CalendarMonth {
    /// `YYYY-MM`.
    pub month: String,
    pub time_zone: String,
    /// The weekday of the 1st: 0 Monday … 6 Sunday.
    pub first_weekday: u8,
    /// `YYYY-MM` of the months before and after, for the arrows.
    pub previous: String,
    pub next: String,
    /// Today in the zone (`YYYY-MM-DD`).
    pub today: String,
    pub days: Vec<CalendarDay>,
    /// The month's totals per state.
    pub totals: Vec<StateTotal>,
}

fn empty_states() -> Vec<StateTotal> {
    ScheduleState::ALL
        .iter()
        .map(|s| StateTotal {
            state: *s,
            count: 0,
            amount: 0,
        })
        .collect()
}

fn month_start(month: &str) -> IpcResult<Date> {
    let bad = || IpcError::invalid_input("month", "a month is YYYY-MM");
    let (y, m) = month.trim().split_once('-').ok_or_else(bad)?;
    if y.len() != 4 || m.len() != 2 {
        return Err(bad());
    }
    let y: i16 = y.parse().map_err(|_| bad())?;
    let m: i8 = m.parse().map_err(|_| bad())?;
    Date::new(y, m, 1).map_err(|_| bad())
}

fn start_of(date: Date, tz: &TimeZone) -> IpcResult<i64> {
    date.to_zoned(tz.clone())
        .map(|z| z.timestamp().as_second())
        .map_err(|e| IpcError::internal(format!("day start: {e}")))
}

/// The days of `month` (`YYYY-MM`; this month when empty) in the profile's zone, each
/// with its schedules per state, summed in SQL over day bounds computed here.
pub fn calendar(
    session: &Session,
    month: &str,
    filter: &ScheduleQuery,
) -> IpcResult<CalendarMonth> {
    let tz = session_zone(session);
    calendar_in(
        &session.store,
        &tz,
        &session.profile.time_zone,
        month,
        filter,
    )
}

/// [`calendar`] for a store and zone (tests and the CLI).
pub fn calendar_in(
    store: &subdesk_billing::Store,
    tz: &TimeZone,
    zone_name: &str,
    month: &str,
    filter: &ScheduleQuery,
) -> IpcResult<CalendarMonth> {
    let today = Timestamp::from_second(subdesk_billing::now())
        .map_err(|e| IpcError::internal(e.to_string()))?
        .to_zoned(tz.clone())
        .date();
    let first = if month.trim().is_empty() {
        today.first_of_month()
    } else {
        month_start(month)?
    };
    let n = first.days_in_month() as usize;
    let mut dates = Vec::with_capacity(n + 1);
    for i in 0..=n {
        dates.push(
            first
                .checked_add((i as i64).days())
                .map_err(|e| IpcError::internal(e.to_string()))?,
        );
    }
    let bounds: Vec<i64> = dates
        .iter()
        .map(|d| start_of(*d, tz))
        .collect::<IpcResult<_>>()?;
    let mut q = filter.clone();
    q.cursor = None;
    let spans = store.schedule_spans(&bounds, &q)?;
    let mut days: Vec<CalendarDay> = (0..n)
        .map(|i| CalendarDay {
            date: dates[i].strftime("%Y-%m-%d").to_string(),
            day: dates[i].day() as u8,
            start: bounds[i],
            end: bounds[i + 1],
            by_state: empty_states(),
        })
        .collect();
    let mut totals = empty_states();
    for span in spans {
        if let Some(day) = days.get_mut(span.index as usize) {
            day.by_state = span.by_state.clone();
        }
        for (t, s) in totals.iter_mut().zip(span.by_state.iter()) {
            t.count += s.count;
            t.amount += s.amount;
        }
    }
    let fmt = |d: Date| d.strftime("%Y-%m").to_string();
    let previous = first
        .checked_sub(1.month())
        .map_err(|e| IpcError::internal(e.to_string()))?;
    let next = first
        .checked_add(1.month())
        .map_err(|e| IpcError::internal(e.to_string()))?;
    Ok(CalendarMonth {
        month: fmt(first),
        time_zone: zone_name.to_owned(),
        first_weekday: first.weekday().to_monday_zero_offset() as u8,
        previous: fmt(previous),
        next: fmt(next),
        today: today.strftime("%Y-%m-%d").to_string(),
        days,
        totals,
    })
}

// ---- the forecast

/// How many days the cash forecast looks ahead.
pub const FORECAST_DAYS: i64 = 90;

/// One week of the forecast.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ForecastWeek {
    /// `YYYY-MM-DD` of its first and last day, in the profile's zone.
    pub first_day: String,
    pub last_day: String,
    pub start: i64,
    pub end: i64,
    /// Registered at i'mport and waiting.
    pub scheduled_count: i64,
    pub scheduled_amount: i64,
    /// Periods of active subscriptions due then that are not registered yet.
    pub projected_count: i64,
    pub projected_amount: i64,
}

/// Money expected in the next [`FORECAST_DAYS`] days, week by week.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Forecast {
    pub time_zone: String,
    pub days: i64,
    pub weeks: Vec<ForecastWeek>,
    pub scheduled_count: i64,
    pub scheduled_amount: i64,
    pub projected_count: i64,
    pub projected_amount: i64,
}

/// The next [`FORECAST_DAYS`] days from today (in the profile's zone): the waiting
/// schedules, and the plan periods of active subscriptions not registered yet.
pub fn forecast(session: &Session) -> IpcResult<Forecast> {
    let tz = session_zone(session);
    forecast_in(&session.store, &tz, &session.profile.time_zone)
}

/// [`forecast`] for a store and zone.
pub fn forecast_in(
    store: &subdesk_billing::Store,
    tz: &TimeZone,
    zone_name: &str,
) -> IpcResult<Forecast> {
    let today = Timestamp::from_second(subdesk_billing::now())
        .map_err(|e| IpcError::internal(e.to_string()))?
        .to_zoned(tz.clone())
        .date();
    let weeks_n = (FORECAST_DAYS + 6) / 7;
    let mut firsts = Vec::new();
    for w in 0..=weeks_n {
        let d = today
            .checked_add((w * 7).min(FORECAST_DAYS).days())
            .map_err(|e| IpcError::internal(e.to_string()))?;
        firsts.push(d);
    }
    let bounds: Vec<i64> = firsts
        .iter()
        .map(|d| start_of(*d, tz))
        .collect::<IpcResult<_>>()?;
    let (from, to) = (bounds[0], bounds[bounds.len() - 1]);
    let waiting = ScheduleQuery {
        states: vec![ScheduleState::Scheduled],
        ..ScheduleQuery::default()
    };
    let spans = store.schedule_spans(&bounds, &waiting)?;
    let mut weeks: Vec<ForecastWeek> = (0..weeks_n as usize)
        .map(|i| {
            let last = firsts[i + 1].yesterday().unwrap_or(firsts[i]);
            ForecastWeek {
                first_day: firsts[i].strftime("%Y-%m-%d").to_string(),
                last_day: last.strftime("%Y-%m-%d").to_string(),
                start: bounds[i],
                end: bounds[i + 1],
                scheduled_count: 0,
                scheduled_amount: 0,
                projected_count: 0,
                projected_amount: 0,
            }
        })
        .collect();
    for span in spans {
        if let Some(w) = weeks.get_mut(span.index as usize) {
            let t = span
                .by_state
                .iter()
                .find(|t| t.state == ScheduleState::Scheduled);
            w.scheduled_count = t.map(|t| t.count).unwrap_or(0);
            w.scheduled_amount = t.map(|t| t.amount).unwrap_or(0);
        }
    }
    // Plan projections: cheap from the plan records (a plan's periods are arithmetic),
    // skipping periods already registered (counted above, or executed).
    let registered = store.schedule_uids_between(from, to)?;
    let plans: std::collections::HashMap<String, subdesk_billing::Plan> = store
        .list_plans()?
        .into_iter()
        .map(|p| (p.code.clone(), p))
        .collect();
    for sub in store.subscriptions(None)? {
        if sub.status != "active" {
            continue;
        }
        let Some(plan) = plans.get(&sub.plan_code) else {
            continue;
        };
        for p in plan.periods_between(from.max(sub.created_at), to) {
            if registered.contains(&plan.merchant_uid(&sub.customer_uid, &p)) {
                continue;
            }
            if let Some(i) = bounds
                .windows(2)
                .position(|b| p.due_at >= b[0] && p.due_at < b[1])
                && let Some(w) = weeks.get_mut(i)
            {
                w.projected_count += 1;
                w.projected_amount += plan.amount;
            }
        }
    }
    Ok(Forecast {
        time_zone: zone_name.to_owned(),
        days: FORECAST_DAYS,
        scheduled_count: weeks.iter().map(|w| w.scheduled_count).sum(),
        scheduled_amount: weeks.iter().map(|w| w.scheduled_amount).sum(),
        projected_count: weeks.iter().map(|w| w.projected_count).sum(),
        projected_amount: weeks.iter().map(|w| w.projected_amount).sum(),
        weeks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seoul() -> TimeZone {
        zone::named_or_utc("Asia/Seoul")
    }

    fn when(date: &str, time: &str) -> When {
        When {
            date: date.into(),
            time: time.into(),
        }
    }

    #[test]
    fn a_seoul_time_is_read_in_seoul() {
        // 2030-01-01 00:30 KST = 2029-12-31 15:30 UTC.
        let at = unix_time(&when("2030-01-01", "00:30"), &seoul(), 0).unwrap();
        assert_eq!(at, 1_893_425_400);
        assert_eq!(when_of(at, &seoul()), when("2030-01-01", "00:30"));
        let utc = unix_time(&when("2030-01-01", "00:30"), &zone::named_or_utc("UTC"), 0).unwrap();
        assert_eq!(utc - at, 9 * 3600);
    }

    #[test]
    fn each_field_has_its_problem() {
        let codes = |r: Result<i64, Vec<FieldProblem>>| -> Vec<(String, &'static str)> {
            r.unwrap_err()
                .into_iter()
                .map(|p| (p.field, p.code.as_str()))
                .collect()
        };
        assert_eq!(
            codes(unix_time(&when("2030-13-01", "25:00"), &seoul(), 0)),
            vec![
                ("date".into(), "date_format"),
                ("time".into(), "time_format")
            ]
        );
        assert_eq!(
            codes(unix_time(&when("", ""), &seoul(), 0)),
            vec![("date".into(), "required"), ("time".into(), "required")]
        );
        assert_eq!(
            codes(unix_time(
                &when("2020-01-01", "10:00"),
                &seoul(),
                1_893_425_400
            )),
            vec![("date".into(), "date_past")]
        );
        let form = ScheduleForm {
            customer_uid: "c1".into(),
            when: when("2030-01-01", "10:00"),
            amount: 200_000_000,
            tax_free: Some(-1),
            name: "가".repeat(41),
            ..ScheduleForm::default()
        };
        assert_eq!(
            codes(check_form(&form, &seoul(), 0)),
            vec![
                ("amount".into(), "amount_too_large"),
                ("tax_free".into(), "tax_free_range"),
                ("name".into(), "too_long"),
            ]
        );
    }
}
