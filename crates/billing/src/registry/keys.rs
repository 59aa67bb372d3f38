//! Billing keys over REST: the form's validation (the rules the UI mirrors), issuing a key
//! from card data, deleting a key, and the per-PG rules that decide what a form needs.
//!
//! Card data lives only in [`CardInput`] (secret strings, zeroized on drop) for the one
//! request; the store keeps only what PortOne returns (masked number, card name).

use secrecy::zeroize::Zeroizing;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use subdesk_iamport::{CardData, Client, DeleteBillingKey, IssueBillingKey};

use crate::error::{Error, Result};
use crate::mirror::sync;
use crate::registry::customers::{Customer, validate_customer_uid};
use crate::store::db::Store;

/// The audit log's outcome text for a failed API call: its stable code, no message (a PG's
/// message may echo what was sent).
fn audit_outcome(e: &subdesk_iamport::Error) -> String {
    format!("error: {}", e.code())
}

/// What one REST-issuing PG needs on `POST /subscribe/customers/{customer_uid}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RestPgRule {
    /// The `pg` value's provider part.
    pub pg_provider: String,
    pub birth_required: bool,
    pub pwd_2digit_required: bool,
    /// Welcome Payments refuses a key without the holder's name.
    pub customer_name_required: bool,
    /// Toss Payments links buyer and key through `customer_id`; without it the link is lost.
    pub customer_id_required: bool,
    /// `onetime` may keep the card as a key (`customer_uid`): false for KSNET and Toss
    /// Payments, which refuse `customer_uid` on a one-time charge.
    pub first_charge_keeps_key: bool,
    /// A key can be issued without a charge (`POST /subscribe/customers`): false for
    /// Settlebank (Hecto), which issues a key only together with a first charge.
    pub key_only: bool,
    /// The birth sent when none is typed, and accepted as typed: Settlebank takes the
    /// dummy `123456` unless its contract wants the real date.
    pub dummy_birth: Option<String>,
    /// Every charge needs `product_type` (real or digital goods): KSNET. The form asks
    /// for it with the key, and the key's charges and schedules carry it.
    pub product_type_required: bool,
    /// The holder fields (`customer_name`, `customer_email`, `customer_tel`) a key with a
    /// first charge needs: `onetime` sends them as the buyer's, and KG INICIS refuses a
    /// charge without buyer name, e-mail and phone.
    pub first_charge_requires: Vec<String>,
    /// The PG guide's row (data/pg-guide.json `id`) describing this REST issuance, where
    /// the guide has one.
    pub guide_entry: Option<String>,
}

/// How a REST (`api_payment`) channel of this PG gets billing keys, for the PG guide's
/// readiness view: `key` (alone or with a first charge), `first_charge_only`
/// (Settlebank), or None when Subdesk does not issue over REST on it.
pub fn rest_readiness(pg_provider: &str) -> Option<(&'static str, Option<String>)> {
    rest_pg_rules()
        .into_iter()
        .find(|r| r.pg_provider == pg_provider)
        .map(|r| {
            let kind = if r.key_only {
                "key"
            } else {
                "first_charge_only"
            };
            (kind, r.guide_entry)
        })
}

/// The PGs that refuse a charge (`again`, `onetime`, a schedule's execution) without
/// `product_type`: KSNET, per the V1 spec. The one copy of this rule.
pub fn product_type_required(pg_provider: &str) -> bool {
    pg_provider == "ksnet"
}

/// The PGs that issue keys from card data over REST: the spec's list for key issuance,
/// JTNet (from the manual's REST page), and Settlebank (`settle`), which issues a key only with a first charge (`onetime` +
/// `customer_uid`, per the manual; the key-only endpoint needs a separate contract).
/// Settlebank takes no password digits and a dummy birth (`123456`) unless its contract
/// wants the real one. Paymentwall (cvc, browser_ip, PCI-DSS) is not offered.
pub fn rest_pg_rules() -> Vec<RestPgRule> {
    let rule = |pg: &str, name: bool, id: bool| RestPgRule {
        pg_provider: pg.to_owned(),
        birth_required: true,
        pwd_2digit_required: true,
        customer_name_required: name,
        customer_id_required: id,
        first_charge_keeps_key: !matches!(pg, "ksnet" | "tosspayments"),
        key_only: true,
        dummy_birth: None,
        product_type_required: product_type_required(pg),
        first_charge_requires: match pg {
            "html5_inicis" => vec![
                "customer_name".to_owned(),
                "customer_email".to_owned(),
                "customer_tel".to_owned(),
            ],
            _ => Vec::new(),
        },
        guide_entry: match pg {
            "nice" => Some("nice-api"),
            "kcp" => Some("kcp-api"),
            "html5_inicis" => Some("inicis-api"),
            "jtnet" => Some("jtnet-api"),
            "settle" => Some("settlebank-api"),
            _ => None,
        }
        .map(str::to_owned),
    };
    vec![
        RestPgRule {
            birth_required: false,
            pwd_2digit_required: false,
            key_only: false,
            dummy_birth: Some("123456".to_owned()),
            ..rule("settle", false, false)
        },
        rule("nice", false, false),
        rule("nice_v2", false, false),
        rule("kcp", false, false),
        rule("html5_inicis", false, false),
        rule("daou", false, false),
        rule("ksnet", false, false),
        rule("tosspayments", false, true),
        rule("welcome", true, false),
        // JTNet (tPay key-in): the manual's REST page documents both endpoints (the V1
        // spec does not list JTNet). Birth and password digits as in the EN example; the
        // KO example omits pwd_2digit (a gap of that page, noted in the guide data).
        rule("jtnet", false, false),
    ]
}

/// The card as the form sends it. Debug shows nothing of it.
#[derive(Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CardInput {
    /// 16 digits, with or without hyphens or spaces.
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub number: SecretString,
    /// `YYYY-MM`.
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub expiry: SecretString,
    /// `YYMMDD`, or the 10-digit business number for a corporate card.
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub birth: Option<SecretString>,
    /// The first two digits of the card password.
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub pwd_2digit: Option<SecretString>,
    /// A corporate card (무기명 법인카드): birth carries the business number.
    pub corporate: bool,
}

impl std::fmt::Debug for CardInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CardInput { .. }")
    }
}

/// A key issuance as the form submits it.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct IssueKeyInput {
    pub customer_uid: String,
    /// `{pg_provider}` or `{pg_provider}.{MID}`.
    pub pg: String,
    pub card: CardInput,
    pub customer_name: Option<String>,
    pub customer_tel: Option<String>,
    pub customer_email: Option<String>,
    pub customer_id: Option<String>,
    /// The kind of goods the key's charges are for, where the PG needs it (KSNET).
    #[serde(default)]
    pub product_type: Option<crate::money::charge::ProductType>,
    /// The chosen channel's key (`GET /users/pg`), sent with `pg` on key issuance: the
    /// newest spec marks it required on `POST /subscribe/customers/{customer_uid}`.
    #[serde(default)]
    pub channel_key: Option<String>,
    /// Issue although the customer_uid already has a key: i'mport re-points it to the new
    /// card and the old key stays alive at the PG, so it takes an explicit "replace".
    #[serde(default)]
    pub replace: bool,
}

/// What is wrong with one field of a form: a stable code the UI translates (its texts are
/// checked against this list by the TypeScript compiler).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ProblemCode {
    /// Not a date of birth as YYMMDD.
    BirthFormat,
    /// A corporate card needs the 10-digit business number.
    BusinessNumberFormat,
    /// Not 16 digits.
    CardNumberFormat,
    /// The digits fail the card number check (a typo).
    CardNumberLuhn,
    /// Characters a customer_uid cannot hold.
    CustomerUidCharset,
    /// Longer than 80 bytes.
    CustomerUidTooLong,
    /// Not an e-mail address.
    EmailFormat,
    /// Not a month as YYYY-MM.
    ExpiryFormat,
    /// The card has expired.
    ExpiryPast,
    /// The channel cannot issue keys over REST.
    PgNotRest,
    /// The channel does not keep a key issued with a first charge.
    PgNoFirstCharge,
    /// The channel issues a key only together with a first charge (Settlebank).
    PgNeedsFirstCharge,
    /// The PG needs this holder field for a key with a first charge (KG INICIS: buyer
    /// name, e-mail and phone go with the charge).
    RequiredForFirstCharge,
    /// Not two digits.
    #[serde(rename = "pwd_2digit_format")]
    Pwd2digitFormat,
    /// The field must be filled in.
    Required,
    /// Not a phone number.
    TelFormat,
    /// Longer than the field allows.
    TooLong,
    /// An amount must be above zero.
    AmountNotPositive,
    /// Above what one request may carry.
    AmountTooLarge,
    /// Not a date (YYYY-MM-DD).
    DateFormat,
    /// Not a time of day (HH:MM).
    TimeFormat,
    /// The time has passed (a schedule must lie in the future).
    DatePast,
    /// The tax-free part is not between 0 and the amount.
    TaxFreeRange,
    /// A number outside the bounds the field allows (an interval, a retry count).
    OutOfRange,
    /// Not a plan code: 1–10 lower-case letters or digits.
    PlanCodeFormat,
    /// A plan already has this code (codes are never reused: they are in order ids).
    PlanCodeTaken,
}

/// Whether the channel `pg` (`provider.pg_id`) keeps a key issued with a first charge.
fn keeps_key_with_first_charge(pg: &str) -> bool {
    let provider = pg.split('.').next().unwrap_or_default();
    rest_pg_rules()
        .iter()
        .any(|r| r.pg_provider == provider && r.first_charge_keeps_key)
}

impl ProblemCode {
    /// The code as the UI knows it (its serialised form).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BirthFormat => "birth_format",
            Self::BusinessNumberFormat => "business_number_format",
            Self::CardNumberFormat => "card_number_format",
            Self::CardNumberLuhn => "card_number_luhn",
            Self::CustomerUidCharset => "customer_uid_charset",
            Self::CustomerUidTooLong => "customer_uid_too_long",
            Self::EmailFormat => "email_format",
            Self::ExpiryFormat => "expiry_format",
            Self::ExpiryPast => "expiry_past",
            Self::PgNotRest => "pg_not_rest",
            Self::PgNoFirstCharge => "pg_no_first_charge",
            Self::PgNeedsFirstCharge => "pg_needs_first_charge",
            Self::RequiredForFirstCharge => "required_for_first_charge",
            Self::Pwd2digitFormat => "pwd_2digit_format",
            Self::Required => "required",
            Self::TelFormat => "tel_format",
            Self::TooLong => "too_long",
            Self::AmountNotPositive => "amount_not_positive",
            Self::AmountTooLarge => "amount_too_large",
            Self::DateFormat => "date_format",
            Self::TimeFormat => "time_format",
            Self::DatePast => "date_past",
            Self::TaxFreeRange => "tax_free_range",
            Self::OutOfRange => "out_of_range",
            Self::PlanCodeFormat => "plan_code_format",
            Self::PlanCodeTaken => "plan_code_taken",
        }
    }
}

impl std::fmt::Display for ProblemCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One field the form must fix, with a stable code the UI translates.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FieldProblem {
    pub field: String,
    pub code: ProblemCode,
}

impl FieldProblem {
    pub fn new(field: &str, code: ProblemCode) -> Self {
        FieldProblem {
            field: field.to_owned(),
            code,
        }
    }
}

fn problem(field: &str, code: ProblemCode) -> FieldProblem {
    FieldProblem::new(field, code)
}

/// The problems of a key issued without a charge: a channel that issues keys only with a
/// first charge (Settlebank) refuses it, as the PG does.
pub fn validate_key_only(input: &IssueKeyInput) -> Vec<FieldProblem> {
    let provider = input.pg.split('.').next().unwrap_or_default();
    if rest_pg_rules()
        .iter()
        .any(|r| r.pg_provider == provider && !r.key_only)
    {
        return vec![problem("pg", ProblemCode::PgNeedsFirstCharge)];
    }
    Vec::new()
}

/// The problems of a key's first charge (the channel, `amount`, `name`), every one at once.
pub fn validate_first_charge(input: &IssueKeyInput, amount: i64, name: &str) -> Vec<FieldProblem> {
    let mut problems = Vec::new();
    if !keeps_key_with_first_charge(&input.pg) {
        problems.push(problem("pg", ProblemCode::PgNoFirstCharge));
    }
    let provider = input.pg.split('.').next().unwrap_or_default();
    if let Some(rule) = rest_pg_rules()
        .into_iter()
        .find(|r| r.pg_provider == provider)
    {
        for field in &rule.first_charge_requires {
            let value = match field.as_str() {
                "customer_name" => &input.customer_name,
                "customer_email" => &input.customer_email,
                "customer_tel" => &input.customer_tel,
                _ => continue,
            };
            if value.as_deref().is_none_or(|v| v.trim().is_empty()) {
                problems.push(problem(field, ProblemCode::RequiredForFirstCharge));
            }
        }
    }
    if amount <= 0 {
        problems.push(problem("amount", ProblemCode::AmountNotPositive));
    } else if crate::money::charge::check_amount("amount", amount).is_err() {
        problems.push(problem("amount", ProblemCode::AmountTooLarge));
    }
    if name.trim().is_empty() {
        problems.push(problem("name", ProblemCode::Required));
    } else if name.chars().count() > crate::money::charge::ORDER_NAME_MAX_CHARS {
        problems.push(problem("name", ProblemCode::TooLong));
    }
    problems
}

pub fn luhn_ok(digits: &str) -> bool {
    let mut sum = 0u32;
    for (i, c) in digits.bytes().rev().enumerate() {
        let mut d = u32::from(c - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum.is_multiple_of(10)
}

/// Digits of a card number typed with any grouping, or None when anything else is in it.
/// Wiped from memory when dropped, like the form's fields they come from.
fn card_digits(raw: &str) -> Option<Zeroizing<String>> {
    let digits = Zeroizing::new(
        raw.chars()
            .filter(|c| !matches!(c, '-' | ' '))
            .collect::<String>(),
    );
    digits.bytes().all(|b| b.is_ascii_digit()).then_some(digits)
}

/// `YYYY-MM` → (year, month).
fn parse_expiry(raw: &str) -> Option<(i32, u32)> {
    let (y, m) = raw.split_once('-')?;
    if y.len() != 4 || m.len() != 2 {
        return None;
    }
    let year: i32 = y.parse().ok()?;
    let month: u32 = m.parse().ok()?;
    (1..=12).contains(&month).then_some((year, month))
}

/// The card's expiry month as the registry keeps it (`YYYY-MM`): the month only, for
/// expiry warnings (DESIGN principle 2); never the number.
fn expiry_month(card: &CardInput) -> Option<String> {
    parse_expiry(card.expiry.expose_secret().trim()).map(|(y, m)| format!("{y:04}-{m:02}"))
}

fn valid_birth(raw: &str) -> bool {
    if raw.len() != 6 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let month: u32 = raw[2..4].parse().unwrap_or(0);
    let day: u32 = raw[4..6].parse().unwrap_or(0);
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// The year and month of a Unix time in Asia/Seoul, where cards expire.
fn seoul_year_month(unix: i64) -> (i32, u32) {
    let seoul = time::OffsetDateTime::from_unix_timestamp(unix + 9 * 3600)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    (seoul.year(), u32::from(u8::from(seoul.month())))
}

/// Every problem with an issuance, checked before anything is sent. `now` is Unix seconds.
pub fn validate_issue(input: &IssueKeyInput, now: i64) -> Vec<FieldProblem> {
    let mut problems = Vec::new();
    match validate_customer_uid(&input.customer_uid) {
        Ok(()) => {}
        Err("empty") => problems.push(problem("customer_uid", ProblemCode::Required)),
        Err("too_long") => problems.push(problem("customer_uid", ProblemCode::CustomerUidTooLong)),
        Err(_) => problems.push(problem("customer_uid", ProblemCode::CustomerUidCharset)),
    }
    let provider = input.pg.split('.').next().unwrap_or_default();
    let rules = rest_pg_rules();
    let rule = rules.iter().find(|r| r.pg_provider == provider);
    if rule.is_none() {
        problems.push(problem("pg", ProblemCode::PgNotRest));
    }

    let number = input.card.number.expose_secret();
    match card_digits(number) {
        Some(d) if d.is_empty() => problems.push(problem("card_number", ProblemCode::Required)),
        Some(d) if d.len() != 16 => {
            problems.push(problem("card_number", ProblemCode::CardNumberFormat))
        }
        Some(d) if !luhn_ok(&d) => {
            problems.push(problem("card_number", ProblemCode::CardNumberLuhn))
        }
        Some(_) => {}
        None => problems.push(problem("card_number", ProblemCode::CardNumberFormat)),
    }

    let expiry = input.card.expiry.expose_secret();
    if expiry.is_empty() {
        problems.push(problem("expiry", ProblemCode::Required));
    } else {
        match parse_expiry(expiry) {
            None => problems.push(problem("expiry", ProblemCode::ExpiryFormat)),
            Some(ym) if ym < seoul_year_month(now) => {
                problems.push(problem("expiry", ProblemCode::ExpiryPast))
            }
            Some(_) => {}
        }
    }

    let birth = input
        .card
        .birth
        .as_ref()
        .map(|b| b.expose_secret().trim())
        .unwrap_or_default();
    let birth_required = rule.is_none_or(|r| r.birth_required);
    if input.card.corporate {
        if birth.len() != 10 || !birth.bytes().all(|b| b.is_ascii_digit()) {
            problems.push(problem("birth", ProblemCode::BusinessNumberFormat));
        }
    } else if birth.is_empty() {
        if birth_required {
            problems.push(problem("birth", ProblemCode::Required));
        }
    } else if !valid_birth(birth) && rule.and_then(|r| r.dummy_birth.as_deref()) != Some(birth) {
        problems.push(problem("birth", ProblemCode::BirthFormat));
    }

    let pwd = input
        .card
        .pwd_2digit
        .as_ref()
        .map(|p| p.expose_secret().trim())
        .unwrap_or_default();
    // Corporate cards are authenticated by the business number alone.
    let pwd_required = rule.is_none_or(|r| r.pwd_2digit_required) && !input.card.corporate;
    if pwd.is_empty() {
        if pwd_required {
            problems.push(problem("pwd_2digit", ProblemCode::Required));
        }
    } else if pwd.len() != 2 || !pwd.bytes().all(|b| b.is_ascii_digit()) {
        problems.push(problem("pwd_2digit", ProblemCode::Pwd2digitFormat));
    }

    let name = input
        .customer_name
        .as_deref()
        .map(str::trim)
        .unwrap_or_default();
    if name.is_empty() && rule.is_some_and(|r| r.customer_name_required) {
        problems.push(problem("customer_name", ProblemCode::Required));
    }
    if name.chars().count() > 20 {
        problems.push(problem("customer_name", ProblemCode::TooLong));
    }
    let id = input
        .customer_id
        .as_deref()
        .map(str::trim)
        .unwrap_or_default();
    if id.is_empty() && rule.is_some_and(|r| r.customer_id_required) {
        problems.push(problem("customer_id", ProblemCode::Required));
    }
    if input
        .channel_key
        .as_deref()
        .is_some_and(|k| k.trim().chars().count() > CHANNEL_KEY_MAX_CHARS)
    {
        problems.push(problem("channel_key", ProblemCode::TooLong));
    }
    if input.product_type.is_none() && rule.is_some_and(|r| r.product_type_required) {
        problems.push(problem("product_type", ProblemCode::Required));
    }
    if let Some(tel) = input
        .customer_tel
        .as_deref()
        .filter(|t| !t.trim().is_empty())
    {
        let ok = tel.chars().count() <= 20
            && tel
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '-' | ' ' | '+'));
        if !ok {
            problems.push(problem("customer_tel", ProblemCode::TelFormat));
        }
    }
    if let Some(email) = input
        .customer_email
        .as_deref()
        .filter(|e| !e.trim().is_empty())
    {
        let ok = email.len() <= 200
            && email
                .split_once('@')
                .is_some_and(|(a, d)| !a.is_empty() && d.contains('.') && !d.starts_with('.'));
        if !ok {
            problems.push(problem("customer_email", ProblemCode::EmailFormat));
        }
    }
    problems
}

/// The longest `channel_key` the spec allows.
pub const CHANNEL_KEY_MAX_CHARS: usize = 55;

/// A readable, unique customer_uid: `cus_YYYYMMDD_` and ten characters of a ULID.
pub fn new_customer_uid(now: i64) -> String {
    let (y, m) = seoul_year_month(now);
    let day = time::OffsetDateTime::from_unix_timestamp(now + 9 * 3600)
        .map(|t| t.day())
        .unwrap_or(1);
    let ulid = ulid::Ulid::new().to_string();
    format!("cus_{y:04}{m:02}{day:02}_{}", &ulid[ulid.len() - 10..])
}

fn trimmed(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// The PG's dummy birth, for a card typed without one (Settlebank).
fn dummy_birth(pg: &str) -> Option<String> {
    let provider = pg.split('.').next().unwrap_or_default();
    rest_pg_rules()
        .into_iter()
        .find(|r| r.pg_provider == provider)
        .and_then(|r| r.dummy_birth)
}

fn card_data(card: &CardInput, pg: &str) -> Result<CardData> {
    let digits = card_digits(card.number.expose_secret()).unwrap_or_default();
    // The API wants dddd-dddd-dddd-dddd.
    let grouped: Vec<&str> = (0..digits.len())
        .step_by(4)
        .map(|i| &digits[i..(i + 4).min(digits.len())])
        .collect();
    let grouped = Zeroizing::new(grouped.join("-"));
    let mut data = CardData::new(&grouped, card.expiry.expose_secret())?;
    if let Some(birth) = card
        .birth
        .as_ref()
        .map(|b| b.expose_secret().trim())
        .filter(|b| !b.is_empty())
    {
        data = data.birth(birth)?;
    } else if !card.corporate
        && let Some(dummy) = dummy_birth(pg)
    {
        data = data.birth(&dummy)?;
    }
    if let Some(pwd) = card
        .pwd_2digit
        .as_ref()
        .map(|p| p.expose_secret().trim())
        .filter(|p| !p.is_empty())
    {
        data = data.pwd_2digit(pwd)?;
    }
    Ok(data)
}

/// Whether a customer_uid already has a key, here (not deleted) or at PortOne.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExistingKey {
    None,
    Key(CustomerRecordBrief),
    /// PortOne answered the lookup with a refusal (a non-zero code), not "not found": it
    /// may have a key there. Its message, as received.
    Unknown(String),
}

/// The key a customer_uid already has, here (not deleted) or at PortOne: issuing on it
/// would re-point it. Asked before anything is sent.
pub async fn existing_key(
    store: &Store,
    client: &Client,
    customer_uid: &str,
) -> Result<ExistingKey> {
    if let Ok(c) = store.get_customer(customer_uid)
        && c.key_status != crate::registry::customers::KeyStatus::Deleted
    {
        return Ok(ExistingKey::Key(CustomerRecordBrief {
            pg_provider: c.pg_provider.unwrap_or_default(),
            pg_id: c.pg_id.unwrap_or_default(),
            card_name: c.card_name.unwrap_or_default(),
            card_number: c.card_number.unwrap_or_default(),
        }));
    }
    match client.get_billing_key(customer_uid).await {
        Ok(api) => {
            let r = sync::keys::customer_record(&api);
            Ok(ExistingKey::Key(CustomerRecordBrief {
                pg_provider: r.pg_provider.unwrap_or_default(),
                pg_id: r.pg_id.unwrap_or_default(),
                card_name: r.card_name.unwrap_or_default(),
                card_number: r.card_number.unwrap_or_default(),
            }))
        }
        // No key under this id: the spec's 404.
        Err(e) if e.code() == "not_found" => Ok(ExistingKey::None),
        // A refusal says nothing about the key: older servers answered "not found" this
        // way (HTTP 200, a non-zero code), but so does a channel or permission problem,
        // and the message is the PG's text, not something to branch on. Treating it as
        // "no key" would re-point a live one silently; a person decides instead.
        Err(subdesk_iamport::Error::Rejected { message, .. }) => {
            Ok(ExistingKey::Unknown(message.unwrap_or_default()))
        }
        Err(e) => Err(e.into()),
    }
}

/// The key an issuance replaces, as the audit and the confirmation show it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CustomerRecordBrief {
    pub pg_provider: String,
    pub pg_id: String,
    pub card_name: String,
    /// Masked.
    pub card_number: String,
}

/// Refuses to re-point an existing key (or one PortOne would not say is absent) unless
/// `replace` was asked; the key replaced, if any, for the audit (`{"unknown": answer}`
/// when i'mport would not say whether there was one).
async fn guard_replacement(
    store: &Store,
    client: &Client,
    input: &IssueKeyInput,
) -> Result<Option<serde_json::Value>> {
    match existing_key(store, client, &input.customer_uid).await? {
        ExistingKey::None => Ok(None),
        ExistingKey::Key(old) if !input.replace => Err(Error::KeyReplacesExisting {
            customer_uid: input.customer_uid.clone(),
            pg_provider: old.pg_provider,
            pg_id: old.pg_id,
            card_name: old.card_name,
            card_number: old.card_number,
        }),
        ExistingKey::Unknown(message) if !input.replace => Err(Error::KeyPresenceUnknown {
            customer_uid: input.customer_uid.clone(),
            message,
        }),
        ExistingKey::Key(old) => Ok(Some(serde_json::json!(old))),
        ExistingKey::Unknown(message) => Ok(Some(serde_json::json!({ "unknown": message }))),
    }
}

/// Validates, issues the key at PortOne, and records it. Invalid input is refused before
/// anything is sent (the first problem as [`Error::InvalidInput`]; call [`validate_issue`]
/// first to show every problem in a form).
pub async fn issue_key(store: &Store, client: &Client, input: IssueKeyInput) -> Result<Customer> {
    let mut problems = validate_issue(&input, crate::now());
    problems.extend(validate_key_only(&input));
    if let Some(first) = problems.into_iter().next() {
        return Err(Error::invalid(first.field, first.code.to_string()));
    }
    let replaced = guard_replacement(store, client, &input).await?;
    let mut request = IssueBillingKey::new(card_data(&input.card, &input.pg)?);
    request.pg = Some(input.pg.clone());
    request.channel_key = trimmed(&input.channel_key);
    request.customer_name = trimmed(&input.customer_name);
    request.customer_tel = trimmed(&input.customer_tel);
    request.customer_email = trimmed(&input.customer_email);
    request.customer_id = trimmed(&input.customer_id);
    // The audit keeps who and where, never the card.
    let inputs = serde_json::json!({
        "customer_uid": input.customer_uid,
        "pg": input.pg,
        "channel_key": trimmed(&input.channel_key),
        "replaces": replaced,
    });
    // A replacement is its own action in the audit, naming the key it re-pointed.
    let action = if replaced.is_some() {
        "key.replace"
    } else {
        "key.issue"
    };
    let customer_uid = input.customer_uid;
    let expiry = expiry_month(&input.card);
    let product_type = input.product_type;
    drop(input.card);

    match client.issue_billing_key(&customer_uid, &request).await {
        Ok(api) => {
            drop(request);
            store.upsert_customer(&sync::keys::customer_record(&api))?;
            if let Some(month) = &expiry {
                store.set_card_expiry(&customer_uid, month)?;
            }
            store.set_key_product_type(&customer_uid, product_type)?;
            let customer = store.get_customer(&customer_uid)?;
            store.audit_record(action, &inputs, "ok")?;
            Ok(customer)
        }
        Err(e) => {
            let outcome = audit_outcome(&e);
            store.audit_record(action, &inputs, &outcome)?;
            Err(e.into())
        }
    }
}

/// Issues the key together with a first charge (`/subscribe/payments/onetime` with
/// `customer_uid`): PortOne keeps the card as a key only when the charge is paid. The
/// charge goes through the journal like any other, so a lost answer is looked up, never
/// resent. Invalid input is refused before anything is journaled or sent.
pub async fn issue_key_with_first_charge(
    store: &Store,
    client: &Client,
    input: IssueKeyInput,
    mut details: crate::money::charge::ChargeDetails,
) -> Result<crate::money::charge::ChargeResult> {
    if let Some(first) = validate_issue(&input, crate::now()).into_iter().next() {
        return Err(Error::invalid(first.field, first.code.to_string()));
    }
    if !keeps_key_with_first_charge(&input.pg) {
        return Err(Error::invalid(
            "pg",
            ProblemCode::PgNoFirstCharge.to_string(),
        ));
    }
    let replaced = guard_replacement(store, client, &input).await?;
    details.product_type = details.product_type.or(input.product_type);
    details.validate()?;
    // The holder's details are the buyer's on the first charge.
    details.buyer.name = details.buyer.name.or_else(|| trimmed(&input.customer_name));
    details.buyer.tel = details.buyer.tel.or_else(|| trimmed(&input.customer_tel));
    details.buyer.email = details
        .buyer
        .email
        .or_else(|| trimmed(&input.customer_email));
    let card = card_data(&input.card, &input.pg)?;
    let expiry = expiry_month(&input.card);
    let product_type = details.product_type;
    drop(input.card);
    let customer_uid = input.customer_uid.clone();
    let result = crate::money::charge::charge_onetime(
        store,
        client,
        crate::money::charge::OnetimeCharge {
            card,
            merchant_uid: None,
            details,
            keep_key_as: Some(input.customer_uid),
            // `onetime` has no `channel_key` in the spec (only `pg` and `channelGroupId`):
            // the channel is chosen by `pg` (`{provider}.{MID}`) alone.
            pg: Some(input.pg),
        },
    )
    .await?;
    // The key exists once the charge is paid; its card's month is kept beside it.
    if result.status == crate::money::charge::ChargeStatus::Paid
        && let Some(month) = &expiry
        && store.get_customer(&customer_uid).is_ok()
    {
        store.set_card_expiry(&customer_uid, month)?;
    }
    if result.status == crate::money::charge::ChargeStatus::Paid
        && store.get_customer(&customer_uid).is_ok()
    {
        store.set_key_product_type(&customer_uid, product_type)?;
        if let Some(old) = &replaced {
            store.audit_record(
                "key.replace",
                &serde_json::json!({
                    "customer_uid": customer_uid,
                    "merchant_uid": result.merchant_uid,
                    "replaces": old,
                }),
                "ok",
            )?;
        }
    }
    Ok(result)
}

/// The rules of a key deletion's reason (required, at most 100 characters), checked
/// before anything is sent; the reason as it will be sent.
pub fn check_delete_reason(reason: &str) -> Result<&str> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Error::invalid("reason", "a reason is required"));
    }
    if reason.chars().count() > 100 {
        return Err(Error::invalid("reason", "at most 100 characters"));
    }
    Ok(reason)
}

/// Deletes the key at PortOne and marks it deleted here. Pending schedules are not revoked
/// by PortOne: the desk's `delete_key` revokes them first (and keeps the key when it cannot).
pub async fn delete_key(
    store: &Store,
    client: &Client,
    customer_uid: &str,
    reason: &str,
) -> Result<Customer> {
    crate::registry::customers::check_uid(customer_uid)?;
    let reason = check_delete_reason(reason)?;
    let inputs = serde_json::json!({ "customer_uid": customer_uid, "reason": reason });
    let request = DeleteBillingKey::reason(reason);
    match client.delete_billing_key(customer_uid, &request).await {
        Ok(_) => {
            let customer = store.mark_customer_deleted(customer_uid)?;
            store.audit_record("key.delete", &inputs, "ok")?;
            Ok(customer)
        }
        Err(e) => {
            store.audit_record("key.delete", &inputs, &audit_outcome(&e))?;
            Err(e.into())
        }
    }
}

impl Store {
    /// The kind of goods kept with a key (KSNET's `product_type`), if any.
    pub fn key_product_type(
        &self,
        customer_uid: &str,
    ) -> Result<Option<crate::money::charge::ProductType>> {
        let found: Option<String> = self.read(|c| {
            use rusqlite::OptionalExtension;
            Ok(c.prepare_cached(
                "SELECT product_type FROM key_product_type WHERE customer_uid = ?1",
            )?
            .query_row([customer_uid], |r| r.get(0))
            .optional()?)
        })?;
        Ok(found
            .as_deref()
            .and_then(crate::money::charge::ProductType::parse))
    }

    /// Keeps (or, with None, forgets) the kind of goods of a key's charges.
    pub fn set_key_product_type(
        &self,
        customer_uid: &str,
        product_type: Option<crate::money::charge::ProductType>,
    ) -> Result<()> {
        self.write(|tx| {
            match product_type {
                Some(t) => tx.execute(
                    "INSERT INTO key_product_type (customer_uid, product_type) VALUES (?1, ?2)
                     ON CONFLICT (customer_uid) DO UPDATE SET product_type = excluded.product_type",
                    rusqlite::params![customer_uid, t.as_str()],
                )?,
                None => tx.execute(
                    "DELETE FROM key_product_type WHERE customer_uid = ?1",
                    [customer_uid],
                )?,
            };
            Ok(())
        })
    }

    /// The audit trail of one customer, newest first: every action whose inputs name it.
    pub fn audit_for_customer(
        &self,
        customer_uid: &str,
        limit: u32,
    ) -> Result<Vec<crate::store::audit::AuditEntry>> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT id, at, profile, action, inputs, outcome, hash, os_user FROM audit_log
                 WHERE json_valid(inputs) AND json_extract(inputs, '$.customer_uid') = ?1
                 ORDER BY id DESC LIMIT ?2",
            )?;
            let rows = stmt.query_map(
                rusqlite::params![customer_uid, limit.min(500)],
                crate::store::audit::entry_of,
            )?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_000_000; // 2026-11-18, Seoul

    fn input(number: &str, expiry: &str, birth: &str, pwd: &str) -> IssueKeyInput {
        IssueKeyInput {
            customer_uid: "cus_1".into(),
            pg: "nice".into(),
            card: CardInput {
                number: number.into(),
                expiry: expiry.into(),
                birth: Some(birth.into()),
                pwd_2digit: Some(pwd.into()),
                corporate: false,
            },
            customer_name: None,
            customer_tel: None,
            customer_email: None,
            customer_id: None,
            product_type: None,
            channel_key: None,
            replace: false,
        }
    }

    fn codes(p: &[FieldProblem]) -> Vec<(&str, &str)> {
        p.iter()
            .map(|p| (p.field.as_str(), p.code.as_str()))
            .collect()
    }

    #[test]
    fn problem_codes_read_as_they_are_serialised() {
        for code in [
            ProblemCode::Pwd2digitFormat,
            ProblemCode::PgNoFirstCharge,
            ProblemCode::Required,
        ] {
            assert_eq!(
                serde_json::to_value(code).unwrap(),
                serde_json::Value::from(code.as_str())
            );
        }
    }

    #[test]
    fn a_good_card_passes_in_any_grouping() {
        for number in [
            "4242-4242-4242-4242",
            "4242424242424242",
            "4242 4242 4242 4242",
        ] {
            assert!(
                validate_issue(&input(number, "2030-12", "900101", "12"), NOW).is_empty(),
                "{number}"
            );
        }
    }

    #[test]
    fn each_card_field_has_its_own_code() {
        let p = validate_issue(&input("4242-4242-4242-4241", "2030-13", "901301", "1"), NOW);
        assert_eq!(
            codes(&p),
            vec![
                ("card_number", "card_number_luhn"),
                ("expiry", "expiry_format"),
                ("birth", "birth_format"),
                ("pwd_2digit", "pwd_2digit_format"),
            ]
        );
        let p = validate_issue(&input("4242-4242-4242", "2026-10", "", ""), NOW);
        assert_eq!(
            codes(&p),
            vec![
                ("card_number", "card_number_format"),
                ("expiry", "expiry_past"),
                ("birth", "required"),
                ("pwd_2digit", "required"),
            ]
        );
    }

    #[test]
    fn the_current_month_has_not_expired() {
        assert!(
            validate_issue(&input("4242424242424242", "2026-11", "900101", "12"), NOW).is_empty()
        );
    }

    #[test]
    fn corporate_cards_take_a_business_number_and_no_password() {
        let mut i = input("4242424242424242", "2030-01", "1234567890", "");
        i.card.corporate = true;
        assert!(validate_issue(&i, NOW).is_empty());
        i.card.birth = Some("900101".into());
        assert_eq!(
            codes(&validate_issue(&i, NOW)),
            vec![("birth", "business_number_format")]
        );
    }

    #[test]
    fn per_pg_rules_apply() {
        let mut i = input("4242424242424242", "2030-01", "900101", "12");
        i.pg = "welcome".into();
        assert_eq!(
            codes(&validate_issue(&i, NOW)),
            vec![("customer_name", "required")]
        );
        i.pg = "tosspayments".into();
        assert_eq!(
            codes(&validate_issue(&i, NOW)),
            vec![("customer_id", "required")]
        );
        for window_only in ["kakaopay", "paymentwall", "kcp_billing", ""] {
            i.pg = window_only.into();
            assert!(
                codes(&validate_issue(&i, NOW)).contains(&("pg", "pg_not_rest")),
                "{window_only}"
            );
        }
        i.pg = "nice.nictest04m".into();
        assert!(validate_issue(&i, NOW).is_empty());
        i.pg = "ksnet".into();
        assert_eq!(
            codes(&validate_issue(&i, NOW)),
            vec![("product_type", "required")]
        );
        i.product_type = Some(crate::money::charge::ProductType::Digital);
        assert!(validate_issue(&i, NOW).is_empty());
    }

    #[test]
    fn settlebank_issues_only_with_a_first_charge() {
        // No password digits, a dummy birth: the card is fine for Settlebank...
        let mut i = input("4242424242424242", "2030-01", "123456", "");
        i.pg = "settle.nxca_jt_il".into();
        assert!(validate_issue(&i, NOW).is_empty());
        i.card.birth = None;
        assert!(validate_issue(&i, NOW).is_empty());
        assert_eq!(dummy_birth(&i.pg).as_deref(), Some("123456"));
        // ...but only with a first charge, which keeps the key.
        assert_eq!(
            codes(&validate_key_only(&i)),
            vec![("pg", "pg_needs_first_charge")]
        );
        assert!(validate_first_charge(&i, 1000, "첫 결제").is_empty());
        i.pg = "nice".into();
        assert!(validate_key_only(&i).is_empty());
    }

    #[test]
    fn kg_inicis_needs_the_holder_for_a_key_with_a_first_charge() {
        let mut i = input("4242424242424242", "2030-01", "900101", "12");
        i.pg = "html5_inicis.INIBillTst".into();
        // A key alone needs none of them.
        assert!(validate_issue(&i, NOW).is_empty());
        assert_eq!(
            codes(&validate_first_charge(&i, 1000, "첫 결제")),
            vec![
                ("customer_name", "required_for_first_charge"),
                ("customer_email", "required_for_first_charge"),
                ("customer_tel", "required_for_first_charge"),
            ]
        );
        i.customer_name = Some("김민준".into());
        i.customer_email = Some("minjun@example.kr".into());
        i.customer_tel = Some("010-1234-5678".into());
        assert!(validate_first_charge(&i, 1000, "첫 결제").is_empty());
    }

    #[test]
    fn rest_readiness_follows_the_rules_and_names_the_guide_rows() {
        assert_eq!(
            rest_readiness("nice"),
            Some(("key", Some("nice-api".into())))
        );
        assert_eq!(
            rest_readiness("jtnet"),
            Some(("key", Some("jtnet-api".into())))
        );
        assert_eq!(
            rest_readiness("settle"),
            Some(("first_charge_only", Some("settlebank-api".into())))
        );
        assert_eq!(rest_readiness("tosspayments"), Some(("key", None)));
        assert_eq!(rest_readiness("kakaopay"), None);
        // Every REST row of the guide has a rule.
        let rows: Vec<String> = rest_pg_rules()
            .into_iter()
            .filter_map(|r| r.guide_entry)
            .collect();
        for id in [
            "nice-api",
            "kcp-api",
            "inicis-api",
            "jtnet-api",
            "settlebank-api",
        ] {
            assert!(rows.iter().any(|r| r == id), "{id}");
        }
    }

    #[test]
    fn customer_uid_and_contact_fields_are_checked() {
        let mut i = input("4242424242424242", "2030-01", "900101", "12");
        i.customer_uid = "has space".into();
        i.customer_email = Some("nobody".into());
        i.customer_tel = Some("010-12ab".into());
        assert_eq!(
            codes(&validate_issue(&i, NOW)),
            vec![
                ("customer_uid", "customer_uid_charset"),
                ("customer_tel", "tel_format"),
                ("customer_email", "email_format"),
            ]
        );
        i.customer_uid = "x".repeat(81);
        assert!(
            codes(&validate_issue(&i, NOW)).contains(&("customer_uid", "customer_uid_too_long"))
        );
    }

    #[test]
    fn generated_customer_uids_are_readable_unique_and_valid() {
        let a = new_customer_uid(NOW);
        let b = new_customer_uid(NOW);
        assert!(a.starts_with("cus_20261118_"), "{a}");
        assert_ne!(a, b);
        assert!(validate_customer_uid(&a).is_ok());
    }

    #[test]
    fn debug_never_shows_the_card() {
        let i = input("4242424242424242", "2030-01", "900101", "12");
        let shown = format!("{i:?}");
        assert!(
            !shown.contains("4242") && !shown.contains("900101"),
            "{shown}"
        );
    }
}
