//! `journal list | reconcile | show | decide`: the money journal, deciding its open
//! rows by lookup, and a person's decision on a conflict.

use subdesk_billing::{JournalQuery, reconcile};
use subdesk_profiles::ActionKind;

use crate::args::JournalCmd;
use crate::context::Ctx;
use crate::error::{CliResult, Exit};
use crate::output::{Table, fields, line, opt, won};

pub async fn run(ctx: &mut Ctx, cmd: JournalCmd) -> CliResult<Exit> {
    match cmd {
        JournalCmd::List {
            open,
            customer,
            limit,
        } => {
            let s = ctx.session(ActionKind::Read)?;
            let rows = s.store.journal_list(&JournalQuery {
                open_only: open,
                customer_uid: customer,
                limit: Some(limit.clamp(1, 1000)),
                ..JournalQuery::default()
            })?;
            if ctx.out.json {
                ctx.out.json(&rows)?;
                return Ok(Exit::Ok);
            }
            if rows.is_empty() {
                line(if open {
                    "nothing is being checked"
                } else {
                    "the journal is empty"
                });
                return Ok(Exit::Ok);
            }
            let mut t = Table::new(&[
                ">id",
                "time",
                "op",
                "merchant_uid",
                "customer",
                ">amount",
                "state",
                "outcome",
                "imp_uid",
                "note",
            ]);
            for r in &rows {
                let state = serde_json::to_value(r.state)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                let op = serde_json::to_value(r.op)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                t.row(vec![
                    r.id.to_string(),
                    s.zone.show(r.created_at),
                    op,
                    r.merchant_uid.clone(),
                    opt(&r.customer_uid),
                    won(r.amount),
                    if r.state.is_open() {
                        format!("{state} (checking)")
                    } else if r.state == subdesk_billing::JournalState::Conflict {
                        format!("{state} (decide with `journal decide {}`)", r.id)
                    } else {
                        state
                    },
                    opt(&r.outcome),
                    opt(&r.imp_uid),
                    r.fail_reason
                        .clone()
                        .or_else(|| r.error_message.clone())
                        .unwrap_or_default(),
                ]);
            }
            t.print();
            Ok(Exit::Ok)
        }
        JournalCmd::Reconcile => {
            // Lookups only; nothing is sent again: a read, as the app tags it.
            let s = ctx.session(ActionKind::Read)?;
            let client = ctx.client(&s).await?;
            let report = reconcile(&s.store, &client).await?;
            if ctx.out.json {
                ctx.out.json(&report)?;
            } else {
                line(&format!(
                    "checked {}, resolved {}, still checking {}",
                    report.checked, report.resolved, report.still_open
                ));
                for e in &report.entries {
                    line(&format!(
                        "  #{} {} → {}",
                        e.journal_id, e.merchant_uid, e.outcome
                    ));
                }
                for (id, code) in &report.errors {
                    line(&format!("  #{id} lookup failed: {code}"));
                }
            }
            Ok(if report.still_open > 0 {
                Exit::Unknown
            } else {
                Exit::Ok
            })
        }
        JournalCmd::Show { id } => {
            let s = ctx.session(ActionKind::Read)?;
            let r = s.store.journal_get(id)?;
            if ctx.out.json {
                ctx.out.json(&r)?;
                return Ok(Exit::Ok);
            }
            fields(&[
                ("id", r.id.to_string()),
                ("time", s.zone.show(r.created_at)),
                ("merchant_uid", r.merchant_uid.clone()),
                ("customer", opt(&r.customer_uid)),
                ("amount", won(r.amount)),
                ("state", format!("{:?}", r.state).to_lowercase()),
                ("outcome", opt(&r.outcome)),
                ("imp_uid", opt(&r.imp_uid)),
                ("request", r.request_json.clone()),
                ("i'mport holds", opt(&r.conflict)),
            ]);
            Ok(Exit::Ok)
        }
        JournalCmd::Decide { id, ours, note, .. } => {
            // A person's decision changes the registry's record of money: as a charge.
            let s = ctx.session(ActionKind::MoveMoney)?;
            let r = s.store.decide_conflict(id, ours, &note)?;
            if ctx.out.json {
                ctx.out.json(&r)?;
            } else {
                line(&format!(
                    "#{} {} → {}",
                    r.id,
                    r.merchant_uid,
                    opt(&r.outcome)
                ));
            }
            Ok(Exit::Ok)
        }
    }
}
