//! `scopelint lint`: pre-check report drafts.

use std::io;

use scopelint::lint;
use scopelint::ScopeRules;

use super::args::LintArgs;
use super::{CliError, ExitStatus};

pub fn cmd_lint(
    rules: &ScopeRules,
    args: &LintArgs,
    color: bool,
    disabled: &[String],
) -> Result<ExitStatus, CliError> {
    for id in args.disable.iter().chain(&args.enable) {
        if !lint::rule_info::is_rule(id) {
            return Err(CliError::Usage(format!(
                "unknown rule `{id}` (rules: {})",
                lint::Linter::rule_ids()
            )));
        }
    }
    let disabled: Vec<String> = disabled
        .iter()
        .chain(&args.disable)
        .filter(|id| !args.enable.contains(id))
        .cloned()
        .collect();
    let linter = lint::Linter::new(rules)
        .map_err(CliError::Source)?
        .disable(&disabled);
    let linter = match &args.audit_log {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| CliError::Config(format!("--audit-log {}: {e}", p.display())))?;
            let log = lint::sent::SentLog::parse(&text)
                .map_err(|e| CliError::Config(format!("--audit-log {}: {e}", p.display())))?;
            linter.with_audit_log(log)
        }
        None => linter,
    };
    if let Some(id) = &args.explain {
        let text = linter.explain(id).ok_or_else(|| {
            CliError::Config(format!(
                "unknown rule `{id}` (rules: {})",
                lint::Linter::rule_ids()
            ))
        })?;
        // The explanation quotes the rules file.
        print!("{}", scopelint::text::printable_text(&text));
        // With drafts: how the prose model reads each one (terms, negations, exceptions).
        for input in lint::collect_inputs(&args.paths, args.stdin_filename.as_deref())? {
            if let lint::Input::File(p) = &input {
                // The draft's path and text are untrusted.
                let path = p.display().to_string();
                println!("\n{}:", scopelint::text::printable(&path));
                for line in linter.explain_draft(&std::fs::read_to_string(p)?) {
                    println!("  {}", scopelint::text::printable_text(&line));
                }
            }
        }
        return Ok(ExitStatus::Clean);
    }
    let inputs = lint::collect_inputs(&args.paths, args.stdin_filename.as_deref())?;
    if inputs.is_empty() && !args.allow_empty {
        // A mistyped folder must not pass CI silently.
        return Err(CliError::Config(format!(
            "no drafts found in {} (no *.md file below it); --allow-empty to accept that",
            args.paths.join(", ")
        )));
    }
    let out = io::BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    let mut reporter = lint::report::reporter(args.format, Box::new(out), color);
    let summary = lint::run(&linter, &inputs, reporter.as_mut())?;
    let fail_on = args.fail_on;
    Ok(ExitStatus::found(summary.fails(fail_on)))
}
