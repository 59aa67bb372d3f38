//! The active profile's working set: its database and an API client for its account.
//! Opened at start-up and on every profile switch; commands borrow it through
//! [`crate::state::AppState::session`].

use std::sync::Arc;

use subdesk_billing::{OpenOptions, Store};
use subdesk_iamport::{Client, Config, SecretString};

use crate::error::{IpcError, IpcResult};
use crate::profiles::{Mode, Profile};
use crate::state::Paths;

pub struct Session {
    pub profile: Profile,
    pub store: Store,
    pub client: Client,
}

pub const DB_FILE: &str = "subdesk.db";

impl Session {
    /// Opens the profile's database (migrating it, with a backup first) and prepares its
    /// client. `sandbox_url` is the embedded sandbox's address for the sandbox profile.
    pub fn open(
        profile: &Profile,
        paths: &Paths,
        sandbox_url: Option<&str>,
    ) -> IpcResult<Arc<Self>> {
        let dir = paths.profile_dir(&profile.id);
        std::fs::create_dir_all(&dir)
            .map_err(|e| IpcError::internal(format!("cannot create {}: {e}", dir.display())))?;
        let store = Store::open_with(
            dir.join(DB_FILE),
            OpenOptions {
                profile: Some(profile.id.clone()),
                ..OpenOptions::default()
            },
        )?;
        let client = client_for(profile, sandbox_url)?;
        Ok(Arc::new(Self {
            profile: profile.clone(),
            store,
            client,
        }))
    }
}

fn client_for(profile: &Profile, sandbox_url: Option<&str>) -> IpcResult<Client> {
    let config = match profile.mode {
        Mode::Sandbox => {
            let url = sandbox_url.ok_or_else(|| {
                IpcError::new(
                    crate::error::codes::SANDBOX_UNAVAILABLE,
                    "the built-in sandbox is not running",
                )
            })?;
            Config::new(
                subdesk_sandbox::DEFAULT_IMP_KEY,
                SecretString::from(subdesk_sandbox::DEFAULT_IMP_SECRET),
            )
            .base_url(url)?
        }
        Mode::Test | Mode::Live => {
            return Err(IpcError::new(
                crate::error::codes::CREDENTIALS_MISSING,
                "this profile has no API credentials yet",
            ));
        }
    };
    Ok(Client::new(config)?)
}
