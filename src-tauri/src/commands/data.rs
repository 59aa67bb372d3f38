//! Reading the active profile's registry: the dashboard, customers, payments, search.

use serde::Serialize;
use specta::Type;
use subdesk_billing::mirror::sync::{
    CancelToken, VerifyScope, refresh_customer_payments, verify_keys,
};
use subdesk_billing::{
    AuditEntry, BackupInfo, Customer, CustomerPage, CustomerQuery, Overview, Payment,
    PaymentFacets, PaymentOpening, PaymentPage, PaymentQuery, PaymentTotals, PaymentWindow,
    SchedulePage, ScheduleQuery, SearchResults,
};
use subdesk_desk::dashboard::Dashboard;
use subdesk_desk::dates::{self, DatePreset, DateRange};
use tauri::State;

use subdesk_profiles::ActionKind;

use super::{with_session, with_session_for};
use crate::error::IpcResult;
use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub async fn overview(state: State<'_, AppState>) -> IpcResult<Overview> {
    with_session(&state, |s| s.store.overview()).await
}

/// The dashboard of a period as it stands now, its days in the profile's zone; every
/// figure with the list filter it counts.
#[tauri::command]
#[specta::specta]
pub async fn dashboard(state: State<'_, AppState>, preset: DatePreset) -> IpcResult<Dashboard> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    with_session(&state, move |s| {
        subdesk_desk::dashboard::dashboard(&s.store, preset, &s.profile.time_zone, now)
    })
    .await
}

/// The active profile's database backups, newest first.
#[tauri::command]
#[specta::specta]
pub async fn list_backups(state: State<'_, AppState>) -> IpcResult<Vec<BackupInfo>> {
    with_session(&state, |s| s.store.backups()).await
}

/// Copies the active profile's database to its backups now (online: the app keeps
/// working meanwhile); the oldest beyond the kept number are removed.
#[tauri::command]
#[specta::specta]
pub async fn backup_now(state: State<'_, AppState>) -> IpcResult<BackupInfo> {
    with_session(&state, |s| s.store.backup_now()).await
}

#[tauri::command]
#[specta::specta]
pub async fn list_customers(
    state: State<'_, AppState>,
    query: CustomerQuery,
) -> IpcResult<CustomerPage> {
    with_session(&state, move |s| s.store.list_customers(&query)).await
}

/// Tags in use, with how many customers carry each, for the list's filter.
#[derive(Debug, Clone, Serialize, Type)]
pub struct TagCount {
    pub tag: String,
    pub count: i64,
}

#[tauri::command]
#[specta::specta]
pub async fn customer_tags(state: State<'_, AppState>) -> IpcResult<Vec<TagCount>> {
    with_session(&state, |s| {
        s.store.tags().map(|tags| {
            tags.into_iter()
                .map(|(tag, count)| TagCount { tag, count })
                .collect()
        })
    })
    .await
}

/// Everything the customer page shows, from the local store.
#[derive(Debug, Clone, Serialize, Type)]
pub struct CustomerDetail {
    pub customer: Customer,
    pub payments: PaymentPage,
    pub schedules: SchedulePage,
    pub audit: Vec<AuditEntry>,
}

fn detail(
    s: &crate::session::Session,
    uid: &str,
) -> Result<CustomerDetail, subdesk_billing::Error> {
    let customer = s.store.get_customer(uid)?;
    let payments = s.store.list_payments(&PaymentQuery {
        customer_uid: Some(uid.to_owned()),
        limit: Some(100),
        ..PaymentQuery::default()
    })?;
    let schedules = s.store.list_schedules(&ScheduleQuery {
        customer_uid: Some(uid.to_owned()),
        limit: Some(100),
        ..ScheduleQuery::default()
    })?;
    let audit = s.store.audit_for_customer(uid, 100)?;
    Ok(CustomerDetail {
        customer,
        payments,
        schedules,
        audit,
    })
}

/// The customer as the store has it, at once.
#[tauri::command]
#[specta::specta]
pub async fn customer_detail(
    state: State<'_, AppState>,
    customer_uid: String,
) -> IpcResult<CustomerDetail> {
    with_session(&state, move |s| detail(s, &customer_uid)).await
}

/// Refreshes the customer's payments from PortOne and checks the key is still there,
/// then returns the detail again. Called when the customer page opens.
#[tauri::command]
#[specta::specta]
pub async fn refresh_customer(
    state: State<'_, AppState>,
    customer_uid: String,
) -> IpcResult<CustomerDetail> {
    let session = state.desk.session_for(ActionKind::Read)?;
    let cancel = CancelToken::new();
    let quiet = |_: &subdesk_billing::mirror::sync::SyncProgress| {};
    refresh_customer_payments(
        &session.store,
        session.client()?,
        &customer_uid,
        &quiet,
        &cancel,
    )
    .await?;
    verify_keys(
        &session.store,
        session.client()?,
        VerifyScope::Uids(vec![customer_uid.clone()]),
        &quiet,
        &cancel,
    )
    .await?;
    with_session(&state, move |s| detail(s, &customer_uid)).await
}

#[tauri::command]
#[specta::specta]
pub async fn list_payments(
    state: State<'_, AppState>,
    query: PaymentQuery,
) -> IpcResult<PaymentPage> {
    with_session(&state, move |s| s.store.list_payments(&query)).await
}

/// The window of a payment list read by position: its snapshot and row count (with the
/// snapshot of the list on screen, also how many payments arrived since).
#[tauri::command]
#[specta::specta]
pub async fn payment_window(
    state: State<'_, AppState>,
    query: PaymentQuery,
    snapshot: Option<i64>,
) -> IpcResult<PaymentWindow> {
    with_session(&state, move |s| s.store.payment_window(&query, snapshot)).await
}

/// A payment list read by position opened at its top: the window of the store as it is
/// now and its first page, in one answer.
#[tauri::command]
#[specta::specta]
pub async fn open_payment_window(
    state: State<'_, AppState>,
    query: PaymentQuery,
) -> IpcResult<PaymentOpening> {
    with_session(&state, move |s| s.store.open_payment_window(&query)).await
}

/// The page of a payment list that starts at row `offset`, of the rows stored at `snapshot`.
#[tauri::command]
#[specta::specta]
pub async fn list_payments_at(
    state: State<'_, AppState>,
    query: PaymentQuery,
    snapshot: i64,
    offset: i64,
) -> IpcResult<Vec<Payment>> {
    with_session(&state, move |s| {
        s.store.payments_at(&query, snapshot, offset)
    })
    .await
}

/// The count and sums (paid, refunded, net) of every payment the filter matches.
#[tauri::command]
#[specta::specta]
pub async fn payment_totals(
    state: State<'_, AppState>,
    query: PaymentQuery,
) -> IpcResult<PaymentTotals> {
    with_session(&state, move |s| s.store.payment_totals(&query)).await
}

/// The PGs, methods and card companies stored payments name: the filters' choices.
#[tauri::command]
#[specta::specta]
pub async fn payment_facets(state: State<'_, AppState>) -> IpcResult<PaymentFacets> {
    with_session(&state, |s| s.store.payment_facets()).await
}

/// A named period (today, this month, …) as it stands now in the profile's zone, as days
/// and the instants that bound them.
#[tauri::command]
#[specta::specta]
pub fn date_range(state: State<'_, AppState>, preset: DatePreset) -> IpcResult<DateRange> {
    let zone = state.desk.session_profile()?.time_zone;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    dates::date_range(preset, &zone, now)
}

/// Typed days (`YYYY-MM-DD`; either may be empty) as inclusive Unix-second bounds in the
/// profile's zone: midnight starting the first, the last second of the last.
#[tauri::command]
#[specta::specta]
pub fn day_range(
    state: State<'_, AppState>,
    first_day: Option<String>,
    last_day: Option<String>,
) -> IpcResult<DayBounds> {
    let zone = state.desk.session_profile()?.time_zone;
    let (from, to) = dates::day_range(first_day.as_deref(), last_day.as_deref(), &zone)?;
    Ok(DayBounds { from, to })
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct DayBounds {
    pub from: Option<i64>,
    pub to: Option<i64>,
}

/// The one search box: customers and payments.
#[tauri::command]
#[specta::specta]
pub async fn search(state: State<'_, AppState>, text: String) -> IpcResult<SearchResults> {
    with_session(&state, move |s| s.store.search(&text, Some(20))).await
}

/// Local notes: kept in Subdesk, never sent to i'mport.
#[tauri::command]
#[specta::specta]
pub async fn set_customer_notes(
    state: State<'_, AppState>,
    customer_uid: String,
    notes: String,
) -> IpcResult<Customer> {
    with_session_for(&state, ActionKind::Mutate, move |s| {
        s.store.set_customer_notes(&customer_uid, &notes)
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn set_customer_tags(
    state: State<'_, AppState>,
    customer_uid: String,
    tags: Vec<String>,
) -> IpcResult<Customer> {
    with_session_for(&state, ActionKind::Mutate, move |s| {
        s.store.set_customer_tags(&customer_uid, &tags)
    })
    .await
}

/// Schedules from the store (kept current by sync and by Subdesk's own registrations).
#[tauri::command]
#[specta::specta]
pub async fn list_schedules(
    state: State<'_, AppState>,
    query: ScheduleQuery,
) -> IpcResult<SchedulePage> {
    with_session(&state, move |s| s.store.list_schedules(&query)).await
}

/// The audit log of the session's profile, filtered, newest first, with how many match.
#[tauri::command]
#[specta::specta]
pub async fn audit_log(
    state: State<'_, AppState>,
    query: subdesk_billing::store::audit::AuditQuery,
) -> IpcResult<subdesk_billing::store::audit::AuditPage> {
    with_session(&state, move |s| s.store.audit_list(&query)).await
}

/// Checks the whole audit chain of the session's profile: intact, or where it breaks.
#[tauri::command]
#[specta::specta]
pub async fn verify_audit(
    state: State<'_, AppState>,
) -> IpcResult<subdesk_billing::store::audit::AuditVerification> {
    with_session(&state, |s| s.store.verify_audit()).await
}
