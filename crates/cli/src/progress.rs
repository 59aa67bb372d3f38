//! Progress bars on a terminal; nothing at all when output goes to a file or a pipe
//! (cron mails and logs stay clean).

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use subdesk_billing::RunProgress;
use subdesk_billing::mirror::sync::SyncProgress;
use subdesk_desk::exports::ExportProgress;

use crate::output::{Out, won};

pub struct Bar(Option<ProgressBar>);

impl Bar {
    /// A spinner for work of unknown length (sync).
    pub fn spinner(out: &Out) -> Bar {
        if !out.interactive {
            return Bar(None);
        }
        let pb = ProgressBar::new_spinner();
        if let Ok(style) = ProgressStyle::with_template("{spinner} {elapsed} {msg}") {
            pb.set_style(style);
        }
        pb.enable_steady_tick(Duration::from_millis(120));
        Bar(Some(pb))
    }

    /// A bar over `total` items (bulk runs).
    pub fn items(out: &Out, total: u64) -> Bar {
        if !out.interactive {
            return Bar(None);
        }
        let pb = ProgressBar::new(total);
        if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed} {msg}") {
            pb.set_style(style);
        }
        Bar(Some(pb))
    }

    /// No bar (output goes to stdout itself).
    pub fn hidden() -> Bar {
        Bar(None)
    }

    pub fn export(&self, p: &ExportProgress) {
        if let Some(pb) = &self.0 {
            pb.set_length(p.total);
            pb.set_position(p.rows);
        }
    }

    pub fn sync(&self, p: &SyncProgress) {
        if let Some(pb) = &self.0 {
            let windows = if p.windows_total > 0 {
                format!(" window {}/{}", p.windows_done, p.windows_total)
            } else {
                String::new()
            };
            pb.set_message(format!(
                "{} {}{windows}: {} rows, {} changed",
                p.stream, p.phase, p.rows, p.changed
            ));
        }
    }

    pub fn run(&self, p: &RunProgress) {
        if let Some(pb) = &self.0 {
            pb.set_length(p.total.max(0) as u64);
            pb.set_position(p.done.max(0) as u64);
            pb.set_message(format!(
                "paid {} ({}), declined {}, checking {}",
                p.paid,
                won(p.amount_paid),
                p.declined,
                p.unknown
            ));
        }
    }

    pub fn copy(&self, p: &subdesk_billing::CopyProgress) {
        if let Some(pb) = &self.0 {
            pb.set_length(p.total.max(0) as u64);
            pb.set_position(p.done.max(0) as u64);
            pb.set_message(p.table.clone());
        }
    }

    pub fn finish(&self) {
        if let Some(pb) = &self.0 {
            pb.finish_and_clear();
        }
    }
}
