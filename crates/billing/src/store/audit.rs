//! The audit log: every mutating action, hash-chained so that an edited,
//! inserted, deleted or reordered entry is detected.
//!
//! hash(row) = sha256(prev_hash || canonical(row)), where canonical(row) is the
//! JSON array `[id, at, profile, action, inputs, outcome]`, with the OS user appended
//! when the entry has one (entries from before schema 6 have none). The id is part of
//! the hash, so moving a row's content to another id breaks the chain too. The head
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

/// Every action the log records, as written in `action`: the audit screen has a
/// description of each in both languages (the UI's table is typed by this list), and
/// writing an action missing here fails every test that writes it.
pub const AUDIT_ACTIONS: &[&str] = &[
    "bulk.plan",
    "bulk.state",
    "charge.again",
    "charge.onetime",
    "customer.mark_deleted",
    "customer.set_notes",
    "customer.set_tags",
    "customer.upsert",
    "db.backup",
    "db.backup_settings",
    "db.copy_shared",
    "db.shared_settings",
    "db.migrate",
    "db.recover",
    "db.refresh_shared",
    "db.restore",
    "db.resynced",
    "import.apply",
    "journal.decide_conflict",
    "journal.reconcile",
    "journal.resolve",
    "key.delete",
    "key.issue",
    "key.replace",
    "plan.archive",
    "plan.cancel",
    "plan.cancel_at",
    "plan.create",
    "plan.dunning_attempt",
    "plan.dunning_stopped",
    "plan.first_charge",
    "plan.pause",
    "plan.period_failed",
    "plan.period_paid",
    "plan.period_revoked",
    "plan.resume",
    "plan.subscribe",
    "plan.unarchive",
    "plan.update",
    "payment.reconcile_period",
    "payment.refund",
    "schedule.move",
    "schedule.register",
    "schedule.reschedule",
    "schedule.retry",
    "schedule.unschedule",
    "sync.customer_payments",
    "sync.keys",
    "sync.payments",
    "sync.schedules",
    "triage.resolve",
];

/// The account of the person at this computer (the OS user), asked of the OS once (the
/// environment can be unset, e.g. under a service manager).
pub fn os_user() -> Option<&'static str> {
    static USER: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    USER.get_or_init(|| {
        whoami::fallible::username()
            .ok()
            .map(|u| u.trim().to_owned())
            .filter(|u| !u.is_empty())
    })
    .as_deref()
}

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
    /// The OS account that did it; None for entries written before Subdesk recorded it.
    pub os_user: Option<String>,
    /// Hash of this entry (hex).
    pub hash: String,
    /// The action did not end well (an error, a decline, an unknown or conflicting
    /// answer): see [`PROBLEM_OUTCOMES`].
    pub problem: bool,
}

/// The outcomes (the part before any `:`) that mean an action did not end well; every
/// other outcome (`ok`, `paid`, `refunded`, `cancelled`, ...) is not a problem.
pub const PROBLEM_OUTCOMES: [&str; 8] = [
    "error",
    "hard_decline",
    "declined",
    "unknown",
    "conflict",
    "failed",
    "refused",
    "not_executed",
];

fn is_problem(outcome: &str) -> bool {
    let kind = outcome.split(':').next().unwrap_or_default().trim();
    PROBLEM_OUTCOMES.contains(&kind)
}

/// Which entries the audit screen asks for; every filter is optional.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AuditQuery {
    /// Actions that start with this (`customer.` for every customer action).
    pub action: Option<String>,
    /// Entries whose inputs name this customer_uid.
    pub customer_uid: Option<String>,
    /// From this time (Unix seconds, inclusive).
    pub from: Option<i64>,
    /// Until this time (Unix seconds, exclusive).
    pub to: Option<i64>,
    /// Only entries whose action did not end well (see [`PROBLEM_OUTCOMES`]).
    pub problems_only: bool,
    /// Older than this id (the previous page's `next_cursor`).
    pub before_id: Option<i64>,
    /// At most this many (1..=500; default 100).
    pub limit: Option<u32>,
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
    /// How many entries match the query's filters (all pages).
    pub total: i64,
}

// The hash is defined over exactly these fields of a row, each named at the call.
#[allow(clippy::too_many_arguments)]
fn entry_hash(
    prev: &str,
    id: i64,
    at: i64,
    profile: &str,
    action: &str,
    inputs: &str,
    outcome: &str,
    os_user: Option<&str>,
) -> String {
    let canonical = match os_user {
        Some(user) => serde_json::json!([id, at, profile, action, inputs, outcome, user]),
        None => serde_json::json!([id, at, profile, action, inputs, outcome]),
    }
    .to_string();
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
    debug_assert!(
        AUDIT_ACTIONS.contains(&action),
        "audit action {action} is not in AUDIT_ACTIONS"
    );
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
    let user = os_user();
    let hash = entry_hash(&prev_hash, id, at, profile, action, &inputs, outcome, user);
    tx.prepare_cached(
        "INSERT INTO audit_log (id, at, profile, action, inputs, outcome, prev_hash, hash, os_user)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        id, at, profile, action, inputs, outcome, prev_hash, hash, user
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
        "SELECT id, at, profile, action, inputs, outcome, prev_hash, hash, os_user
         FROM audit_log ORDER BY id",
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
        let user: Option<String> = r.get(8)?;
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
        if entry_hash(
            &prev_hash,
            id,
            at,
            &profile,
            &action,
            &inputs,
            &outcome,
            user.as_deref(),
        ) != hash
        {
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

/// The entries a query matches, newest first, a page at a time, with how many match.
pub(crate) fn list(conn: &Connection, q: &AuditQuery) -> Result<AuditPage> {
    let limit = i64::from(q.limit.unwrap_or(100).clamp(1, 500));
    let action = q.action.as_deref().filter(|a| !a.is_empty());
    let customer = q
        .customer_uid
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    // One WHERE for the page and its count; `?1`..`?5` are the filters.
    let filter = "(?1 IS NULL OR substr(action, 1, length(?1)) = ?1)
         AND (?2 IS NULL OR (json_valid(inputs) AND json_extract(inputs, '$.customer_uid') = ?2))
         AND (?3 IS NULL OR at >= ?3) AND (?4 IS NULL OR at < ?4)
         AND (?5 = 0 OR rtrim(substr(outcome, 1, instr(outcome || ':', ':') - 1)) IN
              ('error', 'hard_decline', 'declined', 'unknown', 'conflict', 'failed', 'refused',
               'not_executed'))";
    let filters = params![action, customer, q.from, q.to, q.problems_only];
    let total: i64 = conn.query_row(
        &format!("SELECT count(*) FROM audit_log WHERE {filter}"),
        filters,
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT id, at, profile, action, inputs, outcome, hash, os_user FROM audit_log
         WHERE {filter} AND id < ?6 ORDER BY id DESC LIMIT ?7"
    ))?;
    let entries: Vec<AuditEntry> = stmt
        .query_map(
            params![
                action,
                customer,
                q.from,
                q.to,
                q.problems_only,
                q.before_id.unwrap_or(i64::MAX),
                limit
            ],
            entry_of,
        )?
        .collect::<rusqlite::Result<_>>()?;
    let next_cursor = if entries.len() as i64 == limit {
        entries.last().map(|e| e.id)
    } else {
        None
    };
    Ok(AuditPage {
        entries,
        next_cursor,
        total,
    })
}

/// An entry from `SELECT id, at, profile, action, inputs, outcome, hash, os_user`.
pub(crate) fn entry_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        id: r.get(0)?,
        at: r.get(1)?,
        profile: r.get(2)?,
        action: r.get(3)?,
        inputs: r.get(4)?,
        outcome: r.get(5)?,
        hash: r.get(6)?,
        os_user: r.get(7)?,
        problem: is_problem(&r.get::<_, String>(5)?),
    })
}

/// The SQL filter of `list` names PROBLEM_OUTCOMES itself; this keeps the two the same.
#[cfg(test)]
mod tests {
    #[test]
    fn the_sql_problem_filter_names_every_problem_outcome() {
        let sql = include_str!("audit.rs");
        let start = sql.find("AND (?5 = 0").expect("the filter");
        let filter = &sql[start..start + 300];
        for kind in super::PROBLEM_OUTCOMES {
            assert!(filter.contains(&format!("'{kind}'")), "{kind}");
        }
        assert!(super::is_problem("declined: 잔액 부족"));
        assert!(!super::is_problem("paid"));
        assert!(!super::is_problem("ok"));
    }
}
