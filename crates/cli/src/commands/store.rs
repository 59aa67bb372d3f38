//! `store backup | backups | restore | settings`: the profile's backups to a chosen folder,
//! the desk's functions the app's Settings call too; `store migrate --to URL`: the copy into
//! a shared store (team mode).

use subdesk_codes::ErrorCode;
use subdesk_desk::{backups, shared};
use subdesk_profiles::{ActionKind, BackupEvery};

use crate::args::{EveryArg, StoreCmd};
use crate::context::Ctx;
use crate::error::{CliError, CliResult, Exit};
use crate::output::{Table, fields, line};
use crate::progress::Bar;

fn megabytes(bytes: i64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

pub async fn run(ctx: &mut Ctx, cmd: StoreCmd) -> CliResult<Exit> {
    match cmd {
        StoreCmd::Backup { to } => {
            let s = ctx.session(ActionKind::Read)?;
            let made = backups::back_up(&ctx.desk, &s, to.as_deref())?;
            if ctx.out.json {
                ctx.out.json(&made)?;
            } else {
                line(&format!("backup written: {}", made.path));
            }
            Ok(Exit::Ok)
        }
        StoreCmd::Backups { folder } => {
            let profile = ctx.profile()?;
            ctx.authorize(&profile, ActionKind::Read)?;
            let zone = crate::output::Zone::named(&profile.time_zone);
            let list = backups::list(&ctx.desk, &profile, folder.as_deref())?;
            if ctx.out.json {
                ctx.out.json(&list)?;
            } else if list.is_empty() {
                line("no backups of this profile in the folder");
            } else {
                let mut t = Table::new(&["taken", "customers", "keys", "payments", "size", "file"]);
                for b in &list {
                    let (c, k, p) = match &b.contents {
                        Some(c) => (
                            c.customers.to_string(),
                            c.active_keys.to_string(),
                            c.payments.to_string(),
                        ),
                        None => ("damaged".into(), "-".into(), "-".into()),
                    };
                    t.row(vec![
                        zone.show(b.taken_at),
                        c,
                        k,
                        p,
                        megabytes(b.size_bytes),
                        b.file_name.clone(),
                    ]);
                }
                t.print();
            }
            Ok(Exit::Ok)
        }
        StoreCmd::Restore { file, yes } => {
            let profile = ctx.profile()?;
            ctx.authorize(&profile, ActionKind::Mutate)?;
            let contents = subdesk_billing::inspect_backup(&file, &backups::owner(&profile), true)?;
            let summary = replacing(&profile, "the backup taken", &contents);
            if !yes {
                return Err(not_confirmed(&summary));
            }
            let (_, restored) = backups::restore(&ctx.desk, &profile, &file)?;
            say_restored(ctx, &summary, &restored)
        }
        StoreCmd::Migrate { to, from, yes } => {
            let password = std::env::var("PGPASSWORD").ok();
            match (to, from) {
                (Some(to), _) => copy_to(ctx, to.as_deref(), password.as_deref()).await,
                (None, Some(from)) => {
                    restore_from(ctx, from.as_deref(), password.as_deref(), yes).await
                }
                (None, None) => unreachable!("clap requires --to or --from"),
            }
        }
        StoreCmd::Shared {
            url,
            every,
            save_password,
            forget_password,
        } => {
            let changing = url.is_some() || every.is_some() || save_password || forget_password;
            let s = ctx.session(if changing {
                ActionKind::Mutate
            } else {
                ActionKind::Read
            })?;
            let setup = if changing {
                let mut settings = ctx.desk.profiles.shared_settings(&s.profile.id)?;
                if let Some(u) = url {
                    settings.url = Some(u);
                }
                if let Some(e) = every {
                    settings.every = every_of(e);
                }
                let typed = std::env::var("PGPASSWORD").ok();
                let password = match (save_password, forget_password, typed.as_deref()) {
                    (true, _, Some(p)) => shared::PasswordChange::Set(p),
                    (true, _, None) => {
                        return Err(CliError::refused(
                            ErrorCode::InvalidSharedSettings,
                            "--save-password takes the password from PGPASSWORD, which is not set",
                        ));
                    }
                    (false, true, _) => shared::PasswordChange::Forget,
                    (false, false, _) => shared::PasswordChange::Keep,
                };
                // A read-only profile's settings (a reading desk's) are changed in the app,
                // with the passphrase typed; the session above refuses them here.
                shared::save_settings(&ctx.desk, &s, &settings, password, None)?
            } else {
                shared::setup(&ctx.desk, &s.profile)?
            };
            let last = shared::last_copy(&s, &setup.settings)?;
            if ctx.out.json {
                ctx.out.json(&serde_json::json!({
                    "settings": setup.settings,
                    "password_saved": setup.password_saved,
                    "last_copy_at": last,
                }))?;
            } else {
                let zone = crate::output::Zone::named(&s.profile.time_zone);
                fields(&[
                    (
                        "url",
                        setup.settings.url.clone().unwrap_or_else(|| "-".into()),
                    ),
                    ("every", every_name(setup.settings.every)),
                    (
                        "password",
                        if setup.password_saved {
                            "saved in the keyring"
                        } else {
                            "-"
                        }
                        .into(),
                    ),
                    (
                        "last copy",
                        last.map(|t| zone.show(t)).unwrap_or_else(|| "-".into()),
                    ),
                ]);
            }
            Ok(Exit::Ok)
        }
        StoreCmd::Settings {
            folder,
            every,
            keep,
        } => {
            let changing = folder.is_some() || every.is_some() || keep.is_some();
            let s = ctx.session(if changing {
                ActionKind::Mutate
            } else {
                ActionKind::Read
            })?;
            let mut settings = ctx.desk.profiles.backup_settings(&s.profile.id)?;
            if changing {
                if let Some(f) = folder {
                    let f = std::path::absolute(&f).unwrap_or(f);
                    settings.folder = Some(f.display().to_string());
                }
                if let Some(e) = every {
                    settings.every = every_of(e);
                }
                if let Some(k) = keep {
                    settings.keep = k;
                }
                settings = backups::save_settings(&ctx.desk, &s, &settings)?;
            }
            if ctx.out.json {
                ctx.out.json(&settings)?;
            } else {
                fields(&[
                    (
                        "folder",
                        settings.folder.clone().unwrap_or_else(|| "-".into()),
                    ),
                    ("every", every_name(settings.every)),
                    ("keep", settings.keep.to_string()),
                ]);
            }
            Ok(Exit::Ok)
        }
    }
}

fn every_of(e: EveryArg) -> BackupEvery {
    match e {
        EveryArg::Off => BackupEvery::Off,
        EveryArg::Every6Hours => BackupEvery::Every6Hours,
        EveryArg::Daily => BackupEvery::Daily,
    }
}

/// How `every` is written on the command line (`--every`), for the human output; JSON
/// keeps the settings' own names.
fn every_name(every: BackupEvery) -> String {
    let arg = match every {
        BackupEvery::Off => EveryArg::Off,
        BackupEvery::Every6Hours => EveryArg::Every6Hours,
        BackupEvery::Daily => EveryArg::Daily,
    };
    clap::ValueEnum::to_possible_value(&arg)
        .map(|v| v.get_name().to_owned())
        .unwrap_or_default()
}

/// `store migrate --to [URL]`: the copy into the shared store, table by table.
async fn copy_to(ctx: &mut Ctx, url: Option<&str>, password: Option<&str>) -> CliResult<Exit> {
    let s = ctx.session(ActionKind::Mutate)?;
    let target = shared::target(&ctx.desk, &s.profile, url, password)?;
    let bar = std::sync::Arc::new(Bar::items(&ctx.out, 0));
    let shown = bar.clone();
    // Ctrl-C ends the process, and the server rolls the open transaction back.
    let copied = shared::copy_to_shared(
        &s,
        target,
        move |p| shown.copy(p),
        subdesk_billing::mirror::sync::CancelToken::new(),
    )
    .await;
    bar.finish();
    let copied = copied?;
    if ctx.out.json {
        ctx.out.json(&copied)?;
    } else {
        let mut t = Table::new(&["table", "rows", "added", "updated", "removed"]);
        for r in &copied.tables {
            t.row(vec![
                r.table.clone(),
                r.rows.to_string(),
                r.added.to_string(),
                r.updated.to_string(),
                r.removed.to_string(),
            ]);
        }
        t.print();
        line(&format!(
            "copied to {}: {} rows added or updated, every row compared (audit entry {})",
            copied.target, copied.changed, copied.audit_id
        ));
    }
    Ok(Exit::Ok)
}

/// `store migrate --from [URL] [--yes]`: the profile's store replaced by the shared store's,
/// as a restore from a backup.
async fn restore_from(
    ctx: &mut Ctx,
    url: Option<&str>,
    password: Option<&str>,
    yes: bool,
) -> CliResult<Exit> {
    let profile = ctx.profile()?;
    ctx.authorize(&profile, ActionKind::Mutate)?;
    let target = shared::target(&ctx.desk, &profile, url, password)?;
    if !yes {
        let contents = shared::inspect_shared(&ctx.desk, &profile, target).await?;
        return Err(not_confirmed(&replacing(
            &profile,
            "the shared store's as of",
            &contents,
        )));
    }
    let (_, restored) = shared::restore_from_shared(&ctx.desk, &profile, target).await?;
    let summary = replacing(&profile, "the shared store's as of", &restored.contents);
    say_restored(ctx, &summary, &restored)
}

/// What a restore puts in place of the profile's store: `what` and its time, its figures.
fn replacing(
    profile: &subdesk_profiles::Profile,
    what: &str,
    c: &subdesk_billing::BackupContents,
) -> String {
    let zone = crate::output::Zone::named(&profile.time_zone);
    format!(
        "profile \"{}\": its store is replaced by {what} {} ({} customers, {} active keys, {} payments); the store as it is now is kept beside it",
        profile.name,
        zone.show(c.taken_at),
        c.customers,
        c.active_keys,
        c.payments
    )
}

fn not_confirmed(summary: &str) -> CliError {
    CliError::refused(
        ErrorCode::NotConfirmed,
        format!("{summary}. Pass --yes to replace it; nothing was replaced"),
    )
}

fn say_restored(ctx: &Ctx, summary: &str, restored: &backups::Restored) -> CliResult<Exit> {
    if ctx.out.json {
        ctx.out.json(restored)?;
    } else {
        line(&format!("restored: {summary}"));
        if let Some(p) = &restored.previous {
            line(&format!("the store before: {p}"));
        }
        line("money waits for a sync: run `subdesk-cli sync` next");
    }
    Ok(Exit::Ok)
}
