//! The one error type of the core. Each error has a stable [`ErrorCode`] (defined in
//! subdesk-codes with every other front end's) that the UI translates.

use subdesk_codes::ErrorCode;

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

    /// The folder a backup goes to is missing or cannot be written. No file with a
    /// backup's final name was left behind.
    #[error("the backup folder {folder} cannot be used: {detail}")]
    BackupFolder {
        /// The folder.
        folder: String,
        /// What the file system said.
        detail: String,
    },

    /// A file offered for restore is not a usable backup of this profile. Nothing was
    /// replaced.
    #[error("{file} is not a usable backup: {reason}")]
    BackupNotUsable {
        /// The file.
        file: String,
        /// Why, in English, for logs.
        reason: String,
    },

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

    /// An earlier operation on the same item has no known outcome yet ("checking"):
    /// nothing new may be sent until reconciliation resolves it.
    #[error("an earlier {op} on {key} is still being checked; reconcile first")]
    Unresolved {
        /// `charge`, `refund` or `schedule`.
        op: &'static str,
        /// The merchant_uid (charges, schedules) or imp_uid (refunds).
        key: String,
    },

    /// A merchant_uid was reused for a different request (amount, customer, ...).
    #[error("{merchant_uid} was used for a different request")]
    MerchantUidConflict {
        /// The order id.
        merchant_uid: String,
    },

    /// The customer's billing key is not active (deleted, unknown, unverified).
    #[error("the billing key of {customer_uid} is not active ({status})")]
    KeyNotActive {
        /// Whose key.
        customer_uid: String,
        /// Its status in the registry.
        status: String,
    },

    /// Issuing on a customer_uid that already has a key would re-point it (the old key
    /// stays alive at the PG): refused unless the replacement is asked for explicitly.
    #[error(
        "{customer_uid} already has a billing key ({pg_provider} {card_number}); issuing would replace it, and the old key stays alive at the PG: confirm the replacement (--replace in the CLI)"
    )]
    KeyReplacesExisting {
        customer_uid: String,
        /// The key it would replace, as PortOne or the registry knows it.
        pg_provider: String,
        pg_id: String,
        card_name: String,
        /// Masked.
        card_number: String,
    },

    /// Asked whether the customer_uid has a key, i'mport refused to answer (not a 404):
    /// issuing might re-point a key, so it is refused unless the replacement is asked for.
    #[error(
        "i'mport did not say whether {customer_uid} already has a billing key ({message}); issuing may replace one, and an old key stays alive at the PG: confirm the replacement (--replace in the CLI)"
    )]
    KeyPresenceUnknown {
        customer_uid: String,
        /// i'mport's own answer (redacted), shown as it came.
        message: String,
    },

    /// The refund asks for more than the payment's refundable balance.
    #[error("refund of {requested} exceeds the refundable balance {balance}")]
    RefundExceedsBalance {
        /// What remains refundable.
        balance: i64,
        /// What was asked.
        requested: i64,
    },

    /// The refund's tax-free part is outside what the balance allows: more than the
    /// tax-free balance or the amount, or so little that the rest of the payment would
    /// hold more tax-free than money (a balance that could never be refunded).
    #[error("tax-free part {requested} of the refund must be between {min} and {max}")]
    RefundTaxFreeOutOfRange {
        /// The least tax-free part this amount may carry.
        min: i64,
        /// The most.
        max: i64,
        /// What was asked.
        requested: i64,
    },

    /// The payment cannot be refunded (not paid, or nothing left).
    #[error("payment {imp_uid} cannot be refunded: {reason}")]
    NotRefundable {
        /// The payment.
        imp_uid: String,
        /// Why.
        reason: String,
    },

    /// A payment (refund, schedule) exists under our order id that is not what we
    /// sent: a person decides before anything else is sent for that item.
    #[error(
        "order {merchant_uid} conflicts with what i'mport holds (journal {journal_id}); decide it first"
    )]
    Conflict {
        /// `charge`, `refund` or `schedule`.
        op: &'static str,
        /// The conflicting journal row.
        journal_id: i64,
        /// Its order id.
        merchant_uid: String,
    },

    /// Another process resolved or took over this request before it was sent.
    #[error("journal row {journal_id} was taken over by another process; nothing was sent")]
    TakenOver {
        /// The row.
        journal_id: i64,
    },

    /// The customer's previous charge, whose outcome the user was never told, went
    /// through. Nothing was charged now; asking again charges anew.
    #[error(
        "the earlier charge {merchant_uid} of {amount} won was paid ({imp_uid}); nothing was charged now"
    )]
    EarlierChargePaid {
        /// The earlier order.
        merchant_uid: String,
        /// Its payment.
        imp_uid: String,
        /// Its amount.
        amount: i64,
    },

    /// The same charge (customer, amount, name) was paid moments ago and this request
    /// names no order: refused as the same intent again. A new order id charges.
    #[error(
        "the same charge was paid at {at} as {merchant_uid} ({imp_uid}); give a new order id to charge again"
    )]
    RecentSameCharge {
        /// The paid order.
        merchant_uid: String,
        /// Its payment.
        imp_uid: String,
        /// When it was recorded, Unix seconds.
        at: i64,
    },

    /// The database was restored from a backup or started empty: money waits until
    /// a sync has brought back what i'mport did since `since`.
    #[error(
        "the database was replaced ({reason}); sync payments and schedules before moving money"
    )]
    NeedsSync {
        /// Unix seconds: what happened at i'mport after this is not known here.
        since: i64,
        /// `backup` or `empty`.
        reason: String,
    },

    /// An amount above what Subdesk sends in one request.
    #[error("{field} {amount} is above the maximum of {max} won")]
    AmountTooLarge {
        /// Which amount.
        field: String,
        /// What was asked.
        amount: i64,
        /// The maximum.
        max: i64,
    },

    /// Another process is doing this work now (a run, the plan engine, a reconciliation).
    #[error("{work} is being done by another process ({owner}) until {expires_at}")]
    Busy {
        /// The lease name.
        work: String,
        /// Who holds it.
        owner: String,
        /// When its lease runs out, Unix seconds.
        expires_at: i64,
    },

    /// This file (or plan period) was already run to the end.
    #[error(
        "run {run_id} with the same content is {state} already; allow a repeat to run it again"
    )]
    RunAlreadyDone {
        /// The earlier run.
        run_id: String,
        /// Its state.
        state: String,
    },

    /// A bulk run cannot do that in its current state (e.g. resume a completed run).
    /// The shared store could not be used; nothing of the step that failed was
    /// written to it.
    #[error("the shared store {target}: {detail}")]
    Shared {
        /// What kind of problem, for the code.
        problem: SharedProblem,
        /// `user@host:port/database`, never the password.
        target: String,
        /// What the server or the check said.
        detail: String,
    },

    #[error("run {run_id} is {state}; cannot {action}")]
    RunState {
        /// The run.
        run_id: String,
        /// Its state.
        state: String,
        /// What was asked.
        action: &'static str,
    },
}

/// Why the shared store (team mode) could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SharedProblem {
    /// No answer from the server (address, network, TLS).
    Unreachable,
    /// The server refused the user, its password or its rights, or has no such database.
    Refused,
    /// The shared store holds another store's records.
    NotOurs,
    /// The shared store was written by a newer Subdesk.
    Newer,
    /// A row could not be carried or did not arrive as it was sent.
    Mismatch,
    /// The server failed a statement for another reason.
    Failed,
    /// The person stopped the copy before it was committed: nothing was written.
    Stopped,
}

impl Error {
    /// The stable code the UI translates; never changes meaning.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::DbCorrupt { .. } => ErrorCode::DbCorrupt,
            Error::DbNewerVersion { .. } => ErrorCode::DbNewerVersion,
            Error::Migration { .. } => ErrorCode::DbMigrationFailed,
            Error::DbBusy => ErrorCode::DbBusy,
            Error::Db(_) => ErrorCode::DbError,
            Error::Io { .. } => ErrorCode::IoError,
            Error::BackupFolder { .. } => ErrorCode::BackupFolderUnavailable,
            Error::BackupNotUsable { .. } => ErrorCode::BackupNotUsable,
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::InvalidInput { .. } => ErrorCode::InvalidInput,
            Error::SyncBusy(_) => ErrorCode::SyncBusy,
            Error::Internal(_) => ErrorCode::Internal,
            Error::Unresolved { op, .. } => match *op {
                "refund" => ErrorCode::RefundUnresolved,
                "schedule" => ErrorCode::ScheduleUnresolved,
                _ => ErrorCode::ChargeUnresolved,
            },
            Error::MerchantUidConflict { .. } => ErrorCode::MerchantUidConflict,
            Error::KeyNotActive { .. } => ErrorCode::KeyNotActive,
            Error::KeyReplacesExisting { .. } => ErrorCode::KeyReplacesExisting,
            Error::KeyPresenceUnknown { .. } => ErrorCode::KeyPresenceUnknown,
            Error::RefundExceedsBalance { .. } => ErrorCode::RefundExceedsBalance,
            Error::RefundTaxFreeOutOfRange { .. } => ErrorCode::RefundTaxFreeOutOfRange,
            Error::NotRefundable { .. } => ErrorCode::NotRefundable,
            Error::RunState { .. } => ErrorCode::RunState,
            Error::Conflict { op, .. } => match *op {
                "refund" => ErrorCode::RefundConflict,
                "schedule" => ErrorCode::ScheduleConflict,
                _ => ErrorCode::ChargeConflict,
            },
            Error::TakenOver { .. } => ErrorCode::TakenOver,
            Error::EarlierChargePaid { .. } => ErrorCode::EarlierChargePaid,
            Error::RecentSameCharge { .. } => ErrorCode::RecentSameCharge,
            Error::NeedsSync { .. } => ErrorCode::NeedsSync,
            Error::AmountTooLarge { .. } => ErrorCode::AmountTooLarge,
            Error::Busy { .. } => ErrorCode::WorkBusy,
            Error::RunAlreadyDone { .. } => ErrorCode::RunAlreadyDone,
            Error::Shared { problem, .. } => match problem {
                SharedProblem::Unreachable => ErrorCode::SharedStoreUnreachable,
                SharedProblem::Refused => ErrorCode::SharedStoreRefused,
                SharedProblem::NotOurs => ErrorCode::SharedStoreNotOurs,
                SharedProblem::Newer => ErrorCode::SharedStoreNewer,
                SharedProblem::Mismatch => ErrorCode::SharedStoreMismatch,
                SharedProblem::Failed => ErrorCode::SharedStoreFailed,
                SharedProblem::Stopped => ErrorCode::SharedCopyStopped,
            },
            Error::Api(e) => match e.code() {
                "unauthorized" => ErrorCode::ApiUnauthorized,
                "not_found" => ErrorCode::ApiNotFound,
                "rejected" => ErrorCode::ApiRejected,
                "declined" => ErrorCode::ApiDeclined,
                "unconfirmed" => ErrorCode::ApiUnconfirmed,
                "transport" => ErrorCode::ApiTransport,
                "server_error" => ErrorCode::ApiServerError,
                "decode" => ErrorCode::ApiDecode,
                "invalid_input" => ErrorCode::ApiInvalidInput,
                "invalid_config" => ErrorCode::ApiInvalidConfig,
                "redirected" => ErrorCode::ApiRedirected,
                "response_too_large" => ErrorCode::ApiResponseTooLarge,
                "unrecognized_answer" => ErrorCode::ApiUnrecognizedAnswer,
                _ => ErrorCode::ApiError,
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
    pub code: ErrorCode,
    /// English message for logs and as a fallback.
    pub message: String,
}

impl From<&Error> for ErrorInfo {
    fn from(e: &Error) -> Self {
        ErrorInfo {
            code: e.code(),
            message: e.to_string(),
        }
    }
}
