//! Date filters: named periods and typed days, as Unix-second ranges whose day
//! boundaries are midnight in the profile's time zone (DST days included: a day there
//! may last 23 or 25 hours). The app and the CLI both ask here.

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};

use crate::error::{ErrorCode, IpcError, IpcResult};

/// A named period. Weeks start on Monday; quarters are calendar quarters.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum DatePreset {
    Today,
    Yesterday,
    ThisWeek,
    ThisMonth,
    LastMonth,
    ThisQuarter,
}

impl DatePreset {
    pub const ALL: [DatePreset; 6] = [
        DatePreset::Today,
        DatePreset::Yesterday,
        DatePreset::ThisWeek,
        DatePreset::ThisMonth,
        DatePreset::LastMonth,
        DatePreset::ThisQuarter,
    ];

    /// The CLI's spelling (`this-month`).
    pub fn cli_name(self) -> &'static str {
        match self {
            DatePreset::Today => "today",
            DatePreset::Yesterday => "yesterday",
            DatePreset::ThisWeek => "this-week",
            DatePreset::ThisMonth => "this-month",
            DatePreset::LastMonth => "last-month",
            DatePreset::ThisQuarter => "this-quarter",
        }
    }
}

/// Whole days, first to last, and the instants that bound them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DateRange {
    /// The first day, `YYYY-MM-DD`.
    pub first_day: String,
    /// The last day, `YYYY-MM-DD`.
    pub last_day: String,
    /// Midnight starting the first day, Unix seconds (inclusive).
    pub from: i64,
    /// The last second of the last day, Unix seconds (inclusive).
    pub to: i64,
}

fn bad_date(message: impl Into<String>) -> IpcError {
    IpcError::new(ErrorCode::InvalidDate, message)
}

fn midnight(day: Date, tz: &TimeZone) -> IpcResult<i64> {
    // `to_zoned` resolves a midnight that a DST gap skips to the first instant after it.
    day.to_zoned(tz.clone())
        .map(|z| z.timestamp().as_second())
        .map_err(|e| bad_date(format!("no midnight for {day}: {e}")))
}

fn span(first: Date, last: Date, tz: &TimeZone) -> IpcResult<DateRange> {
    if first > last {
        return Err(bad_date("the first day is after the last"));
    }
    let next = last
        .tomorrow()
        .map_err(|e| bad_date(format!("{last}: {e}")))?;
    Ok(DateRange {
        first_day: first.to_string(),
        last_day: last.to_string(),
        from: midnight(first, tz)?,
        to: midnight(next, tz)? - 1,
    })
}

/// The period `preset` as it stands at `now` (Unix seconds) in `zone`.
pub fn date_range(preset: DatePreset, zone: &str, now: i64) -> IpcResult<DateRange> {
    let tz = crate::zone::named_or_utc(zone);
    let now = Timestamp::from_second(now).map_err(|e| bad_date(e.to_string()))?;
    let today = now.to_zoned(tz.clone()).date();
    let err = |e: jiff::Error| bad_date(e.to_string());
    let (first, last) = match preset {
        DatePreset::Today => (today, today),
        DatePreset::Yesterday => {
            let y = today.yesterday().map_err(err)?;
            (y, y)
        }
        DatePreset::ThisWeek => {
            let monday = today
                .checked_sub((today.weekday().to_monday_zero_offset() as i64).days())
                .map_err(err)?;
            debug_assert_eq!(monday.weekday(), Weekday::Monday);
            (monday, monday.checked_add(6.days()).map_err(err)?)
        }
        DatePreset::ThisMonth => (today.first_of_month(), today.last_of_month()),
        DatePreset::LastMonth => {
            let prev = today.first_of_month().yesterday().map_err(err)?;
            (prev.first_of_month(), prev)
        }
        DatePreset::ThisQuarter => {
            let q0 = (today.month() - 1) / 3 * 3 + 1;
            let first = Date::new(today.year(), q0, 1).map_err(err)?;
            let last = first
                .checked_add(3.months())
                .map_err(err)?
                .yesterday()
                .map_err(err)?;
            (first, last)
        }
    };
    span(first, last, &tz)
}

/// A typed day: `2026-11-25`, or as Korean writes it, `2026. 11. 25.` (also `2026.11.25`).
pub fn parse_day(text: &str) -> Option<Date> {
    let t = text.trim();
    if let Ok(d) = t.parse::<Date>() {
        return Some(d);
    }
    let parts: Vec<&str> = t.trim_end_matches('.').split('.').map(str::trim).collect();
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    let all_digits = |p: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
    };
    if !(all_digits(y, 4..=4) && all_digits(m, 1..=2) && all_digits(d, 1..=2)) {
        return None;
    }
    Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).ok()
}

/// Typed days (`YYYY-MM-DD` or `YYYY. MM. DD.`, either may be empty: open on that side) as a range in
/// `zone`: (from, to), inclusive Unix seconds.
pub fn day_range(
    first: Option<&str>,
    last: Option<&str>,
    zone: &str,
) -> IpcResult<(Option<i64>, Option<i64>)> {
    let tz = crate::zone::named_or_utc(zone);
    let parse = |s: &str| -> IpcResult<Date> {
        parse_day(s).ok_or_else(|| bad_date(format!("{s:?} is not a day (YYYY-MM-DD)")))
    };
    let first = first
        .filter(|s| !s.trim().is_empty())
        .map(parse)
        .transpose()?;
    let last = last
        .filter(|s| !s.trim().is_empty())
        .map(parse)
        .transpose()?;
    if let (Some(f), Some(l)) = (first, last)
        && f > l
    {
        return Err(bad_date("the first day is after the last"));
    }
    let from = first.map(|d| midnight(d, &tz)).transpose()?;
    let to = last
        .map(|d| -> IpcResult<i64> {
            let next = d.tomorrow().map_err(|e| bad_date(e.to_string()))?;
            Ok(midnight(next, &tz)? - 1)
        })
        .transpose()?;
    Ok((from, to))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn at(y: i16, m: i8, d: i8, h: i8, zone: &str) -> i64 {
        date(y, m, d)
            .at(h, 0, 0, 0)
            .in_tz(zone)
            .unwrap()
            .timestamp()
            .as_second()
    }

    #[test]
    fn seoul_days_start_at_midnight_seoul() {
        // 2026-11-25 05:23 in Seoul is 11-24 20:23 UTC: still the 25th here.
        let now = at(2026, 11, 25, 5, "Asia/Seoul");
        let r = date_range(DatePreset::Today, "Asia/Seoul", now).unwrap();
        assert_eq!(r.first_day, "2026-11-25");
        assert_eq!(r.from, at(2026, 11, 25, 0, "Asia/Seoul"));
        assert_eq!(r.from, 1_795_532_400); // 2026-11-24T15:00Z
        assert_eq!(r.to - r.from + 1, 86_400);
        let y = date_range(DatePreset::Yesterday, "Asia/Seoul", now).unwrap();
        assert_eq!((y.first_day.as_str(), y.to + 1), ("2026-11-24", r.from));
    }

    #[test]
    fn presets_cover_their_calendar_periods() {
        // Wednesday 2026-02-11, noon in Seoul.
        let now = at(2026, 2, 11, 12, "Asia/Seoul");
        let z = "Asia/Seoul";
        let days = |p| {
            let r = date_range(p, z, now).unwrap();
            (r.first_day, r.last_day)
        };
        assert_eq!(
            days(DatePreset::ThisWeek),
            ("2026-02-09".into(), "2026-02-15".into())
        );
        assert_eq!(
            days(DatePreset::ThisMonth),
            ("2026-02-01".into(), "2026-02-28".into())
        );
        assert_eq!(
            days(DatePreset::LastMonth),
            ("2026-01-01".into(), "2026-01-31".into())
        );
        assert_eq!(
            days(DatePreset::ThisQuarter),
            ("2026-01-01".into(), "2026-03-31".into())
        );
        let jan = date_range(DatePreset::LastMonth, z, now).unwrap();
        assert_eq!(jan.from, at(2026, 1, 1, 0, z));
        assert_eq!(jan.to, at(2026, 2, 1, 0, z) - 1);
        // Last month of January is December of the year before.
        let r = date_range(DatePreset::LastMonth, z, at(2026, 1, 3, 9, z)).unwrap();
        assert_eq!(
            (r.first_day.as_str(), r.last_day.as_str()),
            ("2025-12-01", "2025-12-31")
        );
        let q4 = date_range(DatePreset::ThisQuarter, z, at(2026, 11, 30, 9, z)).unwrap();
        assert_eq!(
            (q4.first_day.as_str(), q4.last_day.as_str()),
            ("2026-10-01", "2026-12-31")
        );
    }

    #[test]
    fn dst_days_are_23_and_25_hours_long() {
        let ny = "America/New_York";
        // 2026-03-08: clocks spring forward at 02:00.
        let spring = date_range(DatePreset::Today, ny, at(2026, 3, 8, 12, ny)).unwrap();
        assert_eq!(spring.to - spring.from + 1, 23 * 3600);
        assert_eq!(spring.from, at(2026, 3, 8, 0, ny));
        // 2026-11-01: clocks fall back at 02:00.
        let fall = date_range(DatePreset::Today, ny, at(2026, 11, 1, 12, ny)).unwrap();
        assert_eq!(fall.to - fall.from + 1, 25 * 3600);
        assert_eq!(fall.from, 1_793_505_600); // 2026-11-01T04:00Z (EDT)
        assert_eq!(fall.to + 1, 1_793_595_600); // 2026-11-02T05:00Z (EST)
        let (from, to) = day_range(Some("2026-03-08"), Some("2026-03-08"), ny).unwrap();
        assert_eq!((from, to), (Some(spring.from), Some(spring.to)));
    }

    #[test]
    fn typed_days_are_checked() {
        let z = "Asia/Seoul";
        assert_eq!(day_range(None, Some(""), z).unwrap(), (None, None));
        let (from, _) = day_range(Some("2026-11-25"), None, z).unwrap();
        assert_eq!(from, Some(1_795_532_400)); // 2026-11-24T15:00Z
        for typed in ["2026. 11. 25.", "2026.11.25", " 2026. 11. 25 "] {
            assert_eq!(
                day_range(Some(typed), None, z).unwrap().0,
                Some(1_795_532_400),
                "{typed}"
            );
        }
        for bad in [
            "2026-13-45",
            "11/25/2026",
            "어제",
            "2026. 02. 30.",
            "26. 11. 25.",
        ] {
            let e = day_range(Some(bad), None, z).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidDate, "{bad}");
        }
        let e = day_range(Some("2026-02-02"), Some("2026-02-01"), z).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidDate);
    }
}
