//! The sandbox through real HTTP on loopback. Every API answer is checked against the
//! official spec by `common::conform`.

mod common;

use common::*;
use serde_json::json;
use subdesk_sandbox::{DEFAULT_IMP_KEY, DEFAULT_IMP_SECRET, SandboxConfig};

const OK_CARD: &str = "4242-4242-4242-4242";
const NSF_CARD: &str = "9410-0000-0000-0013";
const FAIL_ISSUE_CARD: &str = "9410-0000-0000-0054";

#[tokio::test]
async fn token_lifetime_reuse_extension_and_expiry() {
    let mut h = start().await;
    let (_, a) = h
        .call(
            "POST",
            "/users/getToken",
            Some(json!({"imp_key": DEFAULT_IMP_KEY, "imp_secret": DEFAULT_IMP_SECRET})),
        )
        .await;
    let a = &a["response"];
    assert_eq!(
        a["expired_at"].as_i64().unwrap() - a["now"].as_i64().unwrap(),
        1800
    );
    assert_eq!(a["access_token"], json!(h.token));
    // Same token while valid; in the last minute the expiry moves 5 minutes on.
    h.control(
        "POST",
        "/clock/advance",
        Some(json!({"seconds": 1800 - 30})),
    )
    .await;
    let (_, b) = h
        .call(
            "POST",
            "/users/getToken",
            Some(json!({"imp_key": DEFAULT_IMP_KEY, "imp_secret": DEFAULT_IMP_SECRET})),
        )
        .await;
    assert_eq!(b["response"]["access_token"], a["access_token"]);
    assert_eq!(
        b["response"]["expired_at"].as_i64().unwrap(),
        a["expired_at"].as_i64().unwrap() + 300
    );
    // Past expiry: 401, then a brand-new token.
    h.control("POST", "/clock/advance", Some(json!({"seconds": 400})))
        .await;
    let (s, _) = h.call("GET", "/users/pg", None).await;
    assert_eq!(s, 401);
    let fresh = h.fresh_token().await;
    assert_ne!(fresh, h.token);
    h.token = fresh;
    assert_eq!(h.call("GET", "/users/pg", None).await.0, 200);
    // Bare token and the legacy header work too; a wrong secret is 401.
    let r = h
        .http
        .get(format!("{}/cards", h.base))
        .header("Authorization", h.token.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = h
        .http
        .get(format!("{}/cards", h.base))
        .header("X-ImpTokenHeader", h.token.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = h
        .http
        .get(format!("{}/cards", h.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let (s, _) = h
        .call(
            "POST",
            "/users/getToken",
            Some(json!({"imp_key": DEFAULT_IMP_KEY, "imp_secret": "wrong"})),
        )
        .await;
    assert_eq!(s, 401);
    // Form bodies are accepted as the spec says.
    let r = h
        .http
        .post(format!("{}/users/getToken", h.base))
        .form(&[
            ("imp_key", DEFAULT_IMP_KEY),
            ("imp_secret", DEFAULT_IMP_SECRET),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    h.sb.shutdown().await;
}

#[tokio::test]
async fn pg_channels_and_card_codes() {
    let h = start().await;
    let (_, v) = h.call("GET", "/users/pg", None).await;
    let list = v["response"].as_array().unwrap();
    assert!(
        list.iter()
            .any(|c| c["pg_provider"] == "nice" && c["type"] == "api_payment")
    );
    assert!(
        list.iter()
            .any(|c| c["pg_provider"] == "kakaopay" && c["type"] == "payment")
    );
    let (_, v) = h.call("GET", "/cards", None).await;
    assert!(
        v["response"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["code"] == "366")
    );
}

#[tokio::test]
async fn billing_keys_issue_get_multi_delete_and_card_rules() {
    let h = start().await;
    let c = h.issue_key("cust-1", OK_CARD).await;
    assert_eq!(c["card_number"], "424242******4242");
    assert_eq!(c["pg_provider"], "nice");
    let (s, v) = h.call("GET", "/subscribe/customers/cust-1", None).await;
    assert_eq!((s, &v["response"]["customer_uid"]), (200, &json!("cust-1")));
    let (s, v) = h
        .call(
            "GET",
            "/subscribe/customers?customer_uid[]=cust-1&customer_uid[]=nope",
            None,
        )
        .await;
    assert_eq!((s, v["response"].as_array().unwrap().len()), (207, 1));
    assert_eq!(
        h.call("GET", "/subscribe/customers?customer_uid[]=nope", None)
            .await
            .0,
        404
    );
    assert_eq!(
        h.call("GET", "/subscribe/customers/nope", None).await.0,
        404
    );

    let card = |n: &str| json!({"card_number": n, "expiry": "2099-01", "birth": "900101", "pwd_2digit": "12"});
    // Luhn failure, bad format, past expiry, bad birth: code -1, response null.
    for body in [
        card("4242-4242-4242-4241"),
        card("4242424242424242"),
        json!({"card_number": OK_CARD, "expiry": "2001-01", "birth": "900101", "pwd_2digit": "12"}),
        json!({"card_number": OK_CARD, "expiry": "2099-01", "birth": "9001", "pwd_2digit": "12"}),
        card(FAIL_ISSUE_CARD),
    ] {
        let (s, v) = h.call("POST", "/subscribe/customers/bad", Some(body)).await;
        assert_eq!((s, v["code"].as_i64()), (200, Some(-1)), "{v}");
    }
    // Corporate card: 10-digit business number, no password digits.
    let (_, v) = h
        .call(
            "POST",
            "/subscribe/customers/corp",
            Some(json!({"card_number": OK_CARD, "expiry": "2099-01", "birth": "1234567890"})),
        )
        .await;
    assert_eq!(v["code"], 0);
    // Per-PG rules.
    let mut b = card(OK_CARD);
    b["pg"] = json!("settle");
    assert_eq!(
        h.call("POST", "/subscribe/customers/x", Some(b.clone()))
            .await
            .1["code"],
        1
    );
    b["pg"] = json!("kakaopay");
    assert_eq!(
        h.call("POST", "/subscribe/customers/x", Some(b.clone()))
            .await
            .1["code"],
        1
    );
    b["pg"] = json!("welcome");
    assert_eq!(
        h.call("POST", "/subscribe/customers/x", Some(b.clone()))
            .await
            .1["code"],
        1
    );
    b["customer_name"] = json!("홍길동");
    assert_eq!(
        h.call("POST", "/subscribe/customers/x", Some(b.clone()))
            .await
            .1["response"]["pg_provider"],
        "welcome"
    );
    let (_, v) = h.call("POST", "/subscribe/customers/y", Some(json!({"pg": "kcp.T0000", "card_number": OK_CARD, "expiry": "2099-01", "birth": "900101", "pwd_2digit": "12"}))).await;
    assert_eq!(v["response"]["pg_id"], "T0000");
    let (_, v) = h.call("POST", "/subscribe/customers/z", Some(json!({"pg": "ksnet", "card_number": OK_CARD, "expiry": "2099-01", "birth": "900101"}))).await;
    assert_eq!(v["code"], -1, "ksnet requires pwd_2digit");

    let (s, v) = h
        .call("DELETE", "/subscribe/customers/cust-1?reason=test", None)
        .await;
    assert_eq!((s, &v["response"]["customer_uid"]), (200, &json!("cust-1")));
    assert_eq!(
        h.call("GET", "/subscribe/customers/cust-1", None).await.0,
        404
    );
}

#[tokio::test]
async fn charges_approve_decline_and_merchant_uid_rules() {
    let h = start().await;
    h.issue_key("ok", OK_CARD).await;
    h.issue_key("nsf", NSF_CARD).await; // a declining card issues fine
    let v = h.again("ok", "order-1", 10_000).await;
    let p = &v["response"];
    assert_eq!(
        (
            p["status"].as_str(),
            p["customer_uid_usage"].as_str(),
            p["channel"].as_str()
        ),
        (Some("paid"), Some("payment"), Some("api"))
    );
    assert!(
        p["imp_uid"].as_str().unwrap().starts_with("imps_")
            && p["imp_uid"].as_str().unwrap().len() == 17
    );
    assert_eq!(
        (p["failed_at"].as_i64(), p["cancelled_at"].as_i64()),
        (Some(0), Some(0))
    );
    assert_eq!(
        p["buyer_name"], "김민준",
        "buyer_* fall back to the key's customer_*"
    );
    // A paid merchant_uid cannot be charged again.
    let v = h.again("ok", "order-1", 10_000).await;
    assert_eq!(
        (v["code"].as_i64(), v["message"].as_str()),
        (Some(1), Some("이미 결제가 이루어진 거래건입니다."))
    );
    // Declined: 200 / code 0 / failed with a reason; reusing a failed merchant_uid is fine.
    let v = h.again("nsf", "order-2", 10_000).await;
    assert_eq!(
        (v["code"].as_i64(), v["response"]["status"].as_str()),
        (Some(0), Some("failed"))
    );
    assert!(
        v["response"]["fail_reason"]
            .as_str()
            .unwrap()
            .contains("잔액부족")
    );
    assert_eq!(v["response"]["paid_at"], 0);
    let v = h.again("ok", "order-2", 10_000).await;
    assert_eq!(v["response"]["status"], "paid");
    // Unknown key, instalments below 50,000, missing amount.
    assert_eq!(h.again("ghost", "order-3", 1000).await["code"], 1);
    let (_, v) = h.call("POST", "/subscribe/payments/again", Some(json!({"customer_uid": "ok", "merchant_uid": "q", "amount": 10000, "name": "n", "card_quota": 3}))).await;
    assert_eq!(v["code"], 1);
    let (_, v) = h.call("POST", "/subscribe/payments/again", Some(json!({"customer_uid": "ok", "merchant_uid": "q", "amount": 60000, "name": "n", "card_quota": 3}))).await;
    assert_eq!(v["response"]["card_quota"], 3);
    let (s, _) = h
        .call(
            "POST",
            "/subscribe/payments/again",
            Some(json!({"customer_uid": "ok", "merchant_uid": "q2"})),
        )
        .await;
    assert_eq!(s, 400);
    // Form body.
    let (s, v) = h
        .call_form(
            "POST",
            "/subscribe/payments/again",
            &[
                ("customer_uid", "ok"),
                ("merchant_uid", "form-1"),
                ("amount", "1500"),
                ("name", "폼"),
            ],
        )
        .await;
    assert_eq!((s, v["response"]["amount"].as_i64()), (200, Some(1500)));
}

#[tokio::test]
async fn onetime_with_and_without_key_and_pg_rules() {
    let h = start().await;
    let card = json!({"merchant_uid": "ot-1", "amount": 5000, "card_number": OK_CARD, "expiry": "2099-01", "birth": "900101", "pwd_2digit": "12", "customer_uid": "from-onetime", "buyer_name": "이서연"});
    let (_, v) = h
        .call("POST", "/subscribe/payments/onetime", Some(card.clone()))
        .await;
    assert_eq!(
        (
            v["response"]["status"].as_str(),
            v["response"]["customer_uid_usage"].as_str()
        ),
        (Some("paid"), Some("issue"))
    );
    let (_, c) = h
        .call("GET", "/subscribe/customers/from-onetime", None)
        .await;
    assert_eq!(c["response"]["customer_name"], "이서연");
    // settle issues keys only with a charge; tosspayments/ksnet refuse customer_uid.
    let mut b = card.clone();
    b["merchant_uid"] = json!("ot-2");
    b["pg"] = json!("settle");
    b["customer_uid"] = json!("settle-key");
    assert_eq!(
        h.call("POST", "/subscribe/payments/onetime", Some(b.clone()))
            .await
            .1["response"]["pg_provider"],
        "settle"
    );
    b["merchant_uid"] = json!("ot-3");
    b["pg"] = json!("tosspayments");
    assert_eq!(
        h.call("POST", "/subscribe/payments/onetime", Some(b.clone()))
            .await
            .1["code"],
        1
    );
    b["pg"] = json!("kakaopay");
    assert_eq!(
        h.call("POST", "/subscribe/payments/onetime", Some(b.clone()))
            .await
            .1["code"],
        1
    );
    // Bad card on onetime: code -1.
    let mut b = card.clone();
    b["merchant_uid"] = json!("ot-4");
    b["card_number"] = json!(FAIL_ISSUE_CARD);
    assert_eq!(
        h.call("POST", "/subscribe/payments/onetime", Some(b))
            .await
            .1["code"],
        -1
    );
}

#[tokio::test]
async fn payment_queries_find_findall_status_window_and_multi() {
    let mut h = start().await;
    h.issue_key("k", OK_CARD).await;
    h.issue_key("d", NSF_CARD).await;
    let p1 = h.again("k", "m-1", 1000).await["response"].clone();
    h.advance(10).await;
    h.again("d", "m-2", 2000).await;
    h.advance(10).await;
    let p2 = h.again("k", "m-2", 2000).await["response"].clone();
    let imp1 = p1["imp_uid"].as_str().unwrap();
    assert_eq!(
        h.call("GET", &format!("/payments/{imp1}"), None).await.1["response"]["merchant_uid"],
        "m-1"
    );
    assert_eq!(
        h.call("GET", "/payments/imps_000000000000", None).await.0,
        404
    );
    // find: newest first by default; with a status, that status.
    assert_eq!(
        h.call("GET", "/payments/find/m-2", None).await.1["response"]["status"],
        "paid"
    );
    assert_eq!(
        h.call("GET", "/payments/find/m-2/failed", None).await.1["response"]["status"],
        "failed"
    );
    assert_eq!(
        h.call("GET", "/payments/find/m-2?sorting=started", None)
            .await
            .1["response"]["status"],
        "failed"
    );
    assert_eq!(h.call("GET", "/payments/find/none", None).await.0, 404);
    let (_, v) = h.call("GET", "/payments/findAll/m-2?limit=1", None).await;
    assert_eq!(
        (
            v["response"]["total"].as_i64(),
            v["response"]["next"].as_i64(),
            v["response"]["previous"].as_i64()
        ),
        (Some(2), Some(2), Some(0))
    );
    assert_eq!(h.call("GET", "/payments/findAll/none", None).await.0, 404);
    // status lists with windows and limits.
    let (_, v) = h.call("GET", "/payments/status/all", None).await;
    assert_eq!(v["response"]["total"], 3);
    let (_, v) = h.call("GET", "/payments/status/failed", None).await;
    assert_eq!(v["response"]["total"], 1);
    assert_eq!(
        h.call("GET", "/payments/status/paid?from=0&to=99999999", None)
            .await
            .0,
        400
    );
    assert_eq!(h.call("GET", "/payments/status/bogus", None).await.0, 400);
    assert_eq!(
        h.call("GET", "/payments/status/all?limit=1001", None)
            .await
            .0,
        400
    );
    assert_eq!(
        h.call("GET", "/payments/status/all?page=9", None).await.0,
        400
    );
    assert_eq!(
        h.call("GET", "/payments/status/all?sorting=weird", None)
            .await
            .0,
        400
    );
    // multi: 200, 207, 404.
    let imp2 = p2["imp_uid"].as_str().unwrap();
    assert_eq!(
        h.call(
            "GET",
            &format!("/payments?imp_uid[]={imp1}&merchant_uid[]=m-2"),
            None
        )
        .await
        .0,
        200
    );
    assert_eq!(
        h.call(
            "GET",
            &format!("/payments?imp_uid[]={imp2}&imp_uid[]=nope"),
            None
        )
        .await
        .0,
        207
    );
    assert_eq!(h.call("GET", "/payments?imp_uid[]=nope", None).await.0, 404);
    // customer payments, paged.
    let (_, v) = h
        .call("GET", "/subscribe/customers/k/payments?page=1", None)
        .await;
    assert_eq!(v["response"]["total"], 2);
    // Test-channel payments are hidden unless include_sandbox=true.
    h.call("POST", "/subscribe/customers/t", Some(json!({"pg": "nice.nictest00m", "card_number": OK_CARD, "expiry": "2099-01", "birth": "900101", "pwd_2digit": "12"}))).await;
    let t = h.again("t", "m-test", 100).await["response"]["imp_uid"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(h.call("GET", &format!("/payments/{t}"), None).await.0, 404);
    assert_eq!(
        h.call("GET", &format!("/payments/{t}?include_sandbox=true"), None)
            .await
            .1["response"]["sandbox"],
        true
    );
}

#[tokio::test]
async fn cancels_partial_checksum_history_and_balance() {
    let h = start().await;
    h.issue_key("k", OK_CARD).await;
    let p = h.again("k", "c-1", 11_000).await["response"].clone();
    let imp = p["imp_uid"].as_str().unwrap();
    // Wrong checksum refused, nothing changes.
    let (_, v) = h
        .call(
            "POST",
            "/payments/cancel",
            Some(json!({"imp_uid": imp, "amount": 1000, "checksum": 5000})),
        )
        .await;
    assert_eq!(v["code"], 1);
    let (_, v) = h
        .call(
            "POST",
            "/payments/cancel",
            Some(json!({"imp_uid": imp, "amount": 1000, "checksum": 11000, "reason": "부분환불"})),
        )
        .await;
    let r = &v["response"];
    assert_eq!(
        (r["cancel_amount"].as_i64(), r["status"].as_str()),
        (Some(1000), Some("paid"))
    );
    assert!(
        r["cancel_history"][0]["cancellation_id"]
            .as_str()
            .unwrap()
            .starts_with("cncl_")
    );
    // Replaying the same cancel (same checksum) is refused: no double refund.
    let (_, v) = h
        .call(
            "POST",
            "/payments/cancel",
            Some(json!({"imp_uid": imp, "amount": 1000, "checksum": 11000})),
        )
        .await;
    assert_eq!(v["code"], 1);
    // Over-cancel refused; the rest by merchant_uid cancels fully.
    assert_eq!(
        h.call(
            "POST",
            "/payments/cancel",
            Some(json!({"imp_uid": imp, "amount": 20000}))
        )
        .await
        .1["code"],
        1
    );
    let (_, b) = h
        .call("GET", &format!("/payments/{imp}/balance"), None)
        .await;
    assert_eq!(b["response"]["amount"], 10000);
    let (_, v) = h
        .call(
            "POST",
            "/payments/cancel",
            Some(json!({"merchant_uid": "c-1", "checksum": 10000})),
        )
        .await;
    let r = &v["response"];
    assert_eq!(
        (
            r["status"].as_str(),
            r["cancel_amount"].as_i64(),
            r["cancel_history"].as_array().unwrap().len()
        ),
        (Some("cancelled"), Some(11000), 2)
    );
    assert!(r["cancelled_at"].as_i64().unwrap() > 0);
    assert_eq!(
        h.call("POST", "/payments/cancel", Some(json!({"imp_uid": imp})))
            .await
            .1["code"],
        1
    );
    assert_eq!(
        h.call(
            "POST",
            "/payments/cancel",
            Some(json!({"imp_uid": "imps_000000000001"}))
        )
        .await
        .1["code"],
        1
    );
    // After a cancel, the merchant_uid still counts as paid.
    assert_eq!(h.again("k", "c-1", 100).await["code"], 1);
}

#[tokio::test]
async fn schedules_run_on_clock_advance_and_send_webhooks() {
    let mut h = start().await;
    let (hook, mut rx) = webhook_receiver().await;
    h.issue_key("k", OK_CARD).await;
    h.issue_key("d", NSF_CARD).await;
    let now = h.sb.now();
    let day = 86_400;
    let body = json!({"customer_uid": "k", "schedules": [
        {"merchant_uid": "s-1", "schedule_at": now + day, "amount": 9900, "name": "1월", "notice_url": hook},
        {"merchant_uid": "s-2", "schedule_at": now + 31 * day, "amount": 9900, "name": "2월", "notice_url": hook},
    ]});
    let (_, v) = h
        .call("POST", "/subscribe/payments/schedule", Some(body.clone()))
        .await;
    assert_eq!(v["response"][0]["schedule_status"], "scheduled");
    assert!(v["response"][0]["payment_status"].is_null() && v["response"][0]["imp_uid"].is_null());
    // Reusing a scheduled merchant_uid is refused, and so is charging it directly.
    assert_eq!(
        h.call("POST", "/subscribe/payments/schedule", Some(body))
            .await
            .1["code"],
        1
    );
    assert_eq!(h.again("k", "s-1", 9900).await["code"], 1);
    // Past time, unknown customer without card data.
    assert_eq!(h.call("POST", "/subscribe/payments/schedule", Some(json!({"customer_uid": "k", "schedules": [{"merchant_uid": "p", "schedule_at": now - 10, "amount": 1, "name": "x"}]}))).await.1["code"], 1);
    assert_eq!(h.call("POST", "/subscribe/payments/schedule", Some(json!({"customer_uid": "none", "schedules": [{"merchant_uid": "p", "schedule_at": now + 10, "amount": 1, "name": "x"}]}))).await.1["code"], 1);
    // Queries: window ≤ 3 months, to exclusive, hyphenated status on the customer path.
    let (_, v) = h
        .call(
            "GET",
            &format!(
                "/subscribe/payments/schedule?schedule_from={now}&schedule_to={}",
                now + 60 * day
            ),
            None,
        )
        .await;
    assert_eq!(v["response"]["total"], 2);
    assert_eq!(
        v["response"]["list"][0]["merchant_uid"], "s-2",
        "newest first"
    );
    let (_, v) = h
        .call(
            "GET",
            &format!(
                "/subscribe/payments/schedule?schedule_from={now}&schedule_to={}&sorting=scheduled",
                now + day
            ),
            None,
        )
        .await;
    assert_eq!(v["response"]["total"], 0, "to is exclusive");
    assert_eq!(
        h.call(
            "GET",
            &format!(
                "/subscribe/payments/schedule?schedule_from={now}&schedule_to={}",
                now + 100 * day
            ),
            None
        )
        .await
        .0,
        400
    );
    let (_, v) = h
        .call(
            "GET",
            &format!(
                "/subscribe/customers/k/schedules?from={now}&to={}&schedule-status=scheduled",
                now + 60 * day
            ),
            None,
        )
        .await;
    assert_eq!(v["response"]["total"], 2);
    let (_, v) = h.call("GET", &format!("/subscribe/payments/schedule/customers/k?from={now}&to={}&schedule-status=executed", now + 60 * day), None).await;
    assert_eq!(v["response"]["total"], 0);
    // Move s-2 by a day, then run a month forward.
    let (_, v) = h
        .call(
            "PUT",
            "/subscribe/payments/schedule/s-2",
            Some(json!({"schedule_at": now + 32 * day})),
        )
        .await;
    assert_eq!(v["response"]["schedule_at"], now + 32 * day);
    h.advance(2 * day).await;
    let (_, s1) = h
        .call("GET", "/subscribe/payments/schedule/s-1", None)
        .await;
    let s1 = &s1["response"];
    assert_eq!(
        (
            s1["schedule_status"].as_str(),
            s1["payment_status"].as_str()
        ),
        (Some("executed"), Some("paid"))
    );
    let imp = s1["imp_uid"].as_str().unwrap();
    let (_, p) = h.call("GET", &format!("/payments/{imp}"), None).await;
    assert_eq!(
        (
            p["response"]["customer_uid_usage"].as_str(),
            p["response"]["paid_at"].as_i64()
        ),
        (Some("payment.scheduled"), Some(now + day))
    );
    let got = tokio::time::timeout(std::time::Duration::from_secs(5), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        got,
        json!({"imp_uid": imp, "merchant_uid": "s-1", "status": "paid"})
    );
    // Executed schedules cannot be updated or unscheduled.
    assert_eq!(
        h.call(
            "PUT",
            "/subscribe/payments/schedule/s-1",
            Some(json!({"schedule_at": now + 40 * day}))
        )
        .await
        .0,
        400
    );
    let (_, v) = h
        .call(
            "POST",
            "/subscribe/payments/unschedule",
            Some(json!({"customer_uid": "k", "merchant_uid": ["s-2"]})),
        )
        .await;
    assert_eq!(v["response"][0]["schedule_status"], "revoked");
    assert_eq!(
        h.call(
            "POST",
            "/subscribe/payments/unschedule",
            Some(json!({"customer_uid": "k"}))
        )
        .await
        .1["code"],
        1
    );
    assert_eq!(
        h.call("GET", "/subscribe/payments/schedule/none", None)
            .await
            .0,
        404
    );

    // A declining key: executed + failed, webhook `failed`, then retry and reschedule.
    let now = h.sb.now();
    h.call("POST", "/subscribe/payments/schedule", Some(json!({"customer_uid": "d", "schedules": [{"merchant_uid": "f-1", "schedule_at": now + 60, "amount": 5000, "name": "x", "notice_url": hook}]}))).await;
    h.advance(120).await;
    let (_, f) = h
        .call("GET", "/subscribe/payments/schedule/f-1", None)
        .await;
    assert_eq!(f["response"]["payment_status"], "failed");
    assert!(
        f["response"]["fail_reason"]
            .as_str()
            .unwrap()
            .contains("잔액부족")
    );
    let got = tokio::time::timeout(std::time::Duration::from_secs(5), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got["status"], "failed");
    let (_, r) = h
        .call("POST", "/subscribe/payments/schedule/f-1/retry", None)
        .await;
    assert_eq!(r["response"]["status"], "failed");
    let (_, r) = h
        .call(
            "POST",
            "/subscribe/payments/schedule/f-1/reschedule",
            Some(json!({"schedule_at": h.sb.now() + 3600})),
        )
        .await;
    assert_eq!(r["response"]["schedule_status"], "scheduled");
    assert_eq!(
        h.call("POST", "/subscribe/payments/schedule/s-1/retry", None)
            .await
            .0,
        400
    );
}

#[tokio::test]
async fn schedule_with_card_data_issues_the_key_first() {
    let h = start().await;
    let now = h.sb.now();
    let (_, v) = h.call("POST", "/subscribe/payments/schedule", Some(json!({"customer_uid": "new", "card_number": OK_CARD, "expiry": "2099-01", "birth": "900101", "pwd_2digit": "12",
        "schedules": [{"merchant_uid": "n-1", "schedule_at": now + 100, "amount": 1000, "name": "x"}]}))).await;
    assert_eq!(v["code"], 0, "{v}");
    assert_eq!(h.call("GET", "/subscribe/customers/new", None).await.0, 200);
    // Window-only PG keys refuse card data.
    let (_, v) = h.call("POST", "/subscribe/payments/schedule", Some(json!({"customer_uid": "kk", "pg": "kakaopay", "card_number": OK_CARD, "expiry": "2099-01", "birth": "900101", "pwd_2digit": "12",
        "schedules": [{"merchant_uid": "n-2", "schedule_at": now + 100, "amount": 1000, "name": "x"}]}))).await;
    assert_eq!(v["code"], 1);
}

#[tokio::test]
async fn faults_status_drop_commit_then_drop_latency_expire() {
    let h = start().await;
    h.issue_key("k", OK_CARD).await;
    h.control("POST", "/faults", Some(json!({"kind": "status", "status": 503, "method": "POST", "path_prefix": "/subscribe/payments/again", "count": 1}))).await;
    let (s, _) = h
        .call(
            "POST",
            "/subscribe/payments/again",
            Some(json!({"customer_uid": "k", "merchant_uid": "f-1", "amount": 100, "name": "x"})),
        )
        .await;
    assert_eq!(s, 503);
    assert_eq!(
        h.call("GET", "/payments/find/f-1", None).await.0,
        404,
        "a 503 processes nothing"
    );
    // Dropped before processing: transport error, nothing recorded.
    h.control(
        "POST",
        "/faults",
        Some(json!({"kind": "drop", "path_prefix": "/subscribe/payments/again"})),
    )
    .await;
    let r = h
        .http
        .post(format!("{}/subscribe/payments/again", h.base))
        .bearer_auth(&h.token)
        .json(&json!({"customer_uid": "k", "merchant_uid": "f-1", "amount": 100, "name": "x"}))
        .send()
        .await;
    assert!(r.is_err());
    assert_eq!(h.call("GET", "/payments/find/f-1", None).await.0, 404);
    // Commit then drop: transport error, yet the charge exists; a blind retry is refused.
    h.control(
        "POST",
        "/faults",
        Some(json!({"kind": "commit_then_drop", "path_prefix": "/subscribe/payments/again"})),
    )
    .await;
    let r = h
        .http
        .post(format!("{}/subscribe/payments/again", h.base))
        .bearer_auth(&h.token)
        .json(&json!({"customer_uid": "k", "merchant_uid": "f-2", "amount": 100, "name": "x"}))
        .send()
        .await;
    assert!(r.is_err());
    assert_eq!(
        h.call("GET", "/payments/find/f-2/paid", None).await.1["response"]["amount"],
        100
    );
    assert_eq!(h.again("k", "f-2", 100).await["code"], 1);
    // Latency.
    h.control(
        "POST",
        "/faults",
        Some(json!({"kind": "latency", "latency_ms": 300, "path_prefix": "/users/pg"})),
    )
    .await;
    let t = std::time::Instant::now();
    assert_eq!(h.call("GET", "/users/pg", None).await.0, 200);
    assert!(t.elapsed() >= std::time::Duration::from_millis(300));
    // Expired token.
    h.control(
        "POST",
        "/faults",
        Some(json!({"kind": "expire_token", "path_prefix": "/"})),
    )
    .await;
    assert_eq!(h.call("GET", "/users/pg", None).await.0, 401);
    assert!(
        h.control("GET", "/faults", None)
            .await
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn request_log_masks_secrets_and_clears() {
    let h = start().await;
    h.issue_key("k", OK_CARD).await;
    let log = h.control("GET", "/requests", None).await;
    let text = log.to_string();
    assert!(text.contains("/subscribe/customers/k"));
    for secret in ["4242-4242", "2099-12", "900101", DEFAULT_IMP_SECRET] {
        assert!(!text.contains(secret), "{secret} leaked into the log");
    }
    h.control("DELETE", "/requests", None).await;
    assert!(
        h.control("GET", "/requests", None)
            .await
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn seed_is_deterministic_and_queryable() {
    let h = start().await;
    let r = h
        .control(
            "POST",
            "/seed",
            Some(json!({"seed": 7, "customers": 50, "payments": 2000})),
        )
        .await;
    assert_eq!(r["payments"], 2000);
    let (_, a) = h
        .call("GET", "/payments/status/all?limit=5&sorting=-started", None)
        .await;
    let (_, c) = h
        .call("GET", "/payments/status/cancelled?limit=1000", None)
        .await;
    assert!(c["response"]["total"].as_i64().unwrap() > 0);
    let (_, f) = h.call("GET", "/payments/status/failed?limit=1", None).await;
    assert!(f["response"]["total"].as_i64().unwrap() > 0);
    h.control("POST", "/reset", None).await;
    let token = h.fresh_token().await;
    let h2 = Harness {
        sb: h.sb,
        base: h.base,
        http: h.http,
        token,
    };
    h2.control(
        "POST",
        "/seed",
        Some(json!({"seed": 7, "customers": 50, "payments": 2000})),
    )
    .await;
    let (_, b) = h2
        .call("GET", "/payments/status/all?limit=5&sorting=-started", None)
        .await;
    let names = |v: &serde_json::Value| {
        v["response"]["list"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["merchant_uid"].clone(),
                    p["buyer_name"].clone(),
                    p["amount"].clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&a), names(&b));
    assert_eq!(
        h2.call("GET", "/subscribe/customers/seed7_cust_000001", None)
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn state_survives_restart_with_db_file() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = SandboxConfig {
        db_path: Some(dir.path().join("sb.sqlite")),
        ..Default::default()
    };
    let h = start_with(cfg.clone()).await;
    h.issue_key("keep", OK_CARD).await;
    let imp = h.again("keep", "keep-1", 1234).await["response"]["imp_uid"]
        .as_str()
        .unwrap()
        .to_string();
    h.sb.shutdown().await;
    let h = start_with(cfg).await;
    assert_eq!(
        h.call("GET", &format!("/payments/{imp}"), None).await.1["response"]["amount"],
        1234
    );
    assert_eq!(
        h.call("GET", "/subscribe/customers/keep", None).await.0,
        200
    );
    assert_eq!(h.again("keep", "keep-1", 1).await["code"], 1);
}

#[tokio::test]
async fn bad_input_gets_envelope_errors() {
    let h = start().await;
    let url = format!("{}/subscribe/payments/again", h.base);
    let r = h
        .http
        .post(&url)
        .bearer_auth(&h.token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: serde_json::Value = r.json().await.unwrap();
    assert!(v["response"].is_null() && v["code"] != 0);
    let (s, _) = h
        .call(
            "POST",
            "/subscribe/payments/again",
            Some(json!({"customer_uid": 5, "merchant_uid": "x", "amount": "a lot"})),
        )
        .await;
    assert_eq!(s, 400);
    let big = "x".repeat(2 * 1024 * 1024);
    let r = h
        .http
        .post(&url)
        .bearer_auth(&h.token)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let r = h
        .http
        .get(format!("{}/no/such/path", h.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["response"], serde_json::Value::Null);
    let r = h
        .http
        .delete(format!("{}/payments/cancel", h.base))
        .bearer_auth(&h.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
}

#[tokio::test]
async fn refuses_non_loopback_without_opt_in() {
    let cfg = SandboxConfig {
        listen: "0.0.0.0:0".parse().unwrap(),
        ..Default::default()
    };
    assert!(subdesk_sandbox::Sandbox::start(cfg).await.is_err());
}

#[test]
fn binary_prints_listening_line_first() {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_subdesk-sandbox"))
        .args(["--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(line.starts_with("listening on http://127.0.0.1:"), "{line}");
    let port: u16 = line.trim().rsplit(':').next().unwrap().parse().unwrap();
    assert_ne!(port, 0);
}

#[test]
fn test_cards_documented_in_readme() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for c in subdesk_sandbox::TEST_CARDS {
        assert!(
            readme.contains(c.number),
            "{} missing from README",
            c.number
        );
    }
}

#[tokio::test]
async fn latency_comes_before_every_api_answer() {
    let latency = std::time::Duration::from_millis(150);
    let h = start_with(SandboxConfig {
        latency,
        ..Default::default()
    })
    .await;
    // A success, a 404 and a 401: errors travel the same network.
    for (path, token) in [
        ("/users/pg", true),
        ("/payments/imps_000000000000", true),
        ("/users/pg", false),
    ] {
        let mut rb = h.http.get(format!("{}{path}", h.base));
        if token {
            rb = rb.header("Authorization", format!("Bearer {}", h.token));
        }
        let started = std::time::Instant::now();
        let resp = rb.send().await.expect("answer");
        let status = resp.status().as_u16();
        resp.bytes().await.expect("body");
        // Only a lower bound: it is our own sleep; how much longer a busy machine takes
        // is not this test's business.
        assert!(
            started.elapsed() >= latency,
            "{path} (HTTP {status}) answered before the latency"
        );
    }
}
