//! Decoder tests on hand-written answers in the shapes the sources report, including
//! the odd ones (floats, numeric strings, nulls, `0` timestamps, `card_type` as text).

use std::str::FromStr;

use super::*;
use crate::Money;

fn payment(json: &str) -> Payment {
    serde_json::from_str(json).unwrap()
}

#[test]
fn payment_from_the_spec_shape() {
    let p = payment(
        r#"{
        "imp_uid":"imp_448280090638","merchant_uid":"order_1","pay_method":"card","channel":"api",
        "pg_provider":"nice","emb_pg_provider":null,"pg_tid":"tid","pg_id":"mid","sandbox":true,
        "escrow":false,"apply_num":"30012345","bank_code":null,"bank_name":null,"card_code":"361",
        "card_name":"BC카드","card_quota":0,"card_number":"411111******1111","card_type":0,
        "vbank_code":null,"vbank_name":null,"vbank_num":null,"vbank_holder":null,"vbank_date":0,
        "vbank_issued_at":0,"name":"월 구독","amount":9900,"cancel_amount":0,"currency":"KRW",
        "buyer_name":"김민준","buyer_email":null,"buyer_tel":"010-1234-5678","buyer_addr":null,
        "buyer_postcode":null,"custom_data":"{\"plan\":\"basic\"}","user_agent":"sorry_not_supported",
        "status":"paid","started_at":1700000000,"paid_at":1700000001,"failed_at":0,"cancelled_at":0,
        "fail_reason":null,"cancel_reason":null,"receipt_url":"https://r","cancel_history":[],
        "cancel_receipt_urls":[],"cash_receipt_issued":false,"customer_uid":"cust_1",
        "customer_uid_usage":"payment","promotion":null,"brand_new_field":{"x":1}
    }"#,
    );
    assert_eq!(p.status, PaymentStatus::Paid);
    assert_eq!(p.amount, Money::won(9900));
    assert_eq!(p.paid_at, Some(1_700_000_001));
    assert_eq!(p.failed_at, None);
    assert_eq!(p.cancelled_at, None);
    assert_eq!(p.vbank_date, None);
    assert_eq!(p.card_type, Some(CardType::Credit));
    assert_eq!(p.customer_uid_usage, Some(CustomerUidUsage::Payment));
    assert_eq!(p.refundable(), Money::won(9900));
    assert!(p.sandbox);
}

#[test]
fn payment_minimal_and_loose() {
    // Only the spec's required fields, in the loosest encodings seen in the wild.
    let p = payment(
        r#"{"imp_uid":"i","merchant_uid":"m","amount":"1000.0","cancel_amount":null,
            "currency":"KRW","status":"cancelled","sandbox":null,"cancelled_at":1700000000.25,
            "card_type":"card","bank_code":4,"customer_uid_usage":"payment.scheduled",
            "cancel_history":[{"pg_tid":"t","amount":500.0,"cancelled_at":"1700000000","reason":null,
                               "cancellation_id":"c1","receipt_url":null}]}"#,
    );
    assert_eq!(p.amount, Money::won(1000));
    assert_eq!(p.cancel_amount, Money::ZERO);
    assert_eq!(p.cancelled_at, Some(1_700_000_000));
    assert_eq!(p.card_type, Some(CardType::Other("card".into())));
    assert_eq!(p.bank_code.as_deref(), Some("4"));
    assert_eq!(p.cancel_history[0].amount, Money::won(500));
    assert_eq!(p.cancel_history[0].cancelled_at, Some(1_700_000_000));
    assert_eq!(
        p.customer_uid_usage,
        Some(CustomerUidUsage::PaymentScheduled)
    );
    assert!(!p.sandbox);
}

#[test]
fn payment_statuses_and_decimals() {
    let p = payment(
        r#"{"imp_uid":"i","merchant_uid":"m","amount":19.99,"cancel_amount":0.1,"currency":"USD",
            "status":"refunding_soon","sandbox":false,"card_type":"1"}"#,
    );
    assert_eq!(p.amount, Money::from_str("19.99").unwrap());
    assert_eq!(p.refundable(), Money::from_str("19.89").unwrap());
    assert_eq!(p.status, PaymentStatus::Other("refunding_soon".into()));
    assert_eq!(p.card_type, Some(CardType::Check));
}

#[test]
fn payment_missing_required_fields_fail() {
    for json in [
        r#"{"merchant_uid":"m","amount":1,"status":"paid"}"#,
        r#"{"imp_uid":"i","merchant_uid":"m","status":"paid"}"#,
        r#"{"imp_uid":"i","merchant_uid":"m","amount":1}"#,
        r#"{"imp_uid":"i","merchant_uid":"m","amount":null,"status":"paid"}"#,
    ] {
        assert!(serde_json::from_str::<Payment>(json).is_err(), "{json}");
    }
}

#[test]
fn customer_and_super_key() {
    let c: Customer = serde_json::from_str(
        r#"{"customer_uid":"cust_1","pg_provider":"nice","pg_id":"mid","sandbox":true,
            "card_name":null,"card_code":null,"card_number":null,"card_type":null,
            "customer_name":"김민준","inserted":1700000000,"updated":0}"#,
    )
    .unwrap();
    assert_eq!(c.customer_uid, "cust_1");
    assert_eq!(c.card_type, None);
    assert_eq!(c.updated, None);
    assert!(!c.is_super());

    let s: Customer = serde_json::from_str(
        r#"{"customer_uid":"cust_2","channelGroupId":"grp",
            "succeededChannels":[{"pg_provider":"nice","pg_id":"a","inserted":1,"update":2,"card_type":1}],
            "failedChannels":[{"type":"PG","message":"no","pg_provider":"kcp","pg_id":"b"}]}"#,
    )
    .unwrap();
    assert!(s.is_super());
    assert_eq!(s.succeeded_channels[0].card_type, Some(CardType::Check));
    assert_eq!(s.failed_channels[0].kind.as_deref(), Some("PG"));
}

#[test]
fn schedule_lists_as_array_or_page() {
    let entry = r#"{"customer_uid":"c","merchant_uid":"m1","imp_uid":null,"schedule_at":"1700000000",
        "executed_at":0,"revoked_at":0,"amount":9900,"currency":"KRW","name":"n",
        "schedule_status":"scheduled","payment_status":null,"fail_reason":null}"#;
    let arr: SchedulePage = serde_json::from_str(&format!("[{entry}]")).unwrap();
    assert_eq!(arr.0.list.len(), 1);
    assert_eq!(arr.0.total, 1);
    assert_eq!(arr.0.next, None);
    let page: SchedulePage = serde_json::from_str(&format!(
        r#"{{"total":41,"previous":0,"next":2,"list":[{entry}]}}"#
    ))
    .unwrap();
    assert_eq!(page.0.total, 41);
    assert_eq!(page.0.previous, None);
    assert_eq!(page.0.next, Some(2));
    let s = &page.0.list[0];
    assert_eq!(s.schedule_at, Some(1_700_000_000));
    assert_eq!(s.executed_at, None);
    assert_eq!(s.schedule_status, Some(ScheduleStatus::Scheduled));
    assert_eq!(s.payment_status, None);
    let empty: SchedulePage = serde_json::from_str("[]").unwrap();
    assert!(empty.0.list.is_empty());
}

#[test]
fn page_of_payments_with_nulls() {
    let p: Page<Payment> =
        serde_json::from_str(r#"{"total":null,"previous":null,"next":null,"list":null}"#).unwrap();
    assert_eq!(p.total, 0);
    assert!(p.list.is_empty());
}

#[test]
fn balance_and_merchant_models() {
    let b: PaymentBalance = serde_json::from_str(
        r#"{"amount":1000,"cash_receipt":{"tax_free":0,"supply":909,"vat":91,"service":0},
            "primary":{"tax_free":0,"supply":909.0,"vat":"91","service":0},"secondary":null,
            "discount":{"tax_free":0,"supply":0,"vat":0,"service":0},
            "histories":[{"cash_receipt":null,"primary":null,"secondary":null,"discount":null,"created":1700000000}]}"#,
    )
    .unwrap();
    assert_eq!(b.primary.unwrap().vat, Money::won(91));
    assert_eq!(b.histories[0].created, Some(1_700_000_000));

    let pg: Vec<PgSetting> = serde_json::from_str(
        r#"[{"pg_provider":"nice","pg_id":"mid","sandbox":true,"type":"api_payment","channel_name":null,"channel_key":"ck"}]"#,
    )
    .unwrap();
    assert_eq!(pg[0].kind, Some(PgSettingType::ApiPayment));
    let cards: Vec<StandardCode> =
        serde_json::from_str(r#"[{"code":"361","name":"BC카드"}]"#).unwrap();
    assert_eq!(cards[0].code, "361");
}

#[test]
fn requests_omit_unset_fields_and_send_whole_won_as_integers() {
    let r = AgainRequest::new(
        "cust_1",
        "order_1",
        Money::from_str("9900.0").unwrap(),
        "월 구독",
    );
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"customer_uid":"cust_1","merchant_uid":"order_1","amount":9900,"name":"월 구독"})
    );
    assert_eq!(
        serde_json::to_string(&r).unwrap().matches("9900").count(),
        1
    );
    assert!(!serde_json::to_string(&r).unwrap().contains("9900.0"));

    let c = CancelRequest::partial("imp_1", Money::won(500), Money::won(1000)).reason("환불");
    assert_eq!(
        serde_json::to_value(&c).unwrap(),
        serde_json::json!({"imp_uid":"imp_1","amount":500,"checksum":1000,"reason":"환불"})
    );

    let card = CardData::new("4111111111111111", "2030-01").unwrap();
    let s = ScheduleRequest::new(
        "cust_1",
        vec![ScheduleEntry::new(
            "m1",
            1_800_000_000,
            Money::won(100),
            "n",
        )],
    )
    .with_card(card);
    let v = serde_json::to_value(&s).unwrap();
    assert_eq!(v["card_number"], "4111-1111-1111-1111");
    assert_eq!(v["schedules"][0]["currency"], "KRW");
    assert_eq!(v["schedules"][0]["schedule_at"], 1_800_000_000i64);
    assert!(v.get("checking_amount").is_none());
    assert!(v["schedules"][0].get("buyer_name").is_none());

    let u = UnscheduleRequest::only("cust_1", ["m1", "m2"]);
    assert_eq!(
        serde_json::to_value(&u).unwrap(),
        serde_json::json!({"customer_uid":"cust_1","merchant_uid":["m1","m2"]})
    );
}

#[test]
fn request_validation() {
    let long = "x".repeat(41);
    assert_eq!(
        AgainRequest::new("c", &long, Money::won(1), "n")
            .validate()
            .unwrap_err()
            .code(),
        "invalid_input"
    );
    assert!(
        AgainRequest::new("", "m", Money::won(1), "n")
            .validate()
            .is_err()
    );
    assert!(
        AgainRequest::new("c", "m", Money::won(1), "")
            .validate()
            .is_err()
    );
    assert!(
        AgainRequest::new("c", "m", Money::from_str("1.5").unwrap(), "n")
            .validate()
            .is_err()
    );
    assert!(
        AgainRequest::new("c", "m", Money::won(1), "n")
            .validate()
            .is_ok()
    );
    assert!(CancelRequest::default().validate().is_err());
    assert!(ScheduleRequest::new("c", vec![]).validate().is_err());
    let dup = ScheduleRequest::new(
        "c",
        vec![
            ScheduleEntry::new("m", 10, Money::won(1), "n"),
            ScheduleEntry::new("m", 20, Money::won(1), "n"),
        ],
    );
    assert!(dup.validate().is_err());
}
