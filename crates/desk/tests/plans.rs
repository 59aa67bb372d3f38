//! Plans and subscriptions through the desk, against the sandbox over loopback: the
//! plan form's problems at once, a plan's list figures, subscribing with an own amount
//! and start, the engine run, every attempt of a declining card, a pause, and both kinds
//! of cancellation checked at the sandbox.

use subdesk_billing::DunningEnd;
use subdesk_desk::ErrorCode;
use subdesk_desk::plans::{
    self, CancelWhen, IntervalChoice, LeftOut, PlanEditForm, PlanForm, SubscribeForm,
    SubscribeManyForm,
};
use subdesk_desk::schedules::{When, when_of};
use subdesk_desk::zone;
use subdesk_iamport::ScheduleStatus;

const APPROVE: &str = "4242-4242-4242-4242";
const DECLINE_FUNDS: &str = "9410-0000-0000-0013";
const DAY: i64 = 86_400;

mod common;
use common::World;

async fn world() -> World {
    common::world("plans").await
}

impl World {
    fn now(&self) -> i64 {
        self.sandbox.clock().now()
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
            ladder: vec![2, 4],
            dunning_end: DunningEnd::Keep,
            first_charge: false,
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
        ladder: vec![3, 3, 0, 61],
        dunning_end: DunningEnd::Keep,
        first_charge: false,
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
            ("ladder.1", "out_of_range"),
            ("ladder.2", "out_of_range"),
            ("ladder.3", "out_of_range"),
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
    let long = PlanForm {
        ladder: (1..=10).collect(),
        ..w.weekly("w")
    };
    assert_eq!(
        problems(&plans::create(s, &long, now).unwrap_err()),
        pairs(&[("ladder", "out_of_range")])
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
            ladder: vec![1, 2, 3],
            dunning_end: DunningEnd::Pause,
            first_charge: false,
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
            ladder: vec![1, 2, 3],
            dunning_end: DunningEnd::Pause,
            first_charge: true,
        },
    )
    .unwrap();
    assert_eq!((edited.amount, edited.dunning.ladder.len()), (12_000, 3));
    assert_eq!(edited.dunning.end, DunningEnd::Pause);
    assert!(edited.first_charge);
    assert_eq!(plans::edit_form(&edited).ladder, vec![1, 2, 3]);
    let edited = plans::update(
        s,
        "basic",
        &PlanEditForm {
            first_charge: false,
            ..plans::edit_form(&edited)
        },
    )
    .unwrap();
    assert!(!edited.first_charge);

    // Archived: nobody new can subscribe.
    w.key("arch", APPROVE).await;
    plans::archive(s, "basic", true).unwrap();
    let sub = SubscribeForm {
        plan_code: "basic".into(),
        customer_uid: "arch".into(),
        ..Default::default()
    };
    assert_eq!(
        plans::subscribe(s, &sub, now).await.unwrap_err().code,
        ErrorCode::InvalidInput
    );
    plans::archive(s, "basic", false).unwrap();
    plans::subscribe(s, &sub, now).await.unwrap();
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
    .await
    .unwrap()
    .subscription;
    let poor = plans::subscribe(
        s,
        &SubscribeForm {
            plan_code: "weekly".into(),
            customer_uid: "poor".into(),
            ..Default::default()
        },
        w.now(),
    )
    .await
    .unwrap()
    .subscription;
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
    .await
    .unwrap()
    .subscription;

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
    assert!(oldest.attempts.iter().all(|a| a.decline
        == Some(subdesk_billing::Decline {
            kind: subdesk_billing::DeclineKind::InsufficientFunds,
            class: subdesk_billing::DeclineClass::Soft,
        })));
    // The plan's page shows the same attempts.
    let detail = plans::detail(s, "weekly", w.now()).unwrap();
    let on_page = detail
        .subscribers
        .iter()
        .find(|v| v.subscription.customer_uid == "poor")
        .unwrap();
    assert_eq!(on_page.periods.last().unwrap().attempts.len(), 3);

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

/// A plan with a first charge: subscribing charges the current period at once (the live
/// total confirmed first), the engine then registers only the next ones; a declining
/// card's first charge goes to the ladder.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_charge_on_subscribing() {
    let w = world().await;
    let s = &w.session;
    w.key("fc_good", APPROVE).await;
    w.key("fc_poor", DECLINE_FUNDS).await;
    let form = PlanForm {
        first_charge: true,
        start: w.when(0),
        ..w.weekly("fcw")
    };
    plans::create(s, &form, w.now() - 60).unwrap();
    let sub = |uid: &str| SubscribeForm {
        plan_code: "fcw".into(),
        customer_uid: uid.into(),
        ..Default::default()
    };
    let preview = plans::subscribe_preview(s, &sub("fc_good"), w.now()).unwrap();
    assert!(preview.charges_now);
    assert_eq!(preview.first_charge_at, Some(w.now()));
    let done = plans::subscribe(s, &sub("fc_good"), w.now()).await.unwrap();
    let fc = done.first_charge.expect("charged now");
    assert_eq!(fc.state, "paid");
    assert_eq!(fc.charge.amount, 9_900);
    let r = plans::run(s, w.now()).await.unwrap();
    assert_eq!(r.registered, 3, "the three periods after the one paid");
    let view = &plans::of_customer(s, "fc_good", w.now()).unwrap()[0];
    let first = view.periods.last().unwrap();
    assert_eq!(first.record.state, "paid");
    assert_eq!(first.attempts[0].outcome, "paid");
    assert!(first.attempts[0].first_charge);
    assert!(
        !view.periods[0].attempts[0].first_charge,
        "the next ones are schedules"
    );
    // A plan without a first charge charges nothing now.
    plans::create(s, &w.weekly("plain"), w.now()).unwrap();
    let plain = plans::subscribe(
        s,
        &SubscribeForm {
            plan_code: "plain".into(),
            ..sub("fc_good")
        },
        w.now(),
    )
    .await
    .unwrap();
    assert!(plain.first_charge.is_none());
    // Declined: in dunning, its first retry on the ladder.
    let poor = plans::subscribe(s, &sub("fc_poor"), w.now()).await.unwrap();
    assert_eq!(poor.first_charge.unwrap().state, "failed");
    assert!(s.store.verify_audit().unwrap().ok);
}

/// Subscribing many: the customer list's selection and a CSV, previewed in Rust with who
/// is left out and why; nothing written by a preview; the left-out ones never subscribed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribe_many_from_a_selection_and_a_csv() {
    let w = world().await;
    let s = &w.session;
    for uid in ["m_a", "m_b", "m_c", "m_d"] {
        w.key(uid, APPROVE).await;
    }
    plans::create(s, &w.weekly("many"), w.now()).unwrap();
    plans::subscribe(
        s,
        &SubscribeForm {
            plan_code: "many".into(),
            customer_uid: "m_c".into(),
            ..Default::default()
        },
        w.now(),
    )
    .await
    .unwrap();
    let form = SubscribeManyForm {
        plan_code: "many".into(),
        customer_uids: vec![
            "m_a".into(),
            "m_b".into(),
            "m_a".into(),
            "m_c".into(),
            "nobody".into(),
        ],
        ..Default::default()
    };
    let p = plans::subscribe_many_preview(s, &form, w.now()).unwrap();
    let why: Vec<(&str, Option<LeftOut>)> = p
        .rows
        .iter()
        .map(|r| (r.customer_uid.as_str(), r.left_out))
        .collect();
    assert_eq!(
        why,
        vec![
            ("m_a", None),
            ("m_b", None),
            ("m_a", Some(LeftOut::Duplicate)),
            ("m_c", Some(LeftOut::AlreadySubscribed)),
            ("nobody", Some(LeftOut::UnknownCustomer)),
        ]
    );
    assert_eq!((p.subscribed, p.left_out, p.total), (2, 3, 2 * 9_900));
    assert_eq!(
        s.store.subscriptions(Some("many")).unwrap().len(),
        1,
        "a preview writes nothing"
    );
    let done = plans::subscribe_many(s, &form, w.now()).await.unwrap();
    assert_eq!(done.subscribed.len(), 2);
    assert!(done.failed.is_empty());
    assert_eq!(s.store.subscriptions(Some("many")).unwrap().len(), 3);

    // A CSV: a header, an amount of its own, a bad amount, a blank uid, a duplicate.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("subs.csv");
    std::fs::write(
        &path,
        "customer_uid,amount\nm_d,5000\nm_a,\nm_x,abc\n,100\nm_d,\n",
    )
    .unwrap();
    let csv = SubscribeManyForm {
        plan_code: "many".into(),
        ..Default::default()
    };
    let p = plans::subscribe_csv_preview(s, &csv, &path, w.now()).unwrap();
    let rows: Vec<(Option<i64>, &str, i64, Option<LeftOut>)> = p
        .rows
        .iter()
        .map(|r| (r.line, r.customer_uid.as_str(), r.amount, r.left_out))
        .collect();
    assert_eq!(
        rows,
        vec![
            (Some(2), "m_d", 5_000, None),
            (Some(3), "m_a", 9_900, Some(LeftOut::AlreadySubscribed)),
            (Some(4), "m_x", 9_900, Some(LeftOut::BadLine)),
            (Some(5), "", 100, Some(LeftOut::BadLine)),
            (Some(6), "m_d", 9_900, Some(LeftOut::Duplicate)),
        ]
    );
    assert_eq!(p.total, 5_000);
    let done = plans::subscribe_csv(s, &csv, &path, w.now()).await.unwrap();
    assert_eq!(done.subscribed.len(), 1);
    assert_eq!(done.subscribed[0].subscription.amount, Some(5_000));
    // Everyone left out: refused, nothing written.
    let e = plans::subscribe_csv(s, &csv, &path, w.now())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert_eq!(s.store.subscriptions(Some("many")).unwrap().len(), 4);
}
