//! Exact money amounts.
//!
//! i'mport types amounts as JSON `number`. KRW amounts are whole won; a few PGs take
//! other currencies with decimals. Going through `f64` would make "12.30 USD" a guess,
//! so amounts are a [`rust_decimal::Decimal`] and are written back as exact JSON
//! numbers: whole amounts as integers (what every KRW request must send), others as
//! exact decimal text.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An exact amount of money in the payment's currency (whole won for KRW).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(Decimal);

impl Money {
    /// Zero.
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// A whole amount of won (or of the currency's main unit).
    pub fn won(amount: i64) -> Self {
        Money(Decimal::from(amount))
    }

    /// An exact decimal amount (for non-KRW currencies).
    pub fn from_decimal(amount: Decimal) -> Self {
        Money(amount.normalize())
    }

    /// The exact value.
    pub fn decimal(self) -> Decimal {
        self.0
    }

    /// The amount as whole units, if it has no fractional part and fits in `i64`.
    pub fn as_won(self) -> Option<i64> {
        if self.0.fract().is_zero() {
            i64::try_from(self.0).ok()
        } else {
            None
        }
    }

    /// True if the amount has no fractional part.
    pub fn is_whole(self) -> bool {
        self.0.fract().is_zero()
    }

    /// True if the amount is below zero.
    pub fn is_negative(self) -> bool {
        self.0.is_sign_negative() && !self.0.is_zero()
    }

    /// True if the amount is exactly zero.
    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }
}

impl From<i64> for Money {
    fn from(v: i64) -> Self {
        Money::won(v)
    }
}

impl From<Decimal> for Money {
    fn from(v: Decimal) -> Self {
        Money::from_decimal(v)
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Money({})", self.0.normalize())
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.normalize(), f)
    }
}

impl FromStr for Money {
    type Err = rust_decimal::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Decimal::from_str(s.trim()).map(Money::from_decimal)
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if let Some(whole) = self.as_won() {
            return s.serialize_i64(whole);
        }
        // Exact decimal text as a JSON number: serde_json writes a RawValue verbatim,
        // where an f64 would round. (Bodies are only ever written with serde_json.)
        let text = self.0.normalize().to_string();
        match serde_json::value::RawValue::from_string(text) {
            Ok(raw) => raw.serialize(s),
            Err(e) => Err(serde::ser::Error::custom(e)),
        }
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match crate::de::Loose::deserialize(d)? {
            crate::de::Loose::Null => Err(serde::de::Error::custom("amount is null")),
            other => other
                .to_money()
                .ok_or_else(|| serde::de::Error::custom("amount is not a number")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_amounts_serialize_as_integers() {
        assert_eq!(serde_json::to_string(&Money::won(12000)).unwrap(), "12000");
        let m: Money = serde_json::from_str("12000.0").unwrap();
        assert_eq!(serde_json::to_string(&m).unwrap(), "12000");
    }

    #[test]
    fn decimals_serialize_exactly() {
        let m = Money::from_str("12.30").unwrap();
        assert_eq!(serde_json::to_string(&m).unwrap(), "12.3");
        let m = Money::from_str("0.1").unwrap();
        assert_eq!(serde_json::to_string(&m).unwrap(), "0.1");
    }

    #[test]
    fn decodes_ints_floats_and_strings() {
        for (text, want) in [
            ("1000", "1000"),
            ("1000.0", "1000"),
            ("\"1000\"", "1000"),
            ("0.1", "0.1"),
            ("19.99", "19.99"),
            ("\" 5 \"", "5"),
        ] {
            let m: Money = serde_json::from_str(text).unwrap();
            assert_eq!(m.to_string(), want, "{text}");
        }
        assert!(serde_json::from_str::<Money>("null").is_err());
        assert!(serde_json::from_str::<Money>("\"abc\"").is_err());
        assert!(serde_json::from_str::<Money>("1e40").is_err());
    }

    #[test]
    fn as_won() {
        assert_eq!(Money::won(5).as_won(), Some(5));
        assert_eq!(Money::from_str("5.5").unwrap().as_won(), None);
    }
}
