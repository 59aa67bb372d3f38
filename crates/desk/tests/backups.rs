//! Backups to a chosen folder through the desk: the schedule's step, and the lost laptop
//! (a new data folder, the same profile, restored from the folder, charging again).

mod common;

use std::sync::Arc;

use subdesk_billing::mirror::sync::{
    CancelToken, PaymentSyncOptions, ScheduleSyncOptions, sync_payments, sync_schedules,
};
use subdesk_codes::ErrorCode;
use subdesk_desk::backups;
use subdesk_desk::desk::NoHost;
use subdesk_desk::money::{ChargeNowInput, charge_now, new_order_id};
use subdesk_desk::{DataDir, Desk, DeskConfig};
use subdesk_profiles::{BackupEvery, BackupSettings, CredentialStore};

fn daily(folder: &std::path::Path, keep: u32) -> BackupSettings {
    BackupSettings {
        folder: Some(folder.display().to_string()),
        every: BackupEvery::Daily,
        keep,
    }
}

fn uids(store: &subdesk_billing::Store) -> Vec<String> {
    let mut v: Vec<String> = store
        .list_customers(&subdesk_billing::CustomerQuery {
            limit: Some(1000),
            ..Default::default()
        })
        .unwrap()
        .items
        .into_iter()
        .map(|c| c.customer_uid)
        .collect();
    v.sort();
    v
}

async fn charge(
    session: &subdesk_desk::Session,
    uid: &str,
) -> Result<subdesk_billing::ChargeResult, subdesk_desk::IpcError> {
    charge_now(
        session,
        ChargeNowInput {
            customer_uid: uid.into(),
            amount: 9_900,
            name: "12월 이용료".into(),
            merchant_uid: Some(new_order_id()),
            ..ChargeNowInput::default()
        },
    )
    .await
}

#[tokio::test]
async fn a_scheduled_backup_lands_in_the_folder_once_per_interval_and_is_audited() {
    let w = common::world("backups-schedule").await;
    w.key("bk-1", "4111111111111111").await;
    w.key("bk-2", "4111111111111111").await;
    let folder = tempfile::tempdir().unwrap();
    let desk = &w._desk;
    let now = subdesk_billing::now();
    // Off: nothing is due.
    assert!(!backups::is_due(desk, &w.session.profile, None, now).unwrap());
    backups::save_settings(desk, &w.session, &daily(folder.path(), 3)).unwrap();

    assert!(
        backups::is_due(desk, &w.session.profile, None, now).unwrap(),
        "due: no backup yet"
    );
    let made = backups::back_up(desk, &w.session, None).expect("written");
    let listed = backups::list(desk, &w.session.profile, None).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].file_name, made.file_name);
    let copy = w._dir.path().join("copy.db");
    std::fs::copy(&made.path, &copy).unwrap();
    assert_eq!(
        uids(&subdesk_billing::Store::open(&copy).unwrap()),
        uids(&w.session.store)
    );
    assert_eq!(uids(&w.session.store), vec!["bk-1", "bk-2"]);

    // Not again until a day later; then once.
    assert!(!backups::is_due(desk, &w.session.profile, None, now + 3600).unwrap());
    let next = backups::next_due(desk, &w.session.profile, None, now)
        .unwrap()
        .unwrap();
    assert!(next >= now + 86_000, "{next} vs {now}");
    assert!(backups::is_due(desk, &w.session.profile, None, now + 2 * 86_400).unwrap());
    backups::back_up(desk, &w.session, None).expect("written again");

    let log = w
        .session
        .store
        .audit_list(&subdesk_billing::store::audit::AuditQuery {
            action: Some("db.backup_settings".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(log.entries.len(), 1, "the settings change is audited");

    // Settings are checked in Rust: a schedule without a folder is refused.
    let err = backups::save_settings(
        desk,
        &w.session,
        &BackupSettings {
            folder: None,
            every: BackupEvery::Every6Hours,
            keep: 3,
        },
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidBackupSettings);
}

#[tokio::test]
async fn a_lost_laptop_restores_from_the_folder_on_a_new_computer_and_charges_again() {
    let w = common::world("backups-laptop").await;
    w.key("laptop-1", "4111111111111111").await;
    w.key("laptop-2", "4111111111111111").await;
    charge(&w.session, "laptop-1").await.expect("first charge");
    let folder = tempfile::tempdir().unwrap();
    backups::save_settings(&w._desk, &w.session, &daily(folder.path(), 5)).unwrap();
    backups::back_up(&w._desk, &w.session, None).unwrap();
    let wanted = uids(&w.session.store);

    // The laptop is gone. A new computer: a new data folder, the same i'mport account.
    let new_dir = tempfile::tempdir().unwrap();
    let desk = Desk::new(DeskConfig {
        data: DataDir::new(new_dir.path()),
        sandbox_url: Some(w.sandbox.base_url()),
        credentials: CredentialStore::with_service(format!(
            "subdesk-desk-laptop2-{}",
            std::process::id()
        )),
        host: Arc::new(NoHost),
    })
    .unwrap();
    let profile = desk.active_profile().unwrap();
    let fresh = desk.open_session(&profile).unwrap();
    assert!(
        uids(&fresh.store).is_empty(),
        "a new computer knows no customer"
    );
    drop(fresh);

    let found = backups::list(&desk, &profile, Some(folder.path())).unwrap();
    assert_eq!(found.len(), 1);
    let contents = found[0].contents.clone().unwrap();
    assert_eq!(
        (contents.customers, contents.active_keys, contents.payments),
        (2, 2, 1)
    );
    let (session, restored) =
        backups::restore(&desk, &profile, std::path::Path::new(&found[0].path)).unwrap();
    assert!(
        restored.previous.is_some(),
        "the empty store was backed up first"
    );
    assert_eq!(uids(&session.store), wanted, "every customer_uid is back");
    assert!(Arc::ptr_eq(&desk.session().unwrap(), &session));

    // Money waits for a sync (what i'mport did after the backup is unknown) …
    let err = charge(&session, "laptop-2").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::NeedsSync);
    let quiet = |_: &subdesk_billing::mirror::sync::SyncProgress| {};
    let client = session.client().unwrap();
    sync_payments(
        &session.store,
        client,
        &PaymentSyncOptions::default(),
        &quiet,
        &CancelToken::new(),
    )
    .await
    .unwrap();
    sync_schedules(
        &session.store,
        client,
        &ScheduleSyncOptions::default(),
        &quiet,
        &CancelToken::new(),
    )
    .await
    .unwrap();
    // … and then the restored keys charge again.
    let paid = charge(&session, "laptop-2")
        .await
        .expect("charge after restore");
    assert_eq!(paid.status, subdesk_billing::ChargeStatus::Paid, "{paid:?}");
}
