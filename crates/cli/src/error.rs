//! The CLI's one error type: a stable code (the core's, passed through), a message, and
//! the exit code a script branches on. Every core error is sorted here, in one place, so
//! the exit codes documented in the README and `--help` cannot drift per command.

use std::fmt;
use subdesk_codes::ErrorCode;

use serde::Serialize;
use subdesk_profiles::ConnectionFailure;

/// The documented exit codes. Scripts rely on these numbers: never renumber.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Exit {
    Ok = 0,
    Other = 1,
    BadInput = 2,
    Declined = 3,
    Unknown = 4,
    Unreachable = 5,
    Refused = 6,
}

impl Exit {
    pub fn code(self) -> u8 {
        self as u8
    }

    /// How a charge ended, as the exit code scripts read.
    pub fn of_charge(status: subdesk_billing::ChargeStatus) -> Exit {
        use subdesk_billing::ChargeStatus;
        match status {
            ChargeStatus::Paid => Exit::Ok,
            ChargeStatus::Declined => Exit::Declined,
            ChargeStatus::Unknown | ChargeStatus::Conflict => Exit::Unknown,
        }
    }
}

/// What `--help` and the README say about exit codes.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  other error (database, keyring, credentials refused, internal)
  2  bad input (usage, invalid values, bad CSV rows, card data in arguments, not found)
  3  declined (the card company or i'mport said no; its message is shown as sent)
  4  unknown outcome (an answer was lost: the request is \"checking\" until
     `journal reconcile` decides; running the same command again is safe: it
     is answered with that request's outcome first), or a conflict to decide
  5  unreachable (i'mport or the sandbox did not answer; nothing was executed)
  6  refused before sending (read-only role, app lock, live-mode confirmation)";

#[derive(Debug, Clone)]
pub struct CliError {
    pub code: ErrorCode,
    pub message: String,
    pub exit: Exit,
    /// Extra facts for `--json` (bad rows, form problems); never secrets.
    pub details: Option<serde_json::Value>,
}

pub type CliResult<T> = Result<T, CliError>;

impl CliError {
    pub fn new(exit: Exit, code: ErrorCode, message: impl Into<String>) -> Self {
        CliError {
            code,
            message: message.into(),
            exit,
            details: None,
        }
    }

    pub fn bad_input(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(Exit::BadInput, code, message)
    }

    pub fn other(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(Exit::Other, code, message)
    }

    pub fn refused(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(Exit::Refused, code, message)
    }

    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }

    pub fn io(what: &str, e: std::io::Error) -> Self {
        Self::other(ErrorCode::IoError, format!("{what}: {e}"))
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The exit code of a core error, sorted by its code.
fn billing_exit(e: &subdesk_billing::Error) -> Exit {
    if let subdesk_billing::Error::Api(api) = e
        && api.outcome_unknown()
    {
        return Exit::Unknown;
    }
    code_exit(e.code())
}

/// The exit code of an error code: one table for every error the CLI prints, checked by
/// the compiler against the one ErrorCode enum.
fn code_exit(code: ErrorCode) -> Exit {
    use ErrorCode as C;
    match code {
        C::InvalidInput
        | C::InvalidForm
        | C::NotFound
        | C::KeyNotActive
        | C::MerchantUidConflict
        | C::AmountTooLarge
        | C::RunAlreadyDone
        | C::RefundExceedsBalance
        | C::RefundTaxFreeOutOfRange
        | C::NotRefundable
        | C::NotRetryable
        | C::RunState
        | C::ApiInvalidInput
        | C::ApiNotFound => Exit::BadInput,
        C::ApiDeclined | C::ApiRejected => Exit::Declined,
        C::ChargeUnresolved
        | C::RefundUnresolved
        | C::ScheduleUnresolved
        | C::KeyHasLiveSchedules
        | C::ApiUnconfirmed
        | C::ChargeConflict
        | C::RefundConflict
        | C::ScheduleConflict => Exit::Unknown,
        // Nothing was sent: the earlier charge's outcome is the news.
        C::EarlierChargePaid
        | C::RecentSameCharge
        | C::NeedsSync
        | C::WorkBusy
        | C::KeyReplacesExisting
        | C::KeyPresenceUnknown => Exit::Refused,
        C::ApiRedirected | C::ApiUnrecognizedAnswer => Exit::Unreachable,
        C::ApiTransport | C::ApiServerError => Exit::Unreachable,
        C::SharedStoreUnreachable => Exit::Unreachable,
        C::SharedStoreRefused | C::SharedStoreNotOurs | C::SharedStoreNewer => Exit::Refused,
        C::ReadOnly
        | C::AppLocked
        | C::WrongPassphrase
        | C::ReadOnlyNeedsLock
        | C::PassphraseRequired
        | C::LiveConfirmationRequired => Exit::Refused,
        C::InvalidName
        | C::DuplicateName
        | C::InvalidBaseUrl
        | C::InvalidTier
        | C::InvalidDefaultPg
        | C::InvalidTimeZone
        | C::InvalidMode
        | C::InvalidCredentials
        | C::InvalidPassphrase
        | C::ProfileNotFound
        | C::SandboxProtected
        | C::FileTooLarge
        | C::FileNotText
        | C::FileUnreadable
        | C::ExportUnencodable
        | C::ExportUnknownColumn
        | C::InvalidBackupSettings
        | C::InvalidSharedSettings
        | C::SharedStoreNotChosen
        | C::NotAReadingDesk
        | C::BackupNotUsable => Exit::BadInput,
        C::ExportBusy => Exit::Refused,
        _ => Exit::Other,
    }
}

/// The service layer's errors (the money policy, sessions): exit code from the code, and
/// an answer that may have executed is "unknown" whatever its code.
impl From<subdesk_desk::IpcError> for CliError {
    fn from(e: subdesk_desk::IpcError) -> Self {
        let outcome_unknown = e
            .details
            .as_ref()
            .and_then(|d| d.get("outcome_unknown"))
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false);
        let exit = match outcome_unknown {
            true => Exit::Unknown,
            false => code_exit(e.code),
        };
        CliError {
            code: e.code,
            message: e.message,
            exit,
            details: e.details,
        }
    }
}

impl From<subdesk_billing::Error> for CliError {
    fn from(e: subdesk_billing::Error) -> Self {
        let exit = billing_exit(&e);
        let mut err = CliError::new(exit, e.code(), e.to_string());
        if let subdesk_billing::Error::InvalidInput { field, .. } = &e {
            err.details = Some(serde_json::json!({ "field": field }));
        }
        err
    }
}

impl From<subdesk_iamport::Error> for CliError {
    fn from(e: subdesk_iamport::Error) -> Self {
        subdesk_billing::Error::Api(e).into()
    }
}

impl From<subdesk_profiles::Error> for CliError {
    fn from(e: subdesk_profiles::Error) -> Self {
        use subdesk_profiles::Error as P;
        let exit = match &e {
            P::ReadOnly { .. }
            | P::AppLocked { .. }
            | P::WrongPassphrase
            | P::ReadOnlyNeedsLock { .. }
            | P::PassphraseRequired { .. } => Exit::Refused,
            P::InvalidName { .. }
            | P::DuplicateName { .. }
            | P::InvalidBaseUrl { .. }
            | P::InvalidTier
            | P::InvalidDefaultPg { .. }
            | P::InvalidTimeZone { .. }
            | P::InvalidMode { .. }
            | P::InvalidCredentials { .. }
            | P::InvalidPassphrase { .. }
            | P::ProfileNotFound { .. }
            | P::SandboxProtected { .. } => Exit::BadInput,
            P::Connection { failure, .. } => match failure {
                ConnectionFailure::Unreachable
                | ConnectionFailure::Timeout
                | ConnectionFailure::ServerError => Exit::Unreachable,
                ConnectionFailure::Rejected => Exit::Declined,
                _ => Exit::Other,
            },
            _ => Exit::Other,
        };
        let details = e.details();
        let mut err = CliError::new(exit, e.code(), e.to_string());
        if !details.is_null() && details.as_object().is_none_or(|o| !o.is_empty()) {
            err.details = Some(details);
        }
        err
    }
}
