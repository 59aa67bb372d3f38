//! Billing keys (`CustomerAnnotation`, `SuperBillingKeyAnnotation`) and the requests
//! that issue and delete them.

use serde::{Deserialize, Serialize};

use super::card::CardData;
use super::payment::{CardType, Requester, opt_card_type};
use crate::de;

/// A billing key, addressed by the merchant's `customer_uid`.
///
/// One type covers both shapes the API returns: an ordinary key
/// (`CustomerAnnotation`) and a smart-routing "super billing key"
/// (`SuperBillingKeyAnnotation`, recognised by `channel_group_id`). The PG's key itself
/// is never returned; `card_number` is masked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Customer {
    /// The merchant's id for this key.
    #[serde(deserialize_with = "de::str_or_empty")]
    pub customer_uid: String,
    /// PG the key lives on.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub pg_provider: Option<String>,
    /// PG merchant id.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub pg_id: Option<String>,
    /// Issued on a test channel.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub sandbox: Option<bool>,
    /// Buyer id (Toss Payments).
    #[serde(default, deserialize_with = "de::opt_str")]
    pub customer_id: Option<String>,
    /// Card company name.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub card_name: Option<String>,
    /// Card company code.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub card_code: Option<String>,
    /// Issuer code (some PGs).
    #[serde(default, deserialize_with = "de::opt_str")]
    pub card_issuer_code: Option<String>,
    /// Issuer name (some PGs).
    #[serde(default, deserialize_with = "de::opt_str")]
    pub card_issuer_name: Option<String>,
    /// Publisher code (some PGs).
    #[serde(default, deserialize_with = "de::opt_str")]
    pub card_publisher_code: Option<String>,
    /// Publisher name (some PGs).
    #[serde(default, deserialize_with = "de::opt_str")]
    pub card_publisher_name: Option<String>,
    /// Masked card number.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub card_number: Option<String>,
    /// Credit or check card; `None` when the PG does not report it.
    #[serde(default, deserialize_with = "opt_card_type")]
    pub card_type: Option<CardType>,
    /// Card holder name.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub customer_name: Option<String>,
    /// Card holder phone.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub customer_tel: Option<String>,
    /// Card holder e-mail.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub customer_email: Option<String>,
    /// Card holder address.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub customer_addr: Option<String>,
    /// Card holder postcode.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub customer_postcode: Option<String>,
    /// Issued at (unix seconds).
    #[serde(default, deserialize_with = "de::opt_ts")]
    pub inserted: Option<i64>,
    /// Last updated (unix seconds).
    #[serde(default, deserialize_with = "de::opt_ts")]
    pub updated: Option<i64>,
    /// Smart-routing group of a super billing key.
    #[serde(default, rename = "channelGroupId", deserialize_with = "de::opt_str")]
    pub channel_group_id: Option<String>,
    /// Channels a super billing key was issued on.
    #[serde(
        default,
        rename = "succeededChannels",
        deserialize_with = "de::vec_or_empty"
    )]
    pub succeeded_channels: Vec<SucceededChannel>,
    /// Channels a super billing key could not be issued on.
    #[serde(
        default,
        rename = "failedChannels",
        deserialize_with = "de::vec_or_empty"
    )]
    pub failed_channels: Vec<FailedChannel>,
}

impl Customer {
    /// True for a smart-routing super billing key.
    pub fn is_super(&self) -> bool {
        self.channel_group_id.is_some()
    }
}

/// A channel a super billing key was issued on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SucceededChannel {
    /// PG code.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub pg_provider: Option<String>,
    /// PG merchant id.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub pg_id: Option<String>,
    /// Card company name.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub card_name: Option<String>,
    /// Card company code.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub card_code: Option<String>,
    /// Issuer code.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub card_issuer_code: Option<String>,
    /// Issuer name.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub card_issuer_name: Option<String>,
    /// Publisher code.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub card_publisher_code: Option<String>,
    /// Publisher name.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub card_publisher_name: Option<String>,
    /// Masked card number.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub card_number: Option<String>,
    /// Credit or check card.
    #[serde(default, deserialize_with = "opt_card_type")]
    pub card_type: Option<CardType>,
    /// Issued at.
    #[serde(default, deserialize_with = "de::opt_ts")]
    pub inserted: Option<i64>,
    /// Updated at.
    #[serde(default, deserialize_with = "de::opt_ts")]
    pub updated: Option<i64>,
}

/// A channel a super billing key could not be issued on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FailedChannel {
    /// Failure type.
    #[serde(default, rename = "type", deserialize_with = "de::opt_str")]
    pub kind: Option<String>,
    /// Failure message, redacted ([`crate::redact`]).
    #[serde(default, deserialize_with = "de::opt_pg_text")]
    pub message: Option<String>,
    /// PG code.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub pg_provider: Option<String>,
    /// PG merchant id.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub pg_id: Option<String>,
}

/// Body of `POST /subscribe/customers/{customer_uid}`: issue a key from card data.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct IssueBillingKey {
    /// The card. Zeroized when the request is dropped.
    #[serde(flatten)]
    pub card: CardData,
    /// `{pg_provider}` or `{pg_provider}.{MID}`; the default PG when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pg: Option<String>,
    /// Channel to issue on (newest spec).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel_key: Option<String>,
    /// Smart-routing group: issue a super key on every active channel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel_group_id: Option<String>,
    /// Buyer id (effectively required by Toss Payments).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// Card holder name (≤ 20; required by `welcome`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_name: Option<String>,
    /// Card holder phone (≤ 20).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_tel: Option<String>,
    /// Card holder e-mail (≤ 200).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_email: Option<String>,
    /// Card holder address (≤ 200).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_addr: Option<String>,
    /// Card holder postcode (≤ 8).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_postcode: Option<String>,
}

impl IssueBillingKey {
    /// Issue from this card on the default (or given) PG.
    pub fn new(card: CardData) -> Self {
        IssueBillingKey {
            card,
            pg: None,
            channel_key: None,
            channel_group_id: None,
            customer_id: None,
            customer_name: None,
            customer_tel: None,
            customer_email: None,
            customer_addr: None,
            customer_postcode: None,
        }
    }

    /// Sets `pg`.
    pub fn pg(mut self, pg: impl Into<String>) -> Self {
        self.pg = Some(pg.into());
        self
    }

    /// Sets `channel_key`.
    pub fn channel_key(mut self, key: impl Into<String>) -> Self {
        self.channel_key = Some(key.into());
        self
    }

    /// Sets the card holder's name.
    pub fn customer_name(mut self, name: impl Into<String>) -> Self {
        self.customer_name = Some(name.into());
        self
    }

    pub(crate) fn validate(&self) -> crate::Result<()> {
        for (field, v, max) in [
            ("pg", &self.pg, 80),
            ("channel_key", &self.channel_key, 55),
            ("channel_group_id", &self.channel_group_id, 55),
            ("customer_name", &self.customer_name, 20),
            ("customer_tel", &self.customer_tel, 20),
            ("customer_email", &self.customer_email, 200),
            ("customer_addr", &self.customer_addr, 200),
            ("customer_postcode", &self.customer_postcode, 8),
        ] {
            if v.as_deref().is_some_and(|s| s.chars().count() > max) {
                return Err(crate::Error::invalid(
                    field,
                    format!("at most {max} characters"),
                ));
            }
        }
        Ok(())
    }
}

/// Query of `DELETE /subscribe/customers/{customer_uid}`.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct DeleteBillingKey {
    /// Why (required for NICE-v2 easy-pay keys).
    pub reason: Option<String>,
    /// Who asked (`extra[requester]`, Naver Pay).
    pub requester: Option<Requester>,
}

impl DeleteBillingKey {
    /// A deletion with a reason.
    pub fn reason(reason: impl Into<String>) -> Self {
        DeleteBillingKey {
            reason: Some(reason.into()),
            requester: None,
        }
    }

    /// Sets who asked.
    pub fn requester(mut self, requester: Requester) -> Self {
        self.requester = Some(requester);
        self
    }
}
