//! Access tokens: 30-minute lifetime and the documented reuse/extension rule.
//!
//! - getToken while the current token is valid returns the same token and expiry;
//! - if that call lands in the last minute before expiry, the expiry moves 5 minutes on;
//! - after expiry a new token is issued.
//!
//! Tokens live in memory only: after a restart the client gets a 401 and fetches a new
//! one, which is exactly what it must handle against the real API anyway.

use std::sync::Mutex;

pub const TOKEN_LIFETIME: i64 = 30 * 60;
pub const EXTEND_WINDOW: i64 = 60;
pub const EXTEND_BY: i64 = 5 * 60;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub access_token: String,
    pub expired_at: i64,
}

#[derive(Debug, Default)]
pub struct TokenStore {
    current: Mutex<Option<Token>>,
    counter: Mutex<u64>,
}

impl TokenStore {
    fn lock_current(&self) -> std::sync::MutexGuard<'_, Option<Token>> {
        self.current.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Issues or reuses the token according to the documented rule.
    pub fn issue(&self, now: i64) -> Token {
        let mut cur = self.lock_current();
        if let Some(tok) = cur.as_mut()
            && now < tok.expired_at
        {
            if tok.expired_at - now <= EXTEND_WINDOW {
                tok.expired_at += EXTEND_BY;
            }
            return tok.clone();
        }
        let n = {
            let mut c = self.counter.lock().unwrap_or_else(|p| p.into_inner());
            *c += 1;
            *c
        };
        let tok = Token {
            access_token: make_token(now, n),
            expired_at: now + TOKEN_LIFETIME,
        };
        *cur = Some(tok.clone());
        tok
    }

    /// True when `presented` is the current, unexpired token.
    pub fn check(&self, presented: &str, now: i64) -> bool {
        let cur = self.lock_current();
        matches!(cur.as_ref(), Some(t) if t.access_token == presented && now < t.expired_at)
    }

    /// Fault injection: the current token expires right now.
    pub fn expire_now(&self, now: i64) {
        if let Some(t) = self.lock_current().as_mut() {
            t.expired_at = t.expired_at.min(now);
        }
    }

    pub fn clear(&self) {
        *self.lock_current() = None;
    }
}

/// Tokens look like the real ones (40 hex chars) but are derived from a counter and the
/// time so two sandboxes started at once still hand out different values.
fn make_token(now: i64, n: u64) -> String {
    let mut x = (now as u64) ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ std::process::id() as u64;
    let mut out = String::with_capacity(40);
    for _ in 0..5 {
        x = splitmix(x);
        out.push_str(&format!("{:08x}", x as u32));
    }
    out
}

pub fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Pulls the token out of the request headers. `Authorization` wins over
/// `X-ImpTokenHeader`; both `Bearer <t>` and the bare token are accepted.
pub fn token_from_headers(headers: &hyper::HeaderMap) -> Option<String> {
    if let Some(v) = headers
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let v = v.trim();
        let t = v
            .strip_prefix("Bearer ")
            .or_else(|| v.strip_prefix("bearer "))
            .unwrap_or(v)
            .trim();
        if !t.is_empty() {
            return Some(t.to_string());
        }
    }
    headers
        .get("x-imptokenheader")
        .and_then(|v| v.to_str().ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_token_while_valid_then_extended_then_new() {
        let s = TokenStore::default();
        let a = s.issue(1000);
        assert_eq!(a.expired_at, 1000 + TOKEN_LIFETIME);
        let b = s.issue(1500);
        assert_eq!(a, b);
        let c = s.issue(a.expired_at - 30);
        assert_eq!(c.access_token, a.access_token);
        assert_eq!(c.expired_at, a.expired_at + EXTEND_BY);
        let d = s.issue(c.expired_at);
        assert_ne!(d.access_token, a.access_token);
        assert!(!s.check(&a.access_token, c.expired_at));
    }
}
