//! The streaming `check` loop over arbitrary bytes (not UTF-8, NUL, CR, huge lines): never
//! panics, and every non-blank, non-comment line gets exactly one verdict.
#![no_main]

#[path = "../invariants.rs"]
mod invariants;

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use scopelint::rules::ScopeRules;

static RULES: OnceLock<ScopeRules> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let rules = RULES.get_or_init(invariants::embedded_rules);
    invariants::check_stream_invariants(rules, data);
});
