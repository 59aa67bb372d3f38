//! Every endpoint against subdesk-sandbox over real HTTP on loopback.

mod common;

use common::*;
use subdesk_iamport::{
    AgainRequest, Buyer, CancelRequest, Client, Config, CustomerSchedulesQuery, CustomerUidUsage,
    DeleteBillingKey, Error, Money, OnetimeRequest, PaymentListQuery, PaymentStatus,
    PaymentsByStatusQuery, PgSettingType, Requester, ScheduleEntry, SchedulePaymentStatus,
    ScheduleRequest, ScheduleStatus, ScheduleWindowQuery, SecretString, Sorting, Tier,
    UnscheduleRequest,
};

#[tokio::test]
async fn merchant_info_and_credentials() {
    let env = env().await;
    let pgs = env.client.pg_settings().await.unwrap();
    assert!(
        pgs.iter()
            .any(|p| p.pg_provider == "nice" && p.kind == Some(PgSettingType::ApiPayment))
    );
    assert!(pgs.iter().any(|p| p.sandbox));
    let cards = env.client.card_codes().await.unwrap();
    assert!(!cards.is_empty());
    assert!(cards.iter().all(|c| !c.code.is_empty()));
    env.client.authenticate().await.unwrap();

    let wrong = Client::new(
        Config::new("sandbox_imp_key", SecretString::from("wrong-secret"))
            .base_url(&env.base)
            .unwrap(),
    )
    .unwrap();
    let e = wrong.pg_settings().await.unwrap_err();
    assert!(matches!(e, Error::Unauthorized { .. }), "{e:?}");
    assert_eq!(e.code(), "unauthorized");
    // The secret never shows up in what the sandbox logged.
    let log = serde_json::to_string(&env.requests().await).unwrap();
    assert!(!log.contains("wrong-secret") && !log.contains("sandbox_imp_secret"));

    // A tiered client sends the header and still works.
    let tiered = Client::new(config(&env.base).tier(Tier::new("T01").unwrap())).unwrap();
    tiered.card_codes().await.unwrap();
}

#[tokio::test]
async fn billing_key_lifecycle() {
    let env = env().await;
    // Path parameters are escaped: slashes, spaces, Korean, `?`.
    let uid = "cust/김 민준?1";
    let issued = env.issue(uid, CARD_OK).await;
    assert_eq!(issued.customer_uid, uid);
    assert!(
        issued
            .card_number
            .as_deref()
            .is_some_and(|n| n.contains('*')),
        "masked: {issued:?}"
    );
    assert_eq!(issued.customer_name.as_deref(), Some("김민준"));
    assert!(issued.inserted.is_some());

    let got = env.client.get_billing_key(uid).await.unwrap();
    assert_eq!(got.customer_uid, uid);

    env.issue("cust_2", "5555-5555-5555-4444").await;
    let many = env
        .client
        .get_billing_keys(&[uid, "cust_2", "nobody&x=1"])
        .await
        .unwrap();
    assert_eq!(many.found.len(), 2);
    assert_eq!(many.missing, vec!["nobody&x=1".to_owned()]);
    let none = env
        .client
        .get_billing_keys(&["ghost_1", "ghost_2"])
        .await
        .unwrap();
    assert!(none.found.is_empty());
    assert_eq!(
        none.missing,
        vec!["ghost_1".to_owned(), "ghost_2".to_owned()]
    );

    let deleted = env
        .client
        .delete_billing_key(
            uid,
            &DeleteBillingKey::reason("카드 변경").requester(Requester::Admin),
        )
        .await
        .unwrap();
    assert_eq!(deleted.customer_uid, uid);
    let log = env.requests().await;
    let del = log.iter().find(|r| r["method"] == "DELETE").unwrap();
    assert!(
        del["query"]
            .as_str()
            .unwrap()
            .contains("extra[requester]=admin")
            || del["query"]
                .as_str()
                .unwrap()
                .contains("extra%5Brequester%5D=admin"),
        "{del}"
    );
    let e = env.client.get_billing_key(uid).await.unwrap_err();
    assert_eq!(e.code(), "not_found");
    let e = env
        .client
        .delete_billing_key(uid, &DeleteBillingKey::default())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "not_found");
}

#[tokio::test]
async fn charges_paid_declined_and_refused() {
    let env = env().await;
    env.issue("cust_ok", CARD_OK).await;
    env.issue("cust_poor", CARD_DECLINES).await;

    let paid = env
        .client
        .charge_again(
            &AgainRequest::new("cust_ok", "order_1", Money::won(9900), "월 구독")
                .buyer(Buyer::named("김민준")),
        )
        .await
        .unwrap();
    assert_eq!(paid.status, PaymentStatus::Paid);
    assert_eq!(paid.amount, Money::won(9900));
    assert_eq!(paid.merchant_uid, "order_1");
    assert_eq!(paid.customer_uid_usage, Some(CustomerUidUsage::Payment));
    assert!(paid.paid_at.is_some() && paid.failed_at.is_none());

    // Declined: a 200 with a failed payment, kept apart from paid.
    match env
        .client
        .charge_again(&AgainRequest::new(
            "cust_poor",
            "order_2",
            Money::won(9900),
            "월 구독",
        ))
        .await
    {
        Err(Error::Declined {
            payment,
            fail_reason,
        }) => {
            assert_eq!(payment.status, PaymentStatus::Failed);
            assert!(
                fail_reason
                    .as_deref()
                    .is_some_and(|r| r.contains("잔액부족")),
                "{fail_reason:?}"
            );
            assert!(!payment.imp_uid.is_empty());
        }
        other => panic!("expected Declined, got {other:?}"),
    }

    // Refused: unknown key, reused order id.
    let e = env
        .client
        .charge_again(&AgainRequest::new(
            "nobody",
            "order_3",
            Money::won(100),
            "n",
        ))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Rejected { status: 200, .. }), "{e:?}");
    let e = env
        .client
        .charge_again(&AgainRequest::new(
            "cust_ok",
            "order_1",
            Money::won(9900),
            "n",
        ))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Rejected { code: 1, .. }), "{e:?}");

    // onetime: pays and saves the key.
    let p = env
        .client
        .charge_onetime(
            &OnetimeRequest::new("order_4", Money::won(50_000), card(CARD_OK))
                .save_as("cust_new")
                .name("첫 결제"),
        )
        .await
        .unwrap();
    assert_eq!(p.status, PaymentStatus::Paid);
    assert_eq!(p.customer_uid_usage, Some(CustomerUidUsage::Issue));
    assert_eq!(
        env.client
            .get_billing_key("cust_new")
            .await
            .unwrap()
            .customer_uid,
        "cust_new"
    );

    // onetime with card data that fails authentication: code -1, no payment.
    let e = env
        .client
        .charge_onetime(&OnetimeRequest::new(
            "order_5",
            Money::won(1000),
            card(CARD_AUTH_FAILS),
        ))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Rejected { code: -1, .. }), "{e:?}");

    // Card data never reached the sandbox's log in clear.
    let log = serde_json::to_string(&env.requests().await).unwrap();
    assert!(
        !log.contains("4242-4242-4242-4242") && !log.contains("900101"),
        "{log}"
    );
}

#[tokio::test]
async fn payment_lookups_lists_cancel_and_balance() {
    let env = env().await;
    env.issue("cust_1", CARD_OK).await;
    env.issue("cust_poor", CARD_DECLINES).await;
    let p1 = env
        .client
        .charge_again(&AgainRequest::new(
            "cust_1",
            "ord_a",
            Money::won(10_000),
            "a",
        ))
        .await
        .unwrap();
    let p2 = env
        .client
        .charge_again(&AgainRequest::new(
            "cust_1",
            "ord_b",
            Money::won(20_000),
            "b",
        ))
        .await
        .unwrap();
    let _ = env
        .client
        .charge_again(&AgainRequest::new(
            "cust_poor",
            "ord_c",
            Money::won(5_000),
            "c",
        ))
        .await;
    // A failed attempt then a paid one under the same order id.
    let _ = env
        .client
        .charge_again(&AgainRequest::new(
            "cust_poor",
            "ord_d",
            Money::won(5_000),
            "d",
        ))
        .await;
    env.client
        .charge_again(&AgainRequest::new(
            "cust_1",
            "ord_d",
            Money::won(5_000),
            "d",
        ))
        .await
        .unwrap();

    let got = env.client.get_payment(&p1.imp_uid, false).await.unwrap();
    assert_eq!(got.merchant_uid, "ord_a");
    assert_eq!(
        env.client
            .get_payment("imp_nope", true)
            .await
            .unwrap_err()
            .code(),
        "not_found"
    );

    let many = env
        .client
        .get_payments(&[p1.imp_uid.as_str(), "imp_nope"], &["ord_b", "ord_zzz"])
        .await
        .unwrap();
    assert!(many.found.iter().any(|p| p.imp_uid == p1.imp_uid));
    assert!(many.found.iter().any(|p| p.imp_uid == p2.imp_uid));
    assert_eq!(many.missing_imp_uids, vec!["imp_nope".to_owned()]);
    assert_eq!(many.missing_merchant_uids, vec!["ord_zzz".to_owned()]);
    let none = env
        .client
        .get_payments(&["imp_x"], &[] as &[&str])
        .await
        .unwrap();
    assert!(none.found.is_empty() && none.missing_imp_uids == ["imp_x"]);

    let found = env
        .client
        .find_payment("ord_d", Some(PaymentStatus::Paid), None)
        .await
        .unwrap();
    assert_eq!(found.status, PaymentStatus::Paid);
    let found = env
        .client
        .find_payment(
            "ord_d",
            Some(PaymentStatus::Failed),
            Some(Sorting::StartedDesc),
        )
        .await
        .unwrap();
    assert_eq!(found.status, PaymentStatus::Failed);
    assert_eq!(
        env.client
            .find_payment("ord_none", None, None)
            .await
            .unwrap_err()
            .code(),
        "not_found"
    );
    let all = env
        .client
        .find_all_payments("ord_d", None, &PaymentListQuery::default().limit(10))
        .await
        .unwrap();
    assert_eq!(all.list.len(), 2);
    let failed = env
        .client
        .find_all_payments(
            "ord_d",
            Some(PaymentStatus::Failed),
            &PaymentListQuery::default(),
        )
        .await
        .unwrap();
    assert_eq!(failed.list.len(), 1);

    let now = env.sandbox.now();
    let paid = env
        .client
        .payments_by_status(
            &PaymentsByStatusQuery::status(Some(PaymentStatus::Paid)).window(now - 3600, now + 60),
        )
        .await
        .unwrap();
    assert_eq!(paid.total, 3);
    assert!(paid.list.iter().all(|p| p.status == PaymentStatus::Paid));
    let everything = env
        .client
        .payments_by_status(
            &PaymentsByStatusQuery::status(None).list(PaymentListQuery::default().page(1).limit(2)),
        )
        .await
        .unwrap();
    assert_eq!(everything.total, 5);
    assert_eq!(everything.list.len(), 2);
    assert_eq!(everything.next, Some(2));
    assert_eq!(everything.previous, None);
    // Past the last page: the server's 400 is a rejection.
    let e = env
        .client
        .payments_by_status(
            &PaymentsByStatusQuery::status(None).list(PaymentListQuery::default().page(99)),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Rejected { status: 400, .. }), "{e:?}");

    let keyed = env
        .client
        .billing_key_payments("cust_1", None)
        .await
        .unwrap();
    assert_eq!(keyed.total, 3);

    // Partial cancel with checksum, a replay refused, then the rest.
    let part = env
        .client
        .cancel_payment(
            &CancelRequest::partial(&p2.imp_uid, Money::won(5_000), Money::won(20_000))
                .reason("부분 환불"),
        )
        .await
        .unwrap();
    assert_eq!(part.cancel_amount, Money::won(5_000));
    assert_eq!(part.refundable(), Money::won(15_000));
    assert_eq!(part.cancel_history.len(), 1);
    let replay = env
        .client
        .cancel_payment(&CancelRequest::partial(
            &p2.imp_uid,
            Money::won(5_000),
            Money::won(20_000),
        ))
        .await
        .unwrap_err();
    assert!(matches!(replay, Error::Rejected { .. }), "{replay:?}");
    let balance = env.client.payment_balance(&p2.imp_uid).await.unwrap();
    assert_eq!(balance.amount, Money::won(15_000));
    let rest = env
        .client
        .cancel_payment(&CancelRequest::full(&p2.imp_uid).checksum(Money::won(15_000)))
        .await
        .unwrap();
    assert_eq!(rest.status, PaymentStatus::Cancelled);
    assert!(rest.cancelled_at.is_some());
    let by_order = env
        .client
        .cancel_payment(&CancelRequest::full_by_merchant_uid("ord_a"))
        .await
        .unwrap();
    assert_eq!(by_order.status, PaymentStatus::Cancelled);
    let e = env
        .client
        .cancel_payment(&CancelRequest::full("imp_nope"))
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::Rejected { .. } | Error::NotFound { .. }),
        "{e:?}"
    );
}

#[tokio::test]
async fn schedules_end_to_end() {
    let env = env().await;
    env.issue("cust_s", CARD_OK).await;
    env.issue("cust_poor", CARD_DECLINES).await;
    let now = env.sandbox.now();
    let day = 86_400;

    let created = env
        .client
        .schedule(&ScheduleRequest::new(
            "cust_s",
            vec![
                ScheduleEntry::new("sch_1", now + day, Money::won(9900), "1월")
                    .custom_data("{\"m\":1}"),
                ScheduleEntry::new("sch_2", now + 2 * day, Money::won(9900), "2월"),
            ],
        ))
        .await
        .unwrap();
    assert_eq!(created.len(), 2);
    assert!(
        created
            .iter()
            .all(|s| s.schedule_status == Some(ScheduleStatus::Scheduled))
    );
    assert!(
        created
            .iter()
            .all(|s| s.payment_status.is_none() && s.imp_uid.is_none())
    );

    // Issue-and-schedule in one call.
    let with_card = env
        .client
        .schedule(
            &ScheduleRequest::new(
                "cust_card",
                vec![ScheduleEntry::new("sch_c", now + day, Money::won(100), "c")],
            )
            .with_card(card(CARD_OK)),
        )
        .await
        .unwrap();
    assert_eq!(with_card[0].customer_uid, "cust_card");

    let one = env.client.get_schedule("sch_1").await.unwrap();
    assert_eq!(one.schedule_at, Some(now + day));
    assert_eq!(one.custom_data.as_deref(), Some("{\"m\":1}"));
    assert_eq!(
        env.client
            .get_schedule("sch_none")
            .await
            .unwrap_err()
            .code(),
        "not_found"
    );

    let q = CustomerSchedulesQuery::window(now, now + 30 * day);
    let a = env
        .client
        .billing_key_schedules("cust_s", &q)
        .await
        .unwrap();
    let b = env
        .client
        .schedules_by_customer(
            "cust_s",
            &q.clone().status(ScheduleStatus::Scheduled).page(1),
        )
        .await
        .unwrap();
    assert_eq!(a.list.len(), 2);
    assert_eq!(b.list.len(), 2);
    let w = env
        .client
        .schedules_in_window(
            &ScheduleWindowQuery::window(now, now + 30 * day)
                .status(ScheduleStatus::Scheduled)
                .limit(100)
                .oldest_first(),
        )
        .await
        .unwrap();
    assert_eq!(w.list.len(), 3);
    assert!(w.list[0].schedule_at <= w.list[1].schedule_at);

    let moved = env
        .client
        .update_schedule("sch_2", now + 3 * day)
        .await
        .unwrap();
    assert_eq!(moved.schedule_at, Some(now + 3 * day));

    let revoked = env
        .client
        .unschedule(&UnscheduleRequest::only("cust_s", ["sch_2"]))
        .await
        .unwrap();
    assert_eq!(revoked.len(), 1);
    assert_eq!(revoked[0].schedule_status, Some(ScheduleStatus::Revoked));
    assert!(revoked[0].revoked_at.is_some());
    let e = env
        .client
        .unschedule(&UnscheduleRequest::only("cust_s", ["sch_2"]))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Rejected { .. }), "{e:?}");
    // Moving a revoked schedule is refused.
    let e = env
        .client
        .update_schedule("sch_2", now + 4 * day)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Rejected { status: 400, .. }), "{e:?}");

    // Time passes: sch_1 executes and is paid.
    env.advance(day + 60).await;
    let ran = env.client.get_schedule("sch_1").await.unwrap();
    assert_eq!(ran.schedule_status, Some(ScheduleStatus::Executed));
    assert_eq!(ran.payment_status, Some(SchedulePaymentStatus::Paid));
    let imp = ran.imp_uid.clone().unwrap();
    let p = env.client.get_payment(&imp, false).await.unwrap();
    assert_eq!(
        p.customer_uid_usage,
        Some(CustomerUidUsage::PaymentScheduled)
    );
    assert_eq!(p.merchant_uid, "sch_1");

    // A revoked schedule: reschedule it, or charge it now with retry.
    let now = env.sandbox.now();
    let re = env.client.reschedule("sch_2", now + day).await.unwrap();
    assert_eq!(re.schedule_status, Some(ScheduleStatus::Scheduled));
    env.client
        .unschedule(&UnscheduleRequest::all("cust_s"))
        .await
        .unwrap();
    let retried = env.client.retry_schedule("sch_2").await.unwrap();
    assert_eq!(retried.status, PaymentStatus::Paid);
    assert_eq!(retried.merchant_uid, "sch_2");

    // A schedule on a declining card fails; retry reports the decline.
    env.client
        .schedule(&ScheduleRequest::new(
            "cust_poor",
            vec![ScheduleEntry::new("sch_p", now + 60, Money::won(500), "p")],
        ))
        .await
        .unwrap();
    env.advance(120).await;
    let failed = env.client.get_schedule("sch_p").await.unwrap();
    assert_eq!(failed.payment_status, Some(SchedulePaymentStatus::Failed));
    assert!(failed.fail_reason.is_some());
    let e = env.client.retry_schedule("sch_p").await.unwrap_err();
    assert!(matches!(e, Error::Declined { .. }), "{e:?}");
}

#[tokio::test]
async fn invalid_input_sends_nothing() {
    let env = env().await;
    env.client.authenticate().await.unwrap();
    let before = env.requests().await.len();
    let c = &env.client;
    let long_mid = "m".repeat(41);
    let long_cid = "c".repeat(81);
    let errors = vec![
        c.get_billing_key("").await.unwrap_err(),
        c.get_billing_key(&long_cid).await.unwrap_err(),
        c.charge_again(&AgainRequest::new("c", &long_mid, Money::won(1), "n"))
            .await
            .unwrap_err(),
        c.charge_again(&AgainRequest::new("c", "m", Money::won(0), "n"))
            .await
            .unwrap_err(),
        c.find_payment(&long_mid, None, None).await.unwrap_err(),
        c.get_billing_keys::<&str>(&[]).await.unwrap_err(),
        c.find_all_payments("m", None, &PaymentListQuery::default().limit(1001))
            .await
            .unwrap_err(),
        c.schedules_in_window(&ScheduleWindowQuery::window(10, 5))
            .await
            .unwrap_err(),
        c.cancel_payment(&CancelRequest::default())
            .await
            .unwrap_err(),
        c.find_payment("m", Some(PaymentStatus::Other("../x".into())), None)
            .await
            .unwrap_err(),
    ];
    for e in errors {
        assert_eq!(e.code(), "invalid_input", "{e:?}");
    }
    assert_eq!(Tier::new("t01").unwrap_err().code(), "invalid_input");
    assert_eq!(env.requests().await.len(), before, "no request may leave");
}
