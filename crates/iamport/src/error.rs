//! The one error type of the client, sorted by what the caller can do about it.

use crate::models::Payment;

/// Result alias used by every fallible function of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a call to i'mport.
///
/// The variants are sorted by what the application must do next, not by where the
/// failure happened: a [`Error::Transport`] or [`Error::Server`] with
/// `may_have_executed: true` means "outcome unknown, look it up by `merchant_uid`",
/// while [`Error::Rejected`] and [`Error::Declined`] are definite outcomes.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// The API key/secret were refused, or a fresh token was refused too (HTTP 401/403).
    #[error("i'mport refused the credentials: {}", message.as_deref().unwrap_or("unauthorized"))]
    Unauthorized {
        /// The server's message, when it sent one (redacted, see [`crate::redact`]).
        message: Option<String>,
    },

    /// i'mport says the resource does not exist: HTTP 404 carrying an i'mport envelope
    /// (`{code, message, response}` with a non-zero `code`).
    ///
    /// This is evidence of absence — the reconciliation may conclude from it that a
    /// charge never executed — so a 404 without the envelope (a proxy, a wrong base
    /// URL) is never this variant but [`Error::Unrecognized`].
    #[error("not found: {}", message.as_deref().unwrap_or("no such resource"))]
    NotFound {
        /// The server's message, when it sent one (redacted, see [`crate::redact`]).
        message: Option<String>,
    },

    /// The server answered and refused the request: a non-zero envelope `code`
    /// (usually with HTTP 200) or a 4xx other than 401/403/404. Nothing was executed.
    #[error("i'mport refused the request (HTTP {status}, code {code}): {}", message.as_deref().unwrap_or(""))]
    Rejected {
        /// HTTP status of the answer.
        status: u16,
        /// The envelope's `code`; `-1` when the body carried no envelope. The number
        /// carries no reliable meaning (the same situation has produced `-1` and `1`).
        code: i64,
        /// The server's message, often straight from the PG or card company: show it,
        /// never branch on it. Redacted (see [`crate::redact`]).
        message: Option<String>,
    },

    /// A charge reached the card company and was declined: HTTP 200, code 0, and a
    /// payment whose status is `failed`. The failed attempt has its own `imp_uid`.
    #[error("the card was declined: {}", fail_reason.as_deref().unwrap_or("no reason given"))]
    Declined {
        /// The failed payment as the server recorded it.
        payment: Box<Payment>,
        /// The payment's `fail_reason`, redacted (see [`crate::redact`]).
        fail_reason: Option<String>,
    },

    /// A charge answered with code 0 but a status that is neither `paid` nor `failed`
    /// (e.g. `ready`). Treat as "outcome unknown" and look the payment up.
    #[error("the charge came back with status {status}, neither paid nor failed")]
    Unconfirmed {
        /// The payment as the server returned it.
        payment: Box<Payment>,
        /// Its status, as text.
        status: String,
    },

    /// The request failed in transit: connect error, timeout, reset.
    ///
    /// `may_have_executed` is true whenever a state-changing request may have reached
    /// the server (timeout after sending, connection closed after the request was
    /// written). It is false when the connection was never established, and always
    /// false for reads, which change nothing.
    #[error("network error ({}): {message}", if *may_have_executed { "the request may have been executed" } else { "the request was not executed" })]
    Transport {
        /// True if the server may have processed the request.
        may_have_executed: bool,
        /// True if the failure was a timeout.
        timeout: bool,
        /// What the HTTP stack reported.
        message: String,
    },

    /// The server failed (HTTP 5xx). For a state-changing request the server may
    /// have done the work before failing (a gateway error after the backend committed),
    /// so `may_have_executed` is true for those.
    #[error("i'mport server error (HTTP {status}): {}", message.as_deref().unwrap_or(""))]
    Server {
        /// HTTP status.
        status: u16,
        /// The envelope message, if the body had one (redacted, see [`crate::redact`]).
        message: Option<String>,
        /// True for state-changing requests: the outcome is unknown.
        may_have_executed: bool,
    },

    /// The API address answered with a redirect (HTTP 3xx). The client never follows
    /// redirects: following one would re-send the request body — the `imp_secret` of
    /// `getToken`, card data — to wherever `Location` points. The base URL is wrong or
    /// something between this computer and i'mport (a proxy, a captive portal) answers
    /// in its place.
    ///
    /// `may_have_executed` is false except for a 303 to a state-changing request; see
    /// the classification in `http.rs`.
    #[error("the i'mport API address answered with a redirect (HTTP {status}{}); redirects are not followed: check the base URL and any proxy in between", location.as_deref().map(|l| format!(" to {l}")).unwrap_or_default())]
    Redirected {
        /// HTTP status (300–399).
        status: u16,
        /// The `Location` header without query or fragment, when there was one.
        location: Option<String>,
        /// True if the server may have processed the request (303 after a write).
        may_have_executed: bool,
    },

    /// The answer was larger than the configured limit
    /// ([`crate::Config::max_response_bytes`]) and was cut off unread; nothing of it is
    /// used.
    ///
    /// `may_have_executed` is true for state-changing requests: the server did answer,
    /// so the request arrived, and what it did cannot be told from a body that was not
    /// read (see `http.rs`).
    #[error("the i'mport answer (HTTP {status}) is larger than the {limit}-byte limit and was cut off ({})", if *may_have_executed { "the request may have been executed" } else { "the request was not executed" })]
    TooLarge {
        /// HTTP status of the answer.
        status: u16,
        /// The limit in bytes.
        limit: usize,
        /// True for state-changing requests: the outcome is unknown.
        may_have_executed: bool,
    },

    /// An answer that only an i'mport envelope could give a meaning to came without
    /// one: today a 404 whose body is HTML, empty, or JSON that is not `{code, message,
    /// response}` (a proxy, a load balancer or a wrong base URL answered, not i'mport).
    ///
    /// Nothing can be concluded from it: it does not say that a payment or schedule is
    /// absent (retry the lookup later), and after a state-changing request
    /// `may_have_executed` is true.
    #[error(
        "HTTP {status} without an i'mport envelope (a proxy or a wrong base URL?); nothing can be concluded from it; body starts: {excerpt}"
    )]
    Unrecognized {
        /// HTTP status of the answer.
        status: u16,
        /// At most a few hundred characters of the body, with secrets masked.
        excerpt: String,
        /// True for state-changing requests: the outcome is unknown.
        may_have_executed: bool,
    },

    /// The answer could not be decoded. `excerpt` is a short, redacted piece of the body.
    #[error(
        "could not decode the i'mport answer (HTTP {status}): {reason}; body starts: {excerpt}"
    )]
    Decode {
        /// HTTP status of the answer.
        status: u16,
        /// What did not fit.
        reason: String,
        /// At most a few hundred characters of the body, with secrets masked.
        excerpt: String,
    },

    /// The client refused to send the request: an argument breaks a rule the API
    /// documents. No request was sent.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// Which input (stable name, e.g. `merchant_uid`, `tier`).
        field: &'static str,
        /// Why, in English, for logs; the UI translates `code()` + `field`.
        reason: String,
    },

    /// The client could not be built (bad base URL, TLS backend failure).
    #[error("invalid client configuration: {0}")]
    Config(String),
}

impl Error {
    /// A stable snake_case code for the UI to translate. Never changes meaning.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Unauthorized { .. } => "unauthorized",
            Error::NotFound { .. } => "not_found",
            Error::Rejected { .. } => "rejected",
            Error::Declined { .. } => "declined",
            Error::Unconfirmed { .. } => "unconfirmed",
            Error::Transport { .. } => "transport",
            Error::Server { .. } => "server_error",
            Error::Redirected { .. } => "redirected",
            Error::TooLarge { .. } => "response_too_large",
            Error::Unrecognized { .. } => "unrecognized_answer",
            Error::Decode { .. } => "decode",
            Error::Invalid { .. } => "invalid_input",
            Error::Config(_) => "invalid_config",
        }
    }

    /// True when the request may have changed state on the server although no answer
    /// says so: the caller must reconcile (look the payment up by `merchant_uid`)
    /// before deciding it failed, and must never retry with a new `merchant_uid`.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            Error::Transport {
                may_have_executed, ..
            }
            | Error::Server {
                may_have_executed, ..
            }
            | Error::Redirected {
                may_have_executed, ..
            }
            | Error::TooLarge {
                may_have_executed, ..
            }
            | Error::Unrecognized {
                may_have_executed, ..
            } => *may_have_executed,
            Error::Unconfirmed { .. } => true,
            _ => false,
        }
    }

    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Error::Invalid {
            field,
            reason: reason.into(),
        }
    }
}
