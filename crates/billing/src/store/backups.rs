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
    let now = time::OffsetDateTime::now_utc();
    let stamp = format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}.{:03}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
        now.millisecond()
    );
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
