//! `scopelint rules test`: run the `examples:` of a rules file like a test suite.
//!
//! Each example is a target with the verdict it must get and, optionally, the asset, award
//! table and deciding rule. The runner classifies it with the program's own matcher and
//! compares. Coverage lists every asset, exclusion and customer-owned rule no example names.

use serde::Serialize;

use crate::rules::Program;

/// The outcome of one example.
#[derive(Debug, Clone, Serialize)]
pub struct ExampleOutcome {
    pub line: u32,
    pub target: String,
    pub passed: bool,
    /// What differed, one sentence each (empty when passed).
    pub failures: Vec<String>,
    pub verdict: String,
    pub asset: Option<String>,
    pub award_table: Option<String>,
    pub rule: String,
    pub reason: String,
}

/// A rule no example exercises.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Uncovered {
    /// `asset`, `exclusion` or `customer_owned`.
    pub kind: &'static str,
    pub id: String,
    pub line: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct TestReport {
    pub file: String,
    pub program: String,
    pub outcomes: Vec<ExampleOutcome>,
    pub uncovered: Vec<Uncovered>,
}

impl TestReport {
    pub fn passed(&self) -> usize {
        self.outcomes.iter().filter(|o| o.passed).count()
    }
    pub fn failed(&self) -> usize {
        self.outcomes.len() - self.passed()
    }
}

fn opt(s: Option<&str>) -> String {
    s.map_or_else(|| "none".to_string(), |s| format!("`{s}`"))
}

/// Run every example of `program`.
pub fn run_examples(program: &Program) -> TestReport {
    let mut outcomes = Vec::with_capacity(program.file.examples.len());
    for e in &program.file.examples {
        let want = &e.value;
        let v = program.classify(&want.target, false);
        let mut failures = Vec::new();
        if v.kind.as_str() != want.verdict {
            failures.push(format!(
                "expected verdict `{}`, got `{}`",
                want.verdict, v.kind
            ));
        }
        if let Some(asset) = &want.asset {
            let got = v.asset().map(|a| a.id.as_str());
            if got != Some(asset.as_str()) {
                failures.push(format!("expected asset `{asset}`, got {}", opt(got)));
            }
        }
        if let Some(table) = &want.award_table {
            let got = v.award_table();
            if got != Some(table.as_str()) {
                failures.push(format!("expected award table `{table}`, got {}", opt(got)));
            }
        }
        if let Some(rule) = &want.rule {
            if v.rule() != rule {
                failures.push(format!("expected rule `{rule}`, got `{}`", v.rule()));
            }
        }
        outcomes.push(ExampleOutcome {
            line: e.referenced.line() as u32,
            target: want.target.clone(),
            passed: failures.is_empty(),
            failures,
            verdict: v.kind.as_str().to_string(),
            asset: v.asset().map(|a| a.id.clone()),
            award_table: v.award_table().map(str::to_string),
            rule: v.rule().to_string(),
            reason: v.reason_text(),
        });
    }

    let named =
        |id: &str| {
            program.file.examples.iter().any(|e| {
                e.value.asset.as_deref() == Some(id) || e.value.rule.as_deref() == Some(id)
            })
        };
    let mut uncovered = Vec::new();
    for a in program.file.assets.iter().filter(|a| !named(&a.value.id)) {
        uncovered.push(Uncovered {
            kind: "asset",
            id: a.value.id.clone(),
            line: a.referenced.line() as u32,
        });
    }
    for x in program
        .file
        .exclusions
        .iter()
        .filter(|x| !named(&x.value.id))
    {
        uncovered.push(Uncovered {
            kind: "exclusion",
            id: x.value.id.clone(),
            line: x.referenced.line() as u32,
        });
    }
    if let Some(c) = program
        .file
        .customer_owned
        .as_ref()
        .filter(|c| !named(&c.value.id))
    {
        uncovered.push(Uncovered {
            kind: "customer_owned",
            id: c.value.id.clone(),
            line: c.referenced.line() as u32,
        });
    }
    TestReport {
        file: program.origin.to_string(),
        program: program.id().to_string(),
        outcomes,
        uncovered,
    }
}

/// Render a report like a test runner: failures in full, then a summary and coverage.
pub fn render_text(report: &TestReport, color: bool) -> String {
    use crate::text::printable;
    use colored::Colorize;
    use std::fmt::Write as _;
    // Targets, ids and reasons are the rules file's text: shown escaped.
    let file = printable(&report.file);
    let mut s = String::new();
    for o in report.outcomes.iter().filter(|o| !o.passed) {
        let label = if color {
            "FAIL".red().bold().to_string()
        } else {
            "FAIL".to_string()
        };
        let _ = writeln!(s, "{label} {file}:{}: {}", o.line, printable(&o.target));
        for f in &o.failures {
            let _ = writeln!(s, "    {}", printable(f));
        }
        let _ = writeln!(
            s,
            "    actual: {} by `{}`: {}",
            o.verdict,
            printable(&o.rule),
            printable(&o.reason)
        );
    }
    let _ = writeln!(
        s,
        "{file}: {} examples, {} passed, {} failed",
        report.outcomes.len(),
        report.passed(),
        report.failed()
    );
    if report.uncovered.is_empty() {
        let _ = writeln!(s, "coverage: every asset and exclusion has an example");
    } else {
        let _ = writeln!(
            s,
            "coverage: {} without an example:",
            report.uncovered.len()
        );
        for u in &report.uncovered {
            let _ = writeln!(
                s,
                "    {} `{}` ({file}:{})",
                u.kind,
                printable(&u.id),
                u.line
            );
        }
    }
    s
}
