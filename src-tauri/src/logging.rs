//! Logs: `tracing` to a daily-rotated file in the app's log directory, every line passed
//! through a [`Redactor`] before it reaches the disk.
//!
//! Redaction happens at the writer, not at call sites, so a careless `?` on an error that
//! carries a card number or a secret cannot leak it: the redactor masks card-like digit
//! runs, the values of sensitive keys, and every secret the app registered at run time.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock, RwLock};

use regex::Regex;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::{EnvFilter, prelude::*};

/// How many daily log files to keep.
const KEEP_LOG_FILES: usize = 7;
pub const LOG_FILE_PREFIX: &str = "subdesk";

/// Masks secrets in text. Cheap to clone; the registered secrets are shared.
#[derive(Clone, Default)]
pub struct Redactor {
    secrets: Arc<RwLock<Vec<String>>>,
}

fn card_like() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    // 13 to 19 digits, optionally grouped by single spaces or hyphens: every card number
    // format a user or an API might produce. Unix timestamps (10 digits) and amounts stay.
    RE.get_or_init(|| Regex::new(r"\b\d(?:[ -]?\d){12,18}\b").expect("static regex"))
}

fn sensitive_value() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    // key=value, key: value and "key":"value" for the fields that carry secrets or card data.
    RE.get_or_init(|| {
        Regex::new(
            r#"(?i)("?(?:imp_secret|secret|card_number|expiry|birth|pwd_2digit|cvc|access_token|authorization|passphrase|password)"?\s*[:=]\s*"?)(?:Bearer\s+)?[^"\s,}&]+"#,
        )
        .expect("static regex")
    })
}

impl Redactor {
    /// Remembers a secret (an imp_secret, a token) so that it is masked wherever it appears.
    pub fn register_secret(&self, secret: &str) {
        // Very short strings would mask ordinary words; real secrets are long.
        if secret.len() < 6 {
            return;
        }
        if let Ok(mut secrets) = self.secrets.write()
            && !secrets.iter().any(|s| s == secret)
        {
            secrets.push(secret.to_owned());
        }
    }

    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        if let Ok(secrets) = self.secrets.read() {
            for secret in secrets.iter() {
                if out.contains(secret.as_str()) {
                    out = out.replace(secret.as_str(), "[redacted]");
                }
            }
        }
        let out = sensitive_value().replace_all(&out, "${1}[redacted]");
        card_like()
            .replace_all(&out, "[redacted-card]")
            .into_owned()
    }
}

/// A writer that redacts each buffer before handing it to the inner writer. The fmt layer
/// formats one event into one buffer, so a secret is never split across two writes.
pub struct RedactingWriter<W> {
    inner: W,
    redactor: Redactor,
}

impl<W: Write> Write for RedactingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.inner
            .write_all(self.redactor.redact(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[derive(Clone)]
pub struct RedactingMakeWriter<M> {
    inner: M,
    redactor: Redactor,
}

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for RedactingMakeWriter<M> {
    type Writer = RedactingWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter {
            inner: self.inner.make_writer(),
            redactor: self.redactor.clone(),
        }
    }
}

/// Keeps the background log writer alive; dropping it flushes the file.
pub struct LogGuard {
    _guard: tracing_appender::non_blocking::WorkerGuard,
}

/// Sets up logging into `dir`. Returns None (and logs nothing) when the directory cannot be
/// created: the app must still start on a read-only home.
pub fn init(dir: &Path, redactor: Redactor) -> Option<LogGuard> {
    std::fs::create_dir_all(dir).ok()?;
    let appender = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(LOG_FILE_PREFIX)
        .filename_suffix("log")
        .max_log_files(KEEP_LOG_FILES)
        .build(dir)
        .ok()?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let writer = RedactingMakeWriter {
        inner: writer,
        redactor,
    };
    let filter = EnvFilter::try_from_env("SUBDESK_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,tao=warn,wry=warn"));
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(writer)
        .with_ansi(false)
        .with_target(true);
    // A second init (tests) is harmless: keep the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(layer)
        .try_init();
    Some(LogGuard { _guard: guard })
}

/// The newest log file in `dir`, if any.
pub fn newest_log_file(dir: &Path) -> Option<PathBuf> {
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(LOG_FILE_PREFIX))
        .max_by_key(|e| e.metadata().and_then(|m| m.modified()).ok())
        .map(|e| e.path())
}

/// The last `lines` lines of the newest log file, redacted again on the way out.
pub fn tail(dir: &Path, lines: usize, redactor: &Redactor) -> String {
    let Some(path) = newest_log_file(dir) else {
        return String::new();
    };
    let Ok(text) = std::fs::read_to_string(path) else {
        return String::new();
    };
    let all: Vec<&str> = text.lines().collect();
    let start = all.len().saturating_sub(lines);
    redactor.redact(&all[start..].join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_card_numbers_in_every_grouping() {
        let r = Redactor::default();
        for card in [
            "4242-4242-4242-4242",
            "4242424242424242",
            "4242 4242 4242 4242",
            "3782-822463-10005",
        ] {
            let out = r.redact(&format!("charging {card} now"));
            assert!(!out.contains(card), "{out}");
            assert!(out.contains("[redacted-card]"), "{out}");
        }
    }

    #[test]
    fn keeps_ordinary_numbers() {
        let r = Redactor::default();
        let line = "synced 1000 payments up to 1764000000, amount 12000";
        assert_eq!(r.redact(line), line);
    }

    #[test]
    fn masks_sensitive_keys_and_registered_secrets() {
        let r = Redactor::default();
        r.register_secret("s3cr3t-value-xyz");
        let out = r.redact(
            r#"{"imp_secret":"abc123456","expiry":"2030-12"} Authorization: Bearer tok_1234567 seen s3cr3t-value-xyz"#,
        );
        for leaked in ["abc123456", "2030-12", "tok_1234567", "s3cr3t-value-xyz"] {
            assert!(!out.contains(leaked), "{leaked} leaked in {out}");
        }
    }

    #[test]
    fn the_writer_redacts_what_reaches_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let redactor = Redactor::default();
        let path = dir.path().join("out.log");
        let file = std::fs::File::create(&path).expect("create");
        let mut writer = RedactingWriter {
            inner: file,
            redactor,
        };
        writer
            .write_all(b"card_number=4242-4242-4242-4242 ok\n")
            .expect("write");
        writer.flush().expect("flush");
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(!text.contains("4242"), "{text}");
        assert!(text.contains("ok"));
    }
}
