//! Scoring `lint` against a labelled corpus (`fixtures/lint-corpus/*.tsv`): used by
//! `cargo run --release --example lint_eval` and by the floor tests.
//!
//! A corpus file has one text a line, `label<TAB>kind<TAB>text`, where `label` is an excluded
//! class id or `payable` and `kind` is `title` (linted as the draft's front-matter title) or
//! `summary` (linted as the paragraph of a `# Summary` section). Lines starting with `#` are
//! comments.

use std::collections::BTreeMap;

use super::{rule, Linter, Severity};

/// One labelled text.
#[derive(Debug, Clone)]
pub struct Sample {
    pub label: String,
    pub kind: String,
    pub text: String,
}

/// Parse a corpus file; malformed lines are skipped.
pub fn parse(tsv: &str) -> Vec<Sample> {
    tsv.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let mut it = l.splitn(3, '\t');
            Some(Sample {
                label: it.next()?.trim().to_string(),
                kind: it.next()?.trim().to_string(),
                text: it.next()?.trim().to_string(),
            })
        })
        .collect()
}

/// The draft a sample is linted as.
pub fn draft_of(s: &Sample) -> String {
    if s.kind == "title" {
        // A JSON string is a valid YAML double-quoted scalar.
        let quoted = serde_json::to_string(&s.text).unwrap_or_else(|_| "\"\"".into());
        format!("---\ntitle: {quoted}\n---\n")
    } else {
        format!("# Summary\n\n{}\n", s.text)
    }
}

/// Counts for one class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClassScore {
    /// Texts of the class.
    pub support: u32,
    /// Texts of the class flagged with it (error or warning).
    pub true_pos: u32,
    /// Texts of another label flagged with it.
    pub false_pos: u32,
}

impl ClassScore {
    pub fn precision(&self) -> f64 {
        ratio(self.true_pos, self.true_pos + self.false_pos)
    }
    pub fn recall(&self) -> f64 {
        ratio(self.true_pos, self.support)
    }
}

fn ratio(a: u32, b: u32) -> f64 {
    if b == 0 {
        1.0
    } else {
        f64::from(a) / f64::from(b)
    }
}

/// The scores of one corpus.
#[derive(Debug, Clone, Default)]
pub struct Scores {
    pub classes: BTreeMap<String, ClassScore>,
    pub payable: u32,
    /// Payable texts with an `excluded-class` error.
    pub payable_errors: u32,
    /// Payable texts with any `excluded-class` diagnostic (warnings included).
    pub payable_flagged: u32,
    /// Texts the scorer could not attribute (for listing misses): (label, flagged ids, text).
    pub misses: Vec<(String, Vec<String>, String)>,
}

impl Scores {
    /// Micro-averaged recall over every excluded-class text.
    pub fn recall(&self) -> f64 {
        let (tp, n) = self
            .classes
            .values()
            .fold((0, 0), |(a, b), c| (a + c.true_pos, b + c.support));
        ratio(tp, n)
    }
    /// Micro-averaged precision over every class.
    pub fn precision(&self) -> f64 {
        let (tp, fp) = self
            .classes
            .values()
            .fold((0, 0), |(a, b), c| (a + c.true_pos, b + c.false_pos));
        ratio(tp, tp + fp)
    }
    /// Share of payable texts with an excluded-class error.
    pub fn payable_error_rate(&self) -> f64 {
        if self.payable == 0 {
            0.0
        } else {
            f64::from(self.payable_errors) / f64::from(self.payable)
        }
    }
}

/// The class ids an `excluded-class` message names (its first backquoted word).
fn class_id(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(&message[start..start + len])
}

/// Lint every sample and score it.
pub fn evaluate(linter: &Linter<'_>, samples: &[Sample]) -> Scores {
    let mut sc = Scores::default();
    for c in linter
        .rules()
        .programs
        .first()
        .map(|p| p.file.excluded_classes.as_slice())
        .unwrap_or_default()
    {
        sc.classes.entry(c.value.id.clone()).or_default();
    }
    for s in samples {
        let rep = linter.lint_text("corpus.md", &draft_of(s));
        let mut flagged: Vec<String> = Vec::new();
        let mut error = false;
        for d in rep
            .diagnostics
            .iter()
            .filter(|d| d.rule == rule::EXCLUDED_CLASS)
        {
            if let Some(id) = class_id(&d.message) {
                if !flagged.iter().any(|f| f == id) {
                    flagged.push(id.to_string());
                }
            }
            error |= d.severity == Severity::Error;
        }
        if s.label == "payable" {
            sc.payable += 1;
            sc.payable_errors += u32::from(error);
            sc.payable_flagged += u32::from(!flagged.is_empty());
            if error {
                sc.misses
                    .push((s.label.clone(), flagged.clone(), s.text.clone()));
            }
        } else {
            let e = sc.classes.entry(s.label.clone()).or_default();
            e.support += 1;
            if flagged.contains(&s.label) {
                e.true_pos += 1;
            } else {
                sc.misses
                    .push((s.label.clone(), flagged.clone(), s.text.clone()));
            }
        }
        for f in &flagged {
            if *f != s.label {
                sc.classes.entry(f.clone()).or_default().false_pos += 1;
            }
        }
    }
    sc
}
