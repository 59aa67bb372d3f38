//! Merchant profiles: which i'mport account (or the built-in sandbox) the app works on.
//! Each profile has its own database; the active one is always shown in the status bar.

use serde::{Deserialize, Serialize};
use specta::Type;

use crate::settings::DEFAULT_TIME_ZONE;

#[derive(Debug, Clone, Copy, Serialize, Deserialize, Type, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The built-in sandbox on loopback: no account, no real money.
    Sandbox,
    /// A real i'mport account on test channels.
    Test,
    /// A real i'mport account moving real money.
    Live,
}

pub const SANDBOX_PROFILE_ID: &str = "sandbox";
pub const DEFAULT_BASE_URL: &str = "https://api.iamport.kr";

#[derive(Debug, Clone, Serialize, Deserialize, Type, PartialEq)]
pub struct Profile {
    /// Stable id, also the name of the profile's data folder.
    pub id: String,
    pub name: String,
    pub mode: Mode,
    /// The API's address. For the sandbox profile the address is chosen at start-up (a
    /// random loopback port), so this stays empty and the running sandbox's URL is used.
    pub base_url: String,
    pub time_zone: String,
}

impl Profile {
    pub fn sandbox() -> Self {
        Self {
            id: SANDBOX_PROFILE_ID.to_owned(),
            name: "Sandbox".to_owned(),
            mode: Mode::Sandbox,
            base_url: String::new(),
            time_zone: DEFAULT_TIME_ZONE.to_owned(),
        }
    }
}

/// Makes sure the profile list has the sandbox profile and a valid active profile: on first
/// run this creates the "Sandbox" profile so the app works with no account.
/// Returns the (possibly repaired) list and the active id.
pub fn bootstrap(mut profiles: Vec<Profile>, active: Option<String>) -> (Vec<Profile>, String) {
    if !profiles.iter().any(|p| p.mode == Mode::Sandbox) {
        profiles.insert(0, Profile::sandbox());
    }
    let active = active
        .filter(|id| profiles.iter().any(|p| &p.id == id))
        .unwrap_or_else(|| SANDBOX_PROFILE_ID.to_owned());
    (profiles, active)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_run_creates_the_sandbox_profile_and_activates_it() {
        let (profiles, active) = bootstrap(Vec::new(), None);
        assert_eq!(profiles, vec![Profile::sandbox()]);
        assert_eq!(active, SANDBOX_PROFILE_ID);
    }

    #[test]
    fn an_unknown_active_id_falls_back_to_the_sandbox() {
        let live = Profile {
            id: "shop".into(),
            name: "Shop".into(),
            mode: Mode::Live,
            base_url: DEFAULT_BASE_URL.into(),
            time_zone: DEFAULT_TIME_ZONE.into(),
        };
        let (profiles, active) = bootstrap(vec![live.clone()], Some("gone".into()));
        assert_eq!(profiles.len(), 2);
        assert_eq!(active, SANDBOX_PROFILE_ID);
        let (_, active) = bootstrap(profiles, Some("shop".into()));
        assert_eq!(active, "shop");
    }
}
