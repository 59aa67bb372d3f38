//! Text normalisation for search: digits of phone numbers, 초성 (initial
//! consonants) of Hangul, short grams, FTS5 phrase quoting.

/// Compatibility jamo for the 19 initial consonants, in syllable-block order.
const CHOSUNG: [char; 19] = [
    'ㄱ', 'ㄲ', 'ㄴ', 'ㄷ', 'ㄸ', 'ㄹ', 'ㅁ', 'ㅂ', 'ㅃ', 'ㅅ', 'ㅆ', 'ㅇ', 'ㅈ', 'ㅉ', 'ㅊ', 'ㅋ',
    'ㅌ', 'ㅍ', 'ㅎ',
];
const HANGUL_FIRST: u32 = 0xAC00;
const HANGUL_LAST: u32 = 0xD7A3;
/// 21 medial vowels × 28 finals: the distance between two initial consonants.
const PER_INITIAL: u32 = 21 * 28;

/// The ASCII digits of `s`, in order ("010-1234-5678" → "01012345678").
pub fn digits(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_digit()).collect()
}

/// True when `s` looks like a number typed with separators only: digits plus
/// hyphens, spaces, dots, parentheses or a leading plus.
pub fn is_numeric_like(s: &str) -> bool {
    let mut any_digit = false;
    for c in s.chars() {
        match c {
            '0'..='9' => any_digit = true,
            '-' | ' ' | '.' | '(' | ')' | '+' => {}
            _ => return false,
        }
    }
    any_digit
}

/// An amount typed by a person: "12000", "12,000", "₩12,000", "12000원".
pub fn parse_amount(s: &str) -> Option<i64> {
    let t = s
        .trim()
        .trim_start_matches('₩')
        .trim_end_matches('원')
        .trim();
    if t.is_empty() || !t.chars().all(|c| c.is_ascii_digit() || c == ',') {
        return None;
    }
    let d: String = t.chars().filter(|c| *c != ',').collect();
    d.parse().ok()
}

/// The initial consonants of every Hangul syllable; other characters are kept,
/// lower-cased ("김민준" → "ㄱㅁㅈ", "Kim 민" → "kim ㅁ").
pub fn chosung(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            let u = c as u32;
            if (HANGUL_FIRST..=HANGUL_LAST).contains(&u) {
                let idx = ((u - HANGUL_FIRST) / PER_INITIAL) as usize;
                vec![CHOSUNG[idx]]
            } else {
                c.to_lowercase().collect()
            }
        })
        .collect()
}

/// True when every character is a compatibility-jamo consonant: the user typed
/// 초성 only ("ㄱㅁㅈ").
pub fn is_chosung_query(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| ('\u{3131}'..='\u{314E}').contains(&c))
}

/// The distinct 1- and 2-character grams of `s` (lower-cased), skipping grams
/// with whitespace: they serve queries too short for the trigram index.
pub fn short_grams(s: &str) -> Vec<String> {
    let chars: Vec<char> = s.to_lowercase().chars().collect();
    let mut out: Vec<String> = Vec::new();
    for (i, c) in chars.iter().enumerate() {
        if c.is_whitespace() {
            continue;
        }
        out.push(c.to_string());
        if let Some(n) = chars.get(i + 1)
            && !n.is_whitespace()
        {
            out.push([*c, *n].iter().collect());
        }
    }
    out.sort();
    out.dedup();
    out
}

/// An FTS5 query string matching `s` as one phrase (quotes doubled), so user
/// text can never be read as FTS syntax.
pub fn fts_phrase(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The last four digits of a masked card number ("5365-10**-****-1234" → "1234").
pub fn card_last4(masked: &str) -> Option<String> {
    let tail: Vec<char> = masked
        .chars()
        .rev()
        .filter(|c| *c != '-' && *c != ' ')
        .take(4)
        .collect();
    if tail.len() == 4 && tail.iter().all(|c| c.is_ascii_digit()) {
        Some(tail.iter().rev().collect())
    } else {
        None
    }
}

/// Trim, lower-case and collapse inner whitespace: how queries are compared.
pub fn normalise_query(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Number of characters (not bytes).
pub fn char_len(s: &str) -> usize {
    s.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chosung_of_names() {
        assert_eq!(chosung("김민준"), "ㄱㅁㅈ");
        assert_eq!(chosung("최 Kim"), "ㅊ kim");
        assert!(is_chosung_query("ㄱㅁㅈ"));
        assert!(!is_chosung_query("김ㅁ"));
    }

    #[test]
    fn grams_and_digits() {
        assert_eq!(short_grams("민준"), vec!["민", "민준", "준"]);
        assert_eq!(digits("010-1234-5678"), "01012345678");
        assert_eq!(card_last4("5365-10**-****-1234").as_deref(), Some("1234"));
        assert_eq!(card_last4("****"), None);
        assert_eq!(parse_amount("₩12,000"), Some(12000));
        assert_eq!(parse_amount("abc"), None);
        assert_eq!(fts_phrase("a\"b"), "\"a\"\"b\"");
    }
}
