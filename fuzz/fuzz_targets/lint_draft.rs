//! Draft linting over arbitrary text (front matter, Markdown, suppressions): never panics.
#![no_main]

#[path = "../invariants.rs"]
mod invariants;

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use scopelint::lint::Linter;

static LINTER: OnceLock<Linter<'static>> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let linter = LINTER.get_or_init(|| {
        let rules = Box::leak(Box::new(invariants::embedded_rules()));
        Linter::new(rules).expect("embedded lint rules compile")
    });
    invariants::lint_draft_invariants(linter, data);
});
