//! `customers …`, `payments list`, `sync`, `audit verify`.

use crate::common::{APPROVE, DECLINE_FUNDS, Env};

#[test]
fn search_and_show_with_korean_names_aligned() {
    let env = Env::new();
    env.issue(
        "cust_kim",
        APPROVE,
        "김민준",
        &["--customer-tel", "010-1234-5678"],
    );
    env.issue("cust_hong", DECLINE_FUNDS, "홍길동", &[]);
    env.clear_requests();

    let out = env.cli(&["customers", "search", "민준"]);
    out.expect(0);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", out.stdout);
    assert!(lines[1].starts_with("cust_kim") && lines[1].contains("김민준"));
    // Columns line up by display width: "name" and "김민준" start at the same column.
    let col = |l: &str, w: &str| l.find(w).map(|i| unicode_width(&l[..i]));
    assert_eq!(col(lines[0], "name"), col(lines[1], "김민준"));

    let json = env
        .cli(&["--json", "customers", "search", "01012345678"])
        .json();
    assert_eq!(json[0]["customer_uid"], "cust_kim", "phone without hyphens");
    let initials = env.cli(&["--json", "customers", "search", "ㄱㅁㅈ"]).json();
    assert_eq!(initials[0]["customer_uid"], "cust_kim", "초성");
    let none = env.cli(&["customers", "search", "없는사람"]);
    none.expect(0);
    assert!(none.stdout.contains("no customers match"));

    env.charge("cust_kim", 15000);
    let show = env.cli(&["customers", "show", "cust_kim"]);
    show.expect(0);
    assert!(
        show.stdout.contains("김민준") && show.stdout.contains("₩15,000"),
        "{}",
        show.stdout
    );
    let v = env.cli(&["--json", "customers", "show", "cust_kim"]).json();
    assert_eq!(v["customer"]["key_status"], "active");
    assert_eq!(v["payments"][0]["amount"], 15000);
    env.cli(&["customers", "show", "nobody"]).expect(2);
}

fn unicode_width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            if ('\u{1100}'..='\u{D7A3}').contains(&c) || ('\u{3130}'..='\u{318F}').contains(&c) {
                2
            } else {
                1
            }
        })
        .sum()
}

#[test]
fn import_lists_bad_rows_and_imports_nothing_unless_good_only() {
    let env = Env::new();
    env.issue("cust_known", APPROVE, "홍길동", &[]);
    let file = env.data_dir().join("keys.txt");
    std::fs::write(&file, "cust_known\ncust_new\nbad uid\ncust_new\n").expect("write");
    let path = file.to_str().unwrap_or("");

    let out = env.cli(&["customers", "import", path]);
    out.expect(2);
    assert!(
        out.stderr.contains("bad uid") && out.stderr.contains("duplicate of line 2"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("nothing was imported"));
    let json = env.cli(&["--json", "customers", "import", path]);
    json.expect(2);
    let e = json.err_json();
    assert_eq!(e["code"], "import_bad_rows");
    assert_eq!(e["details"]["bad"][0]["line"], 3);
    assert_eq!(e["details"]["bad"][1]["line"], 4);
    assert_eq!(
        env.cli(&["--json", "customers", "search", "cust_new"])
            .json(),
        serde_json::json!([])
    );

    env.clear_requests();
    let out = env.cli(&["--json", "customers", "import", path, "--good-only"]);
    out.expect(0);
    let v = out.json();
    assert_eq!(v["result"]["imported"], 1);
    assert_eq!(v["result"]["skipped_bad"], 2);
    // The imported key is checked at i'mport (which does not know it).
    assert_eq!(v["verify"]["unknown"], 1);
    assert_eq!(env.sent("GET", "/subscribe/customers"), 1);
    let c = env.cli(&["--json", "customers", "show", "cust_new"]).json();
    assert_eq!(c["customer"]["key_status"], "unknown");
}

#[test]
fn sync_fills_a_fresh_mirror_and_payments_list_filters_it() {
    let env = Env::new();
    env.issue("cust_a", APPROVE, "홍길동", &[]);
    env.issue("cust_b", DECLINE_FUNDS, "김민준", &[]);
    env.charge("cust_a", 12000);
    env.cli(&["charge", "cust_b", "--amount", "3000", "--name", "x"])
        .expect(3);

    // A second profile data folder sees nothing until it syncs: payments are i'mport's.
    let other = tempfile::tempdir().expect("tempdir");
    let fresh = Fresh(&env, other.path());
    assert_eq!(
        fresh.cli(&["--json", "payments", "list"]).json(),
        serde_json::json!([])
    );
    env.clear_requests();
    let out = fresh.cli(&["sync", "--payments", "--from", "2020-01-01"]);
    out.expect(0);
    assert!(
        out.stdout.contains("payments") && out.stdout.contains("completed"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("schedules"), "only what was asked");
    assert!(env.sent("GET", "/payments") >= 1);
    assert_eq!(env.sent("GET", "/subscribe/payments/schedule"), 0);

    let all = fresh.cli(&["--json", "payments", "list"]).json();
    assert_eq!(all.as_array().map(Vec::len), Some(2));
    let paid = fresh
        .cli(&["--json", "payments", "list", "--status", "paid"])
        .json();
    assert_eq!(paid.as_array().map(Vec::len), Some(1));
    assert_eq!(paid[0]["customer_uid"], "cust_a");
    let failed = fresh
        .cli(&[
            "--json",
            "payments",
            "list",
            "--status",
            "failed",
            "--customer",
            "cust_b",
        ])
        .json();
    assert_eq!(failed.as_array().map(Vec::len), Some(1));
    let future = fresh
        .cli(&["--json", "payments", "list", "--from", "2999-01-01"])
        .json();
    assert_eq!(future, serde_json::json!([]));
    fresh.cli(&["payments", "list", "--from", "soon"]).expect(2);
    // A named period in the profile's zone, on the chosen time: today's payment is this
    // month's; the failed one has no paid time.
    let month = fresh
        .cli(&[
            "--json",
            "payments",
            "list",
            "--period",
            "this-month",
            "--time",
            "paid",
        ])
        .json();
    assert_eq!(month.as_array().map(Vec::len), Some(1), "{month}");
    let table = fresh.cli(&["payments", "list", "--period", "this-month", "--pg", "nice"]);
    table.expect(0);
    assert!(
        table
            .stdout
            .contains("2 payment(s) match · paid ₩12,000 · refunded ₩0 · net ₩12,000"),
        "{}",
        table.stdout
    );
    let none = fresh
        .cli(&["--json", "payments", "list", "--method", "vbank"])
        .json();
    assert_eq!(none, serde_json::json!([]));
    fresh
        .cli(&[
            "payments",
            "list",
            "--period",
            "this-month",
            "--from",
            "2020-01-01",
        ])
        .expect(2);

    let human = fresh.cli(&["payments", "list"]);
    human.expect(0);
    assert!(
        human.stdout.contains("₩12,000") && human.stdout.contains("잔액부족"),
        "{}",
        human.stdout
    );
    let csv = fresh.cli(&["payments", "list", "--csv"]);
    csv.expect(0);
    assert!(csv.stdout.starts_with('\u{feff}'), "BOM for Excel");
    assert_eq!(csv.stdout.lines().count(), 3, "{}", csv.stdout);

    // All streams when none is chosen; the key registry of this folder is empty.
    let all = fresh.cli(&["--json", "sync"]);
    all.expect(0);
    let v = all.json();
    assert!(v["payments"].is_object() && v["schedules"].is_object() && v["keys"].is_object());
}

#[test]
fn audit_verify_reports_an_intact_chain() {
    let env = Env::new();
    env.issue("cust_1", APPROVE, "홍길동", &[]);
    let out = env.cli(&["audit", "verify"]);
    out.expect(0);
    assert!(out.stdout.contains("intact"));
    let v = env.cli(&["--json", "audit", "verify"]).json();
    assert_eq!(v["ok"], true);
    assert!(v["checked"].as_i64().is_some_and(|n| n >= 1));
}

/// The CLI on a second data folder, same sandbox.
struct Fresh<'a>(&'a Env, &'a std::path::Path);

impl Fresh<'_> {
    fn cli(&self, args: &[&str]) -> crate::common::Out {
        self.0.cli_at(self.1, args)
    }
}
