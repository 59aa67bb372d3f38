//! Money-movement tests against subdesk-sandbox over loopback: the journal,
//! charges, refunds, schedules, plans with dunning, bulk runs, reconciliation,
//! under injected faults.

mod basics;
mod bulk;
mod common;
mod dunning;
mod exactly_once;
mod faults;
mod plans;
mod recovery;
mod settlement;
mod shared_copy;
