//! Bulk runs: the dry run, execution, pause / resume / cancel, the CSV report, and
//! the soak test (random faults and process kills; nobody charged twice, nobody
//! lost, nothing left unresolved).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;
use subdesk_codes::ErrorCode;

use subdesk_billing::money::bulk::execute_run_fast;
use subdesk_billing::{
    AgainCharge, ChargeDetails, ExcludeReason, RunControl, RunOptions, RunProgress, Store,
    charge_again, export_csv, plan_csv_run,
};
use subdesk_iamport::{PaymentListQuery, PaymentStatus};

use crate::common::{APPROVE, DECLINE_FUNDS, Env, env};

const SETTLE: Duration = Duration::from_millis(1000);

fn quiet(_: &RunProgress) {}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_execute_pause_resume_and_report() {
    let env = env().await;
    for i in 0..6 {
        env.key(&format!("bulk_{i}"), APPROVE).await;
    }
    env.key("bulk_poor", DECLINE_FUNDS).await;
    env.key("bulk_gone", APPROVE).await;
    env.store.mark_customer_deleted("bulk_gone").unwrap();
    // An unresolved charge keeps bulk_5 out.
    env.fault(
        serde_json::json!({"kind": "status", "status": 500, "method": "POST",
        "path_prefix": "/subscribe/payments/again", "count": 1}),
    )
    .await;
    let r = charge_again(
        &env.store,
        &env.client,
        &AgainCharge {
            customer_uid: "bulk_5".into(),
            merchant_uid: None,
            details: ChargeDetails {
                amount: 1000,
                name: "x".into(),
                ..Default::default()
            },
        },
    )
    .await
    .unwrap();
    assert_eq!(r.status, subdesk_billing::ChargeStatus::Unknown);

    let csv = "customer_uid,amount,name\nbulk_0,11000,1월\nbulk_1,22000\nbulk_2,abc\nnobody,5000\n\
               bulk_gone,1000\nbulk_5,1000\nbulk_3,33000\nbulk_4,44000\nbulk_poor,5500\n";
    let opts = RunOptions {
        concurrency: 2,
        rate_per_sec: 50.0,
        ..Default::default()
    };
    let plan = plan_csv_run(&env.store, Some(&env.client), "1월 일괄", csv, &opts)
        .await
        .unwrap();
    assert_eq!(plan.count, 5);
    assert_eq!(plan.total, 11_000 + 22_000 + 33_000 + 44_000 + 5_500);
    assert_eq!(plan.vat, 1_000 + 2_000 + 3_000 + 4_000 + 500);
    let why: Vec<(i64, ExcludeReason)> = plan.excluded.iter().map(|e| (e.line, e.reason)).collect();
    assert_eq!(
        why,
        vec![
            (4, ExcludeReason::BadRow),
            (5, ExcludeReason::NoKey),
            (6, ExcludeReason::KeyNotActive),
            (7, ExcludeReason::UnresolvedCharge)
        ]
    );
    // The dry run sent nothing.
    let before = env.requests().await.len();

    // Pause after the first result, then resume.
    let control = RunControl::new();
    let c2 = control.clone();
    let pause_once = move |p: &RunProgress| {
        if p.done >= 1 {
            c2.pause();
        }
    };
    let first = execute_run_fast(
        &env.store,
        &env.client,
        &plan.run_id,
        &control,
        &pause_once,
        SETTLE,
    )
    .await
    .unwrap();
    assert_eq!(first.state, "paused");
    assert!(first.progress.done < 5);
    let events = Arc::new(AtomicI64::new(0));
    let ev = events.clone();
    let count = move |_: &RunProgress| {
        ev.fetch_add(1, Ordering::SeqCst);
    };
    let done = execute_run_fast(
        &env.store,
        &env.client,
        &plan.run_id,
        &RunControl::new(),
        &count,
        SETTLE,
    )
    .await
    .unwrap();
    assert_eq!(done.state, "completed");
    assert_eq!((done.progress.paid, done.progress.declined), (4, 1));
    assert!(events.load(Ordering::SeqCst) >= 1);
    assert!(env.requests().await.len() > before);
    // A completed run cannot run again.
    let err = execute_run_fast(
        &env.store,
        &env.client,
        &plan.run_id,
        &RunControl::new(),
        &quiet,
        SETTLE,
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::RunState);
    for item in env.store.bulk_items(&plan.run_id).unwrap() {
        let want = usize::from(item.customer_uid != "bulk_poor");
        assert_eq!(
            env.sandbox_payments(&item.merchant_uid, PaymentStatus::Paid)
                .await,
            want
        );
    }
    let report = export_csv(&env.store, &plan.run_id).unwrap();
    assert_eq!(report.lines().count(), 6);
    assert!(report.contains("declined") && report.contains("3011"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_stops_before_sending_the_rest() {
    let env = env().await;
    env.key("cx", APPROVE).await;
    let csv: String = (0..20).map(|i| format!("cx,{}\n", 1000 + i)).collect();
    let opts = RunOptions {
        concurrency: 1,
        rate_per_sec: 20.0,
        allow_repeats: true,
        ..Default::default()
    };
    let plan = plan_csv_run(&env.store, Some(&env.client), "cancel", &csv, &opts)
        .await
        .unwrap();
    let control = RunControl::new();
    let c2 = control.clone();
    let cancel_at_3 = move |p: &RunProgress| {
        if p.done >= 3 {
            c2.cancel();
        }
    };
    let r = execute_run_fast(
        &env.store,
        &env.client,
        &plan.run_id,
        &control,
        &cancel_at_3,
        SETTLE,
    )
    .await
    .unwrap();
    assert_eq!(r.state, "cancelled");
    let items = env.store.bulk_items(&plan.run_id).unwrap();
    let paid = items
        .iter()
        .filter(|i| i.outcome.as_deref() == Some("paid"))
        .count();
    let not_sent = items
        .iter()
        .filter(|i| i.outcome.as_deref() == Some("not_executed"))
        .count();
    assert_eq!(paid + not_sent, 20);
    assert!((3..20).contains(&paid), "{paid}");
    assert_eq!(r.sent as usize, paid);
}

/// Duplicates, lost charges and unresolved rows after a run of `n` charges with
/// ~10 % random faults and `kills` simulated process kills.
async fn soak(n: usize, kills: usize, seed: u64) -> (usize, usize, usize) {
    let env = env().await;
    let customers = 40;
    for i in 0..customers {
        env.key(&format!("soak_{i}"), APPROVE).await;
    }
    let csv: String = (0..n)
        .map(|i| format!("soak_{},{}\n", i % customers, 1000 + i))
        .collect();
    let opts = RunOptions {
        concurrency: 8,
        rate_per_sec: 0.0,
        allow_repeats: true,
        ..Default::default()
    };
    let plan = plan_csv_run(&env.store, Some(&env.client), "soak", &csv, &opts)
        .await
        .unwrap();
    assert_eq!(plan.count as usize, n);

    // Faults: after each finished item, with probability 0.1 the next request to
    // `again` gets a random fault.
    let rng = Arc::new(std::sync::Mutex::new(fastrand::Rng::with_seed(seed)));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<serde_json::Value>();
    let base = env.sb.base_url();
    let injector = tokio::spawn(async move {
        let http = reqwest::Client::new();
        while let Some(rule) = rx.recv().await {
            let _ = http
                .post(format!("{base}/__sandbox/faults"))
                .json(&rule)
                .send()
                .await;
        }
    });
    let last_done = Arc::new(AtomicI64::new(0));
    let fault_count = Arc::new(AtomicI64::new(0));
    let make_progress = {
        let fault_count = fault_count.clone();
        let rng = rng.clone();
        let last_done = last_done.clone();
        move |p: &RunProgress| {
            let before = last_done.swap(p.done, Ordering::SeqCst);
            let mut r = rng.lock().unwrap_or_else(|e| e.into_inner());
            for _ in before..p.done {
                if r.f64() < 0.10 {
                    let rule = match r.u8(0..4) {
                        0 => serde_json::json!({"kind": "latency", "latency_ms": 700}),
                        1 => serde_json::json!({"kind": "status", "status": 500}),
                        2 => serde_json::json!({"kind": "drop"}),
                        _ => serde_json::json!({"kind": "commit_then_drop"}),
                    };
                    let mut rule = rule;
                    rule["method"] = "POST".into();
                    rule["path_prefix"] = "/subscribe/payments/again".into();
                    rule["count"] = 1.into();
                    let _ = tx.send(rule);
                    fault_count.fetch_add(1, Ordering::SeqCst);
                }
            }
        }
    };
    let progress: Arc<dyn Fn(&RunProgress) + Send + Sync> = Arc::new(make_progress);

    // Kill the "process" `kills` times at evenly spread points, then finish.
    let path = env.db_path();
    let mut killed = 0;
    for k in 0..kills {
        let target = ((k + 1) * n / (kills + 2)) as i64;
        let store = Store::open(&path).unwrap();
        let (client, run_id, p2) = (env.client.clone(), plan.run_id.clone(), progress.clone());
        let task = tokio::spawn(async move {
            let cb = move |p: &RunProgress| p2(p);
            execute_run_fast(&store, &client, &run_id, &RunControl::new(), &cb, SETTLE).await
        });
        loop {
            tokio::time::sleep(Duration::from_millis(5)).await;
            if last_done.load(Ordering::SeqCst) >= target || task.is_finished() {
                break;
            }
        }
        if !task.is_finished() {
            killed += 1;
        }
        task.abort(); // the process dies: in-flight requests and their futures are gone
        let _ = task.await;
    }
    // Start-up after the last kill: reconcile first, then resume the run.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let store = Store::open(&path).unwrap();
    let cb = {
        let p2 = progress.clone();
        move |p: &RunProgress| p2(p)
    };
    let mut state = String::new();
    for _ in 0..5 {
        subdesk_billing::reconcile_with(
            &store,
            &env.client,
            &subdesk_billing::ReconcileOptions { min_age_secs: 0 },
        )
        .await
        .unwrap();
        let r = execute_run_fast(
            &store,
            &env.client,
            &plan.run_id,
            &RunControl::new(),
            &cb,
            SETTLE,
        )
        .await
        .unwrap();
        state = r.state;
        if state == "completed" {
            break;
        }
        tokio::time::sleep(SETTLE).await;
    }
    drop(progress);
    injector.abort();
    let faults = fault_count.load(Ordering::SeqCst);
    let mut by_lookup = 0;
    let mut retried = 0;
    let mut before = None;
    loop {
        let page = store
            .journal_list(&subdesk_billing::JournalQuery {
                before_id: before,
                limit: Some(1000),
                ..Default::default()
            })
            .unwrap();
        by_lookup += page
            .iter()
            .filter(|e| e.state == subdesk_billing::JournalState::Resolved)
            .count();
        retried += page.iter().filter(|e| e.attempts > 1).count();
        match page.last() {
            Some(l) if page.len() == 1000 => before = Some(l.id),
            _ => break,
        }
    }
    println!(
        "soak {n}/{kills}: {faults} faults injected, {by_lookup} rows resolved by lookup, {retried} resent with the same merchant_uid, {killed} kills mid-run"
    );
    assert_eq!(state, "completed");
    count_outcomes(&env, &store, &plan.run_id).await
}

async fn count_outcomes(env: &Env, store: &Store, run_id: &str) -> (usize, usize, usize) {
    let items = store.bulk_items(run_id).unwrap();
    let mut dup = 0;
    let mut lost = 0;
    for chunk in items.chunks(16) {
        let mut set = tokio::task::JoinSet::new();
        for it in chunk {
            let (c, m) = (env.client.clone(), it.merchant_uid.clone());
            set.spawn(async move {
                match c
                    .find_all_payments(
                        &m,
                        Some(PaymentStatus::Paid),
                        &PaymentListQuery::default().limit(100),
                    )
                    .await
                {
                    Ok(p) => p.list.len(),
                    Err(subdesk_iamport::Error::NotFound { .. }) => 0,
                    Err(e) => panic!("{m}: {e}"),
                }
            });
        }
        while let Some(n) = set.join_next().await {
            match n.unwrap() {
                0 => lost += 1,
                1 => {}
                _ => dup += 1,
            }
        }
    }
    let unresolved = store.journal_open_count().unwrap() as usize
        + items
            .iter()
            .filter(|i| i.state != "done" || i.outcome.as_deref() != Some("paid"))
            .count();
    (dup, lost, unresolved)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_200_charges_2_kills() {
    let (dup, lost, unresolved) = soak(200, 2, 7).await;
    println!("soak 200/2: duplicates {dup}, lost {lost}, unresolved {unresolved}");
    assert_eq!((dup, lost, unresolved), (0, 0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_1000_charges_5_kills() {
    let t = std::time::Instant::now();
    let (dup, lost, unresolved) = soak(1000, 5, 42).await;
    println!(
        "soak 1000/5: duplicates {dup}, lost {lost}, unresolved {unresolved} ({:.1} s)",
        t.elapsed().as_secs_f64()
    );
    assert_eq!((dup, lost, unresolved), (0, 0, 0));
}
