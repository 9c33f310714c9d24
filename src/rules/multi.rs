//! Several programs at once: rules directories, every program that has a target in scope, and
//! which of them pays the most ("you will receive the single highest payout award from a
//! single bounty program").

use std::path::{Path, PathBuf};

use super::plain::PLAIN_EXTENSIONS;
use super::{Program, RulesError, ScopeRules};
use crate::matcher::{Verdict, VerdictKind};

/// Expand directories into the rules files they hold: every `*.yaml` / `*.yml` and plain list
/// (`.txt`, `.scope`, `.inscope`, ...; a `.noscope` file is read with its `.inscope` pair, not
/// on its own), sorted by name. Files are kept as given. An empty directory is an error.
pub fn expand_rules_paths(paths: &[impl AsRef<Path>]) -> Result<Vec<PathBuf>, RulesError> {
    let mut out = Vec::new();
    for p in paths {
        let p = p.as_ref();
        if !p.is_dir() {
            out.push(p.to_path_buf());
            continue;
        }
        let err = |message: String| RulesError {
            file: p.display().to_string(),
            line: 1,
            column: 1,
            message,
        };
        let mut found: Vec<PathBuf> = std::fs::read_dir(p)
            .map_err(|e| err(format!("cannot read directory: {e}")))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|f| f.is_file())
            .filter(|f| {
                f.extension()
                    .and_then(|e| e.to_str())
                    .map(str::to_ascii_lowercase)
                    .is_some_and(|e| {
                        e == "yaml"
                            || e == "yml"
                            || (e != "noscope" && PLAIN_EXTENSIONS.contains(&e.as_str()))
                    })
            })
            .collect();
        if found.is_empty() {
            return Err(err(
                "the directory holds no rules files (*.yaml, *.yml or plain lists)".into(),
            ));
        }
        found.sort();
        out.extend(found);
    }
    Ok(out)
}

/// The highest single award a program's award table pays (any impact, severity, quality).
pub fn max_award(program: &Program, table: Option<&str>) -> Option<u64> {
    let awards = &program.file.awards.as_ref()?.value;
    awards
        .tables
        .iter()
        .filter(|t| table.is_none_or(|id| t.value.id == id))
        .flat_map(|t| t.value.impacts.iter())
        .flat_map(|i| i.value.awards.values())
        .flat_map(|row| row.values())
        .copied()
        .max()
}

/// One program's in-scope answer and the most it can pay for it.
#[derive(Debug)]
pub struct Eligible<'p> {
    pub verdict: Verdict<'p>,
    /// The highest award of the deciding asset's table (or of any table when the asset names
    /// none); `None` when the program publishes no award table.
    pub max_award: Option<u64>,
}

impl ScopeRules {
    /// Every program that has `input` in scope, in load order.
    pub fn in_scope_everywhere(&self, input: &str) -> Vec<Verdict<'_>> {
        self.programs
            .iter()
            .map(|p| p.classify(input, false))
            .filter(|v| v.kind == VerdictKind::InScope)
            .collect()
    }

    /// Ids of the programs other than `decided` that also have `input` in scope.
    pub fn also_in_scope(&self, input: &str, decided: &str) -> Vec<&str> {
        self.in_scope_everywhere(input)
            .iter()
            .map(|v| v.program.id())
            .filter(|id| *id != decided)
            .collect()
    }

    /// The programs that have `input` in scope, highest possible award first (programs without
    /// award tables last, then load order). The first is the one a finding should go to: a
    /// finding is paid once, by a single program.
    pub fn best_paying(&self, input: &str) -> Vec<Eligible<'_>> {
        let mut out: Vec<Eligible<'_>> = self
            .in_scope_everywhere(input)
            .into_iter()
            .map(|verdict| {
                let max_award = max_award(verdict.program, verdict.award_table());
                Eligible { verdict, max_award }
            })
            .collect();
        // Stable: equal awards keep load order.
        out.sort_by_key(|e| std::cmp::Reverse(e.max_award));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::psl::SuffixList;

    #[test]
    fn best_paying_orders_by_award_and_directories_expand() {
        let psl = SuffixList::embedded();
        let cheap =
            super::super::plain::load_plain_str("*.live.com\n", "cheap.txt", psl.clone()).unwrap();
        let rules = ScopeRules {
            programs: vec![
                cheap,
                super::super::load_program_str(super::super::EMBEDDED_RULES, "default.yaml", psl)
                    .unwrap(),
            ],
        };
        let best = rules.best_paying("login.live.com");
        assert_eq!(best.len(), 2);
        assert_eq!(best[0].verdict.program.id(), "microsoft-identity");
        assert!(best[0].max_award.is_some_and(|a| a > 0));
        assert_eq!(best[1].max_award, None);
        assert_eq!(
            rules.also_in_scope("login.live.com", "cheap"),
            vec!["microsoft-identity"]
        );
        assert!(rules.best_paying("example.org").is_empty());
    }
}
