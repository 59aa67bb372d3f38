//! The app's background tasks (the plan engine, the payment refresh, the backup and
//! shared-copy schedules): one way to run a task again and again while the app is open.

use std::future::Future;
use std::time::Duration;

use tauri::{AppHandle, Manager, Runtime};

use crate::state::AppState;

/// Seconds named by the environment variable `var` (tests shorten an interval with it);
/// None when unset, not a number or zero.
pub fn seconds_from_env(var: &str) -> Option<u64> {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|v| *v > 0)
}

/// Runs `task` after `first` seconds and then every `every` seconds, for as long as the
/// app lives; a turn is skipped while the app's state is not there yet.
pub fn repeat<R, F, Fut>(app: AppHandle<R>, first: u64, every: u64, task: F)
where
    R: Runtime,
    F: Fn(AppHandle<R>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(Duration::from_secs(first)).await;
        loop {
            if app.try_state::<AppState>().is_some() {
                task(app.clone()).await;
            }
            tokio::time::sleep(Duration::from_secs(every)).await;
        }
    });
}

/// A schedule's look: [`repeat`] after `first` and every `every` seconds, or — when the
/// variable `var` names seconds (a test's shorter wait) — first and every that many.
pub fn look_every<R, F, Fut>(app: AppHandle<R>, var: &str, first: u64, every: u64, task: F)
where
    R: Runtime,
    F: Fn(AppHandle<R>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let (first, every) = seconds_from_env(var).map_or((first, every), |e| (e, e));
    repeat(app, first, every, task);
}
