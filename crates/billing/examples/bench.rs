//! `make bench`: search, list, sync and size figures for subdesk-billing, on data
//! seeded by the sandbox. Sizes are flags:
//!   cargo run --release -p subdesk-billing --example bench -- --customers 100000 --payments 1000000
//! Prints figures and ratios; asserts nothing.

use std::time::{Duration, Instant};
use subdesk_codes::ErrorCode;

use secrecy::SecretString;
use subdesk_billing::mirror::sync::{
    self, CancelToken, PaymentSyncOptions, SyncProgress, VerifyScope,
};
use subdesk_billing::{ImportChoice, ImportFormat, PaymentQuery, PaymentStatus, Store, now};
use subdesk_iamport::{Client, Config, PaymentListQuery, PaymentsByStatusQuery, Sorting};
use subdesk_sandbox::{DEFAULT_IMP_KEY, DEFAULT_IMP_SECRET, Sandbox, SandboxConfig};

const DAY: i64 = 86_400;

fn flag(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn flag_str(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn p95(mut v: Vec<Duration>) -> f64 {
    v.sort();
    let i = ((v.len() as f64) * 0.95).ceil() as usize;
    v[i.saturating_sub(1).min(v.len() - 1)].as_secs_f64() * 1000.0
}

fn quiet(_: &SyncProgress) {}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Money movement: a bulk run against the sandbox with injected latency.
    // `--bulk 0` skips it; `--bulk-only` skips everything else.
    // Exactly once under faults: `--soak 0` skips it; `--soak-only` skips the rest.
    // The schedules list's totals and a calendar month's spans over a large mirror.
    // `--schedules 0` skips it; `--schedules-only` skips the rest.
    let schedules = flag("--schedules", 200_000);
    if schedules > 0 {
        schedules_bench(schedules as usize)?;
    }
    if std::env::args().any(|a| a == "--schedules-only") {
        return Ok(());
    }
    let soak = flag("--soak", 1_000);
    if soak > 0 {
        soak_bench(soak as usize, flag("--kills", 5) as usize).await?;
    }
    if std::env::args().any(|a| a == "--soak-only") {
        return Ok(());
    }
    // The plan engine: one period registered for `--plans` subscriptions.
    // `--plans 0` skips it; `--plans-only` skips the rest.
    let plans = flag("--plans", 10_000);
    if plans > 0 {
        plans_bench(plans as usize, flag("--plans-latency-ms", 2)).await?;
    }
    if std::env::args().any(|a| a == "--plans-only") {
        return Ok(());
    }
    let bulk = flag("--bulk", 10_000);
    if bulk > 0 {
        bulk_bench(bulk as usize).await?;
    }
    if std::env::args().any(|a| a == "--bulk-only") {
        return Ok(());
    }
    let customers = flag("--customers", 100_000);
    let payments = flag("--payments", 1_000_000);
    let queries = flag("--queries", 200) as usize;
    let dir = tempfile::tempdir()?;
    // `--keep-store PATH`: keep the synced store there, and when it already exists
    // skip seeding and syncing and measure only the queries (for tuning them).
    let kept = flag_str("--keep-store").map(std::path::PathBuf::from);
    let store_path = kept
        .clone()
        .unwrap_or_else(|| dir.path().join("profile.sqlite3"));
    if kept.is_some() && store_path.exists() {
        println!("billing.bench reusing {}", store_path.display());
        let store = Store::open(&store_path)?;
        query_bench(&store, queries)?;
        return shared_copy_bench(&store);
    }
    println!("billing.bench customers={customers} payments={payments} (sandbox seed, loopback)");

    // The network to i'mport, imitated: every API answer waits this long (the seed
    // below is a control request and does not). `--sync-latency-ms 0` for loopback.
    let latency_ms = flag("--sync-latency-ms", 80);
    let sb = Sandbox::start(SandboxConfig {
        db_path: Some(dir.path().join("sandbox.sqlite3")),
        latency: Duration::from_millis(latency_ms),
        ..SandboxConfig::default()
    })
    .await?;
    let t = Instant::now();
    let res = reqwest::Client::new()
        .post(format!("{}/__sandbox/seed", sb.base_url()))
        .json(&serde_json::json!({ "seed": 1, "customers": customers, "payments": payments }))
        .timeout(Duration::from_secs(3600))
        .send()
        .await?;
    if !res.status().is_success() {
        return Err(format!("seed failed: {}", res.text().await?).into());
    }
    println!("billing.seed_s {:.1}", t.elapsed().as_secs_f64());
    let client = Client::new(
        Config::new(
            DEFAULT_IMP_KEY,
            SecretString::from(DEFAULT_IMP_SECRET.to_string()),
        )
        .base_url(&sb.base_url())?,
    )?;
    let from = now() - 366 * DAY;

    // Baseline: page through the same endpoint without storing (`--no-plain` skips it).
    let no_plain = std::env::args().any(|a| a == "--no-plain");
    let t = Instant::now();
    let mut rows = 0usize;
    let mut w = from;
    let end = now();
    while w <= end && !no_plain {
        let to = (w + 90 * DAY - 1).min(end);
        let mut page = 1;
        loop {
            let q = PaymentsByStatusQuery::status(None).window(w, to).list(
                PaymentListQuery::default()
                    .page(page)
                    .limit(1000)
                    .sorting(Sorting::StartedAsc),
            );
            let got = client.payments_by_status(&q).await?;
            rows += got.list.len();
            match got.next {
                Some(n) if n > 0 && !got.list.is_empty() => page = n as u32,
                _ => break,
            }
        }
        w += 90 * DAY;
    }
    let plain = t.elapsed();
    println!(
        "billing.plain_paging rows={rows} {:.1}s ({:.0} rows/s, one page at a time, latency {latency_ms} ms)",
        plain.as_secs_f64(),
        rows as f64 / plain.as_secs_f64()
    );

    let store = Store::open(&store_path)?;
    let opts = PaymentSyncOptions {
        full_from: Some(from),
        ..Default::default()
    };
    let t = Instant::now();
    let full = sync::sync_payments(&store, &client, &opts, &quiet, &CancelToken::new()).await?;
    let synced = t.elapsed();
    let ratio = if no_plain {
        "baseline skipped".to_string()
    } else {
        format!("{:.2}", plain.as_secs_f64() / synced.as_secs_f64())
    };
    println!(
        "billing.full_sync_rows_per_s {:.0} (rows={}, {:.1}s, latency {latency_ms} ms; ratio to plain paging {ratio}, goal >= 0.9)",
        full.rows as f64 / synced.as_secs_f64(),
        full.rows,
        synced.as_secs_f64(),
    );
    let t = Instant::now();
    let inc = sync::sync_payments(&store, &client, &opts, &quiet, &CancelToken::new()).await?;
    println!(
        "billing.incremental_sync_s {:.3} (nothing new: changed={}; goal <= 2)",
        t.elapsed().as_secs_f64(),
        inc.changed
    );
    // The database file scales with the payments; the WAL beside it is bounded
    // (journal_size_limit) whatever the store's size, so it is not scaled up with them.
    // Measured after a checkpoint has moved everything into the database, as it is on
    // disk once the app is closed.
    rusqlite::Connection::open(&store_path)?.query_row(
        "PRAGMA wal_checkpoint(TRUNCATE)",
        [],
        |_| Ok(()),
    )?;
    let total = store.file_size()? as f64;
    let db = std::fs::metadata(&store_path)?.len() as f64;
    println!(
        "billing.db_mb_per_million_payments {:.0} (goal <= 800; database {:.0} MB for {} payments, WAL {:.0} MB beside it)",
        db / 1e6 / (full.rows.max(1) as f64 / 1e6),
        db / 1e6,
        full.rows,
        (total - db) / 1e6,
    );

    // Registry: adopt every seeded key by import, then verify against PortOne.
    let uids: Vec<String> = (0..customers)
        .map(|i| format!("seed1_cust_{i:06}"))
        .collect();
    let t = Instant::now();
    let plan = store.plan_import(&uids.join("\n"), ImportFormat::List)?;
    store.apply_import(&plan, ImportChoice::GoodRowsOnly)?;
    let imported = t.elapsed();
    let t = Instant::now();
    let v = sync::verify_keys(
        &store,
        &client,
        VerifyScope::Unverified,
        &quiet,
        &CancelToken::new(),
    )
    .await?;
    println!(
        "billing.import_{}_keys_s {:.2}; verify {:.1}s ({:.0} keys/s, {} active)",
        customers,
        imported.as_secs_f64(),
        t.elapsed().as_secs_f64(),
        v.checked as f64 / t.elapsed().as_secs_f64(),
        v.active
    );

    query_bench(&store, queries)?;
    shared_copy_bench(&store)?;
    sb.shutdown().await;
    Ok(())
}

/// `store migrate --to URL` of the whole store into an empty shared store, then again with
/// nothing changed, on the PostgreSQL server in SUBDESK_BENCH_POSTGRES_URL (`make bench`
/// starts one on loopback; without it the figure is skipped). Blocking, as the app calls
/// it: on a thread of its own, outside the runtime.
fn shared_copy_bench(store: &Store) -> Result<(), Box<dyn std::error::Error>> {
    let Ok(url) = std::env::var("SUBDESK_BENCH_POSTGRES_URL") else {
        println!("billing.shared_copy skipped (no SUBDESK_BENCH_POSTGRES_URL)");
        return Ok(());
    };
    let store = store.clone();
    std::thread::spawn(move || -> Result<(), String> {
        let name = format!("bench_{}", std::process::id());
        let mut admin = postgres::Client::connect(&url, postgres::NoTls).map_err(|e| e.to_string())?;
        // One statement each: CREATE DATABASE cannot run in the implicit transaction of a
        // batch.
        for sql in [format!("DROP DATABASE IF EXISTS {name}"), format!("CREATE DATABASE {name}")] {
            admin.batch_execute(&sql).map_err(|e| format!("{sql}: {e:?}"))?;
        }
        let target = subdesk_billing::SharedTarget::parse(
            &format!("{}/{name}", url.rsplit_once('/').ok_or("url")?.0),
            None,
        )
        .map_err(|e| e.to_string())?;
        let t = Instant::now();
        let first = store.copy_to_shared(&target).map_err(|e| e.to_string())?;
        let first_s = t.elapsed().as_secs_f64();
        let rows: i64 = first.tables.iter().map(|t| t.rows).sum();
        let t = Instant::now();
        let again = store.copy_to_shared(&target).map_err(|e| e.to_string())?;
        println!(
            "billing.shared_copy_s {first_s:.1} ({rows} rows, {:.0} rows/s, each compared after the merge; again with nothing changed {:.1}s, {} changed)",
            rows as f64 / first_s,
            t.elapsed().as_secs_f64(),
            again.changed,
        );
        Ok(())
    })
    .join()
    .map_err(|_| "the shared copy bench panicked")??;
    Ok(())
}

/// Search, filtered list and sorted list pages over a synced store.
fn query_bench(store: &Store, queries: usize) -> Result<(), Box<dyn std::error::Error>> {
    // Queries people type: given names, full names, 초성, phones, last four, ids, amounts.
    let sample_c = store.list_customers(&Default::default())?.items;
    let sample_p = store
        .list_payments(&PaymentQuery {
            status: vec![PaymentStatus::Paid],
            limit: Some(50),
            ..Default::default()
        })?
        .items;
    let mut texts: Vec<String> = vec![
        "민준".into(),
        "서연".into(),
        "김민준".into(),
        "ㄱㅁㅈ".into(),
        "ㅅㅇ".into(),
        "박".into(),
        "19,900".into(),
        "nobody".into(),
    ];
    for (i, c) in sample_c.iter().take(10).enumerate() {
        if let Some(t) = &c.customer_tel {
            texts.push(if i % 2 == 0 {
                t.clone()
            } else {
                t.replace('-', "")
            });
        }
        if let Some(l) = &c.card_last4 {
            texts.push(l.clone());
        }
        texts.push(c.customer_uid.clone());
    }
    for p in sample_p.iter().take(10) {
        texts.push(p.imp_uid.clone());
        texts.push(p.merchant_uid.clone());
        if let Some(a) = &p.apply_num {
            texts.push(a.clone());
        }
    }
    let mut times = Vec::new();
    for i in 0..queries {
        let q = &texts[i % texts.len()];
        let t = Instant::now();
        let r = store.search(q, Some(50))?;
        std::hint::black_box(r);
        times.push(t.elapsed());
    }
    let mut naive = Vec::new();
    for q in texts.iter() {
        let t = Instant::now();
        std::hint::black_box(store.naive_customer_search(q, 50)?);
        std::hint::black_box(store.naive_payment_search(q, 50)?);
        naive.push(t.elapsed());
    }
    if std::env::var_os("BENCH_VERBOSE").is_some() {
        for q in texts.iter() {
            let t = Instant::now();
            store.list_customers(&subdesk_billing::CustomerQuery {
                text: Some(q.clone()),
                ..Default::default()
            })?;
            let c = t.elapsed();
            let t = Instant::now();
            store.list_payments(&PaymentQuery {
                text: Some(q.clone()),
                ..Default::default()
            })?;
            println!(
                "  query {q:?}: customers {:.1} ms, payments {:.1} ms",
                c.as_secs_f64() * 1e3,
                t.elapsed().as_secs_f64() * 1e3
            );
        }
    }
    let (s95, n95) = (p95(times), p95(naive));
    println!(
        "billing.search_p95_ms {s95:.1} (goal <= 20; naive LIKE {n95:.1}, ratio {:.0}x; {} queries over {} kinds)",
        n95 / s95,
        queries,
        texts.len()
    );

    // Filtered list pages, followed deep through the cursor: any page costs the same.
    let filters = [
        PaymentQuery {
            status: vec![PaymentStatus::Paid],
            pg_provider: sample_p.first().and_then(|p| p.pg_provider.clone()),
            ..Default::default()
        },
        PaymentQuery {
            amount_min: Some(20_000),
            amount_max: Some(100_000),
            from: Some(now() - 180 * DAY),
            ..Default::default()
        },
        PaymentQuery {
            status: vec![PaymentStatus::Failed, PaymentStatus::Cancelled],
            ..Default::default()
        },
        PaymentQuery {
            time_field: subdesk_billing::TimeField::Cancelled,
            from: Some(now() - 90 * DAY),
            ..Default::default()
        },
        PaymentQuery {
            text: Some("민준".into()),
            status: vec![PaymentStatus::Paid],
            ..Default::default()
        },
    ];
    let mut times = Vec::new();
    let mut deep = Vec::new();
    for f in &filters {
        let mut q = PaymentQuery {
            limit: Some(50),
            ..f.clone()
        };
        for page in 0..40 {
            let t = Instant::now();
            let r = store.list_payments(&q)?;
            let e = t.elapsed();
            times.push(e);
            if page >= 30 {
                deep.push(e);
            }
            match r.next_cursor {
                Some(c) => q.cursor = Some(c),
                None => break,
            }
        }
    }
    println!(
        "billing.list_page_p95_ms {:.1} (goal <= 20; pages 31-40 p95 {:.1}; {} pages over {} filters)",
        p95(times.clone()),
        if deep.is_empty() { 0.0 } else { p95(deep) },
        times.len(),
        filters.len()
    );

    // The customer list sorted by each column (both directions), with and without
    // a filter or a search, followed 40 pages deep (200 rows a page, as the app asks).
    use subdesk_billing::{CustomerQuery, CustomerSort, CustomerSortField as F, SortDirection};
    let mut times = Vec::new();
    let mut deep = Vec::new();
    for field in [
        F::Issued,
        F::Name,
        F::CustomerUid,
        F::Pg,
        F::Status,
        F::Verified,
    ] {
        for direction in [SortDirection::Asc, SortDirection::Desc] {
            use subdesk_billing::KeyStatus as K;
            for (text, status) in [
                (None, vec![]),
                (None, vec![K::Active]),
                (None, vec![K::Unknown, K::Deleted]),
                (Some("민준"), vec![]),
            ] {
                let mut q = CustomerQuery {
                    text: text.map(String::from),
                    key_status: status,
                    sort: Some(CustomerSort { field, direction }),
                    limit: Some(200),
                    ..Default::default()
                };
                let mut these = Vec::new();
                for page in 0..40 {
                    let t = Instant::now();
                    let r = store.list_customers(&q)?;
                    let e = t.elapsed();
                    times.push(e);
                    these.push(e);
                    if page >= 30 {
                        deep.push(e);
                    }
                    match r.next_cursor {
                        Some(c) => q.cursor = Some(c),
                        None => break,
                    }
                }
                if std::env::var_os("BENCH_VERBOSE").is_some() {
                    println!(
                        "  sorted {field:?} {direction:?} text={text:?} status={:?}: p95 {:.1} ms over {} pages",
                        q.key_status,
                        p95(these.clone()),
                        these.len()
                    );
                }
            }
        }
    }
    println!(
        "billing.sorted_customer_page_p95_ms {:.1} (goal <= 20; pages 31-40 p95 {:.1}; {} pages of 200 over 6 columns x 2 directions x 4 filters)",
        p95(times.clone()),
        if deep.is_empty() { 0.0 } else { p95(deep) },
        times.len(),
    );
    Ok(())
}

/// Peak resident memory of this process (VmHWM), in MiB.
fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// `n` charges in one bulk run, every `again` held 50 ms by the sandbox, at
/// concurrency 8: the ideal is 8 / 0.05 s = 160 charges per second.
async fn bulk_bench(n: usize) -> Result<(), Box<dyn std::error::Error>> {
    use subdesk_billing::{RunControl, RunOptions, RunProgress, execute_run, plan_csv_run};
    const LATENCY_MS: u64 = 50;
    const CONCURRENCY: u32 = 8;
    let dir = tempfile::tempdir()?;
    let sb = Sandbox::start(SandboxConfig::default()).await?;
    let client = Client::new(
        Config::new(
            DEFAULT_IMP_KEY,
            SecretString::from(DEFAULT_IMP_SECRET.to_string()),
        )
        .base_url(&sb.base_url())?,
    )?;
    let store = Store::open(dir.path().join("bulk.sqlite3"))?;
    let customers = 100;
    for i in 0..customers {
        let uid = format!("bench_{i}");
        let card = subdesk_iamport::CardData::new("4242-4242-4242-4242", "2031-12")?
            .birth("900101")?
            .pwd_2digit("12")?;
        let c = client
            .issue_billing_key(&uid, &subdesk_iamport::IssueBillingKey::new(card))
            .await?;
        store.upsert_customer(&subdesk_billing::mirror::sync::keys::customer_record(&c))?;
    }
    let csv: String = (0..n)
        .map(|i| format!("bench_{},{}\n", i % customers, 1000 + i % 50_000))
        .collect();
    // 100 customers on 10,000 lines: each is charged once per line, deliberately.
    let opts = RunOptions {
        concurrency: CONCURRENCY,
        rate_per_sec: 0.0,
        allow_repeats: true,
        ..Default::default()
    };
    let plan = plan_csv_run(&store, Some(&client), "bench", &csv, &opts).await?;
    reqwest::Client::new()
        .post(format!("{}/__sandbox/faults", sb.base_url()))
        .json(&serde_json::json!({
            "kind": "latency", "method": "POST", "path_prefix": "/subscribe/payments/again",
            "count": n, "latency_ms": LATENCY_MS
        }))
        .send()
        .await?;
    let quiet_run = |_: &RunProgress| {};
    let t = Instant::now();
    let report = execute_run(
        &store,
        &client,
        &plan.run_id,
        &RunControl::new(),
        &quiet_run,
    )
    .await?;
    let secs = t.elapsed().as_secs_f64();
    let rate = report.progress.paid as f64 / secs;
    let ideal = f64::from(CONCURRENCY) / (LATENCY_MS as f64 / 1000.0);
    println!(
        "billing.bulk_charges {} paid of {n} in {secs:.1} s ({})",
        report.progress.paid, report.state
    );
    println!(
        "billing.bulk_throughput_per_s {rate:.1} (ideal {ideal:.0}) ratio {:.2} (goal >= 0.85)",
        rate / ideal
    );
    println!("billing.bulk_peak_rss_mib {:.1}", peak_mib());
    sb.shutdown().await;
    Ok(())
}

/// The plan engine over `n` subscriptions of one plan: the time one run takes to plan and
/// register one period for each (horizon 1), against the sandbox with `latency_ms` added
/// to every schedule request. The ideal is one registration request per subscription,
/// one at a time (the engine sends one request at a time and has no rate of its own
/// configured): n × latency. The engine also looks each new period up first (a lost
/// answer or a restored backup must not register twice), so about 0.5 is what a correct
/// engine reaches.
async fn plans_bench(n: usize, latency_ms: u64) -> Result<(), Box<dyn std::error::Error>> {
    use subdesk_billing::{DunningPolicy, EngineOptions, Interval, PlanInput, run_plans};
    let dir = tempfile::tempdir()?;
    let sb = Sandbox::start(SandboxConfig::default()).await?;
    let client = Client::new(
        Config::new(
            DEFAULT_IMP_KEY,
            SecretString::from(DEFAULT_IMP_SECRET.to_string()),
        )
        .base_url(&sb.base_url())?,
    )?;
    let store = Store::open(dir.path().join("plans.sqlite3"))?;
    let t = Instant::now();
    let mut issued = tokio::task::JoinSet::new();
    for i in 0..n {
        let client = client.clone();
        issued.spawn(async move {
            let card = subdesk_iamport::CardData::new("4242-4242-4242-4242", "2031-12")?
                .birth("900101")?
                .pwd_2digit("12")?;
            client
                .issue_billing_key(
                    &format!("pl_{i}"),
                    &subdesk_iamport::IssueBillingKey::new(card),
                )
                .await
        });
        if issued.len() >= 16 {
            let c = issued.join_next().await.ok_or("join")???;
            store.upsert_customer(&subdesk_billing::mirror::sync::keys::customer_record(&c))?;
        }
    }
    while let Some(c) = issued.join_next().await {
        store.upsert_customer(&subdesk_billing::mirror::sync::keys::customer_record(&c??))?;
    }
    let now = reqwest::Client::new()
        .get(format!("{}/__sandbox/clock", sb.base_url()))
        .send()
        .await?
        .json::<serde_json::Value>()
        .await?;
    let now = now
        .get("response")
        .unwrap_or(&now)
        .get("now")
        .and_then(|v| v.as_i64())
        .unwrap_or_else(subdesk_billing::now);
    store.create_plan(&PlanInput {
        code: "bench".into(),
        name: "벤치 플랜".into(),
        amount: 9_900,
        tax_free: 0,
        interval: Interval::Monthly { day: 1 },
        start_at: now + DAY,
        end_at: None,
        max_periods: None,
        dunning: DunningPolicy::default(),
        first_charge: false,
    })?;
    for i in 0..n {
        store.subscribe("bench", &format!("pl_{i}"))?;
    }
    println!(
        "billing.plans_seed_s {:.1} ({n} keys and subscriptions)",
        t.elapsed().as_secs_f64()
    );
    for method in ["GET", "POST"] {
        reqwest::Client::new()
            .post(format!("{}/__sandbox/faults", sb.base_url()))
            .json(&serde_json::json!({
                "kind": "latency", "method": method, "path_prefix": "/subscribe/payments/schedule",
                "count": 10 * n, "latency_ms": latency_ms
            }))
            .send()
            .await?;
    }
    let t = Instant::now();
    let report = run_plans(&store, &client, now, &EngineOptions { horizon: 1 }).await?;
    let secs = t.elapsed().as_secs_f64();
    let ideal = n as f64 * latency_ms as f64 / 1000.0;
    println!(
        "billing.plans_register_s {secs:.1} ({} registered, {} deferred, of {n}; latency {latency_ms} ms)",
        report.registered,
        report.deferred.len()
    );
    println!(
        "billing.plans_per_subscription_ms {:.2} (ideal {latency_ms}) ratio {:.2} (goal >= 0.45: a lookup and a registration each)",
        secs * 1000.0 / n as f64,
        ideal / secs
    );
    let t = Instant::now();
    let again = run_plans(&store, &client, now, &EngineOptions { horizon: 1 }).await?;
    println!(
        "billing.plans_rerun_s {:.2} ({} registered: nothing left to do)",
        t.elapsed().as_secs_f64(),
        again.registered
    );
    sb.shutdown().await;
    Ok(())
}

/// The soak: `n` charge intents by people at the charge form (no order id), with
/// about 10 % of the requests faulted (latency past the timeout, HTTP 500, a drop,
/// a commit whose answer is lost, a commit that lands after the client gave up) and
/// `kills` processes killed between sending and recording. After every answer that
/// is not an outcome the person does what people do: checks, and presses again.
/// Counted at the sandbox, per customer: duplicates (paid more often than intended),
/// lost (intended but never paid) and rows left unresolved. Goal 0 / 0 / 0.
async fn soak_bench(n: usize, kills: usize) -> Result<(), Box<dyn std::error::Error>> {
    use subdesk_billing::{AgainCharge, ChargeDetails, ChargeStatus, ReconcileOptions};
    const LATE_MS: u64 = 300;
    const WORKERS: usize = 8;
    let customers = (n / 5).max(1);
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("soak.sqlite3");
    let sb = Sandbox::start(SandboxConfig::default()).await?;
    let config = Config::new(
        DEFAULT_IMP_KEY,
        SecretString::from(DEFAULT_IMP_SECRET.to_string()),
    )
    .base_url(&sb.base_url())?
    .timeout(Duration::from_millis(150));
    let client = Client::new(config)?;
    let store = Store::open(&db)?;
    for i in 0..customers {
        let card = subdesk_iamport::CardData::new("4242-4242-4242-4242", "2031-12")?
            .birth("900101")?
            .pwd_2digit("12")?;
        let c = client
            .issue_billing_key(
                &format!("soak_{i}"),
                &subdesk_iamport::IssueBillingKey::new(card),
            )
            .await?;
        store.upsert_customer(&subdesk_billing::mirror::sync::keys::customer_record(&c))?;
    }
    let http = reqwest::Client::new();
    let base = sb.base_url();
    let kinds = [
        "latency",
        "status",
        "drop",
        "commit_then_drop",
        "commit_late",
    ];
    let kill_at: std::collections::HashSet<usize> =
        (0..kills).map(|k| (k * n) / kills.max(1) + 1).collect();
    let t = Instant::now();
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for w in 0..WORKERS {
        let (client, http, base, next, db, kill_at) = (
            client.clone(),
            http.clone(),
            base.clone(),
            next.clone(),
            db.clone(),
            kill_at.clone(),
        );
        workers.spawn(async move {
            let mut rng = fastrand::Rng::with_seed(w as u64 + 7);
            let mut store = Store::open(&db).expect("store");
            let mut presses = 0u64;
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if i >= n {
                    return presses;
                }
                let req = AgainCharge {
                    customer_uid: format!("soak_{}", i % customers),
                    merchant_uid: None,
                    details: ChargeDetails {
                        amount: 1_000 + (i / customers) as i64,
                        name: "월 구독".into(),
                        ..Default::default()
                    },
                };
                let mut first = true;
                let mut tries = 0;
                let mut last = String::new();
                loop {
                    tries += 1;
                    if tries > 50 {
                        eprintln!("billing.soak intent {i} never settled: {last:?}");
                        break;
                    }
                    presses += 1;
                    let kill = first && kill_at.contains(&i);
                    if kill || rng.f64() < 0.1 {
                        let kind = if kill {
                            "commit_late"
                        } else {
                            kinds[rng.usize(..kinds.len())]
                        };
                        let _ = http
                            .post(format!("{base}/__sandbox/faults"))
                            .json(&serde_json::json!({
                                "kind": kind, "method": "POST", "count": 1,
                                "path_prefix": "/subscribe/payments/again",
                                "latency_ms": LATE_MS, "status": 500
                            }))
                            .send()
                            .await;
                    }
                    first = false;
                    let outcome = if kill {
                        // The process dies once the request is on its way; a new one
                        // opens the same database.
                        let (s, c, r) = (store.clone(), client.clone(), req.clone());
                        let task =
                            tokio::spawn(
                                async move { subdesk_billing::charge_again(&s, &c, &r).await },
                            );
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        task.abort();
                        let _ = task.await;
                        store = Store::open(&db).expect("reopen");
                        None
                    } else {
                        match subdesk_billing::charge_again(&store, &client, &req).await {
                            Ok(r) => {
                                last = format!("{:?}", r.status);
                                Some(r)
                            }
                            // "The same charge was paid a moment ago": an outcome, seen.
                            Err(e) if e.code() == ErrorCode::RecentSameCharge => break,
                            Err(e) => {
                                last = e.code().to_string();
                                None
                            }
                        }
                    };
                    if outcome.is_some_and(|r| {
                        matches!(r.status, ChargeStatus::Paid | ChargeStatus::Declined)
                    }) {
                        break;
                    }
                    // Not an outcome (checking, being checked, an error): check, press again.
                    let _ = subdesk_billing::reconcile_with(
                        &store,
                        &client,
                        &ReconcileOptions { min_age_secs: 0 },
                    )
                    .await;
                }
            }
        });
    }
    let mut presses = 0;
    while let Some(p) = workers.join_next().await {
        presses += p?;
    }
    let secs = t.elapsed().as_secs_f64();
    // Let anything still held at the server land, then settle what is open.
    tokio::time::sleep(Duration::from_millis(LATE_MS + 500)).await;
    let _ = http.delete(format!("{base}/__sandbox/faults")).send().await;
    subdesk_billing::reconcile_with(&store, &client, &ReconcileOptions { min_age_secs: 0 }).await?;
    let (mut duplicates, mut lost) = (0i64, 0i64);
    for c in 0..customers {
        let intended = (0..n).filter(|i| i % customers == c).count() as i64;
        let mut paid = 0i64;
        let mut page = 1;
        loop {
            let p = client
                .billing_key_payments(&format!("soak_{c}"), Some(page))
                .await?;
            paid += p
                .list
                .iter()
                .filter(|x| x.paid_at.is_some_and(|t| t > 0))
                .count() as i64;
            match p.next {
                Some(nx) if nx > 0 => page = nx as u32,
                _ => break,
            }
        }
        if paid > intended && std::env::var("BENCH_VERBOSE").is_ok() {
            let p = client
                .billing_key_payments(&format!("soak_{c}"), None)
                .await?;
            for x in &p.list {
                println!(
                    "  soak_{c} {} {} {:?} {:?}",
                    x.merchant_uid, x.amount, x.status, x.paid_at
                );
            }
            for j in store.journal_list(&subdesk_billing::JournalQuery {
                customer_uid: Some(format!("soak_{c}")),
                ..Default::default()
            })? {
                println!(
                    "    journal {} {} {} {:?} {:?} att={} seen={} err={:?}",
                    j.id,
                    j.merchant_uid,
                    j.amount,
                    j.state,
                    j.outcome,
                    j.attempts,
                    j.seen,
                    j.error_code
                );
            }
        }
        duplicates += (paid - intended).max(0);
        lost += (intended - paid).max(0);
    }
    let unresolved = store.journal_open_count()?;
    println!(
        "billing.soak intents={n} presses={presses} kills={kills} in {secs:.1} s (10% faults incl. commit_late)"
    );
    println!(
        "billing.soak duplicates_per_customer {duplicates} lost {lost} unresolved {unresolved} (goal 0 / 0 / 0)"
    );
    sb.shutdown().await;
    Ok(())
}

/// Totals summed in SQL over `n` mirrored schedules (a year of them, four states, a few
/// PGs): what the schedules list asks on every filter change, and a month of day spans
/// (the calendar). Median of 20 runs each.
fn schedules_bench(n: usize) -> Result<(), Box<dyn std::error::Error>> {
    use subdesk_billing::{ScheduleQuery, ScheduleRecord, ScheduleState};
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path().join("schedules.sqlite3"))?;
    let start = 1_800_000_000_i64;
    let t = Instant::now();
    let recs: Vec<ScheduleRecord> = (0..n)
        .map(|i| {
            let (status, pay) = match i % 10 {
                0..=5 => ("scheduled", None),
                6 | 7 => ("executed", Some("paid".to_string())),
                8 => ("executed", Some("failed".to_string())),
                _ => ("revoked", None),
            };
            ScheduleRecord {
                merchant_uid: format!("sd-bench-{i}"),
                customer_uid: format!("cust_{}", i % 20_000),
                schedule_at: start + (i as i64 * 365 * 86_400) / n as i64,
                amount: 1_000 + (i as i64 % 50) * 1_000,
                amount_text: String::new(),
                currency: "KRW".into(),
                name: Some(format!("정기결제 {}", i % 12 + 1)),
                schedule_status: status.into(),
                payment_status: pay,
                raw_json: format!(
                    "{{\"pg_provider\":\"{}\"}}",
                    ["nice", "kcp", "tosspayments"][i % 3]
                ),
                ..Default::default()
            }
        })
        .collect();
    for chunk in recs.chunks(10_000) {
        store.upsert_schedules(chunk)?;
    }
    println!(
        "billing.schedules_seed_{n}_s {:.1}",
        t.elapsed().as_secs_f64()
    );
    let median = |f: &dyn Fn() -> Result<(), subdesk_billing::Error>| -> Result<f64, subdesk_billing::Error> {
        let mut v = Vec::new();
        for _ in 0..20 {
            let t = Instant::now();
            f()?;
            v.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        v.sort_by(|a, b| a.total_cmp(b));
        Ok(v[v.len() / 2])
    };
    let all = ScheduleQuery::default();
    let waiting = ScheduleQuery {
        states: vec![ScheduleState::Scheduled],
        pg: Some("nice".into()),
        ..ScheduleQuery::default()
    };
    let text = ScheduleQuery {
        text: Some("cust_123".into()),
        ..ScheduleQuery::default()
    };
    let month: Vec<i64> = (0..=31)
        .map(|d| start + 120 * 86_400 + d * 86_400)
        .collect();
    let m_all = median(&|| store.schedule_totals(&all).map(|_| ()))?;
    let m_waiting = median(&|| store.schedule_totals(&waiting).map(|_| ()))?;
    let m_text = median(&|| store.schedule_totals(&text).map(|_| ()))?;
    let m_page = median(&|| store.list_schedules(&waiting).map(|_| ()))?;
    let m_month = median(&|| store.schedule_spans(&month, &all).map(|_| ()))?;
    println!(
        "billing.schedule_totals_ms all {m_all:.1}, scheduled+pg {m_waiting:.1}, text {m_text:.1} over {n} (goal < 250 ms each)"
    );
    println!("billing.schedule_page_ms {m_page:.1} (first 50, scheduled+pg)");
    println!("billing.schedule_month_spans_ms {m_month:.1} (31 days, goal < 100 ms)");
    Ok(())
}
