//! The one error type of this crate. Every variant has a stable [`ErrorCode`] (from
//! subdesk-codes; the UI translates the code, never the message) and an English message
//! without secrets.

use std::path::PathBuf;

use serde_json::{Value, json};
use subdesk_codes::ErrorCode;

/// Result alias used by every fallible function of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What the user should do when the Secret Service is missing; said in every
/// keyring error so the message stands on its own in a dialog or a terminal.
const KEYRING_HELP: &str = "start gnome-keyring (or another Secret Service such as KeePassXC) in your desktop session, unlock it, and restart Subdesk";

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A profile name is empty, too long or has control characters.
    #[error("invalid profile name: {reason}")]
    InvalidName {
        /// Which rule it broke.
        reason: String,
    },

    /// Another profile already has this name (compared case-insensitively).
    #[error("a profile named \"{name}\" already exists")]
    DuplicateName {
        /// The name as given.
        name: String,
    },

    /// The base URL is not an acceptable API address for this mode.
    #[error("invalid base URL: {reason}")]
    InvalidBaseUrl {
        /// Which rule it broke, as one of [`crate::BASE_URL_RULES`] (the UI translates it).
        rule: &'static str,
        /// The same in English.
        reason: String,
    },

    /// A tier code is not exactly 3 characters A–Z / 0–9.
    #[error("invalid tier code: a tier code is exactly 3 characters, A-Z or 0-9")]
    InvalidTier,

    /// The default PG is empty after trimming, too long, or has spaces/control chars.
    #[error("invalid default PG: {reason}")]
    InvalidDefaultPg {
        /// Which rule it broke.
        reason: String,
    },

    /// The time zone is not an IANA zone name such as `Asia/Seoul` or `UTC`.
    #[error("invalid time zone \"{zone}\": expected an IANA zone name such as Asia/Seoul")]
    InvalidTimeZone {
        /// The zone as given.
        zone: String,
    },

    /// The backup settings break a rule.
    #[error("invalid backup settings ({field}): {reason}")]
    InvalidBackupSettings {
        /// `folder`, `every` or `keep`.
        field: &'static str,
        /// Which rule it broke.
        reason: String,
    },

    /// The shared store settings break a rule.
    #[error("invalid shared store settings ({field}): {reason}")]
    InvalidSharedSettings {
        /// `url`, `every` or `password`.
        field: &'static str,
        /// Which rule it broke.
        reason: String,
    },

    /// The mode cannot be used here (a second sandbox, or a change of mode).
    #[error("invalid mode: {reason}")]
    InvalidMode {
        /// Why.
        reason: String,
    },

    /// imp_key or imp_secret is empty, too long or has control characters.
    #[error("invalid {field}: {reason}")]
    InvalidCredentials {
        /// `imp_key` or `imp_secret`.
        field: &'static str,
        /// Which rule it broke (never the value).
        reason: &'static str,
    },

    /// The new app-lock passphrase breaks a rule.
    #[error("invalid passphrase: {reason}")]
    InvalidPassphrase {
        /// Which rule it broke (never the value).
        reason: &'static str,
    },

    /// No profile has this id.
    #[error("no profile with id \"{id}\"")]
    ProfileNotFound {
        /// The id asked for.
        id: String,
    },

    /// The built-in sandbox profile cannot be removed, and its mode, address and
    /// credentials are fixed.
    #[error("the built-in sandbox profile {what}")]
    SandboxProtected {
        /// What was refused, as the end of a sentence.
        what: &'static str,
    },

    /// profiles.json exists but is not a valid profiles file. It was left untouched.
    #[error(
        "the profiles file {} is damaged ({reason}); it was left as it is. Fix it by hand, or reset it (the damaged file is then kept beside it as profiles.json.corrupt-<time>)",
        path.display()
    )]
    ProfilesCorrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },

    /// lock.json exists but is not a valid lock file. It was left untouched.
    #[error("the app-lock file {} is damaged ({reason}); it was left as it is", path.display())]
    LockFileCorrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },

    /// The file was written by a newer Subdesk; this version will not overwrite it.
    #[error(
        "{} was written by a newer version of Subdesk (format {found}, this version reads up to {supported}); update Subdesk",
        path.display()
    )]
    UnsupportedVersion {
        /// The file.
        path: PathBuf,
        /// Its format version.
        found: u64,
        /// The newest this build understands.
        supported: u64,
    },

    /// Reading or writing a file failed.
    #[error("could not {op} {}: {source}", path.display())]
    Io {
        /// What was being done (`read`, `write`, `lock`, …).
        op: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },

    /// There is no OS keyring to talk to: no session bus, or no Secret Service on it.
    #[error("the system keyring is not available ({detail}): {KEYRING_HELP}")]
    KeyringUnavailable {
        /// What the keyring library reported.
        detail: String,
    },

    /// The keyring is there but locked, or access was refused (a dismissed prompt).
    #[error(
        "the system keyring is locked or refused access ({detail}): unlock it (for GNOME: open \"Passwords and Keys\" and unlock the Login keyring) and try again"
    )]
    KeyringLocked {
        /// What the keyring library reported.
        detail: String,
    },

    /// Any other keyring failure.
    #[error("the system keyring failed: {detail}")]
    KeyringError {
        /// What the keyring library reported.
        detail: String,
    },

    /// No (or incomplete) credentials are stored for this profile.
    #[error(
        "no i'mport credentials are saved for profile \"{profile_id}\"; enter imp_key and imp_secret in the profile's settings"
    )]
    CredentialsNotSet {
        /// The profile.
        profile_id: String,
    },

    /// The app lock has no passphrase.
    #[error("no app-lock passphrase is set")]
    LockNotSet,

    /// The passphrase does not match.
    #[error("wrong passphrase")]
    WrongPassphrase,

    /// The profile is read-only (finance role) and the action is not a read.
    #[error("profile \"{profile_id}\" is read-only: {action} actions are not allowed")]
    ReadOnly {
        /// The profile.
        profile_id: String,
        /// The refused action kind (snake_case).
        action: &'static str,
    },

    /// A read-only role without an app lock protects nothing: anyone could lift it. So
    /// the role is set only while a passphrase exists, and the passphrase is not removed
    /// while a profile is read-only.
    #[error("{what}: a read-only role protects nothing without an app-lock passphrase")]
    ReadOnlyNeedsLock {
        /// What was refused, as the start of a sentence.
        what: &'static str,
    },

    /// This change needs the app-lock passphrase typed with it, even in an unlocked app.
    #[error("enter the app-lock passphrase to {what}")]
    PassphraseRequired {
        /// What the passphrase allows, as the end of a sentence.
        what: &'static str,
    },

    /// The app is locked and the lock guards this action.
    #[error("Subdesk is locked: enter the passphrase to {what}")]
    AppLocked {
        /// What unlocking would allow, as the end of a sentence.
        what: &'static str,
    },

    /// The connection test failed; see [`ConnectionFailure`] for the kinds.
    #[error("{message}")]
    Connection {
        /// Why, sorted by what the user can do.
        failure: ConnectionFailure,
        /// The i'mport client's own stable code (e.g. `transport`), passed through.
        client_code: &'static str,
        /// The client's message (the client never puts secrets in it).
        message: String,
    },
}

/// Why a connection test failed, sorted by what the user can do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionFailure {
    /// Wrong imp_key / imp_secret (HTTP 401/403).
    Unauthorized,
    /// Could not connect (DNS, refused, TLS, reset).
    Unreachable,
    /// Connected but no answer in time.
    Timeout,
    /// i'mport answered with HTTP 5xx.
    ServerError,
    /// i'mport refused the request (e.g. an unknown tier code).
    Rejected,
    /// HTTP 404: the address is not an i'mport API.
    NotFound,
    /// The answer was not i'mport's JSON.
    BadResponse,
    /// Anything else the client reported.
    Other,
}

impl ConnectionFailure {
    /// The stable code.
    pub fn code(self) -> ErrorCode {
        match self {
            ConnectionFailure::Unauthorized => ErrorCode::Unauthorized,
            ConnectionFailure::Unreachable => ErrorCode::Unreachable,
            ConnectionFailure::Timeout => ErrorCode::Timeout,
            ConnectionFailure::ServerError => ErrorCode::ServerError,
            ConnectionFailure::Rejected => ErrorCode::Rejected,
            ConnectionFailure::NotFound => ErrorCode::NotFound,
            ConnectionFailure::BadResponse => ErrorCode::BadResponse,
            ConnectionFailure::Other => ErrorCode::ConnectionFailed,
        }
    }
}

impl Error {
    /// A stable snake_case code for the UI to translate. Never changes meaning.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::InvalidName { .. } => ErrorCode::InvalidName,
            Error::DuplicateName { .. } => ErrorCode::DuplicateName,
            Error::InvalidBaseUrl { .. } => ErrorCode::InvalidBaseUrl,
            Error::InvalidTier => ErrorCode::InvalidTier,
            Error::InvalidDefaultPg { .. } => ErrorCode::InvalidDefaultPg,
            Error::InvalidTimeZone { .. } => ErrorCode::InvalidTimeZone,
            Error::InvalidMode { .. } => ErrorCode::InvalidMode,
            Error::InvalidBackupSettings { .. } => ErrorCode::InvalidBackupSettings,
            Error::InvalidSharedSettings { .. } => ErrorCode::InvalidSharedSettings,
            Error::InvalidCredentials { .. } => ErrorCode::InvalidCredentials,
            Error::InvalidPassphrase { .. } => ErrorCode::InvalidPassphrase,
            Error::ProfileNotFound { .. } => ErrorCode::ProfileNotFound,
            Error::SandboxProtected { .. } => ErrorCode::SandboxProtected,
            Error::ProfilesCorrupt { .. } => ErrorCode::ProfilesCorrupt,
            Error::LockFileCorrupt { .. } => ErrorCode::LockFileCorrupt,
            Error::UnsupportedVersion { .. } => ErrorCode::UnsupportedVersion,
            Error::Io { .. } => ErrorCode::IoError,
            Error::KeyringUnavailable { .. } => ErrorCode::KeyringUnavailable,
            Error::KeyringLocked { .. } => ErrorCode::KeyringLocked,
            Error::KeyringError { .. } => ErrorCode::KeyringError,
            Error::CredentialsNotSet { .. } => ErrorCode::CredentialsNotSet,
            Error::LockNotSet => ErrorCode::LockNotSet,
            Error::WrongPassphrase => ErrorCode::WrongPassphrase,
            Error::ReadOnly { .. } => ErrorCode::ReadOnly,
            Error::ReadOnlyNeedsLock { .. } => ErrorCode::ReadOnlyNeedsLock,
            Error::PassphraseRequired { .. } => ErrorCode::PassphraseRequired,
            Error::AppLocked { .. } => ErrorCode::AppLocked,
            Error::Connection { failure, .. } => failure.code(),
        }
    }

    /// Structured facts for the UI (`{code, message, details}` across IPC): which field,
    /// which file, which client code. Never a secret.
    pub fn details(&self) -> Value {
        match self {
            Error::InvalidName { .. } | Error::DuplicateName { .. } => json!({"field": "name"}),
            Error::InvalidBaseUrl { rule, .. } => json!({"field": "base_url", "rule": rule}),
            Error::InvalidTier => json!({"field": "tier"}),
            Error::InvalidDefaultPg { .. } => json!({"field": "default_pg"}),
            Error::InvalidTimeZone { .. } => json!({"field": "time_zone"}),
            Error::InvalidMode { .. } => json!({"field": "mode"}),
            Error::InvalidBackupSettings { field, .. } => json!({
                "field": field,
                "min": crate::backups::KEEP_MIN,
                "max": crate::backups::KEEP_MAX,
            }),
            Error::InvalidCredentials { field, .. } => json!({"field": field}),
            Error::InvalidSharedSettings { field, .. } => json!({"field": field}),
            Error::InvalidPassphrase { .. } | Error::PassphraseRequired { .. } => {
                json!({"field": "passphrase"})
            }
            Error::ReadOnlyNeedsLock { .. } => json!({"field": "read_only"}),
            Error::ProfileNotFound { id } => json!({"profile_id": id}),
            Error::CredentialsNotSet { profile_id } => json!({"profile_id": profile_id}),
            Error::ReadOnly { profile_id, action } => {
                json!({"profile_id": profile_id, "action": action})
            }
            Error::ProfilesCorrupt { path, .. }
            | Error::LockFileCorrupt { path, .. }
            | Error::Io { path, .. } => json!({"path": path.display().to_string()}),
            Error::UnsupportedVersion {
                path,
                found,
                supported,
            } => {
                json!({"path": path.display().to_string(), "found": found, "supported": supported})
            }
            Error::Connection { client_code, .. } => json!({"client_code": client_code}),
            _ => Value::Null,
        }
    }

    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            op,
            path: path.into(),
            source,
        }
    }
}

/// `{code, message, details}`: the shape errors take across the IPC boundary.
impl serde::Serialize for Error {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Error", 3)?;
        st.serialize_field("code", &self.code())?;
        st.serialize_field("message", &self.to_string())?;
        st.serialize_field("details", &self.details())?;
        st.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// One value of every variant. The `match` has no wildcard, so adding a variant
    /// breaks the build here until it is added to the samples (and so is checked below).
    fn samples() -> Vec<Error> {
        let p = PathBuf::from("/x/profiles.json");
        let mut v = vec![
            Error::InvalidName { reason: "r".into() },
            Error::DuplicateName { name: "n".into() },
            Error::InvalidBaseUrl {
                rule: "scheme",
                reason: "r".into(),
            },
            Error::InvalidTier,
            Error::InvalidDefaultPg { reason: "r".into() },
            Error::InvalidTimeZone { zone: "z".into() },
            Error::InvalidMode { reason: "r".into() },
            Error::InvalidBackupSettings {
                field: "keep",
                reason: "r".into(),
            },
            Error::InvalidSharedSettings {
                field: "url",
                reason: "r".into(),
            },
            Error::InvalidCredentials {
                field: "imp_key",
                reason: "r",
            },
            Error::InvalidPassphrase { reason: "r" },
            Error::ProfileNotFound { id: "x".into() },
            Error::SandboxProtected { what: "w" },
            Error::ProfilesCorrupt {
                path: p.clone(),
                reason: "r".into(),
            },
            Error::LockFileCorrupt {
                path: p.clone(),
                reason: "r".into(),
            },
            Error::UnsupportedVersion {
                path: p.clone(),
                found: 9,
                supported: 1,
            },
            Error::io("read", p, std::io::Error::other("x")),
            Error::KeyringUnavailable { detail: "d".into() },
            Error::KeyringLocked { detail: "d".into() },
            Error::KeyringError { detail: "d".into() },
            Error::CredentialsNotSet {
                profile_id: "p".into(),
            },
            Error::LockNotSet,
            Error::WrongPassphrase,
            Error::ReadOnly {
                profile_id: "p".into(),
                action: "mutate",
            },
            Error::ReadOnlyNeedsLock { what: "w" },
            Error::PassphraseRequired { what: "w" },
            Error::AppLocked { what: "w" },
        ];
        for failure in [
            ConnectionFailure::Unauthorized,
            ConnectionFailure::Unreachable,
            ConnectionFailure::Timeout,
            ConnectionFailure::ServerError,
            ConnectionFailure::Rejected,
            ConnectionFailure::NotFound,
            ConnectionFailure::BadResponse,
            ConnectionFailure::Other,
        ] {
            v.push(Error::Connection {
                failure,
                client_code: "x",
                message: "m".into(),
            });
        }
        for e in &v {
            match e {
                Error::InvalidName { .. }
                | Error::DuplicateName { .. }
                | Error::InvalidBaseUrl { .. }
                | Error::InvalidTier
                | Error::InvalidDefaultPg { .. }
                | Error::InvalidTimeZone { .. }
                | Error::InvalidMode { .. }
                | Error::InvalidBackupSettings { .. }
                | Error::InvalidSharedSettings { .. }
                | Error::InvalidCredentials { .. }
                | Error::InvalidPassphrase { .. }
                | Error::ProfileNotFound { .. }
                | Error::SandboxProtected { .. }
                | Error::ProfilesCorrupt { .. }
                | Error::LockFileCorrupt { .. }
                | Error::UnsupportedVersion { .. }
                | Error::Io { .. }
                | Error::KeyringUnavailable { .. }
                | Error::KeyringLocked { .. }
                | Error::KeyringError { .. }
                | Error::CredentialsNotSet { .. }
                | Error::LockNotSet
                | Error::WrongPassphrase
                | Error::ReadOnly { .. }
                | Error::ReadOnlyNeedsLock { .. }
                | Error::PassphraseRequired { .. }
                | Error::AppLocked { .. }
                | Error::Connection { .. } => {}
            }
        }
        v
    }

    /// Each variant (and each kind of connection failure) has a code of its own: the UI
    /// tells the user something different for each.
    #[test]
    fn every_error_has_its_own_code() {
        let samples = samples();
        let returned: BTreeSet<ErrorCode> = samples.iter().map(Error::code).collect();
        assert_eq!(returned.len(), samples.len(), "{returned:?}");
    }

    #[test]
    fn serializes_as_code_message_details() {
        let v = serde_json::to_value(Error::InvalidTier).unwrap_or_default();
        assert_eq!(v["code"], "invalid_tier");
        assert_eq!(v["details"]["field"], "tier");
        assert!(
            v["message"]
                .as_str()
                .is_some_and(|m| m.contains("3 characters"))
        );
    }

    #[test]
    fn keyring_messages_say_what_to_do() {
        let e = Error::KeyringUnavailable {
            detail: "no bus".into(),
        };
        assert!(e.to_string().contains("start gnome-keyring"), "{e}");
        let e = Error::KeyringLocked {
            detail: "locked".into(),
        };
        assert!(e.to_string().contains("unlock"), "{e}");
    }
}
