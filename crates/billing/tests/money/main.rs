//! Money-movement tests against subdesk-sandbox over loopback: the journal,
//! charges, refunds, schedules, plans with dunning, bulk runs, reconciliation,
//! under injected faults.

mod basics;
mod bulk;
mod common;
mod faults;
mod plans;
