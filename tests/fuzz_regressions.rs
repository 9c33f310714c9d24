//! Replays `fixtures/fuzz-regressions/<target>/*` through the invariants of the fuzz target of
//! the same name (see `fuzz/fuzz_targets/`), on stable Rust.

use std::path::Path;

use scopelint::check::{check_stream, CheckOptions};
use scopelint::matcher::Lookup;
use scopelint::output::JsonlReporter;
use scopelint::rules::{load_program_str, HostPattern, ScopeRules};
use scopelint::target::{Host, Target};
use scopelint::{parse_target, VerdictKind};

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/fuzz-regressions")
        .join(target);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.map(|e| e.unwrap().path())
                .filter(|p| p.is_file())
                .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn rules() -> ScopeRules {
    let psl = scopelint::psl::SuffixList::embedded();
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules/example-program.yaml"),
    )
    .unwrap();
    let mut rules = ScopeRules::embedded(psl.clone()).unwrap();
    rules
        .programs
        .push(load_program_str(&text, "example-program.yaml", psl).unwrap());
    rules
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

/// Same checks as `fuzz/fuzz_targets/parse_target.rs`.
#[test]
fn parse_target_regressions() {
    let rules = rules();
    let cases = inputs("parse_target");
    assert!(!cases.is_empty());
    for (name, data) in cases {
        let Ok(input) = std::str::from_utf8(&data) else {
            continue;
        };
        let parsed = parse_target(input);
        if let Ok(t) = &parsed {
            let shown = t.to_string();
            let mut t1 = t.clone();
            if let Target::Net(n) = &mut t1 {
                n.had_userinfo = false;
            }
            assert_eq!(
                parse_target(&shown),
                Ok(t1),
                "{name}: {input:?} -> {shown:?}"
            );
        }
        for program in &rules.programs {
            let v = program.classify(input, false);
            let r = program.classify_with(input, false, Lookup::Linear);
            assert_eq!(
                (v.kind, v.rule()),
                (r.kind, r.rule()),
                "{name}: index vs linear"
            );
            assert_eq!(v.kind == VerdictKind::Invalid, parsed.is_err(), "{name}");
            if v.kind == VerdictKind::InScope {
                if let Some(Target::Net(n)) = &v.normalized {
                    if let Host::Domain(d) = &n.host {
                        assert!(
                            v.asset().unwrap().hosts.iter().any(|p| covered(p, d)),
                            "{name}"
                        );
                    }
                }
            }
        }
    }
}

/// Same checks as `fuzz/fuzz_targets/check_stream.rs`.
#[test]
fn check_stream_regressions() {
    let rules = ScopeRules::embedded(scopelint::psl::SuffixList::embedded()).unwrap();
    for (name, data) in inputs("check_stream") {
        let mut out = Vec::new();
        let summary = {
            let mut r = JsonlReporter::new(&mut out, true);
            check_stream(
                &rules,
                data.as_slice(),
                &mut r,
                CheckOptions {
                    explain: true,
                    lookup: Lookup::Indexed,
                },
            )
            .unwrap()
        };
        let expected = data
            .split(|&b| b == b'\n')
            .map(|l| l.strip_suffix(b"\r").unwrap_or(l).trim_ascii())
            .filter(|l| !l.is_empty() && !l.starts_with(b"#"))
            .count() as u64;
        assert_eq!(summary.total(), expected, "{name}");
        assert_eq!(
            String::from_utf8(out).unwrap().lines().count() as u64,
            expected,
            "{name}"
        );
    }
}

/// Same calls as `fuzz/fuzz_targets/rules_load.rs`.
#[test]
fn rules_load_regressions() {
    for (_, data) in inputs("rules_load") {
        let Ok(text) = std::str::from_utf8(&data) else {
            continue;
        };
        if let Ok(p) = load_program_str(text, "fuzz.yaml", scopelint::psl::SuffixList::embedded()) {
            let _ = p.classify("https://www.example.com/", true);
            let rules = ScopeRules { programs: vec![p] };
            if let Ok(l) = scopelint::lint::Linter::new(&rules) {
                let _ = l.lint_text("d.md", "# T\n");
            }
        }
    }
}

/// Same calls as `fuzz/fuzz_targets/lint_draft.rs`.
#[test]
fn lint_draft_regressions() {
    let rules = ScopeRules::embedded(scopelint::psl::SuffixList::embedded()).unwrap();
    let linter = scopelint::lint::Linter::new(&rules).unwrap();
    for (name, data) in inputs("lint_draft") {
        let Ok(text) = std::str::from_utf8(&data) else {
            continue;
        };
        let report = linter.lint_text("draft.md", text);
        let lines = line_breaks(text) + 2;
        assert!(report.diagnostics.iter().all(|d| d.line <= lines), "{name}");
    }
}

/// Same calls as `fuzz/fuzz_targets/plain_list.rs`.
#[test]
fn plain_list_regressions() {
    for (name, data) in inputs("plain_list") {
        let Ok(text) = std::str::from_utf8(&data) else {
            continue;
        };
        let psl = scopelint::psl::SuffixList::embedded();
        if let Ok(p) = scopelint::rules::plain::load_plain_str(text, "fuzz.txt", psl) {
            assert_ne!(
                p.classify("https://www.example.com/", true).kind,
                VerdictKind::Invalid,
                "{name}"
            );
        }
    }
}

/// Line breaks as YAML counts them (`\n`, `\r\n` and a lone `\r`): the front matter parser
/// reports lines that way (found by fuzzing: a draft of lone `\r`s got diagnostics past its last
/// `\n` line, fixtures/fuzz-regressions/lint_draft/lone-cr-in-front-matter).
fn line_breaks(text: &str) -> u32 {
    let b = text.as_bytes();
    (0..b.len())
        .filter(|&i| b[i] == b'\n' || (b[i] == b'\r' && b.get(i + 1) != Some(&b'\n')))
        .count() as u32
}
