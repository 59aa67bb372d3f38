//! The keyring against a real Secret Service.
//!
//! `make test` runs `cargo test` inside `dbus-run-session` with gnome-keyring started and
//! unlocked (see docs/platform.md). Without that, the tests that need it FAIL with a
//! message saying how to run them: a skipped keyring test would hide exactly the
//! breakage (a mock or file fallback) it exists to catch.
//!
//! "Another process" is this test binary run again with `SUBDESK_PROBE_OP` set: the
//! `probe_child` test then does one keyring operation and prints one `PROBE_RESULT` line.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use subdesk_codes::ErrorCode;

use subdesk_profiles::{
    Admin, CredentialStore, Credentials, ExposeSecret, Mode, Profile, SANDBOX_ID, SecretString,
};

const OP: &str = "SUBDESK_PROBE_OP";
const PROFILE: &str = "SUBDESK_PROBE_PROFILE";
const KEY: &str = "SUBDESK_PROBE_KEY";
const SECRET: &str = "SUBDESK_PROBE_SECRET";

const HOW_TO_RUN: &str = "these tests need a real, unlocked Secret Service. Run them with `make test`, or:\n  HOME=$(mktemp -d) dbus-run-session -- bash -c 'echo -n p | gnome-keyring-daemon --unlock --components=secrets >/dev/null; CARGO_HOME=/root/.cargo RUSTUP_HOME=/root/.rustup cargo test -p subdesk-profiles'";

fn test_profile(id: &str) -> Profile {
    let mut p = Profile::sandbox(0);
    p.id = id.to_owned();
    p.name = id.to_owned();
    p.mode = Mode::Test;
    p.base_url = subdesk_profiles::DEFAULT_BASE_URL.to_owned();
    p
}

/// A profile id no other run or test uses, so runs never see each other's entries.
fn unique_id(tag: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("t-{tag}-{}-{nanos}", std::process::id())
}

/// Fails (never skips) when there is no usable Secret Service.
fn require_secret_service() {
    let probe = test_profile(&unique_id("probe"));
    if let Err(e) = CredentialStore::new().status(&probe) {
        panic!("{HOW_TO_RUN}\nThe keyring said: {} ({e})", e.code());
    }
}

/// The child side. Does nothing in a normal run.
#[test]
fn probe_child() {
    let Ok(op) = std::env::var(OP) else {
        return;
    };
    let profile = if op == "sandbox" {
        Profile::sandbox(0)
    } else {
        test_profile(&std::env::var(PROFILE).unwrap_or_default())
    };
    let store = CredentialStore::new();
    let result = match op.as_str() {
        "load" | "sandbox" => store.load(&profile).map(|c| {
            let expected = std::env::var(SECRET).unwrap_or_default();
            format!(
                "key={} secret_matches={}",
                c.imp_key,
                c.imp_secret.expose_secret() == expected
            )
        }),
        "status" => store
            .status(&profile)
            .map(|s| format!("key_set={} secret_set={}", s.imp_key_set, s.imp_secret_set)),
        "save" => {
            let creds = Credentials::new(
                std::env::var(KEY).unwrap_or_default(),
                SecretString::from(std::env::var(SECRET).unwrap_or_default()),
            );
            store
                .save(&profile, &creds, &Admin::without_lock())
                .map(|()| "saved".to_owned())
        }
        other => panic!("unknown probe op {other}"),
    };
    match result {
        Ok(detail) => println!("PROBE_RESULT ok {detail}"),
        Err(e) => println!("PROBE_RESULT err {} {e}", e.code()),
    }
}

/// Runs `cmd` (which ends in a run of this binary's `probe_child`) with a deadline and
/// returns the child's `PROBE_RESULT` line, without the prefix.
fn run_probe(mut cmd: Command) -> String {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn the probe");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match child.try_wait().expect("wait for the probe") {
            Some(_) => break,
            None if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the keyring probe hung for 60 s");
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    let mut out = String::new();
    let mut err = String::new();
    if let Some(mut s) = child.stdout.take() {
        let _ = s.read_to_string(&mut out);
    }
    if let Some(mut s) = child.stderr.take() {
        let _ = s.read_to_string(&mut err);
    }
    out.lines()
        // libtest prints "test probe_child ... " on the same line first.
        .find_map(|l| {
            l.split_once("PROBE_RESULT ")
                .map(|(_, rest)| rest.to_owned())
        })
        .unwrap_or_else(|| {
            panic!("no PROBE_RESULT from the child.\nstdout:\n{out}\nstderr:\n{err}")
        })
}

/// This binary, set up to run only `probe_child`.
fn probe_args(cmd: &mut Command, op: &str, profile_id: &str) {
    cmd.args(["probe_child", "--exact", "--nocapture", "--test-threads=1"])
        .env(OP, op)
        .env(PROFILE, profile_id)
        .env_remove(KEY)
        .env_remove(SECRET);
}

fn probe(op: &str, profile_id: &str, envs: &[(&str, &str)]) -> String {
    let mut cmd = Command::new(std::env::current_exe().expect("own path"));
    probe_args(&mut cmd, op, profile_id);
    cmd.envs(envs.iter().copied());
    run_probe(cmd)
}

/// What `secret-tool` (libsecret, a different client) sees: proof the value is in the
/// Secret Service itself and not in some in-process or file store.
fn secret_tool_lookup(service: &str, user: &str) -> Option<String> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", service, "username", user])
        .output()
        .expect("secret-tool is installed (Debian: libsecret-tools)");
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn store_read_back_in_another_process_replace_and_delete() {
    require_secret_service();
    let store = CredentialStore::new();
    let id = unique_id("rt");
    let profile = test_profile(&id);

    assert!(!store.has(&profile).expect("status"));
    assert_eq!(
        store.load(&profile).expect_err("nothing stored").code(),
        ErrorCode::CredentialsNotSet
    );

    // Store, then read back from a new process.
    store
        .save(
            &profile,
            &Credentials::new("imp_key_one", SecretString::from("secret-one-value")),
            &Admin::without_lock(),
        )
        .expect("save");
    assert!(store.has(&profile).expect("status"));
    assert_eq!(
        probe("load", &id, &[(SECRET, "secret-one-value")]),
        "ok key=imp_key_one secret_matches=true"
    );
    assert_eq!(
        secret_tool_lookup("subdesk", &format!("{id}/imp_secret")).as_deref(),
        Some("secret-one-value")
    );

    // Replace, from the other process this time, and read back here.
    assert_eq!(
        probe(
            "save",
            &id,
            &[(KEY, "imp_key_two"), (SECRET, "secret-two-value")]
        ),
        "ok saved"
    );
    let loaded = store.load(&profile).expect("load");
    assert_eq!(loaded.imp_key, "imp_key_two");
    assert_eq!(loaded.imp_secret.expose_secret(), "secret-two-value");
    assert!(!format!("{loaded:?}").contains("secret-two-value"));
    // Replaced, not added beside: exactly one item per field.
    let found = Command::new("secret-tool")
        .args(["search", "--all", "service", "subdesk", "username"])
        .arg(format!("{id}/imp_secret"))
        .output()
        .expect("secret-tool");
    let text = String::from_utf8_lossy(&found.stdout).into_owned()
        + &String::from_utf8_lossy(&found.stderr);
    assert_eq!(text.matches("secret = ").count(), 1, "{text}");

    // Delete: gone for this process, the other one and libsecret.
    store
        .delete(&profile, &Admin::without_lock())
        .expect("delete");
    store
        .delete(&profile, &Admin::without_lock())
        .expect("delete twice is fine");
    assert!(!store.has(&profile).expect("status"));
    assert_eq!(
        probe("status", &id, &[]),
        "ok key_set=false secret_set=false"
    );
    assert!(probe("load", &id, &[]).starts_with("err credentials_not_set "));
    assert_eq!(
        secret_tool_lookup("subdesk", &format!("{id}/imp_secret")),
        None
    );
}

/// The shared store's password: in the keyring under its own field (never beside the
/// address in profiles.json), read back, checked before it is stored, and gone with the
/// profile's other credentials.
#[test]
fn the_shared_store_password_lives_in_the_keyring() {
    require_secret_service();
    let store = CredentialStore::new();
    let id = unique_id("shared");
    let profile = test_profile(&id);
    assert!(store.shared_password(&profile).unwrap().is_none());
    assert!(!store.has_shared_password(&profile).unwrap());

    store
        .save_shared_password(&profile, &SecretString::from(" pa ss-1\n"))
        .expect("save");
    assert!(store.has_shared_password(&profile).unwrap());
    assert_eq!(
        store
            .shared_password(&profile)
            .unwrap()
            .unwrap()
            .expose_secret(),
        "pa ss-1"
    );
    assert_eq!(
        secret_tool_lookup("subdesk", &format!("{id}/shared_password")).as_deref(),
        Some("pa ss-1")
    );
    for bad in ["", "  ", "a\u{7}b", &"x".repeat(257)] {
        let err = store
            .save_shared_password(&profile, &SecretString::from(bad.to_owned()))
            .expect_err("refused");
        assert_eq!(err.code(), ErrorCode::InvalidSharedSettings);
        assert_eq!(err.details()["field"], "password");
    }
    assert_eq!(
        store
            .shared_password(&profile)
            .unwrap()
            .unwrap()
            .expose_secret(),
        "pa ss-1",
        "a refused password leaves the saved one"
    );

    store
        .delete(&profile, &Admin::without_lock())
        .expect("delete");
    assert!(store.shared_password(&profile).unwrap().is_none());
    assert_eq!(
        secret_tool_lookup("subdesk", &format!("{id}/shared_password")),
        None
    );
}

#[test]
fn sandbox_credentials_never_touch_the_keyring() {
    require_secret_service();
    let store = CredentialStore::new();
    let sandbox = Profile::sandbox(0);
    let creds = store.load(&sandbox).expect("sandbox creds");
    assert_eq!(creds.imp_key, subdesk_sandbox::DEFAULT_IMP_KEY);
    assert_eq!(
        creds.imp_secret.expose_secret(),
        subdesk_sandbox::DEFAULT_IMP_SECRET
    );
    let err = store
        .save(
            &sandbox,
            &Credentials::new("k", SecretString::from("s")),
            &Admin::without_lock(),
        )
        .expect_err("sandbox creds are fixed");
    assert_eq!(err.code(), ErrorCode::SandboxProtected);
    assert_eq!(
        secret_tool_lookup("subdesk", &format!("{SANDBOX_ID}/imp_secret")),
        None
    );
}

#[test]
fn invalid_credentials_are_refused_before_the_keyring() {
    require_secret_service();
    let store = CredentialStore::new();
    let profile = test_profile(&unique_id("inv"));
    let err = store
        .save(
            &profile,
            &Credentials::new("key", SecretString::from("  ")),
            &Admin::without_lock(),
        )
        .expect_err("empty secret");
    assert_eq!(err.code(), ErrorCode::InvalidCredentials);
    assert!(!store.has(&profile).expect("status"), "nothing was written");
}

#[test]
fn no_session_bus_gives_keyring_unavailable_with_what_to_do() {
    // Runs anywhere: the child is pointed at a bus that does not exist.
    let envs = [(
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent/subdesk-test-bus",
    )];
    let line = probe("status", "t-nobus", &envs);
    assert!(line.starts_with("err keyring_unavailable "), "{line}");
    assert!(line.contains("start gnome-keyring"), "{line}");
    let line = probe(
        "save",
        "t-nobus",
        &[envs[0], (KEY, "k"), (SECRET, "never-stored-1")],
    );
    assert!(line.starts_with("err keyring_unavailable "), "{line}");
    assert!(!line.contains("never-stored-1"), "{line}");
    // The sandbox works without any keyring.
    let line = probe(
        "sandbox",
        SANDBOX_ID,
        &[envs[0], (SECRET, "sandbox_imp_secret")],
    );
    assert_eq!(line, "ok key=sandbox_imp_key secret_matches=true");
}

#[test]
fn bus_without_a_secret_service_gives_keyring_unavailable() {
    // A private bus that cannot start services: a desktop with no keyring installed.
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("bus.conf");
    std::fs::write(
        &config,
        format!(
            r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:path={}/bus</listen>
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy>
</busconfig>"#,
            dir.path().display()
        ),
    )
    .expect("write bus config");
    let bus = Command::new("dbus-daemon")
        .arg(format!("--config-file={}", config.display()))
        .args(["--nofork", "--nopidfile"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("dbus-daemon is installed (Debian: dbus)");
    // Stopped on every exit path, a failed assertion included.
    let _bus = KillOnDrop(bus);
    let socket = dir.path().join("bus");
    let start = Instant::now();
    while !socket.exists() && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let address = format!("unix:path={}", socket.display());
    let line = probe(
        "status",
        "t-nosvc",
        &[("DBUS_SESSION_BUS_ADDRESS", &address)],
    );
    assert!(line.starts_with("err keyring_unavailable "), "{line}");
    assert!(line.contains("start gnome-keyring"), "{line}");
}

struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs `script` then the probe inside a private `dbus-run-session` with its own HOME
/// and data folder, so its gnome-keyring is independent of the one the tests use.
fn probe_in_private_session(home: &Path, script: &str, op: &str, envs: &[(&str, &str)]) -> String {
    let mut cmd = Command::new("dbus-run-session");
    cmd.args(["--", "bash", "-c"])
        .arg(format!("{script}\nexec \"$@\""))
        .arg("_")
        .arg(std::env::current_exe().expect("own path"));
    probe_args(&mut cmd, op, "t-locked");
    cmd.env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env_remove("XDG_RUNTIME_DIR")
        .env_remove("GNOME_KEYRING_CONTROL")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        // No display: an unlock prompt must fail at once, not wait for a click.
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .envs(envs.iter().copied());
    run_probe(cmd)
}

#[test]
fn locked_keyring_gives_keyring_locked() {
    let home = tempfile::tempdir().expect("tempdir");
    // Session 1 creates a login keyring with a password (and writes through it)…
    // A brand-new daemon creates its login keyring from the password asynchronously; a
    // write that arrives first is refused as a dismissed prompt. Wait for it, as a user's
    // desktop would, before writing (bounded: a real failure still fails).
    let script = "echo -n first-pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null\n\
                  for _ in $(seq 1 50); do [ -f \"$HOME/data/keyrings/login.keyring\" ] && break; sleep 0.1; done";
    let mut line = String::new();
    for _ in 0..5 {
        line = probe_in_private_session(
            home.path(),
            script,
            "save",
            &[(KEY, "k"), (SECRET, "locked-away-secret")],
        );
        if line == "ok saved" || !line.contains("prompt dismissed") {
            break;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    assert_eq!(line, "ok saved", "{HOW_TO_RUN}");
    // …session 2 starts the daemon without the password: the keyring is locked, and
    // with no display the unlock prompt cannot appear.
    let start = "gnome-keyring-daemon --start --components=secrets >/dev/null";
    let line = probe_in_private_session(home.path(), start, "load", &[]);
    assert!(line.starts_with("err keyring_locked "), "{line}");
    assert!(line.contains("unlock"), "{line}");
    assert!(!line.contains("locked-away-secret"), "{line}");
    let line = probe_in_private_session(
        home.path(),
        start,
        "save",
        &[(KEY, "k"), (SECRET, "another-secret")],
    );
    assert!(line.starts_with("err keyring_locked "), "{line}");
}

#[test]
fn secrets_never_reach_the_data_folder() {
    require_secret_service();
    let dir = tempfile::tempdir().expect("tempdir");
    let profiles = subdesk_profiles::ProfileStore::open(dir.path()).expect("open");
    let name = unique_id("files");
    let live = profiles
        .add(
            &subdesk_profiles::ProfileInput::new(name, Mode::Live),
            &Admin::without_lock(),
        )
        .expect("add");
    let keys = CredentialStore::new();
    let secret = "imp-secret-that-must-stay-in-the-keyring";
    keys.save(
        &live,
        &Credentials::new("imp_key_files", SecretString::from(secret)),
        &Admin::without_lock(),
    )
    .expect("save");
    let mut lock = subdesk_profiles::AppLock::open(dir.path()).expect("lock");
    let passphrase = "lock passphrase that must not be stored";
    lock.set_passphrase(&SecretString::from(passphrase), None)
        .expect("passphrase");
    profiles.set_active(&live.id).expect("activate");

    let loaded = keys.load(&live).expect("load");
    assert!(!format!("{loaded:?} {lock:?}").contains(secret));
    let mut files = 0;
    for entry in std::fs::read_dir(dir.path()).expect("read dir") {
        let path = entry.expect("entry").path();
        let bytes = std::fs::read(&path).expect("read");
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(secret), "imp_secret in {}", path.display());
        assert!(
            !text.contains(passphrase),
            "passphrase in {}",
            path.display()
        );
        files += 1;
    }
    assert!(files >= 2, "profiles.json and lock.json were written");
    keys.delete(&live, &Admin::without_lock()).expect("cleanup");
}
