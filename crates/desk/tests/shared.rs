//! The shared store through the desk: its address saved with the profile and its password
//! in the keyring, and the schedule's step (is a copy due, from the audit log's last copy
//! into that address). On the test server (`make test` starts one; see
//! scripts/postgres-test.sh), whose users other than its administrator need a password.

mod common;

use subdesk_billing::mirror::sync::CancelToken;
use subdesk_codes::ErrorCode;
use subdesk_desk::shared::{self, PasswordChange};
use subdesk_profiles::{BackupEvery, SharedSettings};

/// A database of its own on the test server, owned by a user of its own with `password`:
/// its address without the password.
fn own_database(password: &str) -> Option<String> {
    subdesk_testkit::own_database("desk", password).map(|d| d.url)
}

fn daily(url: &str) -> SharedSettings {
    SharedSettings {
        url: Some(url.to_owned()),
        every: BackupEvery::Daily,
    }
}

#[tokio::test]
async fn a_scheduled_copy_uses_the_saved_server_and_keyring_and_is_due_once_per_interval() {
    let Some(url) = own_database("pw-desk-1") else {
        return;
    };
    let w = common::world("shared-schedule").await;
    w.key("sh-1", "4111111111111111").await;
    let desk = &w._desk;
    let session = &w.session;
    let now = subdesk_billing::now();
    let last_copy = || {
        let settings = desk.profiles.shared_settings(&session.profile.id).unwrap();
        shared::last_copy(session, &settings)
    };

    // Nothing saved: no copy is due and none can be made.
    assert!(!shared::is_due(desk, session, None, now).unwrap());
    let err = shared::target(desk, &session.profile, None, None).unwrap_err();
    assert_eq!(err.code, ErrorCode::SharedStoreNotChosen);

    // A password in the address is refused: profiles.json is a plain file.
    let at = url.rsplit_once('@').unwrap();
    let with_password = format!("{}:pw-desk-1@{}", at.0, at.1);
    let err = shared::save_settings(desk, session, &daily(&with_password), PasswordChange::Keep)
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidSharedSettings);

    let setup = shared::save_settings(
        desk,
        session,
        &daily(&url),
        PasswordChange::Set("pw-desk-1"),
    )
    .unwrap();
    assert!(setup.password_saved);
    assert_eq!(setup.settings, daily(&url));
    assert!(
        shared::is_due(desk, session, None, now).unwrap(),
        "due: never copied there"
    );

    // The schedule's copy: the saved address, the keyring's password.
    let target = shared::target(desk, &session.profile, None, None).unwrap();
    let copied = shared::copy_to_shared(session, target, |_| {}, CancelToken::new())
        .await
        .unwrap();
    assert!(copied.changed > 0);
    let last = last_copy().unwrap().expect("a copy");
    assert!(last >= now);

    // Not again until a day later; a failure since waits a whole interval too.
    assert!(!shared::is_due(desk, session, None, now + 3600).unwrap());
    assert!(shared::is_due(desk, session, None, last + 86_400).unwrap());
    assert!(!shared::is_due(desk, session, Some(last + 86_400), last + 86_400 + 60).unwrap());

    // Another address has not been copied into: due at once.
    let elsewhere = own_database("pw-desk-2").unwrap();
    shared::save_settings(desk, session, &daily(&elsewhere), PasswordChange::Keep).unwrap();
    assert_eq!(last_copy().unwrap(), None);
    assert!(shared::is_due(desk, session, None, now + 60).unwrap());
    // Its user's password is not the saved one: the server refuses, nothing is copied.
    let target = shared::target(desk, &session.profile, None, None).unwrap();
    let err = shared::copy_to_shared(session, target, |_| {}, CancelToken::new())
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::SharedStoreRefused);
    assert_eq!(last_copy().unwrap(), None);

    // Forgotten: the server asks for a password and refuses without one.
    shared::save_settings(desk, session, &daily(&url), PasswordChange::Forget).unwrap();
    let target = shared::target(desk, &session.profile, None, None).unwrap();
    let err = shared::copy_to_shared(session, target, |_| {}, CancelToken::new())
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::SharedStoreRefused);
    // A password typed for the saved address still works.
    let target = shared::target(desk, &session.profile, None, Some("pw-desk-1")).unwrap();
    shared::copy_to_shared(session, target, |_| {}, CancelToken::new())
        .await
        .unwrap();

    // The settings' changes are audited, the password never.
    let log = session
        .store
        .audit_list(&subdesk_billing::store::audit::AuditQuery {
            action: Some("db.shared_settings".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(log.entries.len(), 3, "{:?}", log.entries);
    assert!(log.entries.iter().all(|e| !e.inputs.contains("pw-desk")));
    assert!(
        log.entries
            .iter()
            .any(|e| e.inputs.contains("\"forgotten\""))
    );

    // A fetch (the restore's first step) clears what a crashed one left a day ago, and
    // leaves a younger one (another process's, in progress) alone.
    let dir = desk.data.profile_dir(&session.profile.id);
    let old = dir.join("from-shared-crashed.sqlite3");
    let young = dir.join("from-shared-running.sqlite3");
    for f in [&old, &young] {
        std::fs::write(f, b"left").unwrap();
    }
    std::fs::File::options()
        .write(true)
        .open(&old)
        .unwrap()
        .set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(2 * 86_400))
        .unwrap();
    let target = shared::target(desk, &session.profile, None, Some("pw-desk-1")).unwrap();
    let held = shared::inspect_shared(desk, &session.profile, target)
        .await
        .unwrap();
    assert_eq!(held.customers, 1);
    assert!(!old.exists(), "the crashed fetch's file is gone");
    assert!(young.exists(), "a younger one is left alone");
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("from-shared-"))
        .collect();
    assert_eq!(
        left,
        ["from-shared-running.sqlite3"],
        "the inspection's own file went with it"
    );
}
