//! Plans, subscriptions and the plan engine: adapters over subdesk-desk's `plans`, which
//! the CLI runs too. The engine also runs on its own: at start and every few minutes
//! while the app is open ([`start_engine`]), one runner across processes (the store's
//! lease), its progress and last result kept here for the status bar.

use serde::Serialize;
use specta::Type;
use subdesk_billing::{EngineReport, Plan, PlanSummary, Subscription};
use subdesk_codes::ErrorCode;
use subdesk_desk::plans::{
    self, CancelWhen, PlanDetail, PlanEditForm, PlanForm, PlanRules, SubscribeForm,
    SubscribePreview, SubscriptionChange, SubscriptionView,
};
use subdesk_desk::plans::{
    SubscribeManyForm, SubscribeManyPreview, SubscribeManyReport, Subscribed,
};
use subdesk_profiles::{ActionKind, Mode};
use tauri::{AppHandle, Manager, Runtime, State};

use super::{with_session, with_session_for};
use crate::error::{IpcError, IpcResult};
use crate::state::AppState;

/// How often the engine runs while the app is open (seconds), unless
/// `SUBDESK_ENGINE_INTERVAL_SECS` says otherwise.
const ENGINE_INTERVAL_SECS: u64 = 300;

/// What the plan engine is doing, for the status bar.
#[derive(Debug, Clone, Default, Serialize, Type)]
pub struct EngineStatus {
    pub running: bool,
    /// The profile of the last run.
    pub profile_id: Option<String>,
    /// When it last finished (Unix seconds, real time).
    pub finished_at: Option<i64>,
    pub report: Option<EngineReport>,
    /// Why the last run did not finish (another process running it included).
    pub error: Option<IpcError>,
}

/// The profile's time: the sandbox's clock on the sandbox profile (moved forward from
/// the app to practise), the real time elsewhere.
pub fn profile_now(state: &AppState) -> i64 {
    let sandbox_profile = state
        .desk
        .session()
        .is_ok_and(|s| s.profile.mode == Mode::Sandbox);
    if sandbox_profile
        && let Ok(guard) = state.sandbox.lock()
        && let Some(sandbox) = guard.as_ref()
    {
        return sandbox.clock().now();
    }
    subdesk_billing::now()
}

/// The plan form's limits.
#[tauri::command]
#[specta::specta]
pub fn plan_rules() -> PlanRules {
    plans::rules()
}

/// Every plan with its subscribers, monthly recurring revenue and next run.
#[tauri::command]
#[specta::specta]
pub async fn list_plans(state: State<'_, AppState>) -> IpcResult<Vec<PlanSummary>> {
    let now = profile_now(&state);
    with_session(&state, move |s| plans::list(s, now)).await
}

/// A plan's page: its figures, its edit form and its subscribers.
#[tauri::command]
#[specta::specta]
pub async fn plan_detail(state: State<'_, AppState>, code: String) -> IpcResult<PlanDetail> {
    let now = profile_now(&state);
    with_session(&state, move |s| plans::detail(s, &code, now)).await
}

/// Creates a plan (every field's problem at once as `invalid_form`).
#[tauri::command]
#[specta::specta]
pub async fn create_plan(state: State<'_, AppState>, form: PlanForm) -> IpcResult<Plan> {
    let now = profile_now(&state);
    with_session_for(&state, ActionKind::Mutate, move |s| {
        plans::create(s, &form, now)
    })
    .await
}

/// Changes a plan's name, amount, tax-free part and retries.
#[tauri::command]
#[specta::specta]
pub async fn update_plan(
    state: State<'_, AppState>,
    code: String,
    form: PlanEditForm,
) -> IpcResult<Plan> {
    with_session_for(&state, ActionKind::Mutate, move |s| {
        plans::update(s, &code, &form)
    })
    .await
}

/// Archives a plan (nobody new can subscribe) or brings it back.
#[tauri::command]
#[specta::specta]
pub async fn archive_plan(
    state: State<'_, AppState>,
    code: String,
    archived: bool,
) -> IpcResult<Plan> {
    with_session_for(&state, ActionKind::Mutate, move |s| {
        plans::archive(s, &code, archived)
    })
    .await
}

/// What subscribing a customer would charge and when; nothing written.
#[tauri::command]
#[specta::specta]
pub async fn subscribe_preview(
    state: State<'_, AppState>,
    form: SubscribeForm,
) -> IpcResult<SubscribePreview> {
    let now = profile_now(&state);
    with_session(&state, move |s| plans::subscribe_preview(s, &form, now)).await
}

/// Subscribes a customer to a plan (live profiles confirm the amount per period); the
/// engine registers its periods right after.
#[tauri::command]
#[specta::specta]
pub async fn subscribe_customer<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    form: SubscribeForm,
) -> IpcResult<Subscribed> {
    let now = profile_now(&state);
    let session = state.desk.session_for(ActionKind::MoveMoney)?;
    let done = plans::subscribe(&session, &form, now).await?;
    run_soon(app);
    Ok(done)
}

/// Who subscribing the selected customers would subscribe, and who it leaves out and
/// why (nothing written).
#[tauri::command]
#[specta::specta]
pub async fn subscribe_many_preview(
    state: State<'_, AppState>,
    form: SubscribeManyForm,
) -> IpcResult<SubscribeManyPreview> {
    let now = profile_now(&state);
    with_session(&state, move |s| {
        plans::subscribe_many_preview(s, &form, now)
    })
    .await
}

/// Subscribes the selected customers the preview does not leave out (live profiles
/// confirm the total per period).
#[tauri::command]
#[specta::specta]
pub async fn subscribe_many<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    form: SubscribeManyForm,
) -> IpcResult<SubscribeManyReport> {
    let now = profile_now(&state);
    let session = state.desk.session_for(ActionKind::MoveMoney)?;
    let report = plans::subscribe_many(&session, &form, now).await?;
    run_soon(app);
    Ok(report)
}

/// A CSV chosen for a subscribe-many, with its preview.
#[derive(Debug, Clone, Serialize, Type)]
pub struct PickedSubscribeCsv {
    pub file_name: String,
    pub preview: SubscribeManyPreview,
}

/// Lets the person choose a CSV (a `customer_uid` column, optional `amount` and
/// `start_date`), reads it in Rust and previews the subscribe-many. None when the dialog
/// was cancelled.
#[tauri::command]
#[specta::specta]
pub async fn pick_subscribe_csv(
    app: AppHandle,
    state: State<'_, AppState>,
    form: SubscribeManyForm,
) -> IpcResult<Option<PickedSubscribeCsv>> {
    let Some(path) = crate::dialogs::pick_csv(&app).await? else {
        return Ok(None);
    };
    let now = profile_now(&state);
    let profile_id = state.desk.session_for(ActionKind::Read)?.profile.id.clone();
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let p = path.clone();
    let preview = with_session(&state, move |s| {
        plans::subscribe_csv_preview(s, &form, &p, now)
    })
    .await?;
    *state
        .picked_subscribe_csv
        .lock()
        .unwrap_or_else(|e| e.into_inner()) = Some((profile_id, path));
    Ok(Some(PickedSubscribeCsv { file_name, preview }))
}

/// Subscribes the chosen CSV's customers the preview does not leave out (read again:
/// the report carries what was applied).
#[tauri::command]
#[specta::specta]
pub async fn subscribe_picked_csv<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    form: SubscribeManyForm,
) -> IpcResult<SubscribeManyReport> {
    let now = profile_now(&state);
    let session = state.desk.session_for(ActionKind::MoveMoney)?;
    let picked = state
        .picked_subscribe_csv
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let Some((_, path)) = picked.filter(|(p, _)| *p == session.profile.id) else {
        return Err(IpcError::new(
            ErrorCode::InvalidInput,
            "choose the CSV file again",
        ));
    };
    let report = plans::subscribe_csv(&session, &form, &path, now).await?;
    *state
        .picked_subscribe_csv
        .lock()
        .unwrap_or_else(|e| e.into_inner()) = None;
    run_soon(app);
    Ok(report)
}

/// A customer's subscriptions with their next charge and every attempt.
#[tauri::command]
#[specta::specta]
pub async fn customer_subscriptions(
    state: State<'_, AppState>,
    customer_uid: String,
) -> IpcResult<Vec<SubscriptionView>> {
    let now = profile_now(&state);
    with_session(&state, move |s| plans::of_customer(s, &customer_uid, now)).await
}

/// Pauses collecting a subscription (its registered schedules are revoked).
#[tauri::command]
#[specta::specta]
pub async fn pause_subscription(
    state: State<'_, AppState>,
    subscription_id: i64,
) -> IpcResult<SubscriptionChange> {
    let now = profile_now(&state);
    let session = state.desk.session_for(ActionKind::MoveMoney)?;
    plans::pause(&session, subscription_id, now).await
}

/// Resumes collecting a paused subscription; the engine registers its next periods.
#[tauri::command]
#[specta::specta]
pub async fn resume_subscription<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    subscription_id: i64,
) -> IpcResult<Subscription> {
    let sub = with_session_for(&state, ActionKind::MoveMoney, move |s| {
        plans::resume(s, subscription_id)
    })
    .await?;
    run_soon(app);
    Ok(sub)
}

/// Cancels a subscription now or at the end of its period, revoking what its plan
/// registered at i'mport.
#[tauri::command]
#[specta::specta]
pub async fn cancel_subscription(
    state: State<'_, AppState>,
    subscription_id: i64,
    when: CancelWhen,
) -> IpcResult<SubscriptionChange> {
    let now = profile_now(&state);
    let session = state.desk.session_for(ActionKind::MoveMoney)?;
    plans::cancel(&session, subscription_id, when, now).await
}

/// Runs the plan engine now and waits for it.
#[tauri::command]
#[specta::specta]
pub async fn run_plan_engine(state: State<'_, AppState>) -> IpcResult<EngineReport> {
    run_once(&state).await
}

/// What the engine is doing and what it did last.
#[tauri::command]
#[specta::specta]
pub fn plan_engine_status(state: State<'_, AppState>) -> EngineStatus {
    state.engine.get()
}

async fn run_once(state: &AppState) -> IpcResult<EngineReport> {
    let session = state.desk.session_for(ActionKind::MoveMoney)?;
    let now = profile_now(state);
    let profile_id = session.profile.id.clone();
    state.engine.update(|s| {
        s.running = true;
        s.profile_id = Some(profile_id.clone());
    });
    let result = plans::run(&session, now).await;
    state.engine.update(|s| {
        s.running = false;
        s.finished_at = Some(subdesk_billing::now());
        match &result {
            Ok(r) => {
                s.report = Some(r.clone());
                s.error = None;
            }
            Err(e) => s.error = Some(e.clone()),
        }
    });
    result
}

/// One background run, if there is anything to do and the profile may move money (a
/// read-only or locked profile is left alone, silently).
async fn background_run(state: &AppState) {
    let Ok(session) = state.desk.session_for(ActionKind::MoveMoney) else {
        return;
    };
    if !plans::has_work(&session).unwrap_or(false) {
        return;
    }
    if let Err(e) = run_once(state).await
        && e.code != ErrorCode::WorkBusy
    {
        tracing::warn!(code = %e.code, error = %e.message, "plan engine run did not finish");
    }
}

fn run_soon<R: Runtime>(app: AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        if let Some(state) = app.try_state::<AppState>() {
            background_run(&state).await;
        }
    });
}

/// Runs the engine at start and then every few minutes while the app is open.
pub fn start_engine<R: Runtime>(app: AppHandle<R>) {
    let every = crate::background::seconds_from_env("SUBDESK_ENGINE_INTERVAL_SECS")
        .unwrap_or(ENGINE_INTERVAL_SECS);
    crate::background::repeat(app, 0, every, |app| async move {
        background_run(&app.state::<AppState>()).await
    });
}
