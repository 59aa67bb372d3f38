//! Reconciliation for the app and the CLI: a month, quarter or half-year of payments
//! compared with i'mport (and, when asked, the store brought to i'mport's version), and
//! the recent weeks compared and applied in the background, which is how a partial
//! refund made at the PG's console after the fact reaches the lists and the totals.

use subdesk_billing::mirror::compare::{CompareOptions, PeriodComparison, compare_period};

use crate::error::IpcResult;
use crate::session::Session;
use crate::settlement::{self, SettlementPeriod};

/// How far back the background refresh compares: refunds of card payments come within
/// weeks, and a month and a bit covers a refund at month end of a payment at its start.
pub const RECENT_DAYS: i64 = 35;

/// `period` (its days in the profile's zone) at i'mport against the store; with
/// `apply`, the store then holds i'mport's version of every payment that differed.
pub async fn compare(
    session: &Session,
    period: SettlementPeriod,
    apply: bool,
) -> IpcResult<PeriodComparison> {
    let (from, to) = settlement::bounds(period, &session.profile.time_zone)?;
    let opts = CompareOptions {
        from,
        to: to - 1,
        apply,
    };
    Ok(compare_period(&session.store, session.client()?, &opts).await?)
}

/// The last [`RECENT_DAYS`] up to `now`, compared and applied.
pub async fn refresh_recent(session: &Session, now: i64) -> IpcResult<PeriodComparison> {
    let opts = CompareOptions {
        from: now - RECENT_DAYS * 86_400,
        to: now,
        apply: true,
    };
    Ok(compare_period(&session.store, session.client()?, &opts).await?)
}
