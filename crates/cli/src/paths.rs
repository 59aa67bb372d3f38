//! Where the desktop app keeps its files, found the same way, so that the CLI opens the
//! very same profiles.json, lock.json and per-profile databases.
//!
//! Mirrors src-tauri/src/state.rs (`Paths`, `start_sandbox`) and src-tauri/src/session.rs
//! (`DB_FILE`): keep these in step with those when either changes.

use std::path::PathBuf;
use subdesk_codes::ErrorCode;

use crate::error::{CliError, CliResult};

/// The app's Tauri identifier (src-tauri/tauri.conf.json): the data folder's name.
pub const APP_IDENTIFIER: &str = "kr.subdesk.app";
/// Overrides the data folder (tests, or a second installation).
pub const DATA_DIR_ENV: &str = "SUBDESK_DATA_DIR";
/// Each profile's database file name, as in src-tauri/src/session.rs.
pub const DB_FILE: &str = "subdesk.db";

#[derive(Debug, Clone)]
pub struct Paths {
    pub data_dir: PathBuf,
}

impl Paths {
    /// `$SUBDESK_DATA_DIR`, else Tauri's `app_data_dir()`: the platform data folder
    /// (`$XDG_DATA_HOME` or `~/.local/share` on Linux, `~/Library/Application Support`
    /// on macOS, `%APPDATA%` on Windows: what `dirs::data_dir` returns, which is what
    /// Tauri uses) joined with the app identifier.
    pub fn resolve() -> CliResult<Paths> {
        if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
            return Ok(Paths {
                data_dir: PathBuf::from(dir),
            });
        }
        let base = dirs::data_dir().ok_or_else(|| {
            CliError::other(
                ErrorCode::NoDataDir,
                format!("cannot find this computer's data folder; set {DATA_DIR_ENV}"),
            )
        })?;
        Ok(Paths {
            data_dir: base.join(APP_IDENTIFIER),
        })
    }

    /// Each profile keeps its own database in its own folder (state.rs `profile_dir`).
    pub fn profile_dir(&self, profile_id: &str) -> PathBuf {
        self.data_dir.join("profiles").join(profile_id)
    }

    pub fn profile_db(&self, profile_id: &str) -> PathBuf {
        self.profile_dir(profile_id).join(DB_FILE)
    }

    /// The embedded sandbox's state (state.rs `sandbox_db`), so practice data is shared.
    pub fn sandbox_db(&self) -> PathBuf {
        self.data_dir.join("sandbox").join("sandbox.db")
    }
}
