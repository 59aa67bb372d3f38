//! The triage queue through the desk, against the sandbox over loopback: each kind of entry
//! appears from what really happened there, resolved entries leave, and a retry of the same
//! order is never a second charge (counted per customer at the sandbox, whatever the order
//! ids).

use subdesk_billing::mirror::sync::{
    CancelToken, ScheduleSyncOptions, SyncProgress, VerifyScope, sync_schedules, verify_keys,
};
use subdesk_billing::registry::keys::{CardInput, IssueKeyInput};
use subdesk_billing::{
    ChargeStatus, CustomerRecord, ScheduleState, TriageAction, TriageEntry, TriageKind,
};
use subdesk_desk::ErrorCode;
use subdesk_desk::money::{ChargeNowInput, charge_now, new_order_id};
use subdesk_desk::schedules::{self, ScheduleForm, when_of};
use subdesk_desk::triage;
use subdesk_desk::zone;
use subdesk_iamport::{IssueBillingKey, PaymentStatus};
use subdesk_sandbox::{FaultKind, FaultRule};

const APPROVE: &str = "4242-4242-4242-4242";
const DECLINE_FUNDS: &str = "9410-0000-0000-0013";
const HOUR: i64 = 3600;

mod common;
use common::World;

async fn world() -> World {
    common::world("triage").await
}

impl World {
    /// A key whose holder has a phone number (what "copy phone" copies).
    async fn key_with_phone(&self, uid: &str, card: &str) {
        let mut request = IssueBillingKey::new(common::test_card(card)).customer_name("홍길동");
        request.customer_tel = Some("010-1234-5678".into());
        self.key_with(uid, request).await;
    }

    /// A schedule for `uid` an hour ahead, the clock moved past it (the sandbox runs it)
    /// and the schedules synced: what the queue sees after a schedule ran.
    async fn schedule_that_ran(&self, uid: &str, amount: i64) -> subdesk_billing::ScheduleOpResult {
        let s = schedules::register(
            &self.session,
            ScheduleForm {
                customer_uid: uid.into(),
                when: when_of(
                    self.sandbox.now() + HOUR + 60,
                    &zone::named_or_utc("Asia/Seoul"),
                ),
                amount,
                name: "정기결제".into(),
                merchant_uid: Some(new_order_id()),
                ..ScheduleForm::default()
            },
        )
        .await
        .unwrap();
        self.advance(3 * HOUR).await;
        let quiet = |_: &SyncProgress| {};
        sync_schedules(
            &self.session.store,
            self.session.client().unwrap(),
            &ScheduleSyncOptions::default(),
            &quiet,
            &CancelToken::new(),
        )
        .await
        .unwrap();
        s
    }

    async fn charge(&self, uid: &str, amount: i64) -> subdesk_billing::ChargeResult {
        self.charge_named(uid, amount, "11월 이용료").await
    }

    async fn charge_named(
        &self,
        uid: &str,
        amount: i64,
        name: &str,
    ) -> subdesk_billing::ChargeResult {
        charge_now(
            &self.session,
            ChargeNowInput {
                customer_uid: uid.into(),
                amount,
                name: name.into(),
                merchant_uid: Some(new_order_id()),
                ..ChargeNowInput::default()
            },
        )
        .await
        .expect("charge")
    }

    /// Payments the sandbox holds for a customer with `status`, whatever their order ids.
    async fn at_sandbox(&self, uid: &str, status: PaymentStatus) -> usize {
        match self
            .session
            .client()
            .unwrap()
            .billing_key_payments(uid, Some(1))
            .await
        {
            Ok(page) => page.list.iter().filter(|p| p.status == status).count(),
            Err(subdesk_iamport::Error::NotFound { .. }) => 0,
            Err(e) => panic!("payments of {uid}: {e}"),
        }
    }

    fn entries(&self) -> Vec<TriageEntry> {
        triage::list(&self.session).expect("triage list")
    }

    fn of(&self, kind: TriageKind, uid: &str) -> Option<TriageEntry> {
        self.entries()
            .into_iter()
            .find(|e| e.kind == kind && e.customer_uid.as_deref() == Some(uid))
    }

    fn total(&self) -> i64 {
        triage::count(&self.session).expect("count").total
    }
}

/// This month in Seoul, `YYYY-MM` (cards expire in Korean months).
fn this_month() -> String {
    jiff::Timestamp::from_second(subdesk_billing::now())
        .expect("now")
        .to_zoned(zone::named_or_utc("Asia/Seoul"))
        .strftime("%Y-%m")
        .to_string()
}

#[tokio::test]
async fn each_kind_of_problem_appears_and_resolved_ones_leave() {
    let w = world().await;
    assert_eq!(w.total(), 0);

    // A declined charge.
    w.key_with_phone("tri-decline", DECLINE_FUNDS).await;
    let declined = w.charge("tri-decline", 9_900).await;
    assert_eq!(declined.status, ChargeStatus::Declined);
    let e = w
        .of(TriageKind::FailedCharge, "tri-decline")
        .expect("the declined charge is in triage");
    assert_eq!(
        e.merchant_uid.as_deref(),
        Some(declined.merchant_uid.as_str())
    );
    assert_eq!(e.amount, Some(9_900));
    assert_eq!(e.name.as_deref(), Some("11월 이용료"));
    assert!(e.reason.is_some(), "the card company's reason is shown");
    assert_eq!(e.customer_tel.as_deref(), Some("010-1234-5678"));
    assert!(e.actions.contains(&TriageAction::Retry));

    // A schedule that ran and was declined.
    w.key_with_phone("tri-sched", DECLINE_FUNDS).await;
    let s = w.schedule_that_ran("tri-sched", 15_000).await;
    assert_eq!(
        schedules::get(&w.session, &s.merchant_uid).unwrap().state,
        ScheduleState::Failed
    );
    let e = w
        .of(TriageKind::FailedSchedule, "tri-sched")
        .expect("the failed schedule is in triage");
    assert_eq!(e.merchant_uid.as_deref(), Some(s.merchant_uid.as_str()));
    assert!(e.actions.contains(&TriageAction::Retry));

    // A charge whose answer was lost after it committed: unknown until looked up.
    w.key_with_phone("tri-lost", APPROVE).await;
    w.sandbox.add_fault(
        FaultRule::new(FaultKind::CommitThenDrop)
            .method("POST")
            .path_prefix("/subscribe/payments/again"),
    );
    // … and i'mport cannot be asked about it for now.
    w.sandbox.add_fault(
        FaultRule::new(FaultKind::Status)
            .method("GET")
            .path_prefix("/payments")
            .status(500)
            .count(1_000),
    );
    let lost = w.charge("tri-lost", 5_000).await;
    assert_eq!(lost.status, ChargeStatus::Unknown);
    w.sandbox.clear_faults();
    let e = w
        .of(TriageKind::UnknownOutcome, "tri-lost")
        .expect("the unknown charge is in triage");
    // Checked now: i'mport has it paid, so it leaves the queue.
    assert_eq!(triage::check(&w.session, &e.key).await.unwrap(), None);
    assert!(w.of(TriageKind::UnknownOutcome, "tri-lost").is_none());

    // A key i'mport does not know.
    w.session
        .store
        .upsert_customer(&CustomerRecord {
            customer_uid: "tri-ghost".into(),
            customer_name: Some("김유령".into()),
            customer_email: Some("ghost@example.com".into()),
            ..CustomerRecord::default()
        })
        .unwrap();
    let quiet = |_: &SyncProgress| {};
    verify_keys(
        &w.session.store,
        w.session.client().unwrap(),
        VerifyScope::Uids(vec!["tri-ghost".into()]),
        &quiet,
        &CancelToken::new(),
    )
    .await
    .unwrap();
    let e = w
        .of(TriageKind::KeyUnknown, "tri-ghost")
        .expect("the unknown key is in triage");
    assert_eq!(e.customer_email.as_deref(), Some("ghost@example.com"));

    // A card issued here that expires this month: its month is kept beside the number.
    let issued = subdesk_desk::keys::issue_key(
        &w.session,
        IssueKeyInput {
            customer_uid: "tri-expiry".into(),
            pg: "nice".into(),
            card: CardInput {
                number: APPROVE.to_string().into(),
                expiry: this_month().into(),
                birth: Some("900101".to_string().into()),
                pwd_2digit: Some("12".to_string().into()),
                corporate: false,
            },
            customer_name: Some("이만료".into()),
            customer_tel: None,
            customer_email: None,
            customer_id: None,
            product_type: None,
            channel_key: None,
            replace: false,
        },
    )
    .await
    .unwrap();
    assert_eq!(issued.customer_uid, "tri-expiry");
    let e = w
        .of(TriageKind::CardExpiring, "tri-expiry")
        .expect("the expiring card is in triage");
    assert_eq!(e.card_expiry, Some(this_month()));
    assert!(e.card_number.is_some());
    // An approving key with a far expiry is not.
    assert!(w.of(TriageKind::CardExpiring, "tri-lost").is_none());

    // Four entries now (the unknown one was settled).
    assert_eq!(w.total(), 4, "{:#?}", w.entries());

    // Marked resolved: it leaves, the count drops, the audit says who and what.
    let charge_key = w.of(TriageKind::FailedCharge, "tri-decline").unwrap().key;
    triage::resolve(&w.session, &charge_key, "고객과 통화함").unwrap();
    assert!(w.of(TriageKind::FailedCharge, "tri-decline").is_none());
    assert_eq!(w.total(), 3);
    let audit = w
        .session
        .store
        .audit_for_customer("tri-decline", 10)
        .unwrap();
    assert!(
        audit.iter().any(|a| a.action == "triage.resolve"),
        "{audit:#?}"
    );
    // Resolving it again: it is no longer in the queue.
    let again = triage::resolve(&w.session, &charge_key, "").unwrap_err();
    assert_eq!(again.code, ErrorCode::NotFound);

    // Declined again after a retry, it is a new problem and comes back.
    let retried = triage::retry(&w.session, &charge_key, None).await;
    assert!(
        retried.is_err(),
        "a resolved entry is not retried: {retried:?}"
    );
    let redo = w.charge("tri-decline", 9_900).await;
    assert_eq!(redo.status, ChargeStatus::Declined);
    assert!(w.of(TriageKind::FailedCharge, "tri-decline").is_some());
}

#[tokio::test]
async fn a_retry_of_the_same_order_charges_at_most_once() {
    let w = world().await;
    w.key_with_phone("tri-retry", DECLINE_FUNDS).await;
    let declined = w.charge("tri-retry", 12_000).await;
    assert_eq!(declined.status, ChargeStatus::Declined);
    let key = w.of(TriageKind::FailedCharge, "tri-retry").unwrap().key;

    // Still the declining card: declined again under the same order, nothing paid, and
    // the entry is back as a new version (one more attempt).
    let again = triage::retry(&w.session, &key, None).await.unwrap();
    assert_eq!(again.status, ChargeStatus::Declined);
    assert_eq!(again.merchant_uid, declined.merchant_uid);
    let e = w.of(TriageKind::FailedCharge, "tri-retry").unwrap();
    assert_ne!(e.key, key);
    assert_eq!(w.at_sandbox("tri-retry", PaymentStatus::Paid).await, 0);

    // A new card, and the retry pressed twice at once: one charge at the sandbox.
    w.key_with_phone("tri-retry", APPROVE).await;
    let (a, b) = tokio::join!(
        triage::retry(&w.session, &e.key, None),
        triage::retry(&w.session, &e.key, None)
    );
    let paid = [&a, &b]
        .iter()
        .filter(|r| matches!(r, Ok(r) if r.status == ChargeStatus::Paid))
        .count();
    assert!(paid >= 1, "{a:?} {b:?}");
    for r in [&a, &b].into_iter().flatten() {
        assert_eq!(r.merchant_uid, declined.merchant_uid);
    }
    // And once more afterwards: the entry is gone, nothing is sent.
    assert!(triage::retry(&w.session, &e.key, None).await.is_err());
    assert_eq!(w.at_sandbox("tri-retry", PaymentStatus::Paid).await, 1);
    assert!(w.of(TriageKind::FailedCharge, "tri-retry").is_none());
}

#[tokio::test]
async fn a_failed_schedule_retried_from_triage_is_paid_once_and_leaves() {
    let w = world().await;
    w.key_with_phone("tri-srt", DECLINE_FUNDS).await;
    w.schedule_that_ran("tri-srt", 7_000).await;
    let e = w.of(TriageKind::FailedSchedule, "tri-srt").unwrap();
    w.key_with_phone("tri-srt", APPROVE).await;
    let (a, b) = tokio::join!(
        triage::retry(&w.session, &e.key, None),
        triage::retry(&w.session, &e.key, None)
    );
    assert!(
        [&a, &b]
            .iter()
            .any(|r| matches!(r, Ok(r) if r.status == ChargeStatus::Paid)),
        "{a:?} {b:?}"
    );
    assert_eq!(w.at_sandbox("tri-srt", PaymentStatus::Paid).await, 1);
    assert!(w.of(TriageKind::FailedSchedule, "tri-srt").is_none());
}

#[tokio::test]
async fn only_the_same_charge_paid_anew_settles_a_failed_one() {
    let w = world().await;
    w.key_with_phone("tri-sup", DECLINE_FUNDS).await;
    assert_eq!(
        w.charge("tri-sup", 9_900).await.status,
        ChargeStatus::Declined
    );
    w.key_with_phone("tri-sup", APPROVE).await;
    // Another charge of the customer paid: November is still unpaid.
    let other = w.charge_named("tri-sup", 5_000, "추가 옵션").await;
    assert_eq!(other.status, ChargeStatus::Paid);
    assert!(w.of(TriageKind::FailedCharge, "tri-sup").is_some());
    // November charged anew under a new order id and paid: nothing left to do.
    assert_eq!(w.charge("tri-sup", 9_900).await.status, ChargeStatus::Paid);
    assert!(w.of(TriageKind::FailedCharge, "tri-sup").is_none());
}
