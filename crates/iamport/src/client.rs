//! The client handle and the one request path every endpoint goes through:
//! token → attempt → (401: refresh once and replay) → (read: retry) → envelope.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use reqwest::Method;
use reqwest::header::HeaderValue;
use serde::de::DeserializeOwned;

use crate::auth::{AuthAnnotation, TokenCache, token_body};
use crate::config::Config;
use crate::envelope;
use crate::http::{self, Auth, Effect, Target};
use crate::{Error, Result};

/// A typed async client for the i'mport V1 REST API.
///
/// Cheap to clone (an `Arc` inside); every clone shares one connection pool and one
/// token cache, so many tasks calling at once cause one `getToken`. All methods are
/// cancel-safe in the sense that dropping a future never leaves the cache broken; a
/// dropped *charge* future has an unknown outcome, like a timeout.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    config: Config,
    /// Base URL without a trailing slash, so paths can be appended as text.
    base: String,
    tier: Option<HeaderValue>,
    tokens: TokenCache,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Builds a client. No request is made until the first call.
    pub fn new(config: Config) -> Result<Self> {
        let http = reqwest::Client::builder()
            // Never follow a redirect: reqwest would re-send the body (the imp_secret of
            // getToken, card data) to wherever `Location` points. A 3xx becomes
            // `Error::Redirected` in `http::send`.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .user_agent(concat!("subdesk-iamport/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Config(format!("HTTP client: {e}")))?;
        let tier = match &config.tier {
            Some(t) => Some(
                HeaderValue::from_str(t.as_str())
                    .map_err(|_| Error::invalid("tier", "not a header value"))?,
            ),
            None => None,
        };
        let base = config.base_url.as_str().trim_end_matches('/').to_owned();
        let tokens = TokenCache::new(config.auth_scheme, config.refresh_margin);
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                config,
                base,
                tier,
                tokens,
            }),
        })
    }

    /// The configuration this client was built with.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Fetches a token now if none is cached: checks the credentials (a settings
    /// screen's "test connection") and warms the cache.
    pub async fn authenticate(&self) -> Result<()> {
        self.token().await.map(|_| ())
    }

    pub(crate) fn target(&self, segments: &[&str]) -> Target {
        Target::new(&self.inner.base, segments)
    }

    async fn token(&self) -> Result<Arc<crate::auth::Token>> {
        // The cached token is the hot path: answer it without entering (or even
        // allocating) the refresh future, which is large.
        if let Some(t) = self.inner.tokens.fresh() {
            return Ok(t);
        }
        Box::pin(self.inner.tokens.get(|| self.fetch_token())).await
    }

    /// `POST /users/getToken`. Retried like a read: it changes nothing on the server
    /// (asking again returns the same token).
    async fn fetch_token(&self) -> Result<(AuthAnnotation, Instant)> {
        let inner = &self.inner;
        let body = token_body(&inner.config.imp_key, &inner.config.imp_secret)?;
        let target = self.target(&["users", "getToken"]);
        let retry = inner.config.retry;
        let mut attempt = 1;
        loop {
            let sent_at = Instant::now();
            let auth = Auth {
                authorization: None,
                tier: inner.tier.as_ref(),
            };
            // Classified as a read: a lost answer to getToken has no consequence.
            let result = http::send(
                &inner.http,
                Method::POST,
                &target,
                Some(body.clone()),
                auth,
                Effect::Read,
                inner.config.max_response_bytes,
            )
            .await;
            let again = match &result {
                Ok(raw) => http::retryable_status(raw.status),
                Err(Error::Transport { .. }) => true,
                Err(_) => false,
            };
            if again && attempt < retry.max_attempts {
                tokio::time::sleep(retry.backoff(attempt)).await;
                attempt += 1;
                continue;
            }
            let raw = result?;
            tracing::debug!("i'mport token fetched");
            return envelope::decode::<AuthAnnotation>(raw.status, &raw.body, false)
                .map(|a| (a, sent_at));
        }
    }

    /// A read: retried with backoff on transport errors, 5xx and 429.
    pub(crate) async fn get<T: DeserializeOwned>(&self, target: &Target) -> Result<T> {
        self.call(Method::GET, target, None).await
    }

    /// A state-changing request: sent once (plus one replay after a 401, which the
    /// server answers before doing anything).
    pub(crate) async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        target: &Target,
        body: Option<Bytes>,
    ) -> Result<T> {
        self.call(method, target, body).await
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        target: &Target,
        body: Option<Bytes>,
    ) -> Result<T> {
        let inner = &self.inner;
        let read = method == Method::GET;
        let retry = inner.config.retry;
        let mut attempt = 1;
        let mut replayed_after_401 = false;
        loop {
            let token = self.token().await?;
            let auth = Auth {
                authorization: Some(&token.header),
                tier: inner.tier.as_ref(),
            };
            let effect = if read { Effect::Read } else { Effect::Write };
            let result = http::send(
                &inner.http,
                method.clone(),
                target,
                body.clone(),
                auth,
                effect,
                inner.config.max_response_bytes,
            )
            .await;
            match result {
                Ok(raw) if raw.status == 401 && !replayed_after_401 => {
                    // Expired or revoked token: the server checks it before anything
                    // else, so replaying (even a charge) cannot execute twice.
                    tracing::debug!("i'mport answered 401; refreshing the token once");
                    replayed_after_401 = true;
                    inner.tokens.invalidate(token.generation);
                }
                Ok(raw)
                    if read
                        && http::retryable_status(raw.status)
                        && attempt < retry.max_attempts =>
                {
                    tracing::debug!(status = raw.status, attempt, "retrying a read");
                    tokio::time::sleep(retry.backoff(attempt)).await;
                    attempt += 1;
                }
                Ok(raw) => return envelope::decode(raw.status, &raw.body, !read),
                Err(Error::Transport { .. }) if read && attempt < retry.max_attempts => {
                    tracing::debug!(attempt, "retrying a read after a transport error");
                    tokio::time::sleep(retry.backoff(attempt)).await;
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }
}
