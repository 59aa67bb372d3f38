//! Backups of the active profile to a folder the user chose, on a schedule and on demand,
//! and restoring from one (subdesk-desk's `backups`, which `subdesk-cli store` runs too).
//! The folder comes from the system's folder dialog, opened from Rust; a restore names a
//! file of the profile's folder by its name, never a path of the webview's choosing.

use serde::Serialize;
use specta::Type;
use subdesk_billing::FolderBackup;
use subdesk_desk::backups::{self, Restored};
use subdesk_profiles::{ActionKind, BackupEvery, BackupSettings, KEEP_MAX, KEEP_MIN, Profile};
use tauri::{AppHandle, Manager, Runtime, State};

use crate::error::{ErrorCode, IpcError, IpcResult};
use crate::state::AppState;

/// How often the schedule looks whether a backup is due (seconds), unless
/// `SUBDESK_BACKUP_CHECK_SECS` says otherwise.
const CHECK_EVERY_SECS: u64 = 60;
/// The first look waits this long after start (a backup overdue then is made once).
const FIRST_CHECK_AFTER_SECS: u64 = 20;

/// What a scheduled task — the backup to the folder, the copy into the shared store — did
/// last, in this run of the app (the button's attempts count too).
#[derive(Debug, Clone, Default, Serialize, Type)]
pub struct BackupRun {
    pub profile_id: Option<String>,
    pub running: bool,
    /// When it last tried (Unix seconds).
    pub last_attempt_at: Option<i64>,
    /// Why the last attempt failed; None after a success.
    pub last_error: Option<IpcError>,
}

/// The Settings section's state: the settings, their bounds, and how the schedule stands.
#[derive(Debug, Clone, Serialize, Type)]
pub struct BackupView {
    pub settings: BackupSettings,
    pub keep_min: u32,
    pub keep_max: u32,
    /// When the newest backup in the folder was taken.
    pub last_success_at: Option<i64>,
    pub last_attempt_at: Option<i64>,
    pub last_error: Option<IpcError>,
    /// When the next scheduled backup is due; None when off.
    pub next_due_at: Option<i64>,
    pub running: bool,
}

fn run_of(state: &AppState, profile: &Profile) -> BackupRun {
    let run = state.backup.get();
    if run.profile_id.as_deref() == Some(profile.id.as_str()) {
        run
    } else {
        BackupRun::default()
    }
}

fn view(state: &AppState, profile: &Profile) -> IpcResult<BackupView> {
    let settings = state.desk.profiles.backup_settings(&profile.id)?;
    let run = run_of(state, profile);
    let failed_at = run.last_error.as_ref().and(run.last_attempt_at);
    let last_success_at = backups::last_success(&state.desk, profile);
    Ok(BackupView {
        next_due_at: settings.next_due(last_success_at, failed_at, subdesk_billing::now()),
        settings,
        keep_min: KEEP_MIN,
        keep_max: KEEP_MAX,
        last_success_at,
        last_attempt_at: run.last_attempt_at,
        last_error: run.last_error,
        running: run.running,
    })
}

/// The active profile's backup settings and how its schedule stands.
#[tauri::command]
#[specta::specta]
pub async fn backup_setup(state: State<'_, AppState>) -> IpcResult<BackupView> {
    let profile = state.desk.session_profile()?;
    view(&state, &profile)
}

fn save(state: &AppState, settings: &BackupSettings) -> IpcResult<()> {
    match state.desk.session_for(ActionKind::Mutate) {
        Ok(session) => {
            backups::save_settings(&state.desk, &session, settings)?;
        }
        // A profile whose store cannot be opened (damaged, a new computer's restore
        // pending) still gets a folder to restore from; there is no log to record it in.
        Err(e) if e.code != ErrorCode::AppLocked && e.code != ErrorCode::ReadOnly => {
            let profile = state.desk.session_profile()?;
            state.desk.authorize(&profile, ActionKind::Mutate)?;
            state
                .desk
                .profiles
                .set_backup_settings(&profile.id, settings)?;
        }
        Err(e) => return Err(e),
    }
    Ok(())
}

/// Opens the system's folder dialog and makes the chosen folder the profile's backup
/// folder. Unchanged when the person cancels.
#[tauri::command]
#[specta::specta]
pub async fn choose_backup_folder<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> IpcResult<BackupView> {
    let profile = state.desk.session_profile()?;
    state.desk.authorize(&profile, ActionKind::Mutate)?;
    if let Some(folder) = crate::dialogs::pick_folder(&app).await? {
        let mut settings = state.desk.profiles.backup_settings(&profile.id)?;
        settings.folder = Some(folder.display().to_string());
        save(&state, &settings)?;
        tracing::info!(profile = %profile.id, "backup folder chosen");
    }
    view(&state, &profile)
}

/// How often the profile is backed up to its folder, and how many backups are kept there.
#[tauri::command]
#[specta::specta]
pub async fn set_backup_schedule(
    state: State<'_, AppState>,
    every: BackupEvery,
    keep: u32,
) -> IpcResult<BackupView> {
    let profile = state.desk.session_profile()?;
    let mut settings = state.desk.profiles.backup_settings(&profile.id)?;
    settings.every = every;
    settings.keep = keep;
    save(&state, &settings)?;
    view(&state, &profile)
}

/// Backs the active profile up to its folder now (online: the app keeps working).
#[tauri::command]
#[specta::specta]
pub async fn backup_to_folder_now<R: Runtime>(app: AppHandle<R>) -> IpcResult<FolderBackup> {
    run_backup(&app).await
}

/// The active profile's backups in its folder, newest first, with what each holds.
#[tauri::command]
#[specta::specta]
pub async fn list_folder_backups<R: Runtime>(app: AppHandle<R>) -> IpcResult<Vec<FolderBackup>> {
    // A folder on a NAS may be slow: off the async workers.
    blocking(app, |state| {
        let profile = state.desk.session_profile()?;
        backups::list(&state.desk, &profile, None)
    })
    .await
}

/// Runs `f` with the app's state on the blocking pool.
pub(crate) async fn blocking<R: Runtime, T: Send + 'static>(
    app: AppHandle<R>,
    f: impl FnOnce(&AppState) -> IpcResult<T> + Send + 'static,
) -> IpcResult<T> {
    tauri::async_runtime::spawn_blocking(move || f(&app.state::<AppState>()))
        .await
        .map_err(|e| IpcError::internal(format!("background task failed: {e}")))?
}

/// Replaces the active profile's store with its backup `file_name` from its folder, after
/// checking it in full; the store as it was is backed up first and kept beside it. The
/// profile is opened again on the restored store; money waits for a sync.
#[tauri::command]
#[specta::specta]
pub async fn restore_folder_backup<R: Runtime>(
    app: AppHandle<R>,
    file_name: String,
) -> IpcResult<Restored> {
    blocking(app, move |state| {
        let profile = state.desk.session_profile()?;
        state.desk.authorize(&profile, ActionKind::Mutate)?;
        let chosen = backups::list(&state.desk, &profile, None)?
            .into_iter()
            .find(|b| b.file_name == file_name)
            .ok_or_else(|| {
                IpcError::new(
                    ErrorCode::NotFound,
                    "that backup is not in the profile's backup folder",
                )
            })?;
        tracing::warn!(profile = %profile.id, file = %chosen.file_name, "restoring a backup");
        let (_, restored) =
            backups::restore(&state.desk, &profile, std::path::Path::new(&chosen.path))?;
        Ok(restored)
    })
    .await
}

/// One backup of the session's profile to its folder, recorded as the schedule's last
/// attempt (the button's and the schedule's are the same).
async fn run_backup<R: Runtime>(app: &AppHandle<R>) -> IpcResult<FolderBackup> {
    let state = app.state::<AppState>();
    let session = state.desk.session_for(ActionKind::Read)?;
    let profile_id = session.profile.id.clone();
    state.backup.update(|r| {
        if r.profile_id.as_deref() != Some(profile_id.as_str()) {
            *r = BackupRun::default();
        }
        r.profile_id = Some(profile_id.clone());
        r.running = true;
    });
    let result = blocking(app.clone(), move |state| {
        backups::back_up(&state.desk, &session, None)
    })
    .await;
    state.backup.update(|r| {
        r.running = false;
        r.last_attempt_at = Some(subdesk_billing::now());
        r.last_error = result.as_ref().err().cloned();
    });
    result
}

/// Looks every minute whether the active profile's backup is due, and makes it: once at
/// start when one is overdue (not one per missed slot), then one interval after the
/// last. A failure (a NAS unplugged) is shown in Settings and told by a notification,
/// and tried again at the next time; the app goes on.
pub fn start_schedule<R: Runtime>(app: AppHandle<R>) {
    crate::background::look_every(
        app,
        "SUBDESK_BACKUP_CHECK_SECS",
        FIRST_CHECK_AFTER_SECS,
        CHECK_EVERY_SECS,
        |app| async move { check_once(&app).await },
    );
}

async fn check_once<R: Runtime>(app: &AppHandle<R>) {
    let state = app.state::<AppState>();
    // A locked app or a profile that cannot be opened is left alone.
    let Ok(session) = state.desk.session_for(ActionKind::Read) else {
        return;
    };
    let run = run_of(&state, &session.profile);
    if run.running {
        return;
    }
    let failed_at = run.last_error.as_ref().and(run.last_attempt_at);
    let now = subdesk_billing::now();
    if !backups::is_due(&state.desk, &session.profile, failed_at, now).unwrap_or(false) {
        return;
    }
    match run_backup(app).await {
        Ok(made) => tracing::info!(file = %made.file_name, "scheduled backup written"),
        Err(e) => {
            tracing::warn!(code = %e.code, error = %e.message, "scheduled backup failed; tried again at the next time");
            crate::notify::finished(app, crate::notify::Finished::BackupFailed);
        }
    }
}
