//! Detection patterns of a rules file (excluded classes, rules of engagement, standards,
//! report sections): case-insensitive regexes over a draft's bytes. Compiled here, so the
//! loader refuses exactly what `lint` would fail to compile (over the size limit included).

use regex::bytes::{Regex, RegexBuilder};

use super::model::Spanned;
use super::RulesError;

/// Compile a rules-file pattern: case-insensitive, ASCII classes (so the fast DFA handles any
/// draft, whatever its characters), falling back to Unicode classes if the pattern needs them.
/// `rules validate` compiles with this too, so it refuses exactly what `lint` cannot compile
/// (syntax errors and patterns over the regex size limit).
pub fn compile(origin: &str, what: &str, p: &Spanned<String>) -> Result<Regex, RulesError> {
    let build = |unicode: bool| {
        RegexBuilder::new(&p.value)
            .case_insensitive(true)
            .unicode(unicode)
            .build()
    };
    build(false)
        .or_else(|_| build(true))
        .map_err(|e| error(origin, what, p, &e))
}

/// Compile a `secret_patterns` regex as `lint` runs it over a draft's text: as written (case
/// and classes as the pattern says). The loader and `rules validate` compile with this too.
pub fn compile_text(
    origin: &str,
    what: &str,
    p: &Spanned<String>,
) -> Result<regex::Regex, RulesError> {
    regex::Regex::new(&p.value).map_err(|e| error(origin, what, p, &e))
}

fn error(origin: &str, what: &str, p: &Spanned<String>, e: &regex::Error) -> RulesError {
    RulesError {
        file: origin.to_string(),
        line: (p.referenced.line() as u32).max(1),
        column: (p.referenced.column() as u32).max(1),
        message: format!(
            "invalid regex in {what}: {}",
            e.to_string().lines().last().unwrap_or("").trim()
        ),
    }
}
