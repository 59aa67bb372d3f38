//! Fault injection: the next N requests matching a method and path prefix get a fault.

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
}

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
