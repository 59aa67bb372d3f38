//! Merchant settings: configured PG channels and card codes.

use serde::{Deserialize, Serialize};

use crate::de::{self, string_enum};

string_enum! {
    /// `type` of a PG channel.
    pub enum PgSettingType {
        /// Browser (authenticated) payments.
        Payment = "payment",
        /// REST non-authenticated payments: the channels billing keys can use.
        ApiPayment = "api_payment",
        /// Identity verification.
        Certification = "certification",
    }
}

/// A configured PG channel (`PgSettingAnnotation`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PgSetting {
    /// PG code.
    #[serde(deserialize_with = "de::str_or_empty")]
    pub pg_provider: String,
    /// PG merchant id.
    #[serde(default, deserialize_with = "de::str_or_empty")]
    pub pg_id: String,
    /// A test channel.
    #[serde(default, deserialize_with = "de::bool_or_false")]
    pub sandbox: bool,
    /// What the channel is for.
    #[serde(rename = "type", default, deserialize_with = "de::opt_enum")]
    pub kind: Option<PgSettingType>,
    /// Channel name.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub channel_name: Option<String>,
    /// Channel key.
    #[serde(default, deserialize_with = "de::opt_str")]
    pub channel_key: Option<String>,
}

/// A standard code and its name (`StandardCodeAnnotation`), e.g. a card company.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StandardCode {
    /// Code.
    #[serde(deserialize_with = "de::str_or_empty")]
    pub code: String,
    /// Name.
    #[serde(default, deserialize_with = "de::str_or_empty")]
    pub name: String,
}
