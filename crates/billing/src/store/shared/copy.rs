//! `store migrate --to URL`: copy a desk's SQLite store into a shared store.
//!
//! The copy reads one snapshot of the SQLite file (a read transaction, so the app can
//! keep working) and writes it into PostgreSQL in one transaction: each table is loaded
//! into a temporary table with COPY, merged into its table by primary key (new rows
//! added, changed rows updated, equal rows left), and every row of the snapshot is then
//! compared with what the shared table holds. Only when every table matches is the
//! transaction committed; otherwise nothing of it is written.
//!
//! **Whose store.** A shared store starts as one desk's copy. Its audit chain says whose:
//! the newest entry it holds must be the entry of the same number in this store's chain
//! (each entry's hash covers every entry before it), or the shared store holds another
//! store's records, or records written after this copy, and nothing is copied. A shared
//! store with data but no audit chain is refused for the same reason. After a copy, the
//! copy itself is audited in this store and carried into the shared one, so running it
//! again finds its own chain and only brings what changed.
//!
//! The shared store ends as this store's copy: a row deleted here after an earlier copy
//! (a tag taken off) is removed there too. Not carried: the search tables (built from
//! the customers and names), and the leases (each desk's own locks).

use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::{ToSql, Type};
use rusqlite::types::Value;
use serde::Serialize;

use super::{CARRIED, Carried, IDENTITY_TABLES, SCHEMA_LOCK, SharedTarget, columns, migrate};
use crate::error::{Error, Result, SharedProblem};
use crate::mirror::sync::CancelToken;
use crate::store::db::Store;

/// What a copy did to one table.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TableCopy {
    /// The table.
    pub table: String,
    /// Rows in this store's snapshot.
    pub rows: i64,
    /// Rows the shared store did not have.
    pub added: i64,
    /// Rows the shared store had with other values, now this store's.
    pub updated: i64,
    /// Rows the shared store held that this store no longer does (deleted here after an
    /// earlier copy), removed from it.
    pub removed: i64,
}

/// How far a copy is: the table being carried, and how many of its rows are on the way.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CopyProgress {
    pub table: String,
    pub done: i64,
    pub total: i64,
}

/// Rows between two progress reports.
const PROGRESS_EVERY: i64 = 10_000;

/// Called with each progress report; from the copy's own thread.
pub type OnCopyProgress<'a> = &'a (dyn Fn(&CopyProgress) + Sync);

/// The outcome of a copy, every table compared row by row before the commit.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SharedCopy {
    /// `user@host:port/database`.
    pub target: String,
    /// The shared store's schema version after the copy.
    pub schema_version: i64,
    pub tables: Vec<TableCopy>,
    /// Rows added or updated in all.
    pub changed: i64,
    /// The audit entry of this copy, in this store and the shared one.
    pub audit_id: i64,
}

impl Store {
    /// When this store was last copied into the shared store `target` names (its
    /// [`SharedTarget::shown`]), from the audit log: a copy is recorded only once it is
    /// committed and verified, so an entry is a copy that is there. None when never.
    pub fn last_shared_copy(&self, target: &str) -> Result<Option<i64>> {
        self.read(|conn| {
            Ok(conn.query_row(
                "SELECT max(at) FROM audit_log WHERE action = 'db.copy_shared' AND outcome = 'ok'
                   AND json_extract(inputs, '$.target') = ?1",
                [target],
                |r| r.get(0),
            )?)
        })
    }

    /// Copy this store into the shared store at `target` (see the module's doc): all or
    /// nothing, verified row by row, refused when the shared store is another store's.
    /// Blocking (network and a full read of the file): call it off the UI's thread.
    pub fn copy_to_shared(&self, target: &SharedTarget) -> Result<SharedCopy> {
        self.copy_to_shared_with(target, &|_| {}, &CancelToken::new())
    }

    /// [`Store::copy_to_shared`], saying how far it is as each table's rows go out, and
    /// stopping when `stop` is cancelled before the commit: the transaction is rolled
    /// back, nothing is written (a stop after the commit is too late, and the copy ends).
    pub fn copy_to_shared_with(
        &self,
        target: &SharedTarget,
        progress: OnCopyProgress<'_>,
        stop: &CancelToken,
    ) -> Result<SharedCopy> {
        let mut client = target.connect()?;
        let schema_version = migrate(target, &mut client)?;
        let tables = self.read(|conn| {
            // One snapshot of every table, however long the copy takes.
            let snapshot = rusqlite::Transaction::new_unchecked(
                conn,
                rusqlite::TransactionBehavior::Deferred,
            )?;
            let all: Vec<&Carried> = CARRIED.iter().collect();
            let tables = copy_tables(target, &mut client, &snapshot, &all, true, progress, stop)?;
            snapshot.finish()?;
            Ok(tables)
        })?;
        let inputs = serde_json::json!({
            "target": target.shown(),
            "schema_version": schema_version,
            "tables": tables.iter().map(|t| (t.table.clone(), serde_json::json!(t.rows))).collect::<serde_json::Map<_, _>>(),
        });
        let audit_id = self.audit_record("db.copy_shared", &inputs, "ok")?;
        // The entry just written, and any written beside the copy, into the shared chain.
        self.read(|conn| {
            let audit: Vec<&Carried> = CARRIED
                .iter()
                .filter(|t| t.name.starts_with("audit_"))
                .collect();
            copy_tables(
                target,
                &mut client,
                conn,
                &audit,
                false,
                &|_| {},
                &CancelToken::new(),
            )
        })?;
        Ok(SharedCopy {
            target: target.shown().to_owned(),
            schema_version,
            changed: tables.iter().map(|t| t.added + t.updated).sum(),
            tables,
            audit_id,
        })
    }
}

/// Copy `tables` in one PostgreSQL transaction, after checking whose the shared store
/// is; `identities` moves the shared store's id counters past the copied ids.
fn copy_tables(
    target: &SharedTarget,
    client: &mut postgres::Client,
    conn: &rusqlite::Connection,
    tables: &[&Carried],
    identities: bool,
    progress: OnCopyProgress<'_>,
    stop: &CancelToken,
) -> Result<Vec<TableCopy>> {
    let err = |e| target.error(e);
    let check_stop = || stopped(target, stop);
    let mut tx = client.transaction().map_err(err)?;
    // Two copies at once (two desks, or the app and the CLI) wait for each other.
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
        .map_err(err)?;
    check_owner(target, &mut tx, conn)?;
    // Every table's rows first, so that the removals can go children first and the
    // merges parents first.
    let mut done = Vec::with_capacity(tables.len());
    // Each table's columns, asked of the server once.
    let mut cols = Vec::with_capacity(tables.len());
    for t in tables {
        let (staged, names) = stage(target, &mut tx, conn, t, progress, stop)?;
        done.push(staged);
        cols.push(names);
    }
    check_stop()?;
    for (t, d) in tables.iter().zip(done.iter_mut()).rev() {
        d.removed = remove(target, &mut tx, t)?;
    }
    for ((t, d), names) in tables.iter().zip(done.iter_mut()).zip(&cols) {
        (d.added, d.updated) = merge(target, &mut tx, t, names)?;
    }
    check_stop()?;
    for ((t, d), names) in tables.iter().zip(done.iter()).zip(&cols) {
        compare(target, &mut tx, t, names, d.rows)?;
    }
    if identities {
        for name in IDENTITY_TABLES {
            tx.execute(
                &format!(
                    "SELECT setval(pg_get_serial_sequence('{name}', 'id'), max(id)) FROM {name}
                     HAVING max(id) IS NOT NULL"
                ),
                &[],
            )
            .map_err(err)?;
        }
    }
    // The last moment a stop can undo it all.
    check_stop()?;
    tx.commit().map_err(err)?;
    Ok(done)
}

/// The copy's answer to a stop asked for: nothing was written (the transaction goes
/// when it is dropped).
fn stopped(target: &SharedTarget, stop: &CancelToken) -> Result<()> {
    match stop.is_cancelled() {
        false => Ok(()),
        true => Err(Error::Shared {
            problem: SharedProblem::Stopped,
            target: target.shown().to_owned(),
            detail: "the copy was stopped; nothing was written".into(),
        }),
    }
}

/// Refuse a shared store whose audit chain is not the start of this store's.
fn check_owner(
    target: &SharedTarget,
    tx: &mut postgres::Transaction<'_>,
    conn: &rusqlite::Connection,
) -> Result<()> {
    let err = |e| target.error(e);
    let not_ours = |detail: String| Error::Shared {
        problem: SharedProblem::NotOurs,
        target: target.shown().to_owned(),
        detail,
    };
    let head = tx
        .query_opt(
            "SELECT last_id, last_hash FROM audit_head WHERE singleton = 1",
            &[],
        )
        .map_err(err)?;
    let Some(head) = head else {
        // No chain: only an empty shared store may be started from this one.
        let mut holds = Vec::new();
        for t in CARRIED {
            let any: bool = tx
                .query_one(&format!("SELECT EXISTS (SELECT 1 FROM {})", t.name), &[])
                .map_err(err)?
                .get(0);
            if any {
                holds.push(t.name);
            }
        }
        return match holds.is_empty() {
            true => Ok(()),
            false => Err(not_ours(format!(
                "it holds records ({}) but no audit chain",
                holds.join(", ")
            ))),
        };
    };
    let (id, hash): (i64, String) = (head.get(0), head.get(1));
    let ours: Option<String> = rusqlite::OptionalExtension::optional(conn.query_row(
        "SELECT hash FROM audit_log WHERE id = ?1",
        [id],
        |r| r.get(0),
    ))?;
    match ours {
        Some(h) if h == hash => Ok(()),
        Some(_) => Err(not_ours(format!(
            "its audit entry {id} is not this store's: it was copied from another store"
        ))),
        None => Err(not_ours(format!(
            "it holds audit entries up to {id}, newer than this store's: other desks have written to it"
        ))),
    }
}

/// One SQLite value as the column's PostgreSQL type, or why it cannot be.
fn cell(value: Value, ty: &Type) -> std::result::Result<Box<dyn ToSql + Sync>, String> {
    Ok(match (value, ty) {
        (Value::Null, t) if *t == Type::INT8 => Box::new(None::<i64>),
        (Value::Null, t) if *t == Type::FLOAT8 => Box::new(None::<f64>),
        (Value::Null, _) => Box::new(None::<String>),
        (Value::Integer(i), t) if *t == Type::INT8 => Box::new(i),
        (Value::Integer(i), t) if *t == Type::FLOAT8 => Box::new(i as f64),
        (Value::Real(f), t) if *t == Type::FLOAT8 => Box::new(f),
        (Value::Text(s), t) if *t == Type::TEXT => Box::new(s),
        (v, t) => return Err(format!("a {} value where {t} belongs", v.data_type())),
    })
}

/// The stage of `t`: a temporary table of its columns, dropped at the commit.
fn stage_of(t: &Carried) -> String {
    format!("stage_{}", t.name)
}

/// The column names of `t` in the shared store, checked against this store's table.
fn names_of(
    target: &SharedTarget,
    tx: &mut postgres::Transaction<'_>,
    conn: &rusqlite::Connection,
    t: &Carried,
) -> Result<Vec<(String, Type)>> {
    let cols = columns(target, tx, t.name)?;
    // Every column of this store's table has its place in the shared one: a column the
    // shared schema lacks would be dropped by the copy and pass the comparison unseen.
    let ours: Vec<String> = conn
        .prepare(&format!("SELECT name FROM pragma_table_info('{}')", t.name))?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if let Some(missing) = ours.iter().find(|c| !cols.iter().any(|(n, _)| n == *c)) {
        return Err(Error::Shared {
            problem: SharedProblem::Mismatch,
            target: target.shown().to_owned(),
            detail: format!(
                "{}.{missing} has no column in the shared store's schema; nothing was copied",
                t.name
            ),
        });
    }
    Ok(cols)
}

/// This store's rows of `t` into its stage with COPY, each value in its column's type;
/// with the shared table's column names, for the merge and the comparison.
fn stage(
    target: &SharedTarget,
    tx: &mut postgres::Transaction<'_>,
    conn: &rusqlite::Connection,
    t: &Carried,
    progress: OnCopyProgress<'_>,
    stop: &CancelToken,
) -> Result<(TableCopy, Vec<String>)> {
    let err = |e| target.error(e);
    let cols = names_of(target, tx, conn, t)?;
    let total: i64 = conn.query_row(&format!("SELECT count(*) FROM {}", t.name), [], |r| {
        r.get(0)
    })?;
    let report = |done: i64| {
        progress(&CopyProgress {
            table: t.name.to_owned(),
            done,
            total,
        })
    };
    report(0);
    let list = cols
        .iter()
        .map(|(n, _)| n.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let stage = stage_of(t);
    tx.batch_execute(&format!(
        "CREATE TEMP TABLE {stage} (LIKE {} INCLUDING DEFAULTS) ON COMMIT DROP",
        t.name
    ))
    .map_err(err)?;
    let mut rows = 0i64;
    let sink = tx
        .copy_in(&format!("COPY {stage} ({list}) FROM STDIN (FORMAT binary)"))
        .map_err(err)?;
    let types: Vec<Type> = cols.iter().map(|(_, ty)| ty.clone()).collect();
    let mut writer = BinaryCopyInWriter::new(sink, &types);
    let mut stmt = conn.prepare(&format!("SELECT {list} FROM {}", t.name))?;
    let mut source = stmt.query([])?;
    while let Some(r) = source.next()? {
        rows += 1;
        let mut cells = Vec::with_capacity(cols.len());
        for (i, (name, ty)) in cols.iter().enumerate() {
            let v: Value = r.get(i)?;
            cells.push(cell(v, ty).map_err(|why| Error::Shared {
                problem: SharedProblem::Mismatch,
                target: target.shown().to_owned(),
                detail: format!("{}.{name}, row {rows}: {why}; nothing was copied", t.name),
            })?);
        }
        let refs: Vec<&(dyn ToSql + Sync)> = cells.iter().map(|c| c.as_ref()).collect();
        writer.write(&refs).map_err(err)?;
        if rows % PROGRESS_EVERY == 0 {
            report(rows);
            stopped(target, stop)?;
        }
    }
    writer.finish().map_err(err)?;
    report(rows);
    let staged = TableCopy {
        table: t.name.to_owned(),
        rows,
        added: 0,
        updated: 0,
        removed: 0,
    };
    Ok((staged, cols.into_iter().map(|(n, _)| n).collect()))
}

/// `s.k = t.k AND ...` over the key of `t`.
fn key_join(t: &Carried) -> String {
    t.key
        .iter()
        .map(|k| format!("s.{k} = t.{k}"))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// Rows the shared table holds that this store no longer does (a tag taken off, a key's
/// product type cleared): the shared store is this store's copy, so they go.
fn remove(target: &SharedTarget, tx: &mut postgres::Transaction<'_>, t: &Carried) -> Result<i64> {
    let removed = tx
        .execute(
            &format!(
                "DELETE FROM {name} t WHERE NOT EXISTS (SELECT 1 FROM {stage} s WHERE {join})",
                name = t.name,
                stage = stage_of(t),
                join = key_join(t)
            ),
            &[],
        )
        .map_err(|e| target.error(e))?;
    Ok(removed as i64)
}

/// The stage merged into its table by key: new rows added, changed rows updated, equal
/// rows untouched. Rows go in `merge_order`, so a row that gives up a unique place (a
/// journal row no longer open) does so before another row takes it.
fn merge(
    target: &SharedTarget,
    tx: &mut postgres::Transaction<'_>,
    t: &Carried,
    names: &[String],
) -> Result<(i64, i64)> {
    let list = names.join(", ");
    let key = t.key.join(", ");
    let rest: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|n| !t.key.contains(n))
        .collect();
    let on_conflict = if t.append_only || rest.is_empty() {
        "DO NOTHING".to_owned()
    } else {
        let set: Vec<String> = rest.iter().map(|c| format!("{c} = EXCLUDED.{c}")).collect();
        let mine: Vec<String> = rest.iter().map(|c| format!("{}.{c}", t.name)).collect();
        let theirs: Vec<String> = rest.iter().map(|c| format!("EXCLUDED.{c}")).collect();
        format!(
            "DO UPDATE SET {} WHERE ({}) IS DISTINCT FROM ({})",
            set.join(", "),
            mine.join(", "),
            theirs.join(", ")
        )
    };
    let order = t.merge_order.unwrap_or(&key);
    let merged = tx
        .query_one(
            &format!(
                "WITH merged AS (
                     INSERT INTO {name} ({list}) SELECT {list} FROM {stage} ORDER BY {order}
                     ON CONFLICT ({key}) {on_conflict}
                     RETURNING (xmax = 0) AS added
                 )
                 SELECT count(*) FILTER (WHERE added), count(*) FILTER (WHERE NOT added) FROM merged",
                name = t.name,
                stage = stage_of(t),
            ),
            &[],
        )
        .map_err(|e| target.error(e))?;
    Ok((merged.get(0), merged.get(1)))
}

/// Every row of the snapshot compared with what the shared table now holds, and nothing
/// else there.
fn compare(
    target: &SharedTarget,
    tx: &mut postgres::Transaction<'_>,
    t: &Carried,
    names: &[String],
    rows: i64,
) -> Result<()> {
    let s_cols: Vec<String> = names.iter().map(|c| format!("s.{c}")).collect();
    let t_cols: Vec<String> = names.iter().map(|c| format!("t.{c}")).collect();
    let check = tx
        .query_one(
            &format!(
                "SELECT (SELECT count(*) FROM {stage} s JOIN {name} t ON {join}
                         WHERE ROW({s}) IS NOT DISTINCT FROM ROW({t})),
                        (SELECT count(*) FROM {name})",
                name = t.name,
                stage = stage_of(t),
                join = key_join(t),
                s = s_cols.join(", "),
                t = t_cols.join(", ")
            ),
            &[],
        )
        .map_err(|e| target.error(e))?;
    let (equal, shared_rows): (i64, i64) = (check.get(0), check.get(1));
    if equal != rows || shared_rows != rows {
        return Err(Error::Shared {
            problem: SharedProblem::Mismatch,
            target: target.shown().to_owned(),
            detail: format!(
                "{}: {} of {rows} rows differ in the shared store after the copy, which holds {shared_rows}; nothing was copied",
                t.name,
                rows - equal
            ),
        });
    }
    Ok(())
}
