//! Crash-safe file writes and the advisory lock that lets the app and the CLI share a
//! data folder.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::{Error, Result};

/// The lock file beside profiles.json. A separate file because profiles.json itself is
/// replaced by rename on every write: a lock on the old inode would guard nothing.
pub(crate) const LOCK_FILE: &str = ".profiles.lock";

/// Holds the folder's advisory lock (`flock`/`LockFileEx` through std) until dropped.
/// Every read-modify-write of profiles.json or lock.json happens under it, so two
/// processes writing at once both keep their changes.
pub(crate) struct DirLock {
    file: File,
}

impl DirLock {
    /// Blocks until this process holds the exclusive lock.
    pub(crate) fn exclusive(dir: &Path) -> Result<Self> {
        let file = open_lock_file(dir)?;
        file.lock()
            .map_err(|e| Error::io("lock", dir.join(LOCK_FILE), e))?;
        Ok(DirLock { file })
    }

    /// Blocks until no writer holds the lock (readers share).
    pub(crate) fn shared(dir: &Path) -> Result<Self> {
        let file = open_lock_file(dir)?;
        file.lock_shared()
            .map_err(|e| Error::io("lock", dir.join(LOCK_FILE), e))?;
        Ok(DirLock { file })
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        // Closing the file releases the lock too; unlocking first just makes it prompt.
        let _ = self.file.unlock();
    }
}

fn open_lock_file(dir: &Path) -> Result<File> {
    let path = dir.join(LOCK_FILE);
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .read(true)
        .open(&path)
        .map_err(|e| Error::io("open", path, e))
}

/// Creates the folder (and parents) if needed.
pub(crate) fn ensure_dir(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).map_err(|e| Error::io("create folder", dir, e))
}

/// Reads a file; `None` if it does not exist.
pub(crate) fn read_optional(path: &Path) -> Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io("read", path, e)),
    }
}

/// Replaces `path` with `bytes` so that a crash at any moment leaves either the old
/// or the new file, never a torn one: write a temp file in the same folder, fsync it,
/// rename it over the target, fsync the folder (so the rename itself is durable).
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = path
        .parent()
        .ok_or_else(|| Error::io("write", path, ErrorKind::InvalidInput.into()))?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(
        ".{file_name}.tmp-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut f = File::create(&tmp).map_err(|e| Error::io("write", &tmp, e))?;
        f.write_all(bytes)
            .map_err(|e| Error::io("write", &tmp, e))?;
        f.sync_all().map_err(|e| Error::io("sync", &tmp, e))?;
        fs::rename(&tmp, path).map_err(|e| Error::io("replace", path, e))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result?;
    sync_dir(dir);
    Ok(())
}

#[cfg(unix)]
fn sync_dir(dir: &Path) {
    // Best effort: some file systems refuse fsync on a folder; the data is still
    // written, only the rename's durability across a power cut is weaker.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) {}

/// Unix seconds now (0 if the clock is before 1970).
pub(crate) fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// `<path>.corrupt-<unix seconds>`, with `-2`, `-3`, … if that exists already.
pub(crate) fn corrupt_backup_path(path: &Path) -> PathBuf {
    let base = format!("{}.corrupt-{}", path.display(), now_unix());
    let mut candidate = PathBuf::from(&base);
    let mut n = 2;
    while candidate.exists() {
        candidate = PathBuf::from(format!("{base}-{n}"));
        n += 1;
    }
    candidate
}
