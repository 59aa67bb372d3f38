//! Payment queries and cancels: `/payments…`.

use std::sync::Arc;

use hyper::StatusCode;

use crate::auth::splitmix;
use crate::error::{ApiError, ApiResult};
use crate::params::Params;
use crate::routes::reply::{Reply, ok, page_limit, with_status};
use crate::state::AppState;
use crate::store::{self, StoredPayment, sorting_sql};
use crate::wire::{
    Balance, BalanceHistory, BalanceParts, CancelHistory, Page, Payment, WebhookBody, default_vat,
};

const WINDOW_90_DAYS: i64 = 90 * 86_400;

fn not_found_imp(imp_uid: &str) -> ApiError {
    ApiError::not_found(format!(
        "존재하지 않는 결제정보입니다. (imp_uid: {imp_uid})"
    ))
}

pub fn get(state: &Arc<AppState>, imp_uid: &str, q: &Params) -> ApiResult<Reply> {
    let include_sandbox = q.opt_bool("include_sandbox")?.unwrap_or(false);
    let _ = q.opt_bool("extension")?;
    let conn = state.store.lock();
    match store::payment_by_imp(&conn, imp_uid)? {
        // Test-channel payments are hidden unless asked for, as documented.
        Some(p) if !p.payment.sandbox || include_sandbox => ok(p.payment),
        _ => Err(not_found_imp(imp_uid)),
    }
}

pub fn multi(state: &Arc<AppState>, q: &Params) -> ApiResult<Reply> {
    let imps = q.opt_str_array("imp_uid")?.unwrap_or_default();
    let muids = q.opt_str_array("merchant_uid")?.unwrap_or_default();
    let n = imps.len() + muids.len();
    if n == 0 {
        return Err(ApiError::bad_request(
            "imp_uid[] 또는 merchant_uid[] 파라메터가 필요합니다.",
        ));
    }
    if n > 100 {
        return Err(ApiError::bad_request(
            "한 번에 최대 100건까지 조회할 수 있습니다.",
        ));
    }
    let conn = state.store.lock();
    let mut found: Vec<Payment> = Vec::new();
    for i in &imps {
        if let Some(p) = store::payment_by_imp(&conn, i)? {
            found.push(p.payment);
        }
    }
    for m in &muids {
        // One merchant_uid may have several attempts; the newest stands for it.
        let (_, list) =
            store::payments_by_merchant(&conn, m, None, "started_at DESC, id DESC", 1, 0)?;
        if let Some(p) = list.into_iter().next() {
            found.push(p.payment);
        }
    }
    if found.is_empty() {
        return Err(ApiError::not_found("요청하신 결제정보를 찾을 수 없습니다."));
    }
    let status = if found.len() < n {
        StatusCode::MULTI_STATUS
    } else {
        StatusCode::OK
    };
    with_status(status, found)
}

fn check_status(st: &str, allow_all: bool) -> ApiResult<Option<&str>> {
    match st {
        "ready" | "paid" | "cancelled" | "failed" => Ok(Some(st)),
        "all" if allow_all => Ok(None),
        _ => Err(ApiError::bad_request(format!(
            "지원하지 않는 결제상태입니다: {st}"
        ))),
    }
}

fn order_sql(q: &Params) -> ApiResult<&'static str> {
    let sorting = q.opt_str("sorting")?;
    sorting_sql(sorting.as_deref()).ok_or_else(|| {
        ApiError::bad_request(
            "sorting은 -started, started, -paid, paid, -updated, updated 중 하나여야 합니다.",
        )
    })
}

pub fn find(
    state: &Arc<AppState>,
    muid: &str,
    status: Option<&str>,
    q: &Params,
) -> ApiResult<Reply> {
    let status = match status {
        Some(s) => check_status(s, false)?,
        None => None,
    };
    let order = order_sql(q)?;
    let conn = state.store.lock();
    let (_, list) = store::payments_by_merchant(&conn, muid, status, order, 1, 0)?;
    match list.into_iter().next() {
        Some(p) => ok(p.payment),
        None => Err(ApiError::not_found(format!(
            "존재하지 않는 결제정보입니다. (merchant_uid: {muid})"
        ))),
    }
}

pub fn find_all(
    state: &Arc<AppState>,
    muid: &str,
    status: Option<&str>,
    q: &Params,
) -> ApiResult<Reply> {
    let status = match status {
        Some(s) => check_status(s, false)?,
        None => None,
    };
    let (page, limit) = page_limit(q, 20, 1000)?;
    let order = order_sql(q)?;
    let conn = state.store.lock();
    let (total, list) =
        store::payments_by_merchant(&conn, muid, status, order, limit, (page - 1) * limit)?;
    if total == 0 {
        return Err(ApiError::not_found(format!(
            "존재하지 않는 결제정보입니다. (merchant_uid: {muid})"
        )));
    }
    let list: Vec<Payment> = list.into_iter().map(|p| p.payment).collect();
    ok(Page::new(total, page, limit, list))
}

pub fn by_status(state: &Arc<AppState>, st: &str, q: &Params) -> ApiResult<Reply> {
    let status = check_status(st, true)?;
    let (page, limit) = page_limit(q, 20, 1000)?;
    let order = order_sql(q)?;
    let now = state.clock.now();
    let to = q.opt_i64("to")?.unwrap_or(now);
    let from = q.opt_i64("from")?.unwrap_or(to - WINDOW_90_DAYS);
    if from > to {
        return Err(ApiError::bad_request("from은 to보다 클 수 없습니다."));
    }
    if to - from > WINDOW_90_DAYS {
        return Err(ApiError::bad_request("검색기간은 최대 90일까지입니다."));
    }
    let conn = state.store.lock();
    let (total, list) =
        store::payments_by_status(&conn, status, from, to, order, limit, (page - 1) * limit)?;
    let last = if total == 0 {
        1
    } else {
        (total + limit - 1) / limit
    };
    if page > last {
        return Err(ApiError::bad_request(format!(
            "page는 최대 {last}까지입니다."
        )));
    }
    let list: Vec<Payment> = list.into_iter().map(|p| p.payment).collect();
    ok(Page::new(total, page, limit, list))
}

pub fn cancel(state: &Arc<AppState>, p: &Params) -> ApiResult<Reply> {
    let imp_uid = p.opt_str("imp_uid")?.filter(|s| !s.is_empty());
    let merchant_uid = p.opt_str("merchant_uid")?.filter(|s| !s.is_empty());
    let amount = p.opt_i64("amount")?.unwrap_or(0);
    let tax_free = p.opt_i64("tax_free")?;
    let vat_amount = p.opt_i64("vat_amount")?;
    let checksum = p.opt_i64("checksum")?;
    let reason = p.opt_str("reason")?.unwrap_or_default();
    let _ = p.opt_bool("retain_promotion")?;
    let enable_webhook = p.opt_bool("enable_webhook")?.unwrap_or(false);
    if imp_uid.is_none() && merchant_uid.is_none() {
        return Err(ApiError::bad_request(
            "imp_uid 또는 merchant_uid 파라메터가 필요합니다.",
        ));
    }
    if amount < 0 || tax_free.is_some_and(|t| t < 0) || vat_amount.is_some_and(|v| v < 0) {
        return Err(ApiError::refused("취소금액은 0 이상이어야 합니다."));
    }
    let now = state.clock.now();
    let conn = state.store.lock();
    // imp_uid wins; an unknown imp_uid fails even when merchant_uid would match.
    let sp: Option<StoredPayment> = match (&imp_uid, &merchant_uid) {
        (Some(i), _) => store::payment_by_imp(&conn, i)?,
        (None, Some(m)) => {
            store::payments_by_merchant(&conn, m, Some("paid"), "paid_at DESC, id DESC", 1, 0)?
                .1
                .into_iter()
                .next()
        }
        (None, None) => None,
    };
    let Some(sp) = sp else {
        return Err(ApiError::refused("취소할 결제건이 존재하지 않습니다."));
    };
    let pay = &sp.payment;
    if pay.status == "cancelled" {
        return Err(ApiError::refused("이미 전액취소된 주문입니다."));
    }
    if pay.status != "paid" {
        return Err(ApiError::refused(format!(
            "결제완료 상태가 아닌 거래는 취소할 수 없습니다. (status: {})",
            pay.status
        )));
    }
    let cancellable = pay.amount - pay.cancel_amount;
    if let Some(c) = checksum
        && c != cancellable
    {
        return Err(ApiError::refused(format!(
            "요청하신 checksum({c})이 취소가능잔액({cancellable})과 일치하지 않습니다."
        )));
    }
    let amount = if amount == 0 { cancellable } else { amount };
    if amount > cancellable {
        return Err(ApiError::refused(format!(
            "취소요청금액({amount})이 취소가능잔액({cancellable})보다 큽니다."
        )));
    }
    let tax_free_left = sp.tax_free - sp.cancel_tax_free;
    let full = amount == cancellable;
    let tf = match tax_free {
        Some(t) => t,
        // Full cancels take what is left; partial ones default to 0, as the spec says.
        None if full => tax_free_left,
        None => 0,
    };
    if tf > tax_free_left || tf > amount {
        return Err(ApiError::refused(format!(
            "취소 면세금액(tax_free {tf})이 취소가능 면세금액({tax_free_left})보다 큽니다."
        )));
    }
    let vat_left = sp.vat_amount - sp.cancel_vat;
    let vat = match vat_amount {
        Some(v) => v,
        None if full => vat_left,
        None => default_vat(amount, tf).min(vat_left),
    };
    if vat > vat_left || vat > amount - tf {
        return Err(ApiError::refused(format!(
            "취소 부가세(vat_amount {vat})가 취소가능 부가세({vat_left})보다 큽니다."
        )));
    }
    let n = store::cancel_count(&conn)? + 1;
    // `n` counts every cancel the sandbox has made, so it alone keeps ids unique; the hash
    // only makes the PG transaction id look like one.
    let h = splitmix(((sp.id as u64) << 32) | n as u64);
    let history = CancelHistory {
        pg_tid: format!("{}{:016}", pay.pg_id, h % 10_000_000_000_000_000),
        amount,
        cancelled_at: now,
        reason: reason.clone(),
        cancellation_id: format!("cncl_{n:012}"),
        receipt_url: Some(format!("{}?cancel={n}", state.receipt_url(&pay.imp_uid))),
    };
    store::apply_cancel(&conn, &sp, amount, tf, vat, &reason, now, &history)?;
    let updated = store::payment_by_imp(&conn, &pay.imp_uid)?
        .ok_or_else(|| ApiError::internal("payment vanished during cancel"))?;
    if updated.payment.status == "cancelled" {
        store::mark_schedule_payment_cancelled(&conn, &pay.imp_uid)?;
    }
    drop(conn);
    tracing::info!(imp_uid = %pay.imp_uid, amount, "cancel recorded");
    if enable_webhook && let Some(url) = p.opt_str("notice_url")? {
        state.spawn_webhook(
            url,
            WebhookBody {
                imp_uid: updated.payment.imp_uid.clone(),
                merchant_uid: updated.payment.merchant_uid.clone(),
                status: "cancelled".into(),
            },
        );
    }
    ok(updated.payment)
}

fn parts(total: i64, tax_free: i64, vat: i64) -> BalanceParts {
    BalanceParts {
        tax_free,
        supply: total - tax_free - vat,
        vat,
        service: 0,
    }
}

/// The spec documents this for PAYCO only; the sandbox answers it for every card
/// payment (see README, Deviations) so clients can test their reading of it.
pub fn balance(state: &Arc<AppState>, imp_uid: &str) -> ApiResult<Reply> {
    let conn = state.store.lock();
    let sp = store::payment_by_imp(&conn, imp_uid)?.ok_or_else(|| not_found_imp(imp_uid))?;
    let p = &sp.payment;
    let remaining = p.amount - p.cancel_amount;
    let primary = parts(
        remaining,
        sp.tax_free - sp.cancel_tax_free,
        sp.vat_amount - sp.cancel_vat,
    );
    let zero = BalanceParts::default();
    let mut histories = Vec::new();
    if p.paid_at > 0 {
        histories.push(BalanceHistory {
            cash_receipt: zero,
            primary: parts(p.amount, sp.tax_free, sp.vat_amount),
            secondary: zero,
            discount: zero,
            created: p.paid_at,
        });
    }
    ok(Balance {
        amount: remaining,
        cash_receipt: zero,
        primary,
        secondary: zero,
        discount: zero,
        histories,
    })
}
