//! Where the desktop app keeps its files, found the same way, so that the CLI opens the
//! very same profiles.json, lock.json and per-profile databases. The layout inside the
//! folder is subdesk-desk's [`DataDir`], the one the app uses.

use std::path::PathBuf;
use subdesk_codes::ErrorCode;

use crate::error::{CliError, CliResult};

use subdesk_desk::DataDir;
use subdesk_desk::paths::APP_IDENTIFIER;

/// Overrides the data folder (tests, or a second installation).
pub const DATA_DIR_ENV: &str = "SUBDESK_DATA_DIR";

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

    /// The folder's layout, as the app has it.
    pub fn data(&self) -> DataDir {
        DataDir::new(&self.data_dir)
    }

    /// The embedded sandbox's state, so practice data is shared with the app.
    pub fn sandbox_db(&self) -> PathBuf {
        self.data().sandbox_db()
    }
}
