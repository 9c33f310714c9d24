//! scopelint: keep bug-bounty research inside the program's rules.
//!
//! The engine knows nothing about any particular program: every program-specific fact lives in
//! a rules file (`scope-rules/*.yaml`), loaded by [`rules`] into a [`rules::Program`]. Targets
//! are parsed by [`target`], classified by [`matcher`] and rendered by [`output`].

pub mod authoring;
pub mod check;
pub mod diagnostic;
pub mod email;
pub mod export;
#[doc(hidden)]
pub mod gen;
pub mod import;
pub mod lint;
pub mod matcher;
pub mod named;
pub mod output;
pub mod probe;
pub mod psl;
mod psl_ascii;
pub mod records;
pub mod rules;
mod suffix_hash;
pub mod target;
pub mod text;

pub use matcher::{Verdict, VerdictKind};
pub use rules::{Program, RulesError, ScopeRules};
pub use target::{parse_target, Target, TargetParseError};
