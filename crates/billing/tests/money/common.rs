//! Helpers: a sandbox, a client with a short timeout, fault injection through the
//! sandbox's control endpoints, and questions asked of the sandbox itself.

use std::time::Duration;

use secrecy::SecretString;
use subdesk_billing::Store;
use subdesk_billing::mirror::sync::keys::customer_record;
use subdesk_iamport::{
    CardData, Client, Config, IssueBillingKey, PaymentListQuery, PaymentStatus, RetryPolicy,
};
use subdesk_sandbox::{DEFAULT_IMP_KEY, DEFAULT_IMP_SECRET, Sandbox, SandboxConfig};

pub const APPROVE: &str = "4242-4242-4242-4242";
pub const DECLINE_FUNDS: &str = "9410-0000-0000-0013";

/// The client's timeout in these tests; latency faults are longer.
pub const CLIENT_TIMEOUT_MS: u64 = 400;
pub const LATENCY_MS: u64 = 900;

pub struct Env {
    pub sb: Sandbox,
    pub client: Client,
    pub http: reqwest::Client,
    pub dir: tempfile::TempDir,
    pub store: Store,
}

pub fn client_for(base: &str, timeout_ms: u64) -> Client {
    let config = Config::new(
        DEFAULT_IMP_KEY,
        SecretString::from(DEFAULT_IMP_SECRET.to_string()),
    )
    .base_url(base)
    .expect("config")
    .timeout(Duration::from_millis(timeout_ms))
    .retry(RetryPolicy {
        max_attempts: 3,
        initial_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(100),
    });
    Client::new(config).expect("client")
}

pub async fn env() -> Env {
    let sb = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let client = client_for(&sb.base_url(), CLIENT_TIMEOUT_MS);
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path().join("shop.sqlite3")).expect("store");
    Env {
        sb,
        client,
        http: reqwest::Client::new(),
        dir,
        store,
    }
}

impl Env {
    pub fn db_path(&self) -> std::path::PathBuf {
        self.dir.path().join("shop.sqlite3")
    }

    pub async fn control(&self, path: &str, body: serde_json::Value) -> serde_json::Value {
        let res = self
            .http
            .post(format!("{}/__sandbox/{path}", self.sb.base_url()))
            .json(&body)
            .send()
            .await
            .expect("control");
        assert!(res.status().is_success(), "control {path} failed");
        res.json().await.unwrap_or(serde_json::Value::Null)
    }

    pub async fn fault(&self, rule: serde_json::Value) {
        self.control("faults", rule).await;
    }

    pub async fn clear_faults(&self) {
        self.http
            .delete(format!("{}/__sandbox/faults", self.sb.base_url()))
            .send()
            .await
            .expect("clear faults");
    }

    pub async fn sandbox_now(&self) -> i64 {
        let v: serde_json::Value = self
            .http
            .get(format!("{}/__sandbox/clock", self.sb.base_url()))
            .send()
            .await
            .expect("clock")
            .json()
            .await
            .expect("clock json");
        let v = v.get("response").unwrap_or(&v);
        v["now"].as_i64().expect("now")
    }

    pub async fn advance(&self, seconds: i64) {
        self.control("clock/advance", serde_json::json!({ "seconds": seconds }))
            .await;
    }

    /// The request log: (method, path, status).
    pub async fn requests(&self) -> Vec<(String, String, i64)> {
        let v: serde_json::Value = self
            .http
            .get(format!("{}/__sandbox/requests", self.sb.base_url()))
            .send()
            .await
            .expect("requests")
            .json()
            .await
            .expect("requests json");
        let v = v.get("response").cloned().unwrap_or(v);
        let list = v
            .as_array()
            .cloned()
            .or_else(|| v.get("requests").and_then(|r| r.as_array()).cloned())
            .unwrap_or_default();
        list.iter()
            .map(|r| {
                (
                    r["method"].as_str().unwrap_or("").to_string(),
                    r["path"].as_str().unwrap_or("").to_string(),
                    r["status"].as_i64().unwrap_or(-1),
                )
            })
            .collect()
    }

    /// Issue a key at the sandbox and register it in the store.
    pub async fn key(&self, uid: &str, card: &str) {
        let card = CardData::new(card, "2031-12")
            .and_then(|c| c.birth("900101"))
            .and_then(|c| c.pwd_2digit("12"))
            .expect("card");
        let c = self
            .client
            .issue_billing_key(uid, &IssueBillingKey::new(card).customer_name("홍길동"))
            .await
            .expect("issue key");
        self.store
            .upsert_customer(&customer_record(&c))
            .expect("upsert");
    }

    /// Register a key the sandbox already holds in another store (another desk).
    pub async fn key_in(&self, store: &Store, uid: &str) {
        let c = self.client.get_billing_key(uid).await.expect("key");
        store.upsert_customer(&customer_record(&c)).expect("upsert");
    }

    /// Paid payments the sandbox holds for a customer, whatever their order ids:
    /// the count a double charge shows up in (one order id can only be paid once
    /// at the sandbox, so a count per merchant_uid never sees one).
    pub async fn paid_for_customer(&self, customer_uid: &str) -> usize {
        let mut n = 0;
        for page in 1.. {
            let p = match self
                .client
                .billing_key_payments(customer_uid, Some(page))
                .await
            {
                Ok(p) => p,
                Err(subdesk_iamport::Error::NotFound { .. }) => break,
                Err(e) => panic!("payments of {customer_uid}: {e}"),
            };
            n += p
                .list
                .iter()
                .filter(|x| x.status == PaymentStatus::Paid || x.paid_at.is_some_and(|t| t > 0))
                .count();
            if p.next.is_none() {
                break;
            }
        }
        n
    }

    /// Payments the sandbox holds for a merchant_uid with the given status.
    pub async fn sandbox_payments(&self, merchant_uid: &str, status: PaymentStatus) -> usize {
        match self
            .client
            .find_all_payments(
                merchant_uid,
                Some(status),
                &PaymentListQuery::default().limit(100),
            )
            .await
        {
            Ok(p) => p.list.len(),
            Err(subdesk_iamport::Error::NotFound { .. }) => 0,
            Err(e) => panic!("findAll {merchant_uid}: {e}"),
        }
    }
}

pub fn card(number: &str) -> CardData {
    CardData::new(number, "2031-12")
        .and_then(|c| c.birth("900101"))
        .and_then(|c| c.pwd_2digit("12"))
        .expect("card")
}

/// Reconcile options that believe "not found" at once (tests wait for late
/// commits themselves).
pub fn now_opts() -> subdesk_billing::ReconcileOptions {
    subdesk_billing::ReconcileOptions { min_age_secs: 0 }
}

/// A charge of `amount` named like a monthly subscription.
pub fn details(amount: i64) -> subdesk_billing::ChargeDetails {
    subdesk_billing::ChargeDetails {
        amount,
        name: "월 구독".into(),
        ..Default::default()
    }
}

/// Every fault of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The answer comes after the client's timeout.
    Latency,
    /// HTTP 500 without processing.
    Http500,
    /// The connection is closed before processing.
    Drop,
    /// Processed and committed, then the connection is closed.
    CommitThenDrop,
    /// The process dies after journaling and sending, before recording.
    Kill,
    /// The server finishes the request after the client gave up on it: it commits
    /// `LATENCY_MS` later, detached from the dropped connection.
    CommitLate,
}

pub const FAULTS: [Fault; 6] = [
    Fault::Latency,
    Fault::Http500,
    Fault::Drop,
    Fault::CommitThenDrop,
    Fault::Kill,
    Fault::CommitLate,
];

impl Fault {
    pub fn rule(self, path_prefix: &str) -> serde_json::Value {
        let (kind, extra) = match self {
            Fault::Latency => ("latency", serde_json::json!({ "latency_ms": LATENCY_MS })),
            // Killing happens while the request is held up at the server, which
            // then finishes it anyway: the process died, i'mport did not.
            Fault::Kill => (
                "commit_late",
                serde_json::json!({ "latency_ms": LATENCY_MS }),
            ),
            Fault::Http500 => ("status", serde_json::json!({ "status": 500 })),
            Fault::Drop => ("drop", serde_json::json!({})),
            Fault::CommitThenDrop => ("commit_then_drop", serde_json::json!({})),
            Fault::CommitLate => (
                "commit_late",
                serde_json::json!({ "latency_ms": LATENCY_MS }),
            ),
        };
        let mut v = serde_json::json!({
            "kind": kind, "method": "POST", "path_prefix": path_prefix, "count": 1
        });
        if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
            for (k, x) in e {
                o.insert(k.clone(), x.clone());
            }
        }
        v
    }
}

/// Wait until the store shows an open journal row, i.e. the request was
/// journaled and is on its way; then the caller "kills the process".
pub async fn wait_for_open_row(path: &std::path::Path) {
    for _ in 0..200 {
        let s = Store::open(path).expect("store");
        if s.journal_open_count().expect("count") > 0 {
            return;
        }
        drop(s);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no journal row appeared");
}
