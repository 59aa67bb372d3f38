//! `store backup | backups | restore | settings`: backups to a chosen folder and restoring
//! them, also into a new data folder (a new computer), with the desk's rules.

use crate::common::{APPROVE, Env};

#[test]
fn backups_go_to_the_folder_are_listed_kept_by_number_and_restore_on_a_new_computer() {
    let env = Env::new();
    env.issue("st_1", APPROVE, "홍길동", &[]);
    env.issue("st_2", APPROVE, "김민준", &[]);
    let folder = tempfile::tempdir().unwrap();
    let dir = folder.path().to_str().unwrap();

    // No folder chosen yet: a clear error.
    let out = env.cli(&["--json", "store", "backup"]);
    out.expect(1);
    assert_eq!(out.err_json()["code"], "backup_folder_unavailable");

    let out = env.cli(&[
        "--json", "store", "settings", "--folder", dir, "--every", "daily", "--keep", "2",
    ]);
    out.expect(0);
    assert_eq!(out.json()["every"], "daily");
    assert_eq!(out.json()["keep"], 2);
    env.cli(&["--json", "store", "settings", "--keep", "0"])
        .expect(2);

    for _ in 0..3 {
        env.cli(&["--json", "store", "backup"]).expect(0);
    }
    let out = env.cli(&["--json", "store", "backups"]);
    out.expect(0);
    let list = out.json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2, "two kept: {list:?}");
    assert_eq!(list[0]["contents"]["customers"], 2);
    assert_eq!(list[0]["contents"]["active_keys"], 2);
    let newest = list[0]["path"].as_str().unwrap().to_owned();
    let human = env.cli(&["store", "backups"]);
    human.expect(0);
    assert!(human.stdout.contains("customers"), "{}", human.stdout);

    // Another place for one backup: --to, listed with --in.
    let other = tempfile::tempdir().unwrap();
    env.cli(&["store", "backup", "--to", other.path().to_str().unwrap()])
        .expect(0);
    let out = env.cli(&[
        "--json",
        "store",
        "backups",
        "--in",
        other.path().to_str().unwrap(),
    ]);
    assert_eq!(out.json().as_array().unwrap().len(), 1);

    // A new computer: nothing there, until the folder's backup is restored (with --yes).
    let laptop = tempfile::tempdir().unwrap();
    let out = env.cli_at(laptop.path(), &["--json", "customers", "search", "st_"]);
    out.expect(0);
    assert_eq!(
        out.json().as_array().map(Vec::len).unwrap_or(0),
        0,
        "{}",
        out.stdout
    );
    let out = env.cli_at(laptop.path(), &["--json", "store", "backups", "--in", dir]);
    assert_eq!(out.json().as_array().unwrap().len(), 2);
    let out = env.cli_at(laptop.path(), &["--json", "store", "restore", &newest]);
    out.expect(6);
    assert!(
        out.err_json()["message"]
            .as_str()
            .unwrap()
            .contains("2 customers"),
        "{}",
        out.stderr
    );
    let out = env.cli_at(
        laptop.path(),
        &["--json", "store", "restore", &newest, "--yes"],
    );
    out.expect(0);
    assert_eq!(out.json()["contents"]["customers"], 2);
    let out = env.cli_at(laptop.path(), &["--json", "customers", "show", "st_2"]);
    out.expect(0);
    // Money waits for a sync, then the key charges again.
    env.cli_at(
        laptop.path(),
        &[
            "--json",
            "charge",
            "st_2",
            "--amount",
            "5000",
            "--name",
            "이용료",
        ],
    )
    .expect(6);
    env.cli_at(laptop.path(), &["--json", "sync"]).expect(0);
    let out = env.cli_at(
        laptop.path(),
        &[
            "--json",
            "charge",
            "st_2",
            "--amount",
            "5000",
            "--name",
            "이용료",
        ],
    );
    out.expect(0);
    assert_eq!(out.json()["status"], "paid");
}

#[test]
fn a_garbage_file_is_refused_and_nothing_is_replaced() {
    let env = Env::new();
    env.issue("st_g", APPROVE, "홍길동", &[]);
    let folder = tempfile::tempdir().unwrap();
    let bad = folder
        .path()
        .join("subdesk-sandbox-20200101T000000.000Z-000.sqlite3");
    std::fs::write(&bad, b"SQLite format 3\0 but cut short").unwrap();
    let out = env.cli(&["--json", "store", "restore", bad.to_str().unwrap(), "--yes"]);
    out.expect(2);
    assert_eq!(out.err_json()["code"], "backup_not_usable");
    env.cli(&["--json", "customers", "show", "st_g"]).expect(0);
}

/// `store migrate --to URL`: the registry and the journal on the shared server, so a lost
/// laptop loses no customer_uid; again, only what changed; a bad address or no server is
/// told before anything is written, and a password never shows.
#[test]
fn store_migrate_carries_the_registry_to_the_shared_server() {
    let Some(url) = subdesk_testkit::fresh_database("cli") else {
        return;
    };
    let env = Env::new();
    env.issue("mg_1", APPROVE, "홍길동", &[]);
    env.issue("mg_2", APPROVE, "김민준", &[]);
    env.charge("mg_1", 12_000);

    let out = env.cli(&["--json", "store", "migrate", "--to", &url]);
    out.expect(0);
    let report = out.json();
    let rows = |table: &str, field: &str| {
        report["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["table"] == table)
            .unwrap()[field]
            .as_i64()
            .unwrap()
    };
    assert_eq!(rows("customers", "added"), 2);
    assert_eq!(rows("journal", "added"), 1);

    let mut shared = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let uids: Vec<String> = shared
        .query(
            "SELECT customer_uid FROM customers ORDER BY customer_uid",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(uids, ["mg_1", "mg_2"]);
    let paid: i64 = shared
        .query_one(
            "SELECT count(*) FROM journal WHERE customer_uid = 'mg_1' AND state = 'succeeded'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(paid, 1);

    // Again: nothing new but the first copy's audit entry, already carried.
    let human = env.cli(&["store", "migrate", "--to", &url]);
    human.expect(0);
    assert!(
        human.stdout.contains("0 rows added or updated"),
        "{}",
        human.stdout
    );

    // A new computer: the registry comes back from the server, after saying what it holds.
    let laptop = tempfile::tempdir().unwrap();
    let out = env.cli_at(laptop.path(), &["store", "migrate", "--from", &url]);
    out.expect(6);
    assert!(
        out.stderr.contains("2 customers, 2 active keys"),
        "{}",
        out.stderr
    );
    let out = env.cli_at(laptop.path(), &["--json", "customers", "search", "mg_"]);
    assert_eq!(
        out.json().as_array().map(Vec::len).unwrap_or(0),
        0,
        "nothing replaced yet"
    );
    env.cli_at(
        laptop.path(),
        &["store", "migrate", "--from", &url, "--yes"],
    )
    .expect(0);
    let out = env.cli_at(laptop.path(), &["--json", "customers", "search", "mg_"]);
    out.expect(0);
    assert_eq!(out.json().as_array().unwrap().len(), 2, "{}", out.stdout);

    let out = env.cli(&["--json", "store", "migrate", "--to", "mysql://somewhere"]);
    out.expect(2);
    assert_eq!(out.err_json()["code"], "invalid_input");
    let out = env.cli(&[
        "--json",
        "store",
        "migrate",
        "--to",
        "postgres://subdesk:pw-secret-1@127.0.0.1:9/postgres",
    ]);
    out.expect(5);
    assert_eq!(out.err_json()["code"], "shared_store_unreachable");
    assert!(!out.stderr.contains("pw-secret-1") && !out.stdout.contains("pw-secret-1"));
}

/// `store shared`: the server's address saved with the profile, its password (from
/// PGPASSWORD, never the command line) in the keyring; `store migrate --to` and `--from`
/// without an address then use both. The test server asks this user for its password, so
/// a copy that works without PGPASSWORD is one that read the keyring, and one refused
/// after `--forget-password` proves it.
#[test]
fn store_shared_remembers_the_server_and_keeps_its_password_in_the_keyring() {
    let Some(own) = subdesk_testkit::own_database("cli_desk", "pw-keyring-1") else {
        return;
    };
    let (role, db, host, role_url) = (&own.name, &own.name, &own.host, own.url.clone());

    let env = Env::new();
    env.issue("sh_1", APPROVE, "홍길동", &[]);
    // Nothing saved yet: `--to` alone says so.
    let out = env.cli(&["--json", "store", "migrate", "--to"]);
    out.expect(2);
    assert_eq!(out.err_json()["code"], "shared_store_not_chosen");
    // A password inside the address would land in a plain file: refused.
    let with_password = format!("postgres://{role}:pw-keyring-1@{host}/{db}");
    let out = env.cli(&["--json", "store", "shared", "--url", &with_password]);
    out.expect(2);
    assert_eq!(out.err_json()["code"], "invalid_shared_settings");
    // --save-password takes it from PGPASSWORD only.
    let out = env.cli(&[
        "--json",
        "store",
        "shared",
        "--url",
        &role_url,
        "--save-password",
    ]);
    assert_eq!(out.err_json()["code"], "invalid_shared_settings");

    let out = env.cli_with(
        &[
            "--json",
            "store",
            "shared",
            "--url",
            &role_url,
            "--every",
            "daily",
            "--save-password",
        ],
        &[("PGPASSWORD", "pw-keyring-1")],
    );
    out.expect(0);
    assert_eq!(out.json()["settings"]["url"], role_url.as_str());
    assert_eq!(out.json()["settings"]["every"], "daily");
    assert_eq!(out.json()["password_saved"], true);
    assert_eq!(out.json()["last_copy_at"], serde_json::Value::Null);
    let profiles = std::fs::read_to_string(env.data_dir().join("profiles.json")).unwrap();
    assert!(profiles.contains(&role_url) && !profiles.contains("pw-keyring-1"));

    // No address, no PGPASSWORD: the saved address and the keyring's password.
    let out = env.cli(&["--json", "store", "migrate", "--to"]);
    out.expect(0);
    assert_eq!(out.json()["target"], format!("{role}@{host}/{db}").as_str());
    let out = env.cli(&["--json", "store", "shared"]);
    assert!(
        out.json()["last_copy_at"].as_i64().is_some(),
        "{}",
        out.stdout
    );
    // For people: the schedule as `--every` takes it, the password only as saved.
    let out = env.cli(&["store", "shared", "--every", "6h"]);
    out.expect(0);
    assert!(out.stdout.contains("every      6h"), "{}", out.stdout);
    assert!(
        out.stdout.contains("saved in the keyring"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("pw-keyring-1"));
    // The same address given by hand also finds the saved password.
    env.cli(&["--json", "store", "migrate", "--to", &role_url])
        .expect(0);
    // And --from without an address says what the saved server holds.
    let out = env.cli(&["store", "migrate", "--from"]);
    assert!(out.stderr.contains("1 customers"), "{}", out.stderr);

    // Forgotten: the server refuses the user without it.
    env.cli(&["--json", "store", "shared", "--forget-password"])
        .expect(0);
    let out = env.cli(&["--json", "store", "migrate", "--to"]);
    assert_eq!(
        out.err_json()["code"],
        "shared_store_refused",
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("pw-keyring-1"));
}
