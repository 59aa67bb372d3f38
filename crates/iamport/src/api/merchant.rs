//! Merchant information: PG channels and card codes.

use crate::Result;
use crate::client::Client;
use crate::models::{PgSetting, StandardCode};

impl Client {
    /// `GET /users/pg`: the PG channels configured for this account. The
    /// `api_payment` rows are the ones billing keys can use.
    pub async fn pg_settings(&self) -> Result<Vec<PgSetting>> {
        self.get(&self.target(&["users", "pg"])).await
    }

    /// `GET /cards`: standard card company codes and names.
    pub async fn card_codes(&self) -> Result<Vec<StandardCode>> {
        self.get(&self.target(&["cards"])).await
    }
}
