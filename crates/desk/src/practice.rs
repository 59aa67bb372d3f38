//! Practising on the sandbox: its clock moved forward by a day, a week or a calendar
//! month in the profile's zone (as Stripe's test clocks do), so schedules and plans can be
//! tried in minutes (the sandbox does the moving; this decides how far); and the address
//! of its practice payment window for a guide page's `IMP.request_pay` parameters.

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

/// The practice window's address on the sandbox at `sandbox_url` for the snippet's
/// parameters, in their order, after the sandbox's merchant code. A name the snippet
/// never sends, or a value past 2,000 characters, is refused (nothing is opened).
pub fn window_url(sandbox_url: &str, params: &[(String, String)]) -> IpcResult<String> {
    let mut url = url::Url::parse(sandbox_url)
        .and_then(|u| u.join(subdesk_sandbox::WINDOW_PATH))
        .map_err(|_| {
            IpcError::new(
                ErrorCode::SandboxUnavailable,
                "the sandbox has no usable address",
            )
        })?;
    for (name, value) in params {
        if !subdesk_sandbox::REQUEST_PARAMS.contains(&name.as_str()) {
            return Err(IpcError::invalid_input(
                "params",
                format!("{name} is not a parameter of the payment window"),
            ));
        }
        if value.chars().count() > subdesk_sandbox::PARAM_MAX_CHARS {
            return Err(IpcError::invalid_input(
                "params",
                format!("{name} is too long"),
            ));
        }
    }
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("imp", subdesk_sandbox::MERCHANT_CODE);
        for (name, value) in params {
            q.append_pair(name, value);
        }
    }
    Ok(url.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_url_carries_the_snippet_after_the_sandboxs_code() {
        let url = window_url(
            "http://127.0.0.1:4010",
            &[
                ("pg".into(), "kcp_billing".into()),
                ("name".into(), "a&b=<c>".into()),
            ],
        )
        .unwrap();
        assert_eq!(
            url,
            "http://127.0.0.1:4010/practice/window?imp=imp00000000&pg=kcp_billing&name=a%26b%3D%3Cc%3E"
        );
        for bad in ["imp", "card_number", "notice_url"] {
            let e =
                window_url("http://127.0.0.1:4010", &[(bad.into(), "x".into())]).expect_err(bad);
            assert_eq!(e.code, ErrorCode::InvalidInput);
        }
        let long = "x".repeat(2001);
        assert!(window_url("http://127.0.0.1:4010", &[("name".into(), long)]).is_err());
    }

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
