//! The security boundary for IPC: every command is tagged here with what it touches, and
//! the invoke handler checks that in Rust before the command runs ([`admit`]). A command
//! missing from this table is refused, and tests compare the table with the command
//! registry, so a new command cannot slip past the check.
//!
//! What is checked is what the command will act on, never merely "the active profile":
//! the session's own profile for commands on the session, the profile a command names for
//! commands that take a profile id, and the app lock alone for admin commands (changing a
//! live profile from the never-locked sandbox is still changing the live profile).

use subdesk_profiles::ActionKind;

use crate::error::{IpcError, IpcResult};
use crate::state::AppState;
use subdesk_codes::ErrorCode;

/// What a command touches, and so what is checked before it runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Touches {
    /// No profile's data: the shell's preferences and what the lock screen needs (the
    /// profile list, the lock's state, unlocking). Passes the lock, so a locked app can
    /// always be unlocked.
    Nothing,
    /// The session's profile (its database and account), to do this kind of action.
    Session(ActionKind),
    /// The profile named by the command's `id` argument, to do this kind of action.
    Named(ActionKind),
    /// Profiles, their credentials and roles, or the lock itself: behind the app lock
    /// whenever a passphrase is set, whatever profile is active.
    Admin,
}

use ActionKind::{MoveMoney, Mutate, Read};
use Touches::{Admin, Named, Nothing, Session};

/// Every IPC command and what it touches.
pub const COMMANDS: &[(&str, Touches)] = &[
    // The shell. Language and time zone are this machine's display preferences, not
    // merchant data: a read-only clerk, and the lock screen, may change them.
    ("app_status", Nothing),
    ("get_settings", Nothing),
    ("set_language", Nothing),
    // Opens only documentation and PG receipt addresses (see links.rs).
    ("open_external", Nothing),
    // Writes one log line with a start-up time; reads and changes nothing.
    ("ui_ready", Nothing),
    // Profiles and the log's tail: the session's business.
    ("diagnostics", Session(Read)),
    // The registry, read. Refreshing and verifying mirror PortOne into the local cache and
    // change nothing at PortOne, so finance staff may do them.
    ("overview", Session(Read)),
    ("dashboard", Session(Read)),
    // A backup copies the local database and changes nothing in it but its audit log.
    ("list_backups", Session(Read)),
    ("backup_now", Session(Read)),
    // Backups to the folder the user chose: the same copy, elsewhere. Choosing the
    // folder and the schedule changes the profile's settings; a restore replaces the
    // registry.
    ("backup_setup", Session(Read)),
    ("backup_to_folder_now", Session(Read)),
    ("list_folder_backups", Session(Read)),
    ("choose_backup_folder", Session(Mutate)),
    ("set_backup_schedule", Session(Mutate)),
    ("restore_folder_backup", Session(Mutate)),
    // Sends the whole registry to a server and audits it: a read-only desk may not.
    ("copy_to_shared_store", Session(Mutate)),
    ("shared_store_setup", Session(Read)),
    // A writable desk's settings are a change (the command asks Mutate); a read-only
    // desk's — which server it shows — an admin's, with the passphrase typed (the
    // command asks it, and profiles.json's store checks it again).
    ("save_shared_store_settings", Session(Read)),
    // Replaces a reading desk's own copy of the server with the server's; refused for
    // any other desk. Writes nothing anywhere else.
    ("refresh_from_shared_store", Session(Read)),
    // Stopping a copy only ever leaves the server as it was.
    ("stop_shared_copy", Session(Read)),
    // Looking at what a restore from the server would bring is its first step; the
    // restore replaces the registry.
    ("inspect_shared_store", Session(Mutate)),
    ("restore_from_shared_store", Session(Mutate)),
    // Removes a file the app fetched for a confirmation; changes nothing else.
    ("forget_shared_inspection", Session(Read)),
    ("list_customers", Session(Read)),
    ("customer_tags", Session(Read)),
    ("customer_detail", Session(Read)),
    ("refresh_customer", Session(Read)),
    ("list_payments", Session(Read)),
    ("payment_totals", Session(Read)),
    ("payment_window", Session(Read)),
    ("open_payment_window", Session(Read)),
    ("list_payments_at", Session(Read)),
    ("payment_facets", Session(Read)),
    // Calendar arithmetic on the clock and a zone: no profile data, but only the payment
    // filters ask it, so it waits behind the lock like them.
    ("date_range", Session(Read)),
    ("day_range", Session(Read)),
    ("list_schedules", Session(Read)),
    // The schedules list's figures, its PGs, a month's calendar and the forecast: reads.
    ("schedule_totals", Session(Read)),
    ("schedule_pgs", Session(Read)),
    ("schedule_calendar", Session(Read)),
    ("schedule_forecast", Session(Read)),
    ("schedule_detail", Session(Read)),
    // Asks i'mport what a key still has waiting; changes nothing.
    ("key_live_schedules", Session(Read)),
    ("search", Session(Read)),
    // Exports: the save dialog opens from Rust, the file is one the person chose; "open
    // folder" shows only the file Rust wrote last.
    ("export_list", Session(Read)),
    ("stop_export", Session(Read)),
    ("reveal_export", Session(Read)),
    ("key_form", Session(Read)),
    ("new_customer_uid", Session(Read)),
    ("customer_uid_problem", Session(Read)),
    // What a key's charge needs (KSNET's kind of goods): a read.
    ("charge_needs", Session(Read)),
    ("audit_log", Session(Read)),
    ("sandbox_clock", Session(Read)),
    ("settlement_report", Session(Read)),
    ("export_settlement", Session(Read)),
    ("advance_sandbox_clock", Session(Mutate)),
    // The sandbox's practice payment window, opened in the browser: the app's data is
    // not touched (the key is adopted later through Import).
    ("open_practice_window", Session(Read)),
    ("verify_audit", Session(Read)),
    ("verify_keys_now", Session(Read)),
    ("plan_import", Session(Read)),
    // Opens the file dialog and plans the import: reads the chosen file, writes nothing.
    ("pick_import_file", Session(Read)),
    ("sandbox_test_cards", Session(Read)),
    ("pg_channels", Session(Read)),
    ("sync_now", Session(Read)),
    ("stop_sync", Session(Read)),
    // The registry, changed.
    ("set_customer_notes", Session(Mutate)),
    ("set_customer_tags", Session(Mutate)),
    ("issue_key", Session(Mutate)),
    ("delete_key", Session(Mutate)),
    ("apply_import", Session(Mutate)),
    // Replacing the local database (from a backup or empty) changes the registry.
    ("recover_database", Session(Mutate)),
    // Money.
    ("charge_now", Session(MoveMoney)),
    // A failed payment charged again: the same order when Subdesk sent it.
    ("retry_failed", Session(MoveMoney)),
    ("issue_key_with_charge", Session(MoveMoney)),
    ("refund_payment", Session(MoveMoney)),
    // Schedules are future charges: registering, moving, revoking, retrying and
    // rescheduling them is money.
    ("register_schedule", Session(MoveMoney)),
    ("move_schedule", Session(MoveMoney)),
    ("revoke_schedules", Session(MoveMoney)),
    ("retry_schedule", Session(MoveMoney)),
    ("reschedule_schedule", Session(MoveMoney)),
    // The triage queue: a retry charges the same order again (money); marking an entry
    // resolved is a record; looking it up at i'mport sends no money, as reconciling.
    ("triage_retry", Session(MoveMoney)),
    ("triage_resolve", Session(Mutate)),
    ("triage_list", Session(Read)),
    ("triage_count", Session(Read)),
    ("triage_check", Session(Read)),
    // Plans: the form's limits, the list, a plan's page and a customer's subscriptions
    // are reads; the engine's status is what the status bar shows.
    ("plan_rules", Session(Read)),
    ("list_plans", Session(Read)),
    ("plan_detail", Session(Read)),
    ("subscribe_preview", Session(Read)),
    ("subscribe_many_preview", Session(Read)),
    // Choosing a subscribe-many's CSV reads a file and previews it: nothing written.
    ("pick_subscribe_csv", Session(Read)),
    ("customer_subscriptions", Session(Read)),
    ("plan_engine_status", Session(Read)),
    ("compare_period", Session(Read)),
    ("refresh_status", Session(Read)),
    // Bulk runs: the list and a run's page are reads; a dry run (a chosen CSV or a plan's
    // period) only plans and stores the run, sending nothing, as the CLI's dry run is a
    // read. Starting, pausing and cancelling a run is money.
    ("list_runs", Session(Read)),
    ("run_detail", Session(Read)),
    ("pick_run_file", Session(Read)),
    ("plan_run_for_plan", Session(Read)),
    ("start_run", Session(MoveMoney)),
    ("pause_run", Session(MoveMoney)),
    ("cancel_run", Session(MoveMoney)),
    // A plan is a record here until someone subscribes: creating, editing and archiving
    // one changes the registry, not money.
    ("create_plan", Session(Mutate)),
    ("update_plan", Session(Mutate)),
    ("archive_plan", Session(Mutate)),
    // Subscribing, pausing, resuming and cancelling register or revoke future charges,
    // and running the engine charges: money.
    ("subscribe_customer", Session(MoveMoney)),
    ("subscribe_many", Session(MoveMoney)),
    ("subscribe_picked_csv", Session(MoveMoney)),
    ("pause_subscription", Session(MoveMoney)),
    ("resume_subscription", Session(MoveMoney)),
    ("cancel_subscription", Session(MoveMoney)),
    ("run_plan_engine", Session(MoveMoney)),
    // An order id for a charge form: nothing is written or sent.
    ("new_order_id", Session(Read)),
    // What a form checks and shows before money moves: the core's limits, and what a
    // charge or refund would do (the customer, card, total, VAT), nothing sent.
    ("money_rules", Session(Read)),
    ("read_amounts", Session(Read)),
    ("charge_preview", Session(Read)),
    ("retry_preview", Session(Read)),
    ("refund_preview", Session(Read)),
    // Reads i'mport's balance of a payment: nothing is sent that moves money.
    ("refund_split", Session(Read)),
    ("schedule_preview", Session(Read)),
    ("schedule_again_preview", Session(Read)),
    // A person decides what a payment under our order id was: the record of money.
    ("decide_conflict", Session(MoveMoney)),
    ("payment_detail", Session(Read)),
    ("journal", Session(Read)),
    // Reconciling only looks requests up and records what happened; it sends no money.
    ("reconcile_now", Session(Read)),
    // Profiles. The list is what the lock screen offers (the sandbox is always open).
    ("list_profiles", Nothing),
    // Switching opens the named profile: a read of it (the lock guards live profiles).
    ("switch_profile", Named(Read)),
    ("credential_status", Named(Read)),
    // Sends the named profile's secret to its address.
    ("test_connection", Named(Read)),
    ("add_profile", Admin),
    ("update_profile", Admin),
    ("remove_profile", Admin),
    ("save_credentials", Admin),
    // The lock. Its state and unlocking are the lock screen; locking is always allowed.
    ("lock_status", Nothing),
    ("unlock_app", Nothing),
    ("lock_app", Nothing),
    ("set_passphrase", Admin),
    ("clear_passphrase", Admin),
    ("set_lock_settings", Admin),
];

/// What `command` touches, if it is registered.
pub fn touches(command: &str) -> Option<Touches> {
    COMMANDS
        .iter()
        .find(|(name, _)| *name == command)
        .map(|(_, touches)| *touches)
}

/// May `command`, naming the profile `named_profile` (its `id` argument, if any), run
/// now? Unknown commands are refused. First the session follows profiles.json and lock.json (another process may
/// have switched the active profile or changed the lock), so the command is checked
/// against, and runs on, the profile the files name.
pub fn admit(state: &AppState, command: &str, named_profile: Option<&str>) -> IpcResult<()> {
    let Some(touches) = touches(command) else {
        return Err(IpcError::new(
            ErrorCode::CommandNotAllowed,
            format!("the command {command:?} is not in Subdesk's registry"),
        ));
    };
    let refreshed = state.desk.refresh();
    match touches {
        // The lock screen and the shell work even when the files cannot be read (the
        // status then says why).
        Nothing => Ok(()),
        Session(kind) => {
            refreshed?;
            state.desk.authorize(&state.desk.session_profile()?, kind)
        }
        Named(kind) => {
            refreshed?;
            let id = named_profile.ok_or_else(|| {
                IpcError::new(
                    ErrorCode::CommandNotAllowed,
                    format!("{command} names no profile"),
                )
            })?;
            state.desk.authorize(&state.desk.profiles.get(id)?, kind)
        }
        Admin => {
            refreshed?;
            state.desk.admin(None).map(|_| ())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each registered command with its parameter names, from the generated bindings
    /// (the registry itself): `updateProfile: (id: string, input: ProfileInput) =>
    /// __TAURI_INVOKE<Profile>("update_profile", { id, input })`.
    fn registry() -> Vec<(String, Vec<String>)> {
        let bindings = crate::bindings::render().expect("render bindings");
        bindings
            .lines()
            .filter(|l| l.contains("__TAURI_INVOKE<"))
            .filter_map(|line| {
                let name = line.split("(\"").nth(1)?.split('"').next()?.to_owned();
                let params = line.split(": (").nth(1)?.split(')').next()?;
                let params = params
                    .split(", ")
                    .filter_map(|p| p.split(':').next())
                    .map(|p| p.trim().to_owned())
                    .filter(|p| !p.is_empty())
                    .collect();
                Some((name, params))
            })
            .collect()
    }

    #[test]
    fn every_registered_command_is_tagged_and_nothing_else_is() {
        let mut registered: Vec<String> = registry().into_iter().map(|(n, _)| n).collect();
        registered.sort();
        let mut tagged: Vec<String> = COMMANDS.iter().map(|(n, _)| (*n).to_owned()).collect();
        tagged.sort();
        assert!(registered.len() > 20, "found {registered:?}");
        assert_eq!(registered, tagged);
    }

    /// A command that takes a profile id touches that profile: it is checked against it
    /// (or is an admin command), never against the session's.
    #[test]
    fn every_command_naming_a_profile_is_checked_against_it() {
        let registry = registry();
        let mut named = 0;
        for (command, params) in &registry {
            let takes_id = params.iter().any(|p| p == "id");
            match touches(command) {
                Some(Named(_)) => {
                    assert!(takes_id, "{command} is Named but takes no `id`");
                    named += 1;
                }
                Some(Admin) => {}
                other => assert!(!takes_id, "{command} takes a profile id but is {other:?}"),
            }
        }
        assert!(named >= 3, "{registry:?}");
    }

    /// What passes a locked app is short and named here, so adding to it is a visible
    /// decision: the lock screen's needs and the shell's preferences.
    #[test]
    fn only_the_lock_screen_and_preferences_pass_the_lock_unchecked() {
        let mut nothing: Vec<&str> = COMMANDS
            .iter()
            .filter(|(_, t)| *t == Nothing)
            .map(|(n, _)| *n)
            .collect();
        nothing.sort_unstable();
        assert_eq!(
            nothing,
            [
                "app_status",
                "get_settings",
                "list_profiles",
                "lock_app",
                "lock_status",
                "open_external",
                "set_language",
                "ui_ready",
                "unlock_app",
            ]
        );
        // Everything that changes a profile, its keys or the lock is admin.
        for command in [
            "add_profile",
            "update_profile",
            "remove_profile",
            "save_credentials",
            "set_passphrase",
            "clear_passphrase",
            "set_lock_settings",
        ] {
            assert_eq!(touches(command), Some(Admin), "{command}");
        }
    }
}
