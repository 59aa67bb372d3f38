//! The settlement and VAT figures of a period, from charges and refunds made against the
//! sandbox and a payment Subdesk did not make.

use subdesk_billing::{
    AgainCharge, ChargeDetails, PaymentRecord, RefundRequest, charge_again, refund,
};

use crate::common::{APPROVE, env};

fn details(amount: i64, tax_free: Option<i64>) -> ChargeDetails {
    ChargeDetails {
        amount,
        name: "월 구독".into(),
        tax_free,
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sales_cancels_tax_free_parts_and_vat_add_up_per_pg() {
    let env = env().await;
    env.key("vat_1", APPROVE).await;
    let charge = |amount, tax_free| AgainCharge {
        customer_uid: "vat_1".into(),
        merchant_uid: None,
        details: details(amount, tax_free),
    };
    let taxable = charge_again(&env.store, &env.client, &charge(11_000, None))
        .await
        .unwrap();
    let mixed = charge_again(&env.store, &env.client, &charge(10_000, Some(4_000)))
        .await
        .unwrap();
    assert!(taxable.imp_uid.is_some());
    refund(
        &env.store,
        &env.client,
        &RefundRequest {
            imp_uid: mixed.imp_uid.clone().unwrap(),
            amount: Some(5_000),
            reason: "고객 요청".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // A payment from the website's payment window: Subdesk never sent its tax-free part.
    let now = env.sandbox_now().await;
    env.store
        .upsert_payments(&[PaymentRecord {
            imp_uid: "imp_window_1".into(),
            merchant_uid: "web_order_1".into(),
            status: "paid".into(),
            amount: 3_300,
            amount_text: "3300".into(),
            currency: "KRW".into(),
            pg_provider: Some("kcp".into()),
            paid_at: Some(now),
            raw_json: "{}".into(),
            ..Default::default()
        }])
        .unwrap();

    let s = env.store.settlement(now - 86_400, now + 86_400).unwrap();
    let t = &s.total;
    assert_eq!(
        (t.sales_count, t.sales_amount, t.sales_tax_free),
        (3, 24_300, 4_000)
    );
    // VAT per payment, i'mport's rule: 1,000 + round(6,000 / 11) = 545 + 300.
    assert_eq!(t.sales_vat, 1_000 + 545 + 300);
    // The cancel of 5,000 takes half of that payment's 4,000 tax-free.
    assert_eq!(
        (t.cancel_count, t.cancel_amount, t.cancel_tax_free),
        (1, 5_000, 2_000)
    );
    assert_eq!(t.cancel_vat, 273);
    assert_eq!(
        (t.net_amount, t.net_tax_free, t.net_vat),
        (19_300, 2_000, 1_845 - 273)
    );
    assert_eq!(t.estimated_count, 1);
    let pgs: Vec<(&str, i64)> = s
        .lines
        .iter()
        .map(|l| (l.pg_provider.as_str(), l.net_amount))
        .collect();
    assert_eq!(pgs.len(), 2, "{pgs:?}");
    assert!(pgs.contains(&("kcp", 3_300)), "{pgs:?}");
    // Nothing outside the period.
    let before = env
        .store
        .settlement(now - 10 * 86_400, now - 86_400)
        .unwrap();
    assert_eq!(before.total, Default::default());
}
