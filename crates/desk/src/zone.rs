//! Time zones by name, one rule for the app's exports and the CLI's tables: the OS (or
//! bundled) tz database, and Asia/Seoul as a fixed +09:00 where the database lacks it
//! (Korea has had no daylight saving time since 1988).

use jiff::tz::{Offset, TimeZone};

/// The zone `name` names (a profile's; empty is the default, Asia/Seoul), or None when
/// neither the database nor the Seoul fallback knows it.
pub fn named(name: &str) -> Option<TimeZone> {
    let name = if name.is_empty() {
        subdesk_profiles::DEFAULT_TIME_ZONE
    } else {
        name
    };
    match TimeZone::get(name) {
        Ok(tz) => Some(tz),
        Err(_) if name == subdesk_profiles::DEFAULT_TIME_ZONE => {
            Some(TimeZone::fixed(Offset::constant(9)))
        }
        Err(_) => None,
    }
}

/// The zone `name` names, else UTC.
pub fn named_or_utc(name: &str) -> TimeZone {
    named(name).unwrap_or(TimeZone::UTC)
}

/// `unix` (seconds) as a wall-clock time in `tz`; None for no time (zero or less, as
/// i'mport sends "never", or out of range).
pub fn civil(unix: i64, tz: &TimeZone) -> Option<jiff::civil::DateTime> {
    if unix <= 0 {
        return None;
    }
    jiff::Timestamp::from_second(unix)
        .ok()
        .map(|ts| tz.to_datetime(ts))
}

/// Today's date in `tz`.
pub fn today(tz: &TimeZone) -> jiff::civil::Date {
    tz.to_datetime(jiff::Timestamp::now()).date()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seoul_is_nine_hours_ahead_across_midnight_and_month_end() {
        let tz = named("Asia/Seoul").unwrap();
        // 2026-03-31T20:23:00Z
        let t = civil(1_774_988_580, &tz).unwrap();
        assert_eq!(t.to_string(), "2026-04-01T05:23:00");
        assert_eq!(civil(0, &tz), None);
        assert!(named("Mars/Olympus").is_none());
        assert_eq!(named_or_utc("Mars/Olympus"), TimeZone::UTC);
    }
}
