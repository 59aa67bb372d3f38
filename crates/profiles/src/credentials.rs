//! imp_key and imp_secret in the OS keyring, one entry per profile and field.
//!
//! The backend is keyring 4's platform store (the Secret Service over zbus on Linux).
//! keyring 4 has no mock fallback: without a Secret Service every call fails, and we
//! turn that failure into [`Error::KeyringUnavailable`] / [`Error::KeyringLocked`] with
//! a message that says what to do. Nothing is ever written to a file instead.
//!
//! Every call is blocking D-Bus I/O: from async code, call it inside
//! `tokio::task::spawn_blocking`.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use zeroize::Zeroize;

use crate::error::{Error, Result};
use crate::guard::Admin;
use crate::profile::Profile;

/// The keyring service name shared by the app and the CLI.
pub const KEYRING_SERVICE: &str = "subdesk";
/// The sandbox's public imp_key (same as `subdesk_sandbox::DEFAULT_IMP_KEY`; a test
/// keeps the two equal). Public test values, so they live in code, not the keyring.
pub const SANDBOX_IMP_KEY: &str = "sandbox_imp_key";
/// The sandbox's public imp_secret.
pub const SANDBOX_IMP_SECRET: &str = "sandbox_imp_secret";

/// i'mport REST API keys hold far less; anything longer is a paste gone wrong.
const MAX_LEN: usize = 256;
/// The keyring field of a profile's shared store password.
const SHARED_PASSWORD: &str = "shared_password";

/// A profile's i'mport REST API credentials.
#[derive(Clone)]
pub struct Credentials {
    /// REST API key (not a secret on its own, but useless to show in full).
    pub imp_key: String,
    /// REST API secret: zeroized on drop, never printed.
    pub imp_secret: SecretString,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("imp_key", &self.imp_key)
            .field("imp_secret", &"[redacted]")
            .finish()
    }
}

impl Credentials {
    /// Credentials as entered.
    pub fn new(imp_key: impl Into<String>, imp_secret: SecretString) -> Self {
        Credentials {
            imp_key: imp_key.into(),
            imp_secret,
        }
    }

    /// The sandbox's fixed public credentials.
    pub fn sandbox() -> Self {
        Credentials::new(SANDBOX_IMP_KEY, SecretString::from(SANDBOX_IMP_SECRET))
    }

    /// Trimmed copies (pasted values often carry a newline), checked: non-empty, at
    /// most 256 bytes, no whitespace or control characters inside.
    fn normalized(&self) -> Result<Credentials> {
        let key = check_field("imp_key", &self.imp_key)?;
        let secret = check_field("imp_secret", self.imp_secret.expose_secret())?;
        Ok(Credentials::new(key, SecretString::from(secret.to_owned())))
    }
}

fn check_field<'a>(field: &'static str, value: &'a str) -> Result<&'a str> {
    let v = value.trim();
    let reason = if v.is_empty() {
        "is empty"
    } else if v.len() > MAX_LEN {
        "is longer than 256 characters"
    } else if v.chars().any(|c| c.is_whitespace() || c.is_control()) {
        "contains spaces or line breaks; check what was copied"
    } else {
        return Ok(v);
    };
    Err(Error::InvalidCredentials { field, reason })
}

/// Which credentials a profile has, for a "set / not set" display. Never a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub struct CredentialStatus {
    /// imp_key is stored.
    pub imp_key_set: bool,
    /// imp_secret is stored.
    pub imp_secret_set: bool,
}

impl CredentialStatus {
    /// Both are stored.
    pub fn is_complete(&self) -> bool {
        self.imp_key_set && self.imp_secret_set
    }
}

/// The keyring side of profiles. Cheap; holds only the service name.
#[derive(Clone, Debug)]
pub struct CredentialStore {
    service: String,
}

impl Default for CredentialStore {
    fn default() -> Self {
        CredentialStore::new()
    }
}

impl CredentialStore {
    /// The store the app and the CLI share (service "subdesk").
    pub fn new() -> Self {
        CredentialStore::with_service(KEYRING_SERVICE)
    }

    /// Another service name, so tests and tools can stay out of the real entries.
    pub fn with_service(service: impl Into<String>) -> Self {
        CredentialStore {
            service: service.into(),
        }
    }

    /// The service name entries are stored under.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// Checks that a usable keyring is there (for a start-up notice). Reads nothing.
    pub fn check_available(&self) -> Result<()> {
        self.entry("availability-check").map(|_| ())
    }

    /// Stores (replacing) a profile's credentials. The sandbox's are fixed. An admin
    /// action ([`crate::authorize_admin`]): new keys for a profile redirect its money.
    pub fn save(&self, profile: &Profile, creds: &Credentials, _admin: &Admin) -> Result<()> {
        if profile.is_sandbox() {
            return Err(Error::SandboxProtected {
                what: "uses the sandbox's public credentials; there is nothing to save",
            });
        }
        let creds = creds.normalized()?;
        let key_entry = self.entry(&user(&profile.id, "imp_key"))?;
        let secret_entry = self.entry(&user(&profile.id, "imp_secret"))?;
        key_entry.set_password(&creds.imp_key).map_err(map_error)?;
        if let Err(e) = secret_entry.set_password(creds.imp_secret.expose_secret()) {
            // Never leave a new key beside the old secret: a half-replaced pair would
            // fail later with a misleading "unauthorized". Not set is honest.
            let _ = key_entry.delete_credential();
            return Err(map_error(e));
        }
        tracing::info!(profile = %profile.id, "credentials saved to the keyring");
        Ok(())
    }

    /// A profile's credentials; [`Error::CredentialsNotSet`] if either is missing.
    pub fn load(&self, profile: &Profile) -> Result<Credentials> {
        if profile.is_sandbox() {
            return Ok(Credentials::sandbox());
        }
        let not_set = || Error::CredentialsNotSet {
            profile_id: profile.id.clone(),
        };
        let imp_key = self
            .read(&user(&profile.id, "imp_key"))?
            .ok_or_else(not_set)?;
        let imp_secret = self
            .read(&user(&profile.id, "imp_secret"))?
            .ok_or_else(not_set)?;
        Ok(Credentials::new(imp_key.expose_secret(), imp_secret))
    }

    /// Whether both credentials are stored (without reading the secret).
    pub fn has(&self, profile: &Profile) -> Result<bool> {
        Ok(self.status(profile)?.is_complete())
    }

    /// Which credentials are stored, field by field (without reading the secret).
    pub fn status(&self, profile: &Profile) -> Result<CredentialStatus> {
        if profile.is_sandbox() {
            return Ok(CredentialStatus {
                imp_key_set: true,
                imp_secret_set: true,
            });
        }
        Ok(CredentialStatus {
            imp_key_set: self.exists(&user(&profile.id, "imp_key"))?,
            imp_secret_set: self.exists(&user(&profile.id, "imp_secret"))?,
        })
    }

    /// Stores (replacing) the password of a profile's shared store (team mode's server;
    /// its address is in profiles.json). Trimmed, non-empty, at most 256 bytes, no control
    /// characters (a space inside is a password's own business).
    pub fn save_shared_password(&self, profile: &Profile, password: &SecretString) -> Result<()> {
        let p = password.expose_secret().trim();
        let reason = if p.is_empty() {
            Some("is empty")
        } else if p.len() > MAX_LEN {
            Some("is longer than 256 characters")
        } else if p.chars().any(char::is_control) {
            Some("contains line breaks or control characters; check what was copied")
        } else {
            None
        };
        if let Some(reason) = reason {
            return Err(Error::InvalidSharedSettings {
                field: "password",
                reason: reason.to_owned(),
            });
        }
        self.entry(&user(&profile.id, SHARED_PASSWORD))?
            .set_password(p)
            .map_err(map_error)?;
        tracing::info!(profile = %profile.id, "shared store password saved to the keyring");
        Ok(())
    }

    /// The saved password of a profile's shared store, if one is saved.
    pub fn shared_password(&self, profile: &Profile) -> Result<Option<SecretString>> {
        self.read(&user(&profile.id, SHARED_PASSWORD))
    }

    /// Whether a shared store password is saved (without reading it).
    pub fn has_shared_password(&self, profile: &Profile) -> Result<bool> {
        self.exists(&user(&profile.id, SHARED_PASSWORD))
    }

    /// Forgets the shared store's password; fine if there was none.
    pub fn delete_shared_password(&self, profile: &Profile) -> Result<()> {
        match self
            .entry(&user(&profile.id, SHARED_PASSWORD))?
            .delete_credential()
        {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_error(e)),
        }
    }

    /// Deletes a profile's credentials and its shared store password; fine if there were
    /// none. The sandbox has no credentials to delete. An admin action, like saving them.
    pub fn delete(&self, profile: &Profile, _admin: &Admin) -> Result<()> {
        self.delete_shared_password(profile)?;
        if profile.is_sandbox() {
            return Ok(());
        }
        for field in ["imp_secret", "imp_key"] {
            match self.entry(&user(&profile.id, field))?.delete_credential() {
                Ok(()) | Err(keyring::Error::NoEntry) => {}
                Err(e) => return Err(map_error(e)),
            }
        }
        tracing::info!(profile = %profile.id, "credentials deleted from the keyring");
        Ok(())
    }

    fn entry(&self, user: &str) -> Result<keyring::Entry> {
        keyring::Entry::new(&self.service, user).map_err(map_error)
    }

    /// Reads one value. Read as bytes (not `get_password`) so the only copy we make
    /// goes straight into a zeroizing `SecretString` and the buffer is wiped.
    fn read(&self, user: &str) -> Result<Option<SecretString>> {
        match self.entry(user)?.get_secret() {
            Ok(mut bytes) => {
                let out = match std::str::from_utf8(&bytes) {
                    Ok(s) => Ok(Some(SecretString::from(s.to_owned()))),
                    Err(_) => Err(Error::KeyringError {
                        detail: format!(
                            "the stored {user} is not text; save the credentials again"
                        ),
                    }),
                };
                bytes.zeroize();
                out
            }
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_error(e)),
        }
    }

    /// Whether an entry exists, by its attributes: the secret is not transferred.
    fn exists(&self, user: &str) -> Result<bool> {
        match self.entry(user)?.inner.get_attributes() {
            Ok(_) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(map_error(e)),
        }
    }
}

/// `<profile_id>/<field>`: readable in `secret-tool search --all service subdesk`.
fn user(profile_id: &str, field: &str) -> String {
    format!("{profile_id}/{field}")
}

/// Sorts a keyring failure into unavailable / locked / other, with a detail that is
/// safe to show. Never formats the error with `{:?}`: some variants carry the raw
/// secret bytes.
fn map_error(e: keyring::Error) -> Error {
    match e {
        keyring::Error::NoDefaultStore => {
            // keyring sets its store up once per process; the reason it failed is kept.
            let detail = match keyring::Entry::store_status() {
                Err(inner) => inner.to_string(),
                Ok(()) => "no credential store".to_owned(),
            };
            Error::KeyringUnavailable { detail }
        }
        keyring::Error::NoStorageAccess(inner) => Error::KeyringLocked {
            detail: inner.to_string(),
        },
        keyring::Error::PlatformFailure(inner) => classify_platform(inner.as_ref()),
        keyring::Error::BadEncoding(mut bytes) => {
            bytes.zeroize();
            Error::KeyringError {
                detail: "a stored value is not text; save the credentials again".into(),
            }
        }
        keyring::Error::BadDataFormat(mut bytes, _) => {
            bytes.zeroize();
            Error::KeyringError {
                detail: "a stored value is malformed; save the credentials again".into(),
            }
        }
        keyring::Error::Ambiguous(items) => Error::KeyringError {
            detail: format!(
                "{} keyring entries match one credential; remove the duplicates (secret-tool search --all service subdesk)",
                items.len()
            ),
        },
        keyring::Error::NoEntry => Error::KeyringError {
            detail: "no such entry".into(),
        },
        other => Error::KeyringError {
            detail: other.to_string(),
        },
    }
}

#[cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
fn classify_platform(inner: &(dyn std::error::Error + Send + Sync + 'static)) -> Error {
    use secret_service::Error as Ss;
    let detail = inner.to_string();
    match inner.downcast_ref::<Ss>() {
        Some(Ss::Locked | Ss::Prompt | Ss::NoResult | Ss::PromptDisconnected) => {
            Error::KeyringLocked { detail }
        }
        Some(Ss::Unavailable | Ss::Zbus(_) | Ss::ZbusFdo(_))
            if detail.contains("IsLocked") || detail.contains("NotAllowed") =>
        {
            Error::KeyringLocked { detail }
        }
        // A D-Bus failure after the store was set up: the daemon went away, or the bus.
        Some(Ss::Unavailable | Ss::Zbus(_) | Ss::ZbusFdo(_)) => {
            Error::KeyringUnavailable { detail }
        }
        _ => Error::KeyringError { detail },
    }
}

#[cfg(not(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
)))]
fn classify_platform(inner: &(dyn std::error::Error + Send + Sync + 'static)) -> Error {
    Error::KeyringError {
        detail: inner.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use subdesk_codes::ErrorCode;

    #[test]
    fn debug_hides_the_secret() {
        let c = Credentials::new("key_1", SecretString::from("hunter2-very-secret"));
        let shown = format!("{c:?} {:?}", c.clone());
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("key_1"));
    }

    #[test]
    fn credentials_are_checked_and_trimmed() {
        let c = Credentials::new(" key\n", SecretString::from("secret\n"));
        let n = c.normalized().expect("valid after trimming");
        assert_eq!(n.imp_key, "key");
        assert_eq!(n.imp_secret.expose_secret(), "secret");
        for (k, s, field) in [
            ("", "s", "imp_key"),
            ("k", " ", "imp_secret"),
            ("k k", "s", "imp_key"),
            ("k", "s\ts", "imp_secret"),
        ] {
            let err = Credentials::new(k, SecretString::from(s))
                .normalized()
                .expect_err("invalid");
            assert_eq!(err.code(), ErrorCode::InvalidCredentials);
            assert_eq!(err.details()["field"], field);
        }
    }
}
