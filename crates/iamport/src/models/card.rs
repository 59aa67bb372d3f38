//! Raw card data for key issuance and key-in charges.
//!
//! Every part lives in a [`SecretString`] (zeroized on drop, redacted in `Debug`) and
//! is exposed only while the request body is written.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::ser::{Serialize, SerializeStruct, Serializer};
use zeroize::Zeroizing;

use crate::{Error, Result};

/// Card number, expiry and the optional authentication parts some PGs require.
///
/// Built with [`CardData::new`], which checks formats (without ever echoing the
/// value in the error) and normalises to the API's forms: `dddd-dddd-dddd-dddd` and
/// `YYYY-MM`.
#[derive(Clone)]
pub struct CardData {
    number: SecretString,
    expiry: SecretString,
    birth: Option<SecretString>,
    pwd_2digit: Option<SecretString>,
    cvc: Option<SecretString>,
}

fn digits(s: &str) -> Zeroizing<String> {
    Zeroizing::new(s.chars().filter(char::is_ascii_digit).collect())
}

impl CardData {
    /// Card number (digits, with or without hyphens or spaces) and expiry (`YYYY-MM`,
    /// `YYYYMM`, `MM/YY`).
    pub fn new(number: &str, expiry: &str) -> Result<Self> {
        let allowed = |c: char| c.is_ascii_digit() || c == '-' || c == ' ';
        let d = digits(number);
        if !number.chars().all(allowed) || !(14..=19).contains(&d.len()) {
            return Err(Error::invalid(
                "card_number",
                "must be 14 to 19 digits, optionally grouped with hyphens",
            ));
        }
        // The API wants hyphen groups; a 16-digit number typed without them is grouped
        // 4-4-4-4, anything already grouped is kept as the user grouped it.
        let number = if number.contains('-') {
            Zeroizing::new(number.replace(' ', ""))
        } else if d.len() == 16 {
            Zeroizing::new(format!(
                "{}-{}-{}-{}",
                &d[0..4],
                &d[4..8],
                &d[8..12],
                &d[12..16]
            ))
        } else {
            d
        };
        let expiry = normalise_expiry(expiry)?;
        Ok(CardData {
            number: SecretString::from(number.as_str()),
            expiry: SecretString::from(expiry.as_str()),
            birth: None,
            pwd_2digit: None,
            cvc: None,
        })
    }

    /// Birth date `YYMMDD`, or a 10-digit business registration number for corporate
    /// cards.
    pub fn birth(mut self, birth: &str) -> Result<Self> {
        let d = digits(birth);
        if birth.chars().any(|c| !c.is_ascii_digit() && c != '-')
            || !(d.len() == 6 || d.len() == 10)
        {
            return Err(Error::invalid(
                "birth",
                "must be 6 digits (YYMMDD) or a 10-digit business number",
            ));
        }
        self.birth = Some(SecretString::from(d.as_str()));
        Ok(self)
    }

    /// First two digits of the card PIN.
    pub fn pwd_2digit(mut self, pwd: &str) -> Result<Self> {
        if pwd.len() != 2 || !pwd.chars().all(|c| c.is_ascii_digit()) {
            return Err(Error::invalid("pwd_2digit", "must be exactly 2 digits"));
        }
        self.pwd_2digit = Some(SecretString::from(pwd));
        Ok(self)
    }

    /// Card verification code (Paymentwall): 3 digits, 4 for AMEX.
    pub fn cvc(mut self, cvc: &str) -> Result<Self> {
        if !(3..=4).contains(&cvc.len()) || !cvc.chars().all(|c| c.is_ascii_digit()) {
            return Err(Error::invalid("cvc", "must be 3 or 4 digits"));
        }
        self.cvc = Some(SecretString::from(cvc));
        Ok(self)
    }
}

fn normalise_expiry(expiry: &str) -> Result<Zeroizing<String>> {
    let e = expiry.trim();
    let bad = || Error::invalid("expiry", "must be YYYY-MM");
    let (year, month): (Zeroizing<String>, Zeroizing<String>) =
        if let Some((y, m)) = e.split_once('-') {
            (Zeroizing::new(y.to_owned()), Zeroizing::new(m.to_owned()))
        } else if let Some((m, y)) = e.split_once('/') {
            (
                Zeroizing::new(format!("20{y}")),
                Zeroizing::new(m.to_owned()),
            )
        } else if e.len() == 6 && e.is_ascii() {
            (
                Zeroizing::new(e[..4].to_owned()),
                Zeroizing::new(e[4..].to_owned()),
            )
        } else {
            return Err(bad());
        };
    let all_digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if year.len() != 4 || month.len() != 2 || !all_digits(&year) || !all_digits(&month) {
        return Err(bad());
    }
    match month.parse::<u8>() {
        Ok(1..=12) => Ok(Zeroizing::new(format!(
            "{}-{}",
            year.as_str(),
            month.as_str()
        ))),
        _ => Err(bad()),
    }
}

impl fmt::Debug for CardData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Nothing of the card, not even its last digits: the key's masked number comes
        // back from the API when it is needed.
        f.debug_struct("CardData")
            .field("number", &"[redacted]")
            .field("expiry", &"[redacted]")
            .field("birth", &self.birth.as_ref().map(|_| "[redacted]"))
            .field(
                "pwd_2digit",
                &self.pwd_2digit.as_ref().map(|_| "[redacted]"),
            )
            .field("cvc", &self.cvc.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

impl Serialize for CardData {
    /// Written only into request bodies (which are zeroized after sending).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("CardData", 5)?;
        st.serialize_field("card_number", self.number.expose_secret())?;
        st.serialize_field("expiry", self.expiry.expose_secret())?;
        if let Some(b) = &self.birth {
            st.serialize_field("birth", b.expose_secret())?;
        }
        if let Some(p) = &self.pwd_2digit {
            st.serialize_field("pwd_2digit", p.expose_secret())?;
        }
        if let Some(c) = &self.cvc {
            st.serialize_field("cvc", c.expose_secret())?;
        }
        st.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_and_redacts() {
        let c = CardData::new("4111111111111111", "202812")
            .unwrap()
            .birth("900101")
            .unwrap()
            .pwd_2digit("12")
            .unwrap();
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["card_number"], "4111-1111-1111-1111");
        assert_eq!(json["expiry"], "2028-12");
        assert_eq!(json["birth"], "900101");
        assert_eq!(json["pwd_2digit"], "12");
        assert!(json.get("cvc").is_none());
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("4111") && !dbg.contains("900101") && !dbg.contains("2028"));
        assert_eq!(
            serde_json::to_value(CardData::new("4111-1111-1111-1111", "12/28").unwrap()).unwrap()["expiry"],
            "2028-12"
        );
    }

    #[test]
    fn refuses_bad_input_without_echoing_it() {
        let e = CardData::new("4111-1111-abcd-1111", "2028-12").unwrap_err();
        assert_eq!(e.code(), "invalid_input");
        assert!(!e.to_string().contains("4111"));
        assert!(CardData::new("4111111111111111", "2028-13").is_err());
        assert!(CardData::new("4111111111111111", "28-12").is_err());
        let c = CardData::new("4111111111111111", "2028-01").unwrap();
        assert!(c.clone().birth("12345").is_err());
        assert!(c.clone().pwd_2digit("1").is_err());
        assert!(c.cvc("12a").is_err());
    }
}
