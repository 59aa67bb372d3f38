//! `sandbox`: the embedded practice server in the foreground until Ctrl-C. Its first
//! stdout line is the address, so a script can start it and read where it listens.

use std::io::Write;
use subdesk_codes::ErrorCode;

use subdesk_sandbox::{DEFAULT_IMP_KEY, DEFAULT_IMP_SECRET, Sandbox, SandboxConfig, TEST_CARDS};

use crate::args::{Global, SandboxArgs};
use crate::error::{CliError, CliResult, Exit};
use crate::paths::Paths;

pub async fn run(global: &Global, a: &SandboxArgs) -> CliResult<Exit> {
    let db_path = if a.memory {
        None
    } else {
        // The app's sandbox database: what was practised in one shows in the other.
        let db = Paths::resolve()?.sandbox_db();
        if let Some(dir) = db.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| CliError::io(&format!("cannot create {}", dir.display()), e))?;
        }
        Some(db)
    };
    let config = SandboxConfig {
        listen: a.listen,
        db_path,
        latency: a.latency,
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start(config).await.map_err(|e| {
        CliError::other(
            ErrorCode::SandboxFailed,
            format!("the sandbox did not start: {e}"),
        )
    })?;
    let url = sandbox.base_url();
    {
        let mut out = std::io::stdout().lock();
        if global.json {
            let v = serde_json::json!({
                "base_url": url,
                "imp_key": DEFAULT_IMP_KEY,
                "imp_secret": DEFAULT_IMP_SECRET,
            });
            let _ = writeln!(out, "{v}");
        } else {
            let _ = writeln!(out, "sandbox listening on {url}");
            let _ = writeln!(out, "imp_key     {DEFAULT_IMP_KEY}");
            // Public test values, the same for every sandbox: printing them is the point.
            let _ = writeln!(out, "imp_secret  {DEFAULT_IMP_SECRET}");
            let _ = writeln!(out, "use it:     export SUBDESK_SANDBOX_URL={url}");
            let _ = writeln!(out, "test cards:");
            for c in TEST_CARDS {
                let _ = writeln!(out, "  {}  {}", c.number, c.description_ko);
            }
            let _ = writeln!(out, "Ctrl-C stops it.");
        }
        let _ = out.flush();
    }
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| CliError::io("waiting for Ctrl-C", e))?;
    sandbox.shutdown().await;
    Ok(Exit::Ok)
}
