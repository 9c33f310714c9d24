//! Draft linting over arbitrary text (front matter, Markdown, suppressions): never panics.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use scopelint::lint::Linter;
use scopelint::rules::ScopeRules;

static LINTER: OnceLock<Linter<'static>> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let linter = LINTER.get_or_init(|| {
        let rules: &'static ScopeRules = Box::leak(Box::new(
            ScopeRules::embedded(scopelint::psl::SuffixList::embedded()).expect("embedded"),
        ));
        Linter::new(rules).expect("embedded lint rules compile")
    });
    let report = linter.lint_text("draft.md", text);
    let lines = text.lines().count().max(1) as u32 + 1;
    for d in &report.diagnostics {
        assert!(
            d.line <= lines,
            "diagnostic at line {} of a {lines}-line draft",
            d.line
        );
    }
});
