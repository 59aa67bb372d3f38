//! The schedule executor: charges due schedules, driven by the sandbox clock.
//!
//! It wakes every `tick` of real time; `POST /__sandbox/clock/advance` also runs it
//! before answering, so a test that jumps a month sees every execution at once. The same
//! pass settles charges that answered `ready` once their settle time has come.

use std::sync::Arc;
use std::time::Duration;

use rusqlite::Connection;
use tokio::sync::watch;

use crate::charge::{self, Order, fill_buyer_from_key, snapshot_of_key};
use crate::error::ApiResult;
use crate::pg::{self, ChargeFields};
use crate::state::AppState;
use crate::store::{self, StoredSchedule};
use crate::wire::{Payment, Schedule, WebhookBody};

pub type Hook = Option<(String, WebhookBody)>;

/// Executes one schedule at time `at` and writes the outcome back.
pub fn execute_one(
    state: &AppState,
    conn: &Connection,
    s: StoredSchedule,
    at: i64,
) -> ApiResult<(Schedule, Option<Payment>, Hook)> {
    let mut sched = s.schedule.clone();
    sched.schedule_status = "executed".into();
    sched.executed_at = at;
    let fail =
        |mut sched: Schedule, reason: String| -> ApiResult<(Schedule, Option<Payment>, Hook)> {
            sched.payment_status = Some("failed".into());
            sched.fail_reason = Some(reason);
            sched.imp_uid = None;
            store::update_schedule(conn, &sched)?;
            Ok((sched, None, None))
        };
    let Some(cust) = store::customer(conn, &sched.customer_uid)? else {
        return fail(sched, "등록된 빌링키 정보가 존재하지 않습니다.".into());
    };
    let channel = pg::find_channel(&cust.pg_provider, &cust.pg_id).unwrap_or(pg::DEFAULT_CHANNEL);
    let mut order = Order {
        merchant_uid: sched.merchant_uid.clone(),
        amount: sched.amount,
        currency: sched.currency.clone(),
        tax_free: s.tax_free,
        vat_amount: s.vat_amount,
        name: sched.name.clone(),
        buyer_name: sched.buyer_name.clone(),
        buyer_email: sched.buyer_email.clone(),
        buyer_tel: sched.buyer_tel.clone(),
        buyer_addr: sched.buyer_addr.clone(),
        buyer_postcode: sched.buyer_postcode.clone(),
        custom_data: sched.custom_data.clone(),
        card_quota: s.card_quota,
        notice_url: s.notice_url.clone(),
    };
    let fields = ChargeFields {
        name: order.name.as_deref(),
        buyer_name: order.buyer_name.as_deref(),
        product_type: s.product_type.as_deref(),
        ..Default::default()
    };
    if let Err(e) = pg::check_again_fields(channel, &fields, cust.customer_name.as_deref())
        .and_then(|_| charge::check_merchant_uid(conn, &sched.merchant_uid, true))
    {
        return fail(sched, e.message);
    }
    fill_buyer_from_key(&mut order, &cust);
    let snap = snapshot_of_key(&cust);
    let payment = charge::execute(
        state,
        conn,
        channel,
        &order,
        &snap,
        Some(&sched.customer_uid),
        Some("payment.scheduled"),
        at,
    )?;
    sched.imp_uid = Some(payment.imp_uid.clone());
    sched.payment_status = Some(payment.status.clone());
    sched.fail_reason = payment.fail_reason.clone();
    sched.pg_provider = Some(payment.pg_provider.clone());
    sched.pg_id = Some(payment.pg_id.clone());
    store::update_schedule(conn, &sched)?;
    // Scheduled executions notify on both outcomes (paid and failed); a `ready` charge
    // notifies when it settles (`charge::settle_due`).
    let hook = order
        .notice_url
        .clone()
        .filter(|_| payment.status != "ready")
        .map(|url| {
            (
                url,
                WebhookBody {
                    imp_uid: payment.imp_uid.clone(),
                    merchant_uid: payment.merchant_uid.clone(),
                    status: payment.status.clone(),
                },
            )
        });
    Ok((sched, Some(payment), hook))
}

/// Runs every schedule due at the current sandbox time, then settles due `ready`
/// charges (including ones those executions just made). Returns how many schedules ran
/// and starts the webhooks. A schedule whose time passed while the clock jumped is
/// executed "at" its own `schedule_at`, as if the executor had been on time.
pub fn run_due(state: &Arc<AppState>) -> usize {
    let now = state.clock.now();
    let mut hooks = Vec::new();
    let mut ran = 0;
    loop {
        let conn = state.store.lock();
        let due = match store::due_schedules(&conn, now, 200) {
            Ok(d) => d,
            Err(e) => {
                tracing::error!(error = %e, "cannot read due schedules");
                break;
            }
        };
        if due.is_empty() {
            break;
        }
        for s in due {
            let at = s.schedule.schedule_at.min(now);
            let muid = s.schedule.merchant_uid.clone();
            match execute_one(state, &conn, s, at) {
                Ok((_, _, hook)) => {
                    ran += 1;
                    hooks.extend(hook);
                }
                Err(e) => {
                    tracing::error!(merchant_uid = %muid, error = %e.message, "schedule execution failed");
                    return ran;
                }
            }
        }
    }
    {
        let conn = state.store.lock();
        match charge::settle_due(state, &conn, now) {
            Ok(h) => hooks.extend(h),
            Err(e) => tracing::error!(error = %e.message, "cannot settle ready charges"),
        }
    }
    for (url, body) in hooks {
        state.spawn_webhook(url, body);
    }
    if ran > 0 {
        tracing::info!(ran, "scheduled payments executed");
    }
    ran
}

/// Background loop until shutdown.
pub async fn run(state: Arc<AppState>, tick: Duration, mut shutdown: watch::Receiver<bool>) {
    let mut interval = tokio::time::interval(tick);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = interval.tick() => {
                let st = state.clone();
                // SQLite work off the async threads; the lock is short-lived.
                if tokio::task::spawn_blocking(move || run_due(&st)).await.is_err() {
                    tracing::error!("schedule executor task panicked");
                }
            }
            r = shutdown.changed() => {
                if r.is_err() || *shutdown.borrow() {
                    break;
                }
            }
        }
    }
}
