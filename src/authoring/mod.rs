//! Tools for the program managers who write rules files: `rules validate` (problems with line
//! and column), `rules test` (the examples a file carries), `rules show` (what a program
//! covers) and `rules diff` (what changed between two revisions). They sit above the matcher
//! because they classify targets to find shadowed assets, run examples and compare verdicts.

pub mod diff;
pub mod examples;
pub mod show;
pub mod validate;
