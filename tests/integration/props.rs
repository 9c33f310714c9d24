//! Property tests (proptest) for the invariants that make a scope checker trustworthy.
//!
//! Programs are generated as YAML and loaded through the real loader; targets are generated
//! from the same small label alphabet so that matches, near-misses (`xalpha.zz` vs `alpha.zz`)
//! and exclusions all happen often.

use std::collections::BTreeSet;

use proptest::prelude::*;
use scopelint::rules::{load_program_str, Program};
use scopelint::target::{parse_target, Host, Target};
use scopelint::VerdictKind;

const LABELS: &[&str] = &[
    "alpha", "beta", "xalpha", "login", "api", "a-b", "b", "android", "ios",
];

/// A host pattern of a generated program: `labels.zz`, `*.labels.zz`, or a glob over
/// `labels.zz`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Pat {
    base: String,
    shape: Shape,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Shape {
    Exact,
    Subdomains {
        include_apex: bool,
    },
    /// Labels in front of the base, with `*` in them (`a*`, `login.*`, `*.*`).
    Glob(&'static str),
}

/// Glob prefixes that match hosts of the label alphabet often (and miss them often).
const GLOB_PREFIXES: &[&str] = &["a*", "*alpha", "*-b", "x*a*", "*.a*", "login.*", "*.*"];

impl Pat {
    /// Does this pattern cover `host`, by the definition in docs/rules.md (independent of the matcher)?
    fn covers(&self, host: &str) -> bool {
        match &self.shape {
            Shape::Exact => host == self.base,
            Shape::Subdomains { include_apex } => {
                (host == self.base && *include_apex) || host.ends_with(&format!(".{}", self.base))
            }
            Shape::Glob(prefix) => glob_regex(&format!("{prefix}.{}", self.base)).is_match(host),
        }
    }
    /// A host this pattern is meant to cover, with each `*` filled from `picks`.
    fn instance(&self, picks: &[usize]) -> String {
        const PIECES: &[&str] = &["x", "alpha", "7", ""];
        let mut picks = picks.iter().cycle();
        let mut pick = |from: &[&'static str]| from[picks.next().unwrap() % from.len()];
        match &self.shape {
            Shape::Exact => self.base.clone(),
            Shape::Subdomains { .. } => format!("{}.{}", pick(LABELS), self.base),
            Shape::Glob(prefix) => {
                let labels: Vec<String> = prefix
                    .split('.')
                    .map(|l| match l {
                        "*" => pick(LABELS).to_string(),
                        _ => l.split('*').collect::<Vec<_>>().join(pick(PIECES)),
                    })
                    .collect();
                format!("{}.{}", labels.join("."), self.base)
            }
        }
    }
    fn yaml(&self) -> String {
        match &self.shape {
            Shape::Exact => format!("hosts: [\"{}\"]", self.base),
            Shape::Subdomains { include_apex } => format!(
                "hosts: [\"*.{}\"]\n    include_apex: {include_apex}",
                self.base
            ),
            Shape::Glob(prefix) => format!("hosts: [\"{prefix}.{}\"]", self.base),
        }
    }
}

/// docs/rules.md: "a `*` inside a label stays inside it, a `*` label is one label, or one or more
/// labels when it is the first", as a regular expression.
fn glob_regex(pattern: &str) -> regex::Regex {
    let labels: Vec<String> = pattern
        .split('.')
        .enumerate()
        .map(|(i, label)| match label {
            "*" if i == 0 => r"[^.]+(?:\.[^.]+)*".to_string(),
            "*" => "[^.]+".to_string(),
            _ => label
                .split('*')
                .map(regex::escape)
                .collect::<Vec<_>>()
                .join("[^.]*"),
        })
        .collect();
    regex::Regex::new(&format!("^{}$", labels.join(r"\."))).unwrap()
}

#[derive(Debug, Clone)]
struct Spec {
    assets: Vec<(Pat, Option<u16>)>,
    exclusions: Vec<Pat>,
}

impl Spec {
    /// Every pattern, assets and exclusions.
    fn patterns(&self) -> Vec<Pat> {
        let assets = self.assets.iter().map(|(p, _)| p);
        assets.chain(&self.exclusions).cloned().collect()
    }
}

fn base() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(LABELS), 1..3)
        .prop_map(|l| format!("{}.zz", l.join(".")))
}

fn pat() -> impl Strategy<Value = Pat> {
    let shape = prop_oneof![
        Just(Shape::Exact),
        any::<bool>().prop_map(|include_apex| Shape::Subdomains { include_apex }),
        prop::sample::select(GLOB_PREFIXES).prop_map(Shape::Glob),
    ];
    (base(), shape).prop_map(|(base, shape)| Pat { base, shape })
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        prop::collection::vec(
            (
                pat(),
                prop::option::of(prop::sample::select(vec![443u16, 8443])),
            ),
            1..5,
        ),
        prop::collection::vec(pat(), 0..3),
    )
        .prop_map(|(assets, exclusions)| {
            // One asset per pattern (a pattern listed twice is a load error).
            let mut seen = BTreeSet::new();
            let assets = assets
                .into_iter()
                .filter(|(p, _)| seen.insert(p.base.clone()))
                .collect();
            let mut seen = BTreeSet::new();
            let exclusions = exclusions
                .into_iter()
                .filter(|p| seen.insert(p.base.clone()))
                .collect();
            Spec { assets, exclusions }
        })
}

fn program_yaml(spec: &Spec) -> String {
    let mut y = String::from(
        "schema_version: 1\nprogram:\n  id: prop\n  name: Prop Program\n  revision: 2026-01-01\n  default_ports: [80, 443]\nassets:\n",
    );
    for (i, (p, port)) in spec.assets.iter().enumerate() {
        y.push_str(&format!("  - id: a{i}\n    {}\n", p.yaml()));
        if let Some(port) = port {
            y.push_str(&format!("    ports: [{port}]\n"));
        }
    }
    if !spec.exclusions.is_empty() {
        y.push_str("exclusions:\n");
        for (i, p) in spec.exclusions.iter().enumerate() {
            y.push_str(&format!(
                "  - id: x{i}\n    {}\n    reason: Excluded.\n",
                p.yaml()
            ));
        }
    }
    y
}

fn load(spec: &Spec) -> Program {
    let yaml = program_yaml(spec);
    load_program_str(&yaml, "test.yaml", scopelint::psl::SuffixList::embedded())
        .unwrap_or_else(|e| panic!("generated program does not load: {e}\n{yaml}"))
}

/// A generated host, the case to print it in, and whether to add a trailing dot.
type GenHost = (String, Vec<bool>, bool);

/// A host from the same alphabet as the patterns, in random case, maybe with a trailing dot.
fn host() -> BoxedStrategy<GenHost> {
    (
        prop::collection::vec(prop::sample::select(LABELS), 1..5),
        prop::collection::vec(any::<bool>(), 32),
        any::<bool>(),
    )
        .prop_map(|(labels, upper, dot)| (format!("{}.zz", labels.join(".")), upper, dot))
        .boxed()
}

/// A host near the program's own patterns, so that globs and exclusions decide often: an
/// instance of a pattern, or up to three labels at or below a pattern's base; or any host of
/// the alphabet.
fn host_near(patterns: Vec<Pat>) -> BoxedStrategy<GenHost> {
    let case_and_dot = || (prop::collection::vec(any::<bool>(), 32), any::<bool>());
    let under = (
        prop::collection::vec(prop::sample::select(LABELS), 0..4),
        prop::sample::select(patterns.clone()),
        case_and_dot(),
    )
        .prop_map(|(front, p, (upper, dot))| {
            let mut labels = front;
            labels.push(&p.base);
            (labels.join("."), upper, dot)
        });
    let instance = (
        prop::sample::select(patterns),
        prop::collection::vec(0..LABELS.len(), 4),
        case_and_dot(),
    )
        .prop_map(|(p, picks, (upper, dot))| (p.instance(&picks), upper, dot));
    prop_oneof![1 => host(), 1 => under, 2 => instance].boxed()
}

/// A program and a host near its patterns.
fn spec_and_host() -> impl Strategy<Value = (Spec, GenHost)> {
    spec().prop_flat_map(|spec| {
        let near = host_near(spec.patterns());
        (Just(spec), near)
    })
}

/// A program and a target near its patterns.
fn spec_and_target() -> impl Strategy<Value = (Spec, (String, String))> {
    spec().prop_flat_map(|spec| {
        let near = target(host_near(spec.patterns()));
        (Just(spec), near)
    })
}

fn recase(host: &str, upper: &[bool]) -> String {
    host.chars()
        .zip(upper.iter().cycle())
        .map(|(c, &u)| if u { c.to_ascii_uppercase() } else { c })
        .collect()
}

/// `[scheme://][userinfo@]host[:port][/path]` built from a generated host.
fn target(host: BoxedStrategy<GenHost>) -> impl Strategy<Value = (String, String)> {
    (
        host,
        prop::sample::select(vec![
            "", "https://", "http://", "wss://", "ftp://", "HTTPS://", "//",
        ]),
        prop::sample::select(vec!["", "", "user@", "alpha.zz@"]),
        prop::sample::select(vec!["", "", ":443", ":80", ":8443", ":1"]),
        prop::sample::select(vec!["", "/", "/x/../y", "/%2e%2e/a?q#f"]),
    )
        .prop_map(|((h, upper, dot), scheme, user, port, path)| {
            let shown = format!("{}{}", recase(&h, &upper), if dot { "." } else { "" });
            (format!("{scheme}{user}{shown}{port}{path}"), h)
        })
}

fn verdict(p: &Program, input: &str) -> (VerdictKind, String) {
    let v = p.classify(input, false);
    (v.kind, v.rule().to_string())
}

/// Arbitrary text that looks like a URL often enough to reach every branch of the parser.
fn urlish() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-zA-Z0-9.:/@\\\\%\\[\\]#?_~ -]{0,40}",
        "(https?://)?([a-z0-9%.-]{1,10}@)?[a-zA-Z0-9.%-]{1,20}(:[0-9]{0,6})?(/[a-z0-9.%\\\\]{0,8}){0,3}",
        "(https?://)?(0x[0-9a-f]{1,3}|[0-9]{1,4})(\\.(0x[0-9a-f]{1,3}|[0-9]{1,4})){0,4}",
        "(https?://)?\\[[0-9a-f:.]{0,20}\\](:[0-9]{1,5})?",
    ]
}

/// Inputs for `parser_is_total`: URL-ish noise, and targets built near real host shapes.
fn parser_inputs() -> impl Strategy<Value = String> {
    prop_oneof![urlish(), target(host()).prop_map(|t| t.0)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// parse -> Display -> parse gives the same target (credentials are never printed).
    #[test]
    fn normalization_is_idempotent(input in prop_oneof![urlish(), target(host()).prop_map(|t| t.0)]) {
        if let Ok(t) = parse_target(&input) {
            let shown = t.to_string();
            let again = parse_target(&shown);
            let mut expected = t.clone();
            if let Target::Net(n) = &mut expected {
                n.had_userinfo = false;
                n.raw_path = None; // printed as normalized, not as written
                n.fragment = None; // the fragment is never printed
            }
            prop_assert_eq!(again, Ok(expected), "{:?} -> {:?}", input, shown);
        }
    }

    /// In scope only if the normalized host equals, or sits below at a label boundary, a pattern
    /// of an asset, and no exclusion covers it.
    #[test]
    fn in_scope_only_under_an_included_pattern((spec, (input, _)) in spec_and_target()) {
        let program = load(&spec);
        let v = program.classify(&input, false);
        if v.kind == VerdictKind::InScope {
            let Some(Target::Net(n)) = &v.normalized else {
                return Err(TestCaseError::fail("in scope without a net target"));
            };
            let Host::Domain(d) = &n.host else {
                return Err(TestCaseError::fail("in scope as an IP"));
            };
            prop_assert!(spec.assets.iter().any(|(p, _)| p.covers(d)), "{} in scope, no pattern covers `{}`", input, d);
            prop_assert!(!spec.exclusions.iter().any(|p| p.covers(d)), "{} in scope but excluded", input);
            let asset = v.asset().unwrap();
            let (p, _) = &spec.assets[asset.id[1..].parse::<usize>().unwrap()];
            prop_assert!(p.covers(d), "deciding asset `{}` does not cover `{}`", asset.id, d);
        }
    }

    /// Adding an exclusion never turns a verdict into in-scope.
    #[test]
    fn adding_an_exclusion_never_adds_scope((spec, (input, _)) in spec_and_target(), extra in pat()) {
        let before = load(&spec);
        let mut more = spec.clone();
        if more.exclusions.iter().any(|p| p.base == extra.base) {
            return Ok(());
        }
        more.exclusions.push(extra);
        let after = load(&more);
        let (b, a) = (verdict(&before, &input), verdict(&after, &input));
        if a.0 == VerdictKind::InScope {
            prop_assert_eq!(&b, &a, "{}: the exclusion put it in scope", input);
        }
        // And an exclusion never changes what is invalid.
        prop_assert_eq!(a.0 == VerdictKind::Invalid, b.0 == VerdictKind::Invalid);
    }

    /// The verdict of a URL does not depend on host case, one trailing dot or an explicit
    /// default port.
    #[test]
    fn verdict_ignores_case_trailing_dot_and_default_port(
        (spec, (h, upper, _)) in spec_and_host(),
        scheme in prop::sample::select(vec![("https", 443u16), ("http", 80), ("wss", 443), ("ws", 80)]),
        path in prop::sample::select(vec!["/", "/a/b", ""]),
    ) {
        let program = load(&spec);
        let (s, port) = scheme;
        let plain = format!("{s}://{h}{path}");
        let base = verdict(&program, &plain);
        for variant in [
            format!("{s}://{}{path}", recase(&h, &upper)),
            format!("{}://{h}{path}", s.to_ascii_uppercase()),
            format!("{s}://{h}.{path}"),
            format!("{s}://{h}:{port}{path}"),
            format!("{s}://{}.:{port}{path}", recase(&h, &upper)),
        ] {
            prop_assert_eq!(&verdict(&program, &variant), &base, "{} vs {}", variant, plain);
        }
    }

    /// The same on the embedded default program, with its real in-scope hosts.
    #[test]
    fn default_program_verdict_ignores_case_dot_and_port(
        h in prop::sample::select(vec![
            "login.live.com", "login.microsoftonline.com", "graph.microsoft.com",
            "contoso.b2clogin.com", "account.live.com", "example.azurewebsites.net",
            "contoso.ciamlogin.com", "portal.azure.com",
        ]),
        upper in prop::collection::vec(any::<bool>(), 32),
        path in prop::sample::select(vec!["/", "/v1.0/me/authentication/methods", "/common/oauth2/v2.0/authorize"]),
    ) {
        static RULES: std::sync::OnceLock<scopelint::ScopeRules> = std::sync::OnceLock::new();
        let rules = RULES.get_or_init(|| {
            scopelint::ScopeRules::embedded(scopelint::psl::SuffixList::embedded()).unwrap()
        });
        let program = &rules.programs[0];
        let base = verdict(program, &format!("https://{h}{path}"));
        for variant in [
            format!("https://{}{path}", recase(h, &upper)),
            format!("https://{h}.{path}"),
            format!("https://{h}:443{path}"),
            format!("HTTPS://{}.:443{path}", recase(h, &upper)),
        ] {
            prop_assert_eq!(&verdict(program, &variant), &base, "{}", variant);
        }
    }

    /// The fast path (hashed host index) agrees with the linear reference matcher.
    #[test]
    fn index_agrees_with_linear_reference((spec, (input, _)) in spec_and_target()) {
        let program = load(&spec);
        let fast = program.classify_with(&input, false, scopelint::matcher::Lookup::Indexed);
        let slow = program.classify_with(&input, false, scopelint::matcher::Lookup::Linear);
        prop_assert_eq!((fast.kind, fast.rule()), (slow.kind, slow.rule()), "{}", input);
    }

    /// The quick reader of plain targets (`check --print`'s fast path) reads exactly the host
    /// and port the full parser reads, or declines.
    #[test]
    fn quick_reader_agrees_with_the_parser(input in parser_inputs()) {
        let input = input.trim();
        let mut buf = [0u8; 256];
        if let Some(q) = scopelint::target::quick_net(input, &mut buf) {
            match parse_target(input) {
                Ok(Target::Net(n)) => {
                    let quick_host = match q.ip {
                        Some(ip) => Host::Ip(ip),
                        None => Host::Domain(q.host.to_string()),
                    };
                    prop_assert_eq!(&n.host, &quick_host, "{:?}", input);
                    prop_assert_eq!(n.port, q.port, "{:?}", input);
                }
                other => prop_assert!(false, "{:?}: quick {:?}, parser {:?}", input, q, other),
            }
        }
    }

    /// The quick verdict kind agrees with the full verdict, or declines (fail closed: the fast
    /// path never answers differently).
    #[test]
    fn quick_kind_agrees_with_the_verdict((spec, (input, _)) in spec_and_target()) {
        let rules = scopelint::ScopeRules { programs: vec![load(&spec)] };
        if let Some(kind) = rules.quick_kind(&input) {
            let full = rules.classify(&input, false).map(|v| v.kind);
            prop_assert_eq!(Some(kind), full, "{}", input);
        }
    }

    /// The parser never panics, an error always carries a message, and a success is in normal
    /// form as `NetTarget`/`Host` document it: lowercase scheme; a lowercase ASCII domain with
    /// no trailing dot, no empty label and no forbidden host code point; the default port
    /// filled in for http(s); a path that starts with `/` and holds no `.`/`..` segment
    /// (`/` when the input had none); an app id that is not empty.
    #[test]
    fn parser_is_total(input in parser_inputs()) {
        match parse_target(&input) {
            Err(e) => prop_assert!(!e.message.is_empty()),
            Ok(Target::App(a)) => prop_assert!(!a.id.is_empty(), "{:?}", input),
            Ok(Target::Net(n)) => {
                if let Some(s) = &n.scheme {
                    prop_assert_eq!(s, &s.to_ascii_lowercase());
                    if s == "http" || s == "https" {
                        prop_assert!(n.port.is_some(), "{:?}: no port", input);
                    }
                }
                if let Host::Domain(d) = &n.host {
                    prop_assert!(!d.is_empty() && d.is_ascii(), "{:?} -> {:?}", input, d);
                    prop_assert_eq!(d, &d.to_ascii_lowercase());
                    prop_assert!(!d.ends_with('.'), "{:?} -> {:?}", input, d);
                    prop_assert!(d.split('.').all(|l| !l.is_empty()), "{:?} -> {:?}", input, d);
                    prop_assert!(
                        !d.contains(|c: char| " #%/:<>?@[\\]^|".contains(c) || c.is_ascii_control()),
                        "{:?} -> {:?}", input, d
                    );
                }
                prop_assert!(n.path.starts_with('/'), "{:?} -> path {:?}", input, n.path);
                prop_assert!(
                    n.path.split('/').all(|seg| seg != "." && seg != ".."),
                    "{:?} -> path {:?}", input, n.path
                );
                if !n.has_path {
                    prop_assert_eq!(&n.path, "/");
                }
            }
        }
    }
}

/// The properties above would pass vacuously if nothing were ever in scope: make sure the
/// generators reach every verdict.
#[test]
fn generators_reach_every_verdict() {
    let spec = Spec {
        assets: vec![
            (
                Pat {
                    base: "alpha.zz".into(),
                    shape: Shape::Subdomains {
                        include_apex: false,
                    },
                },
                None,
            ),
            (
                Pat {
                    base: "beta.zz".into(),
                    shape: Shape::Glob("*.a*"),
                },
                None,
            ),
        ],
        exclusions: vec![Pat {
            base: "login.alpha.zz".into(),
            shape: Shape::Exact,
        }],
    };
    let p = load(&spec);
    assert_eq!(
        verdict(&p, "https://API.alpha.zz./").0,
        VerdictKind::InScope
    );
    assert_eq!(verdict(&p, "https://alpha.zz/").0, VerdictKind::OutOfScope);
    assert_eq!(verdict(&p, "https://xalpha.zz/").0, VerdictKind::OutOfScope);
    assert_eq!(verdict(&p, "https://login.alpha.zz/").1, "x0");
    assert_eq!(verdict(&p, "https://alpha.zz\\@x/").0, VerdictKind::Invalid);
    // The quick path answers the plain shapes (so its property is not vacuous) and declines
    // the others.
    let rules = scopelint::ScopeRules {
        programs: vec![load(&spec)],
    };
    for (input, kind) in [
        ("https://API.alpha.zz./", Some(VerdictKind::InScope)),
        ("http://x.alpha.zz:443/a?b#c", Some(VerdictKind::InScope)),
        ("http://x.alpha.zz:8080/a", Some(VerdictKind::OutOfScope)),
        ("b.login.api.beta.zz", Some(VerdictKind::InScope)),
        ("https://login.alpha.zz/", Some(VerdictKind::OutOfScope)),
        ("https://alpha.zz\\@x/", None),
        ("ftp://x.alpha.zz/", None),
        ("x.alpha.zz/path", None),
        ("x.alpha.zz:443", None),
    ] {
        assert_eq!(rules.quick_kind(input), kind, "{input}");
    }
    // The glob: a first `*` label is one or more labels, `a*` stays inside its label.
    assert_eq!(verdict(&p, "https://b.login.api.beta.zz/").1, "a1");
    assert_eq!(
        verdict(&p, "https://api.beta.zz/").0,
        VerdictKind::OutOfScope
    );
    assert_eq!(
        verdict(&p, "https://b.beta.api.zz/").0,
        VerdictKind::OutOfScope
    );
    assert_eq!(
        verdict(&p, "https://x.b.beta.zz/").0,
        VerdictKind::OutOfScope
    );
    // And the oracle agrees with those answers.
    let glob = &spec.assets[1].0;
    assert!(glob.covers("b.login.api.beta.zz"));
    assert!(!glob.covers("api.beta.zz") && !glob.covers("x.b.beta.zz"));
}

/// The generated programs reach verdicts decided by globs (as asset and as exclusion) often
/// enough for the properties above to test them.
#[test]
fn generators_reach_glob_verdicts() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut by_glob_asset, mut by_glob_exclusion) = (0, 0);
    for _ in 0..2_000 {
        let (spec, (input, _)) = spec_and_target().new_tree(&mut runner).unwrap().current();
        let (kind, rule) = verdict(&load(&spec), &input);
        let glob_at = |pats: &mut dyn Iterator<Item = &Pat>, prefix: char| {
            pats.enumerate()
                .any(|(i, p)| matches!(p.shape, Shape::Glob(_)) && rule == format!("{prefix}{i}"))
        };
        match kind {
            VerdictKind::InScope if glob_at(&mut spec.assets.iter().map(|a| &a.0), 'a') => {
                by_glob_asset += 1
            }
            VerdictKind::OutOfScope if glob_at(&mut spec.exclusions.iter(), 'x') => {
                by_glob_exclusion += 1
            }
            _ => {}
        }
    }
    assert!(
        by_glob_asset >= 50,
        "{by_glob_asset} in-scope verdicts by a glob asset"
    );
    assert!(
        by_glob_exclusion >= 50,
        "{by_glob_exclusion} verdicts by a glob exclusion"
    );
}

/// `parser_is_total` would say little if its generator rarely produced a parseable target
/// (`urlish()` alone: 78 in 2,000 parse to a domain with a path): make sure a good share of its
/// inputs do, and a good share fail.
#[test]
fn parser_inputs_reach_parsed_domains_and_errors() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut domains, mut errors) = (0, 0);
    for _ in 0..2000 {
        let input = parser_inputs().new_tree(&mut runner).unwrap().current();
        match parse_target(&input) {
            Ok(Target::Net(n)) if matches!(n.host, Host::Domain(_)) && n.has_path => domains += 1,
            Err(_) => errors += 1,
            _ => {}
        }
    }
    assert!(
        domains >= 200,
        "{domains} of 2000 parsed to a domain with a path"
    );
    assert!(errors >= 200, "{errors} of 2000 failed to parse");
}
