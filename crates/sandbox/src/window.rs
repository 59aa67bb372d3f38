//! A practice payment window: what `IMP.request_pay({customer_uid, …})` opens on a real
//! account, served by the sandbox itself as one small HTML page (no script), Korean first
//! with English beside it.
//!
//! `GET /practice/window?imp=…&pg=…&merchant_uid=…&customer_uid=…&amount=…` shows the
//! order and asks for a test card (a phone number for phone-billing PGs). Submitting it
//! (`POST /practice/window`, the same parameters plus the card) issues the key on that
//! PG's window channel as the real window would: `amount` 0 issues the key only, above 0
//! also charges it where the PG charges at issuance, and display-only PGs never charge.
//! The result goes to `m_redirect_url` with the query the real window appends
//! (`imp_uid`, `merchant_uid`, `imp_success`, and `error_code` / `error_msg` on failure);
//! without one (the popup flow) a result page shows it.
//!
//! Everything is input: the query and the form are checked again on submit, every echoed
//! value is HTML-escaped, only http(s) redirects are followed, and what the sandbox does
//! not know (another merchant code, an unknown PG or channel) gets a page that says so.

use hyper::{Method, StatusCode};

use crate::cards::{self, CardBehaviour, CardInput, FAIL_ISSUE_MESSAGE};
use crate::charge::{self, CardSnapshot, Order};
use crate::error::ApiError;
use crate::params::Params;
use crate::pg::{self, Channel, WindowAmount, WindowRule};
use crate::routes::customers::{Contact, check_customer_uid, contact, new_customer};
use crate::state::AppState;
use crate::store;
use crate::wire::Customer;

/// The sandbox account's merchant identification code (가맹점 식별코드), what
/// `IMP.init(…)` takes. Public on purpose, like the REST key.
pub const MERCHANT_CODE: &str = "imp00000000";

/// Where the practice window is served.
pub const WINDOW_PATH: &str = "/practice/window";

/// One HTML answer, or a redirect.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub html: String,
    /// `Some`: a 303 to this address (the body is a fallback link).
    pub location: Option<String>,
}

/// A text in both languages, Korean first.
#[derive(Debug, Clone)]
struct Both {
    ko: String,
    en: String,
}

fn both(ko: impl Into<String>, en: impl Into<String>) -> Both {
    Both {
        ko: ko.into(),
        en: en.into(),
    }
}

/// Escapes text for HTML element content and double-quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The `IMP.request_pay` parameters the window takes besides the merchant code `imp`, and
/// carries through its form as hidden fields: all a guide snippet may send it.
pub const REQUEST_PARAMS: &[&str] = &[
    "pg",
    "pay_method",
    "merchant_uid",
    "customer_uid",
    "amount",
    "name",
    "buyer_name",
    "buyer_email",
    "buyer_tel",
    "buyer_addr",
    "buyer_postcode",
    "m_redirect_url",
    "naverPopupMode",
    "naverProductCode",
];

/// The longest value of one window parameter, in characters.
pub const PARAM_MAX_CHARS: usize = 2000;

/// A checked window request.
struct WindowRequest {
    carried: Vec<(&'static str, String)>,
    channel: &'static Channel,
    rule: &'static WindowRule,
    merchant_uid: String,
    customer_uid: String,
    amount: i64,
    name: Option<String>,
    buyer: Contact,
    redirect: Option<url::Url>,
}

impl WindowRequest {
    /// Whether submitting charges `amount` (not only issues the key).
    fn charges(&self) -> bool {
        self.amount > 0 && self.rule.amount != WindowAmount::DisplayOnly
    }
}

fn text(p: &Params, key: &str) -> Result<Option<String>, Both> {
    match p.get(key) {
        None => Ok(None),
        Some(serde_json::Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(both(
            format!("{key} 값의 형식이 올바르지 않습니다."),
            format!("{key} has the wrong form."),
        )),
    }
}

fn api(e: ApiError) -> Both {
    both(e.message.clone(), e.message)
}

/// Reads and checks the window's parameters. Every refusal names the parameter.
fn parse(p: &Params) -> Result<WindowRequest, Both> {
    let mut carried = Vec::new();
    for key in std::iter::once(&"imp").chain(REQUEST_PARAMS) {
        if let Some(v) = text(p, key)? {
            if v.chars().count() > PARAM_MAX_CHARS {
                return Err(both(
                    format!("{key} 값이 너무 깁니다."),
                    format!("{key} is too long."),
                ));
            }
            carried.push((*key, v));
        }
    }
    let get = |k: &str| {
        carried
            .iter()
            .find(|(key, _)| *key == k)
            .map(|(_, v)| v.clone())
    };
    match get("imp") {
        None => {
            return Err(both(
                "가맹점 식별코드(imp)가 없습니다. IMP.init에 넣는 값입니다.",
                "The merchant identification code (imp) is missing: the value IMP.init takes.",
            ));
        }
        Some(code) if code != MERCHANT_CODE => {
            return Err(both(
                format!(
                    "가맹점 식별코드 {code}는 이 샌드박스의 계정이 아닙니다. 샌드박스의 코드는 {MERCHANT_CODE}입니다."
                ),
                format!(
                    "The merchant code {code} is not this sandbox's account; the sandbox's is {MERCHANT_CODE}."
                ),
            ));
        }
        Some(_) => {}
    }
    let Some(pg_value) = get("pg") else {
        return Err(both(
            "pg가 없습니다. 이 계정에는 PG가 여러 개 설정되어 있어 pg로 고르셔야 합니다.",
            "pg is missing: this account has several PGs configured, so pg must choose one.",
        ));
    };
    let provider = pg_value.split('.').next().unwrap_or_default();
    if pg::window_rule(provider).is_none() {
        return Err(both(
            format!("{pg_value}는 결제창으로 빌링키를 발급하는 PG가 아닙니다."),
            format!("{pg_value} is not a PG that issues billing keys through the payment window."),
        ));
    }
    let Some((channel, rule)) = pg::resolve_window(&pg_value) else {
        return Err(both(
            format!(
                "{pg_value} 채널이 이 샌드박스 계정에 설정되어 있지 않습니다. MID를 빼거나 설정된 MID를 쓰세요."
            ),
            format!(
                "No {pg_value} channel is configured on this sandbox account: leave the MID out or use a configured one."
            ),
        ));
    };
    match (get("pay_method"), rule.pay_method) {
        (None, Some(m)) if rule.pay_method_required => {
            return Err(both(
                format!("{provider} 결제창에는 pay_method: '{m}'가 필요합니다."),
                format!("The {provider} window needs pay_method: '{m}'."),
            ));
        }
        (Some(sent), Some(m)) if sent != m => {
            return Err(both(
                format!("{provider} 결제창의 pay_method는 '{m}'만 됩니다. (보낸 값: {sent})"),
                format!("The {provider} window takes pay_method '{m}' only (sent: {sent})."),
            ));
        }
        _ => {}
    }
    let Some(merchant_uid) = get("merchant_uid") else {
        return Err(both("merchant_uid가 없습니다.", "merchant_uid is missing."));
    };
    if merchant_uid.chars().count() > 40 {
        return Err(both(
            "merchant_uid는 1~40자여야 합니다.",
            "merchant_uid must be 1 to 40 characters.",
        ));
    }
    let Some(customer_uid) = get("customer_uid") else {
        return Err(both(
            "customer_uid가 없습니다. 결제창이 빌링키를 발급하려면 customer_uid가 필요합니다.",
            "customer_uid is missing: the window issues a billing key only when it is given.",
        ));
    };
    check_customer_uid(&customer_uid).map_err(api)?;
    let Some(amount) = get("amount") else {
        return Err(both("amount가 없습니다.", "amount is missing."));
    };
    let amount = match amount.trim().parse::<i64>() {
        Ok(a) if a >= 0 => a,
        _ => {
            return Err(both(
                "amount는 0 이상의 정수여야 합니다.",
                "amount must be a whole number of 0 or more.",
            ));
        }
    };
    if rule.amount == WindowAmount::MustCharge && amount == 0 {
        return Err(both(
            format!(
                "{provider}는 빌링키 발급과 최초 결제를 나눌 수 없습니다. amount는 0보다 커야 합니다."
            ),
            format!(
                "{provider} cannot issue a key without a first payment: amount must be above 0."
            ),
        ));
    }
    let name = get("name");
    if name.as_ref().is_some_and(|n| n.chars().count() > 40) {
        return Err(both(
            "name은 최대 40자까지 가능합니다.",
            "name takes at most 40 characters.",
        ));
    }
    let buyer = contact(p, "buyer").map_err(api)?;
    if rule.buyer_tel_required && buyer.tel.as_deref().is_none_or(|t| t.trim().is_empty()) {
        return Err(both(
            format!("{provider} 결제창에는 buyer_tel이 필요합니다."),
            format!("The {provider} window needs buyer_tel."),
        ));
    }
    let redirect = match get("m_redirect_url") {
        None => None,
        Some(raw) => Some(check_redirect(&raw)?),
    };
    let popup = get("naverPopupMode").is_some_and(|v| v == "true");
    let needs_redirect = rule.redirect_required || (provider == "naverpay" && !popup);
    if needs_redirect && redirect.is_none() {
        return Err(both(
            format!(
                "{provider} 결제창의 결과는 m_redirect_url로만 돌아옵니다. m_redirect_url이 필요합니다."
            ),
            format!(
                "The {provider} window returns its result by redirect only: m_redirect_url is needed."
            ),
        ));
    }
    Ok(WindowRequest {
        carried,
        channel,
        rule,
        merchant_uid,
        customer_uid,
        amount,
        name,
        buyer,
        redirect,
    })
}

/// Only http(s) addresses with a host, and no credentials in them.
fn check_redirect(raw: &str) -> Result<url::Url, Both> {
    let refuse = || {
        both(
            "m_redirect_url은 http:// 또는 https:// 주소여야 합니다.",
            "m_redirect_url must be an http:// or https:// address.",
        )
    };
    let url = url::Url::parse(raw.trim()).map_err(|_| refuse())?;
    if !matches!(url.scheme(), "http" | "https")
        || url.host_str().is_none_or(str::is_empty)
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err(refuse());
    }
    Ok(url)
}

/// Answers `GET` (the form) and `POST` (the submitted form) on [`WINDOW_PATH`].
pub fn handle(
    state: &AppState,
    method: &Method,
    path: &str,
    query: Option<&str>,
    content_type: Option<&str>,
    body: &[u8],
) -> Page {
    if path.trim_end_matches('/') != WINDOW_PATH {
        return refusal(
            StatusCode::NOT_FOUND,
            &both("없는 페이지입니다.", "There is no such page."),
        );
    }
    let params = if *method == Method::GET {
        Params::from_query(query)
    } else if *method == Method::POST {
        match Params::from_body(content_type, body) {
            Ok(p) => p,
            Err(e) => return refusal(StatusCode::BAD_REQUEST, &api(e)),
        }
    } else {
        return refusal(
            StatusCode::METHOD_NOT_ALLOWED,
            &both("허용되지 않은 요청입니다.", "Method not allowed."),
        );
    };
    let request = match parse(&params) {
        Ok(r) => r,
        Err(why) => return refusal(StatusCode::BAD_REQUEST, &why),
    };
    if *method == Method::GET {
        return form(&request, None);
    }
    submit(state, &request, &params)
}

/// What happened when the form was submitted.
struct Outcome {
    success: bool,
    imp_uid: Option<String>,
    error_code: Option<String>,
    message: Option<String>,
}

fn submit(state: &AppState, r: &WindowRequest, p: &Params) -> Page {
    let field = |k: &str| text(p, k).ok().flatten();
    if field("action").as_deref() == Some("cancel") {
        return finish(
            r,
            Outcome {
                success: false,
                imp_uid: None,
                error_code: Some("F400".into()),
                message: Some("사용자가 결제를 취소하였습니다.".into()),
            },
        );
    }
    let now = state.clock.now();
    let (customer, snapshot) = if r.rule.is_phone() {
        match phone_key(r, field("phone").as_deref(), now) {
            Ok(k) => k,
            Err(why) => return form(r, Some(&why)),
        }
    } else {
        let input = CardInput {
            card_number: field("card_number"),
            expiry: field("expiry"),
            birth: field("birth"),
            pwd_2digit: field("pwd_2digit"),
            cvc: None,
        };
        let profile = match cards::validate(&input, pg::issue_requirements(r.channel), now) {
            Ok(p) => p,
            Err(m) => return form(r, Some(&both(m.clone(), card_problem_en(&m)))),
        };
        if profile.behaviour == CardBehaviour::FailIssue {
            return finish(
                r,
                Outcome {
                    success: false,
                    imp_uid: None,
                    error_code: Some("F113".into()),
                    message: Some(FAIL_ISSUE_MESSAGE.into()),
                },
            );
        }
        let snapshot = CardSnapshot {
            masked: Some(profile.masked.clone()),
            card_code: Some(profile.card_code.clone()),
            card_name: Some(profile.card_name.clone()),
            card_type: (r.channel.pg_provider != "html5_inicis").then_some(profile.card_type),
            behaviour: profile.behaviour,
            fail_reason: profile.fail_reason.clone(),
            settle_after_secs: profile.settle_after_secs,
        };
        let c = Contact {
            name: r.buyer.name.clone(),
            tel: r.buyer.tel.clone(),
            email: r.buyer.email.clone(),
            addr: r.buyer.addr.clone(),
            postcode: r.buyer.postcode.clone(),
        };
        (
            new_customer(&r.customer_uid, r.channel, &profile, c, None, now),
            snapshot,
        )
    };
    match issue(state, r, customer, &snapshot, now) {
        Ok(outcome) => finish(r, outcome),
        Err(e) => finish(
            r,
            Outcome {
                success: false,
                imp_uid: None,
                error_code: Some(format!("F{}", e.code.unsigned_abs())),
                message: Some(e.message),
            },
        ),
    }
}

/// Stores the key, charging first where the PG charges at issuance; a failed charge
/// keeps no key (as `onetime` with a customer_uid).
fn issue(
    state: &AppState,
    r: &WindowRequest,
    mut customer: Customer,
    snapshot: &CardSnapshot,
    now: i64,
) -> Result<Outcome, ApiError> {
    let conn = state.store.lock();
    if let Some(old) = store::customer(&conn, &r.customer_uid)? {
        customer.inserted = old.inserted;
    }
    if !r.charges() {
        store::upsert_customer(&conn, &customer)?;
        tracing::info!(customer_uid = %r.customer_uid, pg = r.channel.pg_provider, "billing key issued in the practice window");
        return Ok(Outcome {
            success: true,
            imp_uid: None,
            error_code: None,
            message: None,
        });
    }
    let order = Order {
        merchant_uid: r.merchant_uid.clone(),
        amount: r.amount,
        currency: "KRW".into(),
        name: r.name.clone(),
        buyer_name: r.buyer.name.clone(),
        buyer_email: r.buyer.email.clone(),
        buyer_tel: r.buyer.tel.clone(),
        buyer_addr: r.buyer.addr.clone(),
        buyer_postcode: r.buyer.postcode.clone(),
        ..Order::default()
    };
    charge::check_order(&order)?;
    charge::check_merchant_uid(&conn, &order.merchant_uid, false)?;
    let payment = charge::execute(
        state,
        &conn,
        r.channel,
        &order,
        snapshot,
        Some(&r.customer_uid),
        Some("issue"),
        now,
    )?;
    if payment.status == "failed" {
        return Ok(Outcome {
            success: false,
            imp_uid: Some(payment.imp_uid),
            error_code: Some("F300".into()),
            message: payment.fail_reason,
        });
    }
    store::upsert_customer(&conn, &customer)?;
    tracing::info!(customer_uid = %r.customer_uid, pg = r.channel.pg_provider, imp_uid = %payment.imp_uid, "billing key issued with a first charge in the practice window");
    Ok(Outcome {
        success: true,
        imp_uid: Some(payment.imp_uid),
        error_code: None,
        message: None,
    })
}

/// A phone-billing key: the phone number stands where a card would.
fn phone_key(
    r: &WindowRequest,
    phone: Option<&str>,
    now: i64,
) -> Result<(Customer, CardSnapshot), Both> {
    let digits: String = phone
        .unwrap_or_default()
        .chars()
        .filter(|c| *c != '-' && *c != ' ')
        .collect();
    let ok = digits.starts_with("01")
        && (10..=11).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit());
    if !ok {
        return Err(both(
            "휴대폰 번호를 010-1234-5678 형식으로 입력하세요.",
            "Enter a mobile number such as 010-1234-5678.",
        ));
    }
    let masked = format!("{}****{}", &digits[..3], &digits[digits.len() - 4..]);
    let card_name = "휴대폰 소액결제".to_string();
    let customer = Customer {
        customer_uid: r.customer_uid.clone(),
        pg_provider: r.channel.pg_provider.into(),
        pg_id: r.channel.pg_id.into(),
        sandbox: r.channel.sandbox,
        customer_id: None,
        card_name: card_name.clone(),
        card_code: None,
        card_issuer_code: None,
        card_issuer_name: None,
        card_publisher_code: None,
        card_publisher_name: None,
        card_number: Some(masked.clone()),
        card_type: None,
        customer_name: r.buyer.name.clone(),
        customer_tel: Some(phone.unwrap_or_default().trim().to_string()),
        customer_email: r.buyer.email.clone(),
        customer_addr: r.buyer.addr.clone(),
        customer_postcode: r.buyer.postcode.clone(),
        inserted: now,
        updated: now,
    };
    let snapshot = CardSnapshot {
        masked: Some(masked),
        card_code: None,
        card_name: Some(card_name),
        card_type: None,
        behaviour: CardBehaviour::Approve,
        fail_reason: None,
        settle_after_secs: None,
    };
    Ok((customer, snapshot))
}

/// The English of a card-validation message (the sandbox's messages are Korean).
fn card_problem_en(ko: &str) -> String {
    let en = if ko.contains("card_number") || ko.contains("카드번호") {
        "Check the card number (dddd-dddd-dddd-dddd, a valid number)."
    } else if ko.contains("유효기간") {
        "Check the expiry (YYYY-MM, not in the past)."
    } else if ko.contains("birth") {
        "Check the birth date (YYMMDD) or 10-digit business number."
    } else if ko.contains("pwd_2digit") {
        "Check the first 2 digits of the card password."
    } else {
        "Check the card details."
    };
    en.to_string()
}

/// The redirect the real window makes, or the popup flow's result page.
fn finish(r: &WindowRequest, o: Outcome) -> Page {
    if let Some(url) = &r.redirect {
        let mut url = url.clone();
        {
            let mut q = url.query_pairs_mut();
            if let Some(imp) = &o.imp_uid {
                q.append_pair("imp_uid", imp);
            }
            q.append_pair("merchant_uid", &r.merchant_uid);
            q.append_pair("imp_success", if o.success { "true" } else { "false" });
            if !o.success {
                q.append_pair("error_code", o.error_code.as_deref().unwrap_or("F999"));
                q.append_pair("error_msg", o.message.as_deref().unwrap_or_default());
            }
        }
        let target = url.to_string();
        let html = layout(
            "결제창 / Payment window",
            &format!(
                "<p><a href=\"{0}\">돌아가기 / Go back</a></p>",
                esc(&target)
            ),
        );
        return Page {
            status: StatusCode::SEE_OTHER,
            html,
            location: Some(target),
        };
    }
    let mut body = String::new();
    if o.success {
        body.push_str(&format!(
            "<h1>빌링키가 발급되었습니다</h1><p class=\"en\">The billing key was issued.</p>\
             <dl><dt>customer_uid</dt><dd><code data-testid=\"customer-uid\">{}</code></dd>\
             <dt>merchant_uid</dt><dd><code>{}</code></dd>{}</dl>\
             <p>Subdesk의 고객 → 가져오기에서 이 customer_uid를 붙여 넣어 키를 등록하세요. 이 창은 닫아도 됩니다.</p>\
             <p class=\"en\">Adopt the key in Subdesk under Customers → Import by pasting this customer_uid. You can close this window.</p>",
            esc(&r.customer_uid),
            esc(&r.merchant_uid),
            o.imp_uid
                .as_deref()
                .map(|i| format!("<dt>imp_uid</dt><dd><code>{}</code></dd>", esc(i)))
                .unwrap_or_default(),
        ));
    } else {
        body.push_str(&format!(
            "<h1>빌링키를 발급하지 못했습니다</h1><p class=\"en\">No billing key was issued.</p>\
             <p class=\"error\" data-testid=\"error\">{}</p>",
            esc(o.message.as_deref().unwrap_or_default())
        ));
    }
    Page {
        status: StatusCode::OK,
        html: layout("결제 결과 / Result", &body),
        location: None,
    }
}

fn refusal(status: StatusCode, why: &Both) -> Page {
    let body = format!(
        "<h1>결제창을 열 수 없습니다</h1><p class=\"en\">The payment window cannot open.</p>\
         <p class=\"error\" data-testid=\"error\">{}</p><p class=\"en\">{}</p>",
        esc(&why.ko),
        esc(&why.en)
    );
    Page {
        status,
        html: layout("결제창 / Payment window", &body),
        location: None,
    }
}

fn amount_text(r: &WindowRequest) -> (String, String) {
    let won = format_won(r.amount);
    match (r.rule.amount, r.charges()) {
        (WindowAmount::DisplayOnly, _) => (
            format!("{won}원 (표시만 되고 결제되지 않습니다)"),
            format!("KRW {won} (shown only, not charged)"),
        ),
        (_, true) => (
            format!("{won}원을 결제하고 빌링키를 발급합니다"),
            format!("KRW {won} is charged and the key issued"),
        ),
        (_, false) => (
            "0원: 빌링키만 발급합니다".to_string(),
            "KRW 0: the key only, no charge".to_string(),
        ),
    }
}

fn format_won(n: i64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The window itself: the order, the card (or phone) fields, register and cancel.
fn form(r: &WindowRequest, problem: Option<&Both>) -> Page {
    let (amount_ko, amount_en) = amount_text(r);
    let mut hidden = String::new();
    for (k, v) in &r.carried {
        hidden.push_str(&format!(
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            esc(k),
            esc(v)
        ));
    }
    let fields = if r.rule.is_phone() {
        field(
            "phone",
            "휴대폰 번호",
            "Mobile number",
            "010-1234-5678",
            "tel",
        )
    } else {
        [
            field(
                "card_number",
                "카드번호",
                "Card number",
                "4242-4242-4242-4242",
                "text",
            ),
            field("expiry", "유효기간", "Expiry", "2030-12 (YYYY-MM)", "text"),
            field(
                "birth",
                "생년월일 6자리 또는 사업자번호 10자리",
                "Birth date (YYMMDD) or business number",
                "900101",
                "text",
            ),
            field(
                "pwd_2digit",
                "카드 비밀번호 앞 2자리",
                "First 2 digits of the card password",
                "12",
                "password",
            ),
        ]
        .concat()
    };
    let test_cards = if r.rule.is_phone() {
        "<p class=\"hint\">샌드박스에서는 010으로 시작하는 어느 번호든 승인됩니다. \
         <span class=\"en\">Any number starting with 010 approves on the sandbox.</span></p>"
            .to_string()
    } else {
        let mut rows = String::new();
        for c in cards::TEST_CARDS {
            rows.push_str(&format!(
                "<tr><td><code>{}</code></td><td>{}<br><span class=\"en\">{}</span></td></tr>",
                esc(c.number),
                esc(c.description_ko),
                esc(c.description_en)
            ));
        }
        format!(
            "<details><summary>테스트 카드 / Test cards</summary><table>{rows}</table></details>"
        )
    };
    let problem = problem
        .map(|p| {
            format!(
                "<p class=\"error\" data-testid=\"error\">{}<br><span class=\"en\">{}</span></p>",
                esc(&p.ko),
                esc(&p.en)
            )
        })
        .unwrap_or_default();
    let body = format!(
        "<h1>{name} 결제창 <span class=\"en\">payment window</span></h1>\
         <p class=\"hint\">Subdesk 샌드박스의 연습용 결제창입니다. 실제 결제는 일어나지 않습니다. \
         <span class=\"en\">A practice window served by the Subdesk sandbox; no real money moves.</span></p>\
         <dl><dt>PG</dt><dd><code>{pg}.{mid}</code></dd>\
         <dt>주문 / Order</dt><dd>{order} <code>{merchant}</code></dd>\
         <dt>customer_uid</dt><dd><code>{uid}</code></dd>\
         <dt>금액 / Amount</dt><dd data-testid=\"amount\">{amount_ko}<br><span class=\"en\">{amount_en}</span></dd></dl>\
         {problem}\
         <form method=\"post\" action=\"{action}\" data-testid=\"window-form\">{hidden}{fields}\
         <p><button type=\"submit\" name=\"action\" value=\"register\">등록 / Register</button> \
         <button type=\"submit\" name=\"action\" value=\"cancel\" formnovalidate>취소 / Cancel</button></p></form>\
         {test_cards}",
        name = esc(r.channel.channel_name),
        pg = esc(r.channel.pg_provider),
        mid = esc(r.channel.pg_id),
        order = esc(r.name.as_deref().unwrap_or_default()),
        merchant = esc(&r.merchant_uid),
        uid = esc(&r.customer_uid),
        action = WINDOW_PATH,
    );
    Page {
        status: StatusCode::OK,
        html: layout("결제창 / Payment window", &body),
        location: None,
    }
}

fn field(name: &str, ko: &str, en: &str, placeholder: &str, kind: &str) -> String {
    format!(
        "<label>{ko} <span class=\"en\">{en}</span>\
         <input name=\"{name}\" type=\"{kind}\" placeholder=\"{}\" autocomplete=\"off\"></label>",
        esc(placeholder)
    )
}

fn layout(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"ko\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>\
         body{{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;color:#222}}\
         h1{{font-size:1.3rem}} .en{{color:#666;font-size:.9em}} .hint{{color:#555;font-size:.9em}}\
         .error{{color:#b00020;font-weight:600}} dt{{font-weight:600;margin-top:.4rem}} dd{{margin:0}}\
         label{{display:block;margin:.6rem 0}} input{{display:block;width:100%;padding:.4rem;font-size:1rem;box-sizing:border-box}}\
         button{{padding:.5rem 1rem;font-size:1rem}} td{{padding:.2rem .4rem;vertical-align:top}}\
         </style></head><body>{body}</body></html>",
        esc(title)
    )
}

/// The hidden fields of the page's form, decoded, in order: what a browser submits along
/// with what the buyer types. For tests (this crate's, the desk's and the E2E harness's)
/// that fill the window as a browser would.
pub fn form_fields(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for tag in html.split("<input ").skip(1) {
        let tag = tag.split('>').next().unwrap_or_default();
        if !tag.contains("type=\"hidden\"") {
            continue;
        }
        let attr = |name: &str| {
            let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
            let end = tag[start..].find('"')? + start;
            Some(unescape(&tag[start..end]))
        };
        if let (Some(n), Some(v)) = (attr("name"), attr("value")) {
            out.push((n, v));
        }
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_that_can_break_out_of_html_is_escaped() {
        assert_eq!(
            esc("<script>\"x\" & 'y'</script>"),
            "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;"
        );
    }

    #[test]
    fn hidden_fields_read_back_as_sent() {
        let html = format!(
            "<input type=\"hidden\" name=\"name\" value=\"{}\"><input name=\"card_number\" type=\"text\">",
            esc("<b>\"a&b\"</b>")
        );
        assert_eq!(
            form_fields(&html),
            vec![("name".to_string(), "<b>\"a&b\"</b>".to_string())]
        );
    }

    #[test]
    fn only_http_redirects_with_a_host_pass() {
        assert!(check_redirect("https://shop.example/done?x=1").is_ok());
        assert!(check_redirect("http://127.0.0.1:3000/done").is_ok());
        for bad in [
            "javascript:alert(1)",
            "data:text/html,hi",
            "file:///etc/passwd",
            "//evil.example",
            "https://user:pw@evil.example/",
            "not a url",
        ] {
            assert!(check_redirect(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn won_are_grouped_by_thousands() {
        assert_eq!(format_won(0), "0");
        assert_eq!(format_won(1000), "1,000");
        assert_eq!(format_won(1234567), "1,234,567");
    }
}
