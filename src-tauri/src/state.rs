//! What the app holds while it runs: where its files are, the log redactor, the embedded
//! sandbox, the profiles with their keyring credentials, the app lock, and the active
//! profile's session.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

use subdesk_profiles::{AppLock, CredentialStore, Profile, ProfileStore};
use subdesk_sandbox::{Sandbox, SandboxConfig};
use tauri::{AppHandle, Manager, Runtime};

use crate::error::{IpcError, IpcResult, codes};
use crate::logging::{LogGuard, Redactor};
use crate::session::Session;

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

    /// Each profile keeps its own database in its own folder.
    pub fn profile_dir(&self, profile_id: &str) -> PathBuf {
        self.data_dir.join("profiles").join(profile_id)
    }

    pub fn sandbox_db(&self) -> PathBuf {
        self.data_dir.join("sandbox").join("sandbox.db")
    }
}

pub struct AppState {
    pub paths: Paths,
    pub redactor: Redactor,
    pub sandbox: Mutex<Option<Sandbox>>,
    pub sandbox_url: Option<String>,
    /// profiles.json in the data dir, shared with subdesk-cli.
    pub profiles: ProfileStore,
    pub credentials: CredentialStore,
    pub lock: Mutex<AppLock>,
    /// The stop switch of the sync in progress, if one runs.
    pub sync_cancel: Mutex<Option<subdesk_billing::sync::CancelToken>>,
    /// The active profile's database and client, or why it could not be opened (a corrupt
    /// database, missing credentials, a locked keyring): the UI shows that instead.
    session: RwLock<Result<Arc<Session>, IpcError>>,
    _log_guard: Option<LogGuard>,
}

impl AppState {
    /// The active profile's session, or the error that keeps it closed.
    pub fn session(&self) -> IpcResult<Arc<Session>> {
        match self.session.read() {
            Ok(guard) => guard.clone(),
            Err(_) => Err(IpcError::internal("session lock poisoned")),
        }
    }

    /// The active profile as the profiles file has it.
    pub fn active_profile(&self) -> IpcResult<Profile> {
        Ok(self.profiles.active()?)
    }

    /// Opens `profile` and makes it the working session, replacing the previous one, and
    /// starts reconciling its journal in the background: requests whose answers were lost
    /// before the app last stopped are settled before any new money moves.
    pub fn open_session(&self, profile: &Profile) -> IpcResult<Arc<Session>> {
        self.install_session(profile, Session::open(profile, self))
    }

    /// Opens `profile` after replacing its damaged database as `how` says.
    pub fn recover_session(
        &self,
        profile: &Profile,
        how: subdesk_billing::Recovery,
    ) -> IpcResult<Arc<Session>> {
        self.install_session(profile, Session::recover(profile, self, how))
    }

    fn install_session(
        &self,
        profile: &Profile,
        opened: IpcResult<Arc<Session>>,
    ) -> IpcResult<Arc<Session>> {
        if let Ok(session) = &opened {
            let session = session.clone();
            tauri::async_runtime::spawn(async move {
                if let Err(e) = session.ensure_reconciled().await {
                    tracing::warn!(code = %e.code, "start-up reconciliation did not finish; it runs again before the next charge");
                }
            });
        }
        if let Err(e) = &opened {
            tracing::error!(profile = %profile.id, code = %e.code, error = %e.message, "profile could not be opened");
        }
        if let Ok(mut guard) = self.session.write() {
            *guard = opened.clone();
        }
        opened
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
    let db = paths.sandbox_db();
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

    std::fs::create_dir_all(&paths.data_dir).map_err(|e| {
        IpcError::internal(format!("cannot create {}: {e}", paths.data_dir.display()))
    })?;
    let profiles = ProfileStore::open(&paths.data_dir)?;
    let lock = AppLock::open(&paths.data_dir)?;

    let (sandbox, sandbox_url) = match start_sandbox(&paths) {
        Ok(sandbox) => {
            let url = sandbox.base_url();
            tracing::info!(%url, "sandbox listening");
            (Some(sandbox), Some(url))
        }
        Err(e) => {
            // The app still opens: real profiles do not need the sandbox, and the status bar
            // says the sandbox is unavailable.
            tracing::error!(error = %e, "sandbox failed to start");
            (None, None)
        }
    };

    let state = AppState {
        paths,
        redactor,
        sandbox: Mutex::new(sandbox),
        sandbox_url,
        profiles,
        credentials: CredentialStore::new(),
        lock: Mutex::new(lock),
        sync_cancel: Mutex::new(None),
        session: RwLock::new(Err(IpcError::new(codes::NO_SESSION, "no profile is open"))),
        _log_guard: log_guard,
    };
    // A failure here is kept in the state and shown by the UI; the app still opens.
    if let Ok(profile) = state.active_profile() {
        let _ = state.open_session(&profile);
    }
    app.manage(state);
    Ok(())
}
