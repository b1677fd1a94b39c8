//! `flockctl`: Flock without a window. Every command is a few lines over the
//! core; errors leave with a non-zero exit and one line on stderr (or
//! `{"error": {...}}` with `--json`).

mod bench;
mod bench_dispatch;
mod bench_memory;
mod accounts;
mod accounts_bench;
mod campaigns;
mod campaigns_bench;
mod cli;
mod commands;
mod contacts;
mod groups;
mod groups_sync;
mod inbox;
mod limits;
mod messages;
mod output;
mod run;
mod team;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    let json = cli.json;
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(report) => {
            output::print_error(json, &report);
            std::process::ExitCode::FAILURE
        }
    }
}
