//! Moving money: charge a key now, refund a payment, the journal, reconciliation.
//!
//! Adapters over subdesk-desk's money policy (validation, the live confirmation of the
//! exact total, buyer fields, reconciliation first), which subdesk-cli runs too.

use subdesk_billing::{
    ChargeResult, JournalEntry, JournalQuery, PaymentDetail, ReconcileReport, RefundResult,
    RefundSplit,
};
use subdesk_desk::money::{
    self, ChargeNowInput, ChargePreview, MoneyRules, RefundInput, RefundPreview, RetryPlan,
};
use subdesk_profiles::ActionKind;
use tauri::State;

use super::{with_session, with_session_for};
use crate::error::IpcResult;
use crate::state::AppState;

/// Charges a customer's billing key now (`/subscribe/payments/again`). A decline comes
/// back as a result with its reason; a lost answer comes back as `unknown` ("checking").
#[tauri::command]
#[specta::specta]
pub async fn charge_now(
    state: State<'_, AppState>,
    input: ChargeNowInput,
) -> IpcResult<ChargeResult> {
    // Checked on the session this command gets (a switch after the guard is caught).
    let session = state.desk.session_for(ActionKind::MoveMoney)?;
    money::charge_now(&session, input).await
}

/// What charging a failed payment again would send (the customer, card, total, and the
/// order id: the failed charge's own when Subdesk sent it, else a new one), nothing sent.
#[tauri::command]
#[specta::specta]
pub async fn retry_preview(state: State<'_, AppState>, imp_uid: String) -> IpcResult<RetryPlan> {
    with_session(&state, move |s| money::retry_preview(s, &imp_uid)).await
}

/// Charges a failed payment again under the order id its preview gave, with the live
/// confirmation of the exact total.
#[tauri::command]
#[specta::specta]
pub async fn retry_failed(
    state: State<'_, AppState>,
    imp_uid: String,
    merchant_uid: String,
    confirmed_total: Option<i64>,
) -> IpcResult<ChargeResult> {
    let session = state.desk.session_for(ActionKind::MoveMoney)?;
    money::retry_failed(&session, &imp_uid, &merchant_uid, confirmed_total).await
}

/// A new order id for a charge form that has just opened: the intent keeps it for
/// life, so pressing "charge" again after a lost answer retries the same order.
#[tauri::command]
#[specta::specta]
pub fn new_order_id() -> String {
    money::new_order_id()
}

/// The core's limits, for forms to show and check as a person types.
#[tauri::command]
#[specta::specta]
pub fn money_rules() -> MoneyRules {
    money::rules()
}

/// A form's typed amount and tax-free part as the core reads them, with the VAT i'mport
/// derives: forms show and send what this answers, so no front end parses money and
/// i'mport's rounding is never copied into the UI.
#[tauri::command]
#[specta::specta]
pub fn read_amounts(amount: String, tax_free: String) -> money::AmountsRead {
    money::read_amounts(&amount, &tax_free)
}

/// What a charge would do (customer, card, total, VAT), checked as the charge itself
/// will be, with nothing sent: the confirmation and a form's running note.
#[tauri::command]
#[specta::specta]
pub async fn charge_preview(
    state: State<'_, AppState>,
    input: ChargeNowInput,
) -> IpcResult<ChargePreview> {
    with_session(&state, move |s| money::charge_preview(s, &input)).await
}

/// What a refund would do, from the local mirror, checked as the refund will be.
#[tauri::command]
#[specta::specta]
pub async fn refund_preview(
    state: State<'_, AppState>,
    input: RefundInput,
) -> IpcResult<RefundPreview> {
    with_session(&state, move |s| money::refund_preview(s, &input)).await
}

/// What may be refunded of a payment now (i'mport's balance) and the tax-free part a
/// refund of `amount` may carry: the refund form's prefill and bounds. Nothing is sent.
#[tauri::command]
#[specta::specta]
pub async fn refund_split(
    state: State<'_, AppState>,
    imp_uid: String,
    amount: Option<i64>,
) -> IpcResult<RefundSplit> {
    let session = state.desk.session_for(ActionKind::Read)?;
    money::refund_split(&session, &imp_uid, amount).await
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
        money::decide_conflict(s, journal_id, ours, &note)
    })
    .await
}

/// Refunds all or part of a payment, with `checksum` set to the refundable balance last
/// seen, so that a replayed request cannot refund twice.
#[tauri::command]
#[specta::specta]
pub async fn refund_payment(
    state: State<'_, AppState>,
    input: RefundInput,
) -> IpcResult<RefundResult> {
    let session = state.desk.session_for(ActionKind::MoveMoney)?;
    money::refund_payment(&session, input).await
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
    let session = state.desk.session_for(ActionKind::Read)?;
    session.reconcile().await
}
