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
