//! Money after the store lost part of its memory (a restored backup), cancelling a
//! subscription whose registration answer was lost, and several processes on one
//! database at once. Double charges are counted per customer at the sandbox.

use std::time::Duration;
use subdesk_codes::ErrorCode;

use subdesk_billing::mirror::sync::{
    CancelToken, PaymentSyncOptions, ScheduleSyncOptions, sync_payments, sync_schedules,
};
use subdesk_billing::{
    AgainCharge, ChargeDetails, DunningPolicy, EngineOptions, Interval, OpenOptions, PlanInput,
    ReconcileOptions, Recovery, RunControl, RunOptions, Store, cancel_subscription, charge_again,
    execute_run, plan_csv_run, reconcile_with, recover, run_plans,
};
use subdesk_iamport::ScheduleStatus;

use crate::common::{APPROVE, DECLINE_FUNDS, Fault, LATENCY_MS, env, wait_for_open_row};

const DAY: i64 = 86_400;

fn plan(code: &str, start_at: i64) -> PlanInput {
    PlanInput {
        code: code.into(),
        name: "베이직".into(),
        amount: 9_900,
        tax_free: 0,
        interval: Interval::EveryDays { days: 30 },
        start_at,
        end_at: None,
        max_periods: None,
        dunning: DunningPolicy::every(3, 3),
        first_charge: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_restore_money_waits_for_a_sync_and_dunning_never_charges_a_period_twice() {
    let env = env().await;
    env.key("dun", DECLINE_FUNDS).await;
    let start = env.sandbox_now().await + 3600;
    env.store.create_plan(&plan("basic", start)).unwrap();
    let sub = env.store.subscribe("basic", "dun").unwrap();
    let opts = EngineOptions::default();
    run_plans(&env.store, &env.client, env.sandbox_now().await, &opts)
        .await
        .unwrap();
    // The first period's schedule fails on the declining card: dunning begins.
    env.advance(2 * 3600).await;
    run_plans(&env.store, &env.client, env.sandbox_now().await, &opts)
        .await
        .unwrap();
    let p0 = &env.store.subscription_periods(sub.id).unwrap()[0];
    assert_eq!(p0.state, "failed");
    // The customer fixes the card (a new key on the same customer_uid); a backup
    // is taken; then the first retry is paid.
    env.key("dun", APPROVE).await;
    env.store.backup_now().unwrap();
    env.advance(3 * DAY + 60).await;
    let r = run_plans(&env.store, &env.client, env.sandbox_now().await, &opts)
        .await
        .unwrap();
    assert_eq!(r.retries_paid, 1, "{r:?}");
    assert_eq!(env.paid_for_customer("dun").await, 1);

    // The laptop's database is restored from that backup: it forgets the retry.
    let store = recover(
        env.db_path(),
        Recovery::LatestBackup,
        OpenOptions::default(),
    )
    .unwrap();
    assert!(store.resync_status().unwrap().is_some());
    let now = env.sandbox_now().await;
    let refused = run_plans(&store, &env.client, now, &opts)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::NeedsSync);
    let charge = AgainCharge {
        customer_uid: "dun".into(),
        merchant_uid: None,
        details: ChargeDetails {
            amount: 1_000,
            name: "x".into(),
            ..Default::default()
        },
    };
    assert_eq!(
        charge_again(&store, &env.client, &charge)
            .await
            .unwrap_err()
            .code(),
        ErrorCode::NeedsSync
    );
    // A payment sync alone is not enough; schedules too.
    let quiet = |_: &subdesk_billing::mirror::sync::SyncProgress| {};
    sync_payments(
        &store,
        &env.client,
        &PaymentSyncOptions::default(),
        &quiet,
        &CancelToken::new(),
    )
    .await
    .unwrap();
    assert!(store.check_money_allowed().is_err());
    sync_schedules(
        &store,
        &env.client,
        &ScheduleSyncOptions::default(),
        &quiet,
        &CancelToken::new(),
    )
    .await
    .unwrap();
    store
        .check_money_allowed()
        .expect("allowed after both syncs");

    // The engine finds the period still "failed" and tries its first retry again:
    // i'mport's "already paid" is looked up and found ours, never read as a decline
    // that would move on to a second retry with a new order id.
    let r = run_plans(&store, &env.client, now, &opts).await.unwrap();
    assert_eq!(r.retries_paid, 1, "{r:?}");
    let p0 = &store.subscription_periods(sub.id).unwrap()[0];
    assert_eq!(p0.state, "paid", "{p0:?}");
    env.advance(4 * DAY).await;
    run_plans(&store, &env.client, env.sandbox_now().await, &opts)
        .await
        .unwrap();
    assert_eq!(
        env.paid_for_customer("dun").await,
        1,
        "the period is paid once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_revokes_schedules_whose_registration_answer_was_lost() {
    let env = env().await;
    env.key("leaver", APPROVE).await;
    let start = env.sandbox_now().await + 3600;
    let p = env.store.create_plan(&plan("leave", start)).unwrap();
    let sub = env.store.subscribe("leave", "leaver").unwrap();
    // The engine sends the registration and the process dies before the answer;
    // i'mport registers it all the same. Nothing records the periods.
    env.fault(Fault::Kill.rule("/subscribe/payments/schedule"))
        .await;
    let (s, c, now) = (
        env.store.clone(),
        env.client.clone(),
        env.sandbox_now().await,
    );
    let task = tokio::spawn(async move { run_plans(&s, &c, now, &EngineOptions::default()).await });
    wait_for_open_row(&env.db_path()).await;
    task.abort();
    let _ = task.await;
    tokio::time::sleep(Duration::from_millis(LATENCY_MS + 300)).await;
    env.clear_faults().await;
    let store = Store::open(env.db_path()).unwrap();
    assert!(store.subscription_periods(sub.id).unwrap().is_empty());
    let ids: Vec<String> = (0..3)
        .map(|i| p.merchant_uid("leaver", &p.period(i).unwrap()))
        .collect();
    for m in &ids {
        let s = env.client.get_schedule(m).await.unwrap();
        assert_eq!(
            s.schedule_status,
            Some(ScheduleStatus::Scheduled),
            "live at i'mport"
        );
    }
    let c = cancel_subscription(&store, &env.client, sub.id, env.sandbox_now().await)
        .await
        .unwrap();
    assert!(c.pending.is_empty(), "{c:?}");
    for m in &ids {
        let s = env.client.get_schedule(m).await.unwrap();
        assert_eq!(s.schedule_status, Some(ScheduleStatus::Revoked), "{m}");
    }
    // Nothing is charged afterwards, however much time passes.
    env.advance(100 * DAY).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    run_plans(
        &store,
        &env.client,
        env.sandbox_now().await,
        &EngineOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(env.paid_for_customer("leaver").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_running_one_run_the_engine_and_reconciliation_charge_once() {
    let env = env().await;
    let customers = 12;
    for i in 0..customers {
        env.key(&format!("two_{i}"), APPROVE).await;
    }
    let csv: String = (0..customers)
        .map(|i| format!("two_{i},{}\n", 1000 + i))
        .collect();
    let plan = plan_csv_run(
        &env.store,
        Some(&env.client),
        "둘",
        &csv,
        &RunOptions {
            concurrency: 2,
            rate_per_sec: 0.0,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // Lost answers that the server finishes later, spread over the run.
    env.fault(
        serde_json::json!({"kind": "commit_late", "latency_ms": LATENCY_MS, "method": "POST",
        "path_prefix": "/subscribe/payments/again", "count": 3}),
    )
    .await;
    // Each "process" has its own connections to the same file, as the app and the
    // CLI do.
    let a = Store::open(env.db_path()).unwrap();
    let b = Store::open(env.db_path()).unwrap();
    let c = Store::open(env.db_path()).unwrap();
    let quiet = |_: &subdesk_billing::RunProgress| {};
    let (ctl_a, ctl_b) = (RunControl::new(), RunControl::new());
    let (ra, rb, rc) = tokio::join!(
        execute_run(&a, &env.client, &plan.run_id, &ctl_a, &quiet),
        async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            execute_run(&b, &env.client, &plan.run_id, &ctl_b, &quiet).await
        },
        async {
            for _ in 0..5 {
                let _ =
                    reconcile_with(&c, &env.client, &ReconcileOptions { min_age_secs: 0 }).await;
                let _ = run_plans(
                    &c,
                    &env.client,
                    env.sandbox_now().await,
                    &EngineOptions::default(),
                )
                .await;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Ok::<_, subdesk_billing::Error>(())
        }
    );
    rc.unwrap();
    // One of the two ran it; the other was told another process had it.
    let busy = [&ra, &rb]
        .iter()
        .filter(|r| r.as_ref().is_err_and(|e| e.code() == ErrorCode::WorkBusy))
        .count();
    assert_eq!(busy, 1, "{ra:?} {rb:?}");
    // Finish whatever is still checking, from yet another process.
    tokio::time::sleep(Duration::from_millis(LATENCY_MS + 300)).await;
    let d = Store::open(env.db_path()).unwrap();
    for _ in 0..5 {
        let r = execute_run(&d, &env.client, &plan.run_id, &RunControl::new(), &quiet).await;
        if r.as_ref().is_ok_and(|r| r.state == "completed") {
            break;
        }
        reconcile_with(&d, &env.client, &ReconcileOptions { min_age_secs: 0 })
            .await
            .unwrap();
    }
    for i in 0..customers {
        assert_eq!(
            env.paid_for_customer(&format!("two_{i}")).await,
            1,
            "two_{i}"
        );
    }
}
