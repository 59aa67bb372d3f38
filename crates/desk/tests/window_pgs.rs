//! Every payment-window PG of the guide, end to end through the desk: the practice
//! window's address built by the one desk function the app's "try it on the sandbox"
//! uses, its form filled as a browser fills it, the redirect read, the key adopted through
//! Customers → Import's own steps (plan, apply, verify at PortOne), then charged on that
//! PG's sandbox channel. The five REST rows are in `pgs.rs` (NICE and KCP:
//! `nice_and_kcp_issue_over_rest_and_charge`; KG INICIS:
//! `kg_inicis_needs_the_holder_for_a_key_with_a_first_charge`; JTNet:
//! `jtnet_issues_over_rest_alone_or_with_a_first_charge_and_charges_again`; Settlebank:
//! `settlebank_issues_with_a_first_charge_only_then_charges_again`).

mod common;

use serde_json::Value;
use subdesk_billing::mirror::sync::SyncProgress;
use subdesk_billing::{ChargeStatus, ImportChoice, ImportFormat};
use subdesk_desk::money::ChargeNowInput;
use subdesk_desk::practice::window_url;
use subdesk_sandbox::window::form_fields;

fn window_rows() -> Vec<Value> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/pg-guide.json");
    let all: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(p).expect("guide")).expect("json");
    all.into_iter()
        .filter(|e| e["method"] == "window")
        .collect()
}

/// The parameters the guide page's snippet carries for a row (as `requestPayFields`).
fn snippet(row: &Value, uid: &str) -> Vec<(String, String)> {
    let mut p = vec![("pg".to_string(), row["pg_param"].as_str().unwrap().into())];
    if let Some(m) = row["pay_method"]
        .as_str()
        .filter(|m| m.bytes().all(|b| b.is_ascii_lowercase()))
    {
        p.push(("pay_method".into(), m.into()));
    }
    let amount = if row["issue_amount_behaviour"] == "must_charge" {
        "1000"
    } else {
        "0"
    };
    p.push(("merchant_uid".into(), format!("issue-{uid}")));
    p.push(("customer_uid".into(), uid.into()));
    p.push(("amount".into(), amount.into()));
    p.push(("name".into(), "정기결제 카드 등록".into()));
    if row["required_fields"]
        .as_array()
        .unwrap()
        .contains(&Value::from("buyer_tel"))
    {
        p.push(("buyer_tel".into(), "010-1234-5678".into()));
    }
    p.push((
        "m_redirect_url".into(),
        "https://shop.example/billing/done".into(),
    ));
    p
}

#[tokio::test]
async fn every_window_pg_gets_a_key_in_the_window_that_import_adopts_and_a_charge_uses() {
    let w = common::world("window-pgs").await;
    let browser = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let rows = window_rows();
    assert_eq!(rows.len(), 11);
    for row in rows {
        let pg = row["pg_param"].as_str().unwrap();
        let uid = format!("window-{}", pg.replace('_', "-"));
        // The window, as "try it on the sandbox" opens it.
        let url = window_url(&w.sandbox.base_url(), &snippet(&row, &uid)).expect("url");
        let page = browser.get(&url).send().await.unwrap();
        assert_eq!(page.status().as_u16(), 200, "{pg}");
        let page = page.text().await.unwrap();
        // The buyer types a test card (a phone number for phone billing) and registers.
        let mut form = form_fields(&page);
        if row["pay_method"] == "phone" {
            form.push(("phone".into(), "010-2222-3333".into()));
        } else {
            for (k, v) in [
                ("card_number", "5555-5555-5555-4444"),
                ("expiry", "2099-12"),
                ("birth", "900101"),
                ("pwd_2digit", "12"),
            ] {
                form.push((k.into(), v.into()));
            }
        }
        form.push(("action".into(), "register".into()));
        let action = url::Url::parse(&url)
            .unwrap()
            .join(subdesk_sandbox::WINDOW_PATH)
            .unwrap();
        let done = browser.post(action).form(&form).send().await.unwrap();
        assert_eq!(done.status().as_u16(), 303, "{pg}");
        let location = done.headers()["location"].to_str().unwrap().to_string();
        let back = url::Url::parse(&location).unwrap();
        assert_eq!(back.path(), "/billing/done");
        let q: Vec<(String, String)> = back.query_pairs().into_owned().collect();
        assert!(
            q.contains(&("imp_success".into(), "true".into())),
            "{pg}: {q:?}"
        );
        // Customers → Import: the pasted customer_uid, planned, applied, verified.
        let store = &w.session.store;
        let plan = store.plan_import(&uid, ImportFormat::Auto).unwrap();
        assert_eq!(plan.good.len(), 1, "{pg}: {plan:?}");
        let progress = |_: &SyncProgress| {};
        let outcome = subdesk_desk::keys::apply_import(
            &w.session,
            &plan,
            ImportChoice::GoodRowsOnly,
            Some(w.session.client().unwrap()),
            &progress,
        )
        .await
        .unwrap();
        assert_eq!(outcome.result.imported, 1);
        let verified = outcome.verify.expect("checked at PortOne");
        assert_eq!((verified.active, verified.unknown), (1, 0), "{pg}");
        let key = store.get_customer(&uid).unwrap();
        assert_eq!(key.pg_provider.as_deref(), Some(pg), "{pg}");
        // Charged again on that PG's channel.
        let charged = subdesk_desk::money::charge_now(
            &w.session,
            ChargeNowInput {
                customer_uid: uid.clone(),
                amount: 9900,
                name: "월간 구독".into(),
                ..Default::default()
            },
        )
        .await
        .expect("charged");
        assert_eq!(charged.status, ChargeStatus::Paid, "{pg}");
        let imp = charged.imp_uid.expect("imp_uid");
        let payment = w
            .session
            .client()
            .unwrap()
            .get_payment(&imp, false)
            .await
            .expect("payment at the sandbox");
        assert_eq!(payment.pg_provider.as_deref(), Some(pg), "{pg}");
    }
}
