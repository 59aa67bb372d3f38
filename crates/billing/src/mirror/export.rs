//! CSV exports for finance staff: every payment a query matches, paged through the store
//! with its keyset cursor so that any size exports in constant memory, written by the
//! one [`CsvWriter`] (BOM, quoting, formula defusing).

use std::io::Write;

use crate::csv_codec::CsvWriter;
use crate::error::{Error, Result};
use crate::registry::search::PaymentQuery;
use crate::store::db::Store;

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
        let mut csv = CsvWriter::new(out, HEADER).map_err(io)?;
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
                csv.row(&fields).map_err(io)?;
                rows += 1;
            }
            match page.next_cursor {
                Some(c) => q.cursor = Some(c),
                None => break,
            }
        }
        csv.finish().map_err(io)?;
        Ok(rows)
    }
}
