//! From a parsed rules file to a [`Program`]: every host pattern, path rule, CIDR and app
//! checked and indexed, every reference resolved, every problem reported with its line and
//! column. The loader stops at the first error; `rules validate` collects them all.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use ipnet::IpNet;

use super::model::{self, PathRuleDef, RulesFile, Spanned};
use super::{
    pacing, parse_host_pattern, pattern, verdicts, whole_file_error, wildcard_problem, AssetRule,
    CustomerOwnedRule, ExclusionRule, HostPattern, NameSet, PathRule, PathSeg, Program, RulesError,
    ScopeIndex, SourceLoc,
};
use crate::psl::SuffixList;
use crate::target::{self, Platform};

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
    /// The `awards:` section was left out on purpose (the embedded program prepared for
    /// `check`, which reads no award amounts): an asset's award table is not looked up in it.
    awards_left_out: bool,
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
        any_value: false,
        aliases,
        prefixes,
        query,
    })
}

/// Parse a CIDR range (or a single address) as written in a rules file.
pub fn parse_cidr(raw: &str) -> Result<IpNet, String> {
    let v = raw.trim();
    // `010.0.0.1` is 10.0.0.1 to the range parser and 8.0.0.1 to URL parsers (octal): the
    // rules would mean another address than a target written the same way. Refused.
    let address = v.split('/').next().unwrap_or(v);
    let dotted = address.rsplit(':').next().unwrap_or(address);
    let octets = || dotted.split('.');
    if dotted.contains('.')
        && octets().all(|o| !o.is_empty() && o.bytes().all(|b| b.is_ascii_digit()))
        && octets().any(|o| o.len() > 1 && o.starts_with('0'))
    {
        return Err(format!(
            "`{raw}` has a number with a leading zero: URL parsers read `010` as octal (8), range parsers as 10; write it without the zero"
        ));
    }
    v.parse::<IpNet>()
        .or_else(|_| v.parse::<std::net::IpAddr>().map(IpNet::from))
        .map(|n| ipv4_of_mapped(n.trunc()))
        .map_err(|_| format!("`{raw}` is not a CIDR range or IP address"))
}

/// An IPv4-mapped IPv6 range (`::ffff:10.9.0.0/112`) as the IPv4 range it is (`10.9.0.0/16`):
/// targets' mapped addresses are read as IPv4, so a range kept in the mapped form would never
/// match, and an exclusion written so would exclude nothing.
fn ipv4_of_mapped(net: IpNet) -> IpNet {
    match net {
        IpNet::V6(v6) if v6.prefix_len() >= 96 => match v6.addr().to_ipv4_mapped() {
            Some(v4) => ipnet::Ipv4Net::new(v4, v6.prefix_len() - 96)
                .map(IpNet::V4)
                .unwrap_or(net),
            None => net,
        },
        _ => net,
    }
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
        // The very compilation `lint` does: a pattern over the size limit is an error here too.
        if let Err(e) = pattern::compile(&ctx.origin, what, p) {
            ctx.report(e);
        }
    }
}

/// The `probe:` pacing, checked by the code `probe` and `proxy` use, so a rules file they
/// would refuse does not pass validation.
fn check_probe_settings(ctx: &Ctx, file: &RulesFile) {
    let Some(def) = &file.probe else { return };
    let d = &def.value;
    for (key, value) in [
        ("rate", Some(&d.rate)),
        ("per_host_rate", d.per_host_rate.as_ref()),
    ] {
        if let Some(Err(e)) = value.map(|v| pacing::parse_rate(v)) {
            ctx.report(ctx.err(def, format!("probe.{key}: {e}")));
        }
    }
    if let Some(Err(e)) = d.burst.map(pacing::check_burst) {
        ctx.report(ctx.err(def, format!("probe.burst: {e}")));
    }
    for h in &d.headers {
        if let Err(e) = pacing::parse_program_header(&h.value) {
            ctx.report(ctx.err(h, format!("probe.headers: {e}")));
        }
    }
}

pub(super) fn compile(
    file: RulesFile,
    origin: &str,
    psl: Arc<SuffixList>,
) -> Result<Program, RulesError> {
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
    compile_with(file, origin, psl, false, false)
}

pub(super) fn compile_with(
    file: RulesFile,
    origin: &str,
    psl: Arc<SuffixList>,
    trusted: bool,
    awards_left_out: bool,
) -> (Program, Vec<RulesError>) {
    let ctx = Ctx {
        origin: Arc::from(origin),
        psl: &psl,
        errors: Default::default(),
        trusted,
        awards_left_out,
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

    check_ids_and_patterns(&ctx, &file);
    let customer_owned = compile_customer_owned(&ctx, &file);
    let empty = NameSet::default();
    let customer_suffixes = customer_owned.as_ref().map_or(&empty, |c| &c.suffixes);

    let table_ids: Option<HashSet<&str>> = file
        .awards
        .as_ref()
        .map(|a| a.value.tables.iter().map(|t| t.value.id.as_str()).collect());

    let mut index = ScopeIndex::default();
    let assets = compile_assets(
        &ctx,
        &file,
        customer_suffixes,
        table_ids.as_ref(),
        &mut index,
    );
    let exclusions = compile_exclusions(&ctx, &file, &mut index);
    if index.host_index_full() {
        ctx.report(super::whole_file_error(
            &ctx.origin,
            "the rules name more than 4 GiB of host names; split them into several files".into(),
        ));
    }
    check_examples(&ctx, &file, table_ids.as_ref());

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
        host_only: Program::host_only(&assets, &exclusions),
        assets: assets.into(),
        exclusions,
        customer_owned,
        index,
        psl: psl.clone(),
        assets_source,
        file,
    };
    (program, ctx.errors.into_inner())
}

/// Ids are unique across assets, exclusions, classes, rules and sections; every pattern
/// compiles; award cells, lint words and pacing are ones the runtime accepts.
fn check_ids_and_patterns(ctx: &Ctx, file: &RulesFile) {
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
        check_regexes(ctx, "patterns", &c.value.patterns);
        check_regexes(ctx, "chained_patterns", &c.value.chained_patterns);
    }
    for r in &file_ref.rules_of_engagement {
        claim(&r.value.id, ctx.loc(r));
        check_regexes(ctx, "patterns", &r.value.patterns);
    }
    for s in &file_ref.standards {
        claim(&s.value.id, ctx.loc(s));
        check_regexes(ctx, "patterns", &s.value.patterns);
    }
    for s in &file_ref.secret_patterns {
        claim(&s.value.id, ctx.loc(s));
        // Compiled as `lint` compiles secret formats (over text, as written), not as the
        // case-insensitive draft patterns are.
        if !ctx.trusted {
            if let Err(e) = pattern::compile_text(&ctx.origin, "secret_patterns", &s.value.pattern)
            {
                ctx.report(e);
            }
        }
    }
    for s in &file_ref.report_sections {
        claim(&s.value.id, ctx.loc(s));
        check_regexes(ctx, "headings", &s.value.headings);
    }
    if let Some(aw) = &file_ref.awards {
        check_award_cells(ctx, &aw.value);
    }
    check_lint_settings(ctx, file_ref);
    check_probe_settings(ctx, file_ref);
}

/// The customer-owned suffixes: each a domain name, with at most one leading `*.`.
fn compile_customer_owned(ctx: &Ctx, file: &RulesFile) -> Option<CustomerOwnedRule> {
    match &file.customer_owned {
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
    }
}

/// The assets, indexed: host patterns (refusing wildcards over public or customer-owned
/// suffixes), CIDRs, apps (and features), paths, ports and award tables.
fn compile_assets(
    ctx: &Ctx,
    file: &RulesFile,
    customer_suffixes: &NameSet,
    table_ids: Option<&HashSet<&str>>,
    index: &mut ScopeIndex,
) -> Vec<AssetRule> {
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
        let Coverage {
            hosts,
            cidrs,
            apps,
            paths,
        } = compile_coverage(ctx, a, "asset", &def.id, def.coverage(), customer_suffixes);
        if let Some(t) = def.award_table.as_ref().filter(|_| !ctx.awards_left_out) {
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
            paths: paths.map(Box::new),
            note: def.note.clone(),
            hosts,
            source: ctx.loc(a),
        });
    }
    assets
}

/// What an asset or exclusion covers, compiled.
struct Coverage {
    hosts: Vec<HostPattern>,
    cidrs: Vec<IpNet>,
    apps: Vec<AppKey>,
    paths: Option<PathRule>,
}

/// Hosts, CIDRs, apps and path rules of an asset or exclusion (`what`), with the checks both
/// share: it lists something, and `paths` come with `hosts`.
fn compile_coverage<T>(
    ctx: &Ctx,
    entry: &Spanned<T>,
    what: &str,
    id: &str,
    (hosts, include_apex, cidrs, apps, paths): model::CoverageDefs<'_>,
    customer: &NameSet,
) -> Coverage {
    // In this order, so the loader's first error is the one the file shows first.
    let compiled_hosts = compile_hosts(ctx, hosts, include_apex, customer);
    let compiled_cidrs = compile_cidrs(ctx, cidrs);
    let compiled_apps = compile_apps(ctx, apps);
    if hosts.is_empty() && cidrs.is_empty() && apps.is_empty() {
        ctx.report(ctx.err(
            entry,
            format!("{what} `{id}` lists no `hosts`, `cidrs` or `apps`"),
        ));
    }
    let paths = match paths {
        Some(p) if hosts.is_empty() => {
            ctx.report(ctx.err(p, "`paths` needs `hosts` to apply to"));
            None
        }
        Some(p) => compile_paths(ctx, p),
        None => None,
    };
    Coverage {
        hosts: compiled_hosts,
        cidrs: compiled_cidrs,
        apps: compiled_apps,
        paths,
    }
}

/// The exclusions, indexed.
fn compile_exclusions(ctx: &Ctx, file: &RulesFile, index: &mut ScopeIndex) -> Vec<ExclusionRule> {
    let mut exclusions = Vec::with_capacity(file.exclusions.len());
    for (i, x) in file.exclusions.iter().enumerate() {
        let def = &x.value;
        // Exclusions may name hosts under customer-owned suffixes: they only take scope away.
        let Coverage {
            hosts,
            cidrs,
            apps,
            paths,
        } = compile_coverage(
            ctx,
            x,
            "exclusion",
            &def.id,
            def.coverage(),
            &NameSet::default(),
        );
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
            // An exclusion's paths match in any case: servers that ignore case (IIS, ASP.NET)
            // serve `/Admin` as `/admin`; and its query conditions on any value of a repeated
            // parameter (`?mode=admin&MODE=x`). Excluding more is the side to err on.
            paths: paths.map(|mut p| {
                p.case_insensitive = true;
                p.any_value = true;
                Box::new(p)
            }),
            hosts,
            source: ctx.loc(x),
        });
    }
    exclusions
}

/// The examples name assets, tables, rules and verdicts that exist.
fn check_examples(ctx: &Ctx, file: &RulesFile, table_ids: Option<&HashSet<&str>>) {
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
                verdicts::RULE_NO_ASSET,
                verdicts::RULE_PORT,
                verdicts::RULE_INVALID,
                verdicts::RULE_AMBIGUOUS_PATH,
                verdicts::RULE_APP_FEATURE,
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
        if verdicts::VerdictKind::parse(&e.value.verdict).is_none() {
            ctx.report(ctx.err(
                e,
                format!(
                    "example verdict `{}` is not `in-scope`, `out-of-scope` or `invalid`",
                    e.value.verdict
                ),
            ));
        }
    }
}

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

/// Words `lint` reads (severities, what test naming applies to) and the contact addresses it
/// skips: a misspelt one would silently change what `lint` reports, so it is an error here.
fn check_lint_settings(ctx: &Ctx, file: &RulesFile) {
    let check_severity = |what: &str, id: &str, s: &Spanned<String>| {
        if crate::diagnostic::Severity::parse(&s.value).is_none() {
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
    if domain.contains('*') || !crate::email::is_email_address(&as_found) {
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
    for level in &aw.quality_levels {
        let bad_need = level
            .needs
            .iter()
            .find(|n| !matches!(n.as_str(), "repro" | "poc" | "root_cause"));
        let problem = if !aw.qualities.contains(&level.id) {
            Some(format!(
                "quality level `{}` is not one of `awards.qualities`",
                level.id
            ))
        } else {
            bad_need.map(|n| {
                format!(
                    "quality level `{}`: `{n}` is not `repro`, `poc` or `root_cause`",
                    level.id
                )
            })
        };
        if let Some(m) = problem {
            ctx.report(whole_file_error(&ctx.origin, m));
        }
    }
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

    /// Ranges are kept in the form targets are read in: an IPv4-mapped IPv6 range is the IPv4
    /// range it maps; host bits are cleared; other IPv6 ranges stay as written.
    #[test]
    fn cidrs_are_read_in_the_form_targets_are() {
        for (raw, kept) in [
            ("::ffff:10.9.0.0/112", "10.9.0.0/16"),
            ("::ffff:10.9.1.2/120", "10.9.1.0/24"),
            ("::ffff:1.2.3.4", "1.2.3.4/32"),
            ("::ffff:0:0/96", "0.0.0.0/0"),
            ("::ffff:0:0/95", "::fffe:0:0/95"),
            ("2001:db8::1/32", "2001:db8::/32"),
            ("10.0.0.1/8", "10.0.0.0/8"),
        ] {
            assert_eq!(parse_cidr(raw).unwrap().to_string(), kept, "{raw}");
        }
        // A leading zero is octal to URL parsers and decimal to the range parser: refused.
        for raw in [
            "010.0.0.1/32",
            "10.0.0.00/8",
            "::ffff:010.0.0.1",
            "10.00.0.0",
        ] {
            assert!(
                parse_cidr(raw).unwrap_err().contains("leading zero"),
                "{raw}"
            );
        }
        assert!(
            parse_cidr("10.0.0.0/08").is_ok(),
            "a prefix length is not an address"
        );
        assert!(parse_cidr("0.0.0.0/0").is_ok());
        assert!(
            !parse_cidr("01.be").unwrap_err().contains("leading zero"),
            "a host name"
        );
    }
}
