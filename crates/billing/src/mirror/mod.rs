//! The mirror: the local copy of what i'mport holds — payments and schedules — that
//! finance staff read and search offline, and the sync that keeps it (and the billing
//! keys' status) current. Exports of these lists are subdesk-desk's `exports`. What is
//! here is i'mport's truth as last seen; nothing in this folder sends money.

pub mod compare;
pub mod payments;
pub mod schedules;
pub mod settlement;
pub mod sync;
