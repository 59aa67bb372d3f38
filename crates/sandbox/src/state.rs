//! Everything a request handler can reach.

use crate::auth::TokenStore;
use crate::clock::Clock;
use crate::faults::Faults;
use crate::reqlog::RequestLog;
use crate::store::Store;
use crate::webhook::Webhooks;

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
}
