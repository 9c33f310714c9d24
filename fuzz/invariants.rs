//! The invariants of each fuzz target, in one place: the fuzz targets in `fuzz_targets/` and the
//! stable replay of saved inputs (`tests/integration/fuzz_regressions.rs`) both include this file, so a
//! regression is checked exactly as the fuzzer checked it.
#![allow(dead_code)] // each includer uses the functions of its own target only

use scopelint::check::{check_stream, CheckOptions};
use scopelint::lint::Linter;
use scopelint::matcher::Lookup;
use scopelint::output::JsonlReporter;
use scopelint::rules::{load_program_str, HostPattern, ScopeRules};
use scopelint::target::{Host, Target};
use scopelint::{parse_target, VerdictKind};

/// The embedded program plus the example fixture (every kind of asset and exclusion).
pub fn embedded_and_example_rules() -> ScopeRules {
    let psl = scopelint::psl::SuffixList::embedded();
    let example = load_program_str(
        include_str!("../fixtures/rules/example-program.yaml"),
        "example-program.yaml",
        psl.clone(),
    )
    .expect("example program loads");
    let mut rules = ScopeRules::embedded(psl).expect("embedded program loads");
    rules.programs.push(example);
    rules
}

/// The embedded program alone.
pub fn embedded_rules() -> ScopeRules {
    ScopeRules::embedded(scopelint::psl::SuffixList::embedded()).expect("embedded program loads")
}

/// Does `p` cover `host`, by the README's definition (independent of the matcher)?
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

/// Parsing and classification: normalization is idempotent, the index agrees with the linear
/// reference, `invalid` means the parse failed, and an in-scope verdict names an asset whose
/// host pattern covers the normalized host.
pub fn parse_target_invariants(rules: &ScopeRules, data: &[u8]) {
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
            n.raw_path = None; // nor the path as written, only as normalized
            n.fragment = None; // nor the fragment, which is never sent
        }
        assert_eq!(again, t1, "{input:?} -> {shown:?} is not idempotent");
    }
    for program in &rules.programs {
        let v = program.classify(input, false);
        let r = program.classify_with(input, false, Lookup::Linear);
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
}

/// Raw bytes through the `check` loop: one verdict and one JSON Lines line per target line.
pub fn check_stream_invariants(rules: &ScopeRules, data: &[u8]) {
    let mut out = Vec::new();
    let summary = {
        let mut reporter = JsonlReporter::new(&mut out, true);
        check_stream(
            rules,
            data,
            &mut reporter,
            CheckOptions {
                explain: true,
                lookup: Lookup::Indexed,
            },
        )
        .expect("writing to a Vec cannot fail")
    };
    let expected = data
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l).trim_ascii())
        .filter(|l| !l.is_empty() && !l.starts_with(b"#"))
        .count() as u64;
    assert_eq!(summary.total(), expected, "one verdict per target line");
    let text = String::from_utf8(out).expect("JSON Lines output is UTF-8");
    assert_eq!(
        text.lines().count() as u64,
        expected,
        "one output line per verdict"
    );
}

/// Any rules file: loading never panics; a loaded program answers a verdict (never `invalid`)
/// for well-formed targets, names a covering asset when in scope, builds a linter, and lints
/// with every diagnostic inside the draft. Returns whether the file loaded.
pub fn rules_load_invariants(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    let psl = scopelint::psl::SuffixList::embedded();
    let Ok(program) = load_program_str(text, "fuzz.yaml", psl) else {
        return false;
    };
    for t in [
        "https://www.example.com/",
        "a.b.example.com:8443/v2/users/1/settings",
        "192.0.2.1",
        "android:com.example.app",
    ] {
        let v = program.classify(t, true);
        assert_ne!(v.kind, VerdictKind::Invalid, "{t}: a well-formed target");
        if v.kind == VerdictKind::InScope {
            let asset = v.asset().expect("in-scope names an asset");
            if let Some(Target::Net(n)) = &v.normalized {
                if let Host::Domain(d) = &n.host {
                    assert!(
                        asset.hosts.iter().any(|p| covered(p, d)),
                        "{t}: in scope by `{}` but `{d}` is not covered by its hosts",
                        asset.id
                    );
                }
            }
        }
    }
    let rules = ScopeRules {
        programs: vec![program],
    };
    let linter = Linter::new(&rules).expect("a loaded program builds a linter");
    lint_draft_invariants(
        &linter,
        b"---\ntargets: https://www.example.com/\nimpact: eop\n---\n# T\nhttps://a.example.com/ x\n",
    );
    true
}

/// Any draft: linting never panics and every diagnostic points inside the draft.
pub fn lint_draft_invariants(linter: &Linter, data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let report = linter.lint_text("draft.md", text);
    let widths = line_widths(text);
    for d in &report.diagnostics {
        let width = widths.get(d.line as usize - 1).copied();
        assert!(
            d.line >= 1 && width.is_some(),
            "diagnostic at line {} of a {}-line draft",
            d.line,
            widths.len()
        );
        assert!(
            d.column >= 1 && d.column <= width.unwrap_or(0) + 1,
            "diagnostic at {}:{} on a line of {} characters",
            d.line,
            d.column,
            width.unwrap_or(0)
        );
    }
}

/// The width in characters of each line, lines as YAML counts them (ended by `\n`, `\r\n` or a
/// lone `\r`): the front matter parser reports lines that way (found by fuzzing: a draft of lone
/// `\r`s got diagnostics past its last `\n` line,
/// fixtures/fuzz-regressions/lint_draft/lone-cr-in-front-matter). Written apart from the
/// linter's own line splitting, so that it checks it.
fn line_widths(text: &str) -> Vec<u32> {
    let mut widths = vec![0];
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => widths.push(0),
            _ => *widths.last_mut().unwrap() += 1,
        }
    }
    widths
}

/// Any plain list: loading never panics, and a loaded list classifies a well-formed URL.
pub fn plain_list_invariants(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let psl = scopelint::psl::SuffixList::embedded();
    if let Ok(program) = scopelint::rules::plain::load_plain_str(text, "fuzz.txt", psl) {
        for t in [
            "https://www.example.com/",
            "a.b-prod.example.com:8443",
            "192.0.2.1",
        ] {
            assert_ne!(program.classify(t, true).kind, VerdictKind::Invalid, "{t}");
        }
    }
}
