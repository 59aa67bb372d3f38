//! Scheduled charges (`ScheduleResultAnnotation`) and the requests around them.

use serde::{Deserialize, Serialize};

use super::card::CardData;
use super::charge::{Buyer, CashReceiptType, ProductType, SubscribeExtra};
use crate::de::{self, string_enum};
use crate::{Money, Result, validate};

string_enum! {
    /// `schedule_status` of a schedule.
    pub enum ScheduleStatus {
        /// Waiting for its time.
        Scheduled = "scheduled",
        /// Ran (see `payment_status` for the outcome).
        Executed = "executed",
        /// Revoked before it ran.
        Revoked = "revoked",
    }
}

string_enum! {
    /// `payment_status` of an executed schedule.
    pub enum SchedulePaymentStatus {
        /// The execution was approved.
        Paid = "paid",
        /// The execution was declined.
        Failed = "failed",
        /// Approved, then refunded.
        Cancelled = "cancelled" | "canceled",
    }
}

/// A scheduled charge as i'mport records it (`ScheduleResultAnnotation`).
///
/// The spec marks no field required; `customer_uid`/`merchant_uid` are empty only if
/// the server omitted them. Timestamps of `0` ("not yet") are `None`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Schedule {
    /// Key to charge.
    #[serde(default, deserialize_with = "de::str_or_empty")]
    pub customer_uid: String,
    /// Order id of the scheduled charge.
    #[serde(default, deserialize_with = "de::str_or_empty")]
    pub merchant_uid: String,
    /// Payment created by the execution; `None` while pending or if revoked.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub imp_uid: Option<String>,
    /// PG actually used.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub pg_provider: Option<String>,
    /// PG merchant id actually used.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub pg_id: Option<String>,
    /// Buyer id.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub customer_id: Option<String>,
    /// Planned time.
    #[serde(default, deserialize_with = "de::opt_ts")]
    pub schedule_at: Option<i64>,
    /// When it ran.
    #[serde(default, deserialize_with = "de::opt_ts")]
    pub executed_at: Option<i64>,
    /// When it was revoked.
    #[serde(default, deserialize_with = "de::opt_ts")]
    pub revoked_at: Option<i64>,
    /// Amount to charge.
    #[serde(default, deserialize_with = "de::opt_money")]
    pub amount: Option<Money>,
    /// Currency.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub currency: Option<String>,
    /// Order name.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub name: Option<String>,
    /// Buyer name.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub buyer_name: Option<String>,
    /// Buyer e-mail.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub buyer_email: Option<String>,
    /// Buyer phone.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub buyer_tel: Option<String>,
    /// Buyer address.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub buyer_addr: Option<String>,
    /// Buyer postcode.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub buyer_postcode: Option<String>,
    /// Merchant data, copied to the executed payment.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub custom_data: Option<String>,
    /// Schedule state.
    #[serde(default, deserialize_with = "de::opt_enum")]
    pub schedule_status: Option<ScheduleStatus>,
    /// Outcome of the execution; `None` until it ran.
    #[serde(default, deserialize_with = "de::opt_enum")]
    pub payment_status: Option<SchedulePaymentStatus>,
    /// Why the execution failed, redacted ([`crate::redact`]).
    #[serde(default, deserialize_with = "de::opt_pg_text")]
    pub fail_reason: Option<String>,
    /// Promotion id.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub promotion_id: Option<String>,
}

/// One future charge in a schedule request (`ScheduleAnnotation`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ScheduleEntry {
    /// Order id, ≤ 40 characters, unique per entry.
    pub merchant_uid: String,
    /// When to charge (unix seconds).
    pub schedule_at: i64,
    /// Currency (required by the spec).
    pub currency: String,
    /// Amount.
    pub amount: Money,
    /// Order name (≤ 40; required by the spec).
    pub name: String,
    /// Tax-free part.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_free: Option<Money>,
    /// Explicit VAT.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vat_amount: Option<Money>,
    /// Buyer fields (the key's `customer_*` when omitted).
    #[serde(flatten)]
    pub buyer: Buyer,
    /// Copied to the executed payment's `custom_data`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<String>,
    /// Webhook URL for this execution.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice_url: Option<String>,
    /// Goods type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_type: Option<ProductType>,
    /// Cash receipt type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cash_receipt_type: Option<CashReceiptType>,
    /// Instalment months.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_quota: Option<u32>,
    /// Merchant pays instalment interest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interest_free_by_merchant: Option<bool>,
    /// Pay with card points.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub use_card_point: Option<bool>,
    /// Number of items.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_count: Option<u32>,
    /// Buyer's IP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub browser_ip: Option<String>,
    /// Extra PG parameters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extra: Option<SubscribeExtra>,
    /// PG-specific JSON passed through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bypass: Option<String>,
    /// Promotion id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub promotion_id: Option<String>,
}

impl ScheduleEntry {
    /// Charge `amount` KRW at `schedule_at` as order `merchant_uid` named `name`.
    pub fn new(
        merchant_uid: impl Into<String>,
        schedule_at: i64,
        amount: Money,
        name: impl Into<String>,
    ) -> Self {
        ScheduleEntry {
            merchant_uid: merchant_uid.into(),
            schedule_at,
            currency: "KRW".to_owned(),
            amount,
            name: name.into(),
            tax_free: None,
            vat_amount: None,
            buyer: Buyer::default(),
            custom_data: None,
            notice_url: None,
            product_type: None,
            cash_receipt_type: None,
            card_quota: None,
            interest_free_by_merchant: None,
            use_card_point: None,
            product_count: None,
            browser_ip: None,
            extra: None,
            bypass: None,
            promotion_id: None,
        }
    }

    /// Sets `custom_data`.
    pub fn custom_data(mut self, data: impl Into<String>) -> Self {
        self.custom_data = Some(data.into());
        self
    }

    fn validate(&self) -> Result<()> {
        validate::merchant_uid(&self.merchant_uid)?;
        let cur = Some(self.currency.as_str());
        validate::charge_amount(self.amount, cur)?;
        validate::opt_part("tax_free", self.tax_free, cur)?;
        validate::opt_part("vat_amount", self.vat_amount, cur)?;
        if self.schedule_at <= 0 {
            return Err(crate::Error::invalid("schedule_at", "must be a unix time"));
        }
        super::charge::validate_name(&self.name)?;
        self.buyer.validate()
    }
}

/// Body of `POST /subscribe/payments/schedule`.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct ScheduleRequest {
    /// Key to charge (issued from `card` first when it does not exist yet).
    pub customer_uid: String,
    /// Buyer id (Toss Payments).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// Amount approved and immediately cancelled to check the card; 0 = no check.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checking_amount: Option<Money>,
    /// Card data, only when the key must be issued by this request.
    #[serde(flatten)]
    pub card: Option<CardData>,
    /// Older clients' `pg` (absent from the current spec, sent only if set).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pg: Option<String>,
    /// Channel for issuance, or the channel of a super key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel_key: Option<String>,
    /// The future charges.
    pub schedules: Vec<ScheduleEntry>,
}

impl ScheduleRequest {
    /// Schedule `entries` on the existing key `customer_uid`.
    pub fn new(customer_uid: impl Into<String>, entries: Vec<ScheduleEntry>) -> Self {
        ScheduleRequest {
            customer_uid: customer_uid.into(),
            customer_id: None,
            checking_amount: None,
            card: None,
            pg: None,
            channel_key: None,
            schedules: entries,
        }
    }

    /// Issue the key from `card` in the same request.
    pub fn with_card(mut self, card: CardData) -> Self {
        self.card = Some(card);
        self
    }

    pub(crate) fn validate(&self) -> Result<()> {
        validate::customer_uid(&self.customer_uid)?;
        if self.schedules.is_empty() {
            return Err(crate::Error::invalid("schedules", "at least one entry"));
        }
        let mut seen = std::collections::HashSet::new();
        for e in &self.schedules {
            e.validate()?;
            if !seen.insert(e.merchant_uid.as_str()) {
                return Err(crate::Error::invalid(
                    "merchant_uid",
                    "each schedule entry needs its own merchant_uid",
                ));
            }
        }
        if let Some(c) = self.checking_amount {
            validate::whole_if_krw("checking_amount", c, None)?;
        }
        Ok(())
    }
}

/// Body of `POST /subscribe/payments/unschedule`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct UnscheduleRequest {
    /// Whose schedules. Always sent: several sources require it.
    pub customer_uid: String,
    /// Which schedules; empty revokes every pending schedule of the key.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub merchant_uid: Vec<String>,
}

impl UnscheduleRequest {
    /// Revoke every pending schedule of `customer_uid`.
    pub fn all(customer_uid: impl Into<String>) -> Self {
        UnscheduleRequest {
            customer_uid: customer_uid.into(),
            merchant_uid: Vec::new(),
        }
    }

    /// Revoke the listed schedules of `customer_uid`.
    pub fn only<I, S>(customer_uid: impl Into<String>, merchant_uids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        UnscheduleRequest {
            customer_uid: customer_uid.into(),
            merchant_uid: merchant_uids.into_iter().map(Into::into).collect(),
        }
    }

    pub(crate) fn validate(&self) -> Result<()> {
        validate::customer_uid(&self.customer_uid)?;
        self.merchant_uid
            .iter()
            .try_for_each(|m| validate::merchant_uid(m))
    }
}

/// Query of the schedule lists by key (`from`, `to`, `page`, `schedule-status`).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct CustomerSchedulesQuery {
    /// Inclusive lower bound on `schedule_at`.
    pub from: i64,
    /// Exclusive upper bound (the window may span at most 3 months).
    pub to: i64,
    /// Page, from 1.
    pub page: Option<u32>,
    /// Only this state.
    pub status: Option<ScheduleStatus>,
}

impl CustomerSchedulesQuery {
    /// Schedules with `from <= schedule_at < to`.
    pub fn window(from: i64, to: i64) -> Self {
        CustomerSchedulesQuery {
            from,
            to,
            page: None,
            status: None,
        }
    }

    /// Sets the page.
    pub fn page(mut self, page: u32) -> Self {
        self.page = Some(page);
        self
    }

    /// Only schedules in this state.
    pub fn status(mut self, status: ScheduleStatus) -> Self {
        self.status = Some(status);
        self
    }
}

/// Query of `GET /subscribe/payments/schedule` (all keys, by time).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ScheduleWindowQuery {
    /// Inclusive lower bound on `schedule_at`.
    pub from: i64,
    /// Exclusive upper bound.
    pub to: i64,
    /// Only this state.
    pub status: Option<ScheduleStatus>,
    /// Page, from 1.
    pub page: Option<u32>,
    /// Page size, 1–1000.
    pub limit: Option<u32>,
    /// Oldest `schedule_at` first instead of newest first.
    pub oldest_first: bool,
}

impl ScheduleWindowQuery {
    /// Schedules with `from <= schedule_at < to`.
    pub fn window(from: i64, to: i64) -> Self {
        ScheduleWindowQuery {
            from,
            to,
            status: None,
            page: None,
            limit: None,
            oldest_first: false,
        }
    }

    /// Only schedules in this state.
    pub fn status(mut self, status: ScheduleStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// Sets the page.
    pub fn page(mut self, page: u32) -> Self {
        self.page = Some(page);
        self
    }

    /// Sets the page size.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Oldest first.
    pub fn oldest_first(mut self) -> Self {
        self.oldest_first = true;
        self
    }
}
