//! The words of a verdict: the three answers, and the ids of the engine's own rules. They live
//! with the rules because a rules file's `examples` name them; the matcher gives them out.

use std::fmt;

/// Rule id reported when nothing in the program covers a target.
pub const RULE_NO_ASSET: &str = "no-asset";
/// Rule id reported when an asset covers the host but not the port or scheme.
pub const RULE_PORT: &str = "port-not-in-scope";
/// Rule id reported for input that is not a target.
pub const RULE_INVALID: &str = "invalid-target";
/// Rule id reported when a path on a path-restricted host has an encoded separator or invalid
/// escape, so servers may read it as another path (an excluded one, or one no asset lists).
pub const RULE_AMBIGUOUS_PATH: &str = "ambiguous-path";
/// Rule id reported for an app of which only some features are in scope, when the target does
/// not name one of them (`android:<package>#<feature>`).
pub const RULE_APP_FEATURE: &str = "app-feature-required";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VerdictKind {
    InScope,
    OutOfScope,
    Invalid,
}

/// The names live in one place, the [`Named`](crate::named::Named) table below.
impl VerdictKind {
    pub fn as_str(self) -> &'static str {
        crate::named::Named::name(self)
    }
    pub fn parse(s: &str) -> Option<VerdictKind> {
        <VerdictKind as crate::named::Named>::parse(s)
    }
}

crate::named!(VerdictKind { InScope => "in-scope", OutOfScope => "out-of-scope", Invalid => "invalid" });

impl fmt::Display for VerdictKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
