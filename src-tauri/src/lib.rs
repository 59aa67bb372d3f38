//! subdesk: the desktop shell. Commands are thin; the work happens in subdesk-billing,
//! subdesk-iamport and subdesk-sandbox.

pub mod bindings;
pub mod commands;
pub mod error;
pub mod links;
pub mod logging;
pub mod profiles;
pub mod session;
pub mod settings;
pub mod state;

use tauri::{Manager, RunEvent};

pub fn run() {
    let specta = bindings::builder();
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_store::Builder::new().build())
        .plugin(tauri_plugin_opener::init())
        .invoke_handler(specta.invoke_handler())
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
