//! Enums that the command line and the configuration file name by a word (`--format jsonl`,
//! `lint.format: sarif`). The library stays free of the argument parser: the binary builds its
//! parsers from these names.

/// A closed set of values, each with one lower-case name.
pub trait Named: Sized + Copy + PartialEq + 'static {
    /// Every value, in the order help texts list them.
    const ALL: &'static [Self];

    /// The value's name.
    fn name(self) -> &'static str;

    /// The value named `s` (exact, lower-case), if any.
    fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.name() == s)
    }

    /// Every name, in order.
    fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|v| v.name()).collect()
    }
}

/// Implements [`Named`] for a fieldless enum: `named!(Format { Text => "text", Json => "json" })`.
#[macro_export]
macro_rules! named {
    ($ty:ty { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $crate::named::Named for $ty {
            const ALL: &'static [Self] = &[$(<$ty>::$variant),+];
            fn name(self) -> &'static str {
                match self {
                    $(<$ty>::$variant => $name),+
                }
            }
        }
    };
}
