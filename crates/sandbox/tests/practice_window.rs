//! The practice payment window (`/practice/window`): every window PG of the guide gets a
//! key the way its window issues one, filled in as a browser fills the form; the key is
//! then the REST API's like any other. And the page refuses what it must.

mod common;

use serde_json::{Value, json};
use subdesk_sandbox::window::form_fields;
use subdesk_sandbox::{MERCHANT_CODE, WINDOW_PATH};

const APPROVE: &str = "4242-4242-4242-4242";
const DECLINE: &str = "9410-0000-0000-0013";
const FAIL_ISSUE: &str = "9410-0000-0000-0054";

fn guide() -> Vec<Value> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/pg-guide.json");
    serde_json::from_str(&std::fs::read_to_string(p).expect("guide")).expect("json")
}

fn window_rows() -> Vec<Value> {
    guide()
        .into_iter()
        .filter(|e| e["method"] == "window")
        .collect()
}

/// The `IMP.request_pay` parameters the guide's snippet generator sends for a row.
fn snippet(row: &Value, uid: &str, amount: i64) -> Vec<(String, String)> {
    let mut p = vec![
        ("imp".to_string(), MERCHANT_CODE.to_string()),
        ("pg".into(), row["pg_param"].as_str().unwrap().into()),
    ];
    if let Some(m) = row["pay_method"]
        .as_str()
        .filter(|m| m.bytes().all(|b| b.is_ascii_lowercase()))
    {
        p.push(("pay_method".into(), m.into()));
    }
    p.push(("merchant_uid".into(), format!("order-{uid}")));
    p.push(("customer_uid".into(), uid.into()));
    p.push(("amount".into(), amount.to_string()));
    p.push(("name".into(), "정기결제 카드 등록".into()));
    let required: Vec<&str> = row["required_fields"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    if required.contains(&"buyer_tel") {
        p.push(("buyer_tel".into(), "010-1234-5678".into()));
    }
    p.push(("m_redirect_url".into(), "https://shop.example/done".into()));
    p
}

fn is_phone(row: &Value) -> bool {
    row["pay_method"] == "phone"
}

fn charge_amount(row: &Value) -> i64 {
    if row["issue_amount_behaviour"] == "must_charge" {
        1000
    } else {
        0
    }
}

struct Browser {
    http: reqwest::Client,
    base: String,
}

impl Browser {
    fn new(base: &str) -> Self {
        Self {
            http: reqwest::Client::builder()
                .no_proxy()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: base.to_string(),
        }
    }

    async fn open(&self, params: &[(String, String)]) -> (u16, String) {
        let r = self
            .http
            .get(format!("{}{WINDOW_PATH}", self.base))
            .query(params)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.text().await.unwrap())
    }

    /// Submits the page's form with `typed` filled in; returns the status, the Location
    /// and the body.
    async fn submit(&self, page: &str, typed: &[(&str, &str)]) -> (u16, Option<String>, String) {
        let mut fields = form_fields(page);
        assert!(!fields.is_empty(), "the page has a form: {page}");
        for (k, v) in typed {
            fields.push(((*k).into(), (*v).into()));
        }
        let r = self
            .http
            .post(format!("{}{WINDOW_PATH}", self.base))
            .form(&fields)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let location = r
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_string());
        (status, location, r.text().await.unwrap())
    }
}

fn card(number: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("card_number", number),
        ("expiry", "2099-12"),
        ("birth", "900101"),
        ("pwd_2digit", "12"),
        ("action", "register"),
    ]
}

fn typed_for(row: &Value) -> Vec<(&'static str, &'static str)> {
    if is_phone(row) {
        vec![("phone", "010-9876-5432"), ("action", "register")]
    } else {
        card(APPROVE)
    }
}

fn query_of(location: &str) -> Vec<(String, String)> {
    url::Url::parse(location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

fn get<'a>(q: &'a [(String, String)], k: &str) -> Option<&'a str> {
    q.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str())
}

#[tokio::test]
async fn the_sandbox_knows_every_window_row_of_the_guide_as_the_guide_says() {
    let rows = window_rows();
    assert_eq!(rows.len(), 11);
    for row in &rows {
        let pg = row["pg_param"].as_str().unwrap();
        let (channel, rule) = subdesk_sandbox::pg::resolve_window(pg)
            .unwrap_or_else(|| panic!("{pg} has a window channel"));
        assert_eq!(channel.pg_provider, pg);
        let amount = match rule.amount {
            subdesk_sandbox::pg::WindowAmount::ZeroOrCharge => "zero_or_charge",
            subdesk_sandbox::pg::WindowAmount::MustCharge => "must_charge",
            subdesk_sandbox::pg::WindowAmount::DisplayOnly => "display_only",
        };
        assert_eq!(row["issue_amount_behaviour"], amount, "{pg}");
        let plain = row["pay_method"]
            .as_str()
            .filter(|m| m.bytes().all(|b| b.is_ascii_lowercase()));
        assert_eq!(rule.pay_method, plain, "{pg}");
        let required = row["required_fields"].as_array().unwrap();
        assert_eq!(
            rule.pay_method_required,
            required.contains(&json!("pay_method")),
            "{pg}"
        );
        assert_eq!(
            rule.buyer_tel_required,
            required.contains(&json!("buyer_tel")),
            "{pg}"
        );
        assert_eq!(
            rule.redirect_required,
            required.contains(&json!("m_redirect_url")),
            "{pg}"
        );
    }
}

/// Each window PG: the snippet's parameters open the window, the form is filled in, the
/// redirect carries the result, and the key is the REST API's: read back and charged.
#[tokio::test]
async fn every_window_pg_issues_a_key_the_rest_api_then_charges() {
    let h = common::start().await;
    let b = Browser::new(&h.base);
    for row in window_rows() {
        let pg = row["pg_param"].as_str().unwrap();
        let uid = format!("win-{pg}");
        let amount = charge_amount(&row);
        let (status, page) = b.open(&snippet(&row, &uid, amount)).await;
        assert_eq!(status, 200, "{pg}: {page}");
        let (status, location, body) = b.submit(&page, &typed_for(&row)).await;
        assert_eq!(status, 303, "{pg}: {body}");
        let q = query_of(location.as_deref().unwrap());
        assert_eq!(get(&q, "imp_success"), Some("true"), "{pg}: {q:?}");
        assert_eq!(
            get(&q, "merchant_uid"),
            Some(format!("order-{uid}").as_str())
        );
        assert!(location.unwrap().starts_with("https://shop.example/done?"));
        // A charge at issuance only where the PG makes one.
        assert_eq!(get(&q, "imp_uid").is_some(), amount > 0, "{pg}: {q:?}");
        let (s, v) = h
            .call("GET", &format!("/subscribe/customers/{uid}"), None)
            .await;
        assert_eq!((s, v["code"].as_i64()), (200, Some(0)), "{pg}: {v}");
        assert_eq!(v["response"]["pg_provider"], pg);
        let again = h.again(&uid, &format!("again-{uid}"), 9900).await;
        assert_eq!(again["response"]["status"], "paid", "{pg}: {again}");
        assert_eq!(again["response"]["pg_provider"], pg);
        let (s, v) = h
            .call(
                "POST",
                "/subscribe/payments/schedule",
                Some(json!({"customer_uid": uid, "schedules": [{"merchant_uid": format!("sch-{uid}"), "schedule_at": h.sb.now() + 86_400, "amount": 9900, "name": "다음 달"}]})),
            )
            .await;
        assert_eq!((s, v["code"].as_i64()), (200, Some(0)), "{pg}: {v}");
    }
}

#[tokio::test]
async fn amount_is_charged_where_the_pg_charges_it_and_only_shown_where_it_does_not() {
    let h = common::start().await;
    let b = Browser::new(&h.base);
    let rows = window_rows();
    let row = |id: &str| rows.iter().find(|r| r["id"] == id).unwrap().clone();
    // JTNet charges a positive amount with the key…
    let (_, page) = b
        .open(&snippet(&row("jtnet-window"), "amt-jtnet", 1500))
        .await;
    assert!(page.contains("1,500원을 결제하고"), "{page}");
    let (_, location, _) = b.submit(&page, &card(APPROVE)).await;
    let q = query_of(&location.unwrap());
    let imp = get(&q, "imp_uid").expect("a charge");
    let (_, v) = h.call("GET", &format!("/payments/{imp}"), None).await;
    assert_eq!(v["response"]["amount"], 1500);
    assert_eq!(v["response"]["status"], "paid");
    assert_eq!(v["response"]["customer_uid"], "amt-jtnet");
    // …KCP only shows it.
    let (_, page) = b.open(&snippet(&row("kcp-window"), "amt-kcp", 1500)).await;
    assert!(page.contains("표시만 되고"), "{page}");
    let (_, location, _) = b.submit(&page, &card(APPROVE)).await;
    let q = query_of(&location.unwrap());
    assert_eq!(get(&q, "imp_success"), Some("true"));
    assert_eq!(get(&q, "imp_uid"), None, "no charge: {q:?}");
    let (_, v) = h
        .call("GET", "/subscribe/customers/amt-kcp/payments", None)
        .await;
    assert_eq!(v["response"]["total"], 0, "{v}");
    // Danal phone refuses a key without a first payment, before the window opens.
    let (s, page) = b
        .open(&snippet(&row("danal-phone-window"), "amt-danal", 0))
        .await;
    assert_eq!(s, 400);
    assert!(page.contains("amount는 0보다 커야"), "{page}");
}

#[tokio::test]
async fn a_card_the_issuer_refuses_returns_imp_success_false_with_the_reason() {
    let h = common::start().await;
    let b = Browser::new(&h.base);
    let rows = window_rows();
    let kakao = rows.iter().find(|r| r["id"] == "kakaopay-window").unwrap();
    // A first charge that declines: no key, the reason in error_msg.
    let (_, page) = b.open(&snippet(kakao, "dec-kakao", 1000)).await;
    let (s, location, _) = b.submit(&page, &card(DECLINE)).await;
    assert_eq!(s, 303);
    let q = query_of(&location.unwrap());
    assert_eq!(get(&q, "imp_success"), Some("false"), "{q:?}");
    assert!(get(&q, "error_msg").unwrap().contains("잔액부족"), "{q:?}");
    assert!(get(&q, "error_code").is_some());
    let (s, _) = h.call("GET", "/subscribe/customers/dec-kakao", None).await;
    assert_eq!(s, 404, "no key after a failed first charge");
    // A card whose authentication fails: no key either.
    let (_, page) = b.open(&snippet(kakao, "fail-kakao", 0)).await;
    let (_, location, _) = b.submit(&page, &card(FAIL_ISSUE)).await;
    let q = query_of(&location.unwrap());
    assert_eq!(get(&q, "imp_success"), Some("false"));
    assert!(get(&q, "error_msg").unwrap().contains("F113"), "{q:?}");
    // Cancelling the window.
    let (_, page) = b.open(&snippet(kakao, "cancel-kakao", 0)).await;
    let (_, location, _) = b.submit(&page, &[("action", "cancel")]).await;
    let q = query_of(&location.unwrap());
    assert_eq!(get(&q, "imp_success"), Some("false"));
    assert!(get(&q, "error_msg").unwrap().contains("취소"));
    // A mistyped card stays in the window with the problem shown.
    let (_, page) = b.open(&snippet(kakao, "typo-kakao", 0)).await;
    let (s, location, body) = b
        .submit(
            &page,
            &[("card_number", "4242-4242"), ("expiry", "2099-12")],
        )
        .await;
    assert_eq!((s, location), (200, None));
    assert!(body.contains("카드번호 형식이 올바르지 않습니다"), "{body}");
    assert!(body.contains("data-testid=\"window-form\""));
}

#[tokio::test]
async fn without_a_redirect_the_popup_flow_shows_the_result() {
    let h = common::start().await;
    let b = Browser::new(&h.base);
    let rows = window_rows();
    let danal = rows
        .iter()
        .find(|r| r["id"] == "danal-card-window")
        .unwrap();
    let mut params = snippet(danal, "popup-danal", 0);
    params.retain(|(k, _)| k != "m_redirect_url");
    let (_, page) = b.open(&params).await;
    let (s, location, body) = b.submit(&page, &card(APPROVE)).await;
    assert_eq!((s, location), (200, None));
    assert!(body.contains("빌링키가 발급되었습니다"), "{body}");
    assert!(body.contains("popup-danal"));
    // CHAI returns by redirect only: without one the window refuses to open.
    let chai = rows.iter().find(|r| r["id"] == "chai-window").unwrap();
    let mut params = snippet(chai, "popup-chai", 0);
    params.retain(|(k, _)| k != "m_redirect_url");
    let (s, page) = b.open(&params).await;
    assert_eq!(s, 400);
    assert!(page.contains("m_redirect_url이 필요합니다"), "{page}");
}

#[tokio::test]
async fn the_page_escapes_what_the_query_brings_and_refuses_what_it_does_not_know() {
    let h = common::start().await;
    let b = Browser::new(&h.base);
    let rows = window_rows();
    let kcp = rows.iter().find(|r| r["id"] == "kcp-window").unwrap();
    let xss = "<script>alert(1)</script>\"><img src=x onerror=alert(2)>";
    let mut params = snippet(kcp, "xss-kcp", 0);
    for (k, v) in &mut params {
        if k == "name" || k == "merchant_uid" {
            *v = xss.chars().take(40).collect();
        }
    }
    let (s, page) = b.open(&params).await;
    assert_eq!(s, 200, "{page}");
    assert!(!page.contains("<script"), "{page}");
    assert!(!page.contains("<img"), "{page}");
    assert!(page.contains("&lt;script&gt;"), "{page}");
    // The escaped value still reaches the form as typed.
    let name = form_fields(&page)
        .into_iter()
        .find(|(k, _)| k == "name")
        .unwrap()
        .1;
    assert_eq!(name, xss.chars().take(40).collect::<String>());

    let refused = |mutate: fn(&mut Vec<(String, String)>), why: &'static str| {
        let mut p = snippet(kcp, "bad-kcp", 0);
        mutate(&mut p);
        (p, why)
    };
    for (params, why) in [
        refused(
            |p| {
                p.retain(|(k, _)| k != "m_redirect_url");
                p.push(("m_redirect_url".into(), "javascript:alert(1)".into()));
            },
            "m_redirect_url은 http:// 또는 https://",
        ),
        refused(
            |p| {
                p.retain(|(k, _)| k != "pg");
                p.push(("pg".into(), "nosuchpg".into()));
            },
            "결제창으로 빌링키를 발급하는 PG가 아닙니다",
        ),
        refused(
            |p| {
                p.retain(|(k, _)| k != "pg");
                p.push(("pg".into(), "kcp_billing.NOSUCHMID".into()));
            },
            "설정되어 있지 않습니다",
        ),
        refused(
            |p| {
                p.retain(|(k, _)| k != "pg");
                p.push(("pg".into(), "nice".into()));
            },
            "결제창으로 빌링키를 발급하는 PG가 아닙니다",
        ),
        refused(
            |p| {
                p.retain(|(k, _)| k != "imp");
                p.push(("imp".into(), "imp12345678".into()));
            },
            "이 샌드박스의 계정이 아닙니다",
        ),
        refused(
            |p| p.retain(|(k, _)| k != "customer_uid"),
            "customer_uid가 없습니다",
        ),
        refused(
            |p| {
                p.retain(|(k, _)| k != "amount");
                p.push(("amount".into(), "-5".into()));
            },
            "amount는 0 이상의 정수",
        ),
        refused(
            |p| {
                p.retain(|(k, _)| k != "pay_method");
                p.push(("pay_method".into(), "phone".into()));
            },
            "pay_method는 &#39;card&#39;만",
        ),
    ] {
        let (s, page) = b.open(&params).await;
        assert_eq!(s, 400, "{why}: {page}");
        assert!(page.contains(why), "{why}: {page}");
        assert!(page.contains("결제창을 열 수 없습니다"));
    }
    // The same checks hold on submit: the form's hidden fields are input too.
    let (_, page) = b.open(&snippet(kcp, "post-kcp", 0)).await;
    let mut fields = form_fields(&page);
    for (k, v) in &mut fields {
        if k == "m_redirect_url" {
            *v = "javascript:alert(1)".into();
        }
    }
    let r = b
        .http
        .post(format!("{}{WINDOW_PATH}", b.base))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert!(r.headers().get("location").is_none());
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    let (s, _) = h.call("GET", "/subscribe/customers/post-kcp", None).await;
    assert_eq!(s, 404, "nothing issued");
}

#[tokio::test]
async fn no_input_makes_the_page_fail_badly() {
    let h = common::start().await;
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    for q in [
        "",
        "%ff%fe=%00",
        "amount=1e400&pg=kcp_billing&imp=imp00000000",
        "pg=.&imp=imp00000000",
        "pg=kcp_billing.&imp=imp00000000&merchant_uid=a&customer_uid=b&amount=0",
        "customer_uid[]=a&customer_uid[]=b",
        "schedules[0][x]=1",
    ] {
        let r = http
            .get(format!("{}{WINDOW_PATH}?{q}", h.base))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_client_error(), "{q}: {}", r.status());
    }
    let r = http
        .post(format!("{}{WINDOW_PATH}", h.base))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let r = http
        .get(format!("{}/practice/elsewhere", h.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
}
