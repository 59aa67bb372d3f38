//! A profile's working set: its database and an i'mport client for its account.
//!
//! The app keeps one current session (see [`crate::Desk`]); the CLI opens one per command.
//! Either way the session is checked before use on the profile it belongs to.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use secrecy::ExposeSecret;
use subdesk_billing::{OpenOptions, ReconcileReport, Recovery, Store};
use subdesk_iamport::{Client, Config, SecretString, Tier};
use subdesk_profiles::{CredentialStore, Credentials, Mode, Profile, api_address};

use crate::desk::DeskHost;
use crate::error::{ErrorCode, IpcError, IpcResult};
use crate::paths::DataDir;

pub struct Session {
    pub profile: Profile,
    pub store: Store,
    /// Built on first use: reading the registry needs no keyring, talking to i'mport does.
    client: OnceLock<Client>,
    account: Account,
    /// Set once the journal's open rows from earlier runs were reconciled: no new money
    /// moves on this profile before that.
    reconciled: tokio::sync::OnceCell<()>,
    /// The integrity check's answer: set at open when the store was checked then, else
    /// when [`Session::ensure_intact`] has run it. No money moves before it is Ok.
    integrity: tokio::sync::OnceCell<Result<(), IpcError>>,
}

/// What a session needs to build its client: where the API is and where the keys are.
#[derive(Clone)]
pub(crate) struct Account {
    pub sandbox_url: Option<String>,
    pub credentials: CredentialStore,
    pub host: Arc<dyn DeskHost>,
}

impl Session {
    /// Opens the profile's database (migrating it, with a backup first). The client is
    /// made when first asked for.
    pub(crate) fn open(profile: &Profile, data: &DataDir, account: Account) -> IpcResult<Self> {
        Self::with_store(profile, data, account, true, Store::open_with)
    }

    /// Opens the profile's database like [`Session::open`], but leaves its integrity
    /// check to [`Session::ensure_intact`]: what the app does, so that a store of a
    /// million payments is on screen at once and checked just after.
    pub(crate) fn open_checked_later(
        profile: &Profile,
        data: &DataDir,
        account: Account,
    ) -> IpcResult<Self> {
        Self::with_store(profile, data, account, false, Store::open_with)
    }

    /// Replaces the profile's damaged database (kept beside it) as `how` says, then opens
    /// the profile on the result.
    pub(crate) fn recover(
        profile: &Profile,
        data: &DataDir,
        account: Account,
        how: Recovery,
    ) -> IpcResult<Self> {
        Self::with_store(profile, data, account, true, |path, opts| {
            subdesk_billing::recover(path, how, opts)
        })
    }

    /// Replaces the profile's store with `backup` from a chosen folder (checked in full,
    /// the replaced file kept beside it), then opens the profile on the result.
    pub(crate) fn restore(
        profile: &Profile,
        data: &DataDir,
        account: Account,
        backup: &std::path::Path,
        owner: &subdesk_billing::BackupOwner,
    ) -> IpcResult<Self> {
        Self::with_store(profile, data, account, true, |path, opts| {
            subdesk_billing::restore_from_folder(path, backup, owner, opts).map(|(s, _)| s)
        })
    }

    /// Opens `profile` after a refresh from the shared store put `copy` in place of its
    /// store (checked in full first; the store it replaces is not kept).
    pub(crate) fn refreshed(
        profile: &Profile,
        data: &DataDir,
        account: Account,
        copy: &std::path::Path,
        owner: &subdesk_billing::BackupOwner,
    ) -> IpcResult<Self> {
        Self::with_store(profile, data, account, true, |path, opts| {
            subdesk_billing::refresh_from_shared_copy(path, copy, owner, opts).map(|(s, _)| s)
        })
    }

    /// Opens the store through `open`, checked in full at open or, with `check_at_open`
    /// false, left for [`Session::ensure_intact`].
    fn with_store(
        profile: &Profile,
        data: &DataDir,
        account: Account,
        check_at_open: bool,
        open: impl FnOnce(PathBuf, OpenOptions) -> subdesk_billing::Result<Store>,
    ) -> IpcResult<Self> {
        let dir = data.profile_dir(&profile.id);
        std::fs::create_dir_all(&dir)
            .map_err(|e| IpcError::internal(format!("cannot create {}: {e}", dir.display())))?;
        let store = open(
            data.profile_db(&profile.id),
            OpenOptions {
                profile: Some(profile.id.clone()),
                check_at_open,
                ..OpenOptions::default()
            },
        )?;
        Ok(Self {
            profile: profile.clone(),
            store,
            client: OnceLock::new(),
            account,
            reconciled: tokio::sync::OnceCell::new(),
            integrity: if check_at_open {
                tokio::sync::OnceCell::new_with(Some(Ok(())))
            } else {
                tokio::sync::OnceCell::new()
            },
        })
    }

    /// Runs the integrity check once (on a blocking thread) if it was left for later,
    /// and answers it: `db_corrupt`, naming the latest backup, for a damaged file. Its
    /// answer is kept; a check that could not run at all is not, and runs again next time.
    pub async fn ensure_intact(&self) -> IpcResult<()> {
        self.integrity
            .get_or_try_init(|| async {
                let store = self.store.clone();
                match tokio::task::spawn_blocking(move || store.check_integrity()).await {
                    Ok(checked) => Ok(checked.map_err(IpcError::from)),
                    Err(e) => Err(IpcError::internal(format!(
                        "integrity check failed to run: {e}"
                    ))),
                }
            })
            .await?
            .clone()
    }

    /// The check's failure, once it has run and failed.
    pub fn damaged(&self) -> Option<IpcError> {
        self.integrity.get().and_then(|r| r.clone().err())
    }

    /// True while a check left for later has not answered yet.
    pub fn integrity_pending(&self) -> bool {
        !self.integrity.initialized()
    }

    /// The i'mport client for the profile's account, made on first use from its API
    /// address and its keyring credentials. Blocks on the keyring the first time.
    pub fn client(&self) -> IpcResult<&Client> {
        if let Some(client) = self.client.get() {
            return Ok(client);
        }
        let client = client_for(&self.profile, &self.account)?;
        // A racing caller may have set it first; either client is the same.
        Ok(self.client.get_or_init(|| client))
    }

    /// Looks up every unresolved journal row at i'mport and settles it.
    pub async fn reconcile(&self) -> IpcResult<ReconcileReport> {
        let report = subdesk_billing::reconcile(&self.store, self.client()?).await?;
        if report.resolved > 0 || report.still_open > 0 {
            tracing::info!(
                resolved = report.resolved,
                still_open = report.still_open,
                "journal reconciled"
            );
        }
        Ok(report)
    }

    /// Reconciles once per session before the first new money movement (DESIGN
    /// principle 1). Callers that arrive while it runs wait for it; a failed attempt is
    /// tried again by the next one. Returns the report when this call did the work.
    pub async fn ensure_reconciled(&self) -> IpcResult<Option<ReconcileReport>> {
        // A store not yet checked moves no money.
        self.ensure_intact().await?;
        let mut report = None;
        self.reconciled
            .get_or_try_init(|| async {
                report = Some(self.reconcile().await?);
                Ok::<_, IpcError>(())
            })
            .await?;
        Ok(report)
    }
}

/// The API address a profile talks to, by the one rule (`subdesk_profiles::api_address`):
/// the running sandbox's, on loopback only, for the sandbox profile; the stored address,
/// checked again, for test and live profiles.
pub fn base_url(profile: &Profile, sandbox_url: Option<&str>) -> IpcResult<String> {
    if profile.mode == Mode::Sandbox && sandbox_url.is_none() {
        return Err(IpcError::new(
            ErrorCode::SandboxUnavailable,
            "the built-in sandbox is not running",
        ));
    }
    Ok(api_address(profile, sandbox_url)?)
}

/// The profile's credentials: the sandbox's public defaults, or the keyring's entry.
pub(crate) fn credentials(profile: &Profile, account: &Account) -> IpcResult<Credentials> {
    if profile.is_sandbox() {
        return Ok(Credentials::sandbox());
    }
    let creds = account.credentials.load(profile)?;
    // Whatever reaches a log line later is masked, even if some error echoes it.
    account.host.secret_seen(creds.imp_secret.expose_secret());
    Ok(creds)
}

fn client_for(profile: &Profile, account: &Account) -> IpcResult<Client> {
    let url = base_url(profile, account.sandbox_url.as_deref())?;
    let creds = credentials(profile, account)?;
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
