//! `plans create | list | show | run | archive`, `subscribe`, `unsubscribe`: the desk's
//! plans from a terminal at the sandbox's time, checked at the sandbox.

use serde_json::Value;

use crate::common::{APPROVE, DECLINE_FUNDS, Env};

const DAY: i64 = 86_400;

impl Env {
    fn clock(&self, path: &str, body: Option<Value>) -> i64 {
        let v: Value = self.rt.block_on(async {
            let c = reqwest::Client::new();
            let url = format!("{}/__sandbox/{path}", self.url);
            let req = match body {
                Some(b) => c.post(url).json(&b),
                None => c.get(url),
            };
            req.send().await.expect("clock").json().await.expect("json")
        });
        let v = v.get("response").unwrap_or(&v);
        v["now"].as_i64().expect("now")
    }

    /// The sandbox's time `days` ahead, as "YYYY-MM-DD HH:MM" in Seoul.
    fn seoul_at(&self, days: i64) -> String {
        let t = self.clock("clock", None) + days * DAY;
        jiff::Timestamp::from_second(t)
            .unwrap()
            .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(9)))
            .strftime("%Y-%m-%d %H:%M")
            .to_string()
    }
}

#[test]
fn a_plan_from_the_terminal_subscribed_run_and_cancelled() {
    let env = Env::new();
    env.issue("pl_a", APPROVE, "김하나", &[]);
    env.issue("pl_b", DECLINE_FUNDS, "이둘", &[]);

    // Every problem at once, nothing written.
    let out = env.cli(&[
        "--json",
        "plans",
        "create",
        "Bad!",
        "--name",
        " ",
        "--amount",
        "0",
        "--interval",
        "monthly",
        "--day",
        "30",
        "--start",
        "2020-01-01 10:00",
    ]);
    out.expect(2);
    let e = out.err_json();
    assert_eq!(e["code"], "invalid_form");
    let mut fields: Vec<&str> = e["details"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["field"].as_str().unwrap())
        .collect();
    fields.sort();
    assert_eq!(fields, ["amount", "code", "date", "day", "name"]);

    let start = env.seoul_at(1);
    env.cli(&[
        "plans",
        "create",
        "wk",
        "--name",
        "주간 박스",
        "--amount",
        "9900",
        "--interval",
        "every-weeks",
        "--every",
        "1",
        "--start",
        &start,
        "--ladder",
        "2",
    ])
    .expect(0);
    env.cli(&["subscribe", "wk", "pl_a", "--amount", "5000"])
        .expect(0);
    env.cli(&["subscribe", "wk", "pl_b"]).expect(0);
    let list = env.cli(&["--json", "plans", "list"]);
    let v = &list.expect(0).json()[0];
    assert_eq!(v["subscribers"], 2);
    assert_eq!(v["mrr"], 43_017 + 21_726);
    assert_eq!(v["next_run_total"], 9_900 + 5_000);

    let run = env.cli(&["--json", "plans", "run"]);
    assert_eq!(run.expect(0).json()["registered"], 6);
    assert_eq!(
        env.sent("POST", "/subscribe/payments/schedule"),
        2,
        "one request per key"
    );

    // Nine days of sandbox time: two periods each; the declining card retried once.
    env.clock(
        "clock/advance",
        Some(serde_json::json!({ "seconds": 9 * DAY })),
    );
    env.cli(&["plans", "run"]).expect(0);
    env.cli(&["plans", "run"]).expect(0);
    let show = env.cli(&["--json", "plans", "show", "wk"]);
    let d = show.expect(0).json();
    let subs = d["subscribers"].as_array().unwrap();
    let a = subs
        .iter()
        .find(|s| s["subscription"]["customer_uid"] == "pl_a")
        .unwrap();
    let paid = a["periods"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["record"]["state"] == "paid")
        .count();
    assert_eq!(paid, 2, "{a}");
    assert!(env.paid_for("pl_a") == 2);
    assert_eq!(env.paid_for("pl_b"), 0);
    let text = env.cli(&["plans", "show", "wk"]);
    assert!(
        text.expect(0).stdout.contains("every 1 weeks"),
        "{}",
        text.stdout
    );

    // Cancelling now revokes what the plan registered at the sandbox.
    let c = env.cli(&["--json", "unsubscribe", "wk", "pl_a"]);
    let c = c.expect(0).json();
    assert_eq!(c["subscription"]["status"], "cancelled");
    assert_eq!(c["revoked"].as_array().unwrap().len(), 3);
    assert!(env.sent("POST", "/subscribe/payments/unschedule") >= 1);
    env.cli(&["unsubscribe", "wk", "pl_a"]).expect(2);
    // At period end: still active, ends at its next period.
    let c = env.cli(&["--json", "unsubscribe", "wk", "pl_b", "--at-period-end"]);
    let c = c.expect(0).json();
    assert_eq!(c["subscription"]["status"], "active");
    assert!(c["subscription"]["cancel_at"].is_i64());

    env.cli(&["plans", "archive", "wk"]).expect(0);
    env.issue("pl_c", APPROVE, "삼", &[]);
    let refused = env.cli(&["--json", "subscribe", "wk", "pl_c"]);
    refused.expect(2);
}

/// `subscribe-csv`: the desk's preview (who is left out and why), `--dry-run` writing
/// nothing, then the subscriptions of the lines not left out.
#[test]
fn subscribe_many_from_a_csv() {
    let env = Env::new();
    env.issue("cs_a", APPROVE, "김하나", &[]);
    env.issue("cs_b", APPROVE, "이둘", &[]);
    let start = env.seoul_at(1);
    env.cli(&[
        "plans",
        "create",
        "csv",
        "--name",
        "CSV 요금제",
        "--amount",
        "9900",
        "--start",
        &start,
    ])
    .expect(0);
    let file = env.dir.path().join("subs.csv");
    std::fs::write(
        &file,
        "customer_uid,amount\ncs_a,5000\ncs_b,\ncs_a,\nnobody,\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let dry = env.cli(&["--json", "subscribe-csv", "csv", path, "--dry-run"]);
    let v = dry.expect(0).json();
    assert_eq!(
        (v["subscribed"].as_i64(), v["left_out"].as_i64()),
        (Some(2), Some(2))
    );
    let why: Vec<&str> = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["left_out"].as_str().unwrap_or("-"))
        .collect();
    assert_eq!(why, ["-", "-", "duplicate", "unknown_customer"]);
    let list = env.cli(&["--json", "plans", "list"]);
    assert_eq!(
        list.expect(0).json()[0]["subscribers"],
        0,
        "a dry run writes nothing"
    );
    env.cli(&["subscribe-csv", "csv", path]).expect(0);
    let list = env.cli(&["--json", "plans", "list"]);
    assert_eq!(list.expect(0).json()[0]["subscribers"], 2);
}
