//! Every REST PG of the guide, end to end through the desk (as the app and the CLI run
//! it): the key issued the way that PG allows, on its sandbox channel, then charged.

mod common;

use common::World;
use subdesk_billing::registry::keys::{CardInput, IssueKeyInput};
use subdesk_billing::{ChargeStatus, ProductType};
use subdesk_codes::ErrorCode;
use subdesk_desk::keys::FirstCharge;
use subdesk_desk::money::ChargeNowInput;
use subdesk_desk::schedules::{ScheduleForm, when_of};
use subdesk_desk::zone;

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
        product_type: None,
        channel_key: None,
        replace: false,
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

#[tokio::test]
async fn ksnet_asks_the_kind_of_goods_with_the_key_and_sends_it_with_every_charge() {
    let w = world().await;
    // Without the kind of goods the form is refused before anything is sent.
    let e = subdesk_desk::keys::issue_key(&w.session, input("pgs-ks", "ksnet.2999199999"))
        .await
        .expect_err("product_type is required");
    assert_eq!(
        problems(&e),
        vec![("product_type".to_owned(), "required".to_owned())]
    );
    let mut i = input("pgs-ks", "ksnet.2999199999");
    i.product_type = Some(ProductType::Digital);
    subdesk_desk::keys::issue_key(&w.session, i)
        .await
        .expect("issued");
    let needs = subdesk_desk::keys::charge_needs(&w.session, "pgs-ks").unwrap();
    assert!(needs.product_type_required);
    assert_eq!(needs.product_type, Some(ProductType::Digital));
    // Charge now: the key's kind goes with it (the sandbox refuses KSNET charges without).
    assert_eq!(charge(&w, "pgs-ks").await, ChargeStatus::Paid);
    // A schedule carries it too, and is paid when it runs.
    let at = w.sandbox.now() + 3600 + 60;
    let form = ScheduleForm {
        customer_uid: "pgs-ks".into(),
        when: when_of(at, &zone::named_or_utc("Asia/Seoul")),
        amount: 5000,
        name: "정기결제".into(),
        merchant_uid: Some(subdesk_desk::money::new_order_id()),
        ..ScheduleForm::default()
    };
    let merchant_uid = form.merchant_uid.clone().unwrap();
    subdesk_desk::schedules::register(&w.session, form)
        .await
        .expect("registered");
    w.sandbox.clock().advance(2 * 3600).await;
    let paid = w
        .session
        .client()
        .unwrap()
        .find_payment(&merchant_uid, None, None)
        .await
        .expect("the schedule ran");
    assert_eq!(
        paid.status,
        subdesk_iamport::PaymentStatus::Paid,
        "{paid:?}"
    );
}

#[tokio::test]
async fn a_ksnet_key_without_a_kind_of_goods_is_not_charged_until_one_is_given() {
    let w = world().await;
    // A key issued elsewhere (adopted): nothing kept with it.
    let card = subdesk_iamport::CardData::new(APPROVE, "2099-12")
        .and_then(|c| c.birth("900101"))
        .and_then(|c| c.pwd_2digit("12"))
        .unwrap();
    let mut req = subdesk_iamport::IssueBillingKey::new(card).customer_name("김민준");
    req.pg = Some("ksnet".into());
    let c = w
        .session
        .client()
        .unwrap()
        .issue_billing_key("pgs-ks-adopted", &req)
        .await
        .unwrap();
    w.session
        .store
        .upsert_customer(&subdesk_billing::mirror::sync::keys::customer_record(&c))
        .unwrap();
    let e = subdesk_desk::money::charge_now(
        &w.session,
        ChargeNowInput {
            customer_uid: "pgs-ks-adopted".into(),
            amount: 1000,
            name: "월간".into(),
            ..Default::default()
        },
    )
    .await
    .expect_err("refused before sending");
    assert_eq!(
        e.details.as_ref().and_then(|d| d.get("field")),
        Some(&serde_json::json!("product_type")),
        "{e:?}"
    );
    let journal = w
        .session
        .store
        .journal_list(&subdesk_billing::JournalQuery {
            customer_uid: Some("pgs-ks-adopted".into()),
            ..Default::default()
        })
        .unwrap();
    assert!(journal.is_empty(), "nothing journaled: {journal:?}");
    let paid = subdesk_desk::money::charge_now(
        &w.session,
        ChargeNowInput {
            customer_uid: "pgs-ks-adopted".into(),
            amount: 1000,
            name: "월간".into(),
            product_type: Some(ProductType::Real),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(paid.status, ChargeStatus::Paid);
}

#[tokio::test]
async fn kg_inicis_needs_the_holder_for_a_key_with_a_first_charge() {
    let w = world().await;
    let first = || FirstCharge {
        amount: 1000,
        name: "첫 결제".into(),
        confirmed_total: None,
    };
    let mut i = input("pgs-inicis", "html5_inicis.INIBillTst");
    i.customer_name = None;
    let e = subdesk_desk::keys::issue_key_with_charge(&w.session, i, first())
        .await
        .expect_err("refused before anything is sent");
    assert_eq!(
        problems(&e),
        ["customer_name", "customer_email", "customer_tel"]
            .map(|f| (f.to_owned(), "required_for_first_charge".to_owned()))
            .to_vec()
    );
    let mut i = input("pgs-inicis", "html5_inicis.INIBillTst");
    i.customer_email = Some("minjun@example.kr".into());
    i.customer_tel = Some("010-1234-5678".into());
    let paid = subdesk_desk::keys::issue_key_with_charge(&w.session, i, first())
        .await
        .expect("key with a first charge");
    assert_eq!(paid.status, ChargeStatus::Paid);
    assert_eq!(charge(&w, "pgs-inicis").await, ChargeStatus::Paid);
}

#[tokio::test]
async fn jtnet_issues_over_rest_alone_or_with_a_first_charge_and_charges_again() {
    let w = world().await;
    let key = subdesk_desk::keys::issue_key(&w.session, input("pgs-jt", "jtnet.tpaykeyin1m"))
        .await
        .expect("issued");
    assert_eq!(key.pg_provider.as_deref(), Some("jtnet"));
    assert_eq!(charge(&w, "pgs-jt").await, ChargeStatus::Paid);
    let paid = subdesk_desk::keys::issue_key_with_charge(
        &w.session,
        input("pgs-jt-2", "jtnet.tpaykeyin1m"),
        FirstCharge {
            amount: 1000,
            name: "첫 결제".into(),
            confirmed_total: None,
        },
    )
    .await
    .expect("key with a first charge");
    assert_eq!(paid.status, ChargeStatus::Paid);
    assert_eq!(charge(&w, "pgs-jt-2").await, ChargeStatus::Paid);
}

/// The other REST PGs of the guide (NICE, KCP): a key alone and a charge on their channel.
#[tokio::test]
async fn nice_and_kcp_issue_over_rest_and_charge() {
    let w = world().await;
    for (uid, pg) in [("pgs-nice", "nice.nictest04m"), ("pgs-kcp", "kcp.T0000")] {
        let key = subdesk_desk::keys::issue_key(&w.session, input(uid, pg))
            .await
            .expect(pg);
        assert_eq!(key.pg_id.as_deref(), pg.split('.').nth(1));
        assert_eq!(charge(&w, uid).await, ChargeStatus::Paid, "{pg}");
    }
}

/// The requests the sandbox received on `path`, bodies as JSON (card data masked).
async fn sent_to(w: &World, path: &str) -> Vec<serde_json::Value> {
    let log: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/__sandbox/requests", w.sandbox.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let list = log
        .get("response")
        .and_then(|r| r.as_array())
        .or_else(|| log.as_array())
        .cloned()
        .unwrap_or_default();
    list.into_iter()
        .filter(|r| r["path"] == path)
        .filter_map(|r| {
            r["body"]
                .as_str()
                .and_then(|b| serde_json::from_str(b).ok())
        })
        .collect()
}

#[tokio::test]
async fn key_issuance_sends_the_channels_key_with_pg() {
    let w = world().await;
    // From the form: the channel's key as GET /users/pg gave it.
    let mut i = input("pgs-ck-1", "kcp.T0000");
    i.channel_key = Some("channel-key-kcp-0001".into());
    subdesk_desk::keys::issue_key(&w.session, i).await.unwrap();
    // From the CLI (pg only): looked up on the account.
    subdesk_desk::keys::issue_key(&w.session, input("pgs-ck-2", "html5_inicis.INIBillTst"))
        .await
        .unwrap();
    let one = sent_to(&w, "/subscribe/customers/pgs-ck-1").await;
    assert_eq!(
        (&one[0]["pg"], &one[0]["channel_key"]),
        (
            &serde_json::json!("kcp.T0000"),
            &serde_json::json!("channel-key-kcp-0001")
        ),
        "{one:?}"
    );
    let two = sent_to(&w, "/subscribe/customers/pgs-ck-2").await;
    assert_eq!(two[0]["channel_key"], "channel-key-inicis-0001", "{two:?}");
    // Another channel's key beside `pg` (whose rules were checked) is refused, unsent.
    let mut other = input("pgs-ck-3", "kcp.T0000");
    other.channel_key = Some("channel-key-inicis-0001".into());
    let err = subdesk_desk::keys::issue_key(&w.session, other)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput, "{err:?}");
    assert!(
        sent_to(&w, "/subscribe/customers/pgs-ck-3")
            .await
            .is_empty()
    );
    assert_eq!(
        w.session
            .store
            .get_customer("pgs-ck-2")
            .unwrap()
            .pg_provider
            .as_deref(),
        Some("html5_inicis")
    );
}

#[tokio::test]
async fn a_customer_uid_with_a_key_is_not_re_pointed_without_an_explicit_replace() {
    let w = world().await;
    subdesk_desk::keys::issue_key(&w.session, input("pgs-re", "nice.nictest04m"))
        .await
        .unwrap();
    let before = w.session.store.get_customer("pgs-re").unwrap();
    // Again on the same customer_uid: refused, naming the key it would replace.
    let e = subdesk_desk::keys::issue_key(&w.session, input("pgs-re", "kcp.T0000"))
        .await
        .expect_err("refused");
    assert_eq!(e.code, ErrorCode::KeyReplacesExisting);
    let d = e.details.clone().unwrap();
    assert_eq!(d["pg_provider"], "nice");
    assert_eq!(d["card_number"], serde_json::json!(before.card_number));
    assert!(
        sent_to(&w, "/subscribe/customers/pgs-re").await.len() == 1,
        "nothing was sent the second time"
    );
    // A first charge that keeps its key is refused the same way.
    let e = subdesk_desk::keys::issue_key_with_charge(
        &w.session,
        input("pgs-re", "kcp.T0000"),
        FirstCharge {
            amount: 1000,
            name: "첫 결제".into(),
            confirmed_total: None,
        },
    )
    .await
    .expect_err("refused");
    assert_eq!(e.code, ErrorCode::KeyReplacesExisting);
    // With "replace": issued on the new channel, and audited as a replacement.
    let mut i = input("pgs-re", "kcp.T0000");
    i.replace = true;
    let after = subdesk_desk::keys::issue_key(&w.session, i).await.unwrap();
    assert_eq!(after.pg_provider.as_deref(), Some("kcp"));
    let audit = w.session.store.audit_for_customer("pgs-re", 10).unwrap();
    let replace = audit
        .iter()
        .find(|a| a.action == "key.replace")
        .expect("the replacement is audited");
    let inputs: serde_json::Value = serde_json::from_str(&replace.inputs).unwrap();
    assert_eq!(inputs["replaces"]["pg_provider"], "nice", "{inputs}");
}

/// A key issued at PortOne by someone else (the website): not in this registry.
async fn issued_elsewhere(w: &World, customer_uid: &str) {
    let card = subdesk_iamport::CardData::new(APPROVE, "2099-12")
        .and_then(|c| c.birth("900101"))
        .and_then(|c| c.pwd_2digit("12"))
        .unwrap();
    w.session
        .client()
        .unwrap()
        .issue_billing_key(customer_uid, &subdesk_iamport::IssueBillingKey::new(card))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_key_known_only_at_portone_is_not_re_pointed_either() {
    let w = world().await;
    issued_elsewhere(&w, "pgs-elsewhere").await;
    let e = subdesk_desk::keys::issue_key(&w.session, input("pgs-elsewhere", "nice.nictest04m"))
        .await
        .expect_err("refused");
    assert_eq!(e.code, ErrorCode::KeyReplacesExisting);
    // A fresh customer_uid is not asked about.
    subdesk_desk::keys::issue_key(&w.session, input("pgs-fresh", "nice.nictest04m"))
        .await
        .expect("a new customer_uid issues at once");
}

/// The lookup answered with a refusal (HTTP 200 and a non-zero code, as older servers
/// did for "not found" but also for other problems), while PortOne holds a key under
/// that customer_uid: not taken for "no key". Nothing is issued until a person confirms,
/// and the replacement is audited with i'mport's answer.
#[tokio::test]
async fn a_lookup_refused_is_not_taken_for_no_key() {
    let w = world().await;
    issued_elsewhere(&w, "pgs-hidden").await;
    let refuse_lookup = || {
        w.sandbox.add_fault(
            subdesk_sandbox::FaultRule::new(subdesk_sandbox::FaultKind::Status)
                .method("GET")
                .path_prefix("/subscribe/customers/pgs-hidden")
                .status(200),
        )
    };
    refuse_lookup();
    let e = subdesk_desk::keys::issue_key(&w.session, input("pgs-hidden", "kcp.T0000"))
        .await
        .expect_err("refused");
    assert_eq!(e.code, ErrorCode::KeyPresenceUnknown, "{e:?}");
    let d = e.details.clone().unwrap();
    assert_eq!(d["customer_uid"], "pgs-hidden");
    assert!(
        d["message"].as_str().unwrap().contains("sandbox fault"),
        "{d}"
    );
    assert_eq!(
        sent_to(&w, "/subscribe/customers/pgs-hidden").await.len(),
        1,
        "only the website's issuance: nothing was sent from here"
    );
    // Confirmed: issued, and audited as a replacement of a key nobody could see.
    refuse_lookup();
    let mut i = input("pgs-hidden", "kcp.T0000");
    i.replace = true;
    let after = subdesk_desk::keys::issue_key(&w.session, i).await.unwrap();
    assert_eq!(after.pg_provider.as_deref(), Some("kcp"));
    let audit = w
        .session
        .store
        .audit_for_customer("pgs-hidden", 10)
        .unwrap();
    let replace = audit
        .iter()
        .find(|a| a.action == "key.replace")
        .expect("audited as a replacement");
    let inputs: serde_json::Value = serde_json::from_str(&replace.inputs).unwrap();
    assert!(inputs["replaces"]["unknown"].is_string(), "{inputs}");
}

/// Import's second step, as the app and the CLI run it: the rows are written, and a
/// check at PortOne that fails afterwards is reported with the outcome instead of an
/// error that would hide the import (and tempt a second one).
#[tokio::test]
async fn an_import_whose_check_fails_still_reports_what_it_imported() {
    let w = world().await;
    let plan = w
        .session
        .store
        .plan_import("pgs-imp-1\npgs-imp-2", subdesk_billing::ImportFormat::Auto)
        .unwrap();
    w.sandbox.add_fault(
        subdesk_sandbox::FaultRule::new(subdesk_sandbox::FaultKind::Status)
            .path_prefix("/subscribe/customers")
            .status(500)
            .count(50),
    );
    let progress = |_: &subdesk_billing::mirror::sync::SyncProgress| {};
    let outcome = subdesk_desk::keys::apply_import(
        &w.session,
        &plan,
        subdesk_billing::ImportChoice::GoodRowsOnly,
        Some(w.session.client().unwrap()),
        &progress,
    )
    .await
    .expect("the import itself stands");
    assert_eq!(outcome.result.imported, 2);
    assert!(outcome.verify.is_none());
    assert_eq!(
        outcome.verify_error.map(|e| e.code),
        Some(ErrorCode::ApiServerError)
    );
    assert!(w.session.store.get_customer("pgs-imp-2").is_ok());
    // Nothing to import: no check, no error.
    let again = subdesk_desk::keys::apply_import(
        &w.session,
        &w.session
            .store
            .plan_import("pgs-imp-1", subdesk_billing::ImportFormat::Auto)
            .unwrap(),
        subdesk_billing::ImportChoice::GoodRowsOnly,
        Some(w.session.client().unwrap()),
        &progress,
    )
    .await
    .unwrap();
    assert_eq!(again.result.imported, 0);
    assert!(again.verify_error.is_none());
}
