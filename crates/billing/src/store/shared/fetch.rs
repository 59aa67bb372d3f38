//! `store migrate --from URL`: the shared store made into a backup of this profile, which
//! then restores as any backup does (checked in full, the store it replaces kept beside
//! it, money held until a sync). This is how a new laptop gets its registry back when
//! the old one was lost.
//!
//! The file is built from one snapshot of the shared store (a read-only, repeatable-read
//! transaction; nothing is written to the server): a store of this build's schema is
//! created, every table the copy carries is loaded into it in one SQLite transaction with
//! COPY, the search structures are built from the rows, and the audit chain is verified
//! entry by entry before the file is marked as a backup. Any problem leaves no file.

use std::path::Path;

use postgres::IsolationLevel;
use postgres::binary_copy::BinaryCopyOutIter;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::Type;
use rusqlite::types::Value;

use super::{CARRIED, SHARED_SCHEMA_VERSION, SharedTarget, columns};
use crate::error::{Error, Result, SharedProblem};
use crate::store::backups::{BackupContents, BackupOwner, inspect_backup, stamp_as_backup};
use crate::store::db::Store;

impl Store {
    /// For a desk showing the shared store's copy: when the desk the work is done on last
    /// copied its store into the server, as far as this copy knows (that copy's audit
    /// entry is carried into the server and so into every fetch of it). None: never.
    pub fn shared_copy_as_of(&self) -> Result<Option<i64>> {
        self.last_audited("db.copy_shared")
    }

    /// When this store was last refreshed from the shared store (a reading desk's).
    pub fn last_shared_refresh(&self) -> Result<Option<i64>> {
        self.last_audited("db.refresh_shared")
    }

    fn last_audited(&self, action: &str) -> Result<Option<i64>> {
        self.read(|conn| {
            Ok(conn.query_row(
                "SELECT max(at) FROM audit_log WHERE action = ?1 AND outcome = 'ok'",
                [action],
                |r| r.get(0),
            )?)
        })
    }
}

impl SharedTarget {
    /// Write the shared store, as it is now, to `file` as `owner`'s backup, and say what
    /// it holds. `file` must not exist; on failure none is left.
    pub fn fetch_as_backup(&self, file: &Path, owner: &BackupOwner) -> Result<BackupContents> {
        if file.exists() {
            return Err(Error::invalid(
                "file",
                format!("{} exists already", file.display()),
            ));
        }
        let built = self.build(file, owner);
        if built.is_err() {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let mut p = file.as_os_str().to_owned();
                p.push(suffix);
                let _ = std::fs::remove_file(std::path::PathBuf::from(p));
            }
        }
        built
    }

    fn build(&self, file: &Path, owner: &BackupOwner) -> Result<BackupContents> {
        let err = |e| self.error(e);
        let mut client = self.connect()?;
        let mut snapshot = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .map_err(err)?;
        let has_schema: bool = snapshot
            .query_one("SELECT to_regclass('schema_migrations') IS NOT NULL", &[])
            .map_err(err)?
            .get(0);
        let version: Option<i64> = match has_schema {
            false => None,
            true => snapshot
                .query_one("SELECT max(version) FROM schema_migrations", &[])
                .map_err(err)?
                .get(0),
        };
        match version {
            None | Some(0) => {
                return Err(Error::NotFound {
                    what: "shared store",
                    id: self.shown().to_owned(),
                });
            }
            Some(v) if v > SHARED_SCHEMA_VERSION => {
                return Err(Error::Shared {
                    problem: SharedProblem::Newer,
                    target: self.shown().to_owned(),
                    detail: format!(
                        "its schema is version {v}, this build knows up to {SHARED_SCHEMA_VERSION}"
                    ),
                });
            }
            Some(_) => {}
        }

        // A store of this build's schema, emptied of what opening it wrote (its own
        // audit entry): the shared store's rows and chain take its place.
        drop(Store::open(file)?);
        let mut conn = rusqlite::Connection::open(file)?;
        let tx = conn.transaction()?;
        for t in CARRIED.iter().rev() {
            tx.execute(&format!("DELETE FROM {}", t.name), [])?;
        }
        for t in CARRIED {
            let cols = columns(self, &mut snapshot, t.name)?;
            let list = cols
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            let marks = (1..=cols.len())
                .map(|i| format!("?{i}"))
                .collect::<Vec<_>>()
                .join(", ");
            let mut insert =
                tx.prepare(&format!("INSERT INTO {} ({list}) VALUES ({marks})", t.name))?;
            let types: Vec<Type> = cols.iter().map(|(_, ty)| ty.clone()).collect();
            let reader = snapshot
                .copy_out(&format!(
                    "COPY (SELECT {list} FROM {}) TO STDOUT (FORMAT binary)",
                    t.name
                ))
                .map_err(err)?;
            let mut rows = BinaryCopyOutIter::new(reader, &types);
            while let Some(row) = rows.next().map_err(err)? {
                let mut values = Vec::with_capacity(types.len());
                for (i, (name, ty)) in cols.iter().enumerate() {
                    let v = if *ty == Type::INT8 {
                        row.try_get::<Option<i64>>(i)
                            .map(|v| v.map_or(Value::Null, Value::Integer))
                    } else if *ty == Type::FLOAT8 {
                        row.try_get::<Option<f64>>(i)
                            .map(|v| v.map_or(Value::Null, Value::Real))
                    } else {
                        row.try_get::<Option<String>>(i)
                            .map(|v| v.map_or(Value::Null, Value::Text))
                    };
                    values.push(v.map_err(|e| Error::Shared {
                        problem: SharedProblem::Mismatch,
                        target: self.shown().to_owned(),
                        detail: format!("{}.{name}: {e}", t.name),
                    })?);
                }
                insert.execute(rusqlite::params_from_iter(values))?;
            }
        }
        crate::registry::search::index::rebuild_all(&tx)?;
        let chain = crate::store::audit::verify(&tx)?;
        if let Some(p) = chain.problem.filter(|_| !chain.ok) {
            return Err(Error::Shared {
                problem: SharedProblem::Mismatch,
                target: self.shown().to_owned(),
                detail: format!("its audit chain is broken at entry {}: {}", p.id, p.detail),
            });
        }
        tx.commit()?;
        snapshot.commit().map_err(err)?;
        // One file, as a folder backup is, marked as `owner`'s.
        conn.pragma_update(None, "journal_mode", "DELETE")?;
        stamp_as_backup(&conn, owner)?;
        drop(conn);
        std::fs::File::open(file)
            .and_then(|f| f.sync_all())
            .map_err(|e| Error::io(format!("write {}", file.display()), e))?;
        inspect_backup(file, owner, true)
    }
}
