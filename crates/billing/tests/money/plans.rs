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
            dunning: DunningPolicy {
                retry_after_days: 3,
                max_retries: 2,
            },
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
        created_at: 0,
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
