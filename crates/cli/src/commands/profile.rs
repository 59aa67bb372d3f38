//! `profile list | add | use | test | remove`: the app's profiles.json and keyring.

use std::io::{BufRead, IsTerminal};
use subdesk_codes::ErrorCode;

use serde::Serialize;
use subdesk_profiles::{
    ActionKind, CredentialStatus, Credentials, Mode, Profile, ProfileInput, SecretString,
    test_connection,
};
use zeroize::Zeroize;

use crate::args::{ModeArg, ProfileAddArgs, ProfileCmd};
use crate::context::{Ctx, blocking};
use crate::error::{CliError, CliResult, Exit};
use crate::output::{Table, line};

pub async fn run(ctx: &mut Ctx, cmd: ProfileCmd) -> CliResult<Exit> {
    match cmd {
        ProfileCmd::List => list(ctx).await,
        ProfileCmd::Add(a) => add(ctx, a).await,
        ProfileCmd::Use { name } => use_profile(ctx, &name),
        ProfileCmd::Test { name } => test(ctx, name.as_deref()).await,
        ProfileCmd::Remove { name } => remove(ctx, &name).await,
    }
}

#[derive(Serialize)]
struct Entry {
    #[serde(flatten)]
    profile: Profile,
    active: bool,
    /// None when the keyring could not be asked.
    credentials: Option<CredentialStatus>,
}

/// Lists profiles. Names and modes only, no merchant data: no role or lock check.
async fn list(ctx: &mut Ctx) -> CliResult<Exit> {
    let active = ctx.profiles().active()?.id;
    let mut entries = Vec::new();
    for p in ctx.profiles().list()? {
        let store = ctx.credentials().clone();
        let q = p.clone();
        // A missing keyring must not hide the list: the status shows as unknown.
        let credentials = blocking(move || Ok(store.status(&q).ok())).await?;
        entries.push(Entry {
            active: p.id == active,
            profile: p,
            credentials,
        });
    }
    if ctx.out.json {
        ctx.out.json(&entries)?;
        return Ok(Exit::Ok);
    }
    let mut t = Table::new(&["", "id", "name", "mode", "role", "credentials", "address"]);
    for e in &entries {
        let creds = match e.credentials {
            Some(s) if s.is_complete() => "set",
            Some(_) => "not set",
            None => "?",
        };
        t.row(vec![
            if e.active { "*" } else { "" }.into(),
            e.profile.id.clone(),
            e.profile.name.clone(),
            e.profile.mode.as_str().to_uppercase(),
            if e.profile.read_only {
                "read-only"
            } else {
                "full"
            }
            .into(),
            creds.into(),
            if e.profile.is_sandbox() {
                "(--sandbox-url)".into()
            } else {
                e.profile.base_url.clone()
            },
        ]);
    }
    t.print();
    Ok(Exit::Ok)
}

/// The secret, from stdin's first line or a prompt without echo; never an argument.
fn read_secret(from_stdin: bool) -> CliResult<SecretString> {
    let mut raw = if from_stdin {
        let mut l = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut l)
            .map_err(|e| CliError::io("reading imp_secret from stdin", e))?;
        l
    } else if std::io::stdin().is_terminal() {
        rpassword::prompt_password("imp_secret (not shown): ")
            .map_err(|e| CliError::io("reading imp_secret", e))?
    } else {
        return Err(CliError::bad_input(
            ErrorCode::SecretNeeded,
            "no terminal to ask for imp_secret: pipe it with --secret-stdin",
        ));
    };
    let secret = SecretString::from(raw.trim().to_owned());
    raw.zeroize();
    Ok(secret)
}

async fn add(ctx: &mut Ctx, a: ProfileAddArgs) -> CliResult<Exit> {
    // An admin action: behind the app lock whatever profile is chosen; a read-only role
    // also needs a passphrase to exist (the store checks).
    let admin = ctx.admin()?;
    let input = ProfileInput {
        name: a.name.clone(),
        mode: match a.mode {
            ModeArg::Test => Mode::Test,
            ModeArg::Live => Mode::Live,
        },
        base_url: a.base_url.clone(),
        tier: a.tier.clone(),
        default_pg: a.default_pg.clone(),
        time_zone: a.time_zone.clone(),
        read_only: a.read_only,
    };
    // Read the secret before anything is written, so a failed read leaves nothing behind.
    let creds = match &a.imp_key {
        Some(key) => Some(Credentials::new(key.trim(), read_secret(a.secret_stdin)?)),
        None => None,
    };
    let profile = ctx.profiles().add(&input, &admin)?;
    let saved = creds.is_some();
    if let Some(creds) = creds {
        let store = ctx.credentials().clone();
        let p = profile.clone();
        let result = blocking(move || store.save(&p, &creds, &admin).map_err(CliError::from)).await;
        if let Err(e) = result {
            // Nothing half-made: a profile whose secret could not be stored goes again.
            let _ = ctx.profiles().remove(&profile.id, &admin);
            return Err(e);
        }
    }
    if ctx.out.json {
        ctx.out
            .json(&serde_json::json!({ "profile": profile, "credentials_saved": saved }))?;
    } else {
        line(&format!(
            "added profile \"{}\" (id {}, {})",
            profile.name,
            profile.id,
            profile.mode.as_str().to_uppercase()
        ));
        if saved {
            line("credentials saved to the system keyring");
        } else {
            ctx.out
                .note("no credentials saved: add --imp-key KEY (the secret is then asked for)");
        }
    }
    Ok(Exit::Ok)
}

fn use_profile(ctx: &mut Ctx, name: &str) -> CliResult<Exit> {
    let profile = ctx.find_profile(name)?;
    // Opening a live profile is what the lock guards; switching is a read of the target.
    ctx.authorize(&profile, ActionKind::Read)?;
    let profile = ctx.profiles().set_active(&profile.id)?;
    if ctx.out.json {
        ctx.out.json(&profile)?;
    } else {
        line(&format!(
            "active profile: {} ({})",
            profile.name, profile.id
        ));
    }
    Ok(Exit::Ok)
}

async fn test(ctx: &mut Ctx, name: Option<&str>) -> CliResult<Exit> {
    let profile = match name {
        Some(n) => ctx.find_profile(n)?,
        None => ctx.profile()?,
    };
    ctx.authorize(&profile, ActionKind::Read)?;
    // Checked here too, so a missing --sandbox-url reads as the CLI's own advice.
    ctx.base_url(&profile)?;
    let creds = ctx.credentials_of(&profile).await?;
    let report = test_connection(&profile, ctx.sandbox_url(), &creds).await?;
    if ctx.out.json {
        ctx.out.json(&report)?;
        return Ok(Exit::Ok);
    }
    line(&format!(
        "connected to {} as profile \"{}\"",
        report.base_url, profile.name
    ));
    let mut t = Table::new(&["pg", "type", "name", "test", "billing"]);
    for c in &report.channels {
        t.row(vec![
            format!("{}.{}", c.pg_provider, c.pg_id),
            c.kind.clone().unwrap_or_default(),
            c.channel_name.clone().unwrap_or_default(),
            if c.sandbox { "yes" } else { "" }.into(),
            if c.billing { "yes" } else { "" }.into(),
        ]);
    }
    t.print();
    Ok(Exit::Ok)
}

async fn remove(ctx: &mut Ctx, name: &str) -> CliResult<Exit> {
    let target = ctx.find_profile(name)?;
    let admin = ctx.admin()?;
    let removed = ctx.profiles().remove(&target.id, &admin)?;
    let store = ctx.credentials().clone();
    let p = removed.clone();
    blocking(move || store.delete(&p, &admin).map_err(CliError::from)).await?;
    let dir = ctx.paths.data().profile_dir(&removed.id);
    if ctx.out.json {
        ctx.out.json(&serde_json::json!({
            "removed": removed,
            "data_dir_kept": dir.display().to_string(),
        }))?;
    } else {
        line(&format!(
            "removed profile \"{}\" and its keyring entries; its data stays in {}",
            removed.name,
            dir.display()
        ));
    }
    Ok(Exit::Ok)
}
