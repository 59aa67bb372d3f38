//! `sandbox`: runs in the foreground and prints where it listens; other commands use it.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::common::Env;

#[test]
fn the_sandbox_command_prints_its_address_and_serves_the_sandbox_profile() {
    let env = Env::new();
    let mut child = Command::new(env!("CARGO_BIN_EXE_subdesk-cli"))
        .args(["--json", "sandbox", "--memory"])
        .env("SUBDESK_DATA_DIR", env.data_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn sandbox");
    let mut first = String::new();
    if let Some(out) = child.stdout.take() {
        let _ = BufReader::new(out).read_line(&mut first);
    }
    let v: serde_json::Value = serde_json::from_str(&first).unwrap_or_default();
    let url = v["base_url"].as_str().unwrap_or_default().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "first line: {first}");
    assert_eq!(v["imp_key"], subdesk_sandbox::DEFAULT_IMP_KEY);
    assert_eq!(v["imp_secret"], subdesk_sandbox::DEFAULT_IMP_SECRET);

    let out = env.cli(&["--json", "--sandbox-url", &url, "profile", "test"]);
    let _ = child.kill();
    let _ = child.wait();
    out.expect(0);
    assert_eq!(out.json()["base_url"], url.as_str());
    assert!(
        env.requests().is_empty(),
        "the test's own sandbox was not the one used"
    );
}

#[test]
fn the_sandbox_command_adds_its_latency_to_every_answer() {
    let env = Env::new();
    let latency = std::time::Duration::from_millis(300);
    let mut child = Command::new(env!("CARGO_BIN_EXE_subdesk-cli"))
        .args(["--json", "sandbox", "--memory", "--latency", "300ms"])
        .env("SUBDESK_DATA_DIR", env.data_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn sandbox");
    let mut first = String::new();
    if let Some(out) = child.stdout.take() {
        let _ = BufReader::new(out).read_line(&mut first);
    }
    let v: serde_json::Value = serde_json::from_str(&first).unwrap_or_default();
    let url = v["base_url"].as_str().unwrap_or_default().to_owned();
    // `profile test` asks the sandbox at least once, so it cannot finish sooner; only
    // this lower bound (our own sleep) is asserted.
    let started = std::time::Instant::now();
    let out = env.cli(&["--json", "--sandbox-url", &url, "profile", "test"]);
    let took = started.elapsed();
    let _ = child.kill();
    let _ = child.wait();
    out.expect(0);
    assert!(took >= latency, "answered in {took:?}");

    let bad = env.cli(&["sandbox", "--memory", "--latency", "fast"]);
    assert_ne!(bad.code, 0);
    assert!(bad.stderr.contains("--latency"), "{}", bad.stderr);
}
