//! Log of the API requests received, with card data and secrets masked, so tests can
//! assert what was (or was not) sent.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::Serialize;
use serde_json::Value;

/// Keys whose values never reach the log.
pub const SECRET_KEYS: &[&str] = &[
    "card_number",
    "expiry",
    "birth",
    "pwd_2digit",
    "cvc",
    "imp_secret",
];
const MAX_ENTRIES: usize = 10_000;
const MAX_BODY: usize = 8 * 1024;

#[derive(Debug, Clone, Serialize)]
pub struct LoggedRequest {
    pub id: u64,
    /// Sandbox time when the request arrived.
    pub at: i64,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub body: Option<String>,
    /// HTTP status answered; 0 when the connection was dropped without an answer.
    pub status: u16,
}

#[derive(Debug, Default)]
pub struct RequestLog {
    entries: Mutex<(u64, VecDeque<LoggedRequest>)>,
}

impl RequestLog {
    pub fn push(&self, mut e: LoggedRequest) {
        let mut g = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        g.0 += 1;
        e.id = g.0;
        if g.1.len() >= MAX_ENTRIES {
            g.1.pop_front();
        }
        g.1.push_back(e);
    }

    pub fn list(&self) -> Vec<LoggedRequest> {
        let g = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        g.1.iter().cloned().collect()
    }

    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .1
            .clear();
    }
}

fn mask_value(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, val) in m.iter_mut() {
                if SECRET_KEYS.contains(&k.as_str()) {
                    *val = Value::String("***".into());
                } else {
                    mask_value(val);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(mask_value),
        _ => {}
    }
}

fn is_secret_form_key(k: &str) -> bool {
    // `schedules[0][card_number]` style keys count too.
    let last = k.rsplit('[').next().unwrap_or(k).trim_end_matches(']');
    SECRET_KEYS.contains(&last) || SECRET_KEYS.contains(&k)
}

/// Masks a request body for the log. JSON and form bodies are re-encoded with secrets
/// replaced by `***`; anything unparseable is replaced by a size note, because it
/// could contain card data we cannot find.
pub fn mask_body(content_type: Option<&str>, body: &[u8]) -> Option<String> {
    if body.is_empty() {
        return None;
    }
    if let Ok(mut v) = serde_json::from_slice::<Value>(body) {
        mask_value(&mut v);
        let s = v.to_string();
        return Some(truncate(s));
    }
    let is_form = content_type.is_some_and(|c| c.contains("x-www-form-urlencoded"))
        || std::str::from_utf8(body).is_ok_and(|s| s.contains('=') && !s.contains('{'));
    if is_form {
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (k, v) in form_urlencoded::parse(body) {
            if is_secret_form_key(&k) {
                out.append_pair(&k, "***");
            } else {
                out.append_pair(&k, &v);
            }
        }
        return Some(truncate(out.finish()));
    }
    Some(format!(
        "<{} bytes, not JSON or form: withheld>",
        body.len()
    ))
}

fn truncate(mut s: String) -> String {
    if s.len() > MAX_BODY {
        let mut cut = MAX_BODY;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_json_and_form() {
        let j = mask_body(
            None,
            br#"{"card_number":"4242-4242-4242-4242","amount":1,"schedules":[{"birth":"900101"}]}"#,
        )
        .unwrap();
        assert!(!j.contains("4242") && !j.contains("900101") && j.contains("\"amount\":1"));
        let f = mask_body(
            Some("application/x-www-form-urlencoded"),
            b"imp_key=k&imp_secret=s3cret&expiry=2030-01",
        )
        .unwrap();
        assert!(!f.contains("s3cret") && !f.contains("2030") && f.contains("imp_key=k"));
        assert!(
            mask_body(None, b"\x00\x01garbage")
                .unwrap()
                .contains("withheld")
        );
    }
}
