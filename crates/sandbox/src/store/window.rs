//! Pages of the time-window lists (`GET /payments/status/{status}` and
//! `GET /subscribe/payments/schedule`) found without counting the window row by row.
//!
//! SQLite counts an index range one entry at a time, and `LIMIT … OFFSET n` steps over
//! `n` rows, so at 1,000,000 payments the total and a deep page of a 90-day window each
//! cost a quarter of a million steps. Instead, tables kept exact by triggers (migration
//! 3) count rows per day: `payment_days` per day of `status_at` (what the window
//! filters on) and per day of each sort time (what pages are ordered by), and
//! `schedule_days` per day of `schedule_at`. A page is then found in three steps:
//!
//! 1. the window's rows per day of the sort time: the whole days inside the window from
//!    the count table; the first and last day of the window, which the window may cut,
//!    from the window index (at most two days of rows);
//! 2. those days walked in page order up to the day holding the page's first row;
//! 3. the page read from the sort-order index, starting at that day and skipping only
//!    the window's rows on it that come before the page.
//!
//! Each step is exact, so every answer (total, rows and their order) is the one
//! `ORDER BY … LIMIT … OFFSET` over the whole table gives; the tests compare the two.

use std::collections::BTreeMap;

use rusqlite::{Connection, params};

use super::{PAY_COLS, PaymentOrder, SCHED_COLS, StoredPayment, query_payments, schedule_from_row};
use crate::wire::Schedule;

/// Length of a count bucket. Migration 3 computes the same days in SQL
/// (`status_day` and friends); the two must agree, which a test checks.
pub const DAY_SECS: i64 = 86_400;

/// The day a Unix time falls on (a floor, also before 1970).
pub fn day(t: i64) -> i64 {
    t.div_euclid(DAY_SECS)
}

/// First and last second of a day, clamped to `i64` (no stored time lies beyond it, so a
/// clamped bound selects the same rows).
fn day_bounds(d: i64) -> (i64, i64) {
    let start = i128::from(d) * i128::from(DAY_SECS);
    let clamp = |t: i128| t.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64;
    (clamp(start), clamp(start + i128::from(DAY_SECS) - 1))
}

/// How an inclusive window `[from, to]` splits into days.
#[derive(Debug, PartialEq, Eq)]
struct Split {
    /// The window's part of its first and of its last day (one segment when both are
    /// the same day). These are counted from the rows.
    edges: Vec<(i64, i64)>,
    /// The days strictly between, whole inside the window: counted from the count table.
    whole_days: Option<(i64, i64)>,
}

fn split(from: i64, to: i64) -> Split {
    if from > to {
        return Split {
            edges: Vec::new(),
            whole_days: None,
        };
    }
    let (first, last) = (day(from), day(to));
    if first == last {
        return Split {
            edges: vec![(from, to)],
            whole_days: None,
        };
    }
    Split {
        edges: vec![(from, day_bounds(first).1), (day_bounds(last).0, to)],
        whole_days: (last - first >= 2).then_some((first + 1, last - 1)),
    }
}

/// Where a page lies in the per-day counts walked in page order.
#[derive(Debug, PartialEq, Eq)]
struct Located {
    /// The day of the page's first row.
    first_day: i64,
    /// The window's rows on that day before the page.
    skip: i64,
    /// The day of the page's last row (the last day with rows when the page is short).
    last_day: i64,
}

fn locate(
    per_day: &BTreeMap<i64, i64>,
    descending: bool,
    offset: i64,
    limit: i64,
) -> Option<Located> {
    let days: Box<dyn Iterator<Item = (&i64, &i64)>> = if descending {
        Box::new(per_day.iter().rev())
    } else {
        Box::new(per_day.iter())
    };
    let mut before = 0i64;
    let mut found: Option<Located> = None;
    for (&d, &n) in days {
        match &mut found {
            None if before + n > offset => {
                found = Some(Located {
                    first_day: d,
                    skip: offset - before,
                    last_day: d,
                })
            }
            None => {}
            Some(l) => l.last_day = d,
        }
        before += n;
        if found.is_some() && before >= offset.saturating_add(limit) {
            break;
        }
    }
    found
}

/// The sort-time range a located page is read from, low to high.
fn sort_range(l: &Located, descending: bool) -> (i64, i64) {
    let (lo, hi) = if descending {
        (l.last_day, l.first_day)
    } else {
        (l.first_day, l.last_day)
    };
    (day_bounds(lo).0, day_bounds(hi).1)
}

/// Payments whose `status_at` lies in `[from, to]`, optionally of one status, in
/// `order`, paged: `(total, page)`.
#[allow(clippy::too_many_arguments)]
pub fn payments_by_status(
    conn: &Connection,
    status: Option<&str>,
    from: i64,
    to: i64,
    order: PaymentOrder,
    limit: i64,
    offset: i64,
) -> rusqlite::Result<(i64, Vec<StoredPayment>)> {
    let sort = order.column();
    let sort_day = order.day_column();
    let mut per_day: BTreeMap<i64, i64> = BTreeMap::new();
    let parts = split(from, to);
    if let Some((first, last)) = parts.whole_days {
        let sql = format!(
            "SELECT {sort_day}, SUM(n) FROM payment_days WHERE status_day BETWEEN ?1 AND ?2 AND (?3 IS NULL OR status = ?3) GROUP BY 1"
        );
        let mut st = conn.prepare_cached(&sql)?;
        let rows = st.query_map(params![first, last, status], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
        })?;
        for row in rows {
            let (d, n) = row?;
            *per_day.entry(d).or_default() += n;
        }
    }
    // Separate statements with and without a status, so each uses its own window index
    // (an `?3 IS NULL OR` filter would hide the status index from the planner).
    let edge_sql = match status {
        Some(_) => format!(
            "SELECT {sort} FROM payments INDEXED BY payments_status_window WHERE status = ?3 AND status_at BETWEEN ?1 AND ?2"
        ),
        None => format!(
            "SELECT {sort} FROM payments INDEXED BY payments_window WHERE ?3 IS NULL AND status_at BETWEEN ?1 AND ?2"
        ),
    };
    let mut st = conn.prepare_cached(&edge_sql)?;
    for (a, b) in parts.edges {
        let mut rows = st.query(params![a, b, status])?;
        while let Some(r) = rows.next()? {
            *per_day.entry(day(r.get(0)?)).or_default() += 1;
        }
    }
    let total: i64 = per_day.values().sum();
    let Some(at) = locate(&per_day, order.descending, offset, limit) else {
        return Ok((total, Vec::new()));
    };
    let (lo, hi) = sort_range(&at, order.descending);
    let sql = format!(
        "SELECT {PAY_COLS} FROM payments INDEXED BY {index}
         WHERE {sort} BETWEEN ?1 AND ?2 AND status_at BETWEEN ?3 AND ?4 AND (?5 IS NULL OR status = ?5)
         ORDER BY {order_sql} LIMIT ?6 OFFSET ?7",
        index = order.index(),
        order_sql = order.sql(),
    );
    let list = query_payments(
        conn,
        &sql,
        &[&lo, &hi, &from, &to, &status, &limit, &at.skip],
    )?;
    Ok((total, list))
}

/// Schedules whose `schedule_at` lies in `[from, to)`, optionally of one status, by
/// `schedule_at` then `merchant_uid`, paged: `(total, page)`.
pub fn schedules_in_window(
    conn: &Connection,
    status: Option<&str>,
    from: i64,
    to: i64,
    oldest_first: bool,
    limit: i64,
    offset: i64,
) -> rusqlite::Result<(i64, Vec<Schedule>)> {
    let mut per_day: BTreeMap<i64, i64> = BTreeMap::new();
    // `to` is exclusive here; below everything is inclusive.
    let Some(to) = to.checked_sub(1) else {
        return Ok((0, Vec::new()));
    };
    let parts = split(from, to);
    if let Some((first, last)) = parts.whole_days {
        let mut st = conn.prepare_cached(
            "SELECT schedule_day, SUM(n) FROM schedule_days WHERE schedule_day BETWEEN ?1 AND ?2 AND (?3 IS NULL OR schedule_status = ?3) GROUP BY 1",
        )?;
        let rows = st.query_map(params![first, last, status], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
        })?;
        for row in rows {
            let (d, n) = row?;
            *per_day.entry(d).or_default() += n;
        }
    }
    let edge_sql = match status {
        Some(_) => {
            "SELECT COUNT(*) FROM schedules INDEXED BY schedules_due WHERE schedule_status = ?3 AND schedule_at BETWEEN ?1 AND ?2"
        }
        None => {
            "SELECT COUNT(*) FROM schedules INDEXED BY schedules_window WHERE ?3 IS NULL AND schedule_at BETWEEN ?1 AND ?2"
        }
    };
    let mut st = conn.prepare_cached(edge_sql)?;
    for (a, b) in parts.edges {
        // An edge lies within one day: the sort time is the window's own time here.
        let n: i64 = st.query_row(params![a, b, status], |r| r.get(0))?;
        if n > 0 {
            *per_day.entry(day(a)).or_default() += n;
        }
    }
    let total: i64 = per_day.values().sum();
    let Some(at) = locate(&per_day, !oldest_first, offset, limit) else {
        return Ok((total, Vec::new()));
    };
    let (lo, hi) = sort_range(&at, !oldest_first);
    let (index, order) = match (status, oldest_first) {
        (Some(_), true) => ("schedules_due", "schedule_at ASC, merchant_uid ASC"),
        (Some(_), false) => ("schedules_due", "schedule_at DESC, merchant_uid DESC"),
        (None, true) => ("schedules_window", "schedule_at ASC, merchant_uid ASC"),
        (None, false) => ("schedules_window", "schedule_at DESC, merchant_uid DESC"),
    };
    let filter = match status {
        Some(_) => "schedule_status = ?3",
        None => "?3 IS NULL",
    };
    let sql = format!(
        "SELECT {SCHED_COLS} FROM schedules INDEXED BY {index}
         WHERE {filter} AND schedule_at BETWEEN ?1 AND ?2
         ORDER BY {order} LIMIT ?4 OFFSET ?5"
    );
    let list = conn
        .prepare_cached(&sql)?
        .query_map(
            params![lo.max(from), hi.min(to), status, limit, at.skip],
            schedule_from_row,
        )?
        .map(|r| r.map(|s| s.schedule))
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((total, list))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_floors_also_before_1970() {
        assert_eq!(day(0), 0);
        assert_eq!(day(DAY_SECS - 1), 0);
        assert_eq!(day(DAY_SECS), 1);
        assert_eq!(day(-1), -1);
        assert_eq!(day(-DAY_SECS), -1);
        assert_eq!(day(-DAY_SECS - 1), -2);
        assert_eq!(day_bounds(day(i64::MAX)).1, i64::MAX);
        assert_eq!(day_bounds(day(i64::MIN)).0, i64::MIN);
    }

    #[test]
    fn a_window_splits_into_cut_edges_and_whole_days() {
        let d = DAY_SECS;
        assert_eq!(
            split(10, 20),
            Split {
                edges: vec![(10, 20)],
                whole_days: None
            }
        );
        assert_eq!(
            split(10, d + 5),
            Split {
                edges: vec![(10, d - 1), (d, d + 5)],
                whole_days: None
            }
        );
        assert_eq!(
            split(0, 3 * d - 1),
            Split {
                edges: vec![(0, d - 1), (2 * d, 3 * d - 1)],
                whole_days: Some((1, 1))
            }
        );
        assert_eq!(split(5, 4).edges, Vec::<(i64, i64)>::new());
    }

    #[test]
    fn locate_finds_the_day_and_the_rows_to_skip_in_either_order() {
        let per_day: BTreeMap<i64, i64> = [(1, 3), (2, 0), (4, 5), (7, 2)].into();
        let at = |desc, off, lim| locate(&per_day, desc, off, lim);
        assert_eq!(
            at(false, 0, 2),
            Some(Located {
                first_day: 1,
                skip: 0,
                last_day: 1
            })
        );
        assert_eq!(
            at(false, 3, 6),
            Some(Located {
                first_day: 4,
                skip: 0,
                last_day: 7
            })
        );
        assert_eq!(
            at(false, 4, 1),
            Some(Located {
                first_day: 4,
                skip: 1,
                last_day: 4
            })
        );
        assert_eq!(
            at(true, 1, 3),
            Some(Located {
                first_day: 7,
                skip: 1,
                last_day: 4
            })
        );
        assert_eq!(at(false, 10, 5), None);
    }
}
