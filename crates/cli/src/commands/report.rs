//! `report vat`: the settlement and VAT figures of a period, as the app's screen shows
//! them (the same desk function), printed or saved as an .xlsx.

use subdesk_billing::mirror::compare::PaymentSide;
use subdesk_desk::exports::ExportLang;
use subdesk_desk::reconciliation;
use subdesk_desk::settlement::{self, SettlementPeriod};
use subdesk_profiles::ActionKind;

use crate::args::{LangArg, PeriodArgs, ReconcileArgs, ReportCmd, VatArgs};
use crate::context::Ctx;
use crate::error::{CliResult, Exit};
use crate::output::{Table, line, won};

pub async fn run(ctx: &mut Ctx, cmd: ReportCmd) -> CliResult<Exit> {
    match cmd {
        ReportCmd::Vat(a) => vat(ctx, a),
        ReportCmd::Reconcile(a) => reconcile(ctx, a).await,
    }
}

fn period_of(a: &PeriodArgs) -> SettlementPeriod {
    match (a.month, a.quarter, a.half) {
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
    }
}

fn vat(ctx: &mut Ctx, a: VatArgs) -> CliResult<Exit> {
    let period = period_of(&a.period);
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

/// The period compared with i'mport, the differences listed (and applied with
/// `--apply`); exit 1 when anything differs or a request is still open.
async fn reconcile(ctx: &mut Ctx, a: ReconcileArgs) -> CliResult<Exit> {
    let period = period_of(&a.period);
    let s = ctx.session(ActionKind::Read)?;
    let report = reconciliation::compare(&s, period, a.apply).await?;
    let clean = report.differences_total == 0 && report.open_journal.is_empty();
    if ctx.out.json {
        ctx.out.json(&report)?;
    } else {
        line(&format!("{} ({})", period.label(), s.profile.time_zone));
        let mut sides = Table::new(&["side", "payments", "amount", "refunded"]);
        for (name, t) in [("i'mport", report.theirs), ("store", report.ours)] {
            sides.row(vec![
                name.to_owned(),
                t.count.to_string(),
                won(t.amount),
                won(t.refunded),
            ]);
        }
        line(&sides.render());
        if !report.differences.is_empty() {
            let mut table = Table::new(&[
                "difference",
                "imp_uid",
                "merchant_uid",
                "store",
                "i'mport",
                "applied",
            ]);
            let side = |p: &Option<PaymentSide>| {
                p.as_ref()
                    .map(|p| {
                        format!(
                            "{:?} {} (-{})",
                            p.status,
                            won(p.amount),
                            won(p.cancel_amount)
                        )
                        .to_lowercase()
                    })
                    .unwrap_or_else(|| "-".into())
            };
            for d in &report.differences {
                table.row(vec![
                    format!("{:?}", d.kind).to_lowercase(),
                    d.imp_uid.clone(),
                    d.merchant_uid.clone(),
                    side(&d.ours),
                    side(&d.theirs),
                    if d.applied { "yes" } else { "no" }.to_owned(),
                ]);
            }
            line(&table.render());
        }
        line(&format!(
            "{} differences, {} applied, {} not looked up, {} requests still open",
            report.differences_total,
            report.applied,
            report.unchecked,
            report.open_journal.len()
        ));
    }
    Ok(if clean { Exit::Ok } else { Exit::Other })
}
