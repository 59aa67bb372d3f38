//! OS notifications for work that ends while the person looks elsewhere: a sync that
//! stopped on an error. Sent from Rust (the webview has no notification permission), in
//! the language chosen in Settings, and only when Subdesk's window is not focused: with
//! the window in front, the screen itself says how the work ended.

use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;

use crate::settings::{Language, SettingsStore};

/// What ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finished {
    /// A sync with i'mport (payments, schedules, billing keys) stopped on an error.
    SyncFailed,
    /// A scheduled backup to the chosen folder failed (the folder is gone or cannot be
    /// written); it is tried again at the next time.
    BackupFailed,
    /// A scheduled copy into the shared store failed (the server away, the password
    /// changed); it is tried again at the next time.
    SharedCopyFailed,
}

/// A notification's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub title: &'static str,
    pub body: &'static str,
}

/// The notice for `what` in `language`, or None when there is nothing to say: the window
/// is focused, so the person sees the result on screen.
pub fn notice(what: Finished, language: Language, window_focused: bool) -> Option<Notice> {
    if window_focused {
        return None;
    }
    Some(match (what, language) {
        (Finished::SyncFailed, Language::Korean) => Notice {
            title: "Subdesk: 동기화 실패",
            body: "i'mport와의 동기화가 오류로 멈췄습니다. Subdesk를 열어 내용을 확인하세요. 다음 동기화는 멈춘 곳부터 이어집니다.",
        },
        (Finished::SyncFailed, Language::English) => Notice {
            title: "Subdesk: sync failed",
            body: "The sync with i'mport stopped on an error. Open Subdesk to see why; the next sync resumes where it stopped.",
        },
        (Finished::BackupFailed, Language::Korean) => Notice {
            title: "Subdesk: 백업 실패",
            body: "백업 폴더가 없거나 쓸 수 없어 예약 백업을 하지 못했습니다. 드라이브나 NAS 연결을 확인하세요. 다음 예약 시각에 다시 시도합니다.",
        },
        (Finished::BackupFailed, Language::English) => Notice {
            title: "Subdesk: backup failed",
            body: "The scheduled backup could not be written: the backup folder is missing or cannot be written. Check the drive or NAS; it is tried again at the next scheduled time.",
        },
        (Finished::SharedCopyFailed, Language::Korean) => Notice {
            title: "Subdesk: 공유 저장소 복사 실패",
            body: "예약된 공유 저장소 복사를 하지 못했습니다. 서버에 쓴 내용은 없습니다. 설정 → 공유 저장소에서 이유를 확인하세요. 다음 예약 시각에 다시 시도합니다.",
        },
        (Finished::SharedCopyFailed, Language::English) => Notice {
            title: "Subdesk: shared store copy failed",
            body: "The scheduled copy into the shared store did not happen; nothing was written to the server. See why in Settings → Shared store; it is tried again at the next scheduled time.",
        },
    })
}

/// Shows the notice for `what` if the main window is not focused. Never fails the work
/// it reports on: a desktop without a notification service just shows nothing.
pub fn finished<R: Runtime>(app: &AppHandle<R>, what: Finished) {
    let focused = app
        .get_webview_window("main")
        .and_then(|w| w.is_focused().ok())
        .unwrap_or(false);
    let language = SettingsStore::open(app)
        .map(|s| s.settings().language)
        .unwrap_or_default();
    let Some(notice) = notice(what, language, focused) else {
        return;
    };
    tracing::info!(?what, "notifying the desktop");
    if let Err(e) = app
        .notification()
        .builder()
        .title(notice.title)
        .body(notice.body)
        .show()
    {
        tracing::warn!(error = %e, "the desktop notification could not be shown");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_while_the_window_is_in_front() {
        for language in [Language::Korean, Language::English] {
            for what in [
                Finished::SyncFailed,
                Finished::BackupFailed,
                Finished::SharedCopyFailed,
            ] {
                assert_eq!(notice(what, language, true), None);
            }
        }
    }

    #[test]
    fn a_failed_backup_is_told_in_the_chosen_language() {
        let ko = notice(Finished::BackupFailed, Language::Korean, false).expect("a notice");
        assert!(ko.title.contains("백업 실패"), "{ko:?}");
        let words = ko.body.replace("Subdesk", "").replace("NAS", "");
        assert!(!words.chars().any(|c| c.is_ascii_alphabetic()), "{ko:?}");
        let en = notice(Finished::BackupFailed, Language::English, false).expect("a notice");
        assert!(en.title.contains("backup failed"), "{en:?}");
    }

    #[test]
    fn a_failed_shared_copy_is_told_in_the_chosen_language() {
        let ko = notice(Finished::SharedCopyFailed, Language::Korean, false).expect("a notice");
        assert!(ko.title.contains("공유 저장소 복사 실패"), "{ko:?}");
        let words = ko.body.replace("Subdesk", "");
        assert!(!words.chars().any(|c| c.is_ascii_alphabetic()), "{ko:?}");
        let en = notice(Finished::SharedCopyFailed, Language::English, false).expect("a notice");
        assert!(en.title.contains("copy failed"), "{en:?}");
    }

    #[test]
    fn a_failed_sync_in_the_background_is_told_in_the_chosen_language() {
        let ko = notice(Finished::SyncFailed, Language::Korean, false).expect("a notice");
        assert!(ko.title.contains("동기화 실패"), "{ko:?}");
        // Korean text has no English status words (the product and API names aside).
        let words = ko.body.replace("Subdesk", "").replace("i'mport", "");
        assert!(
            !words.chars().any(|c| c.is_ascii_alphabetic()),
            "English in the Korean notice: {ko:?}"
        );
        let en = notice(Finished::SyncFailed, Language::English, false).expect("a notice");
        assert!(en.title.contains("sync failed"), "{en:?}");
        assert!(
            !en.body.chars().any(|c| ('가'..='힣').contains(&c)),
            "{en:?}"
        );
    }
}
