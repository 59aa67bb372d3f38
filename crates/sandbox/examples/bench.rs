//! `make bench`: figures for the sandbox, printed, never asserted.
//!
//! - `sandbox.get_per_sec`: authenticated `GET /payments/{imp_uid}` over keep-alive
//!   loopback connections, server on a one-worker runtime (one core).
//! - `sandbox.seed_1m_secs`: seeding 1,000,000 payments (in memory).
//! - `sandbox.status_query_ms`: a 90-day `GET /payments/status/paid` page at 1M rows.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use subdesk_sandbox::{DEFAULT_IMP_KEY, DEFAULT_IMP_SECRET, Sandbox};

const REQUESTS: usize = 40_000;
const CONNECTIONS: usize = 8;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The server gets its own single-worker runtime: the goal is per core.
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let sb = server_rt.block_on(Sandbox::start(Default::default()))?;
    let base = sb.base_url();
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    client_rt.block_on(async move {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(CONNECTIONS)
            .timeout(Duration::from_secs(600))
            .build()?;
        let tok: Value = http
            .post(format!("{base}/users/getToken"))
            .json(&json!({"imp_key": DEFAULT_IMP_KEY, "imp_secret": DEFAULT_IMP_SECRET}))
            .send()
            .await?
            .json()
            .await?;
        let token = tok["response"]["access_token"].as_str().unwrap_or_default().to_string();
        let auth = format!("Bearer {token}");
        http.post(format!("{base}/subscribe/customers/bench"))
            .header("Authorization", &auth)
            .json(&json!({"card_number": "4242-4242-4242-4242", "expiry": "2099-12", "birth": "900101", "pwd_2digit": "12"}))
            .send()
            .await?;
        let p: Value = http
            .post(format!("{base}/subscribe/payments/again"))
            .header("Authorization", &auth)
            .json(&json!({"customer_uid": "bench", "merchant_uid": "bench-1", "amount": 1000, "name": "bench"}))
            .send()
            .await?
            .json()
            .await?;
        let imp = p["response"]["imp_uid"].as_str().unwrap_or_default().to_string();
        let url = format!("{base}/payments/{imp}");

        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..CONNECTIONS {
            let (http, url, auth) = (http.clone(), url.clone(), auth.clone());
            tasks.push(tokio::spawn(async move {
                let mut ok = 0usize;
                for _ in 0..REQUESTS / CONNECTIONS {
                    if let Ok(r) = http.get(&url).header("Authorization", &auth).send().await
                        && r.status().is_success()
                        && r.bytes().await.is_ok()
                    {
                        ok += 1;
                    }
                }
                ok
            }));
        }
        let mut ok = 0;
        for t in tasks {
            ok += t.await.unwrap_or(0);
        }
        let secs = started.elapsed().as_secs_f64();
        println!("sandbox.get_per_sec {:.1} (goal >= 5000; {ok}/{REQUESTS} ok, {CONNECTIONS} keep-alive connections)", ok as f64 / secs);

        let started = Instant::now();
        let r: Value = http
            .post(format!("{base}/__sandbox/seed"))
            .json(&json!({"seed": 1, "customers": 10_000, "payments": 1_000_000}))
            .send()
            .await?
            .json()
            .await?;
        let secs = started.elapsed().as_secs_f64();
        println!("sandbox.seed_1m_secs {secs:.2} (goal < 60; {} payments)", r["response"]["payments"]);

        for status in ["paid", "all"] {
            let started = Instant::now();
            let v: Value = http
                .get(format!("{base}/payments/status/{status}?limit=100"))
                .header("Authorization", &auth)
                .send()
                .await?
                .json()
                .await?;
            println!(
                "sandbox.status_query_ms.{status} {:.1} (90-day window, total {})",
                started.elapsed().as_secs_f64() * 1000.0,
                v["response"]["total"]
            );
        }
        Ok::<(), Box<dyn std::error::Error>>(())
    })?;
    server_rt.block_on(sb.shutdown());
    Ok(())
}
