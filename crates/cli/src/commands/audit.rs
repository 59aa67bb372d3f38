//! `audit verify`: checks the audit log's hash chain; `audit list`: the entries.

use subdesk_codes::ErrorCode;
use subdesk_profiles::ActionKind;

use crate::args::AuditCmd;
use crate::context::Ctx;
use crate::error::{CliError, CliResult, Exit};
use crate::output::line;

pub async fn run(ctx: &mut Ctx, cmd: AuditCmd) -> CliResult<Exit> {
    match cmd {
        AuditCmd::List {
            action,
            customer,
            problems,
            limit,
        } => {
            let s = ctx.session(ActionKind::Read)?;
            let page = s
                .store
                .audit_list(&subdesk_billing::store::audit::AuditQuery {
                    action,
                    customer_uid: customer,
                    problems_only: problems,
                    limit: Some(limit),
                    ..Default::default()
                })?;
            if ctx.out.json {
                ctx.out.json(&page)?;
            } else {
                for e in &page.entries {
                    line(&format!(
                        "{:>6}  {}  {:<24} {:<12} {}  {}",
                        e.id,
                        s.zone.show(e.at),
                        e.action,
                        e.os_user.as_deref().unwrap_or("-"),
                        e.outcome,
                        e.inputs
                    ));
                }
                line(&format!("{} of {} entries", page.entries.len(), page.total));
            }
            Ok(Exit::Ok)
        }
        AuditCmd::Verify => {
            let s = ctx.session(ActionKind::Read)?;
            let v = s.store.verify_audit()?;
            if ctx.out.json {
                ctx.out.json(&v)?;
            }
            match &v.problem {
                None => {
                    if !ctx.out.json {
                        line(&format!("audit log intact: {} entries checked", v.checked));
                    }
                    Ok(Exit::Ok)
                }
                Some(p) => Err(CliError::other(
                    ErrorCode::AuditBroken,
                    format!("the audit log is broken at entry {}: {}", p.id, p.detail),
                )),
            }
        }
    }
}
