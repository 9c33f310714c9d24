//! The checks. Every program-specific pattern comes from the rules file and is compiled once
//! per program into [`LintRules`]; the generic extractors (URLs, hosts, addresses) are
//! compiled once per process.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::bytes::{Regex, RegexSet, RegexSetBuilder};

use super::award::InScopeTarget;
use super::draft::{Draft, Field};
use super::prose::{Analysis, Lexicon, Place, RuleResult};
use super::{award, rule, secrets, Award, Diagnostic, Severity};
use crate::email::EMAIL;
use crate::matcher::VerdictKind;
use crate::rules::model::Spanned;
use crate::rules::{AssetRule, Program, RulesError};

use crate::rules::pattern::compile;

fn compile_all(origin: &str, what: &str, ps: &[Spanned<String>]) -> Result<Vec<Regex>, RulesError> {
    ps.iter().map(|p| compile(origin, what, p)).collect()
}

pub struct Class {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub quote: Option<String>,
    pub patterns: Vec<Regex>,
    pub chained: Vec<Regex>,
    pub chained_message: Option<String>,
    /// Concept rules (`match`), as lexicon concept ids.
    pub rules: Vec<Vec<u32>>,
    /// Concept rules for the program's exceptions (`unless`).
    pub unless: Vec<Vec<u32>>,
    pub unless_message: Option<String>,
}

pub struct Roe {
    pub id: String,
    pub text: String,
    pub patterns: Vec<Regex>,
    pub rules: Vec<Vec<u32>>,
    /// Any of these concepts must name the researcher in the sentence (empty: not checked).
    pub actor: Vec<u32>,
    pub unless: Vec<Vec<u32>>,
    /// (minimum count, unit concepts).
    pub volume: Option<(u64, Vec<u32>)>,
}

pub struct Standard {
    pub id: String,
    pub title: String,
    pub body: String,
    pub status: String,
    pub certified: bool,
    pub patterns: Vec<Regex>,
}

/// Which standards pay, from the rules file's `standards_policy` (none: every certified
/// standard pays, in every implementation).
#[derive(Debug, Default)]
pub struct StandardsPolicy {
    pub paid_bodies: Vec<String>,
    pub paid_statuses: Vec<String>,
    pub body_names: std::collections::BTreeMap<String, String>,
    /// (title, asset ids) of the certified implementations; empty: not checked.
    pub certified_implementations: Vec<(String, Vec<String>)>,
}

impl StandardsPolicy {
    fn body_name(&self, body: &str) -> String {
        self.body_names
            .get(&body.to_ascii_lowercase())
            .cloned()
            .unwrap_or_else(|| body.to_string())
    }

    /// Why a standards award cannot be paid for this specification, if it cannot.
    pub fn problem(&self, s: &Standard) -> Option<String> {
        let lower = |v: &[String]| v.iter().map(|x| x.to_ascii_lowercase()).collect::<Vec<_>>();
        let (bodies, statuses) = (lower(&self.paid_bodies), lower(&self.paid_statuses));
        if !bodies.is_empty() && !bodies.contains(&s.body.to_ascii_lowercase()) {
            let paid: Vec<String> = self.paid_bodies.iter().map(|b| self.body_name(b)).collect();
            let body = self.body_name(&s.body);
            let article = if body.starts_with(['A', 'E', 'I', 'O', 'U', 'a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            };
            return Some(format!(
                "{} is {article} {body} document ({}); the program pays standards awards only for {} specifications",
                s.title,
                s.status,
                paid.join(", ")
            ));
        }
        if !statuses.is_empty() && !statuses.contains(&s.status.to_ascii_lowercase()) {
            return Some(format!(
                "{} is a {} specification; the program pays standards awards only for {} ones",
                s.title,
                s.status.replace('-', " "),
                self.paid_statuses.join(", ")
            ));
        }
        if !s.certified {
            return Some(format!(
                "{} is not in the program's list of certified specifications",
                s.title
            ));
        }
        None
    }
}

pub struct Section {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub headings: Vec<Regex>,
}

pub struct Naming {
    pub marker: String,
    pub case_insensitive: bool,
    pub accounts: bool,
    pub tenants: bool,
    pub tenant_suffixes: Vec<String>,
    /// A marked account satisfies its tenant and a marked tenant its accounts.
    pub account_or_tenant: bool,
    /// Addresses that are not test accounts: (local part, `None` for any; domain), lowercased.
    pub not_accounts: Vec<(Option<String>, String)>,
    pub quote: Option<String>,
}

impl Naming {
    fn has_marker(&self, s: &str) -> bool {
        if self.case_insensitive {
            s.to_ascii_lowercase()
                .contains(&self.marker.to_ascii_lowercase())
        } else {
            s.contains(&self.marker)
        }
    }
    /// Whether an address found in the text is one of the program's contacts, not an account.
    fn is_not_account(&self, address: &str) -> bool {
        let Some((local, domain)) = address.rsplit_once('@') else {
            return false;
        };
        let (local, domain) = (local.to_ascii_lowercase(), domain.to_ascii_lowercase());
        self.not_accounts
            .iter()
            .any(|(l, d)| *d == domain && l.as_ref().is_none_or(|l| *l == local))
    }
    /// The tenant name if `host` is `<name>.<tenant suffix>`.
    fn tenant_of<'h>(&self, host: &'h str) -> Option<&'h str> {
        self.tenant_suffixes.iter().find_map(|suf| {
            let name = host.strip_suffix(suf.as_str())?.strip_suffix('.')?;
            (!name.is_empty()).then(|| name.rsplit('.').next().unwrap_or(name))
        })
    }
}

/// Everything `lint` needs from one program, compiled.
pub struct LintRules {
    /// Every class, chained, rule-of-engagement and standard pattern in one set, so one pass
    /// over a draft tells which individual patterns need running (most drafts match few).
    prefilter: Option<RegexSet>,
    /// Pattern text -> index in `prefilter`.
    prefilter_index: std::collections::HashMap<String, usize>,
    pub classes: Vec<Class>,
    pub roe: Vec<Roe>,
    pub standards: Vec<Standard>,
    pub sections: Vec<Section>,
    pub naming: Option<Naming>,
    pub standards_policy: StandardsPolicy,
    /// The program's own secret formats (`secret_patterns`), after the built-in ones.
    pub secrets: Vec<secrets::Pattern>,
    /// The prose model (`prose` in the rules file).
    pub lexicon: Lexicon,
}

fn severity_of(s: Option<&str>, default: Severity) -> Severity {
    s.and_then(Severity::parse).unwrap_or(default)
}

impl LintRules {
    pub fn compile(program: &Program) -> Result<LintRules, RulesError> {
        let f = &program.file;
        let o = &*program.origin;
        let mut lex = match &f.prose {
            Some(p) => {
                let p = &p.value;
                let neg = p.negation.as_ref().map(|n| &n.value);
                let mut lex = Lexicon::new(
                    neg.and_then(|n| n.window).unwrap_or(6) as usize,
                    compile_all(o, "prose.ignore_sections", &p.ignore_sections)?,
                    compile_all(o, "prose.evidence_sections", &p.evidence_sections)?,
                );
                for (name, terms) in &p.concepts {
                    lex.define(name, terms);
                }
                if let Some(n) = neg {
                    lex.negation_pre(&n.pre);
                    lex.negation_post(&n.post);
                    lex.pseudo(&n.pseudo);
                    lex.terminators(&n.terminators);
                }
                lex.hedges(&p.hedges);
                lex
            }
            None => Lexicon::new(6, Vec::new(), Vec::new()),
        };
        let rules_of = |lex: &mut Lexicon, v: &[Spanned<Vec<String>>]| {
            v.iter().map(|r| lex.rule(&r.value)).collect::<Vec<_>>()
        };
        let mut class_rules = Vec::new();
        for c in &f.excluded_classes {
            let m = rules_of(&mut lex, &c.value.match_rules);
            let u = rules_of(&mut lex, &c.value.unless);
            class_rules.push((m, u));
        }
        let mut roe_rules = Vec::new();
        for r in &f.rules_of_engagement {
            let r = &r.value;
            let m = rules_of(&mut lex, &r.match_rules);
            let u = rules_of(&mut lex, &r.unless);
            let actor = lex.rule(&r.actor);
            let volume = r
                .volume
                .as_ref()
                .map(|v| (v.value.min, lex.rule(&v.value.units)));
            roe_rules.push((m, u, actor, volume));
        }
        let mut class_rules = class_rules.into_iter();
        let mut roe_rules = roe_rules.into_iter();
        let classes = f
            .excluded_classes
            .iter()
            .map(|c| {
                let c = &c.value;
                let (rules, unless) = class_rules.next().unwrap_or_default();
                Ok(Class {
                    rules,
                    unless,
                    unless_message: c.unless_message.clone(),
                    id: c.id.clone(),
                    title: c.title.clone(),
                    severity: severity_of(
                        c.severity.as_ref().map(|s| s.value.as_str()),
                        Severity::Error,
                    ),
                    quote: c.quote.clone(),
                    patterns: compile_all(o, "patterns", &c.patterns)?,
                    chained: compile_all(o, "chained_patterns", &c.chained_patterns)?,
                    chained_message: c.chained_message.clone(),
                })
            })
            .collect::<Result<_, RulesError>>()?;
        let roe = f
            .rules_of_engagement
            .iter()
            .map(|r| {
                let (rules, unless, actor, volume) = roe_rules.next().unwrap_or_default();
                Ok(Roe {
                    rules,
                    unless,
                    actor,
                    volume,
                    id: r.value.id.clone(),
                    text: r.value.text.clone(),
                    patterns: compile_all(o, "patterns", &r.value.patterns)?,
                })
            })
            .collect::<Result<_, RulesError>>()?;
        let standards = f
            .standards
            .iter()
            .map(|s| {
                let s = &s.value;
                Ok(Standard {
                    id: s.id.clone(),
                    title: s.title.clone(),
                    body: s.body.clone(),
                    status: s.status.clone(),
                    certified: s.certified,
                    patterns: compile_all(o, "patterns", &s.patterns)?,
                })
            })
            .collect::<Result<_, RulesError>>()?;
        let sections = f
            .report_sections
            .iter()
            .map(|s| {
                let s = &s.value;
                Ok(Section {
                    id: s.id.clone(),
                    title: s.title.clone(),
                    severity: severity_of(Some(&s.severity.value), Severity::Error),
                    headings: compile_all(o, "headings", &s.headings)?,
                })
            })
            .collect::<Result<_, RulesError>>()?;
        let naming = f.test_naming.as_ref().map(|n| {
            let n = &n.value;
            Naming {
                marker: n.marker.clone(),
                case_insensitive: n.case_insensitive,
                account_or_tenant: n.account_or_tenant,
                accounts: n.applies_to.iter().any(|a| a.value == "accounts"),
                tenants: n.applies_to.iter().any(|a| a.value == "tenants"),
                tenant_suffixes: n
                    .tenant_suffixes
                    .iter()
                    .map(|s| s.trim_start_matches("*.").to_ascii_lowercase())
                    .collect(),
                // Checked when the rules were loaded.
                not_accounts: n
                    .not_accounts
                    .iter()
                    .filter_map(|a| crate::rules::parse_not_account(&a.value).ok())
                    .collect(),
                quote: n.quote.clone(),
            }
        });
        let secrets = f
            .secret_patterns
            .iter()
            .map(|sp| {
                let def = &sp.value;
                Ok(secrets::Pattern {
                    kind: def.kind.clone(),
                    advice: def.advice.clone(),
                    re: crate::rules::pattern::compile_text(o, "secret_patterns", &def.pattern)?,
                    group: def.group,
                })
            })
            .collect::<Result<_, RulesError>>()?;
        let standards_policy = f
            .standards_policy
            .as_ref()
            .map(|p| {
                let p = &p.value;
                StandardsPolicy {
                    paid_bodies: p.paid_bodies.clone(),
                    paid_statuses: p.paid_statuses.clone(),
                    body_names: p
                        .body_names
                        .iter()
                        .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
                        .collect(),
                    certified_implementations: p
                        .certified_implementations
                        .iter()
                        .map(|c| (c.value.title.clone(), c.value.assets.clone()))
                        .collect(),
                }
            })
            .unwrap_or_default();
        let mut all: Vec<&str> = Vec::new();
        for c in &f.excluded_classes {
            all.extend(c.value.patterns.iter().map(|p| p.value.as_str()));
            all.extend(c.value.chained_patterns.iter().map(|p| p.value.as_str()));
        }
        for r in &f.rules_of_engagement {
            all.extend(r.value.patterns.iter().map(|p| p.value.as_str()));
        }
        for x in &f.standards {
            all.extend(x.value.patterns.iter().map(|p| p.value.as_str()));
        }
        all.sort_unstable();
        all.dedup();
        let set = |unicode: bool| {
            RegexSetBuilder::new(&all)
                .case_insensitive(true)
                .unicode(unicode)
                .build()
        };
        let prefilter = set(false).or_else(|_| set(true)).ok();
        let prefilter_index = all
            .iter()
            .enumerate()
            .map(|(i, p)| (p.to_string(), i))
            .collect();
        Ok(LintRules {
            prefilter,
            prefilter_index,
            classes,
            roe,
            standards,
            sections,
            naming,
            standards_policy,
            secrets,
            lexicon: lex,
        })
    }
}

// ---- generic extractors -------------------------------------------------------------------

/// A URL, with the path templates API documentation writes (`/users/{id}/…`, `{user-id}`) kept
/// in it: cut at the `{`, `/v1.0/users/{id}/authentication/methods` was read as `/v1.0/users/`,
/// a different path with a different verdict. A template in the authority is cut off by
/// [`url_in_text`] (a host is never a template).
static URL: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r#"(?i)\bhttps?://(?:[^\s<>()\[\]{}"'`|\\^]|\{[\w.:$-]{1,64}\})+"#).unwrap()
});
static APP: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)\b(?:android|ios):[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9](?:#[A-Za-z0-9_-]+)?",
    )
    .unwrap()
});
static HOST: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"(?i)\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}\b").unwrap()
});
/// A target candidate found in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub value: String,
    pub offset: usize,
}

fn trim_url(u: &str) -> &str {
    u.trim_end_matches(['.', ',', ';', ':', '!', '?', '*', '_', '~'])
}

/// The URL a [`URL`] match names: trimmed of trailing punctuation, and cut at a `{` in its
/// authority (`https://{tenant}.b2clogin.com` names no host); `None` when nothing of the host
/// is left.
fn url_in_text(m: &str) -> Option<&str> {
    let rest_at = m.find("://").map_or(0, |i| i + 3);
    let authority_end = m[rest_at..]
        .find(['/', '?', '#'])
        .map_or(m.len(), |i| rest_at + i);
    let m = match m[rest_at..authority_end].find('{') {
        Some(0) => return None,
        Some(i) => &m[..rest_at + i],
        None => m,
    };
    Some(trim_url(m)).filter(|v| v.len() > rest_at)
}

/// URLs, app ids and bare host names in the draft, in order of appearance, each once.
/// Host names count only with a known public suffix and not as part of a URL or an address.
/// Sort spans `(start, end)` and merge overlapping ones, so [`in_spans`] can binary-search
/// them (a scan of every span for every match was quadratic in a draft of addresses).
fn merge_spans(mut spans: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    spans.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
    for (a, b) in spans {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    merged
}

/// Whether `pos` lies in one of the sorted, disjoint `spans`.
fn in_spans(spans: &[(usize, usize)], pos: usize) -> bool {
    let i = spans.partition_point(|&(a, _)| a <= pos);
    i > 0 && pos < spans[i - 1].1
}

pub fn find_targets(program: &Program, text: &str) -> Vec<Found> {
    let mut out: Vec<Found> = Vec::new();
    let mut covered: Vec<(usize, usize)> = Vec::new();
    let mut seen = HashSet::new();
    for m in URL.find_iter(text) {
        covered.push((m.start(), m.end()));
        let Some(v) = url_in_text(m.as_str()) else {
            continue;
        };
        if seen.insert(v.to_ascii_lowercase()) {
            out.push(Found {
                value: v.to_string(),
                offset: m.start(),
            });
        }
    }
    for m in EMAIL.find_iter(text) {
        covered.push((m.start(), m.end()));
    }
    for m in APP.find_iter(text) {
        covered.push((m.start(), m.end()));
        if seen.insert(m.as_str().to_ascii_lowercase()) {
            out.push(Found {
                value: m.as_str().to_string(),
                offset: m.start(),
            });
        }
    }
    let covered = merge_spans(covered);
    for m in HOST.find_iter(text) {
        if in_spans(&covered, m.start()) {
            continue;
        }
        // Not part of a path or file name (`/x.html`, `poc.html`).
        if text[..m.start()].ends_with(['/', '@', '.', '-', '_']) {
            continue;
        }
        let host = m.as_str().to_ascii_lowercase();
        let Some(tld) = host.rsplit('.').next() else {
            continue;
        };
        if !program.psl.is_public_suffix(tld) || host.split('.').count() < 2 {
            continue;
        }
        if matches!(
            tld,
            "md" | "py" | "js" | "sh" | "rs" | "pl" | "zip" | "exe" | "json"
        ) && program.classify(&host, false).rule() == crate::matcher::RULE_NO_ASSET
        {
            // File names that happen to end in a country-code TLD (`poc.py`), unless the
            // program itself has something to say about the name.
            continue;
        }
        if seen.insert(host.clone()) {
            out.push(Found {
                value: host,
                offset: m.start(),
            });
        }
    }
    out.sort_by_key(|f| f.offset);
    out
}

// ---- the checks ---------------------------------------------------------------------------

/// Run every check; returns the award estimates, one per award table the draft's in-scope
/// targets sit on.
pub fn run_all(
    program: &Program,
    rules: &LintRules,
    d: &Draft<'_>,
    secrets: &[secrets::Secret],
    sups: &[super::suppress::Suppression],
    out: &mut Vec<Diagnostic>,
) -> Vec<Award> {
    d.front_matter_diagnostics(out);
    let hits = Hits::new(rules, d.scan.as_bytes());
    let targets = check_targets(program, d, out);
    let prose = Analysis::new(&rules.lexicon, d);
    check_classes(rules, &hits, &prose, d, out);
    check_sections(rules, d, out);
    check_naming(rules, d, out);
    check_standard(rules, &hits, d, targets.as_deref(), out);
    check_secrets(d, secrets, out);
    check_roe(rules, &hits, &prose, d, out);
    let ineligible = ineligibility(sups, out, targets.as_deref());
    award::check(program, targets.as_deref(), ineligible, d, out)
}

/// Why the draft cannot be paid at all, if it cannot: an excluded class or a standards finding
/// the program does not pay for (errors that no suppression comment answers), or no target in
/// scope. Fixable errors (a pasted secret, a missing section or marker) do not count.
fn ineligibility(
    sups: &[super::suppress::Suppression],
    diags: &[Diagnostic],
    targets: Option<&[InScopeTarget<'_>]>,
) -> Option<String> {
    let standing = |rule: &str| {
        diags.iter().find(|x| {
            x.rule == rule && x.severity == Severity::Error && !super::suppress::suppresses(sups, x)
        })
    };
    if let Some(x) = standing(rule::EXCLUDED_CLASS) {
        return Some(format!(
            "the finding is in a class the program excludes (line {})",
            x.line
        ));
    }
    if let Some(x) = standing(rule::UNCERTIFIED_STANDARD) {
        return Some(format!(
            "a standards finding about a specification the program does not pay for (line {})",
            x.line
        ));
    }
    if targets.is_some_and(<[_]>::is_empty) {
        return Some("no target of the draft is in scope".into());
    }
    None
}

fn verdict_text(v: &crate::Verdict<'_>) -> String {
    format!("{} [{}]: {}", v.kind, v.rule(), v.reason_text())
}

/// Classify the draft's targets. Returns the in-scope ones (`None` when the draft names no
/// target at all). Each asset note the in-scope targets rely on is shown once, as info.
fn check_targets<'p>(
    program: &'p Program,
    d: &Draft<'_>,
    out: &mut Vec<Diagnostic>,
) -> Option<Vec<InScopeTarget<'p>>> {
    let declared = &d.front.targets;
    let mut in_scope = Vec::new();
    let mut noted = HashSet::new();
    let mut note =
        |out: &mut Vec<Diagnostic>, at: Result<u32, usize>, value: &str, a: &AssetRule| {
            let Some(n) = a.note.as_deref().map(str::trim).filter(|n| !n.is_empty()) else {
                return;
            };
            if !noted.insert(a.id.clone()) {
                return;
            }
            let msg = format!("target `{value}` relies on asset `{}`: {n}", a.id);
            out.push(match at {
                Ok(line) => d.diag_at_line(rule::ASSET_NOTE, Severity::Info, line, msg),
                Err(offset) => d.diag_at(rule::ASSET_NOTE, Severity::Info, offset, msg),
            });
        };
    if !declared.is_empty() {
        for Field { value, line } in declared {
            let v = program.classify(value, false);
            match v.asset().filter(|_| v.kind == VerdictKind::InScope) {
                Some(asset) => {
                    note(out, Ok(*line), value, asset);
                    in_scope.push(InScopeTarget {
                        value: value.clone(),
                        asset,
                    });
                }
                None => out.push(d.diag_at_line(
                    rule::TARGET_OUT_OF_SCOPE,
                    Severity::Error,
                    *line,
                    format!("declared target `{value}` is {}", verdict_text(&v)),
                )),
            }
        }
        return Some(in_scope);
    }
    let found = find_targets(program, &d.scan);
    if found.is_empty() {
        out.push(d.diag_at_line(
            rule::MISSING_TARGET,
            Severity::Warning,
            d.body_line().max(1),
            "nothing says what the finding is against: add `targets:` to the front matter (URLs, hosts or app ids, as `scopelint check` takes them)".into(),
        ));
        return None;
    }
    for f in &found {
        let v = program.classify(&f.value, false);
        if let Some(asset) = v.asset().filter(|_| v.kind == VerdictKind::InScope) {
            note(out, Err(f.offset), &f.value, asset);
            // Without `targets:`, the first in-scope target found is the one the finding is
            // taken to be about.
            return Some(vec![InScopeTarget {
                value: f.value.clone(),
                asset,
            }]);
        }
    }
    let first = &found[0];
    let v = program.classify(&first.value, false);
    let others = found.len() - 1;
    out.push(d.diag_at(
        rule::TARGET_OUT_OF_SCOPE,
        Severity::Error,
        first.offset,
        format!(
            "no target in the draft is in scope (no `targets:` declared; {} found in the text): `{}` is {}{}",
            found.len(),
            first.value,
            verdict_text(&v),
            match others {
                0 => String::new(),
                1 => "; the other one is not in scope either".to_string(),
                n => format!("; the other {n} are not in scope either"),
            }
        ),
    ));
    Some(Vec::new())
}

fn excerpt(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(b);
    let s: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}

/// The prefilter's answer for one draft.
pub struct Hits<'a> {
    rules: &'a LintRules,
    matched: Option<Vec<bool>>,
}

impl<'a> Hits<'a> {
    pub fn new(rules: &'a LintRules, hay: &[u8]) -> Hits<'a> {
        let matched = rules.prefilter.as_ref().map(|set| {
            let mut v = vec![false; set.len()];
            for i in set.matches(hay).iter() {
                v[i] = true;
            }
            v
        });
        Hits { rules, matched }
    }

    pub fn may_match(&self, re: &Regex) -> bool {
        match (&self.matched, self.rules.prefilter_index.get(re.as_str())) {
            (Some(m), Some(&i)) => m[i],
            _ => true,
        }
    }

    /// Earliest match of any of `res` in `hay`.
    fn first_match(&self, res: &[Regex], hay: &[u8]) -> Option<(usize, usize)> {
        res.iter()
            .filter(|r| self.may_match(r))
            .filter_map(|r| r.find(hay).map(|m| (m.start(), m.end())))
            .min()
    }
}

/// What matched in one sentence.
struct SentenceHit {
    offset: usize,
    what: String,
    hedge: Option<String>,
}

/// Per sentence of `a`, the earliest match of any of `patterns` (regexes) or `rules` (concept
/// rules, not negated).
fn sentence_hits(
    rules: &LintRules,
    hits: &Hits<'_>,
    a: &Analysis,
    d: &Draft<'_>,
    patterns: &[Regex],
    concept_rules: &[Vec<u32>],
) -> Vec<Option<SentenceHit>> {
    let mut out: Vec<Option<SentenceHit>> = (0..a.len()).map(|_| None).collect();
    let hay = d.scan.as_bytes();
    for re in patterns.iter().filter(|r| hits.may_match(r)) {
        for m in re.find_iter(hay) {
            let Some(s) = a.sentence_at(m.start()) else {
                continue;
            };
            if a.negated_at(&rules.lexicon, d, s, m.start()).is_some() {
                continue;
            }
            if out[s].as_ref().is_none_or(|h| m.start() < h.offset) {
                out[s] = Some(SentenceHit {
                    offset: m.start(),
                    what: excerpt(m.as_bytes()),
                    hedge: None,
                });
            }
        }
    }
    if concept_rules.is_empty() {
        return out;
    }
    for (s, slot) in out.iter_mut().enumerate() {
        for rule in concept_rules {
            if let RuleResult::Match {
                offset,
                terms,
                hedge,
            } = a.eval(&rules.lexicon, d, s, rule)
            {
                if slot.as_ref().is_none_or(|h| offset < h.offset) {
                    *slot = Some(SentenceHit {
                        offset,
                        what: excerpt(terms.join(" + ").as_bytes()),
                        hedge,
                    });
                }
                break;
            }
        }
    }
    out
}

/// The first `unless` rule of a class that matches anywhere in the draft: its terms.
fn unless_hit(
    rules: &LintRules,
    a: &Analysis,
    d: &Draft<'_>,
    unless: &[Vec<u32>],
) -> Option<String> {
    if unless.is_empty() {
        return None;
    }
    (0..a.len()).find_map(|s| {
        unless
            .iter()
            .find_map(|r| match a.eval(&rules.lexicon, d, s, r) {
                RuleResult::Match { terms, .. } => Some(terms.join(" + ")),
                _ => None,
            })
    })
}

/// Excluded classes: one diagnostic per sentence that states the class. Errors only where a
/// finding's class is stated (the title, the description's first sentence, the impact
/// section); a class named elsewhere, in a hedged sentence, or with one of the class's
/// `unless` exceptions is a warning.
fn check_classes(
    rules: &LintRules,
    hits: &Hits<'_>,
    a: &Analysis,
    d: &Draft<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let hay = d.scan.as_bytes();
    for c in &rules.classes {
        let found = sentence_hits(rules, hits, a, d, &c.patterns, &c.rules);
        if found.iter().all(Option::is_none) {
            continue;
        }
        let exception = unless_hit(rules, a, d, &c.unless).map(|terms| {
            c.unless_message
                .clone()
                .or_else(|| c.chained_message.clone())
                .map(|m| format!("exception \"{terms}\" applies: {m}"))
                .unwrap_or_else(|| format!("exception \"{terms}\" applies: show that it does"))
        });
        let exception = exception.or_else(|| {
            hits.first_match(&c.chained, hay).map(|_| {
                c.chained_message.clone().unwrap_or_else(|| {
                    "this class qualifies only when chained into a more severe vulnerability: show the whole chain".into()
                })
            })
        });
        let quote = c
            .quote
            .as_deref()
            .map(|q| format!("; the program says: \"{q}\""))
            .unwrap_or_default();
        for (s, h) in found.iter().enumerate() {
            let Some(h) = h else { continue };
            let place = a.place(s);
            let head = format!(
                "{} (`{}`, matched \"{}\" {})",
                c.title,
                c.id,
                h.what,
                place.describe()
            );
            let (severity, msg) = if let Some(e) = &exception {
                (Severity::Warning, format!("{head}: {e}"))
            } else if !place.is_evidence() {
                (
                    c.severity.min(Severity::Warning),
                    format!("{head}: not in the title, first sentence or impact section; if the finding is of this class the program does not pay for it{quote}"),
                )
            } else if let Some(hg) = &h.hedge {
                (
                    c.severity.min(Severity::Warning),
                    format!("{head}, hedged by \"{hg}\"{quote}"),
                )
            } else {
                (c.severity, format!("{head}{quote}"))
            };
            out.push(d.diag_at(rule::EXCLUDED_CLASS, severity, h.offset, msg));
        }
    }
}

/// Rules of engagement: one error per sentence describing the researcher doing what a rule
/// forbids (with `actor`, the sentence must name the researcher; below a rule's `volume`
/// threshold, or with one of its `unless` rules, it does not count).
fn check_roe(
    rules: &LintRules,
    hits: &Hits<'_>,
    a: &Analysis,
    d: &Draft<'_>,
    out: &mut Vec<Diagnostic>,
) {
    for r in &rules.roe {
        let mut found = sentence_hits(rules, hits, a, d, &r.patterns, &r.rules);
        for (s, slot) in found.iter_mut().enumerate() {
            if let Some((min, units)) = &r.volume {
                let counts = a.counts(s, units);
                let over = counts.iter().copied().find(|n| n >= min);
                match over {
                    Some(n) if slot.is_none() => {
                        *slot = Some(SentenceHit {
                            offset: a.offset(s),
                            what: format!("{n} (at least {min})"),
                            hedge: None,
                        })
                    }
                    None if !counts.is_empty() => *slot = None,
                    _ => {}
                }
            }
            if slot.is_none() {
                continue;
            }
            if !r.actor.is_empty() && !r.actor.iter().any(|&c| a.has(s, c)) {
                *slot = None;
                continue;
            }
            if r.unless
                .iter()
                .any(|u| matches!(a.eval(&rules.lexicon, d, s, u), RuleResult::Match { .. }))
            {
                *slot = None;
            }
        }
        let first_sentence = r
            .text
            .split(". ")
            .next()
            .unwrap_or(&r.text)
            .trim_end_matches('.');
        for h in found.into_iter().flatten() {
            out.push(d.diag_at(
                rule::ROE,
                Severity::Error,
                h.offset,
                format!(
                    "the rules of engagement forbid this (`{}`, matched \"{}\"): \"{first_sentence}.\"",
                    r.id, h.what
                ),
            ));
        }
    }
}

/// Why `lint` reads each sentence the way it does, for `--explain`: per sentence with any
/// term, its place, the terms found, and every class or rule of engagement that matched
/// (regex or concepts), was negated (by which trigger) or excepted (by which `unless` terms).
pub fn explain_prose(rules: &LintRules, d: &Draft<'_>) -> Vec<String> {
    let a = Analysis::new(&rules.lexicon, d);
    let hits = Hits::new(rules, d.scan.as_bytes());
    let class_hits: Vec<_> = rules
        .classes
        .iter()
        .map(|c| sentence_hits(rules, &hits, &a, d, &c.patterns, &c.rules))
        .collect();
    let roe_hits: Vec<_> = rules
        .roe
        .iter()
        .map(|r| sentence_hits(rules, &hits, &a, d, &r.patterns, &r.rules))
        .collect();
    // Whether each class and rule matched anywhere: asked for every sentence, computed once.
    let any_hit = |hits: &[Vec<Option<SentenceHit>>]| -> Vec<bool> {
        hits.iter().map(|h| h.iter().any(Option::is_some)).collect()
    };
    let (class_any, roe_any) = (any_hit(&class_hits), any_hit(&roe_hits));
    let mut lines = Vec::new();
    for s in 0..a.len() {
        let mut notes = Vec::new();
        let mut entry = |kind: &str,
                         id: &str,
                         found: &[Option<SentenceHit>],
                         matched_anywhere: bool,
                         crules: &[Vec<u32>],
                         unless: &[Vec<u32>]| {
            match &found[s] {
                Some(h) => notes.push(format!(
                    "{kind} `{id}` matched \"{}\"{}",
                    h.what,
                    h.hedge
                        .as_ref()
                        .map(|x| format!(", hedged by \"{x}\""))
                        .unwrap_or_default()
                )),
                None => {
                    if let Some((term, trigger)) =
                        crules
                            .iter()
                            .find_map(|r| match a.eval(&rules.lexicon, d, s, r) {
                                RuleResult::Negated { term, trigger } => Some((term, trigger)),
                                _ => None,
                            })
                    {
                        notes.push(format!(
                            "{kind} `{id}`: \"{term}\" negated by \"{trigger}\""
                        ));
                    }
                }
            }
            if matched_anywhere {
                for u in unless {
                    if let RuleResult::Match { terms, .. } = a.eval(&rules.lexicon, d, s, u) {
                        notes.push(format!(
                            "{kind} `{id}`: exception \"{}\" applies",
                            terms.join(" + ")
                        ));
                        break;
                    }
                }
            }
        };
        for ((c, found), any) in rules.classes.iter().zip(&class_hits).zip(&class_any) {
            entry("class", &c.id, found, *any, &c.rules, &c.unless);
        }
        for ((r, found), any) in rules.roe.iter().zip(&roe_hits).zip(&roe_any) {
            entry(
                "rule of engagement",
                &r.id,
                found,
                *any,
                &r.rules,
                &r.unless,
            );
        }
        let terms = a.describe(&rules.lexicon, d, s);
        if terms.is_empty() && notes.is_empty() {
            continue;
        }
        let (line, column) = d.pos(a.offset(s));
        let place = match a.place(s) {
            Place::Body => "body",
            Place::Title => "title",
            Place::First => "first sentence",
            Place::Evidence => "impact section",
        };
        lines.push(format!(
            "{line}:{column} [{place}] terms: {terms}{}",
            notes
                .iter()
                .map(|n| format!("\n    {n}"))
                .collect::<String>()
        ));
    }
    lines
}

fn check_sections(rules: &LintRules, d: &Draft<'_>, out: &mut Vec<Diagnostic>) {
    for s in &rules.sections {
        let found = d
            .section_names()
            .any(|h| s.headings.iter().any(|r| r.is_match(h.text.as_bytes())));
        if !found {
            out.push(d.diag_at_line(
                rule::MISSING_SECTION,
                s.severity,
                d.body_line().max(1),
                format!(
                    "no `{}` section: add a heading for it (section `{}`)",
                    s.title, s.id
                ),
            ));
        }
    }
}

fn check_naming(rules: &LintRules, d: &Draft<'_>, out: &mut Vec<Diagnostic>) {
    let Some(n) = &rules.naming else { return };
    // (line, column, kind, name): declared ones at their front-matter line, found ones where
    // they appear; reported once per name, at the first place it appears.
    let mut items: Vec<(u32, u32, &'static str, String)> = Vec::new();
    let at_line = |l: u32| {
        let t = d.line_text(l);
        (
            l,
            t.chars()
                .take_while(|c| c.is_whitespace() || *c == '-')
                .count() as u32
                + 1,
        )
    };
    if n.accounts {
        for f in &d.front.accounts {
            let (l, c) = at_line(f.line);
            items.push((l, c, "account", f.value.clone()));
        }
    }
    if n.tenants {
        for f in &d.front.tenants {
            let (l, c) = at_line(f.line);
            items.push((l, c, "tenant", f.value.clone()));
        }
    }
    let text = &d.scan;
    let mut addr_spans = Vec::new();
    for m in EMAIL.find_iter(text) {
        addr_spans.push((m.start(), m.end()));
        if n.is_not_account(m.as_str()) {
            continue;
        }
        let (l, c) = d.pos(m.start());
        if n.accounts {
            items.push((l, c, "account", m.as_str().to_string()));
        }
        if n.tenants {
            let domain = m
                .as_str()
                .rsplit('@')
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            if let Some(t) = n.tenant_of(&domain) {
                items.push((l, c, "tenant", t.to_string()));
            }
        }
    }
    if n.tenants {
        // Matches of one regex come in order without overlapping: already sorted and disjoint.
        for m in HOST.find_iter(text) {
            if in_spans(&addr_spans, m.start()) {
                continue;
            }
            let host = m.as_str().to_ascii_lowercase();
            if let Some(t) = n.tenant_of(&host) {
                let (l, c) = d.pos(m.start());
                items.push((l, c, "tenant", t.to_string()));
            }
        }
    }
    items.sort_by_key(|(l, c, _, _)| (*l, *c));
    // "account name and/or tenant name": with `account_or_tenant`, a marked address satisfies
    // its tenant, and a marked tenant every address in it.
    let mut satisfied_tenants = HashSet::new();
    if n.account_or_tenant {
        for m in EMAIL.find_iter(text) {
            let domain = m
                .as_str()
                .rsplit('@')
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            if let Some(t) = n.tenant_of(&domain).filter(|_| n.has_marker(m.as_str())) {
                satisfied_tenants.insert(t.to_ascii_lowercase());
            }
        }
        for f in d.front.accounts.iter().filter(|f| n.has_marker(&f.value)) {
            let domain = f
                .value
                .rsplit('@')
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            if let Some(t) = n.tenant_of(&domain) {
                satisfied_tenants.insert(t.to_ascii_lowercase());
            }
        }
    }
    let mut seen = HashSet::new();
    for (line, column, kind, name) in items {
        // A tenant given as a host name is checked by its name label.
        let name = if kind == "tenant" {
            n.tenant_of(&name.to_ascii_lowercase())
                .map(str::to_string)
                .unwrap_or(name)
        } else {
            name
        };
        if !seen.insert((kind, name.to_ascii_lowercase())) || n.has_marker(&name) {
            continue;
        }
        if n.account_or_tenant {
            // A tenant is covered by a marked account in it; an account is not covered by
            // another account of its tenant (its own name or its tenant's must be marked).
            if kind == "tenant" && satisfied_tenants.contains(&name.to_ascii_lowercase()) {
                continue;
            }
        }
        out.push(Diagnostic::new(
            rule::TEST_NAMING,
            Severity::Warning,
            line,
            column,
            format!(
                "test {kind} `{name}` does not carry the program's marker `{}`: include it in the {kind} name",
                n.marker
            ),
        ));
    }
}

/// Whether an impact id is a standards impact (`standards-design`, `standards-implementation`).
pub fn is_standards_impact(id: &str) -> bool {
    id.to_ascii_lowercase().starts_with("standards")
}

fn check_standard(
    rules: &LintRules,
    hits: &Hits<'_>,
    d: &Draft<'_>,
    targets: Option<&[InScopeTarget<'_>]>,
    out: &mut Vec<Diagnostic>,
) {
    let Some(impact) = &d.front.impact else {
        return;
    };
    if !is_standards_impact(&impact.value) {
        return;
    }
    check_implementation(rules, d, impact, targets, out);
    if let Some(std) = &d.front.standard {
        let v = std.value.to_ascii_lowercase();
        let known = rules.standards.iter().find(|s| {
            s.id.eq_ignore_ascii_case(&v)
                || s.title.to_ascii_lowercase() == v
                || s.patterns.iter().any(|r| r.is_match(v.as_bytes()))
        });
        let problem = match known {
            Some(s) => rules.standards_policy.problem(s),
            None => Some(format!(
                "`{}` is not a specification the program lists; certified: {}",
                std.value,
                certified_list(rules)
            )),
        };
        if let Some(p) = problem {
            out.push(d.diag_at_line(
                rule::UNCERTIFIED_STANDARD,
                Severity::Error,
                std.line,
                format!("standards impact `{}`: {p}", impact.value),
            ));
        }
        return;
    }
    // No `standard:` key: look for the specifications the text names.
    let hay = d.scan.as_bytes();
    let mut named: Vec<(usize, &Standard)> = rules
        .standards
        .iter()
        .filter_map(|s| hits.first_match(&s.patterns, hay).map(|(a, _)| (a, s)))
        .collect();
    named.sort_by_key(|(a, _)| *a);
    if named
        .iter()
        .any(|(_, s)| rules.standards_policy.problem(s).is_none())
    {
        return;
    }
    match named.first() {
        Some((off, s)) => out.push(d.diag_at(
            rule::UNCERTIFIED_STANDARD,
            Severity::Error,
            *off,
            format!(
                "standards impact `{}`: {}",
                impact.value,
                rules.standards_policy.problem(s).unwrap_or_default()
            ),
        )),
        None => out.push(d.diag_at_line(
            rule::UNCERTIFIED_STANDARD,
            Severity::Error,
            impact.line,
            format!(
                "standards impact `{}` but the draft names no certified specification: add `standard:` to the front matter (certified: {})",
                impact.value,
                certified_list(rules)
            ),
        )),
    }
}

/// A standards finding counts only in a certified implementation: warn when every in-scope
/// target sits on assets that serve none (the rules file's `certified_implementations`).
fn check_implementation(
    rules: &LintRules,
    d: &Draft<'_>,
    impact: &Field,
    targets: Option<&[InScopeTarget<'_>]>,
    out: &mut Vec<Diagnostic>,
) {
    let certified = &rules.standards_policy.certified_implementations;
    let Some(targets) = targets.filter(|t| !t.is_empty()) else {
        return;
    };
    if certified.is_empty() {
        return;
    }
    let on_certified = |a: &AssetRule| certified.iter().any(|(_, ids)| ids.contains(&a.id));
    if targets.iter().any(|t| on_certified(t.asset)) {
        return;
    }
    let mut assets: Vec<&str> = targets.iter().map(|t| t.asset.id.as_str()).collect();
    // Each asset once, in the order the targets name them (`dedup` only drops neighbours).
    let mut seen = HashSet::new();
    assets.retain(|a| seen.insert(*a));
    out.push(d.diag_at_line(
        rule::UNCERTIFIED_STANDARD,
        Severity::Warning,
        impact.line,
        format!(
            "standards impact `{}` against {}, which is not a certified implementation the program lists ({}): standards findings in non-certified implementations do not qualify",
            impact.value,
            assets.iter().map(|a| format!("asset `{a}`")).collect::<Vec<_>>().join(", "),
            certified.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>().join("; ")
        ),
    ));
}

fn certified_list(rules: &LintRules) -> String {
    rules
        .standards
        .iter()
        .filter(|s| rules.standards_policy.problem(s).is_none())
        .map(|s| s.title.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

fn check_secrets(d: &Draft<'_>, found: &[secrets::Secret], out: &mut Vec<Diagnostic>) {
    for s in found {
        out.push(d.diag_at(
            rule::SECRET,
            Severity::Error,
            s.range.start,
            format!(
                "{} pasted into the draft (`{}`, {} characters): {}",
                s.kind,
                s.redacted(),
                s.len,
                s.advice
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::Linter;
    use crate::psl::SuffixList;
    use crate::ScopeRules;

    fn rules() -> ScopeRules {
        ScopeRules::embedded(SuffixList::embedded()).unwrap()
    }

    /// The targets `find_targets` finds in `text` under the embedded program.
    fn targets_in(text: &str) -> Vec<String> {
        let r = rules();
        find_targets(&r.programs[0], text)
            .into_iter()
            .map(|f| f.value)
            .collect()
    }

    #[test]
    fn targets_in_text_skip_addresses_and_file_names() {
        assert_eq!(
            targets_in(
                "See https://login.live.com/x., mail a@b.onmicrosoft.com, open /tmp/poc.html and account.live.com; android:com.azure.authenticator",
            ),
            vec![
                "https://login.live.com/x",
                "account.live.com",
                "android:com.azure.authenticator"
            ]
        );
    }

    #[test]
    fn urls_keep_path_templates_but_no_host_template() {
        assert_eq!(
            targets_in(concat!(
                "GET https://graph.microsoft.com/v1.0/users/{id}/authentication/methods, ",
                "then https://graph.microsoft.com/v1.0/users/{user-id}. ",
                "Not https://{tenant}.b2clogin.com/x nor https://login.live.com{x}/y ",
                "and {url: https://account.live.com/z}",
            )),
            vec![
                "https://graph.microsoft.com/v1.0/users/{id}/authentication/methods",
                "https://graph.microsoft.com/v1.0/users/{user-id}",
                "https://login.live.com",
                "https://account.live.com/z",
            ]
        );
    }
    #[test]
    fn standards_problems() {
        let r = rules();
        let lr = LintRules::compile(&r.programs[0]).unwrap();
        let get = |id: &str| {
            let s = lr.standards.iter().find(|s| s.id == id).unwrap();
            lr.standards_policy.problem(s)
        };
        assert_eq!(get("openid-connect-core"), None);
        assert!(get("rfc7636-pkce").unwrap().contains("IETF"));
        assert!(get("openid-siop-v2").unwrap().contains("draft"));
        assert!(get("openid-fapi")
            .unwrap()
            .contains("not in the program's list"));
        // Without a policy only `certified` decides: the rules file holds the policy, not Rust.
        let generic = StandardsPolicy::default();
        let pkce = lr
            .standards
            .iter()
            .find(|s| s.id == "rfc7636-pkce")
            .unwrap();
        assert!(generic
            .problem(pkce)
            .unwrap()
            .contains("not in the program's list"));
        let core = lr
            .standards
            .iter()
            .find(|s| s.id == "openid-connect-core")
            .unwrap();
        assert_eq!(generic.problem(core), None);
    }

    #[test]
    fn standard_named_in_text_without_key() {
        let r = rules();
        let l = Linter::new(&r).unwrap();
        let rep = l.lint_text(
            "x.md",
            "---\ntargets: [login.microsoftonline.com]\nimpact: standards-design\nseverity: critical\n---\n# Summary\nA flaw in SIOPv2 handling.\n",
        );
        let u: Vec<_> = rep
            .diagnostics
            .iter()
            .filter(|d| d.rule == "uncertified-standard")
            .map(|d| d.line)
            .collect();
        assert_eq!(u, vec![7]);
        let rep = l.lint_text(
            "x.md",
            "---\ntargets: [login.microsoftonline.com]\nimpact: standards-design\nseverity: critical\n---\n# Summary\nA flaw in OpenID Connect Core nonce handling, unlike SIOPv2.\n",
        );
        assert!(!rep
            .diagnostics
            .iter()
            .any(|d| d.rule == "uncertified-standard"));
    }

    #[test]
    fn patterns_are_case_insensitive_and_unicode_safe() {
        let r = rules();
        let l = Linter::new(&r).unwrap();
        let rep = l.lint_text(
            "x.md",
            "# Summary\n“Ünïcode” text: SUBDOMAIN TAKEOVER of login.live.com\n",
        );
        let hit = rep
            .diagnostics
            .iter()
            .find(|d| d.rule == "excluded-class")
            .unwrap();
        assert_eq!((hit.line, hit.column), (2, 17));
    }
}
