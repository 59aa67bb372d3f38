//! Schedules: `/subscribe/payments/schedule…`, `/unschedule` and the per-customer lists.

use std::collections::HashSet;
use std::sync::Arc;

use hyper::StatusCode;

use crate::charge::{self, Order};
use crate::error::{ApiError, ApiResult};
use crate::executor;
use crate::params::Params;
use crate::pg::{self, ChannelType};
use crate::routes::customers::{
    Contact, authenticate_for_key, card_input, check_customer_uid, new_customer,
};
use crate::routes::reply::{Reply, ok, page_limit};
use crate::routes::subscribe::order_from;
use crate::state::AppState;
use crate::store::{self, StoredSchedule};
use crate::wire::{Page, Schedule};

/// Schedule queries may span at most three months (taken as 3 × 31 days).
pub const WINDOW_3_MONTHS: i64 = 93 * 86_400;

fn not_found(muid: &str) -> ApiError {
    ApiError::not_found(format!(
        "요청하신 merchant_uid({muid})의 결제예약 정보가 존재하지 않습니다."
    ))
}

fn check_schedule_status(s: Option<String>) -> ApiResult<Option<String>> {
    match s.as_deref() {
        None | Some("") => Ok(None),
        Some("scheduled" | "executed" | "revoked") => Ok(s),
        Some(other) => Err(ApiError::bad_request(format!(
            "지원하지 않는 예약상태입니다: {other}"
        ))),
    }
}

fn window(from: i64, to: i64) -> ApiResult<()> {
    if from >= to {
        return Err(ApiError::bad_request(
            "조회 시작시각은 종료시각보다 앞서야 합니다.",
        ));
    }
    if to - from > WINDOW_3_MONTHS {
        return Err(ApiError::bad_request(
            "결제예약 조회기간은 최대 3개월입니다.",
        ));
    }
    Ok(())
}

pub fn create(state: &Arc<AppState>, p: &Params) -> ApiResult<Reply> {
    let customer_uid = p.req_str("customer_uid")?;
    check_customer_uid(&customer_uid)?;
    let entries = p.req_objects("schedules")?;
    if entries.is_empty() {
        return Err(ApiError::bad_request("schedules 파라메터가 비어 있습니다."));
    }
    let now = state.clock.now();
    let mut rows = Vec::with_capacity(entries.len());
    let mut seen = HashSet::new();
    for e in &entries {
        let mut order: Order = order_from(e)?;
        order.currency = e.opt_str("currency")?.unwrap_or_else(|| "KRW".into());
        charge::check_order(&order)?;
        let schedule_at = e.req_i64("schedule_at")?;
        if schedule_at <= now {
            return Err(ApiError::refused(format!(
                "결제예약 시각(schedule_at {schedule_at})은 현재 시각({now}) 이후여야 합니다."
            )));
        }
        if !seen.insert(order.merchant_uid.clone()) {
            return Err(ApiError::refused(format!(
                "요청에 중복된 merchant_uid가 있습니다: {}",
                order.merchant_uid
            )));
        }
        rows.push((order, schedule_at, e.opt_str("product_type")?));
    }
    let input = card_input(p)?;
    let checking_amount = p.opt_i64("checking_amount")?.unwrap_or(0);
    let conn = state.store.lock();
    let mut cust = store::customer(&conn, &customer_uid)?;
    if cust.is_none() {
        // No key yet: card data is required and a key is issued first.
        if input.is_empty() {
            return Err(ApiError::refused("등록된 고객정보가 없습니다."));
        }
        let channel = pg::resolve(
            p.opt_str("pg")?.as_deref(),
            p.opt_str("channel_key")?.as_deref(),
        );
        if channel.kind == ChannelType::Payment {
            return Err(ApiError::refused(format!(
                "{}는 결제창으로 발급한 빌링키만 사용할 수 있어 카드정보를 전달할 수 없습니다.",
                channel.pg_provider
            )));
        }
        pg::check_rest_issue(channel)?;
        let profile = authenticate_for_key(&input, channel, now)?;
        if checking_amount > 0 && profile.behaviour != crate::cards::CardBehaviour::Approve {
            return Err(ApiError::refused(format!(
                "카드 승인 확인(checking_amount)에 실패하였습니다. {}",
                profile.fail_reason.clone().unwrap_or_default()
            )));
        }
        let c = Contact {
            name: p.opt_str("customer_name")?,
            tel: p.opt_str("customer_tel")?,
            email: p.opt_str("customer_email")?,
            addr: p.opt_str("customer_addr")?,
            postcode: p.opt_str("customer_postcode")?,
        };
        let new = new_customer(
            &customer_uid,
            channel,
            &profile,
            c,
            p.opt_str("customer_id")?,
            now,
        );
        store::upsert_customer(&conn, &new)?;
        cust = Some(new);
    } else if !input.is_empty() {
        let key = cust.as_ref().map(|c| c.pg_provider.as_str()).unwrap_or("");
        if pg::CHANNELS
            .iter()
            .any(|c| c.pg_provider == key && c.kind == ChannelType::Payment)
        {
            return Err(ApiError::refused(format!(
                "{key} 빌링키로 예약할 때는 카드정보를 전달할 수 없습니다."
            )));
        }
    }
    let Some(cust) = cust else {
        return Err(ApiError::refused("등록된 고객정보가 없습니다."));
    };
    let tx = conn.unchecked_transaction()?;
    let mut out = Vec::with_capacity(rows.len());
    for (order, schedule_at, product_type) in rows {
        if store::schedule(&tx, &order.merchant_uid)?.is_some() {
            return Err(ApiError::refused(format!(
                "이미 등록된 merchant_uid입니다: {}",
                order.merchant_uid
            )));
        }
        charge::check_merchant_uid(&tx, &order.merchant_uid, true)?;
        let s = StoredSchedule {
            schedule: Schedule {
                customer_uid: customer_uid.clone(),
                merchant_uid: order.merchant_uid.clone(),
                imp_uid: None,
                pg_provider: Some(cust.pg_provider.clone()),
                pg_id: Some(cust.pg_id.clone()),
                customer_id: cust.customer_id.clone(),
                schedule_at,
                executed_at: 0,
                revoked_at: 0,
                amount: order.amount,
                currency: order.currency.clone(),
                name: order.name.clone(),
                // Stored as sent; missing buyer_* are filled from the key at execution.
                buyer_name: order
                    .buyer_name
                    .clone()
                    .or_else(|| cust.customer_name.clone()),
                buyer_email: order
                    .buyer_email
                    .clone()
                    .or_else(|| cust.customer_email.clone()),
                buyer_tel: order
                    .buyer_tel
                    .clone()
                    .or_else(|| cust.customer_tel.clone()),
                buyer_addr: order
                    .buyer_addr
                    .clone()
                    .or_else(|| cust.customer_addr.clone()),
                buyer_postcode: order
                    .buyer_postcode
                    .clone()
                    .or_else(|| cust.customer_postcode.clone()),
                custom_data: order.custom_data.clone(),
                schedule_status: "scheduled".into(),
                payment_status: None,
                fail_reason: None,
            },
            tax_free: order.tax_free,
            vat_amount: order.vat_amount,
            card_quota: order.card_quota,
            product_type,
            notice_url: order.notice_url.clone(),
        };
        store::insert_schedule(&tx, &s)?;
        out.push(s.schedule);
    }
    tx.commit()?;
    tracing::info!(customer_uid = %customer_uid, n = out.len(), "schedules registered");
    ok(out)
}

pub fn unschedule(state: &Arc<AppState>, p: &Params) -> ApiResult<Reply> {
    let customer_uid = p.opt_str("customer_uid")?.filter(|s| !s.is_empty());
    let muids = p.opt_str_array("merchant_uid")?.filter(|v| !v.is_empty());
    if customer_uid.is_none() && muids.is_none() {
        return Err(ApiError::bad_request(
            "customer_uid 또는 merchant_uid 파라메터가 필요합니다.",
        ));
    }
    let now = state.clock.now();
    let conn = state.store.lock();
    let candidates: Vec<StoredSchedule> = match (&muids, &customer_uid) {
        (Some(list), cu) => {
            let mut v = Vec::new();
            for m in list {
                if let Some(s) = store::schedule(&conn, m)?
                    && s.schedule.schedule_status == "scheduled"
                    && cu.as_ref().is_none_or(|c| *c == s.schedule.customer_uid)
                {
                    v.push(s);
                }
            }
            v
        }
        (None, Some(c)) => store::pending_schedules_of(&conn, c)?,
        (None, None) => Vec::new(),
    };
    if candidates.is_empty() {
        return Err(ApiError::refused(
            "취소할 예약결제 기록이 존재하지 않습니다.",
        ));
    }
    let tx = conn.unchecked_transaction()?;
    let mut out = Vec::new();
    for mut s in candidates {
        s.schedule.schedule_status = "revoked".into();
        s.schedule.revoked_at = now;
        store::update_schedule(&tx, &s.schedule)?;
        out.push(s.schedule);
    }
    tx.commit()?;
    ok(out)
}

pub fn get(state: &Arc<AppState>, muid: &str) -> ApiResult<Reply> {
    let conn = state.store.lock();
    let s = store::schedule(&conn, muid)?.ok_or_else(|| not_found(muid))?;
    ok(s.schedule)
}

/// `GET /subscribe/payments/schedule?schedule_from&schedule_to…`: a page object (see
/// README, Deviations: the spec says array, the official clients read a page).
pub fn by_range(state: &Arc<AppState>, q: &Params) -> ApiResult<Reply> {
    let from = q
        .opt_i64("schedule_from")?
        .ok_or_else(|| ApiError::bad_request("schedule_from 파라메터가 누락되었습니다."))?;
    let to = q
        .opt_i64("schedule_to")?
        .ok_or_else(|| ApiError::bad_request("schedule_to 파라메터가 누락되었습니다."))?;
    window(from, to)?;
    let status = check_schedule_status(q.opt_str("schedule_status")?)?;
    let (page, limit) = page_limit(q, 20, 1000)?;
    let oldest_first = match q.opt_str("sorting")?.as_deref() {
        None | Some("") | Some("-scheduled") => false,
        Some("scheduled") => true,
        Some(o) => {
            return Err(ApiError::bad_request(format!(
                "지원하지 않는 sorting입니다: {o}"
            )));
        }
    };
    let conn = state.store.lock();
    let (total, list) = store::schedules_in_window(
        &conn,
        None,
        status.as_deref(),
        from,
        to,
        oldest_first,
        limit,
        (page - 1) * limit,
    )?;
    ok(Page::new(total, page, limit, list))
}

/// `GET /subscribe/customers/{uid}/schedules` and its twin: `from`, `to` (exclusive),
/// `page`, `schedule-status` (hyphenated), newest first, 20 per page.
pub fn by_customer(state: &Arc<AppState>, uid: &str, q: &Params) -> ApiResult<Reply> {
    let from = q
        .opt_i64("from")?
        .ok_or_else(|| ApiError::bad_request("from 파라메터가 누락되었습니다."))?;
    let to = q
        .opt_i64("to")?
        .ok_or_else(|| ApiError::bad_request("to 파라메터가 누락되었습니다."))?;
    window(from, to)?;
    let status = check_schedule_status(q.opt_str("schedule-status")?)?;
    let (page, _) = page_limit(q, 20, 20)?;
    let limit = 20;
    let conn = state.store.lock();
    let (total, list) = store::schedules_in_window(
        &conn,
        Some(uid),
        status.as_deref(),
        from,
        to,
        false,
        limit,
        (page - 1) * limit,
    )?;
    ok(Page::new(total, page, limit, list))
}

pub fn update(state: &Arc<AppState>, muid: &str, p: &Params) -> ApiResult<Reply> {
    let at = p.req_i64("schedule_at")?;
    let now = state.clock.now();
    let conn = state.store.lock();
    let mut s = store::schedule(&conn, muid)?.ok_or_else(|| not_found(muid))?;
    if s.schedule.schedule_status != "scheduled" {
        return Err(ApiError::bad_request(
            "이미 실행되었거나 취소된 예약건은 변경할 수 없습니다.",
        ));
    }
    if at <= now {
        return Err(ApiError::bad_request(
            "결제예약 시각은 현재 시각 이후여야 합니다.",
        ));
    }
    s.schedule.schedule_at = at;
    store::update_schedule(&conn, &s.schedule)?;
    ok(s.schedule)
}

fn failed_or_revoked(s: &Schedule) -> bool {
    s.schedule_status == "revoked"
        || (s.schedule_status == "executed" && s.payment_status.as_deref() == Some("failed"))
}

pub fn reschedule(state: &Arc<AppState>, muid: &str, p: &Params) -> ApiResult<Reply> {
    let at = p.req_i64("schedule_at")?;
    let now = state.clock.now();
    let conn = state.store.lock();
    let mut s = store::schedule(&conn, muid)?.ok_or_else(|| not_found(muid))?;
    if !failed_or_revoked(&s.schedule) {
        return Err(ApiError::bad_request(
            "실행에 실패했거나 취소된 예약건만 재예약할 수 있습니다.",
        ));
    }
    if at <= now {
        return Err(ApiError::bad_request(
            "결제예약 시각은 현재 시각 이후여야 합니다.",
        ));
    }
    let x = &mut s.schedule;
    x.schedule_at = at;
    x.schedule_status = "scheduled".into();
    x.executed_at = 0;
    x.revoked_at = 0;
    x.payment_status = None;
    x.fail_reason = None;
    x.imp_uid = None;
    store::update_schedule(&conn, x)?;
    ok(s.schedule)
}

pub fn retry(state: &Arc<AppState>, muid: &str) -> ApiResult<Reply> {
    let now = state.clock.now();
    let conn = state.store.lock();
    let s = store::schedule(&conn, muid)?.ok_or_else(|| not_found(muid))?;
    if !failed_or_revoked(&s.schedule) {
        return Err(ApiError::bad_request(
            "실행에 실패했거나 취소된 예약건만 재시도할 수 있습니다.",
        ));
    }
    if store::customer(&conn, &s.schedule.customer_uid)?.is_none() {
        return Err(ApiError::not_found(
            "예약건의 빌링키 정보가 존재하지 않습니다.",
        ));
    }
    let (sched, payment, hook) = executor::execute_one(state, &conn, s, now)?;
    drop(conn);
    if let Some((url, body)) = hook {
        state.spawn_webhook(url, body);
    }
    match payment {
        Some(p) => ok(p),
        None => Err(ApiError::new(
            StatusCode::OK,
            1,
            sched
                .fail_reason
                .unwrap_or_else(|| "결제 재시도에 실패하였습니다.".into()),
        )),
    }
}
