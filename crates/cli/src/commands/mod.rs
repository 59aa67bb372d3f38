//! One module per command group; each turns parsed arguments into core calls and output.

mod audit;
mod customers;
mod export;
mod journal;
mod keys;
mod money;
mod payments;
mod plans;
mod profile;
mod report;
mod runs;
mod sandbox;
mod schedules;
mod store;
mod sync;
mod triage;

use crate::args::{Cli, Command};
use crate::context::Ctx;
use crate::error::{CliResult, Exit};

pub async fn run(cli: Cli) -> CliResult<Exit> {
    let Cli { global, command } = cli;
    if let Command::Sandbox(args) = &command {
        // The sandbox needs no profile: it is what the sandbox profile talks to.
        return sandbox::run(&global, args).await;
    }
    let mut ctx = Ctx::open(global)?;
    match command {
        Command::Sandbox(_) => Ok(Exit::Ok),
        Command::Profile(c) => profile::run(&mut ctx, c).await,
        Command::Sync(a) => sync::run(&mut ctx, a).await,
        Command::Customers(c) => customers::run(&mut ctx, c).await,
        Command::Key(c) => keys::run(&mut ctx, c).await,
        Command::Charge(a) => money::charge(&mut ctx, a).await,
        Command::Refund(a) => money::refund(&mut ctx, a).await,
        Command::Retry(a) => money::retry(&mut ctx, a).await,
        Command::Run(c) => runs::run(&mut ctx, c).await,
        Command::Payments(c) => payments::run(&mut ctx, c).await,
        Command::Schedules(c) => schedules::run(&mut ctx, c).await,
        Command::Triage(c) => triage::run(&mut ctx, c).await,
        Command::Plans(c) => plans::run(&mut ctx, c).await,
        Command::Subscribe {
            plan,
            uid,
            start,
            amount,
        } => plans::subscribe(&mut ctx, plan, uid, start, amount).await,
        Command::SubscribeCsv {
            plan,
            file,
            start,
            dry_run,
        } => plans::subscribe_csv(&mut ctx, plan, &file, start, dry_run).await,
        Command::Unsubscribe {
            plan,
            uid,
            at_period_end,
        } => plans::unsubscribe(&mut ctx, &plan, &uid, at_period_end).await,
        Command::Journal(c) => journal::run(&mut ctx, c).await,
        Command::Audit(c) => audit::run(&mut ctx, c).await,
        Command::Report(c) => report::run(&mut ctx, c).await,
        Command::Store(c) => store::run(&mut ctx, c).await,
    }
}
