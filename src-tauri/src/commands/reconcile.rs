//! Reconciliation of a period with i'mport (subdesk-desk's `reconciliation`, which the
//! CLI runs too), and its background form: while the app is open, the recent weeks are
//! compared and applied every quarter of an hour, so a refund made at the PG's console
//! reaches the lists without anyone asking.

use serde::Serialize;
use specta::Type;
use subdesk_billing::mirror::compare::PeriodComparison;
use subdesk_desk::reconciliation::{self, RECENT_DAYS};
use subdesk_desk::settlement::SettlementPeriod;
use subdesk_profiles::ActionKind;
use tauri::{AppHandle, Manager, Runtime, State};

use super::plans::profile_now;
use crate::error::{IpcError, IpcResult};
use crate::state::AppState;

/// How often the background refresh runs (seconds), unless
/// `SUBDESK_REFRESH_INTERVAL_SECS` says otherwise.
const REFRESH_INTERVAL_SECS: u64 = 900;
/// The first refresh waits this long after start, so it never competes with the first
/// screens for the store and the network.
const FIRST_REFRESH_AFTER_SECS: u64 = 60;

/// What the background refresh did last.
#[derive(Debug, Clone, Default, Serialize, Type)]
pub struct RefreshStatus {
    /// The days it covers, back from now.
    pub days: i64,
    pub running: bool,
    /// The profile of the last run.
    pub profile_id: Option<String>,
    /// When it last finished (Unix seconds, real time).
    pub finished_at: Option<i64>,
    /// Payments the last run brought to i'mport's version.
    pub applied: Option<i64>,
    /// Why the last run did not finish.
    pub error: Option<IpcError>,
}

/// `period` at i'mport against the store; with `apply` the store takes i'mport's
/// version of what differs (the store's copy only: nothing changes at i'mport).
#[tauri::command]
#[specta::specta]
pub async fn compare_period(
    state: State<'_, AppState>,
    period: SettlementPeriod,
    apply: bool,
) -> IpcResult<PeriodComparison> {
    let session = state.desk.session_for(ActionKind::Read)?;
    reconciliation::compare(&session, period, apply).await
}

/// What the background refresh did last.
#[tauri::command]
#[specta::specta]
pub fn refresh_status(state: State<'_, AppState>) -> RefreshStatus {
    RefreshStatus {
        days: RECENT_DAYS,
        ..state.refresh.get()
    }
}

async fn refresh_once(state: &AppState) {
    // A locked app or a profile that cannot be opened is left alone, silently.
    let Ok(session) = state.desk.session_for(ActionKind::Read) else {
        return;
    };
    let profile_id = session.profile.id.clone();
    state.refresh.update(|s| {
        s.running = true;
        s.profile_id = Some(profile_id);
    });
    let result = reconciliation::refresh_recent(&session, profile_now(state)).await;
    if let Err(e) = &result {
        tracing::warn!(code = %e.code, error = %e.message, "background payment refresh did not finish");
    }
    state.refresh.update(|s| {
        s.running = false;
        s.finished_at = Some(subdesk_billing::now());
        match result {
            Ok(r) => {
                s.applied = Some(r.applied);
                s.error = None;
            }
            Err(e) => s.error = Some(e),
        }
    });
}

/// Compares and applies the recent weeks a minute after start, then every quarter hour.
pub fn start_refresh<R: Runtime>(app: AppHandle<R>) {
    // An interval the environment names is also the first wait (tests that compare for
    // themselves keep the refresh from settling what they are about to look at).
    let (first, every) = match crate::background::seconds_from_env("SUBDESK_REFRESH_INTERVAL_SECS")
    {
        Some(every) => (every, every),
        None => (FIRST_REFRESH_AFTER_SECS, REFRESH_INTERVAL_SECS),
    };
    crate::background::repeat(app, first, every, |app| async move {
        refresh_once(&app.state::<AppState>()).await
    });
}
