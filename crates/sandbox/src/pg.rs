//! The sandbox's configured PG channels and the per-PG rules a real account enforces
//! (from shared/data/pg-guide.json and the V1 spec's per-endpoint PG lists).

use serde::Serialize;

use crate::cards::CardRequirements;
use crate::error::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelType {
    /// REST non-auth / key-in (`api_payment` in GET /users/pg).
    ApiPayment,
    /// Browser payment window (`payment`).
    Payment,
}

/// One channel as GET /users/pg reports it.
#[derive(Debug, Clone, Copy)]
pub struct Channel {
    pub pg_provider: &'static str,
    pub pg_id: &'static str,
    pub sandbox: bool,
    pub kind: ChannelType,
    pub channel_name: &'static str,
    pub channel_key: &'static str,
}

/// The account's channels. The first REST channel is the default when `pg` is absent.
/// Channels are "live" (`sandbox: false`) so the app behaves exactly as it will in
/// production; `nice.nictest00m` is a test channel, to exercise `include_sandbox`.
pub const CHANNELS: &[Channel] = &[
    ch(
        "nice",
        "nictest04m",
        false,
        ChannelType::ApiPayment,
        "나이스 정기결제",
        "channel-key-nice-0001",
    ),
    ch(
        "nice",
        "nictest00m",
        true,
        ChannelType::ApiPayment,
        "나이스 테스트",
        "channel-key-nice-test",
    ),
    ch(
        "kcp",
        "T0000",
        false,
        ChannelType::ApiPayment,
        "KCP 정기결제",
        "channel-key-kcp-0001",
    ),
    ch(
        "html5_inicis",
        "INIBillTst",
        false,
        ChannelType::ApiPayment,
        "이니시스 빌링",
        "channel-key-inicis-0001",
    ),
    ch(
        "tosspayments",
        "tosstest",
        false,
        ChannelType::ApiPayment,
        "토스페이먼츠 빌링",
        "channel-key-toss-0001",
    ),
    ch(
        "ksnet",
        "2999199999",
        false,
        ChannelType::ApiPayment,
        "KSNET 정기결제",
        "channel-key-ksnet-0001",
    ),
    ch(
        "welcome",
        "welcometst",
        false,
        ChannelType::ApiPayment,
        "웰컴페이먼츠 빌링",
        "channel-key-welcome-0001",
    ),
    ch(
        "settle",
        "nxca_jt_il",
        false,
        ChannelType::ApiPayment,
        "헥토파이낸셜 빌링",
        "channel-key-settle-0001",
    ),
    ch(
        "jtnet",
        "tpaykeyin1m",
        false,
        ChannelType::ApiPayment,
        "JTNet 키인 정기결제",
        "channel-key-jtnet-0001",
    ),
    ch(
        "kakaopay",
        "TCSUBSCRIP",
        false,
        ChannelType::Payment,
        "카카오페이 정기결제",
        "channel-key-kakao-0001",
    ),
    ch(
        "kcp_billing",
        "BA001",
        false,
        ChannelType::Payment,
        "KCP 빌링 결제창",
        "channel-key-kcpb-0001",
    ),
    ch(
        "danal_tpay",
        "9810030929",
        false,
        ChannelType::Payment,
        "다날 신용카드 빌링",
        "channel-key-danal-0001",
    ),
    ch(
        "danal",
        "A010002002",
        false,
        ChannelType::Payment,
        "다날 휴대폰 정기결제",
        "channel-key-danalphone-0001",
    ),
    ch(
        "html5_inicis",
        "INIpayTest",
        false,
        ChannelType::Payment,
        "이니시스 빌링 결제창",
        "channel-key-inicisw-0001",
    ),
    ch(
        "jtnet",
        "tpaytest2m",
        false,
        ChannelType::Payment,
        "JTNet 빌링 결제창",
        "channel-key-jtnetw-0001",
    ),
    ch(
        "kicc",
        "T5102001",
        false,
        ChannelType::Payment,
        "KICC 빌링 결제창",
        "channel-key-kicc-0001",
    ),
    ch(
        "payco",
        "PARTNERTEST",
        false,
        ChannelType::Payment,
        "페이코 정기결제",
        "channel-key-payco-0001",
    ),
    ch(
        "chai",
        "chai-sandbox-pk",
        false,
        ChannelType::Payment,
        "차이 정기결제",
        "channel-key-chai-0001",
    ),
    ch(
        "mobilians",
        "M2103135",
        false,
        ChannelType::Payment,
        "KG모빌리언스 휴대폰 정기결제",
        "channel-key-mobilians-0001",
    ),
    ch(
        "naverpay",
        "np_sandbox",
        false,
        ChannelType::Payment,
        "네이버페이 정기결제",
        "channel-key-naverpay-0001",
    ),
];

const fn ch(
    pg_provider: &'static str,
    pg_id: &'static str,
    sandbox: bool,
    kind: ChannelType,
    channel_name: &'static str,
    channel_key: &'static str,
) -> Channel {
    Channel {
        pg_provider,
        pg_id,
        sandbox,
        kind,
        channel_name,
        channel_key,
    }
}

pub const DEFAULT_CHANNEL: &Channel = &CHANNELS[0];

/// PGs that issue a key from card data on `POST /subscribe/customers/{uid}` (spec list,
/// and JTNet from the manual's REST page).
const REST_ISSUE: &[&str] = &[
    "jtnet",
    "nice",
    "nice_v2",
    "kcp",
    "daou",
    "html5_inicis",
    "tosspayments",
    "ksnet",
    "welcome",
];
/// PGs accepted by `POST /subscribe/payments/onetime` (spec list, and JTNet per the
/// manual).
const ONETIME: &[&str] = &[
    "jtnet",
    "daou",
    "kcp",
    "nice",
    "nice_v2",
    "html5_inicis",
    "paymentwall",
    "settle",
    "tosspayments",
    "ksnet",
    "welcome",
];

/// Resolves the `pg` parameter: `{provider}` or `{provider}.{MID}`. A missing value
/// selects the default REST channel. An unknown value falls back to the default too,
/// as the spec documents ("누락되거나 유효하지 않으면 기본 PG 설정").
pub fn resolve(pg: Option<&str>, channel_key: Option<&str>) -> &'static Channel {
    if let Some(key) = channel_key.filter(|k| !k.is_empty())
        && let Some(c) = CHANNELS.iter().find(|c| c.channel_key == key)
    {
        return c;
    }
    let Some(pg) = pg.map(str::trim).filter(|p| !p.is_empty()) else {
        return DEFAULT_CHANNEL;
    };
    let (provider, mid) = match pg.split_once('.') {
        Some((p, m)) => (p, Some(m)),
        None => (pg, None),
    };
    CHANNELS
        .iter()
        .find(|c| c.pg_provider == provider && mid.is_none_or(|m| m == c.pg_id))
        .unwrap_or(DEFAULT_CHANNEL)
}

pub fn find_channel(provider: &str, pg_id: &str) -> Option<&'static Channel> {
    CHANNELS
        .iter()
        .find(|c| c.pg_provider == provider && c.pg_id == pg_id)
}

const NOT_CONFIGURED: &str = "비인증결제모듈 사용정보를 찾을 수 없습니다.";

/// May this channel issue a key without a charge (`POST /subscribe/customers`)?
pub fn check_rest_issue(c: &Channel) -> Result<(), ApiError> {
    if c.kind == ChannelType::Payment {
        return Err(ApiError::refused(format!(
            "{NOT_CONFIGURED} ({}는 결제창 방식으로만 빌링키를 발급할 수 있습니다.)",
            c.pg_provider
        )));
    }
    if c.pg_provider == "settle" {
        return Err(ApiError::refused(
            "헥토파이낸셜(settle)은 빌링키 단독 발급을 지원하지 않습니다. onetime API에 customer_uid를 함께 전달해 최초 결제와 함께 발급하세요.",
        ));
    }
    if !REST_ISSUE.contains(&c.pg_provider) {
        return Err(ApiError::refused(NOT_CONFIGURED));
    }
    Ok(())
}

pub fn check_onetime(c: &Channel) -> Result<(), ApiError> {
    if c.kind == ChannelType::Payment || !ONETIME.contains(&c.pg_provider) {
        return Err(ApiError::refused(NOT_CONFIGURED));
    }
    Ok(())
}

/// birth / pwd_2digit requiredness when the card is authenticated for a key.
pub fn issue_requirements(c: &Channel) -> CardRequirements {
    match c.pg_provider {
        // Settlebank: birth only if contracted (dummy 123456 otherwise), no password digits.
        "settle" => CardRequirements {
            birth: false,
            pwd_2digit: false,
        },
        _ => CardRequirements {
            birth: true,
            pwd_2digit: true,
        },
    }
}

/// Requiredness on `onetime` without a key: KSNET ignores birth and password digits.
pub fn onetime_requirements(c: &Channel, with_key: bool) -> CardRequirements {
    if c.pg_provider == "ksnet" && !with_key {
        return CardRequirements {
            birth: false,
            pwd_2digit: false,
        };
    }
    issue_requirements(c)
}

/// Everything a charge request carries that a PG may insist on.
#[derive(Debug, Default)]
pub struct ChargeFields<'a> {
    pub name: Option<&'a str>,
    pub buyer_name: Option<&'a str>,
    pub buyer_email: Option<&'a str>,
    pub buyer_tel: Option<&'a str>,
    pub product_type: Option<&'a str>,
    pub customer_uid: Option<&'a str>,
}

fn missing(field: &str, pg: &str) -> ApiError {
    ApiError::refused(format!("{pg} 결제 요청에는 {field} 파라메터가 필수입니다."))
}

/// Per-PG field rules on `onetime`.
pub fn check_onetime_fields(c: &Channel, f: &ChargeFields<'_>) -> Result<(), ApiError> {
    let pg = c.pg_provider;
    let present = |v: Option<&str>| v.is_some_and(|s| !s.trim().is_empty());
    if matches!(pg, "ksnet" | "tosspayments") && f.customer_uid.is_some() {
        return Err(ApiError::refused(format!(
            "{pg}는 onetime 결제 시 customer_uid를 지원하지 않습니다. 빌링키 발급 API를 먼저 호출하세요."
        )));
    }
    if matches!(pg, "ksnet" | "welcome" | "html5_inicis") && !present(f.buyer_name) {
        return Err(missing("buyer_name", pg));
    }
    if pg == "ksnet" && !present(f.product_type) {
        return Err(missing("product_type", pg));
    }
    if let Some(t) = f.product_type
        && !matches!(t, "real" | "digital")
    {
        return Err(ApiError::refused(
            "product_type은 real 또는 digital 이어야 합니다.",
        ));
    }
    if pg == "html5_inicis" {
        for (field, v) in [
            ("name", f.name),
            ("buyer_email", f.buyer_email),
            ("buyer_tel", f.buyer_tel),
        ] {
            if !present(v) {
                return Err(missing(field, pg));
            }
        }
    }
    Ok(())
}

/// Per-PG field rules on `again` and on schedule execution. `stored_name` is the key's
/// `customer_name`, which stands in for a missing `buyer_name`.
pub fn check_again_fields(
    c: &Channel,
    f: &ChargeFields<'_>,
    stored_name: Option<&str>,
) -> Result<(), ApiError> {
    let pg = c.pg_provider;
    let present = |v: Option<&str>| v.is_some_and(|s| !s.trim().is_empty());
    if matches!(pg, "html5_inicis" | "danal_tpay") && !present(f.name) {
        return Err(missing("name", pg));
    }
    if matches!(pg, "ksnet" | "welcome") && !present(f.buyer_name) && !present(stored_name) {
        return Err(missing("buyer_name", pg));
    }
    if pg == "ksnet" && !present(f.product_type) {
        return Err(missing("product_type", pg));
    }
    Ok(())
}

/// Instalments (card_quota ≥ 2) are allowed only from 50,000 KRW.
pub fn check_quota(card_quota: i64, amount: i64, currency: &str) -> Result<(), ApiError> {
    if !(0..=36).contains(&card_quota) {
        return Err(ApiError::refused(
            "card_quota는 0(일시불) 또는 2~36 사이여야 합니다.",
        ));
    }
    if card_quota >= 2 && (currency != "KRW" || amount < 50_000) {
        return Err(ApiError::refused(
            "할부(card_quota 2개월 이상)는 결제금액 50,000원 이상부터 가능합니다.",
        ));
    }
    Ok(())
}

/// What `amount` does when a payment window issues a key (pg-guide.json's
/// `issue_amount_behaviour` for the window rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowAmount {
    /// 0 issues the key only; above 0 issues it and charges that amount.
    ZeroOrCharge,
    /// Key issuance cannot be separated from a payment: above 0 is required and charged.
    MustCharge,
    /// Shown in the window only; never charged (the first payment is a separate `again`).
    DisplayOnly,
}

/// How one PG's payment window issues a billing key.
#[derive(Debug, Clone, Copy)]
pub struct WindowRule {
    pub pg_provider: &'static str,
    /// The only `pay_method` the flow accepts, when the PG checks it (`None`: ignored).
    pub pay_method: Option<&'static str>,
    /// `pay_method` must be sent.
    pub pay_method_required: bool,
    pub amount: WindowAmount,
    /// `buyer_tel` must be sent (Naver Pay).
    pub buyer_tel_required: bool,
    /// The result only comes back by redirect: `m_redirect_url` must be sent (CHAI).
    pub redirect_required: bool,
}

const fn window(
    pg_provider: &'static str,
    pay_method: Option<&'static str>,
    pay_method_required: bool,
    amount: WindowAmount,
) -> WindowRule {
    WindowRule {
        pg_provider,
        pay_method,
        pay_method_required,
        amount,
        buyer_tel_required: false,
        redirect_required: false,
    }
}

/// The eleven PGs that issue keys through the payment window (pg-guide.json, window rows).
pub const WINDOW_RULES: &[WindowRule] = &[
    window(
        "danal_tpay",
        Some("card"),
        false,
        WindowAmount::ZeroOrCharge,
    ),
    window("danal", Some("phone"), true, WindowAmount::MustCharge),
    window(
        "kcp_billing",
        Some("card"),
        false,
        WindowAmount::DisplayOnly,
    ),
    window(
        "html5_inicis",
        Some("card"),
        false,
        WindowAmount::DisplayOnly,
    ),
    window("jtnet", Some("card"), false, WindowAmount::ZeroOrCharge),
    window("kicc", Some("card"), false, WindowAmount::DisplayOnly),
    // PAYCO and Kakao Pay ignore the pay_method sent; Naver Pay's sample sets none.
    window("payco", None, false, WindowAmount::DisplayOnly),
    window("kakaopay", None, false, WindowAmount::ZeroOrCharge),
    WindowRule {
        redirect_required: true,
        ..window("chai", Some("trans"), true, WindowAmount::DisplayOnly)
    },
    window("mobilians", Some("phone"), true, WindowAmount::MustCharge),
    WindowRule {
        buyer_tel_required: true,
        ..window("naverpay", None, false, WindowAmount::DisplayOnly)
    },
];

impl WindowRule {
    /// Phone billing (Danal phone, Mobilians): the buyer gives a phone number, not a card.
    pub fn is_phone(&self) -> bool {
        self.pay_method == Some("phone")
    }
}

pub fn window_rule(provider: &str) -> Option<&'static WindowRule> {
    WINDOW_RULES.iter().find(|r| r.pg_provider == provider)
}

/// The payment-window channel a window's `pg` (`{provider}` or `{provider}.{MID}`)
/// names. Unlike the REST endpoints there is no falling back to a default channel: the
/// practice window refuses what it does not know, so a typo shows.
pub fn resolve_window(pg: &str) -> Option<(&'static Channel, &'static WindowRule)> {
    let pg = pg.trim();
    let (provider, mid) = match pg.split_once('.') {
        Some((p, m)) => (p, Some(m)),
        None => (pg, None),
    };
    let rule = window_rule(provider)?;
    let channel = CHANNELS.iter().find(|c| {
        c.kind == ChannelType::Payment
            && c.pg_provider == provider
            && mid.is_none_or(|m| m == c.pg_id)
    })?;
    Some((channel, rule))
}
