//! What the app holds while it runs: where its files are, the log redactor, the embedded
//! sandbox, the profiles with their keyring credentials, the app lock, and the active
//! profile's session.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use subdesk_profiles::{
    ActionKind, Admin, AppLock, CredentialStore, Profile, ProfileStore, SecretString, authorize,
    authorize_admin,
};
use subdesk_sandbox::{Sandbox, SandboxConfig};
use tauri::{AppHandle, Manager, Runtime};

use crate::error::{IpcError, IpcResult};
use crate::logging::{LogGuard, Redactor};
use crate::session::Session;
use subdesk_codes::ErrorCode;

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
    /// The profile commands act on, and its database and client, or why they could not be
    /// opened (the app lock, a corrupt database, missing credentials, a locked keyring):
    /// the UI shows that instead.
    current: RwLock<Current>,
    _log_guard: Option<LogGuard>,
}

/// The session's profile and the session itself. The profile is kept even when the
/// session could not be opened, because it is what the guard checks commands against.
struct Current {
    profile: Profile,
    session: Result<Arc<Session>, IpcError>,
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
        std::fs::create_dir_all(&paths.data_dir).map_err(|e| {
            IpcError::internal(format!("cannot create {}: {e}", paths.data_dir.display()))
        })?;
        let profiles = ProfileStore::open(&paths.data_dir)?;
        let lock = AppLock::open(&paths.data_dir)?;
        let profile = profiles.active()?;
        Ok(AppState {
            sandbox_url: sandbox.as_ref().map(Sandbox::base_url),
            sandbox: Mutex::new(sandbox),
            paths,
            redactor,
            profiles,
            credentials,
            lock: Mutex::new(lock),
            sync_cancel: Mutex::new(None),
            current: RwLock::new(Current {
                profile,
                session: Err(IpcError::new(ErrorCode::NoSession, "no profile is open")),
            }),
            _log_guard: None,
        })
    }

    /// The session, or the error that keeps it closed, without a role or lock check: for
    /// showing why it is closed. Commands that use the session take it from
    /// [`AppState::session_for`], which checks the very session they will use.
    pub fn session(&self) -> IpcResult<Arc<Session>> {
        match self.current.read() {
            Ok(current) => current.session.clone(),
            Err(_) => Err(IpcError::internal("session lock poisoned")),
        }
    }

    /// The session, if its profile's role and the app lock allow `kind` on it now.
    ///
    /// The guard checked the session before the command started; this checks again on
    /// the session the command actually gets, so a profile switch that lands in between
    /// cannot hand a command a session it was not checked against.
    pub fn session_for(&self, kind: ActionKind) -> IpcResult<Arc<Session>> {
        let session = self.session()?;
        self.authorize(&session.profile, kind)?;
        Ok(session)
    }

    /// The profile commands act on: the session's, open or not.
    pub fn session_profile(&self) -> IpcResult<Profile> {
        match self.current.read() {
            Ok(current) => Ok(current.profile.clone()),
            Err(_) => Err(IpcError::internal("session lock poisoned")),
        }
    }

    /// The active profile as the profiles file has it (the CLI may have changed it;
    /// [`AppState::refresh`] makes the session follow).
    pub fn active_profile(&self) -> IpcResult<Profile> {
        Ok(self.profiles.active()?)
    }

    /// The app lock, for a moment. Never held while a session opens.
    pub fn lock(&self) -> IpcResult<MutexGuard<'_, AppLock>> {
        self.lock
            .lock()
            .map_err(|_| IpcError::internal("the app lock's state is unavailable"))
    }

    /// May `kind` run on `profile` now? The one rule (`subdesk_profiles::authorize`).
    pub fn authorize(&self, profile: &Profile, kind: ActionKind) -> IpcResult<()> {
        Ok(authorize(profile, kind, &*self.lock()?)?)
    }

    /// May profiles, credentials, roles or the lock change now? `passphrase`, when the
    /// user typed it with the change, is checked (lifting a read-only role needs it).
    pub fn admin(&self, passphrase: Option<&SecretString>) -> IpcResult<Admin> {
        Ok(authorize_admin(&*self.lock()?, passphrase)?)
    }

    /// Makes the session follow the files before a command runs: lock.json (the CLI may
    /// have set or changed the passphrase) and profiles.json's active profile (the CLI's
    /// `profile use`, or an edit of the active profile). Opens the new active profile, or
    /// closes the session if the lock now guards it, or opens it once the app is unlocked.
    /// Cheap when nothing changed: two small files read.
    pub fn refresh(&self) -> IpcResult<()> {
        self.lock()?.reload()?;
        let active = self.active_profile()?;
        let allowed = self.authorize(&active, ActionKind::Read).is_ok();
        let (same_profile, closed_by_lock) = {
            let current = self
                .current
                .read()
                .map_err(|_| IpcError::internal("session lock poisoned"))?;
            let closed_by_lock =
                matches!(&current.session, Err(e) if e.code == ErrorCode::AppLocked);
            (current.profile == active, closed_by_lock)
        };
        if !same_profile || allowed == closed_by_lock {
            if !same_profile {
                tracing::info!(profile = %active.id, "profiles.json changed: opening the active profile");
            }
            let _ = self.open_session(&active);
        }
        Ok(())
    }

    /// Opens `profile` and makes it the working session, replacing the previous one, and
    /// starts reconciling its journal in the background: requests whose answers were lost
    /// before the app last stopped are settled before any new money moves. A profile the
    /// lock guards stays closed (its database and keys unread) until the app is unlocked.
    pub fn open_session(&self, profile: &Profile) -> IpcResult<Arc<Session>> {
        let opened = match self.authorize(profile, ActionKind::Read) {
            Ok(()) => Session::open(profile, self),
            Err(e) => Err(e),
        };
        self.install_session(profile, opened)
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
            tracing::warn!(profile = %profile.id, code = %e.code, error = %e.message, "profile not opened");
        }
        if let Ok(mut current) = self.current.write() {
            *current = Current {
                profile: profile.clone(),
                session: opened.clone(),
            };
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
    if let Ok(profile) = state.active_profile() {
        let _ = state.open_session(&profile);
    }
    app.manage(state);
    Ok(())
}
