//! The one error shape of the service layer: `{code, message, details}`. The app sends it
//! over IPC as it is; the CLI prints it and picks its exit code from `code`.
//!
//! `code` is an [`ErrorCode`] (crates/codes), the shell's own codes among them; the UI
//! has a text for each (ui/src/i18n, checked by `tsc` against the generated union) and
//! shows `message` (English, never containing secrets) inside it or as a fallback.

use serde::Serialize;
pub use subdesk_codes::ErrorCode;

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct IpcError {
    pub code: ErrorCode,
    pub message: String,
    pub details: Option<serde_json::Value>,
}

impl IpcError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            details: None,
        }
    }

    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }

    pub fn invalid_input(field: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidInput, message)
            .with_details(serde_json::json!({ "field": field }))
    }

    /// `invalid_form`, every problem of the form at once in `details.problems` (the UI
    /// puts each under its field); `nothing` says what was not done ("sent", "written").
    pub fn invalid_form(
        problems: &[subdesk_billing::registry::keys::FieldProblem],
        nothing: &str,
    ) -> Self {
        let list: Vec<String> = problems
            .iter()
            .map(|p| format!("{}: {}", p.field, p.code))
            .collect();
        Self::new(
            ErrorCode::InvalidForm,
            format!("nothing was {nothing}: {}", list.join("; ")),
        )
        .with_details(serde_json::json!({ "problems": problems }))
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Internal, message)
    }
}

impl std::fmt::Display for IpcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for IpcError {}

pub type IpcResult<T> = Result<T, IpcError>;

impl From<subdesk_billing::Error> for IpcError {
    fn from(e: subdesk_billing::Error) -> Self {
        use subdesk_billing::Error as B;
        use subdesk_iamport::Error as A;
        let details = match &e {
            B::InvalidInput { field, .. } => Some(serde_json::json!({ "field": field })),
            B::BackupFolder { folder, .. } => Some(serde_json::json!({ "folder": folder })),
            B::BackupNotUsable { reason, .. } => Some(serde_json::json!({ "reason": reason })),
            B::Shared { target, .. } => Some(serde_json::json!({ "target": target })),
            // The limit is Rust's: the text shows the number it is given.
            B::AmountTooLarge { field, max, .. } => {
                Some(serde_json::json!({ "field": field, "max": max }))
            }
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
            // The bounds are Rust's: the text shows them.
            B::RefundTaxFreeOutOfRange { min, max, .. } => {
                Some(serde_json::json!({ "field": "tax_free", "min": min, "max": max }))
            }
            B::RecentSameCharge { merchant_uid, .. } => {
                Some(serde_json::json!({ "merchant_uid": merchant_uid }))
            }
            // The key it would replace, shown before the person confirms "replace".
            B::KeyReplacesExisting {
                customer_uid,
                pg_provider,
                pg_id,
                card_name,
                card_number,
            } => Some(serde_json::json!({
                "customer_uid": customer_uid,
                "pg_provider": pg_provider,
                "pg_id": pg_id,
                "card_name": card_name,
                "card_number": card_number,
            })),
            B::KeyPresenceUnknown {
                customer_uid,
                message,
            } => Some(serde_json::json!({ "customer_uid": customer_uid, "message": message })),
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
            code: e.code(),
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
            code: e.code(),
            message: e.to_string(),
            details: Some(e.details()),
        }
    }
}
