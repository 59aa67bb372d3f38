//! A sandbox per test, the CLI as a child process, and the sandbox's request log.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::Value;
use subdesk_sandbox::{Sandbox, SandboxConfig};

pub const APPROVE: &str = "4242-4242-4242-4242";
pub const DECLINE_FUNDS: &str = "9410-0000-0000-0013";
pub const FAIL_ISSUE: &str = "9410-0000-0000-0054";
pub const FUNDS_REASON: &str = "[3011] 잔액부족 - 결제 가능 잔액이 부족합니다.";

pub struct Env {
    pub rt: tokio::runtime::Runtime,
    /// Kept alive for the test; dropping it stops the server.
    _sb: Sandbox,
    pub dir: tempfile::TempDir,
    pub url: String,
    /// A keyring service of this test's own, so tests never touch "subdesk" entries.
    pub keyring_service: String,
}

pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr: {}",
                self.stdout, self.stderr
            )
        })
    }

    pub fn err_json(&self) -> Value {
        serde_json::from_str(self.stderr.trim())
            .unwrap_or_else(|e| panic!("stderr is not JSON ({e}):\n{}", self.stderr))
    }

    #[track_caller]
    pub fn expect(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

static SEQ: AtomicU32 = AtomicU32::new(0);

impl Env {
    pub fn new() -> Env {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        // The sandbox keeps running on the runtime's workers between block_on calls.
        let sb = rt
            .block_on(Sandbox::start(SandboxConfig::default()))
            .expect("sandbox");
        let url = sb.base_url();
        Env {
            rt,
            _sb: sb,
            dir: tempfile::tempdir().expect("tempdir"),
            url,
            keyring_service: format!(
                "subdesk-cli-test-{}-{}",
                std::process::id(),
                SEQ.fetch_add(1, Ordering::SeqCst)
            ),
        }
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    fn command(&self, dir: &Path, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_subdesk-cli"));
        c.args(args)
            .env_remove("SUBDESK_PROFILE")
            .env("SUBDESK_DATA_DIR", dir)
            .env("SUBDESK_SANDBOX_URL", &self.url)
            .env("SUBDESK_KEYRING_SERVICE", &self.keyring_service)
            // A password from the shell running the tests must not stand in for the
            // keyring's.
            .env_remove("PGPASSWORD")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }

    /// Starts the CLI and leaves it running (to kill it half-way, as a crash would).
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        self.command(self.dir.path(), args)
            .stdin(Stdio::null())
            .spawn()
            .expect("spawn subdesk-cli")
    }

    /// Paid payments the sandbox holds for a customer, whatever their order ids: where
    /// a double charge shows (one order id can only be paid once there).
    pub fn paid_for(&self, customer_uid: &str) -> usize {
        let config = subdesk_iamport::Config::new(
            subdesk_sandbox::DEFAULT_IMP_KEY,
            subdesk_iamport::SecretString::from(subdesk_sandbox::DEFAULT_IMP_SECRET.to_owned()),
        )
        .base_url(&self.url)
        .expect("config");
        let client = subdesk_iamport::Client::new(config).expect("client");
        self.rt.block_on(async {
            match client.billing_key_payments(customer_uid, None).await {
                Ok(p) => p
                    .list
                    .iter()
                    .filter(|x| x.paid_at.is_some_and(|t| t > 0))
                    .count(),
                Err(subdesk_iamport::Error::NotFound { .. }) => 0,
                Err(e) => panic!("payments of {customer_uid}: {e}"),
            }
        })
    }

    /// Runs the CLI with no stdin (like cron: not a terminal).
    pub fn cli(&self, args: &[&str]) -> Out {
        self.cli_in(args, "")
    }

    /// Runs the CLI with `input` on stdin.
    pub fn cli_in(&self, args: &[&str], input: &str) -> Out {
        self.run(self.dir.path(), args, input)
    }

    /// Runs the CLI on another data folder against the same sandbox (a second machine).
    pub fn cli_at(&self, dir: &Path, args: &[&str]) -> Out {
        self.run(dir, args, "")
    }

    /// Runs the CLI with these variables set too (a password in PGPASSWORD).
    pub fn cli_with(&self, args: &[&str], vars: &[(&str, &str)]) -> Out {
        self.run_with(self.dir.path(), args, "", vars)
    }

    fn run(&self, dir: &Path, args: &[&str], input: &str) -> Out {
        self.run_with(dir, args, input, &[])
    }

    fn run_with(&self, dir: &Path, args: &[&str], input: &str, vars: &[(&str, &str)]) -> Out {
        let mut child = self
            .command(dir, args)
            .envs(vars.iter().copied())
            .stdin(Stdio::piped())
            .spawn()
            .expect("spawn subdesk-cli");
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(input.as_bytes());
        }
        let out = child.wait_with_output().expect("wait");
        Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    async fn get(&self, path: &str) -> Value {
        let v: Value = reqwest::get(format!("{}{path}", self.url))
            .await
            .expect("control")
            .json()
            .await
            .expect("control json");
        v.get("response").cloned().unwrap_or(v)
    }

    /// The sandbox's request log as (method, path, body).
    pub fn requests(&self) -> Vec<(String, String, String)> {
        let v = self.rt.block_on(self.get("/__sandbox/requests"));
        v.as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|r| {
                (
                    r["method"].as_str().unwrap_or("").to_owned(),
                    r["path"].as_str().unwrap_or("").to_owned(),
                    r["body"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect()
    }

    /// Requests whose path starts with `prefix` (and method, if given).
    pub fn sent(&self, method: &str, prefix: &str) -> usize {
        self.requests()
            .iter()
            .filter(|(m, p, _)| m == method && p.starts_with(prefix))
            .count()
    }

    pub fn clear_requests(&self) {
        self.rt.block_on(async {
            reqwest::Client::new()
                .delete(format!("{}/__sandbox/requests", self.url))
                .send()
                .await
                .expect("clear")
        });
    }

    pub fn fault(&self, rule: Value) {
        self.rt.block_on(async {
            let r = reqwest::Client::new()
                .post(format!("{}/__sandbox/faults", self.url))
                .json(&rule)
                .send()
                .await
                .expect("fault");
            assert!(r.status().is_success());
        });
    }

    pub fn clear_faults(&self) {
        self.rt.block_on(async {
            reqwest::Client::new()
                .delete(format!("{}/__sandbox/faults", self.url))
                .send()
                .await
                .expect("clear faults")
        });
    }

    /// Issues a key through the CLI (card on stdin) on the chosen profile.
    pub fn issue(&self, uid: &str, card: &str, name: &str, extra: &[&str]) {
        let input = format!("number={card}\nexpiry=2031-12\nbirth=900101\npwd_2digit=12\n");
        let mut args = vec![
            "key",
            "issue",
            uid,
            "--pg",
            "nice",
            "--customer-name",
            name,
            "--card-stdin",
        ];
        args.extend_from_slice(extra);
        self.cli_in(&args, &input).expect(0);
    }

    /// Charges through the CLI and returns the imp_uid.
    pub fn charge(&self, uid: &str, amount: i64) -> String {
        let out = self.cli(&[
            "--json",
            "charge",
            uid,
            "--amount",
            &amount.to_string(),
            "--name",
            "테스트 결제",
        ]);
        out.expect(0);
        out.json()["imp_uid"].as_str().expect("imp_uid").to_owned()
    }

    /// A profile's database, opened directly (for seeding what the test needs).
    pub fn store(&self, profile_id: &str) -> subdesk_billing::Store {
        let dir = self.data_dir().join("profiles").join(profile_id);
        std::fs::create_dir_all(&dir).expect("dir");
        subdesk_billing::Store::open(dir.join("subdesk.db")).expect("store")
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        // Leave no keyring entries behind (best effort; only test profiles have any).
        if let Ok(store) = subdesk_profiles::ProfileStore::open(self.dir.path()) {
            let creds = subdesk_profiles::CredentialStore::with_service(&self.keyring_service);
            for p in store.list().unwrap_or_default() {
                if !p.is_sandbox() {
                    let _ = creds.delete(&p, &subdesk_profiles::Admin::without_lock());
                }
            }
        }
    }
}
