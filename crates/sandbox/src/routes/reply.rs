//! What every endpoint shares: the request as read, the answer and its envelope
//! (`{code, message, response}`), and the paging parameters of the list endpoints.
//! Below the endpoints and the dispatcher alike, so neither imports the other back.

use hyper::{HeaderMap, Method, StatusCode};
use serde::Serialize;
use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};
use crate::params::Params;

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

/// A successful answer: HTTP status plus the `response` payload.
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
}

pub fn ok<T: Serialize>(v: T) -> ApiResult<Reply> {
    with_status(StatusCode::OK, v)
}

pub fn with_status<T: Serialize>(status: StatusCode, v: T) -> ApiResult<Reply> {
    let response = serde_json::to_value(v)
        .map_err(|e| ApiError::internal(format!("cannot encode answer: {e}")))?;
    Ok(Reply {
        status,
        body: json!({"code": 0, "message": null, "response": response}),
    })
}

pub fn error_body(e: &ApiError) -> Value {
    json!({"code": e.code, "message": e.message, "response": null})
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
