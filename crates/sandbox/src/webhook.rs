//! Webhook delivery: `POST notice_url` with `{imp_uid, merchant_uid, status}`.
//!
//! A tiny HTTP/1.1 client over a TCP stream is enough for `http://` URLs (what tests
//! and a merchant's local receiver use) and keeps the sandbox free of a TLS stack;
//! `https://` URLs are recorded as not delivered (see README, Deviations).

use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::wire::WebhookBody;

#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    pub url: String,
    pub body: WebhookBody,
    /// HTTP status the receiver answered, or None on failure.
    pub status: Option<u16>,
    pub error: Option<String>,
}

#[derive(Debug, Default)]
pub struct Webhooks {
    log: Mutex<Vec<Delivery>>,
}

impl Webhooks {
    pub fn record(&self, d: Delivery) {
        let mut g = self.log.lock().unwrap_or_else(|p| p.into_inner());
        if g.len() >= 10_000 {
            g.remove(0);
        }
        g.push(d);
    }
    pub fn list(&self) -> Vec<Delivery> {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
    pub fn clear(&self) {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

/// Sends one webhook; one attempt, as the real default (retries need a support request).
pub async fn deliver(url: &str, body: &WebhookBody) -> Delivery {
    let result = tokio::time::timeout(Duration::from_secs(10), post(url, body)).await;
    let (status, error) = match result {
        Ok(Ok(s)) => (Some(s), None),
        Ok(Err(e)) => (None, Some(e)),
        Err(_) => (None, Some("timeout".to_string())),
    };
    Delivery {
        url: url.to_string(),
        body: body.clone(),
        status,
        error,
    }
}

async fn post(url: &str, body: &WebhookBody) -> Result<u16, String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or("only http:// notice_url is delivered by the sandbox")?;
    let (hostport, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let addr = if hostport.contains(':') {
        hostport.to_string()
    } else {
        format!("{hostport}:80")
    };
    let payload = serde_json::to_string(body).map_err(|e| e.to_string())?;
    let mut stream = tokio::net::TcpStream::connect(&addr)
        .await
        .map_err(|e| format!("connect {addr}: {e}"))?;
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: {hostport}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nUser-Agent: subdesk-sandbox-webhook\r\nConnection: close\r\n\r\n{payload}",
        payload.len()
    );
    stream
        .write_all(req.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut buf = Vec::with_capacity(256);
    let mut chunk = [0u8; 256];
    // Only the status line matters; read until it is complete or the peer closes.
    while !buf.windows(2).any(|w| w == b"\r\n") && buf.len() < 4096 {
        let n = stream.read(&mut chunk).await.map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let line = String::from_utf8_lossy(&buf);
    line.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| "no HTTP status line in the answer".to_string())
}
