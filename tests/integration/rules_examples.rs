//! `cargo test` runs `rules test` on every file in `scope-rules/` (and on the second,
//! fictional program in `fixtures/programs/`): every example passes and every asset and
//! exclusion has one.

use std::sync::Arc;

use scopelint::authoring::{examples, validate};
use scopelint::psl::SuffixList;
use scopelint::rules::load_program_file;

#[test]
fn every_scope_rules_file_passes_its_examples_with_full_coverage() {
    let psl: Arc<SuffixList> = SuffixList::embedded();
    let mut files: Vec<_> = ["scope-rules", "fixtures/programs"]
        .iter()
        .flat_map(|d| std::fs::read_dir(d).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no rules files in scope-rules/");
    for f in &files {
        let errors: Vec<_> = validate::validate_file(f, psl.clone())
            .problems
            .into_iter()
            .filter(|p| p.severity == validate::Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", f.display());
        let program = load_program_file(f, psl.clone()).unwrap_or_else(|e| panic!("{e}"));
        let report = examples::run_examples(&program);
        assert!(!report.outcomes.is_empty(), "{}: no examples", f.display());
        assert_eq!(
            report.failed(),
            0,
            "{}",
            examples::render_text(&report, false)
        );
        assert!(
            report.uncovered.is_empty(),
            "{}",
            examples::render_text(&report, false)
        );
    }
}

#[test]
fn a_wrong_example_fails() {
    // The runner must be able to fail: flip one expectation of the default program.
    let text = scopelint::rules::EMBEDDED_RULES.to_string()
        + "  - {target: login.live.com, verdict: out-of-scope, rule: no-asset}\n";
    let program =
        scopelint::rules::load_program_str(&text, "flipped.yaml", SuffixList::embedded()).unwrap();
    let report = examples::run_examples(&program);
    assert_eq!(report.failed(), 1);
    let failed = report.outcomes.iter().find(|o| !o.passed).unwrap();
    assert_eq!(failed.target, "login.live.com");
    assert_eq!(
        failed.failures,
        vec![
            "expected verdict `out-of-scope`, got `in-scope`".to_string(),
            "expected rule `no-asset`, got `login-live-com`".to_string()
        ]
    );
}
