//! subdesk-billing: the application core. The local SQLite store is the registry
//! of a merchant's billing keys (the V1 API cannot list them) and the mirror of
//! payments and schedules that finance staff search offline. No Tauri here: the
//! app calls [`Store`] and the [`sync`] functions through thin commands.
//!
//! Modules have one job each: `db` (open, migrations, backups), `customers`,
//! `payments`, `schedules`, `search`, `audit`, `import`, `sync`, `error`.
//! Money moves through `journal` (every request written before it leaves),
//! `charge`, `refund`, `scheduling`, `plans` + `dunning`, `bulk`, and
//! `reconcile` (lookups decide what a lost answer did).

pub mod audit;
pub mod bulk;
pub mod charge;
pub mod customers;
pub mod db;
pub mod dunning;
pub mod error;
pub mod export;
pub mod import;
pub mod journal;
pub mod keys;
pub mod lease;
pub mod merchant_uid;
pub mod overview;
pub mod payments;
pub mod plans;
pub mod reconcile;
pub mod refund;
pub mod resync;
pub mod schedules;
pub mod scheduling;
pub mod search;
mod send;
pub mod sync;
pub(crate) mod text;

pub use audit::{AuditEntry, AuditPage, AuditProblem, AuditProblemKind, AuditVerification};
pub use bulk::{
    ExcludeReason, Excluded, RunControl, RunInfo, RunItem, RunOptions, RunPlan, RunProgress,
    RunReport, execute_run, export_csv, plan_csv_run, plan_plan_run,
};
pub use charge::{
    AgainCharge, BuyerInput, ChargeDetails, ChargeResult, ChargeStatus, OnetimeCharge,
    charge_again, charge_onetime,
};
pub use customers::{Customer, CustomerRecord, KeyStatus, validate_customer_uid};
pub use db::{
    BackupInfo, OpenOptions, Recovery, SCHEMA_VERSION, Store, list_backups, recover, restore_backup,
};
pub use dunning::DunningPolicy;
pub use error::{Error, ErrorInfo, Result};
pub use import::{
    BadRow, ImportChoice, ImportFormat, ImportPlan, ImportProblem, ImportResult, ImportRow,
};
pub use journal::{JournalEntry, JournalOp, JournalQuery, JournalState};
pub use lease::Lease;
pub use overview::Overview;
pub use payments::{
    CancelEntry, Payment, PaymentDetail, PaymentRecord, PaymentStatus, UpsertStats,
};
pub use plans::{
    CancelReport, EngineOptions, EngineReport, Interval, Period, PeriodRecord, Plan, PlanInput,
    Subscription, cancel_subscription, run_plans,
};
pub use reconcile::{ReconcileOptions, ReconcileReport, ResolvedEntry, reconcile, reconcile_with};
pub use refund::{RefundRequest, RefundResult, RefundStatus, refund};
pub use resync::ResyncStatus;
pub use schedules::{Schedule, SchedulePage, ScheduleQuery, ScheduleRecord, ScheduleStatus};
pub use scheduling::{
    ScheduleInput, ScheduleOpResult, ScheduleOpStatus, move_schedule, register_schedules,
    unschedule,
};
pub use search::{
    CustomerPage, CustomerQuery, CustomerSort, CustomerSortField, PaymentPage, PaymentQuery,
    SearchResults, SortDirection, TimeField,
};

#[doc(hidden)]
pub use db::migrations::migrate_to;

/// Now, Unix seconds UTC: the clock every time this crate records or checks. The app
/// and the CLI use it too, so "now" is read one way everywhere.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
