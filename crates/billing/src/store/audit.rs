//! The audit log: every mutating action, hash-chained so that an edited,
//! inserted, deleted or reordered entry is detected.
//!
//! hash(row) = sha256(prev_hash || canonical(row)), where canonical(row) is the
//! JSON array `[id, at, profile, action, inputs, outcome]`. The id is part of the
//! hash, so moving a row's content to another id breaks the chain too. The head
//! table holds the newest (id, hash), so deleting the newest rows is detected.
//!
//! The chain works on a connection or the caller's transaction and knows nothing of
//! [`Store`](crate::store::db::Store): the store writes to it while it opens (a
//! migration is audited), so the store's audit methods (`verify_audit`, `audit_list`,
//! `audit_record`) are in `db.rs`, built on these functions.

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::Result;

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit entry.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AuditEntry {
    /// Position in the chain (1, 2, ...).
    pub id: i64,
    /// When, Unix seconds.
    pub at: i64,
    /// Which profile.
    pub profile: String,
    /// What, e.g. `customer.set_notes`, `import.apply`, `sync.payments`.
    pub action: String,
    /// Inputs as JSON text, never with secrets.
    pub inputs: String,
    /// `ok`, `cancelled`, or `error: <code>`.
    pub outcome: String,
    /// Hash of this entry (hex).
    pub hash: String,
}

/// What kind of break `verify_audit` found.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum AuditProblemKind {
    /// The entry's content no longer matches its hash (edited, or moved).
    Edited,
    /// The entry does not follow the one before it (one was inserted or removed
    /// in between).
    BrokenLink,
    /// Entries are missing: a gap in ids, or the newest entries were removed.
    Missing,
}

/// The first problem found.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AuditProblem {
    /// The entry at which the chain breaks.
    pub id: i64,
    /// What is wrong.
    pub kind: AuditProblemKind,
    /// A sentence for logs.
    pub detail: String,
}

/// Result of `verify_audit`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AuditVerification {
    /// True when the whole chain is intact.
    pub ok: bool,
    /// Entries checked.
    pub checked: i64,
    /// The first break, if any.
    pub problem: Option<AuditProblem>,
}

/// A page of audit entries, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AuditPage {
    /// Entries.
    pub entries: Vec<AuditEntry>,
    /// Pass back as `before_id` for the next (older) page; None at the end.
    pub next_cursor: Option<i64>,
}

fn entry_hash(
    prev: &str,
    id: i64,
    at: i64,
    profile: &str,
    action: &str,
    inputs: &str,
    outcome: &str,
) -> String {
    let canonical = serde_json::json!([id, at, profile, action, inputs, outcome]).to_string();
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(canonical.as_bytes());
    hex::encode(h.finalize())
}

/// Append an entry inside the caller's transaction, so the action and its audit
/// row commit or vanish together. `inputs` must not contain secrets.
pub(crate) fn append(
    tx: &Transaction<'_>,
    profile: &str,
    action: &str,
    inputs: &serde_json::Value,
    outcome: &str,
) -> Result<i64> {
    let head: Option<(i64, String)> = tx
        .query_row(
            "SELECT last_id, last_hash FROM audit_head WHERE singleton = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (prev_id, prev_hash) = head.unwrap_or((0, GENESIS.to_string()));
    let id = prev_id + 1;
    let at = crate::now();
    let inputs = inputs.to_string();
    let hash = entry_hash(&prev_hash, id, at, profile, action, &inputs, outcome);
    tx.prepare_cached(
        "INSERT INTO audit_log (id, at, profile, action, inputs, outcome, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        id, at, profile, action, inputs, outcome, prev_hash, hash
    ])?;
    tx.prepare_cached(
        "INSERT INTO audit_head (singleton, last_id, last_hash) VALUES (1, ?1, ?2)
         ON CONFLICT (singleton) DO UPDATE SET last_id = excluded.last_id, last_hash = excluded.last_hash",
    )?
    .execute(params![id, hash])?;
    Ok(id)
}

pub(crate) fn verify(conn: &Connection) -> Result<AuditVerification> {
    let mut stmt = conn.prepare(
        "SELECT id, at, profile, action, inputs, outcome, prev_hash, hash FROM audit_log ORDER BY id",
    )?;
    let mut rows = stmt.query([])?;
    let mut expected_prev = GENESIS.to_string();
    let mut expected_id = 1i64;
    let mut checked = 0i64;
    let bad = |id: i64, kind, detail: String, checked| {
        Ok(AuditVerification {
            ok: false,
            checked,
            problem: Some(AuditProblem { id, kind, detail }),
        })
    };
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let at: i64 = r.get(1)?;
        let profile: String = r.get(2)?;
        let action: String = r.get(3)?;
        let inputs: String = r.get(4)?;
        let outcome: String = r.get(5)?;
        let prev_hash: String = r.get(6)?;
        let hash: String = r.get(7)?;
        if id != expected_id {
            return bad(
                id,
                AuditProblemKind::Missing,
                format!("entries {expected_id}..{} are missing", id - 1),
                checked,
            );
        }
        if prev_hash != expected_prev {
            return bad(
                id,
                AuditProblemKind::BrokenLink,
                format!("entry {id} does not follow entry {}", id - 1),
                checked,
            );
        }
        if entry_hash(&prev_hash, id, at, &profile, &action, &inputs, &outcome) != hash {
            return bad(
                id,
                AuditProblemKind::Edited,
                format!("entry {id} was changed after it was written"),
                checked,
            );
        }
        checked += 1;
        expected_prev = hash;
        expected_id += 1;
    }
    let head: Option<(i64, String)> = conn
        .query_row(
            "SELECT last_id, last_hash FROM audit_head WHERE singleton = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (head_id, head_hash) = head.unwrap_or((0, GENESIS.to_string()));
    if head_id != expected_id - 1 || head_hash != expected_prev {
        return bad(
            expected_id,
            AuditProblemKind::Missing,
            format!(
                "the newest entries after {} are missing (head says {head_id})",
                expected_id - 1
            ),
            checked,
        );
    }
    Ok(AuditVerification {
        ok: true,
        checked,
        problem: None,
    })
}

/// Entries older than `before_id` (all when None), newest first, at most `limit`
/// (clamped to 1..=500).
pub(crate) fn list(conn: &Connection, before_id: Option<i64>, limit: u32) -> Result<AuditPage> {
    let limit = limit.clamp(1, 500) as i64;
    let mut stmt = conn.prepare_cached(
        "SELECT id, at, profile, action, inputs, outcome, hash FROM audit_log
         WHERE id < ?1 ORDER BY id DESC LIMIT ?2",
    )?;
    let entries: Vec<AuditEntry> = stmt
        .query_map(params![before_id.unwrap_or(i64::MAX), limit], |r| {
            Ok(AuditEntry {
                id: r.get(0)?,
                at: r.get(1)?,
                profile: r.get(2)?,
                action: r.get(3)?,
                inputs: r.get(4)?,
                outcome: r.get(5)?,
                hash: r.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let next_cursor = if entries.len() as i64 == limit {
        entries.last().map(|e| e.id)
    } else {
        None
    };
    Ok(AuditPage {
        entries,
        next_cursor,
    })
}
