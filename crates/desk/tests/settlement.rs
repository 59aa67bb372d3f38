//! The settlement report per 매출유형: lines split by the payment method's sales type, and
//! the workbook's optional column read back.

use calamine::{Data, Reader, Xlsx, open_workbook};
use subdesk_billing::mirror::settlement::SalesType;
use subdesk_billing::{PaymentRecord, Store};
use subdesk_desk::exports::ExportLang;
use subdesk_desk::settlement::{self, SettlementPeriod};

/// 2026-11-10 12:00 in Seoul.
const AT: i64 = 1_794_279_600;

fn pay(i: usize, pg: &str, method: &str, amount: i64) -> PaymentRecord {
    PaymentRecord {
        imp_uid: format!("imp_{i}"),
        merchant_uid: format!("order-{i}"),
        status: "paid".into(),
        amount,
        amount_text: amount.to_string(),
        currency: "KRW".into(),
        pg_provider: Some(pg.into()),
        pay_method: Some(method.into()),
        paid_at: Some(AT + i as i64),
        raw_json: "{}".into(),
        ..PaymentRecord::default()
    }
}

const NOVEMBER: SettlementPeriod = SettlementPeriod::Month {
    year: 2026,
    month: 11,
};

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("p.sqlite3")).unwrap();
    store
        .upsert_payments(&[
            pay(1, "nice", "card", 11_000),
            pay(2, "nice", "kakaopay", 22_000),
            pay(3, "nice", "card", 33_000),
            pay(4, "kcp", "trans", 5_500),
        ])
        .unwrap();
    (dir, store)
}

fn sheet(path: &std::path::Path) -> Vec<Vec<Data>> {
    let mut book: Xlsx<_> = open_workbook(path).unwrap();
    let range = book.worksheet_range("2026-11").unwrap();
    range.rows().map(|r| r.to_vec()).collect()
}

#[test]
fn per_sales_type_splits_each_pg_and_the_sheet_names_the_type() {
    let (dir, store) = store();
    let plain = settlement::settlement(&store, NOVEMBER, "Asia/Seoul", false).unwrap();
    assert_eq!(plain.lines.len(), 2);
    assert!(plain.lines.iter().all(|l| l.sales_type.is_none()));

    let typed = settlement::settlement(&store, NOVEMBER, "Asia/Seoul", true).unwrap();
    let lines: Vec<(&str, Option<SalesType>, i64, i64)> = typed
        .lines
        .iter()
        .map(|l| {
            (
                l.pg_provider.as_str(),
                l.sales_type,
                l.sales_count,
                l.sales_amount,
            )
        })
        .collect();
    assert_eq!(
        lines,
        vec![
            ("kcp", Some(SalesType::Transfer), 1, 5_500),
            ("nice", Some(SalesType::Card), 2, 44_000),
            ("nice", Some(SalesType::EasyPay), 1, 22_000),
        ]
    );
    // The total is the same either way.
    assert_eq!(typed.total, plain.total);

    let path = dir.path().join("vat.xlsx");
    settlement::write_xlsx(&typed, NOVEMBER, ExportLang::Ko, &path).unwrap();
    let rows = sheet(&path);
    assert_eq!(rows[0][0], Data::String("PG".into()));
    assert_eq!(rows[0][1], Data::String("매출유형".into()));
    assert_eq!(rows[0][2], Data::String("매출 건수".into()));
    let types: Vec<&Data> = rows[1..].iter().map(|r| &r[1]).collect();
    assert_eq!(
        types,
        vec![
            &Data::String("계좌이체".into()),
            &Data::String("신용카드".into()),
            &Data::String("간편결제".into()),
            &Data::Empty,
        ]
    );
    assert_eq!(rows[2][3], Data::Float(44_000.0));

    // Without it, the columns are as before: the figures follow the PG.
    settlement::write_xlsx(&plain, NOVEMBER, ExportLang::En, &path).unwrap();
    let rows = sheet(&path);
    assert_eq!(rows[0][1], Data::String("Sales (count)".into()));
}
