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
    let linter = lint::Linter::new(rules)
        .map_err(|e| CliError::Config(e.to_string()))?
        .disable(disabled);
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
        print!("{text}");
        return Ok(ExitStatus::Clean);
    }
    let inputs = lint::collect_inputs(&args.paths, args.stdin_filename.as_deref())?;
    let out = io::BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    let mut reporter = lint::report::reporter(args.format, Box::new(out), color);
    let summary = lint::run(&linter, &inputs, reporter.as_mut())?;
    let fail_on = lint::Severity::parse(&args.fail_on).unwrap_or(lint::Severity::Error);
    Ok(ExitStatus::found(summary.fails(fail_on)))
}
