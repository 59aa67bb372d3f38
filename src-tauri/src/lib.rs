//! subdesk: the desktop shell. Commands are thin adapters over subdesk-desk (the session,
//! who may do what, the money policy), which subdesk-cli shares; the work happens in
//! subdesk-billing, subdesk-iamport and subdesk-sandbox.

pub mod background;
pub mod bindings;
pub mod commands;
pub mod dialogs;
pub mod guard;
pub mod links;
pub mod logging;
pub mod memory;
pub mod notify;
pub mod rendering;
pub mod settings;
pub mod state;

/// The error shape of every command, and the session they act on, are the desk's.
pub use subdesk_desk::{error, session};

use tauri::{Manager, RunEvent, WindowEvent};
use tauri_plugin_window_state::{AppHandleExt, StateFlags};

/// What of the main window is kept between runs.
const WINDOW_STATE: StateFlags = StateFlags::SIZE
    .union(StateFlags::POSITION)
    .union(StateFlags::MAXIMIZED);

/// Writes the window state a second after the last move or resize (one write per burst),
/// on the main thread, where the plugin itself saves.
fn save_window_state_soon(app: &tauri::AppHandle) {
    use std::sync::atomic::{AtomicBool, Ordering};
    static PENDING: AtomicBool = AtomicBool::new(false);
    if PENDING.swap(true, Ordering::SeqCst) {
        return;
    }
    let app = app.clone();
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_secs(1));
        let on_main = app.clone();
        let _ = app.run_on_main_thread(move || {
            PENDING.store(false, Ordering::SeqCst);
            if let Err(e) = on_main.save_window_state(WINDOW_STATE) {
                tracing::warn!(error = %e, "the window's size and position could not be saved");
            }
        });
    });
}

/// Wraps the command handler with [`guard::admit`]: nothing reaches a command that the
/// role and lock of what it touches do not allow. A command that arrives while the app is
/// still starting (its state is built after the window is up, see [`state::Startup`])
/// waits for it on the blocking pool, never on the thread that paints the window.
fn guarded(
    inner: impl Fn(tauri::ipc::Invoke<tauri::Wry>) -> bool + Send + Sync + 'static,
) -> impl Fn(tauri::ipc::Invoke<tauri::Wry>) -> bool + Send + Sync + 'static {
    let inner = std::sync::Arc::new(inner);
    move |invoke| {
        if invoke
            .message
            .webview()
            .try_state::<state::AppState>()
            .is_some()
        {
            return admit_and_run(&*inner, invoke);
        }
        let inner = inner.clone();
        tauri::async_runtime::spawn_blocking(move || {
            if let Some(startup) = invoke.message.webview().try_state::<state::Startup>() {
                startup.wait();
            }
            admit_and_run(&*inner, invoke);
        });
        true
    }
}

fn admit_and_run(
    inner: &(impl Fn(tauri::ipc::Invoke<tauri::Wry>) -> bool + ?Sized),
    invoke: tauri::ipc::Invoke<tauri::Wry>,
) -> bool {
    let command = invoke.message.command().to_owned();
    // Only the profile id a command names is read here, by reference: the payload
    // may hold card digits, which must not be copied outside the command's own
    // (zeroizing) types.
    let named_profile = match invoke.message.payload() {
        tauri::ipc::InvokeBody::Json(v) => v
            .get("id")
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned),
        tauri::ipc::InvokeBody::Raw(_) => None,
    };
    let verdict = match invoke.message.webview().try_state::<state::AppState>() {
        Some(state) => guard::admit(&state, &command, named_profile.as_deref()),
        None => Err(error::IpcError::internal("the app could not start")),
    };
    match verdict {
        Ok(()) => inner(invoke),
        Err(e) => {
            tracing::warn!(%command, code = %e.code, "command refused");
            invoke.resolver.reject(e);
            true
        }
    }
}

/// When this process started (as near as the app can tell): what start-up figures are
/// measured from.
pub fn started() -> std::time::Instant {
    *STARTED.get_or_init(std::time::Instant::now)
}
static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

pub fn run() {
    started();
    let specta = bindings::builder();
    let app = tauri::Builder::default()
        // First, before anything opens a database: a second launch hands over to the
        // window already open (and exits) instead of opening the same files twice.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.show();
                let _ = window.set_focus();
            }
        }))
        // The main window opens where and as large as it was left (saved in the app's
        // config folder on every move and resize, restored before it is shown).
        .plugin(
            tauri_plugin_window_state::Builder::default()
                .with_state_flags(StateFlags::SIZE | StateFlags::POSITION | StateFlags::MAXIMIZED)
                .build(),
        )
        .plugin(tauri_plugin_notification::init())
        // The plugin writes its file only when the app exits normally; a process that is
        // killed (a logout, WebDriver) would lose the window's place. So it is also
        // written a second after the window last moved or changed size.
        .on_window_event(|window, event| {
            if matches!(event, WindowEvent::Moved(_) | WindowEvent::Resized(_)) {
                save_window_state_soon(window.app_handle());
            }
        })
        .plugin(tauri_plugin_store::Builder::new().build())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_dialog::init())
        .invoke_handler(guarded(specta.invoke_handler()))
        .setup(move |app| {
            specta.mount_events(app);
            if let Some(window) = app.get_webview_window("main") {
                rendering::apply(&window);
            }
            // The window paints while the sandbox starts and the active profile's
            // database is opened and checked (which takes seconds on a large store):
            // commands wait for that (see `guarded`), the first screen does not.
            app.manage(state::Startup::default());
            let handle = app.handle().clone();
            std::thread::spawn(move || {
                let started = state::init(&handle);
                handle.state::<state::Startup>().done();
                if started.is_ok() {
                    commands::plans::start_engine(handle.clone());
                    commands::reconcile::start_refresh(handle.clone());
                    commands::backups::start_schedule(handle.clone());
                    commands::shared::start_schedule(handle.clone());
                }
                if let Err(e) = started {
                    eprintln!("Subdesk could not start: {}", e.message);
                    tracing::error!(code = %e.code, error = %e.message, "start-up failed");
                    handle.exit(1);
                }
            });
            Ok(())
        })
        .build(tauri::generate_context!());
    let app = match app {
        Ok(app) => app,
        Err(e) => {
            eprintln!("Subdesk could not start: {e}");
            std::process::exit(1);
        }
    };
    app.run(|handle, event| {
        if let RunEvent::Exit = event
            && let Some(state) = handle.try_state::<state::AppState>()
        {
            state.stop_sandbox();
        }
    });
}
