//! `customers search | show | import | export`.

use serde::Serialize;
use subdesk_billing::mirror::sync::{SyncProgress, VerifyReport};
use subdesk_billing::{
    Customer, CustomerQuery, ImportChoice, ImportFormat, ImportPlan, ImportProblem, ImportResult,
    KeyStatus, Payment, PaymentQuery,
};
use subdesk_codes::ErrorCode;
use subdesk_profiles::ActionKind;

use crate::args::{CustomersCmd, KeyStatusArg};
use crate::commands::export;
use crate::context::{Ctx, Session};
use crate::error::{CliError, CliResult, Exit};
use crate::output::{Table, fields, line, money, opt};
use crate::progress::Bar;

pub async fn run(ctx: &mut Ctx, cmd: CustomersCmd) -> CliResult<Exit> {
    match cmd {
        CustomersCmd::Search { query, limit } => search(ctx, &query, limit),
        CustomersCmd::Show { uid } => show(ctx, &uid),
        CustomersCmd::Import {
            file,
            good_only,
            no_verify,
        } => import(ctx, &file, good_only, no_verify).await,
        CustomersCmd::Export {
            text,
            status,
            pg,
            tag,
            export,
        } => {
            let s = ctx.session(ActionKind::Read)?;
            let query = CustomerQuery {
                text,
                key_status: status
                    .iter()
                    .map(|s| match s {
                        KeyStatusArg::Active => KeyStatus::Active,
                        KeyStatusArg::Unverified => KeyStatus::Unverified,
                        KeyStatusArg::Unknown => KeyStatus::Unknown,
                        KeyStatusArg::Deleted => KeyStatus::Deleted,
                    })
                    .collect(),
                pg_provider: pg,
                tags: tag,
                ..CustomerQuery::default()
            };
            let request = export::request(
                subdesk_desk::exports::ExportList::Customers { query },
                &export,
            );
            export::write(ctx, &s, request, &export.out).await
        }
    }
}

pub fn key_status(s: KeyStatus) -> &'static str {
    match s {
        KeyStatus::Active => "active",
        KeyStatus::Deleted => "deleted",
        KeyStatus::Unknown => "unknown",
        KeyStatus::Unverified => "unverified",
    }
}

fn customer_table(items: &[Customer]) -> Table {
    let mut t = Table::new(&["customer_uid", "name", "card", "key", "tel", "pg"]);
    for c in items {
        t.row(vec![
            c.customer_uid.clone(),
            opt(&c.customer_name),
            format!(
                "{} {}",
                opt(&c.card_name),
                c.card_last4
                    .as_deref()
                    .map(|l| format!("*{l}"))
                    .unwrap_or_default()
            )
            .trim()
            .to_owned(),
            key_status(c.key_status).into(),
            opt(&c.customer_tel),
            opt(&c.pg_provider),
        ]);
    }
    t
}

fn search(ctx: &mut Ctx, query: &str, limit: u32) -> CliResult<Exit> {
    let s = ctx.session(ActionKind::Read)?;
    let page = s.store.list_customers(&CustomerQuery {
        text: Some(query.to_owned()),
        limit: Some(limit.clamp(1, 500)),
        ..CustomerQuery::default()
    })?;
    if ctx.out.json {
        ctx.out.json(&page.items)?;
    } else if page.items.is_empty() {
        line("no customers match");
    } else {
        customer_table(&page.items).print();
    }
    Ok(Exit::Ok)
}

pub fn payment_table(s: &Session, items: &[Payment]) -> Table {
    let mut t = Table::new(&[
        "time",
        "imp_uid",
        "merchant_uid",
        "customer",
        "buyer",
        ">amount",
        ">refunded",
        "status",
        "note",
    ]);
    for p in items {
        t.row(vec![
            s.zone.show(p.event_at),
            p.imp_uid.clone(),
            p.merchant_uid.clone(),
            opt(&p.customer_uid),
            opt(&p.buyer_name),
            money(p.amount, &p.amount_text, &p.currency),
            if p.cancel_amount > 0 {
                money(p.cancel_amount, &p.cancel_amount.to_string(), &p.currency)
            } else {
                String::new()
            },
            serde_json::to_value(p.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            // i'mport's own words, verbatim (often Korean, from the card company).
            p.fail_reason
                .clone()
                .or_else(|| p.cancel_reason.clone())
                .unwrap_or_default(),
        ]);
    }
    t
}

fn show(ctx: &mut Ctx, uid: &str) -> CliResult<Exit> {
    let s = ctx.session(ActionKind::Read)?;
    let c = s.store.get_customer(uid)?;
    let payments = s.store.list_payments(&PaymentQuery {
        customer_uid: Some(uid.to_owned()),
        limit: Some(20),
        ..PaymentQuery::default()
    })?;
    if ctx.out.json {
        ctx.out
            .json(&serde_json::json!({ "customer": c, "payments": payments.items }))?;
        return Ok(Exit::Ok);
    }
    fields(&[
        ("customer_uid", c.customer_uid.clone()),
        ("name", opt(&c.customer_name)),
        ("key", key_status(c.key_status).to_owned()),
        (
            "card",
            format!("{} {}", opt(&c.card_name), opt(&c.card_number))
                .trim()
                .to_owned(),
        ),
        (
            "pg",
            format!("{}.{}", opt(&c.pg_provider), opt(&c.pg_id))
                .trim_matches('.')
                .to_owned(),
        ),
        ("tel", opt(&c.customer_tel)),
        ("email", opt(&c.customer_email)),
        ("issued", s.zone.show_opt(c.issued_at)),
        ("verified", s.zone.show_opt(c.last_verified_at)),
        ("tags", c.tags.join(", ")),
        ("notes", c.notes.clone()),
    ]);
    if !payments.items.is_empty() {
        line("");
        payment_table(&s, &payments.items).print();
    }
    Ok(Exit::Ok)
}

fn problem(p: ImportProblem) -> &'static str {
    match p {
        ImportProblem::Empty => "no customer_uid",
        ImportProblem::TooLong => "longer than 80 characters",
        ImportProblem::BadChars => "characters not allowed in a customer_uid",
        ImportProblem::Duplicate => "duplicate",
        ImportProblem::BadCsv => "broken CSV (unterminated quote)",
        ImportProblem::BadExtra => "invalid notes or tags",
    }
}

#[derive(Serialize)]
struct ImportOutcome {
    plan: ImportPlan,
    result: ImportResult,
    verify: Option<VerifyReport>,
    verify_error: Option<subdesk_desk::IpcError>,
}

async fn import(
    ctx: &mut Ctx,
    file: &std::path::Path,
    good_only: bool,
    no_verify: bool,
) -> CliResult<Exit> {
    let s = ctx.session(ActionKind::Mutate)?;
    let csv = subdesk_desk::files::read_csv(file)?;
    let plan = s.store.plan_import(&csv.text, ImportFormat::Auto)?;
    let has_bad = !plan.bad.is_empty();
    let choice = if has_bad && !good_only {
        ImportChoice::Nothing
    } else {
        ImportChoice::GoodRowsOnly
    };
    if !ctx.out.json && has_bad {
        let mut t = Table::new(&[">line", "value", "problem"]);
        for b in &plan.bad {
            let why = match (b.problem, b.first_line) {
                (ImportProblem::Duplicate, Some(first)) => format!("duplicate of line {first}"),
                (p, _) => problem(p).to_owned(),
            };
            t.row(vec![b.line.to_string(), b.value.clone(), why]);
        }
        eprintln!("{}", t.render());
    }
    // The check needs the account only when something may be imported.
    let importing = choice == ImportChoice::GoodRowsOnly && !plan.good.is_empty();
    let client = if no_verify || !importing {
        None
    } else {
        Some(ctx.client(&s).await?)
    };
    let bar = Bar::spinner(&ctx.out);
    let progress = |p: &SyncProgress| bar.sync(p);
    let outcome =
        subdesk_desk::keys::apply_import(&s, &plan, choice, client.as_ref(), &progress).await;
    bar.finish();
    let subdesk_desk::keys::ImportOutcome {
        result,
        verify,
        verify_error,
    } = outcome?;
    let refused = has_bad && !good_only;
    if ctx.out.json {
        if refused {
            return Err(bad_rows_error(&plan));
        }
        ctx.out.json(&ImportOutcome {
            plan,
            result,
            verify,
            verify_error: verify_error.clone(),
        })?;
        return match verify_error {
            Some(e) => Err(e.into()),
            None => Ok(Exit::Ok),
        };
    }
    if refused {
        return Err(bad_rows_error(&plan));
    }
    line(&format!(
        "imported {}, already registered {}, bad rows skipped {}",
        result.imported,
        plan.already_registered.len(),
        result.skipped_bad
    ));
    if let Some(v) = &verify {
        line(&format!(
            "checked at i'mport: {} active, {} unknown",
            v.active, v.unknown
        ));
    }
    match verify_error {
        // Imported; only the check failed: `keys verify` checks them later.
        Some(e) => Err(e.into()),
        None => Ok(Exit::Ok),
    }
}

fn bad_rows_error(plan: &ImportPlan) -> CliError {
    CliError::bad_input(
        ErrorCode::ImportBadRows,
        format!(
            "{} bad row(s); nothing was imported. Fix them, or pass --good-only to import the {} good row(s)",
            plan.bad.len(),
            plan.good.len()
        ),
    )
    .with_details(serde_json::json!({ "bad": plan.bad }))
}
