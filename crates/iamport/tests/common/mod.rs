//! A sandbox per test, a client pointed at it, and helpers for the control endpoints.
#![allow(dead_code)]

use std::time::Duration;

use serde_json::{Value, json};
use subdesk_iamport::{
    CardData, Client, Config, Customer, IssueBillingKey, RetryPolicy, SecretString,
};
use subdesk_sandbox::{DEFAULT_IMP_KEY, DEFAULT_IMP_SECRET, Sandbox, SandboxConfig};

/// Approves (credit card).
pub const CARD_OK: &str = "4242-4242-4242-4242";
/// Key issues; charges decline with insufficient funds.
pub const CARD_DECLINES: &str = "9410-0000-0000-0013";
/// Card-data authentication fails (code -1).
pub const CARD_AUTH_FAILS: &str = "9410-0000-0000-0054";

pub struct Env {
    pub sandbox: Sandbox,
    pub client: Client,
    pub base: String,
    ctl: reqwest::Client,
}

/// Fast retries so that retry tests do not sleep for long.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
    }
}

pub fn config(base: &str) -> Config {
    Config::new(DEFAULT_IMP_KEY, SecretString::from(DEFAULT_IMP_SECRET))
        .base_url(base)
        .expect("sandbox URL")
        .retry(fast_retry())
}

pub async fn env() -> Env {
    env_with(|c| c).await
}

pub async fn env_with(tune: impl FnOnce(Config) -> Config) -> Env {
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox starts");
    let base = sandbox.base_url();
    let client = Client::new(tune(config(&base))).expect("client");
    Env {
        sandbox,
        client,
        base,
        ctl: reqwest::Client::new(),
    }
}

pub fn card(number: &str) -> CardData {
    CardData::new(number, "2031-12")
        .and_then(|c| c.birth("900101"))
        .and_then(|c| c.pwd_2digit("12"))
        .expect("valid test card")
}

impl Env {
    /// Calls a control endpoint and returns its `response`.
    pub async fn control(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self
            .ctl
            .request(method, format!("{}/__sandbox/{path}", self.base));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("control call");
        let status = resp.status();
        let v: Value = resp.json().await.expect("control JSON");
        assert!(status.is_success(), "control {path}: {status} {v}");
        v["response"].clone()
    }

    pub async fn fault(&self, rule: Value) {
        self.control(reqwest::Method::POST, "faults", Some(rule))
            .await;
    }

    pub async fn advance(&self, seconds: i64) {
        self.control(
            reqwest::Method::POST,
            "clock/advance",
            Some(json!({ "seconds": seconds })),
        )
        .await;
    }

    pub async fn requests(&self) -> Vec<Value> {
        match self.control(reqwest::Method::GET, "requests", None).await {
            Value::Array(v) => v,
            other => panic!("request log: {other}"),
        }
    }

    /// Logged requests with this method and exact path.
    pub async fn count(&self, method: &str, path: &str) -> usize {
        self.requests()
            .await
            .iter()
            .filter(|r| r["method"] == method && r["path"] == path)
            .count()
    }

    pub async fn issue(&self, customer_uid: &str, number: &str) -> Customer {
        self.client
            .issue_billing_key(
                customer_uid,
                &IssueBillingKey::new(card(number)).customer_name("김민준"),
            )
            .await
            .expect("key issues")
    }
}
