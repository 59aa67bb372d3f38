//! subdesk-iamport: a typed async client for the i'mport (PortOne V1) REST API.
//!
//! ```no_run
//! # async fn demo() -> subdesk_iamport::Result<()> {
//! use subdesk_iamport::{AgainRequest, Client, Config, Error, Money, SecretString};
//!
//! let client = Client::new(Config::new("imp_key", SecretString::from("imp_secret")))?;
//! let charge = AgainRequest::new("customer_1", "order_2024_0001", Money::won(9900), "월 구독");
//! match client.charge_again(&charge).await {
//!     Ok(payment) => println!("paid: {}", payment.imp_uid),
//!     Err(e) if e.outcome_unknown() => {
//!         // The answer was lost: resolve by looking the order up, never re-charge blindly.
//!         let found = client.find_payment("order_2024_0001", None, None).await;
//!         println!("{found:?}");
//!     }
//!     Err(Error::Declined { fail_reason, .. }) => println!("declined: {fail_reason:?}"),
//!     Err(e) => println!("{}: {e}", e.code()),
//! }
//! # Ok(()) }
//! ```
//!
//! Design notes live in the crate README; the short version: one `Client` (cheap to
//! clone) shares one token cache; reads retry, writes never do; every failure is one
//! [`Error`] with a stable [`Error::code`]; money is exact ([`Money`]); secrets stay in
//! zeroizing types; redirects are never followed and answers are bounded
//! ([`Config::max_response_bytes`]); every message from i'mport or a PG is masked by
//! [`redact::message`] before it leaves.

mod api;
mod auth;
mod client;
mod config;
mod de;
mod envelope;
mod error;
mod http;
pub mod models;
mod money;
pub mod redact;
pub mod validate;

pub use client::Client;
pub use config::{
    AuthScheme, Config, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUT, RetryPolicy, Tier,
};
pub use error::{Error, Result};
pub use models::*;
pub use money::Money;
pub use rust_decimal::Decimal;
pub use secrecy::SecretString;

#[cfg(test)]
mod spec_tests;
