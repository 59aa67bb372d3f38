//! What the client logs (tracing, at the most verbose level) never holds a secret.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::*;
use subdesk_iamport::{Money, OnetimeRequest};

#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn logs_hold_no_secrets() {
    let buf = Buf::default();
    let sink = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("subdesk_iamport=trace")
        .with_writer(move || sink.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let env = env().await;
    env.issue("cust_log", CARD_OK).await;
    env.client
        .charge_onetime(&OnetimeRequest::new(
            "order_log",
            Money::won(1000),
            card(CARD_OK),
        ))
        .await
        .unwrap();
    let _ = env
        .client
        .get_billing_keys(&["cust_log", "secret-ish?id"])
        .await
        .unwrap();

    let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("i'mport request"),
        "the client logs its calls: {text}"
    );
    for secret in [
        "4242-4242-4242-4242",
        "4242424242424242",
        "900101",
        "2031-12",
        "sandbox_imp_secret",
        "Bearer",
    ] {
        assert!(!text.contains(secret), "{secret} leaked into logs:\n{text}");
    }
    // Query strings (ids) stay out of logs too: only paths are logged.
    assert!(!text.contains("secret-ish"), "{text}");
}
