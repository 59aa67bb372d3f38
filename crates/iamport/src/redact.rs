//! Masking of card numbers, birth dates and business numbers in free text that came
//! from i'mport or a PG.
//!
//! Error messages and `fail_reason`s are often written by the PG or the card company
//! and can echo what was sent ("카드번호 4111… 오류", "생년월일 900101 불일치"). This
//! crate runs every such text through [`message`] before it leaves: the envelope's
//! `message` in every [`crate::Error`], `fail_reason` of payments and schedules (and so
//! of [`crate::Error::Declined`]), the `message` of a failed super-key channel, and the
//! body excerpt of [`crate::Error::Decode`] / [`crate::Error::Unrecognized`].
//!
//! # Rules
//!
//! The text is cut into *digit groups*: maximal runs of ASCII digits `0-9` (other
//! digits, e.g. full-width `４`, are not recognised). Two groups are *joined* when exactly
//! one space or one hyphen stands between them. A masked group has each digit replaced
//! by `*`; everything else (separators, letters, length) stays, so a message keeps its
//! shape. A group is masked when any of these holds:
//!
//! 1. **Long run**: it has 13 or more digits. Card numbers have 13–19; a longer run is
//!    masked too, because it may hold a card number glued to something else. (Millisecond
//!    timestamps and long PG transaction numbers are masked as a consequence.)
//! 2. **Grouped card number**: it belongs to a chain of joined groups that starts with a
//!    4-digit group, whose middle groups have 4–6 digits and whose last group has 1–6,
//!    13–19 digits in all: `4111-1111-1111-1111`, `4111 1111 1111 1111`, `3782 822463
//!    10005` (Amex), `3056 930902 5904` (Diners), 19-digit `4-4-4-4-3`. Chains of other
//!    shapes (`10000 12000 3000`, `2024-01-01 12345`, `010-1234-5678`) are left alone.
//! 3. **Resident registration number**: a 6-digit group joined by a hyphen to a 7-digit
//!    group (`900101-1234567`): both are masked.
//! 4. **Business registration number, hyphenated**: groups of 3, 2 and 5 digits joined by
//!    hyphens (`124-81-00998`): all three are masked, check digit or not.
//! 5. **Business registration number, bare**: a free-standing 10-digit group whose last
//!    digit is the business-number check digit (weights 1 3 7 1 3 7 1 3 5). Unix
//!    timestamps and phone numbers are 10 digits too; the check digit leaves nine in ten
//!    of them alone.
//! 6. **Birth date**: a free-standing 6-digit group that reads as a date `YYMMDD`
//!    (month 01–12, day 01–31). Amounts that end in `00` never do, nor do most other
//!    6-digit numbers (`123456`); a 6-digit code that happens to read as a date
//!    (`100512`) is masked anyway — safety before fidelity. 8-digit dates (`20240101`)
//!    are not masked.
//!
//! *Free-standing* (rules 5 and 6) means: not glued to an ASCII letter, digit, `_` or
//! `*` on either side (so ids such as `order_900101` or `imp_448280090638` keep their
//! digits, and so does the visible part of an already masked number such as
//! `411111******1111`; Korean text around a number does not count as glue:
//! `생년월일900101` is masked), not part of a number with thousands separators or decimals (`1,900,101`,
//! `0.900101`), and not an amount: not preceded by `₩` and not followed by `원`
//! (optionally after one space). Amounts written with separators (`50,000원`) are made of
//! groups of at most 3 digits and are never masked.

/// What a masked digit becomes.
const MASK: char = '*';

/// Returns `text` with card numbers, resident registration numbers, business
/// registration numbers and `YYMMDD` birth dates masked, following the rules in the
/// [module documentation](self).
///
/// ```
/// use subdesk_iamport::redact;
/// assert_eq!(redact::message("카드번호 4111111111111111 오류"), "카드번호 **************** 오류");
/// assert_eq!(redact::message("생년월일 900101 불일치"), "생년월일 ****** 불일치");
/// assert_eq!(redact::message("[-1] 금액 50,000원"), "[-1] 금액 50,000원");
/// ```
pub fn message(text: &str) -> String {
    let groups = digit_groups(text);
    if groups.is_empty() {
        return text.to_owned();
    }
    let masked = mask_flags(text, &groups);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (g, masked) in groups.iter().zip(masked) {
        if masked {
            out.push_str(&text[at..g.start]);
            out.extend(std::iter::repeat_n(MASK, g.len()));
            at = g.end;
        }
    }
    out.push_str(&text[at..]);
    out
}

/// [`message`] over an optional text.
pub(crate) fn opt(text: Option<String>) -> Option<String> {
    text.map(|t| message(&t))
}

/// A maximal run of ASCII digits, as byte offsets into the text.
#[derive(Clone, Copy)]
struct Group {
    start: usize,
    end: usize,
}

impl Group {
    fn len(&self) -> usize {
        self.end - self.start
    }
}

fn digit_groups(text: &str) -> Vec<Group> {
    let bytes = text.as_bytes();
    let mut groups = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            groups.push(Group { start, end: i });
        } else {
            i += 1;
        }
    }
    groups
}

fn mask_flags(text: &str, groups: &[Group]) -> Vec<bool> {
    let bytes = text.as_bytes();
    let n = groups.len();
    let len = |i: usize| groups[i].len();
    // The separator between group `i` and `i + 1`, when they are joined.
    let joined = |i: usize| -> Option<u8> {
        let (a, b) = (groups[i], *groups.get(i + 1)?);
        (b.start == a.end + 1 && matches!(bytes[a.end], b' ' | b'-')).then(|| bytes[a.end])
    };
    let mut mask = vec![false; n];

    // 1. Long runs.
    for (i, m) in mask.iter_mut().enumerate() {
        if len(i) >= 13 {
            *m = true;
        }
    }

    // 2. Grouped card numbers: the longest valid chain from each 4-digit start.
    let mut i = 0;
    while i < n {
        let mut best = None;
        if len(i) == 4 {
            let mut total = 4;
            let mut k = i;
            while joined(k).is_some() {
                k += 1;
                total += len(k);
                if total > 19 {
                    break;
                }
                if (1..=6).contains(&len(k)) && total >= 13 {
                    best = Some(k);
                }
                if !(4..=6).contains(&len(k)) {
                    // Too short (or long) to be a middle group: the chain ends here.
                    break;
                }
            }
        }
        match best {
            Some(k) => {
                mask[i..=k].fill(true);
                i = k + 1;
            }
            None => i += 1,
        }
    }

    for i in 0..n {
        // 3. Resident registration numbers.
        if len(i) == 6 && joined(i) == Some(b'-') && len(i + 1) == 7 {
            mask[i] = true;
            mask[i + 1] = true;
        }
        // 4. Hyphenated business registration numbers.
        if len(i) == 3
            && joined(i) == Some(b'-')
            && len(i + 1) == 2
            && joined(i + 1) == Some(b'-')
            && len(i + 2) == 5
        {
            mask[i..=i + 2].fill(true);
        }
        let g = groups[i];
        let digits = &bytes[g.start..g.end];
        let alone = || free_standing(text, g) && !amount(text, g);
        // 5. Bare business registration numbers.
        if len(i) == 10 && business_check_digit_ok(digits) && alone() {
            mask[i] = true;
        }
        // 6. Birth dates.
        if len(i) == 6 && yymmdd(digits) && alone() {
            mask[i] = true;
        }
    }
    mask
}

/// Not glued to an identifier and not part of a number with separators or decimals.
fn free_standing(text: &str, g: Group) -> bool {
    let glue = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '*';
    let mut before = text[..g.start].chars().rev();
    let mut after = text[g.end..].chars();
    let (b1, b2) = (before.next(), before.next());
    let (a1, a2) = (after.next(), after.next());
    let numeric_sep = |sep: Option<char>, next: Option<char>| {
        matches!(sep, Some(',' | '.')) && next.is_some_and(|c| c.is_ascii_digit())
    };
    !b1.is_some_and(glue) && !a1.is_some_and(glue) && !numeric_sep(b1, b2) && !numeric_sep(a1, a2)
}

/// Written as an amount of won: `₩123456`, `123456원`, `123456 원`.
fn amount(text: &str, g: Group) -> bool {
    if text[..g.start].ends_with('₩') {
        return true;
    }
    let after = &text[g.end..];
    after.starts_with('원') || after.strip_prefix(' ').is_some_and(|a| a.starts_with('원'))
}

fn digit(b: u8) -> u32 {
    u32::from(b - b'0')
}

/// `YYMMDD` with month 01–12 and day 01–31. `digits` are 6 ASCII digits.
fn yymmdd(digits: &[u8]) -> bool {
    let month = digit(digits[2]) * 10 + digit(digits[3]);
    let day = digit(digits[4]) * 10 + digit(digits[5]);
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// The check digit of a Korean business registration number (사업자등록번호).
/// `digits` are 10 ASCII digits.
fn business_check_digit_ok(digits: &[u8]) -> bool {
    const WEIGHTS: [u32; 9] = [1, 3, 7, 1, 3, 7, 1, 3, 5];
    let d: Vec<u32> = digits.iter().map(|&b| digit(b)).collect();
    let sum: u32 = d.iter().zip(WEIGHTS).map(|(x, w)| x * w).sum::<u32>() + d[8] * 5 / 10;
    (10 - sum % 10) % 10 == d[9]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let cases: &[(&str, &str)] = &[
            // Card numbers, bare and grouped.
            (
                "카드번호 4111111111111111 오류",
                "카드번호 **************** 오류",
            ),
            (
                "카드번호 4111-1111-1111-1111 오류",
                "카드번호 ****-****-****-**** 오류",
            ),
            (
                "4242 4242 4242 4242 승인거절",
                "**** **** **** **** 승인거절",
            ),
            ("Amex 3782 822463 10005.", "Amex **** ****** *****."),
            ("Diners 3056-930902-5904", "Diners ****-******-****"),
            ("4111-1111-1111-1", "****-****-****-*"),
            ("4111 1111 1111 1111 123", "**** **** **** **** ***"),
            (
                "Card 4242424242424242 declined",
                "Card **************** declined",
            ),
            ("(카드:5365100011112222)", "(카드:****************)"),
            ("x12345678901234567890y", "x********************y"),
            // Card numbers the API already masked stay as they are.
            ("411111******1111", "411111******1111"),
            ("4111-11**-****-1111", "4111-11**-****-1111"),
            // Birth dates.
            ("생년월일 900101 불일치", "생년월일 ****** 불일치"),
            ("생년월일900101불일치", "생년월일******불일치"),
            ("birth: 991231.", "birth: ******."),
            ("900101-1******", "******-1******"),
            // Resident registration numbers.
            (
                "주민번호 900101-1234567 확인",
                "주민번호 ******-******* 확인",
            ),
            // Business registration numbers.
            (
                "사업자번호 124-81-00998 불일치",
                "사업자번호 ***-**-***** 불일치",
            ),
            (
                "사업자번호 1248100998 불일치",
                "사업자번호 ********** 불일치",
            ),
            ("사업자번호 123-45-67890", "사업자번호 ***-**-*****"),
            // Everything else is left alone.
            ("잔액부족", "잔액부족"),
            ("[-1] 금액 50,000원", "[-1] 금액 50,000원"),
            ("금액 1,250,000원을 초과", "금액 1,250,000원을 초과"),
            ("금액 101010원", "금액 101010원"),
            ("금액 101010 원", "금액 101010 원"),
            ("₩120101", "₩120101"),
            ("한도초과 (잔여 150000)", "한도초과 (잔여 150000)"),
            ("승인번호 12345678", "승인번호 12345678"),
            ("오류코드 123456", "오류코드 123456"),
            ("[F112] 유효하지않은 카드", "[F112] 유효하지않은 카드"),
            ("1700000000 이후", "1700000000 이후"),
            ("imp_448280090638 결제건", "imp_448280090638 결제건"),
            ("order_900101 중복", "order_900101 중복"),
            ("merchant_uid: sub900101", "merchant_uid: sub900101"),
            ("2024-01-01 12:30:45", "2024-01-01 12:30:45"),
            ("2024-01-01 12345", "2024-01-01 12345"),
            ("20240101 이전", "20240101 이전"),
            ("10000 12000 3000", "10000 12000 3000"),
            ("고객센터 010-1234-5678", "고객센터 010-1234-5678"),
            ("1588-1234", "1588-1234"),
            ("이율 0.900101", "이율 0.900101"),
            ("1,900,101", "1,900,101"),
            ("", ""),
            ("no digits at all", "no digits at all"),
        ];
        for (input, want) in cases {
            assert_eq!(&message(input), want, "input: {input:?}");
        }
    }

    #[test]
    fn several_in_one_message() {
        assert_eq!(
            message("카드 4111111111111111, 생년월일 900101, 금액 50,000원"),
            "카드 ****************, 생년월일 ******, 금액 50,000원"
        );
    }

    #[test]
    fn check_digit() {
        assert!(business_check_digit_ok(b"1248100998"));
        assert!(!business_check_digit_ok(b"1248100997"));
        assert!(!business_check_digit_ok(b"1700000000"));
    }

    #[test]
    fn never_panics_and_keeps_length() {
        for s in ["₩", "원", "1원", "₩1", "1-", "-1", "1 ", "가1나", "١٢٣"] {
            assert_eq!(message(s).chars().count(), s.chars().count(), "{s}");
        }
    }
}
