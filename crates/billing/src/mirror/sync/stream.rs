//! What every sync stream shares: the cancel token, progress and report types, the
//! guard that keeps two runs of one stream apart, and the stream's stored state
//! (watermark, resume cursor, last run), written with its audit entry.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::store::db::Store;

/// A cancellation flag shared between the UI and a running sync.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A fresh, uncancelled token.
    pub fn new() -> Self {
        Self::default()
    }
    /// Ask the sync to stop after the page in flight.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    /// True once `cancel` was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Progress of a running sync, sent after every page.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SyncProgress {
    /// `payments`, `schedules`, `keys`, `customer_payments`.
    pub stream: String,
    /// `full`, `incremental`, `cancellations`, `verify` ...
    pub phase: String,
    pub windows_done: i64,
    pub windows_total: i64,
    pub pages: i64,
    /// Rows received.
    pub rows: i64,
    /// Rows inserted or changed.
    pub changed: i64,
}

/// The callback that receives progress (the app forwards it to a Tauri channel).
pub type ProgressFn<'a> = &'a (dyn Fn(&SyncProgress) + Send + Sync);

/// How a sync ended.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum SyncOutcome {
    Completed,
    /// Stopped by the token; the next run resumes where it stopped.
    Cancelled,
}

/// What a sync did.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SyncReport {
    pub stream: String,
    pub outcome: SyncOutcome,
    /// `full`, `incremental`, `resumed`.
    pub mode: String,
    pub windows: i64,
    pub pages: i64,
    pub rows: i64,
    pub changed: i64,
    pub started_at: i64,
    pub finished_at: i64,
    /// Everything up to this time is in the store.
    pub watermark: Option<i64>,
}

/// The stored state of one stream.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SyncState {
    pub stream: String,
    pub watermark: Option<i64>,
    /// True when a run stopped part-way and the next one will resume it.
    pub resumable: bool,
    pub last_started_at: Option<i64>,
    pub last_finished_at: Option<i64>,
    pub last_error: Option<String>,
    pub rows_synced: i64,
}

/// Marks a stream as running for as long as it lives.
pub(crate) struct StreamGuard {
    store: Store,
    stream: String,
}

impl StreamGuard {
    pub(crate) fn take(store: &Store, stream: &str) -> Result<StreamGuard> {
        let mut running = store
            .inner
            .running_syncs
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if !running.insert(stream.to_string()) {
            return Err(Error::SyncBusy(stream.to_string()));
        }
        Ok(StreamGuard {
            store: store.clone(),
            stream: stream.to_string(),
        })
    }
}

impl Drop for StreamGuard {
    fn drop(&mut self) {
        self.store
            .inner
            .running_syncs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.stream);
    }
}

pub(crate) fn load_state(store: &Store, stream: &str) -> Result<(SyncState, Option<String>)> {
    store.read(|c| {
        let row = c
            .query_row(
                "SELECT watermark, cursor_json, last_started_at, last_finished_at, last_error, rows_synced
                 FROM sync_state WHERE stream = ?1",
                [stream],
                |r| {
                    let cursor: Option<String> = r.get(1)?;
                    Ok((
                        SyncState {
                            stream: stream.to_string(),
                            watermark: r.get(0)?,
                            resumable: cursor.is_some(),
                            last_started_at: r.get(2)?,
                            last_finished_at: r.get(3)?,
                            last_error: r.get(4)?,
                            rows_synced: r.get(5)?,
                        },
                        cursor,
                    ))
                },
            )
            .optional()?;
        Ok(row.unwrap_or_else(|| (SyncState { stream: stream.to_string(), ..Default::default() }, None)))
    })
}

pub(crate) fn set_cursor(
    tx: &Transaction<'_>,
    stream: &str,
    cursor: Option<&str>,
    rows: i64,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO sync_state (stream, cursor_json, rows_synced) VALUES (?1, ?2, ?3)
         ON CONFLICT (stream) DO UPDATE SET cursor_json = excluded.cursor_json,
             rows_synced = sync_state.rows_synced + excluded.rows_synced",
    )?
    .execute(params![stream, cursor, rows])?;
    Ok(())
}

pub(crate) fn mark_started(store: &Store, stream: &str) -> Result<i64> {
    let now = crate::now();
    store.write(|tx| {
        tx.execute(
            "INSERT INTO sync_state (stream, last_started_at) VALUES (?1, ?2)
             ON CONFLICT (stream) DO UPDATE SET last_started_at = excluded.last_started_at",
            params![stream, now],
        )?;
        Ok(now)
    })
}

/// Record the end of a run (and its audit entry) in one transaction.
pub(crate) fn mark_finished(
    store: &Store,
    stream: &str,
    watermark: Option<i64>,
    clear_cursor: bool,
    error: Option<&Error>,
    audit_inputs: &serde_json::Value,
    outcome: &str,
) -> Result<()> {
    let now = crate::now();
    let err_text = error.map(|e| format!("{}: {e}", e.code()));
    store.write(|tx| {
        tx.execute(
            "INSERT INTO sync_state (stream, watermark, last_finished_at, last_error) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (stream) DO UPDATE SET
                 watermark = coalesce(excluded.watermark, sync_state.watermark),
                 last_finished_at = CASE WHEN excluded.last_error IS NULL THEN excluded.last_finished_at
                                         ELSE sync_state.last_finished_at END,
                 last_error = excluded.last_error",
            params![stream, watermark, now, err_text],
        )?;
        if clear_cursor {
            tx.execute("UPDATE sync_state SET cursor_json = NULL WHERE stream = ?1", [stream])?;
        }
        if error.is_none() && watermark.is_some() {
            crate::store::resync::note_synced_tx(tx, store.profile(), stream, now)?;
        }
        crate::store::audit::append(tx, store.profile(), &format!("sync.{stream}"), audit_inputs, outcome)?;
        Ok(())
    })
}

pub(crate) fn outcome_text(r: &Result<SyncOutcome>) -> String {
    match r {
        Ok(SyncOutcome::Completed) => "ok".into(),
        Ok(SyncOutcome::Cancelled) => "cancelled".into(),
        Err(e) => format!("error: {}", e.code()),
    }
}

/// Run a blocking store write off the async runtime's worker.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Internal(format!("store task failed: {e}")))?
}

impl Store {
    /// The state of a sync stream (`payments`, `schedules`, `keys`).
    pub fn sync_state(&self, stream: &str) -> Result<SyncState> {
        load_state(self, stream).map(|(s, _)| s)
    }
}
