//! Plans over a year of sandbox time: every period charged exactly once, a failing
//! card follows the dunning policy exactly, registering again changes nothing,
//! cancelling unschedules the future.

use subdesk_billing::{
    DunningPolicy, EngineOptions, Interval, PlanInput, cancel_subscription, run_plans,
};
use subdesk_iamport::{PaymentStatus, ScheduleStatus};

use crate::common::{APPROVE, DECLINE_FUNDS, env};

const DAY: i64 = 86_400;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_year_of_monthly_billing_with_dunning() {
    let env = env().await;
    env.key("plan_good", APPROVE).await;
    env.key("plan_poor", DECLINE_FUNDS).await;
    env.key("plan_quit", APPROVE).await;
    let start = env.sandbox_now().await + 3600;
    let plan = env
        .store
        .create_plan(&PlanInput {
            code: "gold".into(),
            name: "골드 멤버십".into(),
            amount: 29_000,
            tax_free: 0,
            // Day 31: clamped to the end of short months.
            interval: Interval::Monthly { day: 31 },
            start_at: start,
            end_at: None,
            max_periods: None,
            dunning: DunningPolicy::every(3, 2),
            first_charge: false,
        })
        .unwrap();
    let good = env.store.subscribe("gold", "plan_good").unwrap();
    let poor = env.store.subscribe("gold", "plan_poor").unwrap();
    let quit = env.store.subscribe("gold", "plan_quit").unwrap();
    let opts = EngineOptions::default();

    let now = env.sandbox_now().await;
    let first = run_plans(&env.store, &env.client, now, &opts)
        .await
        .unwrap();
    assert_eq!(first.registered, 9, "3 subscriptions × 3 periods ahead");
    // Registering again changes nothing and sends nothing.
    let posts = |log: &[(String, String, i64)]| {
        log.iter()
            .filter(|(m, p, _)| m == "POST" && p == "/subscribe/payments/schedule")
            .count()
    };
    let before = posts(&env.requests().await);
    let second = run_plans(&env.store, &env.client, now, &opts)
        .await
        .unwrap();
    assert_eq!((second.registered, second.already_registered), (0, 0));
    assert_eq!(posts(&env.requests().await), before);

    // A year, one day at a time; the sandbox runs schedules as its clock passes them.
    let mut cancelled = false;
    for day in 1..=366 {
        env.advance(DAY).await;
        let now = env.sandbox_now().await;
        let r = run_plans(&env.store, &env.client, now, &opts)
            .await
            .unwrap();
        assert!(r.deferred.is_empty(), "day {day}: {:?}", r.deferred);
        if day == 70 && !cancelled {
            let c = cancel_subscription(&env.store, &env.client, quit.id, now)
                .await
                .unwrap();
            assert_eq!(c.revoked.len(), 3, "its three future schedules");
            assert!(c.pending.is_empty());
            cancelled = true;
        }
    }
    let end = env.sandbox_now().await;
    let due = plan.periods_between(0, end);
    assert!(due.len() >= 12, "{} periods due", due.len());
    // Clamping: every period is on the last day of its month or the 31st.
    for p in &due {
        let local = time::OffsetDateTime::from_unix_timestamp(p.due_at + 9 * 3600).unwrap();
        let next = local + time::Duration::days(1);
        assert_eq!(next.day(), 1, "{p:?} is the last day of its month");
    }

    // The good card: every due period charged exactly once, by its schedule.
    let periods = env.store.subscription_periods(good.id).unwrap();
    for p in &due {
        let m = plan.merchant_uid("plan_good", p);
        assert_eq!(
            env.sandbox_payments(&m, PaymentStatus::Paid).await,
            1,
            "{m}"
        );
        let rec = periods
            .iter()
            .find(|r| r.period == p.index)
            .expect("recorded");
        assert_eq!(rec.state, "paid");
        assert_eq!(rec.retries, 0);
        assert_eq!(
            env.sandbox_payments(&format!("{m}-r1"), PaymentStatus::Failed)
                .await,
            0
        );
    }

    // The declining card: schedule fails, then exactly two retries, 3 and 6 days
    // later, each with its own merchant_uid; then written off. Never a third.
    let periods = env.store.subscription_periods(poor.id).unwrap();
    for p in &due {
        let m = plan.merchant_uid("plan_poor", p);
        let rec = periods
            .iter()
            .find(|r| r.period == p.index)
            .expect("recorded");
        let last_needed = p.due_at + 6 * DAY <= end;
        if !last_needed {
            continue; // the dunning of the newest period is still running
        }
        assert_eq!(rec.state, "written_off", "{rec:?}");
        assert_eq!(rec.retries, 2);
        assert_eq!(env.sandbox_payments(&m, PaymentStatus::Failed).await, 1);
        for (n, offset) in [(1, 3 * DAY), (2, 6 * DAY)] {
            let r = format!("{m}-r{n}");
            let all = env
                .client
                .find_all_payments(&r, None, &subdesk_iamport::PaymentListQuery::default())
                .await
                .expect(&r);
            assert_eq!(all.list.len(), 1, "{r}: one attempt");
            let failed_at = all.list[0].failed_at.expect("failed_at");
            assert!(
                (p.due_at + offset..p.due_at + offset + DAY).contains(&failed_at),
                "{r} at {} days",
                (failed_at - p.due_at) as f64 / DAY as f64
            );
            let row = env.store.journal_charge(&r).unwrap().expect("journaled");
            assert_eq!(row.outcome.as_deref(), Some("failed"));
        }
        assert_eq!(
            env.sandbox_payments(&format!("{m}-r3"), PaymentStatus::Failed)
                .await,
            0
        );
    }

    // The cancelled subscription: charged only for periods due before day 70.
    let periods = env.store.subscription_periods(quit.id).unwrap();
    let cut = start + 70 * DAY;
    for p in &due {
        let m = plan.merchant_uid("plan_quit", p);
        let paid = env.sandbox_payments(&m, PaymentStatus::Paid).await;
        assert_eq!(paid, usize::from(p.due_at < cut - DAY), "{m}");
        if p.due_at > cut + 2 * DAY
            && let Some(rec) = periods.iter().find(|r| r.period == p.index)
        {
            assert_eq!(rec.state, "revoked");
            let s = env.client.get_schedule(&rec.merchant_uid).await.unwrap();
            assert_eq!(s.schedule_status, Some(ScheduleStatus::Revoked));
        }
    }
    assert_eq!(env.store.journal_open_count().unwrap(), 0);
    assert!(env.store.verify_audit().unwrap().ok);
}

#[test]
fn periods_every_n_days_and_limits() {
    let plan = subdesk_billing::Plan {
        code: "weekly".into(),
        name: "주간".into(),
        amount: 1000,
        currency: "KRW".into(),
        tax_free: 0,
        interval: Interval::EveryDays { days: 7 },
        start_at: 1_700_000_000,
        end_at: Some(1_700_000_000 + 30 * DAY),
        max_periods: None,
        dunning: DunningPolicy::default(),
        first_charge: false,
        created_at: 0,
        archived_at: None,
    };
    let all = plan.periods_between(0, i64::MAX);
    assert_eq!(all.len(), 5, "days 0, 7, 14, 21, 28 before the end");
    assert_eq!(all[4].label, "p5");
    let counted = subdesk_billing::Plan {
        end_at: None,
        max_periods: Some(3),
        ..plan.clone()
    };
    assert_eq!(counted.periods_between(0, i64::MAX).len(), 3);
    assert_eq!(
        plan.merchant_uid("c", &all[0]),
        plan.merchant_uid("c", &all[0]),
        "deterministic"
    );
}

fn seoul(y: i32, m: u8, d: u8, h: u8) -> i64 {
    let date = time::Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), d).unwrap();
    date.with_hms(h, 0, 0)
        .unwrap()
        .assume_offset(time::UtcOffset::from_hms(9, 0, 0).unwrap())
        .unix_timestamp()
}

fn monthly(day: u8, start_at: i64) -> subdesk_billing::Plan {
    subdesk_billing::Plan {
        code: "m".into(),
        name: "월간".into(),
        amount: 1000,
        currency: "KRW".into(),
        tax_free: 0,
        interval: Interval::Monthly { day },
        start_at,
        end_at: None,
        max_periods: None,
        dunning: DunningPolicy::default(),
        first_charge: false,
        created_at: 0,
        archived_at: None,
    }
}

/// Billing day 31 lands on the last day of shorter months, in Seoul: 28 February in a
/// common year, 29 in a leap year, 30 April; the time of day is the start's.
#[test]
fn billing_day_31_at_month_ends() {
    for (year, feb) in [(2027, 28), (2028, 29)] {
        let plan = monthly(31, seoul(year, 1, 31, 10));
        let days: Vec<(String, i64)> = (0..4)
            .map(|i| {
                let p = plan.period(i).unwrap();
                (p.label, p.due_at)
            })
            .collect();
        assert_eq!(
            days,
            vec![
                (format!("{year}01"), seoul(year, 1, 31, 10)),
                (format!("{year}02"), seoul(year, 2, feb, 10)),
                (format!("{year}03"), seoul(year, 3, 31, 10)),
                (format!("{year}04"), seoul(year, 4, 30, 10)),
            ],
            "{year}"
        );
    }
    // A start after the month's billing day: the first period is next month's.
    let plan = monthly(5, seoul(2027, 1, 20, 9));
    assert_eq!(plan.period(0).unwrap().due_at, seoul(2027, 2, 5, 9));
    // Month boundaries are Seoul's: 1 March 00:30 in Seoul is still 28 February in UTC.
    let plan = monthly(1, seoul(2027, 3, 1, 0) + 1800);
    assert_eq!(plan.period(0).unwrap().label, "202703");
    assert_eq!(
        plan.next_period(seoul(2027, 3, 2, 0)).unwrap().label,
        "202704"
    );
}

/// Every-10-days plan over three months of sandbox time: a subscription's own amount and
/// start, a pause and a resume, a cancellation at the end of a period, and a declining
/// card cancelled while in dunning. Nothing is charged outside what each allows; a
/// cancelled subscription is never charged afterwards, not even by a retry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscription_controls_over_three_months() {
    use subdesk_billing::{SubscribeOptions, pause_subscription, resume_subscription};
    let env = env().await;
    for uid in ["ctl_own", "ctl_late", "ctl_pause", "ctl_end"] {
        env.key(uid, APPROVE).await;
    }
    env.key("ctl_dun", DECLINE_FUNDS).await;
    let start = env.sandbox_now().await + 3600;
    let plan = env
        .store
        .create_plan(&PlanInput {
            code: "ctl".into(),
            name: "10일 플랜".into(),
            amount: 10_000,
            tax_free: 0,
            interval: Interval::EveryDays { days: 10 },
            start_at: start,
            end_at: None,
            max_periods: None,
            dunning: DunningPolicy::every(3, 2),
            first_charge: false,
        })
        .unwrap();
    let s = &env.store;
    let own = s
        .subscribe_with(
            "ctl",
            "ctl_own",
            &SubscribeOptions {
                amount: Some(7_500),
                ..Default::default()
            },
        )
        .unwrap();
    let late = s
        .subscribe_with(
            "ctl",
            "ctl_late",
            &SubscribeOptions {
                start_at: Some(start + 25 * DAY),
                ..Default::default()
            },
        )
        .unwrap();
    let pause = s.subscribe("ctl", "ctl_pause").unwrap();
    let end = s.subscribe("ctl", "ctl_end").unwrap();
    let dun = s.subscribe("ctl", "ctl_dun").unwrap();
    s.set_cancel_at(end.id, Some(start + 35 * DAY)).unwrap();
    // An amount the plan's tax-free part or the limits refuse.
    assert!(
        s.subscribe_with(
            "ctl",
            "ctl_own",
            &SubscribeOptions {
                amount: Some(0),
                ..Default::default()
            }
        )
        .is_err()
    );

    let opts = EngineOptions::default();
    let summary = s.plan_summaries(env.sandbox_now().await).unwrap();
    assert_eq!(summary[0].subscribers, 5);
    // MRR: 10,000 × 365 / 120 = 30,416 each, 7,500 → 22,812; the one ending is left out.
    assert_eq!(summary[0].mrr, 3 * 30_416 + 22_812);
    assert_eq!(summary[0].next_run_at, Some(start));
    // Due at the start: own, pause, end and dun (late starts later).
    assert_eq!(
        (summary[0].next_run_count, summary[0].next_run_total),
        (4, 3 * 10_000 + 7_500)
    );

    run_plans(s, &env.client, env.sandbox_now().await, &opts)
        .await
        .unwrap();
    let paused = pause_subscription(s, &env.client, pause.id, env.sandbox_now().await)
        .await
        .unwrap();
    assert_eq!(paused.revoked.len(), 3, "its three registered periods");
    let mut dun_cancelled_at = None;
    for day in 1..=90 {
        env.advance(DAY).await;
        let now = env.sandbox_now().await;
        if day == 41 {
            resume_subscription(s, pause.id).unwrap();
        }
        let r = run_plans(s, &env.client, now, &opts).await.unwrap();
        assert!(r.deferred.is_empty(), "day {day}: {:?}", r.deferred);
        // The declining card failed its first period: cancel it before the first retry.
        if day == 1 {
            assert_eq!(s.subscription_periods(dun.id).unwrap()[0].state, "failed");
            cancel_subscription(s, &env.client, dun.id, now)
                .await
                .unwrap();
            dun_cancelled_at = Some(now);
        }
    }
    let now = env.sandbox_now().await;
    let due = plan.periods_between(0, now);
    let paid = |uid: &'static str| {
        let plan = &plan;
        let env = &env;
        async move {
            let mut out = Vec::new();
            for p in plan.periods_between(0, now) {
                let m = plan.merchant_uid(uid, &p);
                if env.sandbox_payments(&m, PaymentStatus::Paid).await == 1 {
                    out.push(p.index);
                }
            }
            out
        }
    };
    let all: Vec<u32> = due.iter().map(|p| p.index).collect();
    assert_eq!(paid("ctl_own").await, all);
    let own_periods = s.subscription_periods(own.id).unwrap();
    let sched = env
        .client
        .get_schedule(&own_periods[0].merchant_uid)
        .await
        .unwrap();
    assert_eq!(sched.amount.and_then(|a| a.as_won()), Some(7_500));
    // Late: from its own start (day 25) on: periods 3 (day 30) and later.
    assert_eq!(paid("ctl_late").await, all[3..].to_vec());
    assert!(s.subscription_periods(late.id).unwrap()[0].period == 3);
    // Paused before period 0 ran, resumed on day 41: periods 0–2 (revoked) are skipped,
    // 3 and 4 were due while paused, 5 on are charged.
    let pause_paid = paid("ctl_pause").await;
    assert_eq!(pause_paid, all[5..].to_vec());
    // Cancelled at day 35: periods 0–3, never 4 on; cancelled by the engine.
    assert_eq!(paid("ctl_end").await, vec![0, 1, 2, 3]);
    assert_eq!(s.subscription(end.id).unwrap().status, "cancelled");
    // The declining card: its schedule failed once, and no retry after the cancel.
    let d = &s.subscription_periods(dun.id).unwrap()[0];
    assert_eq!(d.state, "written_off");
    assert_eq!(
        env.sandbox_payments(&format!("{}-r1", d.merchant_uid), PaymentStatus::Failed)
            .await,
        0
    );
    assert!(dun_cancelled_at.is_some());
    assert_eq!(env.paid_for_customer("ctl_dun").await, 0);
    assert!(env.store.verify_audit().unwrap().ok);
}
