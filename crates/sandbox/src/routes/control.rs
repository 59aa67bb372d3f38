//! Control endpoints under `/__sandbox/`: they exist only in the sandbox, need no
//! token, and answer only to loopback peers.

use std::sync::Arc;

use hyper::{Method, StatusCode};
use serde_json::json;

use crate::cards::TEST_CARDS;
use crate::error::{ApiError, ApiResult};
use crate::executor;
use crate::faults::FaultRule;
use crate::routes::reply::{Reply, Req, ok};
use crate::seed::{self, SeedRequest};
use crate::state::AppState;
use crate::store;

pub async fn handle(state: &Arc<AppState>, req: &Req<'_>, s: &[&str]) -> ApiResult<Reply> {
    if !req.peer_is_loopback {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            -1,
            "control endpoints answer loopback only",
        ));
    }
    let m = req.method.clone();
    match (m, s) {
        (Method::GET, ["clock"]) => clock(state),
        (Method::POST, ["clock", "advance"]) => {
            let p = req.body_params()?;
            let secs = p.req_i64("seconds")?;
            if secs < 0 {
                return Err(ApiError::bad_request(
                    "seconds must be >= 0: the clock never runs backwards",
                ));
            }
            state.clock.advance(secs);
            run_executor(state).await?;
            clock(state)
        }
        (Method::POST, ["clock", "set"]) => {
            let p = req.body_params()?;
            let now = p.req_i64("now")?;
            state.clock.set(now);
            run_executor(state).await?;
            clock(state)
        }
        (Method::POST, ["clock", "speed"]) => {
            let p = req.body_params()?;
            let factor = match p.get("factor") {
                Some(v) => v
                    .as_f64()
                    .or_else(|| v.as_str().and_then(|s| s.parse().ok())),
                None => None,
            }
            .filter(|f| f.is_finite() && *f > 0.0 && *f <= 1.0e7)
            .ok_or_else(|| ApiError::bad_request("factor must be a number in (0, 1e7]"))?;
            state.clock.set_speed(factor);
            clock(state)
        }
        (Method::POST, ["clock", "reset"]) => {
            state.clock.reset();
            clock(state)
        }
        (Method::POST, ["executor", "run"]) => {
            let ran = run_executor(state).await?;
            ok(json!({"executed": ran}))
        }
        (Method::GET, ["faults"]) => ok(state.faults.list()),
        (Method::POST, ["faults"]) => {
            let rule: FaultRule = serde_json::from_slice(req.body)
                .map_err(|e| ApiError::bad_request(format!("invalid fault rule: {e}")))?;
            if rule.kind == crate::faults::FaultKind::Status
                && !rule.status.is_some_and(|s| (400..=599).contains(&s))
            {
                return Err(ApiError::bad_request(
                    "status fault needs status in 400..=599",
                ));
            }
            ok(state.faults.add(rule))
        }
        (Method::DELETE, ["faults"]) => {
            state.faults.clear();
            ok(json!({}))
        }
        (Method::GET, ["requests"]) => ok(state.reqlog.list()),
        (Method::DELETE, ["requests"]) => {
            state.reqlog.clear();
            ok(json!({}))
        }
        (Method::GET, ["webhooks"]) => ok(state.webhooks.list()),
        (Method::DELETE, ["webhooks"]) => {
            state.webhooks.clear();
            ok(json!({}))
        }
        (Method::GET, ["test-cards"]) => ok(TEST_CARDS),
        (Method::POST, ["reset"]) => {
            state.store.reset()?;
            state.tokens.clear();
            state.faults.clear();
            state.reqlog.clear();
            state.webhooks.clear();
            state.clock.reset();
            ok(json!({}))
        }
        (Method::POST, ["seed"]) => {
            let req: SeedRequest = serde_json::from_slice(req.body)
                .map_err(|e| ApiError::bad_request(format!("invalid seed request: {e}")))?;
            let st = state.clone();
            let res = tokio::task::spawn_blocking(move || seed::seed(&st, &req))
                .await
                .map_err(|_| ApiError::internal("seed task panicked"))??;
            ok(res)
        }
        (Method::GET, ["receipts", imp_uid]) => receipt(state, imp_uid),
        _ => Err(ApiError::not_found(format!(
            "unknown control endpoint: {} /__sandbox/{}",
            req.method,
            s.join("/")
        ))),
    }
}

fn clock(state: &AppState) -> ApiResult<Reply> {
    ok(json!({"now": state.clock.now(), "speed": state.clock.speed()}))
}

async fn run_executor(state: &Arc<AppState>) -> ApiResult<usize> {
    let st = state.clone();
    tokio::task::spawn_blocking(move || executor::run_due(&st))
        .await
        .map_err(|_| ApiError::internal("executor panicked"))
}

/// A sales slip, so `receipt_url` leads somewhere. The body is JSON in an envelope
/// (the server only speaks JSON); the app opens it as text.
fn receipt(state: &AppState, imp_uid: &str) -> ApiResult<Reply> {
    let conn = state.store.lock();
    let p = store::payment_by_imp(&conn, imp_uid)?
        .ok_or_else(|| ApiError::not_found("no such payment"))?;
    let p = p.payment;
    ok(json!({
        "title": "매출전표 (SANDBOX)",
        "imp_uid": p.imp_uid, "merchant_uid": p.merchant_uid, "pg_provider": p.pg_provider,
        "card_name": p.card_name, "card_number": p.card_number, "apply_num": p.apply_num,
        "amount": p.amount, "cancel_amount": p.cancel_amount, "paid_at": p.paid_at, "status": p.status,
    }))
}
