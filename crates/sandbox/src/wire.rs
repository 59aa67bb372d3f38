//! Wire types the sandbox sends, named and typed as in the official V1 spec
//! (`PaymentAnnotation`, `CustomerAnnotation`, `ScheduleResultAnnotation`, …).
//! Optional fields are sent as JSON `null` rather than omitted, as the real API does.

use serde::Serialize;

/// `{code, message, response}`: every answer, success or not, has this shape.
#[derive(Debug, Serialize)]
pub struct Envelope<T: Serialize> {
    pub code: i64,
    pub message: Option<String>,
    pub response: Option<T>,
}

#[derive(Debug, Serialize)]
pub struct AuthAnnotation {
    pub access_token: String,
    pub expired_at: i64,
    pub now: i64,
}

#[derive(Debug, Serialize, Clone)]
pub struct PgSetting {
    pub pg_provider: String,
    pub pg_id: String,
    pub sandbox: bool,
    #[serde(rename = "type")]
    pub kind: String,
    pub channel_name: String,
    pub channel_key: String,
}

#[derive(Debug, Serialize, Clone)]
pub struct StandardCode {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Serialize, Clone, PartialEq)]
pub struct Customer {
    pub customer_uid: String,
    pub pg_provider: String,
    pub pg_id: String,
    pub sandbox: bool,
    pub customer_id: Option<String>,
    pub card_name: String,
    pub card_code: Option<String>,
    pub card_issuer_code: Option<String>,
    pub card_issuer_name: Option<String>,
    pub card_publisher_code: Option<String>,
    pub card_publisher_name: Option<String>,
    pub card_number: Option<String>,
    pub card_type: Option<i64>,
    pub customer_name: Option<String>,
    pub customer_tel: Option<String>,
    pub customer_email: Option<String>,
    pub customer_addr: Option<String>,
    pub customer_postcode: Option<String>,
    pub inserted: i64,
    pub updated: i64,
}

#[derive(Debug, Serialize, Clone, PartialEq)]
pub struct CancelHistory {
    pub pg_tid: String,
    pub amount: i64,
    pub cancelled_at: i64,
    pub reason: String,
    pub cancellation_id: String,
    pub receipt_url: Option<String>,
}

#[derive(Debug, Serialize, Clone, PartialEq)]
pub struct Payment {
    pub imp_uid: String,
    pub merchant_uid: String,
    pub pay_method: String,
    pub channel: String,
    pub pg_provider: String,
    pub emb_pg_provider: Option<String>,
    pub pg_tid: Option<String>,
    pub pg_id: String,
    pub sandbox: bool,
    pub escrow: bool,
    pub apply_num: Option<String>,
    pub bank_code: Option<String>,
    pub bank_name: Option<String>,
    pub card_code: Option<String>,
    pub card_name: Option<String>,
    pub card_issuer_code: Option<String>,
    pub card_issuer_name: Option<String>,
    pub card_publisher_code: Option<String>,
    pub card_publisher_name: Option<String>,
    pub card_quota: i64,
    pub card_number: Option<String>,
    pub card_type: Option<i64>,
    pub vbank_code: Option<String>,
    pub vbank_name: Option<String>,
    pub vbank_num: Option<String>,
    pub vbank_holder: Option<String>,
    pub vbank_date: i64,
    pub vbank_issued_at: i64,
    pub name: Option<String>,
    pub amount: i64,
    pub cancel_amount: i64,
    pub currency: String,
    pub buyer_name: Option<String>,
    pub buyer_email: Option<String>,
    pub buyer_tel: Option<String>,
    pub buyer_addr: Option<String>,
    pub buyer_postcode: Option<String>,
    pub custom_data: Option<String>,
    pub user_agent: Option<String>,
    pub status: String,
    pub started_at: i64,
    pub paid_at: i64,
    pub failed_at: i64,
    pub cancelled_at: i64,
    pub fail_reason: Option<String>,
    pub cancel_reason: Option<String>,
    pub receipt_url: Option<String>,
    pub cancel_history: Vec<CancelHistory>,
    pub cancel_receipt_urls: Vec<String>,
    pub cash_receipt_issued: bool,
    pub customer_uid: Option<String>,
    pub customer_uid_usage: Option<String>,
}

#[derive(Debug, Serialize, Clone, PartialEq)]
pub struct Schedule {
    pub customer_uid: String,
    pub merchant_uid: String,
    pub imp_uid: Option<String>,
    pub pg_provider: Option<String>,
    pub pg_id: Option<String>,
    pub customer_id: Option<String>,
    pub schedule_at: i64,
    pub executed_at: i64,
    pub revoked_at: i64,
    pub amount: i64,
    pub currency: String,
    pub name: Option<String>,
    pub buyer_name: Option<String>,
    pub buyer_email: Option<String>,
    pub buyer_tel: Option<String>,
    pub buyer_addr: Option<String>,
    pub buyer_postcode: Option<String>,
    pub custom_data: Option<String>,
    pub schedule_status: String,
    pub payment_status: Option<String>,
    pub fail_reason: Option<String>,
}

/// `{total, previous, next, list}`; previous/next are page numbers, 0 when none.
#[derive(Debug, Serialize)]
pub struct Page<T: Serialize> {
    pub total: i64,
    pub previous: i64,
    pub next: i64,
    pub list: Vec<T>,
}

impl<T: Serialize> Page<T> {
    pub fn new(total: i64, page: i64, limit: i64, list: Vec<T>) -> Self {
        let last = if total == 0 {
            1
        } else {
            (total + limit - 1) / limit
        };
        Self {
            total,
            previous: if page > 1 { page - 1 } else { 0 },
            next: if page < last { page + 1 } else { 0 },
            list,
        }
    }
}

/// `PaymentBalanceAnnotation`.
#[derive(Debug, Serialize, Clone, Copy, Default)]
pub struct BalanceParts {
    pub tax_free: i64,
    pub supply: i64,
    pub vat: i64,
    pub service: i64,
}

#[derive(Debug, Serialize)]
pub struct BalanceHistory {
    pub cash_receipt: BalanceParts,
    pub primary: BalanceParts,
    pub secondary: BalanceParts,
    pub discount: BalanceParts,
    pub created: i64,
}

/// `PaymentBalanceResponseAnnotation`.
#[derive(Debug, Serialize)]
pub struct Balance {
    pub amount: i64,
    pub cash_receipt: BalanceParts,
    pub primary: BalanceParts,
    pub secondary: BalanceParts,
    pub discount: BalanceParts,
    pub histories: Vec<BalanceHistory>,
}

/// Webhook body, as documented: `{imp_uid, merchant_uid, status}`.
#[derive(Debug, Serialize, Clone)]
pub struct WebhookBody {
    pub imp_uid: String,
    pub merchant_uid: String,
    pub status: String,
}

/// VAT when not given: (amount − tax_free) / 11, rounded half up to whole won.
pub fn default_vat(amount: i64, tax_free: i64) -> i64 {
    let taxable = (amount - tax_free).max(0);
    (2 * taxable + 11) / 22
}
