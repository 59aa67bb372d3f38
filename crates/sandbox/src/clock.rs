//! The sandbox clock: real time by default, but it can jump forward and run faster,
//! like Stripe's test clocks, so a month of schedules can run inside one test.

use std::sync::Mutex;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

#[derive(Debug)]
struct Anchor {
    /// Real instant at which `virtual_secs` was true.
    real: Instant,
    /// Sandbox time (Unix seconds, fractional) at `real`.
    virtual_secs: f64,
    /// How many sandbox seconds pass per real second.
    speed: f64,
}

/// A monotonic, adjustable clock. All API timestamps come from here.
#[derive(Debug)]
pub struct Clock {
    anchor: Mutex<Anchor>,
}

fn system_now() -> f64 {
    // A system clock before 1970 is a broken machine; 0 keeps us running.
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

impl Default for Clock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock {
    pub fn new() -> Self {
        Self {
            anchor: Mutex::new(Anchor {
                real: Instant::now(),
                virtual_secs: system_now(),
                speed: 1.0,
            }),
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut Anchor) -> R) -> R {
        // A poisoned clock lock only means another thread panicked mid-update of three
        // plain numbers; the values are still usable.
        let mut guard = self.anchor.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }

    fn now_f(a: &Anchor) -> f64 {
        a.virtual_secs + a.real.elapsed().as_secs_f64() * a.speed
    }

    /// Current sandbox time in whole Unix seconds (the API's time unit).
    pub fn now(&self) -> i64 {
        self.with(|a| Self::now_f(a).floor() as i64)
    }

    pub fn speed(&self) -> f64 {
        self.with(|a| a.speed)
    }

    /// Moves the clock forward. Negative values are refused by the caller: time that
    /// runs backwards would break token and schedule invariants.
    pub fn advance(&self, secs: i64) -> i64 {
        self.with(|a| {
            let now = Self::now_f(a);
            a.real = Instant::now();
            a.virtual_secs = now + secs as f64;
            a.virtual_secs.floor() as i64
        })
    }

    /// Sets the clock to an absolute time.
    pub fn set(&self, unix: i64) {
        self.with(|a| {
            a.real = Instant::now();
            a.virtual_secs = unix as f64;
        })
    }

    /// Sets how fast sandbox time runs (1.0 = real time).
    pub fn set_speed(&self, speed: f64) {
        self.with(|a| {
            let now = Self::now_f(a);
            a.real = Instant::now();
            a.virtual_secs = now;
            a.speed = speed;
        })
    }

    /// Back to real time at normal speed.
    pub fn reset(&self) {
        self.with(|a| {
            a.real = Instant::now();
            a.virtual_secs = system_now();
            a.speed = 1.0;
        })
    }
}
