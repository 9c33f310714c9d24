//! Replays `fixtures/fuzz-regressions/<target>/*` through the invariants of the fuzz target of
//! the same name, on stable Rust. The invariants are the fuzz targets' own
//! (`fuzz/invariants.rs`), included here, so a saved input is checked exactly as it was found.

#[path = "../fuzz/invariants.rs"]
mod invariants;

use std::path::Path;

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

#[test]
fn check_stream_regressions() {
    let rules = invariants::embedded_rules();
    replay("check_stream", |d| {
        invariants::check_stream_invariants(&rules, d)
    });
}

#[test]
fn rules_load_regressions() {
    replay("rules_load", invariants::rules_load_invariants);
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
