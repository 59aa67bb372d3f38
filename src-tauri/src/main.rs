// Keeps a console window from opening next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // Before anything else: the app may start itself again here (see memory.rs).
    subdesk_lib::memory::limit_malloc_arenas();
    subdesk_lib::run();
}
