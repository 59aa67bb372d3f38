//! HTTP transport: URLs, bodies, one attempt on the wire, and what a failure in
//! transit means for a request that may have changed state.

use std::time::Instant;

use bytes::Bytes;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, LOCATION};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use zeroize::Zeroizing;

use crate::{Error, Result};

/// Everything but RFC 3986 unreserved characters is escaped, in path segments and
/// query values alike: `/`, `?`, `#`, `&`, `+`, `%`, spaces and non-ASCII ids all
/// arrive as the caller wrote them.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A request target: base URL + escaped path segments + query.
pub(crate) struct Target {
    url: String,
    has_query: bool,
}

impl Target {
    /// `base` must not end with `/`.
    pub(crate) fn new(base: &str, segments: &[&str]) -> Self {
        let mut url = String::with_capacity(base.len() + 64);
        url.push_str(base);
        for seg in segments {
            url.push('/');
            url.extend(utf8_percent_encode(seg, COMPONENT));
        }
        Target {
            url,
            has_query: false,
        }
    }

    /// Appends `key=value`. Keys are this crate's constants and are sent as written,
    /// brackets included (`customer_uid[]`), as the PHP-style API expects.
    pub(crate) fn query(&mut self, key: &str, value: &str) -> &mut Self {
        self.url.push(if self.has_query { '&' } else { '?' });
        self.has_query = true;
        self.url.push_str(key);
        self.url.push('=');
        self.url.extend(utf8_percent_encode(value, COMPONENT));
        self
    }

    /// Appends `key=value` when there is a value.
    pub(crate) fn query_opt(&mut self, key: &str, value: Option<impl ToString>) -> &mut Self {
        if let Some(v) = value {
            self.query(key, &v.to_string());
        }
        self
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.url
    }
}

/// A JSON body whose buffer is zeroized when the HTTP stack lets go of it, because
/// bodies carry card data and the API secret. The size is measured first so that the
/// buffer never reallocates (a reallocation would leave an unzeroized copy behind).
pub(crate) fn json_body<B: Serialize>(body: &B) -> Result<Bytes> {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0 += b.len();
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    serde_json::to_writer(&mut count, body).map_err(|e| Error::invalid("body", e.to_string()))?;
    let mut buf = Zeroizing::new(Vec::with_capacity(count.0));
    serde_json::to_writer(&mut *buf, body).map_err(|e| Error::invalid("body", e.to_string()))?;
    Ok(Bytes::from_owner(buf))
}

/// What came back from one attempt.
pub(crate) struct Raw {
    pub status: u16,
    pub body: Bytes,
}

/// Headers that every authenticated request carries.
pub(crate) struct Auth<'a> {
    pub authorization: Option<&'a HeaderValue>,
    pub tier: Option<&'a HeaderValue>,
}

/// How one attempt is classified when it fails: the caller says it, rather than the
/// HTTP method (`getToken` is a POST that changes nothing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Effect {
    /// Changes nothing on the server (every GET, and `POST /users/getToken`).
    Read,
    /// May change state (charges, schedules, refunds, key issuance and deletion).
    Write,
}

/// One attempt. Transport failures are classified here: [`Effect::Write`] requests
/// that may have reached the server report `may_have_executed: true`. Redirects are
/// not followed (the client is built with `redirect::Policy::none()`) and become
/// [`Error::Redirected`]; a body over `max_body` bytes is cut off unread and becomes
/// [`Error::TooLarge`].
pub(crate) async fn send(
    http: &reqwest::Client,
    method: Method,
    target: &Target,
    body: Option<Bytes>,
    auth: Auth<'_>,
    effect: Effect,
    max_body: usize,
) -> Result<Raw> {
    let mutating = effect == Effect::Write;
    let started = Instant::now();
    let mut req = http.request(method.clone(), target.as_str());
    if let Some(a) = auth.authorization {
        req = req.header(AUTHORIZATION, a.clone());
    }
    if let Some(t) = auth.tier {
        req = req.header("Tier", t.clone());
    }
    if let Some(b) = body {
        req = req
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .body(b);
    }
    let path = path_of(target.as_str());
    let elapsed_ms = || started.elapsed().as_millis() as u64;
    let resp = match req.send().await {
        Ok(r) => r,
        Err(e) => {
            let err = transport_error(&e, mutating, false);
            tracing::warn!(%method, path, elapsed_ms = elapsed_ms(), error = %err, "i'mport request failed");
            return Err(err);
        }
    };
    let status = resp.status();
    if status.is_redirection() {
        let err = redirected(status, resp.headers().get(LOCATION), mutating);
        tracing::warn!(%method, path, status = status.as_u16(), elapsed_ms = elapsed_ms(), error = %err, "i'mport request redirected");
        return Err(err);
    }
    // The server answered, so it received the request: a body that breaks off now
    // still means the request was processed.
    let body = read_capped(resp, max_body, mutating).await.inspect_err(|err| {
        tracing::warn!(%method, path, status = status.as_u16(), elapsed_ms = elapsed_ms(), error = %err, "i'mport answer unreadable");
    })?;
    tracing::debug!(
        %method,
        path,
        status = status.as_u16(),
        elapsed_ms = elapsed_ms(),
        "i'mport request"
    );
    Ok(Raw {
        status: status.as_u16(),
        body,
    })
}

/// A 3xx answer. Redirects are never followed: reqwest would re-send the body (the
/// `imp_secret` of getToken, card data of a key issuance) to whatever `Location` says.
///
/// Classification for a state-changing request: not executed (`may_have_executed:
/// false`, a definite refusal), except 303. i'mport itself never answers with a
/// redirect; a 3xx comes from whatever stands at the configured address in its place —
/// an HTTP→HTTPS redirect of a load balancer, a captive portal, a moved host, a
/// wrong base URL — and 301/302/307/308 mean "the resource is elsewhere, ask there":
/// the request was not handed on to i'mport, so nothing executed there. A 303 (See
/// Other) is different by definition (RFC 9110 §15.4.4): it is the answer of a server
/// that *did* carry out a POST and points to the result. We cannot imagine who would
/// send one in front of i'mport, but what it claims is "done", so a write answered with
/// 303 is left unknown and reconciled rather than declared not executed.
fn redirected(status: StatusCode, location: Option<&HeaderValue>, mutating: bool) -> Error {
    Error::Redirected {
        status: status.as_u16(),
        location: location
            .and_then(|l| l.to_str().ok())
            .map(location_for_error),
        may_have_executed: mutating && status == StatusCode::SEE_OTHER,
    }
}

/// A `Location` fit for an error message: no query, fragment or user info, at most
/// 200 characters.
fn location_for_error(location: &str) -> String {
    let text = match url::Url::parse(location) {
        Ok(mut url) => {
            url.set_query(None);
            url.set_fragment(None);
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.to_string()
        }
        // A relative reference: keep the path.
        Err(_) => location[..location.find(['?', '#']).unwrap_or(location.len())].to_owned(),
    };
    text.chars().take(200).collect()
}

/// Reads the body, at most `max` bytes of it. A `Content-Length` over the limit is
/// refused before anything is read; a body without one is read chunk by chunk and
/// dropped (closing the connection) as soon as it would pass the limit, so nothing
/// over the limit is ever buffered.
///
/// Classification for a state-changing request: outcome unknown (`may_have_executed:
/// true`), as for an answer that cannot be decoded. The server answered, so the request
/// arrived and may have been processed; whether it was is written in a body we refuse
/// to read, and a status line alone proves nothing (a 200 can carry a failure in its
/// envelope and a proxy's error page can follow a commit). Only a lookup can tell.
async fn read_capped(mut resp: reqwest::Response, max: usize, mutating: bool) -> Result<Bytes> {
    let status = resp.status().as_u16();
    let too_large = || Error::TooLarge {
        status,
        limit: max,
        may_have_executed: mutating,
    };
    let declared = resp.content_length();
    if declared.is_some_and(|len| len > max as u64) {
        return Err(too_large());
    }
    // Bounded by `max` either way; small when nothing was declared.
    let capacity = declared.map_or(8 * 1024, |len| len as usize).min(max);
    let mut buf = Vec::with_capacity(capacity);
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| transport_error(&e, mutating, true))?
    {
        if chunk.len() > max - buf.len() {
            return Err(too_large());
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(buf))
}

/// The path only: query strings hold ids that logs have no use for.
fn path_of(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let path_start = url[after_scheme..]
        .find('/')
        .map_or(url.len(), |i| after_scheme + i);
    let end = url[path_start..]
        .find('?')
        .map_or(url.len(), |i| path_start + i);
    &url[path_start..end]
}

fn transport_error(e: &reqwest::Error, mutating: bool, answered: bool) -> Error {
    // `is_connect` covers DNS, TCP connect, TLS handshake and the connect timeout: the
    // request was never written. Anything later (write, wait, read, reset, timeout)
    // may have reached the server.
    let reached = answered || !e.is_connect();
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    Error::Transport {
        may_have_executed: mutating && reached,
        timeout: e.is_timeout(),
        message,
    }
}

/// True for answers a read may retry: the server failed or asked us to slow down.
pub(crate) fn retryable_status(status: u16) -> bool {
    StatusCode::from_u16(status)
        .is_ok_and(|s| s.is_server_error() || s == StatusCode::TOO_MANY_REQUESTS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_path_segments_and_query_values() {
        let mut t = Target::new("http://h:1", &["subscribe", "customers", "a/b c?#%가"]);
        t.query("customer_uid[]", "x&y=z")
            .query("customer_uid[]", "한 글");
        assert_eq!(
            t.as_str(),
            "http://h:1/subscribe/customers/a%2Fb%20c%3F%23%25%EA%B0%80?customer_uid[]=x%26y%3Dz&customer_uid[]=%ED%95%9C%20%EA%B8%80"
        );
        let mut t = Target::new("http://h:1/prefix", &["x"]);
        t.query_opt("page", Some(2)).query_opt("limit", None::<u32>);
        assert_eq!(t.as_str(), "http://h:1/prefix/x?page=2");
    }

    #[test]
    fn logs_see_only_the_path() {
        assert_eq!(path_of("http://h:1/a/b?customer_uid[]=x"), "/a/b");
        assert_eq!(
            path_of("https://api.iamport.kr/users/getToken"),
            "/users/getToken"
        );
        assert_eq!(path_of("http://h:1"), "");
    }

    #[test]
    fn redirect_locations_lose_query_and_user_info() {
        assert_eq!(
            location_for_error("https://user:pw@other.example/users/getToken?imp_key=k#f"),
            "https://other.example/users/getToken"
        );
        assert_eq!(location_for_error("/login?next=/x"), "/login");
        assert_eq!(location_for_error(&"a".repeat(500)).len(), 200);
    }

    #[test]
    fn redirect_classification() {
        let loc = HeaderValue::from_static("http://127.0.0.1:1/x");
        for code in [301, 302, 307, 308] {
            let s = StatusCode::from_u16(code).unwrap();
            for mutating in [false, true] {
                let e = redirected(s, Some(&loc), mutating);
                assert_eq!(e.code(), "redirected");
                assert!(!e.outcome_unknown(), "{code} {mutating}");
            }
        }
        // 303 claims the POST was carried out.
        assert!(redirected(StatusCode::SEE_OTHER, None, true).outcome_unknown());
        assert!(!redirected(StatusCode::SEE_OTHER, None, false).outcome_unknown());
    }

    #[test]
    fn body_is_exact_size() {
        let b = json_body(&serde_json::json!({"a": "b"})).unwrap();
        assert_eq!(&b[..], br#"{"a":"b"}"#);
    }
}
