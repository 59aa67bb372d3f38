//! Reconciliation of a period: what i'mport holds for it and what the store holds, side
//! by side — payments i'mport has and the store lacks, payments the store has and
//! i'mport does not know, and payments whose status, amount or refunded amount differ —
//! and, when asked, the store brought to i'mport's version.
//!
//! "In the period" means what `/payments/status/all` means by it: a payment's time of
//! its current status (paid, cancelled, failed; started for ready) lies in the period.
//! The store is asked the same question. A stored payment i'mport did not list is looked
//! up by its id before it is called missing there: its status may have moved out of the
//! period (a refund after month end), which is a difference, not a loss.
//!
//! Partial refunds keep a payment `paid` with its paid time, so an incremental sync
//! (which pages by the time of the last status) never sees a late one; a comparison of
//! the recent weeks does, which is what the app's background refresh runs.
//!
//! Nothing here sends money or changes anything at i'mport: the only write is the
//! store's copy, and only with `apply`.

use std::collections::{HashMap, HashSet};

use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use subdesk_iamport::{Client, PaymentListQuery, PaymentsByStatusQuery, Sorting};

use crate::error::{Error, Result};
use crate::mirror::payments::{PaymentRecord, PaymentStatus};
use crate::mirror::sync::payments::payment_record;
use crate::money::journal::JournalEntry;
use crate::store::db::Store;

/// i'mport's longest window for `/payments/status`.
const WINDOW_SECS: i64 = 90 * 86_400;
const PAGE_LIMIT: u32 = 1000;
/// `GET /payments?imp_uid[]=` takes at most this many ids.
const LOOKUP_BATCH: usize = 100;
/// Stored payments i'mport did not list that are looked up one batch at a time; beyond
/// this many the rest are counted as not checked (a period that far apart needs a sync,
/// not a thousand lookups).
const LOOKUP_MAX: usize = 2_000;
/// Differences kept for the screen; all are counted.
const DIFFERENCES_SHOWN: usize = 500;

/// What a period's comparison looks at.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CompareOptions {
    /// Inclusive Unix seconds.
    pub from: i64,
    /// Inclusive Unix seconds.
    pub to: i64,
    /// Store i'mport's version of every payment that differs (and of those the store lacks).
    pub apply: bool,
}

/// How a payment differs.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum DifferenceKind {
    /// i'mport has it, the store does not.
    MissingHere,
    /// The store has it, i'mport does not know its id.
    MissingThere,
    /// Paid here, cancelled there (or any other status apart).
    Status,
    /// The amount charged differs.
    Amount,
    /// The refunded amount differs (a refund made elsewhere, or late).
    Refunded,
}

/// One side's view of a payment.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PaymentSide {
    pub status: PaymentStatus,
    pub amount: i64,
    pub cancel_amount: i64,
    pub currency: String,
}

/// A stored payment as a comparison sees it.
pub(crate) struct StoredPayment {
    pub merchant_uid: String,
    pub customer_uid: Option<String>,
    pub side: PaymentSide,
}

impl PaymentSide {
    fn of(r: &PaymentRecord) -> PaymentSide {
        PaymentSide {
            status: PaymentStatus::parse(&r.status),
            amount: r.amount,
            cancel_amount: r.cancel_amount,
            currency: r.currency.clone(),
        }
    }
}

/// A payment the two sides disagree on.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PaymentDifference {
    pub kind: DifferenceKind,
    pub imp_uid: String,
    pub merchant_uid: String,
    pub customer_uid: Option<String>,
    /// The store's view; None when it lacks the payment.
    pub ours: Option<PaymentSide>,
    /// i'mport's view; None when it does not know the payment.
    pub theirs: Option<PaymentSide>,
    /// Whether the store now holds i'mport's version (with `apply`).
    pub applied: bool,
}

/// One side's totals of the period (KRW; payments in other currencies are counted only).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SideTotals {
    pub count: i64,
    /// Paid or cancelled payments' amounts.
    pub amount: i64,
    pub refunded: i64,
}

impl SideTotals {
    fn add(&mut self, s: &PaymentSide) {
        self.count += 1;
        if s.currency == "KRW" && matches!(s.status, PaymentStatus::Paid | PaymentStatus::Cancelled)
        {
            self.amount += s.amount;
            self.refunded += s.cancel_amount;
        }
    }
}

/// A period side by side.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PeriodComparison {
    pub from: i64,
    pub to: i64,
    /// What i'mport listed for the period.
    pub theirs: SideTotals,
    /// What the store holds for the period (before anything was applied).
    pub ours: SideTotals,
    /// Differences by kind, all of them.
    pub counts: Vec<(DifferenceKind, i64)>,
    /// The first differences (at most 500), i'mport's order.
    pub differences: Vec<PaymentDifference>,
    /// Differences found in all.
    pub differences_total: i64,
    /// Payments the store now holds in i'mport's version.
    pub applied: i64,
    /// Stored payments i'mport did not list that were not looked up (too many).
    pub unchecked: i64,
    /// Money requests of the period whose outcome is still not known.
    pub open_journal: Vec<JournalEntry>,
    pub checked_at: i64,
}

struct Work {
    report: PeriodComparison,
    counts: HashMap<DifferenceKind, i64>,
}

impl Work {
    fn note(&mut self, d: PaymentDifference) {
        *self.counts.entry(d.kind).or_default() += 1;
        self.report.differences_total += 1;
        if d.applied {
            self.report.applied += 1;
        }
        if self.report.differences.len() < DIFFERENCES_SHOWN {
            self.report.differences.push(d);
        }
    }
}

/// The first way `ours` and `theirs` differ, if they do.
fn difference(ours: &PaymentSide, theirs: &PaymentSide) -> Option<DifferenceKind> {
    if ours.status != theirs.status {
        Some(DifferenceKind::Status)
    } else if ours.amount != theirs.amount || ours.currency != theirs.currency {
        Some(DifferenceKind::Amount)
    } else if ours.cancel_amount != theirs.cancel_amount {
        Some(DifferenceKind::Refunded)
    } else {
        None
    }
}

impl Store {
    /// The stored payments whose current status's time lies in [from, to] (as
    /// `/payments/status/all` reads a period), with their view. One indexed range per
    /// status: paid by paid time, cancelled by cancel time, failed by failure time, ready
    /// (whose only time is its start, so its latest) by the event time.
    fn payments_in_period(&self, from: i64, to: i64) -> Result<Vec<(String, PaymentSide)>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT imp_uid, status, amount, cancel_amount, currency FROM payments
                  WHERE status = 'paid' AND paid_at BETWEEN ?1 AND ?2
                 UNION ALL
                 SELECT imp_uid, status, amount, cancel_amount, currency FROM payments
                  WHERE status = 'cancelled' AND cancelled_at BETWEEN ?1 AND ?2
                 UNION ALL
                 SELECT imp_uid, status, amount, cancel_amount, currency FROM payments
                  WHERE status = 'failed' AND failed_at BETWEEN ?1 AND ?2
                 UNION ALL
                 SELECT imp_uid, status, amount, cancel_amount, currency FROM payments
                  WHERE status = 'ready' AND event_at BETWEEN ?1 AND ?2",
            )?;
            let rows = stmt.query_map([from, to], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    PaymentSide {
                        status: PaymentStatus::parse(&r.get::<_, String>(1)?),
                        amount: r.get(2)?,
                        cancel_amount: r.get(3)?,
                        currency: r.get(4)?,
                    },
                ))
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// The stored payments of these ids, by id (absent ones left out).
    fn payment_sides(&self, imp_uids: &[&str]) -> Result<HashMap<String, StoredPayment>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT merchant_uid, customer_uid, status, amount, cancel_amount, currency
                   FROM payments WHERE imp_uid = ?1",
            )?;
            let mut out = HashMap::new();
            for id in imp_uids {
                let row = stmt
                    .query_row([id], |r| {
                        Ok(StoredPayment {
                            merchant_uid: r.get(0)?,
                            customer_uid: r.get(1)?,
                            side: PaymentSide {
                                status: PaymentStatus::parse(&r.get::<_, String>(2)?),
                                amount: r.get(3)?,
                                cancel_amount: r.get(4)?,
                                currency: r.get(5)?,
                            },
                        })
                    })
                    .optional()?;
                if let Some(row) = row {
                    out.insert((*id).to_owned(), row);
                }
            }
            Ok(out)
        })
    }
}

/// Compares the period at i'mport with the store (see the module's notes).
pub async fn compare_period(
    store: &Store,
    client: &Client,
    opts: &CompareOptions,
) -> Result<PeriodComparison> {
    if opts.to < opts.from {
        return Err(Error::invalid("to", "the period ends before it starts"));
    }
    let mut work = Work {
        report: PeriodComparison {
            from: opts.from,
            to: opts.to,
            ..PeriodComparison::default()
        },
        counts: HashMap::new(),
    };
    let mut listed: HashSet<String> = HashSet::new();
    // The store's side first, as it stands before anything is applied.
    let ours = store.payments_in_period(opts.from, opts.to)?;
    for (_, side) in &ours {
        work.report.ours.add(side);
    }

    // i'mport's side, window by window and page by page: each page compared with the
    // store's rows of the same ids (and applied) before the next is asked for.
    let mut window_from = opts.from;
    while window_from <= opts.to {
        let window_to = (window_from + WINDOW_SECS - 1).min(opts.to);
        let mut page = 1;
        loop {
            let q = PaymentsByStatusQuery::status(None)
                .window(window_from, window_to)
                .list(
                    PaymentListQuery::default()
                        .page(page)
                        .limit(PAGE_LIMIT)
                        .sorting(Sorting::StartedAsc),
                );
            let answer = client.payments_by_status(&q).await?;
            let records: Vec<PaymentRecord> = answer.list.iter().map(payment_record).collect();
            let mut fresh = Vec::new();
            for r in &records {
                // A payment listed twice (it moved while we paged) is compared once.
                if listed.insert(r.imp_uid.clone()) {
                    fresh.push(r.clone());
                }
            }
            for r in &fresh {
                work.report.theirs.add(&PaymentSide::of(r));
            }
            compare_records(store, &fresh, opts.apply, &mut work)?;
            let more = answer.next.is_some_and(|n| n > 0) && !records.is_empty();
            if !more {
                break;
            }
            page += 1;
        }
        window_from = window_to + 1;
    }

    // Stored payments of the period i'mport did not list are looked up by id before they
    // are called missing there.
    let unlisted: Vec<String> = ours
        .into_iter()
        .map(|(imp_uid, _)| imp_uid)
        .filter(|imp_uid| !listed.contains(imp_uid))
        .collect();
    let looked_up = unlisted.len().min(LOOKUP_MAX);
    work.report.unchecked = (unlisted.len() - looked_up) as i64;
    for batch in unlisted[..looked_up].chunks(LOOKUP_BATCH) {
        let answer = client.get_payments(batch, &[] as &[&str]).await?;
        let found: Vec<PaymentRecord> = answer.found.iter().map(payment_record).collect();
        compare_records(store, &found, opts.apply, &mut work)?;
        let missing: Vec<&str> = answer.missing_imp_uids.iter().map(String::as_str).collect();
        let rows = store.payment_sides(&missing)?;
        for imp_uid in answer.missing_imp_uids {
            let row = rows.get(&imp_uid);
            work.note(PaymentDifference {
                kind: DifferenceKind::MissingThere,
                merchant_uid: row.map(|r| r.merchant_uid.clone()).unwrap_or_default(),
                customer_uid: row.and_then(|r| r.customer_uid.clone()),
                ours: row.map(|r| r.side.clone()),
                theirs: None,
                imp_uid,
                applied: false,
            });
        }
    }
    let mut counts: Vec<_> = work.counts.drain().collect();
    counts.sort();
    work.report.counts = counts;
    work.report.open_journal = store
        .journal_open()?
        .into_iter()
        .filter(|e| (opts.from..=opts.to).contains(&e.created_at))
        .collect();
    work.report.checked_at = crate::now();
    if opts.apply && work.report.applied > 0 {
        store.audit_record(
            "payment.reconcile_period",
            &serde_json::json!({
                "from": opts.from, "to": opts.to, "applied": work.report.applied,
                "differences": work.report.differences_total,
            }),
            "ok",
        )?;
    }
    Ok(work.report)
}

/// Compares i'mport's `records` (listed or looked up) with the store's rows of the same
/// ids, notes each difference, and with `apply` stores i'mport's version of those that
/// differ in one transaction.
fn compare_records(
    store: &Store,
    records: &[PaymentRecord],
    apply: bool,
    work: &mut Work,
) -> Result<()> {
    if records.is_empty() {
        return Ok(());
    }
    let ids: Vec<&str> = records.iter().map(|r| r.imp_uid.as_str()).collect();
    let ours = store.payment_sides(&ids)?;
    let mut differing = Vec::new();
    for r in records {
        let theirs = PaymentSide::of(r);
        let stored = ours.get(&r.imp_uid);
        let kind = match stored {
            None => Some(DifferenceKind::MissingHere),
            Some(o) => difference(&o.side, &theirs),
        };
        if let Some(kind) = kind {
            differing.push((kind, r, stored.map(|o| o.side.clone()), theirs));
        }
    }
    if apply && !differing.is_empty() {
        let recs: Vec<PaymentRecord> = differing.iter().map(|d| d.1.clone()).collect();
        store.upsert_payments(&recs)?;
    }
    for (kind, r, ours, theirs) in differing {
        work.note(PaymentDifference {
            kind,
            imp_uid: r.imp_uid.clone(),
            merchant_uid: r.merchant_uid.clone(),
            customer_uid: r.customer_uid.clone(),
            ours,
            theirs: Some(theirs),
            applied: apply,
        });
    }
    Ok(())
}
