//! The HTTP server: accept loop, per-request pipeline (body limit → fault → route →
//! log), and the embedding API (`Sandbox::start`, `shutdown`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::error::{ApiError, SandboxError};
use crate::faults::{DEFAULT_COMMIT_LATE_MS, DEFAULT_LATENCY_MS, FaultKind, FaultRule};
use crate::params::Params;
use crate::reqlog::{LoggedRequest, mask_body};
use crate::routes::{self, Req};
use crate::state::AppState;
use crate::{DEFAULT_IMP_KEY, DEFAULT_IMP_SECRET};

/// How the sandbox runs.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Where to listen; port 0 picks a free port.
    pub listen: SocketAddr,
    /// SQLite file; `None` keeps everything in memory.
    pub db_path: Option<PathBuf>,
    pub imp_key: String,
    pub imp_secret: String,
    /// Listening beyond loopback must be asked for explicitly.
    pub allow_non_loopback: bool,
    /// Largest request body accepted (413 above).
    pub max_body_bytes: usize,
    /// How often the schedule executor wakes (real time).
    pub executor_tick: Duration,
    /// Added before every API answer (errors and injected faults too), to imitate the
    /// network between a merchant and i'mport; loopback is otherwise far faster than the
    /// real API. The control endpoints (`/__sandbox/…`, the test setup) never wait.
    pub latency: Duration,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            db_path: None,
            imp_key: DEFAULT_IMP_KEY.into(),
            imp_secret: DEFAULT_IMP_SECRET.into(),
            allow_non_loopback: false,
            max_body_bytes: 1024 * 1024,
            executor_tick: Duration::from_millis(200),
            latency: Duration::ZERO,
        }
    }
}

/// Reads a latency as written on a command line (`80ms`, `1s`, `0`); both the sandbox
/// binary and `subdesk-cli sandbox` take `--latency` through it.
pub fn parse_latency(s: &str) -> Result<Duration, String> {
    if s.trim() == "0" {
        return Ok(Duration::ZERO);
    }
    humantime::parse_duration(s.trim()).map_err(|e| format!("{e} (for example 80ms or 1s)"))
}

/// A running sandbox. Dropping it stops the server and the executor too (without
/// waiting); `shutdown` does it gracefully.
pub struct Sandbox {
    addr: SocketAddr,
    state: Arc<AppState>,
    shutdown_tx: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

/// The sandbox's clock, for practising: moved forward as `POST /__sandbox/clock/advance`
/// moves it.
#[derive(Clone)]
pub struct SandboxClock {
    state: Arc<AppState>,
}

impl SandboxClock {
    /// The sandbox's time (Unix seconds).
    pub fn now(&self) -> i64 {
        self.state.clock.now()
    }

    /// Moves the clock `secs` forward (it never runs back) and runs the schedules that
    /// fell due. Returns the new time.
    pub async fn advance(&self, secs: u32) -> i64 {
        self.state.clock.advance(i64::from(secs));
        let state = self.state.clone();
        // A failed executor run is retried by the executor's own timer; the clock has
        // moved either way.
        let _ = tokio::task::spawn_blocking(move || crate::executor::run_due(&state)).await;
        self.state.clock.now()
    }
}

/// What every request goes through, from the config.
#[derive(Debug, Clone, Copy)]
struct Pipeline {
    max_body: usize,
    latency: Duration,
}

/// Marker error: close the connection without answering.
#[derive(Debug)]
struct DropConnection;
impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}
impl std::error::Error for DropConnection {}

impl Sandbox {
    pub async fn start(config: SandboxConfig) -> Result<Sandbox, SandboxError> {
        if !config.listen.ip().is_loopback() && !config.allow_non_loopback {
            return Err(SandboxError::NonLoopback(config.listen));
        }
        let store = crate::store::Store::open(config.db_path.as_deref())?;
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| SandboxError::Bind {
                    addr: config.listen,
                    source,
                })?;
        let addr = listener.local_addr()?;
        let state = Arc::new(AppState {
            store,
            clock: Default::default(),
            tokens: Default::default(),
            faults: Default::default(),
            reqlog: Default::default(),
            webhooks: Default::default(),
            imp_key: config.imp_key.clone(),
            imp_secret: config.imp_secret.clone(),
            base_url: format!("http://{addr}"),
        });
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let pipeline = Pipeline {
            max_body: config.max_body_bytes,
            latency: config.latency,
        };
        let server = tokio::spawn(accept_loop(
            listener,
            state.clone(),
            shutdown_rx.clone(),
            pipeline,
        ));
        let exec = tokio::spawn(crate::executor::run(
            state.clone(),
            config.executor_tick,
            shutdown_rx,
        ));
        tracing::info!(%addr, "sandbox listening");
        Ok(Sandbox {
            addr,
            state,
            shutdown_tx,
            tasks: vec![server, exec],
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Current sandbox time (Unix seconds).
    pub fn now(&self) -> i64 {
        self.state.clock.now()
    }

    /// A handle on the sandbox's clock that outlives a borrow of the sandbox (the app
    /// keeps the sandbox behind a lock it must not hold across an await).
    pub fn clock(&self) -> SandboxClock {
        SandboxClock {
            state: self.state.clone(),
        }
    }

    /// Adds a fault rule, as `POST /__sandbox/faults` does; returns it with its id.
    pub fn add_fault(&self, rule: FaultRule) -> FaultRule {
        self.state.faults.add(rule)
    }

    /// The fault rules not used up yet.
    pub fn faults(&self) -> Vec<FaultRule> {
        self.state.faults.list()
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        self.state.faults.clear();
    }

    /// Stops accepting, lets in-flight requests finish (up to 5 s), stops the executor.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown_tx.send(true);
        for t in self.tasks.drain(..) {
            let abort = t.abort_handle();
            if tokio::time::timeout(Duration::from_secs(6), t)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.shutdown_tx.send(true);
        for t in &self.tasks {
            t.abort();
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    state: Arc<AppState>,
    mut shutdown: watch::Receiver<bool>,
    pipeline: Pipeline,
) {
    let mut conns = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            r = listener.accept() => {
                let (stream, peer) = match r {
                    Ok(x) => x,
                    Err(e) => {
                        // EMFILE and friends: back off instead of spinning.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let st = state.clone();
                let sd = shutdown.clone();
                conns.spawn(serve_connection(stream, peer, st, sd, pipeline));
                while conns.try_join_next().is_some() {}
            }
            r = shutdown.changed() => {
                if r.is_err() || *shutdown.borrow() {
                    break;
                }
            }
        }
    }
    drop(listener);
    // Connections were told to finish; give them a moment, then cut the rest.
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        while conns.join_next().await.is_some() {}
    })
    .await;
    conns.abort_all();
}

async fn serve_connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    state: Arc<AppState>,
    mut shutdown: watch::Receiver<bool>,
    pipeline: Pipeline,
) {
    let sd = shutdown.clone();
    let svc = service_fn(move |req| {
        let st = state.clone();
        let sd = sd.clone();
        async move {
            let control = req.uri().path().starts_with("/__sandbox");
            let answer = handle(st, peer, req, pipeline.max_body, sd).await;
            // After the work, before the answer leaves: the charge is made at once,
            // as on a real server, and the client waits as it would over a network.
            if !control && !pipeline.latency.is_zero() {
                tokio::time::sleep(pipeline.latency).await;
            }
            answer
        }
    });
    let conn = http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), svc);
    tokio::pin!(conn);
    tokio::select! {
        r = conn.as_mut() => {
            if let Err(e) = r {
                tracing::debug!(error = %e, "connection ended");
            }
        }
        _ = shutdown.changed() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

fn json_response(status: StatusCode, body: Vec<u8>) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json; charset=utf-8"),
    );
    if status == StatusCode::UNAUTHORIZED {
        // The 2015 design agreed on a challenge naming an `iamport` scheme.
        resp.headers_mut().insert(
            hyper::header::WWW_AUTHENTICATE,
            hyper::header::HeaderValue::from_static("iamport realm=\"api\""),
        );
    }
    resp
}

fn html_response(page: crate::window::Page) -> Response<Full<Bytes>> {
    use hyper::header::{self, HeaderValue};
    let mut resp = Response::new(Full::new(Bytes::from(page.html)));
    *resp.status_mut() = page.status;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // No script, no frames, nothing loaded from elsewhere: the page is text and a form.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(location) = page.location
        && let Ok(v) = HeaderValue::from_str(&location)
    {
        h.insert(header::LOCATION, v);
    }
    resp
}

async fn handle(
    state: Arc<AppState>,
    peer: SocketAddr,
    req: Request<Incoming>,
    max_body: usize,
    shutdown: watch::Receiver<bool>,
) -> Result<Response<Full<Bytes>>, DropConnection> {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().map(str::to_string);
    let method = parts.method.clone();
    let content_type = parts
        .headers
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let control = path.starts_with("/__sandbox");
    let body = match Limited::new(body, max_body).collect().await {
        Ok(c) => c.to_bytes(),
        Err(e) => {
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some()
            {
                let err = ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    -1,
                    format!("요청 본문이 너무 큽니다. (최대 {max_body} bytes)"),
                );
                if !control {
                    log(&state, &method, &path, &query, None, 413);
                }
                return Ok(json_response(err.status, routes::error_body(&err)));
            }
            // The client went away mid-body; nobody is left to answer.
            return Err(DropConnection);
        }
    };
    let masked = || mask_body(content_type.as_deref(), &body);

    let mut commit_then_drop = false;
    if !control && let Some(fault) = state.faults.take(method.as_str(), &path) {
        tracing::info!(?fault.kind, %path, "injecting fault");
        match fault.kind {
            FaultKind::Latency => {
                let ms = fault.latency_ms.unwrap_or(DEFAULT_LATENCY_MS);
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
            FaultKind::Status => {
                let code = fault.status.unwrap_or(503);
                let status = StatusCode::from_u16(code).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
                let err = ApiError::new(status, -1, format!("sandbox fault: HTTP {code}"));
                log(&state, &method, &path, &query, masked(), code);
                return Ok(json_response(status, routes::error_body(&err)));
            }
            FaultKind::Drop => {
                log(&state, &method, &path, &query, masked(), 0);
                return Err(DropConnection);
            }
            FaultKind::CommitThenDrop => commit_then_drop = true,
            FaultKind::ExpireToken => state.tokens.expire_now(state.clock.now()),
            FaultKind::CommitLate => {
                log(&state, &method, &path, &query, masked(), 0);
                let late = LateRequest {
                    method,
                    path,
                    query,
                    headers: parts.headers,
                    content_type,
                    body,
                    peer_is_loopback: peer.ip().is_loopback(),
                };
                let delay =
                    Duration::from_millis(fault.latency_ms.unwrap_or(DEFAULT_COMMIT_LATE_MS));
                // Its own task: a client that times out drops this connection future, and
                // with it anything running inside it; the commit must survive that.
                let work = tokio::spawn(late.run(state, delay, shutdown));
                // Hold the connection without an answer until the commit, then close it.
                let _ = work.await;
                return Err(DropConnection);
            }
        }
    }

    if path.starts_with("/practice/") {
        // The practice payment window: a page for a browser, not an API answer.
        let page = crate::window::handle(
            &state,
            &method,
            &path,
            query.as_deref(),
            content_type.as_deref(),
            &body,
        );
        return Ok(html_response(page));
    }
    let r = Req {
        method: &method,
        path: &path,
        query: Params::from_query(query.as_deref()),
        headers: &parts.headers,
        content_type: content_type.as_deref(),
        body: &body,
        peer_is_loopback: peer.ip().is_loopback(),
    };
    let (status, json) = match routes::dispatch(&state, &r).await {
        Ok(reply) => (reply.status, reply.body),
        Err(e) => (e.status, routes::error_body(&e)),
    };
    if !control {
        let logged = if commit_then_drop { 0 } else { status.as_u16() };
        log(&state, &method, &path, &query, masked(), logged);
    }
    if commit_then_drop {
        return Err(DropConnection);
    }
    Ok(json_response(status, json))
}

/// A request taken off its connection by `commit_late`: everything it needs, owned.
struct LateRequest {
    method: hyper::Method,
    path: String,
    query: Option<String>,
    headers: hyper::HeaderMap,
    content_type: Option<String>,
    body: Bytes,
    peer_is_loopback: bool,
}

impl LateRequest {
    /// Waits `delay`, then processes the request; the answer goes nowhere. A sandbox that
    /// shuts down first never commits it (the server "died" before finishing).
    async fn run(self, state: Arc<AppState>, delay: Duration, mut shutdown: watch::Receiver<bool>) {
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = shutdown.wait_for(|stop| *stop) => {
                tracing::info!(path = %self.path, "commit_late abandoned: sandbox stopping");
                return;
            }
        }
        let r = Req {
            method: &self.method,
            path: &self.path,
            query: Params::from_query(self.query.as_deref()),
            headers: &self.headers,
            content_type: self.content_type.as_deref(),
            body: &self.body,
            peer_is_loopback: self.peer_is_loopback,
        };
        let (status, code) = match routes::dispatch(&state, &r).await {
            // A reply is a success: its envelope's code is 0.
            Ok(reply) => (reply.status, 0),
            Err(e) => (e.status, e.code),
        };
        tracing::info!(path = %self.path, %status, code, "commit_late: processed after the client gave up");
    }
}

fn log(
    state: &AppState,
    method: &hyper::Method,
    path: &str,
    query: &Option<String>,
    body: Option<String>,
    status: u16,
) {
    state.reqlog.push(LoggedRequest {
        id: 0,
        at: state.clock.now(),
        method: method.to_string(),
        path: path.to_string(),
        query: query.clone(),
        body,
        status,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latencies_read_as_written() {
        assert_eq!(parse_latency("80ms"), Ok(Duration::from_millis(80)));
        assert_eq!(parse_latency("1s"), Ok(Duration::from_secs(1)));
        assert_eq!(parse_latency("0"), Ok(Duration::ZERO));
        assert!(parse_latency("80").is_err(), "a number needs its unit");
        assert!(parse_latency("fast").is_err());
    }
}
