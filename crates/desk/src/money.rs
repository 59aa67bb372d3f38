//! The money policy, one copy for the app and the CLI.
//!
//! Whatever the front end: everything that can be checked is checked before any request;
//! a person is shown a [`ChargePreview`] / [`RefundPreview`] and, on a live profile, the
//! request must carry the exact total they confirmed; the buyer fields come from the
//! registry; the profile's unresolved journal rows are reconciled before new money moves;
//! and the money itself goes through subdesk-billing's journal, so a lost answer is looked
//! up, never resent.

use serde::{Deserialize, Serialize};
use subdesk_billing::{
    AgainCharge, BuyerInput, ChargeDetails, ChargeResult, JournalEntry, RefundRequest,
    RefundResult, RefundSplit, charge_again, money::charge::check_customer, refund,
};
use subdesk_profiles::Mode;

use crate::error::{ErrorCode, IpcError, IpcResult};
use crate::session::Session;

/// The limits forms show and check as a person types: the core's own constants, so a form
/// can never allow what the core refuses (or refuse what it allows).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MoneyRules {
    /// The largest amount of one charge, schedule or refund, in won.
    pub max_amount: i64,
    /// Instalments from this amount up, in won.
    pub installment_min_amount: i64,
    pub installment_max_months: u32,
    pub order_name_max_chars: u32,
    pub refund_reason_max_chars: u32,
}

pub fn rules() -> MoneyRules {
    use subdesk_billing::money::charge;
    MoneyRules {
        max_amount: charge::MAX_AMOUNT,
        installment_min_amount: charge::INSTALLMENT_MIN_AMOUNT,
        installment_max_months: charge::INSTALLMENT_MAX_MONTHS,
        order_name_max_chars: charge::ORDER_NAME_MAX_CHARS as u32,
        refund_reason_max_chars: subdesk_billing::money::refund::REASON_MAX_CHARS as u32,
    }
}

/// A form's amount fields as typed, read by the core's one rule for typed amounts
/// ("12000", "12,000", "₩12,000", "12000원"), with the VAT i'mport will derive.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AmountsRead {
    /// The amount in whole won; None when the text is empty or not whole won.
    pub amount: Option<i64>,
    /// The tax-free part: 0 when left empty, None when the text is not whole won.
    pub tax_free: Option<i64>,
    /// VAT as i'mport derives it when none is sent; None until both are read.
    pub vat: Option<i64>,
}

/// Reads a form's typed amount and tax-free part, so no front end parses money itself.
pub fn read_amounts(amount: &str, tax_free: &str) -> AmountsRead {
    let amount = subdesk_billing::parse_amount(amount);
    let tax_free = if tax_free.trim().is_empty() {
        Some(0)
    } else {
        subdesk_billing::parse_amount(tax_free)
    };
    let vat = match (amount, tax_free) {
        (Some(a), Some(f)) => Some(subdesk_billing::money::charge::vat_of(a, f)),
        _ => None,
    };
    AmountsRead {
        amount,
        tax_free,
        vat,
    }
}

/// On a live profile, refuses unless the person confirmed exactly `total`.
pub fn check_live_confirmation(
    session: &Session,
    total: i64,
    confirmed: Option<i64>,
) -> IpcResult<()> {
    if session.profile.mode == Mode::Live && confirmed != Some(total) {
        return Err(IpcError::new(
            ErrorCode::LiveConfirmationRequired,
            "a live charge or refund needs the user's confirmation of its total",
        )
        .with_details(serde_json::json!({ "total": total })));
    }
    Ok(())
}

/// A charge of a registered key, now.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ChargeNowInput {
    pub customer_uid: String,
    /// Whole won.
    pub amount: i64,
    pub name: String,
    pub tax_free: Option<i64>,
    /// Instalment months; None or 0 = lump sum.
    pub card_quota: Option<u32>,
    /// The intent's order id, fixed when the form opened ([`new_order_id`]): every retry
    /// of this charge sends the same one. None: the core's rules for a request without
    /// one (an unseen earlier outcome answers first).
    pub merchant_uid: Option<String>,
    /// The total the person confirmed (required on live profiles).
    pub confirmed_total: Option<i64>,
    /// The kind of goods (KSNET); the key's own when None.
    #[serde(default)]
    pub product_type: Option<subdesk_billing::ProductType>,
}

/// What a person is asked to confirm before a charge.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ChargePreview {
    pub customer_uid: String,
    pub customer_name: Option<String>,
    pub card_name: Option<String>,
    pub card_number: Option<String>,
    pub name: String,
    /// What will be charged, in won: the total to confirm.
    pub total: i64,
    /// The VAT i'mport will derive from the taxable part (none is sent).
    pub vat: i64,
    /// A live profile: real money, the total must be confirmed.
    pub live: bool,
}

impl ChargeNowInput {
    fn details(&self, buyer: BuyerInput) -> ChargeDetails {
        ChargeDetails {
            amount: self.amount,
            name: self.name.clone(),
            tax_free: self.tax_free,
            vat_amount: None,
            buyer,
            card_quota: self.card_quota,
            custom_data: None,
            product_type: self.product_type,
        }
    }
}

/// Checks a charge without sending anything (its fields, the customer's active key) and
/// says what it will do.
pub fn charge_preview(session: &Session, input: &ChargeNowInput) -> IpcResult<ChargePreview> {
    let details = input.details(BuyerInput::default());
    details.validate()?;
    check_customer(&session.store, &input.customer_uid)?;
    subdesk_billing::money::charge::product_type_for(
        &session.store,
        &input.customer_uid,
        &details,
    )?;
    let customer = session.store.get_customer(&input.customer_uid)?;
    Ok(ChargePreview {
        customer_uid: customer.customer_uid,
        customer_name: customer.customer_name,
        card_name: customer.card_name,
        card_number: customer.card_number,
        name: input.name.clone(),
        total: input.amount,
        vat: subdesk_billing::money::charge::vat_of(input.amount, input.tax_free.unwrap_or(0)),
        live: session.profile.mode == Mode::Live,
    })
}

/// Charges a customer's billing key now (`/subscribe/payments/again`). A decline comes
/// back as a result with its reason; a lost answer comes back as `unknown` ("checking").
pub async fn charge_now(session: &Session, input: ChargeNowInput) -> IpcResult<ChargeResult> {
    let preview = charge_preview(session, &input)?;
    check_live_confirmation(session, preview.total, input.confirmed_total)?;
    session.ensure_reconciled().await?;
    let customer = session.store.get_customer(&input.customer_uid)?;
    // The registry's buyer fields go with every charge: receipts and some PGs need them.
    let buyer = BuyerInput {
        name: customer.customer_name,
        email: customer.customer_email,
        tel: customer.customer_tel,
        addr: customer.customer_addr,
        postcode: customer.customer_postcode,
    };
    let request = AgainCharge {
        customer_uid: input.customer_uid.clone(),
        merchant_uid: input.merchant_uid.clone(),
        details: input.details(buyer),
    };
    let result = charge_again(&session.store, session.client()?, &request).await?;
    tracing::info!(merchant_uid = %result.merchant_uid, status = ?result.status, "charge finished");
    Ok(result)
}

/// A new order id for a charge that is about to be asked for: the intent keeps it for
/// life, so pressing "charge" again after a lost answer retries the same order.
pub fn new_order_id() -> String {
    subdesk_billing::money::merchant_uid::unique()
}

/// A refund of all or part of a payment.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RefundInput {
    pub imp_uid: String,
    /// Won to refund; None refunds what remains.
    pub amount: Option<i64>,
    pub tax_free: Option<i64>,
    pub reason: String,
    /// The total the person confirmed (required on live profiles).
    pub confirmed_total: Option<i64>,
}

/// What a person is asked to confirm before a refund, from the local mirror.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RefundPreview {
    pub imp_uid: String,
    /// None when the payment is not in the local mirror (not synced yet).
    pub known: Option<KnownPayment>,
    /// What will be refunded: the amount asked, or what remains; None when neither is
    /// known (a full refund of a payment the mirror does not have).
    pub total: Option<i64>,
    pub live: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct KnownPayment {
    pub name: Option<String>,
    pub amount: i64,
    pub refundable: i64,
    pub buyer_name: Option<String>,
    pub customer_uid: Option<String>,
}

impl RefundInput {
    fn request(&self) -> RefundRequest {
        RefundRequest {
            imp_uid: self.imp_uid.clone(),
            amount: self.amount,
            tax_free: self.tax_free,
            vat_amount: None,
            reason: self.reason.clone(),
        }
    }
}

/// Checks a refund without sending anything and says what it will do.
pub fn refund_preview(session: &Session, input: &RefundInput) -> IpcResult<RefundPreview> {
    input.request().validate()?;
    let known = match session.store.get_payment(&input.imp_uid) {
        Ok(d) => Some(KnownPayment {
            refundable: d.payment.amount - d.payment.cancel_amount,
            name: d.payment.name,
            amount: d.payment.amount,
            buyer_name: d.payment.buyer_name,
            customer_uid: d.payment.customer_uid,
        }),
        Err(subdesk_billing::Error::NotFound { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    Ok(RefundPreview {
        imp_uid: input.imp_uid.clone(),
        total: input.amount.or(known.as_ref().map(|k| k.refundable)),
        known,
        live: session.profile.mode == Mode::Live,
    })
}

/// What may be refunded of a payment now and the tax-free part a refund of `amount` (None:
/// all of it) may carry, from i'mport's balance of it (`GET /payments/{imp_uid}/balance`):
/// what the refund form prefills and bounds. Nothing is sent.
pub async fn refund_split(
    session: &Session,
    imp_uid: &str,
    amount: Option<i64>,
) -> IpcResult<RefundSplit> {
    Ok(subdesk_billing::refund_split(session.client()?, imp_uid, amount).await?)
}

/// Refunds all or part of a payment, with `checksum` set to the refundable balance just
/// re-read from i'mport, so that a replayed request cannot refund twice.
pub async fn refund_payment(session: &Session, input: RefundInput) -> IpcResult<RefundResult> {
    let preview = refund_preview(session, &input)?;
    if preview.live {
        // A live refund of an amount nobody has seen cannot be confirmed: sync first.
        let total = preview.total.ok_or_else(|| {
            IpcError::invalid_input(
                "amount",
                "the payment is not in the local copy yet: sync it, or give the amount",
            )
        })?;
        check_live_confirmation(session, total, input.confirmed_total)?;
    }
    session.ensure_reconciled().await?;
    let request = input.request();
    let result = refund(&session.store, session.client()?, &request).await?;
    tracing::info!(imp_uid = %request.imp_uid, status = ?result.status, "refund finished");
    Ok(result)
}

/// A person's decision on a conflict (a payment under our order id that is not what we
/// sent): `ours` records it as paid (refunded, registered), otherwise our request did
/// nothing. Either way the customer can be charged again.
pub fn decide_conflict(
    session: &Session,
    journal_id: i64,
    ours: bool,
    note: &str,
) -> IpcResult<JournalEntry> {
    Ok(session.store.decide_conflict(journal_id, ours, note)?)
}

/// How a failed charge is charged again, for a person to confirm.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RetryPlan {
    /// The failed payment.
    pub imp_uid: String,
    pub customer_uid: String,
    pub customer_name: Option<String>,
    pub card_name: Option<String>,
    pub card_number: Option<String>,
    pub name: String,
    /// What will be charged, in won: the total to confirm.
    pub total: i64,
    pub tax_free: Option<i64>,
    pub vat: i64,
    /// The order id the retry sends. The failed charge's own when Subdesk sent it: the
    /// same intent, its journal row retried (never a second order for one intent). A new
    /// one for a charge Subdesk did not send (its request is not known here): a new intent.
    pub merchant_uid: String,
    /// `merchant_uid` is the failed charge's own.
    pub same_order: bool,
    pub live: bool,
}

fn not_retryable(why: &str) -> IpcError {
    IpcError::new(ErrorCode::NotRetryable, why.to_owned())
}

/// The failed charge and what its retry sends: the journal's own request when Subdesk
/// sent it (so the retry is the same request under the same order id), else the
/// payment's amount and name with the registry's buyer, under a new order id.
fn retry_request(session: &Session, imp_uid: &str) -> IpcResult<(RetryPlan, ChargeDetails)> {
    let p = session.store.get_payment(imp_uid)?.payment;
    if p.status != subdesk_billing::PaymentStatus::Failed {
        return Err(not_retryable("only a failed payment is charged again"));
    }
    if p.currency != "KRW" {
        return Err(not_retryable("only a payment in won is charged again"));
    }
    let Some(customer_uid) = p.customer_uid.clone() else {
        return Err(not_retryable("the payment names no billing key"));
    };
    // A plan's period (and its dunning retries) is the plan engine's to retry.
    let plans = session.store.list_plans()?;
    if plans.iter().any(|plan| {
        let (lo, hi) = subdesk_billing::registry::search::plan_uid_range(&plan.code);
        p.merchant_uid >= lo && p.merchant_uid < hi
    }) {
        return Err(not_retryable("a plan's period is retried by its plan"));
    }
    check_customer(&session.store, &customer_uid)?;
    let customer = session.store.get_customer(&customer_uid)?;
    let sent = session
        .store
        .journal_charge(&p.merchant_uid)?
        .filter(|e| e.op == subdesk_billing::JournalOp::ChargeAgain)
        .and_then(|e| {
            let v: serde_json::Value = serde_json::from_str(&e.request_json).ok()?;
            serde_json::from_value::<ChargeDetails>(v.get("details")?.clone()).ok()
        });
    let same_order = sent.is_some();
    let details = sent.unwrap_or_else(|| ChargeDetails {
        amount: p.amount,
        name: p.name.clone().unwrap_or_default(),
        buyer: BuyerInput {
            name: customer.customer_name.clone(),
            email: customer.customer_email.clone(),
            tel: customer.customer_tel.clone(),
            addr: customer.customer_addr.clone(),
            postcode: customer.customer_postcode.clone(),
        },
        ..ChargeDetails::default()
    });
    details.validate()?;
    let plan = RetryPlan {
        imp_uid: p.imp_uid.clone(),
        customer_uid,
        customer_name: customer.customer_name,
        card_name: customer.card_name,
        card_number: customer.card_number,
        name: details.name.clone(),
        total: details.amount,
        tax_free: details.tax_free,
        vat: subdesk_billing::money::charge::vat_of(details.amount, details.tax_free.unwrap_or(0)),
        merchant_uid: if same_order {
            p.merchant_uid
        } else {
            new_order_id()
        },
        same_order,
        live: session.profile.mode == Mode::Live,
    };
    Ok((plan, details))
}

/// What charging the failed payment `imp_uid` again would send. Nothing is sent; a new
/// order id (for a charge Subdesk did not send) is made per call, so the form keeps the
/// first answer for the intent's life.
pub fn retry_preview(session: &Session, imp_uid: &str) -> IpcResult<RetryPlan> {
    Ok(retry_request(session, imp_uid)?.0)
}

/// Charges the failed payment `imp_uid` again under `merchant_uid`, the order id its
/// preview gave (for Subdesk's own charge, that charge's: anything else is refused), with
/// the live confirmation of the exact total.
pub async fn retry_failed(
    session: &Session,
    imp_uid: &str,
    merchant_uid: &str,
    confirmed_total: Option<i64>,
) -> IpcResult<ChargeResult> {
    let (plan, details) = retry_request(session, imp_uid)?;
    if plan.same_order && plan.merchant_uid != merchant_uid {
        return Err(IpcError::invalid_input(
            "merchant_uid",
            "a retry of Subdesk's charge goes under that charge's order id",
        ));
    }
    check_live_confirmation(session, plan.total, confirmed_total)?;
    session.ensure_reconciled().await?;
    let request = AgainCharge {
        customer_uid: plan.customer_uid.clone(),
        merchant_uid: Some(merchant_uid.to_owned()),
        details,
    };
    let result = charge_again(&session.store, session.client()?, &request).await?;
    tracing::info!(merchant_uid = %result.merchant_uid, status = ?result.status, "retry finished");
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(a: &str, f: &str) -> (Option<i64>, Option<i64>, Option<i64>) {
        let r = read_amounts(a, f);
        (r.amount, r.tax_free, r.vat)
    }

    #[test]
    fn typed_amounts_are_read_by_the_core_rule() {
        assert_eq!(read("12,000원", ""), (Some(12_000), Some(0), Some(1_091)));
        assert_eq!(
            read("₩11,000", "1,000"),
            (Some(11_000), Some(1_000), Some(909))
        );
        // Not whole won: nothing read, no VAT to show.
        assert_eq!(read("12.5", ""), (None, Some(0), None));
        assert_eq!(read("", ""), (None, Some(0), None));
        assert_eq!(read("10000", "abc"), (Some(10_000), None, None));
    }
}
