//! The one error type of the core, with stable codes the UI translates.

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything the core can fail with. Messages never contain secrets; the
/// `code()` is what the UI branches on and translates.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file is not a healthy SQLite database (corruption, or not a database at
    /// all). `latest_backup` names the newest backup the app can offer to restore.
    #[error("the database {path} is damaged or not a Subdesk database ({detail}){}", match latest_backup { Some(b) => format!("; latest backup: {b}"), None => "; no backup available".to_string() })]
    DbCorrupt {
        /// The database file.
        path: String,
        /// What SQLite reported.
        detail: String,
        /// The newest file in `backups/`, if any.
        latest_backup: Option<String>,
    },

    /// The database was written by a newer build; opening it could damage it.
    #[error(
        "the database has schema version {found}, newer than this build supports ({supported}); update Subdesk"
    )]
    DbNewerVersion {
        /// Version found in the file.
        found: i64,
        /// Highest version this build knows.
        supported: i64,
    },

    /// A migration failed; the database was left at its previous version.
    #[error("migration {version} failed: {detail}")]
    Migration {
        /// The migration that failed.
        version: i64,
        /// What SQLite reported.
        detail: String,
    },

    /// Another connection holds the write lock longer than the busy timeout.
    #[error("the database is busy")]
    DbBusy,

    /// Any other SQLite error.
    #[error("database error: {0}")]
    Db(rusqlite::Error),

    /// A file operation failed (backups, restore).
    #[error("{context}: {source}")]
    Io {
        /// What we were doing.
        context: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },

    /// The thing asked for does not exist.
    #[error("{what} not found: {id}")]
    NotFound {
        /// Kind of thing (`customer`, `payment`, `backup`, ...).
        what: &'static str,
        /// Its id.
        id: String,
    },

    /// An input broke a rule. `field` is a stable name the UI can point at.
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// Which input.
        field: String,
        /// Why, in English, for logs.
        reason: String,
    },

    /// Another sync of the same stream is running.
    #[error("a sync of {0} is already running")]
    SyncBusy(String),

    /// The i'mport API call failed; `code()` passes the client's code through as `api_*`.
    #[error("i'mport: {0}")]
    Api(#[from] subdesk_iamport::Error),

    /// An internal invariant failed (a background task panicked, a poisoned lock).
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// Stable snake_case code; never changes meaning.
    pub fn code(&self) -> &'static str {
        match self {
            Error::DbCorrupt { .. } => "db_corrupt",
            Error::DbNewerVersion { .. } => "db_newer_version",
            Error::Migration { .. } => "db_migration_failed",
            Error::DbBusy => "db_busy",
            Error::Db(_) => "db_error",
            Error::Io { .. } => "io_error",
            Error::NotFound { .. } => "not_found",
            Error::InvalidInput { .. } => "invalid_input",
            Error::SyncBusy(_) => "sync_busy",
            Error::Internal(_) => "internal",
            Error::Api(e) => match e.code() {
                "unauthorized" => "api_unauthorized",
                "not_found" => "api_not_found",
                "rejected" => "api_rejected",
                "declined" => "api_declined",
                "unconfirmed" => "api_unconfirmed",
                "transport" => "api_transport",
                "server_error" => "api_server_error",
                "decode" => "api_decode",
                "invalid_input" => "api_invalid_input",
                "invalid_config" => "api_invalid_config",
                _ => "api_error",
            },
        }
    }

    pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ffi::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Error::DbBusy,
            _ => Error::Db(e),
        }
    }
}

/// The shape errors take when they cross to the UI: `{code, message}`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct ErrorInfo {
    /// Stable code.
    pub code: String,
    /// English message for logs and as a fallback.
    pub message: String,
}

impl From<&Error> for ErrorInfo {
    fn from(e: &Error) -> Self {
        ErrorInfo {
            code: e.code().to_string(),
            message: e.to_string(),
        }
    }
}
