//! The optional app lock: a passphrase, hashed with Argon2id, that guards opening live
//! profiles and moving money (and, if chosen, every change).
//!
//! lock.json beside profiles.json holds only the PHC hash and the settings. The hash is
//! not a secret in the keyring sense (it is how a passphrase is checked), and the
//! passphrase itself is never kept: it arrives as a zeroizing `SecretString`, is
//! hashed or checked, and is dropped.

use std::path::{Path, PathBuf};

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::fsutil::{self, DirLock};
use crate::store::ProfileStore;

/// The lock file's name inside the data folder.
pub const LOCK_FILE: &str = "lock.json";
const FORMAT_VERSION: u64 = 1;
/// Shortest passphrase, in characters.
pub const PASSPHRASE_MIN_CHARS: usize = 8;
const PASSPHRASE_MAX_BYTES: usize = 1024;

/// What the lock guards while the app is locked. Sandbox profiles are never guarded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub struct LockSettings {
    /// Opening (any action on) a live profile needs the passphrase.
    pub open_live_profile: bool,
    /// Charging, scheduling and refunding on test and live profiles need it.
    pub move_money: bool,
    /// Every change (not only money) needs it: a locked app is read-only.
    #[serde(default)]
    pub mutate: bool,
}

impl Default for LockSettings {
    fn default() -> Self {
        LockSettings {
            open_live_profile: true,
            move_money: true,
            mutate: false,
        }
    }
}

/// The lock's state for the UI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub struct LockStatus {
    /// A passphrase is set.
    pub enabled: bool,
    /// Enabled and not unlocked in this session.
    pub locked: bool,
    /// What it guards.
    pub settings: LockSettings,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LockFile {
    version: u64,
    /// Argon2id PHC string; `None` when no passphrase is set.
    phc: Option<String>,
    settings: LockSettings,
}

/// The app lock of one data folder, with this session's locked/unlocked state in
/// memory. A passphrase being set means the app starts locked.
///
/// Every change re-reads lock.json under the folder lock first, so a passphrase
/// changed by the CLI is checked against what is on disk, not a stale copy.
#[derive(Debug)]
pub struct AppLock {
    path: Option<PathBuf>,
    file: LockFile,
    unlocked: bool,
}

impl AppLock {
    /// Loads `dir/lock.json` (missing = no passphrase). Starts locked if one is set.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref();
        fsutil::ensure_dir(dir)?;
        let path = dir.join(LOCK_FILE);
        let file = {
            let _lock = DirLock::shared(dir)?;
            read_file(&path)?
        };
        Ok(AppLock {
            path: Some(path),
            file,
            unlocked: false,
        })
    }

    /// A lock with no passphrase and no file (the CLI's `--no-lock` runs and tests).
    pub fn disabled() -> Self {
        AppLock {
            path: None,
            file: LockFile {
                version: FORMAT_VERSION,
                ..LockFile::default()
            },
            unlocked: false,
        }
    }

    /// A passphrase is set.
    pub fn is_enabled(&self) -> bool {
        self.file.phc.is_some()
    }

    /// A passphrase is set and this session has not unlocked (or has locked again).
    pub fn is_locked(&self) -> bool {
        self.is_enabled() && !self.unlocked
    }

    /// What the lock guards.
    pub fn settings(&self) -> LockSettings {
        self.file.settings
    }

    /// Everything the UI shows.
    pub fn status(&self) -> LockStatus {
        LockStatus {
            enabled: self.is_enabled(),
            locked: self.is_locked(),
            settings: self.settings(),
        }
    }

    /// Checks a passphrase without changing the state.
    pub fn verify(&self, passphrase: &SecretString) -> Result<()> {
        verify_phc(self.file.phc.as_deref(), passphrase)
    }

    /// Unlocks this session if the passphrase is right.
    pub fn unlock(&mut self, passphrase: &SecretString) -> Result<()> {
        self.verify(passphrase)?;
        self.unlocked = true;
        Ok(())
    }

    /// Locks this session again ([`Error::LockNotSet`] if there is no passphrase:
    /// the UI should not offer "lock" then).
    pub fn lock(&mut self) -> Result<()> {
        if !self.is_enabled() {
            return Err(Error::LockNotSet);
        }
        self.unlocked = false;
        Ok(())
    }

    /// Sets or changes the passphrase. Changing needs the current one. The session
    /// stays unlocked (whoever just typed the passphrase is the user).
    pub fn set_passphrase(
        &mut self,
        new: &SecretString,
        current: Option<&SecretString>,
    ) -> Result<()> {
        check_new_passphrase(new)?;
        // Hash before taking the folder lock: it is the slow part.
        let phc = hash(new)?;
        self.modify(|file| {
            if file.phc.is_some() {
                let current = current.ok_or(Error::WrongPassphrase)?;
                verify_phc(file.phc.as_deref(), current)?;
            }
            file.phc = Some(phc);
            Ok(())
        })?;
        self.unlocked = true;
        tracing::info!("app-lock passphrase set");
        Ok(())
    }

    /// Removes the passphrase (needs it). The app is then never locked. Refused while a
    /// profile of `profiles` is read-only: without a passphrase the role protects nothing.
    pub fn clear(&mut self, current: &SecretString, profiles: &ProfileStore) -> Result<()> {
        crate::guard::check_lock_removal(&profiles.list()?)?;
        self.modify(|file| {
            verify_phc(file.phc.as_deref(), current)?;
            file.phc = None;
            Ok(())
        })?;
        self.unlocked = false;
        tracing::info!("app-lock passphrase removed");
        Ok(())
    }

    /// Changes what the lock guards. Refused while locked: a locked app must not be
    /// able to switch its own guard off.
    pub fn set_settings(&mut self, settings: LockSettings) -> Result<()> {
        if self.is_locked() {
            return Err(Error::AppLocked {
                what: "change the app-lock settings",
            });
        }
        self.modify(|file| {
            file.settings = settings;
            Ok(())
        })
    }

    /// Re-reads lock.json (another process may have changed it), keeping this
    /// session's unlocked state only if the passphrase is unchanged.
    pub fn reload(&mut self) -> Result<()> {
        let Some(path) = self.path.clone() else {
            return Ok(());
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        let file = {
            let _lock = DirLock::shared(dir)?;
            read_file(&path)?
        };
        if file.phc != self.file.phc {
            self.unlocked = false;
        }
        self.file = file;
        Ok(())
    }

    fn modify(&mut self, change: impl FnOnce(&mut LockFile) -> Result<()>) -> Result<()> {
        let Some(path) = self.path.clone() else {
            // The in-memory lock of `disabled()`: same rules, nothing written.
            let mut file = self.file.clone();
            change(&mut file)?;
            self.file = file;
            return Ok(());
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        let _lock = DirLock::exclusive(dir)?;
        let mut file = read_file(&path)?;
        change(&mut file)?;
        let mut bytes = serde_json::to_vec_pretty(&file)
            .map_err(|e| Error::io("encode", &path, std::io::Error::other(e)))?;
        bytes.push(b'\n');
        fsutil::write_atomic(&path, &bytes)?;
        if file.phc != self.file.phc {
            self.unlocked = false;
        }
        self.file = file;
        Ok(())
    }
}

fn read_file(path: &Path) -> Result<LockFile> {
    let Some(bytes) = fsutil::read_optional(path)? else {
        return Ok(LockFile {
            version: FORMAT_VERSION,
            ..LockFile::default()
        });
    };
    let corrupt = |reason: String| Error::LockFileCorrupt {
        path: path.to_owned(),
        reason,
    };
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| corrupt(format!("not JSON: {e}")))?;
    let version = value
        .get("version")
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| corrupt("no format version".into()))?;
    if version > FORMAT_VERSION {
        return Err(Error::UnsupportedVersion {
            path: path.to_owned(),
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    let file: LockFile = serde_json::from_value(value).map_err(|e| corrupt(e.to_string()))?;
    if let Some(phc) = &file.phc {
        // A hash that cannot be parsed would lock the user out for good: say so now.
        PasswordHash::new(phc).map_err(|e| corrupt(format!("passphrase hash: {e}")))?;
    }
    Ok(file)
}

fn check_new_passphrase(p: &SecretString) -> Result<()> {
    let p = p.expose_secret();
    if p.chars().count() < PASSPHRASE_MIN_CHARS {
        return Err(Error::InvalidPassphrase {
            reason: "use at least 8 characters",
        });
    }
    if p.len() > PASSPHRASE_MAX_BYTES {
        return Err(Error::InvalidPassphrase {
            reason: "use at most 1024 bytes",
        });
    }
    Ok(())
}

/// Argon2id with the crate's defaults (19 MiB, 2 passes: OWASP's recommendation) and a
/// random salt.
fn hash(passphrase: &SecretString) -> Result<String> {
    let hashed: PasswordHash = Argon2::default()
        .hash_password(passphrase.expose_secret().as_bytes())
        // Only the OS random source can fail here.
        .map_err(|e| {
            Error::io(
                "hash the passphrase for",
                LOCK_FILE,
                std::io::Error::other(e.to_string()),
            )
        })?;
    Ok(hashed.to_string())
}

fn verify_phc(phc: Option<&str>, passphrase: &SecretString) -> Result<()> {
    let phc = phc.ok_or(Error::LockNotSet)?;
    let parsed = PasswordHash::new(phc).map_err(|e| Error::LockFileCorrupt {
        path: PathBuf::from(LOCK_FILE),
        reason: format!("passphrase hash: {e}"),
    })?;
    // The parameters come from the stored hash, so stronger settings later still
    // verify old hashes.
    Argon2::default()
        .verify_password(passphrase.expose_secret().as_bytes(), &parsed)
        .map_err(|_| Error::WrongPassphrase)
}
