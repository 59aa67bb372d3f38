//! Which profile a command works on, whether it may, and the handles it works with. The
//! session itself (database + client), the checks and the rules are subdesk-desk's, the
//! same the app runs; here is only what a terminal adds: `--profile`, `--unlock` with a
//! passphrase prompt, and advice in the CLI's words.

use std::io::IsTerminal;
use std::ops::Deref;
use std::sync::Arc;

use subdesk_codes::ErrorCode;
use subdesk_desk::desk::NoHost;
use subdesk_desk::{Desk, DeskConfig};
use subdesk_iamport::Client;
use subdesk_profiles::{
    ActionKind, Admin, AppLock, CredentialStore, Credentials, KEYRING_SERVICE, Mode, Profile,
    ProfileStore, SecretString, authorize, authorize_admin,
};

use crate::args::Global;
use crate::error::{CliError, CliResult, Exit};
use crate::output::{Out, Zone};
use crate::paths::Paths;

/// Tests run against a private keyring service so they never touch the real entries.
/// Not documented for users: the app reads only "subdesk".
const KEYRING_SERVICE_ENV: &str = "SUBDESK_KEYRING_SERVICE";

/// What every command starts from.
pub struct Ctx {
    pub global: Global,
    pub paths: Paths,
    pub out: Out,
    /// The app's service layer over the same data folder: profiles, keys, the lock, and
    /// the sessions commands work on.
    pub desk: Desk,
}

/// A profile opened for a command: the desk's session, and the profile's time zone for
/// printing times.
pub struct Session {
    inner: Arc<subdesk_desk::Session>,
    pub zone: Zone,
}

impl Deref for Session {
    type Target = subdesk_desk::Session;
    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

impl Ctx {
    pub fn open(global: Global) -> CliResult<Ctx> {
        let paths = Paths::resolve()?;
        let service = std::env::var(KEYRING_SERVICE_ENV)
            .ok()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| KEYRING_SERVICE.to_owned());
        let sandbox_url = global
            .sandbox_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_owned);
        let desk = Desk::new(DeskConfig {
            data: paths.data(),
            sandbox_url,
            credentials: CredentialStore::with_service(service),
            host: Arc::new(NoHost),
        })?;
        Ok(Ctx {
            out: Out::new(global.json),
            global,
            paths,
            desk,
        })
    }

    pub fn profiles(&self) -> &ProfileStore {
        &self.desk.profiles
    }

    pub fn credentials(&self) -> &CredentialStore {
        self.desk.credentials()
    }

    /// A profile by id or (case-insensitive) name.
    pub fn find_profile(&self, name: &str) -> CliResult<Profile> {
        let wanted = name.trim();
        let all = self.profiles().list()?;
        all.iter()
            .find(|p| p.id == wanted)
            .or_else(|| {
                all.iter()
                    .find(|p| p.name.to_lowercase() == wanted.to_lowercase())
            })
            .cloned()
            .ok_or_else(|| {
                let names: Vec<&str> = all.iter().map(|p| p.name.as_str()).collect();
                CliError::bad_input(
                    ErrorCode::ProfileNotFound,
                    format!(
                        "no profile named \"{wanted}\" (profiles: {})",
                        names.join(", ")
                    ),
                )
            })
    }

    /// `--profile` / `SUBDESK_PROFILE`, else the active profile.
    pub fn profile(&self) -> CliResult<Profile> {
        match self
            .global
            .profile
            .as_deref()
            .filter(|p| !p.trim().is_empty())
        {
            Some(name) => self.find_profile(name),
            None => Ok(self.profiles().active()?),
        }
    }

    /// The role and lock check of the app (`subdesk_profiles::authorize`). A lock refusal
    /// can be lifted by typing the passphrase, only when asked (`--unlock`) and only on a
    /// terminal: a scheduler must not hang on a prompt.
    pub fn authorize(&mut self, profile: &Profile, kind: ActionKind) -> CliResult<()> {
        self.unlocking(|lock| authorize(profile, kind, lock))
    }

    /// The app's admin check (`subdesk_profiles::authorize_admin`): adding or removing a
    /// profile or its keys needs an unlocked app whenever a passphrase is set, whatever
    /// profile is chosen. Unlocked by `--unlock` as [`Ctx::authorize`] is.
    pub fn admin(&mut self) -> CliResult<Admin> {
        self.unlocking(|lock| authorize_admin(lock, None))
    }

    /// Runs a lock check; if the lock refuses and `--unlock` was given on a terminal, asks
    /// for the passphrase, unlocks and checks again.
    fn unlocking<T>(
        &mut self,
        check: impl Fn(&AppLock) -> subdesk_profiles::Result<T>,
    ) -> CliResult<T> {
        let first = check(&*self.desk.lock()?);
        match first {
            Ok(v) => Ok(v),
            Err(subdesk_profiles::Error::AppLocked { what }) => {
                if !self.global.unlock {
                    return Err(CliError::refused(
                        ErrorCode::AppLocked,
                        format!(
                            "Subdesk is locked: the passphrase is needed to {what}; run again with --unlock on a terminal"
                        ),
                    ));
                }
                if !std::io::stdin().is_terminal() {
                    return Err(CliError::refused(
                        ErrorCode::AppLocked,
                        format!(
                            "Subdesk is locked (needed to {what}) and --unlock needs a terminal to ask for the passphrase"
                        ),
                    ));
                }
                let pass = rpassword::prompt_password("Subdesk passphrase: ")
                    .map_err(|e| CliError::io("reading the passphrase", e))?;
                let pass = SecretString::from(pass);
                let mut lock = self.desk.lock()?;
                lock.unlock(&pass)?;
                check(&lock).map_err(Into::into)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The chosen profile, checked for `kind` (unlocking on request), with its database
    /// open. Its client is made when a command first needs it ([`Ctx::client`]).
    pub fn session(&mut self, kind: ActionKind) -> CliResult<Session> {
        let profile = self.profile()?;
        self.authorize(&profile, kind)?;
        let inner = self.desk.open_for(&profile, kind)?;
        Ok(Session {
            zone: Zone::named(&profile.time_zone),
            inner,
        })
    }

    /// The running sandbox's address (`--sandbox-url`), if one was given.
    pub fn sandbox_url(&self) -> Option<&str> {
        self.desk.sandbox_url()
    }

    /// The API address, by the app's rule (the desk's `base_url`), with the CLI's advice
    /// when the sandbox profile has no sandbox to talk to.
    pub fn base_url(&self, profile: &Profile) -> CliResult<String> {
        self.desk
            .base_url(profile)
            .map_err(|e| sandbox_advice(profile, e))
    }

    /// The profile's credentials: the sandbox's public ones, or the keyring's. The keyring
    /// is blocking D-Bus, so it is asked off the async threads.
    pub async fn credentials_of(&self, profile: &Profile) -> CliResult<Credentials> {
        if profile.is_sandbox() {
            return Ok(Credentials::sandbox());
        }
        let store = self.credentials().clone();
        let p = profile.clone();
        tokio::task::spawn_blocking(move || store.load(&p))
            .await
            .map_err(|e| CliError::other(ErrorCode::Internal, format!("keyring task failed: {e}")))?
            .map_err(Into::into)
    }

    /// The session's i'mport client (made once, off the async threads: the keyring blocks).
    pub async fn client(&self, session: &Session) -> CliResult<Client> {
        let inner = session.inner.clone();
        let profile = session.profile.clone();
        tokio::task::spawn_blocking(move || inner.client().cloned())
            .await
            .map_err(|e| CliError::other(ErrorCode::Internal, format!("keyring task failed: {e}")))?
            .map_err(|e| sandbox_advice(&profile, e))
    }
}

/// The sandbox profile needs a running sandbox: say how to give the CLI one.
fn sandbox_advice(profile: &Profile, e: subdesk_desk::IpcError) -> CliError {
    if profile.mode != Mode::Sandbox {
        return e.into();
    }
    if e.code == subdesk_desk::ErrorCode::SandboxUnavailable {
        return CliError::bad_input(
            ErrorCode::SandboxUrlMissing,
            "the sandbox profile needs a running sandbox: start one with `subdesk-cli sandbox` \
             and pass its address with --sandbox-url URL or SUBDESK_SANDBOX_URL",
        );
    }
    if e.code == ErrorCode::InvalidBaseUrl {
        return CliError::bad_input(
            ErrorCode::InvalidSandboxUrl,
            format!("--sandbox-url: {}", e.message),
        );
    }
    e.into()
}

/// Runs a blocking closure (keyring, prompts) off the async threads.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> CliResult<T> + Send + 'static,
) -> CliResult<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        CliError::new(
            Exit::Other,
            ErrorCode::Internal,
            format!("task failed: {e}"),
        )
    })?
}
