//! After a restore or an empty start, money waits for the truth. A backup knows
//! nothing of what i'mport did after it was taken (charges, dunning attempts, plan
//! periods paid): charging from it could charge a period twice. So replacing the
//! database leaves a mark, and charges, runs and the plan engine are refused with
//! `needs_sync` until a payment sync and a schedule sync have both completed after
//! the mark was set.

use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::store::db::Store;

/// Why money is waiting, for the UI's banner.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ResyncStatus {
    /// What happened at i'mport after this (Unix seconds) is not known yet.
    pub since: i64,
    /// `backup` or `empty`.
    pub reason: String,
    pub set_at: i64,
    pub payments_synced: bool,
    pub schedules_synced: bool,
}

pub(crate) fn require_tx(tx: &Transaction<'_>, since: i64, reason: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO resync_required (id, since, reason, set_at) VALUES (1, ?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET since = min(since, excluded.since),
             reason = excluded.reason, set_at = excluded.set_at,
             payments_synced_at = NULL, schedules_synced_at = NULL",
        params![since, reason, crate::now()],
    )?;
    Ok(())
}

/// A completed sync of `stream` (`payments` or `schedules`); the mark goes once both
/// have completed after it was set.
pub(crate) fn note_synced_tx(
    tx: &Transaction<'_>,
    profile: &str,
    stream: &str,
    now: i64,
) -> Result<()> {
    let column = match stream {
        "payments" => "payments_synced_at",
        "schedules" => "schedules_synced_at",
        _ => return Ok(()),
    };
    tx.execute(
        &format!("UPDATE resync_required SET {column} = ?1 WHERE set_at <= ?1"),
        [now],
    )?;
    let cleared = tx.execute(
        "DELETE FROM resync_required
         WHERE payments_synced_at >= set_at AND schedules_synced_at >= set_at",
        [],
    )?;
    if cleared > 0 {
        crate::store::audit::append(
            tx,
            profile,
            "db.resynced",
            &serde_json::json!({ "stream": stream }),
            "money allowed again",
        )?;
    }
    Ok(())
}

impl Store {
    /// Why money must wait, if it must.
    pub fn resync_status(&self) -> Result<Option<ResyncStatus>> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT since, reason, set_at, payments_synced_at IS NOT NULL,
                     schedules_synced_at IS NOT NULL FROM resync_required WHERE id = 1",
                [],
                |r| {
                    Ok(ResyncStatus {
                        since: r.get(0)?,
                        reason: r.get(1)?,
                        set_at: r.get(2)?,
                        payments_synced: r.get(3)?,
                        schedules_synced: r.get(4)?,
                    })
                },
            )
            .optional()?)
        })
    }

    /// `needs_sync` while the database waits for a sync after being replaced.
    pub fn check_money_allowed(&self) -> Result<()> {
        match self.resync_status()? {
            Some(s) => Err(Error::NeedsSync {
                since: s.since,
                reason: s.reason,
            }),
            None => Ok(()),
        }
    }
}
