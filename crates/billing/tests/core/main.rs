//! Store tests on real SQLite files in temp dirs.

mod audit;
mod folder_backups;
mod import;
mod integrity;
mod migrations;
mod payment_rows;
mod schedules;
mod search;

use subdesk_billing::{CustomerRecord, PaymentRecord, Store};

pub fn temp_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path().join("profile.sqlite3")).expect("open");
    (dir, store)
}

pub fn customer(uid: &str, name: &str, tel: &str, card: &str) -> CustomerRecord {
    CustomerRecord {
        customer_uid: uid.into(),
        pg_provider: Some("nice".into()),
        pg_id: Some("nictest04m".into()),
        card_name: Some("신한카드".into()),
        card_number: Some(card.into()),
        card_type: Some(0),
        customer_name: Some(name.into()),
        customer_tel: Some(tel.into()),
        customer_email: Some(format!("{uid}@example.com")),
        inserted: Some(1_700_000_000),
        updated: Some(1_700_000_000),
        ..Default::default()
    }
}

pub fn payment(imp_uid: &str, buyer: &str, amount: i64, paid_at: i64) -> PaymentRecord {
    PaymentRecord {
        imp_uid: imp_uid.into(),
        merchant_uid: format!("order_{imp_uid}"),
        customer_uid: Some(format!("cust_{buyer}")),
        status: "paid".into(),
        amount,
        amount_text: amount.to_string(),
        currency: "KRW".into(),
        pg_provider: Some("nice".into()),
        pay_method: Some("card".into()),
        name: Some("정기결제".into()),
        buyer_name: Some(buyer.into()),
        apply_num: Some(format!("{:08}", paid_at % 100_000_000)),
        started_at: Some(paid_at - 5),
        paid_at: Some(paid_at),
        raw_json: format!("{{\"imp_uid\":\"{imp_uid}\",\"amount\":{amount}}}"),
        ..Default::default()
    }
}
