//! The active profile's working set: its database and an API client for its account.
//! Opened at start-up and on every profile switch; commands borrow it through
//! [`crate::state::AppState::session`].

use std::path::PathBuf;
use std::sync::Arc;

use secrecy::ExposeSecret;
use subdesk_billing::{OpenOptions, ReconcileReport, Recovery, Store};
use subdesk_iamport::{Client, Config, SecretString, Tier};
use subdesk_profiles::{Credentials, Mode, Profile, api_address};

use crate::error::{IpcError, IpcResult};
use crate::state::AppState;
use subdesk_codes::ErrorCode;

pub struct Session {
    pub profile: Profile,
    pub store: Store,
    pub client: Client,
    /// Set once the journal's open rows from earlier runs were reconciled: no new money
    /// moves on this profile before that.
    reconciled: tokio::sync::OnceCell<()>,
}

pub const DB_FILE: &str = "subdesk.db";

impl Session {
    /// Opens the profile's database (migrating it, with a backup first) and prepares its
    /// client with the profile's credentials from the keyring.
    pub fn open(profile: &Profile, state: &AppState) -> IpcResult<Arc<Self>> {
        Self::with_store(profile, state, Store::open_with)
    }

    /// Replaces the profile's damaged database (kept beside it) as `how` says, then opens
    /// the profile on the result.
    pub fn recover(profile: &Profile, state: &AppState, how: Recovery) -> IpcResult<Arc<Self>> {
        Self::with_store(profile, state, |path, opts| {
            subdesk_billing::recover(path, how, opts)
        })
    }

    fn with_store(
        profile: &Profile,
        state: &AppState,
        open: impl FnOnce(PathBuf, OpenOptions) -> subdesk_billing::Result<Store>,
    ) -> IpcResult<Arc<Self>> {
        let dir = state.paths.profile_dir(&profile.id);
        std::fs::create_dir_all(&dir)
            .map_err(|e| IpcError::internal(format!("cannot create {}: {e}", dir.display())))?;
        let store = open(
            dir.join(DB_FILE),
            OpenOptions {
                profile: Some(profile.id.clone()),
                ..OpenOptions::default()
            },
        )?;
        let client = client_for(profile, state)?;
        Ok(Arc::new(Self {
            profile: profile.clone(),
            store,
            client,
            reconciled: tokio::sync::OnceCell::new(),
        }))
    }

    /// Looks up every unresolved journal row at i'mport and settles it.
    pub async fn reconcile(&self) -> IpcResult<ReconcileReport> {
        let report = subdesk_billing::reconcile(&self.store, &self.client).await?;
        if report.resolved > 0 || report.still_open > 0 {
            tracing::info!(
                resolved = report.resolved,
                still_open = report.still_open,
                "journal reconciled"
            );
        }
        Ok(report)
    }

    /// Reconciles once per session before the first new money movement. Callers that
    /// arrive while it runs wait for it; a failed attempt is tried again by the next one.
    pub async fn ensure_reconciled(&self) -> IpcResult<()> {
        self.reconciled
            .get_or_try_init(|| async { self.reconcile().await.map(|_| ()) })
            .await
            .map(|_| ())
    }
}

/// The API address a profile talks to, by the one rule (`subdesk_profiles::api_address`):
/// the running sandbox's, on loopback only, for the sandbox profile; the stored address,
/// checked again, for test and live profiles.
pub fn base_url(profile: &Profile, state: &AppState) -> IpcResult<String> {
    if profile.mode == Mode::Sandbox && state.sandbox_url.is_none() {
        return Err(IpcError::new(
            ErrorCode::SandboxUnavailable,
            "the built-in sandbox is not running",
        ));
    }
    Ok(api_address(profile, state.sandbox_url.as_deref())?)
}

/// The profile's credentials: the sandbox's public defaults, or the keyring's entry.
pub fn credentials(profile: &Profile, state: &AppState) -> IpcResult<Credentials> {
    if profile.is_sandbox() {
        return Ok(Credentials::sandbox());
    }
    let creds = state.credentials.load(profile)?;
    // Whatever reaches a log line later is masked, even if some error echoes it.
    state
        .redactor
        .register_secret(creds.imp_secret.expose_secret());
    Ok(creds)
}

fn client_for(profile: &Profile, state: &AppState) -> IpcResult<Client> {
    let url = base_url(profile, state)?;
    let creds = credentials(profile, state)?;
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
