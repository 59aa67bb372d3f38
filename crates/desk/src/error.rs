//! The one error shape of the service layer: `{code, message, details}`. The app sends it
//! over IPC as it is; the CLI prints it and picks its exit code from `code`.
//!
//! `code` is stable and machine-readable; the UI translates it (see ui/src/i18n) and
//! falls back to `message` (English, never containing secrets) for codes it does not know.

use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct IpcError {
    pub code: String,
    pub message: String,
    pub details: Option<serde_json::Value>,
}

impl IpcError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            message: message.into(),
            details: None,
        }
    }

    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }

    pub fn invalid_input(field: &str, message: impl Into<String>) -> Self {
        Self::new(codes::INVALID_INPUT, message).with_details(serde_json::json!({ "field": field }))
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(codes::INTERNAL, message)
    }
}

impl std::fmt::Display for IpcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for IpcError {}

/// Codes produced by the service layer and the app's shell. Codes from subdesk-billing and subdesk-iamport pass
/// through unchanged.
pub mod codes {
    pub const INVALID_INPUT: &str = "invalid_input";
    pub const INTERNAL: &str = "internal";
    pub const SETTINGS_UNAVAILABLE: &str = "settings_unavailable";
    pub const LINK_NOT_ALLOWED: &str = "link_not_allowed";
    pub const SANDBOX_UNAVAILABLE: &str = "sandbox_unavailable";
    pub const PROFILE_NOT_FOUND: &str = "profile_not_found";
    pub const CREDENTIALS_MISSING: &str = "credentials_missing";
    pub const NO_SESSION: &str = "no_session";
    pub const INVALID_FORM: &str = "invalid_form";
    pub const COMMAND_NOT_ALLOWED: &str = "command_not_allowed";
    pub const LIVE_CONFIRMATION_REQUIRED: &str = "live_confirmation_required";
    pub const DB_NOT_DAMAGED: &str = "db_not_damaged";
    pub const FILE_TOO_LARGE: &str = "file_too_large";
    pub const FILE_NOT_TEXT: &str = "file_not_text";
    pub const FILE_UNREADABLE: &str = "file_unreadable";

    /// Every code the shell can emit, so a test can check that the UI translates each one.
    pub const ALL: &[&str] = &[
        INVALID_INPUT,
        INTERNAL,
        SETTINGS_UNAVAILABLE,
        LINK_NOT_ALLOWED,
        SANDBOX_UNAVAILABLE,
        PROFILE_NOT_FOUND,
        CREDENTIALS_MISSING,
        NO_SESSION,
        INVALID_FORM,
        COMMAND_NOT_ALLOWED,
        LIVE_CONFIRMATION_REQUIRED,
        DB_NOT_DAMAGED,
        FILE_TOO_LARGE,
        FILE_NOT_TEXT,
        FILE_UNREADABLE,
    ];
}

pub type IpcResult<T> = Result<T, IpcError>;

/// Every error code the UI may receive: the shell's own and those of the core crates.
pub fn all_codes() -> Vec<&'static str> {
    let mut all = codes::ALL.to_vec();
    let core = subdesk_billing::error::ALL_CODES
        .iter()
        .chain(subdesk_profiles::ALL_CODES);
    for code in core {
        if !all.contains(code) {
            all.push(code);
        }
    }
    all
}

impl From<subdesk_billing::Error> for IpcError {
    fn from(e: subdesk_billing::Error) -> Self {
        use subdesk_billing::Error as B;
        use subdesk_iamport::Error as A;
        let details = match &e {
            B::InvalidInput { field, .. } => Some(serde_json::json!({ "field": field })),
            B::Api(A::Rejected { code, .. }) => Some(serde_json::json!({ "api_code": code })),
            // The request may have executed although no answer says so: a front end must
            // treat it as "checking", never as failed.
            B::Api(api) if api.outcome_unknown() => {
                Some(serde_json::json!({ "outcome_unknown": true }))
            }
            // The money refusals name the order they are about, so the UI can offer to
            // check it now or show it.
            B::Unresolved { key, .. } => Some(serde_json::json!({ "merchant_uid": key })),
            B::Conflict {
                journal_id,
                merchant_uid,
                ..
            } => {
                Some(serde_json::json!({ "journal_id": journal_id, "merchant_uid": merchant_uid }))
            }
            B::EarlierChargePaid {
                merchant_uid,
                amount,
                ..
            } => Some(serde_json::json!({ "merchant_uid": merchant_uid, "amount": amount })),
            B::RecentSameCharge { merchant_uid, .. } => {
                Some(serde_json::json!({ "merchant_uid": merchant_uid }))
            }
            // The UI offers the backup by name (or an empty start when there is none).
            B::DbCorrupt { latest_backup, .. } => Some(serde_json::json!({
                "latest_backup": latest_backup.as_deref().map(|p| {
                    std::path::Path::new(p)
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default()
                })
            })),
            _ => None,
        };
        // The UI puts `message` into a translated sentence ("i'mport refused the request:
        // {message}"), so refusals and declines carry only what i'mport or the card company
        // said, shown verbatim as the sources advise.
        let message = match &e {
            B::Api(A::Rejected {
                message: Some(m), ..
            }) => m.clone(),
            B::Api(A::Declined {
                fail_reason: Some(r),
                ..
            }) => r.clone(),
            _ => e.to_string(),
        };
        Self {
            code: e.code().to_owned(),
            message,
            details,
        }
    }
}

/// Client errors get the same `api_` codes subdesk-billing gives them, so the UI has one
/// table of texts whichever crate the error came through.
impl From<subdesk_iamport::Error> for IpcError {
    fn from(e: subdesk_iamport::Error) -> Self {
        subdesk_billing::Error::Api(e).into()
    }
}

impl From<subdesk_profiles::Error> for IpcError {
    fn from(e: subdesk_profiles::Error) -> Self {
        Self {
            code: e.code().to_owned(),
            message: e.to_string(),
            details: Some(e.details()),
        }
    }
}
