use subdesk_billing::{CustomerQuery, Error, PaymentQuery, SCHEMA_VERSION, Store};
use subdesk_codes::ErrorCode;

fn version(path: &std::path::Path) -> i64 {
    let c = rusqlite::Connection::open(path).unwrap();
    c.query_row("SELECT max(version) FROM schema_migrations", [], |r| {
        r.get(0)
    })
    .unwrap()
}

#[test]
fn fresh_database_gets_every_migration() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fresh.sqlite3");
    let store = Store::open(&path).unwrap();
    assert_eq!(store.overview().unwrap().customers, 0);
    drop(store);
    assert_eq!(version(&path), SCHEMA_VERSION);
    // WAL and foreign keys are on for every connection we hand out.
    let c = rusqlite::Connection::open(&path).unwrap();
    let mode: String = c
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    // A fresh database has nothing to back up.
    assert!(subdesk_billing::list_backups(&path).unwrap().is_empty());
}

#[test]
fn reopening_is_a_no_op() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.sqlite3");
    drop(Store::open(&path).unwrap());
    let store = Store::open(&path).unwrap();
    assert!(store.backups().unwrap().is_empty());
    assert!(store.verify_audit().unwrap().ok);
}

/// Every earlier schema version has a fixture; each must upgrade with its data
/// intact and searchable.
#[test]
fn upgrade_from_v1_keeps_data_and_backs_up_first() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite3");
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(include_str!("../fixtures/schema_v1.sql"))
            .unwrap();
    }
    assert_eq!(version(&path), 1);
    let store = Store::open(&path).unwrap();
    let backups = store.backups().unwrap();
    assert_eq!(backups.len(), 1, "one backup before migrating");
    assert!(backups[0].path.contains("pre-v2"));

    let kim = store.get_customer("cust_v1_kim").unwrap();
    assert_eq!(kim.notes, "VIP 고객");
    assert_eq!(kim.tags, vec!["vip".to_string()]);
    assert_eq!(
        kim.card_last4.as_deref(),
        Some("9876"),
        "backfilled by migration 2"
    );
    // The search structures of v2 were built from v1 data.
    let by_name = store
        .list_customers(&CustomerQuery {
            text: Some("민준".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(by_name.items.len(), 1);
    let by_phone = store
        .list_customers(&CustomerQuery {
            text: Some("01012345678".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(by_phone.items[0].customer_uid, "cust_v1_kim");
    let pays = store
        .list_payments(&PaymentQuery {
            text: Some("ㄱㅁㅈ".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(pays.items.len(), 1);
    assert_eq!(pays.items[0].imp_uid, "imp_v1_000001");
    let audit = store
        .audit_list(&subdesk_billing::store::audit::AuditQuery {
            before_id: None,
            limit: Some(10),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(audit.entries[0].action, "db.migrate");
    drop(store);
    assert_eq!(version(&path), SCHEMA_VERSION);

    // The backup is the v1 database as it was.
    assert_eq!(version(std::path::Path::new(&backups[0].path)), 1);
}

#[test]
fn newer_database_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.sqlite3");
    drop(Store::open(&path).unwrap());
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, 'future', 0)",
            [SCHEMA_VERSION + 1],
        )
        .unwrap();
    }
    let err = Store::open(&path).err().expect("must refuse");
    assert_eq!(err.code(), ErrorCode::DbNewerVersion);
    assert!(
        matches!(err, Error::DbNewerVersion { found, supported } if found == SCHEMA_VERSION + 1 && supported == SCHEMA_VERSION)
    );
    assert!(err.to_string().contains("newer"));
    // Refusing did not touch the file.
    assert_eq!(version(&path), SCHEMA_VERSION + 1);
}

#[test]
fn migrate_to_builds_each_earlier_version() {
    // The runner can stop at any version: the same path the upgrade takes.
    for v in 1..=SCHEMA_VERSION {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.sqlite3");
        let mut c = rusqlite::Connection::open(&path).unwrap();
        subdesk_billing::migrate_to(&mut c, v).unwrap();
        drop(c);
        assert_eq!(version(&path), v);
        drop(Store::open(&path).unwrap());
        assert_eq!(version(&path), SCHEMA_VERSION);
    }
}

#[test]
fn upgrade_from_v2_keeps_data_and_adds_the_money_tables() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v2.sqlite3");
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(include_str!("../fixtures/schema_v2.sql"))
            .unwrap();
    }
    assert_eq!(version(&path), 2);
    let store = Store::open(&path).unwrap();
    let backups = store.backups().unwrap();
    assert_eq!(backups.len(), 1, "one backup before migrating");
    assert!(backups[0].path.contains("pre-v3"));
    let kim = store.get_customer("cust_v1_kim").unwrap();
    assert_eq!(kim.notes, "VIP 고객");
    let by_name = store
        .list_customers(&CustomerQuery {
            text: Some("민준".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        by_name.items.len(),
        1,
        "search still works after the upgrade"
    );
    // The new tables exist and are empty.
    assert_eq!(store.journal_open_count().unwrap(), 0);
    assert!(store.list_plans().unwrap().is_empty());
    assert!(store.verify_audit().unwrap().ok);
    drop(store);
    assert_eq!(version(&path), SCHEMA_VERSION);
    assert_eq!(version(std::path::Path::new(&backups[0].path)), 2);
}

#[test]
fn upgrade_from_v3_keeps_plans_and_sorts_customers_by_column() {
    use subdesk_billing::{CustomerSort, CustomerSortField, SortDirection};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v3.sqlite3");
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(include_str!("../fixtures/schema_v3.sql"))
            .unwrap();
    }
    assert_eq!(version(&path), 3);
    let store = Store::open(&path).unwrap();
    let backups = store.backups().unwrap();
    assert_eq!(backups.len(), 1, "one backup before migrating");
    assert!(backups[0].path.contains("pre-v4"));
    let plans = store.list_plans().unwrap();
    assert_eq!(plans.len(), 1);
    assert_eq!(plans[0].name, "베이직 월간");
    let all = store
        .list_customers(&CustomerQuery::default())
        .unwrap()
        .items;
    assert!(!all.is_empty());
    let mut want: Vec<String> = all.iter().map(|c| c.customer_uid.clone()).collect();
    want.sort();
    want.reverse();
    let sorted: Vec<String> = store
        .list_customers(&CustomerQuery {
            sort: Some(CustomerSort {
                field: CustomerSortField::CustomerUid,
                direction: SortDirection::Desc,
            }),
            ..Default::default()
        })
        .unwrap()
        .items
        .into_iter()
        .map(|c| c.customer_uid)
        .collect();
    assert_eq!(sorted, want);
    assert!(store.verify_audit().unwrap().ok);
    drop(store);
    assert_eq!(version(&path), SCHEMA_VERSION);
    assert_eq!(version(std::path::Path::new(&backups[0].path)), 3);
}

#[test]
fn upgrade_from_v4_keeps_the_journal_and_an_open_charge_still_holds_its_customer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v4.sqlite3");
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(include_str!("../fixtures/schema_v4.sql"))
            .unwrap();
    }
    assert_eq!(version(&path), 4);
    let store = Store::open(&path).unwrap();
    assert!(store.backups().unwrap()[0].path.contains("pre-v5"));
    let rows = store.journal_list(&Default::default()).unwrap();
    assert_eq!(rows.len(), 2);
    let open = rows
        .iter()
        .find(|r| r.merchant_uid == "sd-v4-open")
        .unwrap();
    let paid = rows
        .iter()
        .find(|r| r.merchant_uid == "sd-v4-paid")
        .unwrap();
    // Nobody was told the open row's outcome; the paid one was answered.
    assert!(!open.seen && paid.seen, "{open:?} {paid:?}");
    assert_eq!(store.journal_open_count().unwrap(), 1);
    // The open row was locked per order in v4; a person's new charge of that
    // customer is still refused until it is settled (nothing is sent: the client
    // points nowhere).
    let client = subdesk_iamport::Client::new(
        subdesk_iamport::Config::new("k", subdesk_iamport::SecretString::from("s".to_string()))
            .base_url("http://127.0.0.1:9")
            .unwrap(),
    )
    .unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let err = rt
        .block_on(subdesk_billing::charge_again(
            &store,
            &client,
            &subdesk_billing::AgainCharge {
                customer_uid: "cust_v1_kim".into(),
                merchant_uid: None,
                details: subdesk_billing::ChargeDetails {
                    amount: 5_000,
                    name: "x".into(),
                    ..Default::default()
                },
            },
        ))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::ChargeUnresolved);
    assert!(err.to_string().contains("sd-v4-open"), "{err}");
    assert!(store.verify_audit().unwrap().ok);
    drop(store);
    assert_eq!(version(&path), SCHEMA_VERSION);
}
