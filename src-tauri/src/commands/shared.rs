//! Team mode's shared store, as far as it goes: copying the active profile's store into a
//! PostgreSQL server, and restoring it from one (subdesk-desk's `shared`, which
//! `subdesk-cli store migrate --to / --from` runs too).
//! The address and password come from the Settings form and are used for this copy only;
//! neither is kept, logged or audited (the audit entry names `user@host:port/database`).

use subdesk_billing::{BackupContents, CopyProgress, SharedCopy};
use subdesk_desk::backups::{self, Restored};
use subdesk_desk::shared;
use subdesk_profiles::ActionKind;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Runtime, State};

use crate::error::{ErrorCode, IpcError, IpcResult};
use crate::state::AppState;

/// Longest address and password the form may send: far above any real one, and a bound
/// on what a caller at the IPC boundary can make the app parse.
const URL_MAX: usize = 2_048;
const PASSWORD_MAX: usize = 1_024;

/// Copy the active profile's store into the shared store at `url` (every row compared,
/// all or nothing; refused when the shared store is another store's).
#[tauri::command]
#[specta::specta]
pub async fn copy_to_shared_store(
    state: State<'_, AppState>,
    url: String,
    password: Option<String>,
    on_progress: Channel<CopyProgress>,
) -> IpcResult<SharedCopy> {
    check_lengths(&url, password.as_deref())?;
    let session = state.desk.session_for(ActionKind::Mutate)?;
    let progress = move |p: &CopyProgress| {
        let _ = on_progress.send(p.clone());
    };
    shared::copy_to_shared(&session, &url, password.as_deref(), progress).await
}

/// The form's address and password within their bounds, before anything parses them.
fn check_lengths(url: &str, password: Option<&str>) -> IpcResult<()> {
    let too_long = |field: &str, max: usize| {
        IpcError::new(
            ErrorCode::InvalidInput,
            format!("{field} is longer than {max} characters"),
        )
        .with_details(serde_json::json!({ "field": field }))
    };
    if url.chars().count() > URL_MAX {
        return Err(too_long("shared_store_url", URL_MAX));
    }
    if password.is_some_and(|p| p.chars().count() > PASSWORD_MAX) {
        return Err(too_long("shared_store_password", PASSWORD_MAX));
    }
    Ok(())
}

/// What the shared store at `url` holds, as a restore would put it in place of the active
/// profile's store. Nothing is replaced and nothing is written to the server.
#[tauri::command]
#[specta::specta]
pub async fn inspect_shared_store(
    state: State<'_, AppState>,
    url: String,
    password: Option<String>,
) -> IpcResult<BackupContents> {
    check_lengths(&url, password.as_deref())?;
    let profile = state.desk.session_profile()?;
    state.desk.authorize(&profile, ActionKind::Mutate)?;
    shared::inspect_shared(&state.desk, &profile, &url, password.as_deref()).await
}

/// Replaces the active profile's store with the shared store at `url`, as a restore from a
/// backup does (checked in full, the store as it was kept beside it, money held until a
/// sync); the profile opens again on it.
#[tauri::command]
#[specta::specta]
pub async fn restore_from_shared_store<R: Runtime>(
    app: AppHandle<R>,
    url: String,
    password: Option<String>,
) -> IpcResult<Restored> {
    check_lengths(&url, password.as_deref())?;
    let state = app.state::<AppState>();
    let profile = state.desk.session_profile()?;
    state.desk.authorize(&profile, ActionKind::Mutate)?;
    let fetched = shared::fetch(&state.desk, &profile, &url, password.as_deref()).await?;
    tracing::warn!(profile = %profile.id, "restoring from the shared store");
    tauri::async_runtime::spawn_blocking(move || {
        let state = app.state::<AppState>();
        backups::restore(&state.desk, &profile, fetched.file()).map(|(_, restored)| restored)
    })
    .await
    .map_err(|e| IpcError::internal(format!("background task failed: {e}")))?
}
