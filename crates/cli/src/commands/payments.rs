//! `payments list`: the local mirror (run `sync` to refresh it), as a table, JSON or CSV;
//! `payments export`: every match to an .xlsx or CSV file.

use subdesk_billing::{PaymentQuery, PaymentStatus, TimeField};
use subdesk_codes::ErrorCode;
use subdesk_desk::dates::{self, DatePreset};
use subdesk_profiles::ActionKind;

use subdesk_desk::exports::{ExportFormat, ExportLang, ExportList, ExportRequest};

use crate::args::{PaymentFilters, PaymentsCmd, PaymentsListArgs, PeriodArg, StatusArg, TimeArg};
use crate::commands::customers::payment_table;
use crate::commands::export;
use crate::context::{Ctx, Session};
use crate::error::{CliError, CliResult, Exit};
use crate::output::{line, won};

pub async fn run(ctx: &mut Ctx, cmd: PaymentsCmd) -> CliResult<Exit> {
    match cmd {
        PaymentsCmd::List(a) => list(ctx, a).await,
        PaymentsCmd::Export { filters, export } => {
            let s = ctx.session(ActionKind::Read)?;
            let query = query_of(ctx, &s, &filters)?;
            let request = export::request(ExportList::Payments { query }, &export);
            export::write(ctx, &s, request, &export.out).await
        }
    }
}

/// The store's query for the filters, dates read in the profile's zone.
fn query_of(ctx: &Ctx, s: &Session, a: &PaymentFilters) -> CliResult<PaymentQuery> {
    let from = a
        .from
        .as_deref()
        .map(|d| s.zone.parse(d, false))
        .transpose()?;
    let to = a.to.as_deref().map(|d| s.zone.parse(d, true)).transpose()?;
    let (from, to) = match a.period {
        None => (from, to),
        Some(p) => {
            let preset = match p {
                PeriodArg::Today => DatePreset::Today,
                PeriodArg::Yesterday => DatePreset::Yesterday,
                PeriodArg::ThisWeek => DatePreset::ThisWeek,
                PeriodArg::ThisMonth => DatePreset::ThisMonth,
                PeriodArg::LastMonth => DatePreset::LastMonth,
                PeriodArg::ThisQuarter => DatePreset::ThisQuarter,
            };
            let r = dates::date_range(preset, &s.zone.name, subdesk_billing::now())?;
            ctx.out.note(&format!(
                "{}: {} to {}",
                preset.cli_name(),
                r.first_day,
                r.last_day
            ));
            (Some(r.from), Some(r.to))
        }
    };
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(CliError::bad_input(
            ErrorCode::InvalidDate,
            "--from is after --to",
        ));
    }
    Ok(PaymentQuery {
        text: a.text.clone(),
        status: a
            .status
            .iter()
            .map(|s| match s {
                StatusArg::Ready => PaymentStatus::Ready,
                StatusArg::Paid => PaymentStatus::Paid,
                StatusArg::Cancelled => PaymentStatus::Cancelled,
                StatusArg::Failed => PaymentStatus::Failed,
            })
            .collect(),
        time_field: match a.time {
            TimeArg::Event => TimeField::Event,
            TimeArg::Paid => TimeField::Paid,
            TimeArg::Cancelled => TimeField::Cancelled,
            TimeArg::Failed => TimeField::Failed,
        },
        from,
        to,
        customer_uid: a.customer.clone(),
        pg_provider: a.pg.clone(),
        pay_method: a.method.clone(),
        card_name: a.card.clone(),
        ..PaymentQuery::default()
    })
}

async fn list(ctx: &mut Ctx, a: PaymentsListArgs) -> CliResult<Exit> {
    let s = ctx.session(ActionKind::Read)?;
    let mut query = query_of(ctx, &s, &a.filters)?;
    if a.csv {
        // Straight to stdout: every match, not one page (a nightly export), by the one
        // export path.
        let request = ExportRequest {
            list: ExportList::Payments { query },
            columns: Vec::new(),
            format: ExportFormat::Csv,
            lang: ExportLang::Ko,
        };
        return export::write(ctx, &s, request, std::path::Path::new("-")).await;
    }
    query.limit = Some(a.limit.clamp(1, 500));
    let page = s.store.list_payments(&query)?;
    if ctx.out.json {
        ctx.out.json(&page.items)?;
    } else if page.items.is_empty() {
        line("no payments match (run `subdesk-cli sync` to refresh the mirror)");
    } else {
        payment_table(&s, &page.items).print();
        // Every match, not just this page: the same totals as the app's list.
        let totals = s.store.payment_totals(&query)?;
        line(&format!(
            "{} payment(s) match · paid {} · refunded {} · net {}",
            totals.count,
            won(totals.amount),
            won(totals.refunded),
            won(totals.net)
        ));
        if page.next_cursor.is_some() {
            ctx.out.note(&format!(
                "showing the first {}; narrow the filters, raise --limit, or use --csv for all",
                page.items.len()
            ));
        }
    }
    Ok(Exit::Ok)
}
