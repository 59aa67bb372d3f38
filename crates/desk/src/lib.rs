//! subdesk-desk: what the desktop app and subdesk-cli both are, minus their front ends.
//!
//! - [`Desk`] holds the profiles, their keyring credentials and the app lock, and opens a
//!   profile's [`Session`] (its database and an i'mport client) — the app keeps one current
//!   session that follows profiles.json; the CLI opens one per command.
//! - Authorization is asked of the session's own profile ([`Desk::session_for`]) or of the
//!   profile a command names, never of "the active profile" in general.
//! - [`money`] is the money policy both front ends run: validation before any request,
//!   the live confirmation of the exact total, buyer fields from the registry, and
//!   reconciliation before new money moves.
//! - [`schedules`] is schedule management (register, move, revoke, retry, reschedule,
//!   a key's deletion with its schedules revoked first) and the calendar, with dates read
//!   and days cut in the profile's time zone.
//! - [`triage`] is the queue of what needs a person (failed charges and schedules,
//!   unknown or conflicting journal rows, keys unknown at i'mport, cards about to expire)
//!   with each entry's actions.
//! - [`runs`] is bulk runs: a CSV or a plan's period planned (the dry run), executed,
//!   paused, resumed after a crash, cancelled, with the live confirmation of the total.
//! - [`IpcError`] is the one error shape both front ends show: a stable code, an English
//!   message free of secrets, and details.
//!
//! The front ends stay thin: src-tauri's commands and the CLI's subcommands parse their
//! input, call in here, and present the result.

pub mod backups;
pub mod dashboard;
pub mod dates;
pub mod desk;
pub mod error;
pub mod exports;
pub mod files;
pub mod keys;
pub mod money;
pub mod paths;
pub mod plans;
pub mod practice;
pub mod reconciliation;
pub mod runs;
pub mod schedules;
pub mod session;
pub mod settlement;
pub mod shared;
pub mod triage;
pub mod zone;

pub use desk::{Desk, DeskConfig, DeskHost};
pub use error::{ErrorCode, IpcError, IpcResult};
pub use paths::DataDir;
pub use session::Session;
