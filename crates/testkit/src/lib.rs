//! The PostgreSQL test server, as the shared store's tests in subdesk-billing,
//! subdesk-desk and subdesk-cli use it. `make test` starts one (scripts/postgres-test.sh)
//! and sets `SUBDESK_TEST_POSTGRES_URL` (its administrator, who needs no password) and
//! `SUBDESK_REQUIRE_POSTGRES`; every other user of that server needs its password.
//!
//! Outside `make test`, without a server, these say so and answer None, and the tests
//! skip; under `SUBDESK_REQUIRE_POSTGRES` a missing server fails the test instead.
//! Each call works on a thread of its own: the blocking client may not run on a test's
//! async one.

use std::sync::atomic::{AtomicU64, Ordering};

use postgres::{Client, NoTls};

/// The test server's URL (its administrator, its `postgres` database), or None as the
/// crate's doc says.
pub fn server() -> Option<String> {
    let Ok(url) = std::env::var("SUBDESK_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var_os("SUBDESK_REQUIRE_POSTGRES").is_none(),
            "SUBDESK_REQUIRE_POSTGRES is set but SUBDESK_TEST_POSTGRES_URL is not"
        );
        eprintln!("no PostgreSQL for the tests (scripts/postgres-test.sh starts one): skipped");
        return None;
    };
    Some(url)
}

/// A name no other test, run or process uses: `prefix`, the process, the time, a count.
pub fn unique_name(prefix: &str) -> String {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}_{}_{nanos}_{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::SeqCst)
    )
}

/// Runs `sql` as the test server's administrator, one statement at a time (CREATE
/// DATABASE may not share a transaction).
fn as_admin(server: &str, statements: Vec<String>) {
    let server = server.to_owned();
    std::thread::spawn(move || {
        let mut admin = Client::connect(&server, NoTls).expect("the test server");
        for sql in statements {
            admin
                .batch_execute(&sql)
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
    })
    .join()
    .expect("the test server's administrator");
}

/// The test server's address with `user` and `database` in place of its own.
fn address(server: &str, user: &str, database: &str) -> String {
    let (scheme_user, rest) = server.split_once('@').expect("a URL with a user");
    let scheme = scheme_user.split_once("//").expect("a URL").0;
    let host = rest.split_once('/').map_or(rest, |(h, _)| h);
    format!("{scheme}//{user}@{host}/{database}")
}

/// A fresh database on the test server, reached as its administrator.
pub fn fresh_database(prefix: &str) -> Option<String> {
    let server = server()?;
    let name = unique_name(prefix);
    as_admin(&server, vec![format!("CREATE DATABASE {name}")]);
    let admin = server.split_once('@')?.0.rsplit_once("//")?.1.to_owned();
    Some(address(&server, &admin, &name))
}

/// A database of its own owned by a user of its own whose password is `password`, as a
/// desk reaches a real server.
pub struct OwnDatabase {
    /// `postgres://user@host:port/database`, without the password.
    pub url: String,
    /// The user, and the database (one name for both).
    pub name: String,
    /// `host:port`.
    pub host: String,
}

/// See [`OwnDatabase`].
pub fn own_database(prefix: &str, password: &str) -> Option<OwnDatabase> {
    let server = server()?;
    let name = unique_name(prefix);
    as_admin(
        &server,
        vec![
            format!("CREATE ROLE {name} LOGIN PASSWORD '{password}'"),
            format!("CREATE DATABASE {name} OWNER {name}"),
        ],
    );
    let url = address(&server, &name, &name);
    let host = url.split_once('@')?.1.split_once('/')?.0.to_owned();
    Some(OwnDatabase { url, name, host })
}

/// A user who may only read `db` (a reading desk's, as the README's recipe for the
/// server's administrator makes one) with `password`: its address without the password.
/// Its rights cover the tables the owner makes later too (the owner's first copy makes
/// them).
pub fn read_only_user(db: &OwnDatabase, password: &str) -> Option<String> {
    let server = server()?;
    let reader = format!("{}_reader", db.name);
    let owner = &db.name;
    as_admin(
        &server,
        vec![
            format!("CREATE ROLE {reader} LOGIN PASSWORD '{password}'"),
            format!("GRANT CONNECT ON DATABASE {owner} TO {reader}"),
        ],
    );
    let admin = server.split_once('@')?.0.rsplit_once("//")?.1.to_owned();
    as_admin(
        &address(&server, &admin, owner),
        vec![
            format!("GRANT USAGE ON SCHEMA public TO {reader}"),
            format!("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {reader}"),
            format!(
                "ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public GRANT SELECT ON TABLES TO {reader}"
            ),
        ],
    );
    Some(address(&server, &reader, owner))
}
