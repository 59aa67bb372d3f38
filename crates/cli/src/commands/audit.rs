//! `audit verify`: checks the audit log's hash chain.

use subdesk_codes::ErrorCode;
use subdesk_profiles::ActionKind;

use crate::args::AuditCmd;
use crate::context::Ctx;
use crate::error::{CliError, CliResult, Exit};
use crate::output::line;

pub async fn run(ctx: &mut Ctx, cmd: AuditCmd) -> CliResult<Exit> {
    match cmd {
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
