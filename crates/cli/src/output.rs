//! Everything the user reads: JSON for scripts, aligned tables for people, won amounts
//! as `₩12,000`, and times in the profile's time zone.

use std::io::{IsTerminal, Write};
use subdesk_codes::ErrorCode;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;
use unicode_width::UnicodeWidthStr;

use crate::error::{CliError, CliResult};

/// How this invocation prints.
#[derive(Debug, Clone)]
pub struct Out {
    pub json: bool,
    /// Show progress bars: both streams are terminals and output is for people.
    pub interactive: bool,
}

impl Out {
    pub fn new(json: bool) -> Self {
        let tty = std::io::stdout().is_terminal() && std::io::stderr().is_terminal();
        Out {
            json,
            interactive: tty && !json,
        }
    }

    /// One JSON document on stdout.
    pub fn json<T: Serialize + ?Sized>(&self, value: &T) -> CliResult<()> {
        let text = serde_json::to_string_pretty(value).map_err(|e| {
            CliError::other(
                ErrorCode::Internal,
                format!("cannot encode the output: {e}"),
            )
        })?;
        line(&text);
        Ok(())
    }

    /// A note for people on stderr (never in `--json` mode, where stdout is the answer
    /// and stderr carries only errors).
    pub fn note(&self, text: &str) {
        if !self.json {
            eprintln!("{text}");
        }
    }
}

/// Prints a line on stdout, ignoring a closed pipe (`| head` must not panic).
pub fn line(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
}

/// `₩12,000` (whole won, DESIGN principle 5).
/// A customer as a confirmation names them: `name (customer_uid)`, or the uid alone.
pub fn customer_label(name: Option<&str>, customer_uid: &str) -> String {
    match name {
        Some(n) => format!("{n} ({customer_uid})"),
        None => customer_uid.to_owned(),
    }
}

pub fn won(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if amount < 0 {
        format!("-₩{grouped}")
    } else {
        format!("₩{grouped}")
    }
}

/// A payment's amount: won for KRW, the exact decimal and currency otherwise.
pub fn money(amount: i64, amount_text: &str, currency: &str) -> String {
    if currency.eq_ignore_ascii_case("KRW") || currency.is_empty() {
        won(amount)
    } else {
        format!("{amount_text} {currency}")
    }
}

/// The zone times are shown in.
#[derive(Debug, Clone)]
pub struct Zone {
    tz: TimeZone,
    /// The profile's zone name, for the desk's date ranges.
    pub name: String,
}

impl Zone {
    /// The profile's zone from the OS (or bundled) tz database, as the desk resolves it
    /// (Asia/Seoul falls back to a fixed +09:00, other unknown zones to UTC, with a note
    /// on stderr).
    pub fn named(name: &str) -> Zone {
        let tz = subdesk_desk::zone::named(name).unwrap_or_else(|| {
            eprintln!("note: time zone {name} is unknown here; times are shown in UTC");
            TimeZone::UTC
        });
        Zone {
            tz,
            name: name.to_string(),
        }
    }

    /// `2024-05-01 14:03` in the zone.
    pub fn show(&self, unix: i64) -> String {
        match Timestamp::from_second(unix) {
            Ok(ts) => ts
                .to_zoned(self.tz.clone())
                .strftime("%Y-%m-%d %H:%M")
                .to_string(),
            Err(_) => unix.to_string(),
        }
    }

    pub fn show_opt(&self, unix: Option<i64>) -> String {
        unix.map(|t| self.show(t)).unwrap_or_default()
    }

    /// A user's date: `YYYY-MM-DD` (the start of that day in the zone, or with
    /// `end_of_day` its last second), an RFC 3339 time, or Unix seconds.
    pub fn parse(&self, text: &str, end_of_day: bool) -> CliResult<i64> {
        let text = text.trim();
        let bad = || {
            CliError::bad_input(
                ErrorCode::InvalidDate,
                format!("\"{text}\" is not a date: use YYYY-MM-DD or an RFC 3339 time"),
            )
        };
        if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) && text.len() > 8 {
            return text.parse().map_err(|_| bad());
        }
        if let Ok(ts) = text.parse::<Timestamp>() {
            return Ok(ts.as_second());
        }
        let date: jiff::civil::Date = text.parse().map_err(|_| bad())?;
        let start = date.to_zoned(self.tz.clone()).map_err(|_| bad())?;
        if end_of_day {
            let next = start.tomorrow().map_err(|_| bad())?;
            Ok(next.timestamp().as_second() - 1)
        } else {
            Ok(start.timestamp().as_second())
        }
    }
}

/// A table aligned by display width (Hangul is two columns wide).
pub struct Table {
    headers: Vec<&'static str>,
    right: Vec<bool>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// Headers; a leading `>` right-aligns the column (amounts).
    pub fn new(headers: &[&'static str]) -> Self {
        Table {
            right: headers.iter().map(|h| h.starts_with('>')).collect(),
            headers: headers.iter().map(|h| h.trim_start_matches('>')).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn render(&self) -> String {
        let n = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.width()).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate().take(n) {
                widths[i] = widths[i].max(clean(c).width());
            }
        }
        let fmt_row = |cells: Vec<String>| {
            let mut s = String::new();
            for (i, c) in cells.iter().enumerate().take(n) {
                let c = clean(c);
                let pad = widths[i].saturating_sub(c.width());
                let last = i + 1 == n;
                if self.right[i] {
                    s.push_str(&" ".repeat(pad));
                    s.push_str(&c);
                } else {
                    s.push_str(&c);
                    if !last {
                        s.push_str(&" ".repeat(pad));
                    }
                }
                if !last {
                    s.push_str("  ");
                }
            }
            s.trim_end().to_owned()
        };
        let mut out = vec![fmt_row(
            self.headers.iter().map(|h| h.to_string()).collect(),
        )];
        for r in &self.rows {
            out.push(fmt_row(r.clone()));
        }
        out.join("\n")
    }

    pub fn print(&self) {
        line(&self.render());
    }
}

/// Cells are one line: control characters (from i'mport's data) would break the table.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// `key: value` lines, keys padded to one width.
pub fn fields(pairs: &[(&str, String)]) {
    let w = pairs.iter().map(|(k, _)| k.width()).max().unwrap_or(0);
    for (k, v) in pairs {
        if !v.is_empty() {
            line(&format!("{k}{}  {}", " ".repeat(w - k.width()), clean(v)));
        }
    }
}

pub fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

/// A retry's outcome in a word or two, with what to do when it is not known yet.
pub fn retry_word(status: subdesk_billing::ChargeStatus, replayed: bool) -> &'static str {
    use subdesk_billing::ChargeStatus;
    match status {
        ChargeStatus::Paid if replayed => "paid already (nothing was sent now)",
        ChargeStatus::Paid => "paid",
        ChargeStatus::Declined => "declined",
        ChargeStatus::Unknown => {
            "checking: the answer was lost; run `subdesk-cli journal reconcile`"
        }
        ChargeStatus::Conflict => "conflict: see `subdesk-cli journal show`",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn won_groups_thousands() {
        assert_eq!(won(0), "₩0");
        assert_eq!(won(999), "₩999");
        assert_eq!(won(12_000), "₩12,000");
        assert_eq!(won(1_234_567), "₩1,234,567");
        assert_eq!(won(-5_000), "-₩5,000");
    }

    #[test]
    fn tables_align_korean_by_width() {
        let mut t = Table::new(&["name", ">amount"]);
        t.row(vec!["홍길동".into(), won(12_000)]);
        t.row(vec!["Kim".into(), won(500)]);
        let text = t.render();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[1], "홍길동  ₩12,000");
        assert_eq!(lines[2], "Kim        ₩500");
    }

    #[test]
    fn dates_in_seoul() {
        let z = Zone::named("Asia/Seoul");
        // 2024-05-01 00:00 KST = 2024-04-30 15:00 UTC
        assert_eq!(z.parse("2024-05-01", false).ok(), Some(1_714_489_200));
        assert_eq!(
            z.parse("2024-05-01", true).ok(),
            Some(1_714_489_200 + 86_399)
        );
        assert_eq!(z.show(1_714_489_200), "2024-05-01 00:00");
        assert!(z.parse("yesterday", false).is_err());
    }
}
