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
    let lines = line_breaks(text) + 2;
    for d in &report.diagnostics {
        assert!(
            d.line <= lines,
            "diagnostic at line {} of a {lines}-line draft",
            d.line
        );
    }
});

/// Line breaks as YAML counts them (`\n`, `\r\n` and a lone `\r`): the front matter parser
/// reports lines that way (found by fuzzing: a draft of lone `\r`s got diagnostics past its last
/// `\n` line, fixtures/fuzz-regressions/lint_draft/lone-cr-in-front-matter).
fn line_breaks(text: &str) -> u32 {
    let b = text.as_bytes();
    (0..b.len())
        .filter(|&i| b[i] == b'\n' || (b[i] == b'\r' && b.get(i + 1) != Some(&b'\n')))
        .count() as u32
}
