//! subdesk-sandbox: an i'mport (PortOne V1) compatible HTTP server on loopback.
//!
//! It is Subdesk's no-account practice mode and the counterpart of every test in the
//! project. It defines its own wire types on purpose: nothing here is shared with the
//! client crate, so a mistake in one cannot hide behind the same mistake in the other.
//!
//! ```no_run
//! # async fn demo() -> Result<(), subdesk_sandbox::SandboxError> {
//! let sandbox = subdesk_sandbox::Sandbox::start(Default::default()).await?;
//! println!("{}", sandbox.base_url());
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```

pub mod auth;
pub mod cards;
pub mod charge;
pub mod clock;
pub mod error;
pub mod executor;
pub mod faults;
pub mod params;
pub mod pg;
pub mod reqlog;
pub mod routes;
pub mod seed;
pub mod server;
pub mod state;
pub mod store;
pub mod webhook;
pub mod window;
pub mod wire;

pub use cards::{CardBehaviour, TEST_CARDS, TestCard};
pub use error::SandboxError;
pub use faults::{FaultKind, FaultRule};
pub use server::{Sandbox, SandboxClock, SandboxConfig, parse_latency};
pub use window::{MERCHANT_CODE, PARAM_MAX_CHARS, REQUEST_PARAMS, WINDOW_PATH};

/// Default REST API key. Public on purpose: the sandbox holds no real money.
pub const DEFAULT_IMP_KEY: &str = "sandbox_imp_key";
/// Default REST API secret. Public on purpose: the sandbox holds no real money.
pub const DEFAULT_IMP_SECRET: &str = "sandbox_imp_secret";
