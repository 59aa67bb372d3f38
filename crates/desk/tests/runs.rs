//! Bulk runs through the desk (what the app's Runs page and `subdesk-cli run` call),
//! against the sandbox over loopback: the dry run's figures and who is left out, pause,
//! resume, cancel, and a run whose process died mid-way resumed with exactly one payment
//! per customer at the sandbox (counted whatever the order ids).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use subdesk_billing::{ExcludeReason, RunControl, RunProgress};
use subdesk_desk::ErrorCode;
use subdesk_desk::runs::{self, RunChoices};
use subdesk_iamport::PaymentStatus;

mod common;
use common::World;

const APPROVE: &str = "4242-4242-4242-4242";

async fn world() -> World {
    common::world("runs").await
}

impl World {
    /// Paid payments the sandbox holds for a customer, whatever their order ids.
    async fn paid_at_sandbox(&self, uid: &str) -> usize {
        match self
            .session
            .client()
            .unwrap()
            .billing_key_payments(uid, Some(1))
            .await
        {
            Ok(page) => page
                .list
                .iter()
                .filter(|p| p.status == PaymentStatus::Paid)
                .count(),
            Err(subdesk_iamport::Error::NotFound { .. }) => 0,
            Err(e) => panic!("payments of {uid}: {e}"),
        }
    }

    fn row(&self, run_id: &str) -> runs::RunRow {
        runs::list(&self.session)
            .unwrap()
            .into_iter()
            .find(|r| r.summary.info.run_id == run_id)
            .expect("run listed")
    }
}

fn slow() -> RunChoices {
    RunChoices::default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dry_run_counts_totals_and_says_who_is_left_out_and_why() {
    let w = world().await;
    for uid in ["run-a", "run-b", "run-c", "run-gone"] {
        w.key(uid, APPROVE).await;
    }
    w.session.store.mark_customer_deleted("run-gone").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("12월 청구.csv");
    std::fs::write(
        &path,
        "customer_uid,amount,name\nrun-a,11000,12월 이용료\nrun-b,22000\nnobody,5000\n\
         run-gone,1000\nrun-c,abc\nrun-a,11000\nrun-c,33000\n",
    )
    .unwrap();
    let p = runs::plan_csv_file(&w.session, &path, None, &slow())
        .await
        .unwrap();
    assert_eq!(p.file_name.as_deref(), Some("12월 청구.csv"));
    assert_eq!(p.plan.label, "12월 청구.csv");
    assert_eq!((p.plan.count, p.plan.total, p.plan.vat), (3, 66_000, 6_000));
    let why: Vec<(i64, ExcludeReason)> =
        p.plan.excluded.iter().map(|e| (e.line, e.reason)).collect();
    assert_eq!(
        why,
        vec![
            (4, ExcludeReason::NoKey),
            (5, ExcludeReason::KeyNotActive),
            (6, ExcludeReason::BadRow),
            (7, ExcludeReason::DuplicateCustomer),
        ]
    );
    assert_eq!(p.duplicates, 1);
    assert_eq!((p.pending.count, p.pending.total), (3, 66_000));
    assert_eq!(p.pending.first[0].name, "12월 이용료");
    assert!(!p.live && !p.plan.resumed);
    // Nothing was sent.
    for uid in ["run-a", "run-b", "run-c"] {
        assert_eq!(w.paid_at_sandbox(uid).await, 0);
    }
    let row = w.row(&p.plan.run_id);
    assert_eq!(row.summary.info.state, "ready");
    assert_eq!(row.summary.skipped, 4);
    assert!(!row.interrupted);

    // The same file chosen again is the same run, not a second one.
    let again = runs::plan_csv_file(&w.session, &path, None, &slow())
        .await
        .unwrap();
    assert!(again.plan.resumed);
    assert_eq!(again.plan.run_id, p.plan.run_id);
    assert_eq!(runs::list(&w.session).unwrap().len(), 1);

    // A file that is not text is refused before anything is planned.
    let xlsx = dir.path().join("book.xlsx");
    std::fs::write(&xlsx, b"PK\x03\x04\x00\x00").unwrap();
    let e = runs::plan_csv_file(&w.session, &xlsx, None, &slow())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::FileNotText);
    assert_eq!(runs::list(&w.session).unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_resume_then_cancel_what_is_left() {
    let w = world().await;
    let n = 20;
    let uids: Vec<String> = (0..n).map(|i| format!("run-p{i}")).collect();
    for uid in &uids {
        w.key(uid, APPROVE).await;
    }
    let csv: String = uids.iter().map(|u| format!("{u},1000\n")).collect();
    let p = runs::plan_csv_text(&w.session, "pause", &csv, &slow())
        .await
        .unwrap();
    assert_eq!(p.plan.count, n);

    // Pause after the second result.
    let control = RunControl::new();
    let c2 = control.clone();
    let pause_at_2 = move |p: &RunProgress| {
        if p.done >= 2 {
            c2.pause();
        }
    };
    let r = runs::execute(&w.session, &p.plan.run_id, None, &control, &pause_at_2)
        .await
        .unwrap();
    assert_eq!(r.state, "paused");
    let paid_first = r.progress.paid;
    assert!((2..n - 6).contains(&paid_first), "{paid_first}");
    let row = w.row(&p.plan.run_id);
    assert_eq!(
        (row.summary.info.state.as_str(), row.interrupted),
        ("paused", false)
    );
    assert_eq!(row.summary.paid, paid_first);
    let left = runs::pending(&w.session, &p.plan.run_id).unwrap();
    assert_eq!(left.count, n - paid_first);

    // Resume for one more line, then cancel the idle run: the rest is never sent.
    let control = RunControl::new();
    let c3 = control.clone();
    let target = paid_first + 1;
    let pause_again = move |p: &RunProgress| {
        if p.done >= target {
            c3.pause();
        }
    };
    let r = runs::execute(&w.session, &p.plan.run_id, None, &control, &pause_again)
        .await
        .unwrap();
    assert_eq!(r.state, "paused");
    let paid = r.progress.paid;
    assert!(paid > paid_first && paid < n, "{paid}");
    let c = runs::cancel_idle(&w.session, &p.plan.run_id).await.unwrap();
    assert_eq!(c.state, "cancelled");
    assert_eq!(c.sent, 0, "cancelling sends nothing");
    let row = w.row(&p.plan.run_id);
    assert_eq!(row.summary.info.state, "cancelled");
    assert_eq!((row.summary.paid, row.summary.skipped), (paid, n - paid));
    let mut at_sandbox = 0;
    for uid in &uids {
        at_sandbox += w.paid_at_sandbox(uid).await;
    }
    assert_eq!(at_sandbox as i64, paid);
    // A cancelled run neither starts nor cancels again.
    let e = runs::check_start(&w.session, &p.plan.run_id, None).unwrap_err();
    assert_eq!(e.code, ErrorCode::RunState);
    let e = runs::cancel_idle(&w.session, &p.plan.run_id)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::RunState);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_killed_mid_way_resumes_with_one_payment_per_customer() {
    let w = world().await;
    let n = 24;
    let uids: Vec<String> = (0..n).map(|i| format!("run-k{i}")).collect();
    for uid in &uids {
        w.key(uid, APPROVE).await;
    }
    let csv: String = uids
        .iter()
        .map(|u| format!("{u},1500,정기 결제\n"))
        .collect();
    let p = runs::plan_csv_text(&w.session, "kill", &csv, &slow())
        .await
        .unwrap();
    // The first two charges are slow at i'mport: the process dies while they are in
    // flight, and i'mport charges them after it died (their results were never seen).
    w.sandbox.add_fault(
        subdesk_sandbox::FaultRule::new(subdesk_sandbox::FaultKind::CommitLate)
            .method("POST")
            .path_prefix("/subscribe/payments/again")
            .latency_ms(1500)
            .count(2),
    );
    let done = Arc::new(AtomicI64::new(0));
    let seen = done.clone();
    let (session, run_id) = (w.session.clone(), p.plan.run_id.clone());
    let task = tokio::spawn(async move {
        let cb = move |p: &RunProgress| {
            seen.store(p.done, Ordering::SeqCst);
        };
        runs::execute(&session, &run_id, None, &RunControl::new(), &cb).await
    });
    while done.load(Ordering::SeqCst) < 4 && !task.is_finished() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(!task.is_finished(), "killed mid-way");
    task.abort(); // the process dies: requests in flight and their futures are gone
    let _ = task.await;
    w.sandbox.clear_faults();

    // What the app shows after a restart: the run left running by nobody.
    let row = w.row(&p.plan.run_id);
    assert_eq!(row.summary.info.state, "running");
    assert!(row.interrupted, "a dead process's run reads as interrupted");
    assert!(row.summary.open > 0);

    let r = runs::execute(
        &w.session,
        &p.plan.run_id,
        None,
        &RunControl::new(),
        &|_| {},
    )
    .await
    .unwrap();
    assert_eq!(r.state, "completed");
    assert_eq!(r.progress.paid, n as i64);
    let mut per_customer = Vec::new();
    for uid in &uids {
        per_customer.push(w.paid_at_sandbox(uid).await);
    }
    assert_eq!(per_customer, vec![1; n], "one payment per customer");
    let row = w.row(&p.plan.run_id);
    assert!(!row.interrupted);
    assert_eq!((row.summary.paid, row.summary.open), (n as i64, 0));
    assert_eq!(row.summary.amount_paid, 1500 * n as i64);
}
