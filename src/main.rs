//! Wiring only: command line → logging → runtime → the chosen command.

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use clap::{CommandFactory, FromArgMatches};

use callbrowser::cli::{Cli, log_path, report, run};

fn main() -> ExitCode {
    let started = Instant::now();
    let log = log_path();
    let about_logs = format!("Logs are written to {}", log.display());
    let version = format!("{}\n{about_logs}", env!("CARGO_PKG_VERSION"));
    let matches = Cli::command()
        .after_help(about_logs)
        .long_version(&*Box::leak(version.into_boxed_str()))
        .get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    let _log_guard = callbrowser::logging::init(&log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            let _ = writeln!(
                std::io::stderr(),
                "callbrowser: cannot start the async runtime: {e}"
            );
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli, started)) {
        Ok(code) => code,
        Err(e) => report(&e),
    }
}
