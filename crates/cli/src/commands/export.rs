//! `payments export`, `customers export`, `run export`: the desk's exports (the app's
//! own), to a file or, as CSV, to stdout, with a bar on a terminal and Ctrl-C to stop.

use serde::Serialize;
use subdesk_billing::mirror::sync::CancelToken;
use subdesk_desk::exports::{
    ExportColumn, ExportFormat, ExportLang, ExportList, ExportProgress, ExportRequest,
    export_to_file, export_to_stream,
};

use crate::args::{ExportOpts, FormatArg, LangArg};
use crate::context::{Ctx, Session};
use crate::error::{CliResult, Exit};
use crate::output::line;
use crate::progress::Bar;

#[derive(Serialize)]
struct Written {
    rows: u64,
    /// None for stdout.
    path: Option<String>,
    cancelled: bool,
}

pub fn request(list: ExportList, opts: &ExportOpts) -> ExportRequest {
    ExportRequest {
        list,
        columns: opts
            .columns
            .iter()
            .map(|c| c.trim())
            .filter(|c| !c.is_empty())
            .map(|id| ExportColumn {
                id: id.to_owned(),
                header: None,
            })
            .collect(),
        format: match opts.format {
            FormatArg::Xlsx => ExportFormat::Xlsx,
            FormatArg::Csv => ExportFormat::Csv,
            FormatArg::CsvCp949 => ExportFormat::CsvCp949,
        },
        lang: match opts.lang {
            LangArg::Ko => ExportLang::Ko,
            LangArg::En => ExportLang::En,
        },
    }
}

/// Writes `request` where `out` says (`-`: stdout), in the profile's time zone.
pub async fn write(
    ctx: &Ctx,
    s: &Session,
    request: ExportRequest,
    out: &std::path::Path,
) -> CliResult<Exit> {
    let cancel = CancelToken::new();
    let stop = cancel.clone();
    let watcher = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            stop.cancel();
        }
    });
    let to_stdout = out.as_os_str() == "-";
    let bar = if to_stdout {
        Bar::hidden()
    } else {
        Bar::items(&ctx.out, 0)
    };
    let progress = |p: ExportProgress| bar.export(&p);
    let zone = s.profile.time_zone.clone();
    // The store is read synchronously: on this worker, with the runtime told so (Ctrl-C
    // is still heard by the watcher).
    let result = tokio::task::block_in_place(|| {
        if to_stdout {
            let stdout = std::io::stdout().lock();
            export_to_stream(
                &s.store,
                &request,
                &zone,
                std::io::BufWriter::new(stdout),
                &progress,
                &cancel,
            )
        } else {
            export_to_file(&s.store, &request, &zone, out, &progress, &cancel)
        }
    });
    watcher.abort();
    bar.finish();
    let summary = result?;
    let written = Written {
        rows: summary.rows,
        path: (!to_stdout).then(|| out.display().to_string()),
        cancelled: summary.cancelled,
    };
    if ctx.out.json && !to_stdout {
        ctx.out.json(&written)?;
    } else if summary.cancelled {
        ctx.out.note("stopped: no file was written");
    } else if to_stdout {
        ctx.out.note(&format!("{} row(s) exported", summary.rows));
    } else {
        line(&format!(
            "{} row(s) written to {}",
            summary.rows,
            out.display()
        ));
    }
    Ok(if summary.cancelled {
        Exit::Other
    } else {
        Exit::Ok
    })
}
