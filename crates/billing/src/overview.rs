//! The dashboard numbers.

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::store::db::Store;

/// What the home screen shows.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Overview {
    pub customers: i64,
    pub active_keys: i64,
    pub unknown_keys: i64,
    pub unverified_keys: i64,
    pub deleted_keys: i64,
    pub payments: i64,
    /// KRW paid in the last 30 days (gross, whole won).
    pub paid_total_krw_30d: i64,
    /// KRW refunded in the last 30 days, from payments cancelled in that time.
    pub cancelled_total_krw_30d: i64,
    pub failed_30d: i64,
    /// Schedules still to run.
    pub upcoming_schedules: i64,
    /// When the last sync of any stream finished, Unix seconds.
    pub last_sync_at: Option<i64>,
}

impl Store {
    /// Counts and totals for the dashboard.
    pub fn overview(&self) -> Result<Overview> {
        let since = crate::now() - 30 * 86_400;
        self.read(|c| {
            let (customers, active, unknown, unverified, deleted): (i64, i64, i64, i64, i64) = c.query_row(
                "SELECT count(*), coalesce(sum(key_status = 'active'), 0), coalesce(sum(key_status = 'unknown'), 0),
                        coalesce(sum(key_status = 'unverified'), 0), coalesce(sum(key_status = 'deleted'), 0)
                 FROM customers",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )?;
            // max(rowid) instead of count(*): the ids are dense (payments are never
            // deleted) and count(*) would read the whole table.
            let payments: i64 = c.query_row("SELECT coalesce(max(id), 0) FROM payments", [], |r| r.get(0))?;
            let paid: i64 = c.query_row(
                "SELECT coalesce(sum(amount), 0) FROM payments WHERE paid_at >= ?1 AND currency = 'KRW'",
                [since],
                |r| r.get(0),
            )?;
            let cancelled: i64 = c.query_row(
                "SELECT coalesce(sum(cancel_amount), 0) FROM payments WHERE cancelled_at >= ?1 AND currency = 'KRW'",
                [since],
                |r| r.get(0),
            )?;
            let failed: i64 =
                c.query_row("SELECT count(*) FROM payments WHERE failed_at >= ?1", [since], |r| r.get(0))?;
            let upcoming: i64 = c.query_row(
                "SELECT count(*) FROM schedules WHERE schedule_status = 'scheduled' AND schedule_at >= ?1",
                [crate::now()],
                |r| r.get(0),
            )?;
            let last_sync_at: Option<i64> =
                c.query_row("SELECT max(last_finished_at) FROM sync_state", [], |r| r.get(0))?;
            Ok(Overview {
                customers,
                active_keys: active,
                unknown_keys: unknown,
                unverified_keys: unverified,
                deleted_keys: deleted,
                payments,
                paid_total_krw_30d: paid,
                cancelled_total_krw_30d: cancelled,
                failed_30d: failed,
                upcoming_schedules: upcoming,
                last_sync_at,
            })
        })
    }
}

/// What one plan brings in each month from its active subscriptions.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PlanRecurring {
    pub code: String,
    pub name: String,
    pub active_subscriptions: i64,
    /// Whole won a month: the plans screen's MRR for this plan (see
    /// `Store::plan_summaries`), so the dashboard and that screen never disagree.
    pub monthly_amount: i64,
}

impl Store {
    /// Every plan (by code) with its active subscriptions and monthly recurring amount.
    pub fn plan_recurring(&self) -> Result<Vec<PlanRecurring>> {
        let counts = self.plan_counts()?;
        Ok(self
            .list_plans()?
            .into_iter()
            .map(|p| {
                let c = counts.get(&p.code).copied().unwrap_or_default();
                PlanRecurring {
                    monthly_amount: c.mrr,
                    active_subscriptions: c.subscribers,
                    code: p.code,
                    name: p.name,
                }
            })
            .collect())
    }
}
