//! The shared store through the desk: its address saved with the profile and its password
//! in the keyring, and the schedule's step (is a copy due, from the audit log's last copy
//! into that address). On the test server (`make test` starts one; see
//! scripts/postgres-test.sh), whose users other than its administrator need a password.

mod common;

use subdesk_billing::mirror::sync::CancelToken;
use subdesk_codes::ErrorCode;
use subdesk_desk::shared::{self, PasswordChange};
use subdesk_profiles::{BackupEvery, SecretString, SharedDirection, SharedSettings};

/// A database of its own on the test server, owned by a user of its own with `password`:
/// its address without the password.
fn own_database(password: &str) -> Option<String> {
    subdesk_testkit::own_database("desk", password).map(|d| d.url)
}

fn daily(url: &str) -> SharedSettings {
    SharedSettings {
        url: Some(url.to_owned()),
        every: BackupEvery::Daily,
        ..Default::default()
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
    let err = shared::save_settings(
        desk,
        session,
        &daily(&with_password),
        PasswordChange::Keep,
        None,
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidSharedSettings);

    let setup = shared::save_settings(
        desk,
        session,
        &daily(&url),
        PasswordChange::Set("pw-desk-1"),
        None,
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
    shared::save_settings(
        desk,
        session,
        &daily(&elsewhere),
        PasswordChange::Keep,
        None,
    )
    .unwrap();
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
    shared::save_settings(desk, session, &daily(&url), PasswordChange::Forget, None).unwrap();
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

/// The clerk's desk: a second data folder whose read-only profile shows the shared store's
/// copy. It refreshes it (through a database user that may only read), sees what the
/// owner's desk copied and when, keeps no replaced copies, keeps showing its copy when the
/// server is away, and writes nothing; a writable desk may not read from the server.
#[tokio::test]
async fn a_read_only_desk_shows_the_shared_stores_copy_and_keeps_it_when_the_server_is_away() {
    let Some(db) = subdesk_testkit::own_database("desk_read", "pw-owner") else {
        return;
    };
    let reader_url = subdesk_testkit::read_only_user(&db, "pw-clerk").unwrap();
    let owner = common::world("shared-owner").await;
    owner.key("rd-1", "4111111111111111").await;
    shared::save_settings(
        &owner._desk,
        &owner.session,
        &daily(&db.url),
        PasswordChange::Set("pw-owner"),
        None,
    )
    .unwrap();
    let copy_into_server = || async {
        let target = shared::target(&owner._desk, &owner.session.profile, None, None).unwrap();
        shared::copy_to_shared(&owner.session, target, |_| {}, CancelToken::new())
            .await
            .unwrap();
        owner
            .session
            .store
            .last_shared_copy(
                subdesk_billing::SharedTarget::parse(&db.url, None)
                    .unwrap()
                    .shown(),
            )
            .unwrap()
            .unwrap()
    };
    let first_copy = copy_into_server().await;

    // A writable desk does not read from the server: a refresh would lose its work.
    let reads = SharedSettings {
        url: Some(reader_url.clone()),
        every: BackupEvery::Every6Hours,
        direction: SharedDirection::FromServer,
    };
    let err = shared::save_settings(
        &owner._desk,
        &owner.session,
        &reads,
        PasswordChange::Keep,
        None,
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidSharedSettings);
    let target = shared::target(&owner._desk, &owner.session.profile, None, None).unwrap();
    let Err(err) = shared::refresh_from_shared(&owner._desk, &owner.session.profile, target).await
    else {
        panic!("a writable desk refreshed from the server");
    };
    assert_eq!(err.code, ErrorCode::NotAReadingDesk);

    // The clerk's desk: its profile read-only behind the passphrase.
    let clerk = common::world("shared-clerk").await;
    let desk = &clerk._desk;
    let pass = SecretString::from("clerk desk passphrase");
    desk.lock().unwrap().set_passphrase(&pass, None).unwrap();
    let admin = desk.admin(Some(&pass)).unwrap();
    let profile = clerk.session.profile.clone();
    let input = subdesk_profiles::ProfileInput {
        name: profile.name.clone(),
        mode: profile.mode,
        base_url: Some(profile.base_url.clone()),
        tier: profile.tier.clone(),
        default_pg: profile.default_pg.clone(),
        time_zone: Some(profile.time_zone.clone()),
        read_only: true,
    };
    let profile = desk.profiles.update(&profile.id, &input, &admin).unwrap();
    let session = desk.open_session(&profile).unwrap();
    // Its settings are an admin's change, with the passphrase.
    let err = shared::save_settings(
        desk,
        &session,
        &reads,
        PasswordChange::Set("pw-clerk"),
        None,
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::ReadOnly);
    shared::save_settings(
        desk,
        &session,
        &reads,
        PasswordChange::Set("pw-clerk"),
        Some(&admin),
    )
    .unwrap();
    assert_eq!(
        shared::read_copy(&session).unwrap(),
        shared::ReadCopy {
            as_of: None,
            refreshed_at: None
        }
    );
    let now = subdesk_billing::now();
    assert_eq!(
        shared::next_refresh(desk, &session, None, now).unwrap(),
        Some(now),
        "never refreshed: due at once"
    );

    let refresh = || async {
        let target = shared::target(desk, &profile, None, None).unwrap();
        shared::refresh_from_shared(desk, &profile, target).await
    };
    let (session, contents) = refresh().await.unwrap();
    assert_eq!((contents.customers, contents.active_keys), (1, 1));
    let copy = shared::read_copy(&session).unwrap();
    assert_eq!(copy.as_of, Some(first_copy), "as of the owner's copy");
    let refreshed = copy.refreshed_at.expect("refreshed");
    assert!(refreshed >= now);
    assert_eq!(
        shared::next_refresh(desk, &session, None, refreshed).unwrap(),
        Some(refreshed + 6 * 3600)
    );

    // The owner's desk goes on: the next refresh brings it.
    owner.key("rd-2", "5555555555554444").await;
    let second_copy = copy_into_server().await;
    let (session, contents) = refresh().await.unwrap();
    assert_eq!(contents.customers, 2);
    assert_eq!(
        shared::read_copy(&session).unwrap().as_of,
        Some(second_copy)
    );
    // Nothing of the replaced copies is kept: they were the server's already.
    let dir = desk.data.profile_dir(&profile.id);
    let mut kept: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".replaced-") || n.starts_with("from-shared-"))
        .collect();
    let backups = dir.join("backups");
    if backups.exists() {
        kept.extend(
            std::fs::read_dir(&backups)
                .unwrap()
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned()),
        );
    }
    assert!(kept.is_empty(), "left beside the store: {kept:?}");

    // The server away: the refresh fails, the desk keeps showing its copy as it was.
    let away =
        subdesk_billing::SharedTarget::parse("postgres://clerk@127.0.0.1:9/subdesk", None).unwrap();
    let Err(err) = shared::refresh_from_shared(desk, &profile, away).await else {
        panic!("refreshed from a server that is away");
    };
    assert_eq!(err.code, ErrorCode::SharedStoreUnreachable);
    let still = desk
        .session_for(subdesk_profiles::ActionKind::Read)
        .unwrap();
    assert_eq!(shared::read_copy(&still).unwrap().as_of, Some(second_copy));
    let customers = still.store.count_customers(&Default::default()).unwrap();
    assert_eq!(customers, 2);
    // And it writes nothing: changes and money are refused.
    for kind in [
        subdesk_profiles::ActionKind::Mutate,
        subdesk_profiles::ActionKind::MoveMoney,
    ] {
        let Err(err) = desk.session_for(kind) else {
            panic!("a read-only desk may {kind:?}");
        };
        assert_eq!(err.code, ErrorCode::ReadOnly);
    }

    // The clerk's database user may read and nothing more: the server refuses a copy
    // from the clerk's desk even were the app's own rules bypassed.
    let target = subdesk_billing::SharedTarget::parse(&reader_url, Some("pw-clerk")).unwrap();
    let err = shared::copy_to_shared(&still, target, |_| {}, CancelToken::new())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.code,
            ErrorCode::SharedStoreRefused | ErrorCode::SharedStoreNotOurs
        ),
        "{err:?}"
    );
}
