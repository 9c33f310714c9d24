//! Rules-file loading over arbitrary text: never panics; a program that loads can classify
//! targets and compile its lint patterns.
#![no_main]

#[path = "../invariants.rs"]
mod invariants;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    invariants::rules_load_invariants(data);
});
