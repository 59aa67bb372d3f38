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
