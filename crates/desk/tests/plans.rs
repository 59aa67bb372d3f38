//! Plans and subscriptions through the desk, against the sandbox over loopback: the
//! plan form's problems at once, a plan's list figures, subscribing with an own amount
//! and start, the engine run, every attempt of a declining card, a pause, and both kinds
//! of cancellation checked at the sandbox.

use subdesk_billing::mirror::sync::keys::customer_record;
use subdesk_desk::ErrorCode;
use subdesk_desk::plans::{
    self, CancelWhen, IntervalChoice, PlanEditForm, PlanForm, SubscribeForm,
};
use subdesk_desk::schedules::{When, when_of};
use subdesk_desk::zone;
use subdesk_iamport::{CardData, IssueBillingKey, ScheduleStatus};

const APPROVE: &str = "4242-4242-4242-4242";
const DECLINE_FUNDS: &str = "9410-0000-0000-0013";
const DAY: i64 = 86_400;

mod common;
use common::World;

async fn world() -> World {
    common::world("plans").await
}

impl World {
    async fn key(&self, uid: &str, card: &str) {
        let card = CardData::new(card, "2031-12")
            .and_then(|c| c.birth("900101"))
            .and_then(|c| c.pwd_2digit("12"))
            .expect("card");
        let c = self
            .session
            .client()
            .unwrap()
            .issue_billing_key(uid, &IssueBillingKey::new(card).customer_name("홍길동"))
            .await
            .expect("issue key");
        self.session
            .store
            .upsert_customer(&customer_record(&c))
            .expect("registry");
    }

    fn now(&self) -> i64 {
        self.sandbox.clock().now()
    }

    async fn advance(&self, secs: i64) {
        self.sandbox
            .clock()
            .advance(u32::try_from(secs).unwrap())
            .await;
    }

    /// The sandbox's time `days` ahead, as the form's date and time.
    fn when(&self, days: i64) -> When {
        when_of(
            self.now() + days * DAY,
            &zone::named_or_utc(&self.session.profile.time_zone),
        )
    }

    fn weekly(&self, code: &str) -> PlanForm {
        PlanForm {
            code: code.into(),
            name: "주간 구독".into(),
            amount: 9_900,
            tax_free: 0,
            interval: IntervalChoice::EveryWeeks,
            day: 0,
            every: 1,
            start: self.when(1),
            retry_after_days: 2,
            max_retries: 2,
        }
    }
}

fn problems(e: &subdesk_desk::IpcError) -> Vec<(String, String)> {
    assert_eq!(e.code, ErrorCode::InvalidForm, "{e:?}");
    let mut v: Vec<(String, String)> = e
        .details
        .as_ref()
        .and_then(|d| d.get("problems"))
        .and_then(|p| p.as_array())
        .expect("problems")
        .iter()
        .map(|p| {
            (
                p["field"].as_str().unwrap().to_owned(),
                p["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    v.sort();
    v
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = list
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plan_form_names_every_problem_and_writes_nothing() {
    let w = world().await;
    let s = &w.session;
    let now = w.now();
    let bad = PlanForm {
        code: "Gold!".into(),
        name: "가".repeat(41),
        amount: 0,
        tax_free: 5,
        interval: IntervalChoice::Monthly,
        day: 29,
        every: 0,
        start: When {
            date: "2026-13-01".into(),
            time: "25:00".into(),
        },
        retry_after_days: 0,
        max_retries: 10,
    };
    let e = plans::create(s, &bad, now).unwrap_err();
    assert_eq!(
        problems(&e),
        pairs(&[
            ("code", "plan_code_format"),
            ("name", "too_long"),
            ("amount", "amount_not_positive"),
            ("tax_free", "tax_free_range"),
            ("day", "out_of_range"),
            ("date", "date_format"),
            ("time", "time_format"),
            ("max_retries", "out_of_range"),
            ("retry_after_days", "out_of_range"),
        ])
    );
    let weeks = PlanForm {
        every: 53,
        ..w.weekly("w")
    };
    assert_eq!(
        problems(&plans::create(s, &weeks, now).unwrap_err()),
        pairs(&[("every", "out_of_range")])
    );
    assert!(plans::list(s, now).unwrap().is_empty(), "nothing written");

    let plan = plans::create(s, &w.weekly("basic"), now).unwrap();
    assert_eq!(
        plan.interval,
        subdesk_billing::Interval::EveryDays { days: 7 }
    );
    let month_end = PlanForm {
        interval: IntervalChoice::MonthEnd,
        ..w.weekly("end")
    };
    assert_eq!(
        plans::create(s, &month_end, now).unwrap().interval,
        subdesk_billing::Interval::Monthly { day: 31 }
    );
    assert_eq!(
        problems(&plans::create(s, &w.weekly("basic"), now).unwrap_err()),
        pairs(&[("code", "plan_code_taken")])
    );

    // Editing: its own problems at once; then saved.
    let e = plans::update(
        s,
        "basic",
        &PlanEditForm {
            name: " ".into(),
            amount: 100,
            tax_free: 200,
            retry_after_days: 1,
            max_retries: 3,
        },
    )
    .unwrap_err();
    assert_eq!(
        problems(&e),
        pairs(&[("name", "required"), ("tax_free", "tax_free_range")])
    );
    let edited = plans::update(
        s,
        "basic",
        &PlanEditForm {
            name: "주간 구독 플러스".into(),
            amount: 12_000,
            tax_free: 0,
            retry_after_days: 1,
            max_retries: 3,
        },
    )
    .unwrap();
    assert_eq!((edited.amount, edited.dunning.max_retries), (12_000, 3));

    // Archived: nobody new can subscribe.
    w.key("arch", APPROVE).await;
    plans::archive(s, "basic", true).unwrap();
    let sub = SubscribeForm {
        plan_code: "basic".into(),
        customer_uid: "arch".into(),
        ..Default::default()
    };
    assert_eq!(
        plans::subscribe(s, &sub, now).unwrap_err().code,
        ErrorCode::InvalidInput
    );
    plans::archive(s, "basic", false).unwrap();
    plans::subscribe(s, &sub, now).unwrap();
    // A subscription's own problems, per field.
    let e = plans::subscribe_preview(
        s,
        &SubscribeForm {
            start_date: "어제".into(),
            amount: Some(-5),
            ..sub.clone()
        },
        now,
    )
    .unwrap_err();
    assert_eq!(
        problems(&e),
        pairs(&[
            ("start_date", "date_format"),
            ("amount", "amount_not_positive")
        ])
    );
    assert!(s.store.verify_audit().unwrap().ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribe_run_dunning_pause_and_cancel() {
    let w = world().await;
    let s = &w.session;
    w.key("good", APPROVE).await;
    w.key("poor", DECLINE_FUNDS).await;
    w.key("later", APPROVE).await;
    plans::create(s, &w.weekly("weekly"), w.now()).unwrap();
    let start_date = when_of(
        w.now() + 10 * DAY,
        &zone::named_or_utc(&s.profile.time_zone),
    )
    .date;
    let good = plans::subscribe(
        s,
        &SubscribeForm {
            plan_code: "weekly".into(),
            customer_uid: "good".into(),
            amount: Some(5_000),
            ..Default::default()
        },
        w.now(),
    )
    .unwrap();
    let poor = plans::subscribe(
        s,
        &SubscribeForm {
            plan_code: "weekly".into(),
            customer_uid: "poor".into(),
            ..Default::default()
        },
        w.now(),
    )
    .unwrap();
    let preview = plans::subscribe_preview(
        s,
        &SubscribeForm {
            plan_code: "weekly".into(),
            customer_uid: "later".into(),
            start_date: start_date.clone(),
            ..Default::default()
        },
        w.now(),
    )
    .unwrap();
    assert_eq!(preview.total, 9_900);
    assert!(preview.first_charge_at.unwrap() >= w.now() + 10 * DAY - DAY);
    let later = plans::subscribe(
        s,
        &SubscribeForm {
            plan_code: "weekly".into(),
            customer_uid: "later".into(),
            start_date,
            ..Default::default()
        },
        w.now(),
    )
    .unwrap();

    let list = plans::list(s, w.now()).unwrap();
    assert_eq!(list[0].subscribers, 3);
    // Weekly: 9,900 × 365 / 84 = 43,017 twice and 5,000 → 21,726.
    assert_eq!(list[0].mrr, 2 * 43_017 + 21_726);
    assert_eq!(
        (list[0].next_run_count, list[0].next_run_total),
        (2, 5_000 + 9_900),
        "the later one starts after the first period"
    );

    let r = plans::run(s, w.now()).await.unwrap();
    assert_eq!(r.registered, 9, "three ahead each; later's from day 15");
    // Nine days: two periods ran, the declining card retried once after 2 days.
    for _ in 0..9 {
        w.advance(DAY).await;
        plans::run(s, w.now()).await.unwrap();
    }
    let views = plans::of_customer(s, "good", w.now()).unwrap();
    assert_eq!(views[0].amount, 5_000);
    let paid: Vec<&str> = views[0]
        .periods
        .iter()
        .map(|p| p.record.state.as_str())
        .collect();
    assert_eq!(paid.iter().filter(|s| **s == "paid").count(), 2, "{paid:?}");
    assert!(views[0].next_charge_at.is_some());
    let poor_view = &plans::of_customer(s, "poor", w.now()).unwrap()[0];
    let oldest = poor_view.periods.last().unwrap();
    let outcomes: Vec<(u32, String)> = oldest
        .attempts
        .iter()
        .map(|a| (a.retry, a.outcome.clone()))
        .collect();
    assert_eq!(
        outcomes,
        vec![
            (0, "failed".to_owned()),
            (1, "failed".to_owned()),
            (2, "failed".to_owned())
        ],
        "the schedule and both retries, each visible"
    );
    assert_eq!(oldest.record.state, "written_off");
    assert!(oldest.attempts.iter().all(|a| a.fail_reason.is_some()));

    // Pause: its registered schedules revoked at the sandbox; no next charge.
    let paused = plans::pause(s, later.id, w.now()).await.unwrap();
    assert!(!paused.revoked.is_empty());
    for m in &paused.revoked {
        let sch = s.client().unwrap().get_schedule(m).await.unwrap();
        assert_eq!(sch.schedule_status, Some(ScheduleStatus::Revoked), "{m}");
    }
    assert_eq!(
        plans::of_customer(s, "later", w.now()).unwrap()[0].next_charge_at,
        None
    );
    plans::resume(s, later.id).unwrap();

    // Cancel now: what the plan registered is revoked at the sandbox.
    let c = plans::cancel(s, good.id, CancelWhen::Now, w.now())
        .await
        .unwrap();
    assert_eq!(c.subscription.status, "cancelled");
    assert_eq!(c.revoked.len(), 3);
    for m in &c.revoked {
        let sch = s.client().unwrap().get_schedule(m).await.unwrap();
        assert_eq!(sch.schedule_status, Some(ScheduleStatus::Revoked), "{m}");
    }
    // At the end of the period: still active until then; what lies after is revoked.
    let c = plans::cancel(s, poor.id, CancelWhen::PeriodEnd, w.now())
        .await
        .unwrap();
    assert_eq!(c.subscription.status, "active");
    assert!(c.subscription.cancel_at.is_some());
    assert_eq!(
        c.revoked.len(),
        3,
        "its three registered periods lie after the end"
    );
    w.advance(8 * DAY).await;
    let r = plans::run(s, w.now()).await.unwrap();
    assert_eq!(r.cancelled, 1);
    assert_eq!(s.store.subscription(poor.id).unwrap().status, "cancelled");
    assert!(s.store.verify_audit().unwrap().ok);
}
