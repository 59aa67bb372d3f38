//! Schedule management through the desk, against the sandbox over loopback: what a person
//! does from the app or the CLI, checked at the sandbox's own HTTP API.

use subdesk_billing::mirror::sync::{
    CancelToken, ScheduleSyncOptions, SyncProgress, sync_schedules,
};
use subdesk_billing::{ChargeStatus, ScheduleOpStatus, ScheduleQuery, ScheduleState};
use subdesk_desk::ErrorCode;
use subdesk_desk::schedules::{self, ScheduleForm, When, when_of};
use subdesk_desk::zone;
use subdesk_iamport::{PaymentStatus, ScheduleWindowQuery};
use subdesk_sandbox::{FaultKind, FaultRule};

const APPROVE: &str = "4242-4242-4242-4242";
const DECLINE_FUNDS: &str = "9410-0000-0000-0013";
const HOUR: i64 = 3600;

mod common;
use common::World;

async fn world() -> World {
    common::world("sched").await
}

impl World {
    /// A form for `uid`, `hours_ahead` of sandbox time ahead (rounded up to the minute).
    fn form(&self, uid: &str, hours_ahead: i64, amount: i64) -> ScheduleForm {
        ScheduleForm {
            customer_uid: uid.into(),
            when: self.when(hours_ahead),
            amount,
            name: "3월 정기결제".into(),
            merchant_uid: Some(subdesk_desk::money::new_order_id()),
            ..ScheduleForm::default()
        }
    }

    fn when(&self, hours_ahead: i64) -> When {
        when_of(
            self.sandbox.now() + hours_ahead * HOUR + 60,
            &zone::named_or_utc("Asia/Seoul"),
        )
    }

    /// The schedule as the sandbox's `GET /subscribe/payments/schedule` lists it.
    async fn at_sandbox(&self, merchant_uid: &str) -> Option<subdesk_iamport::Schedule> {
        let now = self.sandbox.now();
        let page = self
            .session
            .client()
            .unwrap()
            .schedules_in_window(
                &ScheduleWindowQuery::window(now - 30 * 86_400, now + 60 * 86_400).limit(1000),
            )
            .await
            .expect("schedule window");
        page.list
            .into_iter()
            .find(|s| s.merchant_uid == merchant_uid)
    }

    async fn status_at_sandbox(&self, merchant_uid: &str) -> String {
        self.at_sandbox(merchant_uid)
            .await
            .and_then(|s| s.schedule_status)
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default()
    }

    /// Paid payments the sandbox holds for a customer, whatever their order ids.
    async fn paid_for(&self, uid: &str) -> usize {
        match self
            .session
            .client()
            .unwrap()
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

    async fn sync(&self) {
        let quiet = |_: &SyncProgress| {};
        sync_schedules(
            &self.session.store,
            self.session.client().unwrap(),
            &ScheduleSyncOptions::default(),
            &quiet,
            &CancelToken::new(),
        )
        .await
        .expect("sync schedules");
    }
}

#[tokio::test]
async fn a_schedule_is_registered_moved_and_revoked_at_the_sandbox() {
    let w = world().await;
    w.key("sch-move", APPROVE).await;

    let form = w.form("sch-move", 5, 12_000);
    let preview = schedules::schedule_preview(&w.session, &form).unwrap();
    assert_eq!(preview.total, 12_000);
    assert_eq!(preview.time_zone, "Asia/Seoul");
    let done = schedules::register(&w.session, form.clone()).await.unwrap();
    assert_eq!(done.status, ScheduleOpStatus::Done);
    let at = w.at_sandbox(&done.merchant_uid).await.expect("registered");
    assert_eq!(at.schedule_at, Some(preview.schedule_at));
    assert_eq!(at.customer_uid, "sch-move");
    // The same intent asked again registers nothing new.
    let again = schedules::register(&w.session, form).await.unwrap();
    assert_eq!(again.merchant_uid, done.merchant_uid);
    assert_eq!(again.status, ScheduleOpStatus::Done);

    // Moved a day later, in Seoul's terms.
    let later = w.when(29);
    let moved = schedules::move_to(&w.session, &done.merchant_uid, &later)
        .await
        .unwrap();
    assert_eq!(moved.status, ScheduleOpStatus::Done);
    let at = w.at_sandbox(&done.merchant_uid).await.unwrap();
    assert_eq!(
        when_of(at.schedule_at.unwrap(), &zone::named_or_utc("Asia/Seoul")),
        later
    );

    // Revoke one; then all of the key's (two more).
    let one = schedules::revoke(
        &w.session,
        "sch-move",
        std::slice::from_ref(&done.merchant_uid),
    )
    .await
    .unwrap();
    assert_eq!(one[0].status, ScheduleOpStatus::Done);
    assert_eq!(w.status_at_sandbox(&done.merchant_uid).await, "revoked");
    let b = schedules::register(&w.session, w.form("sch-move", 6, 5_000))
        .await
        .unwrap();
    let c = schedules::register(&w.session, w.form("sch-move", 24 * 40, 7_000))
        .await
        .unwrap();
    let all = schedules::revoke_all(&w.session, "sch-move").await.unwrap();
    let mut revoked: Vec<_> = all.iter().map(|r| r.merchant_uid.clone()).collect();
    revoked.sort();
    let mut want = vec![b.merchant_uid.clone(), c.merchant_uid.clone()];
    want.sort();
    assert_eq!(revoked, want);
    assert_eq!(w.status_at_sandbox(&b.merchant_uid).await, "revoked");
    assert_eq!(w.status_at_sandbox(&c.merchant_uid).await, "revoked");
    assert!(
        schedules::revoke_all(&w.session, "sch-move")
            .await
            .unwrap()
            .is_empty()
    );

    // The list's totals, per state, from the mirror.
    let totals = schedules::totals(&w.session, &ScheduleQuery::default()).unwrap();
    assert_eq!(totals.count, 3);
    assert_eq!(totals.amount, 24_000);
    let revoked = totals
        .by_state
        .iter()
        .find(|t| t.state == ScheduleState::Revoked)
        .unwrap();
    assert_eq!((revoked.count, revoked.amount), (3, 24_000));
}

#[tokio::test]
async fn every_problem_of_the_form_comes_back_at_once_and_nothing_is_sent() {
    let w = world().await;
    w.key("sch-bad", APPROVE).await;
    let mut form = w.form("sch-bad", 5, 0);
    form.when.date = "2020-01-01".into();
    form.name = "가".repeat(41);
    let e = schedules::register(&w.session, form).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidForm);
    let fields: Vec<String> = e.details.unwrap()["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| format!("{}:{}", p["field"], p["code"]).replace('"', ""))
        .collect();
    assert_eq!(
        fields,
        vec![
            "date:date_past",
            "amount:amount_not_positive",
            "name:too_long"
        ]
    );
    assert!(
        w.session
            .store
            .journal_list(&Default::default())
            .unwrap()
            .is_empty(),
        "nothing journaled, nothing sent"
    );
}

#[tokio::test]
async fn a_key_is_deleted_only_after_its_schedules_are_revoked() {
    let w = world().await;
    w.key("sch-del", APPROVE).await;
    let a = schedules::register(&w.session, w.form("sch-del", 3, 1_000))
        .await
        .unwrap();
    let b = schedules::register(&w.session, w.form("sch-del", 24 * 50, 2_000))
        .await
        .unwrap();
    let live = schedules::live_of_key(&w.session, "sch-del").await.unwrap();
    assert_eq!(live.len(), 2);

    // i'mport does not answer the revocation: the key stays, at the sandbox too.
    w.sandbox.add_fault(
        FaultRule::new(FaultKind::Status)
            .method("POST")
            .path_prefix("/subscribe/payments/unschedule")
            .status(500),
    );
    let e = schedules::delete_key(&w.session, "sch-del", "고객 탈퇴")
        .await
        .unwrap_err();
    assert!(
        matches!(
            e.code,
            ErrorCode::KeyHasLiveSchedules | ErrorCode::ApiServerError
        ),
        "{e}"
    );
    assert_eq!(w.status_at_sandbox(&a.merchant_uid).await, "scheduled");
    assert!(
        w.session
            .client()
            .unwrap()
            .get_billing_key("sch-del")
            .await
            .is_ok(),
        "the key was kept"
    );

    // A bad reason is refused before anything is revoked.
    let e = schedules::delete_key(&w.session, "sch-del", " ")
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert_eq!(w.status_at_sandbox(&b.merchant_uid).await, "scheduled");

    // Once i'mport answers again, the lookups settle what the lost revocations did.
    w.sandbox.clear_faults();
    subdesk_billing::reconcile_with(
        &w.session.store,
        w.session.client().unwrap(),
        &subdesk_billing::ReconcileOptions { min_age_secs: 0 },
    )
    .await
    .unwrap();
    let deleted = schedules::delete_key(&w.session, "sch-del", "고객 탈퇴")
        .await
        .unwrap();
    assert_eq!(deleted.revoked.len(), 2);
    assert_eq!(w.status_at_sandbox(&a.merchant_uid).await, "revoked");
    assert_eq!(w.status_at_sandbox(&b.merchant_uid).await, "revoked");
    assert!(
        w.session
            .client()
            .unwrap()
            .get_billing_key("sch-del")
            .await
            .is_err(),
        "the key is gone at the sandbox"
    );
}

#[tokio::test]
async fn a_failed_schedule_retried_charges_exactly_once() {
    let w = world().await;
    w.key("sch-retry", DECLINE_FUNDS).await;
    let s = schedules::register(&w.session, w.form("sch-retry", 1, 15_000))
        .await
        .unwrap();
    w.advance(3 * HOUR).await;
    w.sync().await;
    let failed = schedules::get(&w.session, &s.merchant_uid).unwrap();
    assert_eq!(failed.state, ScheduleState::Failed);
    // Still the declining card: the retry is declined, nothing paid.
    let declined = schedules::retry(&w.session, &s.merchant_uid, None)
        .await
        .unwrap();
    assert_eq!(declined.status, ChargeStatus::Declined);
    assert_eq!(w.paid_for("sch-retry").await, 0);

    // The customer brings a new card: the retry's answer is lost after it committed.
    w.key("sch-retry", APPROVE).await;
    w.sandbox.add_fault(
        FaultRule::new(FaultKind::CommitThenDrop)
            .method("POST")
            .path_prefix(format!(
                "/subscribe/payments/schedule/{}/retry",
                s.merchant_uid
            )),
    );
    let first = schedules::retry(&w.session, &s.merchant_uid, None).await;
    // Pressed again, and once more after a reconciliation: never a second charge.
    let second = schedules::retry(&w.session, &s.merchant_uid, None).await;
    subdesk_billing::reconcile(&w.session.store, w.session.client().unwrap())
        .await
        .unwrap();
    let third = schedules::retry(&w.session, &s.merchant_uid, None)
        .await
        .unwrap();
    assert_eq!(third.status, ChargeStatus::Paid, "{first:?} {second:?}");
    assert!(third.replayed);
    assert_eq!(w.paid_for("sch-retry").await, 1);
    assert_eq!(
        schedules::get(&w.session, &s.merchant_uid).unwrap().state,
        ScheduleState::Paid
    );
}

#[tokio::test]
async fn a_revoked_schedule_is_rescheduled_under_its_order_id() {
    let w = world().await;
    w.key("sch-again", APPROVE).await;
    let s = schedules::register(&w.session, w.form("sch-again", 2, 3_300))
        .await
        .unwrap();
    schedules::revoke_all(&w.session, "sch-again")
        .await
        .unwrap();
    let e = schedules::reschedule(&w.session, &s.merchant_uid, &When::default(), None)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidForm);
    let r = schedules::reschedule(&w.session, &s.merchant_uid, &w.when(10), None)
        .await
        .unwrap();
    assert_eq!(r.status, ScheduleOpStatus::Done);
    assert_eq!(w.status_at_sandbox(&s.merchant_uid).await, "scheduled");
    w.advance(11 * HOUR).await;
    assert_eq!(w.paid_for("sch-again").await, 1);
}

#[tokio::test]
async fn the_calendar_cuts_days_in_the_profiles_zone() {
    let w = world().await;
    w.key("sch-cal", APPROVE).await;
    // 00:30 in Seoul is the evening before in UTC: it belongs to the Seoul day.
    let now = w.sandbox.now();
    let tz = zone::named_or_utc("Asia/Seoul");
    let tomorrow = when_of(now + 2 * 86_400, &tz).date;
    let mut form = w.form("sch-cal", 0, 4_400);
    form.when = When {
        date: tomorrow.clone(),
        time: "00:30".into(),
    };
    schedules::register(&w.session, form).await.unwrap();
    let month = &tomorrow[..7];
    let cal = schedules::calendar(&w.session, month, &ScheduleQuery::default()).unwrap();
    assert_eq!(cal.time_zone, "Asia/Seoul");
    let day = cal.days.iter().find(|d| d.date == tomorrow).expect("day");
    let scheduled = day
        .by_state
        .iter()
        .find(|t| t.state == ScheduleState::Scheduled)
        .unwrap();
    assert_eq!((scheduled.count, scheduled.amount), (1, 4_400));
    assert_eq!(day.end - day.start, 86_400);
    // The day starts at midnight in Seoul (+09:00), not in UTC.
    let midnight: jiff::civil::Date = tomorrow.parse().unwrap();
    let seoul_midnight = midnight
        .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(9)))
        .unwrap()
        .timestamp()
        .as_second();
    assert_eq!(day.start, seoul_midnight);
    let others: i64 = cal
        .days
        .iter()
        .filter(|d| d.date != tomorrow)
        .flat_map(|d| d.by_state.iter().map(|t| t.count))
        .sum();
    assert_eq!(others, 0, "no other day has it");
    let forecast = schedules::forecast(&w.session).unwrap();
    assert_eq!(forecast.scheduled_amount, 4_400);
    assert_eq!(forecast.weeks.len(), 13);
}

#[tokio::test]
async fn the_forecast_adds_plan_periods_not_registered_yet() {
    let w = world().await;
    w.key("sch-plan", APPROVE).await;
    let now = subdesk_billing::now();
    w.session
        .store
        .create_plan(&subdesk_billing::PlanInput {
            code: "weekly".into(),
            name: "주간 구독".into(),
            amount: 9_900,
            tax_free: 0,
            interval: subdesk_billing::Interval::EveryDays { days: 7 },
            start_at: now + HOUR,
            end_at: None,
            max_periods: None,
            dunning: Default::default(),
            first_charge: false,
        })
        .unwrap();
    w.session.store.subscribe("weekly", "sch-plan").unwrap();
    let f = schedules::forecast(&w.session).unwrap();
    // Every 7 days from an hour ahead: 13 periods in the next 90 days, none registered.
    assert_eq!(f.projected_count, 13, "{f:?}");
    assert_eq!(f.projected_amount, 13 * 9_900);
    assert_eq!(f.scheduled_count, 0);
    assert!(f.weeks.iter().all(|wk| wk.projected_count <= 1));
}
