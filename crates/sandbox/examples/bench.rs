//! `make bench`: figures for the sandbox, printed, never asserted.
//!
//! - `sandbox.get_per_sec`: authenticated `GET /payments/{imp_uid}` over keep-alive
//!   loopback connections, server on a one-worker runtime (one core).
//! - `sandbox.seed_1m_secs`: seeding 1,000,000 payments (in memory).
//! - `sandbox.status_page_ms.*`: pages of 1,000 of `GET /payments/status/{status}` over
//!   the last 90 days at 1M rows (first, middle and last page; the sync pages `all` and
//!   `cancelled` oldest first), then the slowest of them against the goal.
//! - `sandbox.schedule_page_ms.*`: pages of 1,000 of `GET /subscribe/payments/schedule`
//!   over three months of schedules.
//!
//! Page times are the median of three requests, from sending to the last byte received
//! (the client's JSON parsing is not counted: it is the client's cost, not the sandbox's).

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use subdesk_sandbox::{DEFAULT_IMP_KEY, DEFAULT_IMP_SECRET, Sandbox};

const REQUESTS: usize = 40_000;
const CONNECTIONS: usize = 8;
/// Page size of the list benchmarks: the largest the API allows, what the sync asks for.
const PAGE: i64 = 1000;
/// A page of 1,000 at 1,000,000 rows within this keeps the app's sync benchmark
/// measuring Subdesk rather than the sandbox.
const GOAL_MS: f64 = 30.0;
const SCHEDULES: i64 = 100_000;

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

        let clock: Value = http.get(format!("{base}/__sandbox/clock")).send().await?.json().await?;
        let now = clock["response"]["now"].as_i64().unwrap_or_default();
        let (from, to) = (now - 90 * 86_400, now);
        let mut slowest = (0.0f64, String::new());
        let cases: &[(&str, &str, &[&str])] = &[
            ("all", "started", &["first", "middle", "last"]),
            ("cancelled", "started", &["first", "middle", "last"]),
            ("all", "-started", &["middle"]),
            ("paid", "-updated", &["middle"]),
            ("all", "paid", &["middle"]),
        ];
        for (status, sorting, which) in cases {
            let url = |page: i64| {
                format!("{base}/payments/status/{status}?from={from}&to={to}&limit={PAGE}&sorting={sorting}&page={page}")
            };
            let (_, first) = timed_get(&http, &url(1), &auth).await?;
            let total = first["response"]["total"].as_i64().unwrap_or_default();
            let last = ((total + PAGE - 1) / PAGE).max(1);
            for w in *which {
                let page = match *w {
                    "first" => 1,
                    "middle" => (last + 1) / 2,
                    _ => last,
                };
                let ms = median_ms(&http, &url(page), &auth).await?;
                let name = format!("{status}.{sorting}.{w}");
                println!("sandbox.status_page_ms.{name} {ms:.1} (page {page}/{last}, total {total})");
                if ms > slowest.0 {
                    slowest = (ms, name);
                }
            }
        }
        println!(
            "sandbox.status_page_ms {:.1} (goal <= {GOAL_MS:.0}; slowest page above: {}; {:.2} of the goal)",
            slowest.0,
            slowest.1,
            slowest.0 / GOAL_MS
        );

        // Three months of schedules on the seeded keys, 1,000 per request.
        let start = std::time::Instant::now();
        let per_day = SCHEDULES / 90;
        for batch in 0..SCHEDULES / 1000 {
            let schedules: Vec<Value> = (0..1000)
                .map(|i| {
                    let n = batch * 1000 + i;
                    json!({"merchant_uid": format!("bench-sched-{n:07}"), "schedule_at": now + 3_600 + (n / per_day) * 86_400 + n % 86_400, "amount": 9_900, "name": "bench"})
                })
                .collect();
            http.post(format!("{base}/subscribe/payments/schedule"))
                .header("Authorization", &auth)
                .json(&json!({"customer_uid": format!("seed1_cust_{:06}", batch % 10_000), "schedules": schedules}))
                .send()
                .await?
                .error_for_status()?;
        }
        println!("sandbox.schedule_create_secs {:.2} ({SCHEDULES} schedules)", start.elapsed().as_secs_f64());
        let (sfrom, sto) = (now, now + 90 * 86_400);
        let url = |page: i64| {
            format!("{base}/subscribe/payments/schedule?schedule_from={sfrom}&schedule_to={sto}&limit={PAGE}&sorting=scheduled&page={page}")
        };
        let (_, first) = timed_get(&http, &url(1), &auth).await?;
        let total = first["response"]["total"].as_i64().unwrap_or_default();
        let last = ((total + PAGE - 1) / PAGE).max(1);
        for (w, page) in [("first", 1), ("middle", (last + 1) / 2), ("last", last)] {
            let ms = median_ms(&http, &url(page), &auth).await?;
            println!("sandbox.schedule_page_ms.{w} {ms:.1} (goal <= {GOAL_MS:.0}; page {page}/{last}, total {total}; {:.2} of the goal)", ms / GOAL_MS);
        }
        Ok::<(), Box<dyn std::error::Error>>(())
    })?;
    server_rt.block_on(sb.shutdown());
    Ok(())
}

/// One GET: its time to the last byte, and the body parsed afterwards.
async fn timed_get(
    http: &reqwest::Client,
    url: &str,
    auth: &str,
) -> Result<(f64, Value), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let bytes = http
        .get(url)
        .header("Authorization", auth)
        .send()
        .await?
        .error_for_status()?
        .bytes()
        .await?;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    Ok((ms, serde_json::from_slice(&bytes)?))
}

/// The median of three runs of one GET, in milliseconds.
async fn median_ms(
    http: &reqwest::Client,
    url: &str,
    auth: &str,
) -> Result<f64, Box<dyn std::error::Error>> {
    let mut runs = Vec::new();
    for _ in 0..3 {
        runs.push(timed_get(http, url, auth).await?.0);
    }
    runs.sort_by(f64::total_cmp);
    Ok(runs[1])
}
