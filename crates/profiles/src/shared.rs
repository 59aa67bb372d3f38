//! Where a profile's shared store is (team mode's PostgreSQL server) and how often the
//! app copies the profile's store into it. Kept in profiles.json beside the backup
//! settings, so that the CLI and the app share them and a new computer's profile can be
//! pointed at the server to restore from. The password is never here: it lives in the OS
//! keyring ([`crate::CredentialStore::save_shared_password`]). The address itself is
//! checked as a PostgreSQL address by subdesk-billing, which connects to it.
//!
//! A desk either copies its store into the server (the desk where the work is done) or
//! shows the server's copy (a read-only desk, the finance clerk's): its store is then
//! replaced by the server's at each refresh, which is why only a read-only profile may
//! read from the server — it has nothing of its own a refresh could lose.

use serde::{Deserialize, Serialize};

use crate::backups::BackupEvery;
use crate::error::{Error, Result};

/// Longer than any server address; anything longer is a paste gone wrong.
pub const SHARED_URL_MAX_LEN: usize = 2048;

/// A profile's shared store settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub struct SharedSettings {
    /// `postgres://user@host:port/database`, without a password; None until one is saved.
    pub url: Option<String>,
    /// How often the app copies the store into it, or refreshes this desk's copy from it
    /// (the folder backups' choices).
    pub every: BackupEvery,
    /// Which way the store goes. Left out of the file when it is the default, so a file
    /// without a reading desk stays readable by the build before this setting.
    #[serde(default, skip_serializing_if = "SharedDirection::is_default")]
    pub direction: SharedDirection,
}

/// Which way a profile's store goes between the desk and its shared store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum SharedDirection {
    /// This desk's store is copied into the server (by hand or on the schedule).
    #[default]
    ToServer,
    /// This desk shows the server's copy, refreshed from it (a read-only desk only).
    FromServer,
}

impl SharedDirection {
    fn is_default(&self) -> bool {
        *self == SharedDirection::default()
    }
}

impl SharedSettings {
    /// Checks the rules; returns the settings with the address trimmed (empty is none).
    pub fn normalize(&self) -> Result<SharedSettings> {
        let bad = |field, reason: &str| Error::InvalidSharedSettings {
            field,
            reason: reason.to_owned(),
        };
        let url = self
            .url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_owned);
        if let Some(u) = &url
            && (u.len() > SHARED_URL_MAX_LEN || u.chars().any(char::is_control))
        {
            return Err(bad("url", "the address is not valid"));
        }
        if self.every != BackupEvery::Off && url.is_none() {
            return Err(bad("every", "save an address before a schedule"));
        }
        if self.direction == SharedDirection::FromServer && url.is_none() {
            return Err(bad(
                "direction",
                "save an address to read the shared store from",
            ));
        }
        Ok(SharedSettings {
            url,
            every: self.every,
            direction: self.direction,
        })
    }

    /// This desk shows the server's copy rather than copying its own store into it.
    pub fn reads_from_server(&self) -> bool {
        self.url.is_some() && self.direction == SharedDirection::FromServer
    }

    /// Whether `url`, as a copy or restore is given it, means the saved address: none or
    /// blank asks for the saved one; else it is the saved one when equal to it, trimmed.
    pub fn means_saved(&self, url: Option<&str>) -> bool {
        match url.map(str::trim).filter(|u| !u.is_empty()) {
            None => true,
            Some(u) => self.url.as_deref() == Some(u),
        }
    }

    /// When the next scheduled copy (or refresh, for a reading desk) is due (see
    /// [`BackupEvery::next_due`]), given the last one with this address; None when off or
    /// no address is saved.
    pub fn next_due(
        &self,
        last_success: Option<i64>,
        last_failure: Option<i64>,
        now: i64,
    ) -> Option<i64> {
        self.url.as_ref()?;
        self.every.next_due(last_success, last_failure, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use subdesk_codes::ErrorCode;

    fn settings(url: Option<&str>, every: BackupEvery) -> SharedSettings {
        SharedSettings {
            url: url.map(str::to_owned),
            every,
            direction: SharedDirection::ToServer,
        }
    }

    #[test]
    fn the_rules() {
        let ok = settings(Some("  postgres://desk@nas/subdesk \n"), BackupEvery::Daily)
            .normalize()
            .unwrap();
        assert_eq!(ok.url.as_deref(), Some("postgres://desk@nas/subdesk"));
        assert_eq!(
            settings(Some("  "), BackupEvery::Off)
                .normalize()
                .unwrap()
                .url,
            None
        );
        let long = format!("postgres://desk@nas/{}", "a".repeat(SHARED_URL_MAX_LEN));
        for (bad, field) in [
            (settings(None, BackupEvery::Daily), "every"),
            (settings(Some(" "), BackupEvery::Every6Hours), "every"),
            (
                settings(Some("postgres://a@b/\u{7}c"), BackupEvery::Off),
                "url",
            ),
            (settings(Some(&long), BackupEvery::Off), "url"),
            (
                SharedSettings {
                    direction: SharedDirection::FromServer,
                    ..settings(Some("  "), BackupEvery::Off)
                },
                "direction",
            ),
        ] {
            let err = bad.normalize().unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidSharedSettings);
            assert!(
                matches!(&err, Error::InvalidSharedSettings { field: f, .. } if *f == field),
                "{err:?}"
            );
        }
    }

    #[test]
    fn which_way_the_store_goes() {
        let copies = settings(Some("postgres://desk@nas/subdesk"), BackupEvery::Off);
        assert!(!copies.reads_from_server());
        let reads = SharedSettings {
            direction: SharedDirection::FromServer,
            ..copies.clone()
        };
        assert!(reads.reads_from_server());
        // The default is left out of the file; the other way is written.
        assert!(
            !serde_json::to_string(&copies)
                .unwrap()
                .contains("direction")
        );
        assert!(
            serde_json::to_string(&reads)
                .unwrap()
                .contains(r#""direction":"from_server""#)
        );
    }

    #[test]
    fn which_address_is_the_saved_one() {
        let s = settings(Some("postgres://desk@nas/subdesk"), BackupEvery::Off);
        assert!(s.means_saved(None));
        assert!(s.means_saved(Some("  ")));
        assert!(s.means_saved(Some(" postgres://desk@nas/subdesk\n")));
        assert!(!s.means_saved(Some("postgres://desk@other/subdesk")));
        assert!(!SharedSettings::default().means_saved(Some("postgres://desk@nas/subdesk")));
    }

    #[test]
    fn when_the_next_copy_is_due() {
        let s = settings(
            Some("postgres://desk@nas/subdesk"),
            BackupEvery::Every6Hours,
        );
        assert_eq!(s.next_due(None, None, 1_000), Some(1_000));
        assert_eq!(s.next_due(Some(100), None, 1_000), Some(100 + 6 * 3600));
        // A failure after the last copy waits a whole interval too.
        assert_eq!(
            s.next_due(Some(100), Some(500), 1_000),
            Some(500 + 6 * 3600)
        );
        assert_eq!(
            settings(Some("postgres://desk@nas/subdesk"), BackupEvery::Off)
                .next_due(None, None, 1_000),
            None
        );
    }
}
