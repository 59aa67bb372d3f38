//! A profile's scheduled backups: the folder the user chose (a NAS, a synced folder), how
//! often, and how many are kept there. Kept in profiles.json beside the profiles, so that
//! the CLI and the app share them and a new computer's profile can be pointed at the
//! folder to restore from. The backups themselves are subdesk-billing's.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Fewest backups a folder keeps.
pub const KEEP_MIN: u32 = 1;
/// Most backups a folder keeps.
pub const KEEP_MAX: u32 = 365;
/// Backups kept unless the user says otherwise: two weeks of daily ones.
pub const KEEP_DEFAULT: u32 = 14;
const FOLDER_MAX_LEN: usize = 4096;

/// How often a scheduled backup runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum BackupEvery {
    /// No scheduled backups (backing up by hand still works).
    #[default]
    Off,
    Every6Hours,
    Daily,
}

impl BackupEvery {
    /// Seconds between scheduled backups; None when off.
    pub fn seconds(self) -> Option<i64> {
        match self {
            BackupEvery::Off => None,
            BackupEvery::Every6Hours => Some(6 * 3600),
            BackupEvery::Daily => Some(24 * 3600),
        }
    }

    /// When the next scheduled run is due (Unix seconds), given the last success and the
    /// last attempt that failed after it: one interval after the later of the two, or now
    /// when there is none. None when off. A start long after the due time makes one run,
    /// not one per missed slot. (The folder backups' rule and the shared copy's.)
    pub fn next_due(
        self,
        last_success: Option<i64>,
        last_failure: Option<i64>,
        now: i64,
    ) -> Option<i64> {
        let every = self.seconds()?;
        match last_success.max(last_failure) {
            None => Some(now),
            Some(last) => Some(last + every),
        }
    }
}

/// A profile's backup settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub struct BackupSettings {
    /// The folder backups go to (absolute); None until one is chosen.
    pub folder: Option<String>,
    pub every: BackupEvery,
    /// How many of this profile's backups the folder keeps (the oldest beyond go).
    pub keep: u32,
}

impl Default for BackupSettings {
    fn default() -> Self {
        BackupSettings {
            folder: None,
            every: BackupEvery::Off,
            keep: KEEP_DEFAULT,
        }
    }
}

impl BackupSettings {
    /// Checks the rules; returns the settings with the folder trimmed (empty is none).
    pub fn normalize(&self) -> Result<BackupSettings> {
        let bad = |field, reason: &str| Error::InvalidBackupSettings {
            field,
            reason: reason.to_owned(),
        };
        let folder = self
            .folder
            .as_deref()
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(str::to_owned);
        if let Some(f) = &folder {
            if f.len() > FOLDER_MAX_LEN || f.chars().any(char::is_control) {
                return Err(bad("folder", "the folder's path is not valid"));
            }
            if !std::path::Path::new(f).is_absolute() {
                return Err(bad("folder", "the folder must be a full path"));
            }
        }
        if self.every != BackupEvery::Off && folder.is_none() {
            return Err(bad("every", "choose a folder before a schedule"));
        }
        if !(KEEP_MIN..=KEEP_MAX).contains(&self.keep) {
            return Err(bad("keep", "the number of backups kept is out of range"));
        }
        Ok(BackupSettings {
            folder,
            every: self.every,
            keep: self.keep,
        })
    }

    /// When the next scheduled backup is due (see [`BackupEvery::next_due`]), given the
    /// newest backup in the folder; None when off or no folder is chosen.
    pub fn next_due(
        &self,
        last_success: Option<i64>,
        last_failure: Option<i64>,
        now: i64,
    ) -> Option<i64> {
        self.folder.as_ref()?;
        self.every.next_due(last_success, last_failure, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use subdesk_codes::ErrorCode;

    fn settings(folder: Option<&str>, every: BackupEvery, keep: u32) -> BackupSettings {
        BackupSettings {
            folder: folder.map(str::to_owned),
            every,
            keep,
        }
    }

    #[test]
    fn the_rules() {
        let ok = settings(Some("  /mnt/nas/subdesk "), BackupEvery::Daily, 14)
            .normalize()
            .unwrap();
        assert_eq!(ok.folder.as_deref(), Some("/mnt/nas/subdesk"));
        for (bad, field) in [
            (settings(None, BackupEvery::Daily, 14), "every"),
            (settings(Some(" "), BackupEvery::Every6Hours, 14), "every"),
            (
                settings(Some("relative/dir"), BackupEvery::Off, 14),
                "folder",
            ),
            (settings(Some("/a\nb"), BackupEvery::Off, 14), "folder"),
            (settings(Some("/nas"), BackupEvery::Daily, 0), "keep"),
            (
                settings(Some("/nas"), BackupEvery::Daily, KEEP_MAX + 1),
                "keep",
            ),
        ] {
            let err = bad.normalize().unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidBackupSettings);
            assert_eq!(err.details()["field"], field, "{bad:?}");
        }
        // Off with no folder is the default, and valid.
        BackupSettings::default().normalize().unwrap();
    }

    #[test]
    fn due_once_after_the_last_backup_or_failure_and_never_once_per_missed_slot() {
        let s = settings(Some("/nas"), BackupEvery::Daily, 14);
        let day = 86_400;
        assert_eq!(s.next_due(None, None, 1000), Some(1000));
        assert_eq!(s.next_due(Some(1000), None, 5000), Some(1000 + day));
        // Ten days away: due now (in the past), once; the next is a day after that one.
        assert!(s.next_due(Some(1000), None, 10 * day).unwrap() <= 10 * day);
        assert_eq!(s.next_due(Some(10 * day), None, 10 * day), Some(11 * day));
        // A failed attempt is retried at the next time, not at once.
        assert_eq!(
            s.next_due(Some(1000), Some(2 * day), 2 * day),
            Some(3 * day)
        );
        assert_eq!(
            settings(Some("/nas"), BackupEvery::Off, 14).next_due(None, None, 0),
            None
        );
    }
}
