//! Failure behaviour against injected faults: lost answers, drops, 5xx, timeouts,
//! expired tokens, and one getToken for many concurrent tasks.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;
use subdesk_iamport::{AgainRequest, Client, Error, Money, PaymentStatus, RetryPolicy};

#[tokio::test]
async fn lost_charge_answer_is_unknown_then_found_paid() {
    let env = env().await;
    env.issue("cust_1", CARD_OK).await;
    env.fault(json!({"kind": "commit_then_drop", "method": "POST", "path_prefix": "/subscribe/payments/again"}))
        .await;
    let req = AgainRequest::new("cust_1", "order_lost", Money::won(12_000), "월 구독");
    let e = env.client.charge_again(&req).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Transport {
                may_have_executed: true,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.outcome_unknown());
    assert_eq!(e.code(), "transport");
    // Never retried by the client: exactly one POST reached the server.
    assert_eq!(env.count("POST", "/subscribe/payments/again").await, 1);

    // Reconcile by merchant_uid: it was paid.
    let found = env
        .client
        .find_payment("order_lost", None, None)
        .await
        .unwrap();
    assert_eq!(found.status, PaymentStatus::Paid);
    assert_eq!(found.amount, Money::won(12_000));
    // And re-sending the same order id cannot pay twice.
    let again = env.client.charge_again(&req).await.unwrap_err();
    assert!(matches!(again, Error::Rejected { .. }), "{again:?}");
}

#[tokio::test]
async fn dropped_charge_before_processing_is_unknown_but_not_found() {
    let env = env().await;
    env.issue("cust_1", CARD_OK).await;
    env.fault(
        json!({"kind": "drop", "method": "POST", "path_prefix": "/subscribe/payments/again"}),
    )
    .await;
    let req = AgainRequest::new("cust_1", "order_drop", Money::won(1_000), "n");
    let e = env.client.charge_again(&req).await.unwrap_err();
    // The client cannot tell a drop before processing from one after: unknown.
    assert!(
        matches!(
            e,
            Error::Transport {
                may_have_executed: true,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        env.client
            .find_payment("order_drop", None, None)
            .await
            .unwrap_err()
            .code(),
        "not_found"
    );
    // Not found: safe to send again with the same merchant_uid.
    let p = env.client.charge_again(&req).await.unwrap();
    assert_eq!(p.status, PaymentStatus::Paid);
}

#[tokio::test]
async fn dropped_read_is_retried() {
    let env = env().await;
    env.issue("cust_1", CARD_OK).await;
    env.fault(
        json!({"kind": "drop", "method": "GET", "path_prefix": "/subscribe/customers/cust_1"}),
    )
    .await;
    let c = env.client.get_billing_key("cust_1").await.unwrap();
    assert_eq!(c.customer_uid, "cust_1");
    assert_eq!(
        env.count("GET", "/subscribe/customers/cust_1").await,
        2,
        "one drop, one retry"
    );

    // Without retries the same fault surfaces; a read never "may have executed".
    let no_retry = Client::new(config(&env.base).retry(RetryPolicy::none())).unwrap();
    env.fault(
        json!({"kind": "drop", "method": "GET", "path_prefix": "/subscribe/customers/cust_1"}),
    )
    .await;
    let e = no_retry.get_billing_key("cust_1").await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Transport {
                may_have_executed: false,
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn server_errors_retry_reads_never_writes() {
    let env = env().await;
    env.issue("cust_1", CARD_OK).await;
    env.fault(json!({"kind": "status", "status": 503, "method": "GET", "path_prefix": "/users/pg", "count": 2}))
        .await;
    env.client.pg_settings().await.unwrap();
    assert_eq!(env.count("GET", "/users/pg").await, 3);

    // Reads give up after max_attempts and report the last status.
    env.fault(json!({"kind": "status", "status": 502, "method": "GET", "path_prefix": "/cards", "count": 5})).await;
    let e = env.client.card_codes().await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Server {
                status: 502,
                may_have_executed: false,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(env.count("GET", "/cards").await, 3);

    env.fault(json!({"kind": "status", "status": 500, "method": "POST", "path_prefix": "/subscribe/payments/again"}))
        .await;
    let e = env
        .client
        .charge_again(&AgainRequest::new(
            "cust_1",
            "order_500",
            Money::won(1_000),
            "n",
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Server {
                status: 500,
                may_have_executed: true,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(env.count("POST", "/subscribe/payments/again").await, 1);
}

#[tokio::test]
async fn timeouts_and_refused_connections() {
    let env = env_with(|c| c.timeout(Duration::from_millis(300))).await;
    env.issue("cust_1", CARD_OK).await;
    env.fault(json!({"kind": "latency", "latency_ms": 1500, "method": "POST", "path_prefix": "/subscribe/payments/again"}))
        .await;
    let e = env
        .client
        .charge_again(&AgainRequest::new(
            "cust_1",
            "order_slow",
            Money::won(1_000),
            "n",
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Transport {
                may_have_executed: true,
                timeout: true,
                ..
            }
        ),
        "{e:?}"
    );

    // Nothing listens: the request was never written.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let dead = Client::new(config(&format!("http://127.0.0.1:{port}")).retry(RetryPolicy::none()))
        .unwrap();
    let e = dead
        .charge_again(&AgainRequest::new(
            "cust_1",
            "order_x",
            Money::won(1_000),
            "n",
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Transport {
                may_have_executed: false,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(!e.outcome_unknown());
}

#[tokio::test]
async fn expired_token_is_refreshed_and_the_charge_replayed_once() {
    let env = env().await;
    env.issue("cust_1", CARD_OK).await;
    env.fault(json!({"kind": "expire_token", "method": "POST", "path_prefix": "/subscribe/payments/again"})).await;
    let p = env
        .client
        .charge_again(&AgainRequest::new(
            "cust_1",
            "order_401",
            Money::won(3_000),
            "n",
        ))
        .await
        .unwrap();
    assert_eq!(p.status, PaymentStatus::Paid);
    assert_eq!(env.count("POST", "/users/getToken").await, 2);
    let all = env
        .client
        .find_all_payments("order_401", None, &Default::default())
        .await
        .unwrap();
    assert_eq!(all.list.len(), 1, "charged exactly once");
}

#[tokio::test]
async fn sixty_four_tasks_share_one_token_and_one_refresh() {
    let env = env().await;
    env.issue("cust_1", CARD_OK).await; // first token
    env.control(reqwest::Method::DELETE, "requests", None).await;

    // Cold cache: 64 tasks, one getToken.
    let cold = Client::new(config(&env.base)).unwrap();
    run_64(&cold).await;
    assert_eq!(env.count("POST", "/users/getToken").await, 1);

    // The server's clock passes the token's expiry; ours does not know. Every task
    // gets a 401, and still only one getToken follows.
    env.advance(31 * 60).await;
    env.control(reqwest::Method::DELETE, "requests", None).await;
    run_64(&cold).await;
    assert_eq!(env.count("POST", "/users/getToken").await, 1);
    assert_eq!(
        env.count("GET", "/subscribe/customers/cust_1").await,
        64 + 64
    );
}

async fn run_64(client: &Client) {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..64 {
        let c = client.clone();
        tasks.spawn(async move { c.get_billing_key("cust_1").await });
    }
    while let Some(r) = tasks.join_next().await {
        assert_eq!(r.unwrap().unwrap().customer_uid, "cust_1");
    }
}
