//! `store migrate --to URL` against a real PostgreSQL server on loopback (`make test`
//! starts one and sets SUBDESK_TEST_POSTGRES_URL; each test gets a database of its own):
//! the whole store carried and compared row by row, again only what changed, another
//! store's shared copy refused, a row that does not fit leaving nothing written, the
//! shared journal's unique rules, and two copies at once.

use postgres::{Client, NoTls};
use subdesk_billing::mirror::sync::CancelToken;
use subdesk_billing::{
    AgainCharge, DunningPolicy, Interval, PlanInput, SharedTarget, Store, charge_again,
};
use subdesk_codes::ErrorCode;

use crate::common::{APPROVE, Env, details, env};

/// The test server's URL, or None outside `make test` (see subdesk-testkit).
fn server() -> Option<String> {
    subdesk_testkit::server()
}

/// A fresh database on the test server, or None (see subdesk-testkit).
fn shared_db() -> Option<String> {
    subdesk_testkit::fresh_database("t")
}

/// The sandbox runs on this runtime's threads; the tests themselves are blocking, as the
/// copy is (the PostgreSQL client runs a runtime of its own).
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn pg(url: &str) -> Client {
    Client::connect(url, NoTls).expect("connect")
}

fn count(url: &str, table: &str) -> i64 {
    pg(url)
        .query_one(&format!("SELECT count(*) FROM {table}"), &[])
        .unwrap()
        .get(0)
}

fn sqlite_count(store: &Store, table: &str) -> i64 {
    let conn = rusqlite::Connection::open(store.path()).unwrap();
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

const TABLES: &[&str] = &[
    "customers",
    "customer_tags",
    "plans",
    "subscriptions",
    "subscription_periods",
    "payments",
    "journal",
    "audit_log",
];

/// A store as a desk has it after a little work: keys, notes and tags, two charges
/// (journal rows and mirrored payments), a plan with a subscription.
async fn worked(env: &Env) {
    for uid in ["cust_a", "cust_b", "cust_c"] {
        env.key(uid, APPROVE).await;
    }
    env.store
        .set_customer_notes("cust_a", "VIP, 매달 5일")
        .unwrap();
    env.store
        .set_customer_tags("cust_b", &["연간".to_owned(), "법인".to_owned()])
        .unwrap();
    for uid in ["cust_a", "cust_b"] {
        let r = charge_again(
            &env.store,
            &env.client,
            &AgainCharge {
                customer_uid: uid.into(),
                merchant_uid: None,
                details: details(9_900),
            },
        )
        .await
        .expect("charge");
        assert!(r.imp_uid.is_some(), "{r:?}");
    }
    env.store
        .create_plan(&PlanInput {
            code: "basic".into(),
            name: "기본 요금제".into(),
            amount: 9_900,
            tax_free: 0,
            interval: Interval::EveryDays { days: 30 },
            start_at: 1_900_000_000,
            end_at: None,
            max_periods: None,
            dunning: DunningPolicy::default(),
            first_charge: false,
        })
        .unwrap();
    env.store.subscribe("basic", "cust_c").unwrap();
}

/// A desk after a little work ([`worked`]), the runtime its sandbox runs on, and a fresh
/// shared database.
struct Desk {
    rt: tokio::runtime::Runtime,
    env: Env,
    url: String,
}

fn desk() -> Option<Desk> {
    let url = shared_db()?;
    let rt = runtime();
    let env = rt.block_on(env());
    rt.block_on(worked(&env));
    Some(Desk { rt, env, url })
}

/// The store's audit entries, newest first.
fn audit_entries(store: &Store) -> Vec<subdesk_billing::AuditEntry> {
    store
        .audit_list(&subdesk_billing::store::audit::AuditQuery {
            limit: Some(500),
            ..Default::default()
        })
        .unwrap()
        .entries
}

fn copy(store: &Store, url: &str) -> subdesk_billing::Result<subdesk_billing::SharedCopy> {
    store.copy_to_shared(&SharedTarget::parse(url, None).unwrap())
}

#[test]
fn a_store_is_carried_whole_with_its_audit_chain() {
    let Some(Desk { rt: _rt, env, url }) = desk() else {
        return;
    };

    let seen = std::sync::Mutex::new(Vec::new());
    let report = env
        .store
        .copy_to_shared_with(
            &SharedTarget::parse(&url, None).unwrap(),
            &|p| seen.lock().unwrap().push(p.clone()),
            &CancelToken::new(),
        )
        .unwrap();
    assert_eq!(
        report.schema_version,
        subdesk_billing::SHARED_SCHEMA_VERSION
    );
    // Each table said how far it was, from none of its rows to all of them.
    let seen = seen.into_inner().unwrap();
    for t in &report.tables {
        let of: Vec<(i64, i64)> = seen
            .iter()
            .filter(|p| p.table == t.table)
            .map(|p| (p.done, p.total))
            .collect();
        assert_eq!(of.first(), Some(&(0, t.rows)), "{}", t.table);
        assert_eq!(of.last(), Some(&(t.rows, t.rows)), "{}", t.table);
    }
    for t in TABLES {
        // The copy's own audit entry came after the snapshot, and went in after it.
        let extra = i64::from(*t == "audit_log");
        assert_eq!(count(&url, t), sqlite_count(&env.store, t), "{t}");
        let row = report.tables.iter().find(|r| r.table == *t).unwrap();
        assert_eq!(
            (row.rows + extra, row.added, row.updated),
            (sqlite_count(&env.store, t), row.rows, 0),
            "{t}"
        );
    }
    assert!(count(&url, "journal") >= 2 && count(&url, "payments") >= 2);

    // The chain as this store holds it, entry for entry, ending with the copy itself.
    let mut shared = pg(&url);
    let rows = shared
        .query("SELECT id, hash, action FROM audit_log ORDER BY id", &[])
        .unwrap();
    let ours = audit_entries(&env.store);
    assert_eq!(rows.len(), ours.len());
    for (r, e) in rows.iter().zip(ours.iter().rev()) {
        assert_eq!(
            (r.get::<_, i64>(0), r.get::<_, String>(1)),
            (e.id, e.hash.clone())
        );
    }
    let last = rows.last().unwrap();
    assert_eq!(last.get::<_, String>(2), "db.copy_shared");
    assert_eq!(last.get::<_, i64>(0), report.audit_id);
    let head: (i64, String) = shared
        .query_one("SELECT last_id, last_hash FROM audit_head", &[])
        .map(|r| (r.get(0), r.get(1)))
        .unwrap();
    assert_eq!(head, (ours[0].id, ours[0].hash.clone()));
    assert!(env.store.verify_audit().unwrap().ok);
}

#[test]
fn copying_again_brings_only_what_changed() {
    let Some(Desk { rt, env, url }) = desk() else {
        return;
    };
    copy(&env.store, &url).unwrap();

    let again = copy(&env.store, &url).unwrap();
    for t in &again.tables {
        // The first copy's own audit entry went in just after it.
        assert_eq!((t.added, t.updated), (0, 0), "{}", t.table);
        assert_eq!(t.removed, 0, "{}", t.table);
    }

    env.store
        .set_customer_notes("cust_b", "해지 문의 있음")
        .unwrap();
    rt.block_on(charge_again(
        &env.store,
        &env.client,
        &AgainCharge {
            customer_uid: "cust_c".into(),
            merchant_uid: None,
            details: details(4_400),
        },
    ))
    .unwrap();
    let third = copy(&env.store, &url).unwrap();
    let of = |name: &str| {
        third
            .tables
            .iter()
            .find(|t| t.table == name)
            .unwrap()
            .clone()
    };
    assert_eq!((of("customers").added, of("customers").updated), (0, 1));
    assert_eq!(of("journal").added, 1);
    let notes: String = pg(&url)
        .query_one(
            "SELECT notes FROM customers WHERE customer_uid = 'cust_b'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(notes, "해지 문의 있음");
    for t in TABLES {
        assert_eq!(count(&url, t), sqlite_count(&env.store, t), "{t}");
    }

    // A new journal row written on the shared store gets an id after the copied ones.
    let id: i64 = pg(&url)
        .query_one(
            "INSERT INTO journal (op, profile, merchant_uid, lock_key, request_hash, request_json,
                                  state, created_at, updated_at)
             VALUES ('refund', 'p', 'm_new', 'refund:x', 'h', '{}', 'pending', 0, 0) RETURNING id",
            &[],
        )
        .unwrap()
        .get(0);
    let max_ours: i64 = rusqlite::Connection::open(env.store.path())
        .unwrap()
        .query_row("SELECT max(id) FROM journal", [], |r| r.get(0))
        .unwrap();
    assert_eq!(id, max_ours + 1);
}

#[test]
fn another_stores_shared_copy_is_refused_and_left_as_it_was() {
    let Some(Desk { rt, env, url }) = desk() else {
        return;
    };
    copy(&env.store, &url).unwrap();
    let before: Vec<i64> = TABLES.iter().map(|t| count(&url, t)).collect();

    // Another desk's store with its own customer and chain.
    let other_dir = tempfile::tempdir().unwrap();
    let other = Store::open(other_dir.path().join("other.sqlite3")).unwrap();
    rt.block_on(env.key_in(&other, "cust_a"));
    other.set_customer_notes("cust_a", "다른 데스크").unwrap();
    let err = copy(&other, &url).unwrap_err();
    assert_eq!(err.code(), ErrorCode::SharedStoreNotOurs, "{err}");
    let after: Vec<i64> = TABLES.iter().map(|t| count(&url, t)).collect();
    assert_eq!(before, after);
    let notes: String = pg(&url)
        .query_one(
            "SELECT notes FROM customers WHERE customer_uid = 'cust_a'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(notes, "VIP, 매달 5일");

    // A shared store with records but no chain is nobody's to copy into either.
    let Some(bare) = shared_db() else { return };
    copy(&env.store, &bare).unwrap();
    pg(&bare).batch_execute("DELETE FROM audit_head").unwrap();
    let err = copy(&env.store, &bare).unwrap_err();
    assert_eq!(err.code(), ErrorCode::SharedStoreNotOurs, "{err}");
}

/// A stop asked while the rows go out (the person's button) rolls the copy back: the
/// server holds nothing, no audit entry claims a copy, and the next copy carries it all.
#[test]
fn a_stopped_copy_leaves_nothing_written() {
    let Some(Desk { rt: _rt, env, url }) = desk() else {
        return;
    };
    let target = SharedTarget::parse(&url, None).unwrap();
    let stop = CancelToken::new();
    let err = env
        .store
        .copy_to_shared_with(
            &target,
            &|p| {
                // Once the payments are on their way: tables staged before and after.
                if p.table == "payments" {
                    stop.cancel();
                }
            },
            &stop,
        )
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::SharedCopyStopped, "{err}");
    for t in TABLES {
        assert_eq!(count(&url, t), 0, "{t}");
    }
    let copies = || {
        audit_entries(&env.store)
            .into_iter()
            .filter(|e| e.action == "db.copy_shared")
            .count()
    };
    assert_eq!(copies(), 0);
    // Stopped before it began: the same.
    assert_eq!(
        env.store
            .copy_to_shared_with(&target, &|_| {}, &stop)
            .unwrap_err()
            .code(),
        ErrorCode::SharedCopyStopped
    );
    let done = copy(&env.store, &url).unwrap();
    assert_eq!(count(&url, "customers"), 3);
    assert!(done.changed > 0);
    assert_eq!(copies(), 1);
}

#[test]
fn a_row_that_does_not_fit_leaves_nothing_written() {
    let Some(Desk { rt: _rt, env, url }) = desk() else {
        return;
    };
    // SQLite keeps what it is given: a payment amount that is text, as a damaged or
    // hand-edited file can hold. The customers are carried before the payments.
    rusqlite::Connection::open(env.store.path())
        .unwrap()
        .execute(
            "UPDATE payments SET amount = 'abc' WHERE id = (SELECT max(id) FROM payments)",
            [],
        )
        .unwrap();
    let err = copy(&env.store, &url).unwrap_err();
    assert_eq!(err.code(), ErrorCode::SharedStoreMismatch, "{err}");
    assert!(err.to_string().contains("payments.amount"), "{err}");
    for t in TABLES {
        assert_eq!(count(&url, t), 0, "{t}");
    }
    // No audit entry claims a copy that did not happen.
    let copies = audit_entries(&env.store)
        .into_iter()
        .filter(|e| e.action == "db.copy_shared")
        .count();
    assert_eq!(copies, 0);
}

#[test]
fn a_newer_shared_schema_an_unknown_database_and_no_server_are_told_apart() {
    let Some(Desk { rt: _rt, env, url }) = desk() else {
        return;
    };
    copy(&env.store, &url).unwrap();
    pg(&url)
        .execute(
            "INSERT INTO schema_migrations VALUES (99, 'future', 0)",
            &[],
        )
        .unwrap();
    let base = url.rsplit_once('/').unwrap().0.to_owned();
    let newer = copy(&env.store, &url).unwrap_err();
    let missing = copy(&env.store, &format!("{base}/no_such_database")).unwrap_err();
    // A port nothing listens on.
    let nobody = copy(&env.store, "postgres://subdesk@127.0.0.1:9/postgres").unwrap_err();
    let codes = [newer.code(), missing.code(), nobody.code()];
    assert_eq!(
        codes,
        [
            ErrorCode::SharedStoreNewer,
            ErrorCode::SharedStoreRefused,
            ErrorCode::SharedStoreUnreachable
        ]
    );
}

/// The journal's rules hold on the shared store itself: one charge per order id, one
/// open request per lock, whichever desk writes.
#[test]
fn the_shared_journal_refuses_a_second_charge_of_one_order() {
    let Some(Desk { rt: _rt, env, url }) = desk() else {
        return;
    };
    copy(&env.store, &url).unwrap();
    let mut shared = pg(&url);
    let merchant_uid: String = shared
        .query_one(
            "SELECT merchant_uid FROM journal WHERE op = 'charge_again' LIMIT 1",
            &[],
        )
        .unwrap()
        .get(0);
    let insert = "INSERT INTO journal (op, profile, merchant_uid, lock_key, request_hash,
                                       request_json, state, created_at, updated_at)
                  VALUES ($1, 'p', $2, $3, 'h', '{}', 'pending', 0, 0)";
    let e = shared
        .execute(insert, &[&"charge_again", &merchant_uid, &"other_lock"])
        .unwrap_err();
    assert_eq!(e.code(), Some(&postgres::error::SqlState::UNIQUE_VIOLATION));
    shared
        .execute(insert, &[&"refund", &"m1", &"refund:imp_1"])
        .unwrap();
    let e = shared
        .execute(insert, &[&"refund", &"m2", &"refund:imp_1"])
        .unwrap_err();
    assert_eq!(e.code(), Some(&postgres::error::SqlState::UNIQUE_VIOLATION));
}

/// The app and the CLI copying the same store at once: one waits for the other, and the
/// shared store ends with each row once.
#[test]
fn two_copies_at_once_wait_for_each_other() {
    let Some(Desk { rt: _rt, env, url }) = desk() else {
        return;
    };
    std::thread::scope(|s| {
        let runs: Vec<_> = (0..2).map(|_| s.spawn(|| copy(&env.store, &url))).collect();
        for r in runs {
            r.join().unwrap().unwrap();
        }
    });
    for t in TABLES {
        assert_eq!(count(&url, t), sqlite_count(&env.store, t), "{t}");
    }
}

/// Two desks' stores copied into one empty shared store at the same moment: one of them
/// gets it, the other is refused, and the shared store holds the first one's rows only.
#[test]
fn two_stores_racing_for_one_empty_shared_store_leave_one_of_them() {
    let Some(Desk { rt, env, url }) = desk() else {
        return;
    };
    let other_dir = tempfile::tempdir().unwrap();
    let other = Store::open(other_dir.path().join("other.sqlite3")).unwrap();
    rt.block_on(env.key_in(&other, "cust_a"));
    other.set_customer_notes("cust_a", "다른 데스크").unwrap();

    let outcomes: Vec<_> = std::thread::scope(|s| {
        let a = s.spawn(|| copy(&env.store, &url));
        let b = s.spawn(|| copy(&other, &url));
        vec![a.join().unwrap(), b.join().unwrap()]
    });
    let won: Vec<usize> = (0..2).filter(|i| outcomes[*i].is_ok()).collect();
    assert_eq!(won.len(), 1, "{outcomes:?}");
    let loser = outcomes.iter().find_map(|o| o.as_ref().err()).unwrap();
    assert_eq!(loser.code(), ErrorCode::SharedStoreNotOurs, "{loser}");
    let winner = if won[0] == 0 { &env.store } else { &other };
    for t in TABLES {
        assert_eq!(count(&url, t), sqlite_count(winner, t), "{t}");
    }
}

/// An entry of the shared audit chain edited on the server is found by the comparison
/// after the merge: the copy stops and writes nothing.
#[test]
fn a_shared_audit_entry_edited_on_the_server_stops_the_copy() {
    let Some(Desk { rt: _rt, env, url }) = desk() else {
        return;
    };
    copy(&env.store, &url).unwrap();
    pg(&url)
        .batch_execute("UPDATE audit_log SET inputs = '{}' WHERE id = 1")
        .unwrap();
    env.store.set_customer_notes("cust_c", "바뀐 메모").unwrap();
    let err = copy(&env.store, &url).unwrap_err();
    assert_eq!(err.code(), ErrorCode::SharedStoreMismatch, "{err}");
    assert!(err.to_string().contains("audit_log"), "{err}");
    let notes: String = pg(&url)
        .query_one(
            "SELECT notes FROM customers WHERE customer_uid = 'cust_c'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(
        notes, "",
        "the customers merged before the audit log were rolled back"
    );
}

fn owner() -> subdesk_billing::BackupOwner {
    subdesk_billing::BackupOwner {
        profile_id: "shop".into(),
        mode: "test".into(),
    }
}

/// A lost laptop: the shared store becomes a backup of the profile on a new computer,
/// restores as one, and holds the same customers, journal and audit chain, searchable.
#[test]
fn a_new_computer_gets_the_registry_back_from_the_shared_store() {
    let Some(Desk { rt: _rt, env, url }) = desk() else {
        return;
    };
    copy(&env.store, &url).unwrap();

    let laptop = tempfile::tempdir().unwrap();
    let file = laptop.path().join("from-shared.sqlite3");
    let target = SharedTarget::parse(&url, None).unwrap();
    let contents = target.fetch_as_backup(&file, &owner()).unwrap();
    assert_eq!(contents.customers, 3);
    assert_eq!(contents.active_keys, 3);
    assert_eq!(contents.payments, sqlite_count(&env.store, "payments"));

    let db = laptop.path().join("profile.sqlite3");
    let (restored, _) =
        subdesk_billing::restore_from_folder(&db, &file, &owner(), Default::default()).unwrap();
    for t in TABLES {
        let extra = i64::from(*t == "audit_log"); // the restore's own entry
        assert_eq!(
            sqlite_count(&restored, t),
            sqlite_count(&env.store, t) + extra,
            "{t}"
        );
    }
    assert!(restored.verify_audit().unwrap().ok);
    let customer = |s: &Store| {
        let c = s.get_customer("cust_a").unwrap();
        (c.customer_uid, c.notes, c.key_status)
    };
    assert_eq!(customer(&restored), customer(&env.store));
    // The search structures were built from the rows: a part of a name, its 초성 and a
    // part of a customer_uid find the customers.
    for q in ["길동", "ㅎㄱㄷ", "ust_"] {
        let found = restored.search(q, Some(10)).unwrap();
        assert_eq!(found.customers.items.len(), 3, "{q}: {found:?}");
    }
    // Money waits for a sync, as after any restore.
    assert!(restored.resync_status().unwrap().is_some());

    // The restored store is the same store: copying it again is accepted.
    let again = copy(&restored, &url).unwrap();
    let changed: i64 = again
        .tables
        .iter()
        .filter(|t| !t.table.starts_with("audit") && t.table != "resync_required")
        .map(|t| t.added + t.updated)
        .sum();
    assert_eq!(changed, 0, "{again:?}");
}

/// Nothing to restore from an empty server, and a broken shared chain leaves no file.
#[test]
fn an_empty_or_broken_shared_store_gives_no_backup() {
    let Some(Desk { rt: _rt, env, url }) = desk() else {
        return;
    };
    let laptop = tempfile::tempdir().unwrap();
    let file = laptop.path().join("from-shared.sqlite3");
    let target = SharedTarget::parse(&url, None).unwrap();
    let err = target.fetch_as_backup(&file, &owner()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound, "{err}");
    assert!(!file.exists());

    copy(&env.store, &url).unwrap();
    pg(&url)
        .batch_execute("UPDATE audit_log SET outcome = 'error: x' WHERE id = 2")
        .unwrap();
    let err = target.fetch_as_backup(&file, &owner()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::SharedStoreMismatch, "{err}");
    assert!(err.to_string().contains("entry 2"), "{err}");
    let left: Vec<_> = std::fs::read_dir(laptop.path()).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

/// The roles of docs/shared-store.sql, as an administrator sets them up: the desk role
/// copies, the clerk's role cannot write (the server refuses it, not only the app) but can
/// restore from it.
#[test]
fn the_documented_roles_let_the_clerk_read_and_never_write() {
    let Some(server) = server() else { return };
    let id = ulid::Ulid::new().to_string().to_lowercase();
    let (desk, clerk, db) = (
        format!("desk_{id}"),
        format!("clerk_{id}"),
        format!("shared_{id}"),
    );
    let sql = include_str!("../../../../docs/shared-store.sql")
        .replace("subdesk_desk", &desk)
        .replace("subdesk_clerk", &clerk)
        .replace("DATABASE subdesk ", &format!("DATABASE {db} "));
    let (cluster, database) = sql.split_once("\\connect subdesk\n").expect("two parts");
    let statements = |part: &str| -> Vec<String> {
        let no_comments: String = part
            .lines()
            .filter(|l| !l.trim_start().starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n");
        no_comments
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let mut admin = pg(&server);
    for s in statements(cluster) {
        admin
            .batch_execute(&s)
            .unwrap_or_else(|e| panic!("{s}: {e}"));
    }
    let base = server.rsplit_once('/').unwrap().0.to_owned();
    let host = base.rsplit_once('@').unwrap().1.to_owned();
    let admin_db = format!("{base}/{db}");
    let mut admin_in = pg(&admin_db);
    for s in statements(database) {
        admin_in
            .batch_execute(&s)
            .unwrap_or_else(|e| panic!("{s}: {e}"));
    }

    let rt = runtime();
    let env = rt.block_on(env());
    rt.block_on(worked(&env));
    let as_desk = format!("postgres://{desk}:change-me-desk@{host}/{db}");
    let as_clerk = format!("postgres://{clerk}:change-me-clerk@{host}/{db}");
    copy(&env.store, &as_desk).unwrap();
    let before = count(&admin_db, "audit_log");

    let err = copy(&env.store, &as_clerk).unwrap_err();
    assert_eq!(err.code(), ErrorCode::SharedStoreRefused, "{err}");
    assert_eq!(count(&admin_db, "audit_log"), before);
    let e = pg(&as_clerk)
        .execute(
            "INSERT INTO journal (op, profile, merchant_uid, lock_key, request_hash, request_json,
                                  state, created_at, updated_at)
             VALUES ('refund', 'p', 'm', 'l', 'h', '{}', 'pending', 0, 0)",
            &[],
        )
        .unwrap_err();
    assert_eq!(
        e.code(),
        Some(&postgres::error::SqlState::INSUFFICIENT_PRIVILEGE)
    );

    let laptop = tempfile::tempdir().unwrap();
    let contents = SharedTarget::parse(&as_clerk, None)
        .unwrap()
        .fetch_as_backup(&laptop.path().join("b.sqlite3"), &owner())
        .unwrap();
    assert_eq!(contents.customers, 3);
}

/// A column the shared schema does not have (a store of a newer build than its shared
/// schema) stops the copy instead of being dropped on the way.
#[test]
fn a_column_the_shared_schema_lacks_stops_the_copy() {
    let Some(Desk { rt: _rt, env, url }) = desk() else {
        return;
    };
    rusqlite::Connection::open(env.store.path())
        .unwrap()
        .execute_batch("ALTER TABLE customers ADD COLUMN loyalty TEXT")
        .unwrap();
    let err = copy(&env.store, &url).unwrap_err();
    assert_eq!(err.code(), ErrorCode::SharedStoreMismatch, "{err}");
    assert!(err.to_string().contains("customers.loyalty"), "{err}");
    assert_eq!(count(&url, "customers"), 0);
}

/// Between two copies a tag is taken off and a charge lock moves from a newer journal row
/// to an older one reopened (a retry of its order): the second copy leaves the shared
/// store as this store is, the tag gone, one open row per lock.
#[test]
fn a_second_copy_removes_what_was_removed_and_moves_a_lock() {
    let Some(Desk { rt: _rt, env, url }) = desk() else {
        return;
    };
    // The journal as a desk leaves it mid-retry: the newest charge of cust_a open.
    let db = rusqlite::Connection::open(env.store.path()).unwrap();
    let (older, newer): (i64, i64) = db
        .query_row(
            "SELECT min(id), max(id) FROM journal WHERE op = 'charge_again'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    db.execute_batch(&format!(
        "UPDATE journal SET state = 'succeeded', lock_key = 'charge:cust_a' WHERE id = {older};
         UPDATE journal SET state = 'unknown', lock_key = 'charge:cust_a' WHERE id = {newer};"
    ))
    .unwrap();
    copy(&env.store, &url).unwrap();

    env.store
        .set_customer_tags("cust_b", &["연간".to_owned()])
        .unwrap();
    db.execute_batch(&format!(
        "UPDATE journal SET state = 'declined' WHERE id = {newer};
         UPDATE journal SET state = 'sent' WHERE id = {older};"
    ))
    .unwrap();
    let again = copy(&env.store, &url).unwrap();
    let tags = again
        .tables
        .iter()
        .find(|t| t.table == "customer_tags")
        .unwrap();
    assert_eq!(tags.removed, 1, "{again:?}");
    let shared_tags: Vec<String> = pg(&url)
        .query(
            "SELECT tag FROM customer_tags WHERE customer_uid = 'cust_b'",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(shared_tags, ["연간"]);
    let open: Vec<i64> = pg(&url)
        .query(
            "SELECT id FROM journal WHERE lock_key = 'charge:cust_a'
             AND state IN ('pending', 'sent', 'unknown', 'conflict')",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(open, [older]);
}
