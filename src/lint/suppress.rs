//! Suppression comments:
//! `<!-- scopelint-disable-next-line RULE[, RULE]: reason -->` (the line after the comment) and
//! `<!-- scopelint-disable-title RULE[, RULE]: reason -->` (the title: the front matter's
//! `title:` line, else the first heading) and
//! `<!-- scopelint-disable RULE[, RULE]: reason -->` (the whole file). A suppression without a
//! reason is a warning (`suppression-without-reason`); one that suppresses nothing is a warning
//! (`unused-suppression`). Neither of those two can itself be suppressed.

use std::sync::LazyLock;

use regex::Regex;

use super::draft::Draft;
use super::rule_info::is_rule;
use super::{rule, Diagnostic, Severity};

static COMMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?s)<!--\s*scopelint-disable(-next-line|-title)?\b(.*?)-->").unwrap()
});

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    pub rules: Vec<String>,
    pub reason: Option<String>,
    /// `None`: whole file; `Some(l)`: diagnostics on line `l`.
    pub target_line: Option<u32>,
    pub line: u32,
    pub column: u32,
}

/// The line of the draft's title: the front matter's `title:`, else the first heading.
fn title_line(d: &Draft<'_>) -> u32 {
    d.front
        .title
        .as_ref()
        .map(|f| f.line)
        .or_else(|| d.headings.first().map(|h| h.line))
        .unwrap_or(1)
}

pub fn parse(d: &Draft<'_>) -> Vec<Suppression> {
    COMMENT
        .captures_iter(d.text)
        .map(|c| {
            let whole = c.get(0).unwrap();
            let (line, column) = d.pos(whole.start());
            let end_line = d.pos(whole.end()).0;
            let body = c[2].trim();
            let (names, reason) = match body.split_once(':') {
                Some((n, r)) => (
                    n,
                    Some(r.trim()).filter(|r| !r.is_empty()).map(str::to_string),
                ),
                None => (body, None),
            };
            Suppression {
                rules: names
                    .split(|c: char| c == ',' || c.is_whitespace())
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
                reason,
                target_line: match c.get(1).map(|m| m.as_str()) {
                    Some("-title") => Some(title_line(d)),
                    Some(_) => Some(end_line + 1),
                    None => None,
                },
                line,
                column,
            }
        })
        .collect()
}

/// Whether one of `sups` suppresses `diag` (without recording the use).
pub fn suppresses(sups: &[Suppression], diag: &Diagnostic) -> bool {
    sups.iter().any(|s| {
        s.target_line.is_none_or(|l| l == diag.line) && s.rules.iter().any(|r| r == diag.rule)
    })
}

/// Drop the diagnostics `sups` (the draft's [`parse`]d suppressions) suppress, and add the
/// suppressions' own warnings.
pub fn apply(sups: &[Suppression], diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    if sups.is_empty() {
        return diags;
    }
    let mut used = vec![false; sups.len()];
    // The suppressions that can apply to a line: the whole-file ones and that line's, found by
    // lookup (trying every suppression for every diagnostic was quadratic).
    let whole_file: Vec<usize> = (0..sups.len())
        .filter(|&i| sups[i].target_line.is_none())
        .collect();
    let mut by_line: std::collections::HashMap<u32, Vec<usize>> = Default::default();
    for (i, s) in sups.iter().enumerate() {
        if let Some(l) = s.target_line {
            by_line.entry(l).or_default().push(i);
        }
    }
    let mut out: Vec<Diagnostic> = diags
        .into_iter()
        .filter(|diag| {
            let mut suppressed = false;
            let on_line = by_line.get(&diag.line).map_or(&[][..], Vec::as_slice);
            for &i in whole_file.iter().chain(on_line) {
                if sups[i].rules.iter().any(|r| r == diag.rule) {
                    used[i] = true;
                    suppressed = true;
                }
            }
            !suppressed
        })
        .collect();
    for (i, s) in sups.iter().enumerate() {
        let diag = |rule: &'static str, message: String| {
            Diagnostic::new(rule, Severity::Warning, s.line, s.column, message)
        };
        if s.rules.is_empty() {
            out.push(diag(
                rule::UNUSED_SUPPRESSION,
                "suppression names no rule: write `scopelint-disable-next-line RULE: reason`"
                    .into(),
            ));
            continue;
        }
        if s.reason.is_none() {
            out.push(diag(
                rule::SUPPRESSION_WITHOUT_REASON,
                format!(
                    "suppression of {} gives no reason: add `: why this does not apply`",
                    s.rules.join(", ")
                ),
            ));
        }
        if !used[i] {
            let unknown: Vec<&str> = s
                .rules
                .iter()
                .map(String::as_str)
                .filter(|r| !is_rule(r))
                .collect();
            let what = if unknown.is_empty() {
                match s.target_line {
                    Some(l) => format!("no {} diagnostic on line {l}", s.rules.join(", ")),
                    None => format!("no {} diagnostic in this file", s.rules.join(", ")),
                }
            } else {
                format!("unknown rule {}", unknown.join(", "))
            };
            out.push(diag(
                rule::UNUSED_SUPPRESSION,
                format!("unused suppression: {what}"),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diag(rule: &'static str, line: u32) -> Diagnostic {
        Diagnostic {
            rule,
            severity: Severity::Error,
            line,
            column: 1,
            message: String::new(),
            snippet: None,
        }
    }

    #[test]
    fn next_line_and_file_suppressions() {
        let d = Draft::parse(
            "<!-- scopelint-disable missing-section: template -->\n<!-- scopelint-disable-next-line excluded-class, roe: chained -->\nline3\nline4\n<!-- scopelint-disable-next-line secret -->\nline6\n",
        );
        let out = apply(
            &parse(&d),
            vec![
                diag("missing-section", 1),
                diag("excluded-class", 3),
                diag("excluded-class", 4),
                diag("secret", 6),
            ],
        );
        let got: Vec<_> = out.iter().map(|d| (d.rule, d.line)).collect();
        assert_eq!(
            got,
            vec![("excluded-class", 4), ("suppression-without-reason", 5),]
        );
    }

    #[test]
    fn rule_lists_may_span_lines_with_any_line_ending() {
        for sep in ["\n", "\r\n", "\r"] {
            let text =
                format!("<!-- scopelint-disable excluded-class{sep}roe: template -->{sep}x{sep}");
            let d = Draft::parse(&text);
            let out = apply(&parse(&d), vec![diag("excluded-class", 3), diag("roe", 3)]);
            let got: Vec<_> = out.iter().map(|d| (d.rule, d.message.clone())).collect();
            assert!(got.is_empty(), "{sep:?}: {got:?}");
        }
    }

    #[test]
    fn a_suppression_can_name_the_title() {
        let d = Draft::parse(
            "---\ntitle: Open redirect\n---\n<!-- scopelint-disable-title excluded-class: chained below -->\n# Summary\nx\n",
        );
        let out = apply(
            &parse(&d),
            vec![diag("excluded-class", 2), diag("excluded-class", 6)],
        );
        let got: Vec<_> = out.iter().map(|d| (d.rule, d.line)).collect();
        assert_eq!(got, vec![("excluded-class", 6)]);
    }

    #[test]
    fn unused_and_unknown() {
        let d = Draft::parse("<!-- scopelint-disable-next-line roe: x -->\nok\n<!-- scopelint-disable nosuch: y -->\n");
        let out = apply(&parse(&d), vec![]);
        let got: Vec<_> = out
            .iter()
            .map(|d| (d.rule, d.line, d.message.contains("unknown rule nosuch")))
            .collect();
        assert_eq!(
            got,
            vec![
                ("unused-suppression", 1, false),
                ("unused-suppression", 3, true)
            ]
        );
    }
}
