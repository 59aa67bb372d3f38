//! Getting past a database that cannot be used: put a backup in its place, or start
//! empty, keeping the replaced file beside it. Either way the store is marked to wait
//! for a sync before money moves again (see [`resync`](crate::store::resync)).

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::store::backups::{
    BackupContents, BackupOwner, META_TABLE, file_name, inspect_backup, latest_backup_path,
};
use crate::store::db::{OpenOptions, Store};
use crate::store::integrity::{check_header, open_error, quick_check};

/// Replace the database at `db` with `backup` (the store must be closed). The
/// backup is checked first; the file it replaces is kept beside it as
/// `<name>.replaced-<time>` so nothing is lost. Open the store again afterwards.
pub fn restore_backup(db: impl AsRef<Path>, backup: impl AsRef<Path>) -> Result<()> {
    let since = taken_at(backup.as_ref());
    put_in_place(db.as_ref(), backup.as_ref())?;
    let store = Store::open(db.as_ref())?;
    store.write(|tx| crate::store::resync::require_tx(tx, since, "backup"))
}

/// When a backup was taken (its file's time): what i'mport did after it is unknown.
fn taken_at(backup: &Path) -> i64 {
    std::fs::metadata(backup)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// `restore_backup`, returning where the replaced file was kept.
fn put_in_place(db: &Path, backup: &Path) -> Result<Option<PathBuf>> {
    if !backup.exists() {
        return Err(Error::NotFound {
            what: "backup",
            id: backup.display().to_string(),
        });
    }
    check_header(backup)?;
    {
        let conn = Connection::open_with_flags(backup, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| open_error(backup, e))?;
        quick_check(&conn, backup)?;
    }
    let dir = db.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.restoring",
        db.file_name()
            .map(|s| s.to_string_lossy())
            .unwrap_or_default()
    ));
    std::fs::copy(backup, &tmp).map_err(|e| Error::io("copy backup", e))?;
    if let Err(e) = drop_backup_record(&tmp) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    let kept = set_aside(db)?;
    std::fs::rename(&tmp, db).map_err(|e| Error::io("move restored database in place", e))?;
    tracing::info!(db = %db.display(), backup = %backup.display(), "backup restored");
    Ok(kept)
}

/// A folder backup carries a record of what it is (see `backups`): the restored store
/// does not keep it.
fn drop_backup_record(copy: &Path) -> Result<()> {
    let conn = Connection::open(copy)?;
    let has: bool = conn.query_row(
        "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [META_TABLE],
        |r| r.get(0),
    )?;
    if has {
        conn.pragma_update(None, "journal_mode", "DELETE")?;
        conn.execute_batch(&format!("DROP TABLE {META_TABLE}"))?;
    }
    Ok(())
}

/// Replace the database at `db` (the store must be closed) with `backup`, a backup
/// from a chosen folder, and open the result. The file is checked in full and must be
/// `owner`'s before anything is replaced; the replaced file is kept beside it as
/// `<name>.replaced-<time>`. Money waits for a sync (what i'mport did after the backup
/// is unknown), and the audit log of the opened store records the restore.
pub fn restore_from_folder(
    db: impl AsRef<Path>,
    backup: impl AsRef<Path>,
    owner: &BackupOwner,
    opts: OpenOptions,
) -> Result<(Store, BackupContents)> {
    replace_with(db.as_ref(), backup.as_ref(), owner, opts, Replaced::Kept)
}

/// Replace a reading desk's store at `db` (closed) with `copy`, the shared store fetched
/// as `owner`'s backup, and open the result: checked as a restore is, but the store it
/// replaces is not kept. It was the server's copy already (a read-only desk writes
/// nothing of its own), and a refresh every few hours would otherwise fill the disk with
/// copies of it. Recorded in the opened store's audit log as `db.refresh_shared`.
pub fn refresh_from_shared_copy(
    db: impl AsRef<Path>,
    copy: impl AsRef<Path>,
    owner: &BackupOwner,
    opts: OpenOptions,
) -> Result<(Store, BackupContents)> {
    replace_with(db.as_ref(), copy.as_ref(), owner, opts, Replaced::Dropped)
}

/// What becomes of the store a restore or refresh replaces.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Replaced {
    /// Kept beside it as `<name>.replaced-<time>` (a restore).
    Kept,
    /// Removed (a reading desk's refresh).
    Dropped,
}

fn replace_with(
    db: &Path,
    backup: &Path,
    owner: &BackupOwner,
    opts: OpenOptions,
    replaced: Replaced,
) -> Result<(Store, BackupContents)> {
    let contents = inspect_backup(backup, owner, true)?;
    let kept = put_in_place(db, backup)?;
    if replaced == Replaced::Dropped
        && let Some(kept) = &kept
    {
        let _ = std::fs::remove_file(kept);
        // Its WAL files were set aside as `<db>-wal.replaced-<time>` (see `set_aside`).
        if let Some((base, time)) = kept.to_string_lossy().rsplit_once(".replaced-") {
            for ext in ["-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{base}{ext}.replaced-{time}"));
            }
        }
    }
    let store = Store::open_with(db, opts)?;
    store.write(|tx| crate::store::resync::require_tx(tx, contents.taken_at, "backup"))?;
    let summary = serde_json::json!({
        "from": file_name(backup),
        "taken_at": contents.taken_at,
        "customers": contents.customers,
        "active_keys": contents.active_keys,
        "payments": contents.payments,
    });
    match replaced {
        Replaced::Kept => {
            let mut inputs = summary;
            inputs["replaced"] = serde_json::json!(kept.map(file_name));
            store.audit_record("db.restore", &inputs, "ok")?;
        }
        Replaced::Dropped => {
            store.audit_record("db.refresh_shared", &summary, "ok")?;
        }
    }
    Ok((store, contents))
}

/// Move a (damaged) database out of the way as `<name>.replaced-<time>`, so that
/// the next open starts from what is put in its place. Returns the kept file.
fn set_aside(db: &Path) -> Result<Option<PathBuf>> {
    let suffix = format!(".replaced-{}", crate::now());
    let mut kept = None;
    if db.exists() {
        let mut to = db.as_os_str().to_owned();
        to.push(&suffix);
        std::fs::rename(db, &to).map_err(|e| Error::io("set aside the damaged database", e))?;
        kept = Some(PathBuf::from(to));
    }
    // The WAL and shared-memory files belong to the replaced database: replaying
    // them onto another would corrupt it. They go with it.
    for ext in ["-wal", "-shm"] {
        let mut from = db.as_os_str().to_owned();
        from.push(ext);
        let from = PathBuf::from(from);
        if from.exists() {
            let mut to = from.clone().into_os_string();
            to.push(&suffix);
            std::fs::rename(&from, &to)
                .map_err(|e| Error::io(format!("set aside {}", from.display()), e))?;
        }
    }
    Ok(kept)
}

/// How to get past a database that cannot be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Recovery {
    /// Put the newest backup in its place.
    LatestBackup,
    /// Start an empty database (keys come back by import, payments by sync).
    Empty,
}

/// Replace the database at `db` as `how` says, keeping the old file beside it,
/// and open the result. The audit log of the opened store records what was done.
pub fn recover(db: impl AsRef<Path>, how: Recovery, opts: OpenOptions) -> Result<Store> {
    let db = db.as_ref();
    let (from, replaced, since) = match how {
        Recovery::LatestBackup => {
            let backup = latest_backup_path(db).ok_or_else(|| Error::NotFound {
                what: "backup",
                id: db.display().to_string(),
            })?;
            let since = taken_at(&backup);
            let kept = put_in_place(db, &backup)?;
            (file_name(&backup), kept, since)
        }
        Recovery::Empty => ("empty".to_string(), set_aside(db)?, 0),
    };
    let replaced = replaced.map(file_name);
    let store = Store::open_with(db, opts)?;
    let reason = if how == Recovery::Empty {
        "empty"
    } else {
        "backup"
    };
    store.write(|tx| crate::store::resync::require_tx(tx, since, reason))?;
    store.audit_record(
        "db.recover",
        &serde_json::json!({ "from": from, "replaced": replaced }),
        "ok",
    )?;
    Ok(store)
}
