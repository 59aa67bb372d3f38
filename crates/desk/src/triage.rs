//! The triage queue (확인 필요) as both front ends work it: the list and its count, and
//! each entry's actions — retry the same order, check it at i'mport now, mark resolved.
//! (Copying a phone number or e-mail address is the front end's: the entry carries them.)
//!
//! A retry charges the same order again under the money policy of [`crate::money`]: the
//! live confirmation of the exact total, reconciliation first, the journal's one open
//! charge per customer, the same order id (an order already paid answers with that
//! payment; nothing is charged twice).

use subdesk_billing::mirror::sync::keys::VerifyScope;
use subdesk_billing::mirror::sync::schedules::schedule_record;
use subdesk_billing::mirror::sync::{CancelToken, SyncProgress, payments::payment_record};
use subdesk_billing::{
    AgainCharge, ChargeDetails, ChargeResult, ReconcileOptions, TriageAction, TriageCount,
    TriageEntry, TriageKind,
};

use crate::error::{IpcError, IpcResult};
use crate::money::check_live_confirmation;
use crate::session::Session;

/// The queue now, every entry not marked resolved.
pub fn list(session: &Session) -> IpcResult<Vec<TriageEntry>> {
    Ok(session.store.triage_list()?)
}

/// The navigation's count.
pub fn count(session: &Session) -> IpcResult<TriageCount> {
    Ok(session.store.triage_count()?)
}

/// One entry, if it is still in the queue (`not_found` otherwise).
pub fn get(session: &Session, key: &str) -> IpcResult<TriageEntry> {
    Ok(session.store.triage_entry(key)?)
}

/// Marks an entry resolved (audited `triage.resolve`); it leaves the queue.
pub fn resolve(session: &Session, key: &str, note: &str) -> IpcResult<TriageEntry> {
    let e = session.store.triage_resolve(key, note)?;
    tracing::info!(key, kind = e.kind.as_str(), "triage entry resolved");
    Ok(e)
}

/// What a retry will charge, for the confirmation: the entry's own amount.
pub fn retry_total(entry: &TriageEntry) -> IpcResult<i64> {
    if !entry.actions.contains(&TriageAction::Retry) {
        return Err(IpcError::invalid_input(
            "key",
            "this entry cannot be charged again from here",
        ));
    }
    entry
        .amount
        .ok_or_else(|| IpcError::internal("a retryable entry without an amount"))
}

/// Charges the entry's order again: a declined charge under its own order id and its
/// journaled request, a failed schedule through i'mport's schedule retry. `confirmed_total`
/// is required on live profiles.
pub async fn retry(
    session: &Session,
    key: &str,
    confirmed_total: Option<i64>,
) -> IpcResult<ChargeResult> {
    let entry = get(session, key)?;
    let total = retry_total(&entry)?;
    check_live_confirmation(session, total, confirmed_total)?;
    session.ensure_reconciled().await?;
    let merchant_uid = entry
        .merchant_uid
        .clone()
        .ok_or_else(|| IpcError::internal("a retryable entry without an order id"))?;
    let result = match entry.kind {
        TriageKind::FailedSchedule => {
            crate::schedules::retry(session, &merchant_uid, confirmed_total).await?
        }
        TriageKind::FailedCharge => {
            let id = entry
                .journal_id
                .ok_or_else(|| IpcError::internal("a retryable charge without a journal row"))?;
            let row = session.store.journal_get(id)?;
            let details = request_details(&row.request_json)?;
            let customer_uid = row
                .customer_uid
                .clone()
                .ok_or_else(|| IpcError::internal("a retryable charge without a customer"))?;
            // The very request journaled, so the journal takes it as the same order's
            // retry (same row, same order id), never as a new charge.
            let request = AgainCharge {
                customer_uid,
                merchant_uid: Some(merchant_uid),
                details,
            };
            subdesk_billing::charge_again(&session.store, session.client()?, &request).await?
        }
        _ => return Err(IpcError::invalid_input("key", "nothing to charge")),
    };
    tracing::info!(key, status = ?result.status, "triage retry finished");
    Ok(result)
}

/// The charge details a journal row's request carried.
fn request_details(request_json: &str) -> IpcResult<ChargeDetails> {
    let v: serde_json::Value = serde_json::from_str(request_json)
        .map_err(|e| IpcError::internal(format!("journaled request unreadable: {e}")))?;
    let details = v
        .get("details")
        .cloned()
        .ok_or_else(|| IpcError::internal("journaled request without details"))?;
    serde_json::from_value(details)
        .map_err(|e| IpcError::internal(format!("journaled request unreadable: {e}")))
}

/// Looks the entry up at i'mport now and mirrors what it says: open journal rows are
/// reconciled, the order's payments and schedule are fetched, the key is verified. The
/// entry as it stands afterwards, or None when it left the queue.
pub async fn check(session: &Session, key: &str) -> IpcResult<Option<TriageEntry>> {
    let entry = get(session, key)?;
    let client = session.client()?;
    match entry.kind {
        TriageKind::UnknownOutcome | TriageKind::Conflict => {
            // Everything still open is looked up, rows sent a moment ago included: the
            // person asked now.
            subdesk_billing::reconcile_with(
                &session.store,
                client,
                &ReconcileOptions { min_age_secs: 0 },
            )
            .await?;
        }
        TriageKind::FailedCharge | TriageKind::FailedSchedule => {
            if let Some(m) = &entry.merchant_uid {
                let q = subdesk_iamport::PaymentListQuery::default().limit(100);
                match client.find_all_payments(m, None, &q).await {
                    Ok(page) => {
                        let records: Vec<_> = page.list.iter().map(payment_record).collect();
                        session.store.upsert_payments(&records)?;
                    }
                    Err(subdesk_iamport::Error::NotFound { .. }) => {}
                    Err(e) => return Err(subdesk_billing::Error::Api(e).into()),
                }
                if entry.kind == TriageKind::FailedSchedule {
                    match client.get_schedule(m).await {
                        Ok(s) => {
                            session.store.upsert_schedules(&[schedule_record(&s)])?;
                        }
                        Err(subdesk_iamport::Error::NotFound { .. }) => {}
                        Err(e) => return Err(subdesk_billing::Error::Api(e).into()),
                    }
                }
            }
        }
        TriageKind::KeyUnknown | TriageKind::CardExpiring => {
            if let Some(uid) = &entry.customer_uid {
                let quiet = |_: &SyncProgress| {};
                subdesk_billing::mirror::sync::keys::verify_keys(
                    &session.store,
                    client,
                    VerifyScope::Uids(vec![uid.clone()]),
                    &quiet,
                    &CancelToken::new(),
                )
                .await?;
            }
        }
    }
    match session.store.triage_entry(key) {
        Ok(e) => Ok(Some(e)),
        Err(subdesk_billing::Error::NotFound { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}
