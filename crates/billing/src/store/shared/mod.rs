//! The shared store of team mode: one PostgreSQL database that several desks use as one
//! registry, journal and audit log. This part connects to it, keeps its schema
//! (`migrations-postgres/`, versioned like the SQLite file's), copies a desk's SQLite
//! store into it ([`copy`]) and writes it back as a backup of a profile ([`fetch`]).
//!
//! A server that is not on this computer is only reached over TLS with its certificate
//! checked (the system's OpenSSL, as for the i'mport API); on loopback the URL's own
//! `sslmode` applies. Passwords never reach logs, the audit log or an error message: a
//! target is shown as `user@host:port/database`.

pub mod copy;
pub mod fetch;

use std::net::IpAddr;
use std::str::FromStr;
use std::time::Duration;

use postgres::config::{Host, SslMode};
use postgres::error::SqlState;
use postgres::types::Type;
use postgres::{Client, Config};

use crate::error::{Error, Result, SharedProblem};

/// How long a connection attempt may take before the server counts as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A shared store to connect to: the parsed URL, and how it is shown to people.
#[derive(Clone)]
pub struct SharedTarget {
    config: Config,
    shown: String,
    local: bool,
}

impl std::fmt::Debug for SharedTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

impl SharedTarget {
    /// Parse a `postgres://user[:password]@host[:port]/database` URL (or libpq's
    /// `key=value` form). `password` is used when the URL has none. A host that is not
    /// this computer gets TLS with a checked certificate whatever the URL says.
    pub fn parse(url: &str, password: Option<&str>) -> Result<SharedTarget> {
        let bad = |reason: String| Error::invalid("shared_store_url", reason);
        let mut config = Config::from_str(url.trim())
            .map_err(|e| bad(format!("not a PostgreSQL address ({e})")))?;
        let hosts = config.get_hosts().to_vec();
        if hosts.is_empty() {
            return Err(bad("the address names no server".into()));
        }
        if config.get_user().is_none() {
            return Err(bad("the address names no database user".into()));
        }
        if config.get_password().is_none()
            && let Some(p) = password.filter(|p| !p.is_empty())
        {
            config.password(p);
        }
        let local = hosts.iter().all(is_this_computer);
        if !local {
            config.ssl_mode(SslMode::Require);
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        config.application_name("subdesk");
        let host = match &hosts[0] {
            Host::Tcp(h) => h.clone(),
            Host::Unix(p) => p.display().to_string(),
        };
        let port = config.get_ports().first().copied().unwrap_or(5432);
        let shown = format!(
            "{}@{host}:{port}/{}",
            config.get_user().unwrap_or_default(),
            config
                .get_dbname()
                .or(config.get_user())
                .unwrap_or_default()
        );
        Ok(SharedTarget {
            config,
            shown,
            local,
        })
    }

    /// Whether the address itself carries a password (or `password` was given to
    /// [`SharedTarget::parse`]). An address kept in a plain file must not.
    pub fn has_password(&self) -> bool {
        self.config.get_password().is_some()
    }

    /// `user@host:port/database`, never the password.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// Whether every host is this computer (loopback or a local socket).
    pub fn is_local(&self) -> bool {
        self.local
    }

    /// A connection; TLS is required (and its certificate checked) unless the server
    /// is this computer.
    pub(crate) fn connect(&self) -> Result<Client> {
        let tls = native_tls::TlsConnector::new().map_err(|e| Error::Shared {
            problem: SharedProblem::Unreachable,
            target: self.shown.clone(),
            detail: format!("TLS is not available on this computer: {e}"),
        })?;
        let tls = postgres_native_tls::MakeTlsConnector::new(tls);
        self.config.connect(tls).map_err(|e| self.error(e))
    }

    /// A PostgreSQL error as the problem a person can act on.
    pub(crate) fn error(&self, e: postgres::Error) -> Error {
        // The server's own errors carry a SQLSTATE; the others are the connection's
        // (address, network, TLS, a connection that closed).
        let problem = match e.code() {
            Some(c) if refused(c) => SharedProblem::Refused,
            Some(_) => SharedProblem::Failed,
            // The server asked for a password and there was none: the driver's own
            // configuration error, but to the person the server refused the user.
            None if asked_for_password(&e) => SharedProblem::Refused,
            None => SharedProblem::Unreachable,
        };
        // The driver's text names the server and what went wrong, never the password.
        let detail = match e.as_db_error() {
            Some(db) => format!("{} ({})", db.message(), db.code().code()),
            None if asked_for_password(&e) => {
                "the server asks for a password and none was given or saved".to_owned()
            }
            None => e.to_string(),
        };
        Error::Shared {
            problem,
            target: self.shown.clone(),
            detail,
        }
    }
}

/// The driver's "password missing": the server wants one, the address and the keyring
/// had none. (tokio-postgres has no public kind for it; its text is stable.)
fn asked_for_password(e: &postgres::Error) -> bool {
    std::error::Error::source(e).is_some_and(|s| s.to_string() == "password missing")
}

/// Wrong user or password, a database that does not exist, or rights the user lacks.
fn refused(code: &SqlState) -> bool {
    let c = code.code();
    c.starts_with("28") || c == "3D000" || *code == SqlState::INSUFFICIENT_PRIVILEGE
}

fn is_this_computer(host: &Host) -> bool {
    match host {
        Host::Unix(_) => true,
        Host::Tcp(h) => {
            h.eq_ignore_ascii_case("localhost")
                || h.trim_matches(|c| c == '[' || c == ']')
                    .parse::<IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
    }
}

/// A table the shared store holds, with its primary key.
pub(crate) struct Carried {
    pub name: &'static str,
    pub key: &'static [&'static str],
    /// Rows never change once written: an existing row is left as it is (and must be
    /// equal, which the comparison checks).
    pub append_only: bool,
    /// The order rows are merged in, when it matters for a unique rule that holds only
    /// for some rows (the key's order otherwise).
    pub merge_order: Option<&'static str>,
}

/// In the order their foreign keys need.
pub(crate) const CARRIED: &[Carried] = &[
    table("customers", &["customer_uid"]),
    table("customer_tags", &["customer_uid", "tag"]),
    table("key_product_type", &["customer_uid"]),
    table("plans", &["code"]),
    // One active subscription per plan and customer: a cancelled one gives its place up
    // before an active one takes it.
    Carried {
        merge_order: Some("status = 'active', id"),
        ..table("subscriptions", &["id"])
    },
    table("subscription_periods", &["subscription_id", "period"]),
    table("payments", &["id"]),
    table("schedules", &["id"]),
    // One open row per lock: rows no longer open first (a retry reopens an older row
    // after a newer one closed).
    Carried {
        merge_order: Some("state IN ('pending', 'sent', 'unknown', 'conflict'), id"),
        ..table("journal", &["id"])
    },
    table("bulk_runs", &["id"]),
    table("bulk_items", &["run_id", "line"]),
    table("bulk_excluded", &["run_id", "line"]),
    table("triage_resolved", &["entry_key"]),
    table("sync_state", &["stream"]),
    table("resync_required", &["id"]),
    Carried {
        append_only: true,
        ..table("audit_log", &["id"])
    },
    table("audit_head", &["singleton"]),
];

const fn table(name: &'static str, key: &'static [&'static str]) -> Carried {
    Carried {
        name,
        key,
        append_only: false,
        merge_order: None,
    }
}

/// The SQLite tables the shared store does not hold: the search structures (built from
/// the carried rows), each desk's own leases, and the schema's bookkeeping.
#[cfg(test)]
const NOT_CARRIED: &[&str] = &["leases", "name_grams", "names", "schema_migrations"];

/// The tables whose ids the shared store hands out itself from now on.
pub(crate) const IDENTITY_TABLES: &[&str] = &["subscriptions", "payments", "schedules", "journal"];

/// The PostgreSQL type of each column of `table`, in the table's order.
pub(crate) fn columns(
    target: &SharedTarget,
    tx: &mut postgres::Transaction<'_>,
    table: &str,
) -> Result<Vec<(String, Type)>> {
    let rows = tx
        .query(
            "SELECT column_name::text, data_type::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = $1
             ORDER BY ordinal_position",
            &[&table],
        )
        .map_err(|e| target.error(e))?;
    rows.iter()
        .map(|r| {
            let (name, ty): (String, String) = (r.get(0), r.get(1));
            let ty = match ty.as_str() {
                "bigint" => Type::INT8,
                "text" => Type::TEXT,
                "double precision" => Type::FLOAT8,
                other => return Err(Error::Internal(format!("{table}.{name} has type {other}"))),
            };
            Ok((name, ty))
        })
        .collect()
}

/// One step of the shared store's schema.
struct SharedMigration {
    version: i64,
    name: &'static str,
    sql: &'static str,
}

/// The shared store's schema steps, in order. Never edit a released one: add a step.
const SHARED_MIGRATIONS: &[SharedMigration] = &[SharedMigration {
    version: 1,
    name: "shared",
    sql: include_str!("../../../migrations-postgres/0001_shared.sql"),
}];

/// The newest shared schema this build knows.
pub const SHARED_SCHEMA_VERSION: i64 = 1;

/// Key of the advisory lock that makes schema changes and copies wait for each other
/// when two desks start at once.
const SCHEMA_LOCK: i64 = 0x5375_6264_6573_6b01;

/// Bring the shared store's schema up to this build's, in one transaction under the
/// schema lock; a store written by a newer build is refused before anything is written.
pub(crate) fn migrate(target: &SharedTarget, client: &mut Client) -> Result<i64> {
    let err = |e| target.error(e);
    let mut tx = client.transaction().map_err(err)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
        .map_err(err)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    BIGINT PRIMARY KEY,
             name       TEXT NOT NULL,
             applied_at BIGINT NOT NULL
         )",
    )
    .map_err(err)?;
    let current: i64 = tx
        .query_one(
            "SELECT coalesce(max(version), 0) FROM schema_migrations",
            &[],
        )
        .map_err(err)?
        .get(0);
    if current > SHARED_SCHEMA_VERSION {
        return Err(Error::Shared {
            problem: SharedProblem::Newer,
            target: target.shown.clone(),
            detail: format!(
                "its schema is version {current}, this build knows up to {SHARED_SCHEMA_VERSION}"
            ),
        });
    }
    for m in SHARED_MIGRATIONS.iter().filter(|m| m.version > current) {
        tx.batch_execute(m.sql).map_err(err)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            &[&m.version, &m.name, &crate::now()],
        )
        .map_err(err)?;
        tracing::info!(version = m.version, name = m.name, target = %target.shown, "shared migration applied");
    }
    tx.commit().map_err(err)?;
    Ok(SHARED_SCHEMA_VERSION)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A table added to the SQLite store is either carried to the shared store or named
    /// as not carried: a new table cannot be left behind by the copy unnoticed.
    #[test]
    fn every_table_of_the_store_is_carried_or_named_as_not() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::Store::open(dir.path().join("s.sqlite3")).unwrap();
        let tables: Vec<String> = store
            .read(|conn| {
                let mut stmt = conn.prepare(
                    "SELECT name FROM sqlite_master WHERE type = 'table'
                     AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%_fts%' ORDER BY name",
                )?;
                Ok(stmt
                    .query_map([], |r| r.get(0))?
                    .collect::<rusqlite::Result<Vec<String>>>()?)
            })
            .unwrap();
        let mut named: Vec<&str> = CARRIED.iter().map(|t| t.name).collect();
        named.extend(NOT_CARRIED);
        named.sort();
        assert_eq!(tables, named);
    }

    #[test]
    fn a_server_elsewhere_needs_tls_and_the_password_is_never_shown() {
        let t = SharedTarget::parse("postgres://desk:s3cret@db.example.com/subdesk", None).unwrap();
        assert!(!t.is_local());
        assert_eq!(t.config.get_ssl_mode(), SslMode::Require);
        assert_eq!(t.shown(), "desk@db.example.com:5432/subdesk");
        assert!(!format!("{t:?}").contains("s3cret"));

        let t = SharedTarget::parse(
            "postgres://desk@127.0.0.1:55432/postgres?sslmode=disable",
            Some("pw"),
        )
        .unwrap();
        assert!(t.is_local());
        assert_eq!(t.config.get_ssl_mode(), SslMode::Disable);
        assert_eq!(t.config.get_password(), Some(&b"pw"[..]));
        assert!(
            SharedTarget::parse("postgres://desk@[::1]/x", None)
                .unwrap()
                .is_local()
        );
        assert!(
            SharedTarget::parse("postgres://desk@localhost/x", None)
                .unwrap()
                .is_local()
        );
    }

    #[test]
    fn an_address_without_server_or_user_is_refused_before_connecting() {
        for url in [
            "",
            "not a url at all",
            "postgres:///db",
            "postgres://localhost/db",
        ] {
            let e = SharedTarget::parse(url, None).unwrap_err();
            assert_eq!(e.code(), subdesk_codes::ErrorCode::InvalidInput, "{url}");
        }
    }
}
