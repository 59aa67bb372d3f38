//! subdesk-cli end to end: the built binary against a real sandbox on loopback, each
//! test in its own data folder. Assertions cover stdout (human and `--json`), the exit
//! code, and what the sandbox received (its request log).
//!
//! Tests marked "keyring" need a Secret Service: `make test` runs them inside
//! `dbus-run-session` with an unlocked gnome-keyring, under a private keyring service.

mod common;

mod customers;
mod exports;
mod keys;
mod money;
mod plans;
mod profiles;
mod report;
mod runs;
mod sandbox_cmd;
mod schedules;
mod store;
mod triage;
