//! Reporters: how verdicts reach the user. The engine hands a [`Verdict`] to a
//! [`CheckReporter`]; only the reporter knows about text, color or JSON.

use std::io::{self, Write};

use colored::Colorize;
use serde::Serialize;

use crate::matcher::{Verdict, VerdictKind};
use crate::text::printable;

/// Output format of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckFormat {
    /// One line per target, colored on a terminal.
    Text,
    /// One JSON array of verdict objects.
    Json,
    /// One JSON verdict object per line.
    Jsonl,
}

crate::named!(CheckFormat { Text => "text", Json => "json", Jsonl => "jsonl" });

/// Receives each verdict in input order.
pub trait CheckReporter {
    /// `raw` is the input line without its line ending; `input` is the target as given, trimmed.
    fn verdict(&mut self, raw: &[u8], input: &str, v: &Verdict<'_>) -> io::Result<()>;
    /// Called once after the last verdict.
    fn finish(&mut self) -> io::Result<()>;
    /// Whether this reporter writes nothing but what [`CheckReporter::kind`] needs, so the
    /// caller may skip building verdicts for targets whose kind it can tell quickly.
    fn kind_is_enough(&self) -> bool {
        false
    }
    /// Receives the kind of a target instead of its verdict; called only when
    /// [`CheckReporter::kind_is_enough`] says so.
    fn kind(&mut self, raw: &[u8], kind: VerdictKind) -> io::Result<()> {
        let _ = (raw, kind);
        Ok(())
    }
}

/// The public JSON contract of one verdict (documented in README).
#[derive(Debug, Serialize)]
pub struct VerdictRecord<'a> {
    pub target: &'a str,
    pub verdict: &'static str,
    pub program: &'a str,
    pub asset: Option<&'a str>,
    pub award_table: Option<&'a str>,
    pub rule: &'a str,
    pub reason: String,
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub normalized: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explain: Option<&'a [String]>,
    /// Other programs that also have the target in scope (only with several programs).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub also_in_scope: &'a [&'a str],
}

impl<'a> VerdictRecord<'a> {
    pub fn new(input: &'a str, v: &'a Verdict<'a>, explain: bool) -> Self {
        VerdictRecord {
            target: input,
            verdict: v.kind.as_str(),
            program: v.program.id(),
            asset: v.asset().map(|a| a.id.as_str()),
            award_table: v.award_table(),
            rule: v.rule(),
            reason: v.reason_text(),
            source: v.source().map(|s| s.to_string()),
            error: v.error().map(|e| e.to_string()),
            note: v.note(),
            normalized: v.normalized.as_ref().map(|t| t.to_string()),
            explain: explain.then_some(v.trace.as_slice()),
            also_in_scope: &v.also_in_scope,
        }
    }
}

pub struct TextReporter<W: Write> {
    out: W,
    color: bool,
    explain: bool,
}

impl<W: Write> TextReporter<W> {
    pub fn new(out: W, color: bool, explain: bool) -> Self {
        TextReporter {
            out,
            color,
            explain,
        }
    }
}

impl<W: Write> CheckReporter for TextReporter<W> {
    fn verdict(&mut self, _raw: &[u8], input: &str, v: &Verdict<'_>) -> io::Result<()> {
        let label = format!("{:<12}", v.kind.as_str());
        let label = if self.color {
            match v.kind {
                VerdictKind::InScope => label.green().bold().to_string(),
                VerdictKind::OutOfScope => label.red().bold().to_string(),
                VerdictKind::Invalid => label.yellow().bold().to_string(),
            }
        } else {
            label
        };
        // A rule id is a rules file's text.
        let rule = printable(v.rule());
        let rule = if self.color {
            rule.cyan().to_string()
        } else {
            rule.into_owned()
        };
        // The target, and the reason that may quote it, are untrusted text.
        write!(
            self.out,
            "{label} {}  [{rule}] {}",
            printable(input),
            printable(&v.reason_text())
        )?;
        if let Some(src) = v.source() {
            let src = printable(&src.to_string()).into_owned();
            if self.color {
                write!(self.out, " ({})", src.dimmed())?;
            } else {
                write!(self.out, " ({src})")?;
            }
        }
        writeln!(self.out)?;
        if self.explain {
            if let Some(note) = v.note() {
                writeln!(self.out, "    note: {}", printable(note))?;
            }
            for line in &v.trace {
                writeln!(self.out, "    {}", printable(line))?;
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Streams one JSON array without holding the verdicts in memory.
pub struct JsonReporter<W: Write> {
    out: W,
    explain: bool,
    count: u64,
}

impl<W: Write> JsonReporter<W> {
    pub fn new(out: W, explain: bool) -> Self {
        JsonReporter {
            out,
            explain,
            count: 0,
        }
    }
}

impl<W: Write> CheckReporter for JsonReporter<W> {
    fn verdict(&mut self, _raw: &[u8], input: &str, v: &Verdict<'_>) -> io::Result<()> {
        self.out
            .write_all(if self.count == 0 { b"[\n  " } else { b",\n  " })?;
        serde_json::to_writer(&mut self.out, &VerdictRecord::new(input, v, self.explain))?;
        self.count += 1;
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out
            .write_all(if self.count == 0 { b"[]\n" } else { b"\n]\n" })?;
        self.out.flush()
    }
}

pub struct JsonlReporter<W: Write> {
    out: W,
    explain: bool,
}

impl<W: Write> JsonlReporter<W> {
    pub fn new(out: W, explain: bool) -> Self {
        JsonlReporter { out, explain }
    }
}

impl<W: Write> CheckReporter for JsonlReporter<W> {
    fn verdict(&mut self, _raw: &[u8], input: &str, v: &Verdict<'_>) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, &VerdictRecord::new(input, v, self.explain))?;
        self.out.write_all(b"\n")
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// `--print KIND`: the input lines whose verdict is KIND, unchanged, like grep.
pub struct PrintFilter<W: Write> {
    out: W,
    kind: VerdictKind,
    pub printed: u64,
}

impl<W: Write> PrintFilter<W> {
    pub fn new(out: W, kind: VerdictKind) -> Self {
        PrintFilter {
            out,
            kind,
            printed: 0,
        }
    }
}

impl<W: Write> CheckReporter for PrintFilter<W> {
    fn verdict(&mut self, raw: &[u8], _input: &str, v: &Verdict<'_>) -> io::Result<()> {
        self.kind(raw, v.kind)
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn kind_is_enough(&self) -> bool {
        true
    }

    fn kind(&mut self, raw: &[u8], kind: VerdictKind) -> io::Result<()> {
        if kind == self.kind {
            self.out.write_all(raw)?;
            self.out.write_all(b"\n")?;
            self.printed += 1;
        }
        Ok(())
    }
}

/// The reporter for `check`'s options: `--print` wins over `--format`.
pub fn check_reporter<'a, W: Write + 'a>(
    out: W,
    print: Option<VerdictKind>,
    format: CheckFormat,
    color: bool,
    explain: bool,
) -> Box<dyn CheckReporter + 'a> {
    match (print, format) {
        (Some(kind), _) => Box::new(PrintFilter::new(out, kind)),
        (None, CheckFormat::Text) => Box::new(TextReporter::new(out, color, explain)),
        (None, CheckFormat::Json) => Box::new(JsonReporter::new(out, explain)),
        (None, CheckFormat::Jsonl) => Box::new(JsonlReporter::new(out, explain)),
    }
}

/// The answer for one JSON Lines record of `check --field`: the verdict of the record as a
/// whole and of each value its fields named.
#[derive(Debug)]
pub struct RecordVerdict<'p> {
    /// Line number in the input (1-based).
    pub line: u64,
    /// In scope only when every value is in scope; invalid when the record or any value is.
    pub kind: VerdictKind,
    /// Why the record as a whole cannot be classified (not JSON, a field missing or not text).
    pub error: Option<String>,
    /// Each value with its verdict; empty when the reporter needs only the kind.
    pub values: Vec<(String, Verdict<'p>)>,
}

/// The public JSON contract of one record of `check --field` (documented in README).
#[derive(Debug, Serialize)]
struct RecordOut<'a> {
    line: u64,
    verdict: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    values: Vec<VerdictRecord<'a>>,
}

/// Receives each record's verdict in input order (`check --field`).
pub trait RecordReporter {
    /// `raw` is the input line without its line ending.
    fn record(&mut self, raw: &[u8], r: &RecordVerdict<'_>) -> io::Result<()>;
    /// Called once after the last record.
    fn finish(&mut self) -> io::Result<()>;
    /// Whether [`RecordVerdict::kind`] is all this reporter writes (then `values` may be empty).
    fn kind_is_enough(&self) -> bool {
        false
    }
}

/// The reporter for `check --field`: `--print KIND` prints the whole record; `--format`
/// text writes one line per value (or per unreadable record), json/jsonl one object per record
/// with per-value verdicts.
pub fn record_reporter<'a, W: Write + 'a>(
    out: W,
    print: Option<VerdictKind>,
    format: CheckFormat,
    color: bool,
    explain: bool,
) -> Box<dyn RecordReporter + 'a> {
    Box::new(Records {
        out,
        print,
        format,
        color,
        explain,
        count: 0,
    })
}

struct Records<W: Write> {
    out: W,
    print: Option<VerdictKind>,
    format: CheckFormat,
    color: bool,
    explain: bool,
    count: u64,
}

impl<W: Write> RecordReporter for Records<W> {
    fn record(&mut self, raw: &[u8], r: &RecordVerdict<'_>) -> io::Result<()> {
        if let Some(kind) = self.print {
            return PrintFilter::new(&mut self.out, kind).kind(raw, r.kind);
        }
        match self.format {
            CheckFormat::Json | CheckFormat::Jsonl => {
                let record = RecordOut {
                    line: r.line,
                    verdict: r.kind.as_str(),
                    error: r.error.as_deref(),
                    values: r
                        .values
                        .iter()
                        .map(|(value, v)| VerdictRecord::new(value, v, self.explain))
                        .collect(),
                };
                if self.format == CheckFormat::Json {
                    self.out
                        .write_all(if self.count == 0 { b"[\n  " } else { b",\n  " })?;
                }
                serde_json::to_writer(&mut self.out, &record)?;
                if self.format == CheckFormat::Jsonl {
                    self.out.write_all(b"\n")?;
                }
                self.count += 1;
                Ok(())
            }
            CheckFormat::Text => {
                if let Some(e) = &r.error {
                    let label = format!("{:<12}", VerdictKind::Invalid.as_str());
                    let label = if self.color {
                        label.yellow().bold().to_string()
                    } else {
                        label
                    };
                    return writeln!(
                        self.out,
                        "{label} line {}  [invalid] {}",
                        r.line,
                        printable(&e.to_string())
                    );
                }
                let mut text = TextReporter::new(&mut self.out, self.color, self.explain);
                for (value, v) in &r.values {
                    text.verdict(raw, value, v)?;
                }
                Ok(())
            }
        }
    }

    fn finish(&mut self) -> io::Result<()> {
        if self.format == CheckFormat::Json && self.print.is_none() {
            self.out
                .write_all(if self.count == 0 { b"[]\n" } else { b"\n]\n" })?;
        }
        self.out.flush()
    }

    fn kind_is_enough(&self) -> bool {
        self.print.is_some()
    }
}
