//! External links open in the system browser, and only links to the documentation hosts
//! Subdesk itself points at. The webview has no opener permission of its own: it asks this
//! command, which checks the address in Rust.

use url::Url;

use crate::error::{IpcError, IpcResult, codes};

/// Hosts whose pages the PG guide and the help texts link to.
pub const ALLOWED_DOC_HOSTS: &[&str] = &[
    "developers.portone.io",
    "portone.io",
    "faq.portone.io",
    "admin.portone.io",
    "docs.iamport.kr",
    "guide.iamport.kr",
    "api.iamport.kr",
    "admin.iamport.kr",
    "github.com",
    "developer.pay.naver.com",
];

/// Accepts an https URL on an allowed host, with no credentials in it.
pub fn check_external_url(raw: &str) -> IpcResult<Url> {
    let refuse = |why: &str| {
        IpcError::new(
            codes::LINK_NOT_ALLOWED,
            format!("this link cannot be opened: {why}"),
        )
        .with_details(serde_json::json!({ "url": raw }))
    };
    let url = Url::parse(raw).map_err(|_| refuse("not a valid address"))?;
    if url.scheme() != "https" {
        return Err(refuse("only https links open"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse("links with credentials are refused"));
    }
    let host = url.host_str().unwrap_or_default();
    if !ALLOWED_DOC_HOSTS.contains(&host) {
        return Err(refuse("the host is not a documentation site Subdesk knows"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documentation_links_pass() {
        for ok in [
            "https://developers.portone.io/opi/ko/integration/pg/v1/nice?v=v1",
            "https://github.com/iamport/iamport-manual/blob/master/README.md",
            "https://docs.iamport.kr/implementation/subscription?lang=ko#issue-billing-b",
        ] {
            assert!(check_external_url(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn everything_else_is_refused() {
        for bad in [
            "http://developers.portone.io/",
            "https://evil.example.com/",
            "https://developers.portone.io.evil.example/",
            "https://user:pw@github.com/",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "not a url",
        ] {
            let err = check_external_url(bad).expect_err(bad);
            assert_eq!(err.code, codes::LINK_NOT_ALLOWED);
        }
    }
}
