//! Bulk charge runs: a chosen set of charges (everyone on a plan due this
//! period, or a CSV of `customer_uid,amount[,name]`) persisted as a run.
//!
//! Planning is the dry run: it fixes every item's merchant_uid and writes the
//! run, the items and the customers left out (with the reason) to SQLite, and
//! reports count, total and VAT. [`execute_run`] charges the items; after a crash
//! it is simply called again: each item's journal row decides what happens next.
//!
//! A run is identified by its content: the same file (or plan period) planned again
//! is the same run, with the same order id on every line (`sd-r<content>-<line>`),
//! so re-running a command after a crash resumes it and never charges a paid line
//! again. Running the same content once more after it completed is a deliberate
//! choice (`repeat_done`), which gets order ids of its own. Before anybody is left
//! out as "being checked", the journal's open rows are reconciled.

mod csv;
mod report;
mod run;

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::money::charge::vat_of;
use crate::money::journal::outcome;
use crate::store::db::Store;
use subdesk_iamport::Client;

pub use report::{RunItem, RunSummary, export_csv};
pub use run::{RunControl, RunProgress, RunReport, execute_run, execute_run_fast};

/// How a run should go.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct RunOptions {
    /// Order name for CSV rows without one.
    pub default_name: String,
    /// Charges in flight at once (default 4).
    pub concurrency: u32,
    /// Requests per second at most (0 = unlimited).
    pub rate_per_sec: f64,
    /// Charge a customer once per line when they are on several lines. Off: the
    /// later lines are left out (`duplicate_customer`).
    pub allow_repeats: bool,
    /// Plan the same content again although a run of it completed or was
    /// cancelled (a new run with new order ids). Off: `run_already_done`.
    pub repeat_done: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            default_name: "일괄 결제".into(),
            concurrency: 4,
            rate_per_sec: 10.0,
            allow_repeats: false,
            repeat_done: false,
        }
    }
}

/// Most lines in one run: a larger file is refused before anything is written.
pub const MAX_RUN_ITEMS: usize = 100_000;

/// Why a customer was left out of a run.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ExcludeReason {
    /// Not in the registry.
    NoKey,
    /// In the registry, but the key is not active.
    KeyNotActive,
    /// Already charged this period.
    AlreadyCharged,
    /// An earlier charge is still being checked.
    UnresolvedCharge,
    /// i'mport will charge it itself (a pending schedule for this period).
    Scheduled,
    /// The CSV line could not be read.
    BadRow,
    /// The customer is on an earlier line too (repeats not allowed).
    DuplicateCustomer,
}

/// One customer left out.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Excluded {
    /// CSV line, or the subscription id for plan runs.
    pub line: i64,
    pub customer_uid: Option<String>,
    pub reason: ExcludeReason,
    pub detail: String,
}

/// The dry run: what executing the run would do.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RunPlan {
    pub run_id: String,
    pub label: String,
    pub count: i64,
    /// Whole won.
    pub total: i64,
    /// VAT included in the total (i'mport's default rule).
    pub vat: i64,
    pub excluded: Vec<Excluded>,
    /// This content was planned before and not finished: this is that run (resume
    /// it), not a new one.
    pub resumed: bool,
}

/// A run as stored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RunInfo {
    pub run_id: String,
    pub kind: String,
    pub label: String,
    /// `ready`, `running`, `paused`, `cancelled`, `completed`.
    pub state: String,
    pub concurrency: u32,
    pub rate_per_sec: f64,
    pub items: i64,
    pub total: i64,
    pub vat: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

struct Item {
    line: i64,
    customer_uid: String,
    amount: i64,
    /// The tax-free part (a plan's own; 0 for CSV lines).
    tax_free: i64,
    name: String,
    merchant_uid: String,
}

fn reason_str(r: ExcludeReason) -> &'static str {
    match r {
        ExcludeReason::NoKey => "no_key",
        ExcludeReason::KeyNotActive => "key_not_active",
        ExcludeReason::AlreadyCharged => "already_charged",
        ExcludeReason::UnresolvedCharge => "unresolved_charge",
        ExcludeReason::Scheduled => "scheduled",
        ExcludeReason::BadRow => "bad_row",
        ExcludeReason::DuplicateCustomer => "duplicate_customer",
    }
}

fn reason_of(s: &str) -> ExcludeReason {
    match s {
        "no_key" => ExcludeReason::NoKey,
        "key_not_active" => ExcludeReason::KeyNotActive,
        "already_charged" => ExcludeReason::AlreadyCharged,
        "unresolved_charge" => ExcludeReason::UnresolvedCharge,
        "scheduled" => ExcludeReason::Scheduled,
        "duplicate_customer" => ExcludeReason::DuplicateCustomer,
        _ => ExcludeReason::BadRow,
    }
}

/// Check a customer for a run; None when it may be charged.
fn customer_problem(store: &Store, uid: &str) -> Result<Option<(ExcludeReason, String)>> {
    match store.get_customer(uid) {
        Ok(c) if c.key_status != crate::registry::customers::KeyStatus::Active => Ok(Some((
            ExcludeReason::KeyNotActive,
            c.key_status.as_str().to_string(),
        ))),
        Ok(_) => {
            let open: i64 = store.read(|c| {
                Ok(c.query_row(
                    "SELECT count(*) FROM journal WHERE customer_uid = ?1
                     AND op IN ('charge_again', 'charge_onetime')
                     AND state IN ('pending', 'sent', 'unknown', 'conflict')",
                    [uid],
                    |r| r.get(0),
                )?)
            })?;
            if open > 0 {
                Ok(Some((
                    ExcludeReason::UnresolvedCharge,
                    format!("{open} charge(s) being checked"),
                )))
            } else {
                Ok(None)
            }
        }
        Err(Error::NotFound { .. }) => Ok(Some((ExcludeReason::NoKey, String::new()))),
        Err(e) => Err(e),
    }
}

fn check_options(opts: &RunOptions) -> Result<()> {
    if opts.concurrency == 0 || opts.concurrency > 64 {
        return Err(Error::invalid("concurrency", "1 to 64"));
    }
    if !(opts.rate_per_sec >= 0.0 && opts.rate_per_sec.is_finite()) {
        return Err(Error::invalid("rate_per_sec", "0 (unlimited) or more"));
    }
    Ok(())
}

/// Sum of amounts, refused (never wrapped) past i64.
fn checked_total(mut amounts: impl Iterator<Item = i64>) -> Result<i64> {
    amounts.try_fold(0i64, |t, a| {
        t.checked_add(a).ok_or(Error::AmountTooLarge {
            field: "total".into(),
            amount: i64::MAX,
            max: i64::MAX,
        })
    })
}

/// Which run this content is: the id to use, or the existing run to return.
enum Identity {
    New { run_id: String, line_prefix: String },
    Existing(String),
}

/// Runs are named by their content's hash; a deliberate repeat of a finished run
/// gets generation 2, 3, … with order ids of its own.
fn identify(store: &Store, kind: &str, content: &str, opts: &RunOptions) -> Result<Identity> {
    let h = crate::money::journal::hash(content);
    let earlier: Vec<(String, String)> = store.read(|c| {
        let mut stmt = c.prepare_cached(
            "SELECT id, state FROM bulk_runs WHERE kind = ?1 AND content_hash = ?2
             ORDER BY created_at, id",
        )?;
        let rows = stmt
            .query_map(params![kind, h], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    })?;
    if let Some((id, state)) = earlier.last() {
        if !matches!(state.as_str(), "completed" | "cancelled") {
            return Ok(Identity::Existing(id.clone()));
        }
        if !opts.repeat_done {
            return Err(Error::RunAlreadyDone {
                run_id: id.clone(),
                state: state.clone(),
            });
        }
    }
    let generation = earlier.len() + 1;
    let tag = if kind == "plan" { "p" } else { "r" };
    let (run_id, line_prefix) = if generation == 1 {
        (
            format!("run-{tag}{}", &h[..16]),
            format!("sd-r{}", &h[..12]),
        )
    } else {
        (
            format!("run-{tag}{}-g{generation}", &h[..16]),
            format!("sd-r{}g{generation}", &h[..12]),
        )
    };
    Ok(Identity::New {
        run_id,
        line_prefix,
    })
}

/// The plan of a stored run (the answer when the same content is planned again).
fn stored_plan(store: &Store, run_id: &str) -> Result<RunPlan> {
    let info = store.bulk_run(run_id)?;
    Ok(RunPlan {
        run_id: info.run_id,
        label: info.label,
        count: info.items,
        total: info.total,
        vat: info.vat,
        excluded: store.bulk_excluded(run_id)?,
        resumed: true,
    })
}

#[allow(clippy::too_many_arguments)]
fn save(
    store: &Store,
    run_id: &str,
    content_hash: &str,
    kind: &str,
    label: &str,
    opts: &RunOptions,
    items: &[Item],
    excluded: &[Excluded],
) -> Result<RunPlan> {
    check_options(opts)?;
    let total = checked_total(items.iter().map(|i| i.amount))?;
    let vat = checked_total(items.iter().map(|i| vat_of(i.amount, i.tax_free)))?;
    let now = crate::now();
    store.write(|tx| {
        tx.execute(
            "INSERT INTO bulk_runs (id, kind, label, state, concurrency, rate_per_sec, items, total,
                 vat, created_at, updated_at, content_hash, allow_repeats)
             VALUES (?1, ?2, ?3, 'ready', ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10, ?11)",
            params![
                run_id,
                kind,
                label,
                opts.concurrency,
                opts.rate_per_sec,
                items.len() as i64,
                total,
                vat,
                now,
                content_hash,
                opts.allow_repeats,
            ],
        )?;
        let mut ins = tx.prepare_cached(
            "INSERT INTO bulk_items (run_id, line, customer_uid, amount, name, merchant_uid, state,
                 updated_at, tax_free)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'queued', ?7, ?8)",
        )?;
        for i in items {
            ins.execute(params![
                run_id,
                i.line,
                i.customer_uid,
                i.amount,
                i.name,
                i.merchant_uid,
                now,
                i.tax_free
            ])?;
        }
        let mut ex = tx.prepare_cached(
            "INSERT OR REPLACE INTO bulk_excluded (run_id, line, customer_uid, reason, detail)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for e in excluded {
            ex.execute(params![
                run_id,
                e.line,
                e.customer_uid,
                reason_str(e.reason),
                e.detail
            ])?;
        }
        crate::store::audit::append(
            tx,
            store.profile(),
            "bulk.plan",
            &serde_json::json!({
                "run_id": run_id, "kind": kind, "label": label, "items": items.len(),
                "total": total, "excluded": excluded.len(),
            }),
            "ok",
        )?;
        Ok(())
    })?;
    Ok(RunPlan {
        run_id: run_id.to_string(),
        label: label.to_string(),
        count: items.len() as i64,
        total,
        vat,
        excluded: excluded.to_vec(),
        resumed: false,
    })
}

/// Settle the journal's open rows before deciding who is left out as "being
/// checked": a row left pending by a crash was never sent and must not keep its
/// customer out of every later run. Without a client (a dry run on a journal with
/// nothing open, where none is needed) this does nothing; with open rows and no
/// client those customers stay out as being checked.
async fn settle_open(store: &Store, client: Option<&Client>) -> Result<()> {
    if let Some(client) = client
        && store.journal_open_count()? > 0
    {
        crate::money::reconcile::reconcile(store, client).await?;
    }
    Ok(())
}

/// The content a CSV run is identified by: the text with line endings and trailing
/// blanks normalised, and the choices that change what is charged.
fn csv_content(text: &str, opts: &RunOptions) -> String {
    let mut c = String::with_capacity(text.len() + 64);
    c.push_str(&format!(
        "csv\nname={}\nrepeats={}\n",
        opts.default_name, opts.allow_repeats
    ));
    for l in text.trim_start_matches('\u{feff}').lines() {
        c.push_str(l.trim_end());
        c.push('\n');
    }
    c
}

/// Dry run of a CSV (`customer_uid,amount[,name]`): persists the run as `ready`,
/// or returns the unfinished run planned from the same content before.
pub async fn plan_csv_run(
    store: &Store,
    client: Option<&Client>,
    label: &str,
    text: &str,
    opts: &RunOptions,
) -> Result<RunPlan> {
    check_options(opts)?;
    let content = csv_content(text, opts);
    let (run_id, prefix) = match identify(store, "csv", &content, opts)? {
        Identity::Existing(id) => return stored_plan(store, &id),
        Identity::New {
            run_id,
            line_prefix,
        } => (run_id, line_prefix),
    };
    let (rows, bad) = csv::parse(text);
    if rows.len() + bad.len() > MAX_RUN_ITEMS {
        return Err(Error::invalid(
            "csv",
            format!("at most {MAX_RUN_ITEMS} lines in one run"),
        ));
    }
    settle_open(store, client).await?;
    let mut excluded: Vec<Excluded> = bad
        .into_iter()
        .map(|(line, uid, detail)| Excluded {
            line,
            customer_uid: (!uid.is_empty()).then_some(uid),
            reason: ExcludeReason::BadRow,
            detail,
        })
        .collect();
    let mut first_line: std::collections::HashMap<String, i64> = Default::default();
    let mut items = Vec::new();
    for r in rows {
        if !opts.allow_repeats
            && let Some(first) = first_line.get(&r.customer_uid)
        {
            excluded.push(Excluded {
                line: r.line,
                customer_uid: Some(r.customer_uid),
                reason: ExcludeReason::DuplicateCustomer,
                detail: first.to_string(),
            });
            continue;
        }
        first_line.entry(r.customer_uid.clone()).or_insert(r.line);
        if let Some((reason, detail)) = customer_problem(store, &r.customer_uid)? {
            excluded.push(Excluded {
                line: r.line,
                customer_uid: Some(r.customer_uid),
                reason,
                detail,
            });
            continue;
        }
        items.push(Item {
            line: r.line,
            merchant_uid: format!("{prefix}-{}", r.line),
            customer_uid: r.customer_uid,
            amount: r.amount,
            tax_free: 0,
            name: r.name.unwrap_or_else(|| opts.default_name.clone()),
        });
    }
    excluded.sort_by_key(|e| e.line);
    let hash = crate::money::journal::hash(&content);
    save(store, &run_id, &hash, "csv", label, opts, &items, &excluded)
}

/// Dry run of "everyone on `plan_code` due this period" (the latest period due at
/// or before `now`). Each item uses the period's deterministic merchant_uid, so a
/// period can never be charged twice, whether by a schedule, a run or a retry.
pub async fn plan_plan_run(
    store: &Store,
    client: Option<&Client>,
    plan_code: &str,
    now: i64,
    opts: &RunOptions,
) -> Result<RunPlan> {
    check_options(opts)?;
    let plan = store.get_plan(plan_code)?;
    let period = plan
        .periods_between(0, now + 1)
        .pop()
        .ok_or_else(|| Error::invalid("plan_code", "no period is due yet"))?;
    let content = format!("plan\n{plan_code}\n{}\n", period.label);
    let run_id = match identify(store, "plan", &content, opts)? {
        Identity::Existing(id) => return stored_plan(store, &id),
        Identity::New { run_id, .. } => run_id,
    };
    settle_open(store, client).await?;
    let mut items = Vec::new();
    let mut excluded = Vec::new();
    for sub in store.subscriptions(Some(plan_code))? {
        if sub.status != "active" {
            continue;
        }
        // The subscription's own order id (its generation after a re-subscription), so
        // the journal check below sees this subscription's charge of the period.
        let m = plan.merchant_uid_for(&sub, &period);
        let mut leave = |reason, detail: String| {
            excluded.push(Excluded {
                line: sub.id,
                customer_uid: Some(sub.customer_uid.clone()),
                reason,
                detail,
            })
        };
        if let Some((reason, detail)) = customer_problem(store, &sub.customer_uid)? {
            leave(reason, detail);
            continue;
        }
        let rec = store
            .subscription_periods(sub.id)?
            .into_iter()
            .find(|p| p.period == period.index);
        match rec.as_ref().map(|r| r.state.as_str()) {
            Some("paid") => {
                leave(ExcludeReason::AlreadyCharged, period.label.clone());
                continue;
            }
            Some("scheduled") | Some("failed") => {
                leave(ExcludeReason::Scheduled, period.label.clone());
                continue;
            }
            // A first charge on subscribing is being sent for this period.
            Some("charging") => {
                leave(ExcludeReason::UnresolvedCharge, m);
                continue;
            }
            _ => {}
        }
        // A re-subscription is not charged for a period an earlier subscription of the
        // same customer paid.
        if sub.generation > 0 && store.periods_paid_before(&sub)?.contains(&period.label) {
            leave(ExcludeReason::AlreadyCharged, period.label.clone());
            continue;
        }
        if let Some(j) = store.journal_charge(&m)? {
            if j.state.holds_lock() {
                leave(ExcludeReason::UnresolvedCharge, m);
                continue;
            }
            if j.outcome.as_deref() == Some(outcome::PAID) {
                leave(ExcludeReason::AlreadyCharged, period.label.clone());
                continue;
            }
        }
        // The plan engine's own charge of this period: amount, name and tax-free part.
        let details = plan.details(&sub);
        items.push(Item {
            line: sub.id,
            customer_uid: sub.customer_uid.clone(),
            amount: details.amount,
            tax_free: details.tax_free.unwrap_or(0),
            name: details.name,
            merchant_uid: m,
        });
    }
    let label = format!("{} {}", plan.name, period.label);
    let hash = crate::money::journal::hash(&content);
    save(
        store, &run_id, &hash, "plan", &label, opts, &items, &excluded,
    )
}

impl Store {
    /// One run.
    pub fn bulk_run(&self, run_id: &str) -> Result<RunInfo> {
        self.read(|c| {
            c.query_row(
                "SELECT id, kind, label, state, concurrency, rate_per_sec, items, total, vat,
                     created_at, updated_at FROM bulk_runs WHERE id = ?1",
                [run_id],
                |r| {
                    Ok(RunInfo {
                        run_id: r.get(0)?,
                        kind: r.get(1)?,
                        label: r.get(2)?,
                        state: r.get(3)?,
                        concurrency: r.get::<_, i64>(4)?.clamp(1, 64) as u32,
                        rate_per_sec: r.get(5)?,
                        items: r.get(6)?,
                        total: r.get(7)?,
                        vat: r.get(8)?,
                        created_at: r.get(9)?,
                        updated_at: r.get(10)?,
                    })
                },
            )
            .optional()?
            .ok_or_else(|| Error::NotFound {
                what: "run",
                id: run_id.to_string(),
            })
        })
    }

    /// The customers a run left out.
    pub fn bulk_excluded(&self, run_id: &str) -> Result<Vec<Excluded>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT line, customer_uid, reason, detail FROM bulk_excluded WHERE run_id = ?1
                 ORDER BY line",
            )?;
            let rows = stmt
                .query_map([run_id], |r| {
                    let reason: String = r.get(2)?;
                    Ok(Excluded {
                        line: r.get(0)?,
                        customer_uid: r.get(1)?,
                        reason: reason_of(&reason),
                        detail: r.get(3)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            Ok(rows)
        })
    }

    pub(crate) fn set_run_state(&self, run_id: &str, state: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE bulk_runs SET state = ?2, updated_at = ?3 WHERE id = ?1",
                params![run_id, state, crate::now()],
            )?;
            crate::store::audit::append(
                tx,
                self.profile(),
                "bulk.state",
                &serde_json::json!({ "run_id": run_id }),
                state,
            )?;
            Ok(())
        })
    }
}
