//! The `scopelint` binary: parse the command line, load the configuration, run one command and
//! turn its [`ExitStatus`] into the exit code, in this one place: 0 clean, 1 findings, 2 usage,
//! configuration or I/O error. A closed pipe downstream ends the run quietly. Everything the
//! commands do lives in the library; `cli/` holds the arguments, settings and command glue.

mod cli;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use cli::args::Cli;
use cli::ExitStatus;

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let status =
        cli::settings::configure(&mut cli, &matches).and_then(|settings| cli::run(cli, &settings));
    match status {
        Ok(ExitStatus::Clean) => ExitCode::SUCCESS,
        Ok(ExitStatus::Findings) => ExitCode::from(1),
        Ok(ExitStatus::Error) => ExitCode::from(2),
        Ok(ExitStatus::Passthrough(code)) => ExitCode::from(code),
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            // Errors quote files, entries and targets: shown escaped (a `\n` in them too, so
            // that no quoted text can start a line of its own).
            eprintln!("scopelint: {}", scopelint::text::printable(&e.to_string()));
            ExitCode::from(2)
        }
    }
}
