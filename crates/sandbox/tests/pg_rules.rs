//! The sandbox refuses what each real PG refuses (pg-guide.json, the V1 spec's per-PG
//! notes), and a key issued the way the PG allows can be charged again.

mod common;

use common::*;
use serde_json::json;

const OK_CARD: &str = "4242-4242-4242-4242";

fn card() -> serde_json::Value {
    json!({"card_number": OK_CARD, "expiry": "2099-12", "birth": "900101", "pwd_2digit": "12"})
}

#[tokio::test]
async fn settlebank_refuses_a_key_without_a_charge_and_charges_a_key_issued_with_one() {
    let h = start().await;
    // Key only: refused, as the manual says Settlebank does.
    let mut b =
        json!({"pg": "settle", "card_number": OK_CARD, "expiry": "2099-12", "birth": "123456"});
    let (_, v) = h
        .call("POST", "/subscribe/customers/sb-1", Some(b.clone()))
        .await;
    assert_eq!(v["code"], 1, "{v}");
    assert!(
        v["message"].as_str().unwrap().contains("onetime"),
        "the refusal says how: {v}"
    );
    let (_, v) = h.call("GET", "/subscribe/customers/sb-1", None).await;
    assert_ne!(v["code"], 0, "no key was made: {v}");
    // Key with a first charge: onetime + customer_uid, no password digits.
    b["merchant_uid"] = json!("sb-first");
    b["amount"] = json!(1000);
    b["customer_uid"] = json!("sb-1");
    b["name"] = json!("첫 결제");
    let (_, v) = h.call("POST", "/subscribe/payments/onetime", Some(b)).await;
    assert_eq!(v["response"]["status"], "paid", "{v}");
    assert_eq!(v["response"]["customer_uid_usage"], "issue");
    // Then charged again like any key.
    let v = h.again("sb-1", "sb-again", 9900).await;
    assert_eq!(
        (&v["response"]["status"], &v["response"]["pg_provider"]),
        (&json!("paid"), &json!("settle")),
        "{v}"
    );
}

#[tokio::test]
async fn ksnet_refuses_a_charge_without_product_type() {
    let h = start().await;
    let mut b = card();
    b["pg"] = json!("ksnet");
    b["customer_name"] = json!("김민준");
    let (_, v) = h.call("POST", "/subscribe/customers/ks-1", Some(b)).await;
    assert_eq!(v["code"], 0, "{v}");
    let (_, v) = h
        .call("POST", "/subscribe/payments/again", Some(json!({"customer_uid": "ks-1", "merchant_uid": "ks-a", "amount": 1000, "name": "월간"})))
        .await;
    assert_eq!(v["code"], 1, "{v}");
    assert!(
        v["message"].as_str().unwrap().contains("product_type"),
        "{v}"
    );
    let (_, v) = h
        .call("POST", "/subscribe/payments/again", Some(json!({"customer_uid": "ks-1", "merchant_uid": "ks-b", "amount": 1000, "name": "월간", "product_type": "digital"})))
        .await;
    assert_eq!(v["response"]["status"], "paid", "{v}");
}

#[tokio::test]
async fn jtnet_has_a_rest_channel_that_issues_keys_alone_or_with_a_first_charge() {
    let h = start().await;
    let (_, v) = h.call("GET", "/users/pg", None).await;
    let jtnet = v["response"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["pg_provider"] == "jtnet")
        .cloned()
        .expect("a JTNet channel");
    assert_eq!(jtnet["type"], "api_payment");
    // The password digits are needed, as in the manual's EN example.
    let mut b = card();
    b["pg"] = json!("jtnet");
    b.as_object_mut().unwrap().remove("pwd_2digit");
    let (_, v) = h
        .call("POST", "/subscribe/customers/jt-1", Some(b.clone()))
        .await;
    assert_eq!(v["code"], -1, "{v}");
    b["pwd_2digit"] = json!("12");
    let (_, v) = h
        .call("POST", "/subscribe/customers/jt-1", Some(b.clone()))
        .await;
    assert_eq!(v["response"]["pg_provider"], "jtnet", "{v}");
    assert_eq!(
        h.again("jt-1", "jt-a", 1000).await["response"]["status"],
        "paid"
    );
    // A key with a first charge.
    b["merchant_uid"] = json!("jt-first");
    b["amount"] = json!(1000);
    b["customer_uid"] = json!("jt-2");
    let (_, v) = h.call("POST", "/subscribe/payments/onetime", Some(b)).await;
    assert_eq!(v["response"]["status"], "paid", "{v}");
    assert_eq!(
        h.again("jt-2", "jt-b", 1000).await["response"]["status"],
        "paid"
    );
}

#[tokio::test]
async fn a_channel_is_chosen_by_its_channel_key_by_pg_or_by_both() {
    let h = start().await;
    let mut b = card();
    b["channel_key"] = json!("channel-key-kcp-0001");
    let (_, v) = h
        .call("POST", "/subscribe/customers/ck-1", Some(b.clone()))
        .await;
    assert_eq!(v["response"]["pg_provider"], "kcp", "{v}");
    b["pg"] = json!("kcp.T0000");
    let (_, v) = h
        .call("POST", "/subscribe/customers/ck-2", Some(b.clone()))
        .await;
    assert_eq!(
        (&v["response"]["pg_provider"], &v["response"]["pg_id"]),
        (&json!("kcp"), &json!("T0000")),
        "{v}"
    );
    // A schedule that issues the key first takes the channel key too.
    let mut s = card();
    s["customer_uid"] = json!("ck-3");
    s["channel_key"] = json!("channel-key-jtnet-0001");
    let now = h.control("GET", "/clock", None).await["now"]
        .as_i64()
        .unwrap();
    s["schedules"] = json!([{"merchant_uid": "ck-s", "schedule_at": now + 3600, "amount": 1000, "name": "예약"}]);
    let (_, v) = h
        .call("POST", "/subscribe/payments/schedule", Some(s))
        .await;
    assert_eq!(v["code"], 0, "{v}");
    let (_, v) = h.call("GET", "/subscribe/customers/ck-3", None).await;
    assert_eq!(v["response"]["pg_provider"], "jtnet", "{v}");
}
