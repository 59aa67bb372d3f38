//! Charging now: a stored key (`again`) or card data (`onetime`, optionally
//! keeping the card as a key). Validated here with stable codes, journaled before
//! sending, recorded after; a lost answer leaves the row "checking" until a
//! lookup decides.

use serde::{Deserialize, Serialize};
use subdesk_iamport::{AgainRequest, Buyer, CardData, Client, Money, OnetimeRequest};

use crate::customers::KeyStatus;
use crate::db::Store;
use crate::error::{Error, Result};
use crate::journal::{self, Finish, JournalOp, JournalState, NewEntry, outcome};
use crate::send::{Failure, classify, error_pair};
use crate::sync::payments::payment_record;

/// Instalments are allowed from this amount up (KRW).
pub const INSTALLMENT_MIN_AMOUNT: i64 = 50_000;

/// Buyer fields of a charge (`buyer_*`); the key's stored values when omitted.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct BuyerInput {
    pub name: Option<String>,
    pub email: Option<String>,
    pub tel: Option<String>,
    pub addr: Option<String>,
    pub postcode: Option<String>,
}

impl BuyerInput {
    fn validate(&self) -> Result<()> {
        for (field, v, max) in [
            ("buyer_name", &self.name, 16),
            ("buyer_email", &self.email, 64),
            ("buyer_tel", &self.tel, 16),
            ("buyer_addr", &self.addr, 128),
            ("buyer_postcode", &self.postcode, 8),
        ] {
            if v.as_deref().is_some_and(|s| s.chars().count() > max) {
                return Err(Error::invalid(field, format!("at most {max} characters")));
            }
        }
        Ok(())
    }

    fn to_api(&self) -> Buyer {
        let mut b = Buyer::default();
        b.name = self.name.clone();
        b.email = self.email.clone();
        b.tel = self.tel.clone();
        b.addr = self.addr.clone();
        b.postcode = self.postcode.clone();
        b
    }
}

/// What is charged: shared by `again` and `onetime`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct ChargeDetails {
    /// Whole won, > 0.
    pub amount: i64,
    /// Order name, 1–40 characters.
    pub name: String,
    /// Tax-free part of `amount` (0..=amount).
    pub tax_free: Option<i64>,
    /// Explicit VAT (0..=amount − tax_free); derived by i'mport when None.
    pub vat_amount: Option<i64>,
    pub buyer: BuyerInput,
    /// Instalment months; 0 or None = lump sum; ≥ 2 only from 50,000 won.
    pub card_quota: Option<u32>,
    /// Stored on the payment.
    pub custom_data: Option<String>,
}

impl ChargeDetails {
    /// Check every rule before anything is journaled or sent.
    pub fn validate(&self) -> Result<()> {
        if self.amount <= 0 {
            return Err(Error::invalid("amount", "must be greater than zero"));
        }
        if self.name.trim().is_empty() {
            return Err(Error::invalid("name", "must not be empty"));
        }
        if self.name.chars().count() > 40 {
            return Err(Error::invalid("name", "at most 40 characters"));
        }
        let tax_free = self.tax_free.unwrap_or(0);
        if !(0..=self.amount).contains(&tax_free) {
            return Err(Error::invalid(
                "tax_free",
                "must be between 0 and the amount",
            ));
        }
        if let Some(v) = self.vat_amount
            && !(0..=self.amount - tax_free).contains(&v)
        {
            return Err(Error::invalid(
                "vat_amount",
                "must be between 0 and the taxable amount",
            ));
        }
        match self.card_quota {
            None | Some(0) => {}
            Some(1) => return Err(Error::invalid("card_quota", "0 (lump sum) or 2 or more")),
            Some(q) if q > 36 => return Err(Error::invalid("card_quota", "at most 36 months")),
            Some(_) if self.amount < INSTALLMENT_MIN_AMOUNT => {
                return Err(Error::invalid(
                    "card_quota",
                    "instalments need an amount of at least 50,000 won",
                ));
            }
            Some(_) => {}
        }
        self.buyer.validate()
    }

    /// VAT as i'mport will compute it: explicit, else round((amount − tax_free)/11).
    pub fn vat(&self) -> i64 {
        self.vat_amount
            .unwrap_or_else(|| vat_of(self.amount, self.tax_free.unwrap_or(0)))
    }
}

/// round((amount − tax_free) / 11), half up: i'mport's default VAT.
pub fn vat_of(amount: i64, tax_free: i64) -> i64 {
    let taxable = (amount - tax_free).max(0);
    (taxable + 5) / 11
}

/// Charge a stored billing key now.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct AgainCharge {
    pub customer_uid: String,
    /// None: a fresh unique id. Some: a retry of that order (or the caller's own id).
    pub merchant_uid: Option<String>,
    pub details: ChargeDetails,
}

/// Charge card data now, optionally keeping it as a billing key. The card lives
/// in memory only (the client's zeroizing type); it is never journaled or stored.
#[derive(Debug)]
pub struct OnetimeCharge {
    pub card: CardData,
    pub merchant_uid: Option<String>,
    pub details: ChargeDetails,
    /// Save the card as this billing key if the charge succeeds.
    pub keep_key_as: Option<String>,
    /// `{pg}` or `{pg}.{MID}`; the default channel when None.
    pub pg: Option<String>,
}

/// How a charge ended, as far as we know.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ChargeStatus {
    Paid,
    Declined,
    /// No answer yet: shown as "확인 중 / checking" until reconciliation decides.
    Unknown,
}

/// The result of a charge.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ChargeResult {
    pub journal_id: i64,
    pub merchant_uid: String,
    pub status: ChargeStatus,
    pub amount: i64,
    pub imp_uid: Option<String>,
    pub fail_reason: Option<String>,
}

/// The journaled form of a charge request: no card data, no secrets. Field order
/// is fixed, so its hash is stable.
#[derive(Serialize)]
struct ChargeJournal<'a> {
    kind: &'static str,
    customer_uid: Option<&'a str>,
    keep_key_as: Option<&'a str>,
    pg: Option<&'a str>,
    details: &'a ChargeDetails,
}

fn money(v: Option<i64>) -> Option<Money> {
    v.map(Money::won)
}

/// The customer must be in the registry with an active key.
pub(crate) fn check_customer(store: &Store, customer_uid: &str) -> Result<()> {
    crate::customers::check_uid(customer_uid)?;
    let c = store.get_customer(customer_uid)?;
    if c.key_status != KeyStatus::Active {
        return Err(Error::KeyNotActive {
            customer_uid: customer_uid.to_string(),
            status: c.key_status.as_str().to_string(),
        });
    }
    Ok(())
}

/// Options for callers that charge on behalf of a run or plan.
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    pub source: String,
}

impl Default for Ctx {
    fn default() -> Self {
        Ctx {
            source: "manual".into(),
        }
    }
}

/// Charge a stored billing key now (`POST /subscribe/payments/again`).
///
/// `Ok` with `Paid`, `Declined` (the failed payment is stored, the key kept) or
/// `Unknown` (the answer was lost; reconciliation decides). `Err` when the input
/// breaks a rule (nothing journaled), the item is still being checked
/// (`charge_unresolved`), was already charged, or i'mport refused the request.
pub async fn charge_again(
    store: &Store,
    client: &Client,
    req: &AgainCharge,
) -> Result<ChargeResult> {
    charge_again_ctx(store, client, req, &Ctx::default()).await
}

pub(crate) async fn charge_again_ctx(
    store: &Store,
    client: &Client,
    req: &AgainCharge,
    ctx: &Ctx,
) -> Result<ChargeResult> {
    let prepared = prepare_again(store, req, ctx, true)?;
    send_again(store, client, req, prepared).await
}

/// A journaled charge that has not been sent yet.
pub(crate) struct Prepared {
    pub journal_id: i64,
    pub merchant_uid: String,
}

/// Validate and journal an `again` charge (as `sent`, or `pending` when the
/// caller waits before sending, e.g. for a rate limit).
pub(crate) fn prepare_again(
    store: &Store,
    req: &AgainCharge,
    ctx: &Ctx,
    sent: bool,
) -> Result<Prepared> {
    req.details.validate()?;
    check_customer(store, &req.customer_uid)?;
    let merchant_uid = req
        .merchant_uid
        .clone()
        .unwrap_or_else(crate::merchant_uid::unique);
    crate::merchant_uid::validate(&merchant_uid)?;
    let request_json = serde_json::to_string(&ChargeJournal {
        kind: "again",
        customer_uid: Some(&req.customer_uid),
        keep_key_as: None,
        pg: None,
        details: &req.details,
    })
    .map_err(|e| Error::Internal(e.to_string()))?;
    let journal_id = journal::begin(
        store,
        &NewEntry {
            op: JournalOp::ChargeAgain,
            merchant_uid: merchant_uid.clone(),
            lock_key: journal::charge_lock(&merchant_uid),
            customer_uid: Some(req.customer_uid.clone()),
            target_imp_uid: None,
            amount: req.details.amount,
            request_json,
            prior_count: 0,
            checksum: None,
            source: ctx.source.clone(),
            sent,
        },
    )?;
    Ok(Prepared {
        journal_id,
        merchant_uid,
    })
}

pub(crate) async fn send_again(
    store: &Store,
    client: &Client,
    req: &AgainCharge,
    p: Prepared,
) -> Result<ChargeResult> {
    let d = &req.details;
    let mut api = AgainRequest::new(
        &req.customer_uid,
        &p.merchant_uid,
        Money::won(d.amount),
        &d.name,
    );
    api.tax_free = money(d.tax_free);
    api.vat_amount = money(d.vat_amount);
    api.buyer = d.buyer.to_api();
    api.card_quota = d.card_quota.filter(|q| *q > 0);
    api.custom_data = d.custom_data.clone();
    let audit = serde_json::json!({
        "customer_uid": req.customer_uid,
        "merchant_uid": p.merchant_uid,
        "amount": d.amount,
        "name": d.name,
    });
    let answer = client.charge_again(&api).await;
    record(store, client, p, d.amount, answer, ("charge.again", audit)).await
}

/// Charge card data now (`POST /subscribe/payments/onetime`), optionally saving
/// it as billing key `keep_key_as` (then added to the registry).
pub async fn charge_onetime(
    store: &Store,
    client: &Client,
    req: OnetimeCharge,
) -> Result<ChargeResult> {
    let d = &req.details;
    d.validate()?;
    if let Some(uid) = &req.keep_key_as {
        crate::customers::check_uid(uid)?;
    }
    let merchant_uid = req
        .merchant_uid
        .clone()
        .unwrap_or_else(crate::merchant_uid::unique);
    crate::merchant_uid::validate(&merchant_uid)?;
    let request_json = serde_json::to_string(&ChargeJournal {
        kind: "onetime",
        customer_uid: None,
        keep_key_as: req.keep_key_as.as_deref(),
        pg: req.pg.as_deref(),
        details: d,
    })
    .map_err(|e| Error::Internal(e.to_string()))?;
    let journal_id = journal::begin(
        store,
        &NewEntry {
            op: JournalOp::ChargeOnetime,
            merchant_uid: merchant_uid.clone(),
            lock_key: journal::charge_lock(&merchant_uid),
            customer_uid: req.keep_key_as.clone(),
            target_imp_uid: None,
            amount: d.amount,
            request_json,
            prior_count: 0,
            checksum: None,
            source: "manual".into(),
            sent: true,
        },
    )?;
    let amount = d.amount;
    let audit = serde_json::json!({
        "merchant_uid": merchant_uid,
        "amount": amount,
        "name": d.name,
        "keep_key_as": req.keep_key_as,
    });
    let keep = req.keep_key_as.clone();
    let mut api = OnetimeRequest::new(&merchant_uid, Money::won(amount), req.card);
    api.tax_free = money(d.tax_free);
    api.vat_amount = money(d.vat_amount);
    api.name = Some(d.name.clone());
    api.buyer = d.buyer.to_api();
    api.card_quota = d.card_quota.filter(|q| *q > 0);
    api.custom_data = d.custom_data.clone();
    api.customer_uid = keep.clone();
    api.pg = req.pg;
    let answer = client.charge_onetime(&api).await;
    // The card data goes out of scope (and is zeroized) here, before recording.
    drop(api);
    let result = record(
        store,
        client,
        Prepared {
            journal_id,
            merchant_uid,
        },
        amount,
        answer,
        ("charge.onetime", audit),
    )
    .await?;
    if result.status == ChargeStatus::Paid
        && let Some(uid) = keep
    {
        // The new key belongs in the registry (principle 3). Best effort: a
        // failure here does not undo the charge, and key verification finds it.
        match client.get_billing_key(&uid).await {
            Ok(c) => {
                if let Err(e) = store.upsert_customer(&crate::sync::keys::customer_record(&c)) {
                    tracing::warn!(code = e.code(), "could not register the kept key");
                }
            }
            Err(e) => tracing::warn!(code = e.code(), "could not read the kept key"),
        }
    }
    Ok(result)
}

/// Record the answer of a charge. Shared by every charge path (manual, bulk,
/// dunning).
pub(crate) async fn record(
    store: &Store,
    client: &Client,
    p: Prepared,
    amount: i64,
    answer: subdesk_iamport::Result<subdesk_iamport::Payment>,
    audit: (&str, serde_json::Value),
) -> Result<ChargeResult> {
    let (action, inputs) = audit;
    let mut result = ChargeResult {
        journal_id: p.journal_id,
        merchant_uid: p.merchant_uid.clone(),
        status: ChargeStatus::Unknown,
        amount,
        imp_uid: None,
        fail_reason: None,
    };
    let mut f;
    match answer {
        Ok(pay) => {
            f = Finish::new(JournalState::Succeeded, Some(outcome::PAID));
            f.imp_uid = Some(pay.imp_uid.clone());
            f.payments = vec![payment_record(&pay)];
            result.status = ChargeStatus::Paid;
            result.imp_uid = Some(pay.imp_uid);
        }
        Err(e) => match (classify(&e), e) {
            (
                _,
                subdesk_iamport::Error::Declined {
                    payment,
                    fail_reason,
                },
            ) => {
                let before = store.journal_get(p.journal_id)?.prior_count;
                f = Finish::new(JournalState::Declined, Some(outcome::FAILED));
                f.imp_uid = Some(payment.imp_uid.clone());
                f.fail_reason = fail_reason.clone();
                f.prior_count = Some(before + 1);
                f.payments = vec![payment_record(&payment)];
                result.status = ChargeStatus::Declined;
                result.imp_uid = Some(payment.imp_uid.clone());
                result.fail_reason = fail_reason;
            }
            (Failure::Unknown, e) => {
                let err = Error::Api(e);
                f = Finish::new(JournalState::Unknown, None);
                f.error = Some(error_pair(&err));
            }
            (_, e) => {
                let entry = store.journal_get(p.journal_id)?;
                if entry.attempts > 1 {
                    // A refused retry may be i'mport's duplicate guard: the first
                    // attempt was paid after all. Only a lookup can tell.
                    f = Finish::new(JournalState::Unknown, None);
                    f.error = Some(error_pair(&Error::Api(e)));
                } else {
                    let err = Error::Api(e);
                    f = Finish::new(JournalState::Rejected, Some(outcome::REFUSED));
                    f.error = Some(error_pair(&err));
                    f.audit = Some((action.to_string(), inputs));
                    journal::finish(store, p.journal_id, &f)?;
                    return Err(err);
                }
            }
        },
    }
    f.audit = Some((action.to_string(), inputs));
    journal::finish(store, p.journal_id, &f)?;
    if result.status == ChargeStatus::Unknown {
        // One look right away: a commit whose answer was lost is usually
        // visible already. "Not found" is not trusted yet (the request may still
        // be in flight); reconciliation decides that later.
        let entry = store.journal_get(p.journal_id)?;
        if let Ok(true) = crate::reconcile::resolve_entry(store, client, &entry, i64::MAX).await {
            let entry = store.journal_get(p.journal_id)?;
            match entry.outcome.as_deref() {
                Some(outcome::PAID) => result.status = ChargeStatus::Paid,
                Some(outcome::FAILED) => result.status = ChargeStatus::Declined,
                Some(_) => {
                    // Refused or not executed: the retry guard spoke.
                    if let Some((code, msg)) = entry.error_code.zip(entry.error_message) {
                        tracing::info!(%code, %msg, "charge refused after lookup");
                    }
                }
                None => {}
            }
            result.imp_uid = entry.imp_uid;
            result.fail_reason = entry.fail_reason;
        }
    }
    Ok(result)
}
