//! Exactly once per intent, on the paths people really take. Every check counts
//! paid payments **per customer** at the sandbox (one order id can only be paid
//! once there, so a count per merchant_uid could never see a double charge), and
//! every retry is made the way the charge form and the CLI make it: with no order
//! id.

use std::time::Duration;
use subdesk_codes::ErrorCode;

use subdesk_billing::{
    AgainCharge, ChargeResult, ChargeStatus, JournalState, OnetimeCharge, RefundRequest,
    RefundStatus, RunOptions, Store, charge_again, charge_onetime, reconcile_with, refund,
};

use crate::common::{
    APPROVE, Env, FAULTS, Fault, LATENCY_MS, card, details, env, now_opts, wait_for_open_row,
};

const SETTLE_LATER: &str = "9410-0000-0000-0062";

fn again(uid: &str, amount: i64) -> AgainCharge {
    AgainCharge {
        customer_uid: uid.into(),
        merchant_uid: None,
        details: details(amount),
    }
}

fn order(uid: &str, merchant_uid: &str, amount: i64) -> AgainCharge {
    AgainCharge {
        customer_uid: uid.into(),
        merchant_uid: Some(merchant_uid.into()),
        details: details(amount),
    }
}

/// A person who did not see their charge finish presses "charge" again, with the
/// same amount and no order id, until they see paid or declined. Between presses
/// they check (reconcile) at once: no waiting for a late answer to land, the
/// harshest timing there is.
async fn press_until_seen(env: &Env, store: &Store, req: &AgainCharge) -> ChargeResult {
    for _ in 0..20 {
        match charge_again(store, &env.client, req).await {
            Ok(r) if matches!(r.status, ChargeStatus::Paid | ChargeStatus::Declined) => return r,
            Ok(_) => {}
            Err(e) if e.code() == ErrorCode::ChargeUnresolved => {}
            Err(e) => panic!("{}: {e}", e.code()),
        }
        reconcile_with(store, &env.client, &now_opts())
            .await
            .expect("reconcile");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("never settled");
}

/// Start a charge under `fault`; for `Kill`, drop it once its row is journaled and
/// continue on a fresh Store, as a restarted process would. Returns the store and
/// what the person saw, if it was an outcome (then they do not press again).
async fn first_press(
    env: &Env,
    fault: Fault,
    path: &str,
    req: AgainCharge,
) -> (Store, Option<ChargeResult>) {
    env.fault(fault.rule(path)).await;
    let (s, c) = (env.store.clone(), env.client.clone());
    let task = tokio::spawn(async move { charge_again(&s, &c, &req).await });
    let mut seen = None;
    if fault == Fault::Kill {
        wait_for_open_row(&env.db_path()).await;
        task.abort();
        let _ = task.await;
    } else if let Ok(r) = task.await.expect("task") {
        // Whatever the first press saw, it is never a decline.
        assert_ne!(r.status, ChargeStatus::Declined, "{fault:?}");
        seen = (r.status == ChargeStatus::Paid).then_some(r);
    }
    env.clear_faults().await;
    (Store::open(env.db_path()).expect("reopen"), seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_charge_retried_without_an_order_id_is_paid_once_under_every_fault() {
    let env = env().await;
    for (n, fault) in FAULTS.into_iter().enumerate() {
        let uid = format!("user_{n}");
        env.key(&uid, APPROVE).await;
        let req = again(&uid, 12_000);
        let (store, shown) =
            first_press(&env, fault, "/subscribe/payments/again", req.clone()).await;
        let seen = match shown {
            Some(r) => r,
            None => press_until_seen(&env, &store, &req).await,
        };
        assert_eq!(seen.status, ChargeStatus::Paid, "{fault:?}");
        // Whatever still arrives late has arrived by now.
        tokio::time::sleep(Duration::from_millis(LATENCY_MS + 300)).await;
        reconcile_with(&store, &env.client, &now_opts())
            .await
            .unwrap();
        assert_eq!(env.paid_for_customer(&uid).await, 1, "{fault:?}: paid once");
        // The outcome was shown. The same press once more, naming no order, is
        // refused as most likely the same intent again; a new order charges anew.
        let same = charge_again(&store, &env.client, &req).await.unwrap_err();
        assert_eq!(same.code(), ErrorCode::RecentSameCharge, "{fault:?}");
        assert_eq!(env.paid_for_customer(&uid).await, 1, "{fault:?}");
        let new_order = AgainCharge {
            merchant_uid: Some(subdesk_billing::money::merchant_uid::unique()),
            ..req.clone()
        };
        let next = charge_again(&store, &env.client, &new_order).await.unwrap();
        assert_eq!(
            (next.status, next.replayed),
            (ChargeStatus::Paid, false),
            "{fault:?}"
        );
        assert_ne!(next.merchant_uid, seen.merchant_uid);
        assert_eq!(env.paid_for_customer(&uid).await, 2, "{fault:?}");
        assert_eq!(store.journal_open_count().unwrap(), 0, "{fault:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_with_a_first_charge_retried_without_an_order_id_is_paid_once() {
    let env = env().await;
    for (n, fault) in FAULTS.into_iter().enumerate() {
        let keep = format!("first_{n}");
        let make = || OnetimeCharge {
            card: card(APPROVE),
            merchant_uid: None,
            details: details(33_000),
            keep_key_as: Some(keep.clone()),
            pg: None,
        };
        env.fault(fault.rule("/subscribe/payments/onetime")).await;
        let (s, c, r) = (env.store.clone(), env.client.clone(), make());
        let task = tokio::spawn(async move { charge_onetime(&s, &c, r).await });
        let mut seen = None;
        if fault == Fault::Kill {
            wait_for_open_row(&env.db_path()).await;
            task.abort();
            let _ = task.await;
        } else if let Ok(Ok(r)) = task.await {
            seen = (r.status == ChargeStatus::Paid).then_some(r);
        }
        env.clear_faults().await;
        let store = Store::open(env.db_path()).unwrap();
        for _ in 0..20 {
            if seen.is_some() {
                break;
            }
            match charge_onetime(&store, &env.client, make()).await {
                Ok(r) if r.status == ChargeStatus::Paid => {
                    seen = Some(r);
                    break;
                }
                Ok(_) => {}
                Err(e) if e.code() == ErrorCode::ChargeUnresolved => {}
                Err(e) => panic!("{fault:?}: {}: {e}", e.code()),
            }
            reconcile_with(&store, &env.client, &now_opts())
                .await
                .unwrap();
        }
        assert!(seen.is_some(), "{fault:?}");
        tokio::time::sleep(Duration::from_millis(LATENCY_MS + 300)).await;
        reconcile_with(&store, &env.client, &now_opts())
            .await
            .unwrap();
        assert_eq!(env.paid_for_customer(&keep).await, 1, "{fault:?}");
        // The key the first charge kept is in the registry, however the outcome
        // was learned (the answer, or a lookup after it was lost).
        let c = store.get_customer(&keep).expect("kept key registered");
        assert_eq!(
            c.key_status,
            subdesk_billing::KeyStatus::Active,
            "{fault:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_database_when_the_answer_arrives_is_never_an_error_and_never_a_second_charge() {
    let env = env().await;
    env.key("busy", APPROVE).await;
    env.key("briefly", APPROVE).await;
    // Recording retries for six busy timeouts: 1.8 s here.
    let store = Store::open_with(
        env.db_path(),
        subdesk_billing::OpenOptions {
            busy_timeout: Duration::from_millis(300),
            ..Default::default()
        },
    )
    .unwrap();
    // A patient client: the answer comes 1 s after the request, and arrives.
    let patient = crate::common::client_for(&env.sb.base_url(), 10_000);
    // Another process takes the write lock once the charge is journaled and on its
    // way, and holds it for `hold_ms`: the answer arrives while it is held.
    let hold_lock = |customer: &'static str, hold_ms: u64| {
        let path = env.db_path();
        std::thread::spawn(move || {
            let c = rusqlite::Connection::open(path).unwrap();
            let sent = |c: &rusqlite::Connection| -> i64 {
                c.query_row(
                    "SELECT count(*) FROM journal WHERE customer_uid = ?1 AND state = 'sent'",
                    [customer],
                    |r| r.get(0),
                )
                .unwrap()
            };
            while sent(&c) == 0 {
                std::thread::sleep(Duration::from_millis(5));
            }
            c.execute_batch("BEGIN IMMEDIATE").unwrap();
            std::thread::sleep(Duration::from_millis(hold_ms));
            c.execute_batch("COMMIT").unwrap();
        })
    };
    let slow_answer = serde_json::json!({"kind": "latency", "latency_ms": 1000, "method": "POST",
        "path_prefix": "/subscribe/payments/again"});

    // Busy far longer than recording retries: told i'mport's answer, recorded later.
    env.fault(slow_answer.clone()).await;
    let holder = hold_lock("busy", 1000 + 3000);
    let req = again("busy", 7_000);
    let first = charge_again(&store, &patient, &req)
        .await
        .expect("after sending, never a plain error");
    assert_eq!(
        first.status,
        ChargeStatus::Paid,
        "i'mport's answer, as it came"
    );
    let row = env.store.journal_get(first.journal_id).unwrap();
    assert_eq!(
        row.state,
        JournalState::Sent,
        "not recorded while busy: {row:?}"
    );
    holder.join().unwrap();
    // Reconciliation records what i'mport made; pressing again (the same request,
    // no order id) is answered with that charge and sends nothing.
    let rep = reconcile_with(&store, &env.client, &now_opts())
        .await
        .unwrap();
    assert_eq!(rep.by_outcome.get("paid"), Some(&1), "{rep:?}");
    let seen = press_until_seen(&env, &store, &req).await;
    assert_eq!(seen.status, ChargeStatus::Paid);
    assert!(
        seen.replayed,
        "answered with the first charge, nothing sent again"
    );
    assert_eq!(seen.merchant_uid, first.merchant_uid);
    assert_eq!(env.paid_for_customer("busy").await, 1);

    // Busy for less than recording retries last: recorded as paid when it frees.
    env.fault(slow_answer).await;
    let holder = hold_lock("briefly", 1000 + 600);
    let r = charge_again(&store, &patient, &again("briefly", 7_000))
        .await
        .unwrap();
    holder.join().unwrap();
    assert_eq!(r.status, ChargeStatus::Paid);
    let row = env.store.journal_get(r.journal_id).unwrap();
    assert_eq!(row.state, JournalState::Succeeded, "{row:?}");
    assert_eq!(env.paid_for_customer("briefly").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_charge_while_one_is_checking_is_refused_and_names_it() {
    let env = env().await;
    env.key("open", APPROVE).await;
    env.fault(Fault::CommitLate.rule("/subscribe/payments/again"))
        .await;
    let first = charge_again(&env.store, &env.client, &again("open", 5_000))
        .await
        .unwrap();
    assert_eq!(first.status, ChargeStatus::Unknown);
    // Another amount, another order id: still refused while the first is open.
    let err = charge_again(&env.store, &env.client, &again("open", 9_000))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::ChargeUnresolved);
    assert!(err.to_string().contains(&first.merchant_uid), "{err}");
    tokio::time::sleep(Duration::from_millis(LATENCY_MS + 300)).await;
    reconcile_with(&env.store, &env.client, &now_opts())
        .await
        .unwrap();
    // The first went through after all; the person was never told. A request for
    // another amount is told that first, and nothing is charged now.
    let told = charge_again(&env.store, &env.client, &again("open", 9_000))
        .await
        .unwrap_err();
    assert_eq!(told.code(), ErrorCode::EarlierChargePaid);
    assert_eq!(env.paid_for_customer("open").await, 1);
    // Asked again, knowingly: charged.
    let r = charge_again(&env.store, &env.client, &again("open", 9_000))
        .await
        .unwrap();
    assert_eq!(r.status, ChargeStatus::Paid);
    assert_eq!(env.paid_for_customer("open").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_under_our_order_id_that_is_not_ours_is_a_conflict() {
    let env = env().await;
    env.key("rich", APPROVE).await;
    env.key("small", APPROVE).await;
    // Another system (another desk's database) charged ₩50,000 to `rich` under
    // the order id that our ₩1,000 charge to `small` will use.
    let elsewhere = Store::open(env.dir.path().join("elsewhere.sqlite3")).unwrap();
    env.key_in(&elsewhere, "rich").await;
    let m = "shared-order-1".to_string();
    let theirs = charge_again(&elsewhere, &env.client, &order("rich", &m, 50_000))
        .await
        .unwrap();
    assert_eq!(theirs.status, ChargeStatus::Paid);
    // Ours is lost on the way (nothing executes); the lookup then finds theirs.
    env.fault(Fault::Drop.rule("/subscribe/payments/again"))
        .await;
    let ours = charge_again(&env.store, &env.client, &order("small", &m, 1_000))
        .await
        .unwrap();
    reconcile_with(&env.store, &env.client, &now_opts())
        .await
        .unwrap();
    let row = env.store.journal_get(ours.journal_id).unwrap();
    assert_eq!(row.state, JournalState::Conflict, "{row:?}");
    assert_ne!(
        row.imp_uid.as_deref(),
        theirs.imp_uid.as_deref(),
        "never pointing at theirs"
    );
    let other = row.conflict.expect("the other side is kept");
    assert!(
        other.contains("\"rich\"") && other.contains("50000"),
        "{other}"
    );
    // Until a person decides, the customer is not charged again.
    let err = charge_again(&env.store, &env.client, &again("small", 1_000))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::ChargeConflict);
    let decided = env
        .store
        .decide_conflict(row.id, false, "another desk's order")
        .unwrap();
    assert_eq!(decided.outcome.as_deref(), Some("not_executed"));
    assert_eq!(env.paid_for_customer("small").await, 0);

    // Without a fault, i'mport's "already paid" refusal is looked up too: a
    // conflict again, not a refusal and not "paid".
    let err_or = charge_again(
        &env.store,
        &env.client,
        &order("small", "shared-order-2", 1_000),
    )
    .await;
    assert_eq!(err_or.unwrap().status, ChargeStatus::Paid);
    let theirs2 = charge_again(
        &elsewhere,
        &env.client,
        &order("rich", "shared-order-3", 50_000),
    )
    .await
    .unwrap();
    assert_eq!(theirs2.status, ChargeStatus::Paid);
    let r = charge_again(
        &env.store,
        &env.client,
        &order("small", "shared-order-3", 1_000),
    )
    .await
    .unwrap();
    assert_eq!(r.status, ChargeStatus::Conflict);
    assert_eq!(env.paid_for_customer("small").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ready_charge_stays_checking_until_it_settles() {
    let env = env().await;
    env.key("slow", SETTLE_LATER).await;
    let r = charge_again(&env.store, &env.client, &again("slow", 4_000))
        .await
        .unwrap();
    assert_eq!(r.status, ChargeStatus::Unknown);
    // Long past any "not found" age: still open, never "not executed".
    let rep = reconcile_with(&env.store, &env.client, &now_opts())
        .await
        .unwrap();
    assert_eq!(rep.still_open, 1, "{rep:?}");
    let err = charge_again(&env.store, &env.client, &again("slow", 4_000))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::ChargeUnresolved);
    env.advance(61).await;
    let seen = press_until_seen(&env, &env.store, &again("slow", 4_000)).await;
    assert_eq!((seen.status, seen.replayed), (ChargeStatus::Paid, true));
    assert_eq!(env.paid_for_customer("slow").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refund_retried_after_a_lost_answer_refunds_once() {
    let env = env().await;
    env.key("refunded", APPROVE).await;
    let paid = charge_again(&env.store, &env.client, &again("refunded", 20_000))
        .await
        .unwrap();
    let imp = paid.imp_uid.clone().unwrap();
    let req = RefundRequest {
        imp_uid: imp.clone(),
        amount: Some(5_000),
        tax_free: None,
        vat_amount: None,
        reason: "고객 요청".into(),
    };
    env.fault(Fault::CommitLate.rule("/payments/cancel")).await;
    let first = refund(&env.store, &env.client, &req).await.unwrap();
    assert_eq!(first.status, RefundStatus::Unknown);
    // Pressed again at once: refused while it is being checked.
    let err = refund(&env.store, &env.client, &req).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::RefundUnresolved);
    tokio::time::sleep(Duration::from_millis(LATENCY_MS + 300)).await;
    reconcile_with(&env.store, &env.client, &now_opts())
        .await
        .unwrap();
    // Pressed again after it went through: answered with that refund.
    let again_ = refund(&env.store, &env.client, &req).await.unwrap();
    assert_eq!(
        (again_.status, again_.replayed),
        (RefundStatus::Refunded, true)
    );
    let p = env.client.get_payment(&imp, true).await.unwrap();
    assert_eq!(p.cancel_history.len(), 1, "refunded once");
    // Knowingly once more: a second refund.
    let second = refund(&env.store, &env.client, &req).await.unwrap();
    assert!(!second.replayed);
    let p = env.client.get_payment(&imp, true).await.unwrap();
    assert_eq!(p.cancel_history.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amounts_above_the_maximum_are_refused_before_anything_is_sent() {
    let env = env().await;
    env.key("typo", APPROVE).await;
    let before = env.requests().await.len();
    let err = charge_again(
        &env.store,
        &env.client,
        &again("typo", subdesk_billing::money::charge::MAX_AMOUNT + 1),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::AmountTooLarge);
    assert_eq!(env.requests().await.len(), before, "no request sent");
    assert_eq!(
        env.store.journal_list(&Default::default()).unwrap().len(),
        0
    );
    let csv = format!(
        "typo,{}\ntypo2,1000\n",
        subdesk_billing::money::charge::MAX_AMOUNT + 1
    );
    let plan = subdesk_billing::plan_csv_run(
        &env.store,
        Some(&env.client),
        "큰 금액",
        &csv,
        &RunOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        plan.excluded[0].reason,
        subdesk_billing::ExcludeReason::BadRow
    );
    assert!(
        plan.excluded[0].detail.contains("at most"),
        "{:?}",
        plan.excluded
    );
}
