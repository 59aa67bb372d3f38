//! Team mode's shared store, as the app and `subdesk-cli store migrate` use it: copying a
//! profile's store into a PostgreSQL server, and restoring a profile's store from one (a
//! new laptop getting the registry back). The copy, the fetch and their checks are
//! subdesk-billing's (`store::shared`); here is what ties them to a profile.

use std::path::PathBuf;
use std::sync::Arc;

use subdesk_billing::{BackupContents, CopyProgress, SharedCopy, SharedTarget};
use subdesk_profiles::Profile;

use crate::backups::{self, Restored};
use crate::desk::Desk;
use crate::error::{ErrorCode, IpcError, IpcResult};
use crate::session::Session;

/// Copy the session's store into the shared store at `url` (`password` when the URL has
/// none), saying how far it is. A damaged store is not copied: the integrity check
/// answers first.
pub async fn copy_to_shared(
    session: &Session,
    url: &str,
    password: Option<&str>,
    progress: impl Fn(&CopyProgress) + Send + Sync + 'static,
) -> IpcResult<SharedCopy> {
    let target = SharedTarget::parse(url, password)?;
    session.ensure_intact().await?;
    let store = session.store.clone();
    tokio::task::spawn_blocking(move || store.copy_to_shared_with(&target, &progress))
        .await
        .map_err(|e| IpcError::internal(format!("the copy stopped: {e}")))?
        .map_err(IpcError::from)
}

/// What the shared store at `url` would put in place of `profile`'s store: it is built as
/// a backup beside the store, read, and removed. Nothing is replaced.
pub async fn inspect_shared(
    desk: &Desk,
    profile: &Profile,
    url: &str,
    password: Option<&str>,
) -> IpcResult<BackupContents> {
    // The file goes when `Fetched` does, here.
    Ok(fetch(desk, profile, url, password).await?.contents.clone())
}

/// Replace `profile`'s store with the shared store at `url`, as a restore from a backup
/// does: the file is checked in full, the store it replaces is kept beside it, and money
/// waits for a sync. The session then runs on the restored store.
pub async fn restore_from_shared(
    desk: &Desk,
    profile: &Profile,
    url: &str,
    password: Option<&str>,
) -> IpcResult<(Arc<Session>, Restored)> {
    let fetched = fetch(desk, profile, url, password).await?;
    let restored = backups::restore(desk, profile, &fetched.file);
    tracing::info!(profile = %profile.id, ok = restored.is_ok(), "restore from the shared store");
    restored
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

/// The shared store at `url` written as `profile`'s backup (see [`Fetched`]).
pub async fn fetch(
    desk: &Desk,
    profile: &Profile,
    url: &str,
    password: Option<&str>,
) -> IpcResult<Fetched> {
    let target = SharedTarget::parse(url, password)?;
    let dir = desk.data.profile_dir(&profile.id);
    std::fs::create_dir_all(&dir)
        .map_err(|e| IpcError::new(ErrorCode::IoError, format!("{}: {e}", dir.display())))?;
    let file = dir.join(format!("from-shared-{}.sqlite3", ulid::Ulid::new()));
    let owner = backups::owner(profile);
    let at = file.clone();
    let contents = tokio::task::spawn_blocking(move || target.fetch_as_backup(&at, &owner))
        .await
        .map_err(|e| IpcError::internal(format!("the fetch stopped: {e}")))??;
    Ok(Fetched { file, contents })
}
