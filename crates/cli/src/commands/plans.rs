//! `plans list | show | create | archive | run`, `subscribe`, `unsubscribe`: subdesk-desk's
//! plans, the same the app runs (every problem of the input at once, the live
//! confirmation of the amount per period, the plan engine with its one-runner lease),
//! with the terminal's prompt and output. Times are the profile's: the sandbox's clock
//! on the sandbox profile.

use subdesk_billing::{DunningEnd, EngineReport, Interval, PlanSummary};
use subdesk_codes::ErrorCode;
use subdesk_desk::plans::{self, CancelWhen, IntervalChoice, PlanForm, SubscribeForm};
use subdesk_profiles::{ActionKind, Mode};

use crate::args::{DunningEndArg, IntervalArg, PlansCmd};
use crate::commands::money::reconcile_first;
use crate::confirm::{self, Ask};
use crate::context::{Ctx, Session};
use crate::error::{CliError, CliResult, Exit};
use crate::output::{Table, customer_label, fields, line, opt, won};

pub async fn run(ctx: &mut Ctx, cmd: PlansCmd) -> CliResult<Exit> {
    match cmd {
        PlansCmd::List => {
            let s = ctx.session(ActionKind::Read)?;
            let now = now_of(ctx, &s).await?;
            let list = plans::list(&s, now)?;
            if ctx.out.json {
                ctx.out.json(&list)?;
                return Ok(Exit::Ok);
            }
            if list.is_empty() {
                line("no plans yet: create one with `subdesk-cli plans create`");
                return Ok(Exit::Ok);
            }
            let mut t = Table::new(&[
                "code",
                "name",
                "interval",
                ">amount",
                ">subscribers",
                ">mrr",
                "next run",
            ]);
            for p in &list {
                t.row(vec![
                    p.plan.code.clone(),
                    format!(
                        "{}{}",
                        p.plan.name,
                        if p.plan.archived_at.is_some() {
                            " (archived)"
                        } else {
                            ""
                        }
                    ),
                    interval_text(&p.plan.interval),
                    won(p.plan.amount),
                    p.subscribers.to_string(),
                    won(p.mrr),
                    next_run(&s, p),
                ]);
            }
            t.print();
            Ok(Exit::Ok)
        }
        PlansCmd::Show { code } => {
            let s = ctx.session(ActionKind::Read)?;
            let now = now_of(ctx, &s).await?;
            let d = plans::detail(&s, &code, now)?;
            if ctx.out.json {
                ctx.out.json(&d)?;
                return Ok(Exit::Ok);
            }
            let p = &d.summary.plan;
            fields(&[
                ("code", p.code.clone()),
                ("name", p.name.clone()),
                ("amount", won(p.amount)),
                ("tax-free", won(p.tax_free)),
                ("interval", interval_text(&p.interval)),
                ("start", s.zone.show(p.start_at)),
                ("retries", ladder_text(&p.dunning)),
                (
                    "first charge",
                    if p.first_charge {
                        "on subscribing"
                    } else {
                        "no"
                    }
                    .into(),
                ),
                (
                    "archived",
                    if p.archived_at.is_some() { "yes" } else { "no" }.into(),
                ),
                (
                    "subscribers",
                    format!("{} ({} paused)", d.summary.subscribers, d.summary.paused),
                ),
                ("mrr", won(d.summary.mrr)),
                ("next run", next_run(&s, &d.summary)),
            ]);
            if !d.subscribers.is_empty() {
                let mut t = Table::new(&["customer", "status", ">amount", "next charge", "last"]);
                for v in &d.subscribers {
                    let sub = &v.subscription;
                    let status = if sub.status != "active" {
                        "cancelled".to_owned()
                    } else if sub.paused_at.is_some() {
                        "paused".to_owned()
                    } else if let Some(at) = sub.cancel_at {
                        format!("ends {}", s.zone.show(at))
                    } else {
                        "active".to_owned()
                    };
                    t.row(vec![
                        customer_label(v.customer_name.as_deref(), &sub.customer_uid),
                        status,
                        won(v.amount),
                        s.zone.show_opt(v.next_charge_at),
                        v.periods
                            .first()
                            .map(|p| format!("{} {}", p.record.label, p.record.state))
                            .unwrap_or_else(|| "—".into()),
                    ]);
                }
                t.print();
            }
            Ok(Exit::Ok)
        }
        PlansCmd::Create {
            code,
            name,
            amount,
            tax_free,
            interval,
            day,
            every,
            start,
            ladder,
            dunning_end,
            first_charge,
        } => {
            let s = ctx.session(ActionKind::Mutate)?;
            let (date, time) = start
                .trim()
                .split_once(' ')
                .or_else(|| start.trim().split_once('T'))
                .ok_or_else(|| {
                    CliError::bad_input(
                        ErrorCode::InvalidDate,
                        format!("\"{start}\" is not a time: use \"YYYY-MM-DD HH:MM\" (the profile's time zone)"),
                    )
                })?;
            let form = PlanForm {
                code,
                name,
                amount,
                tax_free,
                interval: match interval {
                    IntervalArg::Monthly => IntervalChoice::Monthly,
                    IntervalArg::MonthEnd => IntervalChoice::MonthEnd,
                    IntervalArg::EveryDays => IntervalChoice::EveryDays,
                    IntervalArg::EveryWeeks => IntervalChoice::EveryWeeks,
                    IntervalArg::Yearly => IntervalChoice::Yearly,
                },
                day,
                every,
                start: subdesk_desk::schedules::When {
                    date: date.trim().to_owned(),
                    time: time.trim().to_owned(),
                },
                ladder: match ladder {
                    None => plans::rules().default_dunning.ladder,
                    Some(l) => parse_ladder(&l)?,
                },
                dunning_end: match dunning_end {
                    DunningEndArg::Keep => DunningEnd::Keep,
                    DunningEndArg::Pause => DunningEnd::Pause,
                    DunningEndArg::Cancel => DunningEnd::Cancel,
                },
                first_charge,
            };
            let now = now_of(ctx, &s).await?;
            let plan = plans::create(&s, &form, now)?;
            if ctx.out.json {
                ctx.out.json(&plan)?;
                return Ok(Exit::Ok);
            }
            fields(&[
                ("created", plan.code.clone()),
                ("interval", interval_text(&plan.interval)),
                ("amount", won(plan.amount)),
                (
                    "first period",
                    s.zone.show_opt(plan.period(0).map(|p| p.due_at)),
                ),
            ]);
            Ok(Exit::Ok)
        }
        PlansCmd::Archive { code, undo } => {
            let s = ctx.session(ActionKind::Mutate)?;
            let plan = plans::archive(&s, &code, !undo)?;
            if ctx.out.json {
                ctx.out.json(&plan)?;
            } else {
                line(&format!(
                    "{} {}",
                    plan.code,
                    if undo {
                        "is open again"
                    } else {
                        "archived: nobody new can subscribe"
                    }
                ));
            }
            Ok(Exit::Ok)
        }
        PlansCmd::Run => {
            let s = ctx.session(ActionKind::MoveMoney)?;
            ctx.client(&s).await?;
            reconcile_first(&ctx.out, &s).await?;
            let now = now_of(ctx, &s).await?;
            let r = plans::run(&s, now).await?;
            report(ctx, &r)
        }
    }
}

/// The profile's time: the sandbox's clock on the sandbox profile (moved forward to
/// practise), the real time elsewhere.
async fn now_of(ctx: &Ctx, s: &Session) -> CliResult<i64> {
    if s.profile.mode != Mode::Sandbox {
        return Ok(subdesk_billing::now());
    }
    let base = ctx.base_url(&s.profile)?;
    let unavailable = |e: String| {
        CliError::other(
            ErrorCode::SandboxUnavailable,
            format!("the sandbox's clock could not be read: {e}"),
        )
    };
    let v: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/__sandbox/clock", base.trim_end_matches('/')))
        .send()
        .await
        .map_err(|e| unavailable(e.to_string()))?
        .json()
        .await
        .map_err(|e| unavailable(e.to_string()))?;
    let v = v.get("response").unwrap_or(&v);
    v["now"]
        .as_i64()
        .ok_or_else(|| unavailable("no time in its answer".into()))
}

/// "1,3,5,7" as days; the form checks their range and order.
fn parse_ladder(text: &str) -> Result<Vec<u32>, CliError> {
    text.split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| {
            d.parse::<u32>().map_err(|_| {
                CliError::bad_input(
                    ErrorCode::InvalidInput,
                    format!("--ladder: \"{d}\" is not a number of days (e.g. \"1,3,5,7\")"),
                )
            })
        })
        .collect()
}

fn ladder_text(d: &subdesk_billing::DunningPolicy) -> String {
    let end = match d.end {
        DunningEnd::Keep => "then the next period",
        DunningEnd::Pause => "then paused",
        DunningEnd::Cancel => "then cancelled",
    };
    if d.ladder.is_empty() {
        return format!("none, {end}");
    }
    let days: Vec<String> = d.ladder.iter().map(u32::to_string).collect();
    format!("after {} days, {end}", days.join(", "))
}

fn interval_text(i: &Interval) -> String {
    match *i {
        Interval::Yearly { month, day } => format!("yearly, {month:02}-{day:02}"),
        Interval::Monthly { day } if day > 28 => "monthly, last day".into(),
        Interval::Monthly { day } => format!("monthly, day {day}"),
        Interval::EveryDays { days } if days % 7 == 0 => format!("every {} weeks", days / 7),
        Interval::EveryDays { days } => format!("every {days} days"),
    }
}

fn next_run(s: &Session, p: &PlanSummary) -> String {
    match p.next_run_at {
        Some(at) => format!(
            "{} ({} × {})",
            s.zone.show(at),
            p.next_run_count,
            won(p.next_run_total)
        ),
        None => "—".into(),
    }
}

fn report(ctx: &Ctx, r: &EngineReport) -> CliResult<Exit> {
    let exit = if r.deferred.is_empty() {
        Exit::Ok
    } else {
        Exit::Unknown
    };
    if ctx.out.json {
        ctx.out.json(r)?;
        return Ok(exit);
    }
    fields(&[
        (
            "registered",
            format!("{} (already there: {})", r.registered, r.already_registered),
        ),
        ("paid", r.paid.to_string()),
        ("failed", r.failed.to_string()),
        (
            "retries",
            format!("{} ({} paid)", r.retries, r.retries_paid),
        ),
        ("written off", r.written_off.to_string()),
        ("cancelled", r.cancelled.to_string()),
    ]);
    for (m, code) in &r.deferred {
        fields(&[("deferred", format!("{m}: {code}"))]);
    }
    Ok(exit)
}

pub async fn subscribe(
    ctx: &mut Ctx,
    plan: String,
    uid: String,
    start: Option<String>,
    amount: Option<i64>,
) -> CliResult<Exit> {
    let s = ctx.session(ActionKind::MoveMoney)?;
    let now = now_of(ctx, &s).await?;
    let mut form = SubscribeForm {
        plan_code: plan,
        customer_uid: uid,
        start_date: start.unwrap_or_default(),
        amount,
        confirmed_total: None,
    };
    // Every problem of the input at once, before the prompt.
    let preview = plans::subscribe_preview(&s, &form, now)?;
    let who = customer_label(preview.customer_name.as_deref(), &preview.customer_uid);
    confirm::live_money(
        &s.profile,
        ctx.global.yes_live,
        ctx.out.json,
        &format!(
            "subscribe {who} to \"{}\": {} every period from {}; total per period {}",
            preview.plan_name,
            won(preview.total),
            s.zone.show_opt(preview.first_charge_at),
            won(preview.total)
        ),
        Ask::Yes,
    )?;
    form.confirmed_total = Some(preview.total);
    let done = plans::subscribe(&s, &form, now).await?;
    if ctx.out.json {
        ctx.out.json(&done)?;
        return Ok(Exit::Ok);
    }
    let sub = &done.subscription;
    fields(&[
        ("subscribed", format!("#{} {who}", sub.id)),
        ("plan", preview.plan_name),
        ("per period", won(preview.total)),
        ("first charge", s.zone.show_opt(preview.first_charge_at)),
        (
            "charged now",
            match &done.first_charge {
                Some(f) => match &f.charge.fail_reason {
                    Some(r) => format!("{} {} ({r})", f.label, f.state),
                    None => format!("{} {}", f.label, f.state),
                },
                None => "no (the plan charges at each period)".into(),
            },
        ),
        (
            "next",
            "`subdesk-cli plans run` (or the app) registers its periods".into(),
        ),
    ]);
    Ok(Exit::Ok)
}

/// `subscribe-csv`: the desk's preview (who is subscribed, who is left out and why), the
/// live confirmation of the total per period, then the subscriptions.
pub async fn subscribe_csv(
    ctx: &mut Ctx,
    plan: String,
    file: &std::path::Path,
    start: Option<String>,
    dry_run: bool,
) -> CliResult<Exit> {
    let s = ctx.session(if dry_run {
        ActionKind::Read
    } else {
        ActionKind::MoveMoney
    })?;
    let now = now_of(ctx, &s).await?;
    let mut form = plans::SubscribeManyForm {
        plan_code: plan,
        start_date: start.unwrap_or_default(),
        ..Default::default()
    };
    let preview = plans::subscribe_csv_preview(&s, &form, file, now)?;
    let show = |p: &plans::SubscribeManyPreview| {
        let mut t = Table::new(&["line", "customer", ">per period", "result"]);
        for r in &p.rows {
            t.row(vec![
                r.line.map_or_else(String::new, |l| l.to_string()),
                customer_label(r.customer_name.as_deref(), &r.customer_uid),
                won(r.amount),
                match r.left_out {
                    None => "subscribed".into(),
                    Some(why) => format!(
                        "left out: {}",
                        serde_json::to_value(why)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_owned))
                            .unwrap_or_default()
                    ),
                },
            ]);
        }
        t.print();
    };
    if dry_run {
        if ctx.out.json {
            ctx.out.json(&preview)?;
        } else {
            show(&preview);
            line(&format!(
                "{} to subscribe, {} left out, {} per period (dry run: nothing written)",
                preview.subscribed,
                preview.left_out,
                won(preview.total)
            ));
        }
        return Ok(Exit::Ok);
    }
    confirm::live_money(
        &s.profile,
        ctx.global.yes_live,
        ctx.out.json,
        &format!(
            "subscribe {} customers to \"{}\"; total per period {}",
            preview.subscribed,
            preview.plan_name,
            won(preview.total)
        ),
        Ask::Yes,
    )?;
    form.confirmed_total = Some(preview.total);
    let report = plans::subscribe_csv(&s, &form, file, now).await?;
    if ctx.out.json {
        ctx.out.json(&report)?;
        return Ok(Exit::Ok);
    }
    show(&report.preview);
    line(&format!(
        "{} subscribed, {} left out, {} failed",
        report.subscribed.len(),
        report.preview.left_out,
        report.failed.len()
    ));
    Ok(Exit::Ok)
}

pub async fn unsubscribe(
    ctx: &mut Ctx,
    plan: &str,
    uid: &str,
    at_period_end: bool,
) -> CliResult<Exit> {
    let s = ctx.session(ActionKind::MoveMoney)?;
    let sub = s
        .store
        .customer_subscriptions(uid)?
        .into_iter()
        .find(|x| x.plan_code == plan && x.status == "active")
        .ok_or_else(|| {
            CliError::bad_input(
                ErrorCode::NotFound,
                format!("{uid} has no active subscription to {plan}"),
            )
        })?;
    ctx.client(&s).await?;
    reconcile_first(&ctx.out, &s).await?;
    let now = now_of(ctx, &s).await?;
    let when = if at_period_end {
        CancelWhen::PeriodEnd
    } else {
        CancelWhen::Now
    };
    let c = plans::cancel(&s, sub.id, when, now).await?;
    let exit = if c.pending.is_empty() {
        Exit::Ok
    } else {
        Exit::Unknown
    };
    if ctx.out.json {
        ctx.out.json(&c)?;
        return Ok(exit);
    }
    fields(&[
        (
            "subscription",
            match c.subscription.cancel_at {
                Some(at) if c.subscription.status == "active" => {
                    format!("ends {}", s.zone.show(at))
                }
                _ => "cancelled".into(),
            },
        ),
        ("revoked", c.revoked.len().to_string()),
        (
            "still checking",
            opt(&(!c.pending.is_empty()).then(|| c.pending.join(", "))),
        ),
    ]);
    Ok(exit)
}
