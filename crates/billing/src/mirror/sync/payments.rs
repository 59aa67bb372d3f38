//! Payment sync: `/payments/status/{all,cancelled}` in windows of at most 90
//! days, paged; full from a start time, then incremental from a watermark.
//!
//! The plan of a run (passes × windows) and the next page to fetch are stored as
//! the cursor, in the same transaction as each page's rows. A run that stops
//! (cancel, crash, network) resumes from the cursor; upserts are idempotent, so
//! a page fetched twice changes nothing.
//!
//! While pages are written on a blocking thread, the next ones are already being
//! fetched (a bounded pipeline, see [`run`]): storing costs little on top of
//! paging.

use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;

use subdesk_iamport::{
    Client, Page, Payment as ApiPayment, PaymentListQuery, PaymentStatus as ApiStatus,
    PaymentsByStatusQuery, Sorting,
};

use crate::error::{Error, Result};
use crate::mirror::payments::{PaymentRecord, UpsertStats, upsert_tx};
use crate::mirror::sync::stream::{
    self, CancelToken, ProgressFn, StreamGuard, SyncOutcome, SyncProgress, SyncReport, blocking,
};
use crate::store::db::Store;

const STREAM: &str = "payments";

const DAY: i64 = 86_400;

/// Options of a payment sync.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct PaymentSyncOptions {
    /// Start of a full sync, Unix seconds (default: one year ago).
    pub full_from: Option<i64>,
    /// Ignore the watermark and sync everything from `full_from`.
    pub force_full: bool,
    /// Incremental runs start this long before the watermark, for payments
    /// whose time stamps arrive late.
    pub overlap_secs: i64,
    /// The cancellation pass covers this long before the watermark, so that a
    /// late cancel of an old payment is caught.
    pub cancel_lookback_secs: i64,
    /// Page size (the API allows up to 1000).
    pub page_limit: u32,
    /// Window length (the API allows up to 90 days).
    pub window_secs: i64,
}

impl Default for PaymentSyncOptions {
    fn default() -> Self {
        PaymentSyncOptions {
            full_from: None,
            force_full: false,
            overlap_secs: 3600,
            cancel_lookback_secs: 3600,
            page_limit: 1000,
            window_secs: 90 * DAY,
        }
    }
}

impl PaymentSyncOptions {
    /// A sync a person asked for: incremental from the last one, or, when they name a
    /// start, everything from there again (a start is never silently ignored because an
    /// earlier sync already ran).
    pub fn asked_from(from: Option<i64>) -> Self {
        PaymentSyncOptions {
            full_from: from,
            force_full: from.is_some(),
            ..PaymentSyncOptions::default()
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
struct Pass {
    /// `all` or `cancelled`.
    status: String,
    from: i64,
    to: i64,
}

/// The persisted plan and position of a run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
struct Cursor {
    mode: String,
    passes: Vec<Pass>,
    window_secs: i64,
    page_limit: u32,
    /// The watermark the run sets when it completes.
    until: i64,
    pass: usize,
    window_from: i64,
    page: u32,
    windows_done: i64,
}

impl Cursor {
    fn windows_total(&self) -> i64 {
        self.passes
            .iter()
            .map(|p| windows(p.from, p.to, self.window_secs))
            .sum()
    }
}

fn windows(from: i64, to: i64, len: i64) -> i64 {
    if to < from { 0 } else { (to - from) / len + 1 }
}

/// Money into whole units plus exact text. KRW is always whole.
fn money(m: subdesk_iamport::Money) -> (i64, String) {
    let whole = m
        .as_won()
        .unwrap_or_else(|| i64::try_from(m.decimal().trunc()).unwrap_or(0));
    (whole, m.to_string())
}

/// Convert the client's payment into the store's plain record.
pub fn payment_record(p: &ApiPayment) -> PaymentRecord {
    let (amount, amount_text) = money(p.amount);
    PaymentRecord {
        imp_uid: p.imp_uid.clone(),
        merchant_uid: p.merchant_uid.clone(),
        customer_uid: p.customer_uid.clone(),
        status: p.status.as_str().to_string(),
        amount,
        amount_text,
        cancel_amount: money(p.cancel_amount).0,
        currency: p.currency.clone(),
        pg_provider: p.pg_provider.clone(),
        pay_method: p.pay_method.clone(),
        name: p.name.clone(),
        buyer_name: p.buyer_name.clone(),
        buyer_email: p.buyer_email.clone(),
        buyer_tel: p.buyer_tel.clone(),
        apply_num: p.apply_num.clone(),
        card_name: p.card_name.clone(),
        card_number: p.card_number.clone(),
        started_at: p.started_at,
        paid_at: p.paid_at,
        failed_at: p.failed_at,
        cancelled_at: p.cancelled_at,
        fail_reason: p.fail_reason.clone(),
        cancel_reason: p.cancel_reason.clone(),
        raw_json: compact_json(p),
    }
}

/// The object as JSON without null fields and empty lists: nothing is lost (the
/// decoder reads a missing field as null) and a million payments take far less
/// space.
pub(crate) fn compact_json<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::Object(mut m)) => {
            m.retain(|_, x| !(x.is_null() || x.as_array().is_some_and(|a| a.is_empty())));
            serde_json::Value::Object(m).to_string()
        }
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

fn plan(opts: &PaymentSyncOptions, watermark: Option<i64>, now: i64) -> Result<Cursor> {
    if !(1..=1000).contains(&opts.page_limit) {
        return Err(Error::invalid("page_limit", "1..=1000"));
    }
    if !(3600..=90 * DAY).contains(&opts.window_secs) {
        return Err(Error::invalid("window_secs", "1 hour ..= 90 days"));
    }
    let (mode, passes) = match watermark {
        Some(w) if !opts.force_full => (
            "incremental",
            vec![
                Pass {
                    status: "all".into(),
                    from: (w - opts.overlap_secs.max(0)).min(now),
                    to: now,
                },
                Pass {
                    status: "cancelled".into(),
                    from: (w - opts.cancel_lookback_secs.max(0)).min(now),
                    to: now,
                },
            ],
        ),
        _ => {
            let from = opts.full_from.unwrap_or(now - 365 * DAY);
            if from > now {
                return Err(Error::invalid("full_from", "in the future"));
            }
            (
                "full",
                vec![Pass {
                    status: "all".into(),
                    from,
                    to: now,
                }],
            )
        }
    };
    let first = passes[0].from;
    Ok(Cursor {
        mode: mode.into(),
        passes,
        window_secs: opts.window_secs,
        page_limit: opts.page_limit,
        until: now,
        pass: 0,
        window_from: first,
        page: 1,
        windows_done: 0,
    })
}

/// Advance to the next window (or pass). Returns false when the run is done.
fn next_window(c: &mut Cursor) -> bool {
    c.windows_done += 1;
    c.page = 1;
    let p = &c.passes[c.pass];
    let next_from = c.window_from + c.window_secs;
    if next_from <= p.to {
        c.window_from = next_from;
        return true;
    }
    c.pass += 1;
    match c.passes.get(c.pass) {
        Some(p) => {
            c.window_from = p.from;
            true
        }
        None => false,
    }
}

fn query_for(c: &Cursor) -> PaymentsByStatusQuery {
    let p = &c.passes[c.pass];
    let to = (c.window_from + c.window_secs - 1).min(p.to);
    let status = if p.status == "cancelled" {
        Some(ApiStatus::Cancelled)
    } else {
        None
    };
    // Oldest first: a payment made while we page lands after the pages we read,
    // instead of shifting them.
    PaymentsByStatusQuery::status(status)
        .window(c.window_from, to)
        .list(
            PaymentListQuery::default()
                .page(c.page)
                .limit(c.page_limit)
                .sorting(Sorting::StartedAsc),
        )
}

/// Sync payments: full the first time (or with `force_full`), incremental
/// afterwards, resuming a run that stopped.
pub async fn sync_payments(
    store: &Store,
    client: &Client,
    opts: &PaymentSyncOptions,
    progress: ProgressFn<'_>,
    cancel: &CancelToken,
) -> Result<SyncReport> {
    let _guard = StreamGuard::take(store, STREAM)?;
    let started_at = stream::mark_started(store, STREAM)?;
    let (state, stored_cursor) = stream::load_state(store, STREAM)?;
    let resumed = stored_cursor
        .as_deref()
        .and_then(|c| serde_json::from_str::<Cursor>(c).ok());
    let mut cursor = match resumed {
        Some(c) if !opts.force_full => c,
        _ => plan(opts, state.watermark, crate::now())?,
    };
    let mode = if stored_cursor.is_some() && !opts.force_full {
        "resumed".to_string()
    } else {
        cursor.mode.clone()
    };
    let mut p = SyncProgress {
        stream: STREAM.into(),
        phase: cursor.mode.clone(),
        windows_done: cursor.windows_done,
        windows_total: cursor.windows_total(),
        ..Default::default()
    };
    progress(&p);

    let run = run(store, client, &mut cursor, &mut p, progress, cancel).await;
    let report = SyncReport {
        stream: STREAM.into(),
        outcome: *run.as_ref().unwrap_or(&SyncOutcome::Cancelled),
        mode: mode.clone(),
        windows: p.windows_done,
        pages: p.pages,
        rows: p.rows,
        changed: p.changed,
        started_at,
        finished_at: crate::now(),
        watermark: if matches!(run, Ok(SyncOutcome::Completed)) {
            Some(cursor.until)
        } else {
            state.watermark
        },
    };
    let inputs = serde_json::json!({
        "mode": mode, "pages": p.pages, "rows": p.rows, "changed": p.changed,
        "from": cursor.passes.first().map(|x| x.from), "to": cursor.until,
    });
    let completed = matches!(run, Ok(SyncOutcome::Completed));
    let outcome = stream::outcome_text(&run);
    stream::mark_finished(
        store,
        STREAM,
        completed.then_some(cursor.until),
        completed,
        run.as_ref().err(),
        &inputs,
        &outcome,
    )?;
    if completed && p.changed > 10_000 {
        // After a big load, refresh the planner's statistics (bounded work).
        let s = store.clone();
        blocking(move || s.optimize()).await?;
    }
    run.map(|_| report)
}

/// Pages received and waiting for the writer, at most. Bounds memory (1000 rows a page)
/// and how much a crash can lose (it is fetched again; upserts are idempotent).
const AHEAD: usize = 4;

/// Pages being fetched at once, at most, and the least time between two requests'
/// starts. i'mport documents no global rate limit; the one figure it publishes is Kiwoom
/// Pay's 50 non-auth calls a second (docs/iamport-api.md §8.5), so the sync stays under
/// 40 a second whatever the latency: with 80 ms to the server, four requests in flight
/// page about four times as fast as one at a time.
const IN_FLIGHT: usize = 4;
const MIN_GAP: std::time::Duration = std::time::Duration::from_millis(25);

/// A page received and not yet written, with where the run continues after it.
struct Fetched {
    list: Vec<ApiPayment>,
    after: Cursor,
    more: bool,
}

type Write = Pin<Box<dyn Future<Output = Result<(UpsertStats, Vec<Fetched>)>> + Send>>;

/// Write every queued page in one transaction, with the cursor after the last
/// one: rows and cursor commit together, so a crash resumes exactly after the
/// last committed page. Converting the records happens here too, off the path
/// between one fetch and the next.
fn write_batch(store: &Store, batch: Vec<Fetched>) -> Result<Write> {
    let last = batch
        .last()
        .map(|f| &f.after)
        .ok_or_else(|| Error::Internal("empty batch".into()))?;
    let cursor_json = serde_json::to_string(last).map_err(|e| Error::Internal(e.to_string()))?;
    let s = store.clone();
    Ok(Box::pin(blocking(move || {
        let recs: Vec<PaymentRecord> = batch
            .iter()
            .flat_map(|f| f.list.iter().map(payment_record))
            .collect();
        let now = crate::now();
        let stats = s.write(|tx| {
            let stats = upsert_tx(tx, &recs, now)?;
            stream::set_cursor(tx, STREAM, Some(&cursor_json), stats.received)?;
            Ok(stats)
        })?;
        Ok((stats, batch))
    })))
}

/// Where the run continues after `page`: its next page, or the next window.
/// When there is no more, the cursor is past the last pass, so a crash before
/// the watermark is set resumes into an immediate finish instead of starting over.
fn advance(c: &Cursor, page: &Page<ApiPayment>) -> (Cursor, bool) {
    let mut after = c.clone();
    let more = if page.next.is_some_and(|n| n > 0) && !page.list.is_empty() {
        after.page += 1;
        true
    } else {
        next_window(&mut after)
    };
    (after, more)
}

/// The positions to fetch, in the order they are written. Pages of one window can be
/// fetched together once its first answer told how many there are (`total`); the next
/// window starts after the last page of this one was asked for. Windows are never
/// fetched out of order, so the cursor written after a page always means "everything
/// before this is stored".
struct Positions {
    /// The next position to fetch; None once the last was asked for.
    next: Option<Cursor>,
    /// The last page of `next`'s window, once an answer from that window said.
    last_page: Option<u32>,
    /// A fetch of `next`'s window is on its way and its total is not known yet.
    waiting: bool,
}

impl Positions {
    fn new(from: Cursor) -> Self {
        Positions {
            next: Some(from),
            last_page: None,
            waiting: false,
        }
    }

    /// The next position, if it can be asked for now.
    fn take(&mut self) -> Option<Cursor> {
        if self.waiting && self.last_page.is_none() {
            return None;
        }
        let at = self.next.take()?;
        let mut following = at.clone();
        if self.last_page.is_some_and(|last| at.page >= last) {
            self.last_page = None;
            if next_window(&mut following) {
                self.next = Some(following);
            }
            self.waiting = false;
        } else {
            following.page += 1;
            self.next = Some(following);
            self.waiting = self.last_page.is_none();
        }
        Some(at)
    }

    /// An answer for the page at `at` arrived, saying `total` rows in its window and
    /// whether a page follows: the window's last page.
    fn learn(&mut self, at: &Cursor, total: i64, more: bool) {
        let Some(next) = &mut self.next else { return };
        if (next.pass, next.window_from) != (at.pass, at.window_from) {
            return;
        }
        let limit = i64::from(at.page_limit.max(1));
        let pages = u32::try_from((total.max(0) + limit - 1) / limit).unwrap_or(u32::MAX);
        // At least the page just read; and, when it says there is more, the one after.
        let last = pages.max(at.page + u32::from(more)).max(1);
        self.last_page = Some(self.last_page.map_or(last, |l| l.max(last)));
        self.waiting = false;
        // Past the end already (an empty window, or a total that shrank): next window.
        if next.page > last {
            let mut following = next.clone();
            following.page = last;
            self.last_page = None;
            self.next = next_window(&mut following).then_some(following);
        }
    }
}

/// Fetches on their way, oldest first; those still running are stopped when it is
/// dropped (a cancel, an error, the caller giving up).
#[derive(Default)]
struct InFlight(
    std::collections::VecDeque<(
        Cursor,
        tokio::task::JoinHandle<subdesk_iamport::Result<Page<ApiPayment>>>,
    )>,
);

impl InFlight {
    fn start(&mut self, client: &Client, at: Cursor) {
        let client = client.clone();
        let q = query_for(&at);
        let handle = tokio::spawn(async move { client.payments_by_status(&q).await });
        self.0.push_back((at, handle));
    }

    /// The oldest fetch's answer, when it arrives (the others keep running meanwhile).
    async fn oldest(&mut self) -> (Cursor, Result<Page<ApiPayment>>) {
        let answer = match self.0.front_mut() {
            Some((_, handle)) => handle
                .await
                .map_err(|e| Error::Internal(format!("page fetch task failed: {e}")))
                .and_then(|r| r.map_err(Error::from)),
            None => std::future::pending().await,
        };
        let (at, _) = self.0.pop_front().expect("awaited above");
        (at, answer)
    }

    fn stop_all(&mut self) {
        for (_, h) in self.0.drain(..) {
            h.abort();
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.stop_all();
    }
}

/// A bounded pipeline: up to `IN_FLIGHT` pages being fetched, up to `AHEAD` waiting,
/// one write in flight. Pages are written in the order they were asked for. The writer
/// takes every waiting page at once, so when storing is slower than paging the pages
/// group into fewer, larger transactions instead of falling further behind.
async fn run(
    store: &Store,
    client: &Client,
    cursor: &mut Cursor,
    p: &mut SyncProgress,
    progress: ProgressFn<'_>,
    cancel: &CancelToken,
) -> Result<SyncOutcome> {
    if cursor.pass >= cursor.passes.len() {
        return Ok(SyncOutcome::Completed);
    }
    let mut positions = Positions::new(cursor.clone());
    let mut fetching = InFlight::default();
    let mut writing: Option<Write> = None;
    let mut queue: Vec<Fetched> = Vec::new();
    let mut fetch_err: Option<Error> = None;
    let mut done = false;
    let mut next_start = tokio::time::Instant::now();
    loop {
        let stop = cancel.is_cancelled() || fetch_err.is_some();
        if stop {
            // Pages not yet received are fetched again by the next run.
            fetching.stop_all();
        }
        let mut gap = false;
        while !stop
            && fetching.0.len() < IN_FLIGHT
            && queue.len() + fetching.0.len() < AHEAD + IN_FLIGHT
        {
            let now = tokio::time::Instant::now();
            if now < next_start {
                gap = positions.next.is_some();
                break;
            }
            let Some(at) = positions.take() else { break };
            fetching.start(client, at);
            next_start = now + MIN_GAP;
        }
        if writing.is_none() && !queue.is_empty() {
            writing = Some(write_batch(store, std::mem::take(&mut queue))?);
        }
        if writing.is_none() && fetching.0.is_empty() && !gap {
            break;
        }
        tokio::select! {
            (at, r) = fetching.oldest(), if !fetching.0.is_empty() => {
                match r {
                    Ok(page) => {
                        let (after, more) = advance(&at, &page);
                        positions.learn(&at, page.total, more && after.page > at.page);
                        queue.push(Fetched { list: page.list, after, more });
                    }
                    // Pages already received are still written before the error
                    // is returned: the cursor then points just past them.
                    Err(e) => fetch_err = Some(e),
                }
            }
            w = async { writing.as_mut().expect("guarded").await }, if writing.is_some() => {
                writing = None;
                let (stats, batch) = w?;
                for f in &batch {
                    p.pages += 1;
                    p.rows += f.list.len() as i64;
                    done = !f.more;
                }
                p.changed += stats.changed;
                if let Some(last) = batch.into_iter().last() {
                    *cursor = last.after;
                }
                p.windows_done = cursor.windows_done;
                p.phase = phase(cursor);
                progress(p);
            }
            () = tokio::time::sleep_until(next_start), if gap => {}
        }
    }
    if let Some(e) = fetch_err {
        return Err(e);
    }
    Ok(if done {
        SyncOutcome::Completed
    } else {
        SyncOutcome::Cancelled
    })
}

fn phase(c: &Cursor) -> String {
    match c.passes.get(c.pass) {
        Some(x) if x.status == "cancelled" => "cancellations".to_string(),
        _ => c.mode.clone(),
    }
}

/// Refresh one customer's payments through `/subscribe/customers/{uid}/payments`
/// (20 per page, newest first). Returns the rows received.
pub async fn refresh_customer_payments(
    store: &Store,
    client: &Client,
    customer_uid: &str,
    progress: ProgressFn<'_>,
    cancel: &CancelToken,
) -> Result<SyncReport> {
    crate::registry::customers::check_uid(customer_uid)?;
    let started_at = crate::now();
    let mut p = SyncProgress {
        stream: "customer_payments".into(),
        phase: "refresh".into(),
        ..Default::default()
    };
    let mut page_no = 1u32;
    let run: Result<SyncOutcome> = async {
        loop {
            if cancel.is_cancelled() {
                return Ok(SyncOutcome::Cancelled);
            }
            let page = client
                .billing_key_payments(customer_uid, Some(page_no))
                .await?;
            let recs: Vec<PaymentRecord> = page.list.iter().map(payment_record).collect();
            p.rows += recs.len() as i64;
            let s = store.clone();
            let stats = blocking(move || s.upsert_payments(&recs)).await?;
            p.pages += 1;
            p.changed += stats.changed;
            progress(&p);
            match page.next {
                Some(n) if n > 0 && !page.list.is_empty() => page_no = n as u32,
                _ => return Ok(SyncOutcome::Completed),
            }
        }
    }
    .await;
    let outcome = stream::outcome_text(&run);
    store.audit_record(
        "sync.customer_payments",
        &serde_json::json!({ "customer_uid": customer_uid, "rows": p.rows, "changed": p.changed }),
        &outcome,
    )?;
    let o = run?;
    Ok(SyncReport {
        stream: "customer_payments".into(),
        outcome: o,
        mode: "refresh".into(),
        windows: 0,
        pages: p.pages,
        rows: p.rows,
        changed: p.changed,
        started_at,
        finished_at: crate::now(),
        watermark: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A full run's positions over three windows of 0, 5 and 2 pages (100 rows a page).
    fn cursor() -> Cursor {
        let opts = PaymentSyncOptions {
            full_from: Some(1_000_000),
            force_full: true,
            page_limit: 100,
            window_secs: 10 * DAY,
            ..Default::default()
        };
        plan(&opts, None, 1_000_000 + 30 * DAY - 1).unwrap()
    }

    const TOTALS: [i64; 3] = [0, 450, 200];

    fn window_of(c: &Cursor) -> usize {
        ((c.window_from - 1_000_000) / (10 * DAY)) as usize
    }

    /// Answers as the server would: the window's total, and whether a page follows.
    fn answer(p: &mut Positions, at: &Cursor) {
        let total = TOTALS[window_of(at)];
        let pages = ((total + 99) / 100) as u32;
        p.learn(at, total, at.page < pages);
    }

    #[test]
    fn positions_come_in_order_and_a_window_is_fetched_together_once_its_total_is_known() {
        let mut p = Positions::new(cursor());
        let mut asked = Vec::new();
        // The first window's first page alone: its total is not known yet.
        let first = p.take().unwrap();
        assert!(p.take().is_none(), "nothing more before the first answer");
        answer(&mut p, &first); // empty: straight to the next window
        asked.push((window_of(&first), first.page));
        let w1 = p.take().unwrap();
        assert!(p.take().is_none());
        asked.push((window_of(&w1), w1.page));
        answer(&mut p, &w1); // 450 rows: pages 2 to 5 may all be asked for now
        let mut together = Vec::new();
        while let Some(c) = p.take() {
            together.push((window_of(&c), c.page));
            if together.len() == 5 {
                break;
            }
        }
        // Pages 2-5, then the next window's first page (its total unknown: it waits).
        assert_eq!(together, vec![(1, 2), (1, 3), (1, 4), (1, 5), (2, 1)]);
        assert!(p.take().is_none());
        asked.extend(together);
        let w2 = Cursor {
            window_from: 1_000_000 + 20 * DAY,
            page: 1,
            ..cursor()
        };
        answer(&mut p, &w2);
        while let Some(c) = p.take() {
            asked.push((window_of(&c), c.page));
        }
        assert_eq!(
            asked,
            vec![
                (0, 1),
                (1, 1),
                (1, 2),
                (1, 3),
                (1, 4),
                (1, 5),
                (2, 1),
                (2, 2)
            ],
            "every page once, in the order a one-at-a-time run reads them"
        );
    }

    #[test]
    fn a_resumed_run_asks_for_its_page_first_and_an_answer_from_an_older_window_changes_nothing() {
        let mut resumed = cursor();
        resumed.window_from += 10 * DAY;
        resumed.page = 3;
        let mut p = Positions::new(resumed.clone());
        assert_eq!(p.take().map(|c| c.page), Some(3));
        assert!(p.take().is_none());
        // An answer from window 0 (asked before) is not this window's total.
        p.learn(&cursor(), 0, false);
        assert!(p.take().is_none());
        answer(&mut p, &resumed);
        let rest: Vec<u32> = std::iter::from_fn(|| p.take())
            .map(|c| c.page)
            .take(3)
            .collect();
        assert_eq!(rest, vec![4, 5, 1]);
    }
}
