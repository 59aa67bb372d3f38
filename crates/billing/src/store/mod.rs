//! The store: the SQLite file and what keeps it trustworthy — opening it (integrity
//! check, migrations), backups and recovery, the hash-chained audit log every other
//! folder appends to, leases that keep two processes from doing one job, and the
//! resync mark that holds money back after a restore. Everything else in the crate
//! builds on [`db::Store`]; nothing here knows about customers, payments or money.

pub mod audit;
pub mod db;
pub mod lease;
pub(crate) mod migrations;
pub mod resync;
