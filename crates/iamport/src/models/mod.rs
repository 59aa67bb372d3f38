//! Wire types: what the API returns (tolerant decoders) and what it is sent
//! (requests that omit unset fields).

pub mod card;
pub mod charge;
pub mod customer;
pub mod merchant;
pub mod payment;
pub mod schedule;

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

pub use card::CardData;
pub use charge::{
    AgainRequest, Buyer, CashReceiptType, OnetimeRequest, ProductType, SubscribeExtra,
};
pub use customer::{Customer, DeleteBillingKey, FailedChannel, IssueBillingKey, SucceededChannel};
pub use merchant::{PgSetting, PgSettingType, StandardCode};
pub use payment::{
    BalanceHistory, BalanceParts, CancelExtra, CancelRequest, CardType, CustomerUidUsage, Payment,
    PaymentBalance, PaymentCancel, PaymentListQuery, PaymentStatus, PaymentsByStatusQuery,
    Promotion, Requester, Sorting, VbankDeposit,
};
pub use schedule::{
    CustomerSchedulesQuery, Schedule, ScheduleEntry, SchedulePaymentStatus, ScheduleRequest,
    ScheduleStatus, ScheduleWindowQuery, UnscheduleRequest,
};

use crate::de;

/// One page of a list (`{ total, previous, next, list }`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
#[non_exhaustive]
pub struct Page<T> {
    /// Items matching the query, over all pages.
    #[serde(default, deserialize_with = "de::int_or_zero")]
    pub total: i64,
    /// Previous page number; `None` on the first page (the server sends 0).
    #[serde(default, deserialize_with = "de::opt_page")]
    pub previous: Option<i64>,
    /// Next page number; `None` on the last page (the server sends 0).
    #[serde(default, deserialize_with = "de::opt_page")]
    pub next: Option<i64>,
    /// This page's items.
    #[serde(default = "Vec::new", deserialize_with = "de::vec_or_empty")]
    pub list: Vec<T>,
}

impl<T> Page<T> {
    /// A complete, single-page list.
    pub fn single(list: Vec<T>) -> Self {
        Page {
            total: i64::try_from(list.len()).unwrap_or(i64::MAX),
            previous: None,
            next: None,
            list,
        }
    }
}

/// A schedule list, which the spec declares as a bare array and several official
/// clients read as a page object. Both decode to a [`Page`].
pub(crate) struct SchedulePage(pub Page<Schedule>);

impl<'de> Deserialize<'de> for SchedulePage {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V(PhantomData<Schedule>);
        impl<'de> Visitor<'de> for V {
            type Value = SchedulePage;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of schedules or a page of schedules")
            }
            fn visit_unit<E>(self) -> Result<SchedulePage, E> {
                Ok(SchedulePage(Page::single(Vec::new())))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, a: A) -> Result<SchedulePage, A::Error> {
                let list = Vec::<Schedule>::deserialize(SeqAccessDeserializer::new(a))?;
                Ok(SchedulePage(Page::single(list)))
            }
            fn visit_map<A: MapAccess<'de>>(self, a: A) -> Result<SchedulePage, A::Error> {
                Page::<Schedule>::deserialize(MapAccessDeserializer::new(a)).map(SchedulePage)
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// Result of a multi-get: what was found, and which requested ids were not (HTTP
/// 207 for some, 404 for all).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct MultiGet<T> {
    /// Found items, in the server's order.
    pub found: Vec<T>,
    /// Requested ids that matched nothing, in the caller's order.
    pub missing: Vec<String>,
}

/// Result of `GET /payments` by `imp_uid[]` and `merchant_uid[]`.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct PaymentsByIds {
    /// Found payments.
    pub found: Vec<Payment>,
    /// Requested `imp_uid`s with no payment.
    pub missing_imp_uids: Vec<String>,
    /// Requested `merchant_uid`s with no payment.
    pub missing_merchant_uids: Vec<String>,
}

#[cfg(test)]
mod tests;
