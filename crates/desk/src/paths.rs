//! Where Subdesk keeps its files inside its data folder: one layout, so the app and the
//! CLI open the very same profiles.json, lock.json and per-profile databases.

use std::path::{Path, PathBuf};

/// The app's Tauri identifier (src-tauri/tauri.conf.json `identifier`): the data folder's
/// name under the platform's data directory.
pub const APP_IDENTIFIER: &str = "kr.subdesk.app";

/// Each profile's database file name.
pub const DB_FILE: &str = "subdesk.db";

/// The data folder and what lives in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir(PathBuf);

impl DataDir {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self(dir.into())
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Each profile keeps its own database (and its backups) in its own folder.
    pub fn profile_dir(&self, profile_id: &str) -> PathBuf {
        self.0.join("profiles").join(profile_id)
    }

    pub fn profile_db(&self, profile_id: &str) -> PathBuf {
        self.profile_dir(profile_id).join(DB_FILE)
    }

    /// The built-in sandbox's state, shared by the app and `subdesk-cli sandbox`, so what
    /// a user practised is the same in both.
    pub fn sandbox_db(&self) -> PathBuf {
        self.0.join("sandbox").join("sandbox.db")
    }
}
