//! Syncing the active profile with i'mport: payments (90-day windows, then incremental),
//! schedules (3-month windows) and the billing-key registry, with progress and a stop.

use serde::{Deserialize, Serialize};
use specta::Type;
use subdesk_billing::mirror::sync::{
    CancelToken, PaymentSyncOptions, ScheduleSyncOptions, SyncProgress, SyncReport, VerifyReport,
    VerifyScope, sync_payments, sync_schedules, verify_keys,
};
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

use subdesk_profiles::ActionKind;

use crate::error::{IpcError, IpcResult};
use crate::state::AppState;
use subdesk_codes::ErrorCode;

/// Which streams to sync.
#[derive(Debug, Clone, Deserialize, Type)]
pub struct SyncRequest {
    pub payments: bool,
    pub schedules: bool,
    pub keys: bool,
    /// Start of a first full payment sync, Unix seconds; default one year back.
    pub from: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct SyncSummary {
    pub payments: Option<SyncReport>,
    pub schedules: Option<SyncReport>,
    pub keys: Option<VerifyReport>,
}

/// Runs the chosen streams one after the other. `stop_sync` ends it after the page in
/// flight; the next run resumes where it stopped.
#[tauri::command]
#[specta::specta]
pub async fn sync_now(
    app: AppHandle,
    state: State<'_, AppState>,
    request: SyncRequest,
    on_progress: Channel<SyncProgress>,
) -> IpcResult<SyncSummary> {
    let session = state.desk.session_for(ActionKind::Read)?;
    let client = session.client()?;
    let cancel = CancelToken::new();
    {
        let mut running = state
            .sync_cancel
            .lock()
            .map_err(|_| IpcError::internal("sync state unavailable"))?;
        if running.is_some() {
            return Err(IpcError::new(
                ErrorCode::SyncBusy,
                "a sync is already running",
            ));
        }
        *running = Some(cancel.clone());
    }
    let progress = move |p: &SyncProgress| {
        let _ = on_progress.send(p.clone());
    };
    let result = async {
        let mut summary = SyncSummary {
            payments: None,
            schedules: None,
            keys: None,
        };
        if request.payments {
            let opts = PaymentSyncOptions::asked_from(request.from);
            summary.payments =
                Some(sync_payments(&session.store, client, &opts, &progress, &cancel).await?);
        }
        if request.schedules && !cancel.is_cancelled() {
            summary.schedules = Some(
                sync_schedules(
                    &session.store,
                    client,
                    &ScheduleSyncOptions::default(),
                    &progress,
                    &cancel,
                )
                .await?,
            );
        }
        if request.keys && !cancel.is_cancelled() {
            summary.keys = Some(
                verify_keys(&session.store, client, VerifyScope::All, &progress, &cancel).await?,
            );
        }
        Ok::<_, subdesk_billing::Error>(summary)
    }
    .await;
    if let Ok(mut running) = state.sync_cancel.lock() {
        *running = None;
    }
    if result.is_err() {
        crate::notify::finished(&app, crate::notify::Finished::SyncFailed);
    }
    Ok(result?)
}

/// Asks a running sync to stop after the page in flight.
#[tauri::command]
#[specta::specta]
pub fn stop_sync(state: State<'_, AppState>) -> IpcResult<bool> {
    let running = state
        .sync_cancel
        .lock()
        .map_err(|_| IpcError::internal("sync state unavailable"))?;
    Ok(match running.as_ref() {
        Some(token) => {
            token.cancel();
            true
        }
        None => false,
    })
}
