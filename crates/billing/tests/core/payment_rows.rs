//! A payment row keeps only what its columns do not: the object read back is the one
//! received, changes to a column alone are still written, and the stored text is smaller.

use subdesk_billing::{PaymentRecord, Store};

/// A payment as i'mport sends it (a partial cancel, a buyer name with spaces around it and
/// a failed time of 0, which the columns do not keep as they came).
const RECEIVED: &str = r#"{"amount":39000,"apply_num":"04903380","buyer_email":"daeun@example.kr","buyer_name":" 박다은 ","buyer_tel":"010-0668-3851","cancel_amount":9000,"cancel_history":[{"amount":9000,"cancellation_id":"cncl_1","cancelled_at":1765225371,"pg_tid":"INIBillTstc1","reason":"고객 요청","receipt_url":null}],"cancel_reason":"고객 요청","cancelled_at":1765225371,"card_code":"366","card_name":"신한카드","card_number":"550483******5666","card_quota":0,"card_type":0,"channel":"api","currency":"KRW","customer_uid":"cust_1","escrow":false,"failed_at":0,"imp_uid":"imps_1","merchant_uid":"order_1","name":"프리미엄 월간 구독","paid_at":1764677288,"pay_method":"card","pg_id":"INIBillTst","pg_provider":"html5_inicis","pg_tid":"INIBillTst78","receipt_url":"https://iniweb.inicis.com/receipt/1","started_at":1764677288,"status":"paid"}"#;

fn record() -> PaymentRecord {
    PaymentRecord {
        imp_uid: "imps_1".into(),
        merchant_uid: "order_1".into(),
        customer_uid: Some("cust_1".into()),
        status: "paid".into(),
        amount: 39000,
        amount_text: "39000".into(),
        cancel_amount: 9000,
        currency: "KRW".into(),
        pg_provider: Some("html5_inicis".into()),
        pay_method: Some("card".into()),
        name: Some("프리미엄 월간 구독".into()),
        buyer_name: Some(" 박다은 ".into()),
        buyer_email: Some("daeun@example.kr".into()),
        buyer_tel: Some("010-0668-3851".into()),
        apply_num: Some("04903380".into()),
        card_name: Some("신한카드".into()),
        card_number: Some("550483******5666".into()),
        started_at: Some(1764677288),
        paid_at: Some(1764677288),
        failed_at: Some(0),
        cancelled_at: Some(1765225371),
        fail_reason: None,
        cancel_reason: Some("고객 요청".into()),
        raw_json: RECEIVED.into(),
    }
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap()
}

fn stored_text(dir: &tempfile::TempDir) -> String {
    let conn = rusqlite::Connection::open(dir.path().join("shop.sqlite3")).unwrap();
    conn.query_row(
        "SELECT raw_json FROM payments WHERE imp_uid = 'imps_1'",
        [],
        |r| r.get(0),
    )
    .unwrap()
}

#[test]
fn the_object_read_back_is_the_one_received_and_the_row_keeps_only_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("shop.sqlite3")).unwrap();
    assert_eq!(store.upsert_payments(&[record()]).unwrap().changed, 1);

    let detail = store.get_payment("imps_1").unwrap();
    assert_eq!(json(&detail.raw_json), json(RECEIVED));
    assert_eq!(detail.cancel_history.len(), 1);
    assert_eq!(
        detail.receipt_url.as_deref(),
        Some("https://iniweb.inicis.com/receipt/1")
    );

    let rest = json(&stored_text(&dir));
    // What the columns give back exactly is not stored twice...
    for field in [
        "imp_uid",
        "merchant_uid",
        "status",
        "amount",
        "card_number",
        "paid_at",
        "name",
    ] {
        assert!(rest.get(field).is_none(), "{field} is stored twice: {rest}");
    }
    // ...what they would give back differently is kept as received...
    assert_eq!(rest["buyer_name"], " 박다은 ");
    assert_eq!(rest["failed_at"], 0);
    // ...and what they do not hold at all stays.
    assert_eq!(rest["pg_tid"], "INIBillTst78");
    assert!(rest["cancel_history"].is_array());
    assert!(
        stored_text(&dir).len() * 2 < RECEIVED.len(),
        "{}",
        stored_text(&dir)
    );
}

#[test]
fn a_change_to_a_column_alone_is_written_and_an_identical_row_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("shop.sqlite3")).unwrap();
    store.upsert_payments(&[record()]).unwrap();
    assert_eq!(store.upsert_payments(&[record()]).unwrap().changed, 0);

    // The buyer's phone changes at i'mport: only a column differs, the stored rest does not.
    let mut changed = record();
    changed.buyer_tel = Some("010-9999-0000".into());
    changed.raw_json = RECEIVED.replace("010-0668-3851", "010-9999-0000");
    assert_eq!(store.upsert_payments(&[changed]).unwrap().changed, 1);
    let detail = store.get_payment("imps_1").unwrap();
    assert_eq!(detail.payment.buyer_tel.as_deref(), Some("010-9999-0000"));
    assert_eq!(json(&detail.raw_json)["buyer_tel"], "010-9999-0000");
}

#[test]
fn usual_values_are_left_out_and_come_back_and_a_missing_or_unusual_one_stays_so() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("shop.sqlite3")).unwrap();
    store.upsert_payments(&[record()]).unwrap();
    // RECEIVED has card_quota 0, card_type 0, channel api, escrow false: not stored...
    let rest = json(&stored_text(&dir));
    for field in ["card_quota", "card_type", "channel", "escrow"] {
        assert!(rest.get(field).is_none(), "{field} is stored: {rest}");
    }
    // ...and read back (the first test compares the whole object).
    assert_eq!(
        json(&store.get_payment("imps_1").unwrap().raw_json)["channel"],
        "api"
    );

    // An object without some of them, and with others unusual.
    let mut other = record();
    let mut o = json(RECEIVED);
    let m = o.as_object_mut().unwrap();
    m.remove("escrow");
    m.remove("card_type");
    m.insert("channel".into(), "pc".into());
    m.insert("card_quota".into(), 3.into());
    m.insert("sandbox".into(), true.into());
    other.raw_json = o.to_string();
    assert_eq!(store.upsert_payments(&[other]).unwrap().changed, 1);
    let back = json(&store.get_payment("imps_1").unwrap().raw_json);
    assert_eq!(back, o);
    assert!(back.get("escrow").is_none() && back.get("card_type").is_none());
    let rest = json(&stored_text(&dir));
    assert_eq!(
        (&rest["channel"], &rest["card_quota"]),
        (&"pc".into(), &3.into())
    );
}
