//! The shell's own commands: status, settings, links, diagnostics.

use serde::Serialize;
use specta::Type;
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_opener::OpenerExt;

use subdesk_profiles::{LockStatus, Mode, Profile};

use crate::error::{IpcError, IpcResult};
use crate::links::check_external_url;
use crate::settings::{Language, Settings, SettingsStore};
use crate::state::AppState;

/// What the shell shows around every screen: the active profile and the sandbox.
#[derive(Debug, Clone, Serialize, Type)]
pub struct AppStatus {
    pub version: String,
    pub active_profile: ProfileView,
    pub profiles: Vec<ProfileView>,
    /// The built-in sandbox's address while it runs.
    pub sandbox_url: Option<String>,
    /// Why the active profile could not be opened, if it could not.
    pub session_error: Option<IpcError>,
    /// The store opened and its integrity check is still running (a large store is shown
    /// at once and checked just after): the UI asks again until it has answered.
    pub integrity_pending: bool,
    pub lock: LockStatus,
    /// The active profile shows the shared store's copy: how old it is, and whether the
    /// last refresh failed. None for every other desk.
    pub reading: Option<crate::commands::shared::ReadingStatus>,
}

/// A profile as the UI sees it: never any secret.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ProfileView {
    pub id: String,
    pub name: String,
    pub mode: Mode,
    pub base_url: String,
    pub time_zone: String,
    pub read_only: bool,
}

fn view(profile: &Profile, state: &AppState) -> ProfileView {
    let base_url = match profile.mode {
        Mode::Sandbox => state
            .desk
            .sandbox_url()
            .map(str::to_owned)
            .unwrap_or_default(),
        Mode::Test | Mode::Live => profile.base_url.clone(),
    };
    ProfileView {
        id: profile.id.clone(),
        name: profile.name.clone(),
        mode: profile.mode,
        base_url,
        time_zone: profile.time_zone.clone(),
        read_only: profile.read_only,
    }
}

#[tauri::command]
#[specta::specta]
pub fn app_status(state: State<'_, AppState>) -> IpcResult<AppStatus> {
    // The profile commands act on; the guard has just made it follow profiles.json.
    let active = state.desk.session_profile()?;
    let profiles = state.desk.profiles.list()?;
    let lock = state.desk.lock()?.status();
    let session = state.desk.session();
    Ok(AppStatus {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        active_profile: view(&active, &state),
        profiles: profiles.iter().map(|p| view(p, &state)).collect(),
        sandbox_url: state.desk.sandbox_url().map(str::to_owned),
        integrity_pending: session.as_ref().is_ok_and(|s| s.integrity_pending()),
        session_error: session.err(),
        lock,
        reading: crate::commands::shared::reading_status(&state),
    })
}

#[tauri::command]
#[specta::specta]
pub fn get_settings<R: Runtime>(app: AppHandle<R>) -> IpcResult<Settings> {
    Ok(SettingsStore::open(&app)?.settings())
}

#[tauri::command]
#[specta::specta]
pub fn set_language<R: Runtime>(app: AppHandle<R>, language: Language) -> IpcResult<Settings> {
    let settings = SettingsStore::open(&app)?.set_language(language)?;
    tracing::info!(?language, "language changed");
    Ok(settings)
}

/// Opens a documentation link in the system browser.
#[tauri::command]
#[specta::specta]
pub fn open_external<R: Runtime>(app: AppHandle<R>, url: String) -> IpcResult<()> {
    let url = check_external_url(&url)?;
    app.opener()
        .open_url(url.as_str(), None::<&str>)
        .map_err(|e| IpcError::internal(format!("the system browser could not be opened: {e}")))
}

/// A text to paste into a support request: versions, paths, profiles and the log's tail.
/// Secrets never appear: profiles are shown without credentials and the log is redacted.
#[tauri::command]
#[specta::specta]
pub fn diagnostics<R: Runtime>(app: AppHandle<R>, state: State<'_, AppState>) -> IpcResult<String> {
    let s = SettingsStore::open(&app)?.settings();
    let active = state.desk.session_profile()?;
    let profiles = state.desk.profiles.list()?;
    let mut out = String::new();
    out.push_str(&format!("Subdesk {}\n", env!("CARGO_PKG_VERSION")));
    out.push_str(&format!(
        "os: {} {}\n",
        std::env::consts::OS,
        std::env::consts::ARCH
    ));
    out.push_str(&format!(
        "language: {:?}, time zone: {}\n",
        s.language, active.time_zone
    ));
    out.push_str(&format!("data dir: {}\n", state.paths.data_dir.display()));
    out.push_str(&format!("log dir: {}\n", state.paths.log_dir.display()));
    out.push_str(&format!(
        "sandbox: {}\n",
        state.desk.sandbox_url().unwrap_or("not running")
    ));
    out.push_str(&format!(
        "active profile: {} ({:?})\n",
        active.name, active.mode
    ));
    for p in &profiles {
        out.push_str(&format!(
            "profile {}: {:?} {}\n",
            p.name, p.mode, p.base_url
        ));
    }
    out.push_str("--- log (last 200 lines) ---\n");
    out.push_str(&crate::logging::tail(
        &state.paths.log_dir,
        200,
        &state.redactor,
    ));
    Ok(state.redactor.redact(&out))
}

/// What the UI has just put on screen at start-up.
#[derive(Debug, Clone, Copy, serde::Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum UiStage {
    /// The shell (navigation, status bar) is painted.
    Shell,
    /// The dashboard shows its figures, or why there are none (a profile that cannot be
    /// opened).
    Dashboard,
}

/// The UI says what it has painted; the log gets one line with the time since the process
/// started (`make bench` reads it). Changes nothing.
#[tauri::command]
#[specta::specta]
pub fn ui_ready(stage: UiStage) {
    let ms = crate::started().elapsed().as_millis();
    tracing::info!(?stage, since_start_ms = %ms, "ui ready");
}
