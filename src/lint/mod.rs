//! `scopelint lint`: pre-check bounty report drafts against the program's rules.
//!
//! A draft is a Markdown file with optional YAML front matter ([`draft`]). The checks
//! ([`checks`], [`secrets`], [`award`]) read their patterns from the rules file, compiled once
//! per program into a [`checks::LintRules`] held by a [`Linter`]. Suppression comments are
//! applied last ([`suppress`]). Output goes through a [`report::LintReporter`]: the engine
//! never formats text, JSON, SARIF or workflow annotations itself.

pub mod award;
pub mod checks;
#[doc(hidden)]
pub mod corpus;
pub mod draft;
pub mod explain;
pub mod prose;
pub mod report;
pub mod rule_info;
pub mod secrets;
pub mod sent;
pub mod suppress;

use std::io::{self, Read};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::rules::{RulesError, ScopeRules};
use checks::LintRules;
use draft::Draft;
use report::LintReporter;

pub use crate::diagnostic::Severity;

/// Stable rule ids.
pub mod rule {
    pub const TARGET_OUT_OF_SCOPE: &str = "target-out-of-scope";
    pub const MISSING_TARGET: &str = "missing-target";
    pub const EXCLUDED_CLASS: &str = "excluded-class";
    pub const MISSING_SECTION: &str = "missing-section";
    pub const TEST_NAMING: &str = "test-naming";
    pub const UNCERTIFIED_STANDARD: &str = "uncertified-standard";
    pub const SECRET: &str = "secret";
    pub const ROE: &str = "roe";
    pub const AWARD: &str = "award";
    pub const UNUSED_SUPPRESSION: &str = "unused-suppression";
    pub const SUPPRESSION_WITHOUT_REASON: &str = "suppression-without-reason";
    pub const INVALID_FRONT_MATTER: &str = "invalid-front-matter";
    pub const ASSET_NOTE: &str = "asset-note";
    pub const UNREADABLE_DRAFT: &str = "unreadable-draft";
    /// With `--audit-log`: a target no audit entry shows as sent (or only a tunnel to its host).
    pub const NEVER_REQUESTED: &str = "never-requested";
    /// With `--audit-log`: a target whose request the log shows refused.
    pub const REFUSED_REQUEST: &str = "refused-request";
}

/// Rules that only fire with an audit log (`lint --audit-log`).
pub const AUDIT_LOG_RULES: &[&str] = &[rule::NEVER_REQUESTED, rule::REFUSED_REQUEST];

/// One finding in one draft. `line` and `column` are 1-based; columns count Unicode scalar
/// values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub rule: &'static str,
    pub severity: Severity,
    pub line: u32,
    pub column: u32,
    pub message: String,
    /// The draft line the diagnostic points at, with every secret on it redacted.
    pub snippet: Option<String>,
}

impl Diagnostic {
    /// A diagnostic without a snippet (the reporters add it).
    pub fn new(
        rule: &'static str,
        severity: Severity,
        line: u32,
        column: u32,
        message: String,
    ) -> Self {
        Diagnostic {
            rule,
            severity,
            line,
            column,
            message,
            snippet: None,
        }
    }
}

/// The award the draft can expect (the JSON `award` object).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Award {
    /// The award table; `null` when no target of the draft is in scope.
    pub table: Option<String>,
    pub impact: String,
    pub severity: String,
    /// The declared quality; `null` when the draft does not declare one (then `min`..`max`
    /// is the range over every report quality).
    pub quality: Option<String>,
    pub min: u64,
    pub max: u64,
    pub currency: String,
    /// Why the finding cannot be paid (then `min` and `max` are 0): an excluded class, a
    /// standards finding the program does not pay for, or no target in scope. Absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ineligible: Option<String>,
}

/// The result for one draft.
#[derive(Debug, Clone)]
pub struct FileReport {
    /// The path as given (or `--stdin-filename`), with `/` separators.
    pub path: String,
    pub diagnostics: Vec<Diagnostic>,
    /// The award to expect: when the in-scope targets sit on several award tables, the one
    /// that pays least (never overstate an award); every table's is in `awards`.
    pub award: Option<Award>,
    /// One award per award table of the in-scope targets, in the order the targets come.
    pub awards: Vec<Award>,
}

impl FileReport {
    pub fn max_severity(&self) -> Option<Severity> {
        self.diagnostics.iter().map(|d| d.severity).max()
    }
}

/// Totals of one run.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct LintSummary {
    pub files: u64,
    pub errors: u64,
    pub warnings: u64,
    pub infos: u64,
}

impl LintSummary {
    pub fn add(&mut self, r: &FileReport) {
        self.files += 1;
        for d in &r.diagnostics {
            match d.severity {
                Severity::Error => self.errors += 1,
                Severity::Warning => self.warnings += 1,
                Severity::Info => self.infos += 1,
            }
        }
    }
    /// Whether any diagnostic is at or above `level`.
    pub fn fails(&self, level: Severity) -> bool {
        match level {
            Severity::Error => self.errors > 0,
            Severity::Warning => self.errors + self.warnings > 0,
            Severity::Info => self.errors + self.warnings + self.infos > 0,
        }
    }
}

/// The lint engine for a set of programs: every pattern compiled once, up front.
pub struct Linter<'r> {
    rules: &'r ScopeRules,
    compiled: Vec<LintRules>,
    /// Rule ids whose diagnostics are dropped (after suppressions), e.g. from `lint.disable`.
    disabled: Vec<String>,
    /// The session's audit log, when drafts are checked against what was sent.
    sent: Option<sent::SentLog>,
}

impl<'r> Linter<'r> {
    pub fn new(rules: &'r ScopeRules) -> Result<Linter<'r>, RulesError> {
        let compiled = rules
            .programs
            .iter()
            .map(LintRules::compile)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Linter {
            rules,
            compiled,
            disabled: Vec::new(),
            sent: None,
        })
    }

    /// Check every draft's targets and URLs against this audit log ([`sent`]).
    pub fn with_audit_log(mut self, log: sent::SentLog) -> Self {
        self.sent = Some(log);
        self
    }

    /// Drop the diagnostics of these rule ids (they are neither reported nor counted).
    pub fn disable(mut self, rule_ids: &[String]) -> Self {
        self.disabled = rule_ids.to_vec();
        self
    }

    pub fn rules(&self) -> &'r ScopeRules {
        self.rules
    }

    /// `--explain ID` against the first program; `None` when the id is unknown.
    pub fn explain(&self, id: &str) -> Option<String> {
        explain::explain(id, self.rules.programs.first()?, self.compiled.first()?)
    }

    /// The list of rule ids, for error messages.
    pub fn rule_ids() -> String {
        rule_info::RULES
            .iter()
            .map(|r| r.id)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `--explain ID DRAFT...`: how the prose model reads a draft, one line per sentence
    /// (its place, the terms found, and which class or rule matched, was negated or excepted).
    pub fn explain_draft(&self, text: &str) -> Vec<String> {
        let draft = Draft::parse(text);
        let idx = draft
            .front
            .program
            .as_ref()
            .and_then(|p| self.rules.programs.iter().position(|x| x.id() == p.value))
            .unwrap_or(0);
        self.compiled
            .get(idx)
            .map(|c| checks::explain_prose(c, &draft))
            .unwrap_or_default()
    }

    /// Lint one draft's text. `path` is only used for the report.
    pub fn lint_text(&self, path: &str, text: &str) -> FileReport {
        let draft = Draft::parse(text);
        let mut diags = Vec::new();
        // The program: `program:` in the front matter, else the first loaded.
        let mut idx = 0;
        if let Some(p) = draft.front.program.as_ref() {
            match self.rules.programs.iter().position(|x| x.id() == p.value) {
                Some(i) => idx = i,
                None => diags.push(draft.diag_at_line(
                    rule::INVALID_FRONT_MATTER,
                    Severity::Error,
                    p.line,
                    format!(
                        "unknown program `{}` (loaded: {}); checking against `{}`",
                        p.value,
                        self.rules
                            .programs
                            .iter()
                            .map(|x| format!("`{}`", x.id()))
                            .collect::<Vec<_>>()
                            .join(", "),
                        self.rules.programs[0].id()
                    ),
                )),
            }
        }
        let program = &self.rules.programs[idx];
        let secrets = secrets::find(text, &self.compiled[idx].secrets);
        // Parsed once: the award needs them (a suppressed error does not make a finding
        // ineligible) before they are applied.
        let sups = suppress::parse(&draft);
        let awards = checks::run_all(
            program,
            &self.compiled[idx],
            &draft,
            &secrets,
            &sups,
            &mut diags,
        );
        if let Some(log) = &self.sent {
            sent::check(program, &draft, log, &mut diags);
        }
        let award = awards.iter().min_by_key(|a| (a.max, a.min)).cloned();
        let mut diags = suppress::apply(&sups, diags);
        diags.retain(|d| !self.disabled.iter().any(|r| r == d.rule));
        diags.sort_by(|a, b| {
            (a.line, a.column, std::cmp::Reverse(a.severity), a.rule).cmp(&(
                b.line,
                b.column,
                std::cmp::Reverse(b.severity),
                b.rule,
            ))
        });
        for d in &mut diags {
            d.snippet = draft.snippet(d.line, &secrets);
        }
        FileReport {
            path: path.to_string(),
            diagnostics: diags,
            award,
            awards,
        }
    }
}

/// A draft to lint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    File(PathBuf),
    /// Standard input, reported under this name.
    Stdin(String),
}

/// Expand arguments into drafts: files as given, directories to every `*.md` below them
/// (respecting `.gitignore`, `.ignore` and hidden files), `-` to standard input. Sorted within
/// each directory so output is deterministic.
pub fn collect_inputs(args: &[String], stdin_name: Option<&str>) -> io::Result<Vec<Input>> {
    let mut out = Vec::new();
    for a in args {
        if a == "-" {
            out.push(Input::Stdin(stdin_name.unwrap_or("<stdin>").to_string()));
            continue;
        }
        let p = Path::new(a);
        let meta =
            std::fs::metadata(p).map_err(|e| io::Error::new(e.kind(), format!("{a}: {e}")))?;
        if !meta.is_dir() {
            out.push(Input::File(p.to_path_buf()));
            continue;
        }
        let mut found = Vec::new();
        let walker = ignore::WalkBuilder::new(p)
            .require_git(false)
            .sort_by_file_name(|a, b| a.cmp(b))
            .build();
        for entry in walker {
            let entry = entry.map_err(|e| io::Error::other(format!("{a}: {e}")))?;
            let is_file = entry.file_type().is_some_and(|t| t.is_file());
            let is_md = entry
                .path()
                .extension()
                .is_some_and(|x| x.eq_ignore_ascii_case("md"));
            if is_file && is_md {
                found.push(entry.into_path());
            }
        }
        out.extend(found.into_iter().map(Input::File));
    }
    Ok(out)
}

fn display_path(p: &Path) -> String {
    let s = p.display().to_string();
    let s = if std::path::MAIN_SEPARATOR == '\\' {
        s.replace('\\', "/")
    } else {
        s
    };
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

/// Lint every input into `reporter`. Reading a file that is not UTF-8 is an I/O error.
pub fn run(
    linter: &Linter<'_>,
    inputs: &[Input],
    reporter: &mut dyn LintReporter,
) -> io::Result<LintSummary> {
    let mut summary = LintSummary::default();
    for input in inputs {
        let (path, bytes) = match input {
            Input::File(p) => (
                display_path(p),
                std::fs::read(p)
                    .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", p.display())))?,
            ),
            Input::Stdin(name) => {
                let mut buf = Vec::new();
                io::stdin().lock().read_to_end(&mut buf)?;
                (name.clone(), buf)
            }
        };
        // A draft that is not UTF-8 is a finding about that draft (the others are still
        // linted and reported), not a failure of the run.
        let report = match String::from_utf8(bytes) {
            Ok(text) => linter.lint_text(&path, &text),
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                let (line, column) = crate::text::not_utf8_at(&e, crate::text::LineEnds::Any);
                FileReport {
                    path,
                    diagnostics: vec![Diagnostic::new(
                        rule::UNREADABLE_DRAFT,
                        Severity::Error,
                        line,
                        column,
                        format!("not valid UTF-8 (byte {at}): save the draft as UTF-8"),
                    )],
                    award: None,
                    awards: Vec::new(),
                }
            }
        };
        summary.add(&report);
        reporter.file(&report)?;
    }
    reporter.finish(&summary)?;
    Ok(summary)
}
