//! Client configuration: where to call, with which credentials, how patiently.

use std::fmt;
use std::time::Duration;

use secrecy::SecretString;
use url::Url;

use crate::{Error, Result};

/// The production API.
pub const DEFAULT_BASE_URL: &str = "https://api.iamport.kr";

/// Default [`Config::connect_timeout`]: 10 seconds.
///
/// Connecting (DNS, TCP, TLS) to the API takes well under a second on a working
/// network; 10 s tolerates a slow or congested one without leaving the UI hanging. A
/// connect failure is the one failure known not to have executed anything, so giving up
/// early costs nothing but a retry.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Default [`Config::timeout`]: 30 seconds for one attempt, from connecting to the last
/// byte of the answer.
///
/// A charge waits inside the request for the PG and the card company to approve, which
/// can take several seconds; 30 s is what the official Java client allows. A shorter
/// limit turns slow approvals into outcomes that are unknown and must be reconciled.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Default [`Config::max_response_bytes`]: 8 MiB.
///
/// The largest answers the client asks for are pages of payments (at most 1000 at ~2–3
/// KB each, about 3 MB); 8 MiB leaves room for long `custom_data` and cancel histories,
/// and keeps a runaway or hostile answer from filling memory.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;

/// A sub-merchant's tier code, sent as the `Tier` header by agency accounts:
/// exactly 3 uppercase ASCII letters or digits.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Tier(String);

impl Tier {
    /// Validates a tier code.
    pub fn new(code: &str) -> Result<Self> {
        let ok = code.len() == 3
            && code
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if ok {
            Ok(Tier(code.to_owned()))
        } else {
            Err(Error::invalid(
                "tier",
                "a tier code is 3 uppercase letters or digits",
            ))
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tier({})", self.0)
    }
}

/// How the token is written in `Authorization`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum AuthScheme {
    /// `Authorization: Bearer <token>` (current official docs).
    #[default]
    Bearer,
    /// `Authorization: <token>` (the 2015 form most official clients still send).
    Bare,
}

/// Retries of reads (GET) after a transport error, HTTP 5xx or 429.
///
/// State-changing requests are never retried: a charge whose answer was lost must be
/// looked up, not sent again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, including the first (1 = no retry).
    pub max_attempts: u32,
    /// Wait before the first retry; doubles after each.
    pub initial_backoff: Duration,
    /// Upper bound of one wait.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(2),
        }
    }
}

impl RetryPolicy {
    /// No retries.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Default::default()
        }
    }

    /// Wait before retry number `retry` (1-based), with ±25 % jitter so that many
    /// clients do not retry in step.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let exp = retry.saturating_sub(1).min(16);
        let base = self
            .initial_backoff
            .saturating_mul(1u32 << exp)
            .min(self.max_backoff);
        base.mul_f64(0.75 + fastrand::f64() * 0.5)
    }
}

/// Everything a [`crate::Client`] needs.
#[derive(Clone)]
pub struct Config {
    pub(crate) base_url: Url,
    pub(crate) imp_key: String,
    pub(crate) imp_secret: SecretString,
    pub(crate) tier: Option<Tier>,
    pub(crate) auth_scheme: AuthScheme,
    pub(crate) connect_timeout: Duration,
    pub(crate) timeout: Duration,
    pub(crate) max_response_bytes: usize,
    pub(crate) retry: RetryPolicy,
    pub(crate) refresh_margin: Duration,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("base_url", &self.base_url.as_str())
            .field("imp_key", &self.imp_key)
            .field("imp_secret", &"[redacted]")
            .field("tier", &self.tier)
            .field("auth_scheme", &self.auth_scheme)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("retry", &self.retry)
            .field("refresh_margin", &self.refresh_margin)
            .finish()
    }
}

impl Config {
    /// Production API, given REST API key and secret. Defaults: connect timeout
    /// [`DEFAULT_CONNECT_TIMEOUT`] (10 s), total timeout per attempt
    /// [`DEFAULT_TIMEOUT`] (30 s, as the official Java client: PG approval happens inside
    /// the request, so charges can take seconds), answers up to
    /// [`DEFAULT_MAX_RESPONSE_BYTES`] (8 MiB), [`RetryPolicy::default`] for reads, token
    /// refresh 60 s before expiry.
    pub fn new(imp_key: impl Into<String>, imp_secret: SecretString) -> Self {
        Config {
            base_url: Url::parse(DEFAULT_BASE_URL).unwrap_or_else(|_| unreachable!()),
            imp_key: imp_key.into(),
            imp_secret,
            tier: None,
            auth_scheme: AuthScheme::Bearer,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            retry: RetryPolicy::default(),
            refresh_margin: Duration::from_secs(60),
        }
    }

    /// Another base URL (the sandbox on loopback, the fixed-IP host). Must be http(s).
    pub fn base_url(mut self, url: &str) -> Result<Self> {
        let parsed = Url::parse(url).map_err(|e| Error::Config(format!("base URL: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.cannot_be_a_base() {
            return Err(Error::Config("base URL must be http(s)".into()));
        }
        self.base_url = parsed;
        Ok(self)
    }

    /// Act for a sub-merchant (agency accounts).
    pub fn tier(mut self, tier: Tier) -> Self {
        self.tier = Some(tier);
        self
    }

    /// How to write the token header.
    pub fn auth_scheme(mut self, scheme: AuthScheme) -> Self {
        self.auth_scheme = scheme;
        self
    }

    /// Connect timeout: how long one attempt may take to establish the connection (DNS,
    /// TCP and TLS). Default [`DEFAULT_CONNECT_TIMEOUT`], 10 s. A request that times
    /// out here was never sent: `Error::Transport { may_have_executed: false, timeout:
    /// true, .. }`.
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.connect_timeout = t;
        self
    }

    /// Total timeout of one attempt: connect, send, wait for the answer and read all of
    /// it. Default [`DEFAULT_TIMEOUT`], 30 s. It bounds one attempt, not a call: a read
    /// is retried ([`Config::retry`]), so it may take up to `max_attempts` × this plus
    /// the backoff; a write is sent once and, if it times out after being sent, its
    /// outcome is unknown (`Error::Transport { may_have_executed: true, .. }`).
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    /// Largest answer body, in bytes, the client reads. Default
    /// [`DEFAULT_MAX_RESPONSE_BYTES`], 8 MiB. A larger answer — declared by
    /// `Content-Length` or found while streaming one without it — is cut off unread
    /// ([`Error::TooLarge`]); nothing beyond the limit is ever buffered. For a read,
    /// ask for a smaller page; after a write the outcome is unknown.
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Retries of reads.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Refresh the token this long before it expires (default 60 s; the server extends
    /// a token asked for again in its last minute).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// The configured base URL.
    pub fn base_url_str(&self) -> &str {
        self.base_url.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tier_codes() {
        assert!(Tier::new("AB1").is_ok());
        assert!(Tier::new("001").is_ok());
        for bad in ["ab1", "AB", "ABCD", "A-1", "", "가나다"] {
            let e = Tier::new(bad).unwrap_err();
            assert_eq!(e.code(), "invalid_input", "{bad}");
        }
    }

    #[test]
    fn debug_hides_the_secret() {
        let c = Config::new("key", SecretString::from("hunter2-secret"));
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    #[test]
    fn documented_defaults() {
        let c = Config::new("k", SecretString::from("s"));
        assert_eq!(c.connect_timeout, Duration::from_secs(10));
        assert_eq!(c.timeout, Duration::from_secs(30));
        assert_eq!(c.max_response_bytes, 8 * 1024 * 1024);
        assert_eq!(c.retry, RetryPolicy::default());
        assert_eq!(c.refresh_margin, Duration::from_secs(60));
        let c = c
            .connect_timeout(Duration::from_secs(1))
            .timeout(Duration::from_secs(2))
            .max_response_bytes(3);
        assert_eq!(
            (c.connect_timeout, c.timeout, c.max_response_bytes),
            (Duration::from_secs(1), Duration::from_secs(2), 3)
        );
    }

    #[test]
    fn base_url_must_be_http() {
        let c = Config::new("k", SecretString::from("s"));
        assert!(c.clone().base_url("http://127.0.0.1:1234").is_ok());
        assert!(c.clone().base_url("ftp://x").is_err());
        assert!(c.base_url("not a url").is_err());
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let r = RetryPolicy {
            max_attempts: 10,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(500),
        };
        assert!(r.backoff(1) <= Duration::from_millis(125));
        assert!(r.backoff(1) >= Duration::from_millis(75));
        assert!(r.backoff(9) <= Duration::from_millis(625));
    }
}
