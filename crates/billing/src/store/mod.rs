//! The store: the SQLite file and what keeps it trustworthy — opening it (integrity
//! check, migrations), backups and recovery, the hash-chained audit log every other
//! folder appends to, leases that keep two processes from doing one job, and the
//! resync mark that holds money back after a restore. Everything else in the crate
//! builds on [`db::Store`]; nothing here knows about customers, payments or money.
//!
//! Inside, the modules stack without a loop: `audit` (the chain) and `backups` work
//! on bare connections and paths; `integrity` checks a file (naming the newest
//! backup when it is bad); `db` opens a [`db::Store`] with all three; `lease` and
//! `resync` are kept in a store; `recovery` replaces the file, opens a store on it
//! and sets the resync mark.

pub mod audit;
pub mod backups;
pub mod db;
pub(crate) mod integrity;
pub mod lease;
pub(crate) mod migrations;
pub mod recovery;
pub mod resync;
pub mod shared;
