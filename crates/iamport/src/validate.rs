//! Checks made before a request leaves, so that a request the API would refuse (or,
//! worse, silently truncate) is never sent.

use crate::{Error, Money, Result};

/// Longest `merchant_uid` the API accepts (spec `maxLength: 40`).
pub const MERCHANT_UID_MAX: usize = 40;
/// Longest `customer_uid` the API accepts (spec `maxLength: 80`).
pub const CUSTOMER_UID_MAX: usize = 80;
/// Most ids a multi-get may ask for.
pub const MULTI_GET_MAX: usize = 100;
/// Largest page size the list endpoints accept.
pub const LIMIT_MAX: u32 = 1000;

fn id(field: &'static str, v: &str, max: usize) -> Result<()> {
    if v.trim().is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    // The spec counts characters; a Korean order id of 40 characters is 120 bytes.
    let n = v.chars().count();
    if n > max {
        return Err(Error::invalid(
            field,
            format!("{n} characters, at most {max} allowed"),
        ));
    }
    // `.` and `..` cannot be addressed as a path segment: URL parsers resolve them
    // (even percent-encoded), so the request would go to another resource.
    if v == "." || v == ".." {
        return Err(Error::invalid(field, "must not be `.` or `..`"));
    }
    if v.chars().any(char::is_control) {
        return Err(Error::invalid(field, "must not contain control characters"));
    }
    Ok(())
}

/// A `merchant_uid`: 1–40 characters.
pub fn merchant_uid(v: &str) -> Result<()> {
    id("merchant_uid", v, MERCHANT_UID_MAX)
}

/// A `customer_uid`: 1–80 characters.
pub fn customer_uid(v: &str) -> Result<()> {
    id("customer_uid", v, CUSTOMER_UID_MAX)
}

/// An `imp_uid`: non-empty.
pub fn imp_uid(v: &str) -> Result<()> {
    id("imp_uid", v, 64)
}

/// A charge amount: positive, and whole for KRW (the API takes whole won only).
pub(crate) fn charge_amount(amount: Money, currency: Option<&str>) -> Result<()> {
    if amount.is_negative() || amount.is_zero() {
        return Err(Error::invalid("amount", "must be greater than zero"));
    }
    whole_if_krw("amount", amount, currency)
}

pub(crate) fn whole_if_krw(
    field: &'static str,
    amount: Money,
    currency: Option<&str>,
) -> Result<()> {
    let krw = currency.is_none_or(|c| c.eq_ignore_ascii_case("KRW"));
    if krw && !amount.is_whole() {
        return Err(Error::invalid(field, "KRW amounts are whole won"));
    }
    if amount.is_negative() {
        return Err(Error::invalid(field, "must not be negative"));
    }
    Ok(())
}

/// An optional component amount (tax_free, vat_amount): non-negative, whole for KRW.
pub(crate) fn opt_part(
    field: &'static str,
    amount: Option<Money>,
    currency: Option<&str>,
) -> Result<()> {
    match amount {
        Some(a) => whole_if_krw(field, a, currency),
        None => Ok(()),
    }
}

/// A page number (from 1).
pub(crate) fn page(page: Option<u32>) -> Result<()> {
    if page == Some(0) {
        return Err(Error::invalid("page", "pages start at 1"));
    }
    Ok(())
}

/// A page size (1–1000).
pub(crate) fn limit(limit: Option<u32>) -> Result<()> {
    match limit {
        Some(l) if l == 0 || l > LIMIT_MAX => Err(Error::invalid(
            "limit",
            format!("must be between 1 and {LIMIT_MAX}"),
        )),
        _ => Ok(()),
    }
}

/// A time window `[from, to)`.
pub(crate) fn window(from: i64, to: i64) -> Result<()> {
    if to <= from {
        return Err(Error::invalid("to", "must be later than from"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_count_characters() {
        assert!(merchant_uid(&"가".repeat(40)).is_ok());
        assert!(merchant_uid(&"가".repeat(41)).is_err());
        assert!(customer_uid(&"a".repeat(80)).is_ok());
        assert!(customer_uid(&"a".repeat(81)).is_err());
        assert!(customer_uid("").is_err());
        assert!(customer_uid("  ").is_err());
        assert!(merchant_uid("a\nb").is_err());
        assert!(customer_uid("..").is_err());
        assert!(customer_uid("a/b c").is_ok());
    }

    #[test]
    fn amounts() {
        use std::str::FromStr;
        assert!(charge_amount(Money::won(1000), None).is_ok());
        assert!(charge_amount(Money::won(0), None).is_err());
        assert!(charge_amount(Money::won(-5), Some("KRW")).is_err());
        let cents = Money::from_str("9.99").unwrap();
        assert!(charge_amount(cents, Some("KRW")).is_err());
        assert!(charge_amount(cents, None).is_err());
        assert!(charge_amount(cents, Some("USD")).is_ok());
    }
}
