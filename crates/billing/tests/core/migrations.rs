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

/// Payments as a sync writes them, with the usual values of migration 12 in every form:
/// had (most), missing from the object (every fifth) and unusual (every seventh); some
/// refunded, some failed.
fn v12_payments() -> Vec<subdesk_billing::PaymentRecord> {
    let names = ["김민준", "이서연", "박지호", "최서윤", "김민서"];
    (0..60)
        .map(|i| {
            let imp_uid = format!("imps_m{i:03}");
            let buyer = names[i % names.len()];
            let paid_at = 1_780_000_000 + i as i64 * 3_600;
            let failed = i % 11 == 3;
            let refunded = i % 9 == 4;
            let mut o = serde_json::json!({
                "imp_uid": imp_uid, "merchant_uid": format!("order_{i}"),
                "customer_uid": format!("cust_{}", i % 7), "amount": 10_000 + (i % 4) * 5_000,
                "currency": "KRW", "status": if failed { "failed" } else if refunded { "cancelled" } else { "paid" },
                "buyer_name": buyer, "pg_provider": "nice", "pay_method": "card",
                "pg_tid": format!("nictest{i:06}"), "card_code": "366",
                "sandbox": false, "escrow": false, "card_quota": 0, "card_type": 0,
                "cash_receipt_issued": false, "channel": "api", "customer_uid_usage": "payment",
                "user_agent": "sorry_not_supported",
            });
            let m = o.as_object_mut().unwrap();
            if i % 5 == 0 {
                m.remove("escrow");
                m.remove("user_agent");
            }
            if i % 7 == 0 {
                m.insert("channel".into(), "pc".into());
                m.insert("card_quota".into(), 3.into());
            }
            if refunded {
                m.insert(
                    "cancel_history".into(),
                    serde_json::json!([{"amount": 5000, "cancelled_at": paid_at + 60, "pg_tid": "c1"}]),
                );
            }
            let amount = 10_000 + (i as i64 % 4) * 5_000;
            let mut r = subdesk_billing::PaymentRecord {
                imp_uid: imp_uid.clone(),
                merchant_uid: format!("order_{i}"),
                customer_uid: Some(format!("cust_{}", i % 7)),
                status: m["status"].as_str().unwrap().into(),
                amount,
                amount_text: amount.to_string(),
                cancel_amount: if refunded { 5_000 } else { 0 },
                currency: "KRW".into(),
                pg_provider: Some("nice".into()),
                pay_method: Some("card".into()),
                name: Some("정기결제".into()),
                buyer_name: Some(buyer.into()),
                apply_num: (!failed).then(|| format!("{:08}", 40_000 + i)),
                started_at: Some(paid_at - 5),
                paid_at: (!failed).then_some(paid_at),
                failed_at: failed.then_some(paid_at),
                cancelled_at: refunded.then_some(paid_at + 60),
                fail_reason: failed.then(|| "한도초과".to_string()),
                ..Default::default()
            };
            // The object holds what the columns hold, as a sync's does.
            m.insert("cancel_amount".into(), r.cancel_amount.into());
            m.insert("name".into(), "정기결제".into());
            m.insert("started_at".into(), (paid_at - 5).into());
            for (f, v) in [
                ("apply_num", r.apply_num.clone().map(serde_json::Value::from)),
                ("paid_at", r.paid_at.map(serde_json::Value::from)),
                ("failed_at", r.failed_at.map(serde_json::Value::from)),
                ("cancelled_at", r.cancelled_at.map(serde_json::Value::from)),
                ("fail_reason", r.fail_reason.clone().map(serde_json::Value::from)),
            ] {
                if let Some(v) = v {
                    m.insert(f.into(), v);
                }
            }
            r.raw_json = o.to_string();
            r
        })
        .collect()
}

/// Every answer a list or search gives for these payments, page by page.
fn payment_answers(store: &Store) -> Vec<String> {
    use subdesk_billing::PaymentStatus;
    let queries = [
        PaymentQuery::default(),
        PaymentQuery {
            status: vec![PaymentStatus::Failed, PaymentStatus::Cancelled],
            ..Default::default()
        },
        PaymentQuery {
            text: Some("민준".into()),
            ..Default::default()
        },
        PaymentQuery {
            text: Some("ㅅㅇ".into()),
            ..Default::default()
        },
        PaymentQuery {
            text: Some("15,000".into()),
            ..Default::default()
        },
        PaymentQuery {
            text: Some("imps_m01".into()),
            ..Default::default()
        },
        PaymentQuery {
            customer_uid: Some("cust_3".into()),
            refunded_only: false,
            ..Default::default()
        },
    ];
    let mut out = Vec::new();
    for q in queries {
        let mut q = PaymentQuery {
            limit: Some(7),
            ..q
        };
        out.push(format!("{:?}", store.payment_totals(&q).unwrap()));
        loop {
            let page = store.list_payments(&q).unwrap();
            out.push(format!("{:?}", page.items));
            match page.next_cursor {
                Some(c) => q.cursor = Some(c),
                None => break,
            }
        }
    }
    out
}

/// A store at version 11 holding these payments as that version wrote them: the whole
/// object (rows synced before the columns' fields were left out) or the object less some
/// of them, every usual value kept.
fn v11_store_with(path: &std::path::Path, recs: &[subdesk_billing::PaymentRecord]) {
    drop(Store::open(path).unwrap());
    let store = Store::open(path).unwrap();
    store.upsert_payments(recs).unwrap();
    drop(store);
    let c = rusqlite::Connection::open(path).unwrap();
    for (i, r) in recs.iter().enumerate() {
        let mut o: serde_json::Value = serde_json::from_str(&r.raw_json).unwrap();
        if i % 2 == 1 {
            for f in ["imp_uid", "merchant_uid", "status", "amount"] {
                o.as_object_mut().unwrap().remove(f);
            }
        }
        c.execute(
            "UPDATE payments SET raw_json = ?2 WHERE imp_uid = ?1",
            rusqlite::params![r.imp_uid, o.to_string()],
        )
        .unwrap();
    }
    c.execute_batch(
        "ALTER TABLE payments DROP COLUMN raw_absent;
         ALTER TABLE bulk_items DROP COLUMN tax_free;
         DELETE FROM schema_migrations WHERE version >= 12;",
    )
    .unwrap();
}

#[test]
fn upgrade_to_v12_keeps_every_payment_and_every_answer() {
    let recs = v12_payments();
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("v11.sqlite3");
    v11_store_with(&old, &recs);
    assert_eq!(version(&old), 11);
    let upgraded = Store::open(&old).unwrap();
    assert!(upgraded.backups().unwrap()[0].path.contains("pre-v12"));
    // The same payments synced into a new store: the upgraded one answers the same.
    let fresh = Store::open(dir.path().join("fresh.sqlite3")).unwrap();
    fresh.upsert_payments(&recs).unwrap();
    assert_eq!(upgraded.payment_count().unwrap(), recs.len() as i64);
    assert_eq!(payment_answers(&upgraded), payment_answers(&fresh));
    for r in &recs {
        let (a, b) = (
            upgraded.get_payment(&r.imp_uid).unwrap(),
            fresh.get_payment(&r.imp_uid).unwrap(),
        );
        let received: serde_json::Value = serde_json::from_str(&r.raw_json).unwrap();
        // The object read back is the one received, from the old row as from the new:
        // an old row that lacked a usual field does not gain it.
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&a.raw_json).unwrap(),
            received,
            "{}",
            r.imp_uid
        );
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&b.raw_json).unwrap(),
            received
        );
        assert_eq!(
            (a.payment, a.cancel_history, a.receipt_url),
            (b.payment, b.cancel_history, b.receipt_url)
        );
    }
    // A sync that brings an old row again writes it in the new, shorter form.
    let rest = |s: &Store| -> usize {
        let c = rusqlite::Connection::open(s.path()).unwrap();
        c.query_row("SELECT sum(length(raw_json)) FROM payments", [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap() as usize
    };
    let before = rest(&upgraded);
    assert_eq!(
        upgraded.upsert_payments(&recs).unwrap().changed,
        recs.len() as i64
    );
    assert!(rest(&upgraded) < before);
    assert_eq!(rest(&upgraded), rest(&fresh));
    assert_eq!(upgraded.upsert_payments(&recs).unwrap().changed, 0);
    assert_eq!(payment_answers(&upgraded), payment_answers(&fresh));
    assert!(upgraded.verify_audit().unwrap().ok);
}
