//! Errors: `SandboxError` for the embedding API, `ApiError` for one HTTP answer.

use hyper::StatusCode;

/// Why the sandbox could not start or a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("cannot bind {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("refusing to listen on non-loopback address {0} (set allow_non_loopback)")]
    NonLoopback(std::net::SocketAddr),
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("store lock poisoned")]
    Poisoned,
}

/// One failed API answer: an HTTP status plus the envelope's `code` and `message`.
///
/// Business refusals use HTTP 200 with a non-zero code (that is what the real API and
/// its official clients show); protocol problems use 4xx.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: i64,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: i64, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }
    /// HTTP 200, code 1: the request was understood and refused.
    pub fn refused(message: impl Into<String>) -> Self {
        Self::new(StatusCode::OK, 1, message)
    }
    /// HTTP 200, code -1: the card company refused the card data (python client test).
    pub fn card_auth(message: impl Into<String>) -> Self {
        Self::new(StatusCode::OK, -1, message)
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, -1, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, 1, message)
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, -1, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, -1, message)
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        tracing::error!(error = %e, "sqlite error while answering");
        ApiError::internal("sandbox store error")
    }
}

impl From<SandboxError> for ApiError {
    fn from(e: SandboxError) -> Self {
        tracing::error!(error = %e, "sandbox error while answering");
        ApiError::internal("sandbox store error")
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
