//! Plans (요금제) and subscriptions as both front ends manage them: a plan created, edited
//! and archived; a customer subscribed with a start date and an amount of its own, paused,
//! resumed and cancelled (now or at the end of the period); the list's subscriber counts,
//! monthly recurring revenue and next run; a customer's subscriptions with every attempt;
//! and the plan engine run (the app's timer and `subdesk-cli plans run`).
//!
//! Every rule is here or in subdesk-billing once: the form's problems come back all at
//! once, per field (`invalid_form` with `details.problems`), before anything is written.
//! Subscribing moves money later, so it follows the money policy: the live confirmation
//! of the amount per period, reconciliation before the engine sends anything.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use subdesk_billing::money::charge::{self, ORDER_NAME_MAX_CHARS, check_customer};
use subdesk_billing::money::merchant_uid;
use subdesk_billing::registry::keys::{FieldProblem, ProblemCode};
use subdesk_billing::{
    CancelReport, Decline, DunningEnd, DunningPolicy, EngineOptions, EngineReport, Interval,
    PeriodRecord, Plan, PlanEdit, PlanInput, PlanSummary, SubscribeCharge, SubscribeOptions,
    Subscription,
};
use subdesk_profiles::Mode;

use crate::error::{ErrorCode, IpcError, IpcResult};
use crate::money::check_live_confirmation;
use crate::schedules::{When, unix_time, when_of};
use crate::session::Session;
use crate::zone;

/// The limits of the plan form, from the rules they come from (the UI shows them and
/// never keeps its own).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PlanRules {
    pub code_max_chars: u32,
    pub name_max_chars: u32,
    /// Monthly billing days are 1 to this; later days are "the last day of the month".
    pub month_day_max: u32,
    pub every_days_max: u32,
    pub every_weeks_max: u32,
    /// Retries on a plan's ladder: at most this many, each 1 to `ladder_days_max` days
    /// after the failed period, each later than the one before.
    pub ladder_steps_max: u32,
    pub ladder_days_max: u32,
    /// What a new plan's form starts with.
    pub default_dunning: DunningPolicy,
}

const MONTH_DAY_MAX: u32 = 28;
const EVERY_DAYS_MAX: u32 = 365;
const EVERY_WEEKS_MAX: u32 = 52;
use subdesk_billing::money::plans::records::{LADDER_MAX_DAYS, LADDER_MAX_STEPS};

pub fn rules() -> PlanRules {
    PlanRules {
        code_max_chars: 10,
        name_max_chars: ORDER_NAME_MAX_CHARS as u32,
        month_day_max: MONTH_DAY_MAX,
        every_days_max: EVERY_DAYS_MAX,
        every_weeks_max: EVERY_WEEKS_MAX,
        ladder_steps_max: LADDER_MAX_STEPS as u32,
        ladder_days_max: LADDER_MAX_DAYS,
        default_dunning: DunningPolicy::default(),
    }
}

/// How often a plan charges, as the form offers it.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum IntervalChoice {
    /// Every month on `day` (1–28).
    #[default]
    Monthly,
    /// Every month on its last day (28, 29, 30 or 31).
    MonthEnd,
    /// Every `every` days.
    EveryDays,
    /// Every `every` weeks.
    EveryWeeks,
    /// Once a year, on the start's month and day (29 February: 28 February in common
    /// years).
    Yearly,
}

/// A plan as the form has it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct PlanForm {
    /// 1–10 lower-case letters or digits; inside every period's order id.
    pub code: String,
    pub name: String,
    pub amount: i64,
    pub tax_free: i64,
    pub interval: IntervalChoice,
    /// The billing day, for `monthly`.
    pub day: u32,
    /// Days or weeks, for `every_days` / `every_weeks`.
    pub every: u32,
    /// The first possible charge, in the profile's zone; its time of day is every
    /// period's.
    pub start: When,
    /// Days after a failed period at which it is tried again, rising.
    pub ladder: Vec<u32>,
    /// What happens to the subscription after the last retry or a hard decline.
    pub dunning_end: DunningEnd,
    /// Subscribing charges the current period at once.
    pub first_charge: bool,
}

/// What can change in a plan (its code, interval and start make its order ids).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct PlanEditForm {
    pub name: String,
    pub amount: i64,
    pub tax_free: i64,
    pub ladder: Vec<u32>,
    pub dunning_end: DunningEnd,
    pub first_charge: bool,
}

fn check_money(name: &str, amount: i64, tax_free: i64, problems: &mut Vec<FieldProblem>) {
    if amount <= 0 {
        problems.push(FieldProblem::new("amount", ProblemCode::AmountNotPositive));
    } else if charge::check_amount("amount", amount).is_err() {
        problems.push(FieldProblem::new("amount", ProblemCode::AmountTooLarge));
    }
    if !(0..=amount.max(0)).contains(&tax_free) {
        problems.push(FieldProblem::new("tax_free", ProblemCode::TaxFreeRange));
    }
    if name.trim().is_empty() {
        problems.push(FieldProblem::new("name", ProblemCode::Required));
    } else if name.trim().chars().count() > ORDER_NAME_MAX_CHARS {
        problems.push(FieldProblem::new("name", ProblemCode::TooLong));
    }
}

/// The ladder's problems: `ladder` for too many steps, `ladder.<i>` for a step out of
/// range or not later than the one before.
fn check_dunning(
    ladder: &[u32],
    end: DunningEnd,
    problems: &mut Vec<FieldProblem>,
) -> DunningPolicy {
    if ladder.len() > LADDER_MAX_STEPS {
        problems.push(FieldProblem::new("ladder", ProblemCode::OutOfRange));
    }
    for (i, d) in ladder.iter().enumerate() {
        let after_previous = i == 0 || ladder[i - 1] < *d;
        if !(1..=LADDER_MAX_DAYS).contains(d) || !after_previous {
            problems.push(FieldProblem::new(
                &format!("ladder.{i}"),
                ProblemCode::OutOfRange,
            ));
        }
    }
    DunningPolicy {
        ladder: ladder.to_vec(),
        end,
    }
}

/// Every problem of a new plan's fields at once, or the plan to create.
pub fn check_plan_form(
    form: &PlanForm,
    tz: &TimeZone,
    now: i64,
) -> Result<PlanInput, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let code = form.code.trim();
    if code.is_empty() {
        problems.push(FieldProblem::new("code", ProblemCode::Required));
    } else if merchant_uid::validate_plan_code(code).is_err() {
        problems.push(FieldProblem::new("code", ProblemCode::PlanCodeFormat));
    }
    check_money(&form.name, form.amount, form.tax_free, &mut problems);
    let interval = match form.interval {
        IntervalChoice::Monthly if (1..=MONTH_DAY_MAX).contains(&form.day) => {
            Some(Interval::Monthly {
                day: form.day as u8,
            })
        }
        IntervalChoice::Monthly => {
            problems.push(FieldProblem::new("day", ProblemCode::OutOfRange));
            None
        }
        // Day 31 is clamped to every month's last day by the period arithmetic.
        IntervalChoice::MonthEnd => Some(Interval::Monthly { day: 31 }),
        IntervalChoice::EveryDays if (1..=EVERY_DAYS_MAX).contains(&form.every) => {
            Some(Interval::EveryDays { days: form.every })
        }
        IntervalChoice::EveryWeeks if (1..=EVERY_WEEKS_MAX).contains(&form.every) => {
            Some(Interval::EveryDays {
                days: form.every * 7,
            })
        }
        IntervalChoice::EveryDays | IntervalChoice::EveryWeeks => {
            problems.push(FieldProblem::new("every", ProblemCode::OutOfRange));
            None
        }
        // The start's month and day, below.
        IntervalChoice::Yearly => None,
    };
    let start = match unix_time(&form.start, tz, now) {
        Ok(t) => Some(t),
        Err(p) => {
            problems.extend(p);
            None
        }
    };
    let interval = match (form.interval, start) {
        (IntervalChoice::Yearly, Some(t)) => {
            // Periods are counted in Asia/Seoul (billing's plan arithmetic).
            let seoul = TimeZone::fixed(jiff::tz::offset(9));
            jiff::Timestamp::from_second(t).ok().map(|ts| {
                let d = ts.to_zoned(seoul).date();
                Interval::Yearly {
                    month: d.month() as u8,
                    day: d.day() as u8,
                }
            })
        }
        _ => interval,
    };
    let dunning = check_dunning(&form.ladder, form.dunning_end, &mut problems);
    match (interval, start, problems.is_empty()) {
        (Some(interval), Some(start_at), true) => Ok(PlanInput {
            code: code.to_owned(),
            name: form.name.trim().to_owned(),
            amount: form.amount,
            tax_free: form.tax_free,
            interval,
            start_at,
            end_at: None,
            max_periods: None,
            dunning,
            first_charge: form.first_charge,
        }),
        _ => Err(problems),
    }
}

/// Creates a plan; its problems (a code already used included) as `invalid_form`. `now`
/// is the profile's time (the sandbox's clock on the sandbox profile).
pub fn create(session: &Session, form: &PlanForm, now: i64) -> IpcResult<Plan> {
    let tz = zone::named_or_utc(&session.profile.time_zone);
    let input =
        check_plan_form(form, &tz, now).map_err(|p| IpcError::invalid_form(&p, "written"))?;
    if session.store.get_plan(&input.code).is_ok() {
        return Err(IpcError::invalid_form(
            &[FieldProblem::new("code", ProblemCode::PlanCodeTaken)],
            "written",
        ));
    }
    let plan = session.store.create_plan(&input)?;
    tracing::info!(plan = %plan.code, "plan created");
    Ok(plan)
}

/// Changes a plan's name, amount, tax-free part and retries (every problem at once).
pub fn update(session: &Session, code: &str, form: &PlanEditForm) -> IpcResult<Plan> {
    let mut problems = Vec::new();
    check_money(&form.name, form.amount, form.tax_free, &mut problems);
    let dunning = check_dunning(&form.ladder, form.dunning_end, &mut problems);
    if !problems.is_empty() {
        return Err(IpcError::invalid_form(&problems, "written"));
    }
    Ok(session.store.update_plan(
        code,
        &PlanEdit {
            name: form.name.trim().to_owned(),
            amount: form.amount,
            tax_free: form.tax_free,
            dunning,
            first_charge: form.first_charge,
        },
    )?)
}

/// Archives a plan (no new subscriptions) or brings it back.
pub fn archive(session: &Session, code: &str, archived: bool) -> IpcResult<Plan> {
    Ok(session.store.archive_plan(code, archived)?)
}

/// Every plan with its subscribers, MRR and next run, archived last.
pub fn list(session: &Session, now: i64) -> IpcResult<Vec<PlanSummary>> {
    Ok(session.store.plan_summaries(now)?)
}

/// A plan's edit form as it stands.
pub fn edit_form(plan: &Plan) -> PlanEditForm {
    PlanEditForm {
        name: plan.name.clone(),
        amount: plan.amount,
        tax_free: plan.tax_free,
        ladder: plan.dunning.ladder.clone(),
        dunning_end: plan.dunning.end,
        first_charge: plan.first_charge,
    }
}

/// One subscriber of a plan, or one subscription of a customer.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SubscriptionView {
    pub subscription: Subscription,
    pub plan_name: String,
    pub interval: Interval,
    pub customer_name: Option<String>,
    pub card_number: Option<String>,
    /// What a period charges it.
    pub amount: i64,
    /// Its next charge: the plan's next period it is charged for, if it is collecting.
    pub next_charge_at: Option<i64>,
    /// Periods the engine has dealt with, newest first, each with its attempts.
    pub periods: Vec<PeriodView>,
}

/// One period and every attempt made for it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PeriodView {
    pub record: PeriodRecord,
    pub attempts: Vec<Attempt>,
}

/// One charge attempt of a period: its schedule, or a dunning retry.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Attempt {
    pub merchant_uid: String,
    /// 0 for the schedule, n for the n-th retry.
    pub retry: u32,
    /// `scheduled`, `paid`, `failed`, `revoked` (the schedule's) or the retry's journal
    /// outcome (`paid`, `failed`, or `checking` while open).
    pub outcome: String,
    pub at: i64,
    pub fail_reason: Option<String>,
    /// What the reason says, and whether trying again can help (failed attempts).
    pub decline: Option<Decline>,
    /// The period's first attempt was a charge on subscribing, not a schedule.
    pub first_charge: bool,
}

fn attempts(session: &Session, p: &PeriodRecord) -> IpcResult<Vec<Attempt>> {
    let charged = session.store.journal_charge(&p.merchant_uid)?;
    let first_failed = p.retries > 0 || matches!(p.state.as_str(), "failed" | "written_off");
    let mut out = vec![Attempt {
        merchant_uid: p.merchant_uid.clone(),
        retry: 0,
        outcome: if p.paid_merchant_uid.as_deref() == Some(p.merchant_uid.as_str()) {
            "paid".into()
        } else if first_failed {
            "failed".into()
        } else {
            p.state.clone()
        },
        at: charged.as_ref().map_or(p.due_at, |e| e.created_at),
        // The record keeps the latest reason; the schedule's own is in the mirror.
        fail_reason: match session.store.get_schedule(&p.merchant_uid) {
            Ok(s) if s.fail_reason.is_some() => s.fail_reason,
            _ if p.retries == 0 => p.fail_reason.clone(),
            _ => None,
        },
        decline: None,
        first_charge: charged.is_some(),
    }];
    for n in 1..=p.retries {
        let m = merchant_uid::for_retry(&p.merchant_uid, n);
        let row = session.store.journal_charge(&m)?;
        out.push(Attempt {
            outcome: match &row {
                Some(e) if e.state.is_open() => "checking".into(),
                Some(e) => e.outcome.clone().unwrap_or_else(|| "failed".into()),
                None => "failed".into(),
            },
            at: row.as_ref().map_or(p.due_at, |e| e.created_at),
            fail_reason: row.and_then(|e| e.fail_reason),
            merchant_uid: m,
            retry: n,
            decline: None,
            first_charge: false,
        });
    }
    for a in &mut out {
        if a.outcome == "failed" {
            a.decline = Some(subdesk_billing::classify(a.fail_reason.as_deref()));
        }
    }
    Ok(out)
}

fn view(
    session: &Session,
    plan: &Plan,
    sub: Subscription,
    now: i64,
) -> IpcResult<SubscriptionView> {
    let customer = session.store.get_customer(&sub.customer_uid).ok();
    let next_charge_at = if sub.collecting() {
        let mut i = 0;
        let mut next = None;
        while let Some(p) = plan.period(i) {
            i += 1;
            if sub.cancel_at.is_some_and(|c| p.due_at >= c) {
                break;
            }
            if p.due_at > now && sub.covers(&p) {
                next = Some(p.due_at);
                break;
            }
        }
        next
    } else {
        None
    };
    let mut periods = Vec::new();
    for record in session
        .store
        .subscription_periods(sub.id)?
        .into_iter()
        .rev()
    {
        periods.push(PeriodView {
            attempts: attempts(session, &record)?,
            record,
        });
    }
    Ok(SubscriptionView {
        amount: plan.amount_for(&sub),
        plan_name: plan.name.clone(),
        interval: plan.interval,
        customer_name: customer.as_ref().and_then(|c| c.customer_name.clone()),
        card_number: customer.and_then(|c| c.card_number),
        next_charge_at,
        periods,
        subscription: sub,
    })
}

/// A plan's page: its summary, the form it is edited with, and its subscribers.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PlanDetail {
    pub summary: PlanSummary,
    pub edit: PlanEditForm,
    /// The start as the profile's zone shows it.
    pub start: When,
    pub subscribers: Vec<SubscriptionView>,
}

pub fn detail(session: &Session, code: &str, now: i64) -> IpcResult<PlanDetail> {
    let summary = session
        .store
        .plan_summaries(now)?
        .into_iter()
        .find(|s| s.plan.code == code)
        .ok_or_else(|| {
            IpcError::from(session.store.get_plan(code).err().unwrap_or(
                subdesk_billing::Error::NotFound {
                    what: "plan",
                    id: code.to_owned(),
                },
            ))
        })?;
    let plan = summary.plan.clone();
    let mut subscribers = Vec::new();
    for sub in session.store.subscriptions(Some(code))? {
        subscribers.push(view(session, &plan, sub, now)?);
    }
    Ok(PlanDetail {
        edit: edit_form(&plan),
        start: when_of(
            plan.start_at,
            &zone::named_or_utc(&session.profile.time_zone),
        ),
        summary,
        subscribers,
    })
}

/// A customer's subscriptions (active first) with their next charge and every attempt.
pub fn of_customer(
    session: &Session,
    customer_uid: &str,
    now: i64,
) -> IpcResult<Vec<SubscriptionView>> {
    let mut out = Vec::new();
    for sub in session.store.customer_subscriptions(customer_uid)? {
        let plan = session.store.get_plan(&sub.plan_code)?;
        out.push(view(session, &plan, sub, now)?);
    }
    Ok(out)
}

/// A customer joining a plan, as the form has it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct SubscribeForm {
    pub plan_code: String,
    pub customer_uid: String,
    /// `YYYY-MM-DD` in the profile's zone: no period before that day. Empty: from now.
    pub start_date: String,
    /// Whole won per period instead of the plan's.
    pub amount: Option<i64>,
    /// The amount per period the person confirmed (required on live profiles).
    pub confirmed_total: Option<i64>,
}

/// What subscribing will do, checked as subscribing itself is.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SubscribePreview {
    pub plan_name: String,
    pub customer_uid: String,
    pub customer_name: Option<String>,
    /// Charged every period; the total to confirm on live profiles.
    pub total: i64,
    pub first_charge_at: Option<i64>,
    /// The plan charges the current period at once on subscribing (`total`, now).
    pub charges_now: bool,
    pub live: bool,
}

/// The start of `date` in `tz`, or its problem; a day before today is `date_past`.
fn start_of_day(date: &str, tz: &TimeZone, now: i64) -> Result<Option<i64>, FieldProblem> {
    let d = date.trim();
    if d.is_empty() {
        return Ok(None);
    }
    let day = match d.parse::<Date>() {
        Ok(day) if d.len() == 10 => day,
        _ => return Err(FieldProblem::new("start_date", ProblemCode::DateFormat)),
    };
    let start = day
        .to_zoned(tz.clone())
        .map_err(|_| FieldProblem::new("start_date", ProblemCode::DateFormat))?
        .timestamp()
        .as_second();
    let today = jiff::Timestamp::from_second(now)
        .map_err(|_| FieldProblem::new("start_date", ProblemCode::DateFormat))?
        .to_zoned(tz.clone())
        .date();
    if day < today {
        return Err(FieldProblem::new("start_date", ProblemCode::DatePast));
    }
    Ok(Some(start))
}

fn subscribe_check(
    session: &Session,
    form: &SubscribeForm,
    now: i64,
) -> IpcResult<(SubscribePreview, SubscribeOptions)> {
    let plan = session.store.get_plan(&form.plan_code)?;
    let mut problems = Vec::new();
    let start_at = match start_of_day(
        &form.start_date,
        &zone::named_or_utc(&session.profile.time_zone),
        now,
    ) {
        Ok(s) => s,
        Err(p) => {
            problems.push(p);
            None
        }
    };
    if let Some(a) = form.amount {
        if a <= 0 {
            problems.push(FieldProblem::new("amount", ProblemCode::AmountNotPositive));
        } else if charge::check_amount("amount", a).is_err() {
            problems.push(FieldProblem::new("amount", ProblemCode::AmountTooLarge));
        } else if a < plan.tax_free {
            problems.push(FieldProblem::new("amount", ProblemCode::TaxFreeRange));
        }
    }
    if !problems.is_empty() {
        return Err(IpcError::invalid_form(&problems, "written"));
    }
    if plan.archived_at.is_some() {
        return Err(IpcError::new(
            ErrorCode::InvalidInput,
            "this plan is archived: nobody new can subscribe",
        )
        .with_details(serde_json::json!({ "field": "plan_code" })));
    }
    check_customer(&session.store, &form.customer_uid)?;
    let customer = session.store.get_customer(&form.customer_uid)?;
    let opts = SubscribeOptions {
        start_at,
        amount: form.amount,
    };
    let probe = Subscription {
        id: 0,
        plan_code: plan.code.clone(),
        customer_uid: form.customer_uid.clone(),
        status: "active".into(),
        created_at: now,
        cancelled_at: None,
        start_at,
        amount: form.amount,
        paused_at: None,
        cancel_at: None,
        generation: 0,
    };
    let mut first = None;
    let mut i = 0;
    while let Some(p) = plan.period(i) {
        i += 1;
        if p.due_at > now && probe.covers(&p) {
            first = Some(p.due_at);
            break;
        }
    }
    Ok((
        SubscribePreview {
            plan_name: plan.name.clone(),
            customer_uid: customer.customer_uid,
            customer_name: customer.customer_name,
            total: plan.amount_for(&probe),
            first_charge_at: if plan.first_charge { Some(now) } else { first },
            charges_now: plan.first_charge,
            live: session.profile.mode == Mode::Live,
        },
        opts,
    ))
}

/// Checks a subscription without writing anything: the form's problems at once, the
/// plan (not archived), the customer's active key; what it will charge and when.
pub fn subscribe_preview(
    session: &Session,
    form: &SubscribeForm,
    now: i64,
) -> IpcResult<SubscribePreview> {
    Ok(subscribe_check(session, form, now)?.0)
}

/// What subscribing did.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Subscribed {
    pub subscription: Subscription,
    /// The first charge, for a plan that charges on subscribing.
    pub first_charge: Option<SubscribeCharge>,
}

/// Subscribes a customer. On live profiles the amount per period must be confirmed.
/// The engine registers its periods at its next run; a plan with a first charge charges
/// the current period now, through the money rules (reconciled first, journaled under
/// the period's own order id), and a decline goes to the plan's dunning.
pub async fn subscribe(session: &Session, form: &SubscribeForm, now: i64) -> IpcResult<Subscribed> {
    let (preview, opts) = subscribe_check(session, form, now)?;
    check_live_confirmation(session, preview.total, form.confirmed_total)?;
    if preview.charges_now {
        // Everything a charge needs, before anything is written.
        session.store.check_money_allowed()?;
        session.client()?;
        session.ensure_reconciled().await?;
    }
    let sub = session
        .store
        .subscribe_with(&form.plan_code, &form.customer_uid, &opts)?;
    tracing::info!(subscription = sub.id, plan = %sub.plan_code, "subscribed");
    let first_charge = if preview.charges_now {
        Some(
            subdesk_billing::charge_first_period(&session.store, session.client()?, sub.id, now)
                .await?,
        )
    } else {
        None
    };
    Ok(Subscribed {
        subscription: session.store.subscription(sub.id)?,
        first_charge,
    })
}

/// Many customers joining a plan: from the customer list's selection, or a CSV file's
/// `customer_uid` column (with optional `amount` and `start_date` columns).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct SubscribeManyForm {
    pub plan_code: String,
    pub customer_uids: Vec<String>,
    /// `YYYY-MM-DD`, for everyone without a date of their own. Empty: from now.
    pub start_date: String,
    /// The total of every first period the person confirmed (live profiles).
    pub confirmed_total: Option<i64>,
}

/// Why a customer is left out of a subscribe-many.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum LeftOut {
    /// No such customer here.
    UnknownCustomer,
    /// The customer's key is not active (deleted, unknown at i'mport).
    KeyNotActive,
    /// Already on this plan.
    AlreadySubscribed,
    /// The same customer earlier in the list or file.
    Duplicate,
    /// A CSV line that cannot be read, an empty customer_uid, or a bad amount or date.
    BadLine,
}

/// One line of a subscribe-many preview.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SubscribeManyRow {
    /// The CSV line (None for a selection).
    pub line: Option<i64>,
    pub customer_uid: String,
    pub customer_name: Option<String>,
    /// What a period charges it.
    pub amount: i64,
    pub first_charge_at: Option<i64>,
    /// None: subscribed; otherwise why not.
    pub left_out: Option<LeftOut>,
}

/// Who a subscribe-many subscribes and who it leaves out, and why.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SubscribeManyPreview {
    pub plan_name: String,
    pub rows: Vec<SubscribeManyRow>,
    pub subscribed: i64,
    pub left_out: i64,
    /// Every subscribed one's amount per period: what a live profile confirms.
    pub total: i64,
    pub charges_now: bool,
    pub live: bool,
}

/// One entry before checks: a line, a customer, its own amount and start date.
struct ManyEntry {
    line: Option<i64>,
    customer_uid: String,
    amount: Option<i64>,
    start_date: String,
    bad: bool,
}

fn many_preview(
    session: &Session,
    plan_code: &str,
    entries: Vec<ManyEntry>,
    now: i64,
) -> IpcResult<(SubscribeManyPreview, Vec<SubscribeForm>)> {
    let plan = session.store.get_plan(plan_code)?;
    if plan.archived_at.is_some() {
        return Err(IpcError::new(
            ErrorCode::InvalidInput,
            "this plan is archived: nobody new can subscribe",
        )
        .with_details(serde_json::json!({ "field": "plan_code" })));
    }
    let mut seen = std::collections::HashSet::new();
    let mut rows = Vec::new();
    let mut forms = Vec::new();
    for e in entries {
        let form = SubscribeForm {
            plan_code: plan_code.to_owned(),
            customer_uid: e.customer_uid.clone(),
            start_date: e.start_date.clone(),
            amount: e.amount,
            confirmed_total: None,
        };
        let customer = session.store.get_customer(&e.customer_uid).ok();
        let left_out = if e.bad || e.customer_uid.is_empty() {
            Some(LeftOut::BadLine)
        } else if !seen.insert(e.customer_uid.clone()) {
            Some(LeftOut::Duplicate)
        } else if customer.is_none() {
            Some(LeftOut::UnknownCustomer)
        } else {
            match subscribe_check(session, &form, now) {
                Ok(_)
                    if session
                        .store
                        .customer_subscriptions(&e.customer_uid)?
                        .iter()
                        .any(|s| s.plan_code == plan_code && s.status == "active") =>
                {
                    Some(LeftOut::AlreadySubscribed)
                }
                Ok(_) => None,
                Err(err) if err.code == ErrorCode::InvalidForm => Some(LeftOut::BadLine),
                Err(_) => Some(LeftOut::KeyNotActive),
            }
        };
        let preview = subscribe_check(session, &form, now).ok().map(|p| p.0);
        rows.push(SubscribeManyRow {
            line: e.line,
            customer_name: customer.and_then(|c| c.customer_name),
            amount: preview
                .as_ref()
                .map_or(e.amount.unwrap_or(plan.amount), |p| p.total),
            first_charge_at: preview.and_then(|p| p.first_charge_at),
            customer_uid: e.customer_uid,
            left_out,
        });
        if left_out.is_none() {
            forms.push(form);
        }
    }
    let subscribed = rows.iter().filter(|r| r.left_out.is_none()).count() as i64;
    Ok((
        SubscribeManyPreview {
            plan_name: plan.name.clone(),
            subscribed,
            left_out: rows.len() as i64 - subscribed,
            total: rows
                .iter()
                .filter(|r| r.left_out.is_none())
                .map(|r| r.amount)
                .sum(),
            rows,
            charges_now: plan.first_charge,
            live: session.profile.mode == Mode::Live,
        },
        forms,
    ))
}

fn selection_entries(form: &SubscribeManyForm) -> Vec<ManyEntry> {
    form.customer_uids
        .iter()
        .map(|uid| ManyEntry {
            line: None,
            customer_uid: uid.trim().to_owned(),
            amount: None,
            start_date: form.start_date.clone(),
            bad: false,
        })
        .collect()
}

/// The entries of a CSV: a `customer_uid` column (the first column without a header),
/// optional `amount` and `start_date` columns; the form's start date for lines without.
fn csv_entries(text: &str, start_date: &str) -> Vec<ManyEntry> {
    let table = subdesk_billing::csv_codec::read(text, "customer_uid");
    let uid_col = table.column("customer_uid").unwrap_or(0);
    let amount_col = table.column("amount");
    let date_col = table.column("start_date");
    table
        .rows
        .iter()
        .map(|r| match r {
            Ok(rec) => {
                let field = |i: Option<usize>| {
                    i.and_then(|i| rec.fields.get(i))
                        .map(|f| f.trim())
                        .filter(|f| !f.is_empty())
                };
                let amount_text = field(amount_col);
                let amount = amount_text.map(|a| a.replace(',', "").parse::<i64>());
                ManyEntry {
                    line: Some(rec.line),
                    customer_uid: field(Some(uid_col)).unwrap_or_default().to_owned(),
                    bad: matches!(amount, Some(Err(_))),
                    amount: amount.and_then(Result::ok),
                    start_date: field(date_col).unwrap_or(start_date).to_owned(),
                }
            }
            Err(bad) => ManyEntry {
                line: Some(bad.line),
                customer_uid: String::new(),
                amount: None,
                start_date: String::new(),
                bad: true,
            },
        })
        .collect()
}

/// Checks a subscribe-many of the selected customers without writing anything.
pub fn subscribe_many_preview(
    session: &Session,
    form: &SubscribeManyForm,
    now: i64,
) -> IpcResult<SubscribeManyPreview> {
    Ok(many_preview(session, &form.plan_code, selection_entries(form), now)?.0)
}

/// Checks a subscribe-many from a CSV file (read as every CSV here is: size cap, UTF-8
/// or CP949) without writing anything.
pub fn subscribe_csv_preview(
    session: &Session,
    form: &SubscribeManyForm,
    path: &std::path::Path,
    now: i64,
) -> IpcResult<SubscribeManyPreview> {
    let file = crate::files::read_csv(path)?;
    Ok(many_preview(
        session,
        &form.plan_code,
        csv_entries(&file.text, &form.start_date),
        now,
    )?
    .0)
}

/// What a subscribe-many did.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SubscribeManyReport {
    pub preview: SubscribeManyPreview,
    pub subscribed: Vec<Subscribed>,
    /// Customers whose subscribing failed after the preview (their error codes).
    pub failed: Vec<(String, ErrorCode)>,
}

async fn many_apply(
    session: &Session,
    preview: SubscribeManyPreview,
    forms: Vec<SubscribeForm>,
    confirmed_total: Option<i64>,
    now: i64,
) -> IpcResult<SubscribeManyReport> {
    if forms.is_empty() {
        return Err(IpcError::new(
            ErrorCode::InvalidInput,
            "nobody to subscribe: every line is left out",
        )
        .with_details(serde_json::json!({ "field": "customer_uids" })));
    }
    check_live_confirmation(session, preview.total, confirmed_total)?;
    let mut subscribed = Vec::new();
    let mut failed = Vec::new();
    for mut f in forms {
        // The total was confirmed once for all; each is the same check again. A customer
        // whose check fails now is reported with the others, never an error that hides
        // who was already subscribed (and, with a first charge, charged) before them.
        match subscribe_check(session, &f, now) {
            Ok((check, ..)) => f.confirmed_total = Some(check.total),
            Err(e) => {
                failed.push((f.customer_uid, e.code));
                continue;
            }
        }
        match subscribe(session, &f, now).await {
            Ok(s) => subscribed.push(s),
            Err(e) => failed.push((f.customer_uid, e.code)),
        }
    }
    Ok(SubscribeManyReport {
        preview,
        subscribed,
        failed,
    })
}

/// Subscribes the selected customers (those the preview does not leave out). On live
/// profiles the total of their amounts per period must be confirmed.
pub async fn subscribe_many(
    session: &Session,
    form: &SubscribeManyForm,
    now: i64,
) -> IpcResult<SubscribeManyReport> {
    let (preview, forms) = many_preview(session, &form.plan_code, selection_entries(form), now)?;
    many_apply(session, preview, forms, form.confirmed_total, now).await
}

/// Subscribes a CSV file's customers (those the preview does not leave out).
pub async fn subscribe_csv(
    session: &Session,
    form: &SubscribeManyForm,
    path: &std::path::Path,
    now: i64,
) -> IpcResult<SubscribeManyReport> {
    let file = crate::files::read_csv(path)?;
    let (preview, forms) = many_preview(
        session,
        &form.plan_code,
        csv_entries(&file.text, &form.start_date),
        now,
    )?;
    many_apply(session, preview, forms, form.confirmed_total, now).await
}

/// When a cancellation takes effect.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum CancelWhen {
    /// Now: what its plan registered is revoked at i'mport.
    Now,
    /// When its next period would be due (nothing more is charged).
    PeriodEnd,
}

/// What a cancellation or a pause did.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SubscriptionChange {
    pub subscription: Subscription,
    /// Schedules revoked at i'mport now, and those still being checked.
    pub revoked: Vec<String>,
    pub pending: Vec<String>,
}

fn change(session: &Session, id: i64, r: CancelReport) -> IpcResult<SubscriptionChange> {
    Ok(SubscriptionChange {
        subscription: session.store.subscription(id)?,
        revoked: r.revoked,
        pending: r.pending,
    })
}

/// Cancels a subscription now (revoking what its plan registered) or at the end of its
/// period (the engine cancels it then; nothing due at or after that is registered).
pub async fn cancel(
    session: &Session,
    id: i64,
    when: CancelWhen,
    now: i64,
) -> IpcResult<SubscriptionChange> {
    let sub = session.store.subscription(id)?;
    let plan = session.store.get_plan(&sub.plan_code)?;
    let end = match when {
        CancelWhen::Now => None,
        CancelWhen::PeriodEnd => plan.next_period(now).map(|p| p.due_at),
    };
    if let Some(at) = end
        && sub.status == "active"
    {
        // The periods already registered at or after the end are revoked now.
        session.store.set_cancel_at(id, Some(at))?;
        let mut r = CancelReport::default();
        let upcoming: Vec<String> = session
            .store
            .subscription_periods(id)?
            .into_iter()
            .filter(|p| p.state == "scheduled" && p.due_at >= at)
            .map(|p| p.merchant_uid)
            .collect();
        if !upcoming.is_empty() {
            session.ensure_reconciled().await?;
            let done = subdesk_billing::unschedule(
                &session.store,
                session.client()?,
                &sub.customer_uid,
                &upcoming,
            )
            .await?;
            for d in done {
                if d.status == subdesk_billing::ScheduleOpStatus::Done {
                    r.revoked.push(d.merchant_uid);
                } else {
                    r.pending.push(d.merchant_uid);
                }
            }
        }
        return change(session, id, r);
    }
    session.ensure_reconciled().await?;
    let r =
        subdesk_billing::cancel_subscription(&session.store, session.client()?, id, now).await?;
    change(session, id, r)
}

/// Pauses collection: future schedules revoked, nothing registered or retried.
pub async fn pause(session: &Session, id: i64, now: i64) -> IpcResult<SubscriptionChange> {
    session.ensure_reconciled().await?;
    let r = subdesk_billing::pause_subscription(&session.store, session.client()?, id, now).await?;
    change(session, id, r)
}

/// Resumes collection: the engine registers the next periods at its next run.
pub fn resume(session: &Session, id: i64) -> IpcResult<Subscription> {
    Ok(subdesk_billing::resume_subscription(&session.store, id)?)
}

/// Runs the plan engine once at `now` (the sandbox's time on the sandbox profile):
/// the journal reconciled first, then every due period read, retries made and the next
/// periods registered. One runner across processes (the store's lease): a second one
/// is refused as `busy`.
pub async fn run(session: &Session, now: i64) -> IpcResult<EngineReport> {
    session.ensure_reconciled().await?;
    let report = subdesk_billing::run_plans(
        &session.store,
        session.client()?,
        now,
        &EngineOptions::default(),
    )
    .await?;
    tracing::info!(
        registered = report.registered,
        paid = report.paid,
        failed = report.failed,
        retries = report.retries,
        deferred = report.deferred.len(),
        "plan engine run"
    );
    Ok(report)
}

/// Whether there is anything for the engine to do (an active subscription).
pub fn has_work(session: &Session) -> IpcResult<bool> {
    Ok(session
        .store
        .subscriptions(None)?
        .iter()
        .any(|s| s.status == "active"))
}
