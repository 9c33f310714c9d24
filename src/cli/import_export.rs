//! `scopelint import` and `scopelint export`: scope in other tools' formats.

use std::io::{self, Write};

use super::args::{Cli, ExportArgs, ImportArgs};
use super::{load_rules, rules_psl, select_program};
use super::{CliError, ExitStatus};

pub fn write_output(path: Option<&std::path::Path>, text: &str) -> Result<(), CliError> {
    match path {
        Some(p) => std::fs::write(p, text)
            .map_err(|e| CliError::Config(format!("{}: cannot write: {e}", p.display()))),
        None => {
            let mut out = io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
            Ok(())
        }
    }
}

pub fn cmd_import(cli: &Cli, args: &ImportArgs) -> Result<ExitStatus, CliError> {
    let psl = rules_psl(cli)?;
    let format = args.format;
    let (text, skipped) = scopelint::import::run_import(
        format,
        &args.file,
        args.program.as_deref(),
        args.to == "list",
        &psl,
    )
    .map_err(CliError::Config)?;
    for line in &skipped.messages {
        eprintln!("scopelint: skipped {line}");
    }
    eprintln!("scopelint import: {}", skipped.summary);
    write_output(args.output.as_deref(), &text)?;
    Ok(ExitStatus::found(skipped.count > 0))
}

pub fn cmd_export(cli: &Cli, args: &ExportArgs) -> Result<ExitStatus, CliError> {
    let rules = load_rules(cli)?;
    let format = args.format;
    let p = select_program(&rules, args.program.as_deref())?;
    let ex = scopelint::export::export(p, format);
    for w in &ex.warnings {
        eprintln!("scopelint: cannot express: {w}");
    }
    write_output(args.output.as_deref(), &ex.text)?;
    Ok(ExitStatus::found(!ex.warnings.is_empty()))
}
