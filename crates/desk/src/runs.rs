//! Bulk runs, as the app and subdesk-cli both run them: a CSV file (or a plan's period)
//! planned into a stored run — the dry run, with who is left out and why — then
//! executed, paused, resumed (also after the process died) or cancelled.
//!
//! The core (`subdesk_billing::money::bulk`) fixes every line's order id at planning and
//! journals every charge, so executing a run again never charges a paid line twice; this
//! layer adds the front ends' rules: the file rule ([`crate::files::read_csv`]), the live
//! confirmation of the exact total still to charge, and reconciliation before any new
//! money moves.

use std::path::Path;

use serde::{Deserialize, Serialize};
use subdesk_billing::{
    ExcludeReason, Excluded, RunControl, RunItem, RunOptions, RunPlan, RunProgress, RunReport,
    RunSummary,
};

use crate::error::{IpcError, IpcResult};
use crate::session::Session;

/// How many lines of what a run would charge are shown beside its total.
pub const SHOWN_LINES: usize = 10;

/// A line a run would charge (the first [`SHOWN_LINES`] of them, beside the total).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PendingLine {
    pub customer_uid: String,
    pub amount: i64,
    pub name: String,
}

/// What starting (or resuming) a run would charge: the lines not finished yet. On live
/// profiles `total` is what the person types to confirm.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RunPending {
    pub count: i64,
    pub total: i64,
    pub first: Vec<PendingLine>,
}

/// The dry run as the new-run dialog shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RunPreview {
    pub plan: RunPlan,
    /// The file's name (CSV runs).
    pub file_name: Option<String>,
    /// The file was decoded from CP949 (Korean Excel's CSV).
    pub was_cp949: bool,
    /// Lines left out because their customer is on an earlier line.
    pub duplicates: i64,
    pub pending: RunPending,
    /// Confirming needs the total typed (a live profile).
    pub live: bool,
}

/// A run in the list: its counts, and whether a process that died left it `running`
/// (then it is resumed by hand).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RunRow {
    pub summary: RunSummary,
    pub interrupted: bool,
}

/// A run's page: its counts, each line with its result, who was left out, and what is
/// left to charge.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RunDetail {
    pub row: RunRow,
    pub items: Vec<RunItem>,
    pub excluded: Vec<Excluded>,
    pub pending: RunPending,
    pub live: bool,
}

/// The choices a person makes for a new run (the rest are the core's defaults).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct RunChoices {
    /// Order name for lines without one (empty: the core's default).
    pub default_name: String,
    /// Charge a customer once per line when they are on several lines.
    pub allow_repeats: bool,
    /// Plan again content whose run finished (a new run, new order ids).
    pub repeat_done: bool,
    /// Charges in flight at once (None: the core's default).
    pub concurrency: Option<u32>,
    /// Requests per second at most, 0 unlimited (None: the core's default).
    pub rate_per_sec: Option<f64>,
}

impl RunChoices {
    pub fn options(&self) -> RunOptions {
        let mut o = RunOptions {
            allow_repeats: self.allow_repeats,
            repeat_done: self.repeat_done,
            ..RunOptions::default()
        };
        if let Some(c) = self.concurrency {
            o.concurrency = c;
        }
        if let Some(r) = self.rate_per_sec {
            o.rate_per_sec = r;
        }
        if !self.default_name.trim().is_empty() {
            o.default_name = self.default_name.trim().to_string();
        }
        o
    }
}

fn lease_name(run_id: &str) -> String {
    format!("run:{run_id}")
}

fn row(session: &Session, summary: RunSummary) -> IpcResult<RunRow> {
    let interrupted = summary.info.state == "running"
        && !subdesk_billing::store::lease::is_held(
            &session.store,
            &lease_name(&summary.info.run_id),
        )?;
    Ok(RunRow {
        summary,
        interrupted,
    })
}

/// Every run, newest first.
pub fn list(session: &Session) -> IpcResult<Vec<RunRow>> {
    session
        .store
        .bulk_runs()?
        .into_iter()
        .map(|s| row(session, s))
        .collect()
}

/// One run's page.
pub fn detail(session: &Session, run_id: &str) -> IpcResult<RunDetail> {
    let summary = session.store.bulk_summary(run_id)?;
    Ok(RunDetail {
        row: row(session, summary)?,
        items: session.store.bulk_items(run_id)?,
        excluded: session.store.bulk_excluded(run_id)?,
        pending: pending(session, run_id)?,
        live: session.profile.mode == subdesk_profiles::Mode::Live,
    })
}

/// What executing the run now would charge: lines not done, and lines still being
/// checked (they are looked up first, and charged only if i'mport has nothing).
pub fn pending(session: &Session, run_id: &str) -> IpcResult<RunPending> {
    let items = session.store.bulk_items(run_id)?;
    let open: Vec<&RunItem> = items
        .iter()
        .filter(|i| i.state != "done" || i.outcome.as_deref() == Some("unknown"))
        .collect();
    let total = open.iter().try_fold(0i64, |t, i| t.checked_add(i.amount));
    Ok(RunPending {
        count: open.len() as i64,
        total: total.ok_or_else(|| IpcError::internal("the run's total does not fit"))?,
        first: open
            .iter()
            .take(SHOWN_LINES)
            .map(|i| PendingLine {
                customer_uid: i.customer_uid.clone(),
                amount: i.amount,
                name: i.name.clone(),
            })
            .collect(),
    })
}

/// Planning settles the journal's open rows first (nobody is left out as "being
/// checked" by a row a crash left behind), which needs i'mport; with nothing open it
/// needs nothing, so a dry run works without credentials.
fn planning_client(session: &Session) -> IpcResult<Option<&subdesk_iamport::Client>> {
    if session.store.journal_open_count()? > 0 {
        Ok(Some(session.client()?))
    } else {
        Ok(None)
    }
}

fn preview(
    session: &Session,
    plan: RunPlan,
    file_name: Option<String>,
    was_cp949: bool,
) -> IpcResult<RunPreview> {
    let duplicates = plan
        .excluded
        .iter()
        .filter(|e| e.reason == ExcludeReason::DuplicateCustomer)
        .count() as i64;
    let pending = pending(session, &plan.run_id)?;
    Ok(RunPreview {
        plan,
        file_name,
        was_cp949,
        duplicates,
        pending,
        live: session.profile.mode == subdesk_profiles::Mode::Live,
    })
}

/// The dry run of CSV text (`customer_uid,amount[,name]`): stored as a `ready` run (or
/// the unfinished run of the same content), nothing sent.
pub async fn plan_csv_text(
    session: &Session,
    label: &str,
    text: &str,
    choices: &RunChoices,
) -> IpcResult<RunPreview> {
    crate::files::check_text_size(text)?;
    let client = planning_client(session)?;
    let plan =
        subdesk_billing::plan_csv_run(&session.store, client, label, text, &choices.options())
            .await?;
    preview(session, plan, None, false)
}

/// The dry run of a CSV file a person chose, read by the one file rule (size cap,
/// UTF-8 or CP949); the run is labelled `label`, or with the file's name.
pub async fn plan_csv_file(
    session: &Session,
    path: &Path,
    label: Option<&str>,
    choices: &RunChoices,
) -> IpcResult<RunPreview> {
    let file = crate::files::read_csv(path)?;
    let client = planning_client(session)?;
    let label = match label {
        Some(l) if !l.trim().is_empty() => l.trim().to_string(),
        _ if file.name.is_empty() => "CSV".to_string(),
        _ => file.name.clone(),
    };
    let plan = subdesk_billing::plan_csv_run(
        &session.store,
        client,
        &label,
        &file.text,
        &choices.options(),
    )
    .await?;
    preview(session, plan, Some(file.name), file.was_cp949)
}

/// The dry run of "everyone on `plan_code` due this period" (the latest period due at
/// or before `now`, the profile's time).
pub async fn plan_plan(
    session: &Session,
    plan_code: &str,
    now: i64,
    choices: &RunChoices,
) -> IpcResult<RunPreview> {
    let client = planning_client(session)?;
    let plan =
        subdesk_billing::plan_plan_run(&session.store, client, plan_code, now, &choices.options())
            .await?;
    preview(session, plan, None, false)
}

fn refuse_finished(session: &Session, run_id: &str, action: &'static str) -> IpcResult<()> {
    let info = session.store.bulk_run(run_id)?;
    if matches!(info.state.as_str(), "completed" | "cancelled") {
        return Err(subdesk_billing::Error::RunState {
            run_id: run_id.to_string(),
            state: info.state,
            action,
        }
        .into());
    }
    Ok(())
}

/// Checks a run may start now: not finished, and on live profiles `confirmed_total` is
/// exactly what is left to charge. Called before [`execute`] by a front end that runs
/// it in the background, so that a refusal comes back at once.
pub fn check_start(
    session: &Session,
    run_id: &str,
    confirmed_total: Option<i64>,
) -> IpcResult<RunPending> {
    refuse_finished(session, run_id, "execute")?;
    let pending = pending(session, run_id)?;
    crate::money::check_live_confirmation(session, pending.total, confirmed_total)?;
    Ok(pending)
}

/// Executes (or resumes) a run: the start checks, reconciliation first, then the core's
/// execution, which returns when every line is done, or `control` paused or cancelled
/// it. A line whose charge may have happened is looked up, never sent blindly again.
pub async fn execute(
    session: &Session,
    run_id: &str,
    confirmed_total: Option<i64>,
    control: &RunControl,
    on_progress: &(dyn Fn(&RunProgress) + Send + Sync),
) -> IpcResult<RunReport> {
    check_start(session, run_id, confirmed_total)?;
    session.ensure_reconciled().await?;
    Ok(subdesk_billing::execute_run(
        &session.store,
        session.client()?,
        run_id,
        control,
        on_progress,
    )
    .await?)
}

/// Cancels a run nobody is executing (ready, paused, or left running by a process that
/// died): lines not sent are closed as not executed; lines being checked stay until
/// their lookup. A run being executed is cancelled through its [`RunControl`] instead.
pub async fn cancel_idle(session: &Session, run_id: &str) -> IpcResult<RunReport> {
    refuse_finished(session, run_id, "cancel")?;
    let control = RunControl::new();
    control.cancel();
    Ok(
        subdesk_billing::execute_run(&session.store, session.client()?, run_id, &control, &|_| {})
            .await?,
    )
}
