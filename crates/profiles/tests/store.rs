//! profiles.json: round trip, rules, damage, and two writers at once.

use std::path::Path;
use std::process::Command;
use subdesk_codes::ErrorCode;

use subdesk_profiles::{
    Admin, AppLock, DEFAULT_BASE_URL, Mode, PROFILES_FILE, Profile, ProfileInput, ProfileStore,
    SANDBOX_ID, SecretString, authorize_admin,
};

/// An admin of a data folder without an app lock.
fn admin() -> Admin {
    Admin::without_lock()
}

/// The owner of a data folder with an app lock, who typed the passphrase with the change.
fn owner() -> Admin {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut lock = AppLock::open(dir.path()).expect("lock");
    let pass = SecretString::from("owner passphrase");
    lock.set_passphrase(&pass, None).expect("set");
    authorize_admin(&lock, Some(&pass)).expect("admin")
}

fn code<T: std::fmt::Debug>(r: subdesk_profiles::Result<T>) -> ErrorCode {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e.code(),
    }
}

fn input(name: &str, mode: Mode) -> ProfileInput {
    ProfileInput::new(name, mode)
}

#[test]
fn first_open_creates_the_sandbox_and_profiles_round_trip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = ProfileStore::open(dir.path()).expect("open");
    let list = store.list().expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].id, SANDBOX_ID);
    assert_eq!(list[0].mode, Mode::Sandbox);
    assert_eq!(list[0].base_url, "");
    assert_eq!(list[0].time_zone, "Asia/Seoul");
    assert_eq!(store.active().expect("active").id, SANDBOX_ID);

    let live = store
        .add(
            &ProfileInput {
                tier: Some("AB1".into()),
                default_pg: Some("nice.nictest04m".into()),
                time_zone: Some("UTC".into()),
                read_only: true,
                ..input("  Gangnam Store ", Mode::Live)
            },
            &owner(),
        )
        .expect("add live");
    assert_eq!(live.id, "gangnam-store");
    assert_eq!(live.name, "Gangnam Store");
    assert_eq!(live.base_url, DEFAULT_BASE_URL);
    assert!(live.created_at > 1_700_000_000);
    let test = store
        .add(
            &ProfileInput {
                base_url: Some("http://127.0.0.1:8080/".into()),
                ..input("강남점 테스트", Mode::Test)
            },
            &admin(),
        )
        .expect("add test");
    assert_eq!(
        test.id, "profile",
        "a Korean-only name still gets an ASCII id"
    );
    assert_eq!(test.base_url, "http://127.0.0.1:8080");
    store.set_active(&live.id).expect("set active");

    // A second store on the same folder (the CLI) sees all of it.
    let other = ProfileStore::open(dir.path()).expect("reopen");
    assert_eq!(other.list().expect("list"), store.list().expect("list"));
    assert_eq!(other.get(&live.id).expect("get"), live);
    assert_eq!(other.active().expect("active"), live);

    // Rename keeps the id (it names the data folder).
    let renamed = other
        .update(
            &live.id,
            &ProfileInput {
                read_only: false,
                ..input("Gangnam (main)", Mode::Live)
            },
            &owner(),
        )
        .expect("update");
    assert_eq!(renamed.id, live.id);
    assert_eq!(renamed.created_at, live.created_at);
    assert_eq!(renamed.tier, None);
    assert!(!renamed.read_only);
    assert_eq!(store.get(&live.id).expect("get").name, "Gangnam (main)");

    // The file is plain JSON in snake_case, as the app and CLI both expect.
    let text = std::fs::read_to_string(dir.path().join(PROFILES_FILE)).expect("read");
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(v["version"], 1);
    assert_eq!(v["active"], "gangnam-store");
    assert_eq!(v["profiles"][1]["mode"], "live");
    assert_eq!(v["profiles"][1]["read_only"], false);
    assert_no_temp_files(dir.path());
}

#[test]
fn the_sandbox_cannot_be_removed_or_changed_into_something_else() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = ProfileStore::open(dir.path()).expect("open");
    assert_eq!(
        code(store.remove(SANDBOX_ID, &admin())),
        ErrorCode::SandboxProtected
    );
    assert_eq!(
        code(store.update(SANDBOX_ID, &input("Sandbox", Mode::Test), &admin())),
        ErrorCode::SandboxProtected
    );
    assert_eq!(
        code(store.update(
            SANDBOX_ID,
            &ProfileInput {
                base_url: Some("http://127.0.0.1:1".into()),
                ..input("Sandbox", Mode::Sandbox)
            },
            &admin()
        )),
        ErrorCode::InvalidBaseUrl
    );
    // Its name, zone and role are the user's to change.
    let p = store
        .update(
            SANDBOX_ID,
            &ProfileInput {
                read_only: true,
                ..input("연습", Mode::Sandbox)
            },
            &owner(),
        )
        .expect("rename sandbox");
    assert_eq!((p.name.as_str(), p.read_only), ("연습", true));
    assert_eq!(
        code(store.add(&input("Second sandbox", Mode::Sandbox), &admin())),
        ErrorCode::InvalidMode
    );
    let t = store
        .add(&input("Test", Mode::Test), &admin())
        .expect("add");
    assert_eq!(
        code(store.update(&t.id, &input("Test", Mode::Live), &admin())),
        ErrorCode::InvalidMode
    );
    assert_eq!(
        code(store.update(&t.id, &input("Test", Mode::Sandbox), &admin())),
        ErrorCode::SandboxProtected
    );
    assert_eq!(store.list().expect("list").len(), 2);
}

/// A read-only role protects something only behind a passphrase: it is set only while
/// one exists, and lifted only with it typed, checked against the profile as stored.
#[test]
fn read_only_is_set_with_a_lock_and_lifted_with_the_passphrase() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = ProfileStore::open(dir.path()).expect("open");
    let finance = ProfileInput {
        read_only: true,
        ..input("Finance", Mode::Live)
    };
    // No lock: the role would protect nothing.
    assert_eq!(
        code(store.add(&finance, &admin())),
        ErrorCode::ReadOnlyNeedsLock
    );
    let shop = store
        .add(&input("Shop", Mode::Live), &admin())
        .expect("add");
    assert_eq!(
        code(store.update(
            &shop.id,
            &ProfileInput {
                read_only: true,
                ..input("Shop", Mode::Live)
            },
            &admin()
        )),
        ErrorCode::ReadOnlyNeedsLock
    );
    assert_eq!(store.list().expect("list").len(), 2, "nothing was written");

    // With a lock, unlocked: set it.
    let mut lock = AppLock::open(dir.path()).expect("lock");
    let pass = SecretString::from("owner passphrase");
    lock.set_passphrase(&pass, None).expect("set");
    let unlocked = authorize_admin(&lock, None).expect("unlocked");
    let ro = store.add(&finance, &unlocked).expect("add read-only");
    assert!(ro.read_only);
    // Editing it otherwise keeps the role and needs no passphrase.
    store
        .update(
            &ro.id,
            &ProfileInput {
                time_zone: Some("UTC".into()),
                ..finance.clone()
            },
            &unlocked,
        )
        .expect("edit, still read-only");

    // Lifting it needs the passphrase typed with the change, even unlocked.
    let lift = input("Finance", Mode::Live);
    assert_eq!(
        code(store.update(&ro.id, &lift, &unlocked)),
        ErrorCode::PassphraseRequired
    );
    assert_eq!(
        code(authorize_admin(
            &lock,
            Some(&SecretString::from("not the passphrase"))
        )),
        ErrorCode::WrongPassphrase
    );
    assert!(store.get(&ro.id).expect("get").read_only, "still read-only");
    let typed = authorize_admin(&lock, Some(&pass)).expect("typed");
    assert!(
        !store
            .update(&ro.id, &lift, &typed)
            .expect("lifted")
            .read_only
    );

    // A locked app changes no profile at all, whichever is active.
    lock.lock().expect("lock");
    assert_eq!(code(authorize_admin(&lock, None)), ErrorCode::AppLocked);
    assert_eq!(
        code(authorize_admin(&lock, Some(&pass))),
        ErrorCode::AppLocked
    );
}

/// The store checks a role change against the file, not against the caller's copy: a
/// profile made read-only by another process cannot be lifted by an edit made from an
/// older list.
#[test]
fn the_role_rule_reads_the_profile_as_stored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = ProfileStore::open(dir.path()).expect("open");
    let shop = app.add(&input("Shop", Mode::Test), &admin()).expect("add");
    let stale = app.get(&shop.id).expect("get");
    assert!(!stale.read_only);
    let cli = ProfileStore::open(dir.path()).expect("second handle");
    let mut lock = AppLock::open(dir.path()).expect("lock");
    lock.set_passphrase(&SecretString::from("owner passphrase"), None)
        .expect("set");
    let unlocked = authorize_admin(&lock, None).expect("unlocked");
    cli.update(
        &shop.id,
        &ProfileInput {
            read_only: true,
            ..input("Shop", Mode::Test)
        },
        &unlocked,
    )
    .expect("made read-only elsewhere");
    // The app's form still shows read-only off: saving it would lift the role.
    assert_eq!(
        code(app.update(&shop.id, &input("Shop", Mode::Test), &unlocked)),
        ErrorCode::PassphraseRequired
    );
}

#[test]
fn validation_codes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = ProfileStore::open(dir.path()).expect("open");
    store
        .add(&input("Live Store", Mode::Live), &admin())
        .expect("add");
    let cases: Vec<(ProfileInput, ErrorCode)> = vec![
        (input("", Mode::Live), ErrorCode::InvalidName),
        (input(&"가".repeat(41), Mode::Live), ErrorCode::InvalidName),
        (input("live store ", Mode::Test), ErrorCode::DuplicateName),
        (input("SANDBOX", Mode::Test), ErrorCode::DuplicateName),
        (
            ProfileInput {
                base_url: Some("http://api.iamport.kr".into()),
                ..input("A", Mode::Live)
            },
            ErrorCode::InvalidBaseUrl,
        ),
        (
            ProfileInput {
                base_url: Some("https://key:secret@api.iamport.kr".into()),
                ..input("A", Mode::Test)
            },
            ErrorCode::InvalidBaseUrl,
        ),
        (
            ProfileInput {
                tier: Some("ab1".into()),
                ..input("A", Mode::Live)
            },
            ErrorCode::InvalidTier,
        ),
        (
            ProfileInput {
                tier: Some("ABCD".into()),
                ..input("A", Mode::Live)
            },
            ErrorCode::InvalidTier,
        ),
        (
            ProfileInput {
                time_zone: Some("Seoul time".into()),
                ..input("A", Mode::Live)
            },
            ErrorCode::InvalidTimeZone,
        ),
        (
            ProfileInput {
                default_pg: Some("nice kcp".into()),
                ..input("A", Mode::Live)
            },
            ErrorCode::InvalidDefaultPg,
        ),
    ];
    for (inp, expected) in cases {
        assert_eq!(code(store.add(&inp, &admin())), expected, "{inp:?}");
    }
    assert_eq!(
        store.list().expect("list").len(),
        2,
        "nothing invalid was stored"
    );
    assert_eq!(code(store.get("nope")), ErrorCode::ProfileNotFound);
    assert_eq!(code(store.set_active("nope")), ErrorCode::ProfileNotFound);
    assert_eq!(
        code(store.remove("nope", &admin())),
        ErrorCode::ProfileNotFound
    );
    let e = store
        .add(&input("LIVE STORE", Mode::Live), &admin())
        .expect_err("dup");
    assert_eq!(e.details()["field"], "name");
}

#[test]
fn removed_ids_are_never_reused_and_active_falls_back_to_the_sandbox() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = ProfileStore::open(dir.path()).expect("open");
    let a = store
        .add(&input("Shop", Mode::Live), &admin())
        .expect("add");
    store.set_active(&a.id).expect("activate");
    let removed = store.remove(&a.id, &admin()).expect("remove");
    assert_eq!(removed.id, "shop");
    assert_eq!(store.active().expect("active").id, SANDBOX_ID);
    // Same name again: a new id, so it cannot open the old profile's database.
    let b = store
        .add(&input("Shop", Mode::Live), &admin())
        .expect("add again");
    assert_eq!(b.id, "shop-2");
}

#[test]
fn a_damaged_file_is_reported_kept_and_only_reset_on_request() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = ProfileStore::open(dir.path()).expect("open");
    store
        .add(&input("Shop", Mode::Live), &admin())
        .expect("add");
    let path = dir.path().join(PROFILES_FILE);
    let garbage = b"{\"version\": 1, \"active\": \"sandbox\", \"profiles\": [trunc";
    std::fs::write(&path, garbage).expect("damage");

    let e = ProfileStore::open(dir.path()).expect_err("corrupt");
    assert_eq!(e.code(), ErrorCode::ProfilesCorrupt);
    assert!(e.to_string().contains("profiles.json"), "{e}");
    assert!(e.to_string().contains("reset"), "{e}");
    assert_eq!(code(store.list()), ErrorCode::ProfilesCorrupt);
    assert_eq!(
        code(store.add(&input("Other", Mode::Test), &admin())),
        ErrorCode::ProfilesCorrupt
    );
    assert_eq!(
        std::fs::read(&path).expect("read"),
        garbage,
        "never silently reset"
    );

    let backup = ProfileStore::reset_corrupt(dir.path())
        .expect("reset")
        .expect("a backup was made");
    assert!(
        backup
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("profiles.json.corrupt-")),
        "{}",
        backup.display()
    );
    assert_eq!(std::fs::read(&backup).expect("backup"), garbage);
    let list = store.list().expect("fresh file");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].id, SANDBOX_ID);
    // A healthy file is left alone.
    assert_eq!(ProfileStore::reset_corrupt(dir.path()).expect("noop"), None);
    assert_eq!(store.list().expect("list").len(), 1);
}

#[test]
fn rule_breaking_hand_edits_are_corrupt_not_ignored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = ProfileStore::open(dir.path()).expect("open");
    store
        .add(&input("Shop", Mode::Live), &admin())
        .expect("add");
    let path = dir.path().join(PROFILES_FILE);
    let good = std::fs::read_to_string(&path).expect("read");

    // A misspelt field must not silently make a finance profile writable.
    let typo = good.replacen("\"read_only\": false", "\"readonly\": true", 1);
    std::fs::write(&path, &typo).expect("write");
    assert_eq!(code(store.list()), ErrorCode::ProfilesCorrupt);

    let http_live = good.replace("https://api.iamport.kr", "http://api.iamport.kr");
    std::fs::write(&path, &http_live).expect("write");
    let e = store.list().expect_err("http live");
    assert_eq!(e.code(), ErrorCode::ProfilesCorrupt);
    assert!(e.to_string().contains("shop"), "{e}");

    let newer = good.replacen("\"version\": 1", "\"version\": 7", 1);
    std::fs::write(&path, &newer).expect("write");
    assert_eq!(code(store.list()), ErrorCode::UnsupportedVersion);
    assert_eq!(
        code(ProfileStore::reset_corrupt(dir.path())),
        ErrorCode::UnsupportedVersion
    );
    assert_eq!(
        std::fs::read_to_string(&path).expect("read"),
        newer,
        "a newer file is never reset"
    );

    // Removing the sandbox by hand is repaired, not fatal.
    let mut v: serde_json::Value = serde_json::from_str(&good).expect("json");
    let profiles = v["profiles"].as_array_mut().expect("array");
    profiles.retain(|p| p["id"] != SANDBOX_ID);
    std::fs::write(&path, serde_json::to_vec(&v).expect("json")).expect("write");
    let ids: Vec<String> = store
        .list()
        .expect("list")
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(ids, ["sandbox", "shop"]);
}

#[test]
fn an_unreadable_file_is_an_io_error_not_corruption() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = ProfileStore::open(dir.path()).expect("open");
    let path = dir.path().join(PROFILES_FILE);
    std::fs::remove_file(&path).expect("rm");
    std::fs::create_dir(&path).expect("a folder where the file should be");
    assert_eq!(code(store.list()), ErrorCode::IoError);
    assert_eq!(
        code(ProfileStore::reset_corrupt(dir.path())),
        ErrorCode::IoError
    );
    assert!(path.is_dir(), "left as it was");
}

#[test]
fn concurrent_writers_in_threads_lose_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    ProfileStore::open(dir.path()).expect("open");
    let threads: Vec<_> = (0..3)
        .map(|t| {
            let path = dir.path().to_owned();
            std::thread::spawn(move || {
                // Each thread its own store and file handles, like separate processes.
                let store = ProfileStore::open(&path).expect("open");
                for i in 0..12 {
                    store
                        .add(
                            &input(&format!("thread {t} shop {i}"), Mode::Test),
                            &admin(),
                        )
                        .expect("add");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread");
    }
    let store = ProfileStore::open(dir.path()).expect("open");
    assert_eq!(store.list().expect("list").len(), 1 + 3 * 12);
    assert_no_temp_files(dir.path());
}

const WRITER_ENV: &str = "SUBDESK_PROFILES_WRITER_DIR";

/// The child side of the two-process test. Does nothing in a normal run.
#[test]
fn writer_child() {
    let Ok(dir) = std::env::var(WRITER_ENV) else {
        return;
    };
    let store = ProfileStore::open(&dir).expect("open");
    for i in 0..25 {
        store
            .add(&input(&format!("child shop {i}"), Mode::Live), &admin())
            .expect("child add");
    }
}

#[test]
fn concurrent_writers_in_two_processes_lose_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = ProfileStore::open(dir.path()).expect("open");
    let mut child = Command::new(std::env::current_exe().expect("own path"))
        .args(["writer_child", "--exact", "--test-threads=1"])
        .env(WRITER_ENV, dir.path())
        .spawn()
        .expect("spawn");
    for i in 0..25 {
        store
            .add(&input(&format!("parent shop {i}"), Mode::Test), &admin())
            .expect("parent add");
    }
    assert!(
        child.wait().expect("wait").success(),
        "the child's writes failed"
    );
    let list: Vec<Profile> = store.list().expect("list");
    assert_eq!(list.len(), 1 + 25 + 25);
    let mut ids: Vec<&str> = list.iter().map(|p| p.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 51, "ids are unique across writers");
}

fn assert_no_temp_files(dir: &Path) {
    let leftovers: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// The shared store's settings: saved per profile beside the backup settings, the file
/// marked as the version that has them (an older Subdesk refuses it as newer rather than
/// calling it damaged), written back as version 1 when none are left, and gone with the
/// profile. No password is ever in the file.
#[test]
fn shared_store_settings_round_trip_and_mark_the_file_version() {
    use subdesk_profiles::{BackupEvery, SharedSettings};
    let dir = tempfile::tempdir().expect("tempdir");
    let store = ProfileStore::open(dir.path()).expect("open");
    let shop = store
        .add(&input("Shop", Mode::Live), &admin())
        .expect("add");
    let version = || {
        let text = std::fs::read_to_string(dir.path().join(PROFILES_FILE)).unwrap();
        serde_json::from_str::<serde_json::Value>(&text).unwrap()["version"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(
        store.shared_settings(&shop.id).unwrap(),
        SharedSettings::default()
    );
    assert_eq!(version(), 1);

    let saved = store
        .set_shared_settings(
            &shop.id,
            &SharedSettings {
                url: Some(" postgres://desk@nas:5432/subdesk ".into()),
                every: BackupEvery::Daily,
                ..Default::default()
            },
            None,
        )
        .expect("save");
    assert_eq!(
        saved.url.as_deref(),
        Some("postgres://desk@nas:5432/subdesk")
    );
    assert_eq!(version(), 2);
    let reopened = ProfileStore::open(dir.path()).expect("reopen");
    assert_eq!(reopened.shared_settings(&shop.id).unwrap(), saved);
    assert_eq!(
        reopened.shared_settings(SANDBOX_ID).unwrap(),
        SharedSettings::default()
    );

    // A schedule without an address is refused and nothing changes.
    assert_eq!(
        code(store.set_shared_settings(
            &shop.id,
            &SharedSettings {
                url: None,
                every: BackupEvery::Daily,
                ..Default::default()
            },
            None,
        )),
        ErrorCode::InvalidSharedSettings
    );
    assert_eq!(store.shared_settings(&shop.id).unwrap(), saved);

    // A hand edit that breaks the rules makes the file damaged, not quietly ignored.
    let path = dir.path().join(PROFILES_FILE);
    let good = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        good.replace("postgres://desk@nas:5432/subdesk", "postgres://a@b/\\u0007"),
    )
    .unwrap();
    assert_eq!(
        code(store.shared_settings(&shop.id)),
        ErrorCode::ProfilesCorrupt
    );
    std::fs::write(&path, &good).unwrap();

    // Back to none: the file opens in an older Subdesk again.
    store
        .set_shared_settings(&shop.id, &SharedSettings::default(), None)
        .expect("clear");
    store
        .set_shared_settings(&shop.id, &saved, None)
        .expect("save again");
    store.remove(&shop.id, &admin()).expect("remove");
    assert_eq!(version(), 2, "the version never goes down on its own");
    assert!(
        !std::fs::read_to_string(&path)
            .unwrap()
            .contains("postgres://")
    );
}

/// Only a read-only profile shows the shared store's copy (a refresh replaces its store);
/// its settings change with the passphrase typed; lifting the role stops the reading; a
/// file with a reading desk is version 3, and a hand edit making a writable desk read is
/// damage.
#[test]
fn only_a_read_only_desk_reads_from_the_shared_store() {
    use subdesk_profiles::{BackupEvery, SharedDirection, SharedSettings};
    let dir = tempfile::tempdir().expect("tempdir");
    let store = ProfileStore::open(dir.path()).expect("open");
    let mut lock = AppLock::open(dir.path()).expect("lock");
    let pass = SecretString::from("owner passphrase");
    lock.set_passphrase(&pass, None).expect("set");
    let typed = authorize_admin(&lock, Some(&pass)).expect("admin");
    let untyped = authorize_admin(&lock, None).expect("unlocked admin");
    let reads = SharedSettings {
        url: Some("postgres://clerk@nas/subdesk".into()),
        every: BackupEvery::Every6Hours,
        direction: SharedDirection::FromServer,
    };
    let version = || {
        let text = std::fs::read_to_string(dir.path().join(PROFILES_FILE)).unwrap();
        serde_json::from_str::<serde_json::Value>(&text).unwrap()["version"]
            .as_u64()
            .unwrap()
    };

    let shop = store
        .add(&input("Shop", Mode::Live), &typed)
        .expect("add shop");
    let err = store
        .set_shared_settings(&shop.id, &reads, Some(&typed))
        .unwrap_err();
    assert!(
        matches!(
            &err,
            subdesk_profiles::Error::InvalidSharedSettings {
                field: "direction",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        store.shared_settings(&shop.id).unwrap(),
        SharedSettings::default()
    );

    let clerk_input = ProfileInput {
        read_only: true,
        ..input("Clerk", Mode::Live)
    };
    let clerk = store.add(&clerk_input, &typed).expect("add clerk");
    // A read-only profile's settings are an admin's change, with the passphrase.
    assert_eq!(
        code(store.set_shared_settings(&clerk.id, &reads, Some(&untyped))),
        ErrorCode::PassphraseRequired
    );
    store
        .set_shared_settings(&clerk.id, &reads, None)
        .unwrap_err();
    store
        .set_shared_settings(&clerk.id, &reads, Some(&typed))
        .expect("the clerk reads");
    assert!(
        store
            .shared_settings(&clerk.id)
            .unwrap()
            .reads_from_server()
    );
    assert_eq!(version(), 3);

    // A hand edit that makes the clerk writable while reading: damage, not a quiet loss.
    let path = dir.path().join(PROFILES_FILE);
    let good = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        good.replace(r#""read_only": true"#, r#""read_only": false"#),
    )
    .unwrap();
    assert_eq!(
        code(store.shared_settings(&clerk.id)),
        ErrorCode::ProfilesCorrupt
    );
    std::fs::write(&path, &good).unwrap();

    // The role lifted: the desk keeps its address, stops reading, copies nothing.
    store
        .update(
            &clerk.id,
            &ProfileInput {
                read_only: false,
                ..clerk_input.clone()
            },
            &typed,
        )
        .expect("lift");
    let after = store.shared_settings(&clerk.id).unwrap();
    assert_eq!(after.url, reads.url);
    assert_eq!(after.direction, SharedDirection::ToServer);
    assert_eq!(after.every, BackupEvery::Off);
}
