//! Charging now: a stored key (`again`) or card data (`onetime`, optionally
//! keeping the card as a key). Validated here with stable codes, journaled before
//! sending, recorded after; a lost answer leaves the row "checking" until a
//! lookup decides.

use serde::{Deserialize, Serialize};
use subdesk_iamport::{AgainRequest, Buyer, CardData, Client, Money, OnetimeRequest};

use crate::error::{Error, Result};
use crate::registry::customers::KeyStatus;
use crate::store::db::Store;
use rusqlite::Transaction;

use crate::mirror::sync::payments::payment_record;
use crate::money::journal::{
    self, Begun, Finish, JournalEntry, JournalOp, JournalState, NewEntry, outcome,
};
use crate::money::send::{Failure, classify, error_pair};

/// Instalments are allowed from this amount up (KRW).
pub const INSTALLMENT_MIN_AMOUNT: i64 = 50_000;

/// The longest instalment plan card companies offer.
pub const INSTALLMENT_MAX_MONTHS: u32 = 36;

/// The longest order name (`name`) Subdesk sends: PGs cut longer ones on receipts.
pub const ORDER_NAME_MAX_CHARS: usize = 40;

/// The most Subdesk sends in one charge, schedule or refund: ₩100,000,000. i'mport
/// publishes no limit of its own; card limits are far below this, so a larger
/// amount is a typo (an extra zero), refused before anything is journaled. It also
/// keeps every total of a run (≤ 1,000,000 items) far inside `i64`.
pub const MAX_AMOUNT: i64 = 100_000_000;

/// `amount_too_large` for an amount above [`MAX_AMOUNT`].
pub fn check_amount(field: &str, amount: i64) -> Result<()> {
    if amount > MAX_AMOUNT {
        return Err(Error::AmountTooLarge {
            field: field.to_string(),
            amount,
            max: MAX_AMOUNT,
        });
    }
    Ok(())
}

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

/// The kind of goods a charge is for (`product_type`): KSNET refuses a charge without it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum ProductType {
    /// Physical goods.
    Real,
    /// Digital goods and services.
    Digital,
}

impl ProductType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Real => "real",
            Self::Digital => "digital",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "real" => Some(Self::Real),
            "digital" => Some(Self::Digital),
            _ => None,
        }
    }

    pub(crate) fn to_api(self) -> subdesk_iamport::ProductType {
        match self {
            Self::Real => subdesk_iamport::ProductType::Real,
            Self::Digital => subdesk_iamport::ProductType::Digital,
        }
    }
}

/// The `product_type` a charge of this key carries: the charge's own, else the one kept
/// with the key. None where the key's PG does not need one; `invalid_input` on
/// `product_type` (before anything is journaled or sent) where it does and none is known.
pub fn product_type_for(
    store: &Store,
    customer_uid: &str,
    details: &ChargeDetails,
) -> Result<Option<ProductType>> {
    if let Some(t) = details.product_type {
        return Ok(Some(t));
    }
    if let Some(t) = store.key_product_type(customer_uid)? {
        return Ok(Some(t));
    }
    let pg = store.get_customer(customer_uid)?.pg_provider;
    if pg
        .as_deref()
        .is_some_and(crate::registry::keys::product_type_required)
    {
        return Err(Error::invalid(
            "product_type",
            "this PG needs the kind of goods (real or digital) on every charge",
        ));
    }
    Ok(None)
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
    /// The kind of goods (KSNET); the key's own when None.
    pub product_type: Option<ProductType>,
}

impl ChargeDetails {
    /// Check every rule before anything is journaled or sent.
    pub fn validate(&self) -> Result<()> {
        if self.amount <= 0 {
            return Err(Error::invalid("amount", "must be greater than zero"));
        }
        check_amount("amount", self.amount)?;
        if self.name.trim().is_empty() {
            return Err(Error::invalid("name", "must not be empty"));
        }
        if self.name.chars().count() > ORDER_NAME_MAX_CHARS {
            return Err(Error::invalid(
                "name",
                format!("at most {ORDER_NAME_MAX_CHARS} characters"),
            ));
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
            Some(q) if q > INSTALLMENT_MAX_MONTHS => {
                return Err(Error::invalid(
                    "card_quota",
                    format!("at most {INSTALLMENT_MAX_MONTHS} months"),
                ));
            }
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
    /// i'mport holds a payment under this order id that is not ours (another
    /// customer, amount or time): neither paid nor failed until a person decides.
    Conflict,
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
    /// The outcome of an earlier request for the same intent: nothing was sent now.
    pub replayed: bool,
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

/// The customer must be in the registry with an active key: checked by every charge, and
/// by the front ends before they ask a person to confirm one.
pub fn check_customer(store: &Store, customer_uid: &str) -> Result<()> {
    crate::registry::customers::check_uid(customer_uid)?;
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

impl Ctx {
    /// A person's own request (the charge form, the CLI): its unseen outcomes are
    /// answered before anything new is sent. Runs and plans have order ids of their
    /// own per item, and their rows decide by themselves.
    fn manual(&self) -> bool {
        self.source == "manual"
    }
}

/// Charge a stored billing key now (`POST /subscribe/payments/again`).
///
/// `Ok` with `Paid`, `Declined` (the failed payment is stored, the key kept),
/// `Unknown` (the answer was lost; reconciliation decides) or `Conflict` (i'mport
/// holds a payment under this order id that is not ours). `replayed` is set when the
/// result is an earlier request's (the same order, or the customer's last charge
/// whose outcome nobody was told): nothing was sent now. `Err` when the input breaks
/// a rule (nothing journaled), the customer has a charge still being checked
/// (`charge_unresolved`), an earlier unseen charge of another amount was paid
/// (`earlier_charge_paid`), or i'mport refused the request.
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
    match prepare_again(store, req, ctx, true)? {
        Prepared::Send(p) => send_again(store, client, req, p).await,
        Prepared::Earlier(e) => Ok(replayed(&e)),
    }
}

/// A journaled charge that has not been sent yet.
pub(crate) struct ToSend {
    pub journal_id: i64,
    pub merchant_uid: String,
}

/// What preparing a charge decided.
pub(crate) enum Prepared {
    Send(ToSend),
    /// An earlier request answers this one; nothing is sent.
    Earlier(Box<JournalEntry>),
}

/// The result an earlier journal row gives.
pub(crate) fn replayed(e: &JournalEntry) -> ChargeResult {
    ChargeResult {
        journal_id: e.id,
        merchant_uid: e.merchant_uid.clone(),
        status: match e.outcome.as_deref() {
            Some(outcome::PAID) => ChargeStatus::Paid,
            Some(outcome::FAILED) => ChargeStatus::Declined,
            Some(outcome::CONFLICT) => ChargeStatus::Conflict,
            _ => ChargeStatus::Unknown,
        },
        amount: e.amount,
        imp_uid: e.imp_uid.clone(),
        fail_reason: e.fail_reason.clone(),
        replayed: true,
    }
}

/// Journal a charge under the money rules, in one write transaction:
/// - one open charge per customer (the journal's lock);
/// - for a person's request, outcomes of the customer's charges that nobody was
///   told answer first: the same request already paid is that result, and the same
///   request declined or not executed is retried under its own order id; another
///   charge of the customer paid unseen is `earlier_charge_paid` (nothing charged
///   now, asking again charges anew);
/// - an order id already paid answers with that payment (never a second charge).
fn prepare_tx(
    tx: &Transaction<'_>,
    store: &Store,
    ctx: &Ctx,
    customer_uid: Option<&str>,
    merchant_uid: Option<&str>,
    mut entry: NewEntry,
) -> Result<std::result::Result<Prepared, JournalEntry>> {
    let mut chosen = merchant_uid.map(str::to_string);
    if ctx.manual()
        && let Some(customer) = customer_uid
    {
        let hash = journal::hash(&entry.request_json);
        // This very request, sent before and never answered to anyone: its outcome
        // is the answer (paid), or it is retried under its own order id.
        if let Some(prev) = journal::unseen_tx(tx, CHARGE_OPS, customer, Some(&hash), None)?
            && chosen.as_deref().is_none_or(|m| m != prev.merchant_uid)
        {
            if prev.outcome.as_deref() == Some(outcome::PAID) {
                journal::mark_seen_tx(tx, prev.id)?;
                return Ok(Ok(Prepared::Earlier(Box::new(prev))));
            }
            if chosen.is_none() {
                chosen = Some(prev.merchant_uid.clone());
            }
        } else if let Some(prev) =
            journal::unseen_tx(tx, CHARGE_OPS, customer, None, Some(outcome::PAID))?
            && chosen.as_deref().is_none_or(|m| m != prev.merchant_uid)
        {
            // Another charge of this customer went through and nobody was told:
            // say so, charge nothing now; asking again charges anew.
            journal::mark_seen_tx(tx, prev.id)?;
            return Ok(Err(prev));
        }
        // The same request paid a moment ago, and this one names no order: most
        // likely the same intent once more (a crash after the answer was recorded,
        // before anyone saw it). Refused; a new order id says "charge again".
        if chosen.is_none()
            && let Some(prev) = journal::recent_paid_tx(tx, customer, &hash, RECENT_SAME_SECS)?
        {
            return Err(Error::RecentSameCharge {
                merchant_uid: prev.merchant_uid,
                imp_uid: prev.imp_uid.unwrap_or_default(),
                at: prev.updated_at,
            });
        }
    }
    let merchant_uid = chosen.unwrap_or_else(crate::money::merchant_uid::unique);
    crate::money::merchant_uid::validate(&merchant_uid)?;
    entry.merchant_uid = merchant_uid.clone();
    // A person's charge holds the customer's lock: one open charge per customer,
    // so a retry of a lost charge cannot become a second charge. A run's line or a
    // plan period is its own intent with its own order id (a customer may be on
    // several lines by choice) and locks only that order; but a person's charge
    // still waits for any of the customer's open ones.
    if ctx.manual() {
        entry.lock_key = journal::charge_lock(customer_uid, &merchant_uid);
        if let Some(customer) = customer_uid
            && let Some(refusal) = journal::open_charge_refusal_tx(tx, customer, &merchant_uid)?
        {
            return Err(refusal);
        }
    } else {
        entry.lock_key = journal::charge_lock(None, &merchant_uid);
    }
    Ok(Ok(match journal::begin_tx(tx, store.profile(), &entry)? {
        Begun::Send(journal_id) => Prepared::Send(ToSend {
            journal_id,
            merchant_uid,
        }),
        Begun::Earlier(e) => Prepared::Earlier(e),
    }))
}

const CHARGE_OPS: &str = "'charge_again', 'charge_onetime'";

/// A request with no order id that equals one paid this recently is refused as
/// probably the same intent again (`recent_same_charge`).
pub const RECENT_SAME_SECS: i64 = 600;

fn prepare(
    store: &Store,
    ctx: &Ctx,
    customer_uid: Option<&str>,
    merchant_uid: Option<&str>,
    entry: NewEntry,
) -> Result<Prepared> {
    store.check_money_allowed()?;
    let decided =
        store.write(|tx| prepare_tx(tx, store, ctx, customer_uid, merchant_uid, entry))?;
    decided.map_err(|prev| Error::EarlierChargePaid {
        merchant_uid: prev.merchant_uid,
        imp_uid: prev.imp_uid.unwrap_or_default(),
        amount: prev.amount,
    })
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
    product_type_for(store, &req.customer_uid, &req.details)?;
    if let Some(m) = &req.merchant_uid {
        crate::money::merchant_uid::validate(m)?;
    }
    let request_json = serde_json::to_string(&ChargeJournal {
        kind: "again",
        customer_uid: Some(&req.customer_uid),
        keep_key_as: None,
        pg: None,
        details: &req.details,
    })
    .map_err(|e| Error::Internal(e.to_string()))?;
    prepare(
        store,
        ctx,
        Some(&req.customer_uid),
        req.merchant_uid.as_deref(),
        NewEntry {
            op: JournalOp::ChargeAgain,
            merchant_uid: String::new(),
            lock_key: String::new(),
            customer_uid: Some(req.customer_uid.clone()),
            target_imp_uid: None,
            amount: req.details.amount,
            request_json,
            prior_count: 0,
            checksum: None,
            source: ctx.source.clone(),
            sent,
        },
    )
}

pub(crate) async fn send_again(
    store: &Store,
    client: &Client,
    req: &AgainCharge,
    p: ToSend,
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
    // Checked before journaling (prepare_again); read again here, never an error now.
    api.product_type = product_type_for(store, &req.customer_uid, d)
        .ok()
        .flatten()
        .map(ProductType::to_api);
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
        crate::registry::customers::check_uid(uid)?;
    }
    if let Some(m) = &req.merchant_uid {
        crate::money::merchant_uid::validate(m)?;
    }
    let request_json = serde_json::to_string(&ChargeJournal {
        kind: "onetime",
        customer_uid: None,
        keep_key_as: req.keep_key_as.as_deref(),
        pg: req.pg.as_deref(),
        details: d,
    })
    .map_err(|e| Error::Internal(e.to_string()))?;
    let prepared = prepare(
        store,
        &Ctx::default(),
        req.keep_key_as.as_deref(),
        req.merchant_uid.as_deref(),
        NewEntry {
            op: JournalOp::ChargeOnetime,
            merchant_uid: String::new(),
            lock_key: String::new(),
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
    let p = match prepared {
        Prepared::Send(p) => p,
        Prepared::Earlier(e) => return Ok(replayed(&e)),
    };
    let amount = d.amount;
    let audit = serde_json::json!({
        "merchant_uid": p.merchant_uid,
        "amount": amount,
        "name": d.name,
        "keep_key_as": req.keep_key_as,
    });
    let keep = req.keep_key_as.clone();
    let mut api = OnetimeRequest::new(&p.merchant_uid, Money::won(amount), req.card);
    api.tax_free = money(d.tax_free);
    api.vat_amount = money(d.vat_amount);
    api.name = Some(d.name.clone());
    api.buyer = d.buyer.to_api();
    api.card_quota = d.card_quota.filter(|q| *q > 0);
    api.custom_data = d.custom_data.clone();
    api.customer_uid = keep.clone();
    api.product_type = d.product_type.map(ProductType::to_api);
    api.pg = req.pg;
    let answer = client.charge_onetime(&api).await;
    // The card data goes out of scope (and is zeroized) here, before recording.
    drop(api);
    let result = record(store, client, p, amount, answer, ("charge.onetime", audit)).await?;
    if result.status == ChargeStatus::Paid
        && let Some(uid) = keep
    {
        crate::mirror::sync::keys::keep_key(store, client, &uid).await;
    }
    Ok(result)
}

/// Record the answer of a charge. Shared by every charge path (manual, bulk,
/// dunning). Once the request has left, nothing here is a plain error: a refusal is
/// looked up first (i'mport's "already paid" is a refusal), and an answer that
/// cannot be recorded leaves the charge "checking" for reconciliation.
pub(crate) async fn record(
    store: &Store,
    client: &Client,
    p: ToSend,
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
        replayed: false,
    };
    let mut refusal = None;
    let mut f = match answer {
        Ok(pay) if pay.status == subdesk_iamport::PaymentStatus::Ready => {
            // Accepted, not settled: it may still become paid or failed. Open until
            // a lookup sees it settle; never treated as either.
            let mut f = Finish::new(JournalState::Unknown, None);
            f.imp_uid = Some(pay.imp_uid.clone());
            f.payments = vec![payment_record(&pay)];
            result.imp_uid = Some(pay.imp_uid);
            f
        }
        Ok(pay) => {
            let mut f = Finish::new(JournalState::Succeeded, Some(outcome::PAID));
            f.imp_uid = Some(pay.imp_uid.clone());
            f.payments = vec![payment_record(&pay)];
            f.told = true;
            result.status = ChargeStatus::Paid;
            result.imp_uid = Some(pay.imp_uid);
            f
        }
        Err(subdesk_iamport::Error::Declined {
            payment,
            fail_reason,
        }) => {
            let mut f = Finish::new(JournalState::Declined, Some(outcome::FAILED));
            f.imp_uid = Some(payment.imp_uid.clone());
            f.fail_reason = fail_reason.clone();
            f.payments = vec![payment_record(&payment)];
            f.told = true;
            result.status = ChargeStatus::Declined;
            result.imp_uid = Some(payment.imp_uid.clone());
            result.fail_reason = fail_reason;
            f
        }
        Err(e) => {
            // Lost (may have executed) or refused: either way "checking" first. A
            // refusal is final only after a lookup finds nothing under the order id,
            // since i'mport refuses a second charge of an order it already paid.
            let lost = classify(&e) == Failure::Unknown;
            let err = Error::Api(e);
            let mut f = Finish::new(JournalState::Unknown, None);
            f.error = Some(error_pair(&err));
            if !lost {
                refusal = Some(err);
            }
            f
        }
    };
    f.audit = Some((action.to_string(), inputs.clone()));
    if !journal::finish_after_send(store, p.journal_id, &f).await {
        // The database could not take the answer: the caller is told what i'mport
        // said, and the row stays `sent` (unseen) for reconciliation to record. A
        // second press is then answered with this charge, never sent again.
        return Ok(result);
    }
    if result.status != ChargeStatus::Unknown {
        return Ok(result);
    }
    // One look right away: a commit whose answer was lost is usually visible
    // already. "Not found" is not trusted yet (the request may still be in flight);
    // reconciliation decides that later.
    let Ok(entry) = store.journal_get(p.journal_id) else {
        return Ok(result);
    };
    let looked = crate::money::reconcile::resolve_entry(store, client, &entry, i64::MAX).await;
    let entry = match store.journal_get(p.journal_id) {
        Ok(e) => e,
        Err(_) => return Ok(result),
    };
    if matches!(looked, Ok(true)) && !entry.state.is_open() {
        let r = replayed(&entry);
        result.status = r.status;
        result.imp_uid = r.imp_uid;
        result.fail_reason = r.fail_reason;
        // Told only when it is an outcome; "not executed" (decided here or by
        // another process's reconciliation) is still "checking" to the caller,
        // whose next press retries under this same order id.
        if result.status != ChargeStatus::Unknown {
            let _ = store.write(|tx| journal::mark_seen_tx(tx, entry.id));
            return Ok(result);
        }
    }
    match (refusal, looked) {
        // Refused, and the lookup found nothing under the order id: the refusal
        // stands, nothing was charged.
        (Some(err), Ok(false)) => {
            let mut f = Finish::new(JournalState::Rejected, Some(outcome::REFUSED));
            f.error = Some(error_pair(&err));
            f.told = true;
            f.audit = Some((action.to_string(), inputs));
            journal::finish_after_send(store, p.journal_id, &f).await;
            Err(err)
        }
        _ => Ok(result),
    }
}
