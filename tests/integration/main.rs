//! The integration tests, one binary (as ripgrep's `tests/` is): each module tests one command
//! or promise through the real `scopelint` binary or the library; `common` holds what they share.

mod common;

mod award_tables;
mod bad_input;
mod check_cli;
mod config_cli;
mod differential;
mod docs_examples;
mod exclusions_kept;
mod fuzz_regressions;
mod import_export;
mod independent_expectations;
mod intercept;
mod isolation;
mod lint;
mod lint_audit;
mod lint_corpus;
mod mcp;
mod probe;
mod props;
mod proxy;
mod recon_input;
mod rules_cli;
mod rules_examples;
mod run_cli;
mod safety_promises;
mod scope_feed;
