//! Fault injection: the next N requests matching a method and path prefix get a fault.
//!
//! Rules are added over HTTP (`POST /__sandbox/faults` with a [`FaultRule`] as JSON) or,
//! for tests that embed the sandbox, with [`crate::Sandbox::add_fault`]:
//!
//! ```no_run
//! # async fn demo() -> Result<(), subdesk_sandbox::SandboxError> {
//! use subdesk_sandbox::{FaultKind, FaultRule, Sandbox};
//! let sb = Sandbox::start(Default::default()).await?;
//! sb.add_fault(
//!     FaultRule::new(FaultKind::CommitLate)
//!         .method("POST")
//!         .path_prefix("/subscribe/payments/again")
//!         .latency_ms(1500),
//! );
//! # Ok(()) }
//! ```

use std::sync::Mutex;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Wait `latency_ms`, then answer normally.
    Latency,
    /// Answer with HTTP `status` (500/502/503/…) without processing anything.
    Status,
    /// Close the connection before processing: nothing happened, no answer.
    Drop,
    /// Process and commit the request, then close the connection without answering:
    /// the charge exists but the client never learns it.
    CommitThenDrop,
    /// The current access token expires before this request's token check (401).
    ExpireToken,
    /// The server finishes after the client gave up: the request is processed *detached
    /// from the connection* `latency_ms` (default 1500) after it arrived, so it commits
    /// even when the client has timed out and hung up by then. The connection never gets
    /// an answer: it is held open until the commit and then closed.
    CommitLate,
}

/// `latency` waits this long when the rule names no `latency_ms`.
pub const DEFAULT_LATENCY_MS: u64 = 1000;
/// `commit_late` processes the request this long after it arrived when the rule names no
/// `latency_ms`.
pub const DEFAULT_COMMIT_LATE_MS: u64 = 1500;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FaultRule {
    #[serde(default)]
    pub id: u64,
    /// `GET`, `POST`, …; absent matches any method.
    #[serde(default)]
    pub method: Option<String>,
    /// Matches when the request path starts with this (e.g. `/subscribe/payments/again`).
    #[serde(default = "slash")]
    pub path_prefix: String,
    pub kind: FaultKind,
    /// How many matching requests get the fault.
    #[serde(default = "one")]
    pub count: u32,
    #[serde(default)]
    pub latency_ms: Option<u64>,
    #[serde(default)]
    pub status: Option<u16>,
}

impl FaultRule {
    /// A rule for every method and path (`/`), once, with the kind's default timing.
    /// Narrow it with the builder methods below.
    pub fn new(kind: FaultKind) -> Self {
        Self {
            id: 0,
            method: None,
            path_prefix: slash(),
            kind,
            count: one(),
            latency_ms: None,
            status: None,
        }
    }

    /// Only requests with this method (`"POST"`, …).
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = Some(method.into());
        self
    }

    /// Only requests whose path starts with this.
    pub fn path_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.path_prefix = prefix.into();
        self
    }

    /// How many matching requests get the fault (default 1).
    pub fn count(mut self, count: u32) -> Self {
        self.count = count;
        self
    }

    /// Delay for `latency` and `commit_late`.
    pub fn latency_ms(mut self, ms: u64) -> Self {
        self.latency_ms = Some(ms);
        self
    }

    /// HTTP status for `status` (default 503).
    pub fn status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }
}

fn slash() -> String {
    "/".into()
}
fn one() -> u32 {
    1
}

#[derive(Debug, Default)]
pub struct Faults {
    rules: Mutex<Vec<FaultRule>>,
    next_id: Mutex<u64>,
}

impl Faults {
    fn rules(&self) -> std::sync::MutexGuard<'_, Vec<FaultRule>> {
        self.rules.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn add(&self, mut rule: FaultRule) -> FaultRule {
        let mut id = self.next_id.lock().unwrap_or_else(|p| p.into_inner());
        *id += 1;
        rule.id = *id;
        self.rules().push(rule.clone());
        rule
    }

    pub fn list(&self) -> Vec<FaultRule> {
        self.rules().clone()
    }

    pub fn clear(&self) {
        self.rules().clear();
    }

    /// Takes one use of the first rule matching this request, if any.
    pub fn take(&self, method: &str, path: &str) -> Option<FaultRule> {
        let mut rules = self.rules();
        let idx = rules.iter().position(|r| {
            r.count > 0
                && r.method
                    .as_deref()
                    .is_none_or(|m| m.eq_ignore_ascii_case(method))
                && path.starts_with(&r.path_prefix)
        })?;
        let rule = rules[idx].clone();
        rules[idx].count -= 1;
        if rules[idx].count == 0 {
            rules.remove(idx);
        }
        Some(rule)
    }
}
