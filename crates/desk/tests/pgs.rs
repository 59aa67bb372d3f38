//! Every REST PG of the guide, end to end through the desk (as the app and the CLI run
//! it): the key issued the way that PG allows, on its sandbox channel, then charged.

mod common;

use common::World;
use subdesk_billing::ChargeStatus;
use subdesk_billing::registry::keys::{CardInput, IssueKeyInput};
use subdesk_codes::ErrorCode;
use subdesk_desk::keys::FirstCharge;
use subdesk_desk::money::ChargeNowInput;

const APPROVE: &str = "4242-4242-4242-4242";

async fn world() -> World {
    common::world("pgs").await
}

fn input(uid: &str, pg: &str) -> IssueKeyInput {
    IssueKeyInput {
        customer_uid: uid.into(),
        pg: pg.into(),
        card: CardInput {
            number: APPROVE.to_string().into(),
            expiry: "2099-12".to_string().into(),
            birth: Some("900101".to_string().into()),
            pwd_2digit: Some("12".to_string().into()),
            corporate: false,
        },
        customer_name: Some("김민준".into()),
        customer_tel: None,
        customer_email: None,
        customer_id: None,
    }
}

fn problems(e: &subdesk_desk::error::IpcError) -> Vec<(String, String)> {
    e.details
        .as_ref()
        .and_then(|d| d.get("problems"))
        .and_then(|p| p.as_array())
        .map(|a| {
            a.iter()
                .map(|p| {
                    (
                        p["field"].as_str().unwrap_or_default().to_owned(),
                        p["code"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn charge(w: &World, uid: &str) -> ChargeStatus {
    subdesk_desk::money::charge_now(
        &w.session,
        ChargeNowInput {
            customer_uid: uid.into(),
            amount: 9900,
            name: "월간 구독".into(),
            ..Default::default()
        },
    )
    .await
    .expect("charged")
    .status
}

#[tokio::test]
async fn settlebank_issues_with_a_first_charge_only_then_charges_again() {
    let w = world().await;
    let mut i = input("pgs-settle", "settle.nxca_jt_il");
    i.card.birth = None;
    i.card.pwd_2digit = None;
    let e = subdesk_desk::keys::issue_key(&w.session, i)
        .await
        .expect_err("key only is refused before anything is sent");
    assert_eq!(e.code, ErrorCode::InvalidForm);
    assert_eq!(
        problems(&e),
        vec![("pg".to_owned(), "pg_needs_first_charge".to_owned())]
    );
    let mut i = input("pgs-settle", "settle.nxca_jt_il");
    i.card.birth = None;
    i.card.pwd_2digit = None;
    let first = subdesk_desk::keys::issue_key_with_charge(
        &w.session,
        i,
        FirstCharge {
            amount: 1000,
            name: "첫 결제".into(),
            confirmed_total: None,
        },
    )
    .await
    .expect("key with a first charge");
    assert_eq!(first.status, ChargeStatus::Paid);
    let key = w.session.store.get_customer("pgs-settle").unwrap();
    assert_eq!(key.pg_provider.as_deref(), Some("settle"));
    assert_eq!(charge(&w, "pgs-settle").await, ChargeStatus::Paid);
}
