//! Practising on the sandbox: its clock moved forward by a day, a week or a calendar
//! month in the profile's zone (as Stripe's test clocks do), so schedules and plans can be
//! tried in minutes. The sandbox does the moving; this decides how far.

use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};
use subdesk_codes::ErrorCode;

use crate::error::{IpcError, IpcResult};

/// How far to move the sandbox clock.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ClockStep {
    Day,
    Week,
    /// To the same time on the same day of the next month (the last day when the next
    /// month is shorter: 31 January → 28 or 29 February).
    Month,
}

/// The longest single move: a step is at most a month, so this only refuses nonsense.
const MAX_STEP_SECS: i64 = 31 * 86_400;

/// The seconds from `now` (the sandbox's time) to `now` moved by `step` in `time_zone`.
pub fn step_seconds(step: ClockStep, now: i64, time_zone: &str) -> IpcResult<u32> {
    let bad = || IpcError::new(ErrorCode::InvalidInput, "the sandbox time cannot be moved");
    let start = Timestamp::from_second(now)
        .map_err(|_| bad())?
        .to_zoned(crate::zone::named_or_utc(time_zone));
    let end = match step {
        ClockStep::Day => start.checked_add(1.day()),
        ClockStep::Week => start.checked_add(1.week()),
        ClockStep::Month => start.checked_add(1.month()),
    }
    .map_err(|_| bad())?;
    let secs = end.timestamp().as_second() - now;
    if !(1..=MAX_STEP_SECS).contains(&secs) {
        return Err(bad());
    }
    u32::try_from(secs).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seoul(text: &str) -> i64 {
        let date: jiff::civil::DateTime = text.parse().unwrap();
        date.to_zoned(crate::zone::named_or_utc("Asia/Seoul"))
            .unwrap()
            .timestamp()
            .as_second()
    }

    #[test]
    fn a_month_is_a_calendar_month_in_the_zone() {
        let jan31 = seoul("2027-01-31T10:00");
        let secs = step_seconds(ClockStep::Month, jan31, "Asia/Seoul").unwrap();
        assert_eq!(jan31 + i64::from(secs), seoul("2027-02-28T10:00"));
        let nov15 = seoul("2026-11-15T09:00");
        let secs = step_seconds(ClockStep::Month, nov15, "Asia/Seoul").unwrap();
        assert_eq!(i64::from(secs), 30 * 86_400);
        assert_eq!(
            step_seconds(ClockStep::Week, nov15, "Asia/Seoul").unwrap(),
            7 * 86_400
        );
    }

    #[test]
    fn a_day_across_a_dst_change_keeps_the_wall_time() {
        // New York springs forward on 2027-03-14: that day has 23 hours.
        let date: jiff::civil::DateTime = "2027-03-13T12:00".parse().unwrap();
        let ny = date
            .to_zoned(crate::zone::named_or_utc("America/New_York"))
            .unwrap()
            .timestamp()
            .as_second();
        assert_eq!(
            step_seconds(ClockStep::Day, ny, "America/New_York").unwrap(),
            23 * 3600
        );
    }
}
