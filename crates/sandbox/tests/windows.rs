//! The time-window lists answer exactly what a plain `ORDER BY … LIMIT … OFFSET` over
//! the whole table answers (the sandbox's query before the day counts): the same total,
//! the same rows in the same order, on every page, at window edges, with equal
//! timestamps, and past the end.

mod common;

use common::*;
use proptest::prelude::*;
use rusqlite::{Connection, params};
use serde_json::json;
use subdesk_sandbox::SandboxConfig;
use subdesk_sandbox::seed::{self, SeedRequest};
use subdesk_sandbox::state::AppState;
use subdesk_sandbox::store::{self, DAY_SECS, PaymentOrder, Store, day};

const D: i64 = DAY_SECS;
const STATUSES: [Option<&str>; 5] = [
    None,
    Some("paid"),
    Some("cancelled"),
    Some("failed"),
    Some("ready"),
];
const SORTINGS: [&str; 6] = [
    "-started", "started", "-paid", "paid", "-updated", "updated",
];

/// One payment row with just the times that matter here.
#[derive(Debug, Clone)]
struct Row {
    status: &'static str,
    started: i64,
    paid: i64,
    updated: i64,
    status_at: i64,
}

fn insert(conn: &Connection, r: &Row) {
    let id: i64 = conn
        .query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM payments", [], |x| {
            x.get(0)
        })
        .unwrap();
    conn.execute(
        "INSERT INTO payments (id, imp_uid, merchant_uid, status, amount, currency, pg_provider, pg_id, sandbox, started_at, paid_at, updated_at, status_at)
         VALUES (?1, ?2, ?3, ?4, 1000, 'KRW', 'nice', 'nice_test', 0, ?5, ?6, ?7, ?8)",
        params![id, format!("imp_{id}"), format!("m_{id}"), r.status, r.started, r.paid, r.updated, r.status_at],
    )
    .unwrap();
}

/// The query the sandbox ran before (one `ORDER BY … LIMIT … OFFSET` over the table).
fn plain_payments(
    conn: &Connection,
    status: Option<&str>,
    from: i64,
    to: i64,
    order: &str,
    limit: i64,
    offset: i64,
) -> (i64, Vec<i64>) {
    let filter = "(?1 IS NULL OR status = ?1) AND status_at BETWEEN ?2 AND ?3";
    let total = conn
        .query_row(
            &format!("SELECT COUNT(*) FROM payments NOT INDEXED WHERE {filter}"),
            params![status, from, to],
            |r| r.get(0),
        )
        .unwrap();
    let ids = conn
        .prepare(&format!(
            "SELECT id FROM payments NOT INDEXED WHERE {filter} ORDER BY {order} LIMIT ?4 OFFSET ?5"
        ))
        .unwrap()
        .query_map(params![status, from, to, limit, offset], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<Vec<i64>>>()
        .unwrap();
    (total, ids)
}

fn windowed_payments(
    conn: &Connection,
    status: Option<&str>,
    from: i64,
    to: i64,
    sorting: &str,
    limit: i64,
    offset: i64,
) -> (i64, Vec<i64>) {
    let order = PaymentOrder::parse(Some(sorting)).unwrap();
    let (total, list) =
        store::payments_by_status(conn, status, from, to, order, limit, offset).unwrap();
    (total, list.iter().map(|p| p.id).collect())
}

/// Every status, sorting, page size and page (one past the end too) of a window.
fn assert_window_matches(conn: &Connection, from: i64, to: i64) {
    for status in STATUSES {
        for sorting in SORTINGS {
            let order = PaymentOrder::parse(Some(sorting)).unwrap().sql();
            for limit in [1, 3, 1000] {
                let (total, _) = plain_payments(conn, status, from, to, order, limit, 0);
                let mut offset = 0;
                loop {
                    assert_eq!(
                        windowed_payments(conn, status, from, to, sorting, limit, offset),
                        plain_payments(conn, status, from, to, order, limit, offset),
                        "status {status:?}, sorting {sorting}, window [{from}, {to}], limit {limit}, offset {offset}"
                    );
                    if offset >= total {
                        break;
                    }
                    // Every page for small limits would be slow; a stride that still
                    // visits the first, some middle and the last pages.
                    offset += if limit == 1 { 7 } else { limit };
                }
            }
        }
    }
}

/// Rows that sit on day boundaries, share timestamps, lag their status time by days,
/// were never paid (paid_at 0) or lie before 1970.
fn edge_rows() -> Vec<Row> {
    let mut rows = Vec::new();
    let base = 20_000 * D;
    for i in 0..40 {
        // Many payments in the same second, right at a day's start and end.
        let t = base + if i % 2 == 0 { 0 } else { -1 };
        rows.push(Row {
            status: "paid",
            started: t,
            paid: t,
            updated: t,
            status_at: t,
        });
    }
    for i in 0..60i64 {
        let started = base - 3 * D + i * 7_919 % (6 * D);
        let cancelled = started + (i % 9) * D + i * 13;
        rows.push(Row {
            status: "cancelled",
            started,
            paid: started,
            updated: cancelled,
            status_at: cancelled,
        });
        rows.push(Row {
            status: "failed",
            started,
            paid: 0,
            updated: started + 5,
            status_at: started + 5,
        });
        rows.push(Row {
            status: "paid",
            started,
            paid: started + (i % 3) * D,
            updated: started + (i % 4) * D,
            status_at: started + (i % 3) * D,
        });
    }
    for t in [-D - 1, -D, -1, 0, 1, D - 1, D] {
        rows.push(Row {
            status: "ready",
            started: t,
            paid: 0,
            updated: t,
            status_at: t,
        });
    }
    rows
}

#[test]
fn payment_pages_equal_the_plain_query_at_edges_ties_and_past_the_end() {
    let store = Store::open(None).unwrap();
    let conn = store.lock();
    for r in edge_rows() {
        insert(&conn, &r);
    }
    let base = 20_000 * D;
    let windows = [
        (base, base),                 // one second holding 20 payments
        (base - 1, base),             // the last second of a day and the first of the next
        (base - D, base - 1),         // exactly one whole day
        (base - D + 1, base - 2),     // one day less a second at each end
        (base - 4 * D, base + 4 * D), // whole days between cut edges
        (base - 3 * D, base + 3 * D - 1),
        (base - 2 * D + 17, base + 5 * D + 3),
        (base + 50 * D, base + 60 * D), // nothing there
        (-2 * D, D),                    // around 1970
        (-D, -1),
    ];
    for (from, to) in windows {
        assert_window_matches(&conn, from, to);
    }
}

#[test]
fn day_counts_follow_inserts_updates_and_deletes() {
    let store = Store::open(None).unwrap();
    let conn = store.lock();
    for r in edge_rows() {
        insert(&conn, &r);
    }
    let base = 20_000 * D;
    // Settle, cancel and re-time rows the way the sandbox does, plus deletes.
    conn.execute_batch(&format!(
        "UPDATE payments SET status = 'cancelled', status_at = status_at + {D}, updated_at = updated_at + {D} WHERE id % 5 = 0 AND status = 'paid';
         UPDATE payments SET status = 'paid', paid_at = status_at + 3, status_at = status_at + 3 WHERE status = 'ready';
         UPDATE payments SET started_at = started_at - 2 * {D} WHERE id % 7 = 0;
         DELETE FROM payments WHERE id % 11 = 0;"
    ))
    .unwrap();
    assert_day_counts_exact(&conn);
    assert_window_matches(&conn, base - 4 * D + 5, base + 4 * D);
    conn.execute_batch("DELETE FROM payments").unwrap();
    let left: i64 = conn
        .query_row("SELECT COUNT(*) FROM payment_days", [], |r| r.get(0))
        .unwrap();
    assert_eq!(left, 0, "an empty table leaves no day counts behind");
}

/// `payment_days` holds exactly the counts a fresh `GROUP BY` gives.
fn assert_day_counts_exact(conn: &Connection) {
    let q = |sql: &str| {
        conn.prepare(sql)
            .unwrap()
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, i64>(5)?,
                ))
            })
            .unwrap()
            .collect::<rusqlite::Result<Vec<_>>>()
            .unwrap()
    };
    let kept = q(
        "SELECT status_day, status, started_day, paid_day, updated_day, n FROM payment_days ORDER BY 1, 2, 3, 4, 5",
    );
    // Computed from the raw times with Rust's floor, not the schema's own day columns.
    let mut fresh: Vec<_> =
        q("SELECT status_at, status, started_at, paid_at, updated_at, 0 FROM payments NOT INDEXED")
            .into_iter()
            .map(|(s, st, a, p, u, _)| (day(s), st, day(a), day(p), day(u)))
            .fold(std::collections::BTreeMap::<_, i64>::new(), |mut m, k| {
                *m.entry(k).or_default() += 1;
                m
            })
            .into_iter()
            .map(|((s, st, a, p, u), n)| (s, st, a, p, u, n))
            .collect();
    fresh.sort();
    assert_eq!(kept, fresh);
}

#[test]
fn sql_days_and_rust_days_agree() {
    let store = Store::open(None).unwrap();
    let conn = store.lock();
    for (i, t) in [
        i64::MIN,
        -D - 1,
        -D,
        -1,
        0,
        1,
        D - 1,
        D,
        1_796_174_725,
        i64::MAX,
    ]
    .into_iter()
    .enumerate()
    {
        insert(
            &conn,
            &Row {
                status: "paid",
                started: t,
                paid: t,
                updated: t,
                status_at: t,
            },
        );
        let (s, a, p, u): (i64, i64, i64, i64) = conn
            .query_row(
                "SELECT status_day, started_day, paid_day, updated_day FROM payments WHERE id = ?1",
                [i as i64 + 1],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        assert_eq!((s, a, p, u), (day(t), day(t), day(t), day(t)), "t = {t}");
    }
}

fn state_with(store: Store) -> AppState {
    AppState {
        store,
        clock: Default::default(),
        tokens: Default::default(),
        faults: Default::default(),
        reqlog: Default::default(),
        webhooks: Default::default(),
        imp_key: String::new(),
        imp_secret: String::new(),
        base_url: "http://127.0.0.1:1".into(),
    }
}

#[test]
fn seeded_store_pages_equal_the_plain_query_and_seeding_keeps_indexes_and_counts() {
    let state = state_with(Store::open(None).unwrap());
    let names = |conn: &Connection| -> Vec<String> {
        conn.prepare(
            "SELECT type || ' ' || name FROM sqlite_schema WHERE tbl_name = 'payments' ORDER BY 1",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
    };
    let before = names(&state.store.lock());
    // Twice: the second seed adds to a table that already has rows and counts.
    for s in [3, 4] {
        seed::seed(
            &state,
            &SeedRequest {
                seed: s,
                customers: 40,
                payments: 3_000,
            },
        )
        .unwrap();
    }
    let conn = state.store.lock();
    assert_eq!(
        names(&conn),
        before,
        "the seed puts every index and trigger back"
    );
    assert_day_counts_exact(&conn);
    let now = state.clock.now();
    for (from, to) in [
        (now - 90 * D, now),
        (now - 200 * D + 12_345, now - 110 * D - 999),
    ] {
        for status in STATUSES {
            for sorting in SORTINGS {
                let order = PaymentOrder::parse(Some(sorting)).unwrap().sql();
                let (total, _) = plain_payments(&conn, status, from, to, order, 1000, 0);
                for offset in [
                    0,
                    100,
                    total / 2,
                    total.saturating_sub(1),
                    total,
                    total + 100,
                ] {
                    assert_eq!(
                        windowed_payments(&conn, status, from, to, sorting, 100, offset),
                        plain_payments(&conn, status, from, to, order, 100, offset),
                        "{status:?} {sorting} [{from}, {to}] offset {offset}"
                    );
                }
            }
        }
    }
}

/// Random rows and windows: times within a few days of a day boundary, so rows share
/// seconds and days, and windows start and end anywhere.
fn row_strategy() -> impl Strategy<Value = Row> {
    let t = -3 * D..3 * D;
    (
        0usize..4,
        t.clone(),
        0i64..3 * D,
        0i64..2 * D,
        any::<bool>(),
    )
        .prop_map(|(s, started, lag, extra, coarse)| {
            // Coarse times put many rows on the same second.
            let started = if coarse {
                started / 3_600 * 3_600
            } else {
                started
            };
            let status = ["paid", "cancelled", "failed", "ready"][s];
            let (paid, status_at) = match status {
                "paid" => (started, started),
                "cancelled" => (started, started + lag),
                _ => (0, started + lag % 600),
            };
            Row {
                status,
                started,
                paid,
                updated: status_at + extra,
                status_at,
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]
    #[test]
    fn random_payment_windows_equal_the_plain_query(
        rows in proptest::collection::vec(row_strategy(), 0..120),
        from in -4 * D..4 * D,
        len in 0i64..5 * D,
        s in 0usize..5,
        o in 0usize..6,
        limit in 1i64..40,
        offset in 0i64..130,
    ) {
        let store = Store::open(None).unwrap();
        let conn = store.lock();
        for r in &rows {
            insert(&conn, r);
        }
        let to = from + len;
        let (status, sorting) = (STATUSES[s], SORTINGS[o]);
        let order = PaymentOrder::parse(Some(sorting)).unwrap().sql();
        prop_assert_eq!(
            windowed_payments(&conn, status, from, to, sorting, limit, offset),
            plain_payments(&conn, status, from, to, order, limit, offset)
        );
    }

    #[test]
    fn random_schedule_windows_equal_the_plain_query(
        times in proptest::collection::vec((-3 * D..3 * D, 0usize..3, any::<bool>()), 0..120),
        from in -4 * D..4 * D,
        len in 1i64..5 * D,
        s in 0usize..4,
        oldest_first in any::<bool>(),
        limit in 1i64..40,
        offset in 0i64..130,
    ) {
        let store = Store::open(None).unwrap();
        let conn = store.lock();
        for (i, (t, st, coarse)) in times.iter().enumerate() {
            let t = if *coarse { t / 3_600 * 3_600 } else { *t };
            insert_schedule(&conn, &format!("m{i:04}"), &format!("c{}", i % 3), t, ["scheduled", "executed", "revoked"][*st]);
        }
        let status = [None, Some("scheduled"), Some("executed"), Some("revoked")][s];
        for customer in [None, Some("c1")] {
            prop_assert_eq!(
                windowed_schedules(&conn, customer, status, from, from + len, oldest_first, limit, offset),
                plain_schedules(&conn, customer, status, from, from + len, oldest_first, limit, offset)
            );
        }
    }
}

fn insert_schedule(conn: &Connection, muid: &str, customer: &str, at: i64, status: &str) {
    conn.execute(
        "INSERT INTO schedules (merchant_uid, customer_uid, schedule_at, amount, currency, schedule_status) VALUES (?1, ?2, ?3, 1000, 'KRW', ?4)",
        params![muid, customer, at, status],
    )
    .unwrap();
}

#[allow(clippy::too_many_arguments)]
fn windowed_schedules(
    conn: &Connection,
    customer: Option<&str>,
    status: Option<&str>,
    from: i64,
    to: i64,
    oldest_first: bool,
    limit: i64,
    offset: i64,
) -> (i64, Vec<String>) {
    let (total, list) = store::schedules_in_window(
        conn,
        customer,
        status,
        from,
        to,
        oldest_first,
        limit,
        offset,
    )
    .unwrap();
    (total, list.into_iter().map(|s| s.merchant_uid).collect())
}

/// The schedule query the sandbox ran before.
#[allow(clippy::too_many_arguments)]
fn plain_schedules(
    conn: &Connection,
    customer: Option<&str>,
    status: Option<&str>,
    from: i64,
    to: i64,
    oldest_first: bool,
    limit: i64,
    offset: i64,
) -> (i64, Vec<String>) {
    let filter = "(?1 IS NULL OR customer_uid = ?1) AND (?2 IS NULL OR schedule_status = ?2) AND schedule_at >= ?3 AND schedule_at < ?4";
    let total = conn
        .query_row(
            &format!("SELECT COUNT(*) FROM schedules NOT INDEXED WHERE {filter}"),
            params![customer, status, from, to],
            |r| r.get(0),
        )
        .unwrap();
    let order = if oldest_first {
        "schedule_at ASC, merchant_uid ASC"
    } else {
        "schedule_at DESC, merchant_uid DESC"
    };
    let list = conn
        .prepare(&format!(
            "SELECT merchant_uid FROM schedules NOT INDEXED WHERE {filter} ORDER BY {order} LIMIT ?5 OFFSET ?6"
        ))
        .unwrap()
        .query_map(params![customer, status, from, to, limit, offset], |r| {
            r.get(0)
        })
        .unwrap()
        .collect::<rusqlite::Result<Vec<String>>>()
        .unwrap();
    (total, list)
}

#[test]
fn schedule_pages_equal_the_plain_query_at_day_edges_and_across_updates() {
    let store = Store::open(None).unwrap();
    let conn = store.lock();
    let base = 20_000 * D;
    let mut n = 0;
    for t in [base - 1, base, base, base, base + 1, base + D - 1, base + D] {
        for st in ["scheduled", "executed", "revoked"] {
            insert_schedule(&conn, &format!("m{n:04}"), "c1", t, st);
            n += 1;
        }
    }
    for i in 0..200i64 {
        let st = ["scheduled", "executed", "revoked"][i as usize % 3];
        insert_schedule(
            &conn,
            &format!("m{n:04}"),
            "c2",
            base - 3 * D + i * 3_877,
            st,
        );
        n += 1;
    }
    // Rescheduled and executed ones move between days and statuses.
    conn.execute_batch(&format!(
        "UPDATE schedules SET schedule_at = schedule_at + {D} WHERE rowid % 4 = 0;
         UPDATE schedules SET schedule_status = 'executed' WHERE rowid % 5 = 0;
         DELETE FROM schedules WHERE rowid % 13 = 0;"
    ))
    .unwrap();
    for (from, to) in [
        (base, base + 1),
        (base - 1, base + 1),
        (base, base + D),
        (base - 3 * D, base + 3 * D),
        (base - 2 * D + 1, base + D - 1),
    ] {
        for status in [None, Some("scheduled"), Some("executed"), Some("revoked")] {
            for customer in [None, Some("c1")] {
                for oldest_first in [true, false] {
                    for (limit, offset) in [(1000, 0), (3, 0), (3, 2), (7, 20), (5, 90), (5, 500)] {
                        assert_eq!(
                            windowed_schedules(
                                &conn,
                                customer,
                                status,
                                from,
                                to,
                                oldest_first,
                                limit,
                                offset
                            ),
                            plain_schedules(
                                &conn,
                                customer,
                                status,
                                from,
                                to,
                                oldest_first,
                                limit,
                                offset
                            ),
                            "{customer:?} {status:?} [{from}, {to}) oldest_first {oldest_first} limit {limit} offset {offset}"
                        );
                    }
                }
            }
        }
    }
}

/// Over HTTP, on a seeded file store read by a second connection: every page of a
/// window, with `total`, `previous` and `next`, and the 400 one page past the end.
#[tokio::test]
async fn status_pages_over_http_equal_the_plain_query() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sandbox.sqlite");
    let h = start_with(SandboxConfig {
        db_path: Some(db.clone()),
        ..Default::default()
    })
    .await;
    h.control(
        "POST",
        "/seed",
        Some(json!({"seed": 5, "customers": 30, "payments": 4_000})),
    )
    .await;
    let conn = Connection::open(&db).unwrap();
    let now = h.sb.now();
    let (from, to) = (now - 90 * D + 777, now - 333);
    for (status, sorting) in [
        ("all", "started"),
        ("cancelled", "-updated"),
        ("paid", "-paid"),
    ] {
        let st = (status != "all").then_some(status);
        let order = PaymentOrder::parse(Some(sorting)).unwrap().sql();
        let limit = 250;
        let (total, _) = plain_payments(&conn, st, from, to, order, limit, 0);
        let last = ((total + limit - 1) / limit).max(1);
        for page in 1..=last + 1 {
            let (code, v) = h
                .call(
                    "GET",
                    &format!("/payments/status/{status}?from={from}&to={to}&limit={limit}&page={page}&sorting={sorting}"),
                    None,
                )
                .await;
            if page > last {
                assert_eq!(code, 400, "{v}");
                assert_eq!(v["message"], format!("page는 최대 {last}까지입니다."));
                continue;
            }
            assert_eq!(code, 200, "{v}");
            let r = &v["response"];
            let (_, ids) = plain_payments(&conn, st, from, to, order, limit, (page - 1) * limit);
            let imps: Vec<String> = ids.iter().map(|&id| store::imp_uid_for(id)).collect();
            let got: Vec<String> = r["list"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["imp_uid"].as_str().unwrap().to_string())
                .collect();
            assert_eq!(got, imps, "{status} {sorting} page {page}");
            assert_eq!(r["total"], total);
            assert_eq!(r["previous"], page - 1);
            assert_eq!(r["next"], if page < last { page + 1 } else { 0 });
        }
    }
}
