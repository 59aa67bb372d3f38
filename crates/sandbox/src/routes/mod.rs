//! Routing: one function per endpoint, matched on method and path segments.
//! Handlers are synchronous over the store (each call is a few indexed lookups); the
//! control endpoints that may take long (seed) move to a blocking thread themselves.
//! The request and answer types every endpoint uses are in [`reply`], so the
//! endpoints import it rather than this dispatcher that imports them.

pub mod control;
pub mod customers;
pub mod payments;
pub mod reply;
pub mod schedules;
pub mod subscribe;
pub mod users;

use std::sync::Arc;

use hyper::{HeaderMap, Method, StatusCode};

use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::params::decode_segment;
use crate::routes::reply::{Reply, Req};
use crate::state::AppState;

fn require_token(state: &AppState, headers: &HeaderMap) -> ApiResult<()> {
    let Some(tok) = auth::token_from_headers(headers) else {
        return Err(ApiError::unauthorized(
            "Unauthorized: access_token이 필요합니다.",
        ));
    };
    if !state.tokens.check(&tok, state.clock.now()) {
        return Err(ApiError::unauthorized(
            "Unauthorized: 유효하지 않거나 만료된 access_token입니다.",
        ));
    }
    Ok(())
}

/// Routes one request. Unknown paths are 404 with the envelope.
pub async fn dispatch(state: &Arc<AppState>, req: &Req<'_>) -> ApiResult<Reply> {
    let owned: Vec<String> = req
        .path
        .trim_matches('/')
        .split('/')
        .map(decode_segment)
        .collect();
    let s: Vec<&str> = owned.iter().map(String::as_str).collect();
    let m = req.method;
    if s.first() == Some(&"__sandbox") {
        return control::handle(state, req, &s[1..]).await;
    }
    if *m == Method::POST && s.as_slice() == ["users", "getToken"] {
        return users::get_token(state, req);
    }
    if !is_known(m, &s) {
        return Err(ApiError::not_found(format!(
            "요청하신 API를 찾을 수 없습니다: {} {}",
            m, req.path
        )));
    }
    require_token(state, req.headers)?;
    let q = &req.query;
    match (m.clone(), s.as_slice()) {
        (Method::GET, ["users", "pg"]) => users::pg_settings(),
        (Method::GET, ["cards"]) => users::card_codes(),
        (Method::GET, ["subscribe", "customers"]) => customers::multi(state, q),
        (Method::GET, ["subscribe", "customers", uid]) => customers::get(state, uid),
        (Method::POST, ["subscribe", "customers", uid]) => {
            customers::issue(state, uid, &req.body_params()?)
        }
        (Method::DELETE, ["subscribe", "customers", uid]) => customers::delete(state, uid, q),
        (Method::GET, ["subscribe", "customers", uid, "payments"]) => {
            customers::payments(state, uid, q)
        }
        (Method::GET, ["subscribe", "customers", uid, "schedules"])
        | (Method::GET, ["subscribe", "payments", "schedule", "customers", uid]) => {
            schedules::by_customer(state, uid, q)
        }
        (Method::POST, ["subscribe", "payments", "onetime"]) => {
            subscribe::onetime(state, &req.body_params()?)
        }
        (Method::POST, ["subscribe", "payments", "again"]) => {
            subscribe::again(state, &req.body_params()?)
        }
        (Method::POST, ["subscribe", "payments", "schedule"]) => {
            schedules::create(state, &req.body_params()?)
        }
        (Method::GET, ["subscribe", "payments", "schedule"]) => schedules::by_range(state, q),
        (Method::POST, ["subscribe", "payments", "unschedule"]) => {
            schedules::unschedule(state, &req.body_params()?)
        }
        (Method::GET, ["subscribe", "payments", "schedule", muid]) => schedules::get(state, muid),
        (Method::PUT, ["subscribe", "payments", "schedule", muid]) => {
            schedules::update(state, muid, &req.body_params()?)
        }
        (Method::POST, ["subscribe", "payments", "schedule", muid, "reschedule"]) => {
            schedules::reschedule(state, muid, &req.body_params()?)
        }
        (Method::POST, ["subscribe", "payments", "schedule", muid, "retry"]) => {
            schedules::retry(state, muid)
        }
        (Method::GET, ["payments"]) => payments::multi(state, q),
        (Method::POST, ["payments", "cancel"]) => payments::cancel(state, &req.body_params()?),
        (Method::GET, ["payments", "find", muid]) => payments::find(state, muid, None, q),
        (Method::GET, ["payments", "find", muid, st]) => payments::find(state, muid, Some(st), q),
        (Method::GET, ["payments", "findAll", muid]) => payments::find_all(state, muid, None, q),
        (Method::GET, ["payments", "findAll", muid, st]) => {
            payments::find_all(state, muid, Some(st), q)
        }
        (Method::GET, ["payments", "status", st]) => payments::by_status(state, st, q),
        (Method::GET, ["payments", imp, "balance"]) => payments::balance(state, imp),
        (Method::GET, ["payments", imp]) => payments::get(state, imp, q),
        _ => Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            -1,
            format!("허용되지 않은 메소드입니다: {m}"),
        )),
    }
}

/// True when some method is routed for this path, so that unknown paths answer 404
/// before the token check (and known paths with a wrong method answer 405 after it).
fn is_known(_m: &Method, s: &[&str]) -> bool {
    matches!(
        s,
        ["users", "pg"]
            | ["cards"]
            | ["subscribe", "customers"]
            | ["subscribe", "customers", _]
            | ["subscribe", "customers", _, "payments" | "schedules"]
            | [
                "subscribe",
                "payments",
                "onetime" | "again" | "schedule" | "unschedule"
            ]
            | ["subscribe", "payments", "schedule", _]
            | ["subscribe", "payments", "schedule", "customers", _]
            | [
                "subscribe",
                "payments",
                "schedule",
                _,
                "reschedule" | "retry"
            ]
            | ["payments"]
            | ["payments", _]
            | ["payments", _, "balance"]
            | ["payments", "find" | "findAll", _]
            | ["payments", "find" | "findAll", _, _]
            | ["payments", "status", _]
    )
}
