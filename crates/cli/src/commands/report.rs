//! `report vat`: the settlement and VAT figures of a period, as the app's screen shows
//! them (the same desk function), printed or saved as an .xlsx.

use subdesk_desk::exports::ExportLang;
use subdesk_desk::settlement::{self, SettlementPeriod};
use subdesk_profiles::ActionKind;

use crate::args::{LangArg, ReportCmd, VatArgs};
use crate::context::Ctx;
use crate::error::{CliResult, Exit};
use crate::output::{Table, line, won};

pub async fn run(ctx: &mut Ctx, cmd: ReportCmd) -> CliResult<Exit> {
    match cmd {
        ReportCmd::Vat(a) => vat(ctx, a),
    }
}

fn vat(ctx: &mut Ctx, a: VatArgs) -> CliResult<Exit> {
    let period = match (a.month, a.quarter, a.half) {
        (Some(month), _, _) => SettlementPeriod::Month {
            year: a.year,
            month,
        },
        (_, Some(quarter), _) => SettlementPeriod::Quarter {
            year: a.year,
            quarter,
        },
        (_, _, Some(half)) => SettlementPeriod::Half { year: a.year, half },
        // clap requires one of the three.
        _ => SettlementPeriod::Month {
            year: a.year,
            month: 0,
        },
    };
    let s = ctx.session(ActionKind::Read)?;
    let report = settlement::settlement(&s.store, period, &s.profile.time_zone, a.sales_type)?;
    if let Some(out) = &a.out {
        let lang = match a.lang {
            LangArg::Ko => ExportLang::Ko,
            LangArg::En => ExportLang::En,
        };
        settlement::write_xlsx(&report, period, lang, out)?;
    }
    if ctx.out.json {
        ctx.out.json(&report)?;
        return Ok(Exit::Ok);
    }
    let mut table = Table::new(&[
        "pg",
        "sales_type",
        "sales",
        "cancels",
        "net",
        "tax_free",
        "vat",
        "count",
    ]);
    let total = std::iter::once(&report.total);
    for l in report.lines.iter().chain(total) {
        let name = if std::ptr::eq(l, &report.total) {
            "TOTAL".to_owned()
        } else {
            l.pg_provider.clone()
        };
        table.row(vec![
            name,
            l.sales_type
                .map(|t| t.label(false).to_owned())
                .unwrap_or_default(),
            won(l.sales_amount),
            won(l.cancel_amount),
            won(l.net_amount),
            won(l.net_tax_free),
            won(l.net_vat),
            l.sales_count.to_string(),
        ]);
    }
    line(&format!("{} ({})", period.label(), s.profile.time_zone));
    line(&table.render());
    if report.total.estimated_count > 0 {
        line(&format!(
            "{} payment(s) Subdesk did not send are counted fully taxable (tax-free part unknown)",
            report.total.estimated_count
        ));
    }
    if let Some(out) = &a.out {
        line(&format!("saved {}", out.display()));
    }
    Ok(Exit::Ok)
}
