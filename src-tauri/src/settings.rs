//! The app's own preferences, kept with tauri-plugin-store in `settings.json` in the app's
//! data directory: the language. Times are shown in the active profile's zone (one zone
//! for every screen, export, report and the CLI), which lives with the profile. Profiles are not here: they live in
//! `profiles.json` (subdesk-profiles), which the CLI shares. Secrets never go to either
//! file (they live in the OS keyring).

use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::{AppHandle, Runtime};
use tauri_plugin_store::StoreExt;

use crate::error::{IpcError, IpcResult};
use subdesk_codes::ErrorCode;

pub const SETTINGS_FILE: &str = "settings.json";
const KEY_LANGUAGE: &str = "language";

#[derive(Debug, Clone, Copy, Serialize, Deserialize, Type, PartialEq, Eq, Default)]
pub enum Language {
    #[default]
    #[serde(rename = "ko")]
    Korean,
    #[serde(rename = "en")]
    English,
}

/// The zones offered for a profile. Korean merchants work in Asia/Seoul; the others are for
/// staff abroad. A closed list keeps validation in Rust exact without a tz database.
pub const TIME_ZONES: &[&str] = &[
    "Asia/Seoul",
    "UTC",
    "Asia/Tokyo",
    "Asia/Singapore",
    "America/Los_Angeles",
    "America/New_York",
    "Europe/London",
];

#[derive(Debug, Clone, Serialize, Type, PartialEq)]
pub struct Settings {
    pub language: Language,
    /// The zones the profile form offers.
    pub time_zones: Vec<String>,
}

fn unavailable(err: impl std::fmt::Display) -> IpcError {
    IpcError::new(
        ErrorCode::SettingsUnavailable,
        format!("the settings file could not be used: {err}"),
    )
}

/// Typed access to the settings store.
pub struct SettingsStore<R: Runtime> {
    store: std::sync::Arc<tauri_plugin_store::Store<R>>,
}

impl<R: Runtime> SettingsStore<R> {
    pub fn open(app: &AppHandle<R>) -> IpcResult<Self> {
        let store = app.store(SETTINGS_FILE).map_err(unavailable)?;
        Ok(Self { store })
    }

    fn read<T: for<'de> Deserialize<'de>>(&self, key: &str) -> Option<T> {
        // A value of the wrong shape (an edited or older file) counts as unset, never a crash.
        self.store
            .get(key)
            .and_then(|v| serde_json::from_value(v).ok())
    }

    fn write<T: Serialize>(&self, key: &str, value: &T) -> IpcResult<()> {
        let value = serde_json::to_value(value).map_err(unavailable)?;
        self.store.set(key, value);
        self.store.save().map_err(unavailable)
    }

    pub fn settings(&self) -> Settings {
        Settings {
            language: self.read(KEY_LANGUAGE).unwrap_or_default(),
            time_zones: TIME_ZONES.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    pub fn set_language(&self, language: Language) -> IpcResult<Settings> {
        self.write(KEY_LANGUAGE, &language)?;
        Ok(self.settings())
    }
}
