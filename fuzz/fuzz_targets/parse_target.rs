//! Target parsing and classification: never panics, normalization is idempotent, and an
//! in-scope verdict always names an asset whose host pattern covers the normalized host.
#![no_main]

#[path = "../invariants.rs"]
mod invariants;

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use scopelint::rules::ScopeRules;

static RULES: OnceLock<ScopeRules> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let rules = RULES.get_or_init(invariants::embedded_and_example_rules);
    invariants::parse_target_invariants(rules, data);
});
