//! Answers that come too late or too early: `commit_late` (the server finishes after the
//! client gave up), charges that answer `ready` and settle later on the sandbox clock,
//! and the refusal of an order id that was already paid.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{Value, json};
use subdesk_sandbox::{FaultKind, FaultRule};

const OK_CARD: &str = "4242-4242-4242-4242";
const NSF_CARD: &str = "9410-0000-0000-0013";
const SETTLES_PAID: &str = "9410-0000-0000-0062";
const SETTLES_FAILED: &str = "9410-0000-0000-0070";
const ALREADY_PAID: &str = "이미 결제가 이루어진 거래건입니다.";

/// Shorter than the fault's delay: the client gives up first.
const CLIENT_TIMEOUT: Duration = Duration::from_millis(300);
const LATE_MS: u64 = 1500;

impl Harness {
    /// A POST with its own client timeout; returns the transport error, if any.
    async fn post_with_timeout(
        &self,
        path: &str,
        body: Value,
        timeout: Option<Duration>,
    ) -> Result<Value, reqwest::Error> {
        let mut rb = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body);
        if let Some(t) = timeout {
            rb = rb.timeout(t);
        }
        rb.send().await?.json().await
    }

    /// Polls `GET path` until `done` holds for the answer; panics after 10 s.
    async fn eventually(&self, path: &str, done: impl Fn(u16, &Value) -> bool) -> Value {
        for _ in 0..100 {
            let (s, v) = self.call("GET", path, None).await;
            if done(s, &v) {
                return v;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{path} never reached the expected state");
    }
}

fn is_timeout(r: Result<Value, reqwest::Error>) -> bool {
    matches!(r, Err(e) if e.is_timeout())
}

#[tokio::test]
async fn commit_late_charge_commits_after_the_client_timed_out() {
    let h = start().await;
    h.issue_key("k", OK_CARD).await;
    // Added through the Rust API, as tests in other crates can.
    let rule = h.sb.add_fault(
        FaultRule::new(FaultKind::CommitLate)
            .method("POST")
            .path_prefix("/subscribe/payments/again")
            .latency_ms(LATE_MS),
    );
    assert_eq!(h.sb.faults().len(), 1);
    assert!(rule.id > 0);
    let body =
        json!({"customer_uid": "k", "merchant_uid": "late-1", "amount": 5000, "name": "월간 구독"});
    let r = h
        .post_with_timeout("/subscribe/payments/again", body, Some(CLIENT_TIMEOUT))
        .await;
    assert!(is_timeout(r), "the client gives up with a timeout");
    // The client hung up; the server is still working: nothing exists yet …
    assert_eq!(h.call("GET", "/payments/find/late-1", None).await.0, 404);
    // … and then the charge commits anyway.
    let v = h.eventually("/payments/find/late-1", |s, _| s == 200).await;
    assert_eq!(
        (
            v["response"]["status"].as_str(),
            v["response"]["amount"].as_i64()
        ),
        (Some("paid"), Some(5000))
    );
    // Logged like commit_then_drop: the request arrived, no answer was sent.
    let log = h.control("GET", "/requests", None).await;
    let entry = log
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == "/subscribe/payments/again")
        .expect("logged");
    assert_eq!(entry["status"], 0);
    // The retry that would charge twice is refused.
    assert_eq!(h.again("k", "late-1", 5000).await["code"], 1);
    assert!(h.sb.faults().is_empty(), "count 1: used up");

    // A patient client is held until the commit, then the connection closes unanswered:
    // by the time it learns of the failure, the charge exists.
    h.sb.add_fault(
        FaultRule::new(FaultKind::CommitLate)
            .path_prefix("/subscribe/payments/again")
            .latency_ms(300),
    );
    let body = json!({"customer_uid": "k", "merchant_uid": "late-2", "amount": 700, "name": "x"});
    let r = h
        .post_with_timeout("/subscribe/payments/again", body, None)
        .await;
    assert!(
        matches!(&r, Err(e) if !e.is_timeout()),
        "closed without answer: {r:?}"
    );
    assert_eq!(
        h.call("GET", "/payments/find/late-2/paid", None).await.0,
        200
    );
}

#[tokio::test]
async fn commit_late_cancel_refunds_after_the_client_timed_out() {
    let h = start().await;
    h.issue_key("k", OK_CARD).await;
    let imp = h.again("k", "refund-1", 9900).await["response"]["imp_uid"]
        .as_str()
        .unwrap()
        .to_string();
    // Added over HTTP with its serde name; latency_ms left out takes the 1500 ms default.
    let added = h
        .control(
            "POST",
            "/faults",
            Some(
                json!({"kind": "commit_late", "method": "POST", "path_prefix": "/payments/cancel"}),
            ),
        )
        .await;
    assert_eq!(added["kind"], "commit_late");
    let r = h
        .post_with_timeout(
            "/payments/cancel",
            json!({"imp_uid": imp, "checksum": 9900, "reason": "고객 요청"}),
            Some(CLIENT_TIMEOUT),
        )
        .await;
    assert!(is_timeout(r));
    let (_, v) = h.call("GET", &format!("/payments/{imp}"), None).await;
    assert_eq!(
        (
            v["response"]["status"].as_str(),
            v["response"]["cancel_amount"].as_i64()
        ),
        (Some("paid"), Some(0)),
        "not refunded yet"
    );
    let v = h
        .eventually(&format!("/payments/{imp}"), |_, v| {
            v["response"]["status"] == "cancelled"
        })
        .await;
    assert_eq!(v["response"]["cancel_amount"], 9900);
    assert_eq!(v["response"]["cancel_history"][0]["reason"], "고객 요청");
}

#[tokio::test]
async fn commit_late_schedule_registers_after_the_client_timed_out() {
    let h = start().await;
    h.issue_key("k", OK_CARD).await;
    h.sb.add_fault(
        FaultRule::new(FaultKind::CommitLate)
            .method("POST")
            .path_prefix("/subscribe/payments/schedule")
            .latency_ms(LATE_MS),
    );
    let at = h.sb.now() + 86_400;
    let r = h
        .post_with_timeout(
            "/subscribe/payments/schedule",
            json!({"customer_uid": "k", "schedules": [{"merchant_uid": "sch-1", "schedule_at": at, "amount": 9900, "name": "3월"}]}),
            Some(CLIENT_TIMEOUT),
        )
        .await;
    assert!(is_timeout(r));
    assert_eq!(
        h.call("GET", "/subscribe/payments/schedule/sch-1", None)
            .await
            .0,
        404
    );
    let v = h
        .eventually("/subscribe/payments/schedule/sch-1", |s, _| s == 200)
        .await;
    assert_eq!(v["response"]["schedule_status"], "scheduled");
    assert_eq!(v["response"]["schedule_at"], at);
}

#[tokio::test]
async fn ready_charge_settles_paid_when_the_sandbox_clock_reaches_it() {
    let mut h = start().await;
    let (hook, mut rx) = webhook_receiver().await;
    // Listed with the other test cards.
    let cards = h.control("GET", "/test-cards", None).await;
    let card = cards
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["number"] == SETTLES_PAID)
        .expect("listed");
    assert_eq!(
        (
            card["behaviour"].as_str(),
            card["settle_after_secs"].as_i64()
        ),
        (Some("approve"), Some(60))
    );
    h.issue_key("later", SETTLES_PAID).await;
    let (_, v) = h
        .call("POST", "/subscribe/payments/again", Some(json!({"customer_uid": "later", "merchant_uid": "r-1", "amount": 12000, "name": "월간 구독", "notice_url": hook})))
        .await;
    assert_eq!(v["code"], 0, "{v}");
    let p = v["response"].clone();
    let imp = p["imp_uid"].as_str().unwrap().to_string();
    let started = p["started_at"].as_i64().unwrap();
    assert_eq!(
        (
            p["status"].as_str(),
            p["paid_at"].as_i64(),
            p["failed_at"].as_i64()
        ),
        (Some("ready"), Some(0), Some(0))
    );
    assert!(p["apply_num"].is_null() && p["receipt_url"].is_null() && p["fail_reason"].is_null());
    // Every lookup shows the current state.
    for path in [
        format!("/payments/{imp}"),
        "/payments/find/r-1".to_string(),
        "/payments/find/r-1/ready".to_string(),
    ] {
        assert_eq!(
            h.call("GET", &path, None).await.1["response"]["status"],
            "ready",
            "{path}"
        );
    }
    let (_, v) = h.call("GET", "/payments/findAll/r-1", None).await;
    assert_eq!(v["response"]["list"][0]["status"], "ready");
    assert_eq!(h.call("GET", "/payments/find/r-1/paid", None).await.0, 404);
    // While it settles, the order id cannot be charged again, nor the payment refunded.
    let v = h.again("later", "r-1", 12000).await;
    assert_eq!(
        (v["code"].as_i64(), v["message"].as_str()),
        (
            Some(1),
            Some("결제 승인 대기 중인 거래건입니다. (status: ready)")
        )
    );
    let (_, v) = h
        .call("POST", "/payments/cancel", Some(json!({"imp_uid": imp})))
        .await;
    assert_eq!(v["code"], 1);
    // It follows the sandbox clock, not the executor's tick: halfway, still ready.
    h.control("POST", "/executor/run", None).await;
    h.advance(30).await;
    let (_, v) = h.call("GET", &format!("/payments/{imp}"), None).await;
    assert_eq!(v["response"]["status"], "ready");
    assert!(
        h.control("GET", "/webhooks", None)
            .await
            .as_array()
            .unwrap()
            .is_empty(),
        "no webhook while ready"
    );
    h.advance(30).await;
    let (_, v) = h.call("GET", &format!("/payments/{imp}"), None).await;
    let p = &v["response"];
    assert_eq!(p["status"], "paid", "{v}");
    assert_eq!(
        p["paid_at"].as_i64(),
        Some(started + 60),
        "settled at its own time"
    );
    assert!(p["apply_num"].is_string() && p["receipt_url"].is_string());
    assert_eq!(p["started_at"].as_i64(), Some(started));
    let (_, v) = h.call("GET", "/payments/find/r-1/paid", None).await;
    assert_eq!(v["response"]["imp_uid"], json!(imp));
    let got = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("webhook on settle")
        .unwrap();
    assert_eq!(
        (got["imp_uid"].as_str(), got["status"].as_str()),
        (Some(imp.as_str()), Some("paid"))
    );
    // Paid now: the order id is used up.
    let v = h.again("later", "r-1", 12000).await;
    assert_eq!(v["message"], ALREADY_PAID);

    // A key-in charge with the same card: ready too, and the key is stored.
    let (_, v) = h.call("POST", "/subscribe/payments/onetime", Some(json!({"merchant_uid": "r-2", "amount": 3000, "card_number": SETTLES_PAID, "expiry": "2099-12", "birth": "900101", "pwd_2digit": "12", "customer_uid": "later-2", "name": "x"}))).await;
    assert_eq!(v["response"]["status"], "ready", "{v}");
    assert_eq!(
        h.call("GET", "/subscribe/customers/later-2", None).await.0,
        200
    );
}

#[tokio::test]
async fn ready_charge_settles_failed_and_a_schedule_follows() {
    let mut h = start().await;
    let (hook, mut rx) = webhook_receiver().await;
    h.issue_key("bad", SETTLES_FAILED).await;
    h.issue_key("ok", OK_CARD).await;
    let v = h.again("bad", "f-1", 8000).await;
    let imp = v["response"]["imp_uid"].as_str().unwrap().to_string();
    let started = v["response"]["started_at"].as_i64().unwrap();
    assert_eq!(v["response"]["status"], "ready");
    // A scheduled execution with the same card: the schedule shows `ready` until it settles.
    let at = h.sb.now() + 10;
    let (_, v) = h
        .call("POST", "/subscribe/payments/schedule", Some(json!({"customer_uid": "bad", "schedules": [{"merchant_uid": "f-s", "schedule_at": at, "amount": 8000, "name": "x", "notice_url": hook}]})))
        .await;
    assert_eq!(v["code"], 0, "{v}");
    h.advance(10).await;
    let (_, s) = h
        .call("GET", "/subscribe/payments/schedule/f-s", None)
        .await;
    assert_eq!(
        (
            s["response"]["schedule_status"].as_str(),
            s["response"]["payment_status"].as_str()
        ),
        (Some("executed"), Some("ready"))
    );
    assert_eq!(
        h.call("GET", &format!("/payments/{imp}"), None).await.1["response"]["status"],
        "ready"
    );
    // Past both settle times (the schedule's charge started ~10 s after the first).
    h.advance(70).await;
    let (_, v) = h.call("GET", &format!("/payments/{imp}"), None).await;
    let p = &v["response"];
    assert_eq!(p["status"], "failed", "{v}");
    assert_eq!(
        (p["failed_at"].as_i64(), p["paid_at"].as_i64()),
        (Some(started + 60), Some(0))
    );
    assert!(p["fail_reason"].as_str().unwrap().starts_with("[3099]"));
    assert!(p["apply_num"].is_null() && p["receipt_url"].is_null());
    let (_, v) = h.call("GET", "/payments/findAll/f-1/failed", None).await;
    assert_eq!(v["response"]["total"], 1);
    let (_, s) = h
        .call("GET", "/subscribe/payments/schedule/f-s", None)
        .await;
    assert_eq!(s["response"]["payment_status"], "failed");
    assert!(
        s["response"]["fail_reason"]
            .as_str()
            .unwrap()
            .starts_with("[3099]")
    );
    // Scheduled executions notify on failure too, when they settle.
    let got = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("webhook on settle")
        .unwrap();
    assert_eq!(
        (got["merchant_uid"].as_str(), got["status"].as_str()),
        (Some("f-s"), Some("failed"))
    );
    // A failed order id may be charged again.
    assert_eq!(
        h.again("ok", "f-1", 8000).await["response"]["status"],
        "paid"
    );
}

#[tokio::test]
async fn reusing_a_paid_merchant_uid_is_refused_as_already_paid() {
    let h = start().await;
    h.issue_key("ok", OK_CARD).await;
    h.issue_key("nsf", NSF_CARD).await;
    let refused = |v: &Value| {
        assert_eq!(
            (
                v["code"].as_i64(),
                v["message"].as_str(),
                v["response"].is_null()
            ),
            (Some(1), Some(ALREADY_PAID), true),
            "{v}"
        );
    };
    let first = h.again("ok", "dup-1", 1000).await;
    assert_eq!(first["response"]["status"], "paid");
    refused(&h.again("ok", "dup-1", 1000).await);
    // A key-in charge with another card and amount is refused the same way.
    let onetime = json!({"merchant_uid": "dup-1", "amount": 2000, "card_number": "5555-5555-5555-4444", "expiry": "2099-12", "birth": "900101", "pwd_2digit": "12", "name": "x"});
    let (s, v) = h
        .call("POST", "/subscribe/payments/onetime", Some(onetime.clone()))
        .await;
    assert_eq!(s, 200);
    refused(&v);
    // Refunded in full, the order id stays used.
    let imp = first["response"]["imp_uid"].as_str().unwrap();
    let (_, v) = h
        .call("POST", "/payments/cancel", Some(json!({"imp_uid": imp})))
        .await;
    assert_eq!(v["response"]["status"], "cancelled");
    refused(&h.again("ok", "dup-1", 1000).await);
    // onetime first, then again.
    let mut o = onetime;
    o["merchant_uid"] = json!("dup-2");
    assert_eq!(
        h.call("POST", "/subscribe/payments/onetime", Some(o))
            .await
            .1["response"]["status"],
        "paid"
    );
    refused(&h.again("ok", "dup-2", 1000).await);
    // Only paid ones count: a declined attempt leaves the order id free.
    assert_eq!(
        h.again("nsf", "dup-3", 1000).await["response"]["status"],
        "failed"
    );
    assert_eq!(
        h.again("ok", "dup-3", 1000).await["response"]["status"],
        "paid"
    );
    // Exactly one paid payment per order id, whatever was tried.
    for m in ["dup-1", "dup-2", "dup-3"] {
        let (_, v) = h.call("GET", &format!("/payments/findAll/{m}"), None).await;
        let paid = v["response"]["list"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["paid_at"].as_i64() > Some(0))
            .count();
        assert_eq!(paid, 1, "{m}: {v}");
    }
}
