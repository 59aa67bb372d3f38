//! `payments export`, `customers export`, `run export`: the files read back as a clerk's
//! Excel would (calamine for .xlsx, the bytes for CSV).

use calamine::{Data, Reader, Xlsx, open_workbook};
use subdesk_billing::{PaymentRecord, Store};

use crate::common::{APPROVE, Env};

/// 2026-03-31T20:23:00Z: 2026-04-01 05:23 in Seoul (the sandbox profile's zone).
const MONTH_END: i64 = 1_774_988_580;

/// Payments put straight into the sandbox profile's mirror, as a sync would leave them.
pub(crate) fn seed(env: &Env) {
    env.cli(&["profile", "list"]).expect(0);
    let db = env
        .data_dir()
        .join("profiles")
        .join("sandbox")
        .join("subdesk.db");
    let store = Store::open(&db).expect("store");
    let rec = |imp: &str, apply: &str, paid_at: i64, amount: i64| PaymentRecord {
        imp_uid: imp.into(),
        merchant_uid: format!("order-{imp}"),
        customer_uid: Some("cust_1".into()),
        status: "paid".into(),
        amount,
        amount_text: amount.to_string(),
        currency: "KRW".into(),
        pg_provider: Some("nice".into()),
        name: Some("월 구독".into()),
        buyer_name: Some("홍길동".into()),
        apply_num: Some(apply.into()),
        paid_at: Some(paid_at),
        raw_json: "{}".into(),
        ..PaymentRecord::default()
    };
    store
        .upsert_payments(&[
            rec("imp_month_end", "00123456", MONTH_END, 12_000),
            rec("imp_earlier", "98765432", MONTH_END - 86_400 * 40, 5_000),
        ])
        .expect("upsert");
}

fn excel_time(serial: f64) -> String {
    let seconds = (serial * 86_400.0).round() as i64;
    jiff::civil::date(1899, 12, 30)
        .at(0, 0, 0, 0)
        .checked_add(jiff::SignedDuration::from_secs(seconds))
        .expect("in range")
        .strftime("%Y-%m-%d %H:%M")
        .to_string()
}

#[test]
fn payments_export_to_xlsx_reads_back_in_korean_with_seoul_times_and_text_approvals() {
    let env = Env::new();
    seed(&env);
    let out = env.data_dir().join("결제내역.xlsx");
    let path = out.to_str().expect("path");
    let run = env.cli(&[
        "payments",
        "export",
        "--columns",
        "paid_at,imp_uid,status,amount,apply_num",
        "--out",
        path,
    ]);
    run.expect(0);
    assert!(run.stdout.contains("2 row(s) written"), "{}", run.stdout);
    let mut book: Xlsx<_> = open_workbook(&out).expect("xlsx");
    let range = book.worksheet_range("결제내역").expect("sheet");
    let row = |r: usize| -> Vec<Data> {
        (0..5)
            .map(|c| range.get((r, c)).cloned().unwrap_or(Data::Empty))
            .collect()
    };
    assert_eq!(
        row(0),
        [
            "결제 시각",
            "결제번호 (imp_uid)",
            "상태",
            "금액",
            "승인번호"
        ]
        .map(|h| Data::String(h.into()))
    );
    let first = row(1);
    match &first[0] {
        Data::DateTime(t) => assert_eq!(excel_time(t.as_f64()), "2026-04-01 05:23"),
        other => panic!("paid_at: {other:?}"),
    }
    assert_eq!(first[1], Data::String("imp_month_end".into()));
    assert_eq!(first[2], Data::String("결제 완료".into()));
    assert_eq!(first[3], Data::Float(12_000.0), "amounts are numbers");
    assert_eq!(
        first[4],
        Data::String("00123456".into()),
        "leading zero kept"
    );
    assert_eq!(range.get_size().0, 3);

    // The filters of `payments list` narrow it; --json says what was written.
    let v = env
        .cli(&[
            "--json",
            "payments",
            "export",
            "--from",
            "2026-04-01",
            "--out",
            path,
        ])
        .json();
    assert_eq!(v["rows"], 1);
    assert_eq!(v["cancelled"], false);
    // A bad column: refused, the earlier file left as it was.
    let bad = env.cli(&[
        "payments",
        "export",
        "--columns",
        "imp_uid,nope",
        "--out",
        path,
    ]);
    bad.expect(2);
    assert!(
        bad.stderr.contains("nope") && bad.stderr.contains("apply_num"),
        "{}",
        bad.stderr
    );
    assert!(open_workbook::<Xlsx<_>, _>(&out).is_ok());
}

#[test]
fn payments_export_csv_has_a_bom_and_english_on_request_and_cp949_bytes() {
    let env = Env::new();
    seed(&env);
    let csv = env.data_dir().join("p.csv");
    let p = csv.to_str().expect("path");
    env.cli(&[
        "payments",
        "export",
        "--format",
        "csv",
        "--lang",
        "en",
        "--columns",
        "paid_at,status,amount,apply_num",
        "--out",
        p,
    ])
    .expect(0);
    let bytes = std::fs::read(&csv).expect("read");
    assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "BOM");
    let text = String::from_utf8(bytes).expect("utf-8");
    assert_eq!(
        text,
        "\u{feff}Paid at,Status,Amount,Approval no.\n2026-04-01 05:23:00,Paid,12000,00123456\n2026-02-20 05:23:00,Paid,5000,98765432\n"
    );

    env.cli(&[
        "payments",
        "export",
        "--format",
        "csv-cp949",
        "--columns",
        "status,name",
        "--out",
        p,
    ])
    .expect(0);
    let bytes = std::fs::read(&csv).expect("read");
    let (want, _, _) =
        encoding_rs::EUC_KR.encode("상태,주문명\n결제 완료,월 구독\n결제 완료,월 구독\n");
    assert_eq!(bytes, want.into_owned());

    // To stdout, as `payments list --csv` always did.
    let listed = env.cli(&["payments", "list", "--csv"]);
    listed.expect(0);
    assert!(
        listed.stdout.starts_with("\u{feff}결제 시각,"),
        "{}",
        listed.stdout
    );
    assert_eq!(listed.stdout.lines().count(), 3);
    // An .xlsx cannot go to a stream.
    env.cli(&["payments", "export", "--out", "-"]).expect(2);
}

#[test]
fn customers_and_a_run_export_too() {
    let env = Env::new();
    env.issue("cust_0001", APPROVE, "김민준", &[]);
    let out = env.data_dir().join("c.xlsx");
    env.cli(&[
        "customers",
        "export",
        "--status",
        "active",
        "--columns",
        "customer_uid,name,status",
        "--out",
        out.to_str().expect("path"),
    ])
    .expect(0);
    let mut book: Xlsx<_> = open_workbook(&out).expect("xlsx");
    let range = book.worksheet_range("고객목록").expect("sheet");
    assert_eq!(range.get((1, 0)), Some(&Data::String("cust_0001".into())));
    assert_eq!(range.get((1, 1)), Some(&Data::String("김민준".into())));
    assert_eq!(range.get((1, 2)), Some(&Data::String("유효".into())));

    let file = env.data_dir().join("run.csv");
    std::fs::write(&file, "cust_0001,5000\n").expect("csv");
    let plan = env
        .cli(&["--json", "run", "csv", file.to_str().expect("path")])
        .json();
    let run_id = plan["run_id"].as_str().expect("run id").to_owned();
    let report = env.data_dir().join("run.xlsx");
    env.cli(&[
        "run",
        "export",
        &run_id,
        "--out",
        report.to_str().expect("path"),
    ])
    .expect(0);
    let mut book: Xlsx<_> = open_workbook(&report).expect("xlsx");
    let range = book.worksheet_range("일괄결제").expect("sheet");
    assert_eq!(range.get((0, 0)), Some(&Data::String("줄".into())));
    assert_eq!(range.get((1, 1)), Some(&Data::String("cust_0001".into())));
    assert_eq!(range.get((1, 3)), Some(&Data::Float(5_000.0)));
    assert_eq!(range.get((1, 5)), Some(&Data::String("대기".into())));
    env.cli(&[
        "run",
        "export",
        "run_missing",
        "--out",
        report.to_str().expect("path"),
    ])
    .expect(2);
}
