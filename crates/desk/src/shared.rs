//! Team mode's shared store, as the app and `subdesk-cli store migrate` use it: copying a
//! profile's store into a PostgreSQL server. The copy and its checks are
//! subdesk-billing's (`store::shared`); here is what ties them to a session.

use subdesk_billing::{SharedCopy, SharedTarget};

use crate::error::{IpcError, IpcResult};
use crate::session::Session;

/// Copy the session's store into the shared store at `url` (`password` when the URL has
/// none). A damaged store is not copied: the integrity check answers first.
pub async fn copy_to_shared(
    session: &Session,
    url: &str,
    password: Option<&str>,
) -> IpcResult<SharedCopy> {
    let target = SharedTarget::parse(url, password)?;
    session.ensure_intact().await?;
    let store = session.store.clone();
    tokio::task::spawn_blocking(move || store.copy_to_shared(&target))
        .await
        .map_err(|e| IpcError::internal(format!("the copy stopped: {e}")))?
        .map_err(IpcError::from)
}
