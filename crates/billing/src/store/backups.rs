//! Backups: online copies of the database, kept in `backups/` beside it and named so
//! that they sort by age. Everything here works on paths and connections, not on a
//! [`Store`](crate::store::db::Store): opening a store backs up before it migrates,
//! and recovery puts a backup in place before there is a store to open.

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

const BACKUP_DIR: &str = "backups";

/// A backup file in `backups/`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BackupInfo {
    /// Full path.
    pub path: String,
    /// Size in bytes.
    pub size_bytes: i64,
    /// Modification time, Unix seconds.
    pub created_at: i64,
}

fn backup_dir(db: &Path) -> PathBuf {
    db.parent().unwrap_or(Path::new(".")).join(BACKUP_DIR)
}

fn backup_prefix(db: &Path) -> String {
    format!(
        "{}-",
        db.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "db".into())
    )
}

pub(crate) fn make_backup(conn: &Connection, db: &Path, reason: &str) -> Result<PathBuf> {
    let dir = backup_dir(db);
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(format!("create {}", dir.display()), e))?;
    let stamp = stamp_of(time::OffsetDateTime::now_utc());
    // The timestamp leads so that names sort by age; a counter breaks ties.
    let mut n = 0;
    let target = loop {
        let name = format!("{}{stamp}-{n:03}-{reason}.sqlite3", backup_prefix(db));
        let p = dir.join(name);
        if !p.exists() {
            break p;
        }
        n += 1;
    };
    let tmp = target.with_extension("partial");
    conn.backup(rusqlite::MAIN_DB, &tmp, None)?;
    std::fs::rename(&tmp, &target)
        .map_err(|e| Error::io(format!("finish backup {}", target.display()), e))?;
    tracing::info!(backup = %target.display(), "backup written");
    Ok(target)
}

pub(crate) fn backup_info(p: &Path) -> Result<BackupInfo> {
    let m = std::fs::metadata(p).map_err(|e| Error::io(format!("stat {}", p.display()), e))?;
    let created_at = m
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    Ok(BackupInfo {
        path: p.display().to_string(),
        size_bytes: m.len() as i64,
        created_at,
    })
}

/// Backups of the database at `db`, newest first.
pub fn list_backups(db: &Path) -> Result<Vec<BackupInfo>> {
    let dir = backup_dir(db);
    let prefix = backup_prefix(db);
    let Ok(rd) = std::fs::read_dir(&dir) else {
        return Ok(Vec::new());
    };
    let mut names: Vec<PathBuf> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .map(|n| n.to_string_lossy())
                .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".sqlite3"))
        })
        .collect();
    names.sort();
    names.reverse();
    names.iter().map(|p| backup_info(p)).collect()
}

pub(crate) fn latest_backup_path(db: &Path) -> Option<PathBuf> {
    list_backups(db)
        .ok()
        .and_then(|v| v.into_iter().next())
        .map(|b| PathBuf::from(b.path))
}

pub(crate) fn prune_backups(db: &Path, keep: usize) -> Result<()> {
    for old in list_backups(db)?.into_iter().skip(keep) {
        std::fs::remove_file(&old.path)
            .map_err(|e| Error::io(format!("remove {}", old.path), e))?;
    }
    Ok(())
}

pub(crate) fn file_name(p: impl AsRef<Path>) -> String {
    p.as_ref()
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------
// Backups to a folder the user chose (a NAS, a synced folder): one file per backup, named
// `subdesk-<profile id>-<time>-<n>.sqlite3`, each carrying what it is in a small table of
// its own, so that a new computer can tell whose backup it is and what it holds.

/// Every file Subdesk writes to a chosen folder starts with this.
const FOLDER_PREFIX: &str = "subdesk-";
/// The final names' extension; a file being written ends in `.partial` after it.
const FOLDER_EXT: &str = ".sqlite3";
/// The table a folder backup carries (dropped again when it is restored).
pub(crate) const META_TABLE: &str = "subdesk_backup";

/// Whose backup a file is: the profile's id (its stable name) and mode. A backup is only
/// ever restored into the profile it was taken of, so a test profile's data cannot become
/// a live profile's.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BackupOwner {
    pub profile_id: String,
    /// `sandbox`, `test` or `live`.
    pub mode: String,
}

/// What a folder backup holds, read from the file itself.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BackupContents {
    pub profile_id: String,
    pub mode: String,
    pub schema_version: i64,
    /// When it was taken, Unix seconds.
    pub taken_at: i64,
    pub customers: i64,
    /// Customers whose billing key is active.
    pub active_keys: i64,
    pub payments: i64,
}

/// A backup file in a chosen folder.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FolderBackup {
    /// Full path.
    pub path: String,
    pub file_name: String,
    pub size_bytes: i64,
    /// When it was taken (from its name), Unix seconds.
    pub taken_at: i64,
    /// What it holds; None when it cannot be read (then `problem` says why).
    pub contents: Option<BackupContents>,
    /// Why it cannot be restored, in English for logs; None for a readable backup.
    pub problem: Option<String>,
}

fn stamp_of(now: time::OffsetDateTime) -> String {
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}.{:03}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
        now.millisecond()
    )
}

/// The time in a stamp made by [`stamp_of`], Unix seconds; None for anything else.
fn parse_stamp(s: &str) -> Option<i64> {
    let fmt = time::macros::format_description!(
        "[year][month][day]T[hour][minute][second].[subsecond digits:3]Z"
    );
    time::PrimitiveDateTime::parse(s, fmt)
        .ok()
        .map(|t| t.assume_utc().unix_timestamp())
}

fn folder_prefix(profile_id: &str) -> String {
    format!("{FOLDER_PREFIX}{profile_id}-")
}

/// The time in `name` if it is exactly the name of one of `profile_id`'s folder backups
/// (`subdesk-<id>-<stamp>-<nnn>.sqlite3`): another profile's whose id starts the same
/// (`shop` and `shop-2`) or a stranger's file never matches.
fn owned_stamp(name: &str, profile_id: &str) -> Option<i64> {
    let rest = name
        .strip_prefix(&folder_prefix(profile_id))?
        .strip_suffix(FOLDER_EXT)?;
    let (stamp, n) = rest.rsplit_once('-')?;
    if n.len() != 3 || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    parse_stamp(stamp)
}

fn folder_error(folder: &Path, detail: impl std::fmt::Display) -> Error {
    Error::BackupFolder {
        folder: folder.display().to_string(),
        detail: detail.to_string(),
    }
}

fn not_usable(file: &Path, reason: impl Into<String>) -> Error {
    Error::BackupNotUsable {
        file: file.display().to_string(),
        reason: reason.into(),
    }
}

/// `profile_id`'s backups in `folder` (by name alone), newest first, with their times.
fn owned_files(folder: &Path, profile_id: &str) -> Result<Vec<(PathBuf, i64)>> {
    if !folder.is_dir() {
        return Err(folder_error(folder, "the folder does not exist"));
    }
    let rd = std::fs::read_dir(folder).map_err(|e| folder_error(folder, e))?;
    let mut files: Vec<(PathBuf, i64, String)> = rd
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            owned_stamp(&name, profile_id).map(|at| (e.path(), at, name))
        })
        .collect();
    // Names sort by time (the stamp leads, a counter breaks ties).
    files.sort_by(|a, b| b.2.cmp(&a.2));
    Ok(files.into_iter().map(|(p, at, _)| (p, at)).collect())
}

/// When `profile_id`'s newest backup in `folder` was taken, if it has one.
pub fn latest_in_folder(folder: &Path, profile_id: &str) -> Result<Option<i64>> {
    Ok(owned_files(folder, profile_id)?.first().map(|(_, at)| *at))
}

/// `owner`'s backups in `folder`, newest first, each with what it holds (read from its
/// own table; the full integrity check is for restore).
pub fn list_folder_backups(folder: &Path, owner: &BackupOwner) -> Result<Vec<FolderBackup>> {
    owned_files(folder, &owner.profile_id)?
        .into_iter()
        .map(|(path, taken_at)| {
            let size_bytes = std::fs::metadata(&path)
                .map(|m| m.len() as i64)
                .unwrap_or(0);
            let (contents, problem) = match inspect_backup(&path, owner, false) {
                Ok(c) => (Some(c), None),
                Err(e) => (None, Some(e.to_string())),
            };
            Ok(FolderBackup {
                file_name: file_name(&path),
                path: path.display().to_string(),
                size_bytes,
                taken_at,
                contents,
                problem,
            })
        })
        .collect()
}

/// Reads what a folder backup holds and checks it is `owner`'s, of a schema this build
/// can open; `thorough` adds SQLite's full integrity check (before it is restored or
/// given its final name).
pub fn inspect_backup(path: &Path, owner: &BackupOwner, thorough: bool) -> Result<BackupContents> {
    if !path.is_file() {
        return Err(Error::NotFound {
            what: "backup",
            id: path.display().to_string(),
        });
    }
    check_magic(path)?;
    let conn = Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| not_usable(path, format!("cannot be opened: {e}")))?;
    if thorough {
        let rows: Vec<String> = conn
            .prepare("PRAGMA integrity_check")
            .and_then(|mut s| {
                s.query_map([], |r| r.get::<_, String>(0))?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(|e| not_usable(path, format!("damaged: {e}")))?;
        if rows != ["ok"] {
            return Err(not_usable(
                path,
                format!(
                    "damaged: {}",
                    rows.into_iter().take(3).collect::<Vec<_>>().join("; ")
                ),
            ));
        }
    }
    let contents = conn
        .query_row(
            &format!(
                "SELECT profile_id, mode, schema_version, taken_at, customers, active_keys, payments FROM {META_TABLE}"
            ),
            [],
            |r| {
                Ok(BackupContents {
                    profile_id: r.get(0)?,
                    mode: r.get(1)?,
                    schema_version: r.get(2)?,
                    taken_at: r.get(3)?,
                    customers: r.get(4)?,
                    active_keys: r.get(5)?,
                    payments: r.get(6)?,
                })
            },
        )
        .map_err(|e| not_usable(path, format!("not a Subdesk backup: {e}")))?;
    let schema: Option<i64> = conn
        .query_row("SELECT max(version) FROM schema_migrations", [], |r| {
            r.get(0)
        })
        .map_err(|e| not_usable(path, format!("not a Subdesk store: {e}")))?;
    if schema != Some(contents.schema_version) {
        return Err(not_usable(path, "its schema does not match its own record"));
    }
    if contents.profile_id != owner.profile_id || contents.mode != owner.mode {
        return Err(not_usable(
            path,
            format!(
                "a backup of profile {} ({}), not of {} ({})",
                contents.profile_id, contents.mode, owner.profile_id, owner.mode
            ),
        ));
    }
    if contents.schema_version > crate::store::migrations::SCHEMA_VERSION {
        return Err(Error::DbNewerVersion {
            found: contents.schema_version,
            supported: crate::store::migrations::SCHEMA_VERSION,
        });
    }
    Ok(contents)
}

fn check_magic(path: &Path) -> Result<()> {
    use std::io::Read;
    let mut head = [0u8; 16];
    let ok = std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok();
    if ok && &head == b"SQLite format 3\0" {
        Ok(())
    } else {
        Err(not_usable(path, "not a SQLite database"))
    }
}

/// Writes a copy of the database `src` reads (one read transaction: a consistent
/// snapshot while writers go on) to `folder` for `owner`: under a `.partial` name, its
/// contents recorded in it, checked in full, synced to disk, and only then renamed to its
/// final name. Then the oldest of `owner`'s backups beyond `keep` are removed (only files
/// named as `owner`'s backups; nothing else in the folder is touched).
pub(crate) fn backup_to_folder(
    src: &Connection,
    folder: &Path,
    owner: &BackupOwner,
    keep: usize,
) -> Result<FolderBackup> {
    if !folder.is_dir() {
        return Err(folder_error(folder, "the folder does not exist"));
    }
    let stamp = stamp_of(time::OffsetDateTime::now_utc());
    let mut n = 0;
    let target = loop {
        let p = folder.join(format!(
            "{}{stamp}-{n:03}{FOLDER_EXT}",
            folder_prefix(&owner.profile_id)
        ));
        if !p.exists() {
            break p;
        }
        n += 1;
    };
    let mut tmp = target.clone().into_os_string();
    tmp.push(".partial");
    let tmp = PathBuf::from(tmp);
    let written = write_checked(src, &tmp, owner, folder);
    let contents = match written {
        Ok(c) => c,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            let mut journal = tmp.clone().into_os_string();
            journal.push("-journal");
            let _ = std::fs::remove_file(PathBuf::from(journal));
            return Err(e);
        }
    };
    std::fs::rename(&tmp, &target).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        folder_error(folder, e)
    })?;
    tracing::info!(backup = %target.display(), "backup written to the chosen folder");
    for (old, _) in owned_files(folder, &owner.profile_id)?
        .into_iter()
        .skip(keep.max(1))
    {
        if let Err(e) = std::fs::remove_file(&old) {
            tracing::warn!(file = %old.display(), error = %e, "an old backup could not be removed");
        }
    }
    let size_bytes = std::fs::metadata(&target)
        .map(|m| m.len() as i64)
        .unwrap_or(0);
    Ok(FolderBackup {
        file_name: file_name(&target),
        path: target.display().to_string(),
        size_bytes,
        taken_at: owned_stamp(&file_name(&target), &owner.profile_id).unwrap_or(contents.taken_at),
        contents: Some(contents),
        problem: None,
    })
}

/// Mark a copy as `owner`'s backup with what it holds (the record a restore reads).
pub(crate) fn stamp_as_backup(dest: &Connection, owner: &BackupOwner) -> rusqlite::Result<()> {
    dest.execute_batch(&format!(
        "DROP TABLE IF EXISTS {META_TABLE};
         CREATE TABLE {META_TABLE} (
             profile_id TEXT NOT NULL, mode TEXT NOT NULL, schema_version INTEGER NOT NULL,
             taken_at INTEGER NOT NULL, customers INTEGER NOT NULL,
             active_keys INTEGER NOT NULL, payments INTEGER NOT NULL
         );"
    ))?;
    dest.execute(
        &format!(
            "INSERT INTO {META_TABLE}
             SELECT ?1, ?2, (SELECT max(version) FROM schema_migrations), ?3,
                    (SELECT count(*) FROM customers),
                    (SELECT count(*) FROM customers WHERE key_status = 'active'),
                    (SELECT count(*) FROM payments)"
        ),
        rusqlite::params![owner.profile_id, owner.mode, crate::now()],
    )?;
    Ok(())
}

fn write_checked(
    src: &Connection,
    tmp: &Path,
    owner: &BackupOwner,
    folder: &Path,
) -> Result<BackupContents> {
    let fail = |e: rusqlite::Error| folder_error(folder, e);
    {
        let mut dest = Connection::open(tmp).map_err(fail)?;
        {
            let backup = rusqlite::backup::Backup::new(src, &mut dest).map_err(fail)?;
            // All pages in one step: one read transaction on the source, so the copy is
            // one moment's state however long the folder takes to write.
            match backup.step(-1).map_err(fail)? {
                rusqlite::backup::StepResult::Done => {}
                other => return Err(folder_error(folder, format!("backup stopped: {other:?}"))),
            }
        }
        // The copy is one file: no WAL beside it that a rename would leave behind.
        dest.pragma_update(None, "journal_mode", "DELETE")
            .map_err(fail)?;
        stamp_as_backup(&dest, owner).map_err(fail)?;
    }
    std::fs::File::open(tmp)
        .and_then(|f| f.sync_all())
        .map_err(|e| folder_error(folder, e))?;
    // The very check a restore makes, on the very file that gets the final name.
    inspect_backup(tmp, owner, true)
}
