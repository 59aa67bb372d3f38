//! The desk: profiles, their credentials, the app lock, and the session commands act on.
//!
//! Every check of "may this run now" is asked here, of the profile the action touches:
//! the session's own for work on the session ([`Desk::session_for`]), a named profile for
//! commands that name one ([`Desk::authorize`]), and the lock alone for admin changes
//! ([`Desk::admin`]). The rules themselves are subdesk-profiles' `authorize` and
//! `authorize_admin`; this is where both front ends ask them.

use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use subdesk_billing::Recovery;
use subdesk_profiles::{
    ActionKind, Admin, AppLock, CredentialStore, Credentials, Profile, ProfileStore, SecretString,
    authorize, authorize_admin,
};

use crate::error::{ErrorCode, IpcError, IpcResult};
use crate::paths::DataDir;
use crate::session::{self, Account, Session};

/// What the front end running the desk does for it. Both methods have defaults that do
/// nothing, which is what the CLI and tests want.
pub trait DeskHost: Send + Sync {
    /// A secret was read from the keyring: the app masks it in every later log line.
    fn secret_seen(&self, _secret: &str) {}
    /// A session became the current one ([`Desk::open_session`], [`Desk::refresh`]): the
    /// app starts reconciling its journal in the background.
    fn session_opened(&self, _session: &Arc<Session>) {}
}

/// A host that does nothing.
pub struct NoHost;
impl DeskHost for NoHost {}

pub struct DeskConfig {
    pub data: DataDir,
    /// The running sandbox's address, if one runs (the app's embedded one, or the CLI's
    /// `--sandbox-url`).
    pub sandbox_url: Option<String>,
    pub credentials: CredentialStore,
    pub host: Arc<dyn DeskHost>,
}

pub struct Desk {
    pub data: DataDir,
    /// profiles.json in the data folder, shared by the app and the CLI.
    pub profiles: ProfileStore,
    account: Account,
    lock: Mutex<AppLock>,
    /// The profile the app's commands act on, and its session or why it could not be
    /// opened (the app lock, a damaged database, missing credentials, a locked keyring).
    current: RwLock<Current>,
}

/// The session's profile and the session itself. The profile is kept even when the
/// session could not be opened, because it is what commands are checked against.
struct Current {
    profile: Profile,
    session: Result<Arc<Session>, IpcError>,
}

impl Desk {
    /// The desk over a data folder, with no session open yet.
    pub fn new(config: DeskConfig) -> IpcResult<Self> {
        let dir = config.data.path();
        std::fs::create_dir_all(dir)
            .map_err(|e| IpcError::internal(format!("cannot create {}: {e}", dir.display())))?;
        let profiles = ProfileStore::open(dir)?;
        let lock = AppLock::open(dir)?;
        let profile = profiles.active()?;
        Ok(Self {
            account: Account {
                sandbox_url: config.sandbox_url,
                credentials: config.credentials,
                host: config.host,
            },
            data: config.data,
            profiles,
            lock: Mutex::new(lock),
            current: RwLock::new(Current {
                profile,
                session: Err(IpcError::new(ErrorCode::NoSession, "no profile is open")),
            }),
        })
    }

    pub fn sandbox_url(&self) -> Option<&str> {
        self.account.sandbox_url.as_deref()
    }

    pub fn credentials(&self) -> &CredentialStore {
        &self.account.credentials
    }

    /// The profile's credentials: the sandbox's public ones, or the keyring's (blocks on
    /// the keyring).
    pub fn credentials_of(&self, profile: &Profile) -> IpcResult<Credentials> {
        session::credentials(profile, &self.account)
    }

    /// The API address `profile` talks to (the one rule, with this desk's sandbox).
    pub fn base_url(&self, profile: &Profile) -> IpcResult<String> {
        session::base_url(profile, self.sandbox_url())
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

    /// Opens `profile` for one piece of work of `kind`, checked first, without making it
    /// the current session: what a CLI command does.
    pub fn open_for(&self, profile: &Profile, kind: ActionKind) -> IpcResult<Arc<Session>> {
        self.authorize(profile, kind)?;
        Ok(Arc::new(Session::open(
            profile,
            &self.data,
            self.account.clone(),
        )?))
    }

    /// The current session, or the error that keeps it closed, without a role or lock
    /// check: for showing why it is closed. Work on the session takes it from
    /// [`Desk::session_for`], which checks the very session it will use.
    pub fn session(&self) -> IpcResult<Arc<Session>> {
        let session = match self.current.read() {
            Ok(current) => current.session.clone()?,
            Err(_) => return Err(IpcError::internal("session lock poisoned")),
        };
        // The check left for later found the file damaged: closed, as if it had failed
        // to open.
        match session.damaged() {
            Some(e) => Err(e),
            None => Ok(session),
        }
    }

    /// The current session, if its profile's role and the app lock allow `kind` on it
    /// now. Checked on the session the caller actually gets, so a profile switch that
    /// lands between an earlier check and the work cannot hand over an unchecked session.
    pub fn session_for(&self, kind: ActionKind) -> IpcResult<Arc<Session>> {
        let session = self.session()?;
        self.authorize(&session.profile, kind)?;
        Ok(session)
    }

    /// The profile commands act on: the current session's, open or not.
    pub fn session_profile(&self) -> IpcResult<Profile> {
        match self.current.read() {
            Ok(current) => Ok(current.profile.clone()),
            Err(_) => Err(IpcError::internal("session lock poisoned")),
        }
    }

    /// The active profile as profiles.json has it (the CLI may have changed it;
    /// [`Desk::refresh`] makes the session follow).
    pub fn active_profile(&self) -> IpcResult<Profile> {
        Ok(self.profiles.active()?)
    }

    /// Makes the current session follow the files: lock.json (the CLI may have set or
    /// changed the passphrase) and profiles.json's active profile (the CLI's `profile
    /// use`, or an edit of the active profile). Opens the new active profile, or closes
    /// the session if the lock now guards it, or opens it once the app is unlocked.
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

    /// Opens `profile` and makes it the current session, replacing the previous one. A
    /// profile the lock guards stays closed (its database and keys unread) until the app
    /// is unlocked. The client is made now, so missing credentials show at once.
    /// The store's integrity check is left to the host's `session_opened` (see
    /// [`Session::ensure_intact`]); until it answers no money moves, and a damaged store
    /// then closes the session with `db_corrupt`.
    pub fn open_session(&self, profile: &Profile) -> IpcResult<Arc<Session>> {
        let opened = self
            .authorize(profile, ActionKind::Read)
            .and_then(|()| Session::open_checked_later(profile, &self.data, self.account.clone()));
        self.install(profile, opened)
    }

    /// Opens `profile` after replacing its damaged database as `how` says.
    pub fn recover_session(&self, profile: &Profile, how: Recovery) -> IpcResult<Arc<Session>> {
        let opened = Session::recover(profile, &self.data, self.account.clone(), how);
        self.install(profile, opened)
    }

    /// Before `profile`'s store is replaced by a restore: backs it up into `backups/`
    /// beside it (if it opens) and closes the desk's session on it, so nothing writes to
    /// the file being replaced. Returns the backup's path.
    pub(crate) fn close_for_restore(&self, profile: &Profile) -> IpcResult<Option<String>> {
        let current = match self.current.read() {
            Ok(c) if c.profile.id == profile.id => c.session.clone().ok(),
            Ok(_) => None,
            Err(_) => return Err(IpcError::internal("session lock poisoned")),
        };
        let store = match current {
            Some(session) => Some(session.store.clone()),
            None if self.data.profile_db(&profile.id).exists() => {
                subdesk_billing::Store::open_with(
                    self.data.profile_db(&profile.id),
                    subdesk_billing::OpenOptions {
                        profile: Some(profile.id.clone()),
                        ..Default::default()
                    },
                )
                .ok()
            }
            None => None,
        };
        let previous = match store {
            Some(store) => Some(store.backup_local("pre-restore")?.path),
            None => None,
        };
        self.close_session_of(profile);
        Ok(previous)
    }

    /// Before a reading desk's store is replaced by a refresh from the shared store:
    /// closes the desk's session on it, so nothing reads or writes the file being
    /// replaced. Nothing is backed up: the store was the server's copy already.
    pub(crate) fn close_for_refresh(&self, profile: &Profile) {
        self.close_session_of(profile);
    }

    fn close_session_of(&self, profile: &Profile) {
        if let Ok(mut current) = self.current.write()
            && current.profile.id == profile.id
        {
            current.session = Err(IpcError::new(
                ErrorCode::NoSession,
                "the profile's store is being replaced (a restore or a refresh)",
            ));
        }
    }

    /// Opens `profile` after putting `backup` in place of its store.
    pub(crate) fn restore_session(
        &self,
        profile: &Profile,
        backup: &std::path::Path,
        owner: &subdesk_billing::BackupOwner,
    ) -> IpcResult<Arc<Session>> {
        let opened = Session::restore(profile, &self.data, self.account.clone(), backup, owner);
        self.install(profile, opened)
    }

    /// Opens a reading desk's `profile` after putting `copy`, the shared store fetched as
    /// its backup, in place of its store (see `subdesk_billing::refresh_from_shared_copy`).
    pub(crate) fn refresh_session(
        &self,
        profile: &Profile,
        copy: &std::path::Path,
        owner: &subdesk_billing::BackupOwner,
    ) -> IpcResult<Arc<Session>> {
        let opened = Session::refreshed(profile, &self.data, self.account.clone(), copy, owner);
        self.install(profile, opened)
    }

    fn install(&self, profile: &Profile, opened: IpcResult<Session>) -> IpcResult<Arc<Session>> {
        let opened = opened.and_then(|session| {
            session.client()?;
            Ok(Arc::new(session))
        });
        match &opened {
            Ok(session) => self.account.host.session_opened(session),
            Err(e) => {
                tracing::warn!(profile = %profile.id, code = %e.code, error = %e.message, "profile not opened")
            }
        }
        if let Ok(mut current) = self.current.write() {
            *current = Current {
                profile: profile.clone(),
                session: opened.clone(),
            };
        }
        opened
    }
}
