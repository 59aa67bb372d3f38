//! Sync tests against subdesk-sandbox over loopback.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};

use secrecy::SecretString;
use subdesk_billing::mirror::sync::{
    self, CancelToken, PaymentSyncOptions, ScheduleSyncOptions, SyncOutcome, SyncProgress,
    VerifyScope,
};
use subdesk_billing::{ImportChoice, ImportFormat, KeyStatus, PaymentQuery, ScheduleQuery, Store};
use subdesk_iamport::{CancelRequest, Client, Config, Money, ScheduleEntry, ScheduleRequest};
use subdesk_sandbox::{DEFAULT_IMP_KEY, DEFAULT_IMP_SECRET, Sandbox, SandboxConfig};

const DAY: i64 = 86_400;

async fn sandbox(customers: u64, payments: u64) -> (Sandbox, Client) {
    let sb = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let res = reqwest::Client::new()
        .post(format!("{}/__sandbox/seed", sb.base_url()))
        .json(&serde_json::json!({ "seed": 7, "customers": customers, "payments": payments }))
        .send()
        .await
        .expect("seed");
    assert!(
        res.status().is_success(),
        "seed failed: {}",
        res.text().await.unwrap_or_default()
    );
    let config = Config::new(
        DEFAULT_IMP_KEY,
        SecretString::from(DEFAULT_IMP_SECRET.to_string()),
    )
    .base_url(&sb.base_url())
    .expect("config");
    let client = Client::new(config).expect("client");
    (sb, client)
}

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path().join("shop.sqlite3")).unwrap();
    (dir, s)
}

fn quiet(_: &SyncProgress) {}

fn small_windows() -> PaymentSyncOptions {
    PaymentSyncOptions {
        full_from: Some(subdesk_now() - 366 * DAY),
        page_limit: 100,
        window_secs: 30 * DAY,
        ..Default::default()
    }
}

fn subdesk_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Every payment in the store as imp_uid → (status, amount, cancel_amount).
fn snapshot(store: &Store) -> BTreeMap<String, (String, i64, i64)> {
    let mut out = BTreeMap::new();
    let mut q = PaymentQuery {
        limit: Some(500),
        ..Default::default()
    };
    loop {
        let page = store.list_payments(&q).unwrap();
        for p in page.items {
            let prev = out.insert(
                p.imp_uid.clone(),
                (format!("{:?}", p.status), p.amount, p.cancel_amount),
            );
            assert!(prev.is_none(), "listed twice: {}", p.imp_uid);
        }
        match page.next_cursor {
            Some(c) => q.cursor = Some(c),
            None => return out,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registry_verify_marks_unknown_keys_and_refreshes_known_ones() {
    let (_sb, client) = sandbox(30, 0).await;
    let (_d, store) = store();
    let mut list: Vec<String> = (0..25).map(|i| format!("seed7_cust_{i:06}")).collect();
    list.extend((0..5).map(|i| format!("website_gone_{i}")));
    let plan = store
        .plan_import(&list.join("\n"), ImportFormat::Auto)
        .unwrap();
    assert_eq!(plan.good.len(), 30);
    store
        .apply_import(&plan, ImportChoice::GoodRowsOnly)
        .unwrap();

    let batches = AtomicI64::new(0);
    let progress = |p: &SyncProgress| {
        batches.store(p.windows_done, Ordering::SeqCst);
    };
    let report = sync::verify_keys(
        &store,
        &client,
        VerifyScope::Unverified,
        &progress,
        &CancelToken::new(),
    )
    .await
    .unwrap();
    assert_eq!((report.checked, report.active, report.unknown), (30, 25, 5));
    assert_eq!(batches.load(Ordering::SeqCst), 1);
    let known = store.get_customer("seed7_cust_000003").unwrap();
    assert_eq!(known.key_status, KeyStatus::Active);
    assert!(
        known.card_name.is_some()
            && known.customer_name.is_some()
            && known.last_verified_at.is_some()
    );
    assert!(known.card_last4.is_some());
    assert_eq!(
        store.get_customer("website_gone_2").unwrap().key_status,
        KeyStatus::Unknown
    );

    // A key deleted at PortOne behind our back turns unknown on the next check.
    client
        .delete_billing_key("seed7_cust_000004", &Default::default())
        .await
        .unwrap();
    let report = sync::verify_keys(
        &store,
        &client,
        VerifyScope::All,
        &quiet,
        &CancelToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(report.unknown, 6);
    assert_eq!(
        store.get_customer("seed7_cust_000004").unwrap().key_status,
        KeyStatus::Unknown
    );
    assert!(store.verify_audit().unwrap().ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payment_sync_full_incremental_and_a_late_cancel() {
    let (_sb, client) = sandbox(200, 3000).await;
    let (_d, store) = store();
    let last = std::sync::Mutex::new(SyncProgress::default());
    let progress = |p: &SyncProgress| *last.lock().unwrap() = p.clone();
    let full = sync::sync_payments(
        &store,
        &client,
        &small_windows(),
        &progress,
        &CancelToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(full.outcome, SyncOutcome::Completed);
    assert_eq!(full.mode, "full");
    assert_eq!(full.rows, 3000);
    assert!(full.windows >= 12, "windows: {}", full.windows);
    assert!(full.pages >= 30, "pages: {}", full.pages);
    let p = last.lock().unwrap().clone();
    assert_eq!(p.windows_done, p.windows_total);
    assert_eq!(store.payment_count().unwrap(), 3000);
    let before = snapshot(&store);

    // Nothing new: an incremental run changes nothing.
    let inc = sync::sync_payments(
        &store,
        &client,
        &small_windows(),
        &quiet,
        &CancelToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(inc.mode, "incremental");
    assert_eq!(inc.changed, 0);
    assert_eq!(snapshot(&store), before);

    // A payment from months ago is refunded today: the next run catches it.
    let old = store
        .list_payments(&PaymentQuery {
            status: vec![subdesk_billing::PaymentStatus::Paid],
            to: Some(subdesk_now() - 120 * DAY),
            limit: Some(1),
            ..Default::default()
        })
        .unwrap()
        .items
        .remove(0);
    assert_eq!(old.cancel_amount, 0);
    let mut req = CancelRequest::default();
    req.imp_uid = Some(old.imp_uid.clone());
    req.checksum = Some(Money::won(old.amount));
    req.reason = Some("late refund".into());
    client.cancel_payment(&req).await.unwrap();
    let inc = sync::sync_payments(
        &store,
        &client,
        &small_windows(),
        &quiet,
        &CancelToken::new(),
    )
    .await
    .unwrap();
    assert!(inc.changed >= 1);
    let after = store.get_payment(&old.imp_uid).unwrap();
    assert_eq!(
        after.payment.status,
        subdesk_billing::PaymentStatus::Cancelled
    );
    assert_eq!(after.payment.cancel_amount, old.amount);
    assert_eq!(after.cancel_history.len(), 1);
    assert_eq!(store.payment_count().unwrap(), 3000);
    let state = store.sync_state("payments").unwrap();
    assert!(!state.resumable && state.watermark.is_some() && state.last_error.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelled_sync_resumes_without_duplicates_to_the_same_state() {
    let (_sb, client) = sandbox(100, 2500).await;
    let (_d, store) = store();
    let token = CancelToken::new();
    let t2 = token.clone();
    let stop_after = move |p: &SyncProgress| {
        if p.pages >= 7 {
            t2.cancel();
        }
    };
    let first = sync::sync_payments(&store, &client, &small_windows(), &stop_after, &token)
        .await
        .unwrap();
    assert_eq!(first.outcome, SyncOutcome::Cancelled);
    let partial = store.payment_count().unwrap();
    assert!(partial > 0 && partial < 2500, "partial: {partial}");
    assert!(store.sync_state("payments").unwrap().resumable);
    assert!(store.sync_state("payments").unwrap().watermark.is_none());

    let resumed = sync::sync_payments(
        &store,
        &client,
        &small_windows(),
        &quiet,
        &CancelToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(resumed.outcome, SyncOutcome::Completed);
    assert_eq!(resumed.mode, "resumed");
    // The resumed run fetched only what was left.
    assert_eq!(first.rows + resumed.rows, 2500);
    assert_eq!(store.payment_count().unwrap(), 2500);

    // Same final state as one uninterrupted sync.
    let (_d2, fresh) = self::store();
    sync::sync_payments(
        &fresh,
        &client,
        &small_windows(),
        &quiet,
        &CancelToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(snapshot(&store), snapshot(&fresh));
    assert!(store.verify_audit().unwrap().ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_refresh_and_schedule_sync() {
    let (sb, client) = sandbox(20, 400).await;
    let (_d, store) = store();
    let uid = "seed7_cust_000001";
    let r = sync::refresh_customer_payments(&store, &client, uid, &quiet, &CancelToken::new())
        .await
        .unwrap();
    let local = store
        .list_payments(&PaymentQuery {
            customer_uid: Some(uid.into()),
            limit: Some(500),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(local.items.len() as i64, r.rows);
    assert!(r.rows > 5, "rows: {}", r.rows);

    let now = sb.now();
    let entries = vec![
        ScheduleEntry::new("sched_a", now + 10 * DAY, Money::won(9900), "월간 구독"),
        ScheduleEntry::new("sched_b", now + 200 * DAY, Money::won(9900), "월간 구독"),
    ];
    client
        .schedule(&ScheduleRequest::new(uid, entries))
        .await
        .unwrap();
    let report = sync::sync_schedules(
        &store,
        &client,
        &ScheduleSyncOptions::default(),
        &quiet,
        &CancelToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(report.outcome, SyncOutcome::Completed);
    assert!(report.windows >= 5);
    let page = store
        .list_schedules(&ScheduleQuery {
            customer_uid: Some(uid.into()),
            ..Default::default()
        })
        .unwrap();
    let ids: Vec<&str> = page.items.iter().map(|s| s.merchant_uid.as_str()).collect();
    assert_eq!(ids, vec!["sched_a", "sched_b"]);
    assert_eq!(page.items[0].amount, 9900);
    // Idempotent.
    let again = sync::sync_schedules(
        &store,
        &client,
        &ScheduleSyncOptions::default(),
        &quiet,
        &CancelToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(again.changed, 0);
}

/// A start date a person names is a full pass from it, even after an earlier sync set the
/// watermark: older history that arrived since (an account's past, demo data) comes in,
/// which an incremental run cannot see.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_named_start_syncs_older_history_again() {
    let (sb, client) = sandbox(20, 50).await;
    let (_d, store) = store();
    let first = sync::sync_payments(
        &store,
        &client,
        &PaymentSyncOptions::asked_from(None),
        &quiet,
        &CancelToken::new(),
    )
    .await
    .unwrap();
    assert_eq!((first.mode.as_str(), first.rows), ("full", 50));
    // More history, spread over the past year, after the watermark was set.
    let res = reqwest::Client::new()
        .post(format!("{}/__sandbox/seed", sb.base_url()))
        .json(&serde_json::json!({ "seed": 8, "customers": 20, "payments": 80 }))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    let incremental = sync::sync_payments(
        &store,
        &client,
        &PaymentSyncOptions::asked_from(None),
        &quiet,
        &CancelToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(incremental.mode, "incremental");
    assert!(store.payment_count().unwrap() < 130);
    let again = sync::sync_payments(
        &store,
        &client,
        &PaymentSyncOptions::asked_from(Some(subdesk_now() - 366 * DAY)),
        &quiet,
        &CancelToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(again.mode, "full");
    assert_eq!(store.payment_count().unwrap(), 130);
}

/// A period compared with i'mport: equal after a sync; then a partial refund made at
/// i'mport (which keeps the payment `paid` with its paid time, so an incremental sync
/// never lists it), a charge the store never saw and a stored payment i'mport does not
/// know are each found as what they are; applying stores i'mport's version, and the next
/// comparison is clean again except for what only a person can decide.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_period_comparison_finds_late_refunds_unknown_and_missing_payments() {
    use subdesk_billing::mirror::compare::{CompareOptions, DifferenceKind, compare_period};
    let (sb, client) = sandbox(30, 600).await;
    let (_d, store) = store();
    sync::sync_payments(
        &store,
        &client,
        &small_windows(),
        &quiet,
        &CancelToken::new(),
    )
    .await
    .unwrap();
    let now = sb.now();
    let year = CompareOptions {
        from: now - 366 * DAY,
        to: now + 3600,
        apply: false,
    };
    let clean = compare_period(&store, &client, &year).await.unwrap();
    assert_eq!(clean.differences_total, 0, "{:?}", clean.differences);
    assert_eq!(clean.theirs, clean.ours);
    assert!(clean.theirs.count >= 500, "listed: {}", clean.theirs.count);

    // A partial refund at i'mport of a payment paid a few weeks ago.
    let recent = store
        .list_payments(&PaymentQuery {
            status: vec![subdesk_billing::PaymentStatus::Paid],
            from: Some(now - 40 * DAY),
            to: Some(now - 10 * DAY),
            limit: Some(50),
            ..Default::default()
        })
        .unwrap()
        .items
        .into_iter()
        .find(|p| p.cancel_amount == 0 && p.amount >= 2000 && p.currency == "KRW")
        .expect("a recent paid payment");
    let mut req = CancelRequest::default();
    req.imp_uid = Some(recent.imp_uid.clone());
    req.amount = Some(Money::won(1000));
    req.checksum = Some(Money::won(recent.amount));
    req.reason = Some("part refunded at the PG".into());
    client.cancel_payment(&req).await.unwrap();
    let inc = sync::sync_payments(
        &store,
        &client,
        &small_windows(),
        &quiet,
        &CancelToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(inc.mode, "incremental");
    assert_eq!(
        store
            .get_payment(&recent.imp_uid)
            .unwrap()
            .payment
            .cancel_amount,
        0,
        "an incremental sync does not list a partial refund of an older payment"
    );

    // A charge the store never saw, and a stored payment i'mport does not know.
    let charged = client
        .charge_again(&subdesk_iamport::AgainRequest::new(
            "seed7_cust_000001",
            "compare_unseen_1",
            Money::won(4_400),
            "unseen",
        ))
        .await
        .unwrap();
    let mut ghost = subdesk_billing::mirror::sync::payments::payment_record(&charged);
    ghost.imp_uid = "imp_not_at_iamport".into();
    ghost.merchant_uid = "ghost_order".into();
    store.upsert_payments(&[ghost]).unwrap();

    let found = compare_period(&store, &client, &year).await.unwrap();
    let kind_of = |uid: &str| {
        found
            .differences
            .iter()
            .find(|d| d.imp_uid == uid)
            .map(|d| d.kind)
    };
    assert_eq!(kind_of(&recent.imp_uid), Some(DifferenceKind::Refunded));
    assert_eq!(kind_of(&charged.imp_uid), Some(DifferenceKind::MissingHere));
    assert_eq!(
        kind_of("imp_not_at_iamport"),
        Some(DifferenceKind::MissingThere)
    );
    assert_eq!(found.differences_total, 3, "{:?}", found.differences);
    assert_eq!(found.applied, 0);
    assert_eq!(found.theirs.refunded, clean.theirs.refunded + 1000);
    assert_eq!(found.theirs.count, clean.theirs.count + 1);
    assert_eq!(found.ours.count, clean.ours.count + 1);

    let applied = compare_period(
        &store,
        &client,
        &CompareOptions {
            apply: true,
            ..year
        },
    )
    .await
    .unwrap();
    assert_eq!(
        applied.applied, 2,
        "the refund and the unseen charge; never the ghost"
    );
    let fixed = store.get_payment(&recent.imp_uid).unwrap().payment;
    assert_eq!(fixed.cancel_amount, 1000);
    assert!(store.get_payment(&charged.imp_uid).is_ok());

    let after = compare_period(&store, &client, &year).await.unwrap();
    assert_eq!(after.differences_total, 1, "{:?}", after.differences);
    assert_eq!(after.differences[0].kind, DifferenceKind::MissingThere);
}
