//! `sync`: payments, schedules and the key registry, with progress, stoppable by
//! Ctrl-C (the next run resumes where it stopped).

use serde::Serialize;
use subdesk_billing::mirror::sync::{
    CancelToken, PaymentSyncOptions, ScheduleSyncOptions, SyncOutcome, SyncProgress, SyncReport,
    VerifyReport, VerifyScope, sync_payments, sync_schedules, verify_keys,
};
use subdesk_profiles::ActionKind;

use crate::args::SyncArgs;
use crate::context::Ctx;
use crate::error::{CliResult, Exit};
use crate::output::{Table, line};
use crate::progress::Bar;

#[derive(Serialize)]
struct Summary {
    payments: Option<SyncReport>,
    schedules: Option<SyncReport>,
    keys: Option<VerifyReport>,
}

pub async fn run(ctx: &mut Ctx, a: SyncArgs) -> CliResult<Exit> {
    // Syncing mirrors i'mport into the local store and changes nothing there: a read,
    // as the app tags it.
    let s = ctx.session(ActionKind::Read)?;
    let from = a
        .from
        .as_deref()
        .map(|d| s.zone.parse(d, false))
        .transpose()?;
    let client = ctx.client(&s).await?;
    let all = !(a.keys || a.payments || a.schedules);
    let cancel = CancelToken::new();
    let stop = cancel.clone();
    let watcher = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            stop.cancel();
        }
    });
    let bar = Bar::spinner(&ctx.out);
    let progress = |p: &SyncProgress| bar.sync(p);
    let result = async {
        let mut summary = Summary {
            payments: None,
            schedules: None,
            keys: None,
        };
        if all || a.payments {
            let opts = PaymentSyncOptions::asked_from(from);
            summary.payments =
                Some(sync_payments(&s.store, &client, &opts, &progress, &cancel).await?);
        }
        if (all || a.schedules) && !cancel.is_cancelled() {
            let opts = ScheduleSyncOptions::default();
            summary.schedules =
                Some(sync_schedules(&s.store, &client, &opts, &progress, &cancel).await?);
        }
        if (all || a.keys) && !cancel.is_cancelled() {
            summary.keys =
                Some(verify_keys(&s.store, &client, VerifyScope::All, &progress, &cancel).await?);
        }
        Ok::<_, subdesk_billing::Error>(summary)
    }
    .await;
    bar.finish();
    watcher.abort();
    let summary = result?;
    if ctx.out.json {
        ctx.out.json(&summary)?;
    } else {
        let mut t = Table::new(&["stream", "outcome", "mode", ">rows", ">changed"]);
        for r in [&summary.payments, &summary.schedules]
            .into_iter()
            .flatten()
        {
            t.row(vec![
                r.stream.clone(),
                outcome(r.outcome).into(),
                r.mode.clone(),
                r.rows.to_string(),
                r.changed.to_string(),
            ]);
        }
        if let Some(k) = &summary.keys {
            t.row(vec![
                "keys".into(),
                outcome(k.outcome).into(),
                format!("{} active, {} unknown", k.active, k.unknown),
                k.checked.to_string(),
                String::new(),
            ]);
        }
        t.print();
        if cancel.is_cancelled() {
            line("stopped by Ctrl-C; the next sync resumes where this one stopped");
        }
    }
    Ok(if cancel.is_cancelled() {
        Exit::Other
    } else {
        Exit::Ok
    })
}

fn outcome(o: SyncOutcome) -> &'static str {
    match o {
        SyncOutcome::Completed => "completed",
        SyncOutcome::Cancelled => "cancelled",
    }
}
