//! Plain scope-list loading (`*.example.com`, `!exclusions`, CIDRs, `#` comments) over arbitrary
//! text: never panics; a list that loads can classify targets.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scopelint::rules::plain::load_plain_str;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(program) = load_plain_str(text, "fuzz.txt", scopelint::psl::SuffixList::embedded()) {
        for t in [
            "https://www.example.com/",
            "a.b-prod.example.com:8443",
            "192.0.2.1",
        ] {
            let _ = program.classify(t, true);
        }
    }
});
