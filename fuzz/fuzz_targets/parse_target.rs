//! Target parsing and classification: never panics, normalization is idempotent, and an
//! in-scope verdict always names an asset whose host pattern covers the normalized host.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use scopelint::rules::{HostPattern, ScopeRules};
use scopelint::target::{Host, Target};
use scopelint::{parse_target, VerdictKind};

static RULES: OnceLock<ScopeRules> = OnceLock::new();

fn rules() -> &'static ScopeRules {
    RULES.get_or_init(|| {
        let psl = scopelint::psl::SuffixList::embedded();
        let example = scopelint::rules::load_program_str(
            include_str!("../../fixtures/rules/example-program.yaml"),
            "example-program.yaml",
            psl.clone(),
        )
        .expect("example program loads");
        let mut rules = ScopeRules::embedded(psl).expect("embedded program loads");
        rules.programs.push(example);
        rules
    })
}

fn covered(p: &HostPattern, host: &str) -> bool {
    match p {
        HostPattern::Exact(h) => h == host,
        HostPattern::Subdomains { base, include_apex } => {
            (*include_apex && host == base)
                || host
                    .strip_suffix(base.as_str())
                    .is_some_and(|pre| pre.ends_with('.') && pre.len() > 1)
        }
        // A glob always has a `*` above its anchor: the host sits strictly below the anchor.
        HostPattern::Glob { anchor, .. } => host.ends_with(&format!(".{anchor}")),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = parse_target(input);
    if let Ok(t) = &parsed {
        let shown = t.to_string();
        let again = parse_target(&shown)
            .unwrap_or_else(|e| panic!("{input:?} -> {shown:?} does not parse again: {e}"));
        let mut t1 = t.clone();
        if let Target::Net(n) = &mut t1 {
            n.had_userinfo = false; // Display never prints credentials
        }
        assert_eq!(again, t1, "{input:?} -> {shown:?} is not idempotent");
    }
    for program in &rules().programs {
        let v = program.classify(input, false);
        let r = program.classify_with(input, false, scopelint::matcher::Lookup::Linear);
        assert_eq!(
            (v.kind, v.rule()),
            (r.kind, r.rule()),
            "{input:?}: index vs linear"
        );
        assert_eq!(v.kind == VerdictKind::Invalid, parsed.is_err(), "{input:?}");
        if v.kind != VerdictKind::InScope {
            continue;
        }
        let asset = v.asset().expect("in-scope names an asset");
        if let Some(Target::Net(n)) = &v.normalized {
            if let Host::Domain(d) = &n.host {
                assert!(
                    asset.hosts.iter().any(|p| covered(p, d)),
                    "{input:?}: in scope by `{}` but `{d}` is not covered by its hosts",
                    asset.id
                );
            }
        }
    }
});
