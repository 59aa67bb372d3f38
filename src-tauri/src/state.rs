//! What the app holds while it runs: where its files are, the log redactor, the embedded
//! sandbox, the profiles with their keyring credentials, the app lock, and the active
//! profile's session.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use subdesk_desk::{DataDir, Desk, DeskConfig, DeskHost, Session};
use subdesk_profiles::CredentialStore;
use subdesk_sandbox::{Sandbox, SandboxConfig};
use tauri::{AppHandle, Manager, Runtime};

use crate::error::{IpcError, IpcResult};
use crate::logging::{LogGuard, Redactor};

/// Whether [`init`] has finished (the app's state is managed, or could not be made).
/// Managed before the window is shown; [`init`] runs after, off the main thread.
#[derive(Default)]
pub struct Startup {
    done: Mutex<bool>,
    cv: std::sync::Condvar,
}

impl Startup {
    /// Marks start-up finished and wakes every command waiting for it.
    pub fn done(&self) {
        *self.done.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.cv.notify_all();
    }

    /// Blocks until start-up has finished.
    pub fn wait(&self) {
        let mut done = self.done.lock().unwrap_or_else(|e| e.into_inner());
        while !*done {
            done = self.cv.wait(done).unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// The app's directories. Overridable through XDG_* variables on Linux, which is how tests
/// and E2E runs keep the real home untouched.
#[derive(Debug, Clone)]
pub struct Paths {
    pub data_dir: PathBuf,
    pub log_dir: PathBuf,
}

impl Paths {
    pub fn resolve<R: Runtime>(app: &AppHandle<R>) -> IpcResult<Self> {
        let path = app.path();
        let err = |e: tauri::Error| IpcError::internal(format!("no app directory: {e}"));
        Ok(Self {
            data_dir: path.app_data_dir().map_err(err)?,
            log_dir: path.app_log_dir().map_err(err)?,
        })
    }

    /// The data folder's layout (shared with subdesk-cli).
    pub fn data(&self) -> DataDir {
        DataDir::new(&self.data_dir)
    }
}

pub struct AppState {
    pub paths: Paths,
    pub redactor: Redactor,
    pub sandbox: Mutex<Option<Sandbox>>,
    /// Profiles, the lock, and the session commands act on (subdesk-desk, shared with
    /// subdesk-cli).
    pub desk: Desk,
    /// The stop switch of the sync in progress, if one runs.
    pub sync_cancel: Mutex<Option<subdesk_billing::mirror::sync::CancelToken>>,
    /// The stop switch of the export in progress, if one runs.
    pub export_cancel: Mutex<Option<subdesk_billing::mirror::sync::CancelToken>>,
    /// What "restore from the server" last fetched and showed for confirmation: the
    /// restore puts exactly that in place, without fetching it again.
    pub inspected_shared: Mutex<Option<crate::commands::shared::Inspected>>,
    /// The running copy into the shared store's stop switch (the button's or the
    /// schedule's).
    pub shared_copy_cancel: Mutex<Option<subdesk_billing::mirror::sync::CancelToken>>,
    /// The file the last export wrote: what "open folder" shows (never a path the
    /// webview names).
    pub last_export: Mutex<Option<PathBuf>>,
    /// The import planned last (step one), held here so that step two applies what Rust
    /// read and checked, never rows the webview sends back.
    pub planned_import: Mutex<Option<HeldImport>>,
    /// The CSV chosen for a subscribe-many and the profile it was chosen on. The path
    /// comes from the system's dialog, never from the webview.
    pub picked_subscribe_csv: Mutex<Option<(String, PathBuf)>>,
    /// The plan engine's progress and last result (the status bar's).
    pub engine: StatusCell<crate::commands::plans::EngineStatus>,
    /// The background payment refresh's last result.
    pub refresh: StatusCell<crate::commands::reconcile::RefreshStatus>,
    /// The scheduled backup's last attempt (Settings shows it).
    pub backup: StatusCell<crate::commands::backups::BackupRun>,
    /// The copy into the shared store's last attempt, scheduled or by hand (Settings
    /// shows it).
    pub shared_copy: StatusCell<crate::commands::backups::BackupRun>,
    /// The bulk runs this app is executing (their pause and cancel switches).
    pub runs: crate::commands::runs::Runs,
    _log_guard: Option<LogGuard>,
}

/// An import plan waiting for the person's choice: its number (what the webview gets to
/// name it by), the profile it was read for, and the plan.
pub struct HeldImport {
    pub id: u32,
    pub profile_id: String,
    pub plan: subdesk_billing::ImportPlan,
}

/// Step one of an import, planned and held: the plan Rust read and checked, under the
/// number step two names it by.
#[derive(Debug, Clone, serde::Serialize, specta::Type)]
pub struct PlannedImport {
    /// What [`apply_import`] is given to apply this plan (and no other).
    pub plan_id: u32,
    pub plan: subdesk_billing::ImportPlan,
}

/// What the desk asks of the app: mask secrets in the log, and reconcile a session that
/// has just opened in the background (requests whose answers were lost before the app
/// last stopped are settled before any new money moves).
struct AppHost {
    redactor: Redactor,
}

impl DeskHost for AppHost {
    fn secret_seen(&self, secret: &str) {
        self.redactor.register_secret(secret);
    }

    fn session_opened(&self, session: &Arc<Session>) {
        let session = session.clone();
        tauri::async_runtime::spawn(async move {
            if let Err(e) = session.ensure_reconciled().await {
                tracing::warn!(code = %e.code, "start-up reconciliation did not finish; it runs again before the next charge");
            }
        });
    }
}

impl AppState {
    /// The app's state over a data folder, with no profile open yet: what [`init`] builds
    /// before opening the active profile, and what tests build without a window.
    pub fn new(
        paths: Paths,
        redactor: Redactor,
        sandbox: Option<Sandbox>,
        credentials: CredentialStore,
    ) -> IpcResult<Self> {
        let desk = Desk::new(DeskConfig {
            data: DataDir::new(&paths.data_dir),
            sandbox_url: sandbox.as_ref().map(Sandbox::base_url),
            credentials,
            host: Arc::new(AppHost {
                redactor: redactor.clone(),
            }),
        })?;
        Ok(AppState {
            sandbox: Mutex::new(sandbox),
            paths,
            redactor,
            desk,
            sync_cancel: Mutex::new(None),
            shared_copy_cancel: Mutex::new(None),
            inspected_shared: Mutex::new(None),
            export_cancel: Mutex::new(None),
            last_export: Mutex::new(None),
            planned_import: Mutex::new(None),
            picked_subscribe_csv: Mutex::new(None),
            engine: Default::default(),
            refresh: Default::default(),
            backup: Default::default(),
            shared_copy: Default::default(),
            runs: Default::default(),
            _log_guard: None,
        })
    }

    /// Keeps `plan` as the one import waiting for the person's choice (an earlier one is
    /// dropped) and returns it with its number.
    pub fn hold_import(
        &self,
        profile_id: String,
        plan: subdesk_billing::ImportPlan,
    ) -> IpcResult<PlannedImport> {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
        let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let view = PlannedImport {
            plan_id: id,
            plan: plan.clone(),
        };
        *self.waiting_import()? = Some(HeldImport {
            id,
            profile_id,
            plan,
        });
        Ok(view)
    }

    /// The plan held under `plan_id` for `profile_id`, taken so it is applied once;
    /// refused when another plan was read since or the profile changed.
    pub fn take_import(&self, plan_id: u32, profile_id: &str) -> IpcResult<HeldImport> {
        let mut waiting = self.waiting_import()?;
        match waiting.take() {
            Some(h) if h.id == plan_id && h.profile_id == profile_id => Ok(h),
            other => {
                *waiting = other;
                Err(IpcError::new(
                    subdesk_codes::ErrorCode::ImportPlanGone,
                    "this import is no longer waiting: choose the file again",
                ))
            }
        }
    }

    /// Puts back a plan whose import failed before writing anything, unless a newer one
    /// was read meanwhile.
    pub fn return_import(&self, held: HeldImport) {
        if let Ok(mut waiting) = self.waiting_import() {
            waiting.get_or_insert(held);
        }
    }

    fn waiting_import(&self) -> IpcResult<std::sync::MutexGuard<'_, Option<HeldImport>>> {
        self.planned_import
            .lock()
            .map_err(|_| IpcError::internal("import state poisoned"))
    }

    /// Stops the embedded sandbox. Called when the app exits; safe to call twice.
    pub fn stop_sandbox(&self) {
        let sandbox = self.sandbox.lock().ok().and_then(|mut s| s.take());
        if let Some(sandbox) = sandbox {
            tauri::async_runtime::block_on(sandbox.shutdown());
            tracing::info!("sandbox stopped");
        }
    }
}

/// Starts the built-in sandbox on a random loopback port, keeping its state in the data dir
/// so that what a user practised survives a restart.
fn start_sandbox(paths: &Paths) -> Result<Sandbox, String> {
    let db = paths.data().sandbox_db();
    if let Some(dir) = db.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let config = SandboxConfig {
        db_path: Some(db),
        ..SandboxConfig::default()
    };
    tauri::async_runtime::block_on(Sandbox::start(config)).map_err(|e| e.to_string())
}

/// Builds the app state at start-up: logging, the profiles (the sandbox profile on first
/// run), the sandbox, and the active profile's session.
pub fn init<R: Runtime>(app: &AppHandle<R>) -> IpcResult<()> {
    let paths = Paths::resolve(app)?;
    let redactor = Redactor::default();
    let log_guard = crate::logging::init(&paths.log_dir, redactor.clone());
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "Subdesk starting");

    let sandbox = match start_sandbox(&paths) {
        Ok(sandbox) => {
            tracing::info!(url = %sandbox.base_url(), "sandbox listening");
            Some(sandbox)
        }
        Err(e) => {
            // The app still opens: real profiles do not need the sandbox, and the status bar
            // says the sandbox is unavailable.
            tracing::error!(error = %e, "sandbox failed to start");
            None
        }
    };

    let mut state = AppState::new(paths, redactor, sandbox, CredentialStore::new())?;
    state._log_guard = log_guard;
    // A failure here (the lock, a damaged database) is kept in the state and shown by the
    // UI; the app still opens.
    if let Ok(profile) = state.desk.active_profile() {
        let _ = state.desk.open_session(&profile);
    }
    app.manage(state);
    Ok(())
}

/// What a background task is doing and did last (the plan engine, the payment refresh),
/// read by the screens while the task writes it.
#[derive(Default)]
pub struct StatusCell<T> {
    status: Mutex<T>,
}

impl<T: Clone + Default> StatusCell<T> {
    pub fn get(&self) -> T {
        self.status.lock().map(|s| s.clone()).unwrap_or_default()
    }

    pub fn update(&self, f: impl FnOnce(&mut T)) {
        if let Ok(mut s) = self.status.lock() {
            f(&mut s);
        }
    }
}
