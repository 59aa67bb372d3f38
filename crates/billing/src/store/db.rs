//! The store: one SQLite file per profile, one writer, a few pooled readers,
//! integrity check at open, migrations, online backups. The pieces it builds on
//! are beside it ([`integrity`](crate::store::integrity),
//! [`backups`](crate::store::backups), [`audit`](crate::store::audit)); putting a
//! backup back is [`recovery`](crate::store::recovery), which builds on this.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::error::{Error, Result};
use crate::store::audit::{self, AuditPage, AuditVerification};
use crate::store::backups::{
    BackupInfo, BackupOwner, FolderBackup, backup_info, backup_to_folder, file_name, list_backups,
    make_backup, prune_backups,
};
use crate::store::integrity::{check_header, open_error, quick_check};
use crate::store::migrations;

pub use crate::store::migrations::SCHEMA_VERSION;

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
    /// Run `PRAGMA quick_check` before the store is handed out (a CLI command, a test).
    /// False: the caller runs [`Store::check_integrity`] itself once something is on
    /// screen (the app; on a store of a million payments the check takes seconds). A store
    /// that needs migrating is checked at open either way: a damaged file is never
    /// migrated.
    pub check_at_open: bool,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            profile: None,
            readers: 4,
            keep_backups: 10,
            busy_timeout: Duration::from_secs(5),
            check_at_open: true,
        }
    }
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
    // A checkpoint that resets the WAL also shrinks the file back to this, instead of
    // leaving it at the largest it ever grew to (a big sync's) on the user's disk.
    conn.pragma_update(None, "journal_size_limit", WAL_KEPT_BYTES)?;
    Ok(())
}

/// What of the WAL file is kept after a checkpoint resets it: a little more than the
/// 10,000 pages between automatic checkpoints.
const WAL_KEPT_BYTES: i64 = 48 * 1024 * 1024;

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
        let (current, steps) = migrations::pending(&writer).map_err(|e| match e {
            Error::Db(inner) => open_error(&path, inner),
            other => other,
        })?;
        if opts.check_at_open || !steps.is_empty() {
            quick_check(&writer, &path)?;
            // The check read every page through the writer's large cache (64 MB on a big
            // store); give that memory back now rather than hold it while the app idles.
            // The pages a sync needs come back as it writes.
            writer
                .execute_batch("PRAGMA shrink_memory")
                .map_err(|e| open_error(&path, e))?;
        }
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
                audit::append(
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

    /// The check [`OpenOptions::check_at_open`] leaves to the caller: `PRAGMA quick_check`
    /// on a connection of its own (its cache freed when done), beside readers and the
    /// writer. A damaged file gives the same `db_corrupt` as at open, naming the latest
    /// backup.
    pub fn check_integrity(&self) -> Result<()> {
        let path = &self.inner.path;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| open_error(path, e))?;
        conn.busy_timeout(self.inner.busy_timeout)
            .map_err(|e| open_error(path, e))?;
        quick_check(&conn, path)
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
        self.backup_local("manual")
    }

    /// An online backup into `backups/` beside the database, its name ending in
    /// `reason` (`manual`, `pre-restore`), recorded in the audit log.
    pub fn backup_local(&self, reason: &str) -> Result<BackupInfo> {
        let info = {
            let conn = lock(&self.inner.writer);
            let p = make_backup(&conn, &self.inner.path, reason)?;
            prune_backups(&self.inner.path, self.inner.keep_backups)?;
            backup_info(&p)?
        };
        self.write(|tx| {
            audit::append(
                tx,
                &self.inner.profile,
                "db.backup",
                &serde_json::json!({ "file": file_name(&info.path) }),
                "ok",
            )
        })?;
        Ok(info)
    }

    /// An online backup to a folder the user chose (see
    /// [`backups`](crate::store::backups)): copied from one read transaction, so writers
    /// go on meanwhile; written under a temporary name, checked, then given its final
    /// name; `owner`'s oldest backups there beyond `keep` removed. Recorded in the audit
    /// log (a failure too, so the log shows the folder was unavailable).
    pub fn backup_to_folder(
        &self,
        folder: &Path,
        owner: &BackupOwner,
        keep: usize,
    ) -> Result<FolderBackup> {
        let made = self.read(|conn| backup_to_folder(conn, folder, owner, keep));
        let (inputs, outcome) = match &made {
            Ok(b) => (
                serde_json::json!({ "folder": folder.display().to_string(), "file": b.file_name }),
                "ok".to_string(),
            ),
            Err(e) => (
                serde_json::json!({ "folder": folder.display().to_string() }),
                e.code().as_str().to_string(),
            ),
        };
        self.write(|tx| audit::append(tx, &self.inner.profile, "db.backup", &inputs, &outcome))?;
        made
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
    /// Verify the whole audit chain; reports the first break and where.
    pub fn verify_audit(&self) -> Result<AuditVerification> {
        self.read(audit::verify)
    }

    /// Audit entries, newest first; pass the previous page's `next_cursor` as
    /// `before_id` for older ones.
    pub fn audit_list(&self, query: &audit::AuditQuery) -> Result<AuditPage> {
        self.read(|conn| audit::list(conn, query))
    }

    /// Record an action that changed nothing in this database but matters (a
    /// failed sync, a restore). Also used by the app shell for its own actions.
    pub fn audit_record(
        &self,
        action: &str,
        inputs: &serde_json::Value,
        outcome: &str,
    ) -> Result<i64> {
        self.write(|tx| audit::append(tx, &self.inner.profile, action, inputs, outcome))
    }
}
