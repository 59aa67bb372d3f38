//! Practising on the built-in sandbox: its clock, shown and moved forward from the app,
//! so schedules (and plans) run in minutes instead of days. Only on the sandbox profile.

use serde::Serialize;
use specta::Type;
use subdesk_codes::ErrorCode;
use subdesk_desk::practice::{ClockStep, step_seconds};
use subdesk_profiles::{ActionKind, Mode};
use subdesk_sandbox::SandboxClock as Clock;
use tauri::State;

use crate::error::{IpcError, IpcResult};
use crate::state::AppState;

/// The sandbox's time and how far it is ahead of the real one.
#[derive(Debug, Clone, Serialize, Type)]
pub struct SandboxClockView {
    /// Unix seconds.
    pub now: i64,
    /// Seconds ahead of real time (0 when it runs on real time).
    pub ahead_secs: i64,
}

fn view(now: i64) -> SandboxClockView {
    SandboxClockView {
        now,
        ahead_secs: (now - subdesk_billing::now()).max(0),
    }
}

/// The clock of the sandbox the session's profile talks to; refused on other profiles.
pub fn clock_for(state: &AppState, kind: ActionKind) -> IpcResult<(Clock, String)> {
    let session = state.desk.session_for(kind)?;
    if session.profile.mode != Mode::Sandbox {
        return Err(IpcError::new(
            ErrorCode::SandboxOnly,
            "the sandbox clock belongs to the sandbox profile",
        ));
    }
    let sandbox = state
        .sandbox
        .lock()
        .map_err(|_| IpcError::internal("sandbox state poisoned"))?;
    let clock = sandbox
        .as_ref()
        .map(subdesk_sandbox::Sandbox::clock)
        .ok_or_else(|| {
            IpcError::new(ErrorCode::SandboxUnavailable, "the sandbox is not running")
        })?;
    Ok((clock, session.profile.time_zone.clone()))
}

/// The sandbox's time.
#[tauri::command]
#[specta::specta]
pub fn sandbox_clock(state: State<'_, AppState>) -> IpcResult<SandboxClockView> {
    let (clock, _) = clock_for(&state, ActionKind::Read)?;
    Ok(view(clock.now()))
}

/// Moves the sandbox's clock forward by a day, a week or a calendar month in the
/// profile's zone, running the schedules that fell due on the way.
#[tauri::command]
#[specta::specta]
pub async fn advance_sandbox_clock(
    state: State<'_, AppState>,
    step: ClockStep,
) -> IpcResult<SandboxClockView> {
    let (clock, zone) = clock_for(&state, ActionKind::Mutate)?;
    let secs = step_seconds(step, clock.now(), &zone)?;
    let now = clock.advance(secs).await;
    tracing::info!(?step, now, "sandbox clock moved forward");
    Ok(view(now))
}

/// E2E runs cannot look into a system browser: when this names a file (set by the E2E
/// harness only), the practice window's address is written there instead of opened. Not
/// read in a release build.
#[cfg(debug_assertions)]
const E2E_OPENED_URL_ENV: &str = "SUBDESK_E2E_OPENED_URL_FILE";

/// The practice payment window's address on the built-in sandbox for a guide page's
/// `IMP.request_pay` parameters (the snippet's, in its order); refused on other profiles.
pub fn practice_window_url(state: &AppState, params: &[(String, String)]) -> IpcResult<String> {
    let session = state.desk.session_for(ActionKind::Read)?;
    if session.profile.mode != Mode::Sandbox {
        return Err(IpcError::new(
            ErrorCode::SandboxOnly,
            "the practice payment window belongs to the sandbox profile",
        ));
    }
    let base = state.desk.sandbox_url().ok_or_else(|| {
        IpcError::new(ErrorCode::SandboxUnavailable, "the sandbox is not running")
    })?;
    subdesk_desk::practice::window_url(base, params)
}

/// Opens the sandbox's practice payment window in the system browser with a guide
/// page's snippet parameters; the sandbox's address and merchant code are added here.
#[tauri::command]
#[specta::specta]
pub fn open_practice_window<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    params: Vec<(String, String)>,
) -> IpcResult<()> {
    let url = practice_window_url(&state, &params)?;
    tracing::info!("practice payment window opened");
    #[cfg(debug_assertions)]
    if let Some(path) = std::env::var_os(E2E_OPENED_URL_ENV).filter(|p| !p.is_empty()) {
        return std::fs::write(&path, &url)
            .map_err(|e| IpcError::internal(format!("cannot write the opened address: {e}")));
    }
    use tauri_plugin_opener::OpenerExt;
    app.opener()
        .open_url(url.as_str(), None::<&str>)
        .map_err(|e| IpcError::internal(format!("the system browser could not be opened: {e}")))
}
