//! Schedules and the calendar: adapters over subdesk-desk's `schedules`, which the CLI
//! runs too (the form's problems at once, the profile's zone, the money policy, the
//! journal).

use subdesk_billing::{ChargeResult, Schedule, ScheduleOpResult, ScheduleQuery, ScheduleTotals};
use subdesk_desk::schedules::{
    self, AgainPreview, CalendarMonth, Forecast, KeyDeleted, ScheduleForm, SchedulePreview, When,
};
use subdesk_profiles::ActionKind;
use tauri::State;

use super::with_session;
use crate::error::IpcResult;
use crate::state::AppState;

/// What registering a schedule would do, checked as the registration will be (every
/// field's problem at once as `invalid_form`), nothing sent.
#[tauri::command]
#[specta::specta]
pub async fn schedule_preview(
    state: State<'_, AppState>,
    form: ScheduleForm,
) -> IpcResult<SchedulePreview> {
    with_session(&state, move |s| schedules::schedule_preview(s, &form)).await
}

/// Registers a one-off schedule for a customer.
#[tauri::command]
#[specta::specta]
pub async fn register_schedule(
    state: State<'_, AppState>,
    form: ScheduleForm,
) -> IpcResult<ScheduleOpResult> {
    let session = state.desk.session_for(ActionKind::MoveMoney)?;
    schedules::register(&session, form).await
}

/// Moves a pending schedule to another time (date and time in the profile's zone).
#[tauri::command]
#[specta::specta]
pub async fn move_schedule(
    state: State<'_, AppState>,
    merchant_uid: String,
    when: When,
) -> IpcResult<ScheduleOpResult> {
    let session = state.desk.session_for(ActionKind::MoveMoney)?;
    schedules::move_to(&session, &merchant_uid, &when).await
}

/// Revokes the given pending schedules of a key, or all of them when none is given.
#[tauri::command]
#[specta::specta]
pub async fn revoke_schedules(
    state: State<'_, AppState>,
    customer_uid: String,
    merchant_uids: Vec<String>,
) -> IpcResult<Vec<ScheduleOpResult>> {
    let session = state.desk.session_for(ActionKind::MoveMoney)?;
    if merchant_uids.is_empty() {
        schedules::revoke_all(&session, &customer_uid).await
    } else {
        schedules::revoke(&session, &customer_uid, &merchant_uids).await
    }
}

/// What retrying or rescheduling a failed or revoked schedule moves, for its confirmation.
#[tauri::command]
#[specta::specta]
pub async fn schedule_again_preview(
    state: State<'_, AppState>,
    merchant_uid: String,
) -> IpcResult<AgainPreview> {
    with_session(&state, move |s| schedules::again_preview(s, &merchant_uid)).await
}

/// Charges a failed or revoked schedule now (a charge: the money policy applies).
#[tauri::command]
#[specta::specta]
pub async fn retry_schedule(
    state: State<'_, AppState>,
    merchant_uid: String,
    confirmed_total: Option<i64>,
) -> IpcResult<ChargeResult> {
    let session = state.desk.session_for(ActionKind::MoveMoney)?;
    schedules::retry(&session, &merchant_uid, confirmed_total).await
}

/// Registers a failed or revoked schedule again at a new time, under its order id.
#[tauri::command]
#[specta::specta]
pub async fn reschedule_schedule(
    state: State<'_, AppState>,
    merchant_uid: String,
    when: When,
    confirmed_total: Option<i64>,
) -> IpcResult<ScheduleOpResult> {
    let session = state.desk.session_for(ActionKind::MoveMoney)?;
    schedules::reschedule(&session, &merchant_uid, &when, confirmed_total).await
}

/// One schedule from the mirror, with the date and time the move form starts from.
#[tauri::command]
#[specta::specta]
pub async fn schedule_detail(
    state: State<'_, AppState>,
    merchant_uid: String,
) -> IpcResult<ScheduleDetail> {
    with_session(&state, move |s| {
        let schedule = schedules::get(s, &merchant_uid)?;
        let when = schedules::when_of(
            schedule.schedule_at,
            &subdesk_desk::zone::named_or_utc(&s.profile.time_zone),
        );
        Ok::<_, crate::error::IpcError>(ScheduleDetail {
            schedule,
            when,
            time_zone: s.profile.time_zone.clone(),
        })
    })
    .await
}

/// A schedule and its time as the profile's zone reads it.
#[derive(Debug, Clone, serde::Serialize, specta::Type)]
pub struct ScheduleDetail {
    pub schedule: Schedule,
    pub when: When,
    pub time_zone: String,
}

/// The list's figures for a filter, summed by the store.
#[tauri::command]
#[specta::specta]
pub async fn schedule_totals(
    state: State<'_, AppState>,
    query: ScheduleQuery,
) -> IpcResult<ScheduleTotals> {
    with_session(&state, move |s| schedules::totals(s, &query)).await
}

/// The PGs the list can filter by.
#[tauri::command]
#[specta::specta]
pub async fn schedule_pgs(state: State<'_, AppState>) -> IpcResult<Vec<String>> {
    with_session(&state, |s| s.store.schedule_pgs()).await
}

/// A month of schedules day by day (`YYYY-MM`, this month when empty), days cut in the
/// profile's zone.
#[tauri::command]
#[specta::specta]
pub async fn schedule_calendar(
    state: State<'_, AppState>,
    month: String,
    query: ScheduleQuery,
) -> IpcResult<CalendarMonth> {
    with_session(&state, move |s| schedules::calendar(s, &month, &query)).await
}

/// The next 90 days' expected money, week by week.
#[tauri::command]
#[specta::specta]
pub async fn schedule_forecast(state: State<'_, AppState>) -> IpcResult<Forecast> {
    with_session(&state, schedules::forecast).await
}

/// A key's schedules still waiting at i'mport (asked there now): what deleting the key
/// revokes first.
#[tauri::command]
#[specta::specta]
pub async fn key_live_schedules(
    state: State<'_, AppState>,
    customer_uid: String,
) -> IpcResult<Vec<Schedule>> {
    let session = state.desk.session_for(ActionKind::Read)?;
    schedules::live_of_key(&session, &customer_uid).await
}

/// Deletes a billing key after revoking its live schedules; kept when any remains.
#[tauri::command]
#[specta::specta]
pub async fn delete_key(
    state: State<'_, AppState>,
    customer_uid: String,
    reason: String,
) -> IpcResult<KeyDeleted> {
    let session = state.desk.session_for(ActionKind::Mutate)?;
    schedules::delete_key(&session, &customer_uid, &reason).await
}
