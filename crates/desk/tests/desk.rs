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
    key_with(session, uid, buyer, "4242-4242-4242-4242").await
}

async fn key_with(session: &Session, uid: &str, buyer: &str, number: &str) {
    let card = CardData::new(number, "2031-12")
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

/// A declined charge of Subdesk's is retried as the same intent: the same order id and
/// journal row, the same request; a payment Subdesk did not send gets a new order id; what
/// is not a failed key charge is refused with nothing sent.
#[tokio::test]
async fn a_failed_charge_is_retried_under_the_money_rules() {
    let w = world().await;
    let session = w
        .desk
        .open_session(&w.desk.active_profile().unwrap())
        .unwrap();
    // A card that declines (잔액부족), then the customer's card is replaced.
    key_with(&session, "cust-retry", "최셋", "9410-0000-0000-0013").await;
    let declined = money::charge_now(&session, charge("cust-retry", 4_400))
        .await
        .unwrap();
    assert_eq!(declined.status, ChargeStatus::Declined);
    let failed = declined.imp_uid.clone().expect("failed payment");
    key(&session, "cust-retry", "최셋").await;

    let plan = money::retry_preview(&session, &failed).unwrap();
    assert!(plan.same_order);
    assert_eq!(plan.merchant_uid, declined.merchant_uid);
    assert_eq!((plan.total, plan.name.as_str()), (4_400, "정기결제 12월"));
    // Another order id for Subdesk's own charge is refused: one intent, one order.
    let e = money::retry_failed(&session, &failed, &money::new_order_id(), None)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert_eq!(paid_for(&session, "cust-retry").await, 0);

    let paid = money::retry_failed(&session, &failed, &plan.merchant_uid, None)
        .await
        .unwrap();
    assert_eq!(paid.status, ChargeStatus::Paid);
    assert_eq!(paid.merchant_uid, declined.merchant_uid);
    assert_eq!(paid.journal_id, declined.journal_id);
    // Pressed again: answered by the paid charge, not charged twice.
    let again = money::retry_failed(&session, &failed, &plan.merchant_uid, None)
        .await
        .unwrap();
    assert_eq!((again.status, again.replayed), (ChargeStatus::Paid, true));
    assert_eq!(paid_for(&session, "cust-retry").await, 1);

    // A paid payment is not a failed one.
    let e = money::retry_preview(&session, paid.imp_uid.as_deref().unwrap()).unwrap_err();
    assert_eq!(e.code, ErrorCode::NotRetryable);

    // A failed payment Subdesk did not send (a website's): a new order id, a new intent.
    let mut theirs = subdesk_billing::PaymentRecord {
        imp_uid: "imp_theirs".into(),
        merchant_uid: "web-order-1".into(),
        customer_uid: Some("cust-retry".into()),
        status: "failed".into(),
        amount: 2_200,
        amount_text: "2200".into(),
        currency: "KRW".into(),
        name: Some("웹 주문".into()),
        failed_at: Some(1_795_000_000),
        raw_json: "{}".into(),
        ..Default::default()
    };
    session.store.upsert_payments(&[theirs.clone()]).unwrap();
    let plan = money::retry_preview(&session, "imp_theirs").unwrap();
    assert!(!plan.same_order);
    assert_ne!(plan.merchant_uid, "web-order-1");
    assert_eq!((plan.total, plan.name.as_str()), (2_200, "웹 주문"));
    let paid = money::retry_failed(&session, "imp_theirs", &plan.merchant_uid, None)
        .await
        .unwrap();
    assert_eq!(
        (paid.status, paid.merchant_uid.as_str()),
        (ChargeStatus::Paid, plan.merchant_uid.as_str())
    );
    assert_eq!(paid_for(&session, "cust-retry").await, 2);

    // A plan's period is its plan's to retry.
    theirs.imp_uid = "imp_plan".into();
    theirs.merchant_uid =
        subdesk_billing::money::merchant_uid::for_period("gold", "cust-retry", "202612");
    session.store.upsert_payments(&[theirs]).unwrap();
    session
        .store
        .create_plan(&subdesk_billing::PlanInput {
            code: "gold".into(),
            name: "골드".into(),
            amount: 2_200,
            tax_free: 0,
            interval: subdesk_billing::Interval::Monthly { day: 1 },
            start_at: 1_795_000_000,
            end_at: None,
            max_periods: None,
            dunning: subdesk_billing::DunningPolicy::default(),
            first_charge: false,
        })
        .unwrap();
    let e = money::retry_preview(&session, "imp_plan").unwrap_err();
    assert_eq!(e.code, ErrorCode::NotRetryable);
}

#[tokio::test]
async fn a_live_retry_needs_the_exact_confirmed_total() {
    let w = world().await;
    let profile = w.live_profile("Live retry");
    let session = w.desk.open_session(&profile).unwrap();
    key_with(&session, "cust-live-retry", "정넷", "9410-0000-0000-0013").await;
    let declined = money::charge_now(
        &session,
        ChargeNowInput {
            confirmed_total: Some(3_300),
            ..charge("cust-live-retry", 3_300)
        },
    )
    .await
    .unwrap();
    key(&session, "cust-live-retry", "정넷").await;
    let failed = declined.imp_uid.expect("failed payment");
    let plan = money::retry_preview(&session, &failed).unwrap();
    assert!(plan.live);
    for wrong in [None, Some(3_000)] {
        let e = money::retry_failed(&session, &failed, &plan.merchant_uid, wrong)
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::LiveConfirmationRequired, "{wrong:?}");
    }
    assert_eq!(paid_for(&session, "cust-live-retry").await, 0);
    let paid = money::retry_failed(&session, &failed, &plan.merchant_uid, Some(3_300))
        .await
        .unwrap();
    assert_eq!(paid.status, ChargeStatus::Paid);
    w.forget(&profile);
}

#[tokio::test]
async fn a_live_bulk_run_needs_the_exact_total_left_to_charge() {
    let w = world().await;
    let live = w.live_profile("본점 일괄");
    let session = w.desk.open_for(&live, ActionKind::MoveMoney).unwrap();
    key(&session, "cust-bulk-1", "일").await;
    key(&session, "cust-bulk-2", "이").await;
    let choices = subdesk_desk::runs::RunChoices::default();
    let p = subdesk_desk::runs::plan_csv_text(
        &session,
        "live",
        "cust-bulk-1,10000\ncust-bulk-2,20000\n",
        &choices,
    )
    .await
    .unwrap();
    assert!(p.live);
    assert_eq!(p.pending.total, 30_000);
    let control = subdesk_billing::RunControl::new();
    for confirmed in [None, Some(29_999), Some(10_000)] {
        let e = subdesk_desk::runs::execute(&session, &p.plan.run_id, confirmed, &control, &|_| {})
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::LiveConfirmationRequired, "{confirmed:?}");
        assert_eq!(e.details.unwrap()["total"], 30_000);
    }
    assert_eq!(
        paid_for(&session, "cust-bulk-1").await,
        0,
        "nothing was sent"
    );
    let r = subdesk_desk::runs::execute(&session, &p.plan.run_id, Some(30_000), &control, &|_| {})
        .await
        .unwrap();
    assert_eq!((r.state.as_str(), r.progress.paid), ("completed", 2));
    assert_eq!(paid_for(&session, "cust-bulk-2").await, 1);
    w.forget(&live);
}

/// The app's opening: the store is handed out before its integrity check (a million
/// payments are on screen at once), the check runs just after, and a damaged file then
/// closes the session with `db_corrupt` — money never moves before the check said ok.
#[tokio::test]
async fn a_store_is_checked_just_after_opening_and_a_damaged_one_closes_the_session() {
    use std::io::{Seek, SeekFrom, Write};
    let w = world().await;
    let profile = w.desk.active_profile().unwrap();
    // A healthy store: pending until checked, then ok; money moves.
    let session = w.desk.open_session(&profile).unwrap();
    assert!(session.integrity_pending());
    key(&session, "cust-intact", "김하나").await;
    let paid = money::charge_now(&session, charge("cust-intact", 1_000))
        .await
        .unwrap();
    assert_eq!(paid.status, ChargeStatus::Paid);
    assert!(
        !session.integrity_pending(),
        "the charge waited for the check"
    );
    assert!(session.damaged().is_none());

    // A damaged one: a store filled while nothing else has it open (closing its only
    // connection puts the WAL into the file), then pages in the file's middle scribbled.
    let w = world().await;
    let profile = w.desk.active_profile().unwrap();
    let path = DataDir::new(w._dir.path()).profile_db(&profile.id);
    {
        let store = subdesk_billing::Store::open(&path).unwrap();
        let recs: Vec<_> = (0..3000)
            .map(|i| subdesk_billing::PaymentRecord {
                imp_uid: format!("imp_fill_{i:05}"),
                merchant_uid: format!("m_fill_{i:05}"),
                status: "paid".into(),
                amount: 1000,
                currency: "KRW".into(),
                name: Some("채우기".into()),
                buyer_name: Some(format!("구매자{i}")),
                paid_at: Some(1_700_000_000 + i),
                raw_json: "{}".into(),
                ..Default::default()
            })
            .collect();
        store.upsert_payments(&recs).unwrap();
    }
    let len = std::fs::metadata(&path).unwrap().len();
    let mut f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    for page in [len / 4096 / 2, len / 4096 / 2 + 1, len / 4096 - 3] {
        f.seek(SeekFrom::Start(page * 4096 + 8)).unwrap();
        f.write_all(&[0xA5; 3000]).unwrap();
    }
    drop(f);

    let session = w
        .desk
        .open_session(&profile)
        .expect("opened before the check");
    assert!(session.integrity_pending());
    // The gate every money path passes (charges, schedules, refunds, runs, plans).
    let e = session.ensure_reconciled().await.unwrap_err();
    assert_eq!(e.code, ErrorCode::DbCorrupt, "{e:?}");
    assert_eq!(
        session.damaged().map(|e| e.code),
        Some(ErrorCode::DbCorrupt)
    );
    // The shell's status now says why the profile is closed, and nothing else gets it.
    assert_eq!(
        w.desk.session().err().map(|e| e.code),
        Some(ErrorCode::DbCorrupt)
    );
    assert_eq!(
        w.desk.session_for(ActionKind::Read).err().map(|e| e.code),
        Some(ErrorCode::DbCorrupt)
    );
}
