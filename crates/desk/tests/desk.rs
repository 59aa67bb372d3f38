//! The service layer without any front end: sessions, checks and the money policy, against
//! the sandbox over loopback, with real profiles files and (for the live profile) the OS
//! keyring under a private service name.

use std::sync::Arc;

use secrecy::SecretString;
use subdesk_billing::ChargeStatus;
use subdesk_billing::mirror::sync::keys::customer_record;
use subdesk_desk::desk::NoHost;
use subdesk_desk::money::{self, ChargeNowInput, RefundInput};
use subdesk_desk::{DataDir, Desk, DeskConfig, ErrorCode, Session};
use subdesk_iamport::{CardData, IssueBillingKey, PaymentStatus};
use subdesk_profiles::{
    ActionKind, CredentialStore, Credentials, Mode, Profile, ProfileInput, authorize_admin,
};
use subdesk_sandbox::{DEFAULT_IMP_KEY, DEFAULT_IMP_SECRET, Sandbox, SandboxConfig};

struct World {
    sandbox: Sandbox,
    desk: Desk,
    _dir: tempfile::TempDir,
}

/// A private keyring service per test, so no test touches another's entries (or a real
/// "subdesk" entry): profile ids repeat across the tests' data folders.
fn keyring_service() -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("subdesk-desk-test-{}-{n}", std::process::id())
}

async fn world() -> World {
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let dir = tempfile::tempdir().expect("tempdir");
    let desk = Desk::new(DeskConfig {
        data: DataDir::new(dir.path()),
        sandbox_url: Some(sandbox.base_url()),
        credentials: CredentialStore::with_service(keyring_service()),
        host: Arc::new(NoHost),
    })
    .expect("desk");
    World {
        sandbox,
        desk,
        _dir: dir,
    }
}

impl World {
    /// A live profile whose API address is the sandbox (allowed on loopback, set as an
    /// admin would) with the sandbox's keys in the keyring: real-money rules, practice
    /// money.
    fn live_profile(&self, name: &str) -> Profile {
        let admin = authorize_admin(&self.desk.lock().expect("lock"), None).expect("admin");
        let mut input = ProfileInput::new(name, Mode::Live);
        input.base_url = Some(self.sandbox.base_url());
        let profile = self.desk.profiles.add(&input, &admin).expect("add live");
        let creds = Credentials {
            imp_key: DEFAULT_IMP_KEY.to_owned(),
            imp_secret: SecretString::from(DEFAULT_IMP_SECRET.to_owned()),
        };
        self.desk
            .credentials()
            .save(&profile, &creds, &admin)
            .expect("save credentials");
        profile
    }

    fn forget(&self, profile: &Profile) {
        let admin = authorize_admin(&self.desk.lock().expect("lock"), None).expect("admin");
        let _ = self.desk.credentials().delete(profile, &admin);
    }
}

/// Registers a card as a key of `uid` at the sandbox and in the session's registry.
async fn key(session: &Session, uid: &str, buyer: &str) {
    let card = CardData::new("4242-4242-4242-4242", "2031-12")
        .and_then(|c| c.birth("900101"))
        .and_then(|c| c.pwd_2digit("12"))
        .expect("card");
    let customer = session
        .client()
        .expect("client")
        .issue_billing_key(uid, &IssueBillingKey::new(card).customer_name(buyer))
        .await
        .expect("issue key");
    // The registry's name differs from the one the key was issued with (a person edited
    // it), so what a charge sends is seen apart from what the sandbox already knows.
    let mut record = customer_record(&customer);
    record.customer_name = Some(format!("{buyer} (본점)"));
    session.store.upsert_customer(&record).expect("registry");
}

/// Paid payments the sandbox holds for a customer, whatever their order ids: where a
/// double charge (or a charge that should not have happened) shows.
async fn paid_for(session: &Session, uid: &str) -> usize {
    match session
        .client()
        .expect("client")
        .billing_key_payments(uid, Some(1))
        .await
    {
        Ok(page) => page
            .list
            .iter()
            .filter(|p| p.status == PaymentStatus::Paid)
            .count(),
        Err(subdesk_iamport::Error::NotFound { .. }) => 0,
        Err(e) => panic!("payments of {uid}: {e}"),
    }
}

fn charge(uid: &str, amount: i64) -> ChargeNowInput {
    ChargeNowInput {
        customer_uid: uid.into(),
        amount,
        name: "정기결제 12월".into(),
        merchant_uid: Some(money::new_order_id()),
        ..ChargeNowInput::default()
    }
}

#[tokio::test]
async fn a_charge_carries_the_registrys_buyer_and_moves_money_once() {
    let w = world().await;
    let session = w
        .desk
        .open_session(&w.desk.active_profile().unwrap())
        .unwrap();
    key(&session, "cust-buyer", "김하나").await;

    let input = charge("cust-buyer", 9_900);
    let first = money::charge_now(&session, input.clone()).await.unwrap();
    assert_eq!(first.status, ChargeStatus::Paid);
    // The same intent pressed again is answered, not charged again.
    let again = money::charge_now(&session, input).await.unwrap();
    assert_eq!(again.merchant_uid, first.merchant_uid);
    assert_eq!(paid_for(&session, "cust-buyer").await, 1);

    // The buyer's name went with the charge, from the registry (the CLI once sent none).
    let imp_uid = first.imp_uid.expect("imp_uid");
    let payment = session
        .client()
        .unwrap()
        .get_payment(&imp_uid, true)
        .await
        .unwrap();
    assert_eq!(payment.buyer_name.as_deref(), Some("김하나 (본점)"));
}

#[tokio::test]
async fn bad_input_and_a_dead_key_are_refused_before_anything_is_sent() {
    let w = world().await;
    let session = w
        .desk
        .open_session(&w.desk.active_profile().unwrap())
        .unwrap();
    key(&session, "cust-checks", "박둘").await;

    let mut empty_name = charge("cust-checks", 1_000);
    empty_name.name = " ".into();
    let e = money::charge_now(&session, empty_name).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert_eq!(e.details.unwrap()["field"], "name");

    let e = money::charge_now(&session, charge("nobody", 1_000))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);

    let e = money::charge_now(&session, charge("cust-checks", 0))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert_eq!(paid_for(&session, "cust-checks").await, 0);
}

#[tokio::test]
async fn a_live_charge_or_refund_needs_the_exact_confirmed_total() {
    let w = world().await;
    let live = w.live_profile("본점 실결제");
    let session = w.desk.open_for(&live, ActionKind::MoveMoney).unwrap();
    key(&session, "cust-live", "이셋").await;

    for confirmed in [None, Some(9_999)] {
        let mut input = charge("cust-live", 10_000);
        input.confirmed_total = confirmed;
        let e = money::charge_now(&session, input).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::LiveConfirmationRequired, "{confirmed:?}");
        assert_eq!(e.details.unwrap()["total"], 10_000);
    }
    assert_eq!(paid_for(&session, "cust-live").await, 0, "nothing was sent");

    let preview = money::charge_preview(&session, &charge("cust-live", 10_000)).unwrap();
    assert!(preview.live);
    assert_eq!(preview.customer_name.as_deref(), Some("이셋 (본점)"));
    let mut input = charge("cust-live", 10_000);
    input.confirmed_total = Some(preview.total);
    let paid = money::charge_now(&session, input).await.unwrap();
    assert_eq!(paid.status, ChargeStatus::Paid);
    assert_eq!(paid_for(&session, "cust-live").await, 1);

    // A refund is confirmed the same way: a full refund's total is what remains.
    let refund = RefundInput {
        imp_uid: paid.imp_uid.clone().unwrap(),
        reason: "고객 요청".into(),
        ..RefundInput::default()
    };
    let e = money::refund_payment(&session, refund.clone())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::LiveConfirmationRequired);
    let preview = money::refund_preview(&session, &refund).unwrap();
    assert_eq!(preview.total, Some(10_000));
    let done = money::refund_payment(
        &session,
        RefundInput {
            confirmed_total: preview.total,
            ..refund
        },
    )
    .await
    .unwrap();
    assert_eq!(done.amount, 10_000);
    w.forget(&live);
}

#[tokio::test]
async fn the_current_session_follows_profiles_json_and_is_checked_on_itself() {
    let w = world().await;
    let sandbox = w.desk.active_profile().unwrap();
    w.desk.open_session(&sandbox).unwrap();
    let live = w.live_profile("지점");

    // Another process (subdesk-cli profile use) switches the active profile.
    w.desk.profiles.set_active(&live.id).unwrap();
    assert_eq!(w.desk.session_profile().unwrap().id, sandbox.id);
    w.desk.refresh().unwrap();
    let session = w.desk.session_for(ActionKind::MoveMoney).unwrap();
    assert_eq!(session.profile.id, live.id, "the session follows the file");

    // A passphrase set and the app locked: the live session is closed and refused, the
    // sandbox is not.
    let pass = SecretString::from("열려라 참깨 2026".to_owned());
    {
        let mut lock = w.desk.lock().unwrap();
        lock.set_passphrase(&pass, None).unwrap();
        lock.lock().unwrap();
    }
    w.desk.refresh().unwrap();
    let e = w.desk.session_for(ActionKind::Read).err().expect("locked");
    assert_eq!(e.code, ErrorCode::AppLocked);
    w.desk.profiles.set_active(&sandbox.id).unwrap();
    w.desk.refresh().unwrap();
    assert_eq!(
        w.desk
            .session_for(ActionKind::MoveMoney)
            .unwrap()
            .profile
            .id,
        sandbox.id
    );
    w.desk.lock().unwrap().unlock(&pass).unwrap();
    w.forget(&live);
}
