//! The matcher: from a parsed target to a [`Verdict`].
//!
//! Host lookups are hashed on the host and on each of its label-boundary suffixes, so the cost
//! of a lookup depends on the number of labels in the target, not on the number of rules.
//!
//! Order of decision (the first that applies wins):
//! 1. the input does not parse: `invalid`;
//! 2. an exclusion matches: `out-of-scope` (exclusions win over assets);
//! 3. the host is under a customer-owned suffix: `out-of-scope`;
//! 4. an asset matches host, path and port: `in-scope` (the most specific asset);
//! 5. an asset matched the host but not the port: `out-of-scope` (`port-not-in-scope`);
//! 6. otherwise: `out-of-scope` (`no-asset`).

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;

use crate::rules::{
    AssetRule, ExclusionRule, HostPattern, PathRule, PathSeg, Program, ScopeRules, SourceLoc,
};
use crate::target::{self, AppTarget, Host, NetTarget, Platform, Target, TargetParseError};

/// Rule id reported when nothing in the program covers a target.
pub const RULE_NO_ASSET: &str = "no-asset";
/// Rule id reported when an asset covers the host but not the port or scheme.
pub const RULE_PORT: &str = "port-not-in-scope";
/// Rule id reported for input that is not a target.
pub const RULE_INVALID: &str = "invalid-target";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VerdictKind {
    InScope,
    OutOfScope,
    Invalid,
}

impl VerdictKind {
    pub fn as_str(self) -> &'static str {
        match self {
            VerdictKind::InScope => "in-scope",
            VerdictKind::OutOfScope => "out-of-scope",
            VerdictKind::Invalid => "invalid",
        }
    }
    pub fn parse(s: &str) -> Option<VerdictKind> {
        match s {
            "in-scope" => Some(VerdictKind::InScope),
            "out-of-scope" => Some(VerdictKind::OutOfScope),
            "invalid" => Some(VerdictKind::Invalid),
            _ => None,
        }
    }
}

impl fmt::Display for VerdictKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a verdict was reached. Rendered to a sentence only when output needs it.
#[derive(Debug, Clone)]
pub enum Reason<'p> {
    Asset(&'p AssetRule),
    Exclusion {
        rule: &'p ExclusionRule,
        overrode: Option<&'p AssetRule>,
    },
    CustomerOwned {
        rule: &'p crate::rules::CustomerOwnedRule,
        suffix: String,
    },
    Port {
        asset: &'p AssetRule,
        port: u16,
    },
    UnknownSchemePort {
        asset: &'p AssetRule,
        scheme: String,
    },
    PathNotListed {
        asset: &'p AssetRule,
        ambiguous: bool,
    },
    NoAsset {
        what: String,
    },
    Invalid(TargetParseError),
}

/// The answer for one target under one program.
#[derive(Debug, Clone)]
pub struct Verdict<'p> {
    pub kind: VerdictKind,
    pub program: &'p Program,
    pub reason: Reason<'p>,
    /// The normalized target, when it parsed.
    pub normalized: Option<Target>,
    /// The decision path, filled only when asked for (`--explain`).
    pub trace: Vec<String>,
}

impl<'p> Verdict<'p> {
    /// The asset that put the target in scope.
    pub fn asset(&self) -> Option<&'p AssetRule> {
        match self.reason {
            Reason::Asset(a) => Some(a),
            _ => None,
        }
    }

    pub fn award_table(&self) -> Option<&'p str> {
        self.asset().and_then(|a| a.award_table.as_deref())
    }

    /// Conditions the deciding asset or exclusion attaches (shown with `--explain` and in JSON).
    pub fn note(&self) -> Option<&'p str> {
        match &self.reason {
            Reason::Asset(a) => a.note.as_deref().map(str::trim),
            Reason::Exclusion { rule, .. } => rule.note.as_deref().map(str::trim),
            _ => None,
        }
    }

    /// Id of the rule or exclusion that decided.
    pub fn rule(&self) -> &'p str {
        match &self.reason {
            Reason::Asset(a) => &a.id,
            Reason::Exclusion { rule, .. } => &rule.id,
            Reason::CustomerOwned { rule, .. } => &rule.id,
            Reason::Port { .. } | Reason::UnknownSchemePort { .. } => RULE_PORT,
            Reason::PathNotListed { .. } | Reason::NoAsset { .. } => RULE_NO_ASSET,
            Reason::Invalid(_) => RULE_INVALID,
        }
    }

    /// Where the deciding rule is written.
    pub fn source(&self) -> Option<&'p SourceLoc> {
        match &self.reason {
            Reason::Asset(a) => Some(&a.source),
            Reason::Exclusion { rule, .. } => Some(&rule.source),
            Reason::CustomerOwned { rule, .. } => Some(&rule.source),
            Reason::Port { asset, .. }
            | Reason::UnknownSchemePort { asset, .. }
            | Reason::PathNotListed { asset, .. } => Some(&asset.source),
            Reason::NoAsset { .. } => Some(&self.program.assets_source),
            Reason::Invalid(_) => None,
        }
    }

    /// The parse error, for `invalid`.
    pub fn error(&self) -> Option<&TargetParseError> {
        match &self.reason {
            Reason::Invalid(e) => Some(e),
            _ => None,
        }
    }

    /// One sentence saying why.
    pub fn reason_text(&self) -> String {
        let program = &self.program.file.program.name;
        match &self.reason {
            Reason::Asset(a) => {
                let title = a.title.as_deref().unwrap_or(&a.id);
                let mut s = format!("covered by asset `{}` ({title})", a.id);
                if let Some(t) = &a.award_table {
                    s.push_str(&format!(", paid under the `{t}` award table"));
                }
                s
            }
            Reason::Exclusion { rule, overrode } => {
                let mut s = String::new();
                if rule.uncertain {
                    s.push_str("needs review, never in scope until the program says so: ");
                }
                s.push_str(rule.reason.trim());
                if let Some(a) = overrode {
                    s.push_str(&format!(" (exclusion `{}` wins over asset `{}`)", rule.id, a.id));
                }
                s
            }
            Reason::CustomerOwned { rule, suffix } => {
                format!("{} (`{suffix}` is a customer-owned suffix)", rule.reason.trim())
            }
            Reason::Port { asset, port } => {
                let allowed: Vec<String> = asset.ports.iter().map(u16::to_string).collect();
                format!(
                    "port {port} is not in scope for asset `{}` (allowed: {})",
                    asset.id,
                    allowed.join(", ")
                )
            }
            Reason::UnknownSchemePort { asset, scheme } => format!(
                "scheme `{scheme}` has no known default port and asset `{}` allows only ports {}; give the port explicitly",
                asset.id,
                asset
                    .ports
                    .iter()
                    .map(u16::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Reason::PathNotListed { asset, ambiguous } => {
                let hosts: Vec<String> = asset.hosts.iter().map(|h| h.to_string()).collect();
                if *ambiguous {
                    format!(
                        "the path has an encoded `/` or `\\` or invalid UTF-8, which servers decode differently; {} is in scope only for listed API paths",
                        hosts.join(", ")
                    )
                } else {
                    format!(
                        "{} is in scope only for the API paths listed by asset `{}` and its siblings; this path is not one of them",
                        hosts.join(", "),
                        asset.id
                    )
                }
            }
            Reason::NoAsset { what } => format!("no asset of the {program} covers {what}"),
            Reason::Invalid(e) => format!("not a target scopelint can classify: {e}"),
        }
    }
}

/// Hashed host lookup: exact names, names strictly below a base, and globs filed under their
/// fixed trailing labels so only the globs that could match a host are tried.
#[derive(Debug, Default)]
struct HostTable {
    exact: HashMap<String, Vec<u32>>,
    below: HashMap<String, Vec<u32>>,
    globs: HashMap<String, Vec<(regex::Regex, u32)>>,
    /// Every pattern in insertion order, for the linear reference lookup.
    all: Vec<(HostPattern, u32)>,
}

/// How host patterns are looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lookup {
    /// Hashed on the host's label-boundary suffixes: cost independent of the number of rules.
    #[default]
    Indexed,
    /// Every pattern tried in turn with the plain label matcher: slow and obviously correct,
    /// kept to check the index against (`check --reference`, differential tests, benchmarks).
    Linear,
}

/// Whether `pattern` matches `host`, and how specifically, by plain comparison.
fn pattern_specificity(pattern: &HostPattern, host: &str) -> Option<u32> {
    match pattern {
        HostPattern::Exact(h) => (h == host).then_some(u32::MAX),
        HostPattern::Subdomains { base, include_apex } => {
            if host == base {
                include_apex.then_some(u32::MAX)
            } else {
                let below = host.len() > base.len()
                    && host.ends_with(base.as_str())
                    && host.as_bytes()[host.len() - base.len() - 1] == b'.';
                below.then_some(base.len() as u32)
            }
        }
        HostPattern::Glob { pattern, anchor } => crate::rules::glob_matches(pattern, host)
            .then_some(anchor.len() as u32 - 1),
    }
}

/// The anchored, label-safe regex of a glob pattern (see [`HostPattern::Glob`]).
fn glob_regex(pattern: &str) -> regex::Regex {
    let mut re = String::from("^");
    for (i, label) in pattern.split('.').enumerate() {
        if i > 0 {
            re.push_str(r"\.");
        }
        if label == "*" {
            re.push_str(if i == 0 { r"(?:[^.]+\.)*[^.]+" } else { "[^.]+" });
        } else {
            let parts: Vec<String> = label.split('*').map(regex::escape).collect();
            re.push_str(&parts.join("[^.]*"));
        }
    }
    re.push('$');
    // The pattern was validated by the loader (letters, digits, `-`, `_`, `.`, `*`), so the
    // regex is well formed; a failure would be a bug, reported as never matching.
    regex::Regex::new(&re).unwrap_or_else(|_| regex::Regex::new("$^").expect("static regex"))
}

impl HostTable {
    fn add(&mut self, pattern: &HostPattern, id: usize) {
        let id = id as u32;
        self.all.push((pattern.clone(), id));
        match pattern {
            HostPattern::Exact(h) => self.exact.entry(h.clone()).or_default().push(id),
            HostPattern::Subdomains { base, include_apex } => {
                self.below.entry(base.clone()).or_default().push(id);
                if *include_apex {
                    self.exact.entry(base.clone()).or_default().push(id);
                }
            }
            HostPattern::Glob { pattern, anchor } => self
                .globs
                .entry(anchor.clone())
                .or_default()
                .push((glob_regex(pattern), id)),
        }
    }

    /// Calls `f(rule, specificity)` for every rule matching `host`. Exact matches are the most
    /// specific; a wildcard is more specific the longer its base.
    fn lookup(&self, how: Lookup, host: &str, mut f: impl FnMut(u32, u32)) {
        if how == Lookup::Linear {
            for (p, id) in &self.all {
                if let Some(spec) = pattern_specificity(p, host) {
                    f(*id, spec);
                }
            }
            return;
        }
        if let Some(ids) = self.exact.get(host) {
            for &id in ids {
                f(id, u32::MAX);
            }
        }
        if self.below.is_empty() && self.globs.is_empty() {
            return;
        }
        for (i, b) in host.bytes().enumerate() {
            if b == b'.' {
                let suffix = &host[i + 1..];
                if let Some(ids) = self.below.get(suffix) {
                    for &id in ids {
                        f(id, suffix.len() as u32);
                    }
                }
                if let Some(globs) = self.globs.get(suffix) {
                    for (re, id) in globs {
                        if re.is_match(host) {
                            // A glob is less specific than a wildcard on the same anchor.
                            f(*id, suffix.len() as u32 - 1);
                        }
                    }
                }
            }
        }
    }
}

/// The compiled, hashed form of a program's assets and exclusions.
#[derive(Debug, Default)]
pub struct ScopeIndex {
    asset_hosts: HostTable,
    asset_cidrs: Vec<(IpNet, u32)>,
    asset_apps: HashMap<(Platform, String), u32>,
    excl_hosts: HostTable,
    excl_cidrs: Vec<(IpNet, u32)>,
    excl_apps: HashMap<(Platform, String), Vec<u32>>,
}

impl ScopeIndex {
    pub fn add_asset_host(&mut self, p: &HostPattern, asset: usize) {
        self.asset_hosts.add(p, asset);
    }
    pub fn add_asset_cidr(&mut self, net: IpNet, asset: usize) {
        self.asset_cidrs.push((net, asset as u32));
    }
    /// Returns the asset that already lists this app, if any.
    pub fn add_asset_app(&mut self, platform: Platform, id: String, asset: usize) -> Option<usize> {
        match self.asset_apps.entry((platform, id)) {
            std::collections::hash_map::Entry::Occupied(e) => Some(*e.get() as usize),
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(asset as u32);
                None
            }
        }
    }
    pub fn add_exclusion_host(&mut self, p: &HostPattern, excl: usize) {
        self.excl_hosts.add(p, excl);
    }
    pub fn add_exclusion_cidr(&mut self, net: IpNet, excl: usize) {
        self.excl_cidrs.push((net, excl as u32));
    }
    pub fn add_exclusion_app(&mut self, platform: Platform, id: String, excl: usize) {
        self.excl_apps.entry((platform, id)).or_default().push(excl as u32);
    }
}

/// Decoded path segments of a target, `None` when a segment cannot be decoded safely.
fn path_segments(path: &str) -> Option<Vec<String>> {
    let mut segs: Vec<&str> = path.split('/').skip(1).collect();
    if segs.last() == Some(&"") {
        segs.pop();
    }
    segs.into_iter().map(target::decode_segment).collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PathMatch {
    /// Matched a prefix of this many segments.
    Yes(usize),
    No,
    Ambiguous,
}

fn seg_eq(rule: &PathRule, a: &str, b: &str) -> bool {
    if rule.case_insensitive {
        a.eq_ignore_ascii_case(b)
    } else {
        a == b
    }
}

fn prefix_matches(rule: &PathRule, prefix: &[PathSeg], segs: &[String]) -> bool {
    prefix.len() <= segs.len()
        && prefix.iter().zip(segs).all(|(p, s)| match p {
            PathSeg::Any => !s.is_empty(),
            PathSeg::Lit(l) => seg_eq(rule, l, s),
        })
}

fn match_path(rule: &PathRule, segs: Option<&[String]>) -> PathMatch {
    let Some(segs) = segs else {
        return PathMatch::Ambiguous;
    };
    let rest: &[String] = if rule.versions.is_empty() {
        segs
    } else {
        match segs.first() {
            Some(v) if rule.versions.iter().any(|want| seg_eq(rule, want, v)) => &segs[1..],
            _ => return PathMatch::No,
        }
    };
    // Aliases rewrite a leading prefix (`/me/...` is `/users/{id}/...`).
    let mut rewritten: Option<Vec<String>> = None;
    for (from, to) in &rule.aliases {
        if prefix_matches(rule, from, rest) {
            let mut v: Vec<String> = to
                .iter()
                .map(|s| match s {
                    PathSeg::Lit(l) => l.clone(),
                    PathSeg::Any => "{id}".to_string(),
                })
                .collect();
            v.extend_from_slice(&rest[from.len()..]);
            rewritten = Some(v);
            break;
        }
    }
    let rest = rewritten.as_deref().unwrap_or(rest);
    rule.prefixes
        .iter()
        .filter(|(_, p)| prefix_matches(rule, p, rest))
        .map(|(_, p)| p.len())
        .max()
        .map_or(PathMatch::No, PathMatch::Yes)
}

struct Tracer<'t>(Option<&'t mut Vec<String>>);

impl Tracer<'_> {
    fn push(&mut self, f: impl FnOnce() -> String) {
        if let Some(t) = self.0.as_mut() {
            t.push(f());
        }
    }
}

impl Program {
    /// Classify one input line (as given by the user) under this program.
    pub fn classify<'p>(&'p self, input: &str, explain: bool) -> Verdict<'p> {
        self.classify_with(input, explain, Lookup::Indexed)
    }

    /// [`Program::classify`] with a choice of host lookup.
    pub fn classify_with<'p>(&'p self, input: &str, explain: bool, how: Lookup) -> Verdict<'p> {
        match target::parse_target(input) {
            Ok(t) => self.classify_target_with(t, explain, how),
            Err(e) => {
                let mut trace = Vec::new();
                if explain {
                    trace.push(format!("parse: invalid: {e}"));
                }
                Verdict {
                    kind: VerdictKind::Invalid,
                    program: self,
                    reason: Reason::Invalid(e),
                    normalized: None,
                    trace,
                }
            }
        }
    }

    /// Classify an already parsed target.
    pub fn classify_target(&self, t: Target, explain: bool) -> Verdict<'_> {
        self.classify_target_with(t, explain, Lookup::Indexed)
    }

    fn classify_target_with(&self, t: Target, explain: bool, how: Lookup) -> Verdict<'_> {
        let mut trace = Vec::new();
        let reason = {
            let mut tr = Tracer(explain.then_some(&mut trace));
            tr.push(|| format!("normalized: {t}"));
            match &t {
                Target::Net(n) => self.decide_net(n, how, &mut tr),
                Target::App(a) => self.decide_app(a, &mut tr),
            }
        };
        let kind = match reason {
            Reason::Asset(_) => VerdictKind::InScope,
            Reason::Invalid(_) => VerdictKind::Invalid,
            _ => VerdictKind::OutOfScope,
        };
        let mut v = Verdict {
            kind,
            program: self,
            reason,
            normalized: Some(t),
            trace,
        };
        if explain {
            let line = format!("decision: {} by `{}`", v.kind, v.rule());
            v.trace.push(line);
        }
        v
    }

    fn decide_app<'p>(&'p self, a: &AppTarget, tr: &mut Tracer) -> Reason<'p> {
        let key = (a.platform, a.id.clone());
        let asset = self.index.asset_apps.get(&key).map(|&i| &self.assets[i as usize]);
        if let Some(asset) = asset {
            tr.push(|| format!("candidate: asset `{}` ({}) lists this app", asset.id, asset.source));
        }
        if let Some(ids) = self.index.excl_apps.get(&key) {
            let rule = &self.exclusions[ids[0] as usize];
            tr.push(|| format!("exclusion `{}` ({}) lists this app", rule.id, rule.source));
            return Reason::Exclusion { rule, overrode: asset };
        }
        match asset {
            Some(asset) => Reason::Asset(asset),
            None => Reason::NoAsset {
                what: format!("the {} app `{}`", a.platform.as_str(), a.id),
            },
        }
    }

    fn decide_net<'p>(&'p self, n: &NetTarget, how: Lookup, tr: &mut Tracer) -> Reason<'p> {
        // Candidate assets by host or address, with their specificity.
        let mut candidates: Vec<(u32, u32)> = Vec::new();
        let mut excl_hits: Vec<u32> = Vec::new();
        match &n.host {
            Host::Domain(d) => {
                self.index
                    .asset_hosts
                    .lookup(how, d, |id, spec| candidates.push((id, spec)));
                self.index.excl_hosts.lookup(how, d, |id, _| excl_hits.push(id));
            }
            Host::Ip(ip) => {
                cidr_lookup(&self.index.asset_cidrs, *ip, |id, spec| candidates.push((id, spec)));
                cidr_lookup(&self.index.excl_cidrs, *ip, |id, _| excl_hits.push(id));
            }
        }

        let needs_path = candidates
            .iter()
            .map(|&(id, _)| &self.assets[id as usize])
            .any(|a| a.paths.is_some())
            || excl_hits
                .iter()
                .any(|&id| self.exclusions[id as usize].paths.is_some());
        let segs = if needs_path { path_segments(&n.path) } else { None };

        // Exclusions first: they win over every asset.
        let mut winning_excl: Option<&ExclusionRule> = None;
        excl_hits.sort_unstable();
        for &id in &excl_hits {
            let x = &self.exclusions[id as usize];
            let applies = match &x.paths {
                None => true,
                // An ambiguous path may be read as the excluded one: the exclusion applies.
                Some(p) => match_path(p, segs.as_deref()) != PathMatch::No,
            };
            tr.push(|| {
                format!(
                    "exclusion `{}` ({}): host matches{}",
                    x.id,
                    x.source,
                    match (&x.paths, applies) {
                        (None, _) => String::new(),
                        (Some(_), true) => ", path matches".into(),
                        (Some(_), false) => ", path does not match: not applied".into(),
                    }
                )
            });
            if applies && winning_excl.is_none_or(|w| w.uncertain && !x.uncertain) {
                winning_excl = Some(x);
            }
        }

        // Assets: host matched; now path and port.
        let mut best: Option<(&AssetRule, (u32, usize))> = None;
        let mut port_fail: Option<Reason<'p>> = None;
        let mut path_fail: Option<(&AssetRule, bool)> = None;
        candidates.sort_unstable();
        for &(id, spec) in &candidates {
            let a = &self.assets[id as usize];
            let path_len = match &a.paths {
                None => Some(0),
                Some(p) => match match_path(p, segs.as_deref()) {
                    PathMatch::Yes(len) => Some(len),
                    PathMatch::No => {
                        path_fail.get_or_insert((a, false));
                        None
                    }
                    PathMatch::Ambiguous => {
                        path_fail = Some((a, true));
                        None
                    }
                },
            };
            let port_ok = match (n.port, &n.scheme) {
                _ if a.ports.is_empty() => Ok(()),
                (Some(p), _) if a.ports.contains(&p) => Ok(()),
                (Some(p), _) => Err(Reason::Port { asset: a, port: p }),
                (None, Some(s)) => Err(Reason::UnknownSchemePort {
                    asset: a,
                    scheme: s.clone(),
                }),
                (None, None) => Ok(()),
            };
            tr.push(|| {
                format!(
                    "candidate: asset `{}` ({}): host matches{}{}",
                    a.id,
                    a.source,
                    match (&a.paths, path_len) {
                        (None, _) => String::new(),
                        (Some(_), Some(_)) => ", path matches".to_string(),
                        (Some(_), None) => ", path does not match".to_string(),
                    },
                    if port_ok.is_ok() { "" } else { ", port not allowed" }
                )
            });
            let Some(path_len) = path_len else { continue };
            if let Err(r) = port_ok {
                port_fail.get_or_insert(r);
                continue;
            }
            let score = (spec, path_len);
            if best.is_none_or(|(_, s)| score > s) {
                best = Some((a, score));
            }
        }

        if let Some(rule) = winning_excl {
            return Reason::Exclusion {
                rule,
                overrode: best.map(|(a, _)| a),
            };
        }
        // A customer-owned suffix overrides broad rules (wildcards, globs); an asset that names
        // this very host (specificity MAX) is the program's own explicit choice.
        let explicit = best.is_some_and(|(_, (spec, _))| spec == u32::MAX);
        if let (Some(c), Host::Domain(d), false) = (&self.customer_owned, &n.host, explicit) {
            if let Some(suffix) = customer_suffix(self, c, d) {
                tr.push(|| format!("customer-owned: `{d}` is below `{suffix}` ({})", c.source));
                if let Some((a, _)) = best {
                    tr.push(|| format!("customer-owned suffix wins over asset `{}`", a.id));
                }
                return Reason::CustomerOwned { rule: c, suffix };
            }
        }
        if let Some((a, _)) = best {
            return Reason::Asset(a);
        }
        if let Some(r) = port_fail {
            return r;
        }
        if let Some((asset, ambiguous)) = path_fail {
            return Reason::PathNotListed { asset, ambiguous };
        }
        tr.push(|| "no asset matches".to_string());
        Reason::NoAsset {
            what: match &n.host {
                Host::Domain(d) => format!("host `{d}`"),
                Host::Ip(ip) => format!("address `{ip}`"),
            },
        }
    }
}

fn customer_suffix(p: &Program, c: &crate::rules::CustomerOwnedRule, d: &str) -> Option<String> {
    for (i, b) in d.bytes().enumerate() {
        if b == b'.' && c.suffixes.contains(&d[i + 1..]) {
            return Some(d[i + 1..].to_string());
        }
    }
    if c.psl_private {
        return p.psl.private_suffix_below(d).map(str::to_string);
    }
    None
}

fn cidr_lookup(cidrs: &[(IpNet, u32)], ip: IpAddr, mut f: impl FnMut(u32, u32)) {
    for (net, id) in cidrs {
        if net.contains(&ip) {
            f(*id, net.prefix_len() as u32);
        }
    }
}

impl ScopeRules {
    /// Classify under every program: the first program that has the target in scope wins;
    /// otherwise the first program's answer is reported.
    pub fn classify(&self, input: &str, explain: bool) -> Option<Verdict<'_>> {
        self.classify_with(input, explain, Lookup::Indexed)
    }

    /// [`ScopeRules::classify`] with a choice of host lookup.
    pub fn classify_with(&self, input: &str, explain: bool, how: Lookup) -> Option<Verdict<'_>> {
        let mut first = None;
        for p in &self.programs {
            let v = p.classify_with(input, explain, how);
            if v.kind == VerdictKind::InScope {
                return Some(v);
            }
            if v.kind == VerdictKind::Invalid {
                return Some(v);
            }
            first.get_or_insert(v);
        }
        first
    }
}
