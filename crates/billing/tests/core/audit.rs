use subdesk_billing::{AuditProblemKind, Store};

use crate::{customer, temp_store};

fn with_entries() -> (tempfile::TempDir, Store) {
    let (dir, store) = temp_store();
    store
        .upsert_customer(&customer(
            "c1",
            "김민준",
            "010-1111-2222",
            "1234-****-****-5678",
        ))
        .unwrap();
    store.set_customer_notes("c1", "첫 메모").unwrap();
    store
        .set_customer_tags("c1", &["vip".into(), "b2b".into()])
        .unwrap();
    store.set_customer_notes("c1", "둘째 메모").unwrap();
    store.mark_customer_deleted("c1").unwrap();
    (dir, store)
}

fn raw(store: &Store) -> rusqlite::Connection {
    rusqlite::Connection::open(store.path()).unwrap()
}

#[test]
fn every_mutation_is_logged_and_the_chain_verifies() {
    let (_d, store) = with_entries();
    let page = store
        .audit_list(&subdesk_billing::store::audit::AuditQuery {
            before_id: None,
            limit: Some(100),
            ..Default::default()
        })
        .unwrap();
    let actions: Vec<&str> = page.entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        vec![
            "customer.mark_deleted",
            "customer.set_notes",
            "customer.set_tags",
            "customer.set_notes",
            "customer.upsert",
            "db.migrate"
        ]
    );
    assert!(page.entries.iter().all(|e| e.profile == "profile"));
    // Notes text is not copied into the log, only its size.
    assert!(!page.entries.iter().any(|e| e.inputs.contains("메모")));
    let v = store.verify_audit().unwrap();
    assert!(v.ok, "{v:?}");
    assert_eq!(v.checked, 6);
    // Paging is keyset on id.
    let p1 = store
        .audit_list(&subdesk_billing::store::audit::AuditQuery {
            before_id: None,
            limit: Some(4),
            ..Default::default()
        })
        .unwrap();
    let p2 = store
        .audit_list(&subdesk_billing::store::audit::AuditQuery {
            before_id: p1.next_cursor,
            limit: Some(4),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(p1.entries.len() + p2.entries.len(), 6);
    assert_eq!(p2.next_cursor, None);
}

#[test]
fn an_edited_entry_is_found() {
    let (_d, store) = with_entries();
    raw(&store)
        .execute(
            "UPDATE audit_log SET inputs = '{\"customer_uid\":\"someone_else\"}' WHERE id = 3",
            [],
        )
        .unwrap();
    let v = store.verify_audit().unwrap();
    assert!(!v.ok);
    let p = v.problem.unwrap();
    assert_eq!((p.id, p.kind), (3, AuditProblemKind::Edited));
    assert_eq!(v.checked, 2);
}

#[test]
fn a_deleted_entry_is_found_in_the_middle_and_at_the_end() {
    let (_d, store) = with_entries();
    raw(&store)
        .execute("DELETE FROM audit_log WHERE id = 2", [])
        .unwrap();
    let p = store.verify_audit().unwrap().problem.unwrap();
    assert_eq!((p.id, p.kind), (3, AuditProblemKind::Missing));

    let (_d2, store) = with_entries();
    raw(&store)
        .execute("DELETE FROM audit_log WHERE id = 6", [])
        .unwrap();
    let p = store.verify_audit().unwrap().problem.unwrap();
    assert_eq!((p.id, p.kind), (6, AuditProblemKind::Missing));
}

#[test]
fn deleting_and_renumbering_breaks_the_link() {
    let (_d, store) = with_entries();
    let c = raw(&store);
    c.execute("DELETE FROM audit_log WHERE id = 3", []).unwrap();
    c.execute_batch("UPDATE audit_log SET id = -(id - 1) WHERE id > 3; UPDATE audit_log SET id = -id WHERE id < 0;").unwrap();
    c.execute("UPDATE audit_head SET last_id = last_id - 1", [])
        .unwrap();
    let p = store.verify_audit().unwrap().problem.unwrap();
    assert_eq!((p.id, p.kind), (3, AuditProblemKind::BrokenLink));
}

#[test]
fn reordered_entries_are_found() {
    let (_d, store) = with_entries();
    let c = raw(&store);
    // Swap the content of entries 2 and 4 (hashes travel with the rows).
    c.execute_batch(
        "UPDATE audit_log SET id = 100 WHERE id = 2;
         UPDATE audit_log SET id = 2 WHERE id = 4;
         UPDATE audit_log SET id = 4 WHERE id = 100;",
    )
    .unwrap();
    let v = store.verify_audit().unwrap();
    let p = v.problem.unwrap();
    assert_eq!(p.id, 2);
    assert_ne!(p.kind, AuditProblemKind::Missing);
}

#[test]
fn an_inserted_entry_is_found() {
    let (_d, store) = with_entries();
    let c = raw(&store);
    c.execute_batch(
        "UPDATE audit_log SET id = -(id + 1) WHERE id >= 4; UPDATE audit_log SET id = -id WHERE id < 0;
         INSERT INTO audit_log (id, at, profile, action, inputs, outcome, prev_hash, hash)
         SELECT 4, at, profile, 'customer.set_notes', '{}', 'ok', hash, hash FROM audit_log WHERE id = 3;
         UPDATE audit_head SET last_id = last_id + 1;",
    )
    .unwrap();
    let p = store.verify_audit().unwrap().problem.unwrap();
    assert_eq!(p.id, 4);
}

/// Each entry names the OS account that wrote it, and that name is part of the chain:
/// changing or removing it afterwards is found.
#[test]
fn the_os_user_is_recorded_and_chained() {
    let (_d, store) = with_entries();
    let page = store
        .audit_list(&subdesk_billing::store::audit::AuditQuery::default())
        .unwrap();
    let user = subdesk_billing::store::audit::os_user().map(str::to_owned);
    assert!(user.is_some(), "the OS names the account this test runs as");
    assert!(page.entries.iter().all(|e| e.os_user == user), "{page:?}");
    raw(&store)
        .execute("UPDATE audit_log SET os_user = 'intruder' WHERE id = 4", [])
        .unwrap();
    let v = store.verify_audit().unwrap();
    assert!(!v.ok);
    let problem = v.problem.unwrap();
    assert_eq!((problem.id, problem.kind), (4, AuditProblemKind::Edited));
}

/// The audit screen's filters: an action prefix, a customer, problems only, a time
/// window; the total counts every match, not the page.
#[test]
fn the_audit_log_is_filtered_and_counted() {
    use subdesk_billing::store::audit::AuditQuery;
    let (_d, store) = with_entries();
    let q = |q: AuditQuery| store.audit_list(&q).unwrap();
    let notes = q(AuditQuery {
        action: Some("customer.set_".into()),
        limit: Some(2),
        ..Default::default()
    });
    assert_eq!(notes.total, 3);
    assert_eq!(notes.entries.len(), 2);
    assert!(
        notes
            .entries
            .iter()
            .all(|e| e.action.starts_with("customer.set_"))
    );
    let rest = q(AuditQuery {
        action: Some("customer.set_".into()),
        before_id: notes.next_cursor,
        ..Default::default()
    });
    assert_eq!(rest.entries.len(), 1);
    assert_eq!(rest.total, 3);

    let about_c1 = q(AuditQuery {
        customer_uid: Some("c1".into()),
        ..Default::default()
    });
    assert_eq!(about_c1.total, 5, "{about_c1:?}");
    assert_eq!(
        q(AuditQuery {
            customer_uid: Some("c2".into()),
            ..Default::default()
        })
        .total,
        0
    );
    assert_eq!(
        q(AuditQuery {
            problems_only: true,
            ..Default::default()
        })
        .total,
        0
    );
    store
        .audit_record("db.backup", &serde_json::json!({}), "error: io_error")
        .unwrap();
    store
        .audit_record("db.backup", &serde_json::json!({}), "paid")
        .unwrap();
    let problems = q(AuditQuery {
        problems_only: true,
        ..Default::default()
    });
    assert_eq!(problems.total, 1);
    assert!(problems.entries[0].problem && problems.entries[0].outcome == "error: io_error");
    assert!(about_c1.entries.iter().all(|e| !e.problem));
    let newest = about_c1.entries[0].at;
    assert_eq!(
        q(AuditQuery {
            from: Some(newest + 1),
            ..Default::default()
        })
        .total,
        0
    );
    assert_eq!(
        q(AuditQuery {
            to: Some(newest + 1),
            action: Some("customer.".into()),
            ..Default::default()
        })
        .total,
        5
    );
}
