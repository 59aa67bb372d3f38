//! What the desk's sandbox tests share: a sandbox on loopback and a desk whose active
//! (sandbox) profile has an open session, in a data folder of their own.

use std::sync::Arc;

use subdesk_desk::desk::NoHost;
use subdesk_desk::{DataDir, Desk, DeskConfig, Session};
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
