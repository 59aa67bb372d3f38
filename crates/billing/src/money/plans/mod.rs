//! Recurring plans: what is recorded about plans, subscriptions and periods
//! ([`records`]), the engine that keeps periods scheduled and cancels subscriptions
//! ([`engine`]), and the retries after a failed period ([`dunning`]). The engine
//! hands failed periods to dunning; both read and write periods through `records`,
//! so neither imports the other back.

pub mod dunning;
pub mod engine;
pub mod records;
