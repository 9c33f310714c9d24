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
    if args.all {
        return cmd_import_all(args, &psl);
    }
    let (text, skipped) = scopelint::import::run_import(
        format,
        &args.file,
        args.program.as_deref(),
        args.to == "list",
        &psl,
    )
    .map_err(CliError::Config)?;
    for line in &skipped.messages {
        // The skipped entry is quoted from the platform's file: untrusted.
        eprintln!("scopelint: skipped {}", scopelint::text::printable(line));
    }
    eprintln!("scopelint import: {}", skipped.summary);
    write_output(args.output.as_deref(), &text)?;
    Ok(ExitStatus::found(skipped.count > 0))
}

/// `import PLATFORM FILE --all --output DIR`.
fn cmd_import_all(
    args: &ImportArgs,
    psl: &std::sync::Arc<scopelint::psl::SuffixList>,
) -> Result<ExitStatus, CliError> {
    use scopelint::import::all;
    use scopelint::named::Named;
    if !args.format.is_platform_file() {
        return Err(CliError::Usage(format!(
            "--all reads a platform file ({}), not {}",
            scopelint::import::ImportFormat::platform_file_names().join(", "),
            args.format.name()
        )));
    }
    if args.to != "yaml" {
        return Err(CliError::Usage(
            "--all writes rules YAML files, not --to list".into(),
        ));
    }
    // clap: `--all` requires `--output`.
    let Some(dir) = args.output.as_deref() else {
        return Err(CliError::Usage("--all needs --output DIR".into()));
    };
    let origin = args.file.display().to_string();
    let text = scopelint::import::list::read_text(&args.file).map_err(CliError::Config)?;
    let command = format!("scopelint import {} {origin} --all", args.format.name());
    let imported =
        all::import_all(args.format, &text, &origin, &command, psl).map_err(CliError::Config)?;
    all::write_all(dir, &imported).map_err(CliError::Config)?;
    report_all(&imported, dir, true);
    Ok(ExitStatus::found(
        !imported.skipped_programs.is_empty() || imported.skipped_entries() > 0,
    ))
}

/// What `--all` (and `sync`) did not import, on stderr (each skipped program when `each`; all
/// of it is in `skipped.tsv`), then the summary.
pub fn report_all(imported: &scopelint::import::all::AllImport, dir: &std::path::Path, each: bool) {
    for p in imported.skipped_programs.iter().filter(|_| each) {
        eprintln!(
            "scopelint: skipped program {}: {}",
            scopelint::text::printable(&p.id),
            scopelint::text::printable(&p.reason)
        );
    }
    let entries = imported.skipped_entries();
    if entries > 0 {
        eprintln!(
            "scopelint: {entries} in-scope entries could not be imported (the programs are narrower, never wider); see {}",
            dir.join(scopelint::import::all::SKIPPED_FILE).display()
        );
    }
    eprintln!("scopelint import: {}", imported.summary());
}

pub fn cmd_export(cli: &Cli, args: &ExportArgs) -> Result<ExitStatus, CliError> {
    let rules = load_rules(cli)?;
    let format = args.format;
    let p = select_program(&rules, args.program.as_deref())?;
    let ex = scopelint::export::export(p, format);
    for w in &ex.warnings {
        eprintln!(
            "scopelint: cannot express: {}",
            scopelint::text::printable(w)
        );
    }
    write_output(args.output.as_deref(), &ex.text)?;
    Ok(ExitStatus::found(!ex.warnings.is_empty()))
}
