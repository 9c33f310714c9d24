//! The `award` check: what the program's tables pay for impact x severity x report quality,
//! and an estimate of the report quality when the draft does not declare it.
//!
//! The report-quality levels and what each needs (reproduction steps, a proof of concept, a
//! root-cause analysis) come from the rules file's `awards.quality_levels`; this module only
//! finds those ingredients in a draft.

use std::sync::LazyLock;

use regex::Regex;

use super::draft::{Draft, Field};
use super::{rule, Award, Diagnostic, Severity};
use crate::rules::model::{AwardTableDef, AwardsDef, ImpactDef, QualityLevelDef};
use crate::rules::{AssetRule, Program};

/// What the draft shows of each report-quality ingredient (the line where it is seen).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QualityEvidence {
    pub repro: Option<u32>,
    pub poc: Option<u32>,
    pub root_cause: Option<u32>,
}

impl QualityEvidence {
    fn has(&self, ingredient: &str) -> bool {
        match ingredient {
            "repro" => self.repro.is_some(),
            "poc" => self.poc.is_some(),
            "root_cause" => self.root_cause.is_some(),
            _ => false,
        }
    }

    /// The highest of the program's quality levels (listed highest first) whose ingredients the
    /// draft shows; `None` when the program defines no levels.
    pub fn level<'a>(&self, levels: &'a [QualityLevelDef]) -> Option<&'a QualityLevelDef> {
        levels.iter().find(|l| l.needs.iter().all(|n| self.has(n)))
    }

    /// What was found, and what the next level up would need.
    pub fn explain(&self, levels: &[QualityLevelDef]) -> String {
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
        if self.repro.is_none() {
            s.push_str("; the draft does not yet show enough to reproduce (numbered steps or a Steps section)");
        }
        let reached = levels
            .iter()
            .position(|l| l.needs.iter().all(|n| self.has(n)));
        if let Some(up) = reached.and_then(|i| i.checked_sub(1)).map(|i| &levels[i]) {
            let missing: Vec<&str> = up
                .needs
                .iter()
                .filter(|n| !self.has(n))
                .map(|n| match n.as_str() {
                    "repro" => "reproduction steps",
                    "poc" => "a reliable, minimized proof of concept",
                    _ => "a root-cause analysis",
                })
                .collect();
            s.push_str(&format!(
                "; add {} for the {} column",
                missing.join(" and "),
                up.id
            ));
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
        .section_names()
        .filter(|h| REPRO_HEADING.is_match(&h.text))
        .map(|h| h.line)
        .min()
        .or_else(|| (d.ordered_items.len() >= 2).then(|| d.ordered_items[0]));
    let poc = d
        .code_blocks
        .first()
        .map(|r| r.start)
        .into_iter()
        .chain(
            d.section_names()
                .filter(|h| POC.is_match(&h.text))
                .map(|h| h.line),
        )
        .min();
    let root_cause = d
        .section_names()
        .filter(|h| ROOT_CAUSE.is_match(&h.text))
        .map(|h| h.line)
        .min()
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

/// A target of the draft that is in scope, with the asset that puts it there.
#[derive(Debug, Clone)]
pub struct InScopeTarget<'p> {
    pub value: String,
    pub asset: &'p AssetRule,
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

/// Check impact/severity/quality and compute the award: one per award table of the in-scope
/// `targets` (`None`: the draft names no target; empty: none is in scope). `ineligible` says
/// why the finding cannot be paid at all: every award is then $0 with that reason.
pub fn check(
    program: &Program,
    targets: Option<&[InScopeTarget<'_>]>,
    ineligible: Option<String>,
    d: &Draft<'_>,
    out: &mut Vec<Diagnostic>,
) -> Vec<Award> {
    let Some(awards) = program.file.awards.as_ref().map(|a| &a.value) else {
        return Vec::new();
    };
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
        return Vec::new();
    }
    let (Some(impact), Some(severity)) = (&fm.impact, &fm.severity) else {
        out.push(info(format!(
            "no award estimate: declare `impact` ({}) and `severity` ({}) in the front matter",
            ids(all_impacts.iter().copied()),
            ids(awards.severities.iter().map(String::as_str))
        )));
        return Vec::new();
    };
    let no_target = |why: Option<String>| Award {
        table: None,
        impact: impact.value.clone(),
        severity: severity.value.clone(),
        quality: fm.quality.as_ref().map(|q| q.value.clone()),
        min: 0,
        max: 0,
        currency: awards.currency.clone(),
        ineligible: why,
    };
    let targets = match targets {
        None => {
            out.push(info("no award: no target of the draft is in scope".into()));
            return Vec::new();
        }
        Some([]) => {
            out.push(info("no award: no target of the draft is in scope".into()));
            return vec![no_target(ineligible)];
        }
        Some(t) => t,
    };

    // The award tables of the in-scope targets, in the order the targets come.
    let mut tables: Vec<(&AwardTableDef, Vec<&str>)> = Vec::new();
    for t in targets {
        let table = match &t.asset.award_table {
            Some(id) => awards
                .tables
                .iter()
                .find(|x| &x.value.id == id)
                .map(|x| &x.value),
            None if awards.tables.len() == 1 => Some(&awards.tables[0].value),
            None => None,
        };
        let Some(table) = table else {
            out.push(info(format!(
                "no award estimate for `{}`: its asset `{}` names no award table",
                t.value, t.asset.id
            )));
            continue;
        };
        match tables.iter_mut().find(|(x, _)| x.id == table.id) {
            Some((_, values)) => values.push(&t.value),
            None => tables.push((table, vec![&t.value])),
        }
    }
    let several = tables.len() > 1;
    // The draft's quality ingredients, read once for every table, and only when needed.
    let evidence = fm.quality.is_none().then(|| estimate_quality(d));
    if several {
        out.push(info(format!(
            "the draft's in-scope targets sit on different award tables ({}): the award depends on which target the finding is against; one estimate per table follows",
            tables
                .iter()
                .map(|(t, v)| format!("`{}` for {}", t.id, ids(v.iter().copied())))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let mut result = Vec::new();
    for (table, values) in tables {
        let for_whom = if several {
            format!("for {}: ", ids(values.iter().copied()))
        } else {
            String::new()
        };
        let Some(row) = table.impacts.iter().find(|i| i.value.id == impact.value) else {
            out.push(info(format!(
                "{for_whom}no award: impact `{}` is not paid under the {} table ({})",
                impact.value,
                table.id,
                ids(table.impacts.iter().map(|i| i.value.id.as_str()))
            )));
            continue;
        };
        let (award, msg) = estimate(
            awards,
            table,
            &row.value,
            severity,
            d,
            evidence.as_ref(),
            ineligible.clone(),
        );
        out.push(info(format!("{for_whom}{msg}")));
        result.push(award);
    }
    result
}

/// The award under one table's row, and the sentence that explains it.
fn estimate(
    awards: &AwardsDef,
    table: &AwardTableDef,
    row: &ImpactDef,
    severity: &Field,
    d: &Draft<'_>,
    evidence: Option<&QualityEvidence>,
    ineligible: Option<String>,
) -> (Award, String) {
    let fm = &d.front;
    let cells = row.awards.get(&severity.value);
    let amount = |q: &str| cells.and_then(|c| c.get(q)).copied().unwrap_or(0);
    let cur = &awards.currency;
    let head = format!("{} table, {} x {}", table.id, row.title, severity.value);
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
            let mut msg = format!(
                "{}: {} to {} over report quality (no `quality:` declared)",
                head,
                money(cur, min),
                money(cur, max)
            );
            if let Some((evidence, est)) =
                evidence.and_then(|e| Some((e, e.level(&awards.quality_levels)?)))
            {
                msg.push_str(&format!(
                    "; estimated {} quality from the draft, {}: {}",
                    est.id,
                    money(cur, amount(&est.id)),
                    evidence.explain(&awards.quality_levels)
                ));
            }
            (None, min, max, msg)
        }
    };
    let msg = if let Some(why) = &ineligible {
        let cell = if min == max {
            money(cur, max)
        } else {
            format!("{} to {}", money(cur, min), money(cur, max))
        };
        format!(
            "{head}: {}, ineligible: {why}; the table would pay {cell} for an eligible finding",
            money(cur, 0)
        )
    } else if max == 0 {
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
    let paid = ineligible.is_none();
    let award = Award {
        table: Some(table.id.clone()),
        impact: row.id.clone(),
        severity: severity.value.clone(),
        quality,
        min: if paid { min } else { 0 },
        max: if paid { max } else { 0 },
        currency: cur.clone(),
        ineligible,
    };
    (award, msg)
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
    fn quality_levels_come_from_the_rules_file() {
        let rules = crate::rules::ScopeRules::embedded(crate::psl::SuffixList::embedded()).unwrap();
        let levels = &rules.programs[0]
            .file
            .awards
            .as_ref()
            .unwrap()
            .value
            .quality_levels;
        let level = |text: &str| {
            estimate_quality(&Draft::parse(text))
                .level(levels)
                .map(|l| l.id.clone())
        };
        assert_eq!(
            level("# Summary\nx\n# Steps\n1. a\n2. b\n").as_deref(),
            Some("low")
        );
        let med = Draft::parse("# Steps\n1. a\n2. b\n```http\nGET / HTTP/1.1\n```\n");
        let e = estimate_quality(&med);
        assert_eq!((e.repro, e.poc), (Some(1), Some(4)));
        assert_eq!(e.level(levels).map(|l| l.id.as_str()), Some("medium"));
        assert!(e
            .explain(levels)
            .contains("add a root-cause analysis for the high column"));
        assert_eq!(
            level("# Steps\n1. a\n# PoC\nx\n# Root cause\ny\n").as_deref(),
            Some("high")
        );
        let none = estimate_quality(&Draft::parse("just text with a root cause\n"));
        assert_eq!(none.level(levels).map(|l| l.id.as_str()), Some("low"));
        assert!(none
            .explain(levels)
            .contains("does not yet show enough to reproduce"));
        // A program without levels gets no estimate.
        assert!(none.level(&[]).is_none());
    }
}
