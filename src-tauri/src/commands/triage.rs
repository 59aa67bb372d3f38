//! The triage queue (확인 필요): adapters over subdesk-desk's `triage`, which the CLI runs
//! too (the same entries, the money policy for a retry, the audited resolution).

use subdesk_billing::{ChargeResult, TriageCount, TriageEntry};
use subdesk_desk::triage;
use subdesk_profiles::ActionKind;
use tauri::State;

use super::{with_session, with_session_for};
use crate::error::IpcResult;
use crate::state::AppState;

/// The queue now: every entry not marked resolved.
#[tauri::command]
#[specta::specta]
pub async fn triage_list(state: State<'_, AppState>) -> IpcResult<Vec<TriageEntry>> {
    with_session(&state, triage::list).await
}

/// The navigation's count, in all and per kind.
#[tauri::command]
#[specta::specta]
pub async fn triage_count(state: State<'_, AppState>) -> IpcResult<TriageCount> {
    with_session(&state, triage::count).await
}

/// Marks an entry resolved (audited); it leaves the queue.
#[tauri::command]
#[specta::specta]
pub async fn triage_resolve(
    state: State<'_, AppState>,
    key: String,
    note: String,
) -> IpcResult<TriageEntry> {
    with_session_for(&state, ActionKind::Mutate, move |s| {
        triage::resolve(s, &key, &note)
    })
    .await
}

/// Charges the entry's order again under its own order id (the money policy applies:
/// live profiles send the total the person confirmed).
#[tauri::command]
#[specta::specta]
pub async fn triage_retry(
    state: State<'_, AppState>,
    key: String,
    confirmed_total: Option<i64>,
) -> IpcResult<ChargeResult> {
    let session = state.desk.session_for(ActionKind::MoveMoney)?;
    triage::retry(&session, &key, confirmed_total).await
}

/// Looks the entry up at i'mport now; the entry afterwards, or None when it left.
#[tauri::command]
#[specta::specta]
pub async fn triage_check(
    state: State<'_, AppState>,
    key: String,
) -> IpcResult<Option<TriageEntry>> {
    let session = state.desk.session_for(ActionKind::Read)?;
    triage::check(&session, &key).await
}
