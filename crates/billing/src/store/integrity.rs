//! Is this file a healthy SQLite database of ours? Checked before a store opens it
//! and before a backup is put in its place; a file that is not is reported as the one
//! corruption error, naming the newest backup to recover from.

use std::path::Path;

use rusqlite::Connection;

use crate::error::{Error, Result};
use crate::store::backups::latest_backup_path;

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

pub(crate) fn corrupt(path: &Path, detail: impl Into<String>) -> Error {
    Error::DbCorrupt {
        path: path.display().to_string(),
        detail: detail.into(),
        latest_backup: latest_backup_path(path).map(|p| p.display().to_string()),
    }
}

/// Map an error met while opening: "not a database" and "malformed" become the
/// one clear corruption error.
pub(crate) fn open_error(path: &Path, e: rusqlite::Error) -> Error {
    use rusqlite::ffi::ErrorCode;
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => corrupt(path, e.to_string()),
        _ => e.into(),
    }
}

/// A non-empty file that does not start with the SQLite magic is not ours.
pub(crate) fn check_header(path: &Path) -> Result<()> {
    use std::io::Read;
    let Ok(mut f) = std::fs::File::open(path) else {
        return Ok(()); // missing: it will be created
    };
    let mut head = [0u8; 16];
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) => return Err(Error::io(format!("read {}", path.display()), e)),
        }
    }
    if n == 0 {
        return Ok(()); // empty file: SQLite treats it as a new database
    }
    if n < 16 || &head != SQLITE_MAGIC {
        return Err(corrupt(path, "file is not a SQLite database"));
    }
    Ok(())
}

pub(crate) fn quick_check(conn: &Connection, path: &Path) -> Result<()> {
    let mut stmt = conn
        .prepare("PRAGMA quick_check")
        .map_err(|e| open_error(path, e))?;
    let rows: Vec<String> = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .and_then(|it| it.collect())
        .map_err(|e| open_error(path, e))?;
    if rows.len() == 1 && rows[0] == "ok" {
        Ok(())
    } else {
        let mut detail = rows.into_iter().take(3).collect::<Vec<_>>().join("; ");
        if detail.is_empty() {
            detail = "integrity check failed".into();
        }
        Err(corrupt(path, detail))
    }
}
