//! The app lock (argon2) and the authorize matrix.

use subdesk_codes::ErrorCode;
use subdesk_profiles::{
    ActionKind, Admin, AppLock, LOCK_FILE, LockSettings, Mode, Profile, ProfileInput, ProfileStore,
    SecretString, authorize, authorize_admin,
};

fn secret(s: &str) -> SecretString {
    SecretString::from(s)
}

#[test]
fn passphrase_is_hashed_checked_and_survives_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let profiles = ProfileStore::open(dir.path()).expect("profiles");
    let mut lock = AppLock::open(dir.path()).expect("open");
    assert!(!lock.is_enabled() && !lock.is_locked());
    assert_eq!(
        lock.verify(&secret("whatever1")).expect_err("none").code(),
        ErrorCode::LockNotSet
    );
    assert_eq!(lock.lock().expect_err("none").code(), ErrorCode::LockNotSet);
    assert_eq!(
        lock.set_passphrase(&secret("short"), None)
            .expect_err("short")
            .code(),
        ErrorCode::InvalidPassphrase
    );

    lock.set_passphrase(&secret("correct horse 1"), None)
        .expect("set");
    assert!(
        lock.is_enabled() && !lock.is_locked(),
        "whoever set it is unlocked"
    );
    let text = std::fs::read_to_string(dir.path().join(LOCK_FILE)).expect("lock.json");
    assert!(text.contains("$argon2id$"), "{text}");
    assert!(!text.contains("correct horse"), "{text}");

    // A restart starts locked.
    let mut lock = AppLock::open(dir.path()).expect("reopen");
    assert!(lock.is_locked());
    assert_eq!(
        lock.unlock(&secret("wrong horse 1"))
            .expect_err("wrong")
            .code(),
        ErrorCode::WrongPassphrase
    );
    assert!(lock.is_locked());
    lock.unlock(&secret("correct horse 1")).expect("unlock");
    assert!(!lock.is_locked());
    lock.lock().expect("lock again");
    assert!(lock.is_locked());

    // Changing needs the current passphrase.
    assert_eq!(
        lock.set_passphrase(&secret("new passphrase"), None)
            .expect_err("no current")
            .code(),
        ErrorCode::WrongPassphrase
    );
    assert_eq!(
        lock.set_passphrase(&secret("new passphrase"), Some(&secret("nope nope")))
            .expect_err("wrong current")
            .code(),
        ErrorCode::WrongPassphrase
    );
    lock.set_passphrase(&secret("new passphrase"), Some(&secret("correct horse 1")))
        .expect("change");
    let other = AppLock::open(dir.path()).expect("reopen");
    assert!(other.verify(&secret("new passphrase")).is_ok());
    assert_eq!(
        other
            .verify(&secret("correct horse 1"))
            .expect_err("old")
            .code(),
        ErrorCode::WrongPassphrase
    );

    // Clearing needs it too; then nothing is locked.
    assert_eq!(
        lock.clear(&secret("correct horse 1"), &profiles)
            .expect_err("old")
            .code(),
        ErrorCode::WrongPassphrase
    );
    lock.clear(&secret("new passphrase"), &profiles)
        .expect("clear");
    assert!(!lock.is_enabled());
    assert!(!AppLock::open(dir.path()).expect("reopen").is_enabled());
}

#[test]
fn a_locked_app_cannot_switch_its_guard_off() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut lock = AppLock::open(dir.path()).expect("open");
    lock.set_passphrase(&secret("passphrase 1"), None)
        .expect("set");
    let mut lock = AppLock::open(dir.path()).expect("reopen");
    let off = LockSettings {
        open_live_profile: false,
        move_money: false,
        mutate: false,
    };
    assert_eq!(
        lock.set_settings(off).expect_err("locked").code(),
        ErrorCode::AppLocked
    );
    lock.unlock(&secret("passphrase 1")).expect("unlock");
    lock.set_settings(off).expect("unlocked");
    assert_eq!(AppLock::open(dir.path()).expect("reopen").settings(), off);
}

#[test]
fn a_damaged_lock_file_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join(LOCK_FILE), "{\"version\":1,\"phc\":\"not a hash\",\"settings\":{\"open_live_profile\":true,\"move_money\":true}}")
        .expect("write");
    assert_eq!(
        AppLock::open(dir.path()).expect_err("bad").code(),
        ErrorCode::LockFileCorrupt
    );
    std::fs::write(dir.path().join(LOCK_FILE), "garbage").expect("write");
    assert_eq!(
        AppLock::open(dir.path()).expect_err("bad").code(),
        ErrorCode::LockFileCorrupt
    );
}

fn profile(mode: Mode, read_only: bool) -> Profile {
    let mut p = Profile::sandbox(0);
    p.id = format!("{}-p", mode.as_str());
    p.mode = mode;
    p.read_only = read_only;
    p
}

/// A lock in the given state with the given settings (in memory, nothing written).
fn lock_with(locked: bool, settings: LockSettings) -> AppLock {
    let mut lock = AppLock::disabled();
    if locked {
        lock.set_passphrase(&secret("matrix pass"), None)
            .expect("set");
        lock.set_settings(settings).expect("settings");
        lock.lock().expect("lock");
    } else {
        lock.set_passphrase(&secret("matrix pass"), None)
            .expect("set");
        lock.set_settings(settings).expect("settings");
    }
    lock
}

#[test]
fn authorize_matrix() {
    use ActionKind::*;
    use Mode::*;
    let defaults = LockSettings::default(); // live profiles and money guarded
    let strict = LockSettings {
        mutate: true,
        ..defaults
    };
    let unlocked = lock_with(false, defaults);
    let locked = lock_with(true, defaults);
    let locked_strict = lock_with(true, strict);
    let no_lock = AppLock::disabled();

    // (mode, read_only, lock, action) -> expected code or None for allowed.
    let cases: Vec<(Mode, bool, &AppLock, ActionKind, Option<ErrorCode>)> = vec![
        // Read-only refuses every non-read action, locked or not, any mode.
        (Live, true, &no_lock, Read, None),
        (Live, true, &no_lock, Mutate, Some(ErrorCode::ReadOnly)),
        (Live, true, &no_lock, MoveMoney, Some(ErrorCode::ReadOnly)),
        (Test, true, &unlocked, Mutate, Some(ErrorCode::ReadOnly)),
        (Test, true, &unlocked, MoveMoney, Some(ErrorCode::ReadOnly)),
        (Sandbox, true, &no_lock, Mutate, Some(ErrorCode::ReadOnly)),
        (
            Sandbox,
            true,
            &no_lock,
            MoveMoney,
            Some(ErrorCode::ReadOnly),
        ),
        // No passphrase / unlocked: everything allowed for a writable profile.
        (Live, false, &no_lock, MoveMoney, None),
        (Live, false, &unlocked, MoveMoney, None),
        (Test, false, &unlocked, Mutate, None),
        // Locked, default settings: live needs the passphrase even to open (read);
        // test needs it to move money only.
        (Live, false, &locked, Read, Some(ErrorCode::AppLocked)),
        (Live, false, &locked, Mutate, Some(ErrorCode::AppLocked)),
        (Live, false, &locked, MoveMoney, Some(ErrorCode::AppLocked)),
        (Test, false, &locked, Read, None),
        (Test, false, &locked, Mutate, None),
        (Test, false, &locked, MoveMoney, Some(ErrorCode::AppLocked)),
        // Locked with "mutate" guarded: a locked app is read-only on test too.
        (
            Test,
            false,
            &locked_strict,
            Mutate,
            Some(ErrorCode::AppLocked),
        ),
        (Test, false, &locked_strict, Read, None),
        // The sandbox never needs the lock.
        (Sandbox, false, &locked, Read, None),
        (Sandbox, false, &locked, Mutate, None),
        (Sandbox, false, &locked, MoveMoney, None),
        (Sandbox, false, &locked_strict, MoveMoney, None),
    ];
    for (mode, ro, lock, action, expected) in cases {
        let got = authorize(&profile(mode, ro), action, lock)
            .err()
            .map(|e| e.code());
        assert_eq!(
            got,
            expected,
            "{mode:?} read_only={ro} locked={} {action:?}",
            lock.is_locked()
        );
    }

    // Only money guarded: a locked app still opens live profiles, refuses charges.
    let money_only = lock_with(
        true,
        LockSettings {
            open_live_profile: false,
            move_money: true,
            mutate: false,
        },
    );
    assert!(authorize(&profile(Live, false), Read, &money_only).is_ok());
    assert!(authorize(&profile(Live, false), Mutate, &money_only).is_ok());
    let e = authorize(&profile(Live, false), MoveMoney, &money_only).expect_err("guarded");
    assert_eq!(e.code(), ErrorCode::AppLocked);
    assert!(e.to_string().contains("move money"), "{e}");
    let e = authorize(&profile(Live, true), MoveMoney, &money_only).expect_err("ro");
    assert_eq!(e.details()["action"], "move_money");
}

/// Changing profiles, credentials, roles or the lock is refused while the app is
/// locked, whatever profile is active: there is no profile in the question at all, so
/// switching to the never-locked sandbox first changes nothing.
#[test]
fn admin_actions_need_an_unlocked_app_from_any_profile() {
    let locked = lock_with(true, LockSettings::default());
    let e = authorize_admin(&locked, None).expect_err("locked");
    assert_eq!(e.code(), ErrorCode::AppLocked);
    // Even with every guard setting off: the settings guard profiles' data, not the
    // profiles themselves.
    let off = LockSettings {
        open_live_profile: false,
        move_money: false,
        mutate: false,
    };
    assert_eq!(
        authorize_admin(&lock_with(true, off), None)
            .expect_err("locked")
            .code(),
        ErrorCode::AppLocked
    );
    // The sandbox is not locked for its own data, but that is a different question.
    assert!(authorize(&profile(Mode::Sandbox, false), ActionKind::Mutate, &locked).is_ok());
    assert!(authorize_admin(&lock_with(false, off), None).is_ok());
    assert!(authorize_admin(&AppLock::disabled(), None).is_ok());
}

/// Removing the passphrase while a profile is read-only would leave a role that
/// protects nothing: refused, and the passphrase stays.
#[test]
fn the_passphrase_stays_while_a_profile_is_read_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let profiles = ProfileStore::open(dir.path()).expect("profiles");
    let mut lock = AppLock::open(dir.path()).expect("lock");
    let pass = secret("owner passphrase");
    lock.set_passphrase(&pass, None).expect("set");
    let ro = ProfileInput {
        read_only: true,
        ..ProfileInput::new("Finance", Mode::Test)
    };
    let finance = profiles
        .add(&ro, &authorize_admin(&lock, None).expect("admin"))
        .expect("add");
    let e = lock.clear(&pass, &profiles).expect_err("read-only exists");
    assert_eq!(e.code(), ErrorCode::ReadOnlyNeedsLock);
    assert!(AppLock::open(dir.path()).expect("reopen").is_enabled());

    let lifted = ProfileInput::new("Finance", Mode::Test);
    profiles
        .update(
            &finance.id,
            &lifted,
            &authorize_admin(&lock, Some(&pass)).expect("admin"),
        )
        .expect("lift");
    lock.clear(&pass, &profiles).expect("clear");
    assert!(!lock.is_enabled());
    // Now the role cannot be set again.
    assert_eq!(
        profiles
            .update(&finance.id, &ro, &Admin::without_lock())
            .expect_err("no lock")
            .code(),
        ErrorCode::ReadOnlyNeedsLock
    );
}
