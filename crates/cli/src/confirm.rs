//! The live-mode confirmation: before money moves on a LIVE profile, the CLI restates
//! amount, customer(s) and total, and asks on a terminal. Without a terminal (cron, CI)
//! only `--yes-live` lets it through; otherwise it refuses and sends nothing.

use std::io::{BufRead, IsTerminal, Write};
use subdesk_codes::ErrorCode;

use subdesk_profiles::{Mode, Profile};

use crate::error::{CliError, CliResult};
use crate::output::won;

/// What the user must type to go on.
pub enum Ask {
    /// `yes`.
    Yes,
    /// The total, digits only (a bulk run: a typo in a count is easy to wave through, a
    /// retyped total is not).
    Total(i64),
}

/// `json`: stderr carries only the JSON error for scripts, so the restatement is
/// printed only for people, or when a prompt needs it.
pub fn live_money(
    profile: &Profile,
    yes_live: bool,
    json: bool,
    summary: &str,
    ask: Ask,
) -> CliResult<()> {
    if profile.mode != Mode::Live {
        return Ok(());
    }
    let prompting = !yes_live && std::io::stdin().is_terminal();
    let mut err = std::io::stderr().lock();
    if !json || prompting {
        let _ = writeln!(err, "LIVE profile \"{}\": real money moves.", profile.name);
        let _ = writeln!(err, "{summary}");
    }
    if yes_live {
        if !json {
            let _ = writeln!(err, "confirmed by --yes-live");
        }
        return Ok(());
    }
    if !prompting {
        return Err(CliError::refused(
            ErrorCode::LiveConfirmationRequired,
            "this moves real money on a LIVE profile and there is no terminal to confirm on; \
             pass --yes-live to confirm in a script. Nothing was sent",
        )
        .with_details(serde_json::json!({ "profile_id": profile.id, "summary": summary })));
    }
    let expected = match ask {
        Ask::Yes => {
            let _ = write!(err, "Type yes to continue: ");
            "yes".to_owned()
        }
        Ask::Total(total) => {
            let _ = write!(err, "Type the total ({}) to continue: ", won(total));
            total.to_string()
        }
    };
    let _ = err.flush();
    drop(err);
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| CliError::io("reading the confirmation", e))?;
    // "₩12,000", "12,000" and "12000" all mean the same total.
    let typed: String = match expected.parse::<i64>() {
        Ok(_) => answer.chars().filter(char::is_ascii_digit).collect(),
        Err(_) => answer.trim().to_lowercase(),
    };
    if typed == expected {
        Ok(())
    } else {
        Err(CliError::refused(
            ErrorCode::NotConfirmed,
            "not confirmed; nothing was sent",
        ))
    }
}
