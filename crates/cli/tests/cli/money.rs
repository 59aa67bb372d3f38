//! `charge`, `refund`, `journal`, live-mode confirmation.

use serde_json::json;
use subdesk_billing::CustomerRecord;

use crate::common::{APPROVE, DECLINE_FUNDS, Env, FUNDS_REASON};

#[test]
fn a_charge_is_paid_exit_0_human_and_json() {
    let env = Env::new();
    env.issue("cust_1", APPROVE, "홍길동", &[]);
    env.clear_requests();
    let out = env.cli(&[
        "charge",
        "cust_1",
        "--amount",
        "12000",
        "--name",
        "정기 구독",
    ]);
    out.expect(0);
    assert!(
        out.stdout.contains("₩12,000 from 홍길동 (cust_1)"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("imp_uid"));
    let again = env.requests();
    let posts: Vec<_> = again
        .iter()
        .filter(|(m, p, _)| m == "POST" && p == "/subscribe/payments/again")
        .collect();
    assert_eq!(posts.len(), 1);
    assert!(posts[0].2.contains("12000") && posts[0].2.contains("cust_1"));

    let out = env.cli(&[
        "--json",
        "charge",
        "cust_1",
        "--amount",
        "5000",
        "--name",
        "추가",
        "--tax-free",
        "1000",
    ]);
    out.expect(0);
    let v = out.json();
    assert_eq!(v["status"], "paid");
    assert_eq!(v["amount"], 5000);
    assert!(v["merchant_uid"].as_str().is_some_and(|m| !m.is_empty()));
    // Both are in the journal, succeeded.
    let j = env.cli(&["--json", "journal", "list"]).json();
    assert_eq!(j.as_array().map(Vec::len), Some(2));
    assert_eq!(j[0]["state"], "succeeded");
}

#[test]
fn a_declined_charge_is_exit_3_with_the_card_companys_words() {
    let env = Env::new();
    env.issue("cust_d", DECLINE_FUNDS, "김민준", &[]);
    let out = env.cli(&["charge", "cust_d", "--amount", "9900", "--name", "구독"]);
    out.expect(3);
    assert!(
        out.stdout.contains("declined") && out.stdout.contains(FUNDS_REASON),
        "{}",
        out.stdout
    );
    let out = env.cli(&[
        "--json", "charge", "cust_d", "--amount", "9900", "--name", "구독",
    ]);
    out.expect(3);
    assert_eq!(out.json()["status"], "declined");
    assert_eq!(out.json()["fail_reason"], FUNDS_REASON);
}

#[test]
fn bad_charges_are_refused_before_anything_is_sent() {
    let env = Env::new();
    env.issue("cust_1", APPROVE, "홍길동", &[]);
    env.clear_requests();
    for (args, code) in [
        (
            vec!["charge", "nobody", "--amount", "1000", "--name", "x"],
            "not_found",
        ),
        (
            vec!["charge", "cust_1", "--amount", "0", "--name", "x"],
            "invalid_input",
        ),
        (
            vec!["charge", "cust_1", "--amount", "1000", "--name", " "],
            "invalid_input",
        ),
        (
            vec![
                "charge",
                "cust_1",
                "--amount",
                "1000",
                "--name",
                "x",
                "--tax-free",
                "2000",
            ],
            "invalid_input",
        ),
    ] {
        let mut a = vec!["--json"];
        a.extend(args);
        let out = env.cli(&a);
        out.expect(2);
        assert_eq!(out.err_json()["code"], code);
    }
    assert!(env.requests().is_empty(), "{:?}", env.requests());
}

#[test]
fn a_lost_answer_is_exit_4_then_reconcile_decides_it() {
    let env = Env::new();
    env.issue("cust_1", APPROVE, "홍길동", &[]);
    env.fault(json!({
        "kind": "commit_then_drop", "method": "POST",
        "path_prefix": "/subscribe/payments/again", "count": 1
    }));
    // The core looks once right away; make that lookup fail too, so the answer stays lost.
    env.fault(json!({
        "kind": "status", "status": 500, "method": "GET",
        "path_prefix": "/payments/findAll", "count": 20
    }));
    let out = env.cli(&[
        "--json", "charge", "cust_1", "--amount", "7000", "--name", "x",
    ]);
    out.expect(4);
    let v = out.json();
    assert_eq!(v["status"], "unknown");
    let merchant_uid = v["merchant_uid"].as_str().expect("merchant_uid").to_owned();
    env.clear_faults();
    // Exactly one request left: a POST is never retried blindly.
    assert_eq!(env.sent("POST", "/subscribe/payments/again"), 1);

    let open = env.cli(&["--json", "journal", "list", "--open"]).json();
    assert_eq!(open.as_array().map(Vec::len), Some(1));
    let human = env.cli(&["journal", "list", "--open"]);
    assert!(human.stdout.contains("checking"), "{}", human.stdout);

    // Reconciliation looks it up and finds the committed payment.
    let out = env.cli(&["--json", "journal", "reconcile"]);
    out.expect(0);
    let r = out.json();
    assert_eq!(r["resolved"], 1);
    assert_eq!(r["entries"][0]["outcome"], "paid");
    assert!(env.sent("GET", &format!("/payments/findAll/{merchant_uid}")) >= 1);
    // The person runs the same command again, as people do after "checking": it is
    // answered with the charge that went through, and nothing is sent.
    let again = env.cli(&[
        "--json", "charge", "cust_1", "--amount", "7000", "--name", "x",
    ]);
    again.expect(0);
    let v = again.json();
    assert_eq!(v["status"], "paid");
    assert_eq!(v["replayed"], true);
    assert_eq!(v["merchant_uid"], merchant_uid.as_str());
    // The same order named explicitly: the same answer.
    let named = env.cli(&[
        "--json",
        "charge",
        "cust_1",
        "--amount",
        "7000",
        "--name",
        "x",
        "--merchant-uid",
        &merchant_uid,
    ]);
    named.expect(0);
    assert_eq!(named.json()["replayed"], true);
    assert_eq!(
        env.sent("POST", "/subscribe/payments/again"),
        1,
        "charged exactly once"
    );
}

#[test]
fn refunds_partial_then_the_rest_with_checksum() {
    let env = Env::new();
    env.issue("cust_1", APPROVE, "홍길동", &[]);
    let imp = env.charge("cust_1", 12000);
    let out = env.cli(&["refund", &imp, "--amount", "2000", "--reason", "부분 환불"]);
    out.expect(0);
    assert!(
        out.stdout.contains("₩2,000") && out.stdout.contains("₩10,000"),
        "{}",
        out.stdout
    );
    let cancels: Vec<_> = env
        .requests()
        .into_iter()
        .filter(|(m, p, _)| m == "POST" && p == "/payments/cancel")
        .collect();
    assert_eq!(cancels.len(), 1);
    assert!(cancels[0].2.contains("checksum"), "{}", cancels[0].2);

    let over = env.cli(&[
        "--json", "refund", &imp, "--amount", "20000", "--reason", "x",
    ]);
    over.expect(2);
    assert_eq!(over.err_json()["code"], "refund_exceeds_balance");
    env.cli(&["refund", &imp, "--reason", ""]).expect(2);

    let rest = env.cli(&["--json", "refund", &imp, "--reason", "전액 환불"]);
    rest.expect(0);
    assert_eq!(rest.json()["status"], "refunded");
    assert_eq!(rest.json()["amount"], 10000);
    assert_eq!(env.sent("POST", "/payments/cancel"), 2);
}

/// A live profile pointing at the sandbox: without a terminal and without --yes-live,
/// money is refused and nothing is sent (no keyring needed: the refusal comes first).
#[test]
fn live_money_without_a_terminal_needs_yes_live() {
    let env = Env::new();
    env.cli(&[
        "profile",
        "add",
        "Live Shop",
        "--mode",
        "live",
        "--base-url",
        &env.url,
    ])
    .expect(0);
    env.store("live-shop")
        .upsert_customer(&CustomerRecord {
            customer_uid: "cust_live".into(),
            customer_name: Some("홍길동".into()),
            ..CustomerRecord::default()
        })
        .expect("seed");
    // upsert marks the key active, as a sync would.
    let out = env.cli(&[
        "--profile",
        "Live Shop",
        "charge",
        "cust_live",
        "--amount",
        "50000",
        "--name",
        "연간 구독",
    ]);
    out.expect(6);
    assert!(
        out.stderr.contains("LIVE") && out.stderr.contains("₩50,000"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("홍길동 (cust_live)"));
    assert!(out.stderr.contains("--yes-live") && out.stderr.contains("Nothing was sent"));
    let out = env.cli(&[
        "--json",
        "--profile",
        "live-shop",
        "refund",
        "imp_1",
        "--reason",
        "x",
    ]);
    out.expect(6);
    assert!(out.stderr.contains("live_confirmation_required"));
    std::fs::write(env.data_dir().join("run.csv"), "cust_live,1000\n").expect("csv");
    let csv = env.data_dir().join("run.csv");
    let out = env.cli(&[
        "--profile",
        "live-shop",
        "run",
        "csv",
        csv.to_str().unwrap_or(""),
        "--execute",
    ]);
    out.expect(6);
    assert!(
        env.requests().is_empty(),
        "nothing reached i'mport: {:?}",
        env.requests()
    );
}

/// keyring: a live profile with credentials, confirmed with --yes-live, charges once.
#[test]
fn keyring_live_money_with_yes_live_goes_through() {
    let env = Env::new();
    env.cli_in(
        &[
            "profile",
            "add",
            "Live Two",
            "--mode",
            "live",
            "--base-url",
            &env.url,
            "--imp-key",
            subdesk_sandbox::DEFAULT_IMP_KEY,
            "--secret-stdin",
        ],
        subdesk_sandbox::DEFAULT_IMP_SECRET,
    )
    .expect(0);
    env.issue("cust_l", APPROVE, "홍길동", &["--profile", "live-two"]);
    let out = env.cli(&[
        "--json",
        "--yes-live",
        "--profile",
        "live-two",
        "charge",
        "cust_l",
        "--amount",
        "1000",
        "--name",
        "x",
    ]);
    out.expect(0);
    assert_eq!(out.json()["status"], "paid");
    assert!(
        out.stderr.is_empty(),
        "JSON mode keeps stderr for errors: {}",
        out.stderr
    );
    assert_eq!(env.sent("POST", "/subscribe/payments/again"), 1);
}

#[test]
fn retry_charges_a_failed_payment_again_under_its_own_order() {
    let env = Env::new();
    env.issue("cust_r", DECLINE_FUNDS, "김민준", &[]);
    let out = env.cli(&[
        "--json", "charge", "cust_r", "--amount", "5500", "--name", "구독",
    ]);
    out.expect(3);
    let failed = out.json()["imp_uid"].as_str().unwrap().to_owned();
    let order = out.json()["merchant_uid"].as_str().unwrap().to_owned();
    // The card is replaced; the failed charge is retried as the same intent.
    env.issue("cust_r", APPROVE, "김민준", &["--replace"]);
    let out = env.cli(&["--json", "retry", &failed]);
    out.expect(0);
    assert_eq!(out.json()["status"], "paid");
    assert_eq!(out.json()["merchant_uid"], order.as_str());
    // Again: that paid charge answers; nothing is charged twice.
    let out = env.cli(&["--json", "retry", &failed]);
    out.expect(0);
    assert_eq!(out.json()["replayed"], true);
    // A paid payment is not retried.
    let paid = out.json()["imp_uid"].as_str().unwrap().to_owned();
    let out = env.cli(&["--json", "retry", &paid]);
    out.expect(2);
}
