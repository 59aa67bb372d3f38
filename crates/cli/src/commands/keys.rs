//! `key issue | delete`. Card data is read from a prompt without echo or from stdin,
//! lives in zeroizing memory for one request, and is never printed or stored.

use std::io::{IsTerminal, Read};
use subdesk_codes::ErrorCode;

use serde::Deserialize;
use subdesk_billing::registry::keys::{CardInput, IssueKeyInput};
use subdesk_profiles::{ActionKind, SecretString};
use zeroize::{Zeroize, Zeroizing};

use crate::args::{KeyCmd, KeyIssueArgs};
use crate::context::Ctx;
use crate::error::{CliError, CliResult, Exit};
use crate::output::{fields, opt};

pub async fn run(ctx: &mut Ctx, cmd: KeyCmd) -> CliResult<Exit> {
    match cmd {
        KeyCmd::Issue(a) => issue(ctx, a).await,
        KeyCmd::Delete { uid, reason } => delete(ctx, &uid, &reason).await,
    }
}

/// The card as it arrives on stdin as JSON. Plain strings only for the moment it takes
/// to move them into `SecretString`s; Debug is not derived so it cannot be printed.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CardJson {
    number: String,
    expiry: String,
    #[serde(default)]
    birth: Option<String>,
    #[serde(default)]
    pwd_2digit: Option<String>,
    #[serde(default)]
    corporate: bool,
}

fn secret(s: &str) -> SecretString {
    SecretString::from(s.trim().to_owned())
}

fn card_from_text(text: &str) -> CliResult<CardInput> {
    let bad = |m: &str| CliError::bad_input(ErrorCode::InvalidCardInput, m.to_owned());
    if text.trim_start().starts_with('{') {
        let mut c: CardJson = serde_json::from_str(text).map_err(|e| {
            // serde's message can quote the input; say only where it failed.
            bad(&format!(
                "the card JSON could not be read (line {}, column {}); expected {{\"number\",\"expiry\",\"birth\",\"pwd_2digit\"}}",
                e.line(),
                e.column()
            ))
        })?;
        let card = CardInput {
            number: secret(&c.number),
            expiry: secret(&c.expiry),
            birth: c.birth.as_deref().map(secret),
            pwd_2digit: c.pwd_2digit.as_deref().map(secret),
            corporate: c.corporate,
        };
        c.number.zeroize();
        c.expiry.zeroize();
        if let Some(b) = c.birth.as_mut() {
            b.zeroize();
        }
        if let Some(p) = c.pwd_2digit.as_mut() {
            p.zeroize();
        }
        return Ok(card);
    }
    let (mut number, mut expiry, mut birth, mut pwd, mut corporate) =
        (None, None, None, None, false);
    for l in text.lines() {
        let l = l.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let Some((k, v)) = l.split_once('=') else {
            return Err(bad(
                "each card line is key=value (number, expiry, birth, pwd_2digit)",
            ));
        };
        match k.trim().to_ascii_lowercase().as_str() {
            "number" | "card_number" => number = Some(secret(v)),
            "expiry" => expiry = Some(secret(v)),
            "birth" => birth = Some(secret(v)),
            "pwd_2digit" | "pwd" => pwd = Some(secret(v)),
            "corporate" => corporate = matches!(v.trim(), "1" | "true" | "yes"),
            other => return Err(bad(&format!("unknown card field \"{other}\""))),
        }
    }
    Ok(CardInput {
        number: number.ok_or_else(|| bad("the card has no number"))?,
        expiry: expiry.ok_or_else(|| bad("the card has no expiry (YYYY-MM)"))?,
        birth,
        pwd_2digit: pwd,
        corporate,
    })
}

fn prompt(label: &str) -> CliResult<SecretString> {
    let mut v =
        rpassword::prompt_password(label).map_err(|e| CliError::io("reading the card", e))?;
    let s = secret(&v);
    v.zeroize();
    Ok(s)
}

fn read_card(from_stdin: bool) -> CliResult<CardInput> {
    if from_stdin {
        let mut text = Zeroizing::new(String::new());
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| CliError::io("reading the card from stdin", e))?;
        return card_from_text(&text);
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::bad_input(
            ErrorCode::CardNeeded,
            "no terminal to ask for the card: pipe it with --card-stdin",
        ));
    }
    eprintln!("card data is not shown while you type");
    let number = prompt("card number: ")?;
    let expiry = prompt("expiry (YYYY-MM): ")?;
    let birth = prompt("birth date YYMMDD (or business number): ")?;
    let pwd = prompt("first 2 digits of the card password: ")?;
    let corporate = {
        use secrecy::ExposeSecret;
        birth
            .expose_secret()
            .chars()
            .filter(char::is_ascii_digit)
            .count()
            == 10
    };
    Ok(CardInput {
        number,
        expiry,
        birth: Some(birth),
        pwd_2digit: Some(pwd),
        corporate,
    })
}

async fn issue(ctx: &mut Ctx, a: KeyIssueArgs) -> CliResult<Exit> {
    let s = ctx.session(ActionKind::Mutate)?;
    let card = tokio::task::block_in_place(|| read_card(a.card_stdin))?;
    let input = IssueKeyInput {
        customer_uid: a.uid.clone(),
        pg: a.pg.clone(),
        card,
        customer_name: a.customer_name.clone(),
        customer_tel: a.customer_tel.clone(),
        customer_email: a.customer_email.clone(),
        customer_id: a.customer_id.clone(),
        product_type: a.product_type.map(Into::into),
        channel_key: a.channel_key.clone(),
        replace: a.replace,
    };
    // Every problem at once, before anything is sent.
    subdesk_desk::keys::check_issue(&input, None)?;
    ctx.client(&s).await?;
    // The app's own desk function: the channel's key from GET /users/pg goes with `pg`.
    let customer = subdesk_desk::keys::issue_key(&s, input).await?;
    if ctx.out.json {
        ctx.out.json(&customer)?;
    } else {
        fields(&[
            ("issued", customer.customer_uid.clone()),
            (
                "card",
                format!(
                    "{} {}",
                    opt(&customer.card_name),
                    opt(&customer.card_number)
                )
                .trim()
                .to_owned(),
            ),
            ("pg", opt(&customer.pg_provider)),
        ]);
    }
    Ok(Exit::Ok)
}

async fn delete(ctx: &mut Ctx, uid: &str, reason: &str) -> CliResult<Exit> {
    let s = ctx.session(ActionKind::Mutate)?;
    // The reason rules are the core's; checked before anything is revoked or sent.
    ctx.client(&s).await?;
    let done = subdesk_desk::schedules::delete_key(&s, uid, reason).await?;
    if ctx.out.json {
        ctx.out.json(&done)?;
    } else {
        fields(&[
            ("deleted", done.customer.customer_uid.clone()),
            ("schedules revoked first", done.revoked.len().to_string()),
        ]);
    }
    Ok(Exit::Ok)
}
