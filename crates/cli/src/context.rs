//! Which profile a command works on, whether it may, and the handles it works with: the
//! profile's database and an i'mport client with the profile's keyring credentials.

use std::io::IsTerminal;
use subdesk_codes::ErrorCode;

use secrecy::ExposeSecret;
use subdesk_billing::{OpenOptions, Store};
use subdesk_iamport::{Client, Config, SecretString, Tier};
use subdesk_profiles::{
    ActionKind, Admin, AppLock, CredentialStore, Credentials, KEYRING_SERVICE, Mode, Profile,
    ProfileStore, authorize, authorize_admin,
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
    pub profiles: ProfileStore,
    pub credentials: CredentialStore,
    lock: AppLock,
}

/// A profile opened for a command.
pub struct Session {
    pub profile: Profile,
    pub store: Store,
    pub zone: Zone,
}

impl Ctx {
    pub fn open(global: Global) -> CliResult<Ctx> {
        let paths = Paths::resolve()?;
        let profiles = ProfileStore::open(&paths.data_dir)?;
        let lock = AppLock::open(&paths.data_dir)?;
        let service = std::env::var(KEYRING_SERVICE_ENV)
            .ok()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| KEYRING_SERVICE.to_owned());
        Ok(Ctx {
            out: Out::new(global.json),
            global,
            paths,
            profiles,
            credentials: CredentialStore::with_service(service),
            lock,
        })
    }

    /// A profile by id or (case-insensitive) name.
    pub fn find_profile(&self, name: &str) -> CliResult<Profile> {
        let wanted = name.trim();
        let all = self.profiles.list()?;
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
            None => Ok(self.profiles.active()?),
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
        match check(&self.lock) {
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
                self.lock.unlock(&pass)?;
                check(&self.lock).map_err(Into::into)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The chosen profile, checked for `kind`, with its database open.
    pub fn session(&mut self, kind: ActionKind) -> CliResult<Session> {
        let profile = self.profile()?;
        self.authorize(&profile, kind)?;
        let dir = self.paths.profile_dir(&profile.id);
        std::fs::create_dir_all(&dir)
            .map_err(|e| CliError::io(&format!("cannot create {}", dir.display()), e))?;
        let store = Store::open_with(
            self.paths.profile_db(&profile.id),
            OpenOptions {
                profile: Some(profile.id.clone()),
                ..OpenOptions::default()
            },
        )?;
        Ok(Session {
            zone: Zone::named(&profile.time_zone),
            profile,
            store,
        })
    }

    /// The running sandbox's address (`--sandbox-url`), if one was given.
    pub fn sandbox_url(&self) -> Option<&str> {
        self.global
            .sandbox_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
    }

    /// The API address, by the app's rule (`subdesk_profiles::api_address`): the running
    /// sandbox's, on this computer only, for the sandbox profile; the stored one, checked
    /// again, for test and live profiles.
    pub fn base_url(&self, profile: &Profile) -> CliResult<String> {
        if profile.mode == Mode::Sandbox && self.sandbox_url().is_none() {
            return Err(CliError::bad_input(
                ErrorCode::SandboxUrlMissing,
                "the sandbox profile needs a running sandbox: start one with `subdesk-cli sandbox` \
                 and pass its address with --sandbox-url URL or SUBDESK_SANDBOX_URL",
            ));
        }
        subdesk_profiles::api_address(profile, self.sandbox_url()).map_err(|e| {
            if profile.mode == Mode::Sandbox {
                CliError::bad_input(ErrorCode::InvalidSandboxUrl, format!("--sandbox-url: {e}"))
            } else {
                e.into()
            }
        })
    }

    /// The profile's credentials: the sandbox's public ones, or the keyring's. The keyring
    /// is blocking D-Bus, so it is asked off the async threads.
    pub async fn credentials(&self, profile: &Profile) -> CliResult<Credentials> {
        if profile.is_sandbox() {
            return Ok(Credentials::sandbox());
        }
        let store = self.credentials.clone();
        let p = profile.clone();
        tokio::task::spawn_blocking(move || store.load(&p))
            .await
            .map_err(|e| CliError::other(ErrorCode::Internal, format!("keyring task failed: {e}")))?
            .map_err(Into::into)
    }

    /// An i'mport client for the profile.
    pub async fn client(&self, profile: &Profile) -> CliResult<Client> {
        let url = self.base_url(profile)?;
        let creds = self.credentials(profile).await?;
        let mut config = Config::new(
            creds.imp_key.clone(),
            SecretString::from(creds.imp_secret.expose_secret().to_owned()),
        )
        .base_url(&url)?;
        if let Some(tier) = profile.tier.as_deref() {
            config = config.tier(Tier::new(tier)?);
        }
        Ok(Client::new(config)?)
    }
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
