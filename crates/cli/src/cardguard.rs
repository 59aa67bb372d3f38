//! Card data never comes from arguments: they land in shell history, `ps` output and
//! scheduler logs. This check runs on the raw arguments before clap or anything else
//! sees them, so an attempt is refused before a profile is opened or a request sent, and
//! the refusal never repeats the value.

use crate::error::CliError;
use subdesk_codes::ErrorCode;

/// Option names someone might try for card fields.
const CARD_FLAGS: &[&str] = &[
    "card-number",
    "card_number",
    "cardnumber",
    "card-no",
    "cardno",
    "number",
    "card",
    "pan",
    "expiry",
    "card-expiry",
    "exp",
    "expiration",
    "birth",
    "pwd-2digit",
    "pwd_2digit",
    "pwd",
    "password",
    "cvc",
    "cvv",
];

const HOW: &str = "card data is never taken from arguments (they end up in shell history and process lists); \
type it at the prompt of `subdesk-cli key issue UID --pg PG`, or pipe it with --card-stdin \
(JSON {\"number\",\"expiry\",\"birth\",\"pwd_2digit\"} or key=value lines)";

/// Refuses card-field options anywhere, and in `key issue` any argument that looks
/// like a card number (13–19 digits, with or without spaces or hyphens).
pub fn check(args: &[String]) -> Result<(), CliError> {
    for a in args.iter().skip(1) {
        if let Some(name) = a.strip_prefix("--") {
            let name = name.split('=').next().unwrap_or(name).to_ascii_lowercase();
            if CARD_FLAGS.contains(&name.as_str()) {
                return Err(refusal(&format!("the option --{name} is refused: {HOW}")));
            }
        }
    }
    if is_key_issue(args) {
        for a in args.iter().skip(1) {
            let value = a.split_once('=').map_or(a.as_str(), |(_, v)| v);
            if looks_like_card_number(value) {
                return Err(refusal(&format!(
                    "an argument looks like a card number and was refused: {HOW}"
                )));
            }
        }
    }
    Ok(())
}

fn refusal(message: &str) -> CliError {
    CliError::bad_input(ErrorCode::CardDataInArguments, message)
}

/// `key` followed (not necessarily at once: global options may sit between) by `issue`.
fn is_key_issue(args: &[String]) -> bool {
    let words: Vec<&str> = args
        .iter()
        .skip(1)
        .map(String::as_str)
        .filter(|a| !a.starts_with('-'))
        .collect();
    words.windows(2).any(|w| w[0] == "key" && w[1] == "issue")
        || words.first() == Some(&"key") && words.contains(&"issue")
}

pub fn looks_like_card_number(s: &str) -> bool {
    let s = s.trim();
    if s.is_empty()
        || !s
            .chars()
            .all(|c| c.is_ascii_digit() || c == '-' || c == ' ')
    {
        return false;
    }
    let digits = s.chars().filter(char::is_ascii_digit).count();
    (13..=19).contains(&digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &str) -> Vec<String> {
        std::iter::once("subdesk-cli")
            .chain(s.split(' '))
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn refuses_card_flags_everywhere() {
        for bad in [
            "key issue c1 --pg nice --card-number 4242424242424242",
            "key issue c1 --pg nice --number=4242",
            "charge c1 --amount 1 --name x --cvc 123",
            "key issue c1 --pg nice --expiry 2030-01",
        ] {
            let e = check(&argv(bad)).expect_err(bad);
            assert_eq!(e.code, ErrorCode::CardDataInArguments);
            assert!(!e.message.contains("4242"), "never echoes the value");
        }
    }

    #[test]
    fn refuses_card_numbers_in_key_issue_only() {
        assert!(check(&argv("key issue 4242-4242-4242-4242 --pg nice")).is_err());
        assert!(check(&argv("key issue c1 --pg nice 4242424242424242")).is_err());
        assert!(check(&argv("--json key issue c1 --pg=4242424242424242")).is_err());
        assert!(check(&argv("key issue c1 --pg nice")).is_ok());
        assert!(
            check(&argv("key issue 123456789012 --pg nice")).is_ok(),
            "12 digits"
        );
        assert!(check(&argv("charge 4242424242424242 --amount 1000 --name x")).is_ok());
    }
}
