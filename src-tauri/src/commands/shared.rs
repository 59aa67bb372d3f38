//! Team mode's shared store, as far as it goes: copying the active profile's store into a
//! PostgreSQL server (subdesk-desk's `shared`, which `subdesk-cli store migrate` runs too).
//! The address and password come from the Settings form and are used for this copy only;
//! neither is kept, logged or audited (the audit entry names `user@host:port/database`).

use subdesk_billing::SharedCopy;
use subdesk_profiles::ActionKind;
use tauri::State;

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
) -> IpcResult<SharedCopy> {
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
    if password
        .as_deref()
        .is_some_and(|p| p.chars().count() > PASSWORD_MAX)
    {
        return Err(too_long("shared_store_password", PASSWORD_MAX));
    }
    let session = state.desk.session_for(ActionKind::Mutate)?;
    subdesk_desk::shared::copy_to_shared(&session, &url, password.as_deref()).await
}
