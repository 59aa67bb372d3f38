//! subdesk: the desktop shell. Commands are thin; the work happens in subdesk-billing,
//! subdesk-iamport and subdesk-sandbox.

pub mod bindings;
pub mod commands;
pub mod error;
pub mod guard;
pub mod links;
pub mod logging;
pub mod session;
pub mod settings;
pub mod state;

use tauri::{Manager, RunEvent};

/// Wraps the command handler with the role and lock check of [`guard`]: nothing reaches a
/// command that the active profile's role or the app lock does not allow.
fn guarded(
    inner: impl Fn(tauri::ipc::Invoke<tauri::Wry>) -> bool + Send + Sync + 'static,
) -> impl Fn(tauri::ipc::Invoke<tauri::Wry>) -> bool + Send + Sync + 'static {
    move |invoke| {
        let command = invoke.message.command().to_owned();
        let verdict = match invoke.message.webview().try_state::<state::AppState>() {
            Some(state) => match (state.active_profile(), state.lock.lock()) {
                (Ok(profile), Ok(lock)) => guard::check(&command, &profile, &lock),
                (Err(e), _) => Err(e),
                (_, Err(_)) => Err(error::IpcError::internal(
                    "the app lock's state is unavailable",
                )),
            },
            None => Err(error::IpcError::internal("the app is still starting")),
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
}

pub fn run() {
    let specta = bindings::builder();
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_store::Builder::new().build())
        .plugin(tauri_plugin_opener::init())
        .invoke_handler(guarded(specta.invoke_handler()))
        .setup(move |app| {
            specta.mount_events(app);
            state::init(app.handle())?;
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
