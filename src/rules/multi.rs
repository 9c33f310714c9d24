//! Several programs at once: rules directories, every program that has a target in scope, and
//! which of them pays the most ("you will receive the single highest payout award from a
//! single bounty program").

use std::path::{Path, PathBuf};

use super::plain::{has_extension, same_stem, PLAIN_EXTENSIONS};
use super::{Program, RulesError};

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
        let found = rules_files_in(p)?;
        if found.is_empty() {
            return Err(RulesError {
                file: p.display().to_string(),
                line: 1,
                column: 1,
                message: "the directory holds no rules files (*.yaml, *.yml or plain lists)".into(),
            });
        }
        out.extend(found);
    }
    Ok(out)
}

/// The rules files directly in `dir` (as [`expand_rules_paths`] finds them), sorted by name;
/// empty when it holds none.
pub fn rules_files_in(dir: &Path) -> Result<Vec<PathBuf>, RulesError> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| RulesError {
            file: dir.display().to_string(),
            line: 1,
            column: 1,
            message: format!("cannot read directory: {e}"),
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|f| f.is_file())
        .filter(|f| {
            f.extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase)
                .is_some_and(|e| {
                    e == "yaml" || e == "yml" || PLAIN_EXTENSIONS.contains(&e.as_str())
                })
        })
        .collect();
    found.sort();
    // A `.noscope` file is read with the `.inscope` list of its name. One without such a list
    // would be read by nothing: its exclusions lost without a word, so it is refused.
    // (Partitioned in order: both stay sorted.)
    let (noscope, lists): (Vec<PathBuf>, Vec<PathBuf>) =
        found.into_iter().partition(|f| has_extension(f, "noscope"));
    if let Some(lone) = noscope.iter().find(|n| {
        !lists
            .iter()
            .any(|l| has_extension(l, "inscope") && same_stem(l, n))
    }) {
        return Err(RulesError {
            file: lone.display().to_string(),
            line: 1,
            column: 1,
            message: "a .noscope file is read with the .inscope list of the same name, and there is none: its exclusions would apply to nothing (rename it, or add its .inscope list)".into(),
        });
    }
    Ok(lists)
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
