//! Sync with i'mport: the billing-key registry (`keys`), payments (`payments`)
//! and schedules (`schedules`).
//!
//! All syncs report progress through a callback, stop between pages when their
//! [`CancelToken`] is cancelled, and write each page in one transaction. The
//! payment sync also writes its resume cursor in that transaction, so after a
//! crash it continues after the last committed page.
//!
//! The pieces the streams share are in `stream`; this module only gathers the
//! public face, so `mirror::sync::{CancelToken, sync_payments, ...}` reads well.

pub mod keys;
pub mod payments;
pub mod schedules;
pub(crate) mod stream;

pub use keys::{VerifyReport, VerifyScope, verify_keys};
pub use payments::{PaymentSyncOptions, refresh_customer_payments, sync_payments};
pub use schedules::{ScheduleSyncOptions, sync_schedules};
pub use stream::{CancelToken, ProgressFn, SyncOutcome, SyncProgress, SyncReport, SyncState};
