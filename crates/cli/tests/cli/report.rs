//! `report vat`: a period's days are the profile's (Seoul), the figures are the store's,
//! and the workbook reads back with Korean headers and the total.

use calamine::{Data, Reader, Xlsx, open_workbook};

use crate::common::Env;
use crate::exports::seed;

#[test]
fn a_payment_at_0523_in_seoul_on_april_first_is_april_not_march() {
    let env = Env::new();
    seed(&env);
    let april = env
        .cli(&["--json", "report", "vat", "--year", "2026", "--month", "4"])
        .expect(0)
        .json();
    assert_eq!(april["total"]["sales_amount"], 12_000, "{april}");
    assert_eq!(april["total"]["sales_vat"], 1_091);
    // Subdesk did not send these charges: their tax-free part is unknown.
    assert_eq!(april["total"]["estimated_count"], 1);
    let march = env
        .cli(&["--json", "report", "vat", "--year", "2026", "--month", "3"])
        .expect(0)
        .json();
    assert_eq!(march["total"]["sales_amount"], 0, "{march}");
    let q1 = env
        .cli(&[
            "--json",
            "report",
            "vat",
            "--year",
            "2026",
            "--quarter",
            "1",
        ])
        .expect(0)
        .json();
    assert_eq!(
        q1["total"]["sales_amount"], 5_000,
        "the one 40 days earlier"
    );

    env.cli(&["report", "vat", "--year", "2026", "--quarter", "5"])
        .expect(2);
}

#[test]
fn the_vat_workbook_has_korean_headers_and_a_total_row() {
    let env = Env::new();
    seed(&env);
    let out = env.data_dir().join("부가세.xlsx");
    env.cli(&[
        "report",
        "vat",
        "--year",
        "2026",
        "--half",
        "1",
        "--out",
        out.to_str().expect("path"),
    ])
    .expect(0);
    let mut book: Xlsx<_> = open_workbook(&out).expect("xlsx");
    let sheet = book.worksheet_range("2026-H1").expect("sheet");
    let rows: Vec<Vec<Data>> = sheet.rows().map(<[Data]>::to_vec).collect();
    let headers: Vec<String> = rows[0].iter().map(ToString::to_string).collect();
    assert!(headers.contains(&"순매출".to_owned()), "{headers:?}");
    assert!(headers.contains(&"부가세".to_owned()), "{headers:?}");
    let total = rows.last().expect("total");
    assert_eq!(total[0].to_string(), "합계");
    let net = headers.iter().position(|h| h == "순매출").expect("net");
    assert_eq!(total[net], Data::Float(17_000.0));
}

/// `report reconcile`: this month's charge that the store does not hold yet and a stored
/// payment i'mport does not know are found (exit 1); `--apply` stores i'mport's version
/// of the first and never invents the second away.
#[test]
fn reconcile_finds_what_either_side_lacks_and_applies_only_imports_version() {
    let env = Env::new();
    env.issue("cust_rec", "4242424242424242", "대조 고객", &[]);
    let paid = env.charge("cust_rec", 9_900);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    let (year, month) = subdesk_sandbox::cards::year_month(now + 9 * 3600);
    let (year, month) = (year.to_string(), month.to_string());
    let args = [
        "--json",
        "report",
        "reconcile",
        "--year",
        &year,
        "--month",
        &month,
    ];

    // A payment only the store has (as if recorded under another account).
    let store = env.store("sandbox");
    store
        .upsert_payments(&[subdesk_billing::PaymentRecord {
            imp_uid: "imp_only_here".into(),
            merchant_uid: "order-only-here".into(),
            status: "paid".into(),
            amount: 1_000,
            amount_text: "1000".into(),
            currency: "KRW".into(),
            paid_at: Some(now - 60),
            raw_json: "{}".into(),
            ..subdesk_billing::PaymentRecord::default()
        }])
        .expect("upsert");
    let first = env.cli(&args);
    first.expect(1);
    let report = first.json();
    let kinds: Vec<(String, String)> = report["differences"]
        .as_array()
        .expect("differences")
        .iter()
        .map(|d| {
            (
                d["imp_uid"].as_str().unwrap_or("").to_owned(),
                d["kind"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert!(
        kinds.contains(&("imp_only_here".into(), "missing_there".into())),
        "{kinds:?}"
    );

    let mut apply = args.to_vec();
    apply.push("--apply");
    env.cli(&apply).expect(1);
    let again = env.cli(&args);
    again.expect(1);
    let left = again.json();
    assert_eq!(left["differences_total"], 1, "{left}");
    assert_eq!(left["differences"][0]["imp_uid"], "imp_only_here");
    assert!(
        store.get_payment(&paid).is_ok(),
        "the charge is in the store"
    );
}
