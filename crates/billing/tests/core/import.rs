use subdesk_billing::{ImportChoice, ImportFormat, ImportProblem, KeyStatus};
use subdesk_codes::ErrorCode;

use crate::{customer, temp_store};

const CSV: &str = "\u{feff}customer_uid,notes,tags\r
cust_001,첫 고객,vip;b2b\r
cust_002,,\r
\r
cust 003,has a space,\r
cust_001,duplicate of line 2,\r
,no uid,\r
\"cust_004\",\"quoted, with comma\",\"vip\"\r
cust_existing,already here,\r
toolong_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,,\r
";

#[test]
fn csv_bad_rows_are_reported_by_line_and_reason() {
    let (_d, store) = temp_store();
    store
        .upsert_customer(&customer(
            "cust_existing",
            "기존",
            "010-0000-0000",
            "1111-****-****-2222",
        ))
        .unwrap();
    let plan = store.plan_import(CSV, ImportFormat::Auto).unwrap();
    assert_eq!(plan.rows_total, 8);
    let good: Vec<(&str, i64)> = plan
        .good
        .iter()
        .map(|r| (r.customer_uid.as_str(), r.line))
        .collect();
    assert_eq!(
        good,
        vec![("cust_001", 2), ("cust_002", 3), ("cust_004", 8)]
    );
    assert_eq!(
        plan.good[0].tags,
        vec!["b2b".to_string(), "vip".to_string()]
    );
    assert_eq!(plan.good[2].notes, "quoted, with comma");
    assert_eq!(plan.already_registered.len(), 1);
    let bad: Vec<(i64, ImportProblem)> = plan.bad.iter().map(|b| (b.line, b.problem)).collect();
    assert_eq!(
        bad,
        vec![
            (5, ImportProblem::BadChars),
            (6, ImportProblem::Duplicate),
            (7, ImportProblem::Empty),
            (10, ImportProblem::TooLong),
        ]
    );
    assert_eq!(plan.bad[1].first_line, Some(2));
    // Planning changed nothing.
    assert_eq!(store.overview().unwrap().customers, 1);
}

#[test]
fn choosing_nothing_imports_nothing() {
    let (_d, store) = temp_store();
    let plan = store.plan_import(CSV, ImportFormat::Csv).unwrap();
    let res = store.apply_import(&plan, ImportChoice::Nothing).unwrap();
    assert_eq!(res.imported, 0);
    assert_eq!(store.overview().unwrap().customers, 0);
    assert_eq!(
        store
            .audit_list(&subdesk_billing::store::audit::AuditQuery {
                before_id: None,
                limit: Some(1),
                ..Default::default()
            })
            .unwrap()
            .entries[0]
            .action,
        "import.apply"
    );
}

#[test]
fn choosing_good_rows_imports_exactly_those_as_unverified() {
    let (_d, store) = temp_store();
    let plan = store.plan_import(CSV, ImportFormat::Auto).unwrap();
    let res = store
        .apply_import(&plan, ImportChoice::GoodRowsOnly)
        .unwrap();
    assert_eq!(res.imported, 4, "cust_existing is new in this store");
    assert_eq!(res.skipped_bad, 4);
    let c = store.get_customer("cust_001").unwrap();
    assert_eq!(c.key_status, KeyStatus::Unverified);
    assert_eq!(c.notes, "첫 고객");
    assert_eq!(c.tags, vec!["b2b".to_string(), "vip".to_string()]);
    assert_eq!(store.overview().unwrap().unverified_keys, 4);
    // Applying the same plan again imports nothing twice.
    let again = store
        .apply_import(&plan, ImportChoice::GoodRowsOnly)
        .unwrap();
    assert_eq!((again.imported, again.already_registered), (0, 4));
}

#[test]
fn a_tampered_plan_is_refused_whole() {
    let (_d, store) = temp_store();
    let mut plan = store.plan_import("a1\na2\n", ImportFormat::Auto).unwrap();
    assert_eq!(plan.good.len(), 2);
    plan.good[1].customer_uid = "bad uid".into();
    let err = store
        .apply_import(&plan, ImportChoice::GoodRowsOnly)
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert_eq!(
        store.overview().unwrap().customers,
        0,
        "nothing half-written"
    );
}

#[test]
fn pasted_list_and_headerless_csv() {
    let (_d, store) = temp_store();
    let plan = store
        .plan_import("  key_a \n\nkey_b\nkey_a\n", ImportFormat::Auto)
        .unwrap();
    assert_eq!(plan.good.len(), 2);
    assert_eq!(plan.bad.len(), 1);
    assert_eq!(plan.bad[0].line, 4);
    let plan = store
        .plan_import("k1,note one,t1\nk2,note two,\n", ImportFormat::Auto)
        .unwrap();
    assert_eq!(plan.good.len(), 2);
    assert_eq!(plan.good[0].notes, "note one");
    let plan = store
        .plan_import("k1,\"unterminated\n", ImportFormat::Csv)
        .unwrap();
    assert_eq!(plan.bad[0].problem, ImportProblem::BadCsv);
}
