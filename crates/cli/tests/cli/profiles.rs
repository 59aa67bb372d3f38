//! `profile …`, profile choice, roles, the app lock and `--json` errors.

use subdesk_profiles::{
    AppLock, LockSettings, Mode, Profile, ProfileInput, ProfileStore, SecretString, authorize_admin,
};

use crate::common::Env;

#[test]
fn a_fresh_data_folder_lists_the_sandbox_profile_active() {
    let env = Env::new();
    let out = env.cli(&["profile", "list"]);
    out.expect(0);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(
        lines[0].contains("id") && lines[0].contains("mode"),
        "{}",
        out.stdout
    );
    assert!(
        lines[1].starts_with('*') && lines[1].contains("sandbox") && lines[1].contains("SANDBOX")
    );

    let json = env.cli(&["--json", "profile", "list"]);
    json.expect(0);
    let v = json.json();
    assert_eq!(v[0]["id"], "sandbox");
    assert_eq!(v[0]["active"], true);
    assert_eq!(v[0]["credentials"]["imp_secret_set"], true);
    assert!(
        env.data_dir().join("profiles.json").exists(),
        "the app's own file"
    );
    assert!(env.requests().is_empty(), "listing sends nothing");
}

#[test]
fn profile_test_on_the_sandbox_gets_a_token_and_lists_channels() {
    let env = Env::new();
    let out = env.cli(&["--json", "profile", "test"]);
    out.expect(0);
    let v = out.json();
    assert_eq!(v["base_url"], env.url.as_str());
    assert!(v["channels"].as_array().is_some_and(|c| !c.is_empty()));
    assert_eq!(env.sent("POST", "/users/getToken"), 1);
    assert_eq!(env.sent("GET", "/users/pg"), 1);

    let human = env.cli(&["profile", "test", "Sandbox"]);
    human.expect(0);
    assert!(human.stdout.contains("connected to"), "{}", human.stdout);
    assert!(human.stdout.contains("billing"));
}

#[test]
fn the_sandbox_profile_without_a_sandbox_url_says_how_to_get_one() {
    let env = Env::new();
    let mut out = env.cli(&["--sandbox-url", "", "sync"]);
    out.expect(2);
    assert!(out.stderr.contains("--sandbox-url") && out.stderr.contains("SUBDESK_SANDBOX_URL"));
    assert!(out.stderr.contains("subdesk-cli sandbox"), "{}", out.stderr);
    out = env.cli(&["--json", "--sandbox-url", "", "sync"]);
    out.expect(2);
    assert_eq!(out.err_json()["code"], "sandbox_url_missing");
    assert!(out.stdout.is_empty());
    assert!(env.requests().is_empty());
}

#[test]
fn profiles_are_added_used_and_removed_without_a_secret_and_refuse_a_secret_argument() {
    let env = Env::new();
    // No flag takes the secret: clap refuses it as a usage error.
    let out = env.cli(&[
        "profile",
        "add",
        "Shop",
        "--mode",
        "test",
        "--imp-secret",
        "s3cret",
    ]);
    out.expect(2);
    assert!(!env.data_dir().join("profiles").exists());

    // A read-only role needs an app lock to mean anything: refused, nothing written.
    let ro = env.cli(&[
        "--json",
        "profile",
        "add",
        "Gangnam Store",
        "--mode",
        "live",
        "--read-only",
    ]);
    ro.expect(6);
    assert_eq!(ro.err_json()["code"], "read_only_needs_lock");
    assert_eq!(
        env.cli(&["--json", "profile", "list"])
            .json()
            .as_array()
            .map(Vec::len),
        Some(1)
    );

    let add = env.cli(&[
        "--json",
        "profile",
        "add",
        "Gangnam Store",
        "--mode",
        "live",
    ]);
    add.expect(0);
    let v = add.json();
    assert_eq!(v["profile"]["id"], "gangnam-store");
    assert_eq!(v["profile"]["read_only"], false);
    assert_eq!(v["credentials_saved"], false);

    env.cli(&["profile", "use", "gangnam store"]).expect(0);
    let list = env.cli(&["--json", "profile", "list"]).json();
    assert_eq!(list[1]["active"], true);

    // A duplicate name is bad input.
    let dup = env.cli(&[
        "--json",
        "--profile",
        "sandbox",
        "profile",
        "add",
        "GANGNAM STORE",
        "--mode",
        "test",
    ]);
    dup.expect(2);
    assert_eq!(dup.err_json()["code"], "duplicate_name");
    // The sandbox cannot be removed.
    env.cli(&["profile", "remove", "sandbox"]).expect(2);

    // Once a passphrase is set, changing profiles is an admin action: a CLI run starts
    // locked, and refuses from whatever profile it was given, the sandbox included.
    let mut lock = AppLock::open(env.data_dir()).expect("lock");
    lock.set_passphrase(&SecretString::from("correct horse battery"), None)
        .expect("passphrase");
    for args in [
        vec!["--json", "profile", "add", "Other", "--mode", "test"],
        vec![
            "--json",
            "--profile",
            "sandbox",
            "profile",
            "add",
            "Other",
            "--mode",
            "test",
        ],
        vec!["--json", "profile", "remove", "gangnam-store"],
        vec![
            "--json",
            "--profile",
            "sandbox",
            "profile",
            "remove",
            "gangnam-store",
        ],
    ] {
        let out = env.cli(&args);
        out.expect(6);
        assert_eq!(out.err_json()["code"], "app_locked", "{args:?}");
    }
    assert_eq!(
        env.cli(&["--json", "profile", "list"])
            .json()
            .as_array()
            .map(Vec::len),
        Some(2)
    );
}

/// The owner, with the app lock's passphrase, adds a profile (as the app's settings do).
fn owner_adds(env: &Env, input: ProfileInput) -> Profile {
    let mut lock = AppLock::open(env.data_dir()).expect("lock");
    let pass = SecretString::from("correct horse battery");
    if !lock.is_enabled() {
        lock.set_passphrase(&pass, None).expect("passphrase");
    }
    lock.unlock(&pass).expect("unlock");
    let admin = authorize_admin(&lock, None).expect("admin");
    ProfileStore::open(env.data_dir())
        .expect("profiles")
        .add(&input, &admin)
        .expect("add")
}

#[test]
fn a_read_only_profile_refuses_money_and_changes_with_exit_6_and_sends_nothing() {
    let env = Env::new();
    owner_adds(
        &env,
        ProfileInput {
            base_url: Some(env.url.clone()),
            read_only: true,
            ..ProfileInput::new("Finance", Mode::Test)
        },
    );
    for args in [
        vec![
            "--profile",
            "finance",
            "charge",
            "c1",
            "--amount",
            "1000",
            "--name",
            "x",
        ],
        vec!["--profile", "finance", "refund", "imp_1", "--reason", "x"],
        vec![
            "--profile",
            "finance",
            "key",
            "delete",
            "c1",
            "--reason",
            "x",
        ],
        vec!["--profile", "finance", "run", "resume", "run-1"],
    ] {
        let out = env.cli(&args);
        out.expect(6);
        assert!(out.stderr.contains("read-only"), "{}", out.stderr);
    }
    // Reads are fine, and SUBDESK_PROFILE chooses the profile too.
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_subdesk-cli"));
    let out = c
        .args(["--json", "payments", "list"])
        .env("SUBDESK_DATA_DIR", env.data_dir())
        .env("SUBDESK_PROFILE", "Finance")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[]");
    assert!(env.data_dir().join("profiles/finance/subdesk.db").exists());
    assert!(env.requests().is_empty());
}

#[test]
fn a_locked_app_refuses_money_on_a_test_profile_unless_unlocked_on_a_terminal() {
    let env = Env::new();
    env.cli(&[
        "profile",
        "add",
        "Test Shop",
        "--mode",
        "test",
        "--base-url",
        &env.url,
    ])
    .expect(0);
    let mut lock = AppLock::open(env.data_dir()).expect("lock");
    lock.set_passphrase(&SecretString::from("correct horse battery"), None)
        .expect("passphrase");
    // The default settings guard money on test and live profiles.
    assert!(LockSettings::default().move_money);

    let out = env.cli(&[
        "--json",
        "--profile",
        "test-shop",
        "charge",
        "c1",
        "--amount",
        "1000",
        "--name",
        "x",
    ]);
    out.expect(6);
    let e = out.err_json();
    assert_eq!(e["code"], "app_locked");
    assert!(e["message"].as_str().unwrap_or("").contains("--unlock"));
    // --unlock without a terminal cannot ask: still refused.
    let out = env.cli(&[
        "--unlock",
        "--profile",
        "test-shop",
        "charge",
        "c1",
        "--amount",
        "1000",
        "--name",
        "x",
    ]);
    out.expect(6);
    assert!(out.stderr.contains("terminal"), "{}", out.stderr);
    // Reads still work while locked, and the sandbox is never locked.
    env.cli(&["--profile", "test-shop", "payments", "list"])
        .expect(0);
    env.cli(&["journal", "list"]).expect(0);
    assert!(env.requests().is_empty());
}

#[test]
fn usage_errors_are_exit_2_and_json_when_asked() {
    let env = Env::new();
    let out = env.cli(&["--json", "charge", "c1", "--amount", "lots", "--name", "x"]);
    out.expect(2);
    assert_eq!(out.err_json()["code"], "usage");
    let help = env.cli(&["--help"]);
    help.expect(0);
    assert!(help.stdout.contains("Exit codes:") && help.stdout.contains("unknown outcome"));
}

/// keyring: a test profile with real keyring credentials, pointed at the sandbox.
#[test]
fn keyring_profile_add_with_secret_on_stdin_then_test_and_remove() {
    let env = Env::new();
    let out = env.cli_in(
        &[
            "--json",
            "profile",
            "add",
            "Keyring Shop",
            "--mode",
            "test",
            "--base-url",
            &env.url,
            "--imp-key",
            subdesk_sandbox::DEFAULT_IMP_KEY,
            "--secret-stdin",
        ],
        &format!("{}\n", subdesk_sandbox::DEFAULT_IMP_SECRET),
    );
    out.expect(0);
    assert_eq!(out.json()["credentials_saved"], true);
    assert!(
        !std::fs::read_to_string(env.data_dir().join("profiles.json"))
            .expect("profiles.json")
            .contains(subdesk_sandbox::DEFAULT_IMP_SECRET),
        "the secret is never on disk"
    );
    let list = env.cli(&["--json", "profile", "list"]).json();
    assert_eq!(list[1]["credentials"]["imp_secret_set"], true);

    let t = env.cli(&["--json", "profile", "test", "keyring-shop"]);
    t.expect(0);
    assert_eq!(t.json()["base_url"], env.url.as_str());
    assert_eq!(env.sent("POST", "/users/getToken"), 1);

    // The secret typed without a terminal and without --secret-stdin: refused.
    let no_tty = env.cli(&[
        "profile",
        "add",
        "Other",
        "--mode",
        "test",
        "--imp-key",
        "k",
    ]);
    no_tty.expect(2);
    assert!(no_tty.stderr.contains("--secret-stdin"));

    let rm = env.cli(&["profile", "remove", "Keyring Shop"]);
    rm.expect(0);
    assert!(rm.stdout.contains("keyring"));
    let creds = subdesk_profiles::CredentialStore::with_service(&env.keyring_service);
    let mut gone = subdesk_profiles::Profile::sandbox(0);
    gone.id = "keyring-shop".into();
    gone.mode = subdesk_profiles::Mode::Test;
    assert_eq!(creds.has(&gone).ok(), Some(false));
}

#[test]
fn nobody_listening_is_exit_5() {
    let env = Env::new();
    // A port that was free a moment ago: nothing listens there now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let url = format!("http://127.0.0.1:{port}");
    env.cli(&["--sandbox-url", &url, "profile", "test"])
        .expect(5);
    let out = env.cli(&["--json", "--sandbox-url", &url, "sync", "--payments"]);
    out.expect(5);
    assert_eq!(out.err_json()["code"], "api_transport");
}

/// The sandbox profile's public credentials go to this computer only: a --sandbox-url
/// elsewhere is refused before anything is sent, by the app's own rule.
#[test]
fn the_sandbox_profile_never_talks_to_another_computer() {
    let env = Env::new();
    for url in ["https://api.iamport.kr", "http://10.0.0.1:4010"] {
        let out = env.cli(&["--json", "--sandbox-url", url, "profile", "test"]);
        out.expect(2);
        assert_eq!(out.err_json()["code"], "invalid_sandbox_url", "{url}");
        assert!(out.stderr.contains("loopback"), "{}", out.stderr);
    }
    assert!(env.requests().is_empty());
}
