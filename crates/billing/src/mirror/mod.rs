//! The mirror: the local copy of what i'mport holds — payments and schedules — that
//! finance staff read and search offline, the sync that keeps it (and the billing
//! keys' status) current, and its CSV export. What is here is i'mport's truth as last
//! seen; nothing in this folder sends money.

pub mod export;
pub mod payments;
pub mod schedules;
pub mod settlement;
pub mod sync;
