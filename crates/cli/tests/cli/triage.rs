//! `triage list | resolve | retry`: the desk's triage queue from a terminal, checked at the
//! sandbox (the key issued through the CLI keeps its card's expiry month too).

use crate::common::{APPROVE, DECLINE_FUNDS, Env, FUNDS_REASON};

#[test]
fn a_declined_charge_is_listed_retried_once_and_resolved() {
    let env = Env::new();
    env.issue("tri_cli", DECLINE_FUNDS, "홍길동", &[]);
    let out = env.cli(&[
        "--json",
        "charge",
        "tri_cli",
        "--amount",
        "8800",
        "--name",
        "12월 이용료",
    ]);
    out.expect(3);

    let out = env.cli(&["--json", "triage", "list"]);
    out.expect(0);
    let list = out.json();
    let list = list.as_array().expect("a list");
    assert_eq!(list.len(), 1, "{list:?}");
    let e = &list[0];
    assert_eq!(e["kind"], "failed_charge");
    assert_eq!(e["customer_uid"], "tri_cli");
    assert_eq!(e["amount"], 8800);
    assert_eq!(e["reason"], FUNDS_REASON);
    assert_eq!(e["card_expiry"], "2031-12");
    let key = e["key"].as_str().unwrap().to_owned();
    let order = e["merchant_uid"].as_str().unwrap().to_owned();

    // The customer's new card, and the same order charged again: paid once, under its id.
    env.issue("tri_cli", APPROVE, "홍길동", &["--replace"]);
    let out = env.cli(&["--json", "triage", "retry", &key]);
    out.expect(0);
    assert_eq!(out.json()["status"], "paid");
    assert_eq!(out.json()["merchant_uid"], order.as_str());
    // Asked again: it left the queue; nothing is sent.
    env.cli(&["--json", "triage", "retry", &key]).expect(2);
    assert_eq!(env.paid_for("tri_cli"), 1);
    let out = env.cli(&["--json", "triage", "list"]);
    assert_eq!(out.json().as_array().map(Vec::len), Some(0));

    // Another decline, resolved by hand: it leaves the list.
    env.issue("tri_cli", DECLINE_FUNDS, "홍길동", &["--replace"]);
    env.cli(&[
        "--json", "charge", "tri_cli", "--amount", "1000", "--name", "추가",
    ])
    .expect(3);
    let out = env.cli(&["--json", "triage", "list"]);
    let key = out.json()[0]["key"].as_str().unwrap().to_owned();
    env.cli(&["--json", "triage", "resolve", &key, "--note", "전화함"])
        .expect(0);
    let out = env.cli(&["triage", "list"]);
    out.expect(0);
    assert!(
        out.stdout.contains("nothing needs attention"),
        "{}",
        out.stdout
    );
}
