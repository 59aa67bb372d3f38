//! profiles.json: the list of profiles and which one is active, shared by the app and
//! the CLI. Every call reads the file afresh under the folder's advisory lock, so each
//! process sees the other's changes and no write is lost; nothing is cached.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::backups::{BackupEvery, BackupSettings};
use crate::error::{Error, Result};
use crate::fsutil::{self, DirLock};
use crate::guard::Admin;
use crate::profile::{self, Mode, Profile, ProfileInput, SANDBOX_ID};
use crate::shared::{SharedDirection, SharedSettings};

/// The profiles file's name inside the data folder.
pub const PROFILES_FILE: &str = "profiles.json";
/// The format this build reads and writes. A file with a higher version is refused
/// (never rewritten), so an older app cannot drop fields a newer one added.
pub const FORMAT_VERSION: u64 = 3;
/// Version 2 added the shared store settings, version 3 a desk reading from the shared
/// store. A file is written in the oldest version that holds what it has, so that an older
/// Subdesk still opens it, and one too old for it refuses it as newer instead of calling
/// it damaged.
const FIRST_WITH_SHARED: u64 = 2;
const FIRST_WITH_READING: u64 = 3;

/// The file as stored. Unknown fields are refused rather than ignored: a misspelt
/// `"readonly": true` in a hand-edited file must not silently leave a profile
/// writable.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfilesFile {
    version: u64,
    active: String,
    profiles: Vec<Profile>,
    /// Ids of removed profiles. Never handed out again, because a data folder (and
    /// keyring entries) may still exist under them.
    #[serde(default)]
    retired_ids: Vec<String>,
    /// Each profile's backup settings, by id; a profile without an entry has the defaults
    /// (no folder, no schedule).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    backups: std::collections::BTreeMap<String, BackupSettings>,
    /// Each profile's shared store settings, by id; a profile without an entry has none.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    shared: std::collections::BTreeMap<String, SharedSettings>,
}

impl ProfilesFile {
    fn fresh() -> Self {
        ProfilesFile {
            // The oldest format that holds what it has (see FIRST_WITH_SHARED).
            version: 1,
            active: SANDBOX_ID.to_owned(),
            profiles: vec![Profile::sandbox(fsutil::now_unix())],
            retired_ids: Vec::new(),
            backups: Default::default(),
            shared: Default::default(),
        }
    }

    fn find(&self, id: &str) -> Result<&Profile> {
        self.profiles
            .iter()
            .find(|p| p.id == id)
            .ok_or_else(|| Error::ProfileNotFound { id: id.to_owned() })
    }

    fn check_name_free(&self, name: &str, except_id: Option<&str>) -> Result<()> {
        let clash = self
            .profiles
            .iter()
            .any(|p| Some(p.id.as_str()) != except_id && profile::same_name(&p.name, name));
        if clash {
            Err(Error::DuplicateName {
                name: name.to_owned(),
            })
        } else {
            Ok(())
        }
    }
}

/// Why a file could not be used.
enum ReadError {
    /// Not valid: may be reset by an explicit request.
    Corrupt(String),
    /// Anything else (I/O, newer version): never reset.
    Other(Error),
}

/// The profiles of one data folder.
#[derive(Debug, Clone)]
pub struct ProfileStore {
    dir: PathBuf,
    path: PathBuf,
}

impl ProfileStore {
    /// Opens (creating the folder and file if needed) the profiles of `dir`. A new file
    /// holds the sandbox profile, active. An existing file that is not valid gives
    /// [`Error::ProfilesCorrupt`] and is left untouched; see [`ProfileStore::reset_corrupt`].
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self> {
        let dir = dir.into();
        fsutil::ensure_dir(&dir)?;
        let store = ProfileStore {
            path: dir.join(PROFILES_FILE),
            dir,
        };
        let _lock = DirLock::exclusive(&store.dir)?;
        match store.read_unlocked()? {
            Some(_) => {}
            None => store.write_unlocked(&ProfilesFile::fresh())?,
        }
        Ok(store)
    }

    /// The explicit way out of a damaged profiles.json: if the file is corrupt, moves it
    /// to `profiles.json.corrupt-<unix time>` and starts a fresh file with only the
    /// sandbox profile; returns where the damaged file went. Does nothing (returns
    /// `None`) if the file is missing or fine. A file from a newer version, or one that
    /// cannot be read at all, is not touched (the error is returned).
    pub fn reset_corrupt(dir: impl AsRef<Path>) -> Result<Option<PathBuf>> {
        let dir = dir.as_ref();
        fsutil::ensure_dir(dir)?;
        let path = dir.join(PROFILES_FILE);
        let _lock = DirLock::exclusive(dir)?;
        let Some(bytes) = fsutil::read_optional(&path)? else {
            return Ok(None);
        };
        match parse(&path, &bytes) {
            Ok(_) => Ok(None),
            Err(ReadError::Other(e)) => Err(e),
            Err(ReadError::Corrupt(reason)) => {
                let backup = fsutil::corrupt_backup_path(&path);
                std::fs::rename(&path, &backup).map_err(|e| Error::io("rename", &path, e))?;
                tracing::warn!(backup = %backup.display(), %reason, "damaged profiles file set aside at the user's request");
                fsutil::write_atomic(&path, &to_bytes(&ProfilesFile::fresh())?)?;
                Ok(Some(backup))
            }
        }
    }

    /// The data folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The profiles.json path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every profile, the sandbox first, then in order of creation.
    pub fn list(&self) -> Result<Vec<Profile>> {
        Ok(self.read()?.profiles)
    }

    /// One profile.
    pub fn get(&self, id: &str) -> Result<Profile> {
        self.read()?.find(id).cloned()
    }

    /// Creates a test or live profile; its id is a new slug of the name. An admin action
    /// (see [`crate::authorize_admin`]), with the role rules of [`Admin`].
    pub fn add(&self, input: &ProfileInput, admin: &Admin) -> Result<Profile> {
        let n = input.normalize()?;
        if n.mode == Mode::Sandbox {
            return Err(Error::InvalidMode {
                reason: "only the built-in profile is a sandbox; choose test or live".into(),
            });
        }
        admin.check_role_change(None, n.read_only)?;
        self.modify(|file| {
            file.check_name_free(&n.name, None)?;
            let id = profile::new_id(&n.name, |id| {
                id == SANDBOX_ID
                    || file.profiles.iter().any(|p| p.id == id)
                    || file.retired_ids.iter().any(|r| r == id)
            });
            let p = Profile {
                id,
                name: n.name.clone(),
                mode: n.mode,
                base_url: n.base_url.clone(),
                tier: n.tier.clone(),
                default_pg: n.default_pg.clone(),
                time_zone: n.time_zone.clone(),
                read_only: n.read_only,
                created_at: fsutil::now_unix(),
            };
            file.profiles.push(p.clone());
            Ok(p)
        })
    }

    /// Replaces a profile's editable fields. The id, mode and creation time never change:
    /// a test profile's data must not become a live profile's data (make a new profile).
    /// An admin action; the role change is checked against the profile as it is in the
    /// file, under the file's lock, so no other writer slips in between.
    pub fn update(&self, id: &str, input: &ProfileInput, admin: &Admin) -> Result<Profile> {
        let n = input.normalize()?;
        self.modify(|file| {
            let current = file.find(id)?;
            admin.check_role_change(Some(current), n.read_only)?;
            if current.mode != n.mode {
                return Err(if current.is_sandbox() || n.mode == Mode::Sandbox {
                    Error::SandboxProtected {
                        what: "keeps its sandbox mode, and no other profile can become a sandbox",
                    }
                } else {
                    Error::InvalidMode {
                        reason: "a profile's mode cannot change; create a new profile instead"
                            .into(),
                    }
                });
            }
            file.check_name_free(&n.name, Some(id))?;
            let slot = file
                .profiles
                .iter_mut()
                .find(|p| p.id == id)
                .ok_or_else(|| Error::ProfileNotFound { id: id.to_owned() })?;
            slot.name = n.name.clone();
            slot.base_url = n.base_url.clone();
            slot.tier = n.tier.clone();
            slot.default_pg = n.default_pg.clone();
            slot.time_zone = n.time_zone.clone();
            slot.read_only = n.read_only;
            let updated = slot.clone();
            // A desk that makes changes never has its store replaced by the server's: with
            // the role lifted it stops reading from the shared store (keeping the copy it
            // has) and copies nothing into it until someone chooses so.
            if !updated.read_only
                && let Some(shared) = file.shared.get_mut(id)
                && shared.direction == SharedDirection::FromServer
            {
                shared.direction = SharedDirection::ToServer;
                shared.every = BackupEvery::Off;
            }
            Ok(updated)
        })
    }

    /// Removes a profile (not the sandbox) and returns it. If it was active, the sandbox
    /// becomes active. Its id is retired. Its data folder and keyring entries are the
    /// caller's to delete (see [`crate::CredentialStore::delete`]). An admin action.
    pub fn remove(&self, id: &str, _admin: &Admin) -> Result<Profile> {
        self.modify(|file| {
            let current = file.find(id)?;
            if current.is_sandbox() {
                return Err(Error::SandboxProtected {
                    what: "cannot be removed",
                });
            }
            let pos = file
                .profiles
                .iter()
                .position(|p| p.id == id)
                .ok_or_else(|| Error::ProfileNotFound { id: id.to_owned() })?;
            let removed = file.profiles.remove(pos);
            file.backups.remove(&removed.id);
            file.shared.remove(&removed.id);
            file.retired_ids.push(removed.id.clone());
            if file.active == removed.id {
                file.active = SANDBOX_ID.to_owned();
            }
            Ok(removed)
        })
    }

    /// The active profile.
    pub fn active(&self) -> Result<Profile> {
        let file = self.read()?;
        file.find(&file.active).cloned()
    }

    /// Makes a profile active. Whether the user may open it (the app lock guards live
    /// profiles) is [`crate::authorize`]'s question, asked by the caller first.
    pub fn set_active(&self, id: &str) -> Result<Profile> {
        self.modify(|file| {
            let p = file.find(id)?.clone();
            file.active = p.id.clone();
            Ok(p)
        })
    }

    /// A profile's backup settings (the defaults when none were saved).
    pub fn backup_settings(&self, id: &str) -> Result<BackupSettings> {
        let file = self.read()?;
        file.find(id)?;
        Ok(file.backups.get(id).cloned().unwrap_or_default())
    }

    /// Checks and saves a profile's backup settings; returns them as saved. Whether the
    /// user may change them now is the caller's question (the profile's role and lock).
    pub fn set_backup_settings(
        &self,
        id: &str,
        settings: &BackupSettings,
    ) -> Result<BackupSettings> {
        let normal = settings.normalize()?;
        self.modify(|file| {
            file.find(id)?;
            file.backups.insert(id.to_owned(), normal.clone());
            Ok(normal)
        })
    }

    /// A profile's shared store settings (none saved: no address, no schedule).
    pub fn shared_settings(&self, id: &str) -> Result<SharedSettings> {
        let file = self.read()?;
        file.find(id)?;
        Ok(file.shared.get(id).cloned().unwrap_or_default())
    }

    /// Checks and saves a profile's shared store settings; returns them as saved. Whether
    /// the user may change a writable profile's settings now is the caller's question; a
    /// read-only profile's are an admin's change (`admin`, with the passphrase typed),
    /// since they say which server's data the desk shows. Only a read-only profile may read from
    /// the server: a refresh replaces its store, and a writable one would lose its work.
    pub fn set_shared_settings(
        &self,
        id: &str,
        settings: &SharedSettings,
        admin: Option<&Admin>,
    ) -> Result<SharedSettings> {
        let normal = settings.normalize()?;
        self.modify(|file| {
            let profile = file.find(id)?;
            if profile.read_only {
                check_reading_desk_change(profile, admin)?;
            } else if normal.reads_from_server() {
                return Err(Error::InvalidSharedSettings {
                    field: "direction",
                    reason: "only a read-only profile shows the shared store's copy: make this profile read-only first".into(),
                });
            }
            if normal == SharedSettings::default() {
                file.shared.remove(id);
            } else {
                file.shared.insert(id.to_owned(), normal.clone());
            }
            Ok(normal)
        })
    }

    fn read(&self) -> Result<ProfilesFile> {
        let _lock = DirLock::shared(&self.dir)?;
        // A file deleted behind our back reads as a fresh one; the next write recreates it.
        Ok(self.read_unlocked()?.unwrap_or_else(ProfilesFile::fresh))
    }

    /// Read, change, write, all under the exclusive lock. If `change` fails nothing is
    /// written.
    fn modify<T>(&self, change: impl FnOnce(&mut ProfilesFile) -> Result<T>) -> Result<T> {
        let _lock = DirLock::exclusive(&self.dir)?;
        let mut file = self.read_unlocked()?.unwrap_or_else(ProfilesFile::fresh);
        let out = change(&mut file)?;
        if !file.shared.is_empty() {
            file.version = file.version.max(FIRST_WITH_SHARED);
        }
        if file
            .shared
            .values()
            .any(|s| s.direction == SharedDirection::FromServer)
        {
            file.version = file.version.max(FIRST_WITH_READING);
        }
        self.write_unlocked(&file)?;
        Ok(out)
    }

    fn read_unlocked(&self) -> Result<Option<ProfilesFile>> {
        let Some(bytes) = fsutil::read_optional(&self.path)? else {
            return Ok(None);
        };
        match parse(&self.path, &bytes) {
            Ok(f) => Ok(Some(f)),
            Err(ReadError::Other(e)) => Err(e),
            Err(ReadError::Corrupt(reason)) => Err(Error::ProfilesCorrupt {
                path: self.path.clone(),
                reason,
            }),
        }
    }

    fn write_unlocked(&self, file: &ProfilesFile) -> Result<()> {
        fsutil::write_atomic(&self.path, &to_bytes(file)?)
    }
}

/// A read-only profile's shared store settings change only as an admin's change, with the
/// passphrase typed.
pub fn check_reading_desk_change(profile: &Profile, admin: Option<&Admin>) -> Result<()> {
    match admin {
        Some(a) => a.check_read_only_change("change a read-only profile's shared store"),
        None => Err(Error::ReadOnly {
            profile_id: profile.id.clone(),
            action: "mutate",
        }),
    }
}

fn to_bytes(file: &ProfilesFile) -> Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(file)
        .map_err(|e| Error::io("encode", PROFILES_FILE, std::io::Error::other(e)))?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Parses and checks a profiles file. The sandbox profile is put back if a hand edit
/// removed it, and a dangling `active` falls back to the sandbox: both are harmless
/// repairs. Anything else that breaks a rule makes the file corrupt.
fn parse(path: &Path, bytes: &[u8]) -> std::result::Result<ProfilesFile, ReadError> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| ReadError::Corrupt(format!("not JSON: {e}")))?;
    let version = value
        .get("version")
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| ReadError::Corrupt("no format version".into()))?;
    if version > FORMAT_VERSION {
        return Err(ReadError::Other(Error::UnsupportedVersion {
            path: path.to_owned(),
            found: version,
            supported: FORMAT_VERSION,
        }));
    }
    let mut file: ProfilesFile =
        serde_json::from_value(value).map_err(|e| ReadError::Corrupt(e.to_string()))?;
    for (id, b) in &file.backups {
        if b.normalize().ok().as_ref() != Some(b) {
            return Err(ReadError::Corrupt(format!(
                "the backup settings of \"{id}\" are not valid"
            )));
        }
    }
    for (id, s) in &file.shared {
        if s.normalize().ok().as_ref() != Some(s) {
            return Err(ReadError::Corrupt(format!(
                "the shared store settings of \"{id}\" are not valid"
            )));
        }
        // A hand edit must not make a writable desk's store the server's to replace.
        let read_only = file.profiles.iter().any(|p| &p.id == id && p.read_only);
        if s.reads_from_server() && !read_only {
            return Err(ReadError::Corrupt(format!(
                "\"{id}\" reads from the shared store but is not read-only"
            )));
        }
    }
    for (i, p) in file.profiles.iter().enumerate() {
        p.check().map_err(ReadError::Corrupt)?;
        let earlier = &file.profiles[..i];
        if earlier.iter().any(|q| q.id == p.id) {
            return Err(ReadError::Corrupt(format!(
                "profile id \"{}\" appears twice",
                p.id
            )));
        }
        if earlier.iter().any(|q| profile::same_name(&q.name, &p.name)) {
            return Err(ReadError::Corrupt(format!(
                "profile name \"{}\" appears twice",
                p.name
            )));
        }
    }
    if !file.profiles.iter().any(Profile::is_sandbox) {
        let mut sandbox = Profile::sandbox(fsutil::now_unix());
        if file
            .profiles
            .iter()
            .any(|p| profile::same_name(&p.name, &sandbox.name))
        {
            sandbox.name = "Sandbox (built-in)".to_owned();
        }
        file.profiles.insert(0, sandbox);
    }
    if !file.profiles.iter().any(|p| p.id == file.active) {
        file.active = SANDBOX_ID.to_owned();
    }
    Ok(file)
}
