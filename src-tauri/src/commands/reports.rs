//! The settlement and VAT report: its figures for a screen, and its workbook saved where
//! the person chooses (the save dialog opened here; "open folder" shows it like an
//! export's file).

use subdesk_billing::mirror::settlement::Settlement;
use subdesk_desk::exports::ExportLang;
use subdesk_desk::settlement::{self, SettlementPeriod};
use subdesk_profiles::ActionKind;
use tauri::{AppHandle, Runtime, State};

use super::with_session;
use crate::error::{IpcError, IpcResult};
use crate::state::AppState;

/// The figures of `period`, its days counted in the profile's zone.
#[tauri::command]
#[specta::specta]
pub async fn settlement_report(
    state: State<'_, AppState>,
    period: SettlementPeriod,
    by_sales_type: bool,
) -> IpcResult<Settlement> {
    with_session(&state, move |s| {
        settlement::settlement(&s.store, period, &s.profile.time_zone, by_sales_type)
    })
    .await
}

/// Saves `period`'s report as an .xlsx where the person chooses; its file name, or None
/// when the dialog was closed.
#[tauri::command]
#[specta::specta]
pub async fn export_settlement<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    period: SettlementPeriod,
    lang: ExportLang,
    by_sales_type: bool,
) -> IpcResult<Option<String>> {
    let session = state.desk.session_for(ActionKind::Read)?;
    let zone = session.profile.time_zone.clone();
    let suggested = match lang {
        ExportLang::Ko => format!("부가세_정산_{}.xlsx", period.label()),
        ExportLang::En => format!("vat_settlement_{}.xlsx", period.label()),
    };
    let Some(path) = crate::dialogs::save_file(&app, &suggested, "Excel", "xlsx").await? else {
        return Ok(None);
    };
    let target = path.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let report = settlement::settlement(&session.store, period, &zone, by_sales_type)?;
        settlement::write_xlsx(&report, period, lang, &target)
    })
    .await
    .map_err(|e| IpcError::internal(format!("background task failed: {e}")))??;
    if let Ok(mut last) = state.last_export.lock() {
        *last = Some(path.clone());
    }
    Ok(path.file_name().map(|n| n.to_string_lossy().into_owned()))
}
