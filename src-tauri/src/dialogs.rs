//! The system's file dialogs, opened from Rust: the webview asks for "a CSV to import" or
//! "save this export", never for a path, so no page can make Subdesk read or write a file
//! of its choosing.

use std::path::PathBuf;

use tauri::{AppHandle, Runtime};
use tauri_plugin_dialog::DialogExt;

use crate::error::{IpcError, IpcResult};

/// E2E runs cannot click a native dialog: when this is set (by the E2E harness only) the
/// "chosen" file is the path it names. Not read in a release build.
#[cfg(debug_assertions)]
const E2E_PICK_ENV: &str = "SUBDESK_E2E_PICK_FILE";

/// E2E runs cannot type into a save dialog either: the "chosen" file is this path, or the
/// suggested name inside it when it names a folder. Not read in a release build.
#[cfg(debug_assertions)]
const E2E_SAVE_ENV: &str = "SUBDESK_E2E_SAVE_FILE";

/// Asks where to save a file, suggesting `suggested` in the Downloads folder, filtered to
/// `extension` (`filter` names it: "Excel", "CSV"). A name typed without the extension
/// gets it. None when the person cancelled.
pub async fn save_file<R: Runtime>(
    app: &AppHandle<R>,
    suggested: &str,
    filter: &str,
    extension: &str,
) -> IpcResult<Option<PathBuf>> {
    #[cfg(debug_assertions)]
    if let Some(path) = std::env::var_os(E2E_SAVE_ENV).filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        return Ok(Some(if path.is_dir() {
            path.join(suggested)
        } else {
            path
        }));
    }
    use tauri::Manager;
    let downloads = app.path().download_dir().ok().filter(|d| d.is_dir());
    let (app, suggested, filter, extension) = (
        app.clone(),
        suggested.to_owned(),
        filter.to_owned(),
        extension.to_owned(),
    );
    let chosen = tauri::async_runtime::spawn_blocking(move || {
        let mut dialog = app
            .dialog()
            .file()
            .set_file_name(&suggested)
            .add_filter(&filter, &[extension.as_str()]);
        if let Some(dir) = downloads {
            dialog = dialog.set_directory(dir);
        }
        dialog.blocking_save_file().map(|p| (p, extension))
    })
    .await
    .map_err(|e| IpcError::internal(format!("the file dialog failed: {e}")))?;
    match chosen {
        None => Ok(None),
        Some((path, extension)) => {
            let mut path = path
                .into_path()
                .map_err(|e| IpcError::internal(format!("the chosen file has no path: {e}")))?;
            let has_extension = path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case(&extension));
            if !has_extension {
                let mut name = path.file_name().unwrap_or_default().to_os_string();
                name.push(format!(".{extension}"));
                path.set_file_name(name);
            }
            Ok(Some(path))
        }
    }
}

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

/// E2E runs cannot click a folder dialog either: the "chosen" folder is the path this
/// names. Not read in a release build.
#[cfg(debug_assertions)]
const E2E_FOLDER_ENV: &str = "SUBDESK_E2E_PICK_FOLDER";

/// Asks for a folder (where backups go). None when the person cancelled.
pub async fn pick_folder<R: Runtime>(app: &AppHandle<R>) -> IpcResult<Option<PathBuf>> {
    #[cfg(debug_assertions)]
    if let Some(path) = std::env::var_os(E2E_FOLDER_ENV).filter(|p| !p.is_empty()) {
        return Ok(Some(PathBuf::from(path)));
    }
    let app = app.clone();
    let picked =
        tauri::async_runtime::spawn_blocking(move || app.dialog().file().blocking_pick_folder())
            .await
            .map_err(|e| IpcError::internal(format!("the folder dialog failed: {e}")))?;
    match picked {
        None => Ok(None),
        Some(path) => path
            .into_path()
            .map(Some)
            .map_err(|e| IpcError::internal(format!("the chosen folder has no path: {e}"))),
    }
}
