//! External links open in the system browser, and only links into the documentation
//! Subdesk itself points at. The webview has no opener permission of its own: it asks this
//! command, which checks the address in Rust.
//!
//! The allow-list names documentation *prefixes* (host and path), not hosts: a host such
//! as github.com serves anyone's pages, and a link the webview was talked into opening
//! must not lead to one of them.

use url::Url;

use crate::error::{IpcError, IpcResult};
use subdesk_codes::ErrorCode;

/// Where the PG guide and the help texts link to: each an https origin and a path
/// prefix. A prefix ending in `/` also matches itself without the slash
/// (`https://github.com/iamport` is the organisation's page).
pub const ALLOWED_DOC_PREFIXES: &[&str] = &[
    // PortOne's developer documentation and FAQ, and the V1 manuals.
    "https://developers.portone.io/",
    "https://faq.portone.io/",
    "https://docs.iamport.kr/",
    "https://guide.iamport.kr/",
    // The V1 API's own reference (Swagger) and the PortOne admin console.
    "https://api.iamport.kr/",
    "https://admin.portone.io/",
    // i'mport's repositories only: github.com serves anyone's pages.
    "https://github.com/iamport/",
    // Naver Pay's developer documentation.
    "https://developer.pay.naver.com/docs/",
];

/// Where PGs publish the sales slips (매출전표) that i'mport passes on as `receipt_url`
/// unchanged (PortOne FAQ "매출전표는 어떻게 확인하나요?"): each PG's receipt page only,
/// as the PGs' manuals and published payment objects show them.
pub const ALLOWED_RECEIPT_PREFIXES: &[&str] = &[
    // NICEPAY: IssueLoader.do?type=0&TID=….
    "https://npg.nicepay.co.kr/issue/",
    // KG이니시스: mCmReceipt_head.jsp?noTid=….
    "https://iniweb.inicis.com/DefaultWebApp/mall/cr/cm/",
    // NHN KCP, live and test: bill.BillActionNew.do?cmd=card_bill&tno=….
    "https://admin8.kcp.co.kr/assist/",
    "https://testadmin8.kcp.co.kr/assist/",
    // Toss Payments.
    "https://dashboard.tosspayments.com/receipt/",
    // Kakao Pay, live and test.
    "https://pg-web.kakao.com/v1/confirmation/",
    "https://mockup-pg-web.kakao.com/v1/confirmation/",
];

/// Accepts an https URL inside an allowed documentation or receipt prefix, with no credentials or
/// port in it. The parsed URL is compared, not the text: `..` segments and
/// percent-encoded dots are resolved by the parser before the prefix is checked.
pub fn check_external_url(raw: &str) -> IpcResult<Url> {
    let refuse = |why: &str| {
        IpcError::new(
            ErrorCode::LinkNotAllowed,
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
    if url.port().is_some() {
        return Err(refuse("links with a port are refused"));
    }
    if !ALLOWED_DOC_PREFIXES
        .iter()
        .chain(ALLOWED_RECEIPT_PREFIXES)
        .any(|p| within(&url, p))
    {
        return Err(refuse("the address is not in documentation Subdesk knows"));
    }
    Ok(url)
}

/// `url` is at or below `prefix` (same host, path starting with the prefix's path at a
/// segment boundary).
fn within(url: &Url, prefix: &str) -> bool {
    let Ok(prefix) = Url::parse(prefix) else {
        return false;
    };
    if url.host_str() != prefix.host_str() {
        return false;
    }
    let (path, want) = (url.path(), prefix.path());
    path.starts_with(want) || want.strip_suffix('/').is_some_and(|w| path == w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documentation_links_pass() {
        for ok in [
            "https://developers.portone.io/opi/ko/integration/pg/v1/nice?v=v1",
            "https://github.com/iamport/iamport-manual/blob/master/README.md",
            "https://github.com/iamport",
            "https://docs.iamport.kr/implementation/subscription?lang=ko#issue-billing-b",
            "https://guide.iamport.kr/ffd72530-bc8f-418d-ac15-8f1d3797ffaf",
            "https://api.iamport.kr/#!/subscribe/customer",
            "https://developer.pay.naver.com/docs/v2/api",
        ] {
            assert!(check_external_url(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn pg_receipts_open_and_other_pages_of_their_hosts_do_not() {
        for ok in [
            "https://npg.nicepay.co.kr/issue/IssueLoader.do?TID=nictest04m01012307271113477313&type=0&InnerWin=Y",
            "https://iniweb.inicis.com/DefaultWebApp/mall/cr/cm/mCmReceipt_head.jsp?noTid=StdpayCARDINIpayTest20210806104551189406&noMethod=1",
            "https://admin8.kcp.co.kr/assist/bill.BillActionNew.do?cmd=card_bill&tno=22336466628585&order_no=imp_347242536261&trade_mony=1004",
            "https://dashboard.tosspayments.com/receipt/redirection?transactionId=tviva20240213121757MvuS8&ref=PX",
        ] {
            assert!(check_external_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "https://npg.nicepay.co.kr/",
            "https://admin8.kcp.co.kr/login",
            "https://dashboard.tosspayments.com/settings",
            // The sandbox's receipts are on loopback, plain http.
            "http://127.0.0.1:4010/__sandbox/receipts/imps_1",
        ] {
            assert_eq!(
                check_external_url(bad).expect_err(bad).code,
                ErrorCode::LinkNotAllowed,
                "{bad}"
            );
        }
    }

    #[test]
    fn every_link_the_pg_guide_shows_is_allowed() {
        let guide = include_str!("../../data/pg-guide.json");
        let links: Vec<&str> = guide
            .split('"')
            .filter(|s| s.starts_with("https://"))
            .collect();
        assert!(links.len() > 10, "{links:?}");
        for link in links {
            assert!(check_external_url(link).is_ok(), "{link}");
        }
    }

    #[test]
    fn other_pages_on_the_same_hosts_are_refused() {
        for bad in [
            // Anyone's repository, an organisation whose name starts the same, a gist.
            "https://github.com/attacker/iamport-manual",
            "https://github.com/iamportevil/x",
            "https://github.com/",
            "https://gist.github.com/iamport/x",
            // Out of the prefix by a dot-dot segment, plain or percent-encoded.
            "https://github.com/iamport/../attacker/repo",
            "https://github.com/iamport/%2e%2e/attacker/repo",
            "https://developer.pay.naver.com/",
            "https://developer.pay.naver.com/docsevil",
            // The bare portone.io site is not in the list any more.
            "https://portone.io/",
        ] {
            let err = check_external_url(bad).expect_err(bad);
            assert_eq!(err.code, ErrorCode::LinkNotAllowed, "{bad}");
        }
    }

    #[test]
    fn everything_else_is_refused() {
        for bad in [
            "http://developers.portone.io/",
            "https://evil.example.com/",
            "https://developers.portone.io.evil.example/",
            "https://developers.portone.io:8443/opi/ko",
            "https://user:pw@github.com/iamport/",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "not a url",
        ] {
            let err = check_external_url(bad).expect_err(bad);
            assert_eq!(err.code, ErrorCode::LinkNotAllowed);
        }
    }
}
