//! Leases: work that only one process may do at a time on a database the app and the
//! CLI share — a bulk run, the plan engine, a reconciliation. A lease is a row with an
//! owner and an expiry, taken and renewed in write transactions (so the database
//! decides who has it, never two clocks); the holder renews it while it works, and a
//! crashed holder's lease simply runs out.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rusqlite::{OptionalExtension, params};

use crate::error::{Error, Result};
use crate::store::db::Store;

/// How long a lease lasts without renewal. A crashed holder blocks the work this
/// long at most; the holder renews it every third of it.
pub const LEASE_SECS: i64 = 30;

/// A held lease; renewed in the background until [`Lease::release`] or drop.
pub struct Lease {
    store: Store,
    name: String,
    owner: String,
    stop: Arc<AtomicBool>,
    lost: Arc<AtomicBool>,
}

impl std::fmt::Debug for Lease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lease")
            .field("name", &self.name)
            .field("owner", &self.owner)
            .finish()
    }
}

/// This process's owner name: host-independent, unique per process and call.
fn owner_id() -> String {
    format!("pid{}-{}", std::process::id(), ulid::Ulid::new())
}

/// A holder on this machine whose process no longer exists (killed, crashed) gives
/// its lease up at once instead of after [`LEASE_SECS`]. The database is a local
/// file, so its holders are processes of this machine. Where that cannot be seen
/// (no /proc), the lease simply runs out.
fn holder_is_gone(owner: &str) -> bool {
    let Some(pid) = owner
        .strip_prefix("pid")
        .and_then(|r| r.split('-').next())
        .and_then(|p| p.parse::<u32>().ok())
    else {
        return false;
    };
    if pid == std::process::id() || !std::path::Path::new("/proc/self").exists() {
        return false;
    }
    !std::path::Path::new(&format!("/proc/{pid}")).exists()
}

fn take(store: &Store, name: &str, owner: &str, now: i64) -> Result<()> {
    store.write(|tx| {
        let held: Option<(String, i64)> = tx
            .prepare_cached("SELECT owner, expires_at FROM leases WHERE name = ?1")?
            .query_row([name], |r| Ok((r.get(0)?, r.get(1)?)))
            .ok();
        if let Some((holder, expires_at)) = held
            && holder != owner
            && expires_at > now
            && !holder_is_gone(&holder)
        {
            return Err(Error::Busy {
                work: name.to_string(),
                owner: holder,
                expires_at,
            });
        }
        tx.prepare_cached(
            "INSERT INTO leases (name, owner, acquired_at, expires_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (name) DO UPDATE SET owner = excluded.owner,
                 acquired_at = excluded.acquired_at, expires_at = excluded.expires_at",
        )?
        .execute(params![name, owner, now, now + LEASE_SECS])?;
        Ok(())
    })
}

/// Renew: moves only a lease this owner still holds.
fn renew(store: &Store, name: &str, owner: &str) -> Result<bool> {
    let now = crate::now();
    store.write(|tx| {
        Ok(tx
            .prepare_cached("UPDATE leases SET expires_at = ?3 WHERE name = ?1 AND owner = ?2")?
            .execute(params![name, owner, now + LEASE_SECS])?
            == 1)
    })
}

/// Whether a live process holds the lease `name` now (a crashed holder's lease does
/// not count): how a run left `running` by a killed process is told apart from one
/// being run elsewhere.
pub fn is_held(store: &Store, name: &str) -> Result<bool> {
    let now = crate::now();
    // No row is "not held"; a database that cannot answer is an error, never "not held".
    let held: Option<(String, i64)> = store.read(|c| {
        Ok(
            c.prepare_cached("SELECT owner, expires_at FROM leases WHERE name = ?1")?
                .query_row([name], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?,
        )
    })?;
    Ok(held.is_some_and(|(owner, expires_at)| expires_at > now && !holder_is_gone(&owner)))
}

impl Lease {
    /// Take the lease `name`, or `work_busy` naming its holder.
    pub fn acquire(store: &Store, name: &str) -> Result<Lease> {
        let owner = owner_id();
        take(store, name, &owner, crate::now())?;
        let lease = Lease {
            store: store.clone(),
            name: name.to_string(),
            owner,
            stop: Arc::new(AtomicBool::new(false)),
            lost: Arc::new(AtomicBool::new(false)),
        };
        lease.keep_alive();
        Ok(lease)
    }

    /// Take the lease, waiting up to `wait` for its holder to finish.
    pub async fn acquire_waiting(store: &Store, name: &str, wait: Duration) -> Result<Lease> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match Lease::acquire(store, name) {
                Err(Error::Busy { .. }) if tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                other => return other,
            }
        }
    }

    fn keep_alive(&self) {
        let (store, name, owner, stop, lost) = (
            self.store.clone(),
            self.name.clone(),
            self.owner.clone(),
            self.stop.clone(),
            self.lost.clone(),
        );
        // Outside a Tokio runtime (plain tests) the lease lives LEASE_SECS unrenewed.
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            return;
        };
        rt.spawn(async move {
            let every = Duration::from_secs((LEASE_SECS / 3).max(1) as u64);
            loop {
                tokio::time::sleep(every).await;
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                let (s, n, o) = (store.clone(), name.clone(), owner.clone());
                match tokio::task::spawn_blocking(move || renew(&s, &n, &o)).await {
                    Ok(Ok(true)) => {}
                    Ok(Ok(false)) => {
                        tracing::error!(lease = %name, "lease lost to another process");
                        lost.store(true, Ordering::SeqCst);
                        return;
                    }
                    // A busy database: try again at the next beat, well before expiry.
                    _ => tracing::warn!(lease = %name, "could not renew the lease yet"),
                }
            }
        });
    }

    /// False once another process took the lease over (this one expired): the work
    /// must stop before it sends anything more.
    pub fn held(&self) -> bool {
        !self.lost.load(Ordering::SeqCst)
    }

    /// Give the lease back now.
    pub fn release(self) {
        drop(self)
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.store.write(|tx| {
            tx.prepare_cached("DELETE FROM leases WHERE name = ?1 AND owner = ?2")?
                .execute(params![self.name, self.owner])?;
            Ok(())
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use subdesk_codes::ErrorCode;

    #[test]
    fn one_holder_at_a_time_and_an_expired_lease_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let a = Store::open(dir.path().join("a.db")).unwrap();
        // A second process: its own connections on the same file.
        let b = Store::open(dir.path().join("a.db")).unwrap();
        let first = Lease::acquire(&a, "run:x").unwrap();
        let err = Lease::acquire(&b, "run:x").unwrap_err();
        assert_eq!(err.code(), ErrorCode::WorkBusy);
        assert!(Lease::acquire(&b, "run:y").is_ok(), "other work is free");
        drop(first);
        let second = Lease::acquire(&b, "run:x").expect("free after release");
        // A holder that crashed: its lease is in the past.
        std::mem::forget(second);
        b.write(|tx| {
            tx.execute("UPDATE leases SET expires_at = 0 WHERE name = 'run:x'", [])?;
            Ok(())
        })
        .unwrap();
        assert!(
            Lease::acquire(&a, "run:x").is_ok(),
            "expired lease taken over"
        );
    }

    #[test]
    fn a_dead_holder_gives_the_lease_up_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let a = Store::open(dir.path().join("a.db")).unwrap();
        // A process that has exited: its pid is free (a child that ran and ended).
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let hold = |owner: String| {
            a.write(|tx| {
                tx.execute(
                    "INSERT OR REPLACE INTO leases (name, owner, acquired_at, expires_at)
                     VALUES ('plans', ?1, 0, ?2)",
                    rusqlite::params![owner, crate::now() + 1000],
                )?;
                Ok(())
            })
            .unwrap()
        };
        hold(format!("pid{dead}-X"));
        std::mem::forget(Lease::acquire(&a, "plans").expect("taken from the dead holder"));
        // A live holder (the test runner's parent process) keeps it.
        hold(format!("pid{}-Y", std::os::unix::process::parent_id()));
        assert_eq!(
            Lease::acquire(&a, "plans").unwrap_err().code(),
            ErrorCode::WorkBusy
        );
    }
}
