//! `key issue | delete`: card data from stdin only, refused in arguments.

use crate::common::{APPROVE, Env, FAIL_ISSUE};

#[test]
fn card_data_in_arguments_is_refused_with_exit_2_and_nothing_is_sent() {
    let env = Env::new();
    for args in [
        vec![
            "key",
            "issue",
            "c1",
            "--pg",
            "nice",
            "--card-number",
            "4242424242424242",
        ],
        vec![
            "key",
            "issue",
            "c1",
            "--pg",
            "nice",
            "--number=4242-4242-4242-4242",
        ],
        vec!["key", "issue", "c1", "--pg", "nice", "4242 4242 4242 4242"],
        vec!["key", "issue", "4242424242424242", "--pg", "nice"],
        vec![
            "--json", "key", "issue", "c1", "--pg", "nice", "--expiry", "2031-12",
        ],
        vec![
            "charge", "c1", "--amount", "1000", "--name", "x", "--cvc", "123",
        ],
    ] {
        let out = env.cli_in(&args, "number=4242-4242-4242-4242\nexpiry=2031-12\n");
        out.expect(2);
        assert!(out.stdout.is_empty());
        assert!(
            out.stderr
                .contains("card data is never taken from arguments"),
            "{}",
            out.stderr
        );
        assert!(
            !out.stderr.contains("4242"),
            "the refusal never repeats the number"
        );
    }
    let json = env.cli(&[
        "--json",
        "key",
        "issue",
        "c1",
        "--pg",
        "nice",
        "5555555555554444",
    ]);
    json.expect(2);
    assert_eq!(json.err_json()["code"], "card_data_in_arguments");
    assert_eq!(env.sent("POST", "/subscribe/customers"), 0);
    assert!(env.requests().is_empty(), "not even a token was asked for");
    assert!(
        !env.data_dir().join("profiles").exists(),
        "no profile was opened"
    );
}

#[test]
fn a_key_is_issued_from_stdin_as_key_value_lines_or_json() {
    let env = Env::new();
    let out = env.cli_in(
        &[
            "key",
            "issue",
            "cust_kv",
            "--pg",
            "nice",
            "--customer-name",
            "홍길동",
            "--card-stdin",
        ],
        &format!("number={APPROVE}\nexpiry=2031-12\nbirth=900101\npwd_2digit=12\n"),
    );
    out.expect(0);
    assert!(
        out.stdout.contains("cust_kv") && out.stdout.contains("신한카드"),
        "{}",
        out.stdout
    );
    assert!(
        !out.stdout.contains(APPROVE),
        "only the masked number is shown"
    );

    let out = env.cli_in(
        &[
            "--json",
            "key",
            "issue",
            "cust_js",
            "--pg",
            "nice",
            "--card-stdin",
        ],
        r#"{"number":"5555-5555-5555-4444","expiry":"2031-12","birth":"900101","pwd_2digit":"12"}"#,
    );
    out.expect(0);
    let v = out.json();
    assert_eq!(v["customer_uid"], "cust_js");
    assert_eq!(v["key_status"], "active");
    assert_eq!(env.sent("POST", "/subscribe/customers/cust_kv"), 1);
    assert_eq!(env.sent("POST", "/subscribe/customers/cust_js"), 1);
    // The sandbox logs card fields masked; the CLI sent the card in the body only.
    let search = env.cli(&["--json", "customers", "search", "cust_"]).json();
    assert_eq!(search.as_array().map(Vec::len), Some(2));
}

#[test]
fn a_bad_card_form_is_refused_before_sending_with_every_problem() {
    let env = Env::new();
    let out = env.cli_in(
        &[
            "--json",
            "key",
            "issue",
            "cust_x",
            "--pg",
            "nice",
            "--card-stdin",
        ],
        "number=4242-4242-4242-4241\nexpiry=2001-01\n",
    );
    out.expect(2);
    let e = out.err_json();
    assert_eq!(e["code"], "invalid_form");
    let fields: Vec<&str> = e["details"]["problems"]
        .as_array()
        .map(|p| p.iter().filter_map(|x| x["field"].as_str()).collect())
        .unwrap_or_default();
    assert!(fields.len() >= 2, "{e}");
    // Without --card-stdin and without a terminal there is no way to ask.
    let out = env.cli(&["key", "issue", "cust_x", "--pg", "nice"]);
    out.expect(2);
    assert!(out.stderr.contains("--card-stdin"));
    assert_eq!(env.sent("POST", "/subscribe/customers"), 0);
}

#[test]
fn a_card_the_company_refuses_is_exit_3_with_its_korean_message_verbatim() {
    let env = Env::new();
    let out = env.cli_in(
        &["key", "issue", "cust_f", "--pg", "nice", "--card-stdin"],
        &format!("number={FAIL_ISSUE}\nexpiry=2031-12\nbirth=900101\npwd_2digit=12\n"),
    );
    out.expect(3);
    assert!(
        out.stderr
            .contains(subdesk_sandbox::cards::FAIL_ISSUE_MESSAGE),
        "{}",
        out.stderr
    );
}

#[test]
fn a_key_is_deleted_with_a_reason() {
    let env = Env::new();
    env.issue("cust_del", APPROVE, "홍길동", &[]);
    env.cli(&["key", "delete", "cust_del"]).expect(2);
    let out = env.cli(&[
        "--json",
        "key",
        "delete",
        "cust_del",
        "--reason",
        "해지 요청",
    ]);
    out.expect(0);
    // The key, and the schedules revoked before it went (none here).
    assert_eq!(out.json()["customer"]["key_status"], "deleted");
    assert_eq!(out.json()["revoked"], serde_json::json!([]));
    assert_eq!(env.sent("DELETE", "/subscribe/customers/cust_del"), 1);
    // Charging a deleted key is refused locally.
    let out = env.cli(&["charge", "cust_del", "--amount", "1000", "--name", "x"]);
    out.expect(2);
    assert_eq!(env.sent("POST", "/subscribe/payments/again"), 0);
}

#[test]
fn issuing_on_a_customer_uid_with_a_key_needs_replace_and_names_the_key() {
    let env = Env::new();
    env.issue("cust_rp", APPROVE, "홍길동", &[]);
    let card = "number=5555-5555-5555-4444\nexpiry=2031-12\nbirth=900101\npwd_2digit=12\n";
    let args = ["key", "issue", "cust_rp", "--pg", "nice", "--card-stdin"];
    let out = env.cli_in(&args, card);
    out.expect(6);
    assert!(
        out.stderr.contains("already has a billing key") && out.stderr.contains("--replace"),
        "{}",
        out.stderr
    );
    assert_eq!(
        env.sent("POST", "/subscribe/customers/cust_rp"),
        1,
        "nothing sent"
    );
    let json = env.cli_in(
        &[
            "--json",
            "key",
            "issue",
            "cust_rp",
            "--pg",
            "nice",
            "--card-stdin",
        ],
        card,
    );
    json.expect(6);
    assert_eq!(json.err_json()["code"], "key_replaces_existing");
    let mut with = args.to_vec();
    with.push("--replace");
    env.cli_in(&with, card).expect(0);
    assert_eq!(env.sent("POST", "/subscribe/customers/cust_rp"), 2);
}
