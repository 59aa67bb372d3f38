//! Dunning per plan: the decline table, the retry ladder's dates, hard declines never
//! retried and in triage, the plan's end after the ladder; re-subscribing in the same
//! month; yearly periods; a first charge on subscribing.

use subdesk_billing::{
    DeclineClass, DeclineKind, DunningEnd, DunningPolicy, EngineOptions, Interval, PlanInput,
    TriageKind, cancel_subscription, charge_first_period, classify, run_plans,
};
use subdesk_iamport::{PaymentStatus, ScheduleStatus};
use subdesk_sandbox::cards::{FAIL_ISSUE_MESSAGE, TEST_CARDS};

use crate::common::{APPROVE, DECLINE_FUNDS, env};

const DAY: i64 = 86_400;
const LOST: &str = "9410-0000-0000-0039";

/// Every decline text the sandbox sends, and messages real Korean PGs send.
#[test]
fn decline_table() {
    use DeclineKind::*;
    // The sandbox's declining cards: each one's reason by its description.
    let sandbox: Vec<(&str, DeclineKind)> = TEST_CARDS
        .iter()
        .filter_map(|c| c.fail_reason.map(|r| (r, c.description_en)))
        .map(|(r, d)| {
            let want = if d.contains("insufficient") {
                InsufficientFunds
            } else if d.contains("expired") {
                Expired
            } else if d.contains("lost") {
                LostOrStolen
            } else if d.contains("limit") {
                OverLimit
            } else if d.contains("authentication") {
                InvalidCard
            } else if d.contains("later") {
                Network
            } else {
                Other
            };
            (r, want)
        })
        .collect();
    assert!(sandbox.len() >= 6, "{sandbox:?}");
    assert!(sandbox.iter().any(|(r, _)| *r == FAIL_ISSUE_MESSAGE));
    let real: &[(&str, DeclineKind)] = &[
        (
            "[3011] 잔액부족 - 결제 가능 잔액이 부족합니다.",
            InsufficientFunds,
        ),
        ("잔액이 부족합니다", InsufficientFunds),
        ("(8326) 잔고부족", InsufficientFunds),
        ("Insufficient funds", InsufficientFunds),
        ("[8373] 한도초과", OverLimit),
        ("카드 한도가 초과되었습니다.", OverLimit),
        ("1일 한도를 초과하였습니다", OverLimit),
        ("Card limit exceeded", OverLimit),
        ("카드사 통신 장애", Network),
        ("[9999] 카드사 응답시간 초과(타임아웃)", Network),
        ("승인 지연 - 잠시 후 다시 시도해 주세요", Network),
        ("Network timeout", Network),
        ("분실카드", LostOrStolen),
        ("[3041] 분실 또는 도난 신고된 카드입니다.", LostOrStolen),
        ("도난카드 거래불가", LostOrStolen),
        ("Stolen card, pick up", LostOrStolen),
        ("[V815] 카드 유효기간 만료", Expired),
        ("유효기간오류", Expired),
        ("Expired card", Expired),
        ("거래정지카드", Suspended),
        ("사용정지된 카드입니다", Suspended),
        ("Card suspended", Suspended),
        ("카드번호 오류", InvalidCard),
        ("해지된 카드입니다", InvalidCard),
        ("유효하지 않은 카드", InvalidCard),
        ("Invalid card number", InvalidCard),
        ("승인거절", Other),
        ("Do not honor", Other),
        // The line, not the card: soft, even when the card is named.
        ("카드번호 확인 중 통신 오류", Network),
        // Something else expired, not the card: soft.
        ("Session expired, please try again", Other),
        ("Access token has expired", Other),
        ("The card has expired", Expired),
        ("Invalid expiry date", Expired),
    ];
    for (text, want) in sandbox.iter().chain(real.iter()) {
        let got = classify(Some(text));
        assert_eq!(got.kind, *want, "{text}");
        assert_eq!(got.class, want.class(), "{text}");
    }
    assert_eq!(classify(None).class, DeclineClass::Soft);
    // Hard is read first: a text naming both is hard.
    assert_eq!(
        classify(Some("유효기간 오류 (한도초과 확인 불가)")).class,
        DeclineClass::Hard
    );
    for hard in [LostOrStolen, Expired, InvalidCard, Suspended] {
        assert_eq!(hard.class(), DeclineClass::Hard);
    }
    for soft in [InsufficientFunds, OverLimit, Network, Other] {
        assert_eq!(soft.class(), DeclineClass::Soft);
    }
}

#[test]
fn ladder_dates_and_rules() {
    let p = DunningPolicy::default();
    assert_eq!(p.ladder, vec![1, 3, 5, 7]);
    let due = 1_800_000_000;
    // On time (each attempt failing when it was due), the ladder's own days.
    let at: Vec<Option<i64>> = (0..=5)
        .map(|n| {
            // The attempt before retry n: the schedule itself, or retry n − 1.
            let before = match n {
                0 | 1 => 0,
                n => p.ladder.get(n as usize - 2).copied().unwrap_or(7),
            };
            p.retry_at(due, n, due + i64::from(before) * DAY)
        })
        .collect();
    assert_eq!(
        at,
        vec![
            None,
            Some(due + DAY),
            Some(due + 3 * DAY),
            Some(due + 5 * DAY),
            Some(due + 7 * DAY),
            None
        ]
    );
    // Late (the app was closed): never sooner after the failed attempt than the
    // ladder's gap, so the retries do not all fall due at once.
    assert_eq!(p.retry_at(due, 1, due + 10 * DAY), Some(due + 11 * DAY));
    assert_eq!(p.retry_at(due, 2, due + 11 * DAY), Some(due + 13 * DAY));
    assert_eq!(p.retry_at(due, 2, due + 2 * DAY), Some(due + 4 * DAY));
    assert_eq!(p.retry_at(due, 5, due + 30 * DAY), None, "the ladder's end");
    assert_eq!(DunningPolicy::every(3, 2).ladder, vec![3, 6]);
    // A ladder that does not rise, too long or too late is refused when a plan is made.
    let env_free = tempfile::tempdir().unwrap();
    let store = subdesk_billing::Store::open(env_free.path().join("s.sqlite3")).unwrap();
    for bad in [
        vec![3, 3],
        vec![5, 2],
        vec![0],
        vec![61],
        (1..=10).collect(),
    ] {
        let mut input = plan_input("bad", 1_800_000_000, Interval::Monthly { day: 1 });
        input.dunning.ladder = bad.clone();
        assert!(store.create_plan(&input).is_err(), "{bad:?}");
    }
    let mut input = plan_input("ok", 1_800_000_000, Interval::Monthly { day: 1 });
    input.dunning = DunningPolicy {
        ladder: vec![2, 9],
        end: DunningEnd::Cancel,
    };
    let plan = store.create_plan(&input).unwrap();
    assert_eq!(plan.dunning, input.dunning, "kept as given");
}

fn seoul(y: i32, m: u8, d: u8, h: u8) -> i64 {
    let date = time::Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), d).unwrap();
    date.with_hms(h, 0, 0)
        .unwrap()
        .assume_offset(time::UtcOffset::from_hms(9, 0, 0).unwrap())
        .unix_timestamp()
}

fn plan_input(code: &str, start_at: i64, interval: Interval) -> PlanInput {
    PlanInput {
        code: code.into(),
        name: "플랜".into(),
        amount: 10_000,
        tax_free: 0,
        interval,
        start_at,
        end_at: None,
        max_periods: None,
        dunning: DunningPolicy::default(),
        first_charge: false,
    }
}

/// Yearly on 29 February: 28 February in common years, 29 in leap years; a start after
/// the day in its year begins the next year; labels are the period's month.
#[test]
fn yearly_periods_and_29_february() {
    let plan = |start| subdesk_billing::Plan {
        code: "y".into(),
        name: "연간".into(),
        amount: 120_000,
        currency: "KRW".into(),
        tax_free: 0,
        interval: Interval::Yearly { month: 2, day: 29 },
        start_at: start,
        end_at: None,
        max_periods: None,
        dunning: DunningPolicy::default(),
        first_charge: false,
        created_at: 0,
        archived_at: None,
    };
    let p = plan(seoul(2028, 1, 10, 10));
    let got: Vec<(String, i64)> = (0..5)
        .map(|i| {
            let x = p.period(i).unwrap();
            (x.label, x.due_at)
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("202802".into(), seoul(2028, 2, 29, 10)),
            ("202902".into(), seoul(2029, 2, 28, 10)),
            ("203002".into(), seoul(2030, 2, 28, 10)),
            ("203102".into(), seoul(2031, 2, 28, 10)),
            ("203202".into(), seoul(2032, 2, 29, 10)),
        ]
    );
    // Started after 29 February 2028: the first period is 2029's.
    let p = plan(seoul(2028, 3, 1, 10));
    assert_eq!(p.period(0).unwrap().due_at, seoul(2029, 2, 28, 10));
    // The current period for a first charge: the latest due, or the first.
    assert_eq!(
        p.current_period(seoul(2030, 6, 1, 0)).unwrap().label,
        "203002"
    );
    assert_eq!(
        p.current_period(seoul(2028, 3, 2, 0)).unwrap().label,
        "202902"
    );
}

/// A soft decline climbs the whole ladder (1, 3, 5, 7 days), out of triage while it
/// does; a hard decline is never retried and is in triage at once; after them the
/// plan's end pauses the subscriptions (their future schedules revoked).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soft_ladder_hard_stop_and_pause() {
    let env = env().await;
    env.key("dn_soft", DECLINE_FUNDS).await;
    env.key("dn_hard", LOST).await;
    env.key("dn_good", APPROVE).await;
    let start = env.sandbox_now().await + 3600;
    let mut input = plan_input("dn", start, Interval::EveryDays { days: 30 });
    input.dunning.end = DunningEnd::Pause;
    let plan = env.store.create_plan(&input).unwrap();
    let soft = env.store.subscribe("dn", "dn_soft").unwrap();
    let hard = env.store.subscribe("dn", "dn_hard").unwrap();
    let good = env.store.subscribe("dn", "dn_good").unwrap();
    let opts = EngineOptions::default();
    run_plans(&env.store, &env.client, env.sandbox_now().await, &opts)
        .await
        .unwrap();
    let p0 = plan.period(0).unwrap();
    let soft_m = plan.merchant_uid("dn_soft", &p0);
    let hard_m = plan.merchant_uid("dn_hard", &p0);
    let mut soft_in_triage_while_retrying = false;
    for day in 1..=9 {
        env.advance(DAY).await;
        let r = run_plans(&env.store, &env.client, env.sandbox_now().await, &opts)
            .await
            .unwrap();
        assert!(r.deferred.is_empty(), "day {day}: {:?}", r.deferred);
        if day == 1 {
            assert_eq!(r.hard_declines, 1, "the lost card");
            let h = &env.store.subscription_periods(hard.id).unwrap()[0];
            assert_eq!(h.state, "written_off");
            assert_eq!(h.retries, 0);
            let triage = env.store.triage_list().unwrap();
            let e = triage
                .iter()
                .find(|e| e.merchant_uid.as_deref() == Some(hard_m.as_str()))
                .expect("hard decline in triage");
            assert_eq!(e.kind, TriageKind::FailedSchedule);
            assert_eq!(e.decline.unwrap().kind, DeclineKind::LostOrStolen);
            assert_eq!(e.decline.unwrap().class, DeclineClass::Hard);
        }
        let s = &env.store.subscription_periods(soft.id).unwrap()[0];
        if s.state == "failed" {
            soft_in_triage_while_retrying |= env
                .store
                .triage_list()
                .unwrap()
                .iter()
                .any(|e| e.customer_uid.as_deref() == Some("dn_soft"));
        }
    }
    assert!(
        !soft_in_triage_while_retrying,
        "the ladder handles soft declines"
    );
    // Hard: one attempt (the schedule), no retry; paused by the plan's end.
    assert_eq!(
        env.sandbox_payments(&hard_m, PaymentStatus::Failed).await,
        1
    );
    assert_eq!(
        env.sandbox_payments(&format!("{hard_m}-r1"), PaymentStatus::Failed)
            .await,
        0
    );
    let h = env.store.subscription(hard.id).unwrap();
    assert!(h.paused_at.is_some(), "{h:?}");
    assert_eq!(h.status, "active");
    // Soft: four retries at 1, 3, 5 and 7 days after the period, then given up, paused.
    let s = &env.store.subscription_periods(soft.id).unwrap()[0];
    assert_eq!((s.state.as_str(), s.retries), ("written_off", 4));
    for (n, days) in [(1, 1), (2, 3), (3, 5), (4, 7)] {
        let r = format!("{soft_m}-r{n}");
        let all = env
            .client
            .find_all_payments(&r, None, &subdesk_iamport::PaymentListQuery::default())
            .await
            .unwrap();
        assert_eq!(all.list.len(), 1, "{r}");
        let at = all.list[0].failed_at.unwrap();
        assert!(
            (p0.due_at + days * DAY..p0.due_at + (days + 1) * DAY).contains(&at),
            "{r} after {} days",
            (at - p0.due_at) as f64 / DAY as f64
        );
    }
    assert_eq!(
        env.sandbox_payments(&format!("{soft_m}-r5"), PaymentStatus::Failed)
            .await,
        0
    );
    assert!(env.store.subscription(soft.id).unwrap().paused_at.is_some());
    // After the ladder the soft one is in triage too: one entry, its last retry.
    let soft_entries: Vec<_> = env
        .store
        .triage_list()
        .unwrap()
        .into_iter()
        .filter(|e| e.customer_uid.as_deref() == Some("dn_soft"))
        .collect();
    assert_eq!(soft_entries.len(), 1, "{soft_entries:?}");
    assert_eq!(
        soft_entries[0].merchant_uid.as_deref(),
        Some(format!("{soft_m}-r4").as_str())
    );
    // Paused: the next periods' schedules were revoked at i'mport.
    let p1 = plan.period(1).unwrap();
    let next = env
        .client
        .get_schedule(&plan.merchant_uid("dn_soft", &p1))
        .await
        .unwrap();
    assert_eq!(next.schedule_status, Some(ScheduleStatus::Revoked));
    // The good card is untouched.
    assert!(env.store.subscription(good.id).unwrap().collecting());
    assert!(env.store.verify_audit().unwrap().ok);
}

/// The app closed for ten days across a period that failed: when it is back, the
/// retries keep the ladder's spacing (1, then 2 days apart) from the moment the failure
/// is learnt, instead of four charges on the card in a few minutes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_keep_their_spacing_after_an_absence() {
    let env = env().await;
    env.key("dn_away", DECLINE_FUNDS).await;
    let start = env.sandbox_now().await + 3600;
    let plan = env
        .store
        .create_plan(&plan_input("away", start, Interval::EveryDays { days: 30 }))
        .unwrap();
    let sub = env.store.subscribe("away", "dn_away").unwrap();
    let opts = EngineOptions::default();
    run_plans(&env.store, &env.client, env.sandbox_now().await, &opts)
        .await
        .unwrap();
    let m = plan.merchant_uid("dn_away", &plan.period(0).unwrap());
    // Closed for ten days: the schedule failed at i'mport meanwhile.
    env.advance(10 * DAY).await;
    let back = env.sandbox_now().await;
    for _ in 0..5 {
        run_plans(&env.store, &env.client, env.sandbox_now().await, &opts)
            .await
            .unwrap();
        env.advance(60).await;
    }
    let retried_on_return = {
        let mut n = 0;
        for r in 1..=5 {
            n += env
                .sandbox_payments(&format!("{m}-r{r}"), PaymentStatus::Failed)
                .await;
        }
        n
    };
    assert_eq!(
        retried_on_return, 0,
        "no retry in the minutes after the return"
    );
    let p = &env.store.subscription_periods(sub.id).unwrap()[0];
    assert_eq!(p.state, "failed");
    assert!(p.next_retry_at.unwrap() >= back + DAY, "{p:?}");
    // Then day by day: the four retries, each at least the ladder's gap after the last.
    for _ in 0..12 {
        env.advance(DAY / 2).await;
        run_plans(&env.store, &env.client, env.sandbox_now().await, &opts)
            .await
            .unwrap();
        env.advance(DAY / 2).await;
        run_plans(&env.store, &env.client, env.sandbox_now().await, &opts)
            .await
            .unwrap();
    }
    let mut at = Vec::new();
    for r in 1..=4 {
        let all = env
            .client
            .find_all_payments(
                &format!("{m}-r{r}"),
                None,
                &subdesk_iamport::PaymentListQuery::default(),
            )
            .await
            .unwrap();
        assert_eq!(all.list.len(), 1, "retry {r}");
        at.push(all.list[0].failed_at.unwrap());
    }
    assert!(
        at[0] >= back + DAY,
        "the first retry a day after the return"
    );
    for (i, w) in at.windows(2).enumerate() {
        assert!(
            w[1] - w[0] >= 2 * DAY,
            "retry {} only {} s after the one before",
            i + 2,
            w[1] - w[0]
        );
    }
    let p = &env.store.subscription_periods(sub.id).unwrap()[0];
    assert_eq!((p.state.as_str(), p.retries), ("written_off", 4));
}

/// The other two ends: `cancel` cancels after a hard decline; `keep` charges the next
/// period as usual.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dunning_ends_cancel_and_keep() {
    let env = env().await;
    env.key("end_c", LOST).await;
    env.key("end_k", LOST).await;
    let start = env.sandbox_now().await + 3600;
    for (code, end) in [("endc", DunningEnd::Cancel), ("endk", DunningEnd::Keep)] {
        let mut input = plan_input(code, start, Interval::EveryDays { days: 5 });
        input.dunning.end = end;
        env.store.create_plan(&input).unwrap();
    }
    let c = env.store.subscribe("endc", "end_c").unwrap();
    let k = env.store.subscribe("endk", "end_k").unwrap();
    let opts = EngineOptions::default();
    for _ in 0..8 {
        run_plans(&env.store, &env.client, env.sandbox_now().await, &opts)
            .await
            .unwrap();
        env.advance(DAY).await;
    }
    run_plans(&env.store, &env.client, env.sandbox_now().await, &opts)
        .await
        .unwrap();
    let cancelled = env.store.subscription(c.id).unwrap();
    assert_eq!(cancelled.status, "cancelled");
    let cp = env.store.subscription_periods(c.id).unwrap();
    assert_eq!(cp[0].state, "written_off");
    assert!(cp[1..].iter().all(|p| p.state == "revoked"), "{cp:?}");
    // Keep: period 0 given up, period 1 (day 5) tried by its schedule, and so on.
    let kp = env.store.subscription_periods(k.id).unwrap();
    assert!(env.store.subscription(k.id).unwrap().collecting());
    assert_eq!(kp[0].state, "written_off");
    assert_eq!(kp[1].state, "written_off", "{kp:?}");
    assert_eq!(kp[1].retries, 0);
}

/// Subscribe, cancel before the month's period ran (its schedules revoked), subscribe
/// again in the same month: that month is billed, once, under order ids of its own.
/// Two engines at once charge each customer once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resubscribe_in_the_same_month_is_billed_once() {
    let env = env().await;
    env.key("re_a", APPROVE).await;
    env.key("re_b", APPROVE).await;
    let start = env.sandbox_now().await + 2 * DAY;
    let plan = env
        .store
        .create_plan(&plan_input("re", start, Interval::EveryDays { days: 30 }))
        .unwrap();
    let opts = EngineOptions::default();
    let first = env.store.subscribe("re", "re_a").unwrap();
    env.store.subscribe("re", "re_b").unwrap();
    run_plans(&env.store, &env.client, env.sandbox_now().await, &opts)
        .await
        .unwrap();
    let c = cancel_subscription(&env.store, &env.client, first.id, env.sandbox_now().await)
        .await
        .unwrap();
    assert_eq!(c.revoked.len(), 3);
    env.advance(DAY).await;
    let again = env.store.subscribe("re", "re_a").unwrap();
    assert_eq!(again.generation, 1);
    // Two engines at once (the app's timer and cron): one runs, the other waits or is
    // refused as busy; neither sends anything twice.
    let now = env.sandbox_now().await;
    let (x, y) = tokio::join!(
        run_plans(&env.store, &env.client, now, &opts),
        run_plans(&env.store, &env.client, now, &opts)
    );
    for r in [&x, &y].into_iter().flatten() {
        assert!(r.deferred.is_empty(), "{:?}", r.deferred);
    }
    assert!(x.is_ok() || y.is_ok());
    let p0 = plan.period(0).unwrap();
    let m = plan.merchant_uid_for(&again, &p0);
    assert_ne!(m, plan.merchant_uid("re_a", &p0), "an order id of its own");
    assert_eq!(
        env.client.get_schedule(&m).await.unwrap().schedule_status,
        Some(ScheduleStatus::Scheduled)
    );
    for _ in 0..3 {
        env.advance(DAY).await;
        let now = env.sandbox_now().await;
        let (x, y) = tokio::join!(
            run_plans(&env.store, &env.client, now, &opts),
            run_plans(&env.store, &env.client, now, &opts)
        );
        assert!(x.is_ok() || y.is_ok());
    }
    assert_eq!(env.paid_for_customer("re_a").await, 1, "the month, once");
    assert_eq!(env.paid_for_customer("re_b").await, 1);
    assert_eq!(
        env.store.subscription_periods(again.id).unwrap()[0].state,
        "paid"
    );
    // A period paid ahead (a first charge before the plan's start), then cancelled and
    // subscribed again: that period is not charged again.
    let mut ahead = plan_input(
        "reb",
        env.sandbox_now().await + 10 * DAY,
        Interval::EveryDays { days: 30 },
    );
    ahead.first_charge = true;
    let ahead = env.store.create_plan(&ahead).unwrap();
    let one = env.store.subscribe("reb", "re_b").unwrap();
    let fc = charge_first_period(&env.store, &env.client, one.id, env.sandbox_now().await)
        .await
        .unwrap();
    assert_eq!((fc.label.as_str(), fc.state.as_str()), ("p1", "paid"));
    cancel_subscription(&env.store, &env.client, one.id, env.sandbox_now().await)
        .await
        .unwrap();
    let two = env.store.subscribe("reb", "re_b").unwrap();
    assert_eq!(two.generation, 1);
    run_plans(&env.store, &env.client, env.sandbox_now().await, &opts)
        .await
        .unwrap();
    let periods = env.store.subscription_periods(two.id).unwrap();
    assert_eq!(periods.len(), 3, "{periods:?}");
    assert!(
        periods.iter().all(|p| p.period >= 1),
        "the period paid ahead is not registered again: {periods:?}"
    );
    assert_ne!(
        periods[0].merchant_uid,
        ahead.merchant_uid("re_b", &ahead.period(1).unwrap())
    );
}

/// A first charge pays the current period at once; the engine does not register it
/// and goes on with the next; calling it again charges nothing more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_charge_pays_the_current_period() {
    let env = env().await;
    env.key("fc_a", APPROVE).await;
    env.key("fc_b", DECLINE_FUNDS).await;
    let start = env.sandbox_now().await - 3 * DAY;
    let mut input = plan_input("fc", start, Interval::EveryDays { days: 30 });
    input.first_charge = true;
    let plan = env.store.create_plan(&input).unwrap();
    let a = env.store.subscribe("fc", "fc_a").unwrap();
    let now = env.sandbox_now().await;
    let fc = charge_first_period(&env.store, &env.client, a.id, now)
        .await
        .unwrap();
    assert_eq!((fc.label.as_str(), fc.state.as_str()), ("p1", "paid"));
    let again = charge_first_period(&env.store, &env.client, a.id, now)
        .await
        .unwrap();
    assert!(again.charge.replayed, "the same order: nothing sent");
    assert_eq!(env.paid_for_customer("fc_a").await, 1);
    let r = run_plans(&env.store, &env.client, now, &EngineOptions::default())
        .await
        .unwrap();
    assert_eq!(r.registered, 3, "the next three periods");
    let periods = env.store.subscription_periods(a.id).unwrap();
    assert_eq!(periods[0].state, "paid");
    assert_eq!(periods[1].due_at, plan.period(1).unwrap().due_at);
    // A decline goes to the ladder like a failed schedule.
    let b = env.store.subscribe("fc", "fc_b").unwrap();
    let fb = charge_first_period(&env.store, &env.client, b.id, now)
        .await
        .unwrap();
    assert_eq!(fb.state, "failed");
    let p = &env.store.subscription_periods(b.id).unwrap()[0];
    // The period began three days ago: the first retry is a day after this decline,
    // not the ladder's day one (already past, so retried at once, then again).
    assert!(plan.period(0).unwrap().due_at + DAY < now);
    assert_eq!(p.next_retry_at, Some(now + DAY));
}
