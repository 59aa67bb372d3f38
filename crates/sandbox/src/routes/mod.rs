//! Routing: one function per endpoint, matched on method and path segments.
//! Handlers are synchronous over the store (each call is a few indexed lookups); the
//! control endpoints that may take long (seed) move to a blocking thread themselves.

pub mod control;
pub mod customers;
pub mod payments;
pub mod schedules;
pub mod subscribe;
pub mod users;

use std::sync::Arc;

use hyper::{HeaderMap, Method, StatusCode};
use serde::Serialize;

use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::params::{Params, decode_segment};
use crate::state::AppState;

/// One incoming request, already read.
pub struct Req<'a> {
    pub method: &'a Method,
    pub path: &'a str,
    pub query: Params,
    pub headers: &'a HeaderMap,
    pub content_type: Option<&'a str>,
    pub body: &'a [u8],
    pub peer_is_loopback: bool,
}

impl Req<'_> {
    pub fn body_params(&self) -> ApiResult<Params> {
        Params::from_body(self.content_type, self.body)
    }
}

/// A successful answer: HTTP status plus the whole envelope, already encoded.
pub struct Reply {
    pub status: StatusCode,
    pub body: Vec<u8>,
}

/// The envelope of every answer. Encoded straight from the handler's types: going
/// through a `serde_json::Value` first cost more than the query for a page of 1,000
/// payments.
#[derive(Serialize)]
struct Envelope<'a, T> {
    code: i64,
    message: Option<&'a str>,
    response: Option<T>,
}

pub fn ok<T: Serialize>(v: T) -> ApiResult<Reply> {
    with_status(StatusCode::OK, v)
}

pub fn with_status<T: Serialize>(status: StatusCode, v: T) -> ApiResult<Reply> {
    let body = serde_json::to_vec(&Envelope {
        code: 0,
        message: None,
        response: Some(v),
    })
    .map_err(|e| ApiError::internal(format!("cannot encode answer: {e}")))?;
    Ok(Reply { status, body })
}

pub fn error_body(e: &ApiError) -> Vec<u8> {
    let envelope: Envelope<'_, ()> = Envelope {
        code: e.code,
        message: Some(&e.message),
        response: None,
    };
    // Nothing in an envelope without a response can fail to encode.
    serde_json::to_vec(&envelope).unwrap_or_default()
}

/// Page and limit parameters shared by the list endpoints.
pub fn page_limit(q: &Params, default_limit: i64, max_limit: i64) -> ApiResult<(i64, i64)> {
    let page = q.opt_i64("page")?.unwrap_or(1);
    let limit = q.opt_i64("limit")?.unwrap_or(default_limit);
    if page < 1 {
        return Err(ApiError::bad_request("page는 1 이상이어야 합니다."));
    }
    if limit < 1 || limit > max_limit {
        return Err(ApiError::bad_request(format!(
            "limit은 1~{max_limit} 사이여야 합니다."
        )));
    }
    Ok((page, limit))
}

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
