use std::io::{Seek, SeekFrom, Write};
use subdesk_codes::ErrorCode;

use subdesk_billing::{Error, Store, restore_backup};

use crate::{customer, payment};

fn fill(store: &Store, n: i64) {
    let recs: Vec<_> = (0..n)
        .map(|i| {
            payment(
                &format!("imp_{i:06}"),
                &format!("구매자{}", i % 50),
                1000 + i,
                1_700_000_000 + i,
            )
        })
        .collect();
    store.upsert_payments(&recs).unwrap();
    store
        .upsert_customer(&customer(
            "c1",
            "김민준",
            "010-1111-2222",
            "1234-****-****-5678",
        ))
        .unwrap();
}

#[test]
fn corruption_at_open_names_the_latest_backup_and_restore_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.sqlite3");
    let store = Store::open(&path).unwrap();
    fill(&store, 3000);
    let backup = store.backup_now().unwrap();
    assert!(std::path::Path::new(&backup.path).starts_with(dir.path().join("backups")));
    drop(store);

    // Scribble over pages in the middle of the file.
    let len = std::fs::metadata(&path).unwrap().len();
    let mut f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    for page in [2u64, 5, 9, len / 4096 / 2, len / 4096 - 2] {
        f.seek(SeekFrom::Start(page * 4096 + 8)).unwrap();
        f.write_all(&[0xA5; 3000]).unwrap();
    }
    drop(f);

    let err = Store::open(&path)
        .err()
        .expect("corruption must be reported");
    assert_eq!(err.code(), ErrorCode::DbCorrupt);
    match &err {
        Error::DbCorrupt { latest_backup, .. } => {
            assert_eq!(latest_backup.as_deref(), Some(backup.path.as_str()))
        }
        other => panic!("unexpected {other:?}"),
    }

    restore_backup(&path, &backup.path).unwrap();
    let store = Store::open(&path).unwrap();
    assert_eq!(store.payment_count().unwrap(), 3000);
    assert_eq!(
        store.get_customer("c1").unwrap().customer_name.as_deref(),
        Some("김민준")
    );
    // The damaged file was kept aside, not deleted.
    let kept = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .any(|e| e.file_name().to_string_lossy().contains(".replaced-"));
    assert!(kept);
}

#[test]
fn garbage_file_gives_the_same_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("garbage.sqlite3");
    std::fs::write(&path, "this is a spreadsheet, not a database\n".repeat(200)).unwrap();
    let err = Store::open(&path).err().unwrap();
    assert_eq!(err.code(), ErrorCode::DbCorrupt);
    assert!(err.to_string().contains("no backup available"));
    // The file was not overwritten.
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .starts_with("this is a spreadsheet")
    );
}

#[test]
fn restore_refuses_a_bad_backup_and_keeps_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.sqlite3");
    drop(Store::open(&path).unwrap());
    let bad = dir.path().join("bad.sqlite3");
    std::fs::write(&bad, b"nope").unwrap();
    assert_eq!(
        restore_backup(&path, &bad).unwrap_err().code(),
        ErrorCode::DbCorrupt
    );
    assert_eq!(
        restore_backup(&path, dir.path().join("missing"))
            .unwrap_err()
            .code(),
        ErrorCode::NotFound
    );
    Store::open(&path).unwrap();
}

#[test]
fn backups_keep_the_last_n() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.sqlite3");
    let store = Store::open_with(
        &path,
        subdesk_billing::OpenOptions {
            keep_backups: 3,
            ..Default::default()
        },
    )
    .unwrap();
    let mut made = Vec::new();
    for _ in 0..5 {
        made.push(store.backup_now().unwrap().path);
    }
    let kept: Vec<String> = store
        .backups()
        .unwrap()
        .into_iter()
        .map(|b| b.path)
        .collect();
    assert_eq!(kept.len(), 3);
    // Newest first, and they are the three newest.
    made.reverse();
    assert_eq!(kept, made[..3].to_vec());
}

/// The two ways past a database that will not open, as the app offers them: the
/// latest backup, or an empty database. Either way the damaged file is kept and
/// the audit log of the database now in use says what happened.
#[test]
fn recover_from_the_latest_backup_or_into_an_empty_database() {
    use subdesk_billing::{OpenOptions, Recovery, recover};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.sqlite3");
    let store = Store::open(&path).unwrap();
    fill(&store, 10);
    store.backup_now().unwrap();
    fill(&store, 20); // after the backup: lost with the damaged file
    drop(store);
    std::fs::write(&path, "damaged".repeat(1000)).unwrap();
    assert_eq!(
        Store::open(&path).err().unwrap().code(),
        ErrorCode::DbCorrupt
    );

    let store = recover(&path, Recovery::LatestBackup, OpenOptions::default()).unwrap();
    assert_eq!(store.payment_count().unwrap(), 10, "the backup's rows");
    let entry = &store
        .audit_list(&subdesk_billing::store::audit::AuditQuery {
            before_id: None,
            limit: Some(1),
            ..Default::default()
        })
        .unwrap()
        .entries[0];
    assert_eq!(entry.action, "db.recover");
    assert!(
        entry.inputs.contains("backups") || entry.inputs.contains(".sqlite3"),
        "{}",
        entry.inputs
    );
    assert!(entry.inputs.contains(".replaced-"), "{}", entry.inputs);
    assert!(store.verify_audit().unwrap().ok);
    drop(store);

    // No backup at all: only an empty start gets past it.
    let bare = dir.path().join("bare.sqlite3");
    std::fs::write(&bare, "not a database".repeat(500)).unwrap();
    assert_eq!(
        recover(&bare, Recovery::LatestBackup, OpenOptions::default())
            .err()
            .unwrap()
            .code(),
        ErrorCode::NotFound
    );
    assert!(
        std::fs::read_to_string(&bare)
            .unwrap()
            .starts_with("not a database"),
        "a refused recovery touches nothing"
    );
    let store = recover(&bare, Recovery::Empty, OpenOptions::default()).unwrap();
    assert_eq!(store.payment_count().unwrap(), 0);
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
        "db.recover"
    );
    let kept: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("bare.sqlite3.replaced-"))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(
        std::fs::read_to_string(dir.path().join(&kept[0]))
            .unwrap()
            .starts_with("not a database")
    );
}
