//! Executing a run: bounded concurrency, a request-rate limit, progress events,
//! pause / resume / cancel, and crash safety. Every item's journal row decides
//! what happens to it: paid or declined items are done, open ones are resolved
//! by lookup first, and only items that were never sent or provably not executed
//! are (re)sent — always with the merchant_uid fixed at planning.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

use rusqlite::params;
use serde::{Deserialize, Serialize};
use subdesk_iamport::Client;
use tokio::sync::{Mutex, Semaphore};
use tokio::time::Instant;

use crate::error::{Error, Result};
use crate::money::charge::{AgainCharge, ChargeDetails, ChargeResult, ChargeStatus, Ctx, Prepared};
use crate::money::journal::outcome;
use crate::store::db::Store;

/// Shared with the UI: pause or cancel a running run.
#[derive(Debug, Clone, Default)]
pub struct RunControl {
    paused: Arc<AtomicBool>,
    cancelled: Arc<AtomicBool>,
}

impl RunControl {
    pub fn new() -> Self {
        Self::default()
    }
    /// Stop sending new items; those in flight finish. Resume by calling
    /// [`execute_run`] again.
    pub fn pause(&self) {
        self.paused.store(true, Ordering::SeqCst);
    }
    /// Stop for good: items not sent yet are marked not executed.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
    }
    fn stop(&self) -> bool {
        self.paused.load(Ordering::SeqCst) || self.cancelled.load(Ordering::SeqCst)
    }
}

/// Sent to the progress callback after every item.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RunProgress {
    pub run_id: String,
    pub total: i64,
    pub done: i64,
    pub paid: i64,
    pub declined: i64,
    pub rejected: i64,
    /// Still being checked.
    pub unknown: i64,
    /// Something else is paid under the line's order id: a person decides.
    pub conflict: i64,
    pub amount_paid: i64,
}

/// How an execution ended.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RunReport {
    pub run_id: String,
    /// `completed`, `paused`, `cancelled`.
    pub state: String,
    pub progress: RunProgress,
    /// Charges sent by this execution (retries included).
    pub sent: i64,
}

/// The item state the journal says.
enum Decided {
    Done(&'static str, Option<String>, Option<String>, Option<String>),
    Open,
    Send,
}

fn decide(store: &Store, merchant_uid: &str) -> Result<Decided> {
    let Some(j) = store.journal_charge(merchant_uid)? else {
        return Ok(Decided::Send);
    };
    if j.state.is_open() {
        return Ok(Decided::Open);
    }
    Ok(match j.outcome.as_deref() {
        Some(outcome::PAID) => Decided::Done("paid", j.imp_uid, None, None),
        Some(outcome::CONFLICT) => Decided::Done("conflict", j.imp_uid, None, None),
        Some(outcome::FAILED) => Decided::Done("declined", j.imp_uid, j.fail_reason, None),
        Some(outcome::REFUSED) => Decided::Done("rejected", None, None, j.error_code),
        _ => Decided::Send,
    })
}

struct Limiter {
    next: Mutex<Instant>,
    gap: Option<Duration>,
}

impl Limiter {
    async fn wait(&self) {
        let Some(gap) = self.gap else { return };
        let at = {
            let mut next = self.next.lock().await;
            let now = Instant::now();
            let at = (*next).max(now);
            *next = at + gap;
            at
        };
        tokio::time::sleep_until(at).await;
    }
}

/// A new state for one item.
struct Update<'a> {
    state: &'a str,
    outcome: Option<&'a str>,
    imp_uid: Option<&'a str>,
    fail_reason: Option<&'a str>,
    error_code: Option<&'a str>,
}

impl<'a> Update<'a> {
    fn done(outcome: &'a str) -> Self {
        Update {
            state: "done",
            outcome: Some(outcome),
            imp_uid: None,
            fail_reason: None,
            error_code: None,
        }
    }
}

/// Progress counters kept in memory during an execution: recounting the items
/// after each one would make a run quadratic.
type Tally = Arc<std::sync::Mutex<RunProgress>>;

fn set_item(store: &Store, run_id: &str, it: &Queued, u: Update<'_>, tally: &Tally) -> Result<()> {
    store.write(|tx| {
        tx.prepare_cached(
            "UPDATE bulk_items SET state = ?3, outcome = ?4, imp_uid = ?5, fail_reason = ?6,
                 error_code = ?7, updated_at = ?8
             WHERE run_id = ?1 AND line = ?2",
        )?
        .execute(params![
            run_id,
            it.line,
            u.state,
            u.outcome,
            u.imp_uid,
            u.fail_reason,
            u.error_code,
            crate::now()
        ])?;
        Ok(())
    })?;
    let mut t = tally.lock().unwrap_or_else(|e| e.into_inner());
    if it.outcome.as_deref() == Some("unknown") {
        t.unknown -= 1;
    }
    if u.state == "done" {
        t.done += 1;
    }
    match u.outcome {
        Some("paid") => {
            t.paid += 1;
            t.amount_paid += it.amount;
        }
        Some("declined") => t.declined += 1,
        Some("rejected") => t.rejected += 1,
        Some("unknown") => t.unknown += 1,
        Some("conflict") => t.conflict += 1,
        _ => {}
    }
    Ok(())
}

fn snapshot(tally: &Tally) -> RunProgress {
    tally.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

struct Queued {
    line: i64,
    outcome: Option<String>,
    customer_uid: String,
    amount: i64,
    tax_free: i64,
    name: String,
    merchant_uid: String,
}

fn queued(store: &Store, run_id: &str) -> Result<Vec<Queued>> {
    store.read(|c| {
        let mut stmt = c.prepare_cached(
            "SELECT line, customer_uid, amount, name, merchant_uid, outcome, tax_free FROM bulk_items
             WHERE run_id = ?1 AND state = 'queued' ORDER BY line",
        )?;
        let rows = stmt
            .query_map([run_id], |r| {
                Ok(Queued {
                    line: r.get(0)?,
                    customer_uid: r.get(1)?,
                    amount: r.get(2)?,
                    name: r.get(3)?,
                    merchant_uid: r.get(4)?,
                    tax_free: r.get(6)?,
                    outcome: r.get(5)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    })
}

fn progress(store: &Store, run_id: &str) -> Result<RunProgress> {
    store.read(|c| {
        let mut p = RunProgress {
            run_id: run_id.to_string(),
            ..Default::default()
        };
        let mut stmt = c.prepare_cached(
            "SELECT state, coalesce(outcome, ''), count(*), sum(amount) FROM bulk_items
             WHERE run_id = ?1 GROUP BY 1, 2",
        )?;
        let mut rows = stmt.query([run_id])?;
        while let Some(r) = rows.next()? {
            let state: String = r.get(0)?;
            let out: String = r.get(1)?;
            let n: i64 = r.get(2)?;
            let amount: i64 = r.get::<_, Option<i64>>(3)?.unwrap_or(0);
            p.total += n;
            if state == "done" {
                p.done += n;
            }
            match out.as_str() {
                "paid" => {
                    p.paid += n;
                    p.amount_paid += amount;
                }
                "declined" => p.declined += n,
                "rejected" => p.rejected += n,
                "unknown" => p.unknown += n,
                "conflict" => p.conflict += n,
                _ => {}
            }
        }
        Ok(p)
    })
}

/// Options an execution may tune (tests and the bench shorten the waits).
#[derive(Debug, Clone)]
pub(crate) struct ExecTuning {
    /// Wait before looking up charges whose answer was lost.
    pub settle: Duration,
    /// Passes over items left unknown before the run pauses.
    pub passes: u32,
}

impl Default for ExecTuning {
    fn default() -> Self {
        ExecTuning {
            settle: Duration::from_secs(2),
            passes: 5,
        }
    }
}

/// Execute (or resume) a run. Returns when every item is done, or the run was
/// paused or cancelled, or items are still being checked after several passes
/// (then the run is `paused`; call again later).
pub async fn execute_run(
    store: &Store,
    client: &Client,
    run_id: &str,
    control: &RunControl,
    on_progress: &(dyn Fn(&RunProgress) + Send + Sync),
) -> Result<RunReport> {
    execute_tuned(
        store,
        client,
        run_id,
        control,
        on_progress,
        &ExecTuning::default(),
    )
    .await
}

#[doc(hidden)]
pub async fn execute_run_fast(
    store: &Store,
    client: &Client,
    run_id: &str,
    control: &RunControl,
    on_progress: &(dyn Fn(&RunProgress) + Send + Sync),
    settle: Duration,
) -> Result<RunReport> {
    let t = ExecTuning {
        settle,
        ..Default::default()
    };
    execute_tuned(store, client, run_id, control, on_progress, &t).await
}

/// Journal (pending), wait for the rate limit, mark sent, send, record.
async fn charge_item(
    store: &Store,
    client: &Client,
    run_id: &str,
    it: &Queued,
    limiter: &Limiter,
    sent: &AtomicI64,
    tally: &Tally,
) -> Result<()> {
    let req = AgainCharge {
        customer_uid: it.customer_uid.clone(),
        merchant_uid: Some(it.merchant_uid.clone()),
        details: ChargeDetails {
            amount: it.amount,
            name: it.name.clone(),
            tax_free: (it.tax_free > 0).then_some(it.tax_free),
            ..Default::default()
        },
    };
    let ctx = Ctx {
        source: format!("bulk:{run_id}"),
    };
    let prepared = match crate::money::charge::prepare_again(store, &req, &ctx, false) {
        Ok(Prepared::Send(p)) => p,
        // This line's order was charged already (an earlier execution, or a
        // process that died after i'mport paid it): that is its result.
        Ok(Prepared::Earlier(e)) => {
            let r = crate::money::charge::replayed(&e);
            return set_item(store, run_id, it, update_of(&r), tally);
        }
        // Being checked: the next pass looks it up.
        Err(Error::Unresolved { .. }) => return Ok(()),
        Err(Error::Conflict { .. }) => {
            return set_item(store, run_id, it, Update::done("conflict"), tally);
        }
        // The database waits for a sync: stop sending (the run pauses).
        Err(e @ Error::NeedsSync { .. }) => return Err(e),
        Err(e) => {
            let u = Update {
                error_code: Some(e.code().as_str()),
                ..Update::done("rejected")
            };
            return set_item(store, run_id, it, u, tally);
        }
    };
    limiter.wait().await;
    match crate::money::journal::mark_sent(store, prepared.journal_id) {
        Ok(()) => {}
        // Another process settled the pending row (a reconciliation): not sent
        // here; the next pass reads what it decided.
        Err(Error::TakenOver { .. }) => return Ok(()),
        Err(e) => return Err(e),
    }
    sent.fetch_add(1, Ordering::SeqCst);
    match crate::money::charge::send_again(store, client, &req, prepared).await {
        Ok(r) => set_item(store, run_id, it, update_of(&r), tally),
        // After sending, only i'mport's confirmed refusal (a lookup found nothing
        // under the order id) comes back as an error: rejected, never declined.
        Err(e) => {
            let u = Update {
                error_code: Some(e.code().as_str()),
                ..Update::done("rejected")
            };
            set_item(store, run_id, it, u, tally)
        }
    }
}

/// The item state a charge result gives. Anything but paid or declined keeps the
/// item queued as unknown (looked up on the next pass), except a conflict, which
/// waits for a person.
fn update_of(r: &ChargeResult) -> Update<'_> {
    let u = match r.status {
        ChargeStatus::Paid => Update::done("paid"),
        ChargeStatus::Declined => Update {
            fail_reason: r.fail_reason.as_deref(),
            ..Update::done("declined")
        },
        ChargeStatus::Conflict => Update::done("conflict"),
        ChargeStatus::Unknown => Update {
            state: "queued",
            error_code: Some("charge_unresolved"),
            ..Update::done("unknown")
        },
    };
    Update {
        imp_uid: r.imp_uid.as_deref(),
        ..u
    }
}

pub(crate) async fn execute_tuned(
    store: &Store,
    client: &Client,
    run_id: &str,
    control: &RunControl,
    on_progress: &(dyn Fn(&RunProgress) + Send + Sync),
    tuning: &ExecTuning,
) -> Result<RunReport> {
    let info = store.bulk_run(run_id)?;
    if matches!(info.state.as_str(), "completed" | "cancelled") {
        return Err(Error::RunState {
            run_id: run_id.to_string(),
            state: info.state,
            action: "execute",
        });
    }
    store.check_money_allowed()?;
    // One process runs a run: the app and `run resume` in a terminal cannot both.
    let lease = crate::store::lease::Lease::acquire(store, &format!("run:{run_id}"))?;
    store.set_run_state(run_id, "running")?;
    let limiter = Arc::new(Limiter {
        next: Mutex::new(Instant::now()),
        gap: (info.rate_per_sec > 0.0).then(|| Duration::from_secs_f64(1.0 / info.rate_per_sec)),
    });
    let sem = Arc::new(Semaphore::new(info.concurrency as usize));
    let sent = Arc::new(AtomicI64::new(0));
    let tally: Tally = Arc::new(std::sync::Mutex::new(progress(store, run_id)?));
    let mut pass = 0;
    loop {
        let items = queued(store, run_id)?;
        if items.is_empty() || control.stop() {
            break;
        }
        let mut open_left = false;
        let mut tasks = tokio::task::JoinSet::new();
        for it in items {
            if control.stop() || !lease.held() {
                break;
            }
            // Resolve before anything else: an item whose charge may have happened
            // is looked up, never re-sent blindly.
            let mut d = decide(store, &it.merchant_uid)?;
            if matches!(d, Decided::Open) {
                if pass == 0 {
                    // Looked up on the next pass, after the settle wait, so that a
                    // request still in flight at i'mport has landed.
                    open_left = true;
                    continue;
                }
                if let Some(entry) = store.journal_charge(&it.merchant_uid)? {
                    let _ = crate::money::reconcile::resolve_entry(store, client, &entry, 0).await;
                }
                d = decide(store, &it.merchant_uid)?;
            }
            match d {
                Decided::Done(out, imp, reason, code) => {
                    let u = Update {
                        imp_uid: imp.as_deref(),
                        fail_reason: reason.as_deref(),
                        error_code: code.as_deref(),
                        ..Update::done(out)
                    };
                    set_item(store, run_id, &it, u, &tally)?;
                    on_progress(&snapshot(&tally));
                    continue;
                }
                Decided::Open => {
                    open_left = true;
                    continue;
                }
                Decided::Send => {}
            }
            let permit = sem
                .clone()
                .acquire_owned()
                .await
                .map_err(|e| Error::Internal(e.to_string()))?;
            let job = {
                let (store, client, limiter, sent, run_id, tally) = (
                    store.clone(),
                    client.clone(),
                    limiter.clone(),
                    sent.clone(),
                    run_id.to_string(),
                    tally.clone(),
                );
                async move {
                    let _permit = permit;
                    charge_item(&store, &client, &run_id, &it, &limiter, &sent, &tally).await
                }
            };
            tasks.spawn(job);
            // Report as results come in, without waiting for the whole batch.
            while let Some(r) = tasks.try_join_next() {
                r.map_err(|e| Error::Internal(e.to_string()))??;
                on_progress(&snapshot(&tally));
            }
        }
        while let Some(r) = tasks.join_next().await {
            r.map_err(|e| Error::Internal(e.to_string()))??;
            on_progress(&snapshot(&tally));
        }
        let p = snapshot(&tally);
        if p.done == p.total || control.stop() {
            break;
        }
        pass += 1;
        if pass > tuning.passes {
            break;
        }
        if open_left || p.unknown > 0 {
            // Give lost answers time to land before looking them up.
            tokio::time::sleep(tuning.settle).await;
        }
    }
    let p = progress(store, run_id)?;
    let state = if control.cancelled.load(Ordering::SeqCst) {
        store.write(|tx| {
            // Items never sent are closed as not executed; items being checked
            // stay queued so that a reconcile + report still shows them.
            tx.execute(
                "UPDATE bulk_items SET state = 'done', outcome = 'not_executed', updated_at = ?2
                 WHERE run_id = ?1 AND state = 'queued' AND outcome IS NULL",
                params![run_id, crate::now()],
            )?;
            Ok(())
        })?;
        "cancelled"
    } else if p.done == p.total {
        "completed"
    } else {
        "paused"
    };
    store.set_run_state(run_id, state)?;
    let progress = progress(store, run_id)?;
    on_progress(&progress);
    Ok(RunReport {
        run_id: run_id.to_string(),
        state: state.to_string(),
        progress,
        sent: sent.load(Ordering::SeqCst),
    })
}
