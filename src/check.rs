//! The `check` run: stream targets through the matcher into a reporter.

use std::io::{self, BufRead};

use crate::matcher::{Lookup, Reason, Verdict, VerdictKind};
use crate::output::CheckReporter;
use crate::rules::ScopeRules;
use crate::target::TargetParseError;

/// Counts of one run.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CheckSummary {
    pub in_scope: u64,
    pub out_of_scope: u64,
    pub invalid: u64,
}

impl CheckSummary {
    pub fn total(&self) -> u64 {
        self.in_scope + self.out_of_scope + self.invalid
    }
    fn count(&mut self, kind: VerdictKind) {
        match kind {
            VerdictKind::InScope => self.in_scope += 1,
            VerdictKind::OutOfScope => self.out_of_scope += 1,
            VerdictKind::Invalid => self.invalid += 1,
        }
    }
}

/// How a `check` run classifies.
#[derive(Debug, Clone, Copy, Default)]
pub struct CheckOptions {
    /// Record the decision path (`--explain`).
    pub explain: bool,
    /// Host lookup: the index, or the linear reference (`--reference`).
    pub lookup: Lookup,
}

/// Classify one target and hand the verdict to the reporter.
pub fn check_one(
    rules: &ScopeRules,
    raw: &[u8],
    reporter: &mut dyn CheckReporter,
    opts: CheckOptions,
    summary: &mut CheckSummary,
) -> io::Result<()> {
    let Some(program) = rules.programs.first() else {
        return Ok(());
    };
    match std::str::from_utf8(raw) {
        Ok(text) => {
            let input = text.trim();
            if let Some(v) = rules.classify_with(input, opts.explain, opts.lookup) {
                summary.count(v.kind);
                reporter.verdict(raw, input, &v)?;
            }
        }
        Err(e) => {
            // Not UTF-8: answer `invalid` for this line and go on.
            let lossy = String::from_utf8_lossy(raw);
            let err = TargetParseError {
                message: format!("not valid UTF-8 (at byte {})", e.valid_up_to()),
            };
            let v = Verdict {
                kind: VerdictKind::Invalid,
                program,
                reason: Reason::Invalid(err),
                normalized: None,
                trace: Vec::new(),
                also_in_scope: Vec::new(),
            };
            summary.count(v.kind);
            reporter.verdict(raw, lossy.trim(), &v)?;
        }
    }
    Ok(())
}

/// Stream targets, one per line, from `input`. Blank lines and `#` comments are skipped; CRLF
/// and surrounding whitespace are tolerated. Memory stays bounded by the longest line.
pub fn check_stream(
    rules: &ScopeRules,
    mut input: impl BufRead,
    reporter: &mut dyn CheckReporter,
    opts: CheckOptions,
) -> io::Result<CheckSummary> {
    let mut summary = CheckSummary::default();
    let mut buf = Vec::with_capacity(1024);
    loop {
        buf.clear();
        if input.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        let mut line = buf.as_slice();
        if let Some(l) = line.strip_suffix(b"\n") {
            line = l;
        }
        if let Some(l) = line.strip_suffix(b"\r") {
            line = l;
        }
        let trimmed = line.trim_ascii();
        if trimmed.is_empty() || trimmed.starts_with(b"#") {
            continue;
        }
        check_one(rules, line, reporter, opts, &mut summary)?;
        if buf.capacity() > 1 << 20 {
            // Give back the memory of a huge line instead of keeping it for the whole run.
            buf = Vec::with_capacity(1024);
        }
    }
    reporter.finish()?;
    Ok(summary)
}
