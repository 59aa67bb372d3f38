//! `run csv | plan | resume | report | export`: bulk charge runs. Planning (the default, a dry
//! run) fixes every item's merchant_uid and stores the run; executing charges it; a
//! crash or Ctrl-C leaves it resumable, and each item's journal row decides what is
//! sent again, so a resumed run never charges an item twice.

use serde::Serialize;
use subdesk_billing::{ExcludeReason, RunControl, RunPlan, RunProgress, RunReport, export_csv};
use subdesk_codes::ErrorCode;
use subdesk_desk::runs::{self, RunChoices};
use subdesk_profiles::ActionKind;

use crate::args::{RunCmd, RunOpts};
use crate::commands::export;
use crate::commands::money::reconcile_first;
use crate::confirm::{self, Ask};
use crate::context::{Ctx, Session};
use crate::error::{CliError, CliResult, Exit};
use crate::output::{Table, line, won};
use crate::progress::Bar;

pub async fn run(ctx: &mut Ctx, cmd: RunCmd) -> CliResult<Exit> {
    match cmd {
        RunCmd::Csv {
            file,
            label,
            name,
            good_only,
            opts,
        } => {
            let s = ctx.session(kind(&opts))?;
            warm_client_if_open(ctx, &s).await?;
            // The app's own dry run: the file rule (size cap, UTF-8 or CP949), the plan.
            let plan = runs::plan_csv_file(&s, &file, label.as_deref(), &choices(&opts, name))
                .await?
                .plan;
            let bad = plan
                .excluded
                .iter()
                .filter(|e| e.reason == ExcludeReason::BadRow)
                .count();
            if opts.execute && bad > 0 && !good_only {
                show_plan(ctx, &plan, false)?;
                return Err(CliError::bad_input(
                    ErrorCode::RunBadRows,
                    format!(
                        "{bad} CSV row(s) could not be read; nothing was charged. Fix them, or pass --good-only (run {} is planned and can be started with `run resume`)",
                        plan.run_id
                    ),
                ));
            }
            finish_plan(ctx, &s, plan, opts.execute).await
        }
        RunCmd::Plan { plan, opts } => {
            let s = ctx.session(kind(&opts))?;
            warm_client_if_open(ctx, &s).await?;
            let p = runs::plan_plan(
                &s,
                &plan,
                subdesk_billing::now(),
                &choices(&opts, String::new()),
            )
            .await?
            .plan;
            finish_plan(ctx, &s, p, opts.execute).await
        }
        RunCmd::Resume { id } => {
            let s = ctx.session(ActionKind::MoveMoney)?;
            let info = s.store.bulk_run(&id)?;
            // Said before any confirmation or lookup: there is nothing left to charge.
            if matches!(info.state.as_str(), "completed" | "cancelled") {
                return Err(subdesk_billing::Error::RunState {
                    run_id: id,
                    state: info.state,
                    action: "resume",
                }
                .into());
            }
            let report = execute(ctx, &s, &id).await?;
            if ctx.out.json {
                ctx.out.json(&Execution {
                    plan: None,
                    report: &report,
                })?;
            }
            Ok(exit_of(&report))
        }
        RunCmd::Export { id, export } => {
            let s = ctx.session(ActionKind::Read)?;
            let request = export::request(
                subdesk_desk::exports::ExportList::RunItems { run_id: id },
                &export,
            );
            export::write(ctx, &s, request, &export.out).await
        }
        RunCmd::Report { id, out } => {
            let s = ctx.session(ActionKind::Read)?;
            s.store.bulk_run(&id)?;
            let csv = export_csv(&s.store, &id)?;
            match out {
                Some(path) => {
                    std::fs::write(&path, csv.as_bytes()).map_err(|e| {
                        CliError::io(&format!("cannot write {}", path.display()), e)
                    })?;
                    ctx.out
                        .note(&format!("report written to {}", path.display()));
                }
                None => {
                    use std::io::Write;
                    let mut o = std::io::stdout().lock();
                    let _ = o.write_all(csv.as_bytes());
                }
            }
            Ok(Exit::Ok)
        }
    }
}

/// Planning settles the journal's open rows first, which needs i'mport: the client is
/// made here first (off the async threads, with the sandbox advice) when it will be.
async fn warm_client_if_open(ctx: &mut Ctx, s: &Session) -> CliResult<()> {
    if s.store.journal_open_count()? > 0 {
        ctx.client(s).await?;
    }
    Ok(())
}

/// A dry run only plans: it writes the run locally and sends nothing, so it is a read
/// (finance staff may preview a run). Executing moves money.
fn kind(opts: &RunOpts) -> ActionKind {
    if opts.execute {
        ActionKind::MoveMoney
    } else {
        ActionKind::Read
    }
}

fn choices(opts: &RunOpts, default_name: String) -> RunChoices {
    RunChoices {
        default_name,
        allow_repeats: opts.allow_repeats,
        repeat_done: opts.repeat_done,
        concurrency: Some(opts.concurrency),
        rate_per_sec: Some(opts.rate),
    }
}

#[derive(Serialize)]
struct Execution<'a> {
    plan: Option<&'a RunPlan>,
    report: &'a RunReport,
}

async fn finish_plan(
    ctx: &mut Ctx,
    s: &Session,
    plan: RunPlan,
    execute_now: bool,
) -> CliResult<Exit> {
    if !execute_now {
        show_plan(ctx, &plan, true)?;
        return Ok(Exit::Ok);
    }
    if !ctx.out.json {
        show_plan(ctx, &plan, false)?;
    }
    let report = execute(ctx, s, &plan.run_id).await?;
    if ctx.out.json {
        ctx.out.json(&Execution {
            plan: Some(&plan),
            report: &report,
        })?;
    }
    Ok(exit_of(&report))
}

fn show_plan(ctx: &Ctx, plan: &RunPlan, dry: bool) -> CliResult<()> {
    if ctx.out.json {
        if dry {
            ctx.out.json(plan)?;
        }
        return Ok(());
    }
    line(&format!("run {}  \"{}\"", plan.run_id, plan.label));
    if plan.resumed {
        line(
            "this content was planned before and is not finished: this is that run, resumed (lines already paid are not charged again)",
        );
    }
    line(&format!(
        "{} charge(s), total {} (VAT {})",
        plan.count,
        won(plan.total),
        won(plan.vat)
    ));
    if !plan.excluded.is_empty() {
        line("left out:");
        let mut t = Table::new(&[">line", "customer_uid", "reason", "detail"]);
        for e in &plan.excluded {
            t.row(vec![
                e.line.to_string(),
                e.customer_uid.clone().unwrap_or_default(),
                serde_json::to_value(e.reason)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                e.detail.clone(),
            ]);
        }
        t.print();
    }
    if dry {
        line(&format!(
            "dry run: nothing was charged. To charge: subdesk-cli run resume {}",
            plan.run_id
        ));
    }
    Ok(())
}

/// Confirms on LIVE (the user types the total), reconciles, then charges with a
/// progress bar. Ctrl-C pauses: items in flight finish, `run resume` goes on.
async fn execute(ctx: &mut Ctx, s: &Session, run_id: &str) -> CliResult<RunReport> {
    // What is left to charge, as the app's confirmation shows it (the desk's figure).
    let pending = runs::pending(s, run_id)?;
    let mut who: Vec<String> = pending
        .first
        .iter()
        .map(|i| format!("  {}  {}  {}", i.customer_uid, won(i.amount), i.name))
        .collect();
    if pending.count > pending.first.len() as i64 {
        who.push(format!(
            "  … and {} more",
            pending.count - pending.first.len() as i64
        ));
    }
    confirm::live_money(
        &s.profile,
        ctx.global.yes_live,
        ctx.out.json,
        &format!(
            "run {run_id}: {} charge(s), total {}\n{}",
            pending.count,
            won(pending.total),
            who.join("\n")
        ),
        Ask::Total(pending.total),
    )?;
    ctx.client(s).await?;
    reconcile_first(&ctx.out, s).await?;
    let control = RunControl::new();
    let stop = control.clone();
    let watcher = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            stop.pause();
        }
    });
    let bar = Bar::items(&ctx.out, pending.count as u64);
    let progress = |p: &RunProgress| bar.run(p);
    // Confirmed above (or not live): the desk checks the same total again.
    let result = runs::execute(s, run_id, Some(pending.total), &control, &progress).await;
    bar.finish();
    watcher.abort();
    let report = result?;
    if !ctx.out.json {
        let p = &report.progress;
        line(&format!(
            "run {}: {} — paid {} ({}), declined {}, refused {}, checking {}",
            report.run_id,
            report.state,
            p.paid,
            won(p.amount_paid),
            p.declined,
            p.rejected,
            p.unknown
        ));
        if report.state != "completed" || p.unknown > 0 {
            line(&format!(
                "resume with: subdesk-cli run resume {}",
                report.run_id
            ));
        }
        line(&format!(
            "per-item report: subdesk-cli run report {}",
            report.run_id
        ));
    }
    Ok(report)
}

/// Checking beats declined: a lost answer must never read as a plain decline.
fn exit_of(r: &RunReport) -> Exit {
    if r.progress.unknown > 0 {
        Exit::Unknown
    } else if r.progress.declined > 0 || r.progress.rejected > 0 {
        Exit::Declined
    } else if r.state != "completed" {
        Exit::Other
    } else {
        Exit::Ok
    }
}
