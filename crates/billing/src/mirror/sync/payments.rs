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

type Fetch<'a> =
    Pin<Box<dyn Future<Output = subdesk_iamport::Result<Page<ApiPayment>>> + Send + 'a>>;

fn fetch<'a>(client: &'a Client, c: &Cursor) -> Fetch<'a> {
    let q = query_for(c);
    Box::pin(async move { client.payments_by_status(&q).await })
}
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

/// Pages fetched ahead of the writer, at most. Bounds memory (1000 rows a page)
/// and how much a crash can lose (it is fetched again; upserts are idempotent).
const AHEAD: usize = 4;

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

/// A bounded pipeline: one fetch in flight, up to `AHEAD` pages waiting, one
/// write in flight. The writer takes every waiting page at once, so when
/// storing is slower than paging the pages group into fewer, larger
/// transactions instead of falling further behind.
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
    // The position of the next fetch; None once the last page was fetched.
    let mut next: Option<Cursor> = Some(cursor.clone());
    let mut fetching: Option<(Fetch<'_>, Cursor)> = None;
    let mut writing: Option<Write> = None;
    let mut queue: Vec<Fetched> = Vec::new();
    let mut fetch_err: Option<Error> = None;
    let mut done = false;
    loop {
        let stop = cancel.is_cancelled() || fetch_err.is_some();
        if fetching.is_none()
            && !stop
            && queue.len() < AHEAD
            && let Some(c) = next.take()
        {
            fetching = Some((fetch(client, &c), c));
        }
        if writing.is_none() && !queue.is_empty() {
            writing = Some(write_batch(store, std::mem::take(&mut queue))?);
        }
        if writing.is_none() && fetching.is_none() {
            break;
        }
        tokio::select! {
            r = async { (&mut fetching.as_mut().expect("guarded").0).await }, if fetching.is_some() => {
                let (_, at) = fetching.take().expect("guarded");
                match r {
                    Ok(page) => {
                        let (after, more) = advance(&at, &page);
                        if more {
                            next = Some(after.clone());
                        }
                        queue.push(Fetched { list: page.list, after, more });
                    }
                    // Pages already received are still written before the error
                    // is returned: the cursor then points just past them.
                    Err(e) => fetch_err = Some(e.into()),
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
