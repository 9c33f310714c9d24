//! `check --field`: JSON Lines in, as recon tools write them (subfinder `-oJ`, httpx `-json`,
//! nuclei `-jsonl`, certificate transparency streams). Each record's values at the named field
//! paths are classified, and the record gets one verdict.
//!
//! Fail closed: a record is in scope only when every value is in scope; it is invalid when it
//! is not a JSON object, when a field is missing, null or not text, when an array field is
//! empty, or when any value is invalid; otherwise it is out of scope. No line is dropped: each
//! non-blank line gets a verdict, with its line number.

use std::fmt;
use std::io::{self, BufRead};

use serde_json::Value;

use crate::check::{CheckOptions, CheckSummary};
use crate::matcher::{Lookup, VerdictKind};
use crate::output::{RecordReporter, RecordVerdict};
use crate::rules::ScopeRules;

/// A field path: dotted keys, `[]` after a key for each element of an array
/// (`data.leaf_cert.all_domains[]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPath {
    text: String,
    steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Each,
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FieldPath {
    /// Parse `host`, `url`, `a.b`, `a.b[]`, `a[].b`.
    pub fn parse(text: &str) -> Result<FieldPath, String> {
        let mut steps = Vec::new();
        for part in text.split('.') {
            let mut key = part;
            let mut each = 0;
            while let Some(k) = key.strip_suffix("[]") {
                key = k;
                each += 1;
            }
            if key.is_empty() || key.contains(['[', ']']) {
                return Err(format!(
                    "`{text}` is not a field path: write keys separated by `.`, with `[]` after a key that holds an array (e.g. `data.leaf_cert.all_domains[]`)"
                ));
            }
            steps.push(Step::Key(key.to_string()));
            steps.extend(std::iter::repeat_n(Step::Each, each));
        }
        Ok(FieldPath {
            text: text.to_string(),
            steps,
        })
    }

    /// The text values at this path, in order; an error names what is missing or not text.
    fn values<'v>(&self, record: &'v Value, out: &mut Vec<&'v str>) -> Result<(), String> {
        let before = out.len();
        self.walk(record, &self.steps, out)?;
        if out.len() == before {
            return Err(format!("field `{self}` holds an empty array"));
        }
        Ok(())
    }

    fn walk<'v>(&self, v: &'v Value, steps: &[Step], out: &mut Vec<&'v str>) -> Result<(), String> {
        match steps.split_first() {
            None => match v {
                Value::String(s) => {
                    out.push(s);
                    Ok(())
                }
                other => Err(format!("field `{self}` is {}, not text", json_kind(other))),
            },
            Some((Step::Key(k), rest)) => match v.get(k.as_str()) {
                Some(Value::Null) | None => Err(format!("field `{self}` is missing")),
                Some(inner) => self.walk(inner, rest, out),
            },
            Some((Step::Each, rest)) => match v {
                Value::Array(items) => items.iter().try_for_each(|i| self.walk(i, rest, out)),
                other => Err(format!(
                    "field `{self}` is {}, not an array",
                    json_kind(other)
                )),
            },
        }
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Classify one record (one input line, without its line ending).
pub fn check_record<'r>(
    rules: &'r ScopeRules,
    raw: &[u8],
    line: u64,
    fields: &[FieldPath],
    opts: CheckOptions,
    kind_only: bool,
) -> RecordVerdict<'r> {
    let invalid = |error: String| RecordVerdict {
        line,
        kind: VerdictKind::Invalid,
        error: Some(error),
        values: Vec::new(),
    };
    let record: Value = match serde_json::from_slice(raw) {
        Ok(v @ Value::Object(_)) => v,
        Ok(other) => return invalid(format!("{} is not a JSON object", json_kind(&other))),
        Err(e) => return invalid(format!("not JSON: {e}")),
    };
    let mut texts: Vec<&str> = Vec::new();
    for f in fields {
        if let Err(e) = f.values(&record, &mut texts) {
            return invalid(e);
        }
    }
    let mut kinds = Vec::with_capacity(texts.len());
    let mut values = Vec::new();
    for text in texts {
        let input = text.trim();
        let quick = (kind_only && !opts.explain && opts.lookup == Lookup::Indexed)
            .then(|| rules.quick_kind(input))
            .flatten();
        if let Some(k) = quick {
            kinds.push(k);
            continue;
        }
        match rules.classify_with(input, opts.explain, opts.lookup) {
            Some(v) => {
                kinds.push(v.kind);
                if !kind_only {
                    values.push((input.to_string(), v));
                }
            }
            None => kinds.push(VerdictKind::OutOfScope), // no program: nothing is in scope
        }
    }
    let kind = if kinds.contains(&VerdictKind::Invalid) {
        VerdictKind::Invalid
    } else if kinds.iter().all(|&k| k == VerdictKind::InScope) {
        VerdictKind::InScope
    } else {
        VerdictKind::OutOfScope
    };
    RecordVerdict {
        line,
        kind,
        error: None,
        values,
    }
}

/// Stream JSON Lines records from `input`; blank lines are skipped, every other line gets a
/// verdict. Counts are of records.
pub fn check_records(
    rules: &ScopeRules,
    mut input: impl BufRead,
    fields: &[FieldPath],
    reporter: &mut dyn RecordReporter,
    opts: CheckOptions,
) -> io::Result<CheckSummary> {
    let mut summary = CheckSummary::default();
    let kind_only = reporter.kind_is_enough();
    let mut buf = Vec::with_capacity(4096);
    let mut line = 0u64;
    loop {
        buf.clear();
        if input.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        line += 1;
        let mut raw = buf.strip_suffix(b"\n").unwrap_or(&buf);
        raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.trim_ascii().is_empty() {
            continue;
        }
        let r = check_record(rules, raw, line, fields, opts, kind_only);
        summary.count(r.kind);
        reporter.record(raw, &r)?;
        if buf.capacity() > 1 << 20 {
            buf = Vec::with_capacity(4096);
        }
    }
    reporter.finish()?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn values(path: &str, v: Value) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        FieldPath::parse(path)?.values(&v, &mut out)?;
        Ok(out.into_iter().map(str::to_string).collect())
    }

    #[test]
    fn paths_reach_keys_and_array_elements() {
        let cert = json!({"data": {"leaf_cert": {"all_domains": ["a.example", "b.example"]}}});
        assert_eq!(
            values("data.leaf_cert.all_domains[]", cert.clone()).unwrap(),
            ["a.example", "b.example"]
        );
        assert_eq!(values("host", json!({"host": "x"})).unwrap(), ["x"]);
        assert_eq!(
            values("a[].b", json!({"a": [{"b": "1"}, {"b": "2"}]})).unwrap(),
            ["1", "2"]
        );
        let e = values("data.leaf_cert.all_domains", cert).unwrap_err();
        assert!(e.contains("an array, not text"), "{e}");
        assert!(values("host", json!({})).unwrap_err().contains("missing"));
        assert!(values("host", json!({"host": null}))
            .unwrap_err()
            .contains("missing"));
        assert!(values("host", json!({"host": 3}))
            .unwrap_err()
            .contains("number"));
        assert!(values("a[]", json!({"a": []}))
            .unwrap_err()
            .contains("empty"));
        for bad in ["", "a..b", ".a", "a[", "a[0]", "[]"] {
            assert!(FieldPath::parse(bad).is_err(), "{bad}");
        }
    }
}
