//! "Test connection": a token, then `GET /users/pg`, reported as the PG channels or the
//! exact reason it failed.

use std::time::Duration;

use serde::Serialize;
use subdesk_iamport as iamport;

use crate::credentials::Credentials;
use crate::error::{ConnectionFailure, Error, Result};
use crate::profile::{self, Profile};

/// One configured PG channel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub struct PgChannel {
    /// PG code, e.g. `nice`.
    pub pg_provider: String,
    /// PG merchant id, e.g. `nictest04m`.
    pub pg_id: String,
    /// `payment`, `api_payment` or `certification` (as i'mport sends it); `None` if absent.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// A test channel.
    pub sandbox: bool,
    /// The channel's display name.
    pub channel_name: Option<String>,
    /// An `api_payment` channel: one billing keys can be charged through.
    pub billing: bool,
}

/// What a successful test found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub struct ConnectionReport {
    /// The address tested.
    pub base_url: String,
    /// The tier code sent, if any.
    pub tier: Option<String>,
    /// Every configured channel, in i'mport's order.
    pub channels: Vec<PgChannel>,
}

impl ConnectionReport {
    /// The channels billing keys can use.
    pub fn billing_channels(&self) -> impl Iterator<Item = &PgChannel> {
        self.channels.iter().filter(|c| c.billing)
    }
}

/// Gets a token with the profile's `creds` and lists the PG channels.
///
/// The address is the profile's, checked by [`profile::api_address`] as a session's is:
/// the sandbox profile only on loopback (`sandbox_url`, the running sandbox), test and
/// live profiles at their stored address. No retries, short timeouts: the user is
/// waiting, and a flaky connection should show as one.
pub async fn test_connection(
    profile: &Profile,
    sandbox_url: Option<&str>,
    creds: &Credentials,
) -> Result<ConnectionReport> {
    let base_url = profile::api_address(profile, sandbox_url)?;
    let tier = profile::validate_tier(profile.tier.as_deref())?;
    let mut config = iamport::Config::new(creds.imp_key.clone(), creds.imp_secret.clone())
        .base_url(&base_url)
        .map_err(connection_error)?
        .retry(iamport::RetryPolicy::none())
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(15));
    if let Some(t) = &tier {
        config = config.tier(iamport::Tier::new(t).map_err(|_| Error::InvalidTier)?);
    }
    let client = iamport::Client::new(config).map_err(connection_error)?;
    // getToken first, so wrong credentials read as "unauthorized", not as a failure of
    // the channel listing.
    client.authenticate().await.map_err(connection_error)?;
    let settings = client.pg_settings().await.map_err(connection_error)?;
    let channels = settings
        .into_iter()
        .map(|s| {
            let kind = s.kind.as_ref().map(|k| k.as_str().to_owned());
            PgChannel {
                billing: kind.as_deref() == Some("api_payment"),
                pg_provider: s.pg_provider,
                pg_id: s.pg_id,
                kind,
                sandbox: s.sandbox,
                channel_name: s.channel_name,
            }
        })
        .collect();
    Ok(ConnectionReport {
        base_url,
        tier,
        channels,
    })
}

/// Sorts a client error by what the user can do, keeping the client's own code.
fn connection_error(e: iamport::Error) -> Error {
    let failure = match &e {
        iamport::Error::Unauthorized { .. } => ConnectionFailure::Unauthorized,
        iamport::Error::Transport { timeout: true, .. } => ConnectionFailure::Timeout,
        iamport::Error::Transport { .. } => ConnectionFailure::Unreachable,
        iamport::Error::Server { .. } => ConnectionFailure::ServerError,
        iamport::Error::Rejected { .. } => ConnectionFailure::Rejected,
        iamport::Error::NotFound { .. } => ConnectionFailure::NotFound,
        iamport::Error::Decode { .. } => ConnectionFailure::BadResponse,
        _ => ConnectionFailure::Other,
    };
    Error::Connection {
        failure,
        client_code: e.code(),
        message: e.to_string(),
    }
}
