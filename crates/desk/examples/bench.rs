//! `make bench`: exports of many payments to .xlsx and CSV, each in a child process of its
//! own so that its peak memory (VmHWM) is the export's alone. Sizes are flags:
//!   cargo run --release -p subdesk-desk --example bench -- --export-payments 1000000
//! `--export-payments 0` skips it. Prints figures against their goals; asserts nothing.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use subdesk_billing::mirror::sync::CancelToken;
use subdesk_billing::{PaymentQuery, PaymentRecord, Store};
use subdesk_desk::exports::{ExportFormat, ExportLang, ExportList, ExportRequest, export_to_file};

fn flag(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Peak resident memory of this process (VmHWM), in MiB.
fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

fn format_of(name: &str) -> ExportFormat {
    match name {
        "csv" => ExportFormat::Csv,
        "csv-cp949" => ExportFormat::CsvCp949,
        _ => ExportFormat::Xlsx,
    }
}

/// The child: one export of every payment, default columns, in Korean.
fn child(format: &str, db: &Path, out: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let store = Store::open(db)?;
    let started = Instant::now();
    let summary = export_to_file(
        &store,
        &ExportRequest {
            list: ExportList::Payments {
                query: PaymentQuery::default(),
            },
            columns: Vec::new(),
            format: format_of(format),
            lang: ExportLang::Ko,
        },
        "Asia/Seoul",
        out,
        &|_| {},
        &CancelToken::new(),
    )?;
    println!(
        "rows={} secs={:.2} peak_mib={:.1}",
        summary.rows,
        started.elapsed().as_secs_f64(),
        peak_mib()
    );
    Ok(())
}

fn seed(store: &Store, n: u64) -> Result<(), Box<dyn std::error::Error>> {
    let base = 1_767_193_200; // 2025-12-31T15:00:00Z
    let mut batch = Vec::with_capacity(10_000);
    for i in 0..n {
        let failed = i % 17 == 0;
        batch.push(PaymentRecord {
            imp_uid: format!("imp_{i:012}"),
            merchant_uid: format!("order-2026-{i:010}"),
            customer_uid: Some(format!("cust_{:06}", i % 100_000)),
            status: if failed { "failed" } else { "paid" }.into(),
            amount: 9_900 + (i % 50) as i64 * 1_000,
            amount_text: (9_900 + (i % 50) * 1_000).to_string(),
            cancel_amount: if i % 23 == 0 { 1_000 } else { 0 },
            currency: "KRW".into(),
            pg_provider: Some("nice".into()),
            pay_method: Some("card".into()),
            name: Some("프리미엄 월 구독".into()),
            buyer_name: Some(format!("구매자{}", i % 1000)),
            buyer_tel: Some("010-1234-5678".into()),
            apply_num: (!failed).then(|| format!("{:08}", i % 100_000_000)),
            card_name: Some("신한카드".into()),
            card_number: Some("4242-42**-****-4242".into()),
            started_at: Some(base + i as i64 * 30),
            paid_at: (!failed).then_some(base + i as i64 * 30 + 2),
            failed_at: failed.then_some(base + i as i64 * 30 + 2),
            fail_reason: failed.then(|| "[3011] 잔액부족".to_owned()),
            raw_json: "{}".into(),
            ..PaymentRecord::default()
        });
        if batch.len() == 10_000 {
            store.upsert_payments(&batch)?;
            batch.clear();
        }
    }
    if !batch.is_empty() {
        store.upsert_payments(&batch)?;
    }
    Ok(())
}

/// The dashboard as the app reads it when it opens, on the store at `path`: the first
/// call after opening, then the median of three more.
fn dashboard_bench(path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let store = Store::open(path)?;
    let now = subdesk_billing::now();
    let preset = subdesk_desk::dates::DatePreset::ThisMonth;
    let time = || -> Result<f64, Box<dyn std::error::Error>> {
        let t = Instant::now();
        subdesk_desk::dashboard::dashboard(&store, preset, "Asia/Seoul", now)?;
        Ok(t.elapsed().as_secs_f64() * 1000.0)
    };
    let first = time()?;
    let mut warm = [time()?, time()?, time()?];
    warm.sort_by(f64::total_cmp);
    println!(
        "desk.dashboard_ms {:.0} (this month; first after opening {first:.0}; {} payments; goal <= 1000 with the rest of start-up)",
        warm[1],
        store.overview()?.payments
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    // `--dashboard-store PATH`: only the dashboard's figure, on that store.
    if let Some(path) = args
        .iter()
        .position(|a| a == "--dashboard-store")
        .and_then(|i| args.get(i + 1))
    {
        return dashboard_bench(Path::new(path));
    }
    if let Some(i) = args.iter().position(|a| a == "--child") {
        let get = |k: usize| args.get(i + k).cloned().unwrap_or_default();
        return child(&get(1), Path::new(&get(2)), Path::new(&get(3)));
    }
    let n = flag("--export-payments", 1_000_000);
    if n == 0 {
        return Ok(());
    }
    // On disk beside the build, not a temp folder that may be memory.
    let dir = tempfile::tempdir_in(std::env::current_dir()?)?;
    let db = dir.path().join("profile.sqlite3");
    println!("desk.bench export payments={n}");
    let started = Instant::now();
    {
        let store = Store::open(&db)?;
        seed(&store, n)?;
    }
    println!("desk.seed_s {:.1}", started.elapsed().as_secs_f64());
    let me = std::env::current_exe()?;
    for format in ["xlsx", "csv"] {
        let out = dir.path().join(format!("결제내역.{format}"));
        let started = Instant::now();
        let run = Command::new(&me)
            .arg("--child")
            .arg(format)
            .arg(&db)
            .arg(&out)
            .output()?;
        let wall = started.elapsed().as_secs_f64();
        let text = String::from_utf8_lossy(&run.stdout);
        if !run.status.success() {
            println!(
                "desk.export_{format} FAILED: {}{}",
                text,
                String::from_utf8_lossy(&run.stderr)
            );
            continue;
        }
        let field = |k: &str| {
            text.split_whitespace()
                .find_map(|w| w.strip_prefix(k))
                .unwrap_or("?")
                .to_owned()
        };
        let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
        println!(
            "desk.export_{format}_s {wall:.1} (goal <= 60 for 1,000,000; rows {})",
            field("rows=")
        );
        println!(
            "desk.export_{format}_peak_mib {} (goal <= 200)",
            field("peak_mib=")
        );
        println!(
            "desk.export_{format}_mib {:.1} (file size)",
            size as f64 / 1_048_576.0
        );
        println!(
            "desk.export_{format}_rows_per_s {:.0}",
            n as f64 / wall.max(1e-9)
        );
    }
    Ok(())
}
