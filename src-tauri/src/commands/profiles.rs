//! Profiles, their credentials and the app lock. Secrets come in once and never go back
//! out: the UI learns only whether they are set. Keyring calls are short blocking D-Bus
//! calls, so these commands are async: they run on the runtime's workers, not the UI thread.

use serde::Serialize;
use specta::Type;
use subdesk_billing::Recovery;
use subdesk_profiles::{
    ConnectionReport, CredentialStatus, Credentials, LockSettings, LockStatus, Profile,
    ProfileInput, SecretString, authorize, test_connection as probe,
};
use tauri::State;

use crate::error::{IpcError, IpcResult, codes};
use crate::session;
use crate::state::AppState;

/// A profile with whether its credentials are stored (never the credentials).
#[derive(Debug, Clone, Serialize, Type)]
pub struct ProfileEntry {
    pub profile: Profile,
    pub credentials: CredentialStatus,
    pub active: bool,
}

fn lock_err() -> IpcError {
    IpcError::internal("the app lock's state is unavailable")
}

fn entries(state: &AppState) -> IpcResult<Vec<ProfileEntry>> {
    let active = state.profiles.active()?.id;
    state
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
                    .credentials
                    .status(&profile)
                    .unwrap_or(CredentialStatus {
                        imp_key_set: false,
                        imp_secret_set: false,
                    })
            };
            Ok(ProfileEntry {
                active: profile.id == active,
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
    let profile = state.profiles.get(&id)?;
    {
        let lock = state.lock.lock().map_err(|_| lock_err())?;
        authorize(&profile, subdesk_profiles::ActionKind::Read, &lock)?;
    }
    state.profiles.set_active(&id)?;
    tracing::info!(profile = %id, mode = profile.mode.as_str(), "profile switched");
    state.open_session(&profile)?;
    Ok(profile)
}

/// Gets the active profile past a database that cannot be opened: its latest backup, or
/// an empty database (keys come back by import, payments by sync). The damaged file is
/// kept beside the new one; the new database's audit log records the recovery.
#[tauri::command]
#[specta::specta]
pub async fn recover_database(state: State<'_, AppState>, how: Recovery) -> IpcResult<()> {
    match state.session() {
        Err(e) if e.code == "db_corrupt" => {}
        _ => {
            return Err(IpcError::new(
                codes::DB_NOT_DAMAGED,
                "the active profile's database opens; there is nothing to recover",
            ));
        }
    }
    let profile = state.active_profile()?;
    tracing::warn!(profile = %profile.id, how = ?how, "recovering a damaged database");
    state.recover_session(&profile, how)?;
    Ok(())
}

/// Adds a test or live profile; its credentials, when given, go straight to the keyring.
#[tauri::command]
#[specta::specta]
pub async fn add_profile(
    state: State<'_, AppState>,
    input: ProfileInput,
    imp_key: Option<String>,
    imp_secret: Option<String>,
) -> IpcResult<Profile> {
    let creds = credentials_input(imp_key, imp_secret)?;
    let profile = state.profiles.add(&input)?;
    if let Some(creds) = creds
        && let Err(e) = state.credentials.save(&profile, &creds)
    {
        // Nothing half-made: a profile whose secret could not be stored is removed again.
        let _ = state.profiles.remove(&profile.id);
        return Err(e.into());
    }
    tracing::info!(profile = %profile.id, mode = profile.mode.as_str(), "profile added");
    Ok(profile)
}

#[tauri::command]
#[specta::specta]
pub async fn update_profile(
    state: State<'_, AppState>,
    id: String,
    input: ProfileInput,
) -> IpcResult<Profile> {
    let profile = state.profiles.update(&id, &input)?;
    if state.active_profile()?.id == id {
        let _ = state.open_session(&profile);
    }
    Ok(profile)
}

/// Removes a profile, its keyring entries and nothing else: its database folder stays on
/// disk so that records are never lost by a click (the README says how to delete it).
#[tauri::command]
#[specta::specta]
pub async fn remove_profile(state: State<'_, AppState>, id: String) -> IpcResult<()> {
    let was_active = state.active_profile()?.id == id;
    let profile = state.profiles.remove(&id)?;
    state.credentials.delete(&profile)?;
    if was_active {
        let active = state.active_profile()?;
        let _ = state.open_session(&active);
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

/// Replaces a profile's credentials in the keyring.
#[tauri::command]
#[specta::specta]
pub async fn save_credentials(
    state: State<'_, AppState>,
    id: String,
    imp_key: String,
    imp_secret: String,
) -> IpcResult<CredentialStatus> {
    let profile = state.profiles.get(&id)?;
    if profile.is_sandbox() {
        return Err(IpcError::from(subdesk_profiles::Error::SandboxProtected {
            what: "the sandbox profile uses the sandbox's own credentials",
        }));
    }
    let creds = credentials_input(Some(imp_key), Some(imp_secret))?
        .ok_or_else(|| IpcError::internal("no credentials"))?;
    state.credentials.save(&profile, &creds)?;
    if state.active_profile()?.id == id {
        let _ = state.open_session(&profile);
    }
    Ok(state.credentials.status(&profile)?)
}

#[tauri::command]
#[specta::specta]
pub async fn credential_status(
    state: State<'_, AppState>,
    id: String,
) -> IpcResult<CredentialStatus> {
    let profile = state.profiles.get(&id)?;
    Ok(state.credentials.status(&profile)?)
}

/// Gets a token and lists the account's PG channels, or says exactly why it failed.
#[tauri::command]
#[specta::specta]
pub async fn test_connection(
    state: State<'_, AppState>,
    id: String,
) -> IpcResult<ConnectionReport> {
    let profile = state.profiles.get(&id)?;
    let url = session::base_url(&profile, &state)?;
    let creds = session::credentials(&profile, &state)?;
    Ok(probe(&url, &creds, profile.tier.as_deref()).await?)
}

#[tauri::command]
#[specta::specta]
pub fn lock_status(state: State<'_, AppState>) -> IpcResult<LockStatus> {
    Ok(state.lock.lock().map_err(|_| lock_err())?.status())
}

#[tauri::command]
#[specta::specta]
pub async fn unlock_app(state: State<'_, AppState>, passphrase: String) -> IpcResult<LockStatus> {
    let mut lock = state.lock.lock().map_err(|_| lock_err())?;
    lock.unlock(&SecretString::from(passphrase))?;
    Ok(lock.status())
}

#[tauri::command]
#[specta::specta]
pub fn lock_app(state: State<'_, AppState>) -> IpcResult<LockStatus> {
    let mut lock = state.lock.lock().map_err(|_| lock_err())?;
    lock.lock()?;
    Ok(lock.status())
}

#[tauri::command]
#[specta::specta]
pub async fn set_passphrase(
    state: State<'_, AppState>,
    passphrase: String,
    current: Option<String>,
) -> IpcResult<LockStatus> {
    let mut lock = state.lock.lock().map_err(|_| lock_err())?;
    let current = current.map(SecretString::from);
    lock.set_passphrase(&SecretString::from(passphrase), current.as_ref())?;
    Ok(lock.status())
}

#[tauri::command]
#[specta::specta]
pub async fn clear_passphrase(
    state: State<'_, AppState>,
    current: String,
) -> IpcResult<LockStatus> {
    let mut lock = state.lock.lock().map_err(|_| lock_err())?;
    lock.clear(&SecretString::from(current))?;
    Ok(lock.status())
}

#[tauri::command]
#[specta::specta]
pub fn set_lock_settings(
    state: State<'_, AppState>,
    settings: LockSettings,
) -> IpcResult<LockStatus> {
    let mut lock = state.lock.lock().map_err(|_| lock_err())?;
    lock.set_settings(settings)?;
    Ok(lock.status())
}
