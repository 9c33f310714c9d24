//! Reporters: how lint results reach the user. The engine hands each [`FileReport`] to a
//! [`LintReporter`]; only the reporter knows about text, color, JSON, SARIF or annotations.

use std::io::{self, Write};

use colored::Colorize;
use serde::Serialize;
use serde_json::json;

use super::rule_info::{RuleInfo, RULES};
use super::{Award, FileReport, LintSummary, Severity};
use crate::text::printable;

/// Output format of `lint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LintFormat {
    /// `path:line:col: severity[rule] message` with the line below, colored on a terminal.
    Text,
    /// `{"files": [...]}` (the documented JSON contract).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// GitHub Actions workflow annotations (`::error file=...,line=...::`).
    Github,
}

crate::named!(LintFormat { Text => "text", Json => "json", Sarif => "sarif", Github => "github" });

pub trait LintReporter {
    fn file(&mut self, report: &FileReport) -> io::Result<()>;
    fn finish(&mut self, summary: &LintSummary) -> io::Result<()>;
}

/// Build the reporter for a format, for `lint`'s rules.
pub fn reporter<'w>(
    format: LintFormat,
    out: Box<dyn Write + 'w>,
    color: bool,
) -> Box<dyn LintReporter + 'w> {
    reporter_for(format, out, color, RULES, Some("lint"))
}

/// Build the reporter for a format, for diagnostics whose rules are `catalog` (the metadata
/// SARIF lists) and that `scopelint <command> --explain` documents: `lint` and
/// `rules validate` share these emitters.
pub fn reporter_for<'w>(
    format: LintFormat,
    out: Box<dyn Write + 'w>,
    color: bool,
    catalog: &'static [RuleInfo],
    command: Option<&'static str>,
) -> Box<dyn LintReporter + 'w> {
    match format {
        LintFormat::Text => Box::new(TextReporter { out, color }),
        LintFormat::Json => Box::new(JsonReporter { out, count: 0 }),
        LintFormat::Sarif => Box::new(SarifReporter {
            out,
            results: Vec::new(),
            artifacts: Vec::new(),
            catalog,
            command,
            root: std::sync::OnceLock::new(),
        }),
        LintFormat::Github => Box::new(GithubReporter { out }),
    }
}

pub struct TextReporter<W: Write> {
    pub out: W,
    pub color: bool,
}

impl<W: Write> LintReporter for TextReporter<W> {
    fn file(&mut self, r: &FileReport) -> io::Result<()> {
        for d in &r.diagnostics {
            let sev = d.severity.as_str();
            let (sev, rule, loc) = if self.color {
                let s = match d.severity {
                    Severity::Error => sev.red().bold(),
                    Severity::Warning => sev.yellow().bold(),
                    Severity::Info => sev.blue().bold(),
                };
                (
                    s.to_string(),
                    d.rule.cyan().to_string(),
                    format!("{}:{}:{}", printable(&r.path), d.line, d.column)
                        .bold()
                        .to_string(),
                )
            } else {
                (
                    sev.to_string(),
                    d.rule.to_string(),
                    format!("{}:{}:{}", printable(&r.path), d.line, d.column),
                )
            };
            // Messages and snippets quote the draft, which is untrusted.
            writeln!(self.out, "{loc}: {sev}[{rule}] {}", printable(&d.message))?;
            if let Some(snip) = &d.snippet {
                let num = d.line.to_string();
                let pad = " ".repeat(num.len());
                let bar = if self.color {
                    "|".blue().to_string()
                } else {
                    "|".into()
                };
                writeln!(self.out, " {num} {bar} {}", printable(snip))?;
                let caret_at = crate::text::caret_pad(snip, d.column);
                let caret = if self.color {
                    "^".red().bold().to_string()
                } else {
                    "^".into()
                };
                writeln!(self.out, " {pad} {bar} {caret_at}{caret}")?;
            }
        }
        Ok(())
    }

    fn finish(&mut self, s: &LintSummary) -> io::Result<()> {
        let plural = |n: u64, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
        writeln!(
            self.out,
            "{}, {}, {} in {}",
            plural(s.errors, "error"),
            plural(s.warnings, "warning"),
            plural(s.infos, "note"),
            plural(s.files, "file")
        )?;
        self.out.flush()
    }
}

#[derive(Serialize)]
struct JsonDiag<'a> {
    rule: &'a str,
    severity: Severity,
    line: u32,
    column: u32,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonFile<'a> {
    path: &'a str,
    diagnostics: Vec<JsonDiag<'a>>,
    award: Option<&'a Award>,
    /// One award per award table of the in-scope targets.
    awards: &'a [Award],
}

/// Streams `{"files": [...]}` one file at a time.
pub struct JsonReporter<W: Write> {
    pub out: W,
    count: u64,
}

impl<W: Write> LintReporter for JsonReporter<W> {
    fn file(&mut self, r: &FileReport) -> io::Result<()> {
        self.out.write_all(if self.count == 0 {
            b"{\"files\": [\n  "
        } else {
            b",\n  "
        })?;
        let f = JsonFile {
            path: &r.path,
            diagnostics: r
                .diagnostics
                .iter()
                .map(|d| JsonDiag {
                    rule: d.rule,
                    severity: d.severity,
                    line: d.line,
                    column: d.column,
                    message: &d.message,
                })
                .collect(),
            award: r.award.as_ref(),
            awards: &r.awards,
        };
        serde_json::to_writer(&mut self.out, &f)?;
        self.count += 1;
        Ok(())
    }

    fn finish(&mut self, _: &LintSummary) -> io::Result<()> {
        self.out.write_all(if self.count == 0 {
            b"{\"files\": []}\n"
        } else {
            b"\n]}\n"
        })?;
        self.out.flush()
    }
}

/// Percent-encode a relative path for a SARIF `uri` (keeps `/`).
pub fn uri_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// SARIF 2.1.0: one run, rule metadata for every rule, one result per diagnostic. Relative
/// paths are given relative to `%SRCROOT%`; absolute paths become `file://` URIs.
pub struct SarifReporter<W: Write> {
    pub out: W,
    results: Vec<serde_json::Value>,
    artifacts: Vec<String>,
    /// The rules listed as metadata; results point at them by index.
    catalog: &'static [RuleInfo],
    /// The command whose `--explain` the help text names, if it has one.
    command: Option<&'static str>,
    /// The repository root that relative URIs are given from (`%SRCROOT%`), found once.
    root: std::sync::OnceLock<Option<std::path::PathBuf>>,
}

/// The nearest directory at or above the working directory that holds `.git`: code scanning
/// resolves `%SRCROOT%` URIs against the repository root, not against where scopelint ran.
fn repository_root() -> Option<std::path::PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    cwd.ancestors()
        .find(|d| d.join(".git").exists())
        .map(|d| d.to_path_buf())
}

/// A draft's SARIF URI: relative to the repository root when it lies inside it, else an
/// absolute `file://` URI; relative to the working directory when there is no repository.
fn sarif_uri(path: &str, root: Option<&std::path::Path>) -> (String, Option<&'static str>) {
    let p = std::path::Path::new(path);
    let absolute = if p.is_absolute() {
        Some(p.to_path_buf())
    } else {
        std::env::current_dir().ok().map(|d| d.join(p))
    }
    .map(|a| {
        // `..` and `.` resolved by hand: the file may be standard input, with nothing to
        // canonicalize.
        let mut out = std::path::PathBuf::new();
        for c in a.components() {
            match c {
                std::path::Component::ParentDir => {
                    out.pop();
                }
                std::path::Component::CurDir => {}
                c => out.push(c),
            }
        }
        out
    });
    if let (Some(root), Some(abs)) = (root, &absolute) {
        if let Ok(rel) = abs.strip_prefix(root) {
            let rel: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            return (uri_encode(&rel.join("/")), Some("%SRCROOT%"));
        }
    }
    if p.is_absolute() {
        (format!("file://{}", uri_encode(path)), None)
    } else {
        (uri_encode(path), Some("%SRCROOT%"))
    }
}

impl<W: Write> LintReporter for SarifReporter<W> {
    fn file(&mut self, r: &FileReport) -> io::Result<()> {
        let (uri, base) = sarif_uri(&r.path, self.root.get_or_init(repository_root).as_deref());
        let mut loc = json!({ "uri": uri });
        if let Some(b) = base {
            loc["uriBaseId"] = json!(b);
        }
        let index = self.artifacts.len();
        self.artifacts.push(uri.clone());
        loc["index"] = json!(index);
        for d in &r.diagnostics {
            let rule_index = self
                .catalog
                .iter()
                .position(|x| x.id == d.rule)
                .unwrap_or(0);
            self.results.push(json!({
                "ruleId": d.rule,
                "ruleIndex": rule_index,
                "level": sarif_level(d.severity),
                "message": { "text": d.message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": loc,
                        "region": { "startLine": d.line, "startColumn": d.column }
                    }
                }]
            }));
        }
        Ok(())
    }

    fn finish(&mut self, _: &LintSummary) -> io::Result<()> {
        let command = self.command;
        let help = |r: &RuleInfo| match command {
            Some(c) => format!(
                "{}\n\nRun `scopelint {c} --explain {}` for details.",
                r.help, r.id
            ),
            None => r.help.to_string(),
        };
        let rules: Vec<_> = self
            .catalog
            .iter()
            .map(|r| {
                json!({
                    "id": r.id,
                    "name": r.id.split('-').map(|w| {
                        let mut c = w.chars();
                        c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
                    }).collect::<String>(),
                    "shortDescription": { "text": r.summary },
                    "fullDescription": { "text": r.help },
                    "help": {
                        "text": help(r),
                        "markdown": help(r)
                    },
                    "defaultConfiguration": { "level": sarif_level(r.severity) }
                })
            })
            .collect();
        let artifacts: Vec<_> = self
            .artifacts
            .iter()
            .map(|u| {
                let mut l = json!({ "uri": u });
                if !u.starts_with("file://") {
                    l["uriBaseId"] = json!("%SRCROOT%");
                }
                json!({ "location": l })
            })
            .collect();
        let log = json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": { "driver": {
                    "name": "scopelint",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rules
                }},
                "columnKind": "unicodeCodePoints",
                "artifacts": artifacts,
                "results": std::mem::take(&mut self.results)
            }]
        });
        serde_json::to_writer_pretty(&mut self.out, &log)?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }
}

/// GitHub Actions workflow commands.
pub struct GithubReporter<W: Write> {
    pub out: W,
}

/// A value in a workflow command: GitHub's escapes for `%`, `\r` and `\n`, then any other
/// control character [`printable`] (GitHub's log viewer renders terminal escape sequences).
fn gh_escape_data(s: &str) -> String {
    let escaped = s
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    printable(&escaped).into_owned()
}

fn gh_escape_prop(s: &str) -> String {
    gh_escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

impl<W: Write> LintReporter for GithubReporter<W> {
    fn file(&mut self, r: &FileReport) -> io::Result<()> {
        for d in &r.diagnostics {
            let cmd = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
            };
            writeln!(
                self.out,
                "::{cmd} file={},line={},col={},title={}::{}",
                gh_escape_prop(&r.path),
                d.line,
                d.column,
                gh_escape_prop(&format!("scopelint {}", d.rule)),
                gh_escape_data(&d.message)
            )?;
        }
        Ok(())
    }

    fn finish(&mut self, _: &LintSummary) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(uri_encode("reports/a b#1.md"), "reports/a%20b%231.md");
        assert_eq!(gh_escape_prop("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        assert_eq!(gh_escape_data("a:b\n"), "a:b%0A");
    }
}
