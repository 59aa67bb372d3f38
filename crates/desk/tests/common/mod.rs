//! What the desk's sandbox tests share: a sandbox on loopback and a desk whose active
//! (sandbox) profile has an open session, in a data folder of their own.

use std::sync::Arc;

use subdesk_billing::mirror::sync::keys::customer_record;
use subdesk_desk::desk::NoHost;
use subdesk_desk::{DataDir, Desk, DeskConfig, Session};
use subdesk_iamport::{CardData, IssueBillingKey};
use subdesk_profiles::CredentialStore;
use subdesk_sandbox::{Sandbox, SandboxConfig};

pub struct World {
    pub sandbox: Sandbox,
    pub session: Arc<Session>,
    pub _desk: Desk,
    pub _dir: tempfile::TempDir,
}

/// `suite` names the keyring service, so test binaries running at once do not share one.
pub async fn world(suite: &str) -> World {
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let dir = tempfile::tempdir().expect("tempdir");
    let desk = Desk::new(DeskConfig {
        data: DataDir::new(dir.path()),
        sandbox_url: Some(sandbox.base_url()),
        credentials: CredentialStore::with_service(format!(
            "subdesk-desk-{suite}-{}",
            std::process::id()
        )),
        host: Arc::new(NoHost),
    })
    .expect("desk");
    let session = desk
        .open_session(&desk.active_profile().unwrap())
        .expect("sandbox session");
    World {
        sandbox,
        session,
        _desk: desk,
        _dir: dir,
    }
}

// Not every suite issues keys or moves the clock: each test binary compiles this file.
#[allow(dead_code)]
impl World {
    /// Issues (or issues again) `uid`'s key at the sandbox with `card`, holder 홍길동, and
    /// registers it.
    pub async fn key(&self, uid: &str, card: &str) {
        self.key_with(
            uid,
            IssueBillingKey::new(test_card(card)).customer_name("홍길동"),
        )
        .await;
    }

    /// Issues `uid`'s key at the sandbox as `request` asks, and registers it.
    pub async fn key_with(&self, uid: &str, request: IssueBillingKey) {
        let c = self
            .session
            .client()
            .unwrap()
            .issue_billing_key(uid, &request)
            .await
            .expect("issue key");
        self.session
            .store
            .upsert_customer(&customer_record(&c))
            .expect("registry");
    }

    /// Moves the sandbox's clock `secs` forward and runs the schedules that fell due (as
    /// `POST /__sandbox/clock/advance` does).
    pub async fn advance(&self, secs: i64) {
        self.sandbox
            .clock()
            .advance(u32::try_from(secs).expect("seconds"))
            .await;
    }
}

/// A sandbox test card `number` with the expiry, birth date and password digits every
/// suite uses.
#[allow(dead_code)]
pub fn test_card(number: &str) -> CardData {
    CardData::new(number, "2031-12")
        .and_then(|c| c.birth("900101"))
        .and_then(|c| c.pwd_2digit("12"))
        .expect("card")
}
