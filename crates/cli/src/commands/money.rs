//! `charge` and `refund`: the desk's money policy (subdesk-desk `money`), the same the app
//! runs — validation before any request, the live confirmation of the exact total, buyer
//! fields from the registry, reconciliation before new money moves — with the terminal's
//! confirmation prompt and output.

use subdesk_billing::{ChargeStatus, RefundStatus};
use subdesk_desk::money::{self, ChargeNowInput, RefundInput};
use subdesk_profiles::ActionKind;

use crate::args::{ChargeArgs, RefundArgs, RetryArgs};
use crate::confirm::{self, Ask};
use crate::context::{Ctx, Session};
use crate::error::{CliResult, Exit};
use crate::output::{Out, customer_label, fields, opt, won};

/// Reconciliation before new money moves (DESIGN principle 1), said aloud: every row
/// still "checking" is decided by a lookup first.
pub async fn reconcile_first(out: &Out, session: &Session) -> CliResult<()> {
    let Some(report) = session.ensure_reconciled().await? else {
        return Ok(());
    };
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
    Ok(())
}

/// `retry`: a failed payment charged again under the money rules (the desk's
/// `retry_failed`, as the payment drawer does).
pub async fn retry(ctx: &mut Ctx, a: RetryArgs) -> CliResult<Exit> {
    let s = ctx.session(ActionKind::MoveMoney)?;
    let plan = money::retry_preview(&s, &a.imp_uid)?;
    let merchant_uid = match (&a.merchant_uid, plan.same_order) {
        (Some(m), false) => m.clone(),
        _ => plan.merchant_uid.clone(),
    };
    let who = customer_label(plan.customer_name.as_deref(), &plan.customer_uid);
    confirm::live_money(
        &s.profile,
        ctx.global.yes_live,
        ctx.out.json,
        &format!(
            "charge {} to {who} again, card {} {}: \"{}\"; order {merchant_uid}; total {}",
            won(plan.total),
            opt(&plan.card_name),
            opt(&plan.card_number),
            plan.name,
            won(plan.total)
        ),
        Ask::Yes,
    )?;
    ctx.client(&s).await?;
    reconcile_first(&ctx.out, &s).await?;
    let result = money::retry_failed(&s, &a.imp_uid, &merchant_uid, Some(plan.total)).await?;
    let exit = Exit::of_charge(result.status);
    if ctx.out.json {
        ctx.out.json(&result)?;
        return Ok(exit);
    }
    fields(&[
        (
            match result.status {
                ChargeStatus::Paid => "paid",
                ChargeStatus::Declined => "declined",
                ChargeStatus::Unknown => "checking",
                ChargeStatus::Conflict => "conflict",
            },
            format!("{} from {who}", won(result.amount)),
        ),
        ("reason", opt(&result.fail_reason)),
        ("imp_uid", opt(&result.imp_uid)),
        ("merchant_uid", result.merchant_uid.clone()),
    ]);
    Ok(exit)
}

pub async fn charge(ctx: &mut Ctx, a: ChargeArgs) -> CliResult<Exit> {
    let s = ctx.session(ActionKind::MoveMoney)?;
    let mut input = ChargeNowInput {
        customer_uid: a.uid.clone(),
        amount: a.amount,
        name: a.name.clone(),
        tax_free: a.tax_free,
        merchant_uid: match a.new_order {
            true => Some(money::new_order_id()),
            false => a.merchant_uid.clone(),
        },
        product_type: a.product_type.map(Into::into),
        ..ChargeNowInput::default()
    };
    // Everything that can be checked is checked before the prompt and any request.
    let preview = money::charge_preview(&s, &input)?;
    let who = customer_label(preview.customer_name.as_deref(), &preview.customer_uid);
    confirm::live_money(
        &s.profile,
        ctx.global.yes_live,
        ctx.out.json,
        &format!(
            "charge {} to {who}, card {} {}: \"{}\"; total {}",
            won(preview.total),
            opt(&preview.card_name),
            opt(&preview.card_number),
            preview.name,
            won(preview.total)
        ),
        Ask::Yes,
    )?;
    // What the person just confirmed (or, off live profiles, what was shown).
    input.confirmed_total = Some(preview.total);
    ctx.client(&s).await?;
    reconcile_first(&ctx.out, &s).await?;
    let result = money::charge_now(&s, input).await?;
    let exit = Exit::of_charge(result.status);
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
    let mut input = RefundInput {
        imp_uid: a.imp_uid.clone(),
        amount: a.amount,
        tax_free: a.tax_free,
        reason: a.reason.clone(),
        confirmed_total: None,
    };
    // For the confirmation: what the local mirror knows of the payment (the core
    // re-reads it from i'mport before sending, for the checksum).
    let preview = money::refund_preview(&s, &input)?;
    let what = match (&preview.known, a.amount) {
        (Some(p), amount) => {
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
                preview.imp_uid,
                opt(&p.name),
                won(p.amount),
                won(p.refundable),
                won(amount.unwrap_or(p.refundable))
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
    input.confirmed_total = preview.total;
    ctx.client(&s).await?;
    reconcile_first(&ctx.out, &s).await?;
    let result = money::refund_payment(&s, input).await?;
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
