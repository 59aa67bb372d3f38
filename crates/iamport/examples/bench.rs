//! `make bench`: what the client costs on top of plain HTTP, and how many getToken
//! calls 64 concurrent tasks cause. Figures are printed, never asserted.
//!
//! Run: `cargo run --release -p subdesk-iamport --example bench`

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use subdesk_iamport::{CardData, Client, Config, IssueBillingKey, SecretString};
use subdesk_sandbox::{DEFAULT_IMP_KEY, DEFAULT_IMP_SECRET, Sandbox, SandboxConfig};

const ROUNDS: usize = 15;
const CALLS_PER_ROUND: usize = 300;

type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

#[tokio::main]
async fn main() -> AnyResult<()> {
    let sandbox = Sandbox::start(SandboxConfig::default()).await?;
    let base = sandbox.base_url();
    let config = || -> AnyResult<Config> {
        Ok(Config::new(DEFAULT_IMP_KEY, SecretString::from(DEFAULT_IMP_SECRET)).base_url(&base)?)
    };
    let client = Client::new(config()?)?;
    let card = CardData::new("4242-4242-4242-4242", "2031-12")?
        .birth("900101")?
        .pwd_2digit("12")?;
    client
        .issue_billing_key("bench_cust", &IssueBillingKey::new(card))
        .await?;

    // The raw call: same endpoint, same token, reqwest with the client's timeouts (so
    // that only this crate's own layer is measured), body read as bytes. A second raw
    // client without timeouts shows what the per-request timer itself costs.
    let raw = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        .build()?;
    let untimed = reqwest::Client::new();
    let token: Value = raw
        .post(format!("{base}/users/getToken"))
        .json(&json!({"imp_key": DEFAULT_IMP_KEY, "imp_secret": DEFAULT_IMP_SECRET}))
        .send()
        .await?
        .json()
        .await?;
    let auth = format!(
        "Bearer {}",
        token["response"]["access_token"]
            .as_str()
            .ok_or("no token")?
    );
    let url = format!("{base}/subscribe/customers/bench_cust");

    // Warm the connection pools.
    for _ in 0..50 {
        client.get_billing_key("bench_cust").await?;
        raw.get(&url)
            .header("Authorization", &auth)
            .send()
            .await?
            .bytes()
            .await?;
        untimed
            .get(&url)
            .header("Authorization", &auth)
            .send()
            .await?
            .bytes()
            .await?;
    }

    // Interleaved rounds, rotating which side goes first, so that drift (SQLite cache,
    // CPU frequency, other load on the machine) hits all sides alike.
    let mut us: [Vec<f64>; 3] = Default::default();
    for round in 0..ROUNDS {
        for k in 0..3 {
            let side = (round + k) % 3;
            let t = Instant::now();
            for _ in 0..CALLS_PER_ROUND {
                match side {
                    0 => {
                        let resp = raw.get(&url).header("Authorization", &auth).send().await?;
                        std::hint::black_box(resp.bytes().await?);
                    }
                    1 => {
                        let resp = untimed
                            .get(&url)
                            .header("Authorization", &auth)
                            .send()
                            .await?;
                        std::hint::black_box(resp.bytes().await?);
                    }
                    _ => {
                        std::hint::black_box(client.get_billing_key("bench_cust").await?);
                    }
                }
            }
            us[side].push(per_call_us(t.elapsed()));
        }
    }
    let [raw_us, untimed_us, cached_us] = &mut us;
    let raw_med = median(raw_us);
    let untimed_med = median(untimed_us);
    let cached_med = median(cached_us);
    println!("iamport.raw_call_us {raw_med:.1}");
    println!("iamport.raw_call_without_timeouts_us {untimed_med:.1}");
    println!("iamport.cached_call_us {cached_med:.1}");
    println!(
        "iamport.cached_call_overhead_ratio {:.2} (goal <= 1.10)",
        cached_med / raw_med
    );
    println!(
        "iamport.cached_call_vs_untimed_reqwest_ratio {:.2} (info: includes the per-request timeout timer)",
        cached_med / untimed_med
    );

    // 64 concurrent calls on a cold client share one getToken.
    let ctl = reqwest::Client::new();
    ctl.delete(format!("{base}/__sandbox/requests"))
        .send()
        .await?;
    let cold = Client::new(config()?)?;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..64 {
        let c = cold.clone();
        tasks.spawn(async move { c.get_billing_key("bench_cust").await });
    }
    while let Some(r) = tasks.join_next().await {
        r??;
    }
    let log: Value = ctl
        .get(format!("{base}/__sandbox/requests"))
        .send()
        .await?
        .json()
        .await?;
    let get_tokens = log["response"]
        .as_array()
        .ok_or("request log")?
        .iter()
        .filter(|r| r["path"] == "/users/getToken")
        .count();
    println!("iamport.concurrent_64_get_token_calls {get_tokens} (goal 1)");

    sandbox.shutdown().await;
    Ok(())
}

fn per_call_us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6 / CALLS_PER_ROUND as f64
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}
