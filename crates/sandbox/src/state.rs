//! Everything a request handler can reach.

use std::sync::Arc;

use crate::auth::TokenStore;
use crate::clock::Clock;
use crate::faults::Faults;
use crate::reqlog::RequestLog;
use crate::store::Store;
use crate::webhook::Webhooks;
use crate::wire::WebhookBody;

pub struct AppState {
    pub store: Store,
    pub clock: Clock,
    pub tokens: TokenStore,
    pub faults: Faults,
    pub reqlog: RequestLog,
    pub webhooks: Webhooks,
    pub imp_key: String,
    pub imp_secret: String,
    /// `http://127.0.0.1:PORT`, for receipt URLs.
    pub base_url: String,
}

impl AppState {
    pub fn receipt_url(&self, imp_uid: &str) -> String {
        format!("{}/__sandbox/receipts/{imp_uid}", self.base_url)
    }

    /// Starts a webhook delivery in the background and records its outcome.
    pub fn spawn_webhook(self: &Arc<Self>, url: String, body: WebhookBody) {
        let st = self.clone();
        match tokio::runtime::Handle::try_current() {
            Ok(h) => {
                h.spawn(async move {
                    let d = crate::webhook::deliver(&url, &body).await;
                    tracing::info!(url = %d.url, status = ?d.status, error = ?d.error, "webhook sent");
                    st.webhooks.record(d);
                });
            }
            Err(_) => tracing::warn!("no runtime to deliver webhook to {url}"),
        }
    }
}
