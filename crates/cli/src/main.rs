//! subdesk-cli: Subdesk's core from a terminal, for scripts and schedulers. It opens the
//! same profiles, databases and keyring entries as the desktop app, so both can be used
//! side by side on one machine.

mod args;
mod cardguard;
mod commands;
mod confirm;
mod context;
mod error;
mod output;
mod paths;
mod progress;

use std::io::Write;
use std::process::ExitCode;
use subdesk_codes::ErrorCode;

use clap::Parser;

use crate::args::Cli;
use crate::error::{CliError, Exit};

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    // Known before parsing, so that even a usage error comes out as JSON for a script.
    let json = argv.iter().skip(1).any(|a| a == "--json");
    if let Err(e) = cardguard::check(&argv) {
        return fail(&e, json);
    }
    let cli = match Cli::try_parse_from(&argv) {
        Ok(cli) => cli,
        Err(e) => {
            if json && e.use_stderr() {
                let kind =
                    CliError::bad_input(ErrorCode::Usage, e.render().to_string().trim().to_owned());
                return fail(&kind, true);
            }
            let _ = e.print();
            // clap's own codes: 0 for --help/--version, 2 for usage errors (our "bad input").
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(&CliError::io("cannot start the async runtime", e), json),
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(exit) => ExitCode::from(exit.code()),
        Err(e) => fail(&e, json),
    }
}

/// Errors go to stderr: `{code, message}` with `--json`, one line for people otherwise.
fn fail(e: &CliError, json: bool) -> ExitCode {
    let mut err = std::io::stderr().lock();
    if json {
        let mut v = serde_json::json!({ "code": e.code, "message": e.message });
        if let (Some(d), Some(o)) = (&e.details, v.as_object_mut()) {
            o.insert("details".into(), d.clone());
        }
        let _ = writeln!(err, "{v}");
    } else {
        let _ = writeln!(err, "error: {}", e.message);
    }
    debug_assert!(e.exit != Exit::Ok);
    ExitCode::from(e.exit.code())
}
