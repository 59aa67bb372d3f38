//! `charge` and `refund`. Money moves exactly once: the core journals every request
//! before it leaves; here the CLI validates first, confirms on LIVE profiles, and
//! reconciles every open journal row before anything new is sent.

use subdesk_billing::{
    AgainCharge, ChargeDetails, ChargeStatus, KeyStatus, ReconcileReport, RefundRequest,
    RefundStatus, Store, charge_again, reconcile, refund as core_refund,
};
use subdesk_codes::ErrorCode;
use subdesk_iamport::Client;
use subdesk_profiles::ActionKind;

use crate::args::{ChargeArgs, RefundArgs};
use crate::confirm::{self, Ask};
use crate::context::Ctx;
use crate::error::{CliError, CliResult, Exit};
use crate::output::{Out, fields, opt, won};

/// Reconciliation before new money moves (DESIGN principle 1): every row still
/// "checking" is decided by a lookup first.
pub async fn reconcile_first(
    out: &Out,
    store: &Store,
    client: &Client,
) -> CliResult<ReconcileReport> {
    let report = reconcile(store, client).await?;
    if report.resolved > 0 {
        out.note(&format!(
            "reconciled {} earlier request(s) first",
            report.resolved
        ));
    }
    if report.still_open > 0 {
        out.note(&format!(
            "{} earlier request(s) are still being checked; `subdesk-cli journal list --open` shows them",
            report.still_open
        ));
    }
    Ok(report)
}

pub async fn charge(ctx: &mut Ctx, a: ChargeArgs) -> CliResult<Exit> {
    let s = ctx.session(ActionKind::MoveMoney)?;
    let details = ChargeDetails {
        amount: a.amount,
        name: a.name.clone(),
        tax_free: a.tax_free,
        ..ChargeDetails::default()
    };
    // Everything that can be checked here is checked before any request.
    details.validate()?;
    let customer = s.store.get_customer(&a.uid)?;
    if customer.key_status != KeyStatus::Active {
        return Err(subdesk_billing::Error::KeyNotActive {
            customer_uid: a.uid.clone(),
            status: crate::commands::customers::key_status(customer.key_status).into(),
        }
        .into());
    }
    let who = match &customer.customer_name {
        Some(n) => format!("{n} ({})", customer.customer_uid),
        None => customer.customer_uid.clone(),
    };
    confirm::live_money(
        &s.profile,
        ctx.global.yes_live,
        ctx.out.json,
        &format!(
            "charge {} to {who}, card {} {}: \"{}\"; total {}",
            won(a.amount),
            opt(&customer.card_name),
            opt(&customer.card_number),
            a.name,
            won(a.amount)
        ),
        Ask::Yes,
    )?;
    let client = ctx.client(&s.profile).await?;
    reconcile_first(&ctx.out, &s.store, &client).await?;
    let req = AgainCharge {
        customer_uid: a.uid.clone(),
        merchant_uid: match a.new_order {
            true => Some(subdesk_billing::merchant_uid::unique()),
            false => a.merchant_uid.clone(),
        },
        details,
    };
    let result = charge_again(&s.store, &client, &req).await?;
    let exit = match result.status {
        ChargeStatus::Paid => Exit::Ok,
        ChargeStatus::Declined => Exit::Declined,
        ChargeStatus::Unknown | ChargeStatus::Conflict => Exit::Unknown,
    };
    if ctx.out.json {
        ctx.out.json(&result)?;
        return Ok(exit);
    }
    if result.replayed {
        ctx.out.note(&format!(
            "nothing was sent now: this is the outcome of the earlier charge {} (its answer had been lost)",
            result.merchant_uid
        ));
    }
    match result.status {
        ChargeStatus::Paid => fields(&[
            ("paid", format!("{} from {who}", won(result.amount))),
            ("imp_uid", opt(&result.imp_uid)),
            ("merchant_uid", result.merchant_uid.clone()),
        ]),
        ChargeStatus::Declined => fields(&[
            ("declined", format!("{} from {who}", won(result.amount))),
            // The card company's words, as i'mport sent them.
            ("reason", opt(&result.fail_reason)),
            ("imp_uid", opt(&result.imp_uid)),
            ("merchant_uid", result.merchant_uid.clone()),
        ]),
        ChargeStatus::Unknown => fields(&[
            ("checking", format!("{} from {who}: the answer was lost", won(result.amount))),
            ("merchant_uid", result.merchant_uid.clone()),
            (
                "next",
                "run `subdesk-cli journal reconcile`, or the same command again: it is answered with this charge's outcome first and never charges twice".into(),
            ),
        ]),
        ChargeStatus::Conflict => fields(&[
            (
                "conflict",
                format!("i'mport holds a payment under order {} that is not this charge", result.merchant_uid),
            ),
            ("merchant_uid", result.merchant_uid.clone()),
            (
                "next",
                format!("compare both sides with `subdesk-cli journal show {}`, then `subdesk-cli journal decide {} --ours|--not-ours`", result.journal_id, result.journal_id),
            ),
        ]),
    }
    Ok(exit)
}

pub async fn refund(ctx: &mut Ctx, a: RefundArgs) -> CliResult<Exit> {
    let s = ctx.session(ActionKind::MoveMoney)?;
    if a.amount.is_some_and(|v| v <= 0) {
        return Err(CliError::bad_input(
            ErrorCode::InvalidInput,
            "invalid amount: must be greater than zero",
        ));
    }
    let n = a.reason.trim().chars().count();
    if n == 0 || n > 200 {
        return Err(CliError::bad_input(
            ErrorCode::InvalidInput,
            "invalid reason: 1 to 200 characters",
        ));
    }
    // For the confirmation: what the local mirror knows of the payment (the core
    // re-reads it from i'mport before sending, for the checksum).
    let known = s.store.get_payment(&a.imp_uid).ok();
    let what = match (&known, a.amount) {
        (Some(d), amount) => {
            let p = &d.payment;
            let left = p.amount - p.cancel_amount;
            let who = match (&p.buyer_name, &p.customer_uid) {
                (Some(n), Some(u)) => format!("{n} ({u})"),
                (None, Some(u)) => u.clone(),
                (Some(n), None) => n.clone(),
                (None, None) => "unknown customer".into(),
            };
            format!(
                "refund {} of payment {} ({}, paid {}, refundable {}) to {who}; total {}",
                amount
                    .map(won)
                    .unwrap_or_else(|| "everything that remains".into()),
                p.imp_uid,
                opt(&p.name),
                won(p.amount),
                won(left),
                won(amount.unwrap_or(left))
            )
        }
        (None, Some(v)) => format!(
            "refund {} of payment {} (not in the local mirror; run sync to see its customer); total {}",
            won(v),
            a.imp_uid,
            won(v)
        ),
        (None, None) => format!(
            "refund everything that remains of payment {} (not in the local mirror; run sync to see it)",
            a.imp_uid
        ),
    };
    confirm::live_money(
        &s.profile,
        ctx.global.yes_live,
        ctx.out.json,
        &what,
        Ask::Yes,
    )?;
    let client = ctx.client(&s.profile).await?;
    reconcile_first(&ctx.out, &s.store, &client).await?;
    let req = RefundRequest {
        imp_uid: a.imp_uid.clone(),
        amount: a.amount,
        tax_free: a.tax_free,
        vat_amount: None,
        reason: a.reason.clone(),
    };
    let result = core_refund(&s.store, &client, &req).await?;
    let exit = match result.status {
        RefundStatus::Refunded => Exit::Ok,
        RefundStatus::Unknown => Exit::Unknown,
    };
    if ctx.out.json {
        ctx.out.json(&result)?;
        return Ok(exit);
    }
    match result.status {
        RefundStatus::Refunded => fields(&[
            (
                "refunded",
                format!("{} of {}", won(result.amount), result.imp_uid),
            ),
            ("remaining", result.remaining.map(won).unwrap_or_default()),
        ]),
        RefundStatus::Unknown => fields(&[
            (
                "checking",
                format!(
                    "refund of {} on {}: the answer was lost",
                    won(result.amount),
                    result.imp_uid
                ),
            ),
            (
                "next",
                "run `subdesk-cli journal reconcile`; do not refund again before it decides".into(),
            ),
        ]),
    }
    Ok(exit)
}
