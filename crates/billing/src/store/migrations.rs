//! Embedded SQL migrations and their runner.
//!
//! Each migration runs in its own transaction together with its Rust backfill
//! and the row in `schema_migrations`, so a failure leaves the database at the
//! previous version. A database whose version is newer than the newest migration
//! here is refused: an old build must not write to a schema it does not know.

use rusqlite::{Connection, Transaction, params};

use crate::error::{Error, Result};

/// One schema step.
pub(crate) struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
    /// Backfill that SQL alone cannot do (e.g. 초성 of existing names).
    pub after: Option<fn(&Transaction<'_>) -> Result<()>>,
}

/// All migrations, in order. Never edit a released one: add a new step.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "core",
        sql: include_str!("../../migrations/0001_core.sql"),
        after: None,
    },
    Migration {
        version: 2,
        name: "search",
        sql: include_str!("../../migrations/0002_search.sql"),
        after: Some(crate::registry::search::index::rebuild_all),
    },
    Migration {
        version: 3,
        name: "money",
        sql: include_str!("../../migrations/0003_money.sql"),
        after: None,
    },
    Migration {
        version: 4,
        name: "customer_sort",
        sql: include_str!("../../migrations/0004_customer_sort.sql"),
        after: None,
    },
    Migration {
        version: 5,
        name: "exactly_once",
        sql: include_str!("../../migrations/0005_exactly_once.sql"),
        after: None,
    },
    Migration {
        version: 6,
        name: "audit_actor",
        sql: include_str!("../../migrations/0006_audit_actor.sql"),
        after: None,
    },
    Migration {
        version: 7,
        name: "schedule_ops",
        sql: include_str!("../../migrations/0007_schedule_ops.sql"),
        after: None,
    },
    Migration {
        version: 8,
        name: "triage",
        sql: include_str!("../../migrations/0008_triage.sql"),
        after: None,
    },
    Migration {
        version: 9,
        name: "plan_admin",
        sql: include_str!("../../migrations/0009_plan_admin.sql"),
        after: None,
    },
    Migration {
        version: 10,
        name: "key_product_type",
        sql: include_str!("../../migrations/0010_key_product_type.sql"),
        after: None,
    },
    Migration {
        version: 11,
        name: "dunning_ladder",
        sql: include_str!("../../migrations/0011_dunning_ladder.sql"),
        after: None,
    },
    Migration {
        version: 12,
        name: "payment_rest",
        sql: include_str!("../../migrations/0012_payment_rest.sql"),
        after: None,
    },
    Migration {
        version: 13,
        name: "bulk_tax_free",
        sql: include_str!("../../migrations/0013_bulk_tax_free.sql"),
        after: None,
    },
];

/// The newest schema version this build knows.
pub const SCHEMA_VERSION: i64 = 13;

/// The version recorded in the file: 0 for a fresh database.
pub(crate) fn current_version(conn: &Connection) -> Result<i64> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    INTEGER PRIMARY KEY,
             name       TEXT NOT NULL,
             applied_at INTEGER NOT NULL
         );",
    )?;
    let v: Option<i64> = conn.query_row("SELECT max(version) FROM schema_migrations", [], |r| {
        r.get(0)
    })?;
    Ok(v.unwrap_or(0))
}

/// Migrations still to run, or the refusal for a newer file.
pub(crate) fn pending(conn: &Connection) -> Result<(i64, Vec<&'static Migration>)> {
    let current = current_version(conn)?;
    if current > SCHEMA_VERSION {
        return Err(Error::DbNewerVersion {
            found: current,
            supported: SCHEMA_VERSION,
        });
    }
    Ok((
        current,
        MIGRATIONS.iter().filter(|m| m.version > current).collect(),
    ))
}

/// Run the given migrations in order, one transaction each.
pub(crate) fn apply(conn: &mut Connection, steps: &[&Migration]) -> Result<()> {
    for m in steps {
        let fail = |e: Error| Error::Migration {
            version: m.version,
            detail: e.to_string(),
        };
        let tx = conn.transaction().map_err(|e| fail(e.into()))?;
        tx.execute_batch(m.sql).map_err(|e| fail(e.into()))?;
        if let Some(after) = m.after {
            after(&tx).map_err(fail)?;
        }
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            params![m.version, m.name, crate::now()],
        )
        .map_err(|e| fail(e.into()))?;
        tx.commit().map_err(|e| fail(e.into()))?;
        tracing::info!(version = m.version, name = m.name, "migration applied");
    }
    Ok(())
}

/// Apply migrations up to and including `version` only. Tests use it to build
/// databases of every earlier schema.
#[doc(hidden)]
pub fn migrate_to(conn: &mut Connection, version: i64) -> Result<()> {
    let (_, steps) = pending(conn)?;
    let steps: Vec<&Migration> = steps.into_iter().filter(|m| m.version <= version).collect();
    apply(conn, &steps)
}
