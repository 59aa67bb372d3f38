//! subdesk-billing: the application core. The local SQLite store is the registry
//! of a merchant's billing keys (the V1 API cannot list them) and the mirror of
//! payments and schedules that finance staff search offline. No Tauri here: the
//! app calls [`Store`] and the [`mirror::sync`] functions through thin commands.
//!
//! The crate is in four folders, one per capability, so a reader finds each in one
//! obvious place:
//! - [`store`]: the SQLite file itself — open, migrations, integrity, backups and
//!   recovery, the audit chain, leases, the resync mark;
//! - [`registry`]: the billing keys this app is the only list of — customers, key
//!   issue and delete, import, search;
//! - [`mirror`]: the local copy of i'mport's payments and schedules, the sync that
//!   keeps it (and the keys) current;
//! - [`money`]: everything that moves money — the journal every request is written
//!   to before it leaves, charge, refund, schedule operations, reconcile, bulk
//!   runs, plans and dunning, merchant_uids.
//!
//! Beside them: [`error`] (one error type and its codes, for every folder),
//! [`overview`] (the dashboard's numbers, read across all of them), [`csv_codec`]
//! (the one CSV reader and writer, for every CSV the product reads or writes), and
//! the crate-private text normalisation. The common types and functions are
//! re-exported here, so callers write `subdesk_billing::Store` and
//! `subdesk_billing::charge_again`.

pub mod csv_codec;
pub mod error;
pub mod mirror;
pub mod money;
pub mod overview;
pub mod registry;
pub mod store;
pub(crate) mod text;
pub mod triage;

pub use error::{Error, ErrorInfo, Result, SharedProblem};
pub use mirror::payments::{
    CancelEntry, Payment, PaymentDetail, PaymentRecord, PaymentStatus, UpsertStats,
};
pub use mirror::schedules::{
    Schedule, SchedulePage, ScheduleQuery, ScheduleRecord, ScheduleState, ScheduleStatus,
    ScheduleTotals, SpanTotals, StateTotal,
};
pub use money::bulk::{
    ExcludeReason, Excluded, RunControl, RunInfo, RunItem, RunOptions, RunPlan, RunProgress,
    RunReport, RunSummary, execute_run, export_csv, plan_csv_run, plan_plan_run,
};
pub use money::charge::{
    AgainCharge, BuyerInput, ChargeDetails, ChargeResult, ChargeStatus, OnetimeCharge, ProductType,
    charge_again, charge_onetime,
};
pub use money::decline::{Decline, DeclineClass, DeclineKind, classify};
pub use money::journal::{JournalEntry, JournalOp, JournalQuery, JournalState};
pub use money::plans::engine::{
    CancelReport, EngineOptions, SubscribeCharge, cancel_subscription, charge_first_period,
    pause_subscription, resume_subscription, run_plans,
};
pub use money::plans::records::{
    DunningEnd, DunningPolicy, EngineReport, Interval, Period, PeriodRecord, Plan, PlanEdit,
    PlanInput, PlanSummary, SubscribeOptions, Subscription,
};
pub use money::reconcile::{
    ReconcileOptions, ReconcileReport, ResolvedEntry, reconcile, reconcile_with,
};
pub use money::refund::{
    RefundRequest, RefundResult, RefundSplit, RefundStatus, refund, refund_split,
};
pub use money::scheduling::{
    ScheduleInput, ScheduleOpResult, ScheduleOpStatus, live_schedules, move_schedule,
    register_schedules, reschedule, retry_schedule, unschedule, unschedule_all,
};
pub use overview::{Overview, PlanRecurring};
pub use registry::customers::{Customer, CustomerRecord, KeyStatus, validate_customer_uid};
pub use registry::import::{
    BadRow, ImportChoice, ImportFormat, ImportPlan, ImportProblem, ImportResult, ImportRow,
};
pub use registry::search::{
    CustomerPage, CustomerQuery, CustomerSort, CustomerSortField, PaymentFacets, PaymentOpening,
    PaymentPage, PaymentQuery, PaymentTotals, PaymentWindow, SearchResults, SortDirection,
    TimeField,
};
pub use store::audit::{AuditEntry, AuditPage, AuditProblem, AuditProblemKind, AuditVerification};
pub use store::backups::{
    BackupContents, BackupInfo, BackupOwner, FolderBackup, inspect_backup, latest_in_folder,
    list_backups, list_folder_backups,
};
pub use store::db::{OpenOptions, SCHEMA_VERSION, Store};
pub use store::lease::Lease;
pub use store::recovery::{
    Recovery, recover, refresh_from_shared_copy, restore_backup, restore_from_folder,
};
pub use store::resync::ResyncStatus;
pub use store::shared::copy::{CopyProgress, SharedCopy, TableCopy};
pub use store::shared::{SHARED_SCHEMA_VERSION, SharedTarget};
/// The one rule for an amount a person typed (forms, CLI arguments, CSV cells).
pub use text::parse_amount;
pub use triage::{TriageAction, TriageCount, TriageEntry, TriageKind};

#[doc(hidden)]
pub use store::migrations::migrate_to;

/// Now, Unix seconds UTC: the clock every time this crate records or checks. The app
/// and the CLI use it too, so "now" is read one way everywhere.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
