//! Which profile a command works on, whether it may, and the handles it works with: the
//! profile's database and an i'mport client with the profile's keyring credentials.

use std::io::IsTerminal;

use secrecy::ExposeSecret;
use subdesk_billing::{OpenOptions, Store};
use subdesk_iamport::{Client, Config, SecretString, Tier};
use subdesk_profiles::{
    ActionKind, AppLock, CredentialStore, Credentials, KEYRING_SERVICE, Mode, Profile,
    ProfileStore, authorize,
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
                    "profile_not_found",
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
        match authorize(profile, kind, &self.lock) {
            Ok(()) => Ok(()),
            Err(subdesk_profiles::Error::AppLocked { what }) => {
                if !self.global.unlock {
                    return Err(CliError::refused(
                        "app_locked",
                        format!(
                            "Subdesk is locked: the passphrase is needed to {what}; run again with --unlock on a terminal"
                        ),
                    ));
                }
                if !std::io::stdin().is_terminal() {
                    return Err(CliError::refused(
                        "app_locked",
                        format!(
                            "Subdesk is locked (needed to {what}) and --unlock needs a terminal to ask for the passphrase"
                        ),
                    ));
                }
                let pass = rpassword::prompt_password("Subdesk passphrase: ")
                    .map_err(|e| CliError::io("reading the passphrase", e))?;
                let pass = SecretString::from(pass);
                self.lock.unlock(&pass)?;
                authorize(profile, kind, &self.lock).map_err(Into::into)
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

    /// The API address: the running sandbox's for the sandbox profile.
    pub fn base_url(&self, profile: &Profile) -> CliResult<String> {
        match profile.mode {
            Mode::Sandbox => {
                let url = self
                    .global
                    .sandbox_url
                    .as_deref()
                    .map(str::trim)
                    .filter(|u| !u.is_empty())
                    .ok_or_else(|| {
                        CliError::bad_input(
                            "sandbox_url_missing",
                            "the sandbox profile needs a running sandbox: start one with `subdesk-cli sandbox` \
                             and pass its address with --sandbox-url URL or SUBDESK_SANDBOX_URL",
                        )
                    })?;
                // Same rule as a profile's address: https, or http to this computer.
                subdesk_profiles::validate_base_url(Mode::Live, Some(url)).map_err(|e| {
                    CliError::bad_input("invalid_sandbox_url", format!("--sandbox-url: {e}"))
                })
            }
            Mode::Test | Mode::Live => Ok(profile.base_url.clone()),
        }
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
            .map_err(|e| CliError::other("internal", format!("keyring task failed: {e}")))?
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
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| CliError::new(Exit::Other, "internal", format!("task failed: {e}")))?
}
