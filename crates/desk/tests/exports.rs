//! Exports against a real store: the .xlsx read back with calamine (typed cells, number
//! formats, Seoul times), CSV bytes in UTF-8 with a BOM and in CP949, the refusals, the
//! stop, and that nothing is left half written.

use std::cell::RefCell;
use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook};
use subdesk_billing::mirror::sync::CancelToken;
use subdesk_billing::{
    CustomerQuery, CustomerRecord, PaymentQuery, PaymentRecord, ScheduleQuery, ScheduleRecord,
    Store,
};
use subdesk_desk::ErrorCode;
use subdesk_desk::exports::{
    ExportColumn, ExportFormat, ExportLang, ExportList, ExportProgress, ExportRequest, ListKind,
    export_to_file, export_to_file_with_sheet_rows, export_to_stream, suggested_file_name,
};

/// 2026-03-31T20:23:00Z: 2026-04-01 05:23 in Seoul, the next day and month.
const MONTH_END: i64 = 1_774_988_580;

fn payment(i: usize) -> PaymentRecord {
    PaymentRecord {
        imp_uid: format!("imp_{i:06}"),
        merchant_uid: format!("order-{i:06}"),
        customer_uid: Some(format!("cust_{}", i % 7)),
        status: "paid".into(),
        amount: 10_000 + i as i64,
        amount_text: (10_000 + i).to_string(),
        cancel_amount: 0,
        currency: "KRW".into(),
        pg_provider: Some("nice".into()),
        pay_method: Some("card".into()),
        name: Some("월 구독".into()),
        buyer_name: Some("홍길동".into()),
        apply_num: Some(format!("{:08}", i)),
        card_name: Some("신한카드".into()),
        card_number: Some("4242-42**-****-4242".into()),
        started_at: Some(MONTH_END - 60 - i as i64),
        paid_at: Some(MONTH_END - i as i64),
        raw_json: "{}".into(),
        ..PaymentRecord::default()
    }
}

struct World {
    dir: tempfile::TempDir,
    store: Store,
}

fn world(payments: usize) -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path().join("profile.sqlite3")).expect("store");
    let mut recs: Vec<PaymentRecord> = (0..payments).map(payment).collect();
    if let Some(first) = recs.first_mut() {
        // The newest: a partial refund, a leading-zero approval number, and a buyer
        // whose name a spreadsheet would run as a formula.
        first.apply_num = Some("00123456".into());
        first.cancel_amount = 3_000;
        first.buyer_name = Some("=HYPERLINK(\"x\")".into());
    }
    if let Some(second) = recs.get_mut(1) {
        second.status = "failed".into();
        second.paid_at = None;
        second.failed_at = Some(MONTH_END - 1);
        second.fail_reason = Some("[3011] 잔액부족".into());
    }
    for chunk in recs.chunks(5_000) {
        store.upsert_payments(chunk).expect("upsert");
    }
    World { dir, store }
}

fn payments_request(
    format: ExportFormat,
    lang: ExportLang,
    columns: &[(&str, Option<&str>)],
) -> ExportRequest {
    ExportRequest {
        list: ExportList::Payments {
            query: PaymentQuery::default(),
        },
        columns: columns
            .iter()
            .map(|(id, h)| ExportColumn {
                id: (*id).into(),
                header: h.map(str::to_owned),
            })
            .collect(),
        format,
        lang,
    }
}

const SCREEN: &[(&str, Option<&str>)] = &[
    ("event_at", Some("시각")),
    ("buyer_name", Some("구매자")),
    ("amount", Some("금액")),
    ("cancel_amount", Some("취소액")),
    ("net", None),
    ("status", Some("상태")),
    ("apply_num", None),
    ("imp_uid", None),
];

fn quiet(_: ExportProgress) {}

/// Excel's serial date-time as `YYYY-MM-DD HH:MM` (days since 1899-12-30).
fn excel_time(serial: f64) -> String {
    let seconds = (serial * 86_400.0).round() as i64;
    let t = jiff::civil::date(1899, 12, 30)
        .at(0, 0, 0, 0)
        .checked_add(jiff::SignedDuration::from_secs(seconds))
        .expect("in range");
    t.strftime("%Y-%m-%d %H:%M").to_string()
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with("profile.sqlite3"))
        .collect();
    v.sort();
    v
}

#[test]
fn xlsx_has_korean_headers_seoul_times_text_ids_and_won_numbers() {
    let w = world(3);
    let path = w.dir.path().join("결제내역_2026-04-01.xlsx");
    let seen = RefCell::new(Vec::new());
    let summary = export_to_file(
        &w.store,
        &payments_request(ExportFormat::Xlsx, ExportLang::Ko, SCREEN),
        "Asia/Seoul",
        &path,
        &|p| seen.borrow_mut().push(p),
        &CancelToken::new(),
    )
    .expect("export");
    assert_eq!(summary.rows, 3);
    assert!(!summary.cancelled);
    assert_eq!(
        seen.borrow().last(),
        Some(&ExportProgress { rows: 3, total: 3 })
    );
    // Only the workbook is left: no partial file, no constant-memory temp file.
    assert_eq!(files_in(w.dir.path()), ["결제내역_2026-04-01.xlsx"]);

    let mut book: Xlsx<_> = open_workbook(&path).expect("open xlsx");
    assert_eq!(book.sheet_names(), ["결제내역"]);
    let range = book.worksheet_range("결제내역").expect("sheet");
    assert_eq!(range.get_size(), (4, SCREEN.len()));
    let header: Vec<String> = (0..SCREEN.len())
        .map(|c| range.get((0, c)).map(|d| d.to_string()).unwrap_or_default())
        .collect();
    // The caller's labels where given, the catalogue's Korean ones elsewhere.
    assert_eq!(
        header,
        [
            "시각",
            "구매자",
            "금액",
            "취소액",
            "순결제액",
            "상태",
            "승인번호",
            "결제번호 (imp_uid)"
        ]
    );
    // The newest first, as the list shows it.
    match range.get((1, 0)) {
        Some(Data::DateTime(t)) => assert_eq!(excel_time(t.as_f64()), "2026-04-01 05:23"),
        other => panic!("time cell: {other:?}"),
    }
    // A formula stays text: a string cell is never evaluated.
    assert_eq!(
        range.get((1, 1)),
        Some(&Data::String("=HYPERLINK(\"x\")".into()))
    );
    assert_eq!(range.get((1, 2)), Some(&Data::Float(10_000.0)));
    assert_eq!(range.get((1, 3)), Some(&Data::Float(3_000.0)));
    assert_eq!(range.get((1, 4)), Some(&Data::Float(7_000.0)));
    assert_eq!(range.get((1, 5)), Some(&Data::String("결제 완료".into())));
    assert_eq!(range.get((2, 5)), Some(&Data::String("실패".into())));
    assert_eq!(range.get((1, 6)), Some(&Data::String("00123456".into())));
    assert_eq!(range.get((1, 7)), Some(&Data::String("imp_000000".into())));

    let styles = book.worksheet_style("결제내역").expect("styles");
    let format = |r: usize, c: usize| {
        styles
            .get((r as u32, c as u32))
            .and_then(|s| s.number_format.as_ref())
            .map(|f| f.format_code.clone())
            .unwrap_or_default()
    };
    assert_eq!(format(1, 2), "#,##0\"원\"");
    assert_eq!(format(1, 6), "@");
    assert_eq!(format(1, 0), "yyyy-mm-dd hh:mm:ss");
}

#[test]
fn english_labels_statuses_and_won_sign_and_another_zone() {
    let w = world(2);
    let path = w.dir.path().join("payments.xlsx");
    export_to_file(
        &w.store,
        &payments_request(
            ExportFormat::Xlsx,
            ExportLang::En,
            &[("paid_at", None), ("status", None), ("amount", None)],
        ),
        "UTC",
        &path,
        &quiet,
        &CancelToken::new(),
    )
    .expect("export");
    let mut book: Xlsx<_> = open_workbook(&path).expect("open xlsx");
    let range = book.worksheet_range("Payments").expect("sheet");
    assert_eq!(range.get((0, 0)), Some(&Data::String("Paid at".into())));
    assert_eq!(range.get((1, 1)), Some(&Data::String("Paid".into())));
    assert_eq!(range.get((2, 1)), Some(&Data::String("Failed".into())));
    // The failed payment has no paid time: an empty cell, not 1970.
    assert_eq!(range.get((2, 0)), Some(&Data::Empty));
    match range.get((1, 0)) {
        Some(Data::DateTime(t)) => assert_eq!(excel_time(t.as_f64()), "2026-03-31 20:23"),
        other => panic!("time cell: {other:?}"),
    }
    let styles = book.worksheet_style("Payments").expect("styles");
    let won = styles
        .get((1, 2))
        .and_then(|s| s.number_format.as_ref())
        .map(|f| f.format_code.clone());
    assert_eq!(won.as_deref(), Some("\"₩\"#,##0"));
}

#[test]
fn csv_utf8_has_a_bom_seoul_times_plain_amounts_and_defused_formulas() {
    let w = world(2);
    let path = w.dir.path().join("결제내역.csv");
    export_to_file(
        &w.store,
        &payments_request(ExportFormat::Csv, ExportLang::Ko, SCREEN),
        "Asia/Seoul",
        &path,
        &quiet,
        &CancelToken::new(),
    )
    .expect("export");
    let bytes = std::fs::read(&path).expect("read");
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "BOM");
    let text = String::from_utf8(bytes).expect("utf-8");
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines[0],
        "시각,구매자,금액,취소액,순결제액,상태,승인번호,결제번호 (imp_uid)"
    );
    assert_eq!(
        lines[1],
        "2026-04-01 05:23:00,\"'=HYPERLINK(\"\"x\"\")\",10000,3000,7000,결제 완료,00123456,imp_000000"
    );
    assert!(lines[2].contains(",실패,"), "{}", lines[2]);
    assert_eq!(lines.len(), 3);
}

#[test]
fn csv_cp949_is_korean_code_page_bytes_without_a_bom() {
    let w = world(2);
    let path = w.dir.path().join("cp949.csv");
    export_to_file(
        &w.store,
        &payments_request(
            ExportFormat::CsvCp949,
            ExportLang::Ko,
            &[("imp_uid", None), ("status", None), ("name", None)],
        ),
        "Asia/Seoul",
        &path,
        &quiet,
        &CancelToken::new(),
    )
    .expect("export");
    let bytes = std::fs::read(&path).expect("read");
    assert!(String::from_utf8(bytes.clone()).is_err(), "not UTF-8");
    let (want, _, bad) = encoding_rs::EUC_KR.encode(
        "결제번호 (imp_uid),상태,주문명\nimp_000000,결제 완료,월 구독\nimp_000001,실패,월 구독\n",
    );
    assert!(!bad);
    assert_eq!(bytes, want.into_owned());
}

#[test]
fn cp949_refuses_a_character_it_cannot_encode_naming_row_and_column_and_leaves_no_file() {
    let w = world(3);
    let mut odd = payment(9);
    odd.imp_uid = "imp_emoji".into();
    odd.paid_at = Some(MONTH_END - 100);
    odd.name = Some("구독 🎉".into());
    w.store.upsert_payments(&[odd]).expect("upsert");
    let path = w.dir.path().join("cp949.csv");
    let e = export_to_file(
        &w.store,
        &payments_request(
            ExportFormat::CsvCp949,
            ExportLang::Ko,
            &[("imp_uid", None), ("name", Some("상품"))],
        ),
        "Asia/Seoul",
        &path,
        &quiet,
        &CancelToken::new(),
    )
    .expect_err("refused");
    assert_eq!(e.code, ErrorCode::ExportUnencodable);
    let d = e.details.expect("details");
    assert_eq!(d["character"], "🎉");
    // Header on line 1, three older-than-it payments are newer: it is the fourth row.
    assert_eq!(d["row"], 5);
    assert_eq!(d["column"], "상품");
    assert_eq!(files_in(w.dir.path()), Vec::<String>::new(), "nothing left");
    // The same list in UTF-8 is fine.
    export_to_file(
        &w.store,
        &payments_request(ExportFormat::Csv, ExportLang::Ko, &[("name", None)]),
        "Asia/Seoul",
        &path,
        &quiet,
        &CancelToken::new(),
    )
    .expect("utf-8 export");
    assert!(
        std::fs::read_to_string(&path)
            .expect("read")
            .contains("구독 🎉")
    );
}

#[test]
fn pages_through_every_match_of_the_filter_with_progress() {
    let w = world(1_234);
    let path = w.dir.path().join("all.csv");
    let seen = RefCell::new(Vec::new());
    let summary = export_to_file(
        &w.store,
        &ExportRequest {
            list: ExportList::Payments {
                query: PaymentQuery {
                    customer_uid: Some("cust_3".into()),
                    // A page's cursor and size are the list's, not the export's.
                    limit: Some(5),
                    cursor: None,
                    ..PaymentQuery::default()
                },
            },
            columns: vec![],
            format: ExportFormat::Csv,
            lang: ExportLang::Ko,
        },
        "Asia/Seoul",
        &path,
        &|p| seen.borrow_mut().push(p),
        &CancelToken::new(),
    )
    .expect("export");
    let matching = (0..1_234).filter(|i| i % 7 == 3).count() as u64;
    assert_eq!(summary.rows, matching);
    let text = std::fs::read_to_string(&path).expect("read");
    assert_eq!(text.lines().count() as u64, matching + 1);
    assert!(text.lines().skip(1).all(|l| l.contains(",cust_3,")));
    let seen = seen.borrow();
    assert_eq!(
        seen.first(),
        Some(&ExportProgress {
            rows: 0,
            total: matching
        })
    );
    assert_eq!(
        seen.last(),
        Some(&ExportProgress {
            rows: matching,
            total: matching
        })
    );
    // The default columns start with the paid time, in Korean.
    assert!(
        text.starts_with("\u{feff}결제 시각,결제번호 (imp_uid),"),
        "{}",
        &text[..80]
    );

    // Everything: more than one page of 500.
    let all = export_to_file(
        &w.store,
        &payments_request(ExportFormat::Csv, ExportLang::Ko, &[("imp_uid", None)]),
        "Asia/Seoul",
        &path,
        &quiet,
        &CancelToken::new(),
    )
    .expect("export");
    assert_eq!(all.rows, 1_234);
    let text = std::fs::read_to_string(&path).expect("read");
    let mut ids: Vec<&str> = text.lines().skip(1).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 1_234, "every payment once");
}

#[test]
fn a_stopped_export_leaves_no_file_and_an_existing_file_untouched() {
    let w = world(1_200);
    for format in [ExportFormat::Xlsx, ExportFormat::Csv] {
        let path = w.dir.path().join(format!("stop.{}", format.extension()));
        std::fs::write(&path, b"before").expect("write");
        let cancel = CancelToken::new();
        let summary = export_to_file(
            &w.store,
            &payments_request(format, ExportLang::Ko, &[("imp_uid", None)]),
            "Asia/Seoul",
            &path,
            // Stopped once the first page is written.
            &|p: ExportProgress| {
                if p.rows > 0 {
                    cancel.cancel();
                }
            },
            &cancel,
        )
        .expect("export");
        assert!(summary.cancelled, "{format:?}");
        assert_eq!(summary.rows, 500);
        assert_eq!(std::fs::read(&path).expect("read"), b"before");
        std::fs::remove_file(&path).expect("rm");
        assert_eq!(files_in(w.dir.path()), Vec::<String>::new(), "{format:?}");
    }
}

#[test]
fn an_unknown_column_is_refused_before_anything_is_written() {
    let w = world(1);
    let path = w.dir.path().join("x.xlsx");
    let e = export_to_file(
        &w.store,
        &payments_request(
            ExportFormat::Xlsx,
            ExportLang::Ko,
            &[("imp_uid", None), ("secret", None)],
        ),
        "Asia/Seoul",
        &path,
        &quiet,
        &CancelToken::new(),
    )
    .expect_err("refused");
    assert_eq!(e.code, ErrorCode::ExportUnknownColumn);
    let d = e.details.expect("details");
    assert_eq!(d["column"], "secret");
    assert!(
        d["known"]
            .as_array()
            .is_some_and(|k| k.iter().any(|c| c == "apply_num"))
    );
    assert_eq!(files_in(w.dir.path()), Vec::<String>::new());
}

#[test]
fn a_stream_takes_csv_only() {
    let w = world(2);
    let mut out = Vec::new();
    let s = export_to_stream(
        &w.store,
        &payments_request(ExportFormat::Csv, ExportLang::En, &[("status", None)]),
        "Asia/Seoul",
        &mut out,
        &quiet,
        &CancelToken::new(),
    )
    .expect("csv");
    assert_eq!(s.rows, 2);
    assert_eq!(
        String::from_utf8(out).expect("utf-8"),
        "\u{feff}Status\nPaid\nFailed\n"
    );
    let e = export_to_stream(
        &w.store,
        &payments_request(ExportFormat::Xlsx, ExportLang::En, &[]),
        "Asia/Seoul",
        Vec::new(),
        &quiet,
        &CancelToken::new(),
    )
    .expect_err("xlsx needs a file");
    assert_eq!(e.code, ErrorCode::InvalidInput);
}

#[test]
fn customers_and_schedules_export_with_their_words() {
    let w = world(0);
    w.store
        .upsert_customer(&CustomerRecord {
            customer_uid: "cust_0001".into(),
            customer_name: Some("김민준".into()),
            customer_tel: Some("010-0123-4567".into()),
            card_name: Some("국민카드".into()),
            card_number: Some("5365-10**-****-1234".into()),
            card_type: Some(1),
            pg_provider: Some("nice".into()),
            inserted: Some(MONTH_END),
            ..CustomerRecord::default()
        })
        .expect("customer");
    w.store
        .upsert_schedules(&[ScheduleRecord {
            merchant_uid: "sched-1".into(),
            customer_uid: "cust_0001".into(),
            schedule_at: MONTH_END,
            amount: 9_900,
            amount_text: "9900".into(),
            currency: "KRW".into(),
            name: Some("정기결제".into()),
            schedule_status: "scheduled".into(),
            raw_json: "{}".into(),
            ..ScheduleRecord::default()
        }])
        .expect("schedule");

    let path = w.dir.path().join("customers.csv");
    export_to_file(
        &w.store,
        &ExportRequest {
            list: ExportList::Customers {
                query: CustomerQuery::default(),
            },
            columns: [
                "customer_uid",
                "name",
                "tel",
                "card_type",
                "status",
                "issued",
            ]
            .iter()
            .map(|id| ExportColumn {
                id: (*id).into(),
                header: None,
            })
            .collect(),
            format: ExportFormat::Csv,
            lang: ExportLang::Ko,
        },
        "Asia/Seoul",
        &path,
        &quiet,
        &CancelToken::new(),
    )
    .expect("customers");
    let text = std::fs::read_to_string(&path).expect("read");
    assert_eq!(
        text,
        "\u{feff}customer_uid,이름,전화번호,카드 종류,상태,발급일\ncust_0001,김민준,010-0123-4567,체크,유효,2026-04-01 05:23:00\n"
    );

    let path = w.dir.path().join("schedules.xlsx");
    export_to_file(
        &w.store,
        &ExportRequest {
            list: ExportList::Schedules {
                query: ScheduleQuery::default(),
            },
            columns: vec![],
            format: ExportFormat::Xlsx,
            lang: ExportLang::Ko,
        },
        "Asia/Seoul",
        &path,
        &quiet,
        &CancelToken::new(),
    )
    .expect("schedules");
    let mut book: Xlsx<_> = open_workbook(&path).expect("open");
    let range = book.worksheet_range("예약결제").expect("sheet");
    assert_eq!(range.get((0, 0)), Some(&Data::String("예정 시각".into())));
    assert_eq!(range.get((1, 1)), Some(&Data::String("cust_0001".into())));
    assert_eq!(range.get((1, 5)), Some(&Data::Float(9_900.0)));
    assert_eq!(range.get((1, 6)), Some(&Data::String("예약됨".into())));
}

#[test]
fn a_missing_run_is_not_found() {
    let w = world(0);
    let e = export_to_file(
        &w.store,
        &ExportRequest {
            list: ExportList::RunItems {
                run_id: "run_nope".into(),
            },
            columns: vec![],
            format: ExportFormat::Csv,
            lang: ExportLang::Ko,
        },
        "Asia/Seoul",
        &w.dir.path().join("run.csv"),
        &quiet,
        &CancelToken::new(),
    )
    .expect_err("no run");
    assert_eq!(e.code, ErrorCode::NotFound);
}

#[test]
fn the_suggested_name_is_the_list_and_the_day() {
    let day = jiff::civil::date(2026, 12, 2);
    assert_eq!(
        suggested_file_name(ListKind::Payments, ExportFormat::Xlsx, ExportLang::Ko, day),
        "결제내역_2026-12-02.xlsx"
    );
    assert_eq!(
        suggested_file_name(
            ListKind::Customers,
            ExportFormat::CsvCp949,
            ExportLang::En,
            day
        ),
        "Customers_2026-12-02.csv"
    );
}

#[test]
fn rows_beyond_a_sheet_go_on_to_the_next_sheet_with_the_header_again() {
    let w = world(1_100);
    let path = w.dir.path().join("big.xlsx");
    let summary = export_to_file_with_sheet_rows(
        &w.store,
        &payments_request(
            ExportFormat::Xlsx,
            ExportLang::Ko,
            &[("imp_uid", None), ("amount", None)],
        ),
        "Asia/Seoul",
        &path,
        1_000,
    )
    .expect("export");
    assert_eq!(summary.rows, 1_100);
    let mut book: Xlsx<_> = open_workbook(&path).expect("open");
    assert_eq!(book.sheet_names(), ["결제내역", "결제내역 (2)"]);
    let first = book.worksheet_range("결제내역").expect("sheet 1");
    let second = book.worksheet_range("결제내역 (2)").expect("sheet 2");
    assert_eq!(first.get_size().0, 1_001);
    assert_eq!(second.get_size().0, 101);
    assert_eq!(second.get((0, 1)), Some(&Data::String("금액".into())));
    // The oldest payment is the last row of the second sheet.
    assert_eq!(
        second.get((100, 0)),
        Some(&Data::String("imp_001099".into()))
    );
}

#[test]
fn a_text_search_exports_what_the_list_finds_and_counts_it_the_same() {
    let w = world(1_234);
    for (text, want) in [
        ("imp_000005", 1),
        ("imp_00000", 10),
        ("홍길동", 1_233),
        ("00123456", 1),
    ] {
        let seen = RefCell::new(Vec::new());
        let path = w.dir.path().join("found.csv");
        let summary = export_to_file(
            &w.store,
            &ExportRequest {
                list: ExportList::Payments {
                    query: PaymentQuery {
                        text: Some(text.into()),
                        ..PaymentQuery::default()
                    },
                },
                columns: vec![ExportColumn {
                    id: "imp_uid".into(),
                    header: None,
                }],
                format: ExportFormat::Csv,
                lang: ExportLang::Ko,
            },
            "Asia/Seoul",
            &path,
            &|p| seen.borrow_mut().push(p),
            &CancelToken::new(),
        )
        .expect("export");
        assert_eq!(summary.rows, want, "{text}");
        assert_eq!(
            seen.borrow().first().map(|p| p.total),
            Some(want),
            "{text}: the count"
        );
    }
}
