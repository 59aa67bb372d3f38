//! The triage queue (확인 필요): everything that needs a person, read across the journal,
//! the mirror and the registry, and what a person marked resolved.
//!
//! An entry is one of:
//! - a **failed charge**: a charge of ours the card company declined (a journal row),
//!   unless the same charge (customer, amount, order name) was paid since; or a failed payment
//!   the mirror holds that we did not journal (charged by another tool) in the last
//!   [`MIRROR_LOOKBACK_SECS`];
//! - a **failed schedule**: executed and declined, not paid by a retry since — except a
//!   plan's period whose dunning is still retrying it (soft declines wait for the ladder;
//!   a hard decline or the last retry brings it here at once). A plan's period given up
//!   after retries is one entry: its last retry (not the schedule, not the retries before);
//! - an **unknown** journal row: a request whose answer never arrived (or a `sent` /
//!   `pending` row left by a crash for over [`STALE_SECS`]), or a **conflict**: a payment
//!   under our order id that is not ours, for a person to decide;
//! - a **key unknown** at i'mport (the registry's `unknown`: i'mport no longer knows it);
//! - a **card expiring**: an active key whose card's expiry month (kept at issuance) is
//!   this month or the next in Asia/Seoul, or has passed.
//!
//! Each entry has a key that names the entry *and its version* (a charge's attempts, a
//! journal row's state): marking it resolved hides that version only, so a charge that is
//! retried and declined again comes back.

use std::collections::HashSet;

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::store::db::Store;

/// How long a `pending` or `sent` journal row may wait before it needs a person (an
/// answer normally takes seconds; reconciliation settles the rest at start).
pub const STALE_SECS: i64 = 10 * 60;
/// How far back the mirror's failed payments that are not ours are shown.
pub const MIRROR_LOOKBACK_SECS: i64 = 30 * 86_400;
/// Cards expiring this month or within this many months after it are shown.
pub const EXPIRY_NOTICE_MONTHS: i32 = 1;
/// The longest note a resolution may carry.
pub const NOTE_MAX_CHARS: usize = 200;

/// What kind of problem an entry is.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum TriageKind {
    FailedCharge,
    FailedSchedule,
    UnknownOutcome,
    Conflict,
    KeyUnknown,
    CardExpiring,
}

impl TriageKind {
    pub const ALL: [TriageKind; 6] = [
        TriageKind::FailedCharge,
        TriageKind::FailedSchedule,
        TriageKind::UnknownOutcome,
        TriageKind::Conflict,
        TriageKind::KeyUnknown,
        TriageKind::CardExpiring,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TriageKind::FailedCharge => "failed_charge",
            TriageKind::FailedSchedule => "failed_schedule",
            TriageKind::UnknownOutcome => "unknown_outcome",
            TriageKind::Conflict => "conflict",
            TriageKind::KeyUnknown => "key_unknown",
            TriageKind::CardExpiring => "card_expiring",
        }
    }
}

/// What a person can do with an entry beside copying a phone number or e-mail address and
/// marking it resolved (always offered).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum TriageAction {
    /// Charge the same order again (the same order id: never a second charge).
    Retry,
    /// Look the order (or key) up at i'mport now.
    Check,
}

/// One entry of the queue.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TriageEntry {
    /// The entry and its version, e.g. `charge:12:1`: what "mark resolved" names.
    pub key: String,
    pub kind: TriageKind,
    /// When it happened (declined, executed, sent, last verified), Unix seconds.
    pub at: i64,
    pub customer_uid: Option<String>,
    pub customer_name: Option<String>,
    pub customer_tel: Option<String>,
    pub customer_email: Option<String>,
    pub card_name: Option<String>,
    /// Masked, as i'mport returned it.
    pub card_number: Option<String>,
    /// `YYYY-MM`, when the key was issued here.
    pub card_expiry: Option<String>,
    pub merchant_uid: Option<String>,
    pub journal_id: Option<i64>,
    pub imp_uid: Option<String>,
    /// Won, for charges and schedules.
    pub amount: Option<i64>,
    /// The order name.
    pub name: Option<String>,
    /// The card company's reason, or the error code of an unknown outcome.
    pub reason: Option<String>,
    /// What a declined charge's reason says, and whether trying again can help.
    pub decline: Option<crate::money::decline::Decline>,
    /// Where a journal row came from: `manual`, `bulk:<run>`, `plan:…`, `dunning:…`.
    pub source: Option<String>,
    pub actions: Vec<TriageAction>,
}

/// The queue's size by kind (the navigation's count is `total`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TriageCount {
    pub total: i64,
    pub by_kind: Vec<(TriageKind, i64)>,
}

/// `YYYY-MM` of a Unix time in Asia/Seoul, `months` later.
fn seoul_month(unix: i64, months: i32) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(unix + 9 * 3600)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let total = t.year() * 12 + (t.month() as i32 - 1) + months;
    format!(
        "{:04}-{:02}",
        total.div_euclid(12),
        total.rem_euclid(12) + 1
    )
}

/// The contact and card fields of an entry, from the registry (joined as `c`).
const CUSTOMER_FIELDS: &str =
    "c.customer_name, c.customer_tel, c.customer_email, c.card_name, c.card_number, c.card_expiry";

struct Contact {
    name: Option<String>,
    tel: Option<String>,
    email: Option<String>,
    card_name: Option<String>,
    card_number: Option<String>,
    card_expiry: Option<String>,
}

fn contact(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Contact> {
    Ok(Contact {
        name: r.get(at)?,
        tel: r.get(at + 1)?,
        email: r.get(at + 2)?,
        card_name: r.get(at + 3)?,
        card_number: r.get(at + 4)?,
        card_expiry: r.get(at + 5)?,
    })
}

fn entry(
    key: String,
    kind: TriageKind,
    at: i64,
    customer_uid: Option<String>,
    c: Contact,
) -> TriageEntry {
    TriageEntry {
        key,
        kind,
        at,
        customer_uid,
        customer_name: c.name,
        customer_tel: c.tel,
        customer_email: c.email,
        card_name: c.card_name,
        card_number: c.card_number,
        card_expiry: c.card_expiry,
        merchant_uid: None,
        journal_id: None,
        imp_uid: None,
        amount: None,
        name: None,
        reason: None,
        decline: None,
        source: None,
        actions: Vec::new(),
    }
}

/// The order name a journal row's request carried.
fn order_name(request_json: &str) -> Option<String> {
    serde_json::from_str::<serde_json::Value>(request_json)
        .ok()?
        .pointer("/details/name")?
        .as_str()
        .map(str::to_owned)
}

fn candidates(c: &Connection, now: i64) -> Result<Vec<TriageEntry>> {
    let mut out = Vec::new();
    // Declined charges of ours, unless the same charge (amount and order name) was paid
    // since under another order id (a dunning retry, or a person charging it anew).
    let sql = format!(
        "SELECT j.id, j.attempts, j.merchant_uid, j.customer_uid, j.amount, j.imp_uid,
                j.fail_reason, j.source, j.updated_at, j.request_json, j.op,
                coalesce(c.key_status = 'active', 0), {CUSTOMER_FIELDS}
         FROM journal j LEFT JOIN customers c ON c.customer_uid = j.customer_uid
         WHERE j.state = 'declined' AND j.op IN ('charge_again', 'charge_onetime')
           AND NOT EXISTS (SELECT 1 FROM journal k WHERE k.customer_uid = j.customer_uid
                 AND k.outcome = 'paid' AND k.id <> j.id AND k.amount = j.amount
                 AND json_extract(k.request_json, '$.details.name')
                     IS json_extract(j.request_json, '$.details.name')
                 AND (k.updated_at > j.updated_at OR (k.updated_at = j.updated_at AND k.id > j.id))
                 AND k.op IN ('charge_again', 'charge_onetime', 'schedule_retry'))
           AND NOT (j.source LIKE 'dunning:%' AND EXISTS (SELECT 1 FROM subscription_periods sp
                 WHERE substr(j.merchant_uid, 1, length(sp.merchant_uid) + 2) = sp.merchant_uid || '-r'
                   AND (sp.state = 'failed' OR j.merchant_uid <> sp.merchant_uid || '-r' || sp.retries)))
         ORDER BY j.updated_at DESC"
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map([], |r| {
        let id: i64 = r.get(0)?;
        let attempts: i64 = r.get(1)?;
        let source: String = r.get(7)?;
        let request_json: String = r.get(9)?;
        let op: String = r.get(10)?;
        let active: bool = r.get(11)?;
        let mut e = entry(
            format!("charge:{id}:{attempts}"),
            TriageKind::FailedCharge,
            r.get(8)?,
            r.get(3)?,
            contact(r, 12)?,
        );
        e.journal_id = Some(id);
        e.merchant_uid = Some(r.get(2)?);
        e.amount = Some(r.get(4)?);
        e.imp_uid = r.get(5)?;
        e.reason = r.get(6)?;
        e.decline = Some(crate::money::decline::classify(e.reason.as_deref()));
        e.name = order_name(&request_json);
        // A person's or a bulk run's order may be charged again under its own id; a plan's
        // periods are the engine's (its dunning retries them under ids of their own).
        let retryable =
            op == "charge_again" && active && (source == "manual" || source.starts_with("bulk:"));
        e.actions = if retryable {
            vec![TriageAction::Retry, TriageAction::Check]
        } else {
            vec![TriageAction::Check]
        };
        e.source = Some(source);
        Ok(e)
    })?;
    for r in rows {
        out.push(r?);
    }

    // Failed payments in the mirror that are not ours (no journal row, no schedule), recent,
    // unless the customer was paid since.
    let sql = format!(
        "SELECT p.imp_uid, p.merchant_uid, p.customer_uid, p.amount, p.name, p.fail_reason,
                coalesce(p.failed_at, p.event_at), {CUSTOMER_FIELDS}
         FROM payments p LEFT JOIN customers c ON c.customer_uid = p.customer_uid
         WHERE p.status = 'failed' AND coalesce(p.failed_at, p.event_at) >= ?1
           AND NOT EXISTS (SELECT 1 FROM journal j WHERE j.merchant_uid = p.merchant_uid)
           AND NOT EXISTS (SELECT 1 FROM schedules s WHERE s.merchant_uid = p.merchant_uid)
           AND NOT EXISTS (SELECT 1 FROM payments q WHERE q.customer_uid = p.customer_uid
                 AND q.paid_at IS NOT NULL AND q.paid_at >= coalesce(p.failed_at, p.event_at))
         ORDER BY p.event_at DESC"
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map([now - MIRROR_LOOKBACK_SECS], |r| {
        let imp_uid: String = r.get(0)?;
        let mut e = entry(
            format!("payment:{imp_uid}"),
            TriageKind::FailedCharge,
            r.get(6)?,
            r.get(2)?,
            contact(r, 7)?,
        );
        e.imp_uid = Some(imp_uid);
        e.merchant_uid = Some(r.get(1)?);
        e.amount = Some(r.get(3)?);
        e.name = r.get(4)?;
        e.reason = r.get(5)?;
        e.decline = Some(crate::money::decline::classify(e.reason.as_deref()));
        e.actions = vec![TriageAction::Check];
        Ok(e)
    })?;
    for r in rows {
        out.push(r?);
    }

    // Failed schedules not paid by a retry since. Their version is the retries tried.
    let sql = format!(
        "SELECT s.merchant_uid, s.customer_uid, s.amount, s.name, s.fail_reason,
                coalesce(s.executed_at, s.schedule_at), s.imp_uid,
                coalesce((SELECT attempts FROM journal j WHERE j.merchant_uid = s.merchant_uid
                          AND j.op = 'schedule_retry'), 0),
                coalesce(c.key_status = 'active', 0),
                EXISTS (SELECT 1 FROM subscription_periods sp
                        WHERE sp.merchant_uid = s.merchant_uid
                           OR sp.paid_merchant_uid = s.merchant_uid),
                (SELECT state FROM journal j WHERE j.merchant_uid = s.merchant_uid
                 AND j.op = 'schedule_retry'),
                {CUSTOMER_FIELDS}
         FROM schedules s LEFT JOIN customers c ON c.customer_uid = s.customer_uid
         WHERE s.schedule_status = 'executed' AND s.payment_status = 'failed'
           AND NOT EXISTS (SELECT 1 FROM journal j WHERE j.merchant_uid = s.merchant_uid
                 AND j.op = 'schedule_retry' AND j.outcome = 'paid')
           AND NOT EXISTS (SELECT 1 FROM subscription_periods sp
                 WHERE sp.merchant_uid = s.merchant_uid
                   AND (sp.state IN ('failed', 'paid') OR sp.retries > 0))
         ORDER BY coalesce(s.executed_at, s.schedule_at) DESC"
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map([], |r| {
        let merchant_uid: String = r.get(0)?;
        let attempts: i64 = r.get(7)?;
        let active: bool = r.get(8)?;
        let plan: bool = r.get(9)?;
        let retry_state: Option<String> = r.get(10)?;
        let mut e = entry(
            format!("schedule:{merchant_uid}:{attempts}"),
            TriageKind::FailedSchedule,
            r.get(5)?,
            r.get(1)?,
            contact(r, 11)?,
        );
        e.merchant_uid = Some(merchant_uid);
        e.amount = Some(r.get(2)?);
        e.name = r.get(3)?;
        e.reason = r.get(4)?;
        e.decline = Some(crate::money::decline::classify(e.reason.as_deref()));
        e.imp_uid = r.get(6)?;
        // A retry still being checked is the unknown entry's to settle.
        let open = matches!(
            retry_state.as_deref(),
            Some("pending" | "sent" | "unknown" | "conflict")
        );
        e.actions = if active && !plan && !open {
            vec![TriageAction::Retry, TriageAction::Check]
        } else {
            vec![TriageAction::Check]
        };
        Ok(e)
    })?;
    for r in rows {
        out.push(r?);
    }

    // Journal rows that need a person: unknown, conflicting, or left open by a crash.
    let sql = format!(
        "SELECT j.id, j.state, j.attempts, j.merchant_uid, j.customer_uid, j.amount,
                j.error_code, j.source, j.updated_at, j.request_json, j.imp_uid, {CUSTOMER_FIELDS}
         FROM journal j LEFT JOIN customers c ON c.customer_uid = j.customer_uid
         WHERE j.state IN ('unknown', 'conflict')
            OR (j.state IN ('pending', 'sent') AND j.updated_at < ?1)
         ORDER BY j.updated_at DESC"
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map([now - STALE_SECS], |r| {
        let id: i64 = r.get(0)?;
        let state: String = r.get(1)?;
        let attempts: i64 = r.get(2)?;
        let request_json: String = r.get(9)?;
        let kind = if state == "conflict" {
            TriageKind::Conflict
        } else {
            TriageKind::UnknownOutcome
        };
        let mut e = entry(
            format!("journal:{id}:{state}:{attempts}"),
            kind,
            r.get(8)?,
            r.get(4)?,
            contact(r, 11)?,
        );
        e.journal_id = Some(id);
        e.merchant_uid = Some(r.get(3)?);
        e.amount = Some(r.get(5)?);
        e.reason = r.get(6)?;
        e.source = Some(r.get(7)?);
        e.name = order_name(&request_json);
        e.imp_uid = r.get(10)?;
        e.actions = vec![TriageAction::Check];
        Ok(e)
    })?;
    for r in rows {
        out.push(r?);
    }

    // Keys i'mport no longer knows.
    let sql = format!(
        "SELECT c.customer_uid, coalesce(c.last_verified_at, c.modified_local_at), {CUSTOMER_FIELDS}
         FROM customers c WHERE c.key_status = 'unknown'
         ORDER BY c.last_verified_at DESC"
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map([], |r| {
        let uid: String = r.get(0)?;
        let mut e = entry(
            format!("key:{uid}"),
            TriageKind::KeyUnknown,
            r.get(1)?,
            Some(uid),
            contact(r, 2)?,
        );
        e.actions = vec![TriageAction::Check];
        Ok(e)
    })?;
    for r in rows {
        out.push(r?);
    }

    // Active keys whose card expires this month or the next (or has expired).
    let sql = format!(
        "SELECT c.customer_uid, c.modified_local_at, {CUSTOMER_FIELDS}
         FROM customers c WHERE c.key_status = 'active' AND c.card_expiry IS NOT NULL
           AND c.card_expiry <= ?1
         ORDER BY c.card_expiry, c.customer_uid"
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map([seoul_month(now, EXPIRY_NOTICE_MONTHS)], |r| {
        let uid: String = r.get(0)?;
        let c = contact(r, 2)?;
        let mut e = entry(
            format!("expiry:{uid}:{}", c.card_expiry.clone().unwrap_or_default()),
            TriageKind::CardExpiring,
            r.get(1)?,
            Some(uid),
            c,
        );
        e.actions = vec![TriageAction::Check];
        Ok(e)
    })?;
    for r in rows {
        out.push(r?);
    }
    Ok(out)
}

fn resolved_keys(c: &Connection) -> Result<HashSet<String>> {
    let mut stmt = c.prepare_cached("SELECT entry_key FROM triage_resolved")?;
    let keys = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<HashSet<_>>>()?;
    Ok(keys)
}

impl Store {
    /// The queue now: every entry not marked resolved, newest problems first by kind.
    pub fn triage_list(&self) -> Result<Vec<TriageEntry>> {
        let now = crate::now();
        self.read(|c| {
            let resolved = resolved_keys(c)?;
            let mut list = candidates(c, now)?;
            list.retain(|e| !resolved.contains(&e.key));
            Ok(list)
        })
    }

    /// One entry of the queue by its key, if it is still there.
    pub fn triage_entry(&self, key: &str) -> Result<TriageEntry> {
        self.triage_list()?
            .into_iter()
            .find(|e| e.key == key)
            .ok_or_else(|| Error::NotFound {
                what: "triage entry",
                id: key.to_string(),
            })
    }

    /// How many entries, in all and per kind.
    pub fn triage_count(&self) -> Result<TriageCount> {
        let list = self.triage_list()?;
        let by_kind = TriageKind::ALL
            .iter()
            .map(|k| (*k, list.iter().filter(|e| e.kind == *k).count() as i64))
            .collect();
        Ok(TriageCount {
            total: list.len() as i64,
            by_kind,
        })
    }

    /// Marks an entry resolved (this version of it), audited as `triage.resolve`. The entry
    /// must be in the queue now; the note is optional, at most [`NOTE_MAX_CHARS`].
    pub fn triage_resolve(&self, key: &str, note: &str) -> Result<TriageEntry> {
        let note = note.trim();
        if note.chars().count() > NOTE_MAX_CHARS {
            return Err(Error::invalid(
                "note",
                format!("at most {NOTE_MAX_CHARS} characters"),
            ));
        }
        let e = self.triage_entry(key)?;
        let now = crate::now();
        self.write(|tx| {
            tx.prepare_cached(
                "INSERT INTO triage_resolved (entry_key, kind, note, resolved_at)
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT (entry_key) DO NOTHING",
            )?
            .execute(params![e.key, e.kind.as_str(), note, now])?;
            crate::store::audit::append(
                tx,
                self.profile(),
                "triage.resolve",
                &serde_json::json!({
                    "entry_key": e.key, "kind": e.kind.as_str(),
                    "customer_uid": e.customer_uid, "merchant_uid": e.merchant_uid,
                    "note": note,
                }),
                "ok",
            )?;
            Ok(())
        })?;
        Ok(e)
    }

    /// Keeps the card's expiry month (`YYYY-MM`) beside its masked number: at issuance.
    pub fn set_card_expiry(&self, customer_uid: &str, month: &str) -> Result<()> {
        let ok = month.len() == 7
            && month.as_bytes()[4] == b'-'
            && month[..4].bytes().all(|b| b.is_ascii_digit())
            && month[5..].bytes().all(|b| b.is_ascii_digit())
            && month[5..]
                .parse::<u32>()
                .is_ok_and(|m| (1..=12).contains(&m));
        if !ok {
            return Err(Error::invalid("expiry", "a month is YYYY-MM"));
        }
        self.write(|tx| {
            tx.prepare_cached("UPDATE customers SET card_expiry = ?2 WHERE customer_uid = ?1")?
                .execute(params![customer_uid, month])?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_seoul_months() {
        // 2026-11-30 15:00 UTC is 2026-12-01 00:00 in Seoul: December there already.
        const SEOUL_DEC_1: i64 = 1_796_050_800;
        assert_eq!(seoul_month(SEOUL_DEC_1, 0), "2026-12");
        assert_eq!(seoul_month(SEOUL_DEC_1, 1), "2027-01");
        assert_eq!(seoul_month(SEOUL_DEC_1 - 1, 0), "2026-11");
        assert_eq!(seoul_month(SEOUL_DEC_1 - 1, 2), "2027-01");
    }
}
