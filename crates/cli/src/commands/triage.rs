//! `triage list | resolve | retry | check`: subdesk-desk's triage queue, the same the app's
//! Needs attention page works (the same entries, the money policy for a retry, the audited
//! resolution), with the terminal's prompt and output.

use subdesk_billing::TriageEntry;
use subdesk_desk::triage;
use subdesk_profiles::ActionKind;

use crate::args::TriageCmd;
use crate::commands::money::reconcile_first;
use crate::confirm::{self, Ask};
use crate::context::Ctx;
use crate::error::{CliResult, Exit};
use crate::output::{Table, customer_label, fields, line, opt, retry_word, won};

pub async fn run(ctx: &mut Ctx, cmd: TriageCmd) -> CliResult<Exit> {
    match cmd {
        TriageCmd::List => list(ctx),
        TriageCmd::Resolve { key, note } => {
            let s = ctx.session(ActionKind::Mutate)?;
            let e = triage::resolve(&s, &key, &note)?;
            if ctx.out.json {
                ctx.out.json(&e)?;
            } else {
                fields(&[
                    ("resolved", e.key.clone()),
                    ("kind", e.kind.as_str().into()),
                ]);
            }
            Ok(Exit::Ok)
        }
        TriageCmd::Retry { key } => retry(ctx, &key).await,
        TriageCmd::Check { key } => {
            let s = ctx.session(ActionKind::Read)?;
            ctx.client(&s).await?;
            let after = triage::check(&s, &key).await?;
            if ctx.out.json {
                ctx.out.json(&after)?;
            } else if after.is_some() {
                line("checked: it still needs attention");
            } else {
                line("checked: nothing left to do; it left the list");
            }
            Ok(Exit::Ok)
        }
    }
}

fn list(ctx: &mut Ctx) -> CliResult<Exit> {
    let s = ctx.session(ActionKind::Read)?;
    let entries = triage::list(&s)?;
    if ctx.out.json {
        ctx.out.json(&entries)?;
        return Ok(Exit::Ok);
    }
    if entries.is_empty() {
        line("nothing needs attention");
        return Ok(Exit::Ok);
    }
    let mut t = Table::new(&["time", "kind", "customer", ">amount", "detail", "key"]);
    for e in &entries {
        t.row(vec![
            s.zone.show(e.at),
            e.kind.as_str().to_owned(),
            who(e),
            e.amount.map(won).unwrap_or_default(),
            detail(e),
            e.key.clone(),
        ]);
    }
    t.print();
    fields(&[("total", format!("{} entr(ies)", entries.len()))]);
    Ok(Exit::Ok)
}

fn who(e: &TriageEntry) -> String {
    match &e.customer_uid {
        Some(uid) => customer_label(e.customer_name.as_deref(), uid),
        None => "-".into(),
    }
}

fn detail(e: &TriageEntry) -> String {
    let mut parts = Vec::new();
    if let Some(r) = &e.reason {
        parts.push(r.clone());
    }
    if let Some(x) = &e.card_expiry {
        parts.push(format!("card expires {x}"));
    }
    if let Some(m) = &e.merchant_uid {
        parts.push(m.clone());
    }
    parts.join("; ")
}

async fn retry(ctx: &mut Ctx, key: &str) -> CliResult<Exit> {
    let s = ctx.session(ActionKind::MoveMoney)?;
    let e = triage::get(&s, key)?;
    let total = triage::retry_total(&e)?;
    confirm::live_money(
        &s.profile,
        ctx.global.yes_live,
        ctx.out.json,
        &format!(
            "charge order {} of {} again now; total {}",
            opt(&e.merchant_uid),
            who(&e),
            won(total)
        ),
        Ask::Yes,
    )?;
    ctx.client(&s).await?;
    reconcile_first(&ctx.out, &s).await?;
    let r = triage::retry(&s, key, Some(total)).await?;
    let exit = Exit::of_charge(r.status);
    if ctx.out.json {
        ctx.out.json(&r)?;
        return Ok(exit);
    }
    let word = retry_word(r.status, r.replayed);
    fields(&[
        ("retry", word.to_owned()),
        ("amount", won(r.amount)),
        ("reason", opt(&r.fail_reason)),
        ("merchant_uid", r.merchant_uid.clone()),
    ]);
    Ok(exit)
}
