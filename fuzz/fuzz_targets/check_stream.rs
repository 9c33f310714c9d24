//! The streaming `check` loop over arbitrary bytes (not UTF-8, NUL, CR, huge lines): never
//! panics, and every non-blank, non-comment line gets exactly one verdict.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use scopelint::check::{check_stream, CheckOptions};
use scopelint::matcher::Lookup;
use scopelint::output::JsonlReporter;
use scopelint::rules::ScopeRules;

static RULES: OnceLock<ScopeRules> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let rules = RULES.get_or_init(|| {
        ScopeRules::embedded(scopelint::psl::SuffixList::embedded()).expect("embedded program")
    });
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
});
