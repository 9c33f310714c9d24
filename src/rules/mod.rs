//! The rules model and its loader: YAML in, a validated [`Program`] out.
//!
//! Loading never yields a partial scope. Any problem (YAML syntax, unknown key, bad host
//! pattern, CIDR, regex, duplicate id, dangling reference) is a [`RulesError`] that names the
//! file, line and column.

pub mod diff;
pub mod examples;
pub mod model;
pub mod multi;
pub mod plain;
pub mod schema;
pub mod show;
pub mod validate;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use ipnet::IpNet;

use crate::matcher::ScopeIndex;
use crate::psl::SuffixList;
use crate::target::{self, Host, Platform};
use model::{PathRuleDef, RulesFile, Spanned};

/// The default program, compiled into the binary.
pub const EMBEDDED_RULES: &str = include_str!("../../scope-rules/microsoft-identity.yaml");
/// The path shown for rules that come from the embedded default.
pub const EMBEDDED_RULES_PATH: &str = "scope-rules/microsoft-identity.yaml";

/// A problem in a rules file, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RulesError {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl fmt::Display for RulesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

impl std::error::Error for RulesError {}

/// Where a rule is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLoc {
    pub file: Arc<str>,
    pub line: u32,
    pub column: u32,
}

impl fmt::Display for SourceLoc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// A host pattern from a rules file, normalized like targets are.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HostPattern {
    /// Exactly this host.
    Exact(String),
    /// Any host strictly below `base`, and `base` itself when `include_apex`.
    Subdomains { base: String, include_apex: bool },
    /// A mid-label or multi-star wildcard (`*-prod.example.com`, `api.*.example.com`), matched
    /// label by label: a `*` inside a label stays inside it; a label that is only `*` is one
    /// label, or one or more labels when it is the first. A label written `{name}`
    /// (`{tenant}.example.com`) is exactly one label wherever it stands.
    Glob {
        /// The normalized pattern.
        pattern: String,
        /// The trailing labels without a `*` (`example.com`): a matching host ends in them.
        anchor: String,
    },
}

impl fmt::Display for HostPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostPattern::Exact(h) => f.write_str(h),
            HostPattern::Subdomains { base, .. } => write!(f, "*.{base}"),
            HostPattern::Glob { pattern, .. } => f.write_str(pattern),
        }
    }
}

/// One segment of an API path prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSeg {
    Lit(String),
    /// `{name}`: any one segment.
    Any,
    /// A segment with `*` in it (`b2c_1*`): `*` matches any run of characters in the segment.
    Glob(String),
}

#[derive(Debug, Clone)]
pub struct PathRule {
    pub versions: Vec<String>,
    pub case_insensitive: bool,
    pub aliases: Vec<(Vec<PathSeg>, Vec<PathSeg>)>,
    pub prefixes: Vec<(String, Vec<PathSeg>)>,
    /// Query parameters the target must carry: (name, value glob).
    pub query: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct AssetRule {
    pub id: String,
    pub title: Option<String>,
    pub award_table: Option<String>,
    /// Allowed ports; empty means any.
    pub ports: Vec<u16>,
    pub paths: Option<PathRule>,
    pub note: Option<String>,
    pub hosts: Vec<HostPattern>,
    pub source: SourceLoc,
}

#[derive(Debug, Clone)]
pub struct ExclusionRule {
    pub id: String,
    pub reason: String,
    pub uncertain: bool,
    pub note: Option<String>,
    pub paths: Option<PathRule>,
    pub hosts: Vec<HostPattern>,
    pub source: SourceLoc,
}

/// A set of host names, hashed for the per-label lookups of the matcher.
pub type NameSet = foldhash::HashSet<String>;

#[derive(Debug, Clone)]
pub struct CustomerOwnedRule {
    pub id: String,
    pub reason: String,
    pub psl_private: bool,
    pub suffixes: NameSet,
    pub source: SourceLoc,
}

/// A loaded, validated program: the raw file (for lint, probe and rules tooling) plus the
/// compiled scope.
#[derive(Debug)]
pub struct Program {
    pub file: RulesFile,
    /// Path of the rules file, as shown in `source` fields.
    pub origin: Arc<str>,
    pub assets: Vec<AssetRule>,
    pub exclusions: Vec<ExclusionRule>,
    pub customer_owned: Option<CustomerOwnedRule>,
    pub index: ScopeIndex,
    pub psl: Arc<SuffixList>,
    /// Where the `assets:` list starts, for verdicts that no asset decided.
    pub assets_source: SourceLoc,
}

impl Program {
    pub fn id(&self) -> &str {
        &self.file.program.id
    }
}

/// Every program in use for a run.
#[derive(Debug)]
pub struct ScopeRules {
    pub programs: Vec<Program>,
}

impl ScopeRules {
    /// The embedded default program.
    pub fn embedded(psl: Arc<SuffixList>) -> Result<ScopeRules, RulesError> {
        let file = parse_rules_file(EMBEDDED_RULES, EMBEDDED_RULES_PATH)?;
        // With another suffix list (`--psl`), the wildcards are checked again against it.
        let trusted = Arc::ptr_eq(&psl, &SuffixList::embedded());
        let (program, mut errors) = compile_with(file, EMBEDDED_RULES_PATH, psl, trusted);
        if !errors.is_empty() {
            return Err(errors.swap_remove(0));
        }
        Ok(ScopeRules {
            programs: vec![program],
        })
    }

    /// Load each rules file given, in order.
    pub fn from_files(
        paths: &[impl AsRef<Path>],
        psl: Arc<SuffixList>,
    ) -> Result<ScopeRules, RulesError> {
        let mut programs = Vec::with_capacity(paths.len());
        for p in multi::expand_rules_paths(paths)? {
            programs.push(load_program_file(&p, psl.clone())?);
        }
        let mut seen = HashSet::new();
        for p in &programs {
            if !seen.insert(p.id().to_string()) {
                return Err(RulesError {
                    file: p.origin.to_string(),
                    line: 1,
                    column: 1,
                    message: format!("program id `{}` is loaded twice", p.id()),
                });
            }
        }
        Ok(ScopeRules { programs })
    }
}

fn whole_file_error(file: &str, message: String) -> RulesError {
    RulesError {
        file: file.to_string(),
        line: 1,
        column: 1,
        message,
    }
}

/// Read and load a rules file from disk.
pub fn load_program_file(path: &Path, psl: Arc<SuffixList>) -> Result<Program, RulesError> {
    let name = path.display().to_string();
    if path.is_dir() {
        return Err(whole_file_error(
            &name,
            "is a directory, not a rules file".into(),
        ));
    }
    let bytes =
        std::fs::read(path).map_err(|e| whole_file_error(&name, format!("cannot read: {e}")))?;
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let (line, column) = crate::text::line_col(e.as_bytes(), e.utf8_error().valid_up_to());
            return Err(RulesError {
                file: name,
                line,
                column,
                message: "not valid UTF-8".into(),
            });
        }
    };
    if plain::is_plain_list(path, &text) {
        return plain::load_plain_file(path, &text, psl);
    }
    load_program_str(&text, &name, psl)
}

/// Parse YAML into the model, with errors located in `origin`.
pub fn parse_rules_file(text: &str, origin: &str) -> Result<RulesFile, RulesError> {
    if text
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        return Err(whole_file_error(origin, "the rules file is empty".into()));
    }
    serde_saphyr::from_str_with_options::<RulesFile>(text, yaml_options()).map_err(|e| {
        let (line, column) = e
            .location()
            .map(|l| (l.line() as u32, l.column() as u32))
            .unwrap_or((1, 1));
        RulesError {
            file: origin.to_string(),
            line: line.max(1),
            column: column.max(1),
            message: yaml_error_message(&e),
        }
    })
}

/// How every YAML file scopelint reads is parsed (rules, configuration, draft front matter):
/// a duplicate key is an error, and errors come without the crate's snippet (we print our own
/// location and snippet).
pub(crate) fn yaml_options() -> serde_saphyr::options::Options {
    let mut options = serde_saphyr::options::Options::default();
    options.with_snippet = false;
    options.duplicate_keys = serde_saphyr::options::DuplicateKeyPolicy::Error;
    options
}

/// The YAML error's text without the location prefix the crate adds (we print our own).
/// Shared with the configuration-file loader.
pub(crate) fn yaml_error_message(e: &serde_saphyr::Error) -> String {
    let text = e.to_string();
    let first = text.lines().next().unwrap_or("invalid YAML").trim();
    // serde-saphyr renders "<message> at line L, column C"; keep the message part.
    let message = match first.rfind(" at line ") {
        Some(i) => &first[..i],
        None => first,
    };
    // Our policy, not the reader's: drop the crate's advice on how to allow duplicates.
    match message.strip_prefix("duplicate mapping key: ") {
        Some(rest) => {
            let key = rest
                .split(", set DuplicateKeyPolicy")
                .next()
                .unwrap_or(rest);
            format!("duplicate key `{key}` (a key may appear once per mapping)")
        }
        None => message.to_string(),
    }
}

/// Load and validate a program from YAML text.
pub fn load_program_str(
    text: &str,
    origin: &str,
    psl: Arc<SuffixList>,
) -> Result<Program, RulesError> {
    let file = parse_rules_file(text, origin)?;
    compile(file, origin, psl)
}

struct Ctx<'a> {
    origin: Arc<str>,
    psl: &'a SuffixList,
    /// Every problem found so far: compilation goes on past an error so `rules validate` can
    /// list them all; the loader reports the first.
    errors: std::cell::RefCell<Vec<RulesError>>,
    /// The embedded default with the embedded suffix list: already validated by `cargo test`
    /// (see `embedded_rules_pass_full_validation`), so start-up skips the checks that need the
    /// suffix list or a regex parser.
    trusted: bool,
}

impl Ctx<'_> {
    fn report(&self, e: RulesError) {
        self.errors.borrow_mut().push(e);
    }
    fn loc<T>(&self, s: &Spanned<T>) -> SourceLoc {
        SourceLoc {
            file: self.origin.clone(),
            line: s.referenced.line() as u32,
            column: s.referenced.column() as u32,
        }
    }
    fn err<T>(&self, s: &Spanned<T>, message: impl Into<String>) -> RulesError {
        let l = self.loc(s);
        RulesError {
            file: l.file.to_string(),
            line: l.line.max(1),
            column: l.column.max(1),
            message: message.into(),
        }
    }
}

/// Parse a host pattern (`host` or `*.host`) and normalize it as targets are normalized.
pub fn parse_host_pattern(raw: &str, include_apex: Option<bool>) -> Result<HostPattern, String> {
    let trimmed = raw.trim();
    let (wild, rest) = match trimmed.strip_prefix("*.") {
        Some(r) => (true, r),
        None => (false, trimmed),
    };
    if rest.contains('*') || trimmed.contains(['{', '}']) {
        return parse_glob(raw, trimmed);
    }
    let host = match target::parse_host(rest) {
        Ok(Host::Domain(d)) => d,
        Ok(Host::Ip(_)) => {
            return Err(format!("`{raw}` is an IP address: list it under `cidrs`"));
        }
        Err(e) => return Err(format!("`{raw}` is not a valid host pattern: {e}")),
    };
    if wild {
        let Some(include_apex) = include_apex else {
            return Err(format!(
                "`{raw}` is a wildcard: set `include_apex: true` or `false` to say whether `{host}` itself is covered"
            ));
        };
        Ok(HostPattern::Subdomains {
            base: host,
            include_apex,
        })
    } else {
        Ok(HostPattern::Exact(host))
    }
}

/// Why a wildcard pattern would cover names the program cannot own, if it would: a public
/// suffix (`*.com`, `*.co.uk`), a platform's customer space (`*.azurewebsites.net`, or a suffix
/// the rules file lists as customer-owned), or a name inside one customer's space.
pub fn wildcard_problem(
    raw: &str,
    pat: &HostPattern,
    psl: &SuffixList,
    customer: &NameSet,
) -> Option<String> {
    let base = match pat {
        HostPattern::Exact(_) => return None,
        HostPattern::Subdomains { base, .. } => base.as_str(),
        HostPattern::Glob { anchor, .. } => anchor.as_str(),
    };
    // A wildcard over a platform's private PSL entry or a listed customer suffix covers the
    // platform's customers.
    let probe = format!("x.{base}");
    if customer.contains(base) || psl.private_suffix_below(&probe) == Some(base) {
        return Some(format!(
            "`{raw}` covers a public suffix: `{base}` is customer-owned, names under it belong to the platform's customers, not the program"
        ));
    }
    if psl.is_public_suffix(base) {
        return Some(format!(
            "`{raw}` covers a public suffix: names under `{base}` belong to many unrelated owners"
        ));
    }
    if let Some(s) = psl.private_suffix_below(base) {
        return Some(format!(
            "`{raw}` lies under the customer-owned suffix `{s}`: it belongs to a customer, not the program"
        ));
    }
    None
}

/// Parse a mid-label or multi-star wildcard into a [`HostPattern::Glob`].
fn parse_glob(raw: &str, trimmed: &str) -> Result<HostPattern, String> {
    let pattern = trimmed.to_ascii_lowercase();
    let pattern = pattern.strip_suffix('.').unwrap_or(&pattern).to_string();
    let labels: Vec<&str> = pattern.split('.').collect();
    if labels.iter().any(|l| l.is_empty()) {
        return Err(format!("`{raw}` has an empty label"));
    }
    let plain = |l: &str| {
        l.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'*'))
    };
    if !labels.iter().all(|l| plain(l) || is_one_label(l)) {
        return Err(format!(
            "`{raw}`: wildcard patterns may only contain ASCII letters, digits, `-`, `_`, `.`, `*` and whole-label `{{name}}` placeholders (write IDNs in punycode)"
        ));
    }
    let fixed = labels
        .iter()
        .rev()
        .take_while(|l| !l.contains('*') && !is_one_label(l))
        .count();
    if fixed == 0 {
        return Err(format!(
            "`{raw}`: a wildcard in the last label would cover domains of unrelated owners"
        ));
    }
    let anchor = labels[labels.len() - fixed..].join(".");
    // The anchor must itself be a host name.
    match target::parse_host(&anchor) {
        Ok(Host::Domain(_)) => {}
        _ => return Err(format!("`{raw}` is not a valid host pattern")),
    }
    Ok(HostPattern::Glob { pattern, anchor })
}

/// A whole-label placeholder `{name}`: exactly one label, whatever it spells.
pub fn is_one_label(label: &str) -> bool {
    label.len() > 2
        && label.starts_with('{')
        && label.ends_with('}')
        && label[1..label.len() - 1]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Whether `host` matches a glob pattern, label by label (see [`HostPattern::Glob`]).
pub fn glob_matches(pattern: &str, host: &str) -> bool {
    let pl: Vec<&str> = pattern.split('.').collect();
    let hl: Vec<&str> = host.split('.').collect();
    if pl.first() == Some(&"*") && pl.len() > 1 {
        // First label `*`: one or more whole labels.
        let rest = &pl[1..];
        if hl.len() <= rest.len() {
            return false;
        }
        let tail = &hl[hl.len() - rest.len()..];
        return hl[..hl.len() - rest.len()].iter().all(|l| !l.is_empty())
            && rest.iter().zip(tail).all(|(p, h)| label_matches(p, h));
    }
    pl.len() == hl.len() && pl.iter().zip(&hl).all(|(p, h)| label_matches(p, h))
}

/// One pattern label against one host label: `*` or `{name}` alone is any one label.
fn label_matches(p: &str, h: &str) -> bool {
    if p == "*" || is_one_label(p) {
        !h.is_empty()
    } else {
        star_matches(p, h)
    }
}

/// Classic `*` matching: `*` matches any run of characters (within one label or one path
/// segment: callers split first).
pub fn star_matches(p: &str, h: &str) -> bool {
    let (pb, hb) = (p.as_bytes(), h.as_bytes());
    let (mut pi, mut hi, mut star, mut mark) = (0, 0, None, 0);
    while hi < hb.len() {
        if pi < pb.len() && pb[pi] == b'*' {
            star = Some(pi);
            mark = hi;
            pi += 1;
        } else if pi < pb.len() && pb[pi] == hb[hi] {
            pi += 1;
            hi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            hi = mark;
        } else {
            return false;
        }
    }
    pb[pi..].iter().all(|&b| b == b'*')
}

fn compile_hosts(
    ctx: &Ctx,
    hosts: &[Spanned<String>],
    include_apex: Option<bool>,
    customer: &NameSet,
) -> Vec<HostPattern> {
    let mut out = Vec::with_capacity(hosts.len());
    for h in hosts {
        let pat = match parse_host_pattern(&h.value, include_apex) {
            Ok(p) => p,
            Err(m) => {
                ctx.report(ctx.err(h, m));
                continue;
            }
        };
        let problem = if ctx.trusted {
            None
        } else {
            wildcard_problem(&h.value, &pat, ctx.psl, customer)
        };
        if let Some(problem) = problem {
            ctx.report(ctx.err(h, problem));
            continue;
        }
        out.push(pat);
    }
    out
}

fn parse_segments(path: &str) -> Vec<PathSeg> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            if s.starts_with('{') && s.ends_with('}') {
                PathSeg::Any
            } else if s.contains('*') {
                PathSeg::Glob(s.to_string())
            } else {
                PathSeg::Lit(s.to_string())
            }
        })
        .collect()
}

fn compile_paths(ctx: &Ctx, p: &Spanned<PathRuleDef>) -> Option<PathRule> {
    let def = &p.value;
    if def.prefixes.is_empty() {
        ctx.report(ctx.err(p, "`paths` needs at least one entry in `prefixes`"));
        return None;
    }
    let mut prefixes = Vec::with_capacity(def.prefixes.len());
    for pre in &def.prefixes {
        if !pre.value.starts_with('/') {
            ctx.report(ctx.err(
                pre,
                format!("path prefix `{}` must start with `/`", pre.value),
            ));
            continue;
        }
        prefixes.push((pre.value.clone(), parse_segments(&pre.value)));
    }
    let mut aliases = Vec::new();
    for a in &def.aliases {
        if !a.from.starts_with('/') || !a.to.starts_with('/') {
            ctx.report(ctx.err(
                p,
                format!("alias `{}` -> `{}`: both must start with `/`", a.from, a.to),
            ));
            continue;
        }
        let (from, to) = (parse_segments(&a.from), parse_segments(&a.to));
        if from
            .iter()
            .chain(&to)
            .any(|s| matches!(s, PathSeg::Glob(_)))
        {
            ctx.report(ctx.err(
                p,
                format!(
                    "alias `{}` -> `{}`: aliases cannot contain `*`",
                    a.from, a.to
                ),
            ));
            continue;
        }
        aliases.push((from, to));
    }
    let mut query = Vec::with_capacity(def.query.len());
    for q in &def.query {
        if q.name.is_empty() || q.value.is_empty() {
            ctx.report(ctx.err(p, "`query` entries need a non-empty `name` and `value`"));
            continue;
        }
        query.push((q.name.clone(), q.value.clone()));
    }
    Some(PathRule {
        versions: def.versions.clone(),
        case_insensitive: def.case_insensitive,
        aliases,
        prefixes,
        query,
    })
}

/// Parse a CIDR range (or a single address) as written in a rules file.
pub fn parse_cidr(raw: &str) -> Result<IpNet, String> {
    let v = raw.trim();
    v.parse::<IpNet>()
        .or_else(|_| v.parse::<std::net::IpAddr>().map(IpNet::from))
        .map(|n| n.trunc())
        .map_err(|_| format!("`{raw}` is not a CIDR range or IP address"))
}

fn compile_cidrs(ctx: &Ctx, cidrs: &[Spanned<String>]) -> Vec<IpNet> {
    cidrs
        .iter()
        .filter_map(|c| {
            parse_cidr(&c.value)
                .map_err(|m| ctx.report(ctx.err(c, m)))
                .ok()
        })
        .collect()
}

/// An app as a rules file lists it: platform, store id and, when only one feature of the app
/// is in scope, that feature.
pub type AppKey = (Platform, String, Option<String>);

fn compile_apps(ctx: &Ctx, apps: &[Spanned<model::AppDef>]) -> Vec<AppKey> {
    apps.iter()
        .map(|a| -> Result<AppKey, RulesError> {
            let platform = Platform::parse(&a.value.platform).ok_or_else(|| {
                ctx.err(
                    a,
                    format!(
                        "unknown platform `{}` (expected `android` or `ios`)",
                        a.value.platform
                    ),
                )
            })?;
            let written = match &a.value.feature {
                Some(f) => format!("{}:{}#{f}", platform.as_str(), a.value.id),
                None => format!("{}:{}", platform.as_str(), a.value.id),
            };
            match target::parse_target(&written) {
                Ok(target::Target::App(app)) => Ok((app.platform, app.id, app.feature)),
                _ if a.value.id.contains('#') => Err(ctx.err(
                    a,
                    format!(
                        "`{}`: write the feature as `feature:`, not in the id",
                        a.value.id
                    ),
                )),
                _ => Err(ctx.err(
                    a,
                    format!("`{written}` is not a valid app id (and feature name)"),
                )),
            }
        })
        .filter_map(|r| r.map_err(|e| ctx.report(e)).ok())
        .collect()
}

fn check_regexes(ctx: &Ctx, what: &str, pats: &[Spanned<String>]) {
    if ctx.trusted {
        return;
    }
    for p in pats {
        if let Err(e) = regex_syntax::Parser::new().parse(&p.value) {
            let detail = e.to_string();
            let last = detail.lines().last().unwrap_or("").trim().to_string();
            ctx.report(ctx.err(p, format!("invalid regex in {what}: {last}")));
        }
    }
}

fn compile(file: RulesFile, origin: &str, psl: Arc<SuffixList>) -> Result<Program, RulesError> {
    let (program, mut errors) = compile_all(file, origin, psl);
    if errors.is_empty() {
        Ok(program)
    } else {
        Err(errors.swap_remove(0))
    }
}

/// Compile a parsed rules file, going on past errors: the program (without the entries that
/// failed) and every error, in the order found. Shared by the loader (first error) and
/// `rules validate` (all of them).
pub fn compile_all(
    file: RulesFile,
    origin: &str,
    psl: Arc<SuffixList>,
) -> (Program, Vec<RulesError>) {
    compile_with(file, origin, psl, false)
}

fn compile_with(
    file: RulesFile,
    origin: &str,
    psl: Arc<SuffixList>,
    trusted: bool,
) -> (Program, Vec<RulesError>) {
    let ctx = Ctx {
        origin: Arc::from(origin),
        psl: &psl,
        errors: Default::default(),
        trusted,
    };
    if file.schema_version != 1 {
        ctx.report(whole_file_error(
            origin,
            format!(
                "schema_version {} is not supported (this scopelint reads 1)",
                file.schema_version
            ),
        ));
    }

    let mut ids: HashMap<String, SourceLoc> = HashMap::new();
    let mut claim = |id: &str, loc: SourceLoc| {
        if let Some(prev) = ids.get(id) {
            ctx.report(RulesError {
                file: loc.file.to_string(),
                line: loc.line,
                column: loc.column,
                message: format!("duplicate id `{id}` (first defined at line {})", prev.line),
            });
            return;
        }
        ids.insert(id.to_string(), loc);
    };
    let file_ref = &file;
    for a in &file_ref.assets {
        claim(&a.value.id, ctx.loc(a));
    }
    for x in &file_ref.exclusions {
        claim(&x.value.id, ctx.loc(x));
    }
    if let Some(c) = &file_ref.customer_owned {
        claim(&c.value.id, ctx.loc(c));
    }
    for c in &file_ref.excluded_classes {
        claim(&c.value.id, ctx.loc(c));
        check_regexes(&ctx, "patterns", &c.value.patterns);
        check_regexes(&ctx, "chained_patterns", &c.value.chained_patterns);
    }
    for r in &file_ref.rules_of_engagement {
        claim(&r.value.id, ctx.loc(r));
        check_regexes(&ctx, "patterns", &r.value.patterns);
    }
    for s in &file_ref.standards {
        claim(&s.value.id, ctx.loc(s));
        check_regexes(&ctx, "patterns", &s.value.patterns);
    }
    for s in &file_ref.report_sections {
        claim(&s.value.id, ctx.loc(s));
        check_regexes(&ctx, "headings", &s.value.headings);
    }
    if let Some(aw) = &file_ref.awards {
        check_award_cells(&ctx, &aw.value);
    }
    check_lint_settings(&ctx, file_ref);

    let customer_owned = match &file.customer_owned {
        Some(c) => {
            let mut suffixes = NameSet::default();
            for s in &c.value.suffixes {
                // One leading `*.` is allowed and stripped; any other `*` (`*.*.x`, `a*.x`)
                // would make a pattern, not a suffix (found by fuzzing: it reached an
                // `unreachable!`, fixtures/fuzz-regressions/rules_load/customer-suffix-with-a-star).
                let bare = s.value.strip_prefix("*.").unwrap_or(&s.value);
                let not_a_suffix = || {
                    format!(
                        "customer-owned suffix `{}` must be a domain name (`example.net` or `*.example.net`), without other `*`",
                        s.value
                    )
                };
                let parsed = if bare.contains('*') {
                    Err(not_a_suffix())
                } else {
                    parse_host_pattern(bare, None)
                };
                match parsed {
                    Ok(HostPattern::Exact(h)) => {
                        suffixes.insert(h);
                    }
                    Ok(_) => ctx.report(ctx.err(s, not_a_suffix())),
                    Err(m) => ctx.report(ctx.err(s, m)),
                }
            }
            Some(CustomerOwnedRule {
                id: c.value.id.clone(),
                reason: c.value.reason.clone(),
                psl_private: c.value.psl_private,
                suffixes,
                source: ctx.loc(c),
            })
        }
        None => None,
    };
    let empty = NameSet::default();
    let customer_suffixes = customer_owned.as_ref().map_or(&empty, |c| &c.suffixes);

    let table_ids: Option<HashSet<&str>> = file
        .awards
        .as_ref()
        .map(|a| a.value.tables.iter().map(|t| t.value.id.as_str()).collect());

    let mut index = ScopeIndex::default();
    let mut assets = Vec::with_capacity(file.assets.len());
    for (i, a) in file.assets.iter().enumerate() {
        let def = &a.value;
        if let Some(hp) = def.hosts.first().filter(|_| {
            def.include_apex.is_some()
                && !def.hosts.iter().any(|h| h.value.trim().starts_with("*."))
        }) {
            ctx.report(ctx.err(
                hp,
                "`include_apex` only applies to wildcard hosts (`*.example.com`)",
            ));
        }
        let hosts = compile_hosts(&ctx, &def.hosts, def.include_apex, customer_suffixes);
        let cidrs = compile_cidrs(&ctx, &def.cidrs);
        let apps = compile_apps(&ctx, &def.apps);
        if def.hosts.is_empty() && def.cidrs.is_empty() && def.apps.is_empty() {
            ctx.report(ctx.err(
                a,
                format!("asset `{}` lists no `hosts`, `cidrs` or `apps`", def.id),
            ));
        }
        let paths = match &def.paths {
            Some(p) if def.hosts.is_empty() => {
                ctx.report(ctx.err(p, "`paths` needs `hosts` to apply to"));
                None
            }
            Some(p) => compile_paths(&ctx, p),
            None => None,
        };
        if let Some(t) = &def.award_table {
            if !table_ids
                .as_ref()
                .is_some_and(|tables| tables.contains(t.as_str()))
            {
                ctx.report(ctx.err(
                    a,
                    format!(
                        "asset `{}` names award table `{t}`, which `awards.tables` does not define",
                        def.id
                    ),
                ));
            }
        }
        for h in &hosts {
            index.add_asset_host(h, i);
        }
        for c in cidrs {
            index.add_asset_cidr(c, i);
        }
        for (platform, id, feature) in apps {
            let shown = match &feature {
                Some(f) => format!("{}:{id}#{f}", platform.as_str()),
                None => format!("{}:{id}", platform.as_str()),
            };
            if let Some(prev) = index.add_asset_app(platform, id, feature, i) {
                ctx.report(ctx.err(
                    a,
                    format!(
                        "app `{shown}` is already listed by asset `{}`",
                        file.assets[prev].value.id
                    ),
                ));
            }
        }
        assets.push(AssetRule {
            id: def.id.clone(),
            title: def.title.clone(),
            award_table: def.award_table.clone(),
            ports: def
                .ports
                .clone()
                .unwrap_or_else(|| file.program.default_ports.clone()),
            paths,
            note: def.note.clone(),
            hosts,
            source: ctx.loc(a),
        });
    }

    let mut exclusions = Vec::with_capacity(file.exclusions.len());
    for (i, x) in file.exclusions.iter().enumerate() {
        let def = &x.value;
        let hosts = compile_hosts(&ctx, &def.hosts, def.include_apex, &NameSet::default());
        let cidrs = compile_cidrs(&ctx, &def.cidrs);
        let apps = compile_apps(&ctx, &def.apps);
        if def.hosts.is_empty() && def.cidrs.is_empty() && def.apps.is_empty() {
            ctx.report(ctx.err(
                x,
                format!("exclusion `{}` lists no `hosts`, `cidrs` or `apps`", def.id),
            ));
        }
        let paths = match &def.paths {
            Some(p) if def.hosts.is_empty() => {
                ctx.report(ctx.err(p, "`paths` needs `hosts` to apply to"));
                None
            }
            Some(p) => compile_paths(&ctx, p),
            None => None,
        };
        for h in &hosts {
            index.add_exclusion_host(h, i);
        }
        for c in cidrs {
            index.add_exclusion_cidr(c, i);
        }
        for (platform, id, feature) in apps {
            if feature.is_some() {
                // An exclusion of one feature would leave the rest of the app to the assets:
                // exclusions take out whole apps.
                ctx.report(ctx.err(
                    x,
                    format!(
                        "exclusion `{}`: `feature` is for assets; an exclusion covers the whole app",
                        def.id
                    ),
                ));
            }
            index.add_exclusion_app(platform, id, i);
        }
        exclusions.push(ExclusionRule {
            id: def.id.clone(),
            reason: def.reason.clone(),
            uncertain: def.uncertain,
            note: def.note.clone(),
            paths,
            hosts,
            source: ctx.loc(x),
        });
    }

    for e in &file.examples {
        if let Some(asset) = &e.value.asset {
            if !file.assets.iter().any(|a| &a.value.id == asset) {
                ctx.report(ctx.err(
                    e,
                    format!("example names asset `{asset}`, which is not defined"),
                ));
            }
        }
        if let Some(t) = &e.value.award_table {
            if !table_ids
                .as_ref()
                .is_some_and(|tables| tables.contains(t.as_str()))
            {
                ctx.report(ctx.err(
                    e,
                    format!(
                        "example names award table `{t}`, which `awards.tables` does not define"
                    ),
                ));
            }
        }
        if let Some(rule) = &e.value.rule {
            let engine = [
                crate::matcher::RULE_NO_ASSET,
                crate::matcher::RULE_PORT,
                crate::matcher::RULE_INVALID,
                crate::matcher::RULE_AMBIGUOUS_PATH,
                crate::matcher::RULE_APP_FEATURE,
            ];
            let scope_rule = file.assets.iter().any(|a| &a.value.id == rule)
                || file.exclusions.iter().any(|x| &x.value.id == rule)
                || file
                    .customer_owned
                    .as_ref()
                    .is_some_and(|c| &c.value.id == rule);
            if !scope_rule && !engine.contains(&rule.as_str()) {
                ctx.report(ctx.err(e, format!("example names rule `{rule}`, which is not an asset, exclusion or customer_owned id")));
            }
        }
        if crate::matcher::VerdictKind::parse(&e.value.verdict).is_none() {
            ctx.report(ctx.err(
                e,
                format!(
                    "example verdict `{}` is not `in-scope`, `out-of-scope` or `invalid`",
                    e.value.verdict
                ),
            ));
        }
    }

    // The line above the first asset is the `assets:` key in any conventional layout.
    let assets_source = SourceLoc {
        file: ctx.origin.clone(),
        line: file
            .assets
            .first()
            .map_or(1, |a| (a.referenced.line() as u32).saturating_sub(1).max(1)),
        column: 1,
    };
    let program = Program {
        origin: ctx.origin.clone(),
        assets,
        exclusions,
        customer_owned,
        index,
        psl: psl.clone(),
        assets_source,
        file,
    };
    (program, ctx.errors.into_inner())
}

/// Words `lint` reads (severities, what test naming applies to) and the contact addresses it
/// skips: a misspelt one would silently change what `lint` reports, so it is an error here.
/// The `prose` model and the `match` / `unless` / `volume` keys that use it.
fn check_prose_settings(ctx: &Ctx, file: &RulesFile) {
    let rule_lists = |what: &str, id: &str, key: &str, rules: &[Spanned<Vec<String>>]| {
        for r in rules {
            if r.value.is_empty() || r.value.iter().any(|i| i.trim().is_empty()) {
                ctx.report(ctx.err(
                    r,
                    format!("{what} `{id}`: a `{key}` rule must list at least one concept or term, none empty"),
                ));
            }
        }
    };
    for c in &file.excluded_classes {
        rule_lists("excluded class", &c.value.id, "match", &c.value.match_rules);
        rule_lists("excluded class", &c.value.id, "unless", &c.value.unless);
    }
    for r in &file.rules_of_engagement {
        rule_lists(
            "rule of engagement",
            &r.value.id,
            "match",
            &r.value.match_rules,
        );
        rule_lists("rule of engagement", &r.value.id, "unless", &r.value.unless);
        if let Some(v) = &r.value.volume {
            if v.value.min == 0 || v.value.units.is_empty() {
                ctx.report(ctx.err(
                    v,
                    format!(
                        "rule of engagement `{}`: `volume` needs `min` above 0 and at least one unit",
                        r.value.id
                    ),
                ));
            }
        }
    }
    if let Some(p) = &file.prose {
        for (name, terms) in &p.value.concepts {
            if terms.is_empty() || terms.iter().any(|t| t.trim().is_empty() || t.trim() == "*") {
                ctx.report(ctx.err(
                    p,
                    format!("prose concept `{name}` must list at least one term, none empty"),
                ));
            }
        }
        if let Some(n) = &p.value.negation {
            if n.value.window == Some(0) {
                ctx.report(ctx.err(n, "`prose.negation.window` must be at least 1"));
            }
        }
    }
}

fn check_lint_settings(ctx: &Ctx, file: &RulesFile) {
    let check_severity = |what: &str, id: &str, s: &Spanned<String>| {
        if crate::lint::Severity::parse(&s.value).is_none() {
            ctx.report(ctx.err(
                s,
                format!(
                    "{what} `{id}`: severity `{}` is not `error`, `warning` or `info`",
                    s.value
                ),
            ));
        }
    };
    for c in &file.excluded_classes {
        if let Some(s) = &c.value.severity {
            check_severity("excluded class", &c.value.id, s);
        }
    }
    for r in &file.report_sections {
        check_severity("report section", &r.value.id, &r.value.severity);
    }
    check_prose_settings(ctx, file);
    if let Some(policy) = &file.standards_policy {
        for imp in &policy.value.certified_implementations {
            for asset in &imp.value.assets {
                if !file.assets.iter().any(|a| &a.value.id == asset) {
                    ctx.report(ctx.err(
                        imp,
                        format!("certified implementation `{}` names asset `{asset}`, which is not defined", imp.value.title),
                    ));
                }
            }
        }
    }
    if let Some(n) = &file.test_naming {
        for a in &n.value.applies_to {
            if !matches!(a.value.as_str(), "accounts" | "tenants") {
                ctx.report(ctx.err(
                    a,
                    format!(
                        "`test_naming.applies_to`: `{}` is not `accounts` or `tenants`",
                        a.value
                    ),
                ));
            }
        }
        // Needs the linter's address regex: skipped for the trusted embedded rules, like the
        // other regex checks, so `check` start-up never compiles it.
        for a in n.value.not_accounts.iter().filter(|_| !ctx.trusted) {
            if let Err(m) = parse_not_account(&a.value) {
                ctx.report(ctx.err(a, m));
            }
        }
    }
}

/// An entry of `test_naming.not_accounts`, lowercased: the local part (`None` for `*`) and the
/// domain.
pub fn parse_not_account(raw: &str) -> Result<(Option<String>, String), String> {
    let bad = || {
        format!(
            "`{raw}` in `not_accounts`: write an address (`security@example.com`), or `*@example.com` for every address at a domain"
        )
    };
    let (local, domain) = raw.trim().rsplit_once('@').ok_or_else(bad)?;
    // Only what `lint` would find in a draft as an address can be skipped there: an entry it
    // can never see is a mistake, not a no-op.
    let as_found = format!("{}@{domain}", if local == "*" { "a" } else { local });
    if domain.contains('*') || !crate::lint::checks::is_email_address(&as_found) {
        return Err(bad());
    }
    Ok((
        (local != "*").then(|| local.to_ascii_lowercase()),
        domain.to_ascii_lowercase(),
    ))
}

/// Every impact of every award table must give an amount for each severity x quality cell,
/// and name no severity or quality the table header does not list.
fn check_award_cells(ctx: &Ctx, aw: &model::AwardsDef) {
    for t in &aw.tables {
        for imp in &t.value.impacts {
            let cells = &imp.value.awards;
            for sev in cells.keys().filter(|k| !aw.severities.contains(k)) {
                ctx.report(ctx.err(
                    imp,
                    format!(
                    "award table `{}`, impact `{}`: severity `{sev}` is not in `awards.severities`",
                    t.value.id, imp.value.id
                ),
                ));
            }
            for sev in &aw.severities {
                let row = cells.get(sev);
                for q in row
                    .into_iter()
                    .flat_map(|r| r.keys())
                    .filter(|q| !aw.qualities.contains(q))
                {
                    ctx.report(ctx.err(
                        imp,
                        format!(
                        "award table `{}`, impact `{}`: quality `{q}` is not in `awards.qualities`",
                        t.value.id, imp.value.id
                    ),
                    ));
                }
                let missing: Vec<&str> = aw
                    .qualities
                    .iter()
                    .filter(|q| !row.is_some_and(|r| r.contains_key(*q)))
                    .map(String::as_str)
                    .collect();
                if !missing.is_empty() {
                    ctx.report(ctx.err(imp, format!(
                        "award table `{}`, impact `{}`: no amount for severity `{sev}` and quality {}",
                        t.value.id,
                        imp.value.id,
                        missing.iter().map(|q| format!("`{q}`")).collect::<Vec<_>>().join(", ")
                    )));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Start-up trusts the embedded rules; this is the check that makes that safe.
    #[test]
    fn embedded_rules_pass_full_validation() {
        let psl = SuffixList::embedded();
        let file = parse_rules_file(EMBEDDED_RULES, EMBEDDED_RULES_PATH).unwrap();
        let (full, errors) = compile_all(file, EMBEDDED_RULES_PATH, psl.clone());
        assert!(errors.is_empty(), "{errors:?}");
        let fast = ScopeRules::embedded(psl).unwrap();
        let ids = |p: &Program| p.assets.iter().map(|a| a.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&fast.programs[0]), ids(&full));
        assert!(!full.assets.is_empty());
    }

    #[test]
    fn another_suffix_list_revalidates_the_embedded_wildcards() {
        // A list on which b2clogin.com is a public suffix makes `{tenant}.b2clogin.com` an error.
        let psl = Arc::new(
            SuffixList::parse(
                "// ===BEGIN ICANN DOMAINS===\ncom\n// ===END ICANN DOMAINS===\n// ===BEGIN PRIVATE DOMAINS===\nb2clogin.com\n// ===END PRIVATE DOMAINS===\n",
                "test.dat",
            )
            .unwrap(),
        );
        let e = ScopeRules::embedded(psl).expect_err("must be refused");
        assert!(e.message.contains("b2clogin.com"), "{}", e.message);
    }

    /// Found by fuzzing: a `*` left in a customer-owned suffix after its `*.` prefix reached an
    /// `unreachable!`. It is an error at the entry.
    #[test]
    fn customer_owned_suffix_with_a_star_is_an_error() {
        for (suffix, column) in [("users.exam*ple.com", 14), ("\"*.*.example.com\"", 14)] {
            let yaml = format!(
                "schema_version: 1\nprogram:\n  id: p\n  name: P\n  revision: \"1\"\nassets:\n  - id: a\n    hosts: [www.example.org]\ncustomer_owned:\n  id: c\n  reason: Customers.\n  suffixes: [{suffix}]\n"
            );
            let e = load_program_str(&yaml, "t.yaml", SuffixList::embedded())
                .expect_err("must be refused");
            assert_eq!((e.line, e.column), (12, column), "{suffix}: {e:?}");
            assert!(
                e.message.starts_with("customer-owned suffix `")
                    && e.message.contains("without other `*`"),
                "{}",
                e.message
            );
        }
    }
}
