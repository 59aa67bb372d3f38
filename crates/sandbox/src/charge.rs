//! One card charge: the rules shared by `onetime`, `again`, schedule execution and
//! `retry` (amount/VAT/tax-free checks, the merchant_uid duplicate guard, the card's
//! approve/decline outcome) and the payment row it produces, and the later settlement
//! of charges that answered `ready`.

use rusqlite::Connection;

use crate::auth::splitmix;
use crate::cards::CardBehaviour;
use crate::error::{ApiError, ApiResult};
use crate::pg::{self, Channel};
use crate::state::AppState;
use crate::store;
use crate::wire::{Payment, WebhookBody, default_vat};

/// The order part of a charge request.
#[derive(Debug, Clone, Default)]
pub struct Order {
    pub merchant_uid: String,
    pub amount: i64,
    pub currency: String,
    pub tax_free: i64,
    pub vat_amount: Option<i64>,
    pub name: Option<String>,
    pub buyer_name: Option<String>,
    pub buyer_email: Option<String>,
    pub buyer_tel: Option<String>,
    pub buyer_addr: Option<String>,
    pub buyer_postcode: Option<String>,
    pub custom_data: Option<String>,
    pub card_quota: i64,
    pub notice_url: Option<String>,
}

/// The card as the PG sees it at charge time (masked; raw digits are gone by now).
#[derive(Debug, Clone)]
pub struct CardSnapshot {
    pub masked: Option<String>,
    pub card_code: Option<String>,
    pub card_name: Option<String>,
    pub card_type: Option<i64>,
    pub behaviour: CardBehaviour,
    pub fail_reason: Option<String>,
    /// `Some(n)`: the charge answers `ready` and settles `n` sandbox seconds later.
    pub settle_after_secs: Option<i64>,
}

/// Missing buyer_* fall back to the key's customer_* (stated by the spec for schedules;
/// the sandbox applies it to `again` too).
pub fn fill_buyer_from_key(order: &mut Order, cust: &crate::wire::Customer) {
    order.buyer_name = order
        .buyer_name
        .take()
        .or_else(|| cust.customer_name.clone());
    order.buyer_email = order
        .buyer_email
        .take()
        .or_else(|| cust.customer_email.clone());
    order.buyer_tel = order.buyer_tel.take().or_else(|| cust.customer_tel.clone());
    order.buyer_addr = order
        .buyer_addr
        .take()
        .or_else(|| cust.customer_addr.clone());
    order.buyer_postcode = order
        .buyer_postcode
        .take()
        .or_else(|| cust.customer_postcode.clone());
}

/// How a stored key behaves: the masked number identifies a test card.
pub fn snapshot_of_key(cust: &crate::wire::Customer) -> CardSnapshot {
    let tc = cust
        .card_number
        .as_deref()
        .and_then(crate::cards::test_card_for_masked);
    CardSnapshot {
        masked: cust.card_number.clone(),
        card_code: cust.card_code.clone(),
        card_name: Some(cust.card_name.clone()),
        card_type: cust.card_type,
        behaviour: tc.map_or(CardBehaviour::Approve, |c| c.behaviour),
        fail_reason: tc.and_then(|c| c.fail_reason).map(str::to_string),
        settle_after_secs: tc.and_then(|c| c.settle_after_secs),
    }
}

/// The refusal for an order id that already has a paid charge (code 1).
pub const DUPLICATE_PAID: &str = "이미 결제가 이루어진 거래건입니다.";
/// The refusal for an order id whose charge is still `ready`, waiting to settle (code 1).
pub const PENDING_READY: &str = "결제 승인 대기 중인 거래건입니다. (status: ready)";

/// Checks amounts that every charge endpoint shares. Amounts are whole units: the
/// sandbox's channels settle in KRW.
pub fn check_order(o: &Order) -> ApiResult<()> {
    if o.merchant_uid.is_empty() || o.merchant_uid.chars().count() > 40 {
        return Err(ApiError::refused("merchant_uid는 1~40자여야 합니다."));
    }
    if o.amount <= 0 {
        return Err(ApiError::refused("결제금액(amount)은 0보다 커야 합니다."));
    }
    if o.tax_free < 0 || o.tax_free > o.amount {
        return Err(ApiError::refused(
            "면세금액(tax_free)은 0 이상 결제금액 이하여야 합니다.",
        ));
    }
    if let Some(v) = o.vat_amount
        && (v < 0 || v > o.amount - o.tax_free)
    {
        return Err(ApiError::refused(
            "부가세(vat_amount)는 0 이상 과세금액 이하여야 합니다.",
        ));
    }
    if o.currency != "KRW" {
        return Err(ApiError::refused(format!(
            "{} 통화는 이 PG 채널에서 지원하지 않습니다. (KRW만 가능)",
            o.currency
        )));
    }
    pg::check_quota(o.card_quota, o.amount, &o.currency)
}

/// Refuses an order id that already has a paid charge, or that belongs to a schedule
/// that has not run (a schedule and a direct charge for the same period would charge
/// twice).
pub fn check_merchant_uid(
    conn: &Connection,
    merchant_uid: &str,
    from_schedule: bool,
) -> ApiResult<()> {
    if store::merchant_uid_was_paid(conn, merchant_uid)? {
        return Err(ApiError::refused(DUPLICATE_PAID));
    }
    // A charge still settling may yet become paid: a second one could charge twice.
    if store::merchant_uid_is_settling(conn, merchant_uid)? {
        return Err(ApiError::refused(PENDING_READY));
    }
    if !from_schedule
        && let Some(s) = store::schedule(conn, merchant_uid)?
        && s.schedule.schedule_status == "scheduled"
    {
        return Err(ApiError::refused(
            "결제예약에 등록된 merchant_uid입니다. 예약을 취소(unschedule)한 뒤 다시 시도하세요.",
        ));
    }
    Ok(())
}

/// Records the charge and returns the payment. A declined card yields a `failed`
/// payment (HTTP 200 / code 0), as the real API does; a card that settles later yields a
/// `ready` one whose outcome is stored for [`settle_due`].
#[allow(clippy::too_many_arguments)]
pub fn execute(
    state: &AppState,
    conn: &Connection,
    channel: &Channel,
    order: &Order,
    card: &CardSnapshot,
    customer_uid: Option<&str>,
    usage: Option<&str>,
    now: i64,
) -> ApiResult<Payment> {
    let id = store::next_payment_id(conn)?;
    let imp_uid = store::imp_uid_for(id);
    let h = splitmix(id as u64 ^ (now as u64).rotate_left(17));
    let will_approve = card.behaviour == CardBehaviour::Approve;
    let settling = card.settle_after_secs.is_some();
    let approved = will_approve && !settling;
    let (status, paid_at, failed_at) = if settling {
        ("ready", 0, 0)
    } else if approved {
        ("paid", now, 0)
    } else {
        ("failed", 0, now)
    };
    let payment = Payment {
        imp_uid: imp_uid.clone(),
        merchant_uid: order.merchant_uid.clone(),
        pay_method: "card".into(),
        channel: "api".into(),
        pg_provider: channel.pg_provider.into(),
        emb_pg_provider: None,
        pg_tid: Some(format!(
            "{}{:016}",
            channel.pg_id,
            h % 10_000_000_000_000_000
        )),
        pg_id: channel.pg_id.into(),
        sandbox: channel.sandbox,
        escrow: false,
        apply_num: approved.then(|| format!("{:08}", (h >> 20) % 100_000_000)),
        bank_code: None,
        bank_name: None,
        card_code: card.card_code.clone(),
        card_name: card.card_name.clone(),
        card_issuer_code: None,
        card_issuer_name: None,
        card_publisher_code: None,
        card_publisher_name: None,
        card_quota: if order.card_quota >= 2 {
            order.card_quota
        } else {
            0
        },
        card_number: card.masked.clone(),
        card_type: card.card_type,
        vbank_code: None,
        vbank_name: None,
        vbank_num: None,
        vbank_holder: None,
        vbank_date: 0,
        vbank_issued_at: 0,
        name: order.name.clone(),
        amount: order.amount,
        cancel_amount: 0,
        currency: order.currency.clone(),
        buyer_name: order.buyer_name.clone(),
        buyer_email: order.buyer_email.clone(),
        buyer_tel: order.buyer_tel.clone(),
        buyer_addr: order.buyer_addr.clone(),
        buyer_postcode: order.buyer_postcode.clone(),
        custom_data: order.custom_data.clone(),
        user_agent: None,
        status: status.into(),
        started_at: now,
        paid_at,
        failed_at,
        cancelled_at: 0,
        fail_reason: if approved || settling {
            None
        } else {
            card.fail_reason.clone()
        },
        cancel_reason: None,
        receipt_url: approved.then(|| state.receipt_url(&imp_uid)),
        cancel_history: Vec::new(),
        cancel_receipt_urls: Vec::new(),
        cash_receipt_issued: false,
        customer_uid: customer_uid.map(str::to_string),
        customer_uid_usage: usage.map(str::to_string),
    };
    let vat = order
        .vat_amount
        .unwrap_or_else(|| default_vat(order.amount, order.tax_free));
    store::insert_payment(conn, id, &payment, order.tax_free, vat)?;
    if let Some(after) = card.settle_after_secs {
        store::set_pending_settle(
            conn,
            id,
            &store::PendingSettle {
                at: now + after.max(0),
                paid: will_approve,
                fail_reason: (!will_approve).then(|| card.fail_reason.clone()).flatten(),
                notice_url: order.notice_url.clone(),
                // Scheduled executions notify on both outcomes; other charges on paid only.
                notify_failed: usage == Some("payment.scheduled"),
            },
        )?;
    }
    tracing::info!(imp_uid = %payment.imp_uid, merchant_uid = %payment.merchant_uid, status = %payment.status, amount = payment.amount, "charge recorded");
    Ok(payment)
}

/// Settles every `ready` charge whose time has come (at its own settle time, like a
/// schedule that ran during a clock jump): `paid` with approval number and receipt, or
/// `failed` with the card's reason. A schedule that produced the charge follows. Returns
/// the webhooks to send.
pub fn settle_due(
    state: &AppState,
    conn: &Connection,
    now: i64,
) -> ApiResult<Vec<(String, WebhookBody)>> {
    let mut hooks = Vec::new();
    for (id, imp_uid, merchant_uid, pending) in store::due_settlements(conn, now)? {
        let at = pending.at.min(now);
        let h = splitmix(id as u64 ^ (at as u64).rotate_left(23));
        let outcome = if pending.paid {
            store::Settlement::Paid {
                apply_num: format!("{:08}", (h >> 20) % 100_000_000),
                receipt_url: state.receipt_url(&imp_uid),
            }
        } else {
            store::Settlement::Failed {
                fail_reason: pending
                    .fail_reason
                    .clone()
                    .unwrap_or_else(|| "카드사 승인이 거절되었습니다.".into()),
            }
        };
        store::settle_payment(conn, id, &imp_uid, at, &outcome)?;
        let status = if pending.paid { "paid" } else { "failed" };
        tracing::info!(%imp_uid, %merchant_uid, status, "ready charge settled");
        if let Some(url) = pending.notice_url
            && (pending.paid || pending.notify_failed)
        {
            hooks.push((
                url,
                WebhookBody {
                    imp_uid,
                    merchant_uid,
                    status: status.into(),
                },
            ));
        }
    }
    Ok(hooks)
}
