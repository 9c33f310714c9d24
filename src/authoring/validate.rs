//! `scopelint rules validate`: every problem in a rules file, with where it is.
//!
//! YAML syntax and type errors stop parsing (there is no model to check after them); every
//! other problem is collected: the loader's own checks (through [`compile_all`], so host
//! patterns, CIDRs, regexes and ids are checked by exactly the code that loads them), plus
//! checks that only make sense for an author: host patterns written in a form the loader has
//! to normalize, assets shadowed by another asset or cancelled by an exclusion, and
//! exclusions that never take anything out of scope.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use colored::Colorize;
use serde::Serialize;

use crate::matcher::{Reason, VerdictKind};
use crate::psl::SuffixList;
use crate::rules::model::{RulesFile, Spanned};
use crate::rules::{
    compile_all, parse_host_pattern, parse_rules_file, HostPattern, Program, RulesError,
};
use crate::text::{printable, LineEnds};

/// The severities `lint` uses; a rules file problem is an error or a warning.
pub use crate::diagnostic::Severity;

/// One problem in a rules file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub severity: Severity,
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
    /// A suggestion (`did you mean ...`), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl Problem {
    fn from_error(e: RulesError) -> Problem {
        let help = did_you_mean(&e.message).or_else(|| type_hint(&e.message));
        Problem {
            severity: Severity::Error,
            file: e.file,
            line: e.line,
            column: e.column,
            message: e.message,
            help,
        }
    }

    fn at<T>(severity: Severity, origin: &str, s: &Spanned<T>, message: String) -> Problem {
        Problem {
            severity,
            file: origin.to_string(),
            line: (s.referenced.line() as u32).max(1),
            column: (s.referenced.column() as u32).max(1),
            message,
            help: None,
        }
    }

    fn with_help(mut self, help: impl Into<String>) -> Problem {
        self.help = Some(help.into());
        self
    }
}

/// The problems of one file, with its text for snippets.
#[derive(Debug, Clone)]
pub struct FileReport {
    pub file: String,
    pub text: Option<String>,
    /// How `text` counts lines (the snippets under the problems are its lines).
    pub line_ends: LineEnds,
    pub problems: Vec<Problem>,
}

impl FileReport {
    pub fn errors(&self) -> usize {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .count()
    }
    pub fn warnings(&self) -> usize {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Warning)
            .count()
    }
}

/// Validate a rules file on disk.
pub fn validate_file(path: &Path, psl: Arc<SuffixList>) -> FileReport {
    let name = path.display().to_string();
    let whole = |message: String| FileReport {
        file: name.clone(),
        text: None,
        line_ends: LineEnds::Any,
        problems: vec![Problem {
            severity: Severity::Error,
            file: name.clone(),
            line: 1,
            column: 1,
            message,
            help: None,
        }],
    };
    if path.is_dir() {
        return whole("is a directory, not a rules file".into());
    }
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => return whole(format!("cannot read: {e}")),
    };
    match String::from_utf8(bytes) {
        // A plain list is checked by loading it, as `--rules` does: every entry a host,
        // wildcard or CIDR, every wildcard allowed (it has no author-level checks).
        Ok(text) if crate::rules::plain::is_plain_list(path, &text) => {
            let problems = crate::rules::plain::plain_list_problems(path, &text, psl)
                .into_iter()
                .map(Problem::from_error)
                .collect();
            FileReport {
                file: name,
                text: Some(text),
                line_ends: LineEnds::Newline,
                problems,
            }
        }
        Ok(text) => validate_str(&text, &name, psl),
        Err(e) => {
            let ends =
                crate::text::LineEnds::of_rules(path, &String::from_utf8_lossy(e.as_bytes()));
            let (line, column) = crate::text::not_utf8_at(&e, ends);
            FileReport {
                file: name.clone(),
                text: None,
                line_ends: ends,
                problems: vec![Problem {
                    severity: Severity::Error,
                    file: name,
                    line,
                    column,
                    message: "not valid UTF-8".into(),
                    help: None,
                }],
            }
        }
    }
}

/// Validate rules text; `origin` is the name shown for it.
pub fn validate_str(text: &str, origin: &str, psl: Arc<SuffixList>) -> FileReport {
    let mut problems = Vec::new();
    match parse_rules_file(text, origin) {
        Err(e) => problems.push(Problem::from_error(e)),
        Ok(file) => {
            problems.extend(normalization_warnings(&file, origin));
            let (program, errors) = compile_all(file, origin, psl);
            problems.extend(errors.into_iter().map(Problem::from_error));
            problems.extend(coverage_problems(&program));
            problems.extend(widening_problems(&program));
        }
    }
    // Errors before warnings at the same position.
    problems.sort_by_key(|p| (p.line, p.column, std::cmp::Reverse(p.severity)));
    problems.dedup();
    FileReport {
        file: origin.to_string(),
        text: Some(text.to_string()),
        line_ends: LineEnds::Any,
        problems,
    }
}

/// `did you mean` for serde's "unknown field `x`, expected one of `a`, `b`" and
/// "unknown variant" messages.
pub fn did_you_mean(message: &str) -> Option<String> {
    let rest = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("unknown variant `"))?;
    let (got, rest) = rest.split_once('`')?;
    let expected_part = rest.split_once("expected")?.1;
    let expected_part = expected_part.trim().trim_start_matches("one of").trim();
    let candidates: Vec<&str> = expected_part
        .split(", ")
        .flat_map(|c| c.split(" or "))
        .map(|c| c.trim().trim_matches('`'))
        .filter(|c| !c.is_empty())
        .collect();
    let best = suggest(got, candidates.iter().copied())?;
    Some(format!("did you mean `{best}`?"))
}

/// A hint for the parser's terse type errors.
fn type_hint(message: &str) -> Option<String> {
    let hint = match message {
        "invalid u16" => "expected a whole number from 0 to 65535",
        "invalid u32" | "invalid u64" => "expected a whole number",
        "invalid boolean" => "expected `true` or `false`",
        "expected sequence start" => "expected a list: `[a, b]`, or one `- item` per line",
        "expected mapping start" => "expected a mapping of `key: value` lines",
        _ => return None,
    };
    Some(hint.to_string())
}

/// The closest candidate to `got`, if one is close enough to be a likely typo.
pub fn suggest<'c>(got: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let got_l = got.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| {
            (
                strsim::damerau_levenshtein(&got_l, &c.to_ascii_lowercase()),
                c,
            )
        })
        .filter(|(d, c)| {
            *d <= (c.len().max(got.len()) / 3).max(1) || c.starts_with(&got_l) && got_l.len() >= 3
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Host patterns the loader accepts but has to rewrite: the file should say what it means.
fn normalization_warnings(file: &RulesFile, origin: &str) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut check = |h: &Spanned<String>| {
        let raw = h.value.as_str();
        // `include_apex` does not change the spelling; the loader reports a missing one.
        let Ok(pat) = parse_host_pattern(raw, Some(false)) else {
            return;
        };
        let canonical = match &pat {
            HostPattern::Exact(h) => h.clone(),
            HostPattern::Subdomains { base, .. } => format!("*.{base}"),
            HostPattern::Glob { pattern, .. } => pattern.clone(),
        };
        if raw == canonical {
            return;
        }
        let mut why = Vec::new();
        if raw.trim() != raw {
            why.push("surrounding whitespace");
        }
        if raw.chars().any(|c| c.is_uppercase()) {
            why.push("uppercase letters");
        }
        if raw.trim().ends_with('.') {
            why.push("a trailing dot");
        }
        if !raw.is_ascii() {
            why.push("Unicode where the punycode form is meant");
        }
        if why.is_empty() {
            why.push("a form targets never take");
        }
        out.push(
            Problem::at(
                Severity::Warning,
                origin,
                h,
                format!(
                    "host pattern `{raw}` is not normalized: it has {}",
                    why.join(", ")
                ),
            )
            .with_help(format!("write `{canonical}`")),
        );
    };
    for a in &file.assets {
        a.value.hosts.iter().for_each(&mut check);
    }
    for x in &file.exclusions {
        x.value.hosts.iter().for_each(&mut check);
    }
    if let Some(c) = &file.customer_owned {
        c.value.suffixes.iter().for_each(&mut check);
    }
    // A target's IPv4-mapped address is read as the IPv4 address it maps, so an IPv6 range
    // wider than /96 that holds the mapped block (`::/0`) matches no IPv4 target, mapped or
    // not: an author who meant "every address" would be surprised.
    let mapped_block =
        ipnet::Ipv6Net::new(std::net::Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0), 96)
            .expect("96 is a valid IPv6 prefix length");
    let wide_v6 = |c: &Spanned<String>| match crate::rules::parse_cidr(&c.value) {
        Ok(ipnet::IpNet::V6(v6)) if v6.prefix_len() < 96 && v6.contains(&mapped_block) => Some(v6),
        _ => None,
    };
    let ranges = file
        .assets
        .iter()
        .flat_map(|a| &a.value.cidrs)
        .chain(file.exclusions.iter().flat_map(|x| &x.value.cidrs));
    for c in ranges {
        if let Some(v6) = wide_v6(c) {
            out.push(
                Problem::at(
                    Severity::Warning,
                    origin,
                    c,
                    format!(
                        "IPv6 range `{v6}` holds the IPv4-mapped block `::ffff:0:0/96`, but IPv4 targets (and IPv4-mapped ones, read as IPv4) are never matched by an IPv6 range"
                    ),
                )
                .with_help("to cover IPv4 addresses as well, list the IPv4 range too (`0.0.0.0/0` for every address)"),
            );
        }
    }
    out
}

/// A label that no rules file names: stands for "any subdomain" of a wildcard.
const ANY_LABEL: &str = "scopelint-any-label";

/// Targets that stand for everything a host/CIDR/app list covers: each exact host, one
/// arbitrary name under each wildcard (plus the apex when included), the first and last
/// address of each range, each app. With `paths`, one path per prefix.
fn representatives(
    (hosts, include_apex, cidrs, apps, paths): crate::rules::model::CoverageDefs<'_>,
) -> Vec<String> {
    let paths = paths.map(|p| &p.value);
    let suffixes: Vec<String> = match paths {
        None => vec![String::new()],
        Some(p) => {
            let version = p
                .versions
                .first()
                .map(|v| format!("/{v}"))
                .unwrap_or_default();
            p.prefixes
                .iter()
                .map(|pre| {
                    let path: Vec<String> = pre
                        .value
                        .split('/')
                        .map(|s| {
                            if s.starts_with('{') && s.ends_with('}') {
                                "x".to_string()
                            } else {
                                s.replace('*', "x")
                            }
                        })
                        .collect();
                    let query: Vec<String> = p
                        .query
                        .iter()
                        .map(|q| format!("{}={}", q.name, q.value.replace('*', "x")))
                        .collect();
                    let query = if query.is_empty() {
                        String::new()
                    } else {
                        format!("?{}", query.join("&"))
                    };
                    format!("{version}{}{query}", path.join("/"))
                })
                .collect()
        }
    };
    let mut out = Vec::new();
    for h in hosts {
        let mut names = Vec::new();
        match parse_host_pattern(&h.value, include_apex.or(Some(false))) {
            Ok(HostPattern::Exact(e)) => names.push(e),
            Ok(HostPattern::Subdomains { base, include_apex }) => {
                names.push(format!("{ANY_LABEL}.{base}"));
                if include_apex {
                    names.push(base);
                }
            }
            // Globs are not sampled for shadowing checks.
            Ok(HostPattern::Glob { .. }) | Err(_) => {}
        }
        for n in names {
            for s in &suffixes {
                out.push(format!("{n}{s}"));
            }
        }
    }
    for c in cidrs {
        if let Ok(net) = crate::rules::parse_cidr(&c.value) {
            for ip in [net.network(), net.broadcast()] {
                out.push(match ip {
                    std::net::IpAddr::V6(v6) => format!("[{v6}]"),
                    v4 => v4.to_string(),
                });
            }
        }
    }
    for a in apps {
        let feature = a.value.feature.as_ref().map(|f| format!("#{f}"));
        out.push(format!(
            "{}:{}{}",
            a.value.platform.to_ascii_lowercase(),
            a.value.id,
            feature.unwrap_or_default()
        ));
    }
    out
}

/// Assets whose wildcard (or glob) covers a host that another asset restricts to some paths:
/// every path on that host is then in scope, whatever the path rules say. An asset naming the
/// exact host is the author's explicit choice and is not reported.
fn widening_problems(program: &Program) -> Vec<Problem> {
    let origin = program.origin.as_ref();
    let covers = |p: &HostPattern, host: &str| match p {
        HostPattern::Exact(_) => false,
        HostPattern::Subdomains { base, include_apex } => {
            (host == base && *include_apex)
                || (host.len() > base.len()
                    && host.ends_with(base.as_str())
                    && host.as_bytes()[host.len() - base.len() - 1] == b'.')
        }
        HostPattern::Glob { pattern, .. } => crate::rules::glob_matches(pattern, host),
    };
    let mut out = Vec::new();
    for (i, wide) in program.assets.iter().enumerate() {
        if wide.paths.is_some() {
            continue;
        }
        let mut narrowed: BTreeSet<(String, &str)> = BTreeSet::new();
        for narrow in program.assets.iter().filter(|a| a.paths.is_some()) {
            for h in &narrow.hosts {
                if let HostPattern::Exact(host) = h {
                    if wide.hosts.iter().any(|p| covers(p, host)) {
                        narrowed.insert((host.clone(), narrow.id.as_str()));
                    }
                }
            }
        }
        let Some(def) = program.file.assets.get(i).filter(|_| !narrowed.is_empty()) else {
            continue;
        };
        let list: Vec<String> = narrowed
            .iter()
            .map(|(h, id)| format!("`{h}` (asset `{id}`)"))
            .collect();
        out.push(
            Problem::at(
                Severity::Warning,
                origin,
                def,
                format!(
                    "asset `{}` puts every path on {} in scope, wider than the paths listed there",
                    wide.id,
                    list.join(", ")
                ),
            )
            .with_help("restrict this asset with `paths`, or exclude those hosts from it"),
        );
    }
    out
}

/// Assets that can never decide (wholly shadowed by another asset, or wholly cancelled by an
/// exclusion or customer-owned suffix) and exclusions that never take anything out of scope.
fn coverage_problems(program: &Program) -> Vec<Problem> {
    let origin = program.origin.as_ref();
    let mut out = Vec::new();
    let mut touched: BTreeSet<&str> = BTreeSet::new();
    for a in &program.file.assets {
        let def = &a.value;
        let reps = representatives(def.coverage());
        if reps.is_empty() {
            continue;
        }
        let mut cancelled_by = BTreeSet::new();
        let mut shadowed_by = BTreeSet::new();
        let mut decides = false;
        for r in &reps {
            let v = program.classify(r, false);
            match &v.reason {
                Reason::Exclusion { rule, .. } => {
                    touched.insert(rule.id.as_str());
                    cancelled_by.insert(format!("exclusion `{}`", rule.id));
                }
                Reason::CustomerOwned { rule, suffix } => {
                    cancelled_by
                        .insert(format!("customer-owned suffix `{suffix}` (`{}`)", rule.id));
                }
                Reason::Asset(other) if other.id != def.id => {
                    shadowed_by.insert(format!("asset `{}`", other.id));
                }
                _ => decides = true,
            }
        }
        if decides {
            continue;
        }
        if !cancelled_by.is_empty() && shadowed_by.is_empty() {
            out.push(
                Problem::at(
                    Severity::Error,
                    origin,
                    a,
                    format!(
                        "asset `{}` is wholly cancelled by {}: nothing it lists can be in scope",
                        def.id,
                        cancelled_by.into_iter().collect::<Vec<_>>().join(", ")
                    ),
                )
                .with_help("remove the asset, or narrow the exclusion"),
            );
        } else if cancelled_by.is_empty() && !shadowed_by.is_empty() {
            out.push(
                Problem::at(
                    Severity::Warning,
                    origin,
                    a,
                    format!(
                        "asset `{}` is wholly shadowed by {}: it never decides a verdict",
                        def.id,
                        shadowed_by.into_iter().collect::<Vec<_>>().join(", ")
                    ),
                )
                .with_help("remove it or merge it into the other asset"),
            );
        }
    }
    for x in &program.file.exclusions {
        let def = &x.value;
        // An uncertain exclusion is there to keep something out until the program decides.
        if def.uncertain || touched.contains(def.id.as_str()) {
            continue;
        }
        let reps = representatives(def.coverage());
        let overrides = reps.iter().any(|r| {
            let v = program.classify(r, false);
            v.kind == VerdictKind::OutOfScope
                && matches!(&v.reason, Reason::Exclusion { rule, overrode: Some(_) } if rule.id == def.id)
        });
        if !overrides && !reps.is_empty() {
            out.push(
                Problem::at(
                    Severity::Warning,
                    origin,
                    x,
                    format!("exclusion `{}` never matches anything an asset includes", def.id),
                )
                .with_help(
                    "it changes no verdict, only the reason given for targets that are out of scope anyway",
                ),
            );
        }
    }
    out
}

/// Render problems like a compiler: message, location, source line, caret, help.
pub fn render_text(report: &FileReport, color: bool) -> String {
    let lines: Vec<&str> = report
        .text
        .as_deref()
        .map(|text| crate::text::lines(text, report.line_ends))
        .unwrap_or_default();
    let mut s = String::new();
    for p in &report.problems {
        let label = match (p.severity, color) {
            (Severity::Error, true) => "error".red().bold().to_string(),
            (Severity::Warning, true) => "warning".yellow().bold().to_string(),
            (sev, _) => sev.as_str().to_string(),
        };
        // Messages and snippets quote the file's text, which is untrusted.
        let _ = writeln!(s, "{label}: {}", printable(&p.message));
        let _ = writeln!(s, "  --> {}:{}:{}", printable(&p.file), p.line, p.column);
        // The snippet is of this file (a `.noscope` pair's problems are in the pair; line 0 is
        // the file as a whole).
        let src = (p.file == report.file)
            .then(|| p.line.checked_sub(1))
            .flatten()
            .and_then(|i| lines.get(i as usize));
        if let Some(src) = src {
            let num = p.line.to_string();
            let pad = " ".repeat(num.len());
            let caret_pad = crate::text::caret_pad(src, p.column);
            let _ = writeln!(s, " {pad} |");
            let _ = writeln!(s, " {num} | {}", printable(src));
            let _ = writeln!(s, " {pad} | {caret_pad}^");
        }
        if let Some(h) = &p.help {
            let _ = writeln!(s, "   = help: {}", printable(h));
        }
        s.push('\n');
    }
    let _ = writeln!(
        s,
        "{}: {} error{}, {} warning{}",
        printable(&report.file),
        report.errors(),
        if report.errors() == 1 { "" } else { "s" },
        report.warnings(),
        if report.warnings() == 1 { "" } else { "s" },
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_field_names() {
        assert_eq!(
            did_you_mean("unknown field `hostz`, expected one of `id`, `title`, `hosts`, `cidrs`")
                .as_deref(),
            Some("did you mean `hosts`?")
        );
        assert_eq!(
            did_you_mean(
                "unknown field `awrd_table`, expected one of id, title, hosts, award_table, note"
            )
            .as_deref(),
            Some("did you mean `award_table`?")
        );
        assert_eq!(
            did_you_mean("unknown field `tittle`, expected `id` or `title`").as_deref(),
            Some("did you mean `title`?")
        );
        assert_eq!(
            did_you_mean("unknown field `zzzzzz`, expected `id` or `title`"),
            None
        );
        assert_eq!(did_you_mean("invalid type: string"), None);
    }
}
