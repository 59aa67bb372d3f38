//! `schedules add | move | revoke | retry | reschedule | list`: subdesk-desk's schedule
//! management, the same the app runs (the profile's zone, every problem of the input at
//! once, the live confirmation, the journal), with the terminal's prompt and output.

use subdesk_billing::{ScheduleOpResult, ScheduleOpStatus, ScheduleQuery, ScheduleState};
use subdesk_codes::ErrorCode;
use subdesk_desk::schedules::{self, ScheduleForm, When};
use subdesk_profiles::ActionKind;

use crate::args::{ScheduleStateArg, SchedulesCmd};
use crate::commands::money::reconcile_first;
use crate::confirm::{self, Ask};
use crate::context::Ctx;
use crate::error::{CliError, CliResult, Exit};
use crate::output::{Table, customer_label, fields, line, opt, retry_word, won};

pub async fn run(ctx: &mut Ctx, cmd: SchedulesCmd) -> CliResult<Exit> {
    match cmd {
        SchedulesCmd::Add {
            uid,
            at,
            amount,
            name,
            tax_free,
            merchant_uid,
            product_type,
        } => {
            let form = ScheduleForm {
                customer_uid: uid,
                when: when(&at)?,
                amount,
                tax_free,
                name,
                merchant_uid: Some(merchant_uid.unwrap_or_else(subdesk_desk::money::new_order_id)),
                confirmed_total: None,
                product_type: product_type.map(Into::into),
            };
            add(ctx, form).await
        }
        SchedulesCmd::Move { merchant_uid, at } => {
            let s = ctx.session(ActionKind::MoveMoney)?;
            let when = when(&at)?;
            ctx.client(&s).await?;
            reconcile_first(&ctx.out, &s).await?;
            let r = schedules::move_to(&s, &merchant_uid, &when).await?;
            report(ctx, &[r], "moved")
        }
        SchedulesCmd::Revoke {
            uid,
            merchant_uids,
            all,
        } => {
            let s = ctx.session(ActionKind::MoveMoney)?;
            ctx.client(&s).await?;
            reconcile_first(&ctx.out, &s).await?;
            let done = if all {
                schedules::revoke_all(&s, &uid).await?
            } else {
                schedules::revoke(&s, &uid, &merchant_uids).await?
            };
            if done.is_empty() && !ctx.out.json {
                line("nothing was waiting at i'mport: nothing to revoke");
                return Ok(Exit::Ok);
            }
            report(ctx, &done, "revoked")
        }
        SchedulesCmd::Retry { merchant_uid } => retry(ctx, &merchant_uid).await,
        SchedulesCmd::Reschedule { merchant_uid, at } => {
            let s = ctx.session(ActionKind::MoveMoney)?;
            let when = when(&at)?;
            let preview = schedules::again_preview(&s, &merchant_uid)?;
            confirm::live_money(
                &s.profile,
                ctx.global.yes_live,
                ctx.out.json,
                &format!(
                    "register schedule {merchant_uid} of {} again at {} {}; total {}",
                    preview.schedule.customer_uid,
                    when.date,
                    when.time,
                    won(preview.total)
                ),
                Ask::Yes,
            )?;
            ctx.client(&s).await?;
            reconcile_first(&ctx.out, &s).await?;
            let r = schedules::reschedule(&s, &merchant_uid, &when, Some(preview.total)).await?;
            report(ctx, &[r], "rescheduled")
        }
        SchedulesCmd::List {
            state,
            from,
            to,
            customer,
            pg,
            text,
            limit,
        } => list(ctx, state, from, to, customer, pg, text, limit),
    }
}

/// "YYYY-MM-DD HH:MM" (or with a T) as the form's two fields; the desk checks them.
fn when(at: &str) -> CliResult<When> {
    let at = at.trim();
    let (date, time) = at
        .split_once(' ')
        .or_else(|| at.split_once('T'))
        .ok_or_else(|| {
            CliError::bad_input(
                ErrorCode::InvalidDate,
                format!(
                    "\"{at}\" is not a time: use \"YYYY-MM-DD HH:MM\" (the profile's time zone)"
                ),
            )
        })?;
    Ok(When {
        date: date.trim().to_owned(),
        time: time.trim().to_owned(),
    })
}

async fn add(ctx: &mut Ctx, mut form: ScheduleForm) -> CliResult<Exit> {
    let s = ctx.session(ActionKind::MoveMoney)?;
    // Every problem of the input at once, before the prompt and any request.
    let preview = schedules::schedule_preview(&s, &form)?;
    let who = customer_label(preview.customer_name.as_deref(), &preview.customer_uid);
    confirm::live_money(
        &s.profile,
        ctx.global.yes_live,
        ctx.out.json,
        &format!(
            "schedule {} from {who}, card {} {}: \"{}\" at {} ({}); total {}",
            won(preview.total),
            opt(&preview.card_name),
            opt(&preview.card_number),
            preview.name,
            s.zone.show(preview.schedule_at),
            preview.time_zone,
            won(preview.total)
        ),
        Ask::Yes,
    )?;
    form.confirmed_total = Some(preview.total);
    ctx.client(&s).await?;
    reconcile_first(&ctx.out, &s).await?;
    let r = schedules::register(&s, form).await?;
    report(ctx, &[r], "registered")
}

async fn retry(ctx: &mut Ctx, merchant_uid: &str) -> CliResult<Exit> {
    let s = ctx.session(ActionKind::MoveMoney)?;
    let preview = schedules::again_preview(&s, merchant_uid)?;
    confirm::live_money(
        &s.profile,
        ctx.global.yes_live,
        ctx.out.json,
        &format!(
            "charge schedule {merchant_uid} of {} now; total {}",
            preview.schedule.customer_uid,
            won(preview.total)
        ),
        Ask::Yes,
    )?;
    ctx.client(&s).await?;
    reconcile_first(&ctx.out, &s).await?;
    let r = schedules::retry(&s, merchant_uid, Some(preview.total)).await?;
    let exit = Exit::of_charge(r.status);
    if ctx.out.json {
        ctx.out.json(&r)?;
        return Ok(exit);
    }
    let word = retry_word(r.status, r.replayed);
    fields(&[
        ("retry", word.to_owned()),
        ("amount", won(r.amount)),
        ("reason", opt(&r.fail_reason)),
        ("imp_uid", opt(&r.imp_uid)),
        ("merchant_uid", r.merchant_uid.clone()),
    ]);
    Ok(exit)
}

/// One line per order id; the exit code says whether any is still being checked.
fn report(ctx: &Ctx, done: &[ScheduleOpResult], word: &str) -> CliResult<Exit> {
    let exit = if done.iter().any(|r| r.status == ScheduleOpStatus::Unknown) {
        Exit::Unknown
    } else if done.iter().all(|r| r.status == ScheduleOpStatus::Refused) {
        Exit::Declined
    } else {
        Exit::Ok
    };
    if ctx.out.json {
        ctx.out.json(done)?;
        return Ok(exit);
    }
    for r in done {
        let what = match r.status {
            ScheduleOpStatus::Done => word.to_owned(),
            ScheduleOpStatus::Refused => "refused by i'mport (already executed or revoked)".into(),
            ScheduleOpStatus::Unknown => {
                "checking: the answer was lost; run `subdesk-cli journal reconcile`".into()
            }
        };
        fields(&[("merchant_uid", r.merchant_uid.clone()), ("result", what)]);
    }
    Ok(exit)
}

#[allow(clippy::too_many_arguments)]
fn list(
    ctx: &mut Ctx,
    state: Vec<ScheduleStateArg>,
    from: Option<String>,
    to: Option<String>,
    customer: Option<String>,
    pg: Option<String>,
    text: Option<String>,
    limit: u32,
) -> CliResult<Exit> {
    let s = ctx.session(ActionKind::Read)?;
    let from = from
        .as_deref()
        .map(|d| s.zone.parse(d, false))
        .transpose()?;
    // The end of the day named, exclusive.
    let to = to
        .as_deref()
        .map(|d| s.zone.parse(d, true).map(|t| t + 1))
        .transpose()?;
    let query = ScheduleQuery {
        customer_uid: customer,
        states: state
            .iter()
            .map(|s| match s {
                ScheduleStateArg::Scheduled => ScheduleState::Scheduled,
                ScheduleStateArg::Paid => ScheduleState::Paid,
                ScheduleStateArg::Failed => ScheduleState::Failed,
                ScheduleStateArg::Revoked => ScheduleState::Revoked,
            })
            .collect(),
        from,
        to,
        pg,
        text,
        limit: Some(limit.clamp(1, 500)),
        ..ScheduleQuery::default()
    };
    let page = s.store.list_schedules(&query)?;
    let totals = schedules::totals(&s, &query)?;
    if ctx.out.json {
        ctx.out
            .json(&serde_json::json!({ "items": page.items, "totals": totals }))?;
        return Ok(Exit::Ok);
    }
    if page.items.is_empty() {
        line("no schedules match (run `subdesk-cli sync --schedules` to refresh the mirror)");
        return Ok(Exit::Ok);
    }
    let mut t = Table::new(&[
        "time",
        "state",
        "customer",
        "name",
        ">amount",
        "merchant_uid",
    ]);
    for x in &page.items {
        t.row(vec![
            s.zone.show(x.schedule_at),
            x.state.as_str().to_owned(),
            x.customer_uid.clone(),
            opt(&x.name),
            won(x.amount),
            x.merchant_uid.clone(),
        ]);
    }
    t.print();
    let per_state: Vec<String> = totals
        .by_state
        .iter()
        .filter(|t| t.count > 0)
        .map(|t| format!("{} {} ({})", t.state.as_str(), t.count, won(t.amount)))
        .collect();
    fields(&[
        (
            "total",
            format!("{} schedule(s), {}", totals.count, won(totals.amount)),
        ),
        ("by state", per_state.join(", ")),
    ]);
    if page.next_cursor.is_some() {
        ctx.out.note(&format!(
            "showing the first {}; the totals cover every match",
            page.items.len()
        ));
    }
    Ok(Exit::Ok)
}
