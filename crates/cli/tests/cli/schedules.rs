//! `schedules add | move | revoke | list` and `key delete`: the desk's schedule functions
//! from a terminal, checked at the sandbox.

use crate::common::{APPROVE, Env};

/// A Seoul date `days` ahead, as the CLI takes it.
fn seoul_day(days: i64) -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        + days * 86_400
        + 9 * 3600;
    let d = t.div_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = d + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[test]
fn schedules_are_added_moved_listed_and_revoked_and_a_key_goes_only_after() {
    let env = Env::new();
    env.issue("sch_cli", APPROVE, "홍길동", &[]);
    let day = seoul_day(3);
    let at = format!("{day} 00:30");
    let out = env.cli(&[
        "--json",
        "schedules",
        "add",
        "sch_cli",
        "--at",
        &at,
        "--amount",
        "15000",
        "--name",
        "3월 정기결제",
    ]);
    out.expect(0);
    let muid = out.json()[0]["merchant_uid"]
        .as_str()
        .expect("merchant_uid")
        .to_owned();
    assert_eq!(env.sent("POST", "/subscribe/payments/schedule"), 1);

    // A bad time is refused with every problem at once, nothing sent.
    let out = env.cli(&[
        "--json",
        "schedules",
        "add",
        "sch_cli",
        "--at",
        "2020-01-01 25:00",
        "--amount",
        "0",
        "--name",
        "x",
    ]);
    out.expect(2);
    let e = out.err_json();
    assert_eq!(e["code"], "invalid_form");
    assert_eq!(env.sent("POST", "/subscribe/payments/schedule"), 1);

    let out = env.cli(&["schedules", "move", &muid, "--at", &format!("{day} 09:15")]);
    out.expect(0);
    assert_eq!(
        env.sent("PUT", &format!("/subscribe/payments/schedule/{muid}")),
        1
    );

    let list = env.cli(&["schedules", "list", "--state", "scheduled"]);
    list.expect(0);
    assert!(
        list.stdout.contains(&format!("{day} 09:15")),
        "{}",
        list.stdout
    );
    assert!(list.stdout.contains("₩15,000"), "{}", list.stdout);

    // Deleting the key revokes it first.
    let out = env.cli(&["--json", "key", "delete", "sch_cli", "--reason", "탈퇴"]);
    out.expect(0);
    let v = out.json();
    assert_eq!(v["revoked"][0]["merchant_uid"], muid.as_str());
    assert_eq!(env.sent("POST", "/subscribe/payments/unschedule"), 1);
    let list = env
        .cli(&["--json", "schedules", "list", "--state", "revoked"])
        .json();
    assert_eq!(list["totals"]["count"], 1);
    assert_eq!(list["totals"]["amount"], 15000);
}
