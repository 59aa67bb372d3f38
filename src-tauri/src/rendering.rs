//! How the webview draws. Without a GPU (no DRM render node: a virtual machine, a remote
//! desktop, Xvfb) WebKit composites with Mesa's software rasteriser anyway, and its
//! accelerated path then only adds buffers: about 100 MB of the web process at idle,
//! measured under Xvfb (256 MB → 150 MB PSS). So on such a machine pages are drawn without
//! accelerated compositing; with a GPU WebKit keeps its default.

use std::path::Path;

/// Whether `dri` (normally `/dev/dri`) holds a GPU render node (`renderD128`, …).
pub fn has_render_node(dri: &Path) -> bool {
    std::fs::read_dir(dri).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
    })
}

/// Set to `on`, WebKit keeps its compositing even without a GPU. WebKitWebDriver takes
/// its screenshots through the compositor and never returns without one, so the E2E
/// (which looks at every screen) sets it; users and the benches do not.
pub const KEEP_COMPOSITING_ENV: &str = "SUBDESK_WEBVIEW_COMPOSITING";

/// Applies the rule to the main window's webview.
#[cfg(target_os = "linux")]
pub fn apply(window: &tauri::WebviewWindow) {
    let kept = std::env::var(KEEP_COMPOSITING_ENV).is_ok_and(|v| v == "on");
    if kept || has_render_node(Path::new("/dev/dri")) {
        return;
    }
    let applied = window.with_webview(|webview| {
        use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
        if let Some(settings) = WebViewExt::settings(&webview.inner()) {
            settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
        }
    });
    match applied {
        Ok(()) => {
            tracing::info!("no GPU render node: the webview draws without accelerated compositing")
        }
        Err(e) => tracing::warn!(error = %e, "the webview's drawing could not be set"),
    }
}

#[cfg(not(target_os = "linux"))]
pub fn apply(_window: &tauri::WebviewWindow) {}

#[cfg(test)]
mod tests {
    use super::has_render_node;

    #[test]
    fn a_render_node_is_a_gpu_and_a_card_alone_or_nothing_is_not() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!has_render_node(&dir.path().join("missing")));
        assert!(!has_render_node(dir.path()));
        std::fs::write(dir.path().join("card0"), "").unwrap();
        assert!(!has_render_node(dir.path()));
        std::fs::write(dir.path().join("renderD128"), "").unwrap();
        assert!(has_render_node(dir.path()));
    }
}
