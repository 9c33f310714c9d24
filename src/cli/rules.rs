//! `scopelint rules ...`: validate, test, show, diff and the JSON Schema.

use std::io::{self, Write};
use std::path::PathBuf;

use scopelint::diagnostic::Severity;
use scopelint::lint;
use scopelint::lint::report::LintFormat;
use scopelint::lint::rule_info::RuleInfo;

use super::args::{Cli, DiffFormat, RulesArgs, RulesCommand, RulesFormat, ValidateFormat};
use super::{load_rules_from, rules_files, rules_psl, select_program};
use super::{CliError, ExitStatus};

pub fn cmd_rules(cli: &Cli, args: &RulesArgs, color: bool) -> Result<ExitStatus, CliError> {
    match &args.command {
        RulesCommand::Validate {
            files,
            format,
            fail_on,
        } => cmd_rules_validate(cli, files, *format, fail_on == "warning", color),
        RulesCommand::Test {
            files,
            format,
            fail_uncovered,
        } => cmd_rules_test(cli, files, *format, *fail_uncovered, color),
        RulesCommand::Show {
            files,
            program,
            format,
        } => cmd_rules_show(cli, files, program.as_deref(), *format),
        RulesCommand::Diff {
            old,
            new,
            targets,
            format,
        } => cmd_rules_diff(cli, old, new, targets.as_deref(), *format),
        RulesCommand::Schema => {
            io::stdout().write_all(scopelint::rules::schema::schema_json().as_bytes())?;
            Ok(ExitStatus::Clean)
        }
    }
}

pub fn cmd_rules_validate(
    cli: &Cli,
    files: &[PathBuf],
    format: ValidateFormat,
    fail_on_warning: bool,
    color: bool,
) -> Result<ExitStatus, CliError> {
    use scopelint::authoring::validate;
    let psl = rules_psl(cli)?;
    let reports: Vec<validate::FileReport> = match rules_files(cli, files) {
        Some(files) => files
            .iter()
            .map(|f| validate::validate_file(f, psl.clone()))
            .collect(),
        None => vec![validate::validate_str(
            scopelint::rules::EMBEDDED_RULES,
            scopelint::rules::EMBEDDED_RULES_PATH,
            psl,
        )],
    };
    let all: Vec<&validate::Problem> = reports.iter().flat_map(|r| &r.problems).collect();
    let shared = match format {
        ValidateFormat::Text => None,
        ValidateFormat::Json => None,
        ValidateFormat::Sarif => Some(LintFormat::Sarif),
        ValidateFormat::Github => Some(LintFormat::Github),
    };
    match shared {
        None => {
            let own = if format == ValidateFormat::Json {
                RulesFormat::Json
            } else {
                RulesFormat::Text
            };
            write_reports(own, &reports, |r| validate::render_text(r, color), &all)?;
        }
        Some(f) => emit_shared(f, &reports)?,
    }
    let errors: usize = reports.iter().map(|r| r.errors()).sum();
    let warnings: usize = reports.iter().map(|r| r.warnings()).sum();
    if errors > 0 {
        // The errors are the command's own report, not a failure of the tool: exit 2.
        eprintln!(
            "scopelint: rules validate: {errors} error{} in {} file{}",
            if errors == 1 { "" } else { "s" },
            reports.len(),
            if reports.len() == 1 { "" } else { "s" }
        );
        return Ok(ExitStatus::Error);
    }
    Ok(ExitStatus::found(fail_on_warning && warnings > 0))
}

pub fn cmd_rules_test(
    cli: &Cli,
    files: &[PathBuf],
    format: RulesFormat,
    fail_uncovered: bool,
    color: bool,
) -> Result<ExitStatus, CliError> {
    use scopelint::authoring::examples;
    let rules = load_rules_from(cli, files)?;
    let reports: Vec<examples::TestReport> =
        rules.programs.iter().map(examples::run_examples).collect();
    write_reports(
        format,
        &reports,
        |r| examples::render_text(r, color),
        &reports,
    )?;
    Ok(ExitStatus::found(reports.iter().any(|r| {
        r.failed() > 0 || (fail_uncovered && !r.uncovered.is_empty())
    })))
}

/// The rule ids of `rules validate` problems, as SARIF and annotations name them.
static VALIDATE_RULES: &[RuleInfo] = &[
    RuleInfo {
        id: "rules-error",
        severity: Severity::Error,
        summary: "A problem that stops the rules file from loading.",
        help: "YAML syntax or types, unknown or duplicate keys, invalid host patterns, CIDRs, regexes or app ids, wildcards over public or customer-owned suffixes, references to undefined assets or tables, values the runtime refuses. The message names the key and the fix.",
    },
    RuleInfo {
        id: "rules-warning",
        severity: Severity::Warning,
        summary: "A rules file that loads but says something its author likely did not mean.",
        help: "A host pattern written in a form the loader normalizes, an asset wholly shadowed by another or cancelled by an exclusion, an exclusion that never takes anything out of scope.",
    },
];

/// `rules validate` problems through the emitters `lint` uses (SARIF, GitHub annotations).
fn emit_shared(
    format: LintFormat,
    reports: &[scopelint::authoring::validate::FileReport],
) -> io::Result<()> {
    let out = io::BufWriter::new(io::stdout().lock());
    let mut reporter =
        lint::report::reporter_for(format, Box::new(out), false, VALIDATE_RULES, None);
    let mut summary = lint::LintSummary::default();
    for r in reports {
        let file = lint::FileReport {
            path: r.file.clone(),
            diagnostics: r
                .problems
                .iter()
                .map(|p| {
                    let rule = if p.severity == Severity::Error {
                        "rules-error"
                    } else {
                        "rules-warning"
                    };
                    let message = match &p.help {
                        Some(h) => format!("{} ({h})", p.message),
                        None => p.message.clone(),
                    };
                    lint::Diagnostic::new(rule, p.severity, p.line, p.column, message)
                })
                .collect(),
            award: None,
            awards: Vec::new(),
        };
        summary.add(&file);
        reporter.file(&file)?;
    }
    reporter.finish(&summary)
}

/// A plain list as the rules file `import list` makes of it (so `show` and `diff` see its
/// entries as assets and exclusions); `None` for a YAML rules file.
fn as_rules_file(
    path: &std::path::Path,
    psl: &std::sync::Arc<scopelint::psl::SuffixList>,
) -> Result<Option<scopelint::rules::Program>, CliError> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Ok(None); // the loader reports it
    };
    if !scopelint::rules::plain::is_plain_list(path, &text) {
        return Ok(None);
    }
    let (yaml, _) = scopelint::import::run_import(
        scopelint::import::ImportFormat::List,
        path,
        None,
        false,
        psl,
    )
    .map_err(CliError::Config)?;
    // Sources point into the converted text, not the list: say so in the origin.
    let origin = format!("{} (as imported)", path.display());
    let mut program = scopelint::rules::load_program_str(&yaml, &origin, psl.clone())?;
    // Reasons that name the list's path and line would make every exclusion differ between
    // two versions of a list: a plain list's exclusion has one reason.
    for x in &mut program.file.exclusions {
        x.value.reason = "listed as out of scope (`!`) in the plain list".into();
    }
    Ok(Some(program))
}

/// Writes each report as text, or `json` as one pretty-printed document, to standard output.
pub fn write_reports<R>(
    format: RulesFormat,
    reports: &[R],
    text: impl Fn(&R) -> String,
    json: &impl serde::Serialize,
) -> io::Result<()> {
    let mut out = io::stdout().lock();
    match format {
        RulesFormat::Text => {
            for r in reports {
                out.write_all(text(r).as_bytes())?;
            }
        }
        RulesFormat::Json => {
            serde_json::to_writer_pretty(&mut out, json).map_err(io::Error::from)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()
}

pub fn cmd_rules_show(
    cli: &Cli,
    files: &[PathBuf],
    program: Option<&str>,
    format: RulesFormat,
) -> Result<ExitStatus, CliError> {
    let mut rules = load_rules_from(cli, files)?;
    // Plain lists keep no rules-file model; show them as `import list` writes them.
    let paths = rules_files(cli, files).unwrap_or_default();
    for (program, path) in rules.programs.iter_mut().zip(&paths) {
        if program.file.assets.is_empty() && program.file.exclusions.is_empty() {
            if let Some(p) = as_rules_file(path, &program.psl)? {
                *program = p;
            }
        }
    }
    let p = select_program(&rules, program)?;
    let mut out = io::stdout().lock();
    match format {
        // The renderers escape the rules file's text where they put it.
        RulesFormat::Text => out.write_all(scopelint::authoring::show::show_text(p).as_bytes())?,
        RulesFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &scopelint::authoring::show::show_json(p))
                .map_err(io::Error::from)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    Ok(ExitStatus::Clean)
}

pub fn cmd_rules_diff(
    cli: &Cli,
    old: &std::path::Path,
    new: &std::path::Path,
    targets: Option<&std::path::Path>,
    format: DiffFormat,
) -> Result<ExitStatus, CliError> {
    use scopelint::authoring::diff;
    use scopelint::rules::load_program_file;
    let psl = rules_psl(cli)?;
    if old.is_dir() || new.is_dir() {
        if !(old.is_dir() && new.is_dir()) {
            return Err(CliError::Usage(
                "rules diff compares two files or two directories, not a file with a directory"
                    .into(),
            ));
        }
        if targets.is_some() {
            return Err(CliError::Usage(
                "--targets compares two files (one program), not two directories".into(),
            ));
        }
        let skipped = scopelint::import::all::skipped_programs_in(new)
            .into_iter()
            .map(|p| (p.id, p.reason))
            .collect();
        let (old, new) = (load_dir(old, &psl)?, load_dir(new, &psl)?);
        let feed = diff::feed(
            &old.iter().map(|p| &p.file).collect::<Vec<_>>(),
            &new.iter().map(|p| &p.file).collect::<Vec<_>>(),
            &skipped,
        );
        write_feed(&feed, format)?;
        return Ok(ExitStatus::found(!feed.is_empty()));
    }
    let old_plain = as_rules_file(old, &psl)?;
    let new_plain = as_rules_file(new, &psl)?;
    let both_plain = old_plain.is_some() && new_plain.is_some();
    let old = match old_plain {
        Some(p) => p,
        None => load_program_file(old, psl.clone())?,
    };
    let mut new = match new_plain {
        Some(p) => p,
        None => load_program_file(new, psl)?,
    };
    if both_plain {
        // Two versions of one list: the program is the same whatever the files are called.
        new.file.program.id = old.file.program.id.clone();
        new.file.program.name = old.file.program.name.clone();
    }
    if format == DiffFormat::Jsonl {
        if targets.is_some() {
            return Err(CliError::Usage(
                "--format jsonl prints the change feed; --targets needs text or json".into(),
            ));
        }
        // Two revisions of one program, whatever their ids say.
        let mut renamed = new.file.clone();
        renamed.program.id = old.file.program.id.clone();
        let feed = diff::feed(&[&old.file], &[&renamed], &Default::default());
        write_feed(&feed, format)?;
        return Ok(ExitStatus::found(!feed.is_empty()));
    }
    let changes = diff::diff_files(&old.file, &new.file);
    let verdicts = match targets {
        Some(path) => {
            let text = if path.as_os_str() == "-" {
                io::read_to_string(io::stdin())?
            } else {
                std::fs::read_to_string(path)
                    .map_err(|e| CliError::Config(format!("{}: {e}", path.display())))?
            };
            Some(diff::diff_targets(&old, &new, text.lines()))
        }
        None => None,
    };
    let mut out = io::stdout().lock();
    match format {
        DiffFormat::Json => {
            let v = serde_json::json!({ "changes": changes, "verdict_changes": verdicts });
            serde_json::to_writer_pretty(&mut out, &v).map_err(io::Error::from)?;
            out.write_all(b"\n")?;
        }
        _ => out.write_all(diff::render_text(&changes, verdicts.as_deref()).as_bytes())?,
    }
    out.flush()?;
    Ok(ExitStatus::found(match &verdicts {
        Some(v) => !v.is_empty(),
        None => !changes.is_empty(),
    }))
}

/// Every program in a directory (rules files and plain lists; none is an empty set), with
/// `program.id` unique: the feed matches programs by it.
pub fn load_dir(
    dir: &std::path::Path,
    psl: &std::sync::Arc<scopelint::psl::SuffixList>,
) -> Result<Vec<scopelint::rules::Program>, CliError> {
    let files = scopelint::rules::multi::rules_files_in(dir)?;
    let mut out: Vec<scopelint::rules::Program> = Vec::with_capacity(files.len());
    let mut seen = std::collections::BTreeMap::new();
    for f in &files {
        let p = match as_rules_file(f, psl)? {
            Some(p) => p,
            None => scopelint::rules::load_program_file(f, psl.clone())?,
        };
        if let Some(first) = seen.insert(p.file.program.id.clone(), f.clone()) {
            return Err(CliError::Config(format!(
                "{}: program id `{}` is also the id of {}; the feed matches programs by id",
                f.display(),
                p.file.program.id,
                first.display()
            )));
        }
        out.push(p);
    }
    Ok(out)
}

/// The change feed as text (grouped by program), a JSON document, or JSON lines.
pub fn write_feed(
    feed: &[scopelint::authoring::diff::FeedChange],
    format: DiffFormat,
) -> io::Result<()> {
    use scopelint::authoring::diff;
    let mut out = io::BufWriter::new(io::stdout().lock());
    match format {
        DiffFormat::Text => out.write_all(diff::render_feed_text(feed).as_bytes())?,
        DiffFormat::Json => {
            let v = serde_json::json!({ "changes": feed, "counts": diff::FeedCounts::of(feed) });
            serde_json::to_writer_pretty(&mut out, &v).map_err(io::Error::from)?;
            out.write_all(b"\n")?;
        }
        DiffFormat::Jsonl => {
            for f in feed {
                serde_json::to_writer(&mut out, f).map_err(io::Error::from)?;
                out.write_all(b"\n")?;
            }
        }
    }
    out.flush()
}
