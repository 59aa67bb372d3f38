//! Lenient field decoders.
//!
//! The sources disagree on types (integers vs floats vs numeric strings for
//! timestamps, `card_type` as number or string, `bank_code` as number or string) and
//! the server sends `null` for anything it does not know. These helpers accept every
//! shape seen in the wild so that one odd field never makes a whole payment
//! unreadable. Used through `#[serde(default, deserialize_with = "...")]`.

use std::str::FromStr;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::Money;

/// Any JSON scalar, with containers recognised (and skipped) but not kept.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Loose {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Container,
}

impl Loose {
    /// An integer, accepting floats (truncated toward zero) and numeric strings.
    pub(crate) fn to_i64(&self) -> Option<i64> {
        match self {
            Loose::Int(i) => Some(*i),
            Loose::UInt(u) => i64::try_from(*u).ok(),
            Loose::Float(f) if f.is_finite() && f.abs() < 9.2e18 => Some(f.trunc() as i64),
            Loose::Str(s) => {
                let s = s.trim();
                s.parse::<i64>()
                    .ok()
                    .or_else(|| Loose::Float(s.parse::<f64>().ok()?).to_i64())
            }
            _ => None,
        }
    }

    /// An exact amount. A float is read through its shortest round-trip text, which
    /// gives back exactly the decimal the server wrote (for up to 15 significant
    /// digits, far beyond any amount).
    pub(crate) fn to_money(&self) -> Option<Money> {
        use rust_decimal::Decimal;
        match self {
            Loose::Int(i) => Some(Money::won(*i)),
            Loose::UInt(u) => Some(Money::from_decimal(Decimal::from(*u))),
            Loose::Float(f) if f.is_finite() => Decimal::from_str(&f.to_string())
                .ok()
                .map(Money::from_decimal),
            Loose::Str(s) => Money::from_str(s).ok(),
            _ => None,
        }
    }

    /// Text, accepting numbers and booleans (written as JSON would).
    pub(crate) fn into_string(self) -> Option<String> {
        match self {
            Loose::Str(s) => Some(s),
            Loose::Int(i) => Some(i.to_string()),
            Loose::UInt(u) => Some(u.to_string()),
            Loose::Float(f) => Some(f.to_string()),
            Loose::Bool(b) => Some(b.to_string()),
            Loose::Null | Loose::Container => None,
        }
    }

    fn to_bool(&self) -> Option<bool> {
        match self {
            Loose::Bool(b) => Some(*b),
            Loose::Int(i) => Some(*i != 0),
            Loose::UInt(u) => Some(*u != 0),
            Loose::Str(s) => match s.trim() {
                "true" | "1" | "Y" | "y" => Some(true),
                "false" | "0" | "N" | "n" | "" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    fn is_blank(&self) -> bool {
        matches!(self, Loose::Null) || matches!(self, Loose::Str(s) if s.trim().is_empty())
    }
}

impl<'de> Deserialize<'de> for Loose {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Loose;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_unit<E>(self) -> Result<Loose, E> {
                Ok(Loose::Null)
            }
            fn visit_none<E>(self) -> Result<Loose, E> {
                Ok(Loose::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Loose, D::Error> {
                Loose::deserialize(d)
            }
            fn visit_bool<E>(self, v: bool) -> Result<Loose, E> {
                Ok(Loose::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Loose, E> {
                Ok(Loose::Int(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Loose, E> {
                Ok(i64::try_from(v).map(Loose::Int).unwrap_or(Loose::UInt(v)))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Loose, E> {
                Ok(Loose::Float(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Loose, E> {
                Ok(Loose::Str(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Loose, E> {
                Ok(Loose::Str(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Loose, A::Error> {
                while a.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Loose::Container)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Loose, A::Error> {
                while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Loose::Container)
            }
        }
        d.deserialize_any(V)
    }
}

fn fail<E: de::Error>(what: &str, got: &Loose) -> E {
    // Names the kind of value only: the value itself could be anything, and error
    // messages end up in logs.
    let kind = match got {
        Loose::Null => "null",
        Loose::Bool(_) => "a boolean",
        Loose::Int(_) | Loose::UInt(_) | Loose::Float(_) => "a number",
        Loose::Str(_) => "text",
        Loose::Container => "an object or array",
    };
    E::custom(format_args!("expected {what}, got {kind}"))
}

/// Unix seconds. `0`, `null`, `""` mean "has not happened" and become `None`.
pub(crate) fn opt_ts<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let v = Loose::deserialize(d)?;
    if v.is_blank() {
        return Ok(None);
    }
    match v.to_i64() {
        Some(0) => Ok(None),
        Some(t) => Ok(Some(t)),
        None => Err(fail("a unix timestamp", &v)),
    }
}

/// Unix seconds that must be present (e.g. a token's `now`).
pub(crate) fn ts<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let v = Loose::deserialize(d)?;
    v.to_i64().ok_or_else(|| fail("a unix timestamp", &v))
}

/// An optional integer (floats truncated, numeric strings accepted).
pub(crate) fn opt_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let v = Loose::deserialize(d)?;
    if v.is_blank() {
        return Ok(None);
    }
    v.to_i64().map(Some).ok_or_else(|| fail("an integer", &v))
}

/// An integer where `null` means 0 (page counters).
pub(crate) fn int_or_zero<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    Ok(opt_int(d)?.unwrap_or(0))
}

/// A page number where `0` or `null` means "no such page".
pub(crate) fn opt_page<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(opt_int(d)?.filter(|p| *p > 0))
}

/// An optional amount.
pub(crate) fn opt_money<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Money>, D::Error> {
    let v = Loose::deserialize(d)?;
    if v.is_blank() {
        return Ok(None);
    }
    v.to_money().map(Some).ok_or_else(|| fail("an amount", &v))
}

/// An amount where `null` means zero (`cancel_amount` before any cancel).
pub(crate) fn money_or_zero<'de, D: Deserializer<'de>>(d: D) -> Result<Money, D::Error> {
    Ok(opt_money(d)?.unwrap_or(Money::ZERO))
}

/// Optional text; numbers are accepted and written as text (`bank_code: 4`).
pub(crate) fn opt_str<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = Loose::deserialize(d)?;
    match v {
        Loose::Null => Ok(None),
        Loose::Container => Err(fail("text", &v)),
        other => Ok(other.into_string()),
    }
}

/// Optional text written by i'mport, a PG or a card company (`fail_reason`, a failed
/// channel's `message`): decoded like [`opt_str`], then redacted with
/// [`crate::redact::message`], because such texts can echo card numbers and birth dates.
pub(crate) fn opt_pg_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(crate::redact::opt(opt_str(d)?))
}

/// Text where `null` means empty.
pub(crate) fn str_or_empty<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(opt_str(d)?.unwrap_or_default())
}

/// Optional boolean (`true`, `1`, `"true"`, `"Y"` …).
pub(crate) fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    let v = Loose::deserialize(d)?;
    if matches!(v, Loose::Null) {
        return Ok(None);
    }
    v.to_bool().map(Some).ok_or_else(|| fail("a boolean", &v))
}

/// Boolean where `null` means false.
pub(crate) fn bool_or_false<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(opt_bool(d)?.unwrap_or(false))
}

/// A list where `null` means empty.
pub(crate) fn vec_or_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// Declares a string enum that keeps values it does not know in `Other`, so a new
/// status added by the server reads as "unknown" instead of failing the decode.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $text:literal $(| $alias:literal)* ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this client does not know, kept verbatim.
            Other(String),
        }

        impl $name {
            /// The wire text.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $text, )+
                    $name::Other(s) => s.as_str(),
                }
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $( $text $(| $alias)* => $name::$variant, )+
                    other => $name::Other(other.to_owned()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let v = $crate::de::Loose::deserialize(d)?;
                match v.into_string() {
                    Some(s) => Ok($name::from(s.as_str())),
                    None => Err(serde::de::Error::custom(concat!("expected ", stringify!($name)))),
                }
            }
        }
    };
}
pub(crate) use string_enum;

/// Optional string enum (`null` and `""` → `None`).
pub(crate) fn opt_enum<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: for<'a> From<&'a str>,
{
    let v = Loose::deserialize(d)?;
    if v.is_blank() {
        return Ok(None);
    }
    match v.into_string() {
        Some(s) => Ok(Some(T::from(s.as_str()))),
        None => Err(de::Error::custom("expected text")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug, Default)]
    struct T {
        #[serde(default, deserialize_with = "opt_ts")]
        t: Option<i64>,
        #[serde(default, deserialize_with = "opt_str")]
        s: Option<String>,
        #[serde(default, deserialize_with = "opt_int")]
        i: Option<i64>,
        #[serde(default, deserialize_with = "opt_bool")]
        b: Option<bool>,
    }

    fn t(json: &str) -> T {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn timestamps() {
        assert_eq!(t(r#"{"t":1700000000}"#).t, Some(1_700_000_000));
        assert_eq!(t(r#"{"t":1700000000.75}"#).t, Some(1_700_000_000));
        assert_eq!(t(r#"{"t":"1700000000"}"#).t, Some(1_700_000_000));
        assert_eq!(t(r#"{"t":"1700000000.5"}"#).t, Some(1_700_000_000));
        assert_eq!(t(r#"{"t":0}"#).t, None);
        assert_eq!(t(r#"{"t":"0"}"#).t, None);
        assert_eq!(t(r#"{"t":0.0}"#).t, None);
        assert_eq!(t(r#"{"t":null}"#).t, None);
        assert_eq!(t(r#"{}"#).t, None);
        assert!(serde_json::from_str::<T>(r#"{"t":"soon"}"#).is_err());
    }

    #[test]
    fn strings_and_numbers() {
        assert_eq!(t(r#"{"s":4}"#).s.as_deref(), Some("4"));
        assert_eq!(t(r#"{"s":"004"}"#).s.as_deref(), Some("004"));
        assert_eq!(t(r#"{"s":null}"#).s, None);
        assert_eq!(t(r#"{"i":3.0}"#).i, Some(3));
        assert_eq!(t(r#"{"i":"3"}"#).i, Some(3));
        assert_eq!(t(r#"{"b":1}"#).b, Some(true));
        assert_eq!(t(r#"{"b":"false"}"#).b, Some(false));
    }
}
