//! Exports finance staff hand to Excel: payments, customers, schedules and a bulk run's
//! items, as .xlsx (the default) or CSV (UTF-8 with a BOM, or CP949), for the app and the
//! CLI alike.
//!
//! - Each list has a fixed catalogue of columns ([`columns`]); the caller names the
//!   columns it wants, in order, each with its header (the app passes the labels it shows,
//!   in its language; without one, the catalogue's label in the request's language).
//! - Rows come from the store page by page with its keyset cursor, so any size exports in
//!   constant memory; the .xlsx is written by rust_xlsxwriter in its constant-memory mode.
//! - In the .xlsx, amounts are numbers formatted as won, ids, approval numbers, card
//!   numbers and phones are text (leading zeros kept), times are Excel date-times in the
//!   zone given (the one the user sees); the header row is frozen and filters. CSV writes
//!   the same cells as text through billing's one [`CsvWriter`] (formula defusing).
//! - Statuses are words in the request's language: the same words the app shows
//!   ([`status_words`], which a UI test compares with its translations).
//! - The file is written beside its target under a temporary name and renamed at the
//!   end: an error or a stop leaves nothing half written.

use std::borrow::Cow;
use std::io::Write;
use std::path::{Path, PathBuf};

use jiff::tz::TimeZone;
use rust_xlsxwriter::{Format, FormatBorder, Workbook, XlsxError};
use serde::{Deserialize, Serialize};
use subdesk_billing::csv_codec::{CsvEncoding, CsvWriter, Unencodable};
use subdesk_billing::mirror::sync::CancelToken;
use subdesk_billing::{
    Customer, CustomerQuery, KeyStatus, Payment, PaymentQuery, PaymentStatus, RunItem, Schedule,
    ScheduleQuery, ScheduleStatus, Store,
};

use crate::error::{ErrorCode, IpcError, IpcResult};
use crate::zone;

/// Rows asked of the store at a time.
const PAGE: u32 = 500;
/// Data rows on one Excel sheet (Excel's 1,048,576 rows, less the header); more go on
/// to a second sheet of the same columns.
const SHEET_ROWS: u32 = 1_048_575;

/// The file an export writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// Excel workbook: typed cells, won format, date-times, frozen header, filters.
    #[default]
    Xlsx,
    /// CSV in UTF-8 with a byte-order mark (Excel reads Korean right).
    Csv,
    /// CSV in CP949, for tools that read only the Korean code page.
    CsvCp949,
}

impl ExportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::Csv | ExportFormat::CsvCp949 => "csv",
        }
    }
}

/// The language of headers the caller leaves out, of statuses and of the won format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ExportLang {
    #[default]
    Ko,
    En,
}

/// What to export: a list and its filters (a query's cursor and limit are ignored:
/// every match is exported, in the list's order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ExportList {
    Payments {
        query: PaymentQuery,
    },
    Customers {
        query: CustomerQuery,
    },
    Schedules {
        query: ScheduleQuery,
    },
    /// The items of one bulk run, in line order.
    RunItems {
        run_id: String,
    },
}

/// The lists an export can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ListKind {
    Payments,
    Customers,
    Schedules,
    RunItems,
}

impl ExportList {
    pub fn kind(&self) -> ListKind {
        match self {
            ExportList::Payments { .. } => ListKind::Payments,
            ExportList::Customers { .. } => ListKind::Customers,
            ExportList::Schedules { .. } => ListKind::Schedules,
            ExportList::RunItems { .. } => ListKind::RunItems,
        }
    }
}

/// One column to export: its id in the list's catalogue, and the header to write (None
/// or blank: the catalogue's label in the request's language).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ExportColumn {
    pub id: String,
    pub header: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ExportRequest {
    pub list: ExportList,
    /// In the order they are written; empty: the list's default columns.
    pub columns: Vec<ExportColumn>,
    pub format: ExportFormat,
    pub lang: ExportLang,
}

/// How far an export is: rows written of the rows the list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ExportProgress {
    pub rows: u64,
    pub total: u64,
}

/// How an export ended. A stopped export wrote no file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ExportSummary {
    pub rows: u64,
    pub cancelled: bool,
}

/// A column of a list's catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ColumnInfo {
    pub id: &'static str,
    pub ko: &'static str,
    pub en: &'static str,
    /// Excel column width, in characters.
    #[serde(skip)]
    pub width: f64,
}

impl ColumnInfo {
    pub fn label(&self, lang: ExportLang) -> &'static str {
        match lang {
            ExportLang::Ko => self.ko,
            ExportLang::En => self.en,
        }
    }
}

/// A status as a word, in both languages: what exports write and the app shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct StatusWord {
    /// `payment`, `schedule`, `key`, `card_type` or `run_outcome`.
    pub group: &'static str,
    /// The status as the store has it (`paid`, `scheduled`, ...).
    pub status: &'static str,
    pub ko: &'static str,
    pub en: &'static str,
}

const fn word(
    group: &'static str,
    status: &'static str,
    ko: &'static str,
    en: &'static str,
) -> StatusWord {
    StatusWord {
        group,
        status,
        ko,
        en,
    }
}

/// Every status word exports write. The app's texts for the same statuses
/// (ui/src/i18n) are compared with these by a UI test.
pub const STATUS_WORDS: &[StatusWord] = &[
    word("payment", "ready", "미결제", "Not paid"),
    word("payment", "paid", "결제 완료", "Paid"),
    word("payment", "cancelled", "취소", "Cancelled"),
    word("payment", "failed", "실패", "Failed"),
    word("schedule", "scheduled", "예약됨", "Scheduled"),
    word("schedule", "executed", "실행됨", "Executed"),
    word("schedule", "revoked", "취소됨", "Revoked"),
    word("key", "active", "유효", "Active"),
    word("key", "unknown", "PortOne에 없음", "Not at PortOne"),
    word("key", "unverified", "확인 전", "Not checked"),
    word("key", "deleted", "삭제됨", "Deleted"),
    word("card_type", "credit", "신용", "Credit"),
    word("card_type", "check", "체크", "Check"),
    word("run_outcome", "queued", "대기", "Queued"),
    word("run_outcome", "paid", "결제 완료", "Paid"),
    word("run_outcome", "declined", "카드 거절", "Declined"),
    word("run_outcome", "rejected", "요청 거부", "Rejected"),
    word("run_outcome", "unknown", "확인 중", "Being checked"),
    word("run_outcome", "not_executed", "실행 안 함", "Not executed"),
    word("run_outcome", "conflict", "판단 필요", "Needs a decision"),
];

/// The status words, for the UI's bindings.
pub fn status_words() -> Vec<StatusWord> {
    STATUS_WORDS.to_vec()
}

/// `status` of `group` as a word in `lang`; the status itself when there is none.
fn status_word<'a>(group: &str, status: &'a str, lang: ExportLang) -> Cow<'a, str> {
    STATUS_WORDS
        .iter()
        .find(|w| w.group == group && w.status == status)
        .map(|w| {
            Cow::Borrowed(match lang {
                ExportLang::Ko => w.ko,
                ExportLang::En => w.en,
            })
        })
        .unwrap_or(Cow::Borrowed(status))
}

/// One cell, typed for Excel.
#[derive(Debug, Clone, PartialEq)]
enum Cell<'a> {
    Empty,
    /// Written as text, never as a number: ids, approval and card numbers, phones.
    Text(Cow<'a, str>),
    /// Whole won.
    Won(i64),
    /// Another currency's exact decimal (a number in the .xlsx, its text in CSV).
    Decimal(&'a str),
    Int(i64),
    /// Unix seconds, shown in the export's zone.
    Time(i64),
}

fn text(v: &str) -> Cell<'_> {
    Cell::Text(Cow::Borrowed(v))
}

fn opt(v: &Option<String>) -> Cell<'_> {
    match v.as_deref() {
        Some(s) if !s.is_empty() => text(s),
        _ => Cell::Empty,
    }
}

fn time(t: Option<i64>) -> Cell<'static> {
    match t {
        Some(t) if t > 0 => Cell::Time(t),
        _ => Cell::Empty,
    }
}

/// An amount in its currency: whole won, or the exact decimal of another currency.
fn money<'a>(amount: i64, text: &'a str, currency: &str) -> Cell<'a> {
    if currency.is_empty() || currency == "KRW" {
        Cell::Won(amount)
    } else {
        Cell::Decimal(text)
    }
}

type Getter<T> = for<'a> fn(&'a T, ExportLang) -> Cell<'a>;

struct Column<T: 'static> {
    info: ColumnInfo,
    get: Getter<T>,
}

const fn col<T>(
    id: &'static str,
    ko: &'static str,
    en: &'static str,
    width: f64,
    get: Getter<T>,
) -> Column<T> {
    Column {
        info: ColumnInfo { id, ko, en, width },
        get,
    }
}

const PAYMENT_COLUMNS: &[Column<Payment>] = &[
    col(
        "imp_uid",
        "결제번호 (imp_uid)",
        "Payment ID (imp_uid)",
        22.0,
        |p, _| text(&p.imp_uid),
    ),
    col("merchant_uid", "주문번호", "Order ID", 26.0, |p, _| {
        text(&p.merchant_uid)
    }),
    col("customer_uid", "고객", "Customer", 20.0, |p, _| {
        opt(&p.customer_uid)
    }),
    col("status", "상태", "Status", 10.0, |p, l| {
        Cell::Text(status_word("payment", p.status.as_word(), l))
    }),
    col("amount", "금액", "Amount", 13.0, |p, _| {
        money(p.amount, &p.amount_text, &p.currency)
    }),
    col("cancel_amount", "취소액", "Refunded", 13.0, |p, _| {
        Cell::Won(p.cancel_amount)
    }),
    col("net", "순결제액", "Net", 13.0, |p, _| {
        Cell::Won(p.amount - p.cancel_amount)
    }),
    col("currency", "통화", "Currency", 7.0, |p, _| {
        text(&p.currency)
    }),
    col("pg_provider", "PG", "PG", 12.0, |p, _| opt(&p.pg_provider)),
    col("pay_method", "결제수단", "Method", 10.0, |p, _| {
        opt(&p.pay_method)
    }),
    col("name", "주문명", "Order name", 24.0, |p, _| opt(&p.name)),
    col("buyer_name", "구매자", "Buyer", 12.0, |p, _| {
        opt(&p.buyer_name)
    }),
    col(
        "buyer_email",
        "구매자 이메일",
        "Buyer email",
        24.0,
        |p, _| opt(&p.buyer_email),
    ),
    col(
        "buyer_tel",
        "구매자 전화번호",
        "Buyer phone",
        15.0,
        |p, _| opt(&p.buyer_tel),
    ),
    col("apply_num", "승인번호", "Approval no.", 12.0, |p, _| {
        opt(&p.apply_num)
    }),
    col("card_name", "카드사", "Card", 12.0, |p, _| {
        opt(&p.card_name)
    }),
    col(
        "card_number",
        "카드번호",
        "Card number",
        20.0,
        |p, _| opt(&p.card_number),
    ),
    col(
        "event_at",
        "최근 변경",
        "Latest change",
        19.0,
        |p, _| time(Some(p.event_at)),
    ),
    col(
        "started_at",
        "요청 시각",
        "Requested at",
        19.0,
        |p, _| time(p.started_at),
    ),
    col("paid_at", "결제 시각", "Paid at", 19.0, |p, _| {
        time(p.paid_at)
    }),
    col("failed_at", "실패 시각", "Failed at", 19.0, |p, _| {
        time(p.failed_at)
    }),
    col(
        "cancelled_at",
        "취소 시각",
        "Cancelled at",
        19.0,
        |p, _| time(p.cancelled_at),
    ),
    col(
        "fail_reason",
        "실패 사유",
        "Failure reason",
        30.0,
        |p, _| opt(&p.fail_reason),
    ),
    col(
        "cancel_reason",
        "취소 사유",
        "Cancel reason",
        30.0,
        |p, _| opt(&p.cancel_reason),
    ),
];

const PAYMENT_DEFAULT: &[&str] = &[
    "paid_at",
    "imp_uid",
    "merchant_uid",
    "customer_uid",
    "buyer_name",
    "name",
    "status",
    "amount",
    "cancel_amount",
    "net",
    "pg_provider",
    "card_name",
    "card_number",
    "apply_num",
    "cancelled_at",
    "failed_at",
    "fail_reason",
    "cancel_reason",
];

fn card_of(c: &Customer) -> Cell<'_> {
    match (c.card_name.as_deref(), c.card_number.as_deref()) {
        (Some(n), Some(num)) => Cell::Text(Cow::Owned(format!("{n} {num}"))),
        (Some(n), None) => text(n),
        (None, Some(num)) => text(num),
        (None, None) => Cell::Empty,
    }
}

const CUSTOMER_COLUMNS: &[Column<Customer>] = &[
    col(
        "customer_uid",
        "customer_uid",
        "customer_uid",
        24.0,
        |c, _| text(&c.customer_uid),
    ),
    col("name", "이름", "Name", 12.0, |c, _| opt(&c.customer_name)),
    col("tel", "전화번호", "Phone", 15.0, |c, _| {
        opt(&c.customer_tel)
    }),
    col("email", "이메일", "Email", 24.0, |c, _| {
        opt(&c.customer_email)
    }),
    col("addr", "주소", "Address", 30.0, |c, _| {
        opt(&c.customer_addr)
    }),
    col("postcode", "우편번호", "Postcode", 9.0, |c, _| {
        opt(&c.customer_postcode)
    }),
    col("card", "카드", "Card", 26.0, |c, _| card_of(c)),
    col("card_name", "카드사", "Card company", 12.0, |c, _| {
        opt(&c.card_name)
    }),
    col(
        "card_number",
        "카드번호",
        "Card number",
        20.0,
        |c, _| opt(&c.card_number),
    ),
    col(
        "card_type",
        "카드 종류",
        "Card type",
        9.0,
        |c, l| match c.card_type {
            Some(0) => Cell::Text(status_word("card_type", "credit", l)),
            Some(1) => Cell::Text(status_word("card_type", "check", l)),
            _ => Cell::Empty,
        },
    ),
    col("pg", "PG", "PG", 12.0, |c, _| opt(&c.pg_provider)),
    col("pg_id", "PG 상점 ID", "PG merchant ID", 16.0, |c, _| {
        opt(&c.pg_id)
    }),
    col("status", "상태", "Status", 12.0, |c, l| {
        Cell::Text(status_word("key", c.key_status.as_word(), l))
    }),
    col("issued", "발급일", "Issued", 19.0, |c, _| {
        time(c.issued_at)
    }),
    col("updated", "변경일", "Updated", 19.0, |c, _| {
        time(c.updated_at)
    }),
    col("verified", "확인일", "Verified", 19.0, |c, _| {
        time(c.last_verified_at)
    }),
    col("tags", "태그", "Tags", 20.0, |c, _| {
        Cell::Text(Cow::Owned(c.tags.join(", ")))
    }),
    col("notes", "메모", "Notes", 30.0, |c, _| text(&c.notes)),
];

const CUSTOMER_DEFAULT: &[&str] = &[
    "customer_uid",
    "name",
    "tel",
    "email",
    "card_name",
    "card_number",
    "pg",
    "status",
    "issued",
    "verified",
    "tags",
];

const SCHEDULE_COLUMNS: &[Column<Schedule>] = &[
    col(
        "schedule_at",
        "예정 시각",
        "Scheduled for",
        19.0,
        |s, _| time(Some(s.schedule_at)),
    ),
    col("customer_uid", "고객", "Customer", 20.0, |s, _| {
        text(&s.customer_uid)
    }),
    col("merchant_uid", "주문번호", "Order ID", 26.0, |s, _| {
        text(&s.merchant_uid)
    }),
    col("name", "주문명", "Order name", 24.0, |s, _| opt(&s.name)),
    col("buyer_name", "구매자", "Buyer", 12.0, |s, _| {
        opt(&s.buyer_name)
    }),
    col("amount", "금액", "Amount", 13.0, |s, _| {
        money(s.amount, &s.amount_text, &s.currency)
    }),
    col("status", "상태", "Status", 10.0, |s, l| {
        Cell::Text(status_word("schedule", s.schedule_status.as_word(), l))
    }),
    col("result", "결과", "Result", 10.0, |s, l| {
        match s.payment_status.as_deref() {
            Some(p) if !p.is_empty() => Cell::Text(status_word("payment", p, l)),
            _ => Cell::Empty,
        }
    }),
    col(
        "fail_reason",
        "실패 사유",
        "Failure reason",
        30.0,
        |s, _| opt(&s.fail_reason),
    ),
    col(
        "imp_uid",
        "결제번호 (imp_uid)",
        "Payment ID (imp_uid)",
        22.0,
        |s, _| opt(&s.imp_uid),
    ),
    col(
        "executed_at",
        "실행 시각",
        "Executed at",
        19.0,
        |s, _| time(s.executed_at),
    ),
    col("revoked_at", "취소 시각", "Revoked at", 19.0, |s, _| {
        time(s.revoked_at)
    }),
];

const SCHEDULE_DEFAULT: &[&str] = &[
    "schedule_at",
    "customer_uid",
    "merchant_uid",
    "name",
    "buyer_name",
    "amount",
    "status",
    "result",
    "fail_reason",
    "imp_uid",
];

const RUN_COLUMNS: &[Column<RunItem>] = &[
    col("line", "줄", "Line", 6.0, |i, _| Cell::Int(i.line)),
    col("customer_uid", "고객", "Customer", 20.0, |i, _| {
        text(&i.customer_uid)
    }),
    col("merchant_uid", "주문번호", "Order ID", 26.0, |i, _| {
        text(&i.merchant_uid)
    }),
    col("amount", "금액", "Amount", 13.0, |i, _| {
        Cell::Won(i.amount)
    }),
    col("name", "주문명", "Order name", 24.0, |i, _| {
        text(&i.name)
    }),
    col("outcome", "결과", "Outcome", 12.0, |i, l| {
        Cell::Text(status_word(
            "run_outcome",
            i.outcome.as_deref().unwrap_or("queued"),
            l,
        ))
    }),
    col(
        "imp_uid",
        "결제번호 (imp_uid)",
        "Payment ID (imp_uid)",
        22.0,
        |i, _| opt(&i.imp_uid),
    ),
    col(
        "fail_reason",
        "실패 사유",
        "Failure reason",
        30.0,
        |i, _| opt(&i.fail_reason),
    ),
    col("error_code", "오류 코드", "Error code", 16.0, |i, _| {
        opt(&i.error_code)
    }),
];

const RUN_DEFAULT: &[&str] = &[
    "line",
    "customer_uid",
    "merchant_uid",
    "amount",
    "name",
    "outcome",
    "imp_uid",
    "fail_reason",
    "error_code",
];

fn infos<T>(cols: &[Column<T>]) -> Vec<ColumnInfo> {
    cols.iter().map(|c| c.info).collect()
}

/// The catalogue of a list's columns, in their default place.
pub fn columns(kind: ListKind) -> Vec<ColumnInfo> {
    match kind {
        ListKind::Payments => infos(PAYMENT_COLUMNS),
        ListKind::Customers => infos(CUSTOMER_COLUMNS),
        ListKind::Schedules => infos(SCHEDULE_COLUMNS),
        ListKind::RunItems => infos(RUN_COLUMNS),
    }
}

/// The columns exported when none are named.
pub fn default_columns(kind: ListKind) -> &'static [&'static str] {
    match kind {
        ListKind::Payments => PAYMENT_DEFAULT,
        ListKind::Customers => CUSTOMER_DEFAULT,
        ListKind::Schedules => SCHEDULE_DEFAULT,
        ListKind::RunItems => RUN_DEFAULT,
    }
}

/// What a list is called, for sheet and file names.
fn list_name(kind: ListKind, lang: ExportLang) -> &'static str {
    match (kind, lang) {
        (ListKind::Payments, ExportLang::Ko) => "결제내역",
        (ListKind::Payments, ExportLang::En) => "Payments",
        (ListKind::Customers, ExportLang::Ko) => "고객목록",
        (ListKind::Customers, ExportLang::En) => "Customers",
        (ListKind::Schedules, ExportLang::Ko) => "예약결제",
        (ListKind::Schedules, ExportLang::En) => "Schedules",
        (ListKind::RunItems, ExportLang::Ko) => "일괄결제",
        (ListKind::RunItems, ExportLang::En) => "Bulk run",
    }
}

/// The name a save dialog suggests: `결제내역_2026-12-02.xlsx`.
pub fn suggested_file_name(
    kind: ListKind,
    format: ExportFormat,
    lang: ExportLang,
    date: jiff::civil::Date,
) -> String {
    let name = list_name(kind, lang).replace(' ', "-");
    format!("{name}_{date}.{}", format.extension())
}

/// The catalogue's columns chosen by `wanted` (ids, with optional headers), in order.
fn choose<'c, T>(
    catalogue: &'c [Column<T>],
    defaults: &[&str],
    wanted: &[ExportColumn],
    lang: ExportLang,
) -> IpcResult<Vec<(&'c Column<T>, String)>> {
    let owned;
    let wanted = if wanted.is_empty() {
        owned = defaults
            .iter()
            .map(|id| ExportColumn {
                id: (*id).to_owned(),
                header: None,
            })
            .collect::<Vec<_>>();
        &owned
    } else {
        wanted
    };
    wanted
        .iter()
        .map(|w| {
            let c = catalogue
                .iter()
                .find(|c| c.info.id == w.id)
                .ok_or_else(|| {
                    let known: Vec<&str> = catalogue.iter().map(|c| c.info.id).collect();
                    IpcError::new(
                        ErrorCode::ExportUnknownColumn,
                        format!(
                            "no column {:?} in this list (known: {})",
                            w.id,
                            known.join(", ")
                        ),
                    )
                    .with_details(serde_json::json!({ "column": w.id, "known": known }))
                })?;
            let header = w
                .header
                .as_deref()
                .map(str::trim)
                .filter(|h| !h.is_empty())
                .map(str::to_owned)
                .unwrap_or_else(|| c.info.label(lang).to_owned());
            Ok((c, header))
        })
        .collect()
}

/// Where rows go: an .xlsx or a CSV.
trait Sink {
    fn row(&mut self, cells: &[Cell<'_>]) -> IpcResult<()>;
}

pub(crate) fn xlsx_error(e: XlsxError) -> IpcError {
    match e {
        XlsxError::IoError(io) | XlsxError::TempFileError(_, io) => IpcError::new(
            ErrorCode::IoError,
            format!("cannot write the workbook: {io}"),
        ),
        other => IpcError::internal(format!("cannot write the workbook: {other}")),
    }
}

fn io_error(what: &str, path: &Path, e: std::io::Error) -> IpcError {
    IpcError::new(
        ErrorCode::IoError,
        format!("cannot {what} {}: {e}", path.display()),
    )
    .with_details(serde_json::json!({ "path": path.display().to_string() }))
}

struct XlsxSink {
    book: Workbook,
    /// Data rows a sheet takes before the next sheet starts.
    sheet_rows: u32,
    sheet: usize,
    /// The next row to write on the current sheet (0 is the header).
    row: u32,
    sheet_name: &'static str,
    headers: Vec<String>,
    widths: Vec<f64>,
    zone: TimeZone,
    header_fmt: Format,
    text_fmt: Format,
    won_fmt: Format,
    decimal_fmt: Format,
    time_fmt: Format,
}

impl XlsxSink {
    fn new(
        temp_dir: &Path,
        sheet_name: &'static str,
        headers: Vec<String>,
        widths: Vec<f64>,
        zone: TimeZone,
        lang: ExportLang,
        sheet_rows: u32,
    ) -> IpcResult<Self> {
        let mut book = Workbook::new();
        // The sheet's rows wait in a temporary file until the workbook is saved: beside
        // the target, not in a temp folder that may be memory.
        book.set_tempdir(temp_dir).map_err(xlsx_error)?;
        let won = match lang {
            ExportLang::Ko => "#,##0\"원\"",
            ExportLang::En => "\"₩\"#,##0",
        };
        let mut sink = XlsxSink {
            book,
            sheet_rows,
            sheet: 0,
            row: 0,
            sheet_name,
            headers,
            widths,
            zone,
            header_fmt: Format::new()
                .set_bold()
                .set_background_color(0xE9ECEF)
                .set_border_bottom(FormatBorder::Thin),
            text_fmt: Format::new().set_num_format("@"),
            won_fmt: Format::new().set_num_format(won),
            decimal_fmt: Format::new().set_num_format("#,##0.00"),
            time_fmt: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
        };
        sink.add_sheet(1)?;
        Ok(sink)
    }

    /// A new sheet with the header row, widths, frozen header (and, once its rows are
    /// known, the filter).
    fn add_sheet(&mut self, number: usize) -> IpcResult<()> {
        let name = if number == 1 {
            self.sheet_name.to_owned()
        } else {
            format!("{} ({number})", self.sheet_name)
        };
        let ws = self
            .book
            .add_worksheet_with_constant_memory()
            .map_err(xlsx_error)?;
        ws.set_name(&name).map_err(xlsx_error)?;
        for (c, w) in self.widths.iter().enumerate() {
            ws.set_column_width(c as u16, *w).map_err(xlsx_error)?;
        }
        ws.set_freeze_panes(1, 0).map_err(xlsx_error)?;
        for (c, h) in self.headers.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, h, &self.header_fmt)
                .map_err(xlsx_error)?;
        }
        self.sheet = number - 1;
        self.row = 1;
        Ok(())
    }

    /// The filter over the current sheet's header and rows.
    fn close_sheet(&mut self) -> IpcResult<()> {
        let last_col = self.headers.len().saturating_sub(1) as u16;
        let ws = self
            .book
            .worksheet_from_index(self.sheet)
            .map_err(xlsx_error)?;
        ws.autofilter(0, 0, self.row.saturating_sub(1), last_col)
            .map_err(xlsx_error)?;
        Ok(())
    }

    fn save(mut self, path: &Path) -> IpcResult<()> {
        self.close_sheet()?;
        self.book.save(path).map_err(xlsx_error)
    }
}

impl Sink for XlsxSink {
    fn row(&mut self, cells: &[Cell<'_>]) -> IpcResult<()> {
        if self.row > self.sheet_rows {
            self.close_sheet()?;
            self.add_sheet(self.sheet + 2)?;
        }
        let row = self.row;
        let ws = self
            .book
            .worksheet_from_index(self.sheet)
            .map_err(xlsx_error)?;
        for (c, cell) in cells.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Empty => {}
                Cell::Text(t) => {
                    ws.write_string_with_format(row, c, t.as_ref(), &self.text_fmt)
                        .map_err(xlsx_error)?;
                }
                // Whole won, far below 2^53: exact as Excel's number.
                Cell::Won(v) => {
                    ws.write_number_with_format(row, c, *v as f64, &self.won_fmt)
                        .map_err(xlsx_error)?;
                }
                Cell::Decimal(t) => match t.parse::<f64>() {
                    Ok(v) => {
                        ws.write_number_with_format(row, c, v, &self.decimal_fmt)
                            .map_err(xlsx_error)?;
                    }
                    Err(_) => {
                        ws.write_string_with_format(row, c, *t, &self.text_fmt)
                            .map_err(xlsx_error)?;
                    }
                },
                Cell::Int(v) => {
                    ws.write_number(row, c, *v as f64).map_err(xlsx_error)?;
                }
                Cell::Time(t) => {
                    if let Some(dt) = zone::civil(*t, &self.zone) {
                        ws.write_datetime_with_format(row, c, dt, &self.time_fmt)
                            .map_err(xlsx_error)?;
                    }
                }
            }
        }
        self.row += 1;
        Ok(())
    }
}

struct CsvSink<W: Write> {
    csv: CsvWriter<W>,
    headers: Vec<String>,
    zone: TimeZone,
    /// The file's line of the next row (the header is line 1).
    line: u64,
}

impl<W: Write> CsvSink<W> {
    fn new(out: W, headers: Vec<String>, zone: TimeZone, format: ExportFormat) -> IpcResult<Self> {
        let encoding = match format {
            ExportFormat::CsvCp949 => CsvEncoding::Cp949,
            _ => CsvEncoding::Utf8Bom,
        };
        let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
        // The header is a row like the others: one CP949 cannot encode is refused too.
        let csv = CsvWriter::with_encoding(out, &refs, encoding)
            .map_err(|e| csv_error(e, &headers, 1))?;
        Ok(CsvSink {
            csv,
            headers,
            zone,
            line: 2,
        })
    }

    fn write(&mut self, cells: &[Cow<'_, str>]) -> IpcResult<()> {
        self.csv
            .row(cells)
            .map_err(|e| csv_error(e, &self.headers, self.line))?;
        self.line += 1;
        Ok(())
    }

    fn finish(self) -> IpcResult<W> {
        self.csv.finish().map_err(csv_io)
    }
}

/// A CSV row refused: a character CP949 cannot encode (naming the file's line and the
/// column), or the output failing.
fn csv_error(e: std::io::Error, headers: &[String], line: u64) -> IpcError {
    match Unencodable::of(&e) {
        Some(u) => {
            let column = headers.get(u.cell).cloned().unwrap_or_default();
            IpcError::new(
                ErrorCode::ExportUnencodable,
                format!(
                    "{:?} (row {line}, column {column:?}) cannot be written in CP949: export as CSV (UTF-8) or Excel",
                    u.character
                ),
            )
            .with_details(serde_json::json!({
                "character": u.character.to_string(),
                "row": line,
                "column": column,
            }))
        }
        None => csv_io(e),
    }
}

fn csv_io(e: std::io::Error) -> IpcError {
    IpcError::new(ErrorCode::IoError, format!("cannot write the export: {e}"))
}

impl<W: Write> Sink for CsvSink<W> {
    fn row(&mut self, cells: &[Cell<'_>]) -> IpcResult<()> {
        let texts: Vec<Cow<'_, str>> = cells
            .iter()
            .map(|c| match c {
                Cell::Empty => Cow::Borrowed(""),
                Cell::Text(t) => Cow::Borrowed(t.as_ref()),
                Cell::Won(v) | Cell::Int(v) => Cow::Owned(v.to_string()),
                Cell::Decimal(t) => Cow::Borrowed(*t),
                Cell::Time(t) => match zone::civil(*t, &self.zone) {
                    Some(dt) => Cow::Owned(dt.strftime("%Y-%m-%d %H:%M:%S").to_string()),
                    None => Cow::Borrowed(""),
                },
            })
            .collect();
        self.write(&texts)
    }
}

/// A list's rows, page by page, and how many there are.
struct Rows<'s, T> {
    total: u64,
    next: Box<dyn FnMut() -> IpcResult<Option<Vec<T>>> + 's>,
}

fn payments<'s>(store: &'s Store, query: &PaymentQuery) -> IpcResult<Rows<'s, Payment>> {
    let mut q = query.clone();
    q.cursor = None;
    q.limit = Some(PAGE);
    let total = store.count_payments(&q)?;
    let mut done = false;
    Ok(Rows {
        total,
        next: Box::new(move || {
            if done {
                return Ok(None);
            }
            let page = store.list_payments(&q)?;
            match page.next_cursor {
                Some(c) => q.cursor = Some(c),
                None => done = true,
            }
            Ok(Some(page.items))
        }),
    })
}

fn customers<'s>(store: &'s Store, query: &CustomerQuery) -> IpcResult<Rows<'s, Customer>> {
    let mut q = query.clone();
    q.cursor = None;
    q.limit = Some(PAGE);
    let total = store.count_customers(&q)?;
    let mut done = false;
    Ok(Rows {
        total,
        next: Box::new(move || {
            if done {
                return Ok(None);
            }
            let page = store.list_customers(&q)?;
            match page.next_cursor {
                Some(c) => q.cursor = Some(c),
                None => done = true,
            }
            Ok(Some(page.items))
        }),
    })
}

fn schedules<'s>(store: &'s Store, query: &ScheduleQuery) -> IpcResult<Rows<'s, Schedule>> {
    let mut q = query.clone();
    q.cursor = None;
    q.limit = Some(PAGE);
    let total = store.count_schedules(&q)?;
    let mut done = false;
    Ok(Rows {
        total,
        next: Box::new(move || {
            if done {
                return Ok(None);
            }
            let page = store.list_schedules(&q)?;
            match page.next_cursor {
                Some(c) => q.cursor = Some(c),
                None => done = true,
            }
            Ok(Some(page.items))
        }),
    })
}

fn run_items<'s>(store: &'s Store, run_id: &str) -> IpcResult<Rows<'s, RunItem>> {
    // A run holds at most one CSV's rows: one page.
    store.bulk_run(run_id)?;
    let items = store.bulk_items(run_id)?;
    let mut items = Some(items);
    Ok(Rows {
        total: items.as_ref().map_or(0, |i| i.len() as u64),
        next: Box::new(move || Ok(items.take())),
    })
}

/// Where an export goes.
enum Target<'a, W: Write> {
    /// A file, written under a temporary name beside it and renamed at the end.
    File(&'a Path),
    /// A stream (CSV only): the CLI's stdout.
    Stream(W),
}

/// Removes the temporary file unless the export finished.
struct Partial {
    path: PathBuf,
    keep: bool,
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// The temporary name `path` is written under: `.결제내역_2026-12-02.xlsx.partial`.
fn partial_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "export".into());
    path.with_file_name(format!(".{name}.partial"))
}

/// The folder `path` is in ("" means the working folder).
fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

struct Job<'a> {
    request: &'a ExportRequest,
    sheet_rows: u32,
    zone: TimeZone,
    progress: &'a dyn Fn(ExportProgress),
    cancel: &'a CancelToken,
}

impl Job<'_> {
    fn run<T, W: Write>(
        &self,
        rows: Rows<'_, T>,
        catalogue: &[Column<T>],
        target: Target<'_, W>,
    ) -> IpcResult<ExportSummary> {
        let kind = self.request.list.kind();
        let lang = self.request.lang;
        let chosen = choose(
            catalogue,
            default_columns(kind),
            &self.request.columns,
            lang,
        )?;
        let headers: Vec<String> = chosen.iter().map(|(_, h)| h.clone()).collect();
        let format = self.request.format;
        match target {
            Target::Stream(out) => {
                if format == ExportFormat::Xlsx {
                    return Err(IpcError::invalid_input(
                        "format",
                        "an .xlsx is written to a file: name one",
                    ));
                }
                let mut sink = CsvSink::new(out, headers, self.zone.clone(), format)?;
                let summary = self.pump(rows, &chosen, &mut sink)?;
                sink.finish()?;
                Ok(summary)
            }
            Target::File(path) => {
                let partial = Partial {
                    path: partial_path(path),
                    keep: false,
                };
                let summary = if format == ExportFormat::Xlsx {
                    let widths = chosen.iter().map(|(c, _)| c.info.width).collect();
                    let mut sink = XlsxSink::new(
                        &folder_of(path),
                        list_name(kind, lang),
                        headers,
                        widths,
                        self.zone.clone(),
                        lang,
                        self.sheet_rows,
                    )?;
                    let summary = self.pump(rows, &chosen, &mut sink)?;
                    if !summary.cancelled {
                        sink.save(&partial.path)?;
                    }
                    summary
                } else {
                    let file = std::fs::File::create(&partial.path)
                        .map_err(|e| io_error("create", &partial.path, e))?;
                    let mut sink = CsvSink::new(
                        std::io::BufWriter::new(file),
                        headers,
                        self.zone.clone(),
                        format,
                    )?;
                    let summary = self.pump(rows, &chosen, &mut sink)?;
                    let out = sink.finish()?;
                    out.into_inner()
                        .map_err(|e| io_error("write", &partial.path, e.into_error()))?
                        .sync_all()
                        .map_err(|e| io_error("write", &partial.path, e))?;
                    summary
                };
                if !summary.cancelled {
                    std::fs::rename(&partial.path, path)
                        .map_err(|e| io_error("finish", path, e))?;
                }
                Ok(summary)
            }
        }
    }

    /// Every page into `sink`, with progress after each and a stop between them.
    fn pump<T>(
        &self,
        mut rows: Rows<'_, T>,
        chosen: &[(&Column<T>, String)],
        sink: &mut dyn Sink,
    ) -> IpcResult<ExportSummary> {
        let total = rows.total;
        let mut done = 0u64;
        (self.progress)(ExportProgress { rows: 0, total });
        let lang = self.request.lang;
        while let Some(page) = (rows.next)()? {
            let mut cells: Vec<Cell<'_>> = Vec::with_capacity(chosen.len());
            if self.cancel.is_cancelled() {
                return Ok(ExportSummary {
                    rows: done,
                    cancelled: true,
                });
            }
            for item in &page {
                cells.clear();
                cells.extend(chosen.iter().map(|(c, _)| (c.get)(item, lang)));
                sink.row(&cells)?;
                done += 1;
            }
            // Rows may have arrived since the count: the total is never below the rows.
            (self.progress)(ExportProgress {
                rows: done,
                total: total.max(done),
            });
        }
        Ok(ExportSummary {
            rows: done,
            cancelled: false,
        })
    }
}

fn dispatch<W: Write>(
    store: &Store,
    request: &ExportRequest,
    zone_name: &str,
    target: Target<'_, W>,
    progress: &dyn Fn(ExportProgress),
    cancel: &CancelToken,
    sheet_rows: u32,
) -> IpcResult<ExportSummary> {
    let job = Job {
        request,
        sheet_rows: sheet_rows.clamp(1, SHEET_ROWS),
        zone: zone::named_or_utc(zone_name),
        progress,
        cancel,
    };
    match &request.list {
        ExportList::Payments { query } => job.run(payments(store, query)?, PAYMENT_COLUMNS, target),
        ExportList::Customers { query } => {
            job.run(customers(store, query)?, CUSTOMER_COLUMNS, target)
        }
        ExportList::Schedules { query } => {
            job.run(schedules(store, query)?, SCHEDULE_COLUMNS, target)
        }
        ExportList::RunItems { run_id } => job.run(run_items(store, run_id)?, RUN_COLUMNS, target),
    }
}

/// Exports `request` to the file `path`, times in `zone` (an IANA name; unknown names
/// give UTC). Written beside `path` under a temporary name and renamed when complete; on
/// an error or a stop (`cancel`, checked between pages) no file is left. `progress` is
/// told after every page.
pub fn export_to_file(
    store: &Store,
    request: &ExportRequest,
    zone: &str,
    path: &Path,
    progress: &dyn Fn(ExportProgress),
    cancel: &CancelToken,
) -> IpcResult<ExportSummary> {
    dispatch::<std::io::Sink>(
        store,
        request,
        zone,
        Target::File(path),
        progress,
        cancel,
        SHEET_ROWS,
    )
}

/// [`export_to_file`] with sheets of `sheet_rows` data rows (at most Excel's), so that a
/// test sees a list continue on a second sheet without a million rows.
#[doc(hidden)]
pub fn export_to_file_with_sheet_rows(
    store: &Store,
    request: &ExportRequest,
    zone: &str,
    path: &Path,
    sheet_rows: u32,
) -> IpcResult<ExportSummary> {
    dispatch::<std::io::Sink>(
        store,
        request,
        zone,
        Target::File(path),
        &|_| {},
        &CancelToken::new(),
        sheet_rows,
    )
}

/// Exports `request` as CSV to `out` (a stream: the CLI's stdout). An .xlsx needs a file.
pub fn export_to_stream(
    store: &Store,
    request: &ExportRequest,
    zone: &str,
    out: impl Write,
    progress: &dyn Fn(ExportProgress),
    cancel: &CancelToken,
) -> IpcResult<ExportSummary> {
    dispatch(
        store,
        request,
        zone,
        Target::Stream(out),
        progress,
        cancel,
        SHEET_ROWS,
    )
}

/// The status words of the store's enums, as the catalogue's getters use them.
trait AsWord {
    fn as_word(&self) -> &'static str;
}

impl AsWord for PaymentStatus {
    fn as_word(&self) -> &'static str {
        match self {
            PaymentStatus::Ready => "ready",
            PaymentStatus::Paid => "paid",
            PaymentStatus::Cancelled => "cancelled",
            PaymentStatus::Failed => "failed",
        }
    }
}

impl AsWord for ScheduleStatus {
    fn as_word(&self) -> &'static str {
        match self {
            ScheduleStatus::Scheduled => "scheduled",
            ScheduleStatus::Executed => "executed",
            ScheduleStatus::Revoked => "revoked",
        }
    }
}

impl AsWord for KeyStatus {
    fn as_word(&self) -> &'static str {
        match self {
            KeyStatus::Active => "active",
            KeyStatus::Deleted => "deleted",
            KeyStatus::Unknown => "unknown",
            KeyStatus::Unverified => "unverified",
        }
    }
}
