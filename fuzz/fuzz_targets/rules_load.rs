//! Rules-file loading over arbitrary text: never panics; a program that loads can classify
//! targets and compile its lint patterns.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scopelint::rules::{load_program_str, ScopeRules};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let psl = scopelint::psl::SuffixList::embedded();
    if let Ok(program) = load_program_str(text, "fuzz.yaml", psl) {
        for t in [
            "https://www.example.com/",
            "a.b.example.com:8443/v2/users/1/settings",
            "192.0.2.1",
            "android:com.example.app",
        ] {
            let _ = program.classify(t, true);
        }
        let rules = ScopeRules {
            programs: vec![program],
        };
        if let Ok(linter) = scopelint::lint::Linter::new(&rules) {
            let _ = linter.lint_text("d.md", "---\ntarget: https://www.example.com/\n---\n# T\n");
        }
    }
});
