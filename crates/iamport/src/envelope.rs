//! The `{code, message, response}` envelope and the HTTP status × code matrix.
//!
//! Every answer is read the same way: try the envelope on every status (i'mport puts
//! it on errors too), tolerate a body that is not JSON, and turn the pair
//! (HTTP status, envelope code) into a value or an [`Error`].

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use crate::{Error, Result, de, redact};

#[derive(Deserialize)]
struct RawEnvelope<'a> {
    #[serde(default, deserialize_with = "de::opt_int")]
    code: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_str")]
    message: Option<String>,
    #[serde(default, borrow)]
    response: Option<&'a RawValue>,
}

/// Reads one answer. `mutating` says whether the request could change state, which
/// decides what a 5xx means.
/// The happy path in one pass: `code` and a typed `response`.
#[derive(Deserialize)]
struct TypedEnvelope<T> {
    #[serde(default, deserialize_with = "de::opt_int")]
    code: Option<i64>,
    #[serde(default = "none")]
    response: Option<T>,
}

fn none<T>() -> Option<T> {
    None
}

pub(crate) fn decode<T: DeserializeOwned>(status: u16, body: &[u8], mutating: bool) -> Result<T> {
    if status == 200 || status == 207 {
        // Most answers are successes: decode them in one pass and fall back to the
        // careful path below for everything else.
        if let Ok(TypedEnvelope {
            code: Some(0),
            response: Some(value),
        }) = serde_json::from_slice::<TypedEnvelope<T>>(body)
        {
            return Ok(value);
        }
    }
    let env: Option<RawEnvelope<'_>> = serde_json::from_slice(body).ok();
    // Every message that leaves in an error is redacted: PGs echo card numbers and
    // birth dates in them.
    let message = || redact::opt(env.as_ref().and_then(|e| e.message.clone()));
    match status {
        200..=299 => {
            let Some(env) = env.as_ref() else {
                return Err(decode_error(
                    status,
                    "the body is not an i'mport envelope",
                    body,
                ));
            };
            let Some(code) = env.code else {
                return Err(decode_error(status, "the envelope has no `code`", body));
            };
            if code != 0 {
                return Err(Error::Rejected {
                    status,
                    code,
                    message: message(),
                });
            }
            // `null` response with code 0 is treated as an error, as the PHP client does:
            // every endpoint we call promises a payload.
            let raw = match env.response {
                Some(raw) if raw.get() != "null" => raw,
                _ => return Err(decode_error(status, "code 0 but no `response`", body)),
            };
            match serde_json::from_str::<T>(raw.get()) {
                Ok(value) => Ok(value),
                Err(e) => Err(decode_error(status, &mask_quoted(&e.to_string()), body)),
            }
        }
        401 | 403 => Err(Error::Unauthorized { message: message() }),
        // Only i'mport's own "no such thing" is evidence of absence (the reconciliation
        // concludes from it that a charge never ran); a 404 of a proxy or of a wrong base
        // address proves nothing.
        404 if is_refusal_envelope(body) => Err(Error::NotFound { message: message() }),
        404 => Err(Error::Unrecognized {
            status,
            excerpt: excerpt(body),
            may_have_executed: mutating,
        }),
        500..=599 => Err(Error::Server {
            status,
            message: message(),
            may_have_executed: mutating,
        }),
        _ => Err(Error::Rejected {
            status,
            code: env.as_ref().and_then(|e| e.code).unwrap_or(-1),
            message: message(),
        }),
    }
}

/// The envelope as i'mport writes it on a refusal: a JSON object with all three keys
/// — an integer `code` other than 0, a `message` that is text or `null`, a `response`
/// (any value; i'mport sends `null`). Anything else (HTML, an empty body, another
/// JSON shape such as a gateway's `{"error": …}` or `{"message": …}`) is not i'mport
/// speaking.
#[derive(Deserialize)]
struct StrictEnvelope<'a> {
    #[serde(borrow)]
    code: &'a RawValue,
    #[serde(borrow)]
    message: &'a RawValue,
    #[serde(borrow)]
    #[allow(dead_code)] // Only its presence matters.
    response: &'a RawValue,
}

fn is_refusal_envelope(body: &[u8]) -> bool {
    let Ok(env) = serde_json::from_slice::<StrictEnvelope<'_>>(body) else {
        return false;
    };
    let code_ok = serde_json::from_str::<i64>(env.code.get()).is_ok_and(|c| c != 0);
    let message = env.message.get();
    code_ok && (message == "null" || message.starts_with('"'))
}

/// Longest excerpt of a body kept in a [`Error::Decode`].
const EXCERPT_CHARS: usize = 200;

fn decode_error(status: u16, reason: &str, body: &[u8]) -> Error {
    Error::Decode {
        status,
        reason: reason.to_owned(),
        excerpt: excerpt(body),
    }
}

/// Fields whose string values never leave this crate in an error or a log.
const SECRET_KEYS: &[&str] = &[
    "access_token",
    "imp_secret",
    "card_number",
    "expiry",
    "birth",
    "pwd_2digit",
    "cvc",
    "refund_account",
];

/// A short, redacted piece of a body for an error message: secret keys' values and
/// whatever [`redact::message`] masks (card numbers, birth dates, business numbers,
/// also inside `message` and `fail_reason`). Redaction runs before truncation so that a
/// cut can never expose the start of a secret.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let redacted = redact::message(&mask_secret_keys(&text));
    let mut out: String = redacted.chars().take(EXCERPT_CHARS).collect();
    if redacted.chars().nth(EXCERPT_CHARS).is_some() {
        out.push('…');
    }
    out
}

/// Replaces the string value of every secret key with `***`, textually, so that it
/// also works on bodies that are not valid JSON.
fn mask_secret_keys(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'scan: while let Some(pos) = rest.find('"') {
        out.push_str(&rest[..=pos]);
        rest = &rest[pos + 1..];
        for key in SECRET_KEYS {
            let Some(after_key) = rest.strip_prefix(key).and_then(|r| r.strip_prefix('"')) else {
                continue;
            };
            let after_colon = after_key.trim_start();
            let Some(value) = after_colon.strip_prefix(':') else {
                continue;
            };
            let value = value.trim_start();
            out.push_str(key);
            out.push_str("\":");
            if let Some(inner) = value.strip_prefix('"') {
                // Skip to the closing quote, honouring escapes; an unterminated value
                // is masked to the end.
                let mut escaped = false;
                let mut end = inner.len();
                for (i, c) in inner.char_indices() {
                    match (escaped, c) {
                        (true, _) => escaped = false,
                        (false, '\\') => escaped = true,
                        (false, '"') => {
                            end = i;
                            break;
                        }
                        _ => {}
                    }
                }
                out.push_str("\"***\"");
                rest = inner.get(end + 1..).unwrap_or("");
            } else {
                // A number or anything else: mask up to the next delimiter.
                let end = value.find([',', '}', ']', '\n']).unwrap_or(value.len());
                out.push_str("***");
                rest = &value[end..];
            }
            continue 'scan;
        }
    }
    out.push_str(rest);
    out
}

/// serde_json quotes the offending value in its messages (`invalid type: string
/// "…"`, ``invalid value: integer `5` ``); keep the shape of the message and the
/// names of fields and variants, drop the values.
fn mask_quoted(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut rest = msg;
    while let Some(pos) = rest.find(['"', '`']) {
        let (before, from) = rest.split_at(pos);
        out.push_str(before);
        let quote = &from[..1];
        let inner = &from[1..];
        let Some(end) = inner.find(quote) else {
            out.push_str(quote);
            out.push('…');
            return out;
        };
        let is_name = quote == "`" && (out.ends_with("field ") || out.ends_with("variant "));
        out.push_str(quote);
        out.push_str(if is_name { &inner[..end] } else { "…" });
        out.push_str(quote);
        rest = &inner[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::Payment;

    fn ok(body: &str) -> Result<serde_json::Value> {
        decode(200, body.as_bytes(), true)
    }

    #[test]
    fn success_and_refusal() {
        let a = ok(r#"{"code":0,"message":null,"response":{"a":1}}"#).unwrap();
        assert_eq!(a["a"], 1);
        let e = ok(r#"{"code":1,"message":"등록되지 않은 구매자입니다.","response":null}"#)
            .unwrap_err();
        match e {
            Error::Rejected {
                status,
                code,
                message,
            } => {
                assert_eq!((status, code), (200, 1));
                assert_eq!(message.as_deref(), Some("등록되지 않은 구매자입니다."));
            }
            other => panic!("{other:?}"),
        }
        let e = ok(r#"{"code":-1,"message":"x","response":null}"#).unwrap_err();
        assert_eq!(e.code(), "rejected");
    }

    #[test]
    fn code_zero_without_response_is_a_decode_error() {
        assert_eq!(
            ok(r#"{"code":0,"message":"success","response":null}"#)
                .unwrap_err()
                .code(),
            "decode"
        );
        assert_eq!(ok(r#"{"code":0}"#).unwrap_err().code(), "decode");
        assert_eq!(ok(r#"{"response":{}}"#).unwrap_err().code(), "decode");
        assert_eq!(ok("<html>bad gateway</html>").unwrap_err().code(), "decode");
    }

    #[test]
    fn status_matrix() {
        let d =
            |s: u16, b: &str, m: bool| decode::<serde_json::Value>(s, b.as_bytes(), m).unwrap_err();
        assert_eq!(
            d(401, r#"{"code":-1,"message":"Unauthorized"}"#, false).code(),
            "unauthorized"
        );
        assert_eq!(d(403, "forbidden", false).code(), "unauthorized");
        assert_eq!(
            d(404, r#"{"code":1,"message":"없음","response":null}"#, false).code(),
            "not_found"
        );
        match d(400, r#"{"code":-1,"message":"bad"}"#, false) {
            Error::Rejected {
                status: 400,
                code: -1,
                message,
            } => assert_eq!(message.as_deref(), Some("bad")),
            other => panic!("{other:?}"),
        }
        match d(405, "nope", false) {
            Error::Rejected {
                status: 405,
                code: -1,
                message: None,
            } => {}
            other => panic!("{other:?}"),
        }
        match d(502, "<html>", true) {
            Error::Server {
                status: 502,
                may_have_executed: true,
                ..
            } => {}
            other => panic!("{other:?}"),
        }
        match d(500, "{}", false) {
            Error::Server {
                may_have_executed: false,
                ..
            } => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn decode_errors_never_leak_secrets() {
        let body = r#"{"code":0,"message":null,"response":{"access_token":"tok_SECRET_123","now":"later","expired_at":5}}"#;
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Auth {
            access_token: String,
            now: i64,
        }
        let e = decode::<Auth>(200, body.as_bytes(), false).unwrap_err();
        let text = format!("{e} {e:?}");
        assert!(!text.contains("SECRET"), "{text}");
        assert!(text.contains("access_token"));

        // A value the decoder quotes in its message is masked too.
        let e = decode::<Payment>(200, br#"{"code":0,"response":{"imp_uid":"i","merchant_uid":"m","amount":"4111-1111-1111-1111","status":"paid"}}"#, false).unwrap_err();
        assert!(!format!("{e:?}").contains("4111-1111"), "{e:?}");
    }

    #[test]
    fn redaction() {
        let r = mask_secret_keys(
            r#"{"card_number": "4111-1111-1111-1111", "birth":900101, "name":"kim", "cvc":"1\"2"}"#,
        );
        assert!(
            !r.contains("4111") && !r.contains("900101") && !r.contains("1\\\"2"),
            "{r}"
        );
        assert!(r.contains("kim"));
        assert_eq!(
            mask_secret_keys(r#"{"imp_secret":"abc"#),
            r#"{"imp_secret":"***""#
        );
        assert_eq!(mask_secret_keys("plain"), "plain");
        // Excerpts also mask what `redact::message` masks, wherever it stands.
        assert_eq!(
            excerpt(r#"{"x":"4111-1111-1111-1111","message":"생년월일 900101 불일치"}"#.as_bytes()),
            r#"{"x":"****-****-****-****","message":"생년월일 ****** 불일치"}"#
        );
        assert_eq!(
            excerpt(b"1700000000 imp_448280090638"),
            "1700000000 imp_448280090638"
        );
    }

    #[test]
    fn messages_in_errors_are_redacted() {
        let body = r#"{"code":-1,"message":"카드번호 4111111111111111 오류, 생년월일 900101 불일치","response":null}"#;
        let want = "카드번호 **************** 오류, 생년월일 ****** 불일치";
        for status in [200, 400, 401, 404, 500] {
            let e = decode::<serde_json::Value>(status, body.as_bytes(), true).unwrap_err();
            let message = match &e {
                Error::Rejected { message, .. }
                | Error::Unauthorized { message }
                | Error::NotFound { message }
                | Error::Server { message, .. } => message.clone(),
                other => panic!("{status}: {other:?}"),
            };
            assert_eq!(message.as_deref(), Some(want), "{status}");
            let text = format!("{e} {e:?}");
            assert!(!text.contains("4111") && !text.contains("900101"), "{text}");
        }
    }

    #[test]
    fn not_found_needs_the_envelope() {
        let d = |b: &str, m: bool| decode::<serde_json::Value>(404, b.as_bytes(), m).unwrap_err();
        // i'mport's own answer (what the real API and the sandbox send).
        for body in [
            r#"{"code":1,"message":"존재하지 않는 결제정보입니다.","response":null}"#,
            r#"{"code":-1,"message":null,"response":null}"#,
        ] {
            assert!(matches!(d(body, false), Error::NotFound { .. }), "{body}");
        }
        // Anyone else's: HTML, empty, other JSON, an envelope missing a key, code 0.
        for body in [
            "<html><body><h1>404 Not Found</h1>nginx</body></html>",
            "",
            "Not Found",
            r#"{"message":"Not Found"}"#,
            r#"{"error":"not_found","status":404}"#,
            r#"{"code":1,"message":"없음"}"#,
            r#"{"code":"NOT_FOUND","message":"x","response":null}"#,
            r#"{"code":0,"message":null,"response":null}"#,
            r#"{"code":1,"message":{"text":"x"},"response":null}"#,
            "[]",
        ] {
            for mutating in [false, true] {
                let e = d(body, mutating);
                match &e {
                    Error::Unrecognized {
                        status: 404,
                        may_have_executed,
                        ..
                    } => assert_eq!(*may_have_executed, mutating, "{body}"),
                    other => panic!("{body}: {other:?}"),
                }
                assert_eq!(e.code(), "unrecognized_answer");
                assert_eq!(e.outcome_unknown(), mutating);
            }
        }
    }

    #[test]
    fn excerpts_are_short() {
        let long = "x".repeat(10_000);
        assert!(excerpt(long.as_bytes()).chars().count() <= EXCERPT_CHARS + 1);
        // Invalid UTF-8 does not panic.
        let _ = excerpt(&[0xff, 0xfe, b'"', 0xc3]);
    }
}
