//! The role and lock check every app command runs in Rust before doing anything, so a
//! read-only clerk or a locked app cannot be talked past by calling a command directly.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::lock::{AppLock, LockSettings};
use crate::profile::{Mode, Profile};

/// What a command does, as the app's command registry tags it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// Looks, searches, exports. Opening a profile is a read.
    Read,
    /// Changes state but moves no money (edit a customer, delete a billing key, sync).
    Mutate,
    /// Charges, schedules a charge, refunds.
    MoveMoney,
}

impl ActionKind {
    /// Every kind, for registry coverage tests.
    pub const ALL: [ActionKind; 3] = [ActionKind::Read, ActionKind::Mutate, ActionKind::MoveMoney];

    /// The kind as its snake_case text.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Read => "read",
            ActionKind::Mutate => "mutate",
            ActionKind::MoveMoney => "move_money",
        }
    }
}

/// Allows `action` on `profile`, or says why not:
///
/// 1. a read-only (finance) profile refuses everything but reads ([`Error::ReadOnly`]);
/// 2. a locked app refuses what its settings guard ([`Error::AppLocked`]).
///
/// The sandbox is never guarded by the lock (no account, no money), but a read-only
/// sandbox profile is still read-only: the role is the user's choice.
pub fn authorize(profile: &Profile, action: ActionKind, lock: &AppLock) -> Result<()> {
    if profile.read_only && action != ActionKind::Read {
        return Err(Error::ReadOnly {
            profile_id: profile.id.clone(),
            action: action.as_str(),
        });
    }
    if lock.is_locked()
        && let Some(what) = guarded(profile.mode, action, lock.settings())
    {
        return Err(Error::AppLocked { what });
    }
    Ok(())
}

/// What the lock settings guard, as a table: `Some(what unlocking allows)` if the
/// action on a profile of this mode needs the passphrase.
fn guarded(mode: Mode, action: ActionKind, s: LockSettings) -> Option<&'static str> {
    match (mode, action) {
        (Mode::Sandbox, _) => None,
        (Mode::Live, _) if s.open_live_profile => Some("open a live profile"),
        // Test profiles are guarded too: several Korean PGs' test channels approve on
        // a real card and cancel later, so a test charge still touches a card.
        (Mode::Test | Mode::Live, ActionKind::MoveMoney) if s.move_money => Some("move money"),
        (Mode::Test | Mode::Live, ActionKind::Mutate | ActionKind::MoveMoney) if s.mutate => {
            Some("make changes")
        }
        _ => None,
    }
}
