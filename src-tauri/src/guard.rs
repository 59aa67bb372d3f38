//! The security boundary for IPC: every command is tagged here with what it does, and the
//! invoke handler checks the active profile's role and the app lock in Rust before the
//! command runs. A command missing from this table is refused, and a test compares the table
//! with the command registry, so a new command cannot slip past the check.

use subdesk_profiles::{ActionKind, AppLock, Profile, authorize};

use crate::error::{IpcError, codes};

/// Every IPC command and what it does.
pub const COMMANDS: &[(&str, ActionKind)] = &[
    // The shell. Language and time zone are this machine's display preferences, not
    // merchant data, so a read-only clerk may change them.
    ("app_status", ActionKind::Read),
    ("get_settings", ActionKind::Read),
    ("set_language", ActionKind::Read),
    ("set_time_zone", ActionKind::Read),
    ("open_external", ActionKind::Read),
    ("diagnostics", ActionKind::Read),
    // The registry, read. Refreshing and verifying mirror PortOne into the local cache and
    // change nothing at PortOne, so finance staff may do them.
    ("overview", ActionKind::Read),
    // A backup copies the local database and changes nothing in it but its audit log.
    ("list_backups", ActionKind::Read),
    ("backup_now", ActionKind::Read),
    ("list_customers", ActionKind::Read),
    ("customer_tags", ActionKind::Read),
    ("customer_detail", ActionKind::Read),
    ("refresh_customer", ActionKind::Read),
    ("list_payments", ActionKind::Read),
    ("list_schedules", ActionKind::Read),
    ("search", ActionKind::Read),
    ("export_payments", ActionKind::Read),
    ("key_form", ActionKind::Read),
    ("new_customer_uid", ActionKind::Read),
    ("verify_keys_now", ActionKind::Read),
    ("plan_import", ActionKind::Read),
    ("sandbox_test_cards", ActionKind::Read),
    ("pg_channels", ActionKind::Read),
    ("sync_now", ActionKind::Read),
    ("stop_sync", ActionKind::Read),
    // The registry, changed.
    ("set_customer_notes", ActionKind::Mutate),
    ("set_customer_tags", ActionKind::Mutate),
    ("issue_key", ActionKind::Mutate),
    ("delete_key", ActionKind::Mutate),
    ("apply_import", ActionKind::Mutate),
    // Money.
    ("charge_now", ActionKind::MoveMoney),
    ("issue_key_with_charge", ActionKind::MoveMoney),
    ("refund_payment", ActionKind::MoveMoney),
    ("payment_detail", ActionKind::Read),
    ("journal", ActionKind::Read),
    // Reconciling only looks requests up and records what happened; it sends no money.
    ("reconcile_now", ActionKind::Read),
    // Profiles and the lock. Switching is a read of the target profile (the lock decides
    // whether a live profile may be opened); changing profiles or the lock is a mutation.
    ("list_profiles", ActionKind::Read),
    ("switch_profile", ActionKind::Read),
    // Replacing the local database (from a backup or empty) changes the registry.
    ("recover_database", ActionKind::Mutate),
    ("credential_status", ActionKind::Read),
    ("test_connection", ActionKind::Read),
    ("add_profile", ActionKind::Mutate),
    ("update_profile", ActionKind::Mutate),
    ("remove_profile", ActionKind::Mutate),
    ("save_credentials", ActionKind::Mutate),
    ("lock_status", ActionKind::Read),
    ("unlock_app", ActionKind::Read),
    ("lock_app", ActionKind::Read),
    ("set_passphrase", ActionKind::Mutate),
    ("clear_passphrase", ActionKind::Mutate),
    ("set_lock_settings", ActionKind::Mutate),
];

pub fn action_of(command: &str) -> Option<ActionKind> {
    COMMANDS
        .iter()
        .find(|(name, _)| *name == command)
        .map(|(_, kind)| *kind)
}

/// May `command` run now on `profile`? Unknown commands are refused.
pub fn check(command: &str, profile: &Profile, lock: &AppLock) -> Result<(), IpcError> {
    let Some(kind) = action_of(command) else {
        return Err(IpcError::new(
            codes::COMMAND_NOT_ALLOWED,
            format!("the command {command:?} is not in Subdesk's registry"),
        ));
    };
    authorize(profile, kind, lock).map_err(IpcError::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use subdesk_profiles::Mode;

    fn registry_commands() -> Vec<String> {
        // The names the generated bindings invoke: the command registry itself.
        let bindings = crate::bindings::render().expect("render bindings");
        bindings
            .split("__TAURI_INVOKE<")
            .skip(1)
            .filter_map(|chunk| chunk.split("(\"").nth(1))
            .filter_map(|rest| rest.split('"').next())
            .map(str::to_owned)
            .collect()
    }

    fn profile(read_only: bool) -> Profile {
        let mut p = Profile::sandbox(0);
        p.read_only = read_only;
        p
    }

    #[test]
    fn every_registered_command_is_tagged_and_nothing_else_is() {
        let mut registered = registry_commands();
        registered.sort();
        let mut tagged: Vec<String> = COMMANDS.iter().map(|(n, _)| (*n).to_owned()).collect();
        tagged.sort();
        assert!(registered.len() > 20, "found {registered:?}");
        assert_eq!(registered, tagged);
    }

    #[test]
    fn read_only_refuses_every_mutating_command_and_allows_every_read() {
        let lock = AppLock::disabled();
        let finance = profile(true);
        let mut refused = 0;
        for command in registry_commands() {
            let kind = action_of(&command).expect("tagged");
            let result = check(&command, &finance, &lock);
            if kind == ActionKind::Read {
                assert!(result.is_ok(), "{command} should be allowed: {result:?}");
            } else {
                let err = result.expect_err(&command);
                assert_eq!(err.code, "read_only", "{command}");
                refused += 1;
            }
            assert!(check(&command, &profile(false), &lock).is_ok(), "{command}");
        }
        assert!(refused >= 10, "only {refused} mutating commands");
    }

    #[test]
    fn unknown_commands_are_refused() {
        let err =
            check("drop_everything", &profile(false), &AppLock::disabled()).expect_err("refused");
        assert_eq!(err.code, codes::COMMAND_NOT_ALLOWED);
    }

    #[test]
    fn a_locked_app_guards_a_live_profile() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut lock = AppLock::open(dir.path()).expect("lock");
        lock.set_passphrase(&"correct horse".to_owned().into(), None)
            .expect("set");
        lock.lock().expect("lock");
        let mut live = profile(false);
        live.mode = Mode::Live;
        let err = check("issue_key", &live, &lock).expect_err("locked");
        assert_eq!(err.code, "app_locked");
        // The sandbox is never behind the lock.
        assert!(check("issue_key", &profile(false), &lock).is_ok());
    }
}
