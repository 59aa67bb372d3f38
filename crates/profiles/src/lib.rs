//! subdesk-profiles: merchant profiles and their credentials, shared by the desktop app
//! and the CLI so both use the same profiles file and the same keyring entries.
//!
//! ```no_run
//! # fn demo() -> subdesk_profiles::Result<()> {
//! use subdesk_profiles::*;
//!
//! let store = ProfileStore::open("/path/to/data")?; // creates the sandbox profile
//! let lock = AppLock::open("/path/to/data")?;
//! let admin = authorize_admin(&lock, None)?; // changing profiles: is the app unlocked?
//! let live = store.add(&ProfileInput::new("Gangnam store", Mode::Live), &admin)?;
//! let keys = CredentialStore::new(); // OS keyring, service "subdesk"
//! keys.save(&live, &Credentials::new("imp_key", SecretString::from("imp_secret")), &admin)?;
//!
//! authorize(&live, ActionKind::MoveMoney, &lock)?; // read-only? locked?
//! # Ok(()) }
//! ```
//!
//! Nothing secret touches disk: profiles.json and lock.json hold no credentials, and
//! imp_secret lives only in the OS keyring and in zeroizing memory.

mod backups;
mod connection;
mod credentials;
mod error;
mod fsutil;
mod guard;
mod lock;
mod profile;
mod shared;
mod store;

pub use backups::{BackupEvery, BackupSettings, KEEP_DEFAULT, KEEP_MAX, KEEP_MIN};
pub use connection::{ConnectionReport, PgChannel, test_connection};
pub use credentials::{
    CredentialStatus, CredentialStore, Credentials, KEYRING_SERVICE, SANDBOX_IMP_KEY,
    SANDBOX_IMP_SECRET,
};
pub use error::{ConnectionFailure, Error, Result};
pub use guard::{ActionKind, Admin, authorize, authorize_admin};
pub use lock::{AppLock, LOCK_FILE, LockSettings, LockStatus, PASSPHRASE_MIN_CHARS};
pub use profile::{
    BASE_URL_RULES, DEFAULT_BASE_URL, DEFAULT_TIME_ZONE, Mode, NAME_MAX_CHARS, Profile,
    ProfileInput, SANDBOX_ID, SANDBOX_NAME, api_address, validate_base_url, validate_default_pg,
    validate_name, validate_sandbox_url, validate_tier, validate_time_zone,
};
pub use secrecy::{ExposeSecret, SecretString};
pub use shared::{SHARED_URL_MAX_LEN, SharedDirection, SharedSettings};
pub use store::{FORMAT_VERSION, PROFILES_FILE, ProfileStore, check_reading_desk_change};
