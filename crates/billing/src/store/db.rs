//! The store: one SQLite file per profile, one writer, a few pooled readers,
//! integrity check at open, migrations, online backups and restore.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

use crate::store::migrations;
pub use crate::store::migrations::SCHEMA_VERSION;

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";
const BACKUP_DIR: &str = "backups";

/// How to open a store.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// Profile name written into the audit log; defaults to the file stem.
    pub profile: Option<String>,
    /// Reader connections kept open.
    pub readers: usize,
    /// Backups kept in `backups/` (older ones are deleted).
    pub keep_backups: usize,
    /// How long a connection waits for a lock before `db_busy`.
    pub busy_timeout: Duration,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            profile: None,
            readers: 4,
            keep_backups: 10,
            busy_timeout: Duration::from_secs(5),
        }
    }
}

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

/// The application's store. Cheap to clone (shared inside); all methods are
/// blocking and short, except backups and sync, which the caller may run on a
/// blocking thread.
#[derive(Clone)]
pub struct Store {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub path: PathBuf,
    pub profile: String,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    max_readers: usize,
    keep_backups: usize,
    busy_timeout: Duration,
    /// Streams with a sync running, so two syncs of one stream never interleave.
    pub running_syncs: Mutex<HashSet<String>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding a connection leaves it usable (an open transaction is
    // rolled back on drop), so a poisoned lock is not a reason to stop.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn corrupt(path: &Path, detail: impl Into<String>) -> Error {
    Error::DbCorrupt {
        path: path.display().to_string(),
        detail: detail.into(),
        latest_backup: latest_backup_path(path).map(|p| p.display().to_string()),
    }
}

/// Map an error met while opening: "not a database" and "malformed" become the
/// one clear corruption error.
fn open_error(path: &Path, e: rusqlite::Error) -> Error {
    use rusqlite::ffi::ErrorCode;
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => corrupt(path, e.to_string()),
        _ => e.into(),
    }
}

fn configure(conn: &Connection, busy: Duration) -> rusqlite::Result<()> {
    conn.busy_timeout(busy)?;
    // WAL: readers never block the writer. NORMAL sync is durable in WAL mode
    // except for the last transactions on power loss, which sync re-fetches.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

/// The writer's own settings. A sync page touches about a thousand leaf pages
/// in each index keyed by random-looking values (imp_uid, customer, buyer,
/// approval number): with SQLite's 2 MB default cache they are re-read on every
/// page and spilled to the WAL before the commit. And a WAL checkpoint every
/// 1000 pages (the default) copies the same hot index pages into the database
/// after nearly every sync page; every 10,000 copies each of them once per
/// several pages. Measured on 100,000 payments this halves the write time.
fn configure_writer(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "cache_size", -WRITER_CACHE_KIB)?;
    conn.pragma_update(None, "wal_autocheckpoint", 10_000)?;
    Ok(())
}

/// The writer's page cache, in KiB (a negative `cache_size` is KiB).
const WRITER_CACHE_KIB: i64 = 64 * 1024;

impl Store {
    /// Open (or create) the store at `path` with default options.
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        Store::open_with(path, OpenOptions::default())
    }

    /// Open (or create) the store at `path`: check the file is a healthy SQLite
    /// database, back it up and migrate it if it is older, refuse it if newer.
    pub fn open_with(path: impl AsRef<Path>, opts: OpenOptions) -> Result<Store> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::io(format!("create {}", dir.display()), e))?;
        }
        check_header(&path)?;
        let mut writer = Connection::open(&path).map_err(|e| open_error(&path, e))?;
        configure(&writer, opts.busy_timeout).map_err(|e| open_error(&path, e))?;
        configure_writer(&writer).map_err(|e| open_error(&path, e))?;
        quick_check(&writer, &path)?;

        let (current, steps) = migrations::pending(&writer).map_err(|e| match e {
            Error::Db(inner) => open_error(&path, inner),
            other => other,
        })?;
        if !steps.is_empty() && current > 0 {
            // One backup before the batch: it is the state every step starts from.
            make_backup(&writer, &path, &format!("pre-v{}", steps[0].version))?;
            prune_backups(&path, opts.keep_backups)?;
        }
        migrations::apply(&mut writer, &steps)?;

        let profile = opts.profile.clone().unwrap_or_else(|| {
            path.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "default".into())
        });
        let store = Store {
            inner: Arc::new(Inner {
                path,
                profile,
                writer: Mutex::new(writer),
                readers: Mutex::new(Vec::new()),
                max_readers: opts.readers.max(1),
                keep_backups: opts.keep_backups.max(1),
                busy_timeout: opts.busy_timeout,
                running_syncs: Mutex::new(HashSet::new()),
            }),
        };
        if !steps.is_empty() {
            let versions: Vec<i64> = steps.iter().map(|m| m.version).collect();
            store.write(|tx| {
                crate::store::audit::append(
                    tx,
                    &store.inner.profile,
                    "db.migrate",
                    &serde_json::json!({ "from": current, "to": versions }),
                    "ok",
                )
            })?;
        }
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// How long a connection waits for the write lock before `db_busy`.
    pub fn busy_timeout(&self) -> Duration {
        self.inner.busy_timeout
    }

    /// The profile name recorded in the audit log.
    pub fn profile(&self) -> &str {
        &self.inner.profile
    }

    /// Run `f` in a write transaction on the single writer connection; commit on Ok.
    pub(crate) fn write<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        let mut conn = lock(&self.inner.writer);
        // IMMEDIATE: take the write lock up front, so a busy database fails at
        // BEGIN (after busy_timeout) instead of half-way through.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Run `f` on a pooled read-only connection.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let pooled = lock(&self.inner.readers).pop();
        let conn = match pooled {
            Some(c) => c,
            None => {
                let c = Connection::open_with_flags(
                    &self.inner.path,
                    OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                configure(&c, self.inner.busy_timeout)?;
                // Readers never write: a bug that tries fails loudly.
                c.pragma_update(None, "query_only", true)?;
                c
            }
        };
        let out = f(&conn);
        let mut pool = lock(&self.inner.readers);
        if pool.len() < self.inner.max_readers {
            pool.push(conn);
        }
        out
    }

    /// Take an online backup now (the app's "back up" button). Writers wait
    /// while it runs; readers do not.
    pub fn backup_now(&self) -> Result<BackupInfo> {
        let info = {
            let conn = lock(&self.inner.writer);
            let p = make_backup(&conn, &self.inner.path, "manual")?;
            prune_backups(&self.inner.path, self.inner.keep_backups)?;
            backup_info(&p)?
        };
        self.write(|tx| {
            crate::store::audit::append(
                tx,
                &self.inner.profile,
                "db.backup",
                &serde_json::json!({ "file": file_name(&info.path) }),
                "ok",
            )
        })?;
        Ok(info)
    }

    /// Backups of this store, newest first.
    pub fn backups(&self) -> Result<Vec<BackupInfo>> {
        list_backups(&self.inner.path)
    }

    /// Refresh the query planner's statistics (bounded: samples each index).
    pub fn optimize(&self) -> Result<()> {
        let conn = lock(&self.inner.writer);
        conn.execute_batch("PRAGMA analysis_limit = 1000; ANALYZE; PRAGMA optimize;")?;
        Ok(())
    }

    /// Size of the database file plus its WAL, in bytes.
    pub fn file_size(&self) -> Result<i64> {
        let mut total = 0;
        for suffix in ["", "-wal"] {
            let mut p = self.inner.path.clone().into_os_string();
            p.push(suffix);
            if let Ok(m) = std::fs::metadata(&p) {
                total += m.len() as i64;
            }
        }
        Ok(total)
    }
}

fn file_name(p: impl AsRef<Path>) -> String {
    p.as_ref()
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A non-empty file that does not start with the SQLite magic is not ours.
fn check_header(path: &Path) -> Result<()> {
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

fn quick_check(conn: &Connection, path: &Path) -> Result<()> {
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

fn make_backup(conn: &Connection, db: &Path, reason: &str) -> Result<PathBuf> {
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

fn backup_info(p: &Path) -> Result<BackupInfo> {
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

fn latest_backup_path(db: &Path) -> Option<PathBuf> {
    list_backups(db)
        .ok()
        .and_then(|v| v.into_iter().next())
        .map(|b| PathBuf::from(b.path))
}

fn prune_backups(db: &Path, keep: usize) -> Result<()> {
    for old in list_backups(db)?.into_iter().skip(keep) {
        std::fs::remove_file(&old.path)
            .map_err(|e| Error::io(format!("remove {}", old.path), e))?;
    }
    Ok(())
}

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
    let kept = set_aside(db)?;
    std::fs::rename(&tmp, db).map_err(|e| Error::io("move restored database in place", e))?;
    tracing::info!(db = %db.display(), backup = %backup.display(), "backup restored");
    Ok(kept)
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
