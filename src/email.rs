//! E-mail addresses as a report draft writes them: how `lint` finds test accounts in prose, and
//! how the rules loader checks that a `test_naming.not_accounts` entry is an address `lint` can
//! find (one regex for both, so the two can never disagree).

use std::sync::LazyLock;

use regex::Regex;

/// An address: a local part, `@`, and a domain with a letters-only top-level label.
pub static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b[a-z0-9][a-z0-9._%+-]*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}\b",
    )
    .expect("the address pattern is valid")
});

/// Whether `s` is, as a whole, an address the test-naming check finds in a draft.
pub fn is_email_address(s: &str) -> bool {
    EMAIL.find(s).is_some_and(|m| m.range() == (0..s.len()))
}
