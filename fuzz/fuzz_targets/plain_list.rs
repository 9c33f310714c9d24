//! Plain scope-list loading (`*.example.com`, `!exclusions`, CIDRs, `#` comments) over arbitrary
//! text: never panics; a list that loads can classify targets.
#![no_main]

#[path = "../invariants.rs"]
mod invariants;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| invariants::plain_list_invariants(data));
