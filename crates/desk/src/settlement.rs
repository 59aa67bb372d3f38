//! The settlement and VAT report of a month, a quarter or a half-year (부가세 신고 기간),
//! in the zone the figures are read in, as a screen's data and as an .xlsx an accountant
//! takes: per PG and in total — sales, cancels, net, the taxable and tax-free parts, VAT
//! and counts. The figures are the store's ([`Store::settlement`]); this decides the
//! period's bounds and writes the workbook.

use std::path::Path;

use jiff::civil::Date;
use rust_xlsxwriter::{Format, FormatBorder, Workbook};
use serde::{Deserialize, Serialize};
use subdesk_billing::Store;
use subdesk_billing::mirror::settlement::{Settlement, SettlementLine};
use subdesk_codes::ErrorCode;

use crate::error::{IpcError, IpcResult};
use crate::exports::{ExportLang, xlsx_error};

/// Which period: a month (1–12), a quarter (1–4) or a half-year (1 = 1기 Jan–Jun,
/// 2 = 2기 Jul–Dec) of `year`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SettlementPeriod {
    Month { year: i16, month: i8 },
    Quarter { year: i16, quarter: i8 },
    Half { year: i16, half: i8 },
}

impl SettlementPeriod {
    /// First day, and the first day after.
    fn days(self) -> Option<(Date, Date)> {
        let (year, first_month, months) = match self {
            Self::Month { year, month } if (1..=12).contains(&month) => (year, month, 1),
            Self::Quarter { year, quarter } if (1..=4).contains(&quarter) => {
                (year, (quarter - 1) * 3 + 1, 3)
            }
            Self::Half { year, half } if (1..=2).contains(&half) => (year, (half - 1) * 6 + 1, 6),
            _ => return None,
        };
        let start = Date::new(year, first_month, 1).ok()?;
        let end = start.checked_add(jiff::Span::new().months(months)).ok()?;
        Some((start, end))
    }

    /// The period's label in a file name or a sheet: `2026-11`, `2026-Q4`, `2026-H2`.
    pub fn label(self) -> String {
        match self {
            Self::Month { year, month } => format!("{year}-{month:02}"),
            Self::Quarter { year, quarter } => format!("{year}-Q{quarter}"),
            Self::Half { year, half } => format!("{year}-H{half}"),
        }
    }
}

/// [from, to) of `period` in `time_zone` (midnight to midnight there).
pub fn bounds(period: SettlementPeriod, time_zone: &str) -> IpcResult<(i64, i64)> {
    let bad = || {
        IpcError::new(ErrorCode::InvalidInput, "not a month, quarter or half-year")
            .with_details(serde_json::json!({ "field": "period" }))
    };
    let (start, end) = period.days().ok_or_else(bad)?;
    let tz = crate::zone::named_or_utc(time_zone);
    let at = |d: Date| {
        d.to_zoned(tz.clone())
            .map(|z| z.timestamp().as_second())
            .map_err(|_| bad())
    };
    Ok((at(start)?, at(end)?))
}

/// The settlement of `period` in `time_zone`, per PG (and per 매출유형 with
/// `by_sales_type`).
pub fn settlement(
    store: &Store,
    period: SettlementPeriod,
    time_zone: &str,
    by_sales_type: bool,
) -> IpcResult<Settlement> {
    let (from, to) = bounds(period, time_zone)?;
    Ok(store.settlement_by(from, to, by_sales_type)?)
}

/// The workbook's columns: the header in each language and the figure.
type Figure = fn(&SettlementLine) -> i64;
const COLUMNS: &[(&str, &str, Figure)] = &[
    ("매출 건수", "Sales (count)", |l| l.sales_count),
    ("매출액", "Sales", |l| l.sales_amount),
    ("매출 면세", "Sales tax-free", |l| l.sales_tax_free),
    ("매출 부가세", "Sales VAT", |l| l.sales_vat),
    ("취소 건수", "Cancels (count)", |l| l.cancel_count),
    ("취소액", "Cancels", |l| l.cancel_amount),
    ("취소 면세", "Cancels tax-free", |l| l.cancel_tax_free),
    ("취소 부가세", "Cancels VAT", |l| l.cancel_vat),
    ("순매출", "Net", |l| l.net_amount),
    ("과세 공급가액", "Taxable supply", |l| {
        l.net_amount - l.net_tax_free - l.net_vat
    }),
    ("면세", "Tax-free", |l| l.net_tax_free),
    ("부가세", "VAT", |l| l.net_vat),
    ("면세 추정 건수", "Tax-free estimated (count)", |l| {
        l.estimated_count
    }),
];

/// Writes `report` as an .xlsx at `path` (beside it first, then renamed, so a failure
/// leaves no half file): one row per PG and the total, amounts as won numbers.
pub fn write_xlsx(
    report: &Settlement,
    period: SettlementPeriod,
    lang: ExportLang,
    path: &Path,
) -> IpcResult<()> {
    let ko = lang == ExportLang::Ko;
    let mut book = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_background_color(0xE9ECEF)
        .set_border_bottom(FormatBorder::Thin);
    let won = Format::new().set_num_format(if ko { "#,##0\"원\"" } else { "\"₩\"#,##0" });
    let count = Format::new().set_num_format("#,##0");
    let total_won = won.clone().set_bold().set_border_top(FormatBorder::Thin);
    let total_count = count.clone().set_bold().set_border_top(FormatBorder::Thin);
    let ws = book.add_worksheet();
    ws.set_name(period.label()).map_err(xlsx_error)?;
    let write = |e| xlsx_error(e);
    ws.write_with_format(0, 0, "PG", &header).map_err(write)?;
    ws.set_column_width(0, 16).map_err(write)?;
    // The 매출유형 column, when asked for, follows the PG's.
    let first = if report.by_sales_type { 2u16 } else { 1 };
    if report.by_sales_type {
        ws.write_with_format(0, 1, if ko { "매출유형" } else { "Sales type" }, &header)
            .map_err(write)?;
        ws.set_column_width(1, 14).map_err(write)?;
    }
    for (i, (k, e, _)) in COLUMNS.iter().enumerate() {
        let col = i as u16 + first;
        ws.write_with_format(0, col, if ko { *k } else { *e }, &header)
            .map_err(write)?;
        ws.set_column_width(col, 16).map_err(write)?;
    }
    let total_label = if ko { "합계" } else { "Total" };
    let lines = report.lines.iter().map(|l| (l, false));
    let rows = lines.chain(std::iter::once((&report.total, true)));
    for (row, (line, is_total)) in (1u32..).zip(rows) {
        let name = if is_total {
            total_label.to_owned()
        } else if line.pg_provider.is_empty() {
            (if ko { "(PG 없음)" } else { "(no PG)" }).to_owned()
        } else {
            line.pg_provider.clone()
        };
        ws.write(row, 0, name).map_err(write)?;
        if let Some(kind) = line.sales_type.filter(|_| report.by_sales_type) {
            ws.write(row, 1, kind.label(ko)).map_err(write)?;
        }
        for (i, (_, _, figure)) in COLUMNS.iter().enumerate() {
            let is_count = i == 0 || i == 4 || i == COLUMNS.len() - 1;
            let fmt = match (is_count, is_total) {
                (true, false) => &count,
                (false, false) => &won,
                (true, true) => &total_count,
                (false, true) => &total_won,
            };
            ws.write_number_with_format(row, i as u16 + first, figure(line) as f64, fmt)
                .map_err(write)?;
        }
    }
    ws.set_freeze_panes(1, first).map_err(write)?;
    let temp = path.with_extension("xlsx.part");
    book.save(&temp).map_err(xlsx_error)?;
    std::fs::rename(&temp, path).map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        IpcError::new(
            ErrorCode::IoError,
            format!("cannot finish {}: {e}", path.display()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_midnight_to_midnight_in_seoul() {
        // 2026-10-01 00:00 KST = 2026-09-30 15:00 UTC.
        let (from, to) = bounds(
            SettlementPeriod::Quarter {
                year: 2026,
                quarter: 4,
            },
            "Asia/Seoul",
        )
        .unwrap();
        assert_eq!(from, 1_790_780_400);
        assert_eq!(to, 1_798_729_200); // 2027-01-01 00:00 KST
        let (from, to) = bounds(
            SettlementPeriod::Month {
                year: 2027,
                month: 2,
            },
            "Asia/Seoul",
        )
        .unwrap();
        assert_eq!(to - from, 28 * 86_400);
        let (from, to) = bounds(
            SettlementPeriod::Half {
                year: 2026,
                half: 2,
            },
            "Asia/Seoul",
        )
        .unwrap();
        assert_eq!((to - from) / 86_400, 184);
        for bad in [
            SettlementPeriod::Month {
                year: 2026,
                month: 13,
            },
            SettlementPeriod::Quarter {
                year: 2026,
                quarter: 0,
            },
            SettlementPeriod::Half {
                year: 2026,
                half: 3,
            },
        ] {
            assert_eq!(
                bounds(bad, "Asia/Seoul").unwrap_err().code,
                ErrorCode::InvalidInput
            );
        }
    }
}
