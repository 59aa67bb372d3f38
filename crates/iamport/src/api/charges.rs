//! Charges: `/subscribe/payments/onetime` and `/subscribe/payments/again`.

use reqwest::Method;

use super::paid_or_error;
use crate::Result;
use crate::client::Client;
use crate::http::json_body;
use crate::models::{AgainRequest, OnetimeRequest, Payment};

impl Client {
    /// `POST /subscribe/payments/again`: charge a stored billing key now.
    ///
    /// `Ok` only when the payment is `paid`. A decline is [`crate::Error::Declined`];
    /// a lost answer is [`crate::Error::Transport`] with `may_have_executed`: look
    /// the payment up with [`Client::find_payment`] before doing anything else. Never
    /// retried automatically.
    pub async fn charge_again(&self, request: &AgainRequest) -> Result<Payment> {
        request.validate()?;
        let target = self.target(&["subscribe", "payments", "again"]);
        let body = json_body(request)?;
        paid_or_error(self.send(Method::POST, &target, Some(body)).await?)
    }

    /// `POST /subscribe/payments/onetime`: charge card data now (and save it as a key
    /// if `customer_uid` is set). Same outcome rules as [`Client::charge_again`].
    pub async fn charge_onetime(&self, request: &OnetimeRequest) -> Result<Payment> {
        request.validate()?;
        let target = self.target(&["subscribe", "payments", "onetime"]);
        let body = json_body(request)?;
        paid_or_error(self.send(Method::POST, &target, Some(body)).await?)
    }
}
