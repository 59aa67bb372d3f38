//! The access token: one cache for every clone of the client, refreshed ahead of
//! expiry, one `getToken` at a time.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use reqwest::header::HeaderValue;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::config::AuthScheme;
use crate::{Error, Result, de};

/// A token ready to be sent, and when to stop using it.
pub(crate) struct Token {
    /// The complete `Authorization` value, built once (marked sensitive so that the
    /// HTTP stack never prints it).
    pub header: HeaderValue,
    /// Refresh from this instant on.
    refresh_at: Instant,
    /// Which token this is; a 401 invalidates only the token it was sent with.
    pub generation: u64,
}

/// `response` of `POST /users/getToken` (`AuthAnnotation`).
#[derive(Deserialize)]
pub(crate) struct AuthAnnotation {
    pub access_token: String,
    #[serde(deserialize_with = "de::ts")]
    pub expired_at: i64,
    #[serde(deserialize_with = "de::ts")]
    pub now: i64,
}

/// Body of `POST /users/getToken`.
#[derive(Serialize)]
pub(crate) struct TokenRequest<'a> {
    pub imp_key: &'a str,
    pub imp_secret: &'a str,
}

pub(crate) struct TokenCache {
    scheme: AuthScheme,
    margin: Duration,
    current: RwLock<Option<Arc<Token>>>,
    /// Held while one task fetches; the others wait on it instead of fetching too.
    refresh: tokio::sync::Mutex<()>,
    generation: AtomicU64,
    /// Fetches started, and the error of the last failed one, so that tasks queued
    /// behind a failed fetch share its error instead of each calling getToken.
    fetches: AtomicU64,
    last_error: Mutex<Option<Error>>,
}

impl TokenCache {
    pub(crate) fn new(scheme: AuthScheme, margin: Duration) -> Self {
        TokenCache {
            scheme,
            margin,
            current: RwLock::new(None),
            refresh: tokio::sync::Mutex::new(()),
            generation: AtomicU64::new(0),
            fetches: AtomicU64::new(0),
            last_error: Mutex::new(None),
        }
    }

    /// A token that is not due for refresh, if there is one.
    pub(crate) fn fresh(&self) -> Option<Arc<Token>> {
        let guard = self.current.read().unwrap_or_else(PoisonError::into_inner);
        guard
            .as_ref()
            .filter(|t| Instant::now() < t.refresh_at)
            .cloned()
    }

    /// A usable token, fetching one with `fetch` if needed. Concurrent callers share
    /// one fetch.
    pub(crate) async fn get<F, Fut>(&self, fetch: F) -> Result<Arc<Token>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(AuthAnnotation, Instant)>>,
    {
        if let Some(t) = self.fresh() {
            return Ok(t);
        }
        let fetches_before = self.fetches.load(Ordering::Acquire);
        let _flight = self.refresh.lock().await;
        if let Some(t) = self.fresh() {
            return Ok(t);
        }
        if self.fetches.load(Ordering::Acquire) != fetches_before {
            // A fetch ran while we waited and left no token: it failed. Report its
            // error rather than hammering getToken once per waiting task.
            let last = self
                .last_error
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if let Some(e) = last.clone() {
                return Err(e);
            }
        }
        self.fetches.fetch_add(1, Ordering::AcqRel);
        match fetch().await {
            Ok((auth, sent_at)) => {
                let token = Arc::new(self.build(auth, sent_at)?);
                *self.current.write().unwrap_or_else(PoisonError::into_inner) = Some(token.clone());
                *self
                    .last_error
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = None;
                Ok(token)
            }
            Err(e) => {
                *self
                    .last_error
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = Some(e.clone());
                Err(e)
            }
        }
    }

    /// Forget the token of `generation` after the server refused it. A newer token
    /// (another task already refreshed) is kept.
    pub(crate) fn invalidate(&self, generation: u64) {
        let mut guard = self.current.write().unwrap_or_else(PoisonError::into_inner);
        if guard.as_ref().is_some_and(|t| t.generation == generation) {
            *guard = None;
        }
    }

    fn build(&self, auth: AuthAnnotation, sent_at: Instant) -> Result<Token> {
        let scheme = self.scheme;
        let secret = Zeroizing::new(auth.access_token);
        let text = Zeroizing::new(match scheme {
            AuthScheme::Bearer => format!("Bearer {}", secret.as_str()),
            AuthScheme::Bare => secret.as_str().to_owned(),
        });
        let mut header = HeaderValue::from_str(&text).map_err(|_| Error::Decode {
            status: 200,
            reason: "the access token is not a valid header value".into(),
            excerpt: String::new(),
        })?;
        header.set_sensitive(true);
        Ok(Token {
            header,
            refresh_at: refresh_at(sent_at, auth.now, auth.expired_at, self.margin),
            generation: self.generation.fetch_add(1, Ordering::AcqRel) + 1,
        })
    }
}

/// When to refresh a token issued with the server's `now` and `expired_at`.
///
/// The lifetime is measured on the server's clock (`expired_at − now`) and laid onto
/// ours from the moment the request was sent (slightly before the server's `now`,
/// so we err early), which makes clock skew irrelevant. The margin is capped at
/// half the lifetime so that a short-lived token is still used before it is renewed.
pub(crate) fn refresh_at(sent_at: Instant, now: i64, expired_at: i64, margin: Duration) -> Instant {
    let lifetime = Duration::from_secs(u64::try_from(expired_at.saturating_sub(now)).unwrap_or(0));
    let margin = margin.min(lifetime / 2);
    sent_at + (lifetime - margin)
}

/// The getToken body, exposing the secret only into a zeroized buffer.
pub(crate) fn token_body(key: &str, secret: &secrecy::SecretString) -> Result<bytes::Bytes> {
    crate::http::json_body(&TokenRequest {
        imp_key: key,
        imp_secret: secret.expose_secret(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_ignores_clock_skew() {
        let t0 = Instant::now();
        // Server clock an hour ahead of ours: only the difference matters.
        let at = refresh_at(
            t0,
            1_700_003_600,
            1_700_003_600 + 1800,
            Duration::from_secs(60),
        );
        assert_eq!(at - t0, Duration::from_secs(1740));
        // A 30 s token is used for 15 s, not refreshed on every call.
        let at = refresh_at(t0, 100, 130, Duration::from_secs(60));
        assert_eq!(at - t0, Duration::from_secs(15));
        // Already expired (or garbage): refresh immediately.
        assert_eq!(refresh_at(t0, 200, 100, Duration::from_secs(60)), t0);
    }
}
