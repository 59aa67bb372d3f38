//! Billing keys: `/subscribe/customers…`.

use std::sync::Arc;

use hyper::StatusCode;

use crate::auth::splitmix;
use crate::cards::{self, CardBehaviour, CardInput, FAIL_ISSUE_MESSAGE};
use crate::error::{ApiError, ApiResult};
use crate::params::Params;
use crate::pg;
use crate::routes::reply::{Reply, ok, page_limit, with_status};
use crate::state::AppState;
use crate::store;
use crate::wire::{Customer, Page, Payment};

pub fn card_input(p: &Params) -> ApiResult<CardInput> {
    Ok(CardInput {
        card_number: p.opt_str("card_number")?,
        expiry: p.opt_str("expiry")?,
        birth: p.opt_str("birth")?,
        pwd_2digit: p.opt_str("pwd_2digit")?,
        cvc: p.opt_str("cvc")?,
    })
}

pub fn check_customer_uid(uid: &str) -> ApiResult<()> {
    if uid.is_empty() || uid.chars().count() > 80 {
        return Err(ApiError::refused("customer_uid는 1~80자여야 합니다."));
    }
    Ok(())
}

/// Buyer/customer contact fields, with their documented maximum lengths.
pub struct Contact {
    pub name: Option<String>,
    pub tel: Option<String>,
    pub email: Option<String>,
    pub addr: Option<String>,
    pub postcode: Option<String>,
}

pub fn contact(p: &Params, prefix: &str) -> ApiResult<Contact> {
    let get = |f: &str, max: usize| -> ApiResult<Option<String>> {
        let key = format!("{prefix}_{f}");
        match p.opt_str(&key)? {
            Some(v) if v.chars().count() > max => Err(ApiError::refused(format!(
                "{key}는 최대 {max}자까지 가능합니다."
            ))),
            v => Ok(v),
        }
    };
    // Limits differ: customer_* (key) vs buyer_* (order), per the spec.
    let customer = prefix == "customer";
    Ok(Contact {
        name: get("name", if customer { 20 } else { 16 })?,
        tel: get("tel", if customer { 20 } else { 16 })?,
        email: get("email", if customer { 200 } else { 64 })?,
        addr: get("addr", if customer { 200 } else { 128 })?,
        postcode: get("postcode", 8)?,
    })
}

/// Toss Payments links keys to a buyer id; when none is sent PortOne invents one per
/// issuance (and the buyer↔key link is lost), which the sandbox imitates.
fn customer_id_for(
    channel: &pg::Channel,
    given: Option<String>,
    uid: &str,
    now: i64,
) -> Option<String> {
    if given.is_some() || channel.pg_provider != "tosspayments" {
        return given;
    }
    let h = splitmix(
        now as u64
            ^ uid.len() as u64
            ^ uid
                .bytes()
                .fold(0u64, |a, b| a.wrapping_mul(31).wrapping_add(b as u64)),
    );
    Some(format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        h as u32,
        (h >> 32) as u16,
        (h >> 48) & 0xfff,
        (h >> 4) & 0xfff,
        h & 0xffff_ffff_ffff
    ))
}

/// Builds the key a successful card authentication produces.
pub fn new_customer(
    uid: &str,
    channel: &pg::Channel,
    profile: &cards::CardProfile,
    c: Contact,
    customer_id: Option<String>,
    now: i64,
) -> Customer {
    Customer {
        customer_uid: uid.into(),
        pg_provider: channel.pg_provider.into(),
        pg_id: channel.pg_id.into(),
        sandbox: channel.sandbox,
        customer_id: customer_id_for(channel, customer_id, uid, now),
        card_name: profile.card_name.clone(),
        card_code: Some(profile.card_code.clone()),
        card_issuer_code: None,
        card_issuer_name: None,
        card_publisher_code: None,
        card_publisher_name: None,
        card_number: Some(profile.masked.clone()),
        // Inicis billing does not report the card type (spec note): null there.
        card_type: (channel.pg_provider != "html5_inicis").then_some(profile.card_type),
        customer_name: c.name,
        customer_tel: c.tel,
        customer_email: c.email,
        customer_addr: c.addr,
        customer_postcode: c.postcode,
        inserted: now,
        updated: now,
    }
}

/// Card authentication for key issuance: code -1 on bad data or a card that the
/// issuer refuses, as the python client's tests show.
pub fn authenticate_for_key(
    input: &CardInput,
    channel: &pg::Channel,
    now: i64,
) -> ApiResult<cards::CardProfile> {
    let profile = cards::validate(input, pg::issue_requirements(channel), now).map_err(|m| {
        ApiError::card_auth(format!("카드정보 인증 및 빌키 발급에 실패하였습니다. {m}"))
    })?;
    if profile.behaviour == CardBehaviour::FailIssue {
        return Err(ApiError::card_auth(FAIL_ISSUE_MESSAGE));
    }
    Ok(profile)
}

pub fn issue(state: &Arc<AppState>, uid: &str, p: &Params) -> ApiResult<Reply> {
    check_customer_uid(uid)?;
    let channel = pg::resolve(
        p.opt_str("pg")?.as_deref(),
        p.opt_str("channel_key")?.as_deref(),
    );
    pg::check_rest_issue(channel)?;
    let input = card_input(p)?;
    let c = contact(p, "customer")?;
    if channel.pg_provider == "welcome" && c.name.as_deref().is_none_or(|n| n.trim().is_empty()) {
        return Err(ApiError::refused(
            "welcome 빌링키 발급에는 customer_name이 필수입니다.",
        ));
    }
    let now = state.clock.now();
    let profile = authenticate_for_key(&input, channel, now)?;
    let mut cust = new_customer(uid, channel, &profile, c, p.opt_str("customer_id")?, now);
    let conn = state.store.lock();
    if let Some(old) = store::customer(&conn, uid)? {
        // Re-issuing re-points the uid to the new card; the first issue time stays.
        cust.inserted = old.inserted;
    }
    store::upsert_customer(&conn, &cust)?;
    tracing::info!(
        customer_uid = uid,
        pg = channel.pg_provider,
        "billing key issued"
    );
    ok(cust)
}

fn not_found(uid: &str) -> ApiError {
    ApiError::not_found(format!(
        "요청하신 customer_uid({uid})로 등록된 정보를 찾을 수 없습니다."
    ))
}

pub fn get(state: &Arc<AppState>, uid: &str) -> ApiResult<Reply> {
    let conn = state.store.lock();
    let c = store::customer(&conn, uid)?.ok_or_else(|| not_found(uid))?;
    ok(c)
}

pub fn delete(state: &Arc<AppState>, uid: &str, q: &Params) -> ApiResult<Reply> {
    let _reason = q.opt_str("reason")?;
    let conn = state.store.lock();
    let c = store::customer(&conn, uid)?.ok_or_else(|| not_found(uid))?;
    store::delete_customer(&conn, uid)?;
    tracing::info!(customer_uid = uid, "billing key deleted");
    ok(c)
}

pub fn multi(state: &Arc<AppState>, q: &Params) -> ApiResult<Reply> {
    let uids = q.opt_str_array("customer_uid")?.unwrap_or_default();
    if uids.is_empty() {
        return Err(ApiError::bad_request(
            "customer_uid[] 파라메터가 누락되었습니다.",
        ));
    }
    let conn = state.store.lock();
    let mut found = Vec::new();
    for u in &uids {
        if let Some(c) = store::customer(&conn, u)? {
            found.push(c);
        }
    }
    if found.is_empty() {
        return Err(ApiError::not_found(
            "요청하신 customer_uid로 등록된 정보를 찾을 수 없습니다.",
        ));
    }
    let status = if found.len() < uids.len() {
        StatusCode::MULTI_STATUS
    } else {
        StatusCode::OK
    };
    with_status(status, found)
}

pub fn payments(state: &Arc<AppState>, uid: &str, q: &Params) -> ApiResult<Reply> {
    let (page, _) = page_limit(q, 20, 20)?;
    let limit = 20;
    let conn = state.store.lock();
    let (total, list) = store::payments_by_customer(&conn, uid, limit, (page - 1) * limit)?;
    if total == 0 && store::customer(&conn, uid)?.is_none() {
        return Err(not_found(uid));
    }
    let list: Vec<Payment> = list.into_iter().map(|p| p.payment).collect();
    ok(Page::new(total, page, limit, list))
}
