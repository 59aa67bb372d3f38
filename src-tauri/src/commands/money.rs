//! Moving money: charge a key now, refund a payment, the journal, reconciliation.
//!
//! Three rules from Rust, whatever the UI does: the profile's unresolved journal rows are
//! reconciled before any new money moves; on a live profile the request must carry the
//! total the user confirmed, equal to what would be charged or refunded; and the money
//! itself goes through subdesk-billing's journal, so a lost answer is looked up, never
//! resent.

use serde::Deserialize;
use specta::Type;
use subdesk_billing::{
    AgainCharge, BuyerInput, ChargeDetails, ChargeResult, JournalEntry, JournalQuery,
    PaymentDetail, ReconcileReport, RefundRequest, RefundResult, charge_again, refund,
};
use subdesk_profiles::{ActionKind, Mode};
use tauri::State;

use super::{with_session, with_session_for};
use crate::error::{IpcError, IpcResult};
use crate::session::Session;
use crate::state::AppState;
use subdesk_codes::ErrorCode;

/// On a live profile, refuses unless the user confirmed exactly `total`.
pub(crate) fn check_live_confirmation(
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

#[derive(Debug, Clone, Deserialize, Type)]
pub struct ChargeNowInput {
    pub customer_uid: String,
    /// Whole won.
    pub amount: i64,
    pub name: String,
    pub tax_free: Option<i64>,
    /// Instalment months; None or 0 = lump sum.
    pub card_quota: Option<u32>,
    /// The intent's order id, fixed when the form opened (`new_order_id`): every
    /// retry of this charge sends the same one. None: the core's rules for a request
    /// without one (an unseen earlier outcome answers first).
    pub merchant_uid: Option<String>,
    /// The total the user confirmed (required on live profiles).
    pub confirmed_total: Option<i64>,
}

/// Charges a customer's billing key now (`/subscribe/payments/again`). A decline comes
/// back as a result with its reason; a lost answer comes back as `unknown` ("checking").
#[tauri::command]
#[specta::specta]
pub async fn charge_now(
    state: State<'_, AppState>,
    input: ChargeNowInput,
) -> IpcResult<ChargeResult> {
    // Checked on the session this command gets (a switch after the guard is caught).
    let session = state.session_for(ActionKind::MoveMoney)?;
    check_live_confirmation(&session, input.amount, input.confirmed_total)?;
    session.ensure_reconciled().await?;
    let customer = session.store.get_customer(&input.customer_uid)?;
    let request = AgainCharge {
        customer_uid: input.customer_uid,
        merchant_uid: input.merchant_uid,
        details: ChargeDetails {
            amount: input.amount,
            name: input.name,
            tax_free: input.tax_free,
            vat_amount: None,
            buyer: BuyerInput {
                name: customer.customer_name,
                email: customer.customer_email,
                tel: customer.customer_tel,
                addr: customer.customer_addr,
                postcode: customer.customer_postcode,
            },
            card_quota: input.card_quota,
            custom_data: None,
        },
    };
    let result = charge_again(&session.store, &session.client, &request).await?;
    tracing::info!(merchant_uid = %result.merchant_uid, status = ?result.status, "charge finished");
    Ok(result)
}

/// A new order id for a charge form that has just opened: the intent keeps it for
/// life, so pressing "charge" again after a lost answer retries the same order.
#[tauri::command]
#[specta::specta]
pub fn new_order_id() -> String {
    subdesk_billing::merchant_uid::unique()
}

/// A person's decision on a conflict (a payment under our order id that is not what
/// we sent): `ours` records it as paid (refunded, registered), otherwise our request
/// did nothing. Either way the customer can be charged again.
#[tauri::command]
#[specta::specta]
pub async fn decide_conflict(
    state: State<'_, AppState>,
    journal_id: i64,
    ours: bool,
    note: String,
) -> IpcResult<JournalEntry> {
    with_session_for(&state, ActionKind::MoveMoney, move |s| {
        s.store.decide_conflict(journal_id, ours, &note)
    })
    .await
}

#[derive(Debug, Clone, Deserialize, Type)]
pub struct RefundInput {
    pub imp_uid: String,
    /// Won to refund; None refunds what remains.
    pub amount: Option<i64>,
    pub tax_free: Option<i64>,
    pub reason: String,
    /// The total the user confirmed (required on live profiles).
    pub confirmed_total: Option<i64>,
}

/// Refunds all or part of a payment, with `checksum` set to the refundable balance last
/// seen, so that a replayed request cannot refund twice.
#[tauri::command]
#[specta::specta]
pub async fn refund_payment(
    state: State<'_, AppState>,
    input: RefundInput,
) -> IpcResult<RefundResult> {
    let session = state.session_for(ActionKind::MoveMoney)?;
    let detail = session.store.get_payment(&input.imp_uid)?;
    let remaining = detail.payment.amount - detail.payment.cancel_amount;
    check_live_confirmation(
        &session,
        input.amount.unwrap_or(remaining),
        input.confirmed_total,
    )?;
    session.ensure_reconciled().await?;
    let request = RefundRequest {
        imp_uid: input.imp_uid,
        amount: input.amount,
        tax_free: input.tax_free,
        vat_amount: None,
        reason: input.reason,
    };
    let result = refund(&session.store, &session.client, &request).await?;
    tracing::info!(imp_uid = %request.imp_uid, status = ?result.status, "refund finished");
    Ok(result)
}

#[tauri::command]
#[specta::specta]
pub async fn payment_detail(
    state: State<'_, AppState>,
    imp_uid: String,
) -> IpcResult<PaymentDetail> {
    with_session(&state, move |s| s.store.get_payment(&imp_uid)).await
}

/// Journal rows, newest first: every charge, schedule operation and refund Subdesk sent.
#[tauri::command]
#[specta::specta]
pub async fn journal(
    state: State<'_, AppState>,
    query: JournalQuery,
) -> IpcResult<Vec<JournalEntry>> {
    with_session(&state, move |s| s.store.journal_list(&query)).await
}

/// Looks up every unresolved request at i'mport and settles it.
#[tauri::command]
#[specta::specta]
pub async fn reconcile_now(state: State<'_, AppState>) -> IpcResult<ReconcileReport> {
    let session = state.session_for(ActionKind::Read)?;
    session.reconcile().await
}
