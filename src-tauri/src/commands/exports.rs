//! Exports from the app: the system's save dialog, opened here, then the desk's export
//! (the CLI's own) with progress over a channel and a stop; "open folder" shows the file
//! Rust just wrote.

use serde::Serialize;
use specta::Type;
use subdesk_billing::mirror::sync::CancelToken;
use subdesk_desk::exports::{
    ExportFormat, ExportProgress, ExportRequest, export_to_file, suggested_file_name,
};
use subdesk_profiles::ActionKind;
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};

use crate::error::{IpcError, IpcResult};
use crate::state::AppState;
use subdesk_codes::ErrorCode;

/// An export that ran: the file's name (for the notification), the rows, and whether it
/// was stopped (then no file was written).
#[derive(Debug, Clone, Serialize, Type)]
pub struct ExportDone {
    pub file_name: String,
    pub rows: u64,
    pub cancelled: bool,
}

/// Asks where to save (suggesting `결제내역_2026-12-02.xlsx` in Downloads), then exports
/// every row of `request.list` with the given columns and headers, times in the profile's
/// zone. None when the person closed the dialog. `stop_export` stops it between
/// pages, leaving no file.
#[tauri::command]
#[specta::specta]
pub async fn export_list<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    request: ExportRequest,
    on_progress: Channel<ExportProgress>,
) -> IpcResult<Option<ExportDone>> {
    let session = state.desk.session_for(ActionKind::Read)?;
    let zone = session.profile.time_zone.clone();
    let today = subdesk_desk::zone::today(&subdesk_desk::zone::named_or_utc(&zone));
    let suggested = suggested_file_name(request.list.kind(), request.format, request.lang, today);
    let (filter, extension) = match request.format {
        ExportFormat::Xlsx => ("Excel", "xlsx"),
        ExportFormat::Csv | ExportFormat::CsvCp949 => ("CSV", "csv"),
    };
    let cancel = CancelToken::new();
    {
        let mut running = state
            .export_cancel
            .lock()
            .map_err(|_| IpcError::internal("export state unavailable"))?;
        if running.is_some() {
            return Err(IpcError::new(
                ErrorCode::ExportBusy,
                "an export is already running",
            ));
        }
        *running = Some(cancel.clone());
    }
    let result = async {
        let Some(path) = crate::dialogs::save_file(&app, &suggested, filter, extension).await?
        else {
            return Ok(None);
        };
        let target = path.clone();
        let stop = cancel.clone();
        let summary = tauri::async_runtime::spawn_blocking(move || {
            let progress = |p: ExportProgress| {
                let _ = on_progress.send(p);
            };
            export_to_file(&session.store, &request, &zone, &target, &progress, &stop)
        })
        .await
        .map_err(|e| IpcError::internal(format!("background task failed: {e}")))??;
        if !summary.cancelled
            && let Ok(mut last) = state.last_export.lock()
        {
            *last = Some(path.clone());
        }
        Ok(Some(ExportDone {
            file_name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            rows: summary.rows,
            cancelled: summary.cancelled,
        }))
    }
    .await;
    if let Ok(mut running) = state.export_cancel.lock() {
        *running = None;
    }
    result
}

/// Asks a running export to stop after the page in flight (no file is left).
#[tauri::command]
#[specta::specta]
pub fn stop_export(state: State<'_, AppState>) -> IpcResult<bool> {
    let running = state
        .export_cancel
        .lock()
        .map_err(|_| IpcError::internal("export state unavailable"))?;
    Ok(match running.as_ref() {
        Some(token) => {
            token.cancel();
            true
        }
        None => false,
    })
}

/// Shows the file the last export wrote in the system's file manager.
#[tauri::command]
#[specta::specta]
pub fn reveal_export(state: State<'_, AppState>) -> IpcResult<()> {
    let path = state
        .last_export
        .lock()
        .map_err(|_| IpcError::internal("export state unavailable"))?
        .clone()
        .ok_or_else(|| IpcError::new(ErrorCode::NotFound, "nothing was exported yet"))?;
    tauri_plugin_opener::reveal_item_in_dir(&path).map_err(|e| {
        IpcError::new(
            ErrorCode::IoError,
            format!("cannot show {}: {e}", path.display()),
        )
    })
}
