//! Validation, declines, locks, codes and the audit trail.

use subdesk_billing::{
    AgainCharge, ChargeDetails, ChargeStatus, Error, JournalQuery, JournalState, RefundRequest,
    charge_again, refund,
};
use subdesk_codes::ErrorCode;
use subdesk_iamport::PaymentStatus;

use crate::common::{APPROVE, DECLINE_FUNDS, env};

fn details(amount: i64) -> ChargeDetails {
    ChargeDetails {
        amount,
        name: "월 구독".into(),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validation_happens_before_anything_is_journaled_or_sent() {
    let env = env().await;
    env.key("valid_1", APPROVE).await;
    let base = AgainCharge {
        customer_uid: "valid_1".into(),
        merchant_uid: None,
        details: details(10_000),
    };
    let cases: Vec<(AgainCharge, &str)> = vec![
        (
            AgainCharge {
                details: details(0),
                ..base.clone()
            },
            "amount",
        ),
        (
            AgainCharge {
                details: ChargeDetails {
                    tax_free: Some(10_001),
                    ..details(10_000)
                },
                ..base.clone()
            },
            "tax_free",
        ),
        (
            AgainCharge {
                details: ChargeDetails {
                    name: "가".repeat(41),
                    ..details(10_000)
                },
                ..base.clone()
            },
            "name",
        ),
        (
            AgainCharge {
                details: ChargeDetails {
                    card_quota: Some(3),
                    ..details(49_999)
                },
                ..base.clone()
            },
            "card_quota",
        ),
        (
            AgainCharge {
                merchant_uid: Some("주문/1".into()),
                ..base.clone()
            },
            "merchant_uid",
        ),
    ];
    for (req, field) in cases {
        let err = charge_again(&env.store, &env.client, &req)
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput);
        assert!(
            matches!(&err, Error::InvalidInput { field: f, .. } if f == field),
            "{err}"
        );
    }
    let unknown = AgainCharge {
        customer_uid: "nobody".into(),
        ..base.clone()
    };
    assert_eq!(
        charge_again(&env.store, &env.client, &unknown)
            .await
            .unwrap_err()
            .code(),
        ErrorCode::NotFound
    );
    env.store.mark_customer_deleted("valid_1").unwrap();
    assert_eq!(
        charge_again(&env.store, &env.client, &base)
            .await
            .unwrap_err()
            .code(),
        ErrorCode::KeyNotActive
    );
    // Installments from 50,000 won are fine.
    assert!(
        ChargeDetails {
            card_quota: Some(3),
            ..details(50_000)
        }
        .validate()
        .is_ok()
    );
    assert!(
        env.store
            .journal_list(&JournalQuery::default())
            .unwrap()
            .is_empty()
    );
    let charges = env
        .requests()
        .await
        .into_iter()
        .filter(|(_, p, _)| p.starts_with("/subscribe/payments"))
        .count();
    assert_eq!(charges, 0, "nothing was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decline_is_recorded_with_its_reason_and_the_key_is_kept() {
    let env = env().await;
    env.key("poor_1", DECLINE_FUNDS).await;
    let req = AgainCharge {
        customer_uid: "poor_1".into(),
        merchant_uid: Some("sd-decline-1".into()),
        details: details(15_000),
    };
    let res = charge_again(&env.store, &env.client, &req).await.unwrap();
    assert_eq!(res.status, ChargeStatus::Declined);
    assert!(res.fail_reason.as_deref().unwrap_or("").contains("3011"));
    let row = env.store.journal_charge("sd-decline-1").unwrap().unwrap();
    assert_eq!(row.state, JournalState::Declined);
    assert_eq!(row.outcome.as_deref(), Some("failed"));
    let stored = env
        .store
        .get_payment(res.imp_uid.as_deref().unwrap())
        .unwrap();
    assert_eq!(
        stored.payment.status,
        subdesk_billing::PaymentStatus::Failed
    );
    assert_eq!(
        env.store.get_customer("poor_1").unwrap().key_status,
        subdesk_billing::KeyStatus::Active
    );
    // A declined order may be tried again with the same merchant_uid.
    let res2 = charge_again(&env.store, &env.client, &req).await.unwrap();
    assert_eq!(res2.status, ChargeStatus::Declined);
    assert_eq!(
        env.store
            .journal_charge("sd-decline-1")
            .unwrap()
            .unwrap()
            .attempts,
        2
    );
    assert_eq!(
        env.sandbox_payments("sd-decline-1", PaymentStatus::Failed)
            .await,
        2
    );
    // ... but not for a different request.
    let other = AgainCharge {
        details: details(16_000),
        ..req.clone()
    };
    assert_eq!(
        charge_again(&env.store, &env.client, &other)
            .await
            .unwrap_err()
            .code(),
        ErrorCode::MerchantUidConflict
    );
    let audit = env
        .store
        .audit_list(&subdesk_billing::store::audit::AuditQuery {
            before_id: None,
            limit: Some(50),
            ..Default::default()
        })
        .unwrap();
    assert!(
        audit
            .entries
            .iter()
            .any(|e| e.action == "charge.again" && e.outcome.starts_with("declined"))
    );
    assert!(env.store.verify_audit().unwrap().ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refunds_check_the_balance_and_send_the_checksum() {
    let env = env().await;
    env.key("ref_1", APPROVE).await;
    let paid = charge_again(
        &env.store,
        &env.client,
        &AgainCharge {
            customer_uid: "ref_1".into(),
            merchant_uid: None,
            details: details(20_000),
        },
    )
    .await
    .unwrap();
    let imp = paid.imp_uid.unwrap();
    let mut req = RefundRequest {
        imp_uid: imp.clone(),
        amount: Some(25_000),
        reason: "고객 요청".into(),
        ..Default::default()
    };
    assert_eq!(
        refund(&env.store, &env.client, &req)
            .await
            .unwrap_err()
            .code(),
        ErrorCode::RefundExceedsBalance
    );
    req.amount = Some(5_000);
    let r1 = refund(&env.store, &env.client, &req).await.unwrap();
    assert_eq!((r1.checksum, r1.remaining), (20_000, Some(15_000)));
    req.amount = None;
    let r2 = refund(&env.store, &env.client, &req).await.unwrap();
    assert_eq!(
        (r2.amount, r2.checksum, r2.remaining),
        (15_000, 15_000, Some(0))
    );
    assert_eq!(
        refund(&env.store, &env.client, &req)
            .await
            .unwrap_err()
            .code(),
        ErrorCode::NotRefundable
    );
    let p = env.client.get_payment(&imp, true).await.unwrap();
    assert_eq!(p.cancel_history.len(), 2);
    assert_eq!(p.status, PaymentStatus::Cancelled);
}

/// Each refusal has a code of its own (the UI says something different for each), and
/// `op` picks the charge, refund or schedule flavour.
#[test]
fn every_refusal_has_its_own_code() {
    let samples = [
        Error::Unresolved {
            op: "charge",
            key: "m".into(),
        },
        Error::Unresolved {
            op: "refund",
            key: "m".into(),
        },
        Error::Unresolved {
            op: "schedule",
            key: "m".into(),
        },
        Error::Conflict {
            op: "charge",
            journal_id: 1,
            merchant_uid: "m".into(),
        },
        Error::Conflict {
            op: "refund",
            journal_id: 1,
            merchant_uid: "m".into(),
        },
        Error::Conflict {
            op: "schedule",
            journal_id: 1,
            merchant_uid: "m".into(),
        },
        Error::TakenOver { journal_id: 1 },
        Error::EarlierChargePaid {
            merchant_uid: "m".into(),
            imp_uid: "i".into(),
            amount: 1,
        },
        Error::RecentSameCharge {
            merchant_uid: "m".into(),
            imp_uid: "i".into(),
            at: 0,
        },
        Error::NeedsSync {
            since: 0,
            reason: "backup".into(),
        },
        Error::AmountTooLarge {
            field: "amount".into(),
            amount: 2,
            max: 1,
        },
        Error::Busy {
            work: "plans".into(),
            owner: "o".into(),
            expires_at: 0,
        },
        Error::RunAlreadyDone {
            run_id: "r".into(),
            state: "completed".into(),
        },
        Error::MerchantUidConflict {
            merchant_uid: "m".into(),
        },
        Error::KeyNotActive {
            customer_uid: "c".into(),
            status: "deleted".into(),
        },
        Error::RefundExceedsBalance {
            balance: 1,
            requested: 2,
        },
        Error::NotRefundable {
            imp_uid: "i".into(),
            reason: "r".into(),
        },
        Error::RunState {
            run_id: "r".into(),
            state: "completed".into(),
            action: "resume",
        },
        Error::Internal("x".into()),
        Error::DbBusy,
    ];
    let codes: Vec<ErrorCode> = samples.iter().map(Error::code).collect();
    let distinct: std::collections::BTreeSet<ErrorCode> = codes.iter().copied().collect();
    assert_eq!(distinct.len(), codes.len(), "{codes:?}");
    assert_eq!(
        codes[..6],
        [
            ErrorCode::ChargeUnresolved,
            ErrorCode::RefundUnresolved,
            ErrorCode::ScheduleUnresolved,
            ErrorCode::ChargeConflict,
            ErrorCode::RefundConflict,
            ErrorCode::ScheduleConflict,
        ]
    );
}

async fn paid(env: &crate::common::Env, uid: &str, amount: i64, tax_free: i64) -> String {
    env.key(uid, APPROVE).await;
    charge_again(
        &env.store,
        &env.client,
        &AgainCharge {
            customer_uid: uid.into(),
            merchant_uid: None,
            details: subdesk_billing::ChargeDetails {
                tax_free: Some(tax_free),
                ..details(amount)
            },
        },
    )
    .await
    .unwrap()
    .imp_uid
    .unwrap()
}

async fn tax_free_left(env: &crate::common::Env, imp: &str) -> (i64, i64) {
    let b = env.client.payment_balance(imp).await.unwrap();
    let tf = b.primary.map(|p| p.tax_free.as_won().unwrap()).unwrap_or(0);
    (b.amount.as_won().unwrap(), tf)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tax_free_payment_is_refunded_in_parts_down_to_zero() {
    let env = env().await;
    // Wholly tax-free (a book, say): without a tax-free part the first refund would
    // leave ₩6,000 of money holding ₩10,000 of tax-free, which i'mport never refunds.
    let imp = paid(&env, "tf_1", 10_000, 10_000).await;
    let split = subdesk_billing::refund_split(&env.client, &imp, Some(4_000))
        .await
        .unwrap();
    assert_eq!(
        (
            split.balance,
            split.tax_free_balance,
            split.tax_free_min,
            split.tax_free_max
        ),
        (10_000, 10_000, 4_000, 4_000)
    );
    let mut req = RefundRequest {
        imp_uid: imp.clone(),
        amount: Some(4_000),
        reason: "일부 반품".into(),
        ..Default::default()
    };
    let r1 = refund(&env.store, &env.client, &req).await.unwrap();
    assert_eq!((r1.remaining, r1.tax_free), (Some(6_000), Some(4_000)));
    assert_eq!(tax_free_left(&env, &imp).await, (6_000, 6_000));
    req.amount = None;
    let r2 = refund(&env.store, &env.client, &req).await.unwrap();
    assert_eq!((r2.amount, r2.remaining), (6_000, Some(0)));
    assert_eq!(tax_free_left(&env, &imp).await, (0, 0));
    // Both refunds are in the customer's activity.
    let activity = env.store.audit_for_customer("tf_1", 50).unwrap();
    assert_eq!(
        activity
            .iter()
            .filter(|e| e.action == "payment.refund")
            .count(),
        2,
        "{activity:?}"
    );

    // Partly tax-free: the share is proportional, editable within the bounds.
    let imp = paid(&env, "tf_2", 11_000, 4_000).await;
    let split = subdesk_billing::refund_split(&env.client, &imp, Some(5_500))
        .await
        .unwrap();
    assert_eq!(
        (
            split.tax_free_min,
            split.tax_free_max,
            split.tax_free_suggested
        ),
        (0, 4_000, 2_000)
    );
    req.imp_uid = imp.clone();
    req.amount = Some(5_500);
    req.tax_free = Some(1_000);
    let r = refund(&env.store, &env.client, &req).await.unwrap();
    assert_eq!(r.tax_free, Some(1_000));
    assert_eq!(tax_free_left(&env, &imp).await, (5_500, 3_000));
    req.amount = None;
    req.tax_free = None;
    refund(&env.store, &env.client, &req).await.unwrap();
    assert_eq!(tax_free_left(&env, &imp).await, (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tax_free_part_the_balance_cannot_carry_is_refused_before_sending() {
    let env = env().await;
    let imp = paid(&env, "tf_3", 11_000, 4_000).await;
    let mut req = RefundRequest {
        imp_uid: imp.clone(),
        amount: Some(5_000),
        tax_free: Some(4_500),
        reason: "일부 반품".into(),
        ..Default::default()
    };
    // More than the tax-free balance.
    let e = refund(&env.store, &env.client, &req).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::RefundTaxFreeOutOfRange);
    assert!(matches!(
        e,
        subdesk_billing::Error::RefundTaxFreeOutOfRange {
            min: 0,
            max: 4_000,
            requested: 4_500
        }
    ));
    // Too little: ₩1,000 of money would be left holding ₩4,000 of tax-free.
    req.amount = Some(10_000);
    req.tax_free = Some(2_000);
    let e = refund(&env.store, &env.client, &req).await.unwrap_err();
    assert!(matches!(
        e,
        subdesk_billing::Error::RefundTaxFreeOutOfRange {
            min: 3_000,
            max: 4_000,
            ..
        }
    ));
    let p = env.client.get_payment(&imp, true).await.unwrap();
    assert!(p.cancel_history.is_empty(), "nothing was sent");
    assert!(
        !env.requests()
            .await
            .iter()
            .any(|(_, path, _)| path.contains("/payments/cancel"))
    );
}
