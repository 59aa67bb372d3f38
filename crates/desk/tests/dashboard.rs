//! The dashboard's view model against a real store: every figure is what the records
//! say (counted here by hand, days cut in Seoul), and equals the totals and the row
//! count of the list its link opens.

use subdesk_billing::money::merchant_uid;
use subdesk_billing::{
    CustomerRecord, DunningPolicy, Interval, PaymentRecord, PaymentStatus, PlanInput,
    ScheduleRecord, Store, SubscribeOptions, TimeField,
};
use subdesk_desk::dashboard::{self, Dashboard, PaymentLink};
use subdesk_desk::dates::{DatePreset, day_range};

const Z: &str = "Asia/Seoul";
/// 2026-11-25 12:00 in Seoul.
const NOW: i64 = 1_795_575_600;
const HOUR: i64 = 3600;
const DAY: i64 = 86_400;
/// 2026-11-01 00:00 in Seoul.
const NOV_1: i64 = 1_793_458_800;

fn pay(i: usize, at: i64, amount: i64) -> PaymentRecord {
    PaymentRecord {
        imp_uid: format!("imp_{i:04}"),
        merchant_uid: format!("order-{i:04}"),
        customer_uid: Some("cust_a".into()),
        status: "paid".into(),
        amount,
        amount_text: amount.to_string(),
        currency: "KRW".into(),
        pg_provider: Some(if i.is_multiple_of(3) { "kcp" } else { "nice" }.into()),
        pay_method: Some("card".into()),
        started_at: Some(at - 5),
        paid_at: Some(at),
        raw_json: format!("{{\"n\":{i}}}"),
        ..PaymentRecord::default()
    }
}

/// The store and the records in it.
fn world() -> (tempfile::TempDir, Store, Vec<PaymentRecord>) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("p.sqlite3")).unwrap();
    let mut recs = Vec::new();
    // Payments every 7 hours from mid-October to the end of November, Seoul.
    let mut at = NOV_1 - 15 * DAY + 1;
    let mut i = 0;
    while at < NOV_1 + 30 * DAY {
        let mut p = pay(i, at, 1_000 + (i as i64 % 9) * 500);
        match i % 10 {
            // Failed: no paid time.
            1 => {
                p.status = "failed".into();
                p.paid_at = None;
                p.failed_at = Some(at);
            }
            // Partly refunded a day later.
            4 => {
                p.cancel_amount = 500;
                p.cancelled_at = Some(at + DAY);
            }
            // Refunded in full.
            7 => {
                p.status = "cancelled".into();
                p.cancel_amount = p.amount;
                p.cancelled_at = Some(at + HOUR);
            }
            _ => {}
        }
        if i.is_multiple_of(6) {
            p.merchant_uid = merchant_uid::for_period("gold", "cust_a", &format!("p{i}"));
        }
        if i.is_multiple_of(13) {
            p.currency = "USD".into();
        }
        recs.push(p);
        at += 7 * HOUR;
        i += 1;
    }
    // A payment paid at 23:30 on Nov 30 in Seoul (Dec 1 is UTC's next day too): November.
    recs.push(pay(9_000, NOV_1 + 30 * DAY - 30 * 60, 7_777));
    // One at 00:10 on Nov 1 in Seoul, the 31st of October in UTC: November here.
    recs.push(pay(9_001, NOV_1 + 10 * 60, 3_333));
    store.upsert_payments(&recs).unwrap();

    store
        .upsert_customer(&CustomerRecord {
            customer_uid: "cust_a".into(),
            pg_provider: Some("nice".into()),
            customer_name: Some("김민준".into()),
            ..CustomerRecord::default()
        })
        .unwrap();
    let plan = |code: &str, amount, interval| PlanInput {
        code: code.into(),
        name: format!("{code} 요금제"),
        amount,
        tax_free: 0,
        interval,
        start_at: NOV_1,
        end_at: None,
        max_periods: None,
        dunning: DunningPolicy::default(),
        first_charge: false,
    };
    store
        .create_plan(&plan("gold", 29_000, Interval::Monthly { day: 1 }))
        .unwrap();
    store
        .create_plan(&plan("weekly", 7_000, Interval::EveryDays { days: 7 }))
        .unwrap();
    store.subscribe("gold", "cust_a").unwrap();

    let sched = |n: usize, at: i64, status: &str| ScheduleRecord {
        merchant_uid: format!("sch-{n}"),
        customer_uid: "cust_a".into(),
        schedule_at: at,
        amount: 10_000 + n as i64,
        amount_text: (10_000 + n).to_string(),
        currency: "KRW".into(),
        schedule_status: status.into(),
        raw_json: "{}".into(),
        ..ScheduleRecord::default()
    };
    store
        .upsert_schedules(&[
            // Earlier today (still waiting): counted.
            sched(1, NOW - 11 * HOUR, "scheduled"),
            sched(2, NOW + 2 * DAY, "scheduled"),
            // Dec 1, 23:59 Seoul: the 7th day, counted.
            sched(3, NOV_1 + 31 * DAY - 60, "scheduled"),
            // Dec 2 00:00 Seoul: the 8th day, not.
            sched(4, NOV_1 + 31 * DAY, "scheduled"),
            // Revoked: not waiting.
            sched(5, NOW + DAY, "revoked"),
        ])
        .unwrap();
    (dir, store, recs)
}

fn seoul_day(t: i64) -> i64 {
    (t + 9 * HOUR).div_euclid(DAY)
}

fn in_november(t: Option<i64>) -> bool {
    t.is_some_and(|t| (NOV_1..NOV_1 + 30 * DAY).contains(&t))
}

fn krw_paid(p: &PaymentRecord) -> bool {
    p.currency == "KRW" && (p.status == "paid" || p.status == "cancelled")
}

/// Every row the payments list pages through for a link.
fn list_count(store: &Store, link: &PaymentLink) -> usize {
    let mut q = link.query(Z).unwrap();
    q.limit = Some(50);
    let mut n = 0;
    loop {
        let page = store.list_payments(&q).unwrap();
        n += page.items.len();
        match page.next_cursor {
            Some(c) => q.cursor = Some(c),
            None => return n,
        }
    }
}

fn this_month(store: &Store) -> Dashboard {
    dashboard::dashboard(store, DatePreset::ThisMonth, Z, NOW).unwrap()
}

#[test]
fn figures_are_the_records_counted_in_seoul_days() {
    let (_dir, store, recs) = world();
    let d = this_month(&store);
    assert_eq!(
        (d.range.first_day.as_str(), d.range.last_day.as_str()),
        ("2026-11-01", "2026-11-30")
    );

    let paid: Vec<&PaymentRecord> = recs
        .iter()
        .filter(|p| (p.status == "paid" || p.status == "cancelled") && in_november(p.paid_at))
        .collect();
    let gross: i64 = paid.iter().filter(|p| krw_paid(p)).map(|p| p.amount).sum();
    let refunded: i64 = paid
        .iter()
        .filter(|p| krw_paid(p))
        .map(|p| p.cancel_amount)
        .sum();
    assert_eq!(d.gross.count, paid.len() as i64);
    assert_eq!(
        (d.gross.amount, d.gross.refunded, d.gross.net),
        (gross, refunded, gross - refunded)
    );
    assert!(refunded > 0 && gross > 0);
    let refunded_rows = paid.iter().filter(|p| p.cancel_amount > 0).count() as i64;
    assert_eq!(
        (d.refunds.count, d.refunds.refunded),
        (refunded_rows, refunded)
    );

    let failed = recs
        .iter()
        .filter(|p| p.status == "failed" && in_november(p.failed_at))
        .count() as i64;
    assert_eq!(d.failed.count, failed);
    assert_eq!(
        d.failure_rate_bp,
        Some(failed * 10_000 / (failed + paid.len() as i64))
    );

    // The plans' payments: order ids `sd-gold-…`.
    let gold: Vec<&&PaymentRecord> = paid
        .iter()
        .filter(|p| p.merchant_uid.starts_with("sd-gold-"))
        .collect();
    assert!(!gold.is_empty());
    assert_eq!(d.plans.paid.count, gold.len() as i64);
    assert_eq!(
        d.plans.paid.amount,
        gold.iter()
            .filter(|p| krw_paid(p))
            .map(|p| p.amount)
            .sum::<i64>()
    );
    assert_eq!(
        (
            d.plans.plans,
            d.plans.active_subscriptions,
            d.plans.monthly_recurring
        ),
        (2, 1, 29_000)
    );
    let plans: Vec<(&str, i64)> = d
        .by_plan
        .iter()
        .map(|b| (b.key.as_str(), b.figure.count))
        .collect();
    assert_eq!(plans, vec![("gold", gold.len() as i64), ("weekly", 0)]);
    assert_eq!(d.by_plan[0].label, "gold 요금제");

    // The days: 30 bars that add up to the figures; the 23:30 payment is on the 30th,
    // the 00:10 one on the 1st.
    assert_eq!(d.daily.len(), 30);
    assert_eq!(
        d.daily.iter().map(|b| b.figure.amount).sum::<i64>(),
        d.gross.amount
    );
    assert_eq!(
        d.daily.iter().map(|b| b.figure.refunded).sum::<i64>(),
        d.gross.refunded
    );
    assert_eq!(
        d.daily.iter().map(|b| b.figure.count).sum::<i64>(),
        d.gross.count
    );
    for (n, bar) in d.daily.iter().enumerate() {
        let day = seoul_day(NOV_1) + n as i64;
        let want: i64 = paid
            .iter()
            .filter(|p| krw_paid(p) && seoul_day(p.paid_at.unwrap()) == day)
            .map(|p| p.amount)
            .sum();
        assert_eq!(bar.figure.amount, want, "{}", bar.key);
    }
    assert!(d.daily[0].figure.amount >= 3_333 && d.daily[29].figure.amount >= 7_777);

    // PGs: biggest first, adding up to the gross.
    let pgs: Vec<&str> = d.by_pg.iter().map(|b| b.key.as_str()).collect();
    assert_eq!(pgs, vec!["nice", "kcp"]);
    assert_eq!(
        d.by_pg.iter().map(|b| b.figure.amount).sum::<i64>(),
        d.gross.amount
    );

    // Schedules waiting today to Dec 1 (in Seoul): ids 1, 2 and 3.
    assert_eq!(
        (d.next_week.count, d.next_week.amount),
        (3, 10_001 + 10_002 + 10_003)
    );
    assert_eq!(
        (
            d.next_week.link.first_day.as_str(),
            d.next_week.link.last_day.as_str()
        ),
        ("2026-11-25", "2026-12-01")
    );
}

#[test]
fn every_figure_is_the_count_of_the_list_it_opens() {
    let (_dir, store, _) = world();
    let d = this_month(&store);
    let mut links: Vec<(&str, &dashboard::PaymentFigure)> = vec![
        ("gross", &d.gross),
        ("refunds", &d.refunds),
        ("failed", &d.failed),
        ("plans", &d.plans.paid),
    ];
    links.extend(d.daily.iter().map(|b| (b.key.as_str(), &b.figure)));
    links.extend(d.by_pg.iter().map(|b| (b.key.as_str(), &b.figure)));
    links.extend(d.by_plan.iter().map(|b| (b.key.as_str(), &b.figure)));
    for (name, f) in links {
        assert_eq!(list_count(&store, &f.link) as i64, f.count, "{name}");
        let t = store.payment_totals(&f.link.query(Z).unwrap()).unwrap();
        assert_eq!(
            (t.amount, t.refunded, t.net),
            (f.amount, f.refunded, f.net),
            "{name}"
        );
    }
    // The links say what the list's controls show.
    assert_eq!(d.gross.link.preset, Some(DatePreset::ThisMonth));
    assert_eq!(d.gross.link.time_field, TimeField::Paid);
    assert_eq!(d.failed.link.status, vec![PaymentStatus::Failed]);
    assert_eq!(d.failed.link.time_field, TimeField::Failed);
    assert!(d.refunds.link.refunded_only);
    assert_eq!(
        (
            d.daily[3].figure.link.preset,
            d.daily[3].figure.link.first_day.as_str()
        ),
        (None, "2026-11-04")
    );
    // The link's bounds are the list's typed days in the same zone.
    let (from, to) = day_range(Some("2026-11-01"), Some("2026-11-30"), Z).unwrap();
    let q = d.gross.link.query(Z).unwrap();
    assert_eq!((q.from, q.to), (from, to));
    // Schedules: the list's rows.
    let sq = d.next_week.link.query(Z).unwrap();
    assert_eq!(
        store.list_schedules(&sq).unwrap().items.len() as i64,
        d.next_week.count
    );
}

#[test]
fn no_plans_and_no_payments_are_zeros_not_errors() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("p.sqlite3")).unwrap();
    let d = dashboard::dashboard(&store, DatePreset::Today, Z, NOW).unwrap();
    assert_eq!(
        (d.gross.count, d.gross.amount, d.failure_rate_bp),
        (0, 0, None)
    );
    assert_eq!((d.plans.plans, d.plans.monthly_recurring), (0, 0));
    assert!(d.by_plan.is_empty() && d.by_pg.is_empty());
    assert_eq!(d.daily.len(), 1);
    assert_eq!(d.next_week.count, 0);
}

/// The dashboard's monthly recurring revenue is the plans screen's: own amounts, paused
/// subscriptions and every-N-days plans counted the same way on both.
#[test]
fn monthly_recurring_is_the_plans_screens_figure() {
    let (_dir, store, _recs) = world();
    let opts = SubscribeOptions {
        amount: Some(5_000),
        ..SubscribeOptions::default()
    };
    store.subscribe_with("weekly", "cust_a", &opts).unwrap();
    let d = this_month(&store);
    let screen: i64 = store
        .plan_summaries(NOW)
        .unwrap()
        .iter()
        .map(|s| s.mrr)
        .sum();
    // 29,000 a month, and 5,000 every 7 days: 5,000 × 365 / 12 / 7 = 21,726.
    assert_eq!(screen, 29_000 + 21_726);
    assert_eq!(d.plans.monthly_recurring, screen);
    assert_eq!(d.plans.active_subscriptions, 2);
}
