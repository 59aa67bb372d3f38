//! Registry sync: verify local billing keys against PortOne in batches.

use serde::{Deserialize, Serialize};
use subdesk_iamport::{CardType, Client, Customer as ApiCustomer};

use crate::error::Result;
use crate::mirror::sync::stream::{
    self, CancelToken, ProgressFn, StreamGuard, SyncOutcome, SyncProgress, blocking,
};
use crate::registry::customers::{self, CustomerRecord};
use crate::store::db::Store;

/// `GET /subscribe/customers` takes at most 100 uids per call.
const BATCH: usize = 100;

/// Which keys to verify.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum VerifyScope {
    /// Every key not deleted locally.
    All,
    /// Keys imported and not checked yet.
    Unverified,
    /// These uids.
    Uids(Vec<String>),
}

/// What a verification found.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct VerifyReport {
    pub outcome: SyncOutcome,
    pub checked: i64,
    /// Known at PortOne (card fields refreshed).
    pub active: i64,
    /// Not known at PortOne any more.
    pub unknown: i64,
}

/// Convert the client's customer into the store's plain record.
pub fn customer_record(c: &ApiCustomer) -> CustomerRecord {
    CustomerRecord {
        customer_uid: c.customer_uid.clone(),
        pg_provider: c.pg_provider.clone(),
        pg_id: c.pg_id.clone(),
        customer_id: c.customer_id.clone(),
        card_name: c.card_name.clone(),
        card_code: c.card_code.clone(),
        card_number: c.card_number.clone(),
        card_type: match c.card_type {
            Some(CardType::Credit) => Some(0),
            Some(CardType::Check) => Some(1),
            _ => None,
        },
        customer_name: c.customer_name.clone(),
        customer_tel: c.customer_tel.clone(),
        customer_email: c.customer_email.clone(),
        customer_addr: c.customer_addr.clone(),
        customer_postcode: c.customer_postcode.clone(),
        sandbox: c.sandbox.unwrap_or(false),
        inserted: c.inserted.filter(|t| *t > 0),
        updated: c.updated.filter(|t| *t > 0),
        raw_json: serde_json::to_string(c).ok(),
    }
}

/// A key kept by a paid first charge belongs in the registry (principle 3), whether
/// the answer came at once or reconciliation found the payment later. Best effort:
/// a failure here does not undo the charge, and key verification finds the key.
/// It is a one-key sync, so it lives here, below both charge and reconcile.
pub(crate) async fn keep_key(store: &Store, client: &Client, customer_uid: &str) {
    match client.get_billing_key(customer_uid).await {
        Ok(c) => {
            if let Err(e) = store.upsert_customer(&customer_record(&c)) {
                tracing::warn!(code = %e.code(), "could not register the kept key");
            }
        }
        Err(e) => tracing::warn!(code = %e.code(), "could not read the kept key"),
    }
}

/// Check keys against PortOne, 100 per request: refresh the card fields of
/// those it knows, mark the others `unknown`. Each batch commits on its own, so
/// a cancelled run keeps what it verified.
pub async fn verify_keys(
    store: &Store,
    client: &Client,
    scope: VerifyScope,
    progress: ProgressFn<'_>,
    cancel: &CancelToken,
) -> Result<VerifyReport> {
    let _guard = StreamGuard::take(store, "keys")?;
    let uids = match &scope {
        VerifyScope::All => store.uids_to_verify(false)?,
        VerifyScope::Unverified => store.uids_to_verify(true)?,
        VerifyScope::Uids(v) => {
            for u in v {
                customers::check_uid(u)?;
            }
            v.clone()
        }
    };
    let total_batches = uids.len().div_ceil(BATCH) as i64;
    let mut report = VerifyReport {
        outcome: SyncOutcome::Completed,
        checked: 0,
        active: 0,
        unknown: 0,
    };
    let mut p = SyncProgress {
        stream: "keys".into(),
        phase: "verify".into(),
        windows_total: total_batches,
        ..Default::default()
    };
    progress(&p);
    let run: Result<SyncOutcome> = async {
        for batch in uids.chunks(BATCH) {
            if cancel.is_cancelled() {
                return Ok(SyncOutcome::Cancelled);
            }
            let got = client.get_billing_keys(batch).await?;
            let found: Vec<CustomerRecord> = got.found.iter().map(customer_record).collect();
            let mut missing: Vec<String> = got.missing.clone();
            // Anything neither found nor reported missing counts as missing too.
            for u in batch {
                if !found.iter().any(|f| &f.customer_uid == u) && !missing.contains(u) {
                    missing.push(u.clone());
                }
            }
            let (n_found, n_missing) = (found.len() as i64, missing.len() as i64);
            let s = store.clone();
            blocking(move || {
                let now = crate::now();
                s.write(|tx| {
                    for rec in &found {
                        customers::upsert_record(tx, rec, now)?;
                    }
                    for uid in &missing {
                        customers::mark_unknown(tx, uid, now)?;
                    }
                    Ok(())
                })
            })
            .await?;
            report.checked += batch.len() as i64;
            report.active += n_found;
            report.unknown += n_missing;
            p.windows_done += 1;
            p.pages += 1;
            p.rows += batch.len() as i64;
            p.changed += batch.len() as i64;
            progress(&p);
        }
        Ok(SyncOutcome::Completed)
    }
    .await;
    let outcome = stream::outcome_text(&run);
    let inputs = serde_json::json!({
        "scope": match &scope { VerifyScope::All => "all".to_string(), VerifyScope::Unverified => "unverified".into(), VerifyScope::Uids(v) => format!("{} uids", v.len()) },
        "checked": report.checked, "active": report.active, "unknown": report.unknown,
    });
    let err = run.as_ref().err();
    stream::mark_finished(store, "keys", None, false, err, &inputs, &outcome)?;
    match run {
        Ok(o) => {
            report.outcome = o;
            Ok(report)
        }
        Err(e) => Err(e),
    }
}
