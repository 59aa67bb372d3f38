//! The profile model and its validation rules. Pure data: no files, no keyring.

use serde::{Deserialize, Serialize};
use url::{Host, Url};

use crate::error::{Error, Result};

/// The production API.
pub const DEFAULT_BASE_URL: &str = subdesk_iamport::DEFAULT_BASE_URL;
/// Times show in this zone unless the profile picks another (DESIGN principle 5).
pub const DEFAULT_TIME_ZONE: &str = "Asia/Seoul";
/// Id (and data-folder name) of the built-in sandbox profile.
pub const SANDBOX_ID: &str = "sandbox";
/// Display name the sandbox profile starts with.
pub const SANDBOX_NAME: &str = "Sandbox";
/// Longest profile name, in characters.
pub const NAME_MAX_CHARS: usize = 40;

/// Longest generated id. Ids name folders, so they stay short and ASCII.
const ID_MAX_LEN: usize = 32;
const BASE_URL_MAX_LEN: usize = 2048;
const DEFAULT_PG_MAX_LEN: usize = 100;
const TIME_ZONE_MAX_LEN: usize = 64;

/// Where a profile's money lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The built-in practice server on loopback. No account, no money.
    Sandbox,
    /// A real i'mport account on test channels.
    Test,
    /// A real i'mport account moving real money.
    Live,
}

impl Mode {
    /// The mode as its snake_case text.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Sandbox => "sandbox",
            Mode::Test => "test",
            Mode::Live => "live",
        }
    }
}

/// A merchant profile as stored in profiles.json. Holds no secret, by design: the
/// credentials live in the OS keyring under the profile's id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub struct Profile {
    /// Stable slug, also the name of the profile's data folder. Never changes, never
    /// reused after the profile is removed (a new profile must not open an old
    /// profile's database).
    pub id: String,
    /// Display name, 1–40 characters, unique.
    pub name: String,
    /// Sandbox, test or live.
    pub mode: Mode,
    /// API address. Empty for the sandbox, whose address is chosen at run time.
    pub base_url: String,
    /// Sub-merchant tier code (agency accounts), 3 characters A–Z / 0–9.
    pub tier: Option<String>,
    /// PG used when a charge names none, e.g. `nice.nictest04m`.
    pub default_pg: Option<String>,
    /// IANA zone for showing times.
    pub time_zone: String,
    /// Finance role: only reads are allowed.
    pub read_only: bool,
    /// Unix seconds (UTC).
    pub created_at: i64,
}

impl Profile {
    /// The built-in sandbox profile as first created.
    pub fn sandbox(created_at: i64) -> Self {
        Profile {
            id: SANDBOX_ID.to_owned(),
            name: SANDBOX_NAME.to_owned(),
            mode: Mode::Sandbox,
            base_url: String::new(),
            tier: None,
            default_pg: None,
            time_zone: DEFAULT_TIME_ZONE.to_owned(),
            read_only: false,
            created_at,
        }
    }

    /// True for the built-in sandbox profile.
    pub fn is_sandbox(&self) -> bool {
        self.mode == Mode::Sandbox
    }

    /// A test or live profile that sends its credentials somewhere other than i'mport's
    /// address. The UI warns about it wherever the profile is shown.
    pub fn uses_custom_address(&self) -> bool {
        !self.is_sandbox() && self.base_url != DEFAULT_BASE_URL
    }

    /// Re-checks every rule on a stored profile (used when reading the file, so a
    /// hand-edited profile that breaks a rule is reported instead of used). The error
    /// is a reason for [`Error::ProfilesCorrupt`].
    pub(crate) fn check(&self) -> std::result::Result<(), String> {
        let id_ok = !self.id.is_empty()
            && self.id.len() <= ID_MAX_LEN
            && self
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !id_ok || (self.is_sandbox() != (self.id == SANDBOX_ID)) {
            return Err(format!("profile id \"{}\" is not valid", self.id));
        }
        let input = ProfileInput {
            name: self.name.clone(),
            mode: self.mode,
            base_url: Some(self.base_url.clone()),
            tier: self.tier.clone(),
            default_pg: self.default_pg.clone(),
            // A stored zone is checked by its shape only: one saved before zones were
            // checked against the tz database (or one a newer database renamed) must not
            // make the whole profiles file unreadable.
            time_zone: None,
            read_only: self.read_only,
        };
        let normal = input
            .normalize()
            .map_err(|e| format!("profile \"{}\": {e}", self.id))?;
        let same = normal.name == self.name
            && normal.base_url == self.base_url
            && normal.tier == self.tier
            && normal.default_pg == self.default_pg
            && zone_shaped(&self.time_zone);
        if same {
            Ok(())
        } else {
            Err(format!(
                "profile \"{}\" has untrimmed or non-normal values",
                self.id
            ))
        }
    }
}

/// What a user enters to create or edit a profile. Everything the UI form sends; the
/// id and creation time are the store's business.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub struct ProfileInput {
    /// Display name.
    pub name: String,
    /// Test or live (sandbox only for the built-in profile).
    pub mode: Mode,
    /// API address; `None` or empty means the default for the mode.
    #[serde(default)]
    pub base_url: Option<String>,
    /// Tier code; `None` or empty means none.
    #[serde(default)]
    pub tier: Option<String>,
    /// Default PG; `None` or empty means none.
    #[serde(default)]
    pub default_pg: Option<String>,
    /// Time zone; `None` or empty means Asia/Seoul.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Finance role.
    #[serde(default)]
    pub read_only: bool,
}

impl ProfileInput {
    /// A test or live profile with every other field at its default.
    pub fn new(name: impl Into<String>, mode: Mode) -> Self {
        ProfileInput {
            name: name.into(),
            mode,
            base_url: None,
            tier: None,
            default_pg: None,
            time_zone: None,
            read_only: false,
        }
    }
}

/// A validated input, fields trimmed and defaults filled in.
#[derive(Debug, Clone)]
pub(crate) struct Normalized {
    pub name: String,
    pub mode: Mode,
    pub base_url: String,
    pub tier: Option<String>,
    pub default_pg: Option<String>,
    pub time_zone: String,
    pub read_only: bool,
}

impl ProfileInput {
    /// Checks every single-profile rule (uniqueness is the store's job) and returns the
    /// values as they will be stored.
    pub(crate) fn normalize(&self) -> Result<Normalized> {
        Ok(Normalized {
            name: validate_name(&self.name)?,
            mode: self.mode,
            base_url: validate_base_url(self.mode, self.base_url.as_deref())?,
            tier: validate_tier(self.tier.as_deref())?,
            default_pg: validate_default_pg(self.default_pg.as_deref())?,
            time_zone: validate_time_zone(self.time_zone.as_deref())?,
            read_only: self.read_only,
        })
    }
}

/// Trimmed name, 1–40 characters, no control characters.
pub fn validate_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::InvalidName {
            reason: "the name is empty".into(),
        });
    }
    if name.chars().count() > NAME_MAX_CHARS {
        return Err(Error::InvalidName {
            reason: format!("the name is longer than {NAME_MAX_CHARS} characters"),
        });
    }
    if name.chars().any(char::is_control) {
        return Err(Error::InvalidName {
            reason: "the name contains control characters".into(),
        });
    }
    Ok(name.to_owned())
}

/// Two names clash when they differ only in case or surrounding spaces.
pub(crate) fn same_name(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// Why an API address was refused: the `rule` of [`Error::InvalidBaseUrl`], which the UI
/// translates (a test checks that every rule has a text in every language).
pub const BASE_URL_RULES: &[&str] = &[
    "sandbox_fixed",
    "sandbox_loopback",
    "sandbox_not_running",
    "too_long",
    "not_a_url",
    "credentials",
    "query",
    "no_host",
    "scheme",
    "https_required",
];

fn bad_url(rule: &'static str, reason: impl Into<String>) -> Error {
    Error::InvalidBaseUrl {
        rule,
        reason: reason.into(),
    }
}

/// The stored base URL for a mode.
///
/// Test and live profiles use i'mport's address ([`DEFAULT_BASE_URL`]) unless another is
/// given; changing a profile at all is an admin action behind the app lock
/// ([`crate::authorize_admin`]), and the UI warns about any other address, because that
/// is where imp_secret will be sent. Another address needs https, because imp_secret and
/// tokens travel in the request; plain http is allowed to a loopback host only (a local
/// proxy or the sandbox during development), where nothing leaves the machine. User
/// info in the URL is refused: it would put a secret into profiles.json.
pub fn validate_base_url(mode: Mode, url: Option<&str>) -> Result<String> {
    let url = url.map(str::trim).unwrap_or("");
    if mode == Mode::Sandbox {
        // The sandbox's port is chosen when it starts, so nothing is stored.
        return if url.is_empty() {
            Ok(String::new())
        } else {
            Err(bad_url(
                "sandbox_fixed",
                "the sandbox profile has no stored address",
            ))
        };
    }
    if url.is_empty() {
        return Ok(DEFAULT_BASE_URL.to_owned());
    }
    let (parsed, loopback) = parse_api_url(url)?;
    match parsed.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(bad_url(
                "https_required",
                "use https (plain http is allowed to this computer only)",
            ));
        }
        _ => return Err(bad_url("scheme", "the address must start with https://")),
    }
    Ok(normal(&parsed))
}

/// The running sandbox's address: http or https, on this computer only. The sandbox
/// profile's fixed public credentials must never be sent anywhere else, and nothing the
/// sandbox answers may come from the network.
pub fn validate_sandbox_url(url: &str) -> Result<String> {
    let (parsed, loopback) = parse_api_url(url.trim())?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(bad_url("scheme", "the address must start with http://"));
    }
    if !loopback {
        return Err(bad_url(
            "sandbox_loopback",
            "the sandbox runs on this computer: use a loopback address such as http://127.0.0.1:PORT",
        ));
    }
    Ok(normal(&parsed))
}

/// The address a profile's client talks to, checked again when the session or a
/// connection test is made (not only when the profile was saved): the running sandbox's
/// (`sandbox_url`, loopback only) for the sandbox profile, the stored one otherwise.
pub fn api_address(profile: &Profile, sandbox_url: Option<&str>) -> Result<String> {
    match profile.mode {
        Mode::Sandbox => match sandbox_url {
            Some(url) => validate_sandbox_url(url),
            None => Err(bad_url(
                "sandbox_not_running",
                "the built-in sandbox is not running",
            )),
        },
        // An empty stored address would mean i'mport's; a stored one must still pass.
        Mode::Test | Mode::Live if profile.base_url.is_empty() => {
            Err(bad_url("no_host", "the profile has no API address"))
        }
        Mode::Test | Mode::Live => validate_base_url(profile.mode, Some(&profile.base_url)),
    }
}

/// Parses an address and says whether its host is this computer.
fn parse_api_url(url: &str) -> Result<(Url, bool)> {
    if url.len() > BASE_URL_MAX_LEN {
        return Err(bad_url("too_long", "the address is too long"));
    }
    let parsed = Url::parse(url).map_err(|e| bad_url("not_a_url", format!("not a URL ({e})")))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(bad_url(
            "credentials",
            "the address must not contain a user name or password",
        ));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(bad_url(
            "query",
            "the address must not have a query or fragment",
        ));
    }
    let loopback = match parsed.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => return Err(bad_url("no_host", "the address has no host")),
    };
    Ok((parsed, loopback))
}

/// Stored without a trailing slash so that equal addresses compare equal.
fn normal(url: &Url) -> String {
    url.as_str().trim_end_matches('/').to_owned()
}

/// `None` for none; otherwise exactly 3 characters A–Z / 0–9 (the i'mport `Tier`
/// header). Lower case is refused rather than upper-cased: tier codes are issued in
/// upper case and a silent change could address another sub-merchant.
pub fn validate_tier(tier: Option<&str>) -> Result<Option<String>> {
    let tier = tier.map(str::trim).unwrap_or("");
    if tier.is_empty() {
        return Ok(None);
    }
    let ok = tier.len() == 3
        && tier
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if ok {
        Ok(Some(tier.to_owned()))
    } else {
        Err(Error::InvalidTier)
    }
}

/// `None` for none; otherwise a PG code such as `nice` or `nice.nictest04m`: no spaces,
/// no control characters, at most 100 bytes.
pub fn validate_default_pg(pg: Option<&str>) -> Result<Option<String>> {
    let pg = pg.map(str::trim).unwrap_or("");
    if pg.is_empty() {
        return Ok(None);
    }
    if pg.len() > DEFAULT_PG_MAX_LEN {
        return Err(Error::InvalidDefaultPg {
            reason: "longer than 100 characters".into(),
        });
    }
    if pg.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::InvalidDefaultPg {
            reason: "contains spaces or control characters".into(),
        });
    }
    Ok(Some(pg.to_owned()))
}

/// Asia/Seoul when empty; otherwise an IANA zone name (`UTC`, `Area/City`,
/// `Area/Sub/City`, `Etc/GMT+9`) that the tz database knows: a typo such as
/// `Asia/Seol` is refused here rather than turning every date into UTC later.
pub fn validate_time_zone(zone: Option<&str>) -> Result<String> {
    let zone = zone.map(str::trim).unwrap_or("");
    if zone.is_empty() {
        return Ok(DEFAULT_TIME_ZONE.to_owned());
    }
    if zone_shaped(zone) && jiff::tz::TimeZone::get(zone).is_ok() {
        Ok(zone.to_owned())
    } else {
        Err(Error::InvalidTimeZone {
            zone: zone.chars().take(TIME_ZONE_MAX_LEN).collect(),
        })
    }
}

/// Whether `zone` has the shape of an IANA zone name (no path tricks, no spaces).
fn zone_shaped(zone: &str) -> bool {
    let part_ok = |p: &str| {
        !p.is_empty()
            && p.starts_with(|c: char| c.is_ascii_alphabetic())
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'+'))
    };
    zone.len() <= TIME_ZONE_MAX_LEN && zone.split('/').count() <= 3 && zone.split('/').all(part_ok)
}

/// The id for a new profile: a slug of the name (ASCII letters and digits, `-`
/// between words), `profile` when the name has no ASCII letters (e.g. Korean), with
/// `-2`, `-3`, … appended until it is not `taken`.
pub(crate) fn new_id(name: &str, taken: impl Fn(&str) -> bool) -> String {
    let mut slug = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    // Leave room for a "-NNN" suffix.
    slug.truncate(ID_MAX_LEN - 5);
    let slug = slug.trim_matches('-');
    let base = if slug.is_empty() { "profile" } else { slug };
    if !taken(base) {
        return base.to_owned();
    }
    (2u32..)
        .map(|n| format!("{base}-{n}"))
        .find(|id| !taken(id))
        .unwrap_or_else(|| base.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use subdesk_codes::ErrorCode;

    fn code<T: std::fmt::Debug>(r: Result<T>) -> ErrorCode {
        match r {
            Ok(v) => panic!("expected an error, got {v:?}"),
            Err(e) => e.code(),
        }
    }

    #[test]
    fn names() {
        assert_eq!(validate_name("  강남점  ").ok().as_deref(), Some("강남점"));
        assert_eq!(code(validate_name("   ")), ErrorCode::InvalidName);
        assert!(
            validate_name(&"가".repeat(40)).is_ok(),
            "40 Korean chars is 40, not 120"
        );
        assert_eq!(code(validate_name(&"a".repeat(41))), ErrorCode::InvalidName);
        assert_eq!(code(validate_name("a\nb")), ErrorCode::InvalidName);
        assert!(same_name("Live Store", " live store"));
    }

    #[test]
    fn base_urls() {
        use Mode::*;
        let ok = |m, u| validate_base_url(m, Some(u)).ok();
        assert_eq!(ok(Live, ""), Some(DEFAULT_BASE_URL.to_owned()));
        assert_eq!(
            validate_base_url(Test, None).ok(),
            Some(DEFAULT_BASE_URL.to_owned())
        );
        assert_eq!(
            ok(Live, "https://api.iamport.kr/"),
            Some("https://api.iamport.kr".into())
        );
        assert_eq!(
            ok(Test, "http://127.0.0.1:8080"),
            Some("http://127.0.0.1:8080".into())
        );
        assert!(ok(Live, "http://[::1]:9").is_some());
        assert!(ok(Live, "http://localhost:9").is_some());
        for bad in [
            "http://api.iamport.kr",
            "ftp://api.iamport.kr",
            "api.iamport.kr",
            "https://key:secret@api.iamport.kr",
            "https://api.iamport.kr/?x=1",
            "http://10.0.0.1",
        ] {
            assert_eq!(
                code(validate_base_url(Live, Some(bad))),
                ErrorCode::InvalidBaseUrl,
                "{bad}"
            );
        }
        assert_eq!(
            validate_base_url(Sandbox, Some("")).ok(),
            Some(String::new())
        );
        assert_eq!(
            code(validate_base_url(Sandbox, Some("http://127.0.0.1:1"))),
            ErrorCode::InvalidBaseUrl
        );
    }

    fn rule<T: std::fmt::Debug>(r: Result<T>) -> &'static str {
        match r {
            Err(Error::InvalidBaseUrl { rule, .. }) => rule,
            other => panic!("expected invalid_base_url, got {other:?}"),
        }
    }

    #[test]
    fn each_refused_address_names_its_rule() {
        use Mode::*;
        for (url, expected) in [
            ("http://api.iamport.kr", "https_required"),
            ("http://10.0.0.1:8080", "https_required"),
            ("ftp://api.iamport.kr", "scheme"),
            ("api.iamport.kr", "not_a_url"),
            ("https://key:secret@api.iamport.kr", "credentials"),
            ("https://api.iamport.kr/#x", "query"),
        ] {
            assert_eq!(rule(validate_base_url(Live, Some(url))), expected, "{url}");
            assert!(BASE_URL_RULES.contains(&expected));
        }
        assert_eq!(
            rule(validate_base_url(
                Test,
                Some(&format!("https://{}", "a".repeat(3000)))
            )),
            "too_long"
        );
        assert_eq!(
            rule(validate_base_url(Sandbox, Some("http://127.0.0.1:1"))),
            "sandbox_fixed"
        );
    }

    #[test]
    fn the_sandbox_is_reached_on_this_computer_only() {
        for ok in [
            "http://127.0.0.1:4010",
            "http://localhost:9/",
            "http://[::1]:80",
        ] {
            assert!(validate_sandbox_url(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            validate_sandbox_url("http://127.0.0.1:4010/")
                .ok()
                .as_deref(),
            Some("http://127.0.0.1:4010")
        );
        for bad in [
            "https://api.iamport.kr",
            "http://10.0.0.1:4010",
            "http://sandbox.example.com",
            "http://127.0.0.1.example.com",
        ] {
            assert_eq!(rule(validate_sandbox_url(bad)), "sandbox_loopback", "{bad}");
        }
        let sandbox = Profile::sandbox(0);
        assert_eq!(
            rule(api_address(&sandbox, Some("https://evil.example"))),
            "sandbox_loopback"
        );
        assert_eq!(rule(api_address(&sandbox, None)), "sandbox_not_running");
        assert_eq!(
            api_address(&sandbox, Some("http://127.0.0.1:5"))
                .ok()
                .as_deref(),
            Some("http://127.0.0.1:5")
        );
    }

    #[test]
    fn a_session_checks_the_stored_address_again() {
        let mut live = Profile::sandbox(0);
        live.id = "live".into();
        live.mode = Mode::Live;
        live.base_url = DEFAULT_BASE_URL.into();
        assert_eq!(
            api_address(&live, None).ok().as_deref(),
            Some(DEFAULT_BASE_URL)
        );
        assert!(!live.uses_custom_address());
        // A profile that did not come through validation (built in code, or a file
        // edited by hand and read by an older check) is refused when the client is made.
        live.base_url = "http://evil.example".into();
        assert_eq!(rule(api_address(&live, None)), "https_required");
        live.base_url = "https://proxy.example".into();
        assert!(api_address(&live, None).is_ok());
        assert!(live.uses_custom_address());
        live.base_url = String::new();
        assert_eq!(rule(api_address(&live, None)), "no_host");
        // The sandbox profile never counts as a custom address: its address is run-time.
        assert!(!Profile::sandbox(0).uses_custom_address());
    }

    #[test]
    fn tiers_pgs_and_zones() {
        assert_eq!(validate_tier(Some("AB1")).ok(), Some(Some("AB1".into())));
        assert_eq!(validate_tier(Some(" ")).ok(), Some(None));
        for bad in ["ab1", "AB", "ABCD", "A-1", "가나다"] {
            assert_eq!(
                code(validate_tier(Some(bad))),
                ErrorCode::InvalidTier,
                "{bad}"
            );
        }
        assert_eq!(
            validate_default_pg(Some(" nice.nictest04m ")).ok(),
            Some(Some("nice.nictest04m".into()))
        );
        assert_eq!(
            code(validate_default_pg(Some("nice kcp"))),
            ErrorCode::InvalidDefaultPg
        );
        assert_eq!(validate_time_zone(None).ok().as_deref(), Some("Asia/Seoul"));
        for good in [
            "UTC",
            "America/Argentina/Buenos_Aires",
            "Etc/GMT+9",
            "America/Port-au-Prince",
        ] {
            assert!(validate_time_zone(Some(good)).is_ok(), "{good}");
        }
        for bad in [
            "Asia/",
            "/Seoul",
            "Asia/Seoul Korea",
            "9/x",
            "../etc",
            "Asia/Seol",
            "Mars/Olympus_Mons",
        ] {
            assert_eq!(
                code(validate_time_zone(Some(bad))),
                ErrorCode::InvalidTimeZone,
                "{bad}"
            );
        }
    }

    #[test]
    fn a_stored_zone_is_read_by_its_shape() {
        let mut p = Profile::sandbox(0);
        p.time_zone = "Asia/Seol".into();
        assert_eq!(
            p.check(),
            Ok(()),
            "an old typo must not make the file unreadable"
        );
        p.time_zone = "../etc/passwd".into();
        assert!(p.check().is_err());
    }

    #[test]
    fn ids_are_slugs_and_unique() {
        assert_eq!(
            new_id("Live Store (Gangnam)", |_| false),
            "live-store-gangnam"
        );
        assert_eq!(new_id("강남점", |_| false), "profile");
        assert_eq!(new_id("Sandbox", |id| id == "sandbox"), "sandbox-2");
        assert_eq!(new_id("a", |id| id == "a" || id == "a-2"), "a-3");
        let long = new_id(&"x".repeat(100), |_| false);
        assert!(long.len() <= ID_MAX_LEN);
    }
}
