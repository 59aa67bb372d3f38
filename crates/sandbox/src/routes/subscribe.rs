//! Charges: `POST /subscribe/payments/onetime` and `POST /subscribe/payments/again`.

use std::sync::Arc;

use crate::cards::{self, CardBehaviour, FAIL_ISSUE_MESSAGE};
use crate::charge::{self, CardSnapshot, Order, fill_buyer_from_key, snapshot_of_key};
use crate::error::{ApiError, ApiResult};
use crate::params::Params;
use crate::pg::{self, ChargeFields};
use crate::routes::customers::{card_input, check_customer_uid, contact, new_customer};
use crate::routes::reply::{Reply, ok};
use crate::state::AppState;
use crate::store;
use crate::wire::WebhookBody;

/// Reads the order fields common to every charge request.
pub fn order_from(p: &Params) -> ApiResult<Order> {
    let buyer = contact(p, "buyer")?;
    let name = p.opt_str("name")?;
    if name.as_ref().is_some_and(|n| n.chars().count() > 40) {
        return Err(ApiError::refused("name은 최대 40자까지 가능합니다."));
    }
    // `vat` is the deprecated name of tax_free's complement; only `tax_free` and
    // `vat_amount` are honoured, `vat` is read only for type checking.
    let _ = p.opt_i64("vat")?;
    Ok(Order {
        merchant_uid: p.req_str("merchant_uid")?,
        amount: p.req_i64("amount")?,
        currency: p.opt_str("currency")?.unwrap_or_else(|| "KRW".into()),
        tax_free: p.opt_i64("tax_free")?.unwrap_or(0),
        vat_amount: p.opt_i64("vat_amount")?,
        name,
        buyer_name: buyer.name,
        buyer_email: buyer.email,
        buyer_tel: buyer.tel,
        buyer_addr: buyer.addr,
        buyer_postcode: buyer.postcode,
        custom_data: p.opt_str("custom_data")?,
        card_quota: p.opt_i64("card_quota")?.unwrap_or(0),
        notice_url: p.opt_str("notice_url")?,
    })
}

pub fn onetime(state: &Arc<AppState>, p: &Params) -> ApiResult<Reply> {
    let order = order_from(p)?;
    let customer_uid = p.opt_str("customer_uid")?.filter(|s| !s.is_empty());
    if let Some(uid) = &customer_uid {
        check_customer_uid(uid)?;
    }
    let channel = pg::resolve(
        p.opt_str("pg")?.as_deref(),
        p.opt_str("channel_key")?.as_deref(),
    );
    pg::check_onetime(channel)?;
    let product_type = p.opt_str("product_type")?;
    pg::check_onetime_fields(
        channel,
        &ChargeFields {
            name: order.name.as_deref(),
            buyer_name: order.buyer_name.as_deref(),
            buyer_email: order.buyer_email.as_deref(),
            buyer_tel: order.buyer_tel.as_deref(),
            product_type: product_type.as_deref(),
            customer_uid: customer_uid.as_deref(),
        },
    )?;
    charge::check_order(&order)?;
    let now = state.clock.now();
    let input = card_input(p)?;
    let reqs = pg::onetime_requirements(channel, customer_uid.is_some());
    let profile = cards::validate(&input, reqs, now)
        .map_err(|m| ApiError::card_auth(format!("카드정보 인증에 실패하였습니다. {m}")))?;
    if profile.behaviour == CardBehaviour::FailIssue {
        return Err(ApiError::card_auth(FAIL_ISSUE_MESSAGE));
    }
    let conn = state.store.lock();
    charge::check_merchant_uid(&conn, &order.merchant_uid, false)?;
    let snap = CardSnapshot {
        masked: Some(profile.masked.clone()),
        card_code: Some(profile.card_code.clone()),
        card_name: Some(profile.card_name.clone()),
        card_type: (channel.pg_provider != "html5_inicis").then_some(profile.card_type),
        behaviour: profile.behaviour,
        fail_reason: profile.fail_reason.clone(),
        settle_after_secs: profile.settle_after_secs,
    };
    let usage = customer_uid.as_ref().map(|_| "issue");
    let payment = charge::execute(
        state,
        &conn,
        channel,
        &order,
        &snap,
        customer_uid.as_deref(),
        usage,
        now,
    )?;
    // The key is stored only when the charge did not fail (paid, or `ready` and still
    // settling: the card authenticated); buyer_* become customer_*.
    if let Some(uid) = &customer_uid
        && payment.status != "failed"
    {
        let c = crate::routes::customers::Contact {
            name: order.buyer_name.clone(),
            tel: order.buyer_tel.clone(),
            email: order.buyer_email.clone(),
            addr: order.buyer_addr.clone(),
            postcode: order.buyer_postcode.clone(),
        };
        let mut cust = new_customer(uid, channel, &profile, c, p.opt_str("customer_id")?, now);
        if let Some(old) = store::customer(&conn, uid)? {
            cust.inserted = old.inserted;
        }
        store::upsert_customer(&conn, &cust)?;
    }
    drop(conn);
    notify_paid(state, &order, &payment);
    ok(payment)
}

/// Webhooks go out for approved charges only ("not sent for ordinary failed payments").
fn notify_paid(state: &Arc<AppState>, order: &Order, payment: &crate::wire::Payment) {
    if let Some(url) = order.notice_url.clone()
        && payment.status == "paid"
    {
        state.spawn_webhook(
            url,
            WebhookBody {
                imp_uid: payment.imp_uid.clone(),
                merchant_uid: payment.merchant_uid.clone(),
                status: payment.status.clone(),
            },
        );
    }
}

pub fn again(state: &Arc<AppState>, p: &Params) -> ApiResult<Reply> {
    let customer_uid = p.req_str("customer_uid")?;
    let mut order = order_from(p)?;
    let product_type = p.opt_str("product_type")?;
    charge::check_order(&order)?;
    let now = state.clock.now();
    let conn = state.store.lock();
    let Some(cust) = store::customer(&conn, &customer_uid)? else {
        return Err(ApiError::refused("등록되지 않은 구매자입니다."));
    };
    let channel = pg::find_channel(&cust.pg_provider, &cust.pg_id).unwrap_or(pg::DEFAULT_CHANNEL);
    pg::check_again_fields(
        channel,
        &ChargeFields {
            name: order.name.as_deref(),
            buyer_name: order.buyer_name.as_deref(),
            product_type: product_type.as_deref(),
            ..Default::default()
        },
        cust.customer_name.as_deref(),
    )?;
    fill_buyer_from_key(&mut order, &cust);
    charge::check_merchant_uid(&conn, &order.merchant_uid, false)?;
    let snap = snapshot_of_key(&cust);
    let payment = charge::execute(
        state,
        &conn,
        channel,
        &order,
        &snap,
        Some(&customer_uid),
        Some("payment"),
        now,
    )?;
    drop(conn);
    notify_paid(state, &order, &payment);
    ok(payment)
}
