//! The schedules list's filters and the totals the store sums for them: every state, a
//! PG, a text, a time window; and per-span totals (a calendar's days) against the rows.

use subdesk_billing::{ScheduleQuery, ScheduleRecord, ScheduleState, Store};

fn rec(
    muid: &str,
    uid: &str,
    at: i64,
    amount: i64,
    status: &str,
    pay: Option<&str>,
    pg: Option<&str>,
) -> ScheduleRecord {
    let raw = match pg {
        Some(pg) => format!("{{\"merchant_uid\":\"{muid}\",\"pg_provider\":\"{pg}\"}}"),
        None => format!("{{\"merchant_uid\":\"{muid}\"}}"),
    };
    ScheduleRecord {
        merchant_uid: muid.into(),
        customer_uid: uid.into(),
        schedule_at: at,
        amount,
        amount_text: amount.to_string(),
        currency: "KRW".into(),
        name: Some(format!("{muid} 정기결제")),
        schedule_status: status.into(),
        payment_status: pay.map(str::to_string),
        raw_json: raw,
        ..Default::default()
    }
}

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("s.db")).unwrap();
    store
        .upsert_schedules(&[
            rec("a", "kim", 1_000, 10_000, "scheduled", None, None),
            rec(
                "b",
                "kim",
                2_000,
                20_000,
                "executed",
                Some("paid"),
                Some("nice"),
            ),
            rec(
                "c",
                "lee",
                3_000,
                30_000,
                "executed",
                Some("failed"),
                Some("kcp"),
            ),
            rec("d", "lee", 4_000, 40_000, "revoked", None, None),
            rec(
                "e",
                "park",
                5_000,
                50_000,
                "executed",
                Some("cancelled"),
                Some("nice"),
            ),
            rec("f", "park", 6_000, 60_000, "scheduled", None, None),
        ])
        .unwrap();
    (dir, store)
}

fn count_amount(store: &Store, q: &ScheduleQuery, state: ScheduleState) -> (i64, i64) {
    let t = store.schedule_totals(q).unwrap();
    let s = t.by_state.iter().find(|s| s.state == state).unwrap();
    (s.count, s.amount)
}

#[test]
fn totals_follow_the_filter_and_match_the_rows_listed() {
    let (_d, store) = store();
    let all = ScheduleQuery::default();
    let t = store.schedule_totals(&all).unwrap();
    assert_eq!((t.count, t.amount), (6, 210_000));
    assert_eq!(
        count_amount(&store, &all, ScheduleState::Scheduled),
        (2, 70_000)
    );
    // Paid, and paid then refunded, are both "paid".
    assert_eq!(count_amount(&store, &all, ScheduleState::Paid), (2, 70_000));
    assert_eq!(
        count_amount(&store, &all, ScheduleState::Failed),
        (1, 30_000)
    );
    assert_eq!(
        count_amount(&store, &all, ScheduleState::Revoked),
        (1, 40_000)
    );

    let failed_or_revoked = ScheduleQuery {
        states: vec![ScheduleState::Failed, ScheduleState::Revoked],
        ..ScheduleQuery::default()
    };
    let page = store.list_schedules(&failed_or_revoked).unwrap();
    let ids: Vec<&str> = page.items.iter().map(|s| s.merchant_uid.as_str()).collect();
    assert_eq!(ids, vec!["c", "d"]);
    assert_eq!(page.items[0].state, ScheduleState::Failed);
    let t = store.schedule_totals(&failed_or_revoked).unwrap();
    assert_eq!((t.count, t.amount), (2, 70_000));

    let nice = ScheduleQuery {
        pg: Some("nice".into()),
        ..ScheduleQuery::default()
    };
    assert_eq!(store.schedule_totals(&nice).unwrap().amount, 70_000);
    assert_eq!(store.schedule_pgs().unwrap(), vec!["kcp", "nice"]);

    let text = ScheduleQuery {
        text: Some("PARK".into()),
        from: Some(5_500),
        ..ScheduleQuery::default()
    };
    let page = store.list_schedules(&text).unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(store.schedule_totals(&text).unwrap().amount, 60_000);
}

#[test]
fn spans_add_up_each_window_by_state() {
    let (_d, store) = store();
    // Three spans: [0, 2500), [2500, 4500), [4500, 7000).
    let spans = store
        .schedule_spans(&[0, 2_500, 4_500, 7_000], &ScheduleQuery::default())
        .unwrap();
    let of = |i: u32, st: ScheduleState| {
        spans
            .iter()
            .find(|s| s.index == i)
            .and_then(|s| s.by_state.iter().find(|t| t.state == st))
            .map(|t| (t.count, t.amount))
            .unwrap_or((0, 0))
    };
    assert_eq!(of(0, ScheduleState::Scheduled), (1, 10_000));
    assert_eq!(of(0, ScheduleState::Paid), (1, 20_000));
    assert_eq!(of(1, ScheduleState::Failed), (1, 30_000));
    assert_eq!(of(1, ScheduleState::Revoked), (1, 40_000));
    assert_eq!(of(2, ScheduleState::Scheduled), (1, 60_000));
    assert_eq!(of(2, ScheduleState::Paid), (1, 50_000));
    // A span with nothing in it is left out; bounds must increase.
    let spans = store
        .schedule_spans(&[10_000, 20_000], &ScheduleQuery::default())
        .unwrap();
    assert!(spans.is_empty());
    assert!(
        store
            .schedule_spans(&[5, 5], &ScheduleQuery::default())
            .is_err()
    );
}
