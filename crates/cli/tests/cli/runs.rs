//! `run csv | plan | resume | report`.

use subdesk_billing::{DunningPolicy, Interval, PlanInput};

use crate::common::{APPROVE, DECLINE_FUNDS, Env};

fn csv(env: &Env, name: &str, text: &str) -> String {
    let p = env.data_dir().join(name);
    std::fs::write(&p, text).expect("write csv");
    p.to_str().unwrap_or_default().to_owned()
}

#[test]
fn a_csv_run_is_a_dry_run_by_default_then_resumed_and_reported() {
    let env = Env::new();
    env.issue("cust_a", APPROVE, "홍길동", &[]);
    env.issue("cust_b", DECLINE_FUNDS, "김민준", &[]);
    let file = csv(
        &env,
        "run.csv",
        "customer_uid,amount,name\ncust_a,5000,월 구독\ncust_b,7000\nnobody,1000\n",
    );
    env.clear_requests();

    let dry = env.cli(&["run", "csv", &file]);
    dry.expect(0);
    assert!(
        dry.stdout.contains("2 charge(s), total ₩12,000"),
        "{}",
        dry.stdout
    );
    assert!(dry.stdout.contains("nobody") && dry.stdout.contains("no_key"));
    assert!(dry.stdout.contains("dry run: nothing was charged"));
    let plan = env
        .cli(&["--json", "run", "csv", &file, "--dry-run"])
        .json();
    assert_eq!(plan["count"], 2);
    assert_eq!(plan["total"], 12000);
    assert_eq!(
        env.sent("POST", "/subscribe/payments/again"),
        0,
        "a dry run sends nothing"
    );

    let run_id = plan["run_id"].as_str().expect("run_id").to_owned();
    let out = env.cli(&["--json", "run", "resume", &run_id]);
    out.expect(3);
    let v = out.json();
    assert_eq!(v["report"]["state"], "completed");
    assert_eq!(v["report"]["progress"]["paid"], 1);
    assert_eq!(v["report"]["progress"]["declined"], 1);
    assert_eq!(env.sent("POST", "/subscribe/payments/again"), 2);

    // Resuming a completed run charges nothing again.
    let again = env.cli(&["run", "resume", &run_id]);
    again.expect(2);
    assert!(again.stderr.contains("completed"), "{}", again.stderr);
    assert_eq!(env.sent("POST", "/subscribe/payments/again"), 2);

    let report = env.cli(&["run", "report", &run_id]);
    report.expect(0);
    let lines: Vec<&str> = report.stdout.lines().collect();
    assert!(lines[0].starts_with("\u{feff}line,customer_uid"));
    assert!(lines[1].contains("cust_a") && lines[1].contains(",paid,"));
    assert!(lines[2].contains("cust_b") && lines[2].contains("잔액부족"));
    let out_file = env.data_dir().join("report.csv");
    env.cli(&[
        "run",
        "report",
        &run_id,
        "--out",
        out_file.to_str().unwrap_or(""),
    ])
    .expect(0);
    assert_eq!(
        std::fs::read_to_string(&out_file).ok().as_deref(),
        Some(report.stdout.as_str())
    );
    env.cli(&["run", "report", "run-nope"]).expect(2);
}

#[test]
fn execute_refuses_bad_csv_rows_unless_good_only() {
    let env = Env::new();
    env.issue("cust_a", APPROVE, "홍길동", &[]);
    let file = csv(&env, "bad.csv", "cust_a,5000\ncust_a,abc\n");
    env.clear_requests();
    let out = env.cli(&["run", "csv", &file, "--execute"]);
    out.expect(2);
    assert!(out.stderr.contains("--good-only"), "{}", out.stderr);
    assert!(out.stdout.contains("bad_row"));
    assert_eq!(env.sent("POST", "/subscribe/payments/again"), 0);

    let out = env.cli(&["run", "csv", &file, "--execute", "--good-only"]);
    out.expect(0);
    assert!(
        out.stdout.contains("completed") && out.stdout.contains("paid 1 (₩5,000)"),
        "{}",
        out.stdout
    );
    assert_eq!(env.sent("POST", "/subscribe/payments/again"), 1);
    env.cli(&["run", "csv", &file, "--execute", "--dry-run"])
        .expect(2);
}

#[test]
fn a_plan_run_charges_everyone_due_once() {
    let env = Env::new();
    env.issue("cust_a", APPROVE, "홍길동", &[]);
    env.issue("cust_b", APPROVE, "김민준", &[]);
    let store = env.store("sandbox");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    store
        .create_plan(&PlanInput {
            code: "gold".into(),
            name: "골드 구독".into(),
            amount: 9900,
            // Part of it tax-free: sent with each charge, and the VAT counted without it.
            tax_free: 900,
            interval: Interval::EveryDays { days: 30 },
            start_at: now - 60,
            end_at: None,
            max_periods: None,
            dunning: DunningPolicy::every(3, 2),
            first_charge: false,
        })
        .expect("plan");
    store.subscribe("gold", "cust_a").expect("sub a");
    // A subscription with an amount of its own is charged that amount.
    store
        .subscribe_with(
            "gold",
            "cust_b",
            &subdesk_billing::SubscribeOptions {
                amount: Some(5_000),
                ..Default::default()
            },
        )
        .expect("sub b");
    drop(store);

    let dry = env.cli(&["--json", "run", "plan", "gold"]).json();
    assert_eq!(dry["count"], 2);
    assert_eq!(dry["total"], 14_900);
    // round((9,900 − 900) / 11) + round((5,000 − 900) / 11), as i'mport counts it.
    assert_eq!(dry["vat"], 818 + 373, "{dry}");
    env.clear_requests();
    let out = env.cli(&["run", "plan", "gold", "--execute"]);
    out.expect(0);
    assert!(out.stdout.contains("paid 2 (₩14,900)"), "{}", out.stdout);
    assert_eq!(env.sent("POST", "/subscribe/payments/again"), 2);
    let bodies: Vec<serde_json::Value> = env
        .requests()
        .into_iter()
        .filter(|(m, p, _)| m == "POST" && p == "/subscribe/payments/again")
        .map(|(_, _, b)| serde_json::from_str(&b).expect("a JSON body"))
        .collect();
    assert!(
        bodies.iter().all(|b| b["tax_free"] == 900),
        "the plan's tax-free part goes with each charge: {bodies:?}"
    );
    // Planned again, it is the same run, which completed: refused, nothing sent.
    let again = env.cli(&["--json", "run", "plan", "gold"]);
    again.expect(2);
    assert_eq!(again.err_json()["code"], "run_already_done");
    // Deliberately once more: the period is already charged, nobody is due.
    let repeat = env
        .cli(&["--json", "run", "plan", "gold", "--repeat-done"])
        .json();
    assert_eq!(repeat["count"], 0);
    assert_eq!(env.sent("POST", "/subscribe/payments/again"), 2);
    env.cli(&["run", "plan", "nope"]).expect(2);
}

/// A CSV run killed half-way (as a crash or a closed terminal would), then the very
/// same command again: it resumes the same run, and every customer is charged once.
#[test]
fn the_same_csv_run_again_after_a_kill_resumes_and_charges_each_line_once() {
    let env = Env::new();
    let customers = ["k_1", "k_2", "k_3", "k_4", "k_5"];
    for c in customers {
        env.issue(c, APPROVE, "홍길동", &[]);
    }
    // k_1 twice by mistake: flagged and left out, not charged twice.
    let file = csv(
        &env,
        "killed.csv",
        "k_1,1000\nk_2,2000\nk_3,3000\nk_4,4000\nk_5,5000\nk_1,1000\n",
    );
    env.clear_requests();
    let args = [
        "run",
        "csv",
        &file,
        "--execute",
        "--concurrency",
        "1",
        "--rate",
        "2",
    ];
    let mut child = env.spawn(&args);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while env.sent("POST", "/subscribe/payments/again") < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "the run never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().expect("kill");
    let _ = child.wait();
    let out = env.cli(&args);
    out.expect(0);
    assert!(out.stdout.contains("resumed"), "{}", out.stdout);
    for c in customers {
        assert_eq!(env.paid_for(c), 1, "{c} charged once");
    }
    assert!(out.stdout.contains("duplicate_customer"), "{}", out.stdout);
    // And once more: the run is complete; nothing is charged.
    let third = env.cli(&["--json", "run", "csv", &file, "--execute"]);
    third.expect(2);
    assert_eq!(third.err_json()["code"], "run_already_done");
    for c in customers {
        assert_eq!(env.paid_for(c), 1, "{c}");
    }
}
