//! Profiles, their credentials and the app lock. Secrets come in once and never go back
//! out: the UI learns only whether they are set. Keyring calls are short blocking D-Bus
//! calls, so these commands are async: they run on the runtime's workers, not the UI thread.

use serde::Serialize;
use specta::Type;
use subdesk_billing::Recovery;
use subdesk_profiles::{
    ActionKind, ConnectionReport, CredentialStatus, Credentials, LockSettings, LockStatus, Profile,
    ProfileInput, SecretString, test_connection as probe,
};
use tauri::State;

use crate::error::{ErrorCode, IpcError, IpcResult};
use crate::state::AppState;

/// A profile with whether its credentials are stored (never the credentials).
#[derive(Debug, Clone, Serialize, Type)]
pub struct ProfileEntry {
    pub profile: Profile,
    pub credentials: CredentialStatus,
    pub active: bool,
    /// Its API address is not i'mport's: the UI warns, since the secret goes there.
    pub custom_address: bool,
}

fn entries(state: &AppState) -> IpcResult<Vec<ProfileEntry>> {
    let active = state.desk.session_profile()?.id;
    state
        .desk
        .profiles
        .list()?
        .into_iter()
        .map(|profile| {
            let credentials = if profile.is_sandbox() {
                CredentialStatus {
                    imp_key_set: true,
                    imp_secret_set: true,
                }
            } else {
                // A keyring that is locked or missing must not hide the profile list.
                state
                    .desk
                    .credentials()
                    .status(&profile)
                    .unwrap_or(CredentialStatus {
                        imp_key_set: false,
                        imp_secret_set: false,
                    })
            };
            Ok(ProfileEntry {
                active: profile.id == active,
                custom_address: profile.uses_custom_address(),
                profile,
                credentials,
            })
        })
        .collect()
}

#[tauri::command]
#[specta::specta]
pub async fn list_profiles(state: State<'_, AppState>) -> IpcResult<Vec<ProfileEntry>> {
    entries(&state)
}

/// Makes `id` the active profile and opens it. A live profile behind the app lock stays
/// closed until the app is unlocked.
#[tauri::command]
#[specta::specta]
pub async fn switch_profile(state: State<'_, AppState>, id: String) -> IpcResult<Profile> {
    let profile = state.desk.profiles.get(&id)?;
    state.desk.authorize(&profile, ActionKind::Read)?;
    state.desk.profiles.set_active(&id)?;
    tracing::info!(profile = %id, mode = profile.mode.as_str(), "profile switched");
    state.desk.open_session(&profile)?;
    Ok(profile)
}

/// Gets the session's profile past a database that cannot be opened: its latest backup,
/// or an empty database (keys come back by import, payments by sync). The damaged file is
/// kept beside the new one; the new database's audit log records the recovery.
#[tauri::command]
#[specta::specta]
pub async fn recover_database(state: State<'_, AppState>, how: Recovery) -> IpcResult<()> {
    match state.desk.session() {
        Err(e) if e.code == ErrorCode::DbCorrupt => {}
        _ => {
            return Err(IpcError::new(
                ErrorCode::DbNotDamaged,
                "the active profile's database opens; there is nothing to recover",
            ));
        }
    }
    let profile = state.desk.session_profile()?;
    state.desk.authorize(&profile, ActionKind::Mutate)?;
    tracing::warn!(profile = %profile.id, how = ?how, "recovering a damaged database");
    state.desk.recover_session(&profile, how)?;
    Ok(())
}

/// Reopens the session if it is `id`'s, after its profile or keys changed.
fn reopen_if_session(state: &AppState, id: &str) -> IpcResult<()> {
    if state.desk.session_profile()?.id == id {
        let _ = state.desk.open_session(&state.desk.profiles.get(id)?);
    }
    Ok(())
}

/// Adds a test or live profile (an admin action); its credentials, when given, go
/// straight to the keyring.
#[tauri::command]
#[specta::specta]
pub async fn add_profile(
    state: State<'_, AppState>,
    input: ProfileInput,
    imp_key: Option<String>,
    imp_secret: Option<String>,
) -> IpcResult<Profile> {
    let admin = state.desk.admin(None)?;
    let creds = credentials_input(imp_key, imp_secret)?;
    let profile = state.desk.profiles.add(&input, &admin)?;
    if let Some(creds) = creds
        && let Err(e) = state.desk.credentials().save(&profile, &creds, &admin)
    {
        // Nothing half-made: a profile whose secret could not be stored is removed again.
        let _ = state.desk.profiles.remove(&profile.id, &admin);
        return Err(e.into());
    }
    tracing::info!(profile = %profile.id, mode = profile.mode.as_str(), "profile added");
    Ok(profile)
}

/// Edits a profile (an admin action). Lifting its read-only role needs `passphrase`,
/// typed with the change.
#[tauri::command]
#[specta::specta]
pub async fn update_profile(
    state: State<'_, AppState>,
    id: String,
    input: ProfileInput,
    passphrase: Option<String>,
) -> IpcResult<Profile> {
    let passphrase = passphrase.map(SecretString::from);
    let admin = state.desk.admin(passphrase.as_ref())?;
    let profile = state.desk.profiles.update(&id, &input, &admin)?;
    tracing::info!(profile = %id, read_only = profile.read_only, custom_address = profile.uses_custom_address(), "profile edited");
    reopen_if_session(&state, &id)?;
    Ok(profile)
}

/// Removes a profile, its keyring entries and nothing else (an admin action): its
/// database folder stays on disk so that records are never lost by a click (the README
/// says how to delete it).
#[tauri::command]
#[specta::specta]
pub async fn remove_profile(state: State<'_, AppState>, id: String) -> IpcResult<()> {
    let admin = state.desk.admin(None)?;
    let was_session = state.desk.session_profile()?.id == id;
    let profile = state.desk.profiles.remove(&id, &admin)?;
    state.desk.credentials().delete(&profile, &admin)?;
    if was_session {
        let active = state.desk.active_profile()?;
        let _ = state.desk.open_session(&active);
    }
    Ok(())
}

fn credentials_input(
    imp_key: Option<String>,
    imp_secret: Option<String>,
) -> IpcResult<Option<Credentials>> {
    match (imp_key, imp_secret) {
        (None, None) => Ok(None),
        (Some(key), Some(secret)) => {
            let key = key.trim().to_owned();
            let secret = secret.trim().to_owned();
            if key.is_empty() {
                return Err(IpcError::invalid_input(
                    "imp_key",
                    "the REST API key is empty",
                ));
            }
            if secret.is_empty() {
                return Err(IpcError::invalid_input(
                    "imp_secret",
                    "the REST API secret is empty",
                ));
            }
            Ok(Some(Credentials::new(key, SecretString::from(secret))))
        }
        (None, Some(_)) => Err(IpcError::invalid_input(
            "imp_key",
            "the REST API key is missing",
        )),
        (Some(_), None) => Err(IpcError::invalid_input(
            "imp_secret",
            "the REST API secret is missing",
        )),
    }
}

/// Replaces a profile's credentials in the keyring (an admin action).
#[tauri::command]
#[specta::specta]
pub async fn save_credentials(
    state: State<'_, AppState>,
    id: String,
    imp_key: String,
    imp_secret: String,
) -> IpcResult<CredentialStatus> {
    let admin = state.desk.admin(None)?;
    let profile = state.desk.profiles.get(&id)?;
    if profile.is_sandbox() {
        return Err(IpcError::from(subdesk_profiles::Error::SandboxProtected {
            what: "the sandbox profile uses the sandbox's own credentials",
        }));
    }
    let creds = credentials_input(Some(imp_key), Some(imp_secret))?
        .ok_or_else(|| IpcError::internal("no credentials"))?;
    state.desk.credentials().save(&profile, &creds, &admin)?;
    reopen_if_session(&state, &id)?;
    Ok(state.desk.credentials().status(&profile)?)
}

#[tauri::command]
#[specta::specta]
pub async fn credential_status(
    state: State<'_, AppState>,
    id: String,
) -> IpcResult<CredentialStatus> {
    let profile = state.desk.profiles.get(&id)?;
    Ok(state.desk.credentials().status(&profile)?)
}

/// Gets a token and lists the account's PG channels, or says exactly why it failed. The
/// address is checked again here (`subdesk_profiles::api_address`), as a session's is.
#[tauri::command]
#[specta::specta]
pub async fn test_connection(
    state: State<'_, AppState>,
    id: String,
) -> IpcResult<ConnectionReport> {
    let profile = state.desk.profiles.get(&id)?;
    state.desk.authorize(&profile, ActionKind::Read)?;
    state.desk.base_url(&profile)?;
    let creds = state.desk.credentials_of(&profile)?;
    Ok(probe(&profile, state.desk.sandbox_url(), &creds).await?)
}

/// The lock's state: the lock screen asks it, so it passes the lock.
#[tauri::command]
#[specta::specta]
pub fn lock_status(state: State<'_, AppState>) -> IpcResult<LockStatus> {
    Ok(state.desk.lock()?.status())
}

/// Unlocks the app and opens the active profile if the lock kept it closed.
#[tauri::command]
#[specta::specta]
pub async fn unlock_app(state: State<'_, AppState>, passphrase: String) -> IpcResult<LockStatus> {
    let status = {
        let mut lock = state.desk.lock()?;
        lock.unlock(&SecretString::from(passphrase))?;
        lock.status()
    };
    tracing::info!("app unlocked");
    state.desk.refresh()?;
    Ok(status)
}

/// Locks the app; a session the lock now guards is closed.
#[tauri::command]
#[specta::specta]
pub fn lock_app(state: State<'_, AppState>) -> IpcResult<LockStatus> {
    let status = {
        let mut lock = state.desk.lock()?;
        lock.lock()?;
        lock.status()
    };
    state.desk.refresh()?;
    Ok(status)
}

/// Sets or changes the passphrase (an admin action; changing needs the current one).
#[tauri::command]
#[specta::specta]
pub async fn set_passphrase(
    state: State<'_, AppState>,
    passphrase: String,
    current: Option<String>,
) -> IpcResult<LockStatus> {
    state.desk.admin(None)?;
    let mut lock = state.desk.lock()?;
    let current = current.map(SecretString::from);
    lock.set_passphrase(&SecretString::from(passphrase), current.as_ref())?;
    Ok(lock.status())
}

/// Removes the passphrase (an admin action, with it typed). Refused while a profile is
/// read-only: the role would protect nothing.
#[tauri::command]
#[specta::specta]
pub async fn clear_passphrase(
    state: State<'_, AppState>,
    current: String,
) -> IpcResult<LockStatus> {
    state.desk.admin(None)?;
    let mut lock = state.desk.lock()?;
    lock.clear(&SecretString::from(current), &state.desk.profiles)?;
    Ok(lock.status())
}

/// Changes what the lock guards (an admin action).
#[tauri::command]
#[specta::specta]
pub fn set_lock_settings(
    state: State<'_, AppState>,
    settings: LockSettings,
) -> IpcResult<LockStatus> {
    state.desk.admin(None)?;
    let status = {
        let mut lock = state.desk.lock()?;
        lock.set_settings(settings)?;
        lock.status()
    };
    state.desk.refresh()?;
    Ok(status)
}
