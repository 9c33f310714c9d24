//! Replays `fixtures/fuzz-regressions/<target>/*` through the invariants of the fuzz target of
//! the same name, on stable Rust. The invariants are the fuzz targets' own
//! (`fuzz/invariants.rs`), included here, so a saved input is checked exactly as it was found.

#[path = "../../fuzz/invariants.rs"]
mod invariants;

use std::path::Path;

/// The saved inputs of `target`. A missing or empty folder is a failure, not zero cases: the
/// `check_stream` replay once passed for months replaying nothing (issue 22).
fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/fuzz-regressions")
        .join(target);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect();
    assert!(!out.is_empty(), "{}: no saved inputs", dir.display());
    out.sort();
    out
}

/// Every fuzz target in `fuzz/fuzz_targets/` has a regression folder with inputs, and a replay
/// test below (by name).
#[test]
fn every_fuzz_target_has_saved_inputs_and_a_replay() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let this = std::fs::read_to_string(root.join("tests/integration/fuzz_regressions.rs")).unwrap();
    let mut targets: Vec<String> = std::fs::read_dir(root.join("fuzz/fuzz_targets"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter_map(|p| Some(p.file_stem()?.to_str()?.to_string()))
        .collect();
    targets.sort();
    assert_eq!(targets.len(), 5, "{targets:?}");
    for t in &targets {
        assert!(!inputs(t).is_empty(), "{t}");
        assert!(
            this.contains(&format!("fn {t}_regressions()")),
            "{t}: no replay test"
        );
    }
}

/// Runs `check` on every saved input of `target`, naming the input on stderr first so a failure
/// shows which file it was.
fn replay(target: &str, mut check: impl FnMut(&[u8])) {
    let cases = inputs(target);
    for (name, data) in &cases {
        eprintln!("replaying {name}");
        check(data);
    }
}

#[test]
fn parse_target_regressions() {
    assert!(!inputs("parse_target").is_empty());
    let rules = invariants::embedded_and_example_rules();
    replay("parse_target", |d| {
        invariants::parse_target_invariants(&rules, d)
    });
}

/// Fails if comment lines are counted as targets: verified by planting
/// `|| trimmed.starts_with(b"#")` -> removed in `check_line` (src/check.rs).
#[test]
fn check_stream_regressions() {
    assert!(inputs("check_stream").len() >= 5);
    let rules = invariants::embedded_rules();
    replay("check_stream", |d| {
        invariants::check_stream_invariants(&rules, d)
    });
}

#[test]
fn rules_load_regressions() {
    replay("rules_load", |d| {
        invariants::rules_load_invariants(d);
    });
}

/// The rules-load invariants on every rules file of the repository (the real programs and the
/// test fixtures, good and broken), so that the checks on a loaded program do run: the four
/// good files (two programs, two fixtures) must load.
#[test]
fn rules_load_invariants_hold_on_every_rules_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut loaded = Vec::new();
    for dir in [
        "scope-rules",
        "fixtures/rules",
        "fixtures/rules/broken",
        "fixtures/bad-input",
    ] {
        for e in std::fs::read_dir(root.join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() && p.extension().is_some_and(|x| x == "yaml") {
                eprintln!("checking {}", p.display());
                if invariants::rules_load_invariants(&std::fs::read(&p).unwrap()) {
                    loaded.push(p);
                }
            }
        }
    }
    assert!(loaded.len() >= 4, "{loaded:?}");
}

#[test]
fn lint_draft_regressions() {
    let rules = invariants::embedded_rules();
    let linter = scopelint::lint::Linter::new(&rules).unwrap();
    replay("lint_draft", |d| {
        invariants::lint_draft_invariants(&linter, d)
    });
}

#[test]
fn plain_list_regressions() {
    replay("plain_list", invariants::plain_list_invariants);
}
