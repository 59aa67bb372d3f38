//! The invoke guard against a real app state (profiles.json, lock.json, the keyring, the
//! built-in sandbox), without a window: what a command touches is what is checked, the
//! session follows profiles.json when another process changes it, and a locked app can
//! always be unlocked.
//!
//! The keyring parts need a Secret Service (`make test` runs these under gnome-keyring on
//! a private D-Bus); credentials go to a private service name and are removed again.

use serde_json::{Value, json};
use subdesk_codes::ErrorCode;
use subdesk_lib::guard::{COMMANDS, Touches, admit};
use subdesk_lib::logging::Redactor;
use subdesk_lib::state::{AppState, Paths};
use subdesk_profiles::{
    ActionKind, AppLock, CredentialStore, Credentials, Mode, Profile, ProfileInput, ProfileStore,
    SecretString, authorize_admin,
};
use subdesk_sandbox::{Sandbox, SandboxConfig};

const PASS: &str = "owner passphrase";

struct App {
    dir: tempfile::TempDir,
    state: AppState,
    keyring: CredentialStore,
}

impl App {
    /// An app over a fresh data folder, prepared by `setup` (which runs first, as another
    /// process would have left the folder), with the active profile opened as at start-up.
    fn new(setup: impl FnOnce(&std::path::Path, &CredentialStore, &str)) -> App {
        let dir = tempfile::tempdir().expect("tempdir");
        let sandbox = tauri::async_runtime::block_on(Sandbox::start(SandboxConfig::default()))
            .expect("sandbox");
        let keyring = CredentialStore::with_service(format!(
            "subdesk-guard-test-{}-{}",
            std::process::id(),
            nanos()
        ));
        setup(&dir.path().join("data"), &keyring, &sandbox.base_url());
        let paths = Paths {
            data_dir: dir.path().join("data"),
            log_dir: dir.path().join("logs"),
        };
        let state = AppState::new(paths, Redactor::default(), Some(sandbox), keyring.clone())
            .expect("state");
        let active = state.desk.active_profile().expect("active");
        let _ = state.desk.open_session(&active);
        App {
            dir,
            state,
            keyring,
        }
    }

    fn data(&self) -> std::path::PathBuf {
        self.dir.path().join("data")
    }

    /// The guard's verdict: `None` if admitted, else the refusal's code.
    fn admit(&self, command: &str, args: Value) -> Option<ErrorCode> {
        let named = args.get("id").and_then(Value::as_str);
        admit(&self.state, command, named).err().map(|e| e.code)
    }
}

impl Drop for App {
    fn drop(&mut self) {
        if let Ok(store) = ProfileStore::open(self.data()) {
            for p in store.list().unwrap_or_default() {
                let _ = self
                    .keyring
                    .delete(&p, &subdesk_profiles::Admin::without_lock());
            }
        }
        self.state.stop_sandbox();
    }
}

fn nanos() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0)
}

/// Sets a passphrase on the folder (as the owner did earlier) and adds profiles pointed at
/// the sandbox with its credentials, as `(name, mode, read_only)`.
fn owner_setup(
    data: &std::path::Path,
    keyring: &CredentialStore,
    url: &str,
    profiles: &[(&str, Mode, bool)],
) -> Vec<Profile> {
    let mut lock = AppLock::open(data).expect("lock");
    let pass = SecretString::from(PASS);
    lock.set_passphrase(&pass, None).expect("passphrase");
    let admin = authorize_admin(&lock, Some(&pass)).expect("admin");
    let store = ProfileStore::open(data).expect("profiles");
    profiles
        .iter()
        .map(|(name, mode, read_only)| {
            let p = store
                .add(
                    &ProfileInput {
                        base_url: Some(url.to_owned()),
                        read_only: *read_only,
                        ..ProfileInput::new(*name, *mode)
                    },
                    &admin,
                )
                .expect("add");
            keyring
                .save(
                    &p,
                    &Credentials::new(
                        subdesk_sandbox::DEFAULT_IMP_KEY,
                        SecretString::from(subdesk_sandbox::DEFAULT_IMP_SECRET),
                    ),
                    &admin,
                )
                .expect("keyring: run under a Secret Service (make test)");
            p
        })
        .collect()
}

fn unlock(app: &App) {
    app.state
        .desk
        .lock()
        .expect("lock")
        .unlock(&SecretString::from(PASS))
        .expect("unlock");
}

/// `subdesk-cli profile use` under a running app: the CLI writes profiles.json's active
/// profile (through the same `ProfileStore::set_active`); the app's next command runs on
/// that profile, and is checked against it.
#[test]
fn keyring_the_next_command_follows_profile_use_from_another_process() {
    let app = App::new(|data, keyring, url| {
        owner_setup(data, keyring, url, &[("Finance", Mode::Test, true)]);
    });
    unlock(&app);
    assert_eq!(
        app.state.desk.session_profile().expect("profile").id,
        "sandbox"
    );
    let notes = json!({"customerUid": "c1", "notes": "x"});
    assert_eq!(app.admit("set_customer_notes", notes.clone()), None);

    // Another process: the CLI's `profile use finance`.
    ProfileStore::open(app.data())
        .expect("cli's store")
        .set_active("finance")
        .expect("profile use");

    // The next command, whatever it is, sees the new profile first.
    assert_eq!(app.admit("overview", json!({})), None);
    let session = app.state.desk.session().expect("finance opened");
    assert_eq!(session.profile.id, "finance");
    assert_eq!(
        app.state.desk.session_profile().expect("profile").id,
        "finance"
    );
    // ... and is checked against it: read-only now.
    assert_eq!(
        app.admit("set_customer_notes", notes),
        Some(ErrorCode::ReadOnly)
    );
    assert_eq!(
        app.admit("charge_now", json!({})),
        Some(ErrorCode::ReadOnly)
    );
}

/// Restarted with a live profile active and the lock set: the lock screen works (status,
/// profile list, unlocking), the live profile stays closed until unlocked, then opens.
#[test]
fn keyring_a_locked_app_can_always_be_unlocked() {
    let app = App::new(|data, keyring, url| {
        let live = owner_setup(data, keyring, url, &[("Live", Mode::Live, true)]);
        ProfileStore::open(data)
            .expect("store")
            .set_active(&live[0].id)
            .expect("active");
    });
    assert!(app.state.desk.lock().expect("lock").is_locked());
    let closed = app.state.desk.session().err().expect("closed by the lock");
    assert_eq!(closed.code, ErrorCode::AppLocked);
    for command in [
        "app_status",
        "lock_status",
        "list_profiles",
        "get_settings",
        "unlock_app",
    ] {
        assert_eq!(app.admit(command, json!({})), None, "{command}");
    }
    assert_eq!(app.admit("overview", json!({})), Some(ErrorCode::AppLocked));

    unlock(&app);
    assert_eq!(app.admit("overview", json!({})), None);
    let session = app.state.desk.session().expect("opened once unlocked");
    assert_eq!(session.profile.id, "live");

    // Locking again closes it.
    app.state.desk.lock().expect("lock").lock().expect("lock");
    app.state.desk.refresh().expect("refresh");
    assert_eq!(
        app.state.desk.session().err().map(|e| e.code),
        Some(ErrorCode::AppLocked)
    );
}

/// The reported attack: app locked, a read-only live profile; switch to the never-locked
/// sandbox and edit the live profile from there. Every command that changes a profile,
/// its keys or the lock is refused, whatever profile is active; so is every command that
/// names the live profile.
#[test]
fn keyring_from_the_sandbox_a_locked_app_changes_no_other_profile() {
    let app = App::new(|data, keyring, url| {
        owner_setup(data, keyring, url, &[("Live", Mode::Live, true)]);
    });
    assert!(app.state.desk.lock().expect("lock").is_locked());
    assert_eq!(app.admit("switch_profile", json!({"id": "sandbox"})), None);
    let evil = json!({
        "id": "live",
        "input": {"name": "Live", "mode": "live", "base_url": "https://evil.example", "read_only": false},
        "passphrase": null,
        "impKey": "k", "impSecret": "s",
        "current": null, "settings": {"open_live_profile": false, "move_money": false, "mutate": false},
    });
    for (command, touches) in COMMANDS {
        let verdict = app.admit(command, evil.clone());
        match touches {
            Touches::Admin => {
                assert_eq!(verdict, Some(ErrorCode::AppLocked), "{command}")
            }
            Touches::Named(_) => {
                assert_eq!(verdict, Some(ErrorCode::AppLocked), "{command}")
            }
            // The sandbox's own data is never behind the lock.
            Touches::Session(_) | Touches::Nothing => assert_eq!(verdict, None, "{command}"),
        }
    }
    // A named command that names nothing is refused, not run on a default.
    assert_eq!(
        app.admit("test_connection", json!({})),
        Some(ErrorCode::CommandNotAllowed)
    );
    let store = ProfileStore::open(app.data()).expect("store");
    let live = store.get("live").expect("live");
    assert!(live.read_only);
    assert!(!live.base_url.contains("evil"));
}

/// A read-only session: the guard refuses every command that changes its data or moves
/// money, and admits every read.
#[test]
fn keyring_a_read_only_session_is_refused_every_change() {
    let app = App::new(|data, keyring, url| {
        owner_setup(data, keyring, url, &[("Finance", Mode::Test, true)]);
        ProfileStore::open(data)
            .expect("store")
            .set_active("finance")
            .expect("active");
    });
    unlock(&app);
    let mut refused = 0;
    for (command, touches) in COMMANDS {
        if let Touches::Session(kind) = touches {
            let verdict = app.admit(command, json!({}));
            if *kind == ActionKind::Read {
                assert_eq!(verdict, None, "{command}");
            } else {
                assert_eq!(verdict, Some(ErrorCode::ReadOnly), "{command}");
                refused += 1;
            }
        }
    }
    assert!(refused >= 8, "only {refused}");
}

/// A command checked against one session that is handed another (a switch landed in
/// between) is refused by the re-check on the session it actually gets.
#[test]
fn keyring_a_switch_between_the_guard_and_the_command_is_caught() {
    let app = App::new(|data, keyring, url| {
        owner_setup(data, keyring, url, &[("Finance", Mode::Test, true)]);
    });
    unlock(&app);
    assert_eq!(
        app.admit("set_customer_notes", json!({"customerUid": "c"})),
        None
    );
    let finance = app.state.desk.profiles.get("finance").expect("finance");
    app.state.desk.open_session(&finance).expect("switched");
    let err = app
        .state
        .desk
        .session_for(ActionKind::Mutate)
        .err()
        .expect("refused");
    assert_eq!(err.code, ErrorCode::ReadOnly);
    assert!(app.state.desk.session_for(ActionKind::Read).is_ok());
}

/// A passphrase set by another process (the CLI, or a second window before single
/// instance) locks this app too, and closes a live session the lock now guards.
#[test]
fn keyring_a_lock_set_elsewhere_closes_a_guarded_session() {
    let app = App::new(|data, keyring, url| {
        let store = ProfileStore::open(data).expect("store");
        let live = store
            .add(
                &ProfileInput {
                    base_url: Some(url.to_owned()),
                    ..ProfileInput::new("Live", Mode::Live)
                },
                &subdesk_profiles::Admin::without_lock(),
            )
            .expect("add");
        keyring
            .save(
                &live,
                &Credentials::sandbox(),
                &subdesk_profiles::Admin::without_lock(),
            )
            .expect("keyring");
        store.set_active(&live.id).expect("active");
    });
    assert_eq!(app.admit("overview", json!({})), None);
    assert!(app.state.desk.session().is_ok());

    AppLock::open(app.data())
        .expect("other lock")
        .set_passphrase(&SecretString::from(PASS), None)
        .expect("set elsewhere");
    assert_eq!(app.admit("overview", json!({})), Some(ErrorCode::AppLocked));
    assert_eq!(
        app.state.desk.session().err().map(|e| e.code),
        Some(ErrorCode::AppLocked)
    );
    assert_eq!(
        app.state.desk.session().err().map(|e| e.code),
        Some(ErrorCode::AppLocked)
    );
    assert_eq!(
        app.admit("update_profile", json!({"id": "live"})),
        Some(ErrorCode::AppLocked)
    );
}

/// An import applies the plan Rust read and checked, under the number it gave: an older
/// number, another profile's plan or a second apply of the same plan is refused, and a
/// plan whose import failed before writing can be tried again.
#[test]
fn keyring_an_import_applies_only_the_plan_rust_holds() {
    let app = App::new(|_, _, _| {});
    let plan = |text: &str| {
        app.state
            .desk
            .session_for(ActionKind::Read)
            .expect("session")
            .store
            .plan_import(text, subdesk_billing::ImportFormat::Auto)
            .expect("plan")
    };
    let first = app
        .state
        .hold_import("sandbox".into(), plan("cust_a\n"))
        .expect("hold");
    let second = app
        .state
        .hold_import("sandbox".into(), plan("cust_b\ncust_c\n"))
        .expect("hold");
    assert_eq!(second.plan.good.len(), 2);
    let gone = |r: Result<subdesk_lib::state::HeldImport, subdesk_lib::error::IpcError>| {
        r.err().map(|e| e.code)
    };
    assert_eq!(
        gone(app.state.take_import(first.plan_id, "sandbox")),
        Some(ErrorCode::ImportPlanGone),
        "an older plan"
    );
    assert_eq!(
        gone(app.state.take_import(second.plan_id, "other")),
        Some(ErrorCode::ImportPlanGone),
        "another profile"
    );
    let held = app
        .state
        .take_import(second.plan_id, "sandbox")
        .expect("the plan held");
    let uids: Vec<_> = held
        .plan
        .good
        .iter()
        .map(|r| r.customer_uid.clone())
        .collect();
    assert_eq!(uids, ["cust_b", "cust_c"]);
    assert_eq!(
        gone(app.state.take_import(second.plan_id, "sandbox")),
        Some(ErrorCode::ImportPlanGone),
        "applied once"
    );
    app.state.return_import(held);
    assert!(app.state.take_import(second.plan_id, "sandbox").is_ok());
}

/// The practice payment window opens on the sandbox profile only, at the in-process
/// sandbox's address with its merchant code; any other profile is refused.
#[test]
fn keyring_only_the_sandbox_profile_opens_the_practice_window() {
    use subdesk_lib::commands::practice::practice_window_url;
    let params = [
        ("pg".to_string(), "kcp_billing".to_string()),
        ("customer_uid".to_string(), "cus_1".to_string()),
    ];
    let app = App::new(|_, _, _| {});
    let url = practice_window_url(&app.state, &params).expect("the sandbox's window");
    let base = app
        .state
        .desk
        .sandbox_url()
        .expect("sandbox running")
        .to_owned();
    assert_eq!(
        url,
        format!("{base}/practice/window?imp=imp00000000&pg=kcp_billing&customer_uid=cus_1")
    );

    let app = App::new(|data, keyring, url| {
        owner_setup(data, keyring, url, &[("Shop", Mode::Test, false)]);
        ProfileStore::open(data)
            .expect("store")
            .set_active("shop")
            .expect("active");
    });
    unlock(&app);
    assert_eq!(
        practice_window_url(&app.state, &params)
            .err()
            .map(|e| e.code),
        Some(ErrorCode::SandboxOnly)
    );
}

/// The practice clock is the sandbox profile's only: it moves the in-process sandbox
/// forward by a calendar step, and any other profile is refused.
#[test]
fn keyring_only_the_sandbox_profile_moves_the_sandbox_clock() {
    use subdesk_desk::practice::{ClockStep, step_seconds};
    use subdesk_lib::commands::practice::clock_for;
    let app = App::new(|_, _, _| {});
    let (clock, zone) = clock_for(&app.state, ActionKind::Mutate).expect("the sandbox's clock");
    let before = clock.now();
    let secs = step_seconds(ClockStep::Week, before, &zone).expect("a week");
    let after = tauri::async_runtime::block_on(clock.advance(secs));
    assert!(after >= before + 7 * 86_400, "{before} -> {after}");

    let app = App::new(|data, keyring, url| {
        owner_setup(data, keyring, url, &[("Shop", Mode::Test, false)]);
        ProfileStore::open(data)
            .expect("store")
            .set_active("shop")
            .expect("active");
    });
    unlock(&app);
    assert_eq!(
        clock_for(&app.state, ActionKind::Read)
            .err()
            .map(|e| e.code),
        Some(ErrorCode::SandboxOnly)
    );
}
