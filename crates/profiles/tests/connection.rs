//! test_connection against the sandbox over loopback.

use subdesk_profiles::{Credentials, SecretString, test_connection};
use subdesk_sandbox::{DEFAULT_IMP_KEY, DEFAULT_IMP_SECRET, Sandbox, SandboxConfig};

#[tokio::test]
async fn good_credentials_list_the_channels() {
    let sb = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let creds = Credentials::new(DEFAULT_IMP_KEY, SecretString::from(DEFAULT_IMP_SECRET));
    let report = test_connection(&sb.base_url(), &creds, None)
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
    let report = test_connection(&sb.base_url(), &creds, Some("AB1"))
        .await
        .expect("connected");
    assert_eq!(report.tier.as_deref(), Some("AB1"));
    let e = test_connection(&sb.base_url(), &creds, Some("ab"))
        .await
        .expect_err("bad tier");
    assert_eq!(e.code(), "invalid_tier");
    sb.shutdown().await;
}

#[tokio::test]
async fn a_wrong_secret_is_unauthorized() {
    let sb = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let creds = Credentials::new(DEFAULT_IMP_KEY, SecretString::from("wrong-secret-xyz"));
    let e = test_connection(&sb.base_url(), &creds, None)
        .await
        .expect_err("refused");
    assert_eq!(e.code(), "unauthorized");
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
        &format!("http://127.0.0.1:{port}"),
        &Credentials::sandbox(),
        None,
    )
    .await
    .expect_err("nothing there");
    assert_eq!(e.code(), "unreachable");
    assert_eq!(e.details()["client_code"], "transport");
}

#[tokio::test]
async fn a_plain_http_remote_address_is_refused_before_any_request() {
    let e = test_connection("http://api.iamport.kr", &Credentials::sandbox(), None)
        .await
        .expect_err("http");
    assert_eq!(e.code(), "invalid_base_url");
}
