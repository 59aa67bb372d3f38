//! CSV exports for finance staff: every payment a query matches, paged through the store
//! with its keyset cursor so that any size exports in constant memory.

use std::io::Write;

use crate::error::{Error, Result};
use crate::registry::search::PaymentQuery;
use crate::store::db::Store;

/// One CSV field: quoted when needed, and defused when a spreadsheet would read it as a
/// formula (a buyer named `=HYPERLINK(…)` must stay text).
pub fn csv_field(value: &str) -> String {
    let defused = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

const HEADER: &[&str] = &[
    "imp_uid",
    "merchant_uid",
    "customer_uid",
    "status",
    "amount",
    "cancel_amount",
    "currency",
    "pg_provider",
    "name",
    "buyer_name",
    "apply_num",
    "card_name",
    "card_number",
    "paid_at",
    "failed_at",
    "cancelled_at",
    "fail_reason",
    "cancel_reason",
];

fn time(t: Option<i64>) -> String {
    t.and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

impl Store {
    /// Writes every payment matching `query` (its cursor and limit are ignored) as CSV with
    /// UTF-8 BOM (so spreadsheet apps read Korean correctly). Returns the number of rows.
    pub fn export_payments_csv(&self, query: &PaymentQuery, out: &mut impl Write) -> Result<u64> {
        let io = |e: std::io::Error| Error::io("writing the export", e);
        out.write_all("\u{feff}".as_bytes()).map_err(io)?;
        writeln!(out, "{}", HEADER.join(",")).map_err(io)?;
        let mut q = query.clone();
        q.cursor = None;
        q.limit = Some(500);
        let mut rows = 0u64;
        loop {
            let page = self.list_payments(&q)?;
            for p in &page.items {
                let status = serde_json::to_value(p.status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                let fields = [
                    p.imp_uid.clone(),
                    p.merchant_uid.clone(),
                    p.customer_uid.clone().unwrap_or_default(),
                    status,
                    p.amount_text.clone(),
                    p.cancel_amount.to_string(),
                    p.currency.clone(),
                    p.pg_provider.clone().unwrap_or_default(),
                    p.name.clone().unwrap_or_default(),
                    p.buyer_name.clone().unwrap_or_default(),
                    p.apply_num.clone().unwrap_or_default(),
                    p.card_name.clone().unwrap_or_default(),
                    p.card_number.clone().unwrap_or_default(),
                    time(p.paid_at),
                    time(p.failed_at),
                    time(p.cancelled_at),
                    p.fail_reason.clone().unwrap_or_default(),
                    p.cancel_reason.clone().unwrap_or_default(),
                ];
                let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
                writeln!(out, "{}", line.join(",")).map_err(io)?;
                rows += 1;
            }
            match page.next_cursor {
                Some(c) => q.cursor = Some(c),
                None => break,
            }
        }
        out.flush().map_err(io)?;
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("김민준"), "김민준");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-5"), "'-5");
        assert_eq!(csv_field("line\nbreak"), "\"line\nbreak\"");
    }
}
