//! Payments (`PaymentAnnotation`), their cancels, balance, and the cancel request.

use serde::{Deserialize, Serialize};

use crate::Money;
use crate::de::{self, string_enum};

string_enum! {
    /// `status` of a payment.
    pub enum PaymentStatus {
        /// Not paid: a window was opened or a virtual account issued.
        Ready = "ready",
        /// Approved.
        Paid = "paid",
        /// Fully cancelled (partial cancels may keep `paid`; compare `cancel_amount`).
        Cancelled = "cancelled" | "canceled",
        /// Attempted and declined.
        Failed = "failed",
    }
}

string_enum! {
    /// How a payment used a billing key (`customer_uid_usage`).
    pub enum CustomerUidUsage {
        /// A payment that issued the key (`onetime` with `customer_uid`).
        Issue = "issue",
        /// A charge of a stored key (`again`).
        Payment = "payment",
        /// A scheduled execution.
        PaymentScheduled = "payment.scheduled",
    }
}

/// `card_type`: integer per the spec, a string in some clients, `null` when the PG
/// does not say.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CardType {
    /// `0`: credit card.
    Credit,
    /// `1`: check/debit card.
    Check,
    /// Anything else, kept as text.
    Other(String),
}

impl CardType {
    fn from_text(s: &str) -> Self {
        match s.trim() {
            "0" => CardType::Credit,
            "1" => CardType::Check,
            other => CardType::Other(other.to_owned()),
        }
    }
}

impl Serialize for CardType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            CardType::Credit => s.serialize_i64(0),
            CardType::Check => s.serialize_i64(1),
            CardType::Other(t) => s.serialize_str(t),
        }
    }
}

pub(crate) fn opt_card_type<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<CardType>, D::Error> {
    Ok(de::opt_str(d)?
        .filter(|s| !s.trim().is_empty())
        .map(|s| CardType::from_text(&s)))
}

/// A payment as i'mport records it (`PaymentAnnotation`).
///
/// Timestamps are unix seconds; the server's `0` ("has not happened") is `None`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Payment {
    /// i'mport's transaction id.
    #[serde(deserialize_with = "de::str_or_empty")]
    pub imp_uid: String,
    /// The merchant's order id.
    #[serde(deserialize_with = "de::str_or_empty")]
    pub merchant_uid: String,
    /// `card`, `trans`, `vbank`, …
    #[serde(default, deserialize_with = "de::opt_str")]
    pub pay_method: Option<String>,
    /// `pc`, `mobile`, or `api` (REST/billing-key payments).
    #[serde(default, deserialize_with = "de::opt_str")]
    pub channel: Option<String>,
    /// PG code.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub pg_provider: Option<String>,
    /// Hub-type PG.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub emb_pg_provider: Option<String>,
    /// PG transaction id.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub pg_tid: Option<String>,
    /// PG merchant id.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub pg_id: Option<String>,
    /// Made on a test channel.
    #[serde(default, deserialize_with = "de::bool_or_false")]
    pub sandbox: bool,
    /// Escrow payment.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub escrow: Option<bool>,
    /// Card approval number.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub apply_num: Option<String>,
    /// Bank code (number or string on the wire).
    #[serde(default, deserialize_with = "de::opt_str")]
    pub bank_code: Option<String>,
    /// Bank name.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub bank_name: Option<String>,
    /// Card company code.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub card_code: Option<String>,
    /// Card company name.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub card_name: Option<String>,
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
    /// Instalment months; 0 = lump sum.
    #[serde(default, deserialize_with = "de::opt_int")]
    pub card_quota: Option<i64>,
    /// Masked card number.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub card_number: Option<String>,
    /// Credit or check card.
    #[serde(default, deserialize_with = "opt_card_type")]
    pub card_type: Option<CardType>,
    /// Virtual account bank code.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub vbank_code: Option<String>,
    /// Virtual account bank name.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub vbank_name: Option<String>,
    /// Virtual account number.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub vbank_num: Option<String>,
    /// Virtual account holder.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub vbank_holder: Option<String>,
    /// Virtual account deadline.
    #[serde(default, deserialize_with = "de::opt_ts")]
    pub vbank_date: Option<i64>,
    /// Virtual account issued at.
    #[serde(default, deserialize_with = "de::opt_ts")]
    pub vbank_issued_at: Option<i64>,
    /// Order name.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub name: Option<String>,
    /// Charged amount.
    pub amount: Money,
    /// Total refunded so far.
    #[serde(default, deserialize_with = "de::money_or_zero")]
    pub cancel_amount: Money,
    /// Currency (`KRW`, `USD`, …).
    #[serde(default, deserialize_with = "de::str_or_empty")]
    pub currency: String,
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
    /// What the merchant attached (a JSON string by convention).
    #[serde(default, deserialize_with = "de::opt_str")]
    pub custom_data: Option<String>,
    /// Buyer's user agent (browser payments).
    #[serde(default, deserialize_with = "de::opt_str")]
    pub user_agent: Option<String>,
    /// Payment status.
    pub status: PaymentStatus,
    /// When the request started.
    #[serde(default, deserialize_with = "de::opt_ts")]
    pub started_at: Option<i64>,
    /// When it was paid.
    #[serde(default, deserialize_with = "de::opt_ts")]
    pub paid_at: Option<i64>,
    /// When it failed.
    #[serde(default, deserialize_with = "de::opt_ts")]
    pub failed_at: Option<i64>,
    /// When it was (last) cancelled.
    #[serde(default, deserialize_with = "de::opt_ts")]
    pub cancelled_at: Option<i64>,
    /// Why it failed, as the PG or card company wrote it, redacted ([`crate::redact`]).
    #[serde(default, deserialize_with = "de::opt_pg_text")]
    pub fail_reason: Option<String>,
    /// Why it was cancelled.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub cancel_reason: Option<String>,
    /// Sales slip URL.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub receipt_url: Option<String>,
    /// Every (partial) cancel.
    #[serde(default, deserialize_with = "de::vec_or_empty")]
    pub cancel_history: Vec<PaymentCancel>,
    /// Deposits into a fixed virtual account.
    #[serde(default, deserialize_with = "de::vec_or_empty")]
    pub deposit_history: Vec<VbankDeposit>,
    /// Deprecated: use `cancel_history`.
    #[serde(default, deserialize_with = "de::vec_or_empty")]
    pub cancel_receipt_urls: Vec<Option<String>>,
    /// Cash receipt issued automatically.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub cash_receipt_issued: Option<bool>,
    /// Billing key used.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub customer_uid: Option<String>,
    /// How the billing key was used; `None` for an ordinary payment.
    #[serde(default, deserialize_with = "de::opt_enum")]
    pub customer_uid_usage: Option<CustomerUidUsage>,
    /// Applied promotion.
    #[serde(default)]
    pub promotion: Option<Promotion>,
}

impl Payment {
    /// What can still be refunded: `amount − cancel_amount`. Computed rather than read
    /// from `status`, because a partial cancel's status is not reliably documented.
    pub fn refundable(&self) -> Money {
        Money::from_decimal(self.amount.decimal() - self.cancel_amount.decimal())
    }
}

/// One cancel of a payment (`PaymentCancelAnnotation`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PaymentCancel {
    /// PG transaction id of the cancel.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub pg_tid: Option<String>,
    /// Amount cancelled.
    #[serde(default, deserialize_with = "de::money_or_zero")]
    pub amount: Money,
    /// When.
    #[serde(default, deserialize_with = "de::opt_ts")]
    pub cancelled_at: Option<i64>,
    /// Why.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub reason: Option<String>,
    /// i'mport's id for this cancel.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub cancellation_id: Option<String>,
    /// Cancel slip URL.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub receipt_url: Option<String>,
}

/// One deposit into a virtual account (`VbankDepositAnnotation`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VbankDeposit {
    /// PG transaction id.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub pg_tid: Option<String>,
    /// Amount.
    #[serde(default, deserialize_with = "de::opt_money")]
    pub amount: Option<Money>,
    /// Who deposited.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub depositor_name: Option<String>,
    /// When.
    #[serde(default, deserialize_with = "de::opt_ts")]
    pub deposited_at: Option<i64>,
}

/// A promotion applied to a payment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Promotion {
    /// Promotion id.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub id: Option<String>,
    /// Discount granted.
    #[serde(default, deserialize_with = "de::opt_money")]
    pub discount: Option<Money>,
}

/// Remaining balance of a payment by component (`PaymentBalanceResponseAnnotation`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PaymentBalance {
    /// Total amount.
    #[serde(default, deserialize_with = "de::money_or_zero")]
    pub amount: Money,
    /// Cash-receipt part.
    #[serde(default)]
    pub cash_receipt: Option<BalanceParts>,
    /// Primary means of payment.
    #[serde(default)]
    pub primary: Option<BalanceParts>,
    /// Secondary means (points, …).
    #[serde(default)]
    pub secondary: Option<BalanceParts>,
    /// Discounts.
    #[serde(default)]
    pub discount: Option<BalanceParts>,
    /// How the balance changed.
    #[serde(default, deserialize_with = "de::vec_or_empty")]
    pub histories: Vec<BalanceHistory>,
}

/// Tax split of a balance component (`PaymentBalanceAnnotation`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BalanceParts {
    /// Tax-free part.
    #[serde(default, deserialize_with = "de::money_or_zero")]
    pub tax_free: Money,
    /// Supply value.
    #[serde(default, deserialize_with = "de::money_or_zero")]
    pub supply: Money,
    /// VAT.
    #[serde(default, deserialize_with = "de::money_or_zero")]
    pub vat: Money,
    /// Service charge.
    #[serde(default, deserialize_with = "de::money_or_zero")]
    pub service: Money,
}

/// One step of a balance's history (`PaymentBalanceHistoriesAnnotation`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BalanceHistory {
    /// Cash-receipt part.
    #[serde(default)]
    pub cash_receipt: Option<BalanceParts>,
    /// Primary means.
    #[serde(default)]
    pub primary: Option<BalanceParts>,
    /// Secondary means.
    #[serde(default)]
    pub secondary: Option<BalanceParts>,
    /// Discounts.
    #[serde(default)]
    pub discount: Option<BalanceParts>,
    /// When.
    #[serde(default, deserialize_with = "de::opt_ts")]
    pub created: Option<i64>,
}

string_enum! {
    /// `sorting` of payment lists.
    pub enum Sorting {
        /// Newest start first (the server's default).
        StartedDesc = "-started",
        /// Oldest start first.
        StartedAsc = "started",
        /// Newest payment first.
        PaidDesc = "-paid",
        /// Oldest payment first.
        PaidAsc = "paid",
        /// Most recently updated first.
        UpdatedDesc = "-updated",
        /// Least recently updated first.
        UpdatedAsc = "updated",
    }
}

/// Who asked for a cancel or a key deletion (Naver Pay).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Requester {
    /// The buyer.
    Customer,
    /// The merchant (the server's default).
    Admin,
}

impl Requester {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Requester::Customer => "customer",
            Requester::Admin => "admin",
        }
    }
}

/// `extra` of a cancel request.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CancelExtra {
    /// Who asked (Naver Pay).
    pub requester: Requester,
}

/// `POST /payments/cancel`: a full or partial refund.
///
/// Send `checksum` (the refundable balance you believe remains) on every cancel: the
/// server then refuses a replay, so a refund retried after a lost answer cannot refund
/// twice.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct CancelRequest {
    /// Payment to cancel; wins over `merchant_uid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imp_uid: Option<String>,
    /// Order id of the payment to cancel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merchant_uid: Option<String>,
    /// Partial amount; `None` cancels everything that remains.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<Money>,
    /// Tax-free part of the cancel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_free: Option<Money>,
    /// VAT part (required if VAT was set explicitly at payment).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vat_amount: Option<Money>,
    /// The refundable balance the caller believes remains.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checksum: Option<Money>,
    /// Why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Refund account holder (virtual-account refunds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund_holder: Option<String>,
    /// Refund bank code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund_bank: Option<String>,
    /// Refund account number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund_account: Option<String>,
    /// Refund holder phone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund_tel: Option<String>,
    /// Keep a promotion after a partial cancel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retain_promotion: Option<bool>,
    /// Send a `cancelled` webhook for this cancel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_webhook: Option<bool>,
    /// Naver Pay requester.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extra: Option<CancelExtra>,
}

impl CancelRequest {
    /// Cancel everything that remains of `imp_uid`.
    pub fn full(imp_uid: impl Into<String>) -> Self {
        CancelRequest {
            imp_uid: Some(imp_uid.into()),
            ..Default::default()
        }
    }

    /// Cancel everything that remains of the payment with `merchant_uid`.
    pub fn full_by_merchant_uid(merchant_uid: impl Into<String>) -> Self {
        CancelRequest {
            merchant_uid: Some(merchant_uid.into()),
            ..Default::default()
        }
    }

    /// Cancel `amount` of `imp_uid`, given the balance the caller believes remains.
    pub fn partial(imp_uid: impl Into<String>, amount: Money, checksum: Money) -> Self {
        CancelRequest {
            imp_uid: Some(imp_uid.into()),
            amount: Some(amount),
            checksum: Some(checksum),
            ..Default::default()
        }
    }

    /// Sets the refundable balance the caller believes remains.
    pub fn checksum(mut self, balance: Money) -> Self {
        self.checksum = Some(balance);
        self
    }

    /// Sets the reason.
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    /// Sets the tax-free part.
    pub fn tax_free(mut self, amount: Money) -> Self {
        self.tax_free = Some(amount);
        self
    }

    /// Sets the VAT part.
    pub fn vat_amount(mut self, amount: Money) -> Self {
        self.vat_amount = Some(amount);
        self
    }

    /// Sets the refund destination (virtual-account refunds).
    pub fn refund_to(
        mut self,
        holder: impl Into<String>,
        bank: impl Into<String>,
        account: impl Into<String>,
    ) -> Self {
        self.refund_holder = Some(holder.into());
        self.refund_bank = Some(bank.into());
        self.refund_account = Some(account.into());
        self
    }

    pub(crate) fn validate(&self) -> crate::Result<()> {
        let imp = self
            .imp_uid
            .as_deref()
            .is_some_and(|s| !s.trim().is_empty());
        let mer = self
            .merchant_uid
            .as_deref()
            .is_some_and(|s| !s.trim().is_empty());
        if !imp && !mer {
            return Err(crate::Error::invalid(
                "imp_uid",
                "a cancel needs imp_uid or merchant_uid",
            ));
        }
        if let Some(m) = &self.merchant_uid {
            crate::validate::merchant_uid(m)?;
        }
        for (field, v) in [
            ("amount", self.amount),
            ("tax_free", self.tax_free),
            ("vat_amount", self.vat_amount),
            ("checksum", self.checksum),
        ] {
            if v.is_some_and(Money::is_negative) {
                return Err(crate::Error::invalid(field, "must not be negative"));
            }
        }
        Ok(())
    }
}

/// Paging and order of a payment list.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct PaymentListQuery {
    /// Page, from 1.
    pub page: Option<u32>,
    /// Page size, 1–1000 (server default 20).
    pub limit: Option<u32>,
    /// Order (server default newest start first).
    pub sorting: Option<Sorting>,
}

impl PaymentListQuery {
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

    /// Sets the order.
    pub fn sorting(mut self, sorting: Sorting) -> Self {
        self.sorting = Some(sorting);
        self
    }

    pub(crate) fn validate(&self) -> crate::Result<()> {
        crate::validate::page(self.page)?;
        crate::validate::limit(self.limit)?;
        if let Some(Sorting::Other(_)) = self.sorting {
            return Err(crate::Error::invalid("sorting", "unknown sorting"));
        }
        Ok(())
    }
}

/// Query of `GET /payments/status/{payment_status}`.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct PaymentsByStatusQuery {
    /// Only this status; `None` for all.
    pub status: Option<PaymentStatus>,
    /// From (inclusive, unix seconds) of the timestamp matching the status; server
    /// default `to` − 90 days.
    pub from: Option<i64>,
    /// To (inclusive); server default now.
    pub to: Option<i64>,
    /// Paging and order.
    pub list: PaymentListQuery,
}

impl PaymentsByStatusQuery {
    /// Payments in `status` (`None`: all).
    pub fn status(status: Option<PaymentStatus>) -> Self {
        PaymentsByStatusQuery {
            status,
            ..Default::default()
        }
    }

    /// Limits to `from..=to`.
    pub fn window(mut self, from: i64, to: i64) -> Self {
        self.from = Some(from);
        self.to = Some(to);
        self
    }

    /// Sets paging and order.
    pub fn list(mut self, list: PaymentListQuery) -> Self {
        self.list = list;
        self
    }
}

/// Status segments must be known values: an arbitrary text in a path could address
/// another resource.
pub(crate) fn status_segment(status: &PaymentStatus) -> crate::Result<&'static str> {
    match status {
        PaymentStatus::Ready => Ok("ready"),
        PaymentStatus::Paid => Ok("paid"),
        PaymentStatus::Cancelled => Ok("cancelled"),
        PaymentStatus::Failed => Ok("failed"),
        PaymentStatus::Other(_) => Err(crate::Error::invalid("payment_status", "unknown status")),
    }
}
