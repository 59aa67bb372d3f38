//! subdesk-codes: every stable error code Subdesk reports, as one enum.
//!
//! The core crates (`subdesk-billing`, `subdesk-profiles`), the desktop shell and the
//! CLI all return an [`ErrorCode`]; the UI gets it as the TypeScript union `ErrorCode`
//! in `ui/src/bindings.ts` (feature `specta`) and keeps one Korean and one English text
//! per code, checked by `tsc`. A code is its snake_case string on every wire (IPC,
//! `--json`, the journal's `error_code` column): never rename or reuse one.
//!
//! ```
//! use subdesk_codes::ErrorCode;
//!
//! assert_eq!(ErrorCode::ChargeUnresolved.as_str(), "charge_unresolved");
//! assert_eq!("needs_sync".parse(), Ok(ErrorCode::NeedsSync));
//! assert!(ErrorCode::ALL.contains(&ErrorCode::Usage));
//! ```

use strum::VariantArray;

/// A stable error code: the same snake_case string on every wire. The doc of each
/// variant is what the user is told.
// `serde` and `strum` each turn the variant name into snake_case; a test checks that they
// agree for every code, so the string on the wire is the one `as_str` gives.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum ErrorCode {
    // Shared by several front ends and the core.
    /// Check the input (the message says which value and why).
    InvalidInput,
    /// An internal error (a bug or a failed background task); the message says what.
    Internal,
    /// A file could not be read or written.
    IoError,
    /// The thing asked for (customer, payment, backup, ...) was not found.
    NotFound,
    /// No profile has this name or id.
    ProfileNotFound,
    /// Subdesk is locked: enter the app-lock passphrase to unlock it.
    AppLocked,
    /// The form has problems; `details.problems` says which field broke which rule.
    InvalidForm,

    // The desktop shell's own.
    /// The settings file cannot be used: check disk space and permissions.
    SettingsUnavailable,
    /// This link cannot be opened: Subdesk opens only https links to documentation it knows.
    LinkNotAllowed,
    /// The built-in sandbox is not running: restart the app.
    SandboxUnavailable,
    /// Only the sandbox profile has this (its practice clock): switch to it.
    SandboxOnly,
    /// This profile has no API keys: enter imp_key and imp_secret in Settings.
    CredentialsMissing,
    /// No profile is open: choose one.
    NoSession,
    /// The command is not in Subdesk's registry, or does not name what it acts on.
    CommandNotAllowed,
    /// A live charge or refund goes through only after the user confirms its total.
    LiveConfirmationRequired,
    /// The profile's database opens normally: there is nothing to recover.
    DbNotDamaged,
    /// The import to apply is no longer waiting (another was read since, or the profile
    /// changed): choose the file again. Nothing was imported.
    ImportPlanGone,
    /// The file is larger than Subdesk reads (details: `max_mb`): split it.
    FileTooLarge,
    /// The file is not text in UTF-8 or CP949 (an .xlsx, an image): save it as CSV.
    FileNotText,
    /// The file cannot be opened: it is missing or may not be read.
    FileUnreadable,
    /// A character of the list cannot be written in CP949 (details: `character`, `row`,
    /// `column`): export as CSV (UTF-8) or Excel instead. Nothing was written.
    ExportUnencodable,
    /// An export was asked for a column its list does not have (details: `column`,
    /// `known`).
    ExportUnknownColumn,
    /// An export is already running: wait for it or stop it.
    ExportBusy,

    // subdesk-billing: the store.
    /// The database file is damaged; the latest backup can be restored.
    DbCorrupt,
    /// The database was made by a newer Subdesk: update Subdesk.
    DbNewerVersion,
    /// The database could not be upgraded; it was left at its previous version.
    DbMigrationFailed,
    /// The database is busy with another task: try again in a moment.
    DbBusy,
    /// Any other database error.
    DbError,
    /// A sync of the same stream is already running.
    SyncBusy,
    /// The backup folder is missing or cannot be written (details: `folder`): check that
    /// the drive or NAS is connected, or choose another folder. No backup file was left
    /// half written; the next scheduled time tries again.
    BackupFolderUnavailable,
    /// The file is not a usable backup of this profile (damaged, cut short, another
    /// profile's or a newer Subdesk's; details: `reason`). Nothing was replaced.
    BackupNotUsable,
    /// The shared store's server did not answer (details: `target`): check the address,
    /// the network and that the server is running. Nothing was written to it.
    SharedStoreUnreachable,
    /// No shared store address is saved for this profile: enter the server's address in
    /// Settings (or give one with `--to`/`--from`).
    SharedStoreNotChosen,
    /// A refresh from the shared store was asked of a profile that does not show the
    /// shared store's copy (it is not read-only, or its settings copy into the server).
    NotAReadingDesk,
    /// The shared store's server refused the user, its password or its rights, or has no
    /// such database (details: `target`). Nothing was written to it.
    SharedStoreRefused,
    /// The shared store holds another store's records, or records other desks wrote after
    /// this store was copied (details: `target`). Nothing was copied.
    SharedStoreNotOurs,
    /// The shared store was written by a newer Subdesk: update this one. Nothing was
    /// written to it.
    SharedStoreNewer,
    /// A row could not be carried to the shared store as it is, or did not arrive as it
    /// was sent (details: `table`-level text). Nothing was copied.
    SharedStoreMismatch,
    /// The shared store's server failed for another reason; nothing of the step was
    /// written to it.
    SharedStoreFailed,
    /// The copy into the shared store was stopped before it was committed: nothing was
    /// written to the server.
    SharedCopyStopped,

    // subdesk-billing: money.
    /// This charge's outcome is being checked; it cannot be charged again until then.
    ChargeUnresolved,
    /// This refund's outcome is being checked; it cannot be sent again until then.
    RefundUnresolved,
    /// This schedule's outcome is being checked.
    ScheduleUnresolved,
    /// The key still has schedules waiting at i'mport that could not be revoked: it was
    /// kept, so no schedule is left charging a deleted key.
    KeyHasLiveSchedules,
    /// Another request already uses this order number (merchant_uid).
    MerchantUidConflict,
    /// The customer's billing key is not active: check it or issue a new one.
    KeyNotActive,
    /// This customer_uid already has a billing key: issuing on it re-points it to the new
    /// card, and the old key stays alive at the PG. Confirm the replacement explicitly.
    KeyReplacesExisting,
    /// i'mport refused to say whether this customer_uid has a billing key (an answer other
    /// than "not found"): issuing could re-point a key nobody can see. Confirm explicitly.
    KeyPresenceUnknown,
    /// The refund is larger than what is left of the payment.
    RefundExceedsBalance,
    /// The refund's tax-free part does not fit the payment's tax-free balance.
    RefundTaxFreeOutOfRange,
    /// This payment cannot be refunded.
    NotRefundable,
    /// This payment cannot be charged again from here: only a failed charge of an active
    /// billing key can (a plan's period is retried by its plan).
    NotRetryable,
    /// A bulk run cannot do this in its current state.
    RunState,
    /// i'mport holds another payment under this order number: decide it first.
    ChargeConflict,
    /// i'mport's refund history does not match this request: decide it first.
    RefundConflict,
    /// i'mport holds another schedule under this order number: decide it first.
    ScheduleConflict,
    /// Another window or program handled this request first; nothing was sent.
    TakenOver,
    /// An earlier charge whose outcome the user was not told went through; nothing was
    /// charged now, and asking again charges anew.
    EarlierChargePaid,
    /// The same charge was paid moments ago; nothing was charged now.
    RecentSameCharge,
    /// The database was restored or started empty: money waits for a sync.
    NeedsSync,
    /// The amount is above what one charge or refund may be.
    AmountTooLarge,
    /// Another window or program is doing this work now: try again when it is done.
    WorkBusy,
    /// A bulk run with the same content has finished already; running it again charges
    /// everyone again.
    RunAlreadyDone,

    // subdesk-iamport's codes, as subdesk-billing gives them (`api_` + the client's code).
    /// i'mport refused the credentials: check imp_key and imp_secret.
    ApiUnauthorized,
    /// i'mport has no such record.
    ApiNotFound,
    /// i'mport refused the request (its message is shown as sent).
    ApiRejected,
    /// The card company declined the charge (its reason is shown as sent).
    ApiDeclined,
    /// The charge's outcome is not final yet: check it in Payments.
    ApiUnconfirmed,
    /// i'mport could not be reached: check the network.
    ApiTransport,
    /// i'mport had a server error: try again in a moment.
    ApiServerError,
    /// i'mport's answer could not be read.
    ApiDecode,
    /// A value sent to i'mport is not valid.
    ApiInvalidInput,
    /// The profile's API settings are not valid.
    ApiInvalidConfig,
    /// The API address tried to redirect; for safety it was not followed.
    ApiRedirected,
    /// i'mport's answer was too large to read; the outcome stays "checking".
    ApiResponseTooLarge,
    /// Something other than i'mport answered at the API address.
    ApiUnrecognizedAnswer,
    /// Any other i'mport error.
    ApiError,

    // subdesk-profiles.
    /// A profile name has 1 to 40 characters.
    InvalidName,
    /// A profile with this name exists already.
    DuplicateName,
    /// The API address is not valid for this mode (`details.rule` says which rule).
    InvalidBaseUrl,
    /// A tier code is 3 uppercase letters or digits.
    InvalidTier,
    /// The default PG is not valid.
    InvalidDefaultPg,
    /// Unknown time zone: use an IANA name such as Asia/Seoul.
    InvalidTimeZone,
    /// The backup settings break a rule (details: `field`, and `min`/`max` for `keep`):
    /// a folder is chosen before a schedule, and the number kept is in range.
    InvalidBackupSettings,
    /// The shared store settings break a rule (details: `field`): an address is saved
    /// before a schedule, and it is a plain address (the password goes in its own field).
    InvalidSharedSettings,
    /// This mode cannot be used for this profile.
    InvalidMode,
    /// Enter both the API key and the secret.
    InvalidCredentials,
    /// The new app-lock passphrase is too short or too long.
    InvalidPassphrase,
    /// The built-in sandbox profile cannot be changed or removed.
    SandboxProtected,
    /// profiles.json is damaged; it was left as it is.
    ProfilesCorrupt,
    /// The app-lock file (lock.json) is damaged; it was left as it is.
    LockFileCorrupt,
    /// The file was written by a newer Subdesk: update Subdesk.
    UnsupportedVersion,
    /// No OS keyring (Secret Service) was found: start one, unlock it, restart Subdesk.
    KeyringUnavailable,
    /// The OS keyring is locked: unlock it and try again.
    KeyringLocked,
    /// Any other keyring failure.
    KeyringError,
    /// No i'mport credentials are stored for this profile: enter them in its settings.
    CredentialsNotSet,
    /// No app-lock passphrase is set.
    LockNotSet,
    /// Wrong passphrase.
    WrongPassphrase,
    /// A read-only profile cannot change anything.
    ReadOnly,
    /// A read-only role needs an app-lock passphrase to mean anything.
    ReadOnlyNeedsLock,
    /// This change needs the app-lock passphrase typed with it.
    PassphraseRequired,
    /// Connection test: i'mport refused the API keys.
    Unauthorized,
    /// Connection test: the API address cannot be reached.
    Unreachable,
    /// Connection test: no answer in time.
    Timeout,
    /// Connection test: the server had an error; try again in a moment.
    ServerError,
    /// Connection test: i'mport refused the request (e.g. an unknown tier code).
    Rejected,
    /// Connection test: the answer was not i'mport's.
    BadResponse,
    /// Connection test: any other failure.
    ConnectionFailed,

    // subdesk-cli's own.
    /// The command line is not valid (clap's usage message follows).
    Usage,
    /// A date is not YYYY-MM-DD or an RFC 3339 time, or `--from` is after `--to`.
    InvalidDate,
    /// This computer's data folder cannot be found: set SUBDESK_DATA_DIR.
    NoDataDir,
    /// The sandbox profile needs a running sandbox: start one and pass `--sandbox-url`.
    SandboxUrlMissing,
    /// The address given with `--sandbox-url` is not valid.
    InvalidSandboxUrl,
    /// The sandbox did not start.
    SandboxFailed,
    /// Card data was given as arguments (it would stay in the shell's history): pipe it
    /// with `--card-stdin` instead.
    CardDataInArguments,
    /// The card given on standard input cannot be read.
    InvalidCardInput,
    /// No terminal to ask for the card: pipe it with `--card-stdin`.
    CardNeeded,
    /// No terminal to ask for imp_secret: pipe it with `--secret-stdin`.
    SecretNeeded,
    /// Not confirmed; nothing was sent.
    NotConfirmed,
    /// Some CSV rows of a bulk run cannot be read; nothing was charged.
    RunBadRows,
    /// Some CSV rows of an import cannot be read; nothing was imported.
    ImportBadRows,
    /// The audit log's chain is broken at an entry.
    AuditBroken,
}

impl ErrorCode {
    /// Every code, each once, in declaration order: for translation tables and tests. The
    /// derive builds it from the enum itself, so it cannot miss a variant.
    pub const ALL: &'static [ErrorCode] = <ErrorCode as VariantArray>::VARIANTS;

    /// The stable snake_case string: the same as its serde form and its `Display`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::str::FromStr;

    #[test]
    fn every_code_is_one_snake_case_string_on_every_wire() {
        let mut seen = BTreeSet::new();
        for &code in ErrorCode::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "{s} twice");
            assert!(
                !s.is_empty()
                    && !s.starts_with('_')
                    && !s.ends_with('_')
                    && !s.contains("__")
                    && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{s} is not snake_case"
            );
            assert_eq!(code.to_string(), s);
            assert_eq!(serde_json::to_value(code).ok(), Some(s.into()), "{code:?}");
            assert_eq!(
                serde_json::from_value::<ErrorCode>(s.into()).ok(),
                Some(code)
            );
            assert_eq!(ErrorCode::from_str(s), Ok(code));
        }
        assert_eq!(seen.len(), ErrorCode::ALL.len());
    }

    #[test]
    fn an_unknown_string_is_no_code() {
        assert!(ErrorCode::from_str("no_such_code").is_err());
        assert!(ErrorCode::from_str("Invalid_Input").is_err());
        assert!(serde_json::from_str::<ErrorCode>("\"unknown\"").is_err());
    }
}
