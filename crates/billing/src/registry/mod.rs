//! The registry of billing keys. i'mport's V1 API cannot list a merchant's keys, so
//! this app is their only list: customers and their keys, issuing and deleting keys
//! at i'mport, importing a list from elsewhere, and searching customers (and the
//! mirrored payments, which the same search index serves).

pub mod customers;
pub mod import;
pub mod keys;
pub mod search;
