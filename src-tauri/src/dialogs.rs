//! The system's file dialogs, opened from Rust: the webview asks for "a CSV to import",
//! never for a path, so no page can make Subdesk read or write a file of its choosing.

use std::path::PathBuf;

use tauri::{AppHandle, Runtime};
use tauri_plugin_dialog::DialogExt;

use crate::error::{IpcError, IpcResult};

/// E2E runs cannot click a native dialog: when this is set (by the E2E harness only) the
/// "chosen" file is the path it names. Not read in a release build.
#[cfg(debug_assertions)]
const E2E_PICK_ENV: &str = "SUBDESK_E2E_PICK_FILE";

/// Asks for a CSV (or text) file to read. None when the person cancelled.
pub async fn pick_csv<R: Runtime>(app: &AppHandle<R>) -> IpcResult<Option<PathBuf>> {
    #[cfg(debug_assertions)]
    if let Some(path) = std::env::var_os(E2E_PICK_ENV).filter(|p| !p.is_empty()) {
        return Ok(Some(PathBuf::from(path)));
    }
    let app = app.clone();
    let picked = tauri::async_runtime::spawn_blocking(move || {
        app.dialog()
            .file()
            .add_filter("CSV", &["csv", "txt"])
            .blocking_pick_file()
    })
    .await
    .map_err(|e| IpcError::internal(format!("the file dialog failed: {e}")))?;
    match picked {
        None => Ok(None),
        Some(path) => path
            .into_path()
            .map(Some)
            .map_err(|e| IpcError::internal(format!("the chosen file has no path: {e}"))),
    }
}
