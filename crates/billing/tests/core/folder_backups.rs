//! Backups to a chosen folder: written under a temporary name and checked before they get
//! their final name, retention that touches only the profile's own files, restore that
//! refuses anything but a whole backup of the same profile.

use std::path::Path;

use subdesk_billing::{
    BackupOwner, OpenOptions, Store, inspect_backup, list_folder_backups, restore_from_folder,
};
use subdesk_codes::ErrorCode;

use crate::{customer, payment};

fn owner(id: &str) -> BackupOwner {
    BackupOwner {
        profile_id: id.into(),
        mode: "test".into(),
    }
}

fn filled(dir: &Path, customers: usize) -> Store {
    let store = Store::open(dir.join("subdesk.db")).unwrap();
    for i in 0..customers {
        store
            .upsert_customer(&customer(
                &format!("cust_{i:03}"),
                "김민준",
                "010-1111-2222",
                "1234-****-****-5678",
            ))
            .unwrap();
    }
    let pays: Vec<_> = (0..40)
        .map(|i| {
            payment(
                &format!("imp_{i:04}"),
                "김민준",
                1000 + i,
                1_700_000_000 + i,
            )
        })
        .collect();
    store.upsert_payments(&pays).unwrap();
    store
}

fn uids(store: &Store) -> Vec<String> {
    let page = store
        .list_customers(&subdesk_billing::CustomerQuery {
            limit: Some(1000),
            ..Default::default()
        })
        .unwrap();
    let mut v: Vec<String> = page.items.into_iter().map(|c| c.customer_uid).collect();
    v.sort();
    v
}

fn names(folder: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_folder_backup_opens_with_the_same_customer_uids_and_says_what_it_holds() {
    let data = tempfile::tempdir().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let store = filled(data.path(), 7);
    let made = store
        .backup_to_folder(folder.path(), &owner("shop"), 5)
        .unwrap();
    assert!(made.file_name.starts_with("subdesk-shop-"), "{made:?}");
    assert!(made.file_name.ends_with(".sqlite3"), "{made:?}");
    let contents = made.contents.clone().unwrap();
    assert_eq!(
        (contents.customers, contents.active_keys, contents.payments),
        (7, 7, 40)
    );
    assert_eq!(contents.schema_version, subdesk_billing::SCHEMA_VERSION);
    // Nothing else is left in the folder: no temporary file, no WAL beside the copy.
    assert_eq!(names(folder.path()), vec![made.file_name.clone()]);

    let listed = list_folder_backups(folder.path(), &owner("shop")).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].contents, Some(contents));

    // The copy, opened as a store of its own, has the very same registry.
    let copy = data.path().join("copy.db");
    std::fs::copy(&made.path, &copy).unwrap();
    assert_eq!(uids(&Store::open(&copy).unwrap()), uids(&store));
}

#[test]
fn retention_removes_only_the_oldest_of_the_profiles_own_files() {
    let data = tempfile::tempdir().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let store = filled(data.path(), 2);
    // A stranger's files, and another profile whose id starts the same.
    let strangers = [
        "subdesk-shop-notes.sqlite3",
        "subdesk-shop.sqlite3",
        "holiday.jpg",
        "subdesk-shop-19990101T000000.000Z-000.sqlite3.bak",
    ];
    for s in strangers {
        std::fs::write(folder.path().join(s), b"not ours").unwrap();
    }
    let other = store
        .backup_to_folder(folder.path(), &owner("shop-2"), 1)
        .unwrap();
    let mut made = Vec::new();
    for _ in 0..4 {
        made.push(
            store
                .backup_to_folder(folder.path(), &owner("shop"), 3)
                .unwrap()
                .file_name,
        );
    }
    let left = names(folder.path());
    assert!(!left.contains(&made[0]), "the oldest is removed: {left:?}");
    for kept in &made[1..] {
        assert!(left.contains(kept), "{kept} kept: {left:?}");
    }
    assert!(
        left.contains(&other.file_name),
        "shop-2's backup is not shop's: {left:?}"
    );
    for s in strangers {
        assert!(left.iter().any(|n| n == s), "{s} left alone: {left:?}");
    }
    assert_eq!(left.len(), 3 + 1 + strangers.len());
    let listed = list_folder_backups(folder.path(), &owner("shop")).unwrap();
    let listed: Vec<_> = listed.into_iter().map(|b| b.file_name).collect();
    assert_eq!(listed, made[1..].iter().rev().cloned().collect::<Vec<_>>());
}

#[test]
fn a_backup_taken_while_another_thread_writes_is_consistent() {
    let data = tempfile::tempdir().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let store = filled(data.path(), 1);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (store, stop) = (store.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) || n < 200 {
                store
                    .audit_record("db.resynced", &serde_json::json!({ "n": n }), "ok")
                    .unwrap();
                n += 1;
            }
            n
        })
    };
    let mut backups = Vec::new();
    for _ in 0..5 {
        backups.push(
            store
                .backup_to_folder(folder.path(), &owner("shop"), 10)
                .unwrap(),
        );
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let written = writer.join().unwrap();
    assert!(written >= 200);
    for (i, b) in backups.iter().enumerate() {
        // Each copy is one moment's state: the hash chain of the audit log is whole.
        let copy = data.path().join(format!("copy{i}.db"));
        std::fs::copy(&b.path, &copy).unwrap();
        let opened = Store::open(&copy).unwrap();
        let v = opened.verify_audit().unwrap();
        assert!(v.problem.is_none(), "{:?}", v.problem);
    }
}

#[test]
fn a_missing_or_unwritable_folder_is_an_error_and_leaves_no_final_file() {
    let data = tempfile::tempdir().unwrap();
    let store = filled(data.path(), 1);
    let gone = data.path().join("nas-unplugged");
    let err = store
        .backup_to_folder(&gone, &owner("shop"), 3)
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::BackupFolderUnavailable);
    assert!(!gone.exists());

    // A folder this user may not write to (root may write anywhere but /proc).
    let folder = tempfile::tempdir().unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(folder.path(), std::fs::Permissions::from_mode(0o555)).unwrap();
    let writable = std::fs::write(folder.path().join("probe"), b"").is_ok();
    let _ = std::fs::remove_file(folder.path().join("probe"));
    let target = if writable {
        Path::new("/proc").to_path_buf()
    } else {
        folder.path().to_path_buf()
    };
    let err = store
        .backup_to_folder(&target, &owner("shop"), 3)
        .unwrap_err();
    std::fs::set_permissions(folder.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(err.code(), ErrorCode::BackupFolderUnavailable, "{err}");
    assert_eq!(names(folder.path()), Vec::<String>::new());
    assert!(
        !names(&target)
            .iter()
            .any(|n| n.starts_with("subdesk-shop-")),
        "no file with a backup's name"
    );
    // The failure is in the audit log.
    let log = store
        .audit_list(&subdesk_billing::store::audit::AuditQuery {
            action: Some("db.backup".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(log.entries[0].outcome, "backup_folder_unavailable");
}

#[test]
fn a_truncated_garbage_or_strangers_file_is_refused_and_nothing_is_replaced() {
    let data = tempfile::tempdir().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let store = filled(data.path(), 3);
    let good = store
        .backup_to_folder(folder.path(), &owner("shop"), 5)
        .unwrap();
    let db = store.path().to_path_buf();
    drop(store);
    let before = std::fs::read(&db).unwrap();

    let bytes = std::fs::read(&good.path).unwrap();
    let truncated = folder
        .path()
        .join("subdesk-shop-20200101T000000.000Z-000.sqlite3");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let garbage = folder
        .path()
        .join("subdesk-shop-20200101T000000.000Z-001.sqlite3");
    std::fs::write(&garbage, b"garbage, not a database at all").unwrap();
    let theirs = tempfile::tempdir().unwrap();
    let other = Store::open(theirs.path().join("subdesk.db"))
        .unwrap()
        .backup_to_folder(theirs.path(), &owner("other-shop"), 5)
        .unwrap();

    for (file, code) in [
        (truncated.as_path(), ErrorCode::BackupNotUsable),
        (garbage.as_path(), ErrorCode::BackupNotUsable),
        (Path::new(&other.path), ErrorCode::BackupNotUsable),
        (
            folder.path().join("missing.sqlite3").as_path(),
            ErrorCode::NotFound,
        ),
    ] {
        let err = restore_from_folder(&db, file, &owner("shop"), OpenOptions::default())
            .err()
            .unwrap_or_else(|| panic!("{} must be refused", file.display()));
        assert_eq!(err.code(), code, "{}: {err}", file.display());
        assert_eq!(std::fs::read(&db).unwrap(), before, "nothing replaced");
    }
    // A test profile's backup is not a live profile's.
    let live = BackupOwner {
        profile_id: "shop".into(),
        mode: "live".into(),
    };
    assert_eq!(
        inspect_backup(Path::new(&good.path), &live, true)
            .unwrap_err()
            .code(),
        ErrorCode::BackupNotUsable
    );
    // The listing shows the damaged ones as such.
    let listed = list_folder_backups(folder.path(), &owner("shop")).unwrap();
    assert_eq!(listed.len(), 3);
    assert_eq!(listed.iter().filter(|b| b.problem.is_some()).count(), 2);
}

#[test]
fn restore_puts_the_backup_in_place_keeps_the_replaced_file_and_waits_for_a_sync() {
    let data = tempfile::tempdir().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let store = filled(data.path(), 4);
    let good = store
        .backup_to_folder(folder.path(), &owner("shop"), 5)
        .unwrap();
    let wanted = uids(&store);
    // Later changes that the restore takes back.
    store
        .upsert_customer(&customer("late", "이서연", "010-2222-3333", "9999"))
        .unwrap();
    let db = store.path().to_path_buf();
    drop(store);

    let (restored, contents) =
        restore_from_folder(&db, &good.path, &owner("shop"), OpenOptions::default()).unwrap();
    assert_eq!(contents.customers, 4);
    assert_eq!(uids(&restored), wanted);
    assert!(restored.resync_status().unwrap().is_some());
    // The record the backup carried is not part of the restored store.
    let again = restored
        .backup_to_folder(folder.path(), &owner("shop"), 5)
        .unwrap();
    assert_eq!(again.contents.unwrap().customers, 4);
    let kept = std::fs::read_dir(data.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .any(|e| e.file_name().to_string_lossy().contains(".replaced-"));
    assert!(kept, "the replaced database is kept beside it");
    let log = restored
        .audit_list(&subdesk_billing::store::audit::AuditQuery {
            action: Some("db.restore".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(log.entries.len(), 1);
}
