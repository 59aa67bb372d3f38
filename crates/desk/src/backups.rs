//! Backups of a profile to a folder the user chose, and restoring from one: what the app's
//! Settings and its schedule, and `subdesk-cli store`, all call. The copies and their
//! checks are subdesk-billing's (`store::backups`); the settings live in profiles.json
//! (subdesk-profiles); here is what ties them to a profile.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use subdesk_billing::{BackupContents, BackupOwner, FolderBackup};
use subdesk_profiles::{BackupSettings, Profile};

use crate::desk::Desk;
use crate::error::{ErrorCode, IpcError, IpcResult};
use crate::session::Session;

/// Whose backups a profile's are: its id and mode (a backup goes back only into the
/// profile it was taken of).
pub fn owner(profile: &Profile) -> BackupOwner {
    BackupOwner {
        profile_id: profile.id.clone(),
        mode: profile.mode.as_str().to_owned(),
    }
}

/// Saves the session's profile's backup settings (checked by subdesk-profiles) and
/// records the change in its audit log.
pub fn save_settings(
    desk: &Desk,
    session: &Session,
    settings: &BackupSettings,
) -> IpcResult<BackupSettings> {
    let before = desk.profiles.backup_settings(&session.profile.id)?;
    let saved = desk
        .profiles
        .set_backup_settings(&session.profile.id, settings)?;
    if saved != before {
        session.store.audit_record(
            "db.backup_settings",
            &serde_json::json!({ "before": before, "after": saved }),
            "ok",
        )?;
    }
    Ok(saved)
}

fn no_folder() -> IpcError {
    IpcError::new(
        ErrorCode::BackupFolderUnavailable,
        "no backup folder is chosen for this profile",
    )
    .with_details(serde_json::json!({ "folder": null }))
}

/// The folder to use: the one given (the CLI's `--to`/`--in`), else the profile's.
pub fn folder_of(desk: &Desk, profile: &Profile, given: Option<&Path>) -> IpcResult<PathBuf> {
    match given {
        Some(p) => Ok(p.to_path_buf()),
        None => desk
            .profiles
            .backup_settings(&profile.id)?
            .folder
            .map(PathBuf::from)
            .ok_or_else(no_folder),
    }
}

/// Backs the session's profile up to `folder` (or its chosen folder) now, keeping as many
/// as its settings say.
pub fn back_up(desk: &Desk, session: &Session, folder: Option<&Path>) -> IpcResult<FolderBackup> {
    let folder = folder_of(desk, &session.profile, folder)?;
    let keep = desk.profiles.backup_settings(&session.profile.id)?.keep;
    Ok(session
        .store
        .backup_to_folder(&folder, &owner(&session.profile), keep as usize)?)
}

/// `profile`'s backups in `folder` (or its chosen folder), newest first.
pub fn list(desk: &Desk, profile: &Profile, folder: Option<&Path>) -> IpcResult<Vec<FolderBackup>> {
    let folder = folder_of(desk, profile, folder)?;
    Ok(subdesk_billing::list_folder_backups(
        &folder,
        &owner(profile),
    )?)
}

/// When `profile`'s newest backup in its folder was taken (None: no folder, no backup,
/// or the folder cannot be read now).
pub fn last_success(desk: &Desk, profile: &Profile) -> Option<i64> {
    let folder = folder_of(desk, profile, None).ok()?;
    subdesk_billing::latest_in_folder(&folder, &profile.id)
        .ok()
        .flatten()
}

/// What a restore did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Restored {
    pub contents: BackupContents,
    /// The copy of the store as it was, taken before it was replaced (None when it could
    /// not be opened: a damaged store, or a new computer's empty one).
    pub previous: Option<String>,
}

/// Puts `file`, a backup of `profile`, in place of its store and opens the profile on it
/// as the desk's session. The file is checked in full first (nothing is replaced for a
/// damaged, cut-short or foreign file); the store as it was is backed up beside it and
/// kept as `.replaced-<time>`. Money waits for a sync afterwards. Works on a new computer
/// as well: a profile of the same name there restores its old store from the folder.
pub fn restore(desk: &Desk, profile: &Profile, file: &Path) -> IpcResult<(Arc<Session>, Restored)> {
    let owner = owner(profile);
    let contents = subdesk_billing::inspect_backup(file, &owner, true)?;
    let previous = desk.close_for_restore(profile)?;
    let session = match desk.restore_session(profile, file, &owner) {
        Ok(s) => s,
        Err(e) => {
            // Whatever stopped it, the profile opens again on what is there now.
            let _ = desk.open_session(profile);
            return Err(e);
        }
    };
    tracing::info!(profile = %profile.id, file = %file.display(), "backup restored");
    Ok((session, Restored { contents, previous }))
}

/// When `profile`'s next scheduled backup is due (Unix seconds; None when off or no
/// folder), given the last attempt of this run that failed.
pub fn next_due(
    desk: &Desk,
    profile: &Profile,
    last_failure: Option<i64>,
    now: i64,
) -> IpcResult<Option<i64>> {
    let settings = desk.profiles.backup_settings(&profile.id)?;
    Ok(settings.next_due(last_success(desk, profile), last_failure, now))
}

/// The schedule's question: is `profile`'s backup due at `now`?
pub fn is_due(
    desk: &Desk,
    profile: &Profile,
    last_failure: Option<i64>,
    now: i64,
) -> IpcResult<bool> {
    Ok(next_due(desk, profile, last_failure, now)?.is_some_and(|due| due <= now))
}
