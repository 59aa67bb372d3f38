//! Bulk runs: adapters over subdesk-desk's `runs`, which the CLI runs too. The dry run
//! is stored in the profile's database (the webview names a run by its id, never sends
//! lines back); execution runs in the background here, one task per run, with pause and
//! cancel through its control; the page polls the run's lines from the database.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::Serialize;
use specta::Type;
use subdesk_billing::{RunControl, RunReport};
use subdesk_desk::runs::{self, RunChoices, RunDetail, RunPreview, RunRow};
use subdesk_profiles::ActionKind;
use tauri::{AppHandle, Manager, Runtime, State};

use super::with_session;
use crate::error::{IpcError, IpcResult};
use crate::state::AppState;

/// A run this app is executing, and the last execution's error per run.
#[derive(Default)]
pub struct Runs {
    active: Mutex<HashMap<String, RunControl>>,
    errors: Mutex<HashMap<String, IpcError>>,
}

impl Runs {
    fn control(&self, run_id: &str) -> Option<RunControl> {
        self.active.lock().ok()?.get(run_id).cloned()
    }

    fn is_active(&self, run_id: &str) -> bool {
        self.control(run_id).is_some()
    }

    fn error(&self, run_id: &str) -> Option<IpcError> {
        self.errors.lock().ok()?.get(run_id).cloned()
    }

    /// Registers a new execution; false when one runs already.
    fn begin(&self, run_id: &str, control: RunControl) -> bool {
        let Ok(mut active) = self.active.lock() else {
            return false;
        };
        if active.contains_key(run_id) {
            return false;
        }
        active.insert(run_id.to_string(), control);
        if let Ok(mut errors) = self.errors.lock() {
            errors.remove(run_id);
        }
        true
    }

    fn end(&self, run_id: &str, result: &IpcResult<RunReport>) {
        if let Ok(mut active) = self.active.lock() {
            active.remove(run_id);
        }
        if let (Err(e), Ok(mut errors)) = (result, self.errors.lock()) {
            errors.insert(run_id.to_string(), e.clone());
        }
    }
}

/// A run's page as the app shows it: the desk's detail, whether this app is executing
/// it now, and why its last execution here stopped, if it failed.
#[derive(Debug, Clone, Serialize, Type)]
pub struct RunPage {
    pub detail: RunDetail,
    pub running_here: bool,
    pub error: Option<IpcError>,
}

/// Every run, newest first, with its counts.
#[tauri::command]
#[specta::specta]
pub async fn list_runs(state: State<'_, AppState>) -> IpcResult<Vec<RunRow>> {
    with_session(&state, runs::list).await
}

/// A run's page: its lines with their results, who was left out, what is left to charge.
#[tauri::command]
#[specta::specta]
pub async fn run_detail(state: State<'_, AppState>, run_id: String) -> IpcResult<RunPage> {
    let id = run_id.clone();
    let detail = with_session(&state, move |s| runs::detail(s, &id)).await?;
    Ok(RunPage {
        detail,
        running_here: state.runs.is_active(&run_id),
        error: state.runs.error(&run_id),
    })
}

/// Opens the file dialog and makes the dry run of the chosen CSV (stored as a ready
/// run, nothing sent). None when the person closed the dialog.
#[tauri::command]
#[specta::specta]
pub async fn pick_run_file<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    choices: RunChoices,
) -> IpcResult<Option<RunPreview>> {
    let session = state.desk.session_for(ActionKind::Read)?;
    let Some(path) = crate::dialogs::pick_csv(&app).await? else {
        return Ok(None);
    };
    runs::plan_csv_file(&session, &path, None, &choices)
        .await
        .map(Some)
}

/// The dry run of a plan's period due now (everyone subscribed and not charged yet).
#[tauri::command]
#[specta::specta]
pub async fn plan_run_for_plan(
    state: State<'_, AppState>,
    plan_code: String,
    choices: RunChoices,
) -> IpcResult<RunPreview> {
    let now = super::plans::profile_now(&state);
    let session = state.desk.session_for(ActionKind::Read)?;
    runs::plan_plan(&session, &plan_code, now, &choices).await
}

/// Starts (or resumes) a run in the background: checked first (not finished; on live
/// profiles `confirmed_total` is what is left to charge), so a refusal comes back here.
#[tauri::command]
#[specta::specta]
pub async fn start_run<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    run_id: String,
    confirmed_total: Option<i64>,
) -> IpcResult<()> {
    let session = state.desk.session_for(ActionKind::MoveMoney)?;
    runs::check_start(&session, &run_id, confirmed_total)?;
    let control = RunControl::new();
    if !state.runs.begin(&run_id, control.clone()) {
        return Err(IpcError::new(
            subdesk_codes::ErrorCode::WorkBusy,
            "this run is already being executed",
        ));
    }
    tauri::async_runtime::spawn(async move {
        let result = runs::execute(&session, &run_id, confirmed_total, &control, &|_| {}).await;
        if let Err(e) = &result {
            tracing::warn!(code = %e.code, error = %e.message, "bulk run stopped");
        }
        if let Some(state) = app.try_state::<AppState>() {
            state.runs.end(&run_id, &result);
        }
    });
    Ok(())
}

/// Asks a run this app executes to pause: lines in flight finish, nothing new is sent.
/// False when this app is not executing it.
#[tauri::command]
#[specta::specta]
pub fn pause_run(state: State<'_, AppState>, run_id: String) -> bool {
    match state.runs.control(&run_id) {
        Some(c) => {
            c.pause();
            true
        }
        None => false,
    }
}

/// Cancels a run: the one this app executes stops sending and closes its unsent lines as
/// not executed; one nobody executes (ready, paused, interrupted) is closed the same way.
#[tauri::command]
#[specta::specta]
pub async fn cancel_run(state: State<'_, AppState>, run_id: String) -> IpcResult<()> {
    let session = state.desk.session_for(ActionKind::MoveMoney)?;
    if let Some(c) = state.runs.control(&run_id) {
        c.cancel();
        return Ok(());
    }
    runs::cancel_idle(&session, &run_id).await.map(|_| ())
}
