//! How to read the client's error after a state-changing request: the one
//! decision every money operation shares.

use subdesk_iamport::Error as ApiError;

/// What a failed state-changing call means for the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// No usable answer: the request may have executed. Look it up; never resend blindly.
    Unknown,
    /// A definite refusal: nothing executed at i'mport.
    Refused,
    /// The card company declined a charge (a failed payment exists).
    Declined,
}

pub(crate) fn classify(e: &ApiError) -> Failure {
    match e {
        ApiError::Declined { .. } => Failure::Declined,
        // A 200 we could not decode came from a server that did the work.
        ApiError::Decode { .. } => Failure::Unknown,
        e if e.outcome_unknown() => Failure::Unknown,
        _ => Failure::Refused,
    }
}

/// `(code, message)` of an error for the journal's `error_code`/`error_message`.
pub(crate) fn error_pair(e: &crate::Error) -> (String, String) {
    (e.code().to_string(), e.to_string())
}
