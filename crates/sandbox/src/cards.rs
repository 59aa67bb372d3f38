//! Test cards and card-data validation.
//!
//! Every number in [`TEST_CARDS`] is Luhn-valid. Any other Luhn-valid number approves.
//! A card that declines still issues a billing key: the decline happens at charge time,
//! just as a card with no balance left registers fine and then bounces.
//!
//! Cards with `settle_after_secs` answer every charge with a payment in status `ready`
//! (not paid yet); that many seconds later on the sandbox clock the executor settles it
//! to the card's outcome: `paid` for [`CardBehaviour::Approve`], `failed` with
//! `fail_reason` for [`CardBehaviour::Decline`].

use serde::Serialize;

/// What a card does when the sandbox sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CardBehaviour {
    /// Key issue and charges succeed.
    Approve,
    /// Key issue succeeds; every charge comes back `failed` with `fail_reason`.
    Decline,
    /// Key issue (and `onetime`) is refused with code -1: card data authentication failed.
    FailIssue,
}

/// One documented test card. The app shows this table on the sandbox profile.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct TestCard {
    /// `dddd-dddd-dddd-dddd`, as the API expects it.
    pub number: &'static str,
    pub behaviour: CardBehaviour,
    /// `fail_reason` on the payment (Decline) or envelope `message` (FailIssue).
    pub fail_reason: Option<&'static str>,
    /// KFTC card company code and name reported for this card.
    pub card_code: &'static str,
    pub card_name: &'static str,
    /// 0 credit, 1 check (debit).
    pub card_type: i64,
    pub description_ko: &'static str,
    pub description_en: &'static str,
    /// `Some(n)`: charges come back `ready` and settle `n` sandbox seconds later to the
    /// outcome `behaviour` names. `None`: charges settle in the answer itself.
    pub settle_after_secs: Option<i64>,
}

/// How long the "settles later" test cards stay `ready` (sandbox seconds).
pub const SETTLE_AFTER_SECS: i64 = 60;

pub const FAIL_ISSUE_MESSAGE: &str =
    "카드정보 인증 및 빌키 발급에 실패하였습니다. [F113] 카드번호 또는 유효기간 오류";

pub const TEST_CARDS: &[TestCard] = &[
    TestCard {
        number: "4242-4242-4242-4242",
        behaviour: CardBehaviour::Approve,
        fail_reason: None,
        card_code: "366",
        card_name: "신한카드",
        card_type: 0,
        description_ko: "승인 (신용카드)",
        description_en: "Approves (credit card)",
        settle_after_secs: None,
    },
    TestCard {
        number: "5555-5555-5555-4444",
        behaviour: CardBehaviour::Approve,
        fail_reason: None,
        card_code: "381",
        card_name: "KB국민카드",
        card_type: 1,
        description_ko: "승인 (체크카드)",
        description_en: "Approves (check/debit card)",
        settle_after_secs: None,
    },
    TestCard {
        number: "9410-0000-0000-0013",
        behaviour: CardBehaviour::Decline,
        fail_reason: Some("[3011] 잔액부족 - 결제 가능 잔액이 부족합니다."),
        card_code: "361",
        card_name: "BC카드",
        card_type: 1,
        description_ko: "빌링키 발급 성공, 결제 시 잔액부족으로 거절",
        description_en: "Key issues; charges decline: insufficient funds",
        settle_after_secs: None,
    },
    TestCard {
        number: "9410-0000-0000-0021",
        behaviour: CardBehaviour::Decline,
        fail_reason: Some("[3054] 유효기간 경과 카드입니다."),
        card_code: "365",
        card_name: "삼성카드",
        card_type: 0,
        description_ko: "빌링키 발급 성공, 결제 시 유효기간 경과로 거절",
        description_en: "Key issues; charges decline: card expired",
        settle_after_secs: None,
    },
    TestCard {
        number: "9410-0000-0000-0039",
        behaviour: CardBehaviour::Decline,
        fail_reason: Some("[3041] 분실 또는 도난 신고된 카드입니다."),
        card_code: "367",
        card_name: "현대카드",
        card_type: 0,
        description_ko: "빌링키 발급 성공, 결제 시 분실/도난 카드로 거절",
        description_en: "Key issues; charges decline: lost or stolen card",
        settle_after_secs: None,
    },
    TestCard {
        number: "9410-0000-0000-0047",
        behaviour: CardBehaviour::Decline,
        fail_reason: Some("[3051] 한도초과 - 카드 사용 한도를 초과하였습니다."),
        card_code: "368",
        card_name: "롯데카드",
        card_type: 0,
        description_ko: "빌링키 발급 성공, 결제 시 한도초과로 거절",
        description_en: "Key issues; charges decline: limit exceeded",
        settle_after_secs: None,
    },
    TestCard {
        number: "9410-0000-0000-0054",
        behaviour: CardBehaviour::FailIssue,
        fail_reason: Some(FAIL_ISSUE_MESSAGE),
        card_code: "371",
        card_name: "NH카드",
        card_type: 0,
        description_ko: "빌링키 발급 및 키인결제 실패 (카드정보 인증 실패, code -1)",
        description_en: "Key issue and key-in charge fail (card authentication, code -1)",
        settle_after_secs: None,
    },
    TestCard {
        number: "9410-0000-0000-0062",
        behaviour: CardBehaviour::Approve,
        fail_reason: None,
        card_code: "374",
        card_name: "하나카드",
        card_type: 0,
        description_ko: "결제 시 ready(미결제)로 응답, 60초 뒤(샌드박스 시계) 승인(paid)",
        description_en: "Charges answer ready (not paid yet), then become paid 60 s later (sandbox clock)",
        settle_after_secs: Some(SETTLE_AFTER_SECS),
    },
    TestCard {
        number: "9410-0000-0000-0070",
        behaviour: CardBehaviour::Decline,
        fail_reason: Some("[3099] 카드사 승인 지연 후 거절 - 승인이 거절되었습니다."),
        card_code: "041",
        card_name: "우리카드",
        card_type: 0,
        description_ko: "결제 시 ready(미결제)로 응답, 60초 뒤(샌드박스 시계) 실패(failed)",
        description_en: "Charges answer ready (not paid yet), then fail 60 s later (sandbox clock)",
        settle_after_secs: Some(SETTLE_AFTER_SECS),
    },
];

/// Card companies used for numbers outside the table, picked by the number's digits so
/// the same card always gets the same company.
const OTHER_COMPANIES: &[(&str, &str)] = &[
    ("361", "BC카드"),
    ("365", "삼성카드"),
    ("366", "신한카드"),
    ("367", "현대카드"),
    ("368", "롯데카드"),
    ("371", "NH카드"),
    ("374", "하나카드"),
    ("381", "KB국민카드"),
    ("041", "우리카드"),
];

/// KFTC card company codes, as `GET /cards` lists them.
pub const CARD_CODES: &[(&str, &str)] = &[
    ("361", "BC카드"),
    ("364", "광주카드"),
    ("365", "삼성카드"),
    ("366", "신한카드"),
    ("367", "현대카드"),
    ("368", "롯데카드"),
    ("369", "수협카드"),
    ("370", "씨티카드"),
    ("371", "NH카드"),
    ("372", "전북카드"),
    ("373", "제주카드"),
    ("374", "하나카드"),
    ("381", "KB국민카드"),
    ("041", "우리카드"),
    ("071", "우체국카드"),
];

/// What the sandbox knows about a validated card; raw digits never leave this struct.
#[derive(Debug, Clone)]
pub struct CardProfile {
    pub masked: String,
    pub card_code: String,
    pub card_name: String,
    pub card_type: i64,
    pub behaviour: CardBehaviour,
    pub fail_reason: Option<String>,
    /// See [`TestCard::settle_after_secs`].
    pub settle_after_secs: Option<i64>,
}

pub fn luhn_valid(digits: &str) -> bool {
    let mut sum = 0u32;
    for (i, c) in digits.chars().rev().enumerate() {
        let Some(mut d) = c.to_digit(10) else {
            return false;
        };
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    !digits.is_empty() && sum.is_multiple_of(10)
}

fn all_digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// Raw card data as it came in. Kept only for the duration of one request.
#[derive(Debug, Clone, Default)]
pub struct CardInput {
    pub card_number: Option<String>,
    pub expiry: Option<String>,
    pub birth: Option<String>,
    pub pwd_2digit: Option<String>,
    pub cvc: Option<String>,
}

impl CardInput {
    pub fn is_empty(&self) -> bool {
        self.card_number.is_none()
            && self.expiry.is_none()
            && self.birth.is_none()
            && self.pwd_2digit.is_none()
            && self.cvc.is_none()
    }
}

/// Which of birth / pwd_2digit a PG insists on.
#[derive(Debug, Clone, Copy)]
pub struct CardRequirements {
    pub birth: bool,
    pub pwd_2digit: bool,
}

/// Validates card data the way a PG's card-authentication step would. Errors are the
/// message for a code -1 answer.
pub fn validate(
    input: &CardInput,
    req: CardRequirements,
    now_unix: i64,
) -> Result<CardProfile, String> {
    let number = input
        .card_number
        .as_deref()
        .ok_or("카드번호(card_number)가 누락되었습니다.")?;
    let parts: Vec<&str> = number.split('-').collect();
    if parts.len() != 4 || !parts.iter().all(|p| all_digits(p, 4)) {
        return Err("카드번호 형식이 올바르지 않습니다. (dddd-dddd-dddd-dddd)".into());
    }
    let digits: String = parts.concat();
    if !luhn_valid(&digits) {
        return Err("카드정보 인증에 실패하였습니다. 유효하지 않은 카드번호입니다.".into());
    }
    let expiry = input
        .expiry
        .as_deref()
        .ok_or("카드 유효기간(expiry)이 누락되었습니다.")?;
    let (y, m) = expiry
        .split_once('-')
        .filter(|(y, m)| all_digits(y, 4) && all_digits(m, 2))
        .and_then(|(y, m)| Some((y.parse::<i64>().ok()?, m.parse::<i64>().ok()?)))
        .filter(|(_, m)| (1..=12).contains(m))
        .ok_or("카드 유효기간 형식이 올바르지 않습니다. (YYYY-MM)")?;
    let (ny, nm) = year_month(now_unix);
    if (y, m) < (ny, nm) {
        return Err("카드 유효기간이 지났습니다.".into());
    }
    match input.birth.as_deref() {
        Some(b) if all_digits(b, 6) || all_digits(b, 10) => {}
        Some(_) => {
            return Err(
                "생년월일(birth)은 6자리(YYMMDD) 또는 사업자번호 10자리여야 합니다.".into(),
            );
        }
        None if req.birth => return Err("생년월일(birth)이 누락되었습니다.".into()),
        None => {}
    }
    let corporate = input.birth.as_deref().is_some_and(|b| b.len() == 10);
    match input.pwd_2digit.as_deref() {
        Some(p) if all_digits(p, 2) => {}
        Some(_) => return Err("카드 비밀번호 앞 2자리(pwd_2digit)가 올바르지 않습니다.".into()),
        // Corporate cards identified by a business number may omit the password digits.
        None if req.pwd_2digit && !corporate => {
            return Err("카드 비밀번호 앞 2자리(pwd_2digit)가 누락되었습니다.".into());
        }
        None => {}
    }
    if let Some(cvc) = input.cvc.as_deref()
        && !(all_digits(cvc, 3) || all_digits(cvc, 4))
    {
        return Err("CVC 형식이 올바르지 않습니다.".into());
    }
    Ok(profile_for(number, &digits))
}

fn profile_for(number: &str, digits: &str) -> CardProfile {
    let masked = mask_digits(digits);
    if let Some(tc) = TEST_CARDS.iter().find(|c| c.number == number) {
        return CardProfile {
            masked,
            card_code: tc.card_code.into(),
            card_name: tc.card_name.into(),
            card_type: tc.card_type,
            behaviour: tc.behaviour,
            fail_reason: tc.fail_reason.map(str::to_string),
            settle_after_secs: tc.settle_after_secs,
        };
    }
    let sum: usize = digits.bytes().map(|b| (b - b'0') as usize).sum();
    let (code, name) = OTHER_COMPANIES[sum % OTHER_COMPANIES.len()];
    CardProfile {
        masked,
        card_code: code.into(),
        card_name: name.into(),
        card_type: sum.is_multiple_of(3) as i64,
        behaviour: CardBehaviour::Approve,
        fail_reason: None,
        settle_after_secs: None,
    }
}

/// Masks digits 7–12, the most common PG format (e.g. `424242******4242`).
pub fn mask_digits(digits: &str) -> String {
    digits
        .chars()
        .enumerate()
        .map(|(i, c)| if (6..12).contains(&i) { '*' } else { c })
        .collect()
}

/// Looks up the test card behind a stored (masked) card: the masked form keeps the first
/// 6 and last 4 digits, which is unique across the test table. `None` for other cards,
/// which approve.
pub fn test_card_for_masked(masked: &str) -> Option<&'static TestCard> {
    TEST_CARDS.iter().find(|tc| {
        let digits: String = tc.number.chars().filter(|c| *c != '-').collect();
        mask_digits(&digits) == masked
    })
}

/// (year, month) of a Unix time in UTC. Card expiry is month-granular, so the time zone
/// only matters for a few hours at month ends; UTC is the documented choice.
pub fn year_month(unix: i64) -> (i64, i64) {
    let (y, m, _) = civil_from_days(unix.div_euclid(86_400));
    (y, m)
}

/// Howard Hinnant's days-to-civil algorithm.
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_test_card_is_luhn_valid_and_unique_when_masked() {
        let mut seen = std::collections::HashSet::new();
        for c in TEST_CARDS {
            let d: String = c.number.chars().filter(|c| *c != '-').collect();
            assert!(luhn_valid(&d), "{}", c.number);
            assert!(seen.insert(mask_digits(&d)));
        }
    }

    #[test]
    fn settling_cards_say_when_they_settle() {
        let settling: Vec<_> = TEST_CARDS
            .iter()
            .filter(|c| c.settle_after_secs.is_some())
            .collect();
        assert_eq!(settling.len(), 2, "one settles paid, one failed");
        for c in settling {
            let secs = c.settle_after_secs.unwrap_or_default().to_string();
            assert!(c.description_ko.contains(&secs) && c.description_en.contains(&secs));
            assert!(c.behaviour != CardBehaviour::FailIssue);
        }
    }

    #[test]
    fn validation_rules() {
        let now = 1_767_225_600; // 2026-01-01
        let req = CardRequirements {
            birth: true,
            pwd_2digit: true,
        };
        let ok = CardInput {
            card_number: Some("4242-4242-4242-4242".into()),
            expiry: Some("2030-12".into()),
            birth: Some("900101".into()),
            pwd_2digit: Some("12".into()),
            cvc: None,
        };
        assert!(validate(&ok, req, now).is_ok());
        let mut bad = ok.clone();
        bad.card_number = Some("4242-4242-4242-4241".into());
        assert!(validate(&bad, req, now).is_err());
        let mut bad = ok.clone();
        bad.expiry = Some("2025-12".into());
        assert!(validate(&bad, req, now).is_err());
        let mut corp = ok.clone();
        corp.birth = Some("1234567890".into());
        corp.pwd_2digit = None;
        assert!(validate(&corp, req, now).is_ok());
        assert_eq!(year_month(now), (2026, 1));
    }
}
