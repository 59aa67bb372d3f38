//! `run csv | plan | resume | report | export`: bulk charge runs. Planning (the default, a dry
//! run) fixes every item's merchant_uid and stores the run; executing charges it; a
//! crash or Ctrl-C leaves it resumable, and each item's journal row decides what is
//! sent again, so a resumed run never charges an item twice.

use serde::Serialize;
use subdesk_billing::{
    ExcludeReason, RunControl, RunOptions, RunPlan, RunProgress, RunReport, execute_run,
    export_csv, plan_csv_run, plan_plan_run,
};
use subdesk_codes::ErrorCode;
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
            // The app's rule for a file a person hands over: size cap, UTF-8 or CP949.
            let csv = subdesk_desk::files::read_csv(&file)?;
            let text = csv.text;
            let label = label.unwrap_or_else(|| {
                file.file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "CSV".into())
            });
            let client = client_if_open(ctx, &s).await?;
            let plan = plan_csv_run(
                &s.store,
                client.as_ref(),
                &label,
                &text,
                &run_options(&opts, name),
            )
            .await?;
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
            let client = client_if_open(ctx, &s).await?;
            let p = plan_plan_run(
                &s.store,
                client.as_ref(),
                &plan,
                subdesk_billing::now(),
                &run_options(&opts, String::new()),
            )
            .await?;
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

/// Planning settles the journal's open rows first (so nobody is left out as "being
/// checked" by a row a crash left behind), which needs i'mport; with nothing open
/// it needs nothing, and a dry run works without credentials.
async fn client_if_open(ctx: &mut Ctx, s: &Session) -> CliResult<Option<subdesk_iamport::Client>> {
    if s.store.journal_open_count()? > 0 {
        Ok(Some(ctx.client(s).await?))
    } else {
        Ok(None)
    }
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

fn run_options(opts: &RunOpts, default_name: String) -> RunOptions {
    let mut o = RunOptions {
        concurrency: opts.concurrency,
        rate_per_sec: opts.rate,
        allow_repeats: opts.allow_repeats,
        repeat_done: opts.repeat_done,
        ..RunOptions::default()
    };
    if !default_name.trim().is_empty() {
        o.default_name = default_name;
    }
    o
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
    let items = s.store.bulk_items(run_id)?;
    let pending: Vec<_> = items
        .iter()
        .filter(|i| i.state != "done" || i.outcome.as_deref() == Some("unknown"))
        .collect();
    let total: i64 = pending.iter().map(|i| i.amount).sum();
    let mut who: Vec<String> = pending
        .iter()
        .take(10)
        .map(|i| format!("  {}  {}  {}", i.customer_uid, won(i.amount), i.name))
        .collect();
    if pending.len() > 10 {
        who.push(format!("  … and {} more", pending.len() - 10));
    }
    confirm::live_money(
        &s.profile,
        ctx.global.yes_live,
        ctx.out.json,
        &format!(
            "run {run_id}: {} charge(s), total {}\n{}",
            pending.len(),
            won(total),
            who.join("\n")
        ),
        Ask::Total(total),
    )?;
    let client = ctx.client(s).await?;
    reconcile_first(&ctx.out, s).await?;
    let control = RunControl::new();
    let stop = control.clone();
    let watcher = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            stop.pause();
        }
    });
    let bar = Bar::items(&ctx.out, pending.len() as u64);
    let progress = |p: &RunProgress| bar.run(p);
    let result = execute_run(&s.store, &client, run_id, &control, &progress).await;
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
