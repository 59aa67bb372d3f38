//! Team mode's shared store, as far as it goes: where the active profile's shared store
//! is (its address in profiles.json, its password in the OS keyring), copying the profile's
//! store into it — by hand and on a schedule — restoring it from one, and a read-only
//! desk's copy of it, refreshed by hand and on the same schedule (subdesk-desk's `shared`,
//! which `subdesk-cli store shared` and `store migrate` run too). Neither the
//! address's password nor the form's is ever logged or audited (the audit entry names
//! `user@host:port/database`).

use serde::Serialize;
use specta::Type;
use subdesk_billing::mirror::sync::CancelToken;
use subdesk_billing::{BackupContents, CopyProgress, SharedCopy, SharedTarget};
use subdesk_desk::backups::{self, Restored};
use subdesk_desk::shared::{self, PasswordChange, ReadCopy};
use subdesk_profiles::{ActionKind, BackupEvery, SecretString, SharedDirection, SharedSettings};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Runtime};

use super::backups::{BackupRun, blocking};
use crate::error::{ErrorCode, IpcError, IpcResult};
use crate::state::AppState;

/// Longest address and password the form may send: far above any real one, and a bound
/// on what a caller at the IPC boundary can make the app parse.
const URL_MAX: usize = subdesk_profiles::SHARED_URL_MAX_LEN;
const PASSWORD_MAX: usize = 1_024;
/// How often the schedule looks whether a copy is due (seconds), unless
/// `SUBDESK_SHARED_CHECK_SECS` says otherwise.
const CHECK_EVERY_SECS: u64 = 60;
/// The first look waits this long after start (a copy overdue then is made once).
const FIRST_CHECK_AFTER_SECS: u64 = 30;

/// The Settings section's state: the saved settings, and how the schedule stands.
#[derive(Debug, Clone, Serialize, Type)]
pub struct SharedView {
    pub settings: SharedSettings,
    /// A password is saved in the keyring for the saved address.
    pub password_saved: bool,
    /// When the store was last copied into the saved address (from the audit log).
    pub last_copy_at: Option<i64>,
    pub last_attempt_at: Option<i64>,
    /// Why the last attempt (the schedule's or the button's) failed; None after a success.
    pub last_error: Option<IpcError>,
    /// When the next scheduled copy (a reading desk: refresh) is due; None when off.
    pub next_due_at: Option<i64>,
    pub running: bool,
    /// A reading desk's copy: how old it is. None for a desk that copies into the server.
    pub read_copy: Option<ReadCopy>,
}

/// A reading desk's copy of the shared store as the shell shows it on every screen: what
/// it is as of, and whether the last refresh failed (the server away), so the person
/// knows the figures may be old.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ReadingStatus {
    pub copy: ReadCopy,
    pub last_attempt_at: Option<i64>,
    /// Why the last refresh failed; None after a success or before any attempt.
    pub last_error: Option<IpcError>,
    pub refreshing: bool,
    /// When this was asked (Unix seconds): the copy's age is told from it.
    pub now: i64,
}

/// The shell's line for the active profile when it reads from the shared store.
pub fn reading_status(state: &AppState) -> Option<ReadingStatus> {
    let session = state.desk.session_for(ActionKind::Read).ok()?;
    let settings = state
        .desk
        .profiles
        .shared_settings(&session.profile.id)
        .ok()?;
    if !(session.profile.read_only && settings.reads_from_server()) {
        return None;
    }
    let run = run_of(state, &session.profile.id);
    Some(ReadingStatus {
        copy: shared::read_copy(&session).ok()?,
        last_attempt_at: run.last_attempt_at,
        last_error: run.last_error,
        refreshing: run.running,
        now: subdesk_billing::now(),
    })
}

fn run_of(state: &AppState, profile_id: &str) -> BackupRun {
    let run = state.shared_copy.get();
    if run.profile_id.as_deref() == Some(profile_id) {
        run
    } else {
        BackupRun::default()
    }
}

/// Blocking (the keyring).
fn view(state: &AppState) -> IpcResult<SharedView> {
    let session = state.desk.session_for(ActionKind::Read)?;
    let setup = shared::setup(&state.desk, &session.profile)?;
    let run = run_of(state, &session.profile.id);
    let failed_at = run.last_error.as_ref().and(run.last_attempt_at);
    let last_copy_at = shared::last_copy(&session, &setup.settings)?;
    let now = subdesk_billing::now();
    let reads = session.profile.read_only && setup.settings.reads_from_server();
    let (next_due_at, read_copy) = if reads {
        (
            shared::next_refresh(&state.desk, &session, failed_at, now)?,
            Some(shared::read_copy(&session)?),
        )
    } else {
        (setup.settings.next_due(last_copy_at, failed_at, now), None)
    };
    Ok(SharedView {
        next_due_at,
        read_copy,
        settings: setup.settings,
        password_saved: setup.password_saved,
        last_copy_at,
        last_attempt_at: run.last_attempt_at,
        last_error: run.last_error,
        running: run.running,
    })
}

/// The active profile's shared store settings and how its schedule stands.
#[tauri::command]
#[specta::specta]
pub async fn shared_store_setup<R: Runtime>(app: AppHandle<R>) -> IpcResult<SharedView> {
    blocking(app, view).await
}

/// Saves the active profile's shared store: its address (without a password), which way
/// the store goes (`direction`: a read-only desk may show the server's copy), how often
/// the app copies into it or refreshes from it, and the password into the keyring
/// (`password` empty or absent keeps the saved one; `forget_password` removes it). A
/// read-only profile's settings are an admin's change: `passphrase`, the app lock's,
/// typed with it.
#[tauri::command]
#[specta::specta]
#[allow(clippy::too_many_arguments)]
pub async fn save_shared_store_settings<R: Runtime>(
    app: AppHandle<R>,
    url: Option<String>,
    every: BackupEvery,
    direction: SharedDirection,
    password: Option<String>,
    forget_password: bool,
    passphrase: Option<String>,
) -> IpcResult<SharedView> {
    check_lengths(url.as_deref(), password.as_deref())?;
    if passphrase
        .as_deref()
        .is_some_and(|p| p.chars().count() > PASSWORD_MAX)
    {
        return Err(IpcError::new(
            ErrorCode::InvalidInput,
            format!("passphrase is longer than {PASSWORD_MAX} characters"),
        ));
    }
    blocking(app, move |state| {
        let profile = state.desk.session_profile()?;
        // A writable profile's settings are the session's change; a read-only one's, an
        // admin's (the passphrase typed), checked again by the profiles' store.
        let (session, admin) = if profile.read_only {
            let session = state.desk.session_for(ActionKind::Read)?;
            let typed = passphrase.map(SecretString::from);
            (session, Some(state.desk.admin(typed.as_ref())?))
        } else {
            (state.desk.session_for(ActionKind::Mutate)?, None)
        };
        let change = match password.as_deref().map(str::trim) {
            _ if forget_password => PasswordChange::Forget,
            Some(p) if !p.is_empty() => PasswordChange::Set(p),
            _ => PasswordChange::Keep,
        };
        shared::save_settings(
            &state.desk,
            &session,
            &SharedSettings {
                url,
                every,
                direction,
            },
            change,
            admin.as_ref(),
        )?;
        // New settings, a new schedule: an earlier attempt's failure (perhaps the very
        // password just replaced) no longer holds the next copy back.
        state.shared_copy.update(|r| {
            if !r.running {
                *r = BackupRun::default();
            }
        });
        view(state)
    })
    .await
}

/// Copy the active profile's store into the shared store at `url` — none: the saved one,
/// with the keyring's password — every row compared, all or nothing, refused when the
/// shared store is another store's. Recorded as the schedule's last attempt.
#[tauri::command]
#[specta::specta]
pub async fn copy_to_shared_store<R: Runtime>(
    app: AppHandle<R>,
    url: Option<String>,
    password: Option<String>,
    on_progress: Channel<CopyProgress>,
) -> IpcResult<SharedCopy> {
    check_lengths(url.as_deref(), password.as_deref())?;
    let progress = move |p: &CopyProgress| {
        let _ = on_progress.send(p.clone());
    };
    run_copy(&app, url, password, progress).await
}

/// One copy of the session's store; into the saved address, recorded as the schedule's
/// last attempt (the button's and the schedule's are the same).
async fn run_copy<R: Runtime>(
    app: &AppHandle<R>,
    url: Option<String>,
    password: Option<String>,
    progress: impl Fn(&CopyProgress) + Send + Sync + 'static,
) -> IpcResult<SharedCopy> {
    let state = app.state::<AppState>();
    let session = state.desk.session_for(ActionKind::Mutate)?;
    let profile_id = session.profile.id.clone();
    // A copy into another server (an address typed, not saved) is a one-off: it is not
    // the schedule's attempt, and its failure does not move the schedule's next time.
    let for_schedule = state
        .desk
        .profiles
        .shared_settings(&profile_id)?
        .means_saved(url.as_deref());
    let stop = CancelToken::new();
    {
        let mut running = state
            .shared_copy_cancel
            .lock()
            .map_err(|_| IpcError::internal("copy state unavailable"))?;
        if running.is_some() {
            return Err(IpcError::new(
                ErrorCode::WorkBusy,
                "a copy into the shared store is already running",
            ));
        }
        *running = Some(stop.clone());
    }
    // The switch goes when this copy ends, however it ends.
    let _switch = Switch(&state);
    if !for_schedule {
        let target = target_of(app, session.profile.clone(), url, password).await?;
        return shared::copy_to_shared(&session, target, progress, stop).await;
    }
    state.shared_copy.update(|r| {
        if r.profile_id.as_deref() != Some(profile_id.as_str()) {
            *r = BackupRun::default();
        }
        r.profile_id = Some(profile_id.clone());
        r.running = true;
    });
    let profile = session.profile.clone();
    let result = match target_of(app, profile, url, password).await {
        Ok(target) => shared::copy_to_shared(&session, target, progress, stop).await,
        Err(e) => Err(e),
    };
    state.shared_copy.update(|r| {
        r.running = false;
        r.last_attempt_at = Some(subdesk_billing::now());
        r.last_error = result.as_ref().err().cloned();
    });
    result
}

/// Clears the running copy's stop switch when dropped.
struct Switch<'a>(&'a AppState);

impl Drop for Switch<'_> {
    fn drop(&mut self) {
        if let Ok(mut running) = self.0.shared_copy_cancel.lock() {
            *running = None;
        }
    }
}

/// Asks a running copy into the shared store to stop: it rolls back and writes nothing,
/// unless it is already committing. False when no copy runs.
#[tauri::command]
#[specta::specta]
pub fn stop_shared_copy(state: tauri::State<'_, AppState>) -> IpcResult<bool> {
    let running = state
        .shared_copy_cancel
        .lock()
        .map_err(|_| IpcError::internal("copy state unavailable"))?;
    Ok(match running.as_ref() {
        Some(stop) => {
            stop.cancel();
            true
        }
        None => false,
    })
}

/// The shared store to use (subdesk-desk's `target`), on the blocking pool: the keyring
/// is D-Bus.
async fn target_of<R: Runtime>(
    app: &AppHandle<R>,
    profile: subdesk_profiles::Profile,
    url: Option<String>,
    password: Option<String>,
) -> IpcResult<SharedTarget> {
    blocking(app.clone(), move |state| {
        shared::target(&state.desk, &profile, url.as_deref(), password.as_deref())
    })
    .await
}

/// The form's address and password within their bounds, before anything parses them.
fn check_lengths(url: Option<&str>, password: Option<&str>) -> IpcResult<()> {
    let too_long = |field: &str, max: usize| {
        IpcError::new(
            ErrorCode::InvalidInput,
            format!("{field} is longer than {max} characters"),
        )
        .with_details(serde_json::json!({ "field": field }))
    };
    if url.is_some_and(|u| u.chars().count() > URL_MAX) {
        return Err(too_long("shared_store_url", URL_MAX));
    }
    if password.is_some_and(|p| p.chars().count() > PASSWORD_MAX) {
        return Err(too_long("shared_store_password", PASSWORD_MAX));
    }
    Ok(())
}

/// A fetch of the shared store held between the confirmation and the restore: whose
/// profile, which server, and the file (removed when this is dropped).
pub struct Inspected {
    profile_id: String,
    target: String,
    fetched: shared::Fetched,
}

fn inspected(state: &AppState) -> IpcResult<std::sync::MutexGuard<'_, Option<Inspected>>> {
    state
        .inspected_shared
        .lock()
        .map_err(|_| IpcError::internal("restore state unavailable"))
}

/// The first step of looking at and of making a restore: the inputs in bounds, the active
/// profile allowed to replace its store, and the shared store to read.
async fn restore_target<R: Runtime>(
    app: &AppHandle<R>,
    url: Option<String>,
    password: Option<String>,
) -> IpcResult<(subdesk_profiles::Profile, SharedTarget)> {
    check_lengths(url.as_deref(), password.as_deref())?;
    let state = app.state::<AppState>();
    let profile = state.desk.session_profile()?;
    state.desk.authorize(&profile, ActionKind::Mutate)?;
    let target = target_of(app, profile.clone(), url, password).await?;
    Ok((profile, target))
}

/// What the shared store at `url` (none: the saved one) holds, as a restore would put it
/// in place of the active profile's store. Nothing is replaced and nothing is written to
/// the server; what was fetched is kept for the restore that may follow.
#[tauri::command]
#[specta::specta]
pub async fn inspect_shared_store<R: Runtime>(
    app: AppHandle<R>,
    url: Option<String>,
    password: Option<String>,
) -> IpcResult<BackupContents> {
    let (profile, target) = restore_target(&app, url, password).await?;
    let state = app.state::<AppState>();
    let shown = target.shown().to_owned();
    let fetched = shared::fetch(&state.desk, &profile, target).await?;
    let contents = fetched.contents.clone();
    // An earlier one's file goes as this one takes its place.
    *inspected(&state)? = Some(Inspected {
        profile_id: profile.id.clone(),
        target: shown,
        fetched,
    });
    Ok(contents)
}

/// Lets go of what the last inspection fetched (the person closed the confirmation without
/// restoring): its file is removed now rather than at the next inspection.
#[tauri::command]
#[specta::specta]
pub fn forget_shared_inspection(state: tauri::State<'_, AppState>) -> IpcResult<()> {
    let held = inspected(&state)?.take();
    drop(held);
    Ok(())
}

/// Replaces the active profile's store with the shared store at `url` (none: the saved
/// one), as a restore from a backup does (checked in full, the store as it was kept beside
/// it, money held until a sync); the profile opens again on it. What the confirmation
/// showed (the last inspection of this profile and server) is what is put in place;
/// without one, the server is fetched now.
#[tauri::command]
#[specta::specta]
pub async fn restore_from_shared_store<R: Runtime>(
    app: AppHandle<R>,
    url: Option<String>,
    password: Option<String>,
) -> IpcResult<Restored> {
    let (profile, target) = restore_target(&app, url, password).await?;
    let state = app.state::<AppState>();
    let held = inspected(&state)?
        .take()
        .filter(|i| i.profile_id == profile.id && i.target == target.shown());
    let fetched = match held {
        Some(i) => i.fetched,
        None => shared::fetch(&state.desk, &profile, target).await?,
    };
    tracing::warn!(profile = %profile.id, "restoring from the shared store");
    tauri::async_runtime::spawn_blocking(move || {
        let state = app.state::<AppState>();
        backups::restore(&state.desk, &profile, fetched.file()).map(|(_, restored)| restored)
    })
    .await
    .map_err(|e| IpcError::internal(format!("background task failed: {e}")))?
}

/// A reading desk: replace its copy of the shared store with the server's as it is now
/// (the saved address and the keyring's password). While the server is read the desk goes
/// on showing its copy; a failure leaves it as it was and is shown on every screen.
#[tauri::command]
#[specta::specta]
pub async fn refresh_from_shared_store<R: Runtime>(app: AppHandle<R>) -> IpcResult<BackupContents> {
    run_refresh(&app).await
}

/// One refresh of the reading desk's copy, recorded as the schedule's last attempt.
async fn run_refresh<R: Runtime>(app: &AppHandle<R>) -> IpcResult<BackupContents> {
    let state = app.state::<AppState>();
    let session = state.desk.session_for(ActionKind::Read)?;
    let profile = session.profile.clone();
    drop(session);
    let mut busy = false;
    state.shared_copy.update(|r| {
        if r.profile_id.as_deref() != Some(profile.id.as_str()) {
            *r = BackupRun::default();
        }
        busy = r.running;
        r.profile_id = Some(profile.id.clone());
        r.running = true;
    });
    if busy {
        return Err(IpcError::new(
            ErrorCode::WorkBusy,
            "a refresh from the shared store is already running",
        ));
    }
    let result = async {
        let target = target_of(app, profile.clone(), None, None).await?;
        let (_, contents) = shared::refresh_from_shared(&state.desk, &profile, target).await?;
        Ok(contents)
    }
    .await;
    state.shared_copy.update(|r| {
        r.running = false;
        r.last_attempt_at = Some(subdesk_billing::now());
        r.last_error = result.as_ref().err().cloned();
    });
    result
}

/// Looks every minute whether the active profile's copy into its shared store is due,
/// and makes it: once at start when one is overdue (not one per missed slot), then one
/// interval after the last. A failure (the server away) is shown in Settings and told by
/// a notification, and tried again at the next time; the app goes on.
pub fn start_schedule<R: Runtime>(app: AppHandle<R>) {
    crate::background::look_every(
        app,
        "SUBDESK_SHARED_CHECK_SECS",
        FIRST_CHECK_AFTER_SECS,
        CHECK_EVERY_SECS,
        |app| async move { check_once(&app).await },
    );
}

async fn check_once<R: Runtime>(app: &AppHandle<R>) {
    let state = app.state::<AppState>();
    if let Some(reading) = reading_status(&state) {
        check_refresh(app, reading).await;
        return;
    }
    // A locked app, a read-only desk or a profile that cannot be opened is left alone:
    // the copy writes to the server, as the button's does.
    let Ok(session) = state.desk.session_for(ActionKind::Mutate) else {
        return;
    };
    let run = run_of(&state, &session.profile.id);
    // A copy already running (the button's, perhaps into another server) is left to end.
    let busy = state
        .shared_copy_cancel
        .lock()
        .map(|r| r.is_some())
        .unwrap_or(true);
    if run.running || busy {
        return;
    }
    let failed_at = run.last_error.as_ref().and(run.last_attempt_at);
    let now = subdesk_billing::now();
    let due = blocking(app.clone(), move |state| {
        shared::is_due(&state.desk, &session, failed_at, now)
    })
    .await;
    if !due.unwrap_or(false) {
        return;
    }
    match run_copy(app, None, None, |_| {}).await {
        Ok(made) => {
            tracing::info!(target = %made.target, changed = made.changed, "scheduled copy into the shared store made")
        }
        Err(e) => {
            tracing::warn!(code = %e.code, error = %e.message, "scheduled copy into the shared store failed; tried again at the next time");
            crate::notify::finished(app, crate::notify::Finished::SharedCopyFailed);
        }
    }
}

/// A reading desk's schedule: refresh its copy when due; a failure (the server away) is
/// shown on every screen and tried again at the next time.
async fn check_refresh<R: Runtime>(app: &AppHandle<R>, reading: ReadingStatus) {
    if reading.refreshing {
        return;
    }
    let failed_at = reading.last_error.as_ref().and(reading.last_attempt_at);
    let now = subdesk_billing::now();
    let due = blocking(app.clone(), move |state| {
        let session = state.desk.session_for(ActionKind::Read)?;
        shared::next_refresh(&state.desk, &session, failed_at, now)
    })
    .await;
    match due {
        Ok(Some(at)) if at <= now => {}
        _ => return,
    }
    match run_refresh(app).await {
        Ok(c) => tracing::info!(
            payments = c.payments,
            "scheduled refresh from the shared store made"
        ),
        Err(e) => {
            tracing::warn!(code = %e.code, error = %e.message, "scheduled refresh from the shared store failed; tried again at the next time")
        }
    }
}
