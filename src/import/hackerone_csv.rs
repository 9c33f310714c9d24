//! The CSV a HackerOne program's scope page downloads (and its bulk upload reads): columns
//! `identifier,asset_type,instruction,eligible_for_bounty,eligible_for_submission,
//! availability_requirement,confidentiality_requirement,integrity_requirement,max_severity,
//! system_tags`. Rows not eligible for submission are out of scope (exclusions).

use serde_json::{Map, Value};

use super::platforms::{target_of, TargetText};
use super::{ImportFormat, Imported, RawEntry};
use crate::psl::SuffixList;

/// Import a HackerOne scope CSV as one program: `program` names it (default: the file's name).
pub fn import_csv(
    text: &str,
    origin: &str,
    program: &str,
    command: String,
    psl: &SuffixList,
) -> Result<Imported, String> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| format!("{origin}:1: not a CSV file: {e}"))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let missing: Vec<&str> = ["identifier", "asset_type"]
        .into_iter()
        .filter(|c| !headers.iter().any(|h| h == c))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "{origin}:1: not a HackerOne scope CSV: no column {} (the header has: {})",
            missing
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", "),
            headers.join(",")
        ));
    }
    let mut imp = Imported::new(program, program, None, command);
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            format!("{origin}:{line}: {e}")
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let mut row = Map::new();
        for (h, v) in headers.iter().zip(record.iter()) {
            let key = if h == "identifier" {
                "asset_identifier"
            } else {
                h.as_str()
            };
            let value = match h.as_str() {
                "eligible_for_bounty" | "eligible_for_submission" => {
                    match v.trim().to_ascii_lowercase().as_str() {
                        "true" | "yes" => Value::Bool(true),
                        "false" | "no" => Value::Bool(false),
                        "" => continue,
                        other => {
                            return Err(format!(
                                "{origin}:{line}: `{h}` is `{other}`, not true, false, yes or no"
                            ))
                        }
                    }
                }
                _ => Value::String(v.to_string()),
            };
            row.insert(key.to_string(), value);
        }
        let t = Value::Object(row);
        let TargetText {
            text,
            kind,
            note,
            remarks,
        } = target_of(ImportFormat::Hackerone, &t);
        let excluded = t.get("eligible_for_submission") == Some(&Value::Bool(false));
        imp.add(
            RawEntry {
                origin: format!("{origin}:{line}"),
                text,
                excluded,
                kind,
                note: if excluded { remarks } else { note },
            },
            psl,
        );
    }
    Ok(imp)
}
