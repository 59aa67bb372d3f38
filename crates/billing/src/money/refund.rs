//! Refunds, full and partial. Every refund sends `checksum` = the refundable
//! balance as just re-read from i'mport, so a replayed or raced cancel is refused
//! instead of refunding twice. A refund whose answer was lost is resolved by
//! re-reading the payment's cancel history (reconcile), never by sending again.

use serde::{Deserialize, Serialize};
use subdesk_iamport::{CancelRequest, Client, Money};

use crate::error::{Error, Result};
use crate::mirror::sync::payments::payment_record;
use crate::money::journal::{self, Finish, JournalOp, JournalState, NewEntry, outcome};
use crate::money::send::{Failure, classify, error_pair};
use crate::store::db::Store;

/// The longest refund reason i'mport takes.
pub const REASON_MAX_CHARS: usize = 200;

/// A refund to make.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct RefundRequest {
    /// The payment.
    pub imp_uid: String,
    /// Won to refund; None refunds everything that remains.
    pub amount: Option<i64>,
    /// Tax-free part of the refund (0..=amount).
    pub tax_free: Option<i64>,
    /// VAT part (needed when VAT was explicit at payment on some PGs).
    pub vat_amount: Option<i64>,
    /// Why (1–200 characters).
    pub reason: String,
}

/// How a refund ended, as far as we know.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum RefundStatus {
    Refunded,
    /// No answer yet: "checking" until reconciliation re-reads the cancel history.
    Unknown,
}

/// The result of a refund.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RefundResult {
    pub journal_id: i64,
    pub imp_uid: String,
    pub status: RefundStatus,
    /// What this refund asked for.
    pub amount: i64,
    /// The balance sent as `checksum` (before this refund).
    pub checksum: i64,
    /// Refundable balance after the refund, when known.
    pub remaining: Option<i64>,
    /// The outcome of an earlier request for the same refund: nothing was sent now.
    pub replayed: bool,
    /// The tax-free part sent (None: i'mport's default, the whole remaining tax-free of
    /// a full refund).
    pub tax_free: Option<i64>,
}

/// What may be refunded of a payment now, as `GET /payments/{imp_uid}/balance` says,
/// and the tax-free part a refund of `amount` may and should carry.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RefundSplit {
    /// Won still refundable.
    pub balance: i64,
    /// Of which tax-free.
    pub tax_free_balance: i64,
    /// The amount the bounds are for (the whole balance when none was given).
    pub amount: i64,
    /// The least tax-free part `amount` may carry: less would leave more tax-free than
    /// money behind, a balance that could never be refunded.
    pub tax_free_min: i64,
    /// The most: the tax-free balance, or the amount.
    pub tax_free_max: i64,
    /// The tax-free balance's share of `amount`, rounded down, within the bounds.
    pub tax_free_suggested: i64,
}

impl RefundSplit {
    /// The split for refunding `amount` (None: everything) of `balance`, `tax_free_balance`
    /// of it tax-free. `amount` is assumed to be 1..=balance.
    pub fn of(balance: i64, tax_free_balance: i64, amount: Option<i64>) -> RefundSplit {
        let tf = tax_free_balance.clamp(0, balance.max(0));
        let amount = amount.unwrap_or(balance);
        let max = tf.min(amount).max(0);
        let min = (tf - (balance - amount)).clamp(0, max);
        let share = if balance > 0 {
            (i128::from(tf) * i128::from(amount) / i128::from(balance)) as i64
        } else {
            0
        };
        RefundSplit {
            balance,
            tax_free_balance: tf,
            amount,
            tax_free_min: min,
            tax_free_max: max,
            tax_free_suggested: share.clamp(min, max),
        }
    }

    /// Refuses a tax-free part outside the bounds.
    pub fn check(&self, tax_free: i64) -> Result<()> {
        if tax_free < self.tax_free_min || tax_free > self.tax_free_max {
            return Err(Error::RefundTaxFreeOutOfRange {
                min: self.tax_free_min,
                max: self.tax_free_max,
                requested: tax_free,
            });
        }
        Ok(())
    }
}

/// The tax-free balance (`primary.tax_free` of the balance: the card or account part).
async fn tax_free_balance(client: &Client, imp_uid: &str) -> Result<(i64, i64)> {
    let b = client.payment_balance(imp_uid).await?;
    let tf = b.primary.as_ref().map(|p| won(p.tax_free)).unwrap_or(0);
    Ok((won(b.amount), tf))
}

/// What may be refunded of `imp_uid` now and the tax-free part a refund of `amount`
/// (None: all of it) may carry: one balance request, nothing sent.
pub async fn refund_split(
    client: &Client,
    imp_uid: &str,
    amount: Option<i64>,
) -> Result<RefundSplit> {
    subdesk_iamport::validate::imp_uid(imp_uid)
        .map_err(|_| Error::invalid("imp_uid", "must not be empty"))?;
    let (balance, tf) = tax_free_balance(client, imp_uid).await?;
    if let Some(a) = amount
        && a > balance
    {
        return Err(Error::RefundExceedsBalance {
            balance,
            requested: a,
        });
    }
    Ok(RefundSplit::of(balance, tf, amount.filter(|a| *a > 0)))
}

#[derive(Serialize)]
struct RefundJournal<'a> {
    imp_uid: &'a str,
    amount: i64,
    tax_free: Option<i64>,
    vat_amount: Option<i64>,
    reason: &'a str,
    checksum: i64,
}

impl RefundRequest {
    /// Checks everything that can be checked before a request: the one rule the app and
    /// the CLI both apply before confirming a refund with the user.
    pub fn validate(&self) -> Result<()> {
        validate(self)
    }
}

fn validate(req: &RefundRequest) -> Result<()> {
    subdesk_iamport::validate::imp_uid(&req.imp_uid)
        .map_err(|_| Error::invalid("imp_uid", "must not be empty"))?;
    if req.amount.is_some_and(|a| a <= 0) {
        return Err(Error::invalid("amount", "must be greater than zero"));
    }
    if let Some(a) = req.amount {
        crate::money::charge::check_amount("amount", a)?;
    }
    if req
        .tax_free
        .is_some_and(|t| t < 0 || req.amount.is_some_and(|a| t > a))
    {
        return Err(Error::invalid(
            "tax_free",
            "must be between 0 and the amount",
        ));
    }
    if req.vat_amount.is_some_and(|v| v < 0) {
        return Err(Error::invalid("vat_amount", "must not be negative"));
    }
    let n = req.reason.trim().chars().count();
    if n == 0 || n > REASON_MAX_CHARS {
        return Err(Error::invalid(
            "reason",
            format!("1 to {REASON_MAX_CHARS} characters"),
        ));
    }
    Ok(())
}

fn won(m: Money) -> i64 {
    m.as_won()
        .unwrap_or_else(|| i64::try_from(m.decimal().trunc()).unwrap_or(0))
}

/// Refund all or part of a payment (`POST /payments/cancel` with `checksum`).
pub async fn refund(store: &Store, client: &Client, req: &RefundRequest) -> Result<RefundResult> {
    validate(req)?;
    // Refresh first: the checksum must be the balance i'mport holds now, and the
    // store should show it too.
    let current = client.get_payment(&req.imp_uid, true).await?;
    store.upsert_payments(&[payment_record(&current)])?;
    let balance = won(current.refundable());
    if current.status != subdesk_iamport::PaymentStatus::Paid || balance <= 0 {
        return Err(Error::NotRefundable {
            imp_uid: req.imp_uid.clone(),
            reason: format!("status {}, balance {balance}", current.status.as_str()),
        });
    }
    let amount = req.amount.unwrap_or(balance);
    if amount > balance {
        return Err(Error::RefundExceedsBalance {
            balance,
            requested: amount,
        });
    }
    // The tax-free part, checked against the balance's: a partial refund without one
    // takes the tax-free balance's share, so what remains can still be refunded.
    let tax_free = if req.tax_free.is_some() || amount < balance {
        let (_, tf_left) = tax_free_balance(client, &req.imp_uid).await?;
        let split = RefundSplit::of(balance, tf_left, Some(amount));
        match req.tax_free {
            Some(t) => {
                split.check(t)?;
                Some(t)
            }
            None if tf_left > 0 => Some(split.tax_free_suggested),
            None => None,
        }
    } else {
        None
    };
    let request_json = serde_json::to_string(&RefundJournal {
        imp_uid: &req.imp_uid,
        amount,
        tax_free,
        vat_amount: req.vat_amount,
        reason: &req.reason,
        checksum: balance,
    })
    .map_err(|e| Error::Internal(e.to_string()))?;
    let entry = NewEntry {
        op: JournalOp::Refund,
        merchant_uid: current.merchant_uid.clone(),
        lock_key: journal::refund_lock(&req.imp_uid),
        customer_uid: current.customer_uid.clone(),
        target_imp_uid: Some(req.imp_uid.clone()),
        amount,
        request_json: request_json.clone(),
        prior_count: current.cancel_history.len() as i64,
        checksum: Some(balance),
        source: "manual".into(),
        sent: true,
    };
    let begun = store.write(|tx| {
        // The last refund of this payment whose outcome nobody was told: if it went
        // through, this request (a retry after "checking") is answered with it
        // instead of refunding a second time. The checksum changed with it, so
        // compare what was asked: amount and reason.
        if let Some(prev) =
            journal::unseen_tx(tx, "'refund'", &req.imp_uid, None, Some(outcome::REFUNDED))?
        {
            journal::mark_seen_tx(tx, prev.id)?;
            let reason_of = |json: &str| {
                serde_json::from_str::<serde_json::Value>(json)
                    .ok()
                    .and_then(|v| v["reason"].as_str().map(str::to_string))
            };
            let same = prev.amount == req.amount.unwrap_or(prev.amount)
                && reason_of(&prev.request_json).as_deref() == Some(req.reason.as_str());
            if same && prev.outcome.as_deref() == Some(outcome::REFUNDED) {
                return Ok(journal::Begun::Earlier(Box::new(prev)));
            }
        }
        journal::begin_tx(tx, store.profile(), &entry)
    })?;
    let journal_id = match begun {
        journal::Begun::Send(id) => id,
        journal::Begun::Earlier(prev) => {
            return Ok(RefundResult {
                journal_id: prev.id,
                imp_uid: req.imp_uid.clone(),
                status: RefundStatus::Refunded,
                amount: prev.amount,
                checksum: prev.checksum.unwrap_or(0),
                remaining: Some(balance),
                replayed: true,
                tax_free: serde_json::from_str::<serde_json::Value>(&prev.request_json)
                    .ok()
                    .and_then(|v| v["tax_free"].as_i64()),
            });
        }
    };
    let mut api = if amount == balance {
        CancelRequest::full(&req.imp_uid).checksum(Money::won(balance))
    } else {
        CancelRequest::partial(&req.imp_uid, Money::won(amount), Money::won(balance))
    };
    api = api.reason(req.reason.clone());
    api.tax_free = tax_free.map(Money::won);
    api.vat_amount = req.vat_amount.map(Money::won);
    let audit = (
        "payment.refund".to_string(),
        serde_json::json!({
            "imp_uid": req.imp_uid,
            "merchant_uid": current.merchant_uid,
            // The customer's activity lists the refund (audit_for_customer reads this).
            "customer_uid": current.customer_uid,
            "amount": amount,
            "tax_free": tax_free,
            "checksum": balance,
            "reason": req.reason,
        }),
    );
    let mut result = RefundResult {
        journal_id,
        imp_uid: req.imp_uid.clone(),
        status: RefundStatus::Unknown,
        amount,
        checksum: balance,
        remaining: None,
        replayed: false,
        tax_free,
    };
    match client.cancel_payment(&api).await {
        Ok(p) => {
            let mut f = Finish::new(JournalState::Succeeded, Some(outcome::REFUNDED));
            f.imp_uid = Some(p.imp_uid.clone());
            f.payments = vec![payment_record(&p)];
            f.audit = Some(audit);
            f.told = true;
            result.status = RefundStatus::Refunded;
            result.remaining = Some(won(p.refundable()));
            if !journal::finish_after_send(store, journal_id, &f).await {
                // i'mport refunded; the record waits for reconciliation, which
                // finds the cancel history entry.
                result.status = RefundStatus::Unknown;
            }
        }
        Err(e) if classify(&e) == Failure::Unknown => {
            let mut f = Finish::new(JournalState::Unknown, None);
            f.error = Some(error_pair(&Error::Api(e)));
            f.audit = Some(audit);
            if journal::finish_after_send(store, journal_id, &f).await
                && let Ok(entry) = store.journal_get(journal_id)
                && let Ok(true) =
                    crate::money::reconcile::resolve_entry(store, client, &entry, i64::MAX).await
                && store
                    .journal_get(journal_id)
                    .is_ok_and(|e| e.outcome.as_deref() == Some(outcome::REFUNDED))
            {
                let _ = store.write(|tx| journal::mark_seen_tx(tx, journal_id));
                result.status = RefundStatus::Refunded;
                result.remaining = store
                    .get_payment(&req.imp_uid)
                    .ok()
                    .map(|d| d.payment.amount - d.payment.cancel_amount);
            }
        }
        Err(e) => {
            // A refusal (checksum mismatch, nothing left): nothing was refunded.
            let err = Error::Api(e);
            let mut f = Finish::new(JournalState::Rejected, Some(outcome::REFUSED));
            f.error = Some(error_pair(&err));
            f.audit = Some(audit);
            f.told = true;
            journal::finish_after_send(store, journal_id, &f).await;
            return Err(err);
        }
    }
    Ok(result)
}
