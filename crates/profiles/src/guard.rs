//! The role and lock checks every app command and every CLI command runs in Rust before
//! doing anything, so a read-only clerk or a locked app cannot be talked past by calling a
//! command directly. Two questions, one function each:
//!
//! - [`authorize`]: may this action run on this profile (its role, and the lock)? Asked
//!   of the profile the action touches: the session's own, or the one a command names.
//! - [`authorize_admin`]: may profiles, their credentials, their roles or the lock itself
//!   change? Asked whatever profile is active, the sandbox included: changing a live
//!   profile from the sandbox is still changing the live profile. The answer is an
//!   [`Admin`] value, which the changing methods of [`crate::ProfileStore`],
//!   [`crate::CredentialStore`] and [`crate::AppLock`] require, so no caller can change a
//!   profile without having asked.

use secrecy::SecretString;
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

/// Proof that an admin action passed the app lock: made only by [`authorize_admin`], and
/// required by everything that changes profiles, credentials or roles.
#[derive(Clone, Copy, Debug)]
pub struct Admin {
    /// A passphrase exists (so a read-only role means something).
    lock_enabled: bool,
    /// The passphrase was typed with this very change.
    passphrase_confirmed: bool,
}

/// Allows an admin action (editing, adding or removing a profile, its credentials, its
/// role; the lock's passphrase and settings), or says why not: while a passphrase is set,
/// only an unlocked app may, from whatever profile is active ([`Error::AppLocked`]).
///
/// `passphrase`, when given, is checked and recorded: lifting a read-only role needs it
/// typed with the change ([`Error::PassphraseRequired`]), so an unlocked app left alone
/// does not hand the clerk the owner's role.
pub fn authorize_admin(lock: &AppLock, passphrase: Option<&SecretString>) -> Result<Admin> {
    if lock.is_locked() {
        return Err(Error::AppLocked {
            what: "change profiles, their API keys or the app lock",
        });
    }
    let passphrase_confirmed = match passphrase {
        Some(p) if lock.is_enabled() => {
            lock.verify(p)?;
            true
        }
        _ => false,
    };
    Ok(Admin {
        lock_enabled: lock.is_enabled(),
        passphrase_confirmed,
    })
}

impl Admin {
    /// An admin for a data folder with no app lock and no passphrase typed: what tests
    /// and `--no-lock` tools use. Equal to `authorize_admin(&AppLock::disabled(), None)`.
    pub fn without_lock() -> Admin {
        Admin {
            lock_enabled: false,
            passphrase_confirmed: false,
        }
    }

    /// A change to what a read-only profile's role protects (`what` it is, for the error):
    /// only with the passphrase typed, as lifting the role is.
    pub fn check_read_only_change(&self, what: &'static str) -> Result<()> {
        if self.lock_enabled && !self.passphrase_confirmed {
            return Err(Error::PassphraseRequired { what });
        }
        Ok(())
    }

    /// The role rules of a profile change (`before` is `None` for a new profile):
    /// read-only is set only while a passphrase exists, and lifted only with the
    /// passphrase typed. A role set before these rules, with no passphrase, protected
    /// nothing and may be lifted.
    pub(crate) fn check_role_change(
        &self,
        before: Option<&Profile>,
        read_only: bool,
    ) -> Result<()> {
        let was = before.is_some_and(|p| p.read_only);
        if read_only && !was && !self.lock_enabled {
            return Err(Error::ReadOnlyNeedsLock {
                what: "set an app-lock passphrase before making a profile read-only",
            });
        }
        if was && !read_only && self.lock_enabled && !self.passphrase_confirmed {
            return Err(Error::PassphraseRequired {
                what: "lift the read-only role",
            });
        }
        Ok(())
    }
}

/// Refuses to remove the app lock's passphrase while a profile is read-only: the role
/// would then protect nothing.
pub(crate) fn check_lock_removal(profiles: &[Profile]) -> Result<()> {
    if profiles.iter().any(|p| p.read_only) {
        return Err(Error::ReadOnlyNeedsLock {
            what: "lift the read-only role of every profile before removing the passphrase",
        });
    }
    Ok(())
}
