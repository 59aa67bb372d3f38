//! Answers no i'mport server gives but a proxy, a captive portal or a wrong base URL
//! can: redirects, endless bodies, 404s without the envelope, and PG texts that echo
//! card data.
//!
//! The sandbox is the counterpart wherever it can be (the real 404 envelope below); for
//! the rest, the counterpart is what stands in i'mport's place on the wire, so these
//! tests start a raw HTTP/1.1 listener on loopback that answers as such a thing would.

mod common;

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use subdesk_iamport::{
    AgainRequest, CancelRequest, Client, Config, DEFAULT_MAX_RESPONSE_BYTES, Error, Money,
    RetryPolicy, SecretString,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const SECRET: &str = "imp_secret_THAT_MUST_NOT_TRAVEL";

/// One request as the stub saw it.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path: String,
}

enum Reply {
    /// A whole answer.
    Full {
        status: &'static str,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    },
    /// `Transfer-Encoding: chunked`, `total` bytes of body, as fast as the peer reads.
    Chunked { total: u64 },
    /// Declares `Content-Length: declared`, sends a little of it, then stalls.
    Declared { declared: u64 },
}

type Handler = Arc<dyn Fn(&Seen) -> Reply + Send + Sync>;

/// A loopback HTTP/1.1 server answering each request with `handler`, one request per
/// connection.
struct Stub {
    base: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    /// Body bytes the last streamed answer managed to write.
    streamed: Arc<AtomicU64>,
    /// Set when the last streamed answer stopped writing (finished or the peer left).
    stream_over: Arc<AtomicBool>,
}

impl Stub {
    async fn start(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Stub {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let handler: Handler = Arc::new(handler);
        let stub = Stub {
            base: format!("http://{addr}"),
            seen: Arc::default(),
            streamed: Arc::default(),
            stream_over: Arc::default(),
        };
        let (seen, streamed, over) = (
            stub.seen.clone(),
            stub.streamed.clone(),
            stub.stream_over.clone(),
        );
        tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                let (handler, seen, streamed, over) = (
                    handler.clone(),
                    seen.clone(),
                    streamed.clone(),
                    over.clone(),
                );
                tokio::spawn(async move {
                    let _ = serve(conn, handler, seen, streamed, over).await;
                });
            }
        });
        stub
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Waits until the streamed answer stopped, and returns how much of it was written.
    async fn streamed_when_over(&self) -> u64 {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.stream_over.load(Ordering::SeqCst) {
            assert!(Instant::now() < deadline, "the stream never stopped");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.streamed.load(Ordering::SeqCst)
    }
}

async fn serve(
    mut conn: TcpStream,
    handler: Handler,
    seen: Arc<Mutex<Vec<Seen>>>,
    streamed: Arc<AtomicU64>,
    over: Arc<AtomicBool>,
) -> std::io::Result<()> {
    // Read the head, then as much body as it declares.
    let mut buf = Vec::new();
    let head_end = loop {
        let mut chunk = [0u8; 4096];
        let n = conn.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut parts = head.split_whitespace();
    let request = Seen {
        method: parts.next().unwrap_or_default().to_owned(),
        path: parts.next().unwrap_or_default().to_owned(),
    };
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let mut chunk = [0u8; 4096];
        let n = conn.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    seen.lock().unwrap().push(request.clone());

    match handler(&request) {
        Reply::Full {
            status,
            headers,
            body,
        } => {
            let mut out = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (k, v) in headers {
                out.push_str(&format!("{k}: {v}\r\n"));
            }
            out.push_str("\r\n");
            conn.write_all(out.as_bytes()).await?;
            conn.write_all(&body).await?;
        }
        Reply::Chunked { total } => {
            over.store(false, Ordering::SeqCst);
            streamed.store(0, Ordering::SeqCst);
            let result = async {
                conn.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
                )
                .await?;
                // A body that starts like an envelope and never ends.
                let opening = br#"{"code":0,"message":null,"response":[""#;
                conn.write_all(format!("{:x}\r\n", opening.len()).as_bytes())
                    .await?;
                conn.write_all(opening).await?;
                conn.write_all(b"\r\n").await?;
                let piece = vec![b'x'; 64 * 1024];
                let mut sent = 0u64;
                while sent < total {
                    conn.write_all(format!("{:x}\r\n", piece.len()).as_bytes())
                        .await?;
                    conn.write_all(&piece).await?;
                    conn.write_all(b"\r\n").await?;
                    sent += piece.len() as u64;
                    streamed.store(sent, Ordering::SeqCst);
                }
                conn.write_all(b"0\r\n\r\n").await
            }
            .await;
            over.store(true, Ordering::SeqCst);
            result?;
        }
        Reply::Declared { declared } => {
            conn.write_all(
                format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {declared}\r\n\r\n")
                    .as_bytes(),
            )
            .await?;
            conn.write_all(br#"{"code":0,"message":null,"response":[""#)
                .await?;
            // Stall: a client that waits for the rest hits its timeout.
            tokio::time::sleep(Duration::from_secs(30)).await;
        }
    }
    conn.shutdown().await
}

fn json(status: &'static str, body: &str) -> Reply {
    Reply::Full {
        status,
        headers: vec![("Content-Type", "application/json".into())],
        body: body.as_bytes().to_vec(),
    }
}

fn token() -> Reply {
    json(
        "200 OK",
        r#"{"code":0,"message":null,"response":{"access_token":"tok_stub","now":1700000000,"expired_at":1700001800}}"#,
    )
}

fn is_get_token(r: &Seen) -> bool {
    r.method == "POST" && r.path == "/users/getToken"
}

/// A listener that answers nothing and counts who came and what they sent.
struct Recorder {
    port: u16,
    connections: Arc<AtomicUsize>,
    bytes: Arc<AtomicUsize>,
}

impl Recorder {
    async fn start() -> Recorder {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections = Arc::new(AtomicUsize::new(0));
        let bytes = Arc::new(AtomicUsize::new(0));
        let (c, b) = (connections.clone(), bytes.clone());
        tokio::spawn(async move {
            while let Ok((mut conn, _)) = listener.accept().await {
                c.fetch_add(1, Ordering::SeqCst);
                let b = b.clone();
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    while let Ok(n) = conn.read(&mut buf).await {
                        if n == 0 {
                            break;
                        }
                        b.fetch_add(n, Ordering::SeqCst);
                    }
                });
            }
        });
        Recorder {
            port,
            connections,
            bytes,
        }
    }

    /// Gives a connection that was made a moment to be accepted, then asserts there
    /// was none.
    async fn assert_untouched(&self) {
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(self.connections.load(Ordering::SeqCst), 0, "connections");
        assert_eq!(self.bytes.load(Ordering::SeqCst), 0, "bytes");
    }
}

fn config(base: &str) -> Config {
    Config::new("imp_key", SecretString::from(SECRET))
        .base_url(base)
        .unwrap()
        .retry(RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(20),
        })
        // Short, so that a client that waits for something it should not wait for
        // fails here instead of hanging.
        .timeout(Duration::from_secs(5))
}

fn client(base: &str) -> Client {
    Client::new(config(base)).unwrap()
}

fn charge(order: &str) -> AgainRequest {
    AgainRequest::new("cust_1", order, Money::won(9_900), "월 구독")
}

fn redirect_to(status: &'static str, port: u16) -> Reply {
    Reply::Full {
        status,
        headers: vec![(
            "Location",
            format!("http://127.0.0.1:{port}/users/getToken?imp_key=imp_key"),
        )],
        body: Vec::new(),
    }
}

// ---------------------------------------------------------------------------------
// 1. Redirects are never followed.

#[tokio::test]
async fn get_token_redirect_is_an_error_and_the_secret_stays_home() {
    let elsewhere = Recorder::start().await;
    let port = elsewhere.port;
    let stub = Stub::start(move |_| redirect_to("307 Temporary Redirect", port)).await;
    let e = client(&stub.base).authenticate().await.unwrap_err();
    match &e {
        Error::Redirected {
            status: 307,
            location,
            may_have_executed: false,
        } => assert_eq!(
            location.as_deref(),
            Some(format!("http://127.0.0.1:{port}/users/getToken").as_str())
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(e.code(), "redirected");
    assert!(!e.outcome_unknown());
    assert!(e.to_string().contains("redirect"), "{e}");
    // Asked once (a redirect is not retried), and nothing went to the other address.
    assert_eq!(stub.seen().len(), 1);
    elsewhere.assert_untouched().await;
}

#[tokio::test]
async fn charge_redirect_is_not_executed_and_never_followed() {
    let elsewhere = Recorder::start().await;
    let port = elsewhere.port;
    let stub = Stub::start(move |r| {
        if is_get_token(r) {
            token()
        } else {
            redirect_to("307 Temporary Redirect", port)
        }
    })
    .await;
    let client = client(&stub.base);
    let e = client
        .charge_again(&charge("order_redirect"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Redirected {
                status: 307,
                may_have_executed: false,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(!e.outcome_unknown());
    // A read is not retried on a redirect either.
    let e = client.get_payment("imp_1", false).await.unwrap_err();
    assert_eq!(e.code(), "redirected", "{e:?}");
    let paths: Vec<_> = stub.seen().into_iter().map(|s| s.path).collect();
    assert_eq!(
        paths,
        [
            "/users/getToken",
            "/subscribe/payments/again",
            "/payments/imp_1"
        ]
    );
    elsewhere.assert_untouched().await;

    // 308 alike.
    let stub = Stub::start(move |r| {
        if is_get_token(r) {
            token()
        } else {
            redirect_to("308 Permanent Redirect", port)
        }
    })
    .await;
    let e = self::client(&stub.base)
        .charge_again(&charge("order_redirect"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Redirected { status: 308, .. }), "{e:?}");
    assert!(!e.outcome_unknown());
    elsewhere.assert_untouched().await;
}

#[tokio::test]
async fn see_other_after_a_write_is_unknown() {
    let elsewhere = Recorder::start().await;
    let port = elsewhere.port;
    let stub = Stub::start(move |r| {
        if is_get_token(r) {
            token()
        } else {
            redirect_to("303 See Other", port)
        }
    })
    .await;
    let e = client(&stub.base)
        .charge_again(&charge("order_303"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Redirected {
                status: 303,
                may_have_executed: true,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.outcome_unknown());
    elsewhere.assert_untouched().await;
}

// ---------------------------------------------------------------------------------
// 2. Answers are read up to a limit.

#[tokio::test]
async fn endless_body_is_cut_off_at_the_default_limit() {
    let total = 1024 * 1024 * 1024; // 1 GiB: far more than the test could hold.
    let stub = Stub::start(move |r| {
        if is_get_token(r) {
            token()
        } else {
            Reply::Chunked { total }
        }
    })
    .await;
    let client = client(&stub.base);

    // A read: nothing executed.
    let e = client.get_payment("imp_1", false).await.unwrap_err();
    match &e {
        Error::TooLarge {
            status: 200,
            limit,
            may_have_executed: false,
        } => assert_eq!(*limit, DEFAULT_MAX_RESPONSE_BYTES),
        other => panic!("{other:?}"),
    }
    assert_eq!(e.code(), "response_too_large");
    assert!(!e.outcome_unknown());
    let written = stub.streamed_when_over().await;
    // The client hung up near the limit: what was written is the limit plus whatever
    // the loopback socket buffers hold, nowhere near the whole body.
    assert!(written < 64 * 1024 * 1024, "{written} bytes written");
    // Not retried: a body that big will be that big again.
    assert_eq!(
        stub.seen()
            .iter()
            .filter(|s| s.path == "/payments/imp_1")
            .count(),
        1
    );

    // A write: the server answered, so it may have done the work.
    let e = client
        .charge_again(&charge("order_huge"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::TooLarge {
                may_have_executed: true,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.outcome_unknown());
    assert!(stub.streamed_when_over().await < 64 * 1024 * 1024);
}

#[tokio::test]
async fn declared_length_over_the_limit_is_refused_unread() {
    let stub = Stub::start(|r| {
        if is_get_token(r) {
            token()
        } else {
            Reply::Declared {
                declared: 100 * 1024 * 1024,
            }
        }
    })
    .await;
    let client = Client::new(config(&stub.base).max_response_bytes(1024 * 1024)).unwrap();
    let started = Instant::now();
    let e = client.get_payment("imp_1", false).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::TooLarge {
                limit: 1_048_576,
                may_have_executed: false,
                ..
            }
        ),
        "{e:?}"
    );
    // Refused on the header: the client did not wait for a body that never comes.
    assert!(started.elapsed() < Duration::from_secs(4), "{e:?}");
    let e = client
        .cancel_payment(&CancelRequest::full_by_merchant_uid("order_1"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::TooLarge {
                may_have_executed: true,
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn the_limit_is_exact_and_configurable() {
    let body = r#"{"code":0,"message":null,"response":{"imp_uid":"imp_1","merchant_uid":"order_1","amount":9900,"status":"paid"}}"#;
    let stub = Stub::start(move |r| {
        if is_get_token(r) {
            token()
        } else {
            json("200 OK", body)
        }
    })
    .await;
    // The token answer must fit too.
    let at = Client::new(config(&stub.base).max_response_bytes(body.len())).unwrap();
    assert_eq!(
        at.get_payment("imp_1", false).await.unwrap().imp_uid,
        "imp_1"
    );
    let under = Client::new(config(&stub.base).max_response_bytes(body.len() - 1)).unwrap();
    let e = under.get_payment("imp_1", false).await.unwrap_err();
    assert!(matches!(e, Error::TooLarge { .. }), "{e:?}");
}

// ---------------------------------------------------------------------------------
// 4. "Not found" only when i'mport says so.

#[tokio::test]
async fn the_sandbox_404_envelope_is_not_found() {
    let env = common::env().await;
    for e in [
        env.client
            .find_payment("order_never_sent", None, None)
            .await
            .unwrap_err(),
        env.client
            .get_payment("imp_000000000000", false)
            .await
            .unwrap_err(),
        env.client.get_billing_key("cust_nobody").await.unwrap_err(),
        env.client.get_schedule("sched_nobody").await.unwrap_err(),
    ] {
        assert!(matches!(e, Error::NotFound { .. }), "{e:?}");
        assert_eq!(e.code(), "not_found");
        assert!(!e.outcome_unknown());
    }
    let none = env
        .client
        .get_billing_keys(&["cust_a", "cust_b"])
        .await
        .unwrap();
    assert!(none.found.is_empty());
    assert_eq!(none.missing, ["cust_a", "cust_b"]);
}

#[tokio::test]
async fn a_404_without_the_envelope_proves_nothing() {
    let bodies: [(&str, &str); 4] = [
        (
            "text/html",
            "<html><head><title>404 Not Found</title></head><body><center><h1>404 Not Found</h1></center><hr><center>nginx</center></body></html>",
        ),
        ("text/plain", ""),
        ("application/json", r#"{"message":"Not Found"}"#),
        ("application/json", r#"{"code":1,"message":"없음"}"#),
    ];
    for (content_type, body) in bodies {
        let stub = Stub::start(move |r| {
            if is_get_token(r) {
                token()
            } else {
                Reply::Full {
                    status: "404 Not Found",
                    headers: vec![("Content-Type", content_type.into())],
                    body: body.as_bytes().to_vec(),
                }
            }
        })
        .await;
        let client = client(&stub.base);

        // Lookups: an error that is not "not found", with its own code.
        let e = client
            .find_payment("order_1", None, None)
            .await
            .unwrap_err();
        assert!(
            matches!(
                e,
                Error::Unrecognized {
                    status: 404,
                    may_have_executed: false,
                    ..
                }
            ),
            "{body:?}: {e:?}"
        );
        assert_eq!(e.code(), "unrecognized_answer");
        assert_ne!(e.code(), "not_found");
        // A multi-get does not report everything missing either.
        let e = client.get_billing_keys(&["cust_a"]).await.unwrap_err();
        assert_eq!(e.code(), "unrecognized_answer", "{body:?}: {e:?}");
        let e = client.get_schedule("sched_1").await.unwrap_err();
        assert_eq!(e.code(), "unrecognized_answer", "{body:?}: {e:?}");

        // A write answered so: the outcome is unknown.
        let e = client.charge_again(&charge("order_1")).await.unwrap_err();
        assert!(
            matches!(
                e,
                Error::Unrecognized {
                    may_have_executed: true,
                    ..
                }
            ),
            "{body:?}: {e:?}"
        );
        assert!(e.outcome_unknown());
    }
}

// ---------------------------------------------------------------------------------
// 5. PG texts leave redacted.

#[tokio::test]
async fn pg_texts_in_errors_are_redacted() {
    let stub = Stub::start(|r| {
        if is_get_token(r) {
            token()
        } else if r.path == "/subscribe/payments/again" {
            json(
                "200 OK",
                r#"{"code":0,"message":null,"response":{"imp_uid":"imp_1","merchant_uid":"order_1","amount":9900,"status":"failed","fail_reason":"[8326] 카드번호 4111-1111-1111-1111 오류: 생년월일 900101 불일치, 금액 9,900원"}}"#,
            )
        } else {
            json(
                "200 OK",
                r#"{"code":-1,"message":"카드정보 인증에 실패하였습니다. (카드번호 4111111111111111, 사업자번호 124-81-00998)","response":null}"#,
            )
        }
    })
    .await;
    let client = client(&stub.base);

    let e = client.charge_again(&charge("order_1")).await.unwrap_err();
    let want = "[8326] 카드번호 ****-****-****-**** 오류: 생년월일 ****** 불일치, 금액 9,900원";
    match &e {
        Error::Declined {
            payment,
            fail_reason,
        } => {
            assert_eq!(fail_reason.as_deref(), Some(want));
            assert_eq!(payment.fail_reason.as_deref(), Some(want));
        }
        other => panic!("{other:?}"),
    }
    let text = format!("{e} {e:?}");
    assert!(!text.contains("4111") && !text.contains("900101"), "{text}");

    let e = client.get_payment("imp_1", false).await.unwrap_err();
    match &e {
        Error::Rejected { message, .. } => assert_eq!(
            message.as_deref(),
            Some(
                "카드정보 인증에 실패하였습니다. (카드번호 ****************, 사업자번호 ***-**-*****)"
            )
        ),
        other => panic!("{other:?}"),
    }
    let text = format!("{e} {e:?}");
    assert!(!text.contains("4111") && !text.contains("00998"), "{text}");
}
