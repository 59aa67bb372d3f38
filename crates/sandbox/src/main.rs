//! `subdesk-sandbox --listen 127.0.0.1:PORT [--db PATH] [--imp-key K --imp-secret S] [--latency 80ms]`
//!
//! Prints `listening on http://127.0.0.1:PORT` as the first line of stdout, so a
//! parent process can read the port when it asked for port 0.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use subdesk_sandbox::{DEFAULT_IMP_KEY, DEFAULT_IMP_SECRET, Sandbox, SandboxConfig, parse_latency};

#[derive(Debug, Parser)]
#[command(
    name = "subdesk-sandbox",
    about = "i'mport-compatible sandbox server on loopback"
)]
struct Args {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// SQLite file to keep state across restarts (in memory when absent).
    #[arg(long)]
    db: Option<PathBuf>,
    #[arg(long, default_value = DEFAULT_IMP_KEY)]
    imp_key: String,
    #[arg(long, default_value = DEFAULT_IMP_SECRET)]
    imp_secret: String,
    /// Allow listening on a non-loopback address (control endpoints stay loopback-only).
    #[arg(long)]
    allow_non_loopback: bool,
    /// Wait this long before every API answer, to imitate the network (e.g. 80ms).
    #[arg(long, value_parser = parse_latency, default_value = "0")]
    latency: std::time::Duration,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // Logs go to stderr so stdout's first line stays the address.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let args = Args::parse();
    let config = SandboxConfig {
        listen: args.listen,
        db_path: args.db,
        imp_key: args.imp_key,
        imp_secret: args.imp_secret,
        allow_non_loopback: args.allow_non_loopback,
        latency: args.latency,
        ..Default::default()
    };
    let sandbox = match Sandbox::start(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("subdesk-sandbox: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "listening on {}", sandbox.base_url());
    let _ = out.flush();
    drop(out);
    let _ = tokio::signal::ctrl_c().await;
    sandbox.shutdown().await;
    std::process::ExitCode::SUCCESS
}
