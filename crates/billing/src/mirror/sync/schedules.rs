//! Schedule sync: `/subscribe/payments/schedule` in windows of at most three
//! months, from three months back to twelve months ahead.

use serde::{Deserialize, Serialize};
use subdesk_iamport::{Client, Schedule as ApiSchedule, ScheduleWindowQuery};

use crate::error::{Error, Result};
use crate::mirror::schedules::{ScheduleRecord, upsert_tx};
use crate::mirror::sync::stream::{
    self, CancelToken, ProgressFn, StreamGuard, SyncOutcome, SyncProgress, SyncReport, blocking,
};
use crate::store::db::Store;

const STREAM: &str = "schedules";
const DAY: i64 = 86_400;

/// Options of a schedule sync.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct ScheduleSyncOptions {
    /// How far back, seconds (default 90 days).
    pub back_secs: i64,
    /// How far ahead, seconds (default 365 days).
    pub ahead_secs: i64,
    /// Window length; 89 days so a window never exceeds three calendar months.
    pub window_secs: i64,
    pub page_limit: u32,
}

impl Default for ScheduleSyncOptions {
    fn default() -> Self {
        ScheduleSyncOptions {
            back_secs: 90 * DAY,
            ahead_secs: 365 * DAY,
            window_secs: 89 * DAY,
            page_limit: 1000,
        }
    }
}

/// Convert the client's schedule into the store's plain record.
pub fn schedule_record(s: &ApiSchedule) -> ScheduleRecord {
    let amount = s.amount.unwrap_or_default();
    ScheduleRecord {
        merchant_uid: s.merchant_uid.clone(),
        customer_uid: s.customer_uid.clone(),
        imp_uid: s.imp_uid.clone().filter(|x| !x.is_empty()),
        schedule_at: s.schedule_at.unwrap_or(0),
        executed_at: s.executed_at,
        revoked_at: s.revoked_at,
        amount: amount
            .as_won()
            .unwrap_or_else(|| i64::try_from(amount.decimal().trunc()).unwrap_or(0)),
        amount_text: amount.to_string(),
        currency: s.currency.clone().unwrap_or_else(|| "KRW".into()),
        name: s.name.clone(),
        buyer_name: s.buyer_name.clone(),
        schedule_status: s
            .schedule_status
            .as_ref()
            .map(|x| x.as_str().to_string())
            .unwrap_or_else(|| "scheduled".into()),
        payment_status: s.payment_status.as_ref().map(|x| x.as_str().to_string()),
        fail_reason: s.fail_reason.clone(),
        raw_json: serde_json::to_string(s).unwrap_or_default(),
    }
}

/// Sync every schedule from `back_secs` ago to `ahead_secs` ahead.
pub async fn sync_schedules(
    store: &Store,
    client: &Client,
    opts: &ScheduleSyncOptions,
    progress: ProgressFn<'_>,
    cancel: &CancelToken,
) -> Result<SyncReport> {
    if !(DAY..=89 * DAY).contains(&opts.window_secs) || !(1..=1000).contains(&opts.page_limit) {
        return Err(Error::invalid(
            "window_secs",
            "1..=89 days, page_limit 1..=1000",
        ));
    }
    let _guard = StreamGuard::take(store, STREAM)?;
    let started_at = stream::mark_started(store, STREAM)?;
    let now = crate::now();
    let (from, to) = (now - opts.back_secs.max(0), now + opts.ahead_secs.max(0));
    let total = ((to - from) + opts.window_secs - 1) / opts.window_secs;
    let mut p = SyncProgress {
        stream: STREAM.into(),
        phase: "full".into(),
        windows_total: total,
        ..Default::default()
    };
    progress(&p);
    let run: Result<SyncOutcome> = async {
        let mut w = from;
        while w < to {
            // `schedule_to` is exclusive.
            let w_end = (w + opts.window_secs).min(to);
            let mut page = 1u32;
            loop {
                if cancel.is_cancelled() {
                    return Ok(SyncOutcome::Cancelled);
                }
                let q = ScheduleWindowQuery::window(w, w_end)
                    .page(page)
                    .limit(opts.page_limit)
                    .oldest_first();
                let got = client.schedules_in_window(&q).await?;
                let recs: Vec<ScheduleRecord> = got.list.iter().map(schedule_record).collect();
                let n = recs.len() as i64;
                let s = store.clone();
                let changed = blocking(move || {
                    let now = crate::now();
                    s.write(|tx| upsert_tx(tx, &recs, now))
                })
                .await?;
                p.pages += 1;
                p.rows += n;
                p.changed += changed;
                progress(&p);
                match got.next {
                    Some(nx) if nx > 0 && n > 0 => page = nx as u32,
                    _ => break,
                }
            }
            p.windows_done += 1;
            progress(&p);
            w = w_end;
        }
        Ok(SyncOutcome::Completed)
    }
    .await;
    let completed = matches!(run, Ok(SyncOutcome::Completed));
    let outcome = stream::outcome_text(&run);
    let inputs = serde_json::json!({ "from": from, "to": to, "pages": p.pages, "rows": p.rows, "changed": p.changed });
    stream::mark_finished(
        store,
        STREAM,
        completed.then_some(now),
        true,
        run.as_ref().err(),
        &inputs,
        &outcome,
    )?;
    let o = run?;
    Ok(SyncReport {
        stream: STREAM.into(),
        outcome: o,
        mode: "full".into(),
        windows: p.windows_done,
        pages: p.pages,
        rows: p.rows,
        changed: p.changed,
        started_at,
        finished_at: crate::now(),
        watermark: completed.then_some(now),
    })
}
