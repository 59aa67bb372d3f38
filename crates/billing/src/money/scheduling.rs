//! Schedule operations (예약 결제): register, unschedule, move. Each merchant_uid
//! is one journal row, committed before the request leaves; a lost answer is
//! resolved with `GET /subscribe/payments/schedule/{merchant_uid}`.

use serde::{Deserialize, Serialize};
use subdesk_iamport::{Client, Money, ScheduleEntry, ScheduleRequest, UnscheduleRequest};

use crate::error::{Error, Result};
use crate::mirror::sync::schedules::schedule_record;
use crate::money::charge::{ChargeDetails, check_customer};
use crate::money::journal::{self, Finish, JournalOp, JournalState, NewEntry, outcome};
use crate::money::send::{Failure, classify, error_pair};
use crate::store::db::Store;

/// One future charge to register.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct ScheduleInput {
    /// None: a fresh unique id. Plans pass their deterministic period id.
    pub merchant_uid: Option<String>,
    /// When i'mport charges, Unix seconds.
    pub schedule_at: i64,
    pub details: ChargeDetails,
}

/// Where one schedule operation stands.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ScheduleOpStatus {
    /// Done (registered, revoked or moved).
    Done,
    /// i'mport refused it (e.g. nothing to revoke).
    Refused,
    /// No answer yet: "checking".
    Unknown,
}

/// The result for one merchant_uid.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ScheduleOpResult {
    pub journal_id: i64,
    pub merchant_uid: String,
    pub status: ScheduleOpStatus,
}

#[derive(Serialize)]
struct ScheduleJournal<'a> {
    kind: &'static str,
    customer_uid: &'a str,
    schedule_at: i64,
    details: Option<&'a ChargeDetails>,
}

fn json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::Internal(e.to_string()))
}

/// Register future charges on a key (`POST /subscribe/payments/schedule`).
pub async fn register_schedules(
    store: &Store,
    client: &Client,
    customer_uid: &str,
    inputs: &[ScheduleInput],
) -> Result<Vec<ScheduleOpResult>> {
    register_ctx(store, client, customer_uid, inputs, "manual").await
}

pub(crate) async fn register_ctx(
    store: &Store,
    client: &Client,
    customer_uid: &str,
    inputs: &[ScheduleInput],
    source: &str,
) -> Result<Vec<ScheduleOpResult>> {
    if inputs.is_empty() {
        return Err(Error::invalid("schedules", "at least one entry"));
    }
    check_customer(store, customer_uid)?;
    let mut rows = Vec::with_capacity(inputs.len());
    store.check_money_allowed()?;
    let mut product_types = Vec::with_capacity(inputs.len());
    for i in inputs {
        i.details.validate()?;
        product_types.push(crate::money::charge::product_type_for(
            store,
            customer_uid,
            &i.details,
        )?);
        if i.schedule_at <= 0 {
            return Err(Error::invalid("schedule_at", "must be a Unix time"));
        }
        let m = i
            .merchant_uid
            .clone()
            .unwrap_or_else(crate::money::merchant_uid::unique);
        crate::money::merchant_uid::validate(&m)?;
        if rows.iter().any(|(x, _): &(String, &ScheduleInput)| *x == m) {
            return Err(Error::invalid("merchant_uid", "each entry needs its own"));
        }
        rows.push((m, i));
    }
    // All entries are journaled in one transaction: the request is one call.
    let ids: Vec<i64> = store.write(|tx| {
        rows.iter()
            .map(|(m, i)| {
                journal::begin_tx(
                    tx,
                    store.profile(),
                    &NewEntry {
                        op: JournalOp::Schedule,
                        merchant_uid: m.clone(),
                        lock_key: journal::schedule_lock(m),
                        customer_uid: Some(customer_uid.to_string()),
                        target_imp_uid: None,
                        amount: i.details.amount,
                        request_json: json(&ScheduleJournal {
                            kind: "schedule",
                            customer_uid,
                            schedule_at: i.schedule_at,
                            details: Some(&i.details),
                        })?,
                        prior_count: 0,
                        checksum: None,
                        source: source.to_string(),
                        sent: true,
                    },
                )
                .map(|b| b.id())
            })
            .collect()
    })?;
    let entries = rows
        .iter()
        .zip(&product_types)
        .map(|((m, i), product_type)| {
            let d = &i.details;
            let mut e = ScheduleEntry::new(m, i.schedule_at, Money::won(d.amount), &d.name);
            e.tax_free = d.tax_free.map(Money::won);
            e.vat_amount = d.vat_amount.map(Money::won);
            e.card_quota = d.card_quota.filter(|q| *q > 0);
            e.custom_data = d.custom_data.clone();
            e.product_type = product_type.map(|t| t.to_api());
            let mut b = subdesk_iamport::Buyer::default();
            b.name = d.buyer.name.clone();
            b.email = d.buyer.email.clone();
            b.tel = d.buyer.tel.clone();
            b.addr = d.buyer.addr.clone();
            b.postcode = d.buyer.postcode.clone();
            e.buyer = b;
            e
        })
        .collect();
    let answer = client
        .schedule(&ScheduleRequest::new(customer_uid, entries))
        .await;
    let merchant_uids: Vec<String> = rows.iter().map(|(m, _)| m.clone()).collect();
    finish_all(
        store,
        client,
        &ids,
        &merchant_uids,
        answer,
        outcome::REGISTERED,
        "schedule.register",
        customer_uid,
    )
    .await
}

/// Revoke pending schedules of a key (`POST /subscribe/payments/unschedule`).
pub async fn unschedule(
    store: &Store,
    client: &Client,
    customer_uid: &str,
    merchant_uids: &[String],
) -> Result<Vec<ScheduleOpResult>> {
    if merchant_uids.is_empty() {
        return Err(Error::invalid("merchant_uid", "at least one"));
    }
    crate::registry::customers::check_uid(customer_uid)?;
    for m in merchant_uids {
        crate::money::merchant_uid::validate(m)?;
    }
    let ids: Vec<i64> = store.write(|tx| {
        merchant_uids
            .iter()
            .map(|m| {
                journal::begin_tx(
                    tx,
                    store.profile(),
                    &NewEntry {
                        op: JournalOp::Unschedule,
                        merchant_uid: m.clone(),
                        lock_key: journal::schedule_lock(m),
                        customer_uid: Some(customer_uid.to_string()),
                        target_imp_uid: None,
                        amount: 0,
                        request_json: json(&ScheduleJournal {
                            kind: "unschedule",
                            customer_uid,
                            schedule_at: 0,
                            details: None,
                        })?,
                        prior_count: 0,
                        checksum: None,
                        source: "manual".into(),
                        sent: true,
                    },
                )
                .map(|b| b.id())
            })
            .collect()
    })?;
    let answer = client
        .unschedule(&UnscheduleRequest::only(
            customer_uid,
            merchant_uids.iter().cloned(),
        ))
        .await;
    finish_all(
        store,
        client,
        &ids,
        merchant_uids,
        answer,
        outcome::REVOKED,
        "schedule.unschedule",
        customer_uid,
    )
    .await
}

/// Move a pending schedule to another time (`PUT /subscribe/payments/schedule/{merchant_uid}`).
pub async fn move_schedule(
    store: &Store,
    client: &Client,
    customer_uid: &str,
    merchant_uid: &str,
    schedule_at: i64,
) -> Result<ScheduleOpResult> {
    crate::money::merchant_uid::validate(merchant_uid)?;
    if schedule_at <= 0 {
        return Err(Error::invalid("schedule_at", "must be a Unix time"));
    }
    let id = journal::begin(
        store,
        &NewEntry {
            op: JournalOp::ScheduleUpdate,
            merchant_uid: merchant_uid.to_string(),
            lock_key: journal::schedule_lock(merchant_uid),
            customer_uid: Some(customer_uid.to_string()),
            target_imp_uid: None,
            amount: 0,
            request_json: json(&ScheduleJournal {
                kind: "update",
                customer_uid,
                schedule_at,
                details: None,
            })?,
            prior_count: 0,
            checksum: None,
            source: "manual".into(),
            sent: true,
        },
    )?
    .id();
    let answer = client
        .update_schedule(merchant_uid, schedule_at)
        .await
        .map(|s| vec![s]);
    let mut out = finish_all(
        store,
        client,
        &[id],
        &[merchant_uid.to_string()],
        answer,
        outcome::MOVED,
        "schedule.move",
        customer_uid,
    )
    .await?;
    out.pop()
        .ok_or_else(|| Error::Internal("no schedule result".into()))
}

#[allow(clippy::too_many_arguments)]
async fn finish_all(
    store: &Store,
    client: &Client,
    ids: &[i64],
    merchant_uids: &[String],
    answer: subdesk_iamport::Result<Vec<subdesk_iamport::Schedule>>,
    done: &'static str,
    action: &str,
    customer_uid: &str,
) -> Result<Vec<ScheduleOpResult>> {
    let audit = |m: &str| {
        Some((
            action.to_string(),
            serde_json::json!({ "customer_uid": customer_uid, "merchant_uid": m }),
        ))
    };
    // What each row's answer says; then each is recorded on its own, tried again
    // while the database is busy (the request has left: never a plain error).
    let mut finishes: Vec<(i64, &String, Finish)> = Vec::with_capacity(ids.len());
    let mut refusal = None;
    match answer {
        Ok(list) => {
            for (id, m) in ids.iter().zip(merchant_uids) {
                let f = match list.iter().find(|s| &s.merchant_uid == m) {
                    Some(s) => {
                        let mut f = Finish::new(JournalState::Succeeded, Some(done));
                        f.schedules = vec![schedule_record(s)];
                        f.told = true;
                        f
                    }
                    // Answered, but not for this one (e.g. already executed).
                    None => {
                        let mut f = Finish::new(JournalState::Rejected, Some(outcome::REFUSED));
                        f.told = true;
                        f
                    }
                };
                finishes.push((*id, m, f));
            }
        }
        Err(e) => {
            // Lost or refused: "checking" first, then a lookup. A refusal (e.g.
            // "already registered" for a retry whose first attempt went through)
            // stands only if the lookup does not find the operation done.
            let lost = classify(&e) == Failure::Unknown;
            let err = Error::Api(e);
            for (id, m) in ids.iter().zip(merchant_uids) {
                let mut f = Finish::new(JournalState::Unknown, None);
                f.error = Some(error_pair(&err));
                finishes.push((*id, m, f));
            }
            if !lost {
                refusal = Some(err);
            }
        }
    }
    let mut out = Vec::with_capacity(ids.len());
    for (id, m, mut f) in finishes {
        f.audit = audit(m);
        let recorded = journal::finish_after_send(store, id, &f).await;
        let mut status = match f.state {
            Some(JournalState::Succeeded) => ScheduleOpStatus::Done,
            Some(JournalState::Rejected) => ScheduleOpStatus::Refused,
            _ => ScheduleOpStatus::Unknown,
        };
        if recorded && status == ScheduleOpStatus::Unknown {
            let looked = match store.journal_get(id) {
                Ok(entry) => {
                    crate::money::reconcile::resolve_entry(store, client, &entry, i64::MAX).await
                }
                Err(e) => Err(e),
            };
            let outcome_now = store.journal_get(id).ok().and_then(|e| e.outcome);
            if matches!(looked, Ok(true)) && outcome_now.as_deref() == Some(done) {
                status = ScheduleOpStatus::Done;
            } else if matches!(looked, Ok(false)) && refusal.is_some() {
                let mut f = Finish::new(JournalState::Rejected, Some(outcome::REFUSED));
                f.error = f.error.or(refusal.as_ref().map(error_pair));
                f.told = true;
                f.audit = audit(m);
                journal::finish_after_send(store, id, &f).await;
                status = ScheduleOpStatus::Refused;
            }
        }
        out.push(ScheduleOpResult {
            journal_id: id,
            merchant_uid: m.clone(),
            status,
        });
    }
    if let Some(err) = refusal
        && out.iter().all(|r| r.status == ScheduleOpStatus::Refused)
    {
        return Err(err);
    }
    Ok(out)
}

/// Re-arm a failed or revoked schedule at a new time, keeping its merchant_uid
/// (`POST /subscribe/payments/schedule/{merchant_uid}/reschedule`). Journaled like a
/// registration: a lost answer is looked up, never resent.
pub async fn reschedule(
    store: &Store,
    client: &Client,
    merchant_uid: &str,
    schedule_at: i64,
) -> Result<ScheduleOpResult> {
    crate::money::merchant_uid::validate(merchant_uid)?;
    if schedule_at <= 0 {
        return Err(Error::invalid("schedule_at", "must be a Unix time"));
    }
    let known = store.get_schedule(merchant_uid)?;
    check_customer(store, &known.customer_uid)?;
    store.check_money_allowed()?;
    let customer_uid = known.customer_uid.as_str();
    let id = journal::begin(
        store,
        &NewEntry {
            op: JournalOp::ScheduleReschedule,
            merchant_uid: merchant_uid.to_string(),
            lock_key: journal::schedule_lock(merchant_uid),
            customer_uid: Some(customer_uid.to_string()),
            target_imp_uid: None,
            amount: known.amount,
            request_json: json(&ScheduleJournal {
                kind: "reschedule",
                customer_uid,
                schedule_at,
                details: None,
            })?,
            prior_count: 0,
            checksum: None,
            source: "manual".into(),
            sent: true,
        },
    )?
    .id();
    let answer = client
        .reschedule(merchant_uid, schedule_at)
        .await
        .map(|s| vec![s]);
    let mut out = finish_all(
        store,
        client,
        &[id],
        &[merchant_uid.to_string()],
        answer,
        outcome::RESCHEDULED,
        "schedule.reschedule",
        customer_uid,
    )
    .await?;
    out.pop()
        .ok_or_else(|| Error::Internal("no schedule result".into()))
}

#[derive(Serialize)]
struct RetryJournal<'a> {
    kind: &'static str,
    customer_uid: &'a str,
    merchant_uid: &'a str,
}

/// Charge a failed or revoked schedule now, under its own merchant_uid
/// (`POST /subscribe/payments/schedule/{merchant_uid}/retry`). A charge under the
/// money rules: the customer's one open charge (the journal's lock), journaled before
/// it leaves, a lost answer looked up by the payments under the order id past the
/// failed ones known before sending. An order already paid is answered with that
/// payment (`replayed`) and nothing is sent; i'mport itself never charges a paid
/// order id twice.
pub async fn retry_schedule(
    store: &Store,
    client: &Client,
    merchant_uid: &str,
) -> Result<crate::money::charge::ChargeResult> {
    use crate::money::charge::{ChargeResult, ChargeStatus, ToSend, record};
    crate::money::merchant_uid::validate(merchant_uid)?;
    store.check_money_allowed()?;
    let known = store.get_schedule(merchant_uid)?;
    check_customer(store, &known.customer_uid)?;
    let customer_uid = known.customer_uid.clone();
    // What i'mport holds under the order now: a paid one answers; the failed ones are
    // what a later lookup counts past.
    let q = subdesk_iamport::PaymentListQuery::default().limit(100);
    let list = match client.find_all_payments(merchant_uid, None, &q).await {
        Ok(page) => page.list,
        Err(subdesk_iamport::Error::NotFound { .. }) => Vec::new(),
        Err(e) => return Err(Error::Api(e)),
    };
    let ours = |p: &&subdesk_iamport::Payment| {
        p.customer_uid.as_deref() == Some(customer_uid.as_str())
            && p.amount.as_won() == Some(known.amount)
    };
    if let Some(p) = list.iter().filter(ours).find(|p| {
        p.status == subdesk_iamport::PaymentStatus::Paid
            || (p.status == subdesk_iamport::PaymentStatus::Cancelled && p.paid_at.is_some())
    }) {
        let records: Vec<_> = list
            .iter()
            .map(crate::mirror::sync::payments::payment_record)
            .collect();
        store.upsert_payments(&records)?;
        refresh_schedule(store, client, merchant_uid).await;
        let earlier = store
            .journal_list(&crate::money::journal::JournalQuery {
                merchant_uid: Some(merchant_uid.to_string()),
                limit: Some(20),
                ..Default::default()
            })?
            .into_iter()
            .find(|e| e.op == JournalOp::ScheduleRetry);
        return Ok(ChargeResult {
            journal_id: earlier.map(|e| e.id).unwrap_or(0),
            merchant_uid: merchant_uid.to_string(),
            status: ChargeStatus::Paid,
            amount: known.amount,
            imp_uid: Some(p.imp_uid.clone()),
            fail_reason: None,
            replayed: true,
        });
    }
    let prior_failed = list
        .iter()
        .filter(ours)
        .filter(|p| p.status == subdesk_iamport::PaymentStatus::Failed)
        .count() as i64;
    let entry = NewEntry {
        op: JournalOp::ScheduleRetry,
        merchant_uid: merchant_uid.to_string(),
        lock_key: journal::charge_lock(Some(&customer_uid), merchant_uid),
        customer_uid: Some(customer_uid.clone()),
        target_imp_uid: None,
        amount: known.amount,
        request_json: json(&RetryJournal {
            kind: "schedule_retry",
            customer_uid: &customer_uid,
            merchant_uid,
        })?,
        prior_count: prior_failed,
        checksum: None,
        source: "manual".into(),
        sent: true,
    };
    let journal_id = store.write(|tx| {
        // Any open charge of the customer (a run's, a plan's) waits this one out too.
        if let Some(refusal) = journal::open_charge_refusal_tx(tx, &customer_uid, merchant_uid)? {
            return Err(refusal);
        }
        journal::begin_tx(tx, store.profile(), &entry).map(|b| b.id())
    })?;
    let answer = client.retry_schedule(merchant_uid).await;
    let audit = serde_json::json!({
        "customer_uid": customer_uid,
        "merchant_uid": merchant_uid,
        "amount": known.amount,
    });
    let result = record(
        store,
        client,
        ToSend {
            journal_id,
            merchant_uid: merchant_uid.to_string(),
        },
        known.amount,
        answer,
        ("schedule.retry", audit),
    )
    .await;
    // The schedule itself changed at i'mport (paid, or failed again): mirror it.
    refresh_schedule(store, client, merchant_uid).await;
    result
}

/// Mirror one schedule as i'mport has it now; a failed lookup leaves the mirror for
/// the next sync.
async fn refresh_schedule(store: &Store, client: &Client, merchant_uid: &str) {
    match client.get_schedule(merchant_uid).await {
        Ok(s) => {
            if let Err(e) = store.upsert_schedules(&[schedule_record(&s)]) {
                tracing::warn!(merchant_uid, code = %e.code(), "schedule not mirrored");
            }
        }
        Err(e) => tracing::warn!(merchant_uid, error = %e, "schedule not looked up"),
    }
}

/// How far ahead a key's pending schedules are looked for at i'mport.
pub const LIVE_AHEAD_SECS: i64 = 2 * 365 * 86_400;

/// A key's schedules still waiting to run, as i'mport has them now (from a day back to
/// [`LIVE_AHEAD_SECS`] ahead, in the three-month windows the API allows), together with
/// any the mirror still holds as pending: what must be revoked before the key goes.
/// What i'mport answered is mirrored.
pub async fn live_schedules(
    store: &Store,
    client: &Client,
    customer_uid: &str,
) -> Result<Vec<crate::mirror::schedules::Schedule>> {
    crate::registry::customers::check_uid(customer_uid)?;
    const WINDOW: i64 = 89 * 86_400;
    let now = crate::now();
    let (from, to) = (now - 86_400, now + LIVE_AHEAD_SECS);
    let mut found = Vec::new();
    let mut w = from;
    while w < to {
        let w_end = (w + WINDOW).min(to);
        let mut page = 1u32;
        loop {
            let q = subdesk_iamport::CustomerSchedulesQuery::window(w, w_end)
                .page(page)
                .status(subdesk_iamport::ScheduleStatus::Scheduled);
            let got = match client.schedules_by_customer(customer_uid, &q).await {
                Ok(p) => p,
                Err(subdesk_iamport::Error::NotFound { .. }) => break,
                Err(e) => return Err(Error::Api(e)),
            };
            let n = got.list.len();
            found.extend(got.list.iter().map(schedule_record));
            match got.next {
                Some(nx) if nx > 0 && n > 0 && nx as u32 > page => page = nx as u32,
                _ => break,
            }
        }
        w = w_end;
    }
    if !found.is_empty() {
        store.upsert_schedules(&found)?;
    }
    let page = store.list_schedules(&crate::mirror::schedules::ScheduleQuery {
        customer_uid: Some(customer_uid.to_string()),
        states: vec![crate::mirror::schedules::ScheduleState::Scheduled],
        limit: Some(500),
        ..Default::default()
    })?;
    Ok(page.items)
}

/// Revoke every pending schedule of a key ([`live_schedules`]), one journal row each.
/// Nothing pending: an empty list, nothing sent.
pub async fn unschedule_all(
    store: &Store,
    client: &Client,
    customer_uid: &str,
) -> Result<Vec<ScheduleOpResult>> {
    let live = live_schedules(store, client, customer_uid).await?;
    if live.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = live.into_iter().map(|s| s.merchant_uid).collect();
    unschedule(store, client, customer_uid, &ids).await
}
