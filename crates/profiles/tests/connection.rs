//! test_connection against the sandbox over loopback.

use subdesk_codes::ErrorCode;
use subdesk_profiles::{Credentials, Mode, Profile, SecretString, test_connection};
use subdesk_sandbox::{DEFAULT_IMP_KEY, DEFAULT_IMP_SECRET, Sandbox, SandboxConfig};

/// A test profile at `url` (a loopback sandbox: plain http is allowed there).
fn test_profile(url: &str, tier: Option<&str>) -> Profile {
    let mut p = Profile::sandbox(0);
    p.id = "shop".into();
    p.mode = Mode::Test;
    p.base_url = url.trim_end_matches('/').to_owned();
    p.tier = tier.map(str::to_owned);
    p
}

#[tokio::test]
async fn good_credentials_list_the_channels() {
    let sb = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let creds = Credentials::new(DEFAULT_IMP_KEY, SecretString::from(DEFAULT_IMP_SECRET));
    let report = test_connection(&test_profile(&sb.base_url(), None), None, &creds)
        .await
        .expect("connected");
    assert_eq!(report.base_url, sb.base_url().trim_end_matches('/'));
    let expected: Vec<(String, String, bool)> = subdesk_sandbox::pg::CHANNELS
        .iter()
        .map(|c| (c.pg_provider.to_owned(), c.pg_id.to_owned(), c.sandbox))
        .collect();
    let got: Vec<(String, String, bool)> = report
        .channels
        .iter()
        .map(|c| (c.pg_provider.clone(), c.pg_id.clone(), c.sandbox))
        .collect();
    assert_eq!(got, expected);
    let nice = &report.channels[0];
    assert_eq!(nice.kind.as_deref(), Some("api_payment"));
    assert!(nice.billing);
    assert_eq!(nice.channel_name.as_deref(), Some("나이스 정기결제"));
    assert!(report.billing_channels().count() >= 1);
    // The UI gets `type`, as i'mport names it.
    let json = serde_json::to_value(&report).expect("json");
    assert_eq!(json["channels"][0]["type"], "api_payment");
    sb.shutdown().await;
}

#[tokio::test]
async fn a_tier_code_is_sent_and_checked() {
    let sb = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let creds = Credentials::sandbox();
    let report = test_connection(&test_profile(&sb.base_url(), Some("AB1")), None, &creds)
        .await
        .expect("connected");
    assert_eq!(report.tier.as_deref(), Some("AB1"));
    let e = test_connection(&test_profile(&sb.base_url(), Some("ab")), None, &creds)
        .await
        .expect_err("bad tier");
    assert_eq!(e.code(), ErrorCode::InvalidTier);
    sb.shutdown().await;
}

#[tokio::test]
async fn a_wrong_secret_is_unauthorized() {
    let sb = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let creds = Credentials::new(DEFAULT_IMP_KEY, SecretString::from("wrong-secret-xyz"));
    let e = test_connection(&test_profile(&sb.base_url(), None), None, &creds)
        .await
        .expect_err("refused");
    assert_eq!(e.code(), ErrorCode::Unauthorized);
    assert_eq!(e.details()["client_code"], "unauthorized");
    assert!(!e.to_string().contains("wrong-secret-xyz"), "{e}");
    assert!(!format!("{e:?}").contains("wrong-secret-xyz"), "{e:?}");
    sb.shutdown().await;
}

#[tokio::test]
async fn a_closed_port_is_unreachable() {
    // A port that was free a moment ago: nothing listens there now.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let e = test_connection(
        &Profile::sandbox(0),
        Some(&format!("http://127.0.0.1:{port}")),
        &Credentials::sandbox(),
    )
    .await
    .expect_err("nothing there");
    assert_eq!(e.code(), ErrorCode::Unreachable);
    assert_eq!(e.details()["client_code"], "transport");
}

#[tokio::test]
async fn a_plain_http_remote_address_is_refused_before_any_request() {
    let e = test_connection(
        &test_profile("http://api.iamport.kr", None),
        None,
        &Credentials::sandbox(),
    )
    .await
    .expect_err("http");
    assert_eq!(e.code(), ErrorCode::InvalidBaseUrl);
    assert_eq!(e.details()["rule"], "https_required");
}

/// The sandbox profile's public credentials go to this computer only: an address
/// elsewhere is refused before anything is sent (a listener there sees nothing).
#[tokio::test]
async fn the_sandbox_profile_is_never_tested_against_another_computer() {
    let listener = std::net::TcpListener::bind("0.0.0.0:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let port = listener.local_addr().expect("addr").port();
    // Not a loopback address, though it reaches the same listener here.
    let elsewhere = local_non_loopback_ip().map(|ip| format!("http://{ip}:{port}"));
    for url in ["https://api.iamport.kr".to_owned()]
        .into_iter()
        .chain(elsewhere)
    {
        let e = test_connection(&Profile::sandbox(0), Some(&url), &Credentials::sandbox())
            .await
            .expect_err("refused");
        assert_eq!(e.code(), ErrorCode::InvalidBaseUrl, "{url}");
        assert_eq!(e.details()["rule"], "sandbox_loopback", "{url}");
    }
    assert!(
        listener.accept().is_err(),
        "nothing may have connected to the listener"
    );
}

/// This machine's address on its default route, if it has one.
fn local_non_loopback_ip() -> Option<std::net::IpAddr> {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("192.0.2.1:9").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}
