//! Everything that moves money. Every request is written to the [`journal`] before
//! it leaves (so a lost answer is a known question, not a guess); [`charge`],
//! [`refund`] and [`scheduling`] (register, move, unschedule) send one request each;
//! [`reconcile`] looks up what a lost answer did; [`bulk`] runs a list of charges;
//! [`plans`] keeps subscriptions' periods scheduled and retries the failed ones
//! (dunning); [`merchant_uid`] makes the order ids that keep all of it exactly-once.

pub mod bulk;
pub mod charge;
pub mod decline;
pub mod journal;
pub mod merchant_uid;
pub mod plans;
pub mod reconcile;
pub mod refund;
pub mod scheduling;
mod send;
