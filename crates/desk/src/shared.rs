//! Team mode's shared store, as the app and `subdesk-cli store migrate` use it: where a
//! profile's shared store is (its address in profiles.json, its password in the OS
//! keyring), copying the profile's store into it — by hand and on a schedule — restoring
//! a profile's store from it (a new laptop getting the registry back), and a read-only
//! desk's copy of it, refreshed by hand and on a schedule (the finance clerk's desk). The copy,
//! the fetch and their checks are subdesk-billing's (`store::shared`); here is what ties
//! them to a profile.

use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;
use subdesk_billing::mirror::sync::CancelToken;
use subdesk_billing::{BackupContents, CopyProgress, SharedCopy, SharedTarget};
use subdesk_profiles::{Admin, ExposeSecret, Profile, SecretString, SharedSettings};

use crate::backups::{self, Restored};
use crate::desk::Desk;
use crate::error::{ErrorCode, IpcError, IpcResult};
use crate::session::Session;

/// A profile's shared store settings, and whether a password is saved for them.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SharedSetup {
    pub settings: SharedSettings,
    /// A password is in the keyring (it is never read back to a screen).
    pub password_saved: bool,
}

/// What to do with the saved password when the settings are saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordChange<'a> {
    /// Leave it as it is (the form's password field left empty).
    Keep,
    /// Save this one in its place.
    Set(&'a str),
    /// Forget it.
    Forget,
}

/// `profile`'s shared store settings. Blocking (the keyring): call it off async workers.
pub fn setup(desk: &Desk, profile: &Profile) -> IpcResult<SharedSetup> {
    Ok(SharedSetup {
        settings: desk.profiles.shared_settings(&profile.id)?,
        password_saved: desk.credentials().has_shared_password(profile)?,
    })
}

/// Saves the session's profile's shared store settings: the address checked as a
/// PostgreSQL address and refused when it carries a password (profiles.json is a plain
/// file: the password goes to the keyring, from its own field), the schedule checked by
/// subdesk-profiles; the change recorded in the audit log, never the password. A read-only
/// profile's settings are an admin's change (`admin`, with the passphrase typed; see
/// `ProfileStore::set_shared_settings`); a writable one's are the session's. Blocking.
pub fn save_settings(
    desk: &Desk,
    session: &Session,
    settings: &SharedSettings,
    password: PasswordChange<'_>,
    admin: Option<&Admin>,
) -> IpcResult<SharedSetup> {
    let profile = &session.profile;
    let normal = settings.normalize().map_err(IpcError::from)?;
    if let Some(url) = &normal.url
        && SharedTarget::parse(url, None)?.has_password()
    {
        return Err(IpcError::from(
            subdesk_profiles::Error::InvalidSharedSettings {
                field: "url",
                reason: "the address carries a password: type it in the password field, which keeps it in the keyring".into(),
            },
        ));
    }
    if profile.read_only {
        // Checked before the keyring is touched; the profiles' store checks it again
        // under its lock.
        subdesk_profiles::check_reading_desk_change(profile, admin)?;
    }
    let keys = desk.credentials();
    // The password first: a keyring that refuses leaves the settings as they were.
    let password_note = match password {
        PasswordChange::Keep => "kept",
        PasswordChange::Set(p) => {
            keys.save_shared_password(profile, &SecretString::from(p.to_owned()))?;
            "saved"
        }
        PasswordChange::Forget => {
            keys.delete_shared_password(profile)?;
            "forgotten"
        }
    };
    let before = desk.profiles.shared_settings(&profile.id)?;
    let saved = desk
        .profiles
        .set_shared_settings(&profile.id, &normal, admin)?;
    if saved != before || password_note != "kept" {
        session.store.audit_record(
            "db.shared_settings",
            &serde_json::json!({ "before": before, "after": saved, "password": password_note }),
            "ok",
        )?;
    }
    setup(desk, profile)
}

/// The shared store to use: `url` when given (the CLI's `--to URL`, the form's address),
/// else the profile's saved one; the password given, else — for the saved address — the
/// keyring's. Blocking (the keyring): the app calls it on its blocking pool.
pub fn target(
    desk: &Desk,
    profile: &Profile,
    url: Option<&str>,
    password: Option<&str>,
) -> IpcResult<SharedTarget> {
    let settings = desk.profiles.shared_settings(&profile.id)?;
    let given = url.map(str::trim).filter(|u| !u.is_empty());
    let url = match (given, &settings.url) {
        (Some(u), _) => u,
        (None, Some(s)) => s.as_str(),
        (None, None) => {
            return Err(IpcError::new(
                ErrorCode::SharedStoreNotChosen,
                "no shared store address is saved for this profile",
            ));
        }
    };
    let given_password = password.filter(|p| !p.is_empty());
    let target = SharedTarget::parse(url, given_password)?;
    if target.has_password() || !settings.means_saved(Some(url)) {
        return Ok(target);
    }
    match desk.credentials().shared_password(profile)? {
        Some(p) => Ok(SharedTarget::parse(url, Some(p.expose_secret()))?),
        None => Ok(target),
    }
}

/// Copy the session's store into the shared store `target` (see [`target`]), saying how
/// far it is; `stop` cancelled before the commit rolls it all back. A damaged store is
/// not copied: the integrity check answers first.
pub async fn copy_to_shared(
    session: &Session,
    target: SharedTarget,
    progress: impl Fn(&CopyProgress) + Send + Sync + 'static,
    stop: CancelToken,
) -> IpcResult<SharedCopy> {
    session.ensure_intact().await?;
    let store = session.store.clone();
    tokio::task::spawn_blocking(move || store.copy_to_shared_with(&target, &progress, &stop))
        .await
        .map_err(|e| IpcError::internal(format!("the copy stopped: {e}")))?
        .map_err(IpcError::from)
}

/// When the session's store was last copied into the address of `settings` (its profile's;
/// None: no address saved, or never copied there).
pub fn last_copy(session: &Session, settings: &SharedSettings) -> IpcResult<Option<i64>> {
    let Some(url) = &settings.url else {
        return Ok(None);
    };
    let shown = SharedTarget::parse(url, None)?.shown().to_owned();
    Ok(session.store.last_shared_copy(&shown)?)
}

/// When the session's next scheduled copy is due (Unix seconds; None when off), given
/// the last attempt of this run that failed.
pub fn next_due(
    desk: &Desk,
    session: &Session,
    last_failure: Option<i64>,
    now: i64,
) -> IpcResult<Option<i64>> {
    let settings = desk.profiles.shared_settings(&session.profile.id)?;
    if settings.every.seconds().is_none() {
        // Off (the schedule asks every minute): no audit query.
        return Ok(None);
    }
    Ok(settings.next_due(last_copy(session, &settings)?, last_failure, now))
}

/// The schedule's question: is the session's copy into its shared store due at `now`?
pub fn is_due(
    desk: &Desk,
    session: &Session,
    last_failure: Option<i64>,
    now: i64,
) -> IpcResult<bool> {
    Ok(next_due(desk, session, last_failure, now)?.is_some_and(|due| due <= now))
}

/// What the shared store `target` would put in place of `profile`'s store: it is built as
/// a backup beside the store, read, and removed. Nothing is replaced.
pub async fn inspect_shared(
    desk: &Desk,
    profile: &Profile,
    target: SharedTarget,
) -> IpcResult<BackupContents> {
    // The file goes when `Fetched` does, here.
    Ok(fetch(desk, profile, target).await?.contents.clone())
}

/// Replace `profile`'s store with the shared store `target`'s, as a restore from a backup
/// does: the file is checked in full, the store it replaces is kept beside it, and money
/// waits for a sync. The session then runs on the restored store.
pub async fn restore_from_shared(
    desk: &Desk,
    profile: &Profile,
    target: SharedTarget,
) -> IpcResult<(Arc<Session>, Restored)> {
    let fetched = fetch(desk, profile, target).await?;
    let restored = backups::restore(desk, profile, &fetched.file);
    tracing::info!(profile = %profile.id, ok = restored.is_ok(), "restore from the shared store");
    restored
}

/// How old a reading desk's copy of the shared store is.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ReadCopy {
    /// When the desk the work is done on last copied its store into the server, as far
    /// as this copy knows: what the data is as of. None: it never did.
    pub as_of: Option<i64>,
    /// When this desk last refreshed its copy; None: never (it shows its own store).
    pub refreshed_at: Option<i64>,
}

/// How old the session's store is as a copy of the shared store.
pub fn read_copy(session: &Session) -> IpcResult<ReadCopy> {
    Ok(ReadCopy {
        as_of: session.store.shared_copy_as_of()?,
        refreshed_at: session.store.last_shared_refresh()?,
    })
}

/// Is `profile` a desk that shows the shared store's copy? Only then may it refresh.
fn check_reading(desk: &Desk, profile: &Profile) -> IpcResult<SharedSettings> {
    let settings = desk.profiles.shared_settings(&profile.id)?;
    if !(profile.read_only && settings.reads_from_server()) {
        return Err(IpcError::new(
            ErrorCode::NotAReadingDesk,
            "this profile does not show the shared store's copy",
        ));
    }
    Ok(settings)
}

/// When a reading desk's next scheduled refresh is due (None when off, or not a reading
/// desk), given the last attempt of this run that failed.
pub fn next_refresh(
    desk: &Desk,
    session: &Session,
    last_failure: Option<i64>,
    now: i64,
) -> IpcResult<Option<i64>> {
    let Ok(settings) = check_reading(desk, &session.profile) else {
        return Ok(None);
    };
    if settings.every.seconds().is_none() {
        return Ok(None);
    }
    Ok(settings.next_due(session.store.last_shared_refresh()?, last_failure, now))
}

/// Replace a reading desk's store with the shared store `target`'s, as it is now: the
/// fetch is checked in full as a restore's is, the desk's store it replaces is not kept
/// (it was the server's copy already), and the session then runs on the new copy. While
/// the server is fetched the desk goes on showing its copy; a failure (the server away)
/// leaves it as it was. Refused for a desk that does not read from the server.
pub async fn refresh_from_shared(
    desk: &Desk,
    profile: &Profile,
    target: SharedTarget,
) -> IpcResult<(Arc<Session>, BackupContents)> {
    check_reading(desk, profile)?;
    let fetched = fetch(desk, profile, target).await?;
    // Asked again at the swap: the role or settings may have changed during the fetch.
    check_reading(desk, profile)?;
    desk.close_for_refresh(profile);
    let owner = backups::owner(profile);
    let session = match desk.refresh_session(profile, fetched.file(), &owner) {
        Ok(s) => s,
        Err(e) => {
            // Whatever stopped it, the profile opens again on what is there now.
            let _ = desk.open_session(profile);
            return Err(e);
        }
    };
    tracing::info!(profile = %profile.id, payments = fetched.contents.payments, "refreshed from the shared store");
    Ok((session, fetched.contents.clone()))
}

/// The shared store written as `profile`'s backup into a file of its own beside the
/// store, removed when this is dropped.
pub struct Fetched {
    file: PathBuf,
    /// What it holds.
    pub contents: BackupContents,
}

impl Fetched {
    /// The backup file, to restore with [`backups::restore`].
    pub fn file(&self) -> &std::path::Path {
        &self.file
    }
}

impl Drop for Fetched {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.file);
    }
}

/// How a fetch's file is named in the profile's folder.
const FETCH_PREFIX: &str = "from-shared-";
/// A fetch's file older than this was left by a process that ended before removing it
/// (a crash, a power cut): no restore waits on it any more.
const FETCH_FORGOTTEN_AFTER: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Removes fetches' files left behind in `dir` (see [`FETCH_FORGOTTEN_AFTER`]); a fetch
/// in progress or held for a confirmation elsewhere is younger and left alone.
fn remove_old_fetches(dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > FETCH_FORGOTTEN_AFTER);
        if name.to_string_lossy().starts_with(FETCH_PREFIX) && old {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// The shared store `target` written as `profile`'s backup (see [`Fetched`]).
pub async fn fetch(desk: &Desk, profile: &Profile, target: SharedTarget) -> IpcResult<Fetched> {
    let dir = desk.data.profile_dir(&profile.id);
    std::fs::create_dir_all(&dir)
        .map_err(|e| IpcError::new(ErrorCode::IoError, format!("{}: {e}", dir.display())))?;
    remove_old_fetches(&dir);
    let file = dir.join(format!("{FETCH_PREFIX}{}.sqlite3", ulid::Ulid::new()));
    let owner = backups::owner(profile);
    let at = file.clone();
    let contents = tokio::task::spawn_blocking(move || target.fetch_as_backup(&at, &owner))
        .await
        .map_err(|e| IpcError::internal(format!("the fetch stopped: {e}")))??;
    Ok(Fetched { file, contents })
}
