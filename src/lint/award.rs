//! The `award` check: what the program's tables pay for impact x severity x report quality,
//! and an estimate of the report quality when the draft does not declare it.
//!
//! Report-quality levels (MSRC "Example Report Submissions"): Low = enough to reproduce, no
//! reliable proof of concept; Medium = Low plus a reliable, minimized proof of concept;
//! High = Medium plus a detailed, correct root-cause analysis.

use std::sync::LazyLock;

use regex::Regex;

use super::draft::Draft;
use super::{rule, Award, Diagnostic, Severity};
use crate::rules::model::{AwardTableDef, AwardsDef};
use crate::rules::Program;

/// What the draft shows of each report-quality ingredient (the line where it is seen).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QualityEvidence {
    pub repro: Option<u32>,
    pub poc: Option<u32>,
    pub root_cause: Option<u32>,
}

impl QualityEvidence {
    /// The quality level the evidence supports: `high`, `medium` or `low`.
    pub fn level(&self) -> &'static str {
        match (self.repro, self.poc, self.root_cause) {
            (Some(_), Some(_), Some(_)) => "high",
            (Some(_), Some(_), None) => "medium",
            _ => "low",
        }
    }

    pub fn explain(&self) -> String {
        let part = |name: &str, at: Option<u32>| match at {
            Some(l) => format!("{name} (line {l})"),
            None => format!("no {name}"),
        };
        let mut s = format!(
            "{}, {}, {}",
            part("reproduction steps", self.repro),
            part("proof of concept", self.poc),
            part("root-cause analysis", self.root_cause)
        );
        match self.level() {
            "high" => {}
            "medium" => s.push_str("; add a root-cause analysis for the High column"),
            _ if self.repro.is_none() => {
                s.push_str("; the draft does not yet show enough to reproduce (numbered steps or a Steps section)")
            }
            _ => s.push_str("; add a reliable, minimized proof of concept for the Medium column"),
        }
        s
    }
}

static REPRO_HEADING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b(steps|repro\w*|how\s+to\s+reproduce)\b").unwrap());
static POC: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b(poc|proof[- ]of[- ]concept|exploit)\b").unwrap());
static ROOT_CAUSE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\broot[- ]?cause\b|\bwhy\s+this\s+happens\b").unwrap());

/// Estimate the report quality from the draft's structure.
pub fn estimate_quality(d: &Draft<'_>) -> QualityEvidence {
    let repro = d
        .headings
        .iter()
        .find(|h| REPRO_HEADING.is_match(&h.text))
        .map(|h| h.line)
        .or_else(|| (d.ordered_items.len() >= 2).then(|| d.ordered_items[0]));
    let poc = d
        .code_blocks
        .first()
        .map(|r| r.start)
        .into_iter()
        .chain(
            d.headings
                .iter()
                .filter(|h| POC.is_match(&h.text))
                .map(|h| h.line),
        )
        .min();
    let root_cause = d
        .headings
        .iter()
        .find(|h| ROOT_CAUSE.is_match(&h.text))
        .map(|h| h.line)
        .or_else(|| {
            ROOT_CAUSE
                .find(&d.scan[d.body_offset..])
                .map(|m| d.pos(d.body_offset + m.start()).0)
        });
    QualityEvidence {
        repro,
        poc,
        root_cause,
    }
}

pub fn money(currency: &str, n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if currency.eq_ignore_ascii_case("usd") {
        format!("${out}")
    } else {
        format!("{out} {currency}")
    }
}

fn ids<'a>(it: impl Iterator<Item = &'a str>) -> String {
    it.map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
}

/// Check impact/severity/quality and compute the award. `table` is the award table of the first
/// in-scope target (`None`: no target in scope).
pub fn check(
    program: &Program,
    table: Option<Option<&str>>,
    d: &Draft<'_>,
    out: &mut Vec<Diagnostic>,
) -> Option<Award> {
    let awards: &AwardsDef = &program.file.awards.as_ref()?.value;
    let fm = &d.front;
    let at_line = fm
        .impact
        .as_ref()
        .or(fm.severity.as_ref())
        .map_or(d.body_line().max(1), |f| f.line);
    let info = |msg: String| d.diag_at_line(rule::AWARD, Severity::Info, at_line, msg);

    // Validate the declared values against the rules file.
    let mut bad = false;
    let mut all_impacts: Vec<&str> = awards
        .tables
        .iter()
        .flat_map(|t| t.value.impacts.iter().map(|i| i.value.id.as_str()))
        .collect();
    let mut seen = std::collections::HashSet::new();
    all_impacts.retain(|x| seen.insert(*x));
    let severities: Vec<&str> = awards.severities.iter().map(String::as_str).collect();
    let qualities: Vec<&str> = awards.qualities.iter().map(String::as_str).collect();
    for (what, field, allowed) in [
        ("impact", &fm.impact, &all_impacts),
        ("severity", &fm.severity, &severities),
        ("quality", &fm.quality, &qualities),
    ] {
        let Some(f) = field else { continue };
        if !allowed.contains(&f.value.as_str()) {
            bad = true;
            out.push(d.diag_at_line(
                rule::INVALID_FRONT_MATTER,
                Severity::Error,
                f.line,
                format!(
                    "unknown {what} `{}` (expected one of {})",
                    f.value,
                    ids(allowed.iter().copied())
                ),
            ));
        }
    }
    if bad {
        return None;
    }
    let (Some(impact), Some(severity)) = (&fm.impact, &fm.severity) else {
        out.push(info(format!(
            "no award estimate: declare `impact` ({}) and `severity` ({}) in the front matter",
            ids(all_impacts.iter().copied()),
            ids(awards.severities.iter().map(String::as_str))
        )));
        return None;
    };
    let Some(table_id) = table else {
        out.push(info("no award: no target of the draft is in scope".into()));
        return None;
    };
    let table: &AwardTableDef = match table_id {
        Some(id) => &awards.tables.iter().find(|t| t.value.id == id)?.value,
        None if awards.tables.len() == 1 => &awards.tables[0].value,
        None => {
            out.push(info(
                "no award estimate: the in-scope target's asset names no award table".into(),
            ));
            return None;
        }
    };
    let Some(row) = table.impacts.iter().find(|i| i.value.id == impact.value) else {
        out.push(info(format!(
            "no award: impact `{}` is not paid under the {} table ({})",
            impact.value,
            table.id,
            ids(table.impacts.iter().map(|i| i.value.id.as_str()))
        )));
        return None;
    };
    let row = &row.value;
    let cells = row.awards.get(&severity.value);
    let amount = |q: &str| cells.and_then(|c| c.get(q)).copied().unwrap_or(0);
    let cur = &awards.currency;
    let head = format!("{} table, {} x {}", table.id, row.title, severity.value);
    let evidence = estimate_quality(d);
    let (quality, min, max, msg) = match &fm.quality {
        Some(q) => {
            let a = amount(&q.value);
            (
                Some(q.value.clone()),
                a,
                a,
                format!("{}: {} at {} report quality", head, money(cur, a), q.value),
            )
        }
        None => {
            let amounts: Vec<u64> = awards.qualities.iter().map(|q| amount(q)).collect();
            let min = amounts.iter().copied().min().unwrap_or(0);
            let max = amounts.iter().copied().max().unwrap_or(0);
            let est = evidence.level();
            let est_amount = amount(est);
            (
                None,
                min,
                max,
                format!(
                    "{}: {} to {} over report quality (no `quality:` declared); estimated {} quality from the draft, {}: {}",
                    head,
                    money(cur, min),
                    money(cur, max),
                    est,
                    money(cur, est_amount),
                    evidence.explain()
                ),
            )
        }
    };
    let msg = if max == 0 {
        format!(
            "{msg}. {} severity pays {} in this program: only severities whose row pays more ({}) are awarded",
            severity.value,
            money(cur, 0),
            ids(awards
                .severities
                .iter()
                .filter(|s| row.awards.get(*s).is_some_and(|c| c.values().any(|&v| v > 0)))
                .map(String::as_str))
        )
    } else {
        msg
    };
    out.push(info(msg));
    Some(Award {
        table: table.id.clone(),
        impact: impact.value.clone(),
        severity: severity.value.clone(),
        quality,
        min,
        max,
        currency: cur.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_groups_thousands() {
        assert_eq!(money("USD", 100000), "$100,000");
        assert_eq!(money("USD", 750), "$750");
        assert_eq!(money("EUR", 1500), "1,500 EUR");
    }

    #[test]
    fn quality_levels_follow_the_reference() {
        let low = Draft::parse("# Summary\nx\n# Steps\n1. a\n2. b\n");
        assert_eq!(estimate_quality(&low).level(), "low");
        let med = Draft::parse("# Steps\n1. a\n2. b\n```http\nGET / HTTP/1.1\n```\n");
        let e = estimate_quality(&med);
        assert_eq!((e.level(), e.repro, e.poc), ("medium", Some(1), Some(4)));
        let high = Draft::parse("# Steps\n1. a\n# PoC\nx\n# Root cause\ny\n");
        assert_eq!(estimate_quality(&high).level(), "high");
        let none = Draft::parse("just text with a root cause\n");
        assert_eq!(estimate_quality(&none).level(), "low");
        assert!(estimate_quality(&none)
            .explain()
            .contains("does not yet show enough to reproduce"));
    }
}
