//! The command line, as clap parses it. Nothing here takes a secret or card data: those
//! come from a prompt without echo or from stdin (see `cardguard` for the refusal of
//! card data typed as arguments).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::error::EXIT_CODES_HELP;

/// An amount argument read by the core's rule for typed amounts, the app's forms' too:
/// `12000`, `12,000`, `₩12,000` and `12000원` are the same.
fn won(s: &str) -> Result<i64, String> {
    subdesk_billing::parse_amount(s)
        .ok_or_else(|| format!("{s:?} is not whole won (e.g. 12000 or 12,000)"))
}

#[derive(Debug, Parser)]
#[command(
    name = "subdesk-cli",
    version,
    about = "Subdesk from a terminal: the desktop app's profiles, databases and keyring, for scripts and schedulers",
    after_help = EXIT_CODES_HELP,
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Args)]
pub struct Global {
    /// Profile to use (name or id); the app's active profile when absent.
    #[arg(long, global = true, env = "SUBDESK_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,
    /// Address of a running sandbox (`subdesk-cli sandbox` prints it); needed by the sandbox profile.
    #[arg(long, global = true, env = "SUBDESK_SANDBOX_URL", value_name = "URL")]
    pub sandbox_url: Option<String>,
    /// Machine-readable JSON on stdout; errors as {"code","message"} on stderr.
    #[arg(long, global = true)]
    pub json: bool,
    /// If the app lock refuses, ask for the passphrase (on a terminal only).
    #[arg(long, global = true)]
    pub unlock: bool,
    /// Allow money to move on a LIVE profile without a terminal to confirm on.
    #[arg(long, global = true)]
    pub yes_live: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Merchant profiles (shared with the desktop app).
    #[command(subcommand)]
    Profile(ProfileCmd),
    /// Run the practice sandbox in the foreground until Ctrl-C.
    Sandbox(SandboxArgs),
    /// Mirror payments, schedules and billing keys from i'mport (all three when none is chosen).
    Sync(SyncArgs),
    /// Look up and import customers (billing keys).
    #[command(subcommand)]
    Customers(CustomersCmd),
    /// Issue or delete billing keys.
    #[command(subcommand)]
    Key(KeyCmd),
    /// Charge a customer's billing key now.
    Charge(ChargeArgs),
    /// Bulk charge runs: dry run by default, --execute to charge.
    #[command(subcommand)]
    Run(RunCmd),
    /// Refund all or part of a payment.
    Refund(RefundArgs),
    /// Charge a failed payment again: Subdesk's own under its order id, another's under a
    /// new one (pass it back with --merchant-uid to repeat that very order).
    Retry(RetryArgs),
    /// Payments from the local mirror.
    #[command(subcommand)]
    Payments(PaymentsCmd),
    /// Scheduled charges (예약 결제): register, move, revoke, retry, list.
    #[command(subcommand)]
    Schedules(SchedulesCmd),
    /// What needs attention (확인 필요): failed charges and schedules, unknown outcomes,
    /// keys unknown at i'mport, cards about to expire.
    #[command(subcommand)]
    Triage(TriageCmd),
    /// Plans (요금제): list, show, create, archive, and run the plan engine (for cron).
    #[command(subcommand)]
    Plans(PlansCmd),
    /// Put a customer on a plan; the engine registers its periods at its next run.
    Subscribe {
        plan: String,
        uid: String,
        /// No period before this day (YYYY-MM-DD, the profile's time zone); from now when absent.
        #[arg(long, value_name = "DATE")]
        start: Option<String>,
        /// This customer's amount per period, whole won (the plan's when absent).
        #[arg(long, value_parser = won)]
        amount: Option<i64>,
    },
    /// Put the customers of a CSV on a plan (a customer_uid column, optional amount and
    /// start_date): who is subscribed and who is left out and why; --dry-run writes nothing.
    SubscribeCsv {
        plan: String,
        file: std::path::PathBuf,
        /// No period before this day (YYYY-MM-DD) for lines without a start_date.
        #[arg(long, value_name = "DATE")]
        start: Option<String>,
        /// Show the preview only.
        #[arg(long)]
        dry_run: bool,
    },
    /// Cancel a customer's subscription to a plan: now (revoking what the plan registered
    /// at i'mport) or at the end of its period.
    Unsubscribe {
        plan: String,
        uid: String,
        /// Keep it until its next period would be due.
        #[arg(long)]
        at_period_end: bool,
    },
    /// The money journal: every charge and refund, written before it was sent.
    #[command(subcommand)]
    Journal(JournalCmd),
    /// The tamper-evident audit log.
    #[command(subcommand)]
    Audit(AuditCmd),
    /// Reports for the accountant.
    #[command(subcommand)]
    Report(ReportCmd),
    /// The profile's store: backups to a chosen folder (a NAS, a synced folder) and
    /// restoring from one, also on a new computer.
    #[command(subcommand)]
    Store(StoreCmd),
}

#[derive(Debug, Subcommand)]
pub enum StoreCmd {
    /// Back the profile's store up now (an online copy, checked before it gets its name)
    /// to its backup folder, or to DIR.
    Backup {
        #[arg(long, value_name = "DIR")]
        to: Option<PathBuf>,
    },
    /// The profile's backups in its backup folder, or in DIR, newest first, with what
    /// each holds.
    Backups {
        #[arg(long = "in", value_name = "DIR")]
        folder: Option<PathBuf>,
    },
    /// Replace the profile's store with a backup (checked in full first; the store as it
    /// is is backed up beside it). Without --yes, says what would be replaced and stops.
    Restore {
        file: PathBuf,
        /// Replace it.
        #[arg(long)]
        yes: bool,
    },
    /// Copy the profile's store into a shared store (team mode) on a PostgreSQL server
    /// (--to): everything in one transaction, each row compared after the copy, refused
    /// when the shared store holds another store's records; again later, it brings what
    /// changed. Or replace the profile's store with the shared store's (--from: a new
    /// computer getting the registry back), checked like a backup; without --yes, says
    /// what would be replaced and stops. Without a URL, the profile's saved shared store
    /// (`store shared`) and its password from the keyring. The password comes from the
    /// URL, PGPASSWORD or the keyring; a server that is not this computer is reached only
    /// over TLS.
    #[command(group(clap::ArgGroup::new("direction").required(true).args(["to", "from"])))]
    Migrate {
        /// postgres://user@host:port/database to copy into (none: the saved one).
        #[arg(long, value_name = "URL", num_args = 0..=1)]
        to: Option<Option<String>>,
        /// postgres://user@host:port/database to restore from (none: the saved one).
        #[arg(long, value_name = "URL", num_args = 0..=1)]
        from: Option<Option<String>>,
        /// With --from: replace the store.
        #[arg(long)]
        yes: bool,
    },
    /// Show or change the profile's shared store (team mode): its address, how often the
    /// app copies the store into it, and its password in the OS keyring (taken from
    /// PGPASSWORD with --save-password, never from the command line).
    Shared {
        /// postgres://user@host:port/database, without a password ("" removes it).
        #[arg(long, value_name = "URL")]
        url: Option<String>,
        #[arg(long, value_enum)]
        every: Option<EveryArg>,
        /// Save PGPASSWORD as the shared store's password in the keyring.
        #[arg(long, conflicts_with = "forget_password")]
        save_password: bool,
        /// Forget the saved password.
        #[arg(long)]
        forget_password: bool,
    },
    /// Show or change the backup settings: folder, how often the app backs up, how many
    /// are kept.
    Settings {
        #[arg(long, value_name = "DIR")]
        folder: Option<PathBuf>,
        #[arg(long, value_enum)]
        every: Option<EveryArg>,
        #[arg(long)]
        keep: Option<u32>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum EveryArg {
    Off,
    #[value(name = "6h")]
    Every6Hours,
    Daily,
}

#[derive(Debug, Subcommand)]
pub enum ReportCmd {
    /// Sales, cancels, net, tax-free parts and VAT per PG for a month, quarter or
    /// half-year (days in the profile's time zone); `--out FILE.xlsx` saves the workbook.
    Vat(VatArgs),
    /// The period's payments at i'mport against the store: missing on either side, status,
    /// amount or refunded amount apart, requests still open; `--apply` stores i'mport's
    /// version of what differs (nothing changes at i'mport). Exit 1 when anything differs.
    Reconcile(ReconcileArgs),
}

/// A month, quarter or half-year, its days in the profile's time zone.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("period").required(true).args(["month", "quarter", "half"]))]
pub struct PeriodArgs {
    /// The year, e.g. 2026.
    #[arg(long)]
    pub year: i16,
    /// A month, 1-12.
    #[arg(long)]
    pub month: Option<i8>,
    /// A quarter, 1-4.
    #[arg(long)]
    pub quarter: Option<i8>,
    /// A half-year: 1 (January-June) or 2 (July-December).
    #[arg(long)]
    pub half: Option<i8>,
}

#[derive(Debug, Args)]
pub struct ReconcileArgs {
    #[command(flatten)]
    pub period: PeriodArgs,
    /// Store i'mport's version of every payment that differs.
    #[arg(long)]
    pub apply: bool,
}

#[derive(Debug, Args)]
pub struct VatArgs {
    #[command(flatten)]
    pub period: PeriodArgs,
    /// Save the report as an .xlsx here.
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
    /// A line per PG and sales type (매출유형: card, easy pay, transfer, …).
    #[arg(long)]
    pub sales_type: bool,
    /// The workbook's language.
    #[arg(long, value_enum, default_value = "ko")]
    pub lang: LangArg,
}

#[derive(Debug, Subcommand)]
pub enum ProfileCmd {
    /// List profiles; `*` marks the active one.
    List,
    /// Add a test or live profile. The secret is read from a prompt or stdin, never an argument.
    Add(ProfileAddArgs),
    /// Make a profile the active one (for the app and the CLI).
    Use {
        /// Name or id.
        name: String,
    },
    /// Get a token and list the PG channels.
    Test {
        /// Name or id; the chosen profile when absent.
        name: Option<String>,
    },
    /// Remove a profile and its keyring entries; its database stays on disk.
    Remove {
        /// Name or id.
        name: String,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ModeArg {
    Test,
    Live,
}

#[derive(Debug, Args)]
pub struct ProfileAddArgs {
    /// Display name (1–40 characters).
    pub name: String,
    #[arg(long, value_enum)]
    pub mode: ModeArg,
    /// REST API key (imp_key). The secret is then asked for (or read with --secret-stdin).
    #[arg(long)]
    pub imp_key: Option<String>,
    /// Read imp_secret from the first line of stdin instead of a prompt.
    #[arg(long, requires = "imp_key")]
    pub secret_stdin: bool,
    /// API address (https, or http to this computer); i'mport's when absent.
    #[arg(long)]
    pub base_url: Option<String>,
    /// Sub-merchant tier code (3 characters A–Z/0–9).
    #[arg(long)]
    pub tier: Option<String>,
    /// PG used when none is named, e.g. nice.nictest04m.
    #[arg(long)]
    pub default_pg: Option<String>,
    /// IANA time zone for showing times (Asia/Seoul when absent).
    #[arg(long)]
    pub time_zone: Option<String>,
    /// Finance role: reads only.
    #[arg(long)]
    pub read_only: bool,
}

#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: std::net::SocketAddr,
    /// Keep state in memory instead of the app's sandbox database.
    #[arg(long)]
    pub memory: bool,
    /// Wait this long before every API answer, to imitate the network (e.g. 80ms).
    #[arg(long, value_parser = subdesk_sandbox::parse_latency, default_value = "0")]
    pub latency: std::time::Duration,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Verify the billing-key registry.
    #[arg(long)]
    pub keys: bool,
    #[arg(long)]
    pub payments: bool,
    #[arg(long)]
    pub schedules: bool,
    /// Sync every payment from this day again (YYYY-MM-DD or RFC 3339) instead of only
    /// what changed since the last sync (the first sync goes a year back).
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum CustomersCmd {
    /// Search by name (2 syllables and 초성 work), phone, email, uid or card last four.
    Search {
        query: String,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// One customer with recent payments.
    Show { uid: String },
    /// Every customer the filters match, to a file Excel reads right (.xlsx by default).
    Export {
        /// Free text: name, phone, email, uid, card last four.
        #[arg(long)]
        text: Option<String>,
        /// Key status; repeat or separate with commas.
        #[arg(long, value_enum, value_delimiter = ',')]
        status: Vec<KeyStatusArg>,
        #[arg(long, value_name = "PG")]
        pg: Option<String>,
        /// Customers carrying every one of these tags.
        #[arg(long, value_delimiter = ',')]
        tag: Vec<String>,
        #[command(flatten)]
        export: ExportOpts,
    },
    /// Import customer_uids (one per line, or CSV customer_uid[,notes,tags]).
    Import {
        file: PathBuf,
        /// Import the good rows even when some are bad (else nothing is imported).
        #[arg(long)]
        good_only: bool,
        /// Do not check the imported keys at i'mport afterwards.
        #[arg(long)]
        no_verify: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeyCmd {
    /// Issue a billing key. Card data comes from a prompt, or stdin with --card-stdin
    /// (JSON {"number","expiry","birth","pwd_2digit"} or key=value lines); never arguments.
    #[command(after_help = KEY_ISSUE_EXAMPLES)]
    Issue(KeyIssueArgs),
    /// Delete a billing key at i'mport and mark it deleted here, its pending schedules
    /// revoked first (the key is kept if any cannot be).
    Delete {
        uid: String,
        #[arg(long)]
        reason: String,
    },
}

/// Ways to hand over a card that leave nothing in shell history or process lists.
const KEY_ISSUE_EXAMPLES: &str = "\
Examples (card data stays out of shell history and `ps`):
  Typed at prompts without echo:
    subdesk-cli key issue cust-0001 --pg nice.nictest04m --customer-name 홍길동
  From a file only you can read, removed afterwards:
    umask 077; $EDITOR card.json   # {\"number\":\"…\",\"expiry\":\"2031-12\",\"birth\":\"900101\",\"pwd_2digit\":\"12\"}
    subdesk-cli key issue cust-0001 --pg nice.nictest04m --card-stdin < card.json && shred -u card.json
  From a password manager's command line tool (the card never touches a file):
    pass show cards/cust-0001 | subdesk-cli key issue cust-0001 --pg nice.nictest04m --card-stdin
Never `echo '{\"number\":…}' | …`: the echo line itself is kept in shell history.";

#[derive(Debug, Args)]
pub struct KeyIssueArgs {
    pub uid: String,
    /// `{pg_provider}` or `{pg_provider}.{MID}`, e.g. nice.nictest04m.
    #[arg(long)]
    pub pg: String,
    /// Read the card from stdin.
    #[arg(long)]
    pub card_stdin: bool,
    /// Cardholder name.
    #[arg(long = "customer-name")]
    pub customer_name: Option<String>,
    #[arg(long = "customer-tel")]
    pub customer_tel: Option<String>,
    #[arg(long = "customer-email")]
    pub customer_email: Option<String>,
    /// Toss Payments links buyer and key through this id.
    #[arg(long = "customer-id")]
    pub customer_id: Option<String>,
    /// The kind of goods the key's charges are for (required by KSNET); kept with the
    /// key and sent with its every charge and schedule.
    #[arg(long = "product-type")]
    pub product_type: Option<ProductKind>,
    /// The channel's key (GET /users/pg); looked up from --pg's channel when absent.
    #[arg(long = "channel-key")]
    pub channel_key: Option<String>,
    /// Issue although the customer_uid already has a key: it is re-pointed to this card
    /// and the old key stays alive at the PG (delete it first to revoke it there).
    #[arg(long)]
    pub replace: bool,
}

/// `product_type`: what a charge is for (KSNET refuses a charge without it).
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ProductKind {
    Real,
    Digital,
}

impl From<ProductKind> for subdesk_billing::ProductType {
    fn from(k: ProductKind) -> Self {
        match k {
            ProductKind::Real => Self::Real,
            ProductKind::Digital => Self::Digital,
        }
    }
}

#[derive(Debug, Args)]
pub struct ChargeArgs {
    pub uid: String,
    /// Whole won.
    #[arg(long, value_parser = won)]
    pub amount: i64,
    /// Order name (1–40 characters).
    #[arg(long)]
    pub name: String,
    /// Tax-free part of the amount, whole won.
    #[arg(long, value_parser = won)]
    pub tax_free: Option<i64>,
    /// Retry an earlier order with its merchant_uid. Without it, running the same
    /// command again after a lost answer is safe too: it is answered with that
    /// charge's outcome first.
    #[arg(long, conflicts_with = "new_order")]
    pub merchant_uid: Option<String>,
    /// A new charge although the same one was paid minutes ago (otherwise refused
    /// as most likely the same charge again).
    #[arg(long)]
    pub new_order: bool,
    /// The kind of goods (KSNET); the one kept with the key when absent.
    #[arg(long = "product-type")]
    pub product_type: Option<ProductKind>,
}

#[derive(Debug, Args)]
pub struct RetryArgs {
    /// The failed payment.
    pub imp_uid: String,
    /// The order id an earlier `retry` of this payment printed: that order again (never a
    /// second one). Subdesk's own charge always retries under its own.
    #[arg(long)]
    pub merchant_uid: Option<String>,
}

#[derive(Debug, Args)]
pub struct RefundArgs {
    pub imp_uid: String,
    /// Whole won; everything that remains when absent.
    #[arg(long, value_parser = won)]
    pub amount: Option<i64>,
    #[arg(long)]
    pub reason: String,
    #[arg(long, value_parser = won)]
    pub tax_free: Option<i64>,
}

#[derive(Debug, Clone, Args)]
pub struct RunOpts {
    /// Only plan (the default): writes the run, charges nothing.
    #[arg(long, conflicts_with = "execute")]
    pub dry_run: bool,
    /// Plan and charge.
    #[arg(long)]
    pub execute: bool,
    /// Charges in flight at once.
    #[arg(long, default_value_t = 4)]
    pub concurrency: u32,
    /// Requests per second at most (0 = unlimited).
    #[arg(long, default_value_t = 10.0)]
    pub rate: f64,
    /// Charge a customer once per line when they are on several lines (otherwise
    /// the later lines are left out).
    #[arg(long)]
    pub allow_repeats: bool,
    /// Run the same content again although a run of it already completed (new
    /// order ids: everyone is charged again).
    #[arg(long)]
    pub repeat_done: bool,
}

#[derive(Debug, Subcommand)]
pub enum RunCmd {
    /// A run from a CSV of customer_uid,amount[,name].
    Csv {
        file: PathBuf,
        /// Label shown in the app; the file name when absent.
        #[arg(long)]
        label: Option<String>,
        /// Order name for rows without one.
        #[arg(long, default_value = "일괄 결제")]
        name: String,
        /// Execute even when some CSV rows are bad (they are left out).
        #[arg(long)]
        good_only: bool,
        #[command(flatten)]
        opts: RunOpts,
    },
    /// Everyone on a plan due this period.
    Plan {
        plan: String,
        #[command(flatten)]
        opts: RunOpts,
    },
    /// Execute or resume a planned, paused or interrupted run.
    Resume { id: String },
    /// The run's items and how each ended, to a file Excel reads right (.xlsx by default).
    Export {
        id: String,
        #[command(flatten)]
        export: ExportOpts,
    },
    /// The run's per-item result as CSV.
    Report {
        id: String,
        /// Write to this file instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum KeyStatusArg {
    Active,
    Unverified,
    Unknown,
    Deleted,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum StatusArg {
    Ready,
    Paid,
    Cancelled,
    Failed,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PeriodArg {
    Today,
    Yesterday,
    ThisWeek,
    ThisMonth,
    LastMonth,
    ThisQuarter,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TimeArg {
    /// The payment's latest change.
    Event,
    Paid,
    Cancelled,
    Failed,
}

#[derive(Debug, Subcommand)]
pub enum PaymentsCmd {
    /// Payments, newest first.
    List(PaymentsListArgs),
    /// Every payment the filters match, to a file Excel reads right (.xlsx by default).
    Export {
        #[command(flatten)]
        filters: PaymentFilters,
        #[command(flatten)]
        export: ExportOpts,
    },
}

/// The file an export writes.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum FormatArg {
    /// Excel workbook: amounts as won numbers, ids as text, times as dates.
    Xlsx,
    /// CSV in UTF-8 with a byte-order mark.
    Csv,
    /// CSV in CP949 (characters it cannot encode are refused).
    #[value(name = "csv-cp949")]
    CsvCp949,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum LangArg {
    Ko,
    En,
}

/// How an export is written.
#[derive(Debug, Args)]
pub struct ExportOpts {
    #[arg(long, value_enum, default_value = "xlsx")]
    pub format: FormatArg,
    /// Column ids in order, comma-separated (an unknown id lists the known ones); the
    /// list's usual columns when absent.
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub columns: Vec<String>,
    /// The language of headers and statuses.
    #[arg(long, value_enum, default_value = "ko")]
    pub lang: LangArg,
    /// The file to write (`-`: CSV to stdout). Written under a temporary name and
    /// renamed when complete, so a failure or Ctrl-C leaves no half file.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// Which payments: the filters of `payments list` and `payments export`.
#[derive(Debug, Args)]
pub struct PaymentFilters {
    /// Repeat or separate with commas.
    #[arg(long, value_enum, value_delimiter = ',')]
    pub status: Vec<StatusArg>,
    /// A named period in the profile's time zone (instead of --from/--to).
    #[arg(long, value_enum, conflicts_with_all = ["from", "to"])]
    pub period: Option<PeriodArg>,
    /// Which time --period/--from/--to apply to (and the list is sorted by).
    #[arg(long = "time", value_enum, default_value_t = TimeArg::Event)]
    pub time: TimeArg,
    /// From this day (YYYY-MM-DD, in the profile's time zone) or time (RFC 3339).
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// To the end of this day, or this time.
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
    #[arg(long, value_name = "UID")]
    pub customer: Option<String>,
    /// Only this PG (as stored: `nice`, `kcp`, …).
    #[arg(long, value_name = "PG")]
    pub pg: Option<String>,
    /// Only this payment method (`card`, `trans`, …).
    #[arg(long, value_name = "METHOD")]
    pub method: Option<String>,
    /// Only this card company, as i'mport names it.
    #[arg(long, value_name = "NAME")]
    pub card: Option<String>,
    /// Free text: imp_uid, merchant_uid, buyer name, approval number, amount.
    #[arg(long)]
    pub text: Option<String>,
}

#[derive(Debug, Args)]
pub struct PaymentsListArgs {
    #[command(flatten)]
    pub filters: PaymentFilters,
    /// Rows at most (1–500); ignored with --csv, which exports every match.
    #[arg(long, default_value_t = 100)]
    pub limit: u32,
    /// Every matching payment as CSV (UTF-8 with BOM) on stdout: the same as
    /// `payments export --format csv --out -`.
    #[arg(long)]
    pub csv: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ScheduleStateArg {
    Scheduled,
    Paid,
    Failed,
    Revoked,
}

#[derive(Debug, Subcommand)]
pub enum TriageCmd {
    /// The entries needing attention, newest problems first by kind.
    List,
    /// Mark an entry resolved (recorded in the audit log); it leaves the list.
    Resolve {
        /// The entry's key, as `triage list` shows it.
        key: String,
        /// Why, for the audit log.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Charge an entry's order again under its own order id (never a second charge).
    Retry { key: String },
    /// Look an entry up at i'mport now.
    Check { key: String },
}

#[derive(Debug, Subcommand)]
pub enum SchedulesCmd {
    /// Register a one-off schedule on a customer's key.
    Add {
        uid: String,
        /// When i'mport charges: "YYYY-MM-DD HH:MM" in the profile's time zone.
        #[arg(long, value_name = "WHEN")]
        at: String,
        /// Whole won.
        #[arg(long, value_parser = won)]
        amount: i64,
        /// Order name (1–40 characters).
        #[arg(long)]
        name: String,
        /// Tax-free part of the amount, whole won.
        #[arg(long, value_parser = won)]
        tax_free: Option<i64>,
        /// Register again under this order id (after a lost answer); a new one when absent.
        #[arg(long)]
        merchant_uid: Option<String>,
        /// The kind of goods (KSNET); the one kept with the key when absent.
        #[arg(long = "product-type")]
        product_type: Option<ProductKind>,
    },
    /// Move a pending schedule to another time.
    Move {
        merchant_uid: String,
        /// "YYYY-MM-DD HH:MM" in the profile's time zone.
        #[arg(long, value_name = "WHEN")]
        at: String,
    },
    /// Revoke pending schedules of a key: the ones named, or all with --all.
    Revoke {
        uid: String,
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        merchant_uids: Vec<String>,
        /// Every pending schedule of the key (looked up at i'mport first).
        #[arg(long)]
        all: bool,
    },
    /// Charge a failed or revoked schedule now, under its order id.
    Retry { merchant_uid: String },
    /// Register a failed or revoked schedule again at a new time.
    Reschedule {
        merchant_uid: String,
        #[arg(long, value_name = "WHEN")]
        at: String,
    },
    /// Schedules from the local mirror, oldest first, with their totals.
    List {
        /// Repeat or separate with commas.
        #[arg(long, value_enum, value_delimiter = ',')]
        state: Vec<ScheduleStateArg>,
        /// From this day (YYYY-MM-DD, in the profile's time zone) or time (RFC 3339).
        #[arg(long, value_name = "DATE")]
        from: Option<String>,
        /// To the end of this day, or this time.
        #[arg(long, value_name = "DATE")]
        to: Option<String>,
        #[arg(long, value_name = "UID")]
        customer: Option<String>,
        /// Only this PG (pg_provider).
        #[arg(long)]
        pg: Option<String>,
        /// Text in the order id, customer, order name or buyer.
        #[arg(long)]
        text: Option<String>,
        /// Rows at most (1–500).
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum IntervalArg {
    /// Every month on --day (1–28).
    Monthly,
    /// Every month on its last day.
    MonthEnd,
    /// Every --every days.
    EveryDays,
    /// Every --every weeks.
    EveryWeeks,
    /// Once a year on the start's month and day.
    Yearly,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DunningEndArg {
    /// The period is given up; the next ones are charged as usual.
    Keep,
    /// Collection is paused until resumed.
    Pause,
    /// The subscription is cancelled.
    Cancel,
}

#[derive(Debug, Subcommand)]
pub enum PlansCmd {
    /// Every plan with its subscribers, monthly recurring revenue and next run.
    List,
    /// One plan: its figures and its subscribers.
    Show { code: String },
    /// Create a plan (every problem of the input at once).
    Create {
        /// 1–10 lower-case letters or digits; part of every period's order id.
        code: String,
        #[arg(long)]
        name: String,
        /// Whole won per period.
        #[arg(long, value_parser = won)]
        amount: i64,
        #[arg(long, value_parser = won, default_value_t = 0)]
        tax_free: i64,
        #[arg(long, value_enum, default_value = "monthly")]
        interval: IntervalArg,
        /// The billing day, for --interval monthly.
        #[arg(long, default_value_t = 1)]
        day: u32,
        /// Days or weeks, for --interval every-days / every-weeks.
        #[arg(long, default_value_t = 7)]
        every: u32,
        /// The first possible charge: "YYYY-MM-DD HH:MM" in the profile's time zone.
        #[arg(long, value_name = "WHEN")]
        start: String,
        /// Days after a failed period at which it is tried again, rising, e.g. "1,3,5,7"
        /// (the default); "" for no retries.
        #[arg(long, value_name = "DAYS")]
        ladder: Option<String>,
        /// What happens to the subscription after the last retry or a hard decline.
        #[arg(long, value_enum, default_value = "keep")]
        dunning_end: DunningEndArg,
        /// Subscribing charges the current period at once.
        #[arg(long)]
        first_charge: bool,
    },
    /// Archive a plan (nobody new can subscribe), or bring it back with --undo.
    Archive {
        code: String,
        #[arg(long)]
        undo: bool,
    },
    /// Run the plan engine once: read due periods, retry failures, register the next
    /// periods. One runner at a time across the app and the CLI.
    Run,
}

#[derive(Debug, Subcommand)]
pub enum JournalCmd {
    /// Journal rows, newest first.
    List {
        /// Only rows still being checked.
        #[arg(long)]
        open: bool,
        #[arg(long, value_name = "UID")]
        customer: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Decide every row still being checked by looking it up at i'mport.
    Reconcile,
    /// One row in full: the request, the answer, and for a conflict what i'mport holds.
    Show { id: i64 },
    /// Decide a conflict: the payment i'mport holds under the order id is ours
    /// (`--ours`: recorded as paid/refunded/registered) or not (`--not-ours`: our
    /// request did nothing).
    Decide {
        id: i64,
        #[arg(
            long,
            conflicts_with = "not_ours",
            required_unless_present = "not_ours"
        )]
        ours: bool,
        #[arg(long)]
        not_ours: bool,
        /// Why, for the audit log.
        #[arg(long, default_value = "")]
        note: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Check the audit log's hash chain.
    Verify,
    /// The audit log, newest first.
    List {
        /// Only actions starting with this, e.g. `customer.` or `charge.again`.
        #[arg(long)]
        action: Option<String>,
        /// Only entries about this customer_uid.
        #[arg(long)]
        customer: Option<String>,
        /// Only entries that did not end `ok`.
        #[arg(long)]
        problems: bool,
        /// At most this many entries (1-500).
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn charge(args: &[&str]) -> Result<ChargeArgs, clap::Error> {
        let argv = [&["subdesk-cli", "charge", "cust_1", "--name", "x"], args].concat();
        match Cli::try_parse_from(argv)?.command {
            Command::Charge(c) => Ok(c),
            other => panic!("not a charge: {other:?}"),
        }
    }

    #[test]
    fn amounts_are_read_as_the_forms_read_them() {
        let c = charge(&["--amount", "12,000", "--tax-free", "₩1,000"]).unwrap();
        assert_eq!((c.amount, c.tax_free), (12_000, Some(1_000)));
        assert_eq!(charge(&["--amount", "12000원"]).unwrap().amount, 12_000);
        let refused = charge(&["--amount", "12.5"]).unwrap_err().to_string();
        assert!(refused.contains("not whole won"), "{refused}");
    }
}
