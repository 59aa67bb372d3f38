//! Charge requests: `POST /subscribe/payments/again` (a stored key) and
//! `POST /subscribe/payments/onetime` (card data, optionally saving a key).

use serde::Serialize;

use super::card::CardData;
use crate::{Money, Result, validate};

/// Buyer fields shared by charges and schedule entries (`buyer_*`). When omitted on a
/// key charge, the key's stored `customer_*` values are used.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Buyer {
    /// `buyer_name` (≤ 16).
    #[serde(rename = "buyer_name", skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `buyer_email` (≤ 64).
    #[serde(rename = "buyer_email", skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `buyer_tel` (≤ 16).
    #[serde(rename = "buyer_tel", skip_serializing_if = "Option::is_none")]
    pub tel: Option<String>,
    /// `buyer_addr` (≤ 128).
    #[serde(rename = "buyer_addr", skip_serializing_if = "Option::is_none")]
    pub addr: Option<String>,
    /// `buyer_postcode` (≤ 8).
    #[serde(rename = "buyer_postcode", skip_serializing_if = "Option::is_none")]
    pub postcode: Option<String>,
}

impl Buyer {
    /// A buyer with a name.
    pub fn named(name: impl Into<String>) -> Self {
        Buyer {
            name: Some(name.into()),
            ..Default::default()
        }
    }

    pub(crate) fn validate(&self) -> Result<()> {
        for (field, v, max) in [
            ("buyer_name", &self.name, 16),
            ("buyer_email", &self.email, 64),
            ("buyer_tel", &self.tel, 16),
            ("buyer_addr", &self.addr, 128),
            ("buyer_postcode", &self.postcode, 8),
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

/// `product_type` (required by KSNET).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProductType {
    /// Physical goods.
    Real,
    /// Digital goods.
    Digital,
}

/// `cash_receipt_type` (Toss-Pay-v2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CashReceiptType {
    /// For a person.
    Person,
    /// For a company.
    Company,
    /// Anonymous.
    Anonymous,
}

/// `extra` of key charges and schedule entries.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SubscribeExtra {
    /// Naver Pay service completion date, `YYYYMMDD`.
    #[serde(rename = "naverUseCfm", skip_serializing_if = "Option::is_none")]
    pub naver_use_cfm: Option<String>,
}

/// Body of `POST /subscribe/payments/again`: charge a stored billing key now.
///
/// `merchant_uid` must be new for every charge; after a lost answer, look the
/// payment up by it and retry with the *same* id only if nothing was paid.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct AgainRequest {
    /// Key to charge.
    pub customer_uid: String,
    /// Order id, ≤ 40 characters.
    pub merchant_uid: String,
    /// Amount (whole won for KRW).
    pub amount: Money,
    /// Order name (≤ 40; required by the spec).
    pub name: String,
    /// Currency; the server defaults to KRW.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Tax-free part of `amount`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_free: Option<Money>,
    /// Explicit VAT.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vat_amount: Option<Money>,
    /// Buyer fields.
    #[serde(flatten)]
    pub buyer: Buyer,
    /// Instalment months; 0 = lump sum.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_quota: Option<u32>,
    /// Merchant pays instalment interest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interest_free_by_merchant: Option<bool>,
    /// Pay with card points.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub use_card_point: Option<bool>,
    /// Free text stored on the payment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<String>,
    /// Webhook URL for this payment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice_url: Option<String>,
    /// Buyer's IP (Paymentwall).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub browser_ip: Option<String>,
    /// Goods type (KSNET).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_type: Option<ProductType>,
    /// Number of items.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_count: Option<u32>,
    /// Cash receipt type (Toss-Pay-v2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cash_receipt_type: Option<CashReceiptType>,
    /// PG-specific JSON passed through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bypass: Option<String>,
    /// Extra PG parameters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extra: Option<SubscribeExtra>,
    /// Promotion id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub promotion_id: Option<String>,
    /// Channel of a super billing key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel_key: Option<String>,
}

impl AgainRequest {
    /// Charge `amount` to `customer_uid` as order `merchant_uid` named `name`.
    pub fn new(
        customer_uid: impl Into<String>,
        merchant_uid: impl Into<String>,
        amount: Money,
        name: impl Into<String>,
    ) -> Self {
        AgainRequest {
            customer_uid: customer_uid.into(),
            merchant_uid: merchant_uid.into(),
            amount,
            name: name.into(),
            currency: None,
            tax_free: None,
            vat_amount: None,
            buyer: Buyer::default(),
            card_quota: None,
            interest_free_by_merchant: None,
            use_card_point: None,
            custom_data: None,
            notice_url: None,
            browser_ip: None,
            product_type: None,
            product_count: None,
            cash_receipt_type: None,
            bypass: None,
            extra: None,
            promotion_id: None,
            channel_key: None,
        }
    }

    /// Sets the buyer.
    pub fn buyer(mut self, buyer: Buyer) -> Self {
        self.buyer = buyer;
        self
    }

    /// Sets `custom_data`.
    pub fn custom_data(mut self, data: impl Into<String>) -> Self {
        self.custom_data = Some(data.into());
        self
    }

    /// Sets the tax-free part.
    pub fn tax_free(mut self, amount: Money) -> Self {
        self.tax_free = Some(amount);
        self
    }

    pub(crate) fn validate(&self) -> Result<()> {
        validate::customer_uid(&self.customer_uid)?;
        validate::merchant_uid(&self.merchant_uid)?;
        let cur = self.currency.as_deref();
        validate::charge_amount(self.amount, cur)?;
        validate::opt_part("tax_free", self.tax_free, cur)?;
        validate::opt_part("vat_amount", self.vat_amount, cur)?;
        name(&self.name, true)?;
        self.buyer.validate()
    }
}

fn name(name: &str, required: bool) -> Result<()> {
    if required && name.trim().is_empty() {
        return Err(crate::Error::invalid("name", "must not be empty"));
    }
    if name.chars().count() > 40 {
        return Err(crate::Error::invalid("name", "at most 40 characters"));
    }
    Ok(())
}

pub(crate) fn validate_name(n: &str) -> Result<()> {
    name(n, true)
}

/// Body of `POST /subscribe/payments/onetime`: charge card data now, optionally
/// saving it as billing key `customer_uid`.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct OnetimeRequest {
    /// Order id, ≤ 40 characters, new for every request.
    pub merchant_uid: String,
    /// Amount (whole won for KRW).
    pub amount: Money,
    /// The card. Zeroized when the request is dropped.
    #[serde(flatten)]
    pub card: CardData,
    /// Currency; the server defaults to KRW.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Tax-free part.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_free: Option<Money>,
    /// Explicit VAT.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vat_amount: Option<Money>,
    /// Save the card as this billing key when the charge succeeds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_uid: Option<String>,
    /// `{pg_provider}` or `{pg_provider}.{MID}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pg: Option<String>,
    /// Smart-routing group (camelCase on the wire).
    #[serde(rename = "channelGroupId", skip_serializing_if = "Option::is_none")]
    pub channel_group_id: Option<String>,
    /// Order name (≤ 40).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Buyer fields.
    #[serde(flatten)]
    pub buyer: Buyer,
    /// Instalment months.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_quota: Option<u32>,
    /// Merchant pays instalment interest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interest_free_by_merchant: Option<bool>,
    /// Pay with card points.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub use_card_point: Option<bool>,
    /// Free text stored on the payment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<String>,
    /// Webhook URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice_url: Option<String>,
    /// Buyer's IP (Paymentwall).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub browser_ip: Option<String>,
    /// 3-D Secure charge id (Paymentwall).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secure_3d_charge_id: Option<String>,
    /// 3-D Secure token (Paymentwall).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secure_3d_token: Option<String>,
    /// Goods type (KSNET).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_type: Option<ProductType>,
    /// Promotion id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub promotion_id: Option<String>,
    /// PG-specific JSON passed through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bypass: Option<String>,
}

impl OnetimeRequest {
    /// Charge `amount` to `card` as order `merchant_uid`.
    pub fn new(merchant_uid: impl Into<String>, amount: Money, card: CardData) -> Self {
        OnetimeRequest {
            merchant_uid: merchant_uid.into(),
            amount,
            card,
            currency: None,
            tax_free: None,
            vat_amount: None,
            customer_uid: None,
            pg: None,
            channel_group_id: None,
            name: None,
            buyer: Buyer::default(),
            card_quota: None,
            interest_free_by_merchant: None,
            use_card_point: None,
            custom_data: None,
            notice_url: None,
            browser_ip: None,
            secure_3d_charge_id: None,
            secure_3d_token: None,
            product_type: None,
            promotion_id: None,
            bypass: None,
        }
    }

    /// Also save the card as billing key `customer_uid` if the charge succeeds.
    pub fn save_as(mut self, customer_uid: impl Into<String>) -> Self {
        self.customer_uid = Some(customer_uid.into());
        self
    }

    /// Sets the order name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets `pg`.
    pub fn pg(mut self, pg: impl Into<String>) -> Self {
        self.pg = Some(pg.into());
        self
    }

    /// Sets the buyer.
    pub fn buyer(mut self, buyer: Buyer) -> Self {
        self.buyer = buyer;
        self
    }

    pub(crate) fn validate(&self) -> Result<()> {
        validate::merchant_uid(&self.merchant_uid)?;
        if let Some(c) = &self.customer_uid {
            validate::customer_uid(c)?;
        }
        let cur = self.currency.as_deref();
        validate::charge_amount(self.amount, cur)?;
        validate::opt_part("tax_free", self.tax_free, cur)?;
        validate::opt_part("vat_amount", self.vat_amount, cur)?;
        if let Some(n) = &self.name {
            name(n, false)?;
        }
        self.buyer.validate()
    }
}
