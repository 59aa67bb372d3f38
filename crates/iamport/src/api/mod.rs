//! Endpoints, one module per area. Each method validates its input, builds the
//! request and decodes the answer; the shared request path lives in `client.rs`.

mod charges;
mod customers;
mod merchant;
mod payments;
mod schedules;

use crate::models::{Payment, PaymentStatus};
use crate::{Error, Result};

/// A charge succeeded only if the payment is `paid`: code 0 says the card company was
/// reached, not that it approved.
pub(crate) fn paid_or_error(payment: Payment) -> Result<Payment> {
    match &payment.status {
        PaymentStatus::Paid => Ok(payment),
        PaymentStatus::Failed => Err(Error::Declined {
            fail_reason: payment.fail_reason.clone(),
            payment: Box::new(payment),
        }),
        other => Err(Error::Unconfirmed {
            status: other.as_str().to_owned(),
            payment: Box::new(payment),
        }),
    }
}
