//! subdesk-billing: the application core. The local SQLite store is the registry
//! of a merchant's billing keys (the V1 API cannot list them) and the mirror of
//! payments and schedules that finance staff search offline. No Tauri here: the
//! app calls [`Store`] and the [`sync`] functions through thin commands.
//!
//! Modules have one job each: `db` (open, migrations, backups), `customers`,
//! `payments`, `schedules`, `search`, `audit`, `import`, `sync`, `error`.
//! The money journal (issue 6) will be a `journal` module beside these.

pub mod audit;
pub mod customers;
pub mod db;
pub mod error;
pub mod import;
pub mod overview;
pub mod payments;
pub mod schedules;
pub mod search;
pub mod sync;
mod text;

pub use audit::{AuditEntry, AuditPage, AuditProblem, AuditProblemKind, AuditVerification};
pub use customers::{Customer, CustomerRecord, KeyStatus, validate_customer_uid};
pub use db::{BackupInfo, OpenOptions, SCHEMA_VERSION, Store, list_backups, restore_backup};
pub use error::{Error, ErrorInfo, Result};
pub use import::{
    BadRow, ImportChoice, ImportFormat, ImportPlan, ImportProblem, ImportResult, ImportRow,
};
pub use overview::Overview;
pub use payments::{
    CancelEntry, Payment, PaymentDetail, PaymentRecord, PaymentStatus, UpsertStats,
};
pub use schedules::{Schedule, SchedulePage, ScheduleQuery, ScheduleRecord, ScheduleStatus};
pub use search::{
    CustomerPage, CustomerQuery, PaymentPage, PaymentQuery, SearchResults, TimeField,
};

#[doc(hidden)]
pub use db::migrations::migrate_to;

/// Now, Unix seconds UTC.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
