//! IPC commands: thin functions that check their inputs and call into the core crates.
//! Every command returns `Result<T, IpcError>` so the UI sees one error shape. Store calls
//! block, so they run on the blocking pool, never on the UI thread.

pub mod backups;
pub mod data;
pub mod exports;
pub mod keys;
pub mod money;
pub mod plans;
pub mod practice;
pub mod profiles;
pub mod reconcile;
pub mod reports;
pub mod runs;
pub mod schedules;
pub mod shared;
pub mod shell;
pub mod sync;
pub mod triage;

use std::sync::Arc;

use subdesk_profiles::ActionKind;

use crate::error::{IpcError, IpcResult};
use crate::session::Session;
use crate::state::AppState;

/// Runs the read `f` with the session on the blocking thread pool.
pub async fn with_session<T, E>(
    state: &AppState,
    f: impl FnOnce(&Session) -> Result<T, E> + Send + 'static,
) -> IpcResult<T>
where
    T: Send + 'static,
    E: Into<IpcError> + Send + 'static,
{
    with_session_for(state, ActionKind::Read, f).await
}

/// Runs `f`, an action of `kind`, with the session on the blocking thread pool, if the
/// session's role and the app lock allow it (checked on the session `f` gets).
pub async fn with_session_for<T, E>(
    state: &AppState,
    kind: ActionKind,
    f: impl FnOnce(&Session) -> Result<T, E> + Send + 'static,
) -> IpcResult<T>
where
    T: Send + 'static,
    E: Into<IpcError> + Send + 'static,
{
    let session: Arc<Session> = state.desk.session_for(kind)?;
    tauri::async_runtime::spawn_blocking(move || f(&session).map_err(Into::into))
        .await
        .map_err(|e| IpcError::internal(format!("background task failed: {e}")))?
}
