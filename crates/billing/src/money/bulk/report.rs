//! The per-row result of a run, and its CSV export.

use serde::{Deserialize, Serialize};

use crate::csv_codec::CsvWriter;
use crate::error::{Error, Result};
use crate::store::db::Store;

/// One item of a run and how it ended.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RunItem {
    /// CSV line, or the subscription id of a plan run.
    pub line: i64,
    pub customer_uid: String,
    pub merchant_uid: String,
    pub amount: i64,
    pub name: String,
    /// `queued` or `done`.
    pub state: String,
    /// `paid`, `declined`, `rejected`, `unknown` (checking), `not_executed`
    /// (cancelled before sending); None while queued.
    pub outcome: Option<String>,
    pub imp_uid: Option<String>,
    pub fail_reason: Option<String>,
    pub error_code: Option<String>,
}

/// A run in the list of past runs: what it is and how its lines ended.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RunSummary {
    pub info: super::RunInfo,
    pub paid: i64,
    /// Declined, refused, or in conflict.
    pub failed: i64,
    /// Left out at planning, or cancelled before sending.
    pub skipped: i64,
    /// Lines not finished yet (queued, or being checked).
    pub open: i64,
    /// Won paid so far.
    pub amount_paid: i64,
}

impl Store {
    /// Every run, newest first, with its counts.
    pub fn bulk_runs(&self) -> Result<Vec<RunSummary>> {
        let ids: Vec<String> = self.read(|c| {
            let mut stmt =
                c.prepare_cached("SELECT id FROM bulk_runs ORDER BY created_at DESC, id DESC")?;
            let rows = stmt
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            Ok(rows)
        })?;
        ids.iter().map(|id| self.bulk_summary(id)).collect()
    }

    /// One run with its counts.
    pub fn bulk_summary(&self, run_id: &str) -> Result<RunSummary> {
        let info = self.bulk_run(run_id)?;
        let (paid, failed, not_executed, open, amount_paid, excluded) = self.read(|c| {
            Ok(c.prepare_cached(
                "SELECT
                     coalesce(sum(outcome = 'paid'), 0),
                     coalesce(sum(state = 'done' AND outcome IN ('declined', 'rejected', 'conflict')), 0),
                     coalesce(sum(outcome = 'not_executed'), 0),
                     coalesce(sum(state <> 'done'), 0),
                     coalesce(sum(CASE WHEN outcome = 'paid' THEN amount END), 0),
                     (SELECT count(*) FROM bulk_excluded WHERE run_id = ?1)
                 FROM bulk_items WHERE run_id = ?1",
            )?
            .query_row([run_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)?, r.get(3)?, r.get(4)?, r.get::<_, i64>(5)?))
            })?)
        })?;
        Ok(RunSummary {
            info,
            paid,
            failed,
            skipped: not_executed + excluded,
            open,
            amount_paid,
        })
    }

    /// Every item of a run, in line order.
    pub fn bulk_items(&self, run_id: &str) -> Result<Vec<RunItem>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT line, customer_uid, merchant_uid, amount, name, state, outcome, imp_uid,
                     fail_reason, error_code
                 FROM bulk_items WHERE run_id = ?1 ORDER BY line",
            )?;
            let rows = stmt
                .query_map([run_id], |r| {
                    Ok(RunItem {
                        line: r.get(0)?,
                        customer_uid: r.get(1)?,
                        merchant_uid: r.get(2)?,
                        amount: r.get(3)?,
                        name: r.get(4)?,
                        state: r.get(5)?,
                        outcome: r.get(6)?,
                        imp_uid: r.get(7)?,
                        fail_reason: r.get(8)?,
                        error_code: r.get(9)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            Ok(rows)
        })
    }
}

/// The run's result as CSV, written by the one [`CsvWriter`] (UTF-8 with BOM, so
/// that Excel reads Korean right; cells defused like every CSV the product writes).
pub fn export_csv(store: &Store, run_id: &str) -> Result<String> {
    let io = |e: std::io::Error| Error::io("writing the run report", e);
    let mut csv = CsvWriter::new(
        Vec::new(),
        &[
            "line",
            "customer_uid",
            "merchant_uid",
            "amount",
            "name",
            "outcome",
            "imp_uid",
            "fail_reason",
            "error_code",
        ],
    )
    .map_err(io)?;
    for i in store.bulk_items(run_id)? {
        csv.row([
            i.line.to_string().as_str(),
            &i.customer_uid,
            &i.merchant_uid,
            &i.amount.to_string(),
            &i.name,
            i.outcome.as_deref().unwrap_or("queued"),
            i.imp_uid.as_deref().unwrap_or(""),
            i.fail_reason.as_deref().unwrap_or(""),
            i.error_code.as_deref().unwrap_or(""),
        ])
        .map_err(io)?;
    }
    let bytes = csv.finish().map_err(io)?;
    String::from_utf8(bytes).map_err(|e| Error::Internal(format!("report is not UTF-8: {e}")))
}
