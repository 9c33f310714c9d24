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

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::check::{CheckOptions, CheckSummary};
use crate::matcher::VerdictKind;
use crate::output::{RecordReporter, RecordVerdict};
use crate::rules::ScopeRules;
use crate::text::strip_line_end;

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

    /// The text values at this path in one JSON record, in order, read while the record is
    /// parsed (nothing else of it is kept). `Err` when the line is not JSON; `Ok(Err)` names
    /// what is missing, repeated or not text.
    fn values(
        &self,
        raw: &[u8],
        out: &mut Vec<String>,
    ) -> Result<Result<(), String>, serde_json::Error> {
        let before = out.len();
        let mut problem = None;
        let mut de = serde_json::Deserializer::from_slice(raw);
        Walk {
            steps: &self.steps,
            out,
            problem: &mut problem,
        }
        .deserialize(&mut de)?;
        de.end()?;
        let problem = problem.map(|p| match p {
            Problem::Missing => format!("field `{self}` is missing"),
            Problem::Twice => format!(
                "field `{self}` appears twice in one object (readers disagree on which one counts)"
            ),
            Problem::CaseTwin => format!(
                "field `{self}` appears in one object under another key that differs only in case (Go's encoding/json, behind subfinder, httpx and nuclei, reads either as the field, the last one counting)"
            ),
            Problem::NotText(kind) => format!("field `{self}` is {kind}, not text"),
            Problem::NotArray(kind) => format!("field `{self}` is {kind}, not an array"),
        });
        Ok(match problem {
            Some(p) => Err(p),
            None if out.len() == before => Err(format!("field `{self}` holds an empty array")),
            None => Ok(()),
        })
    }
}

/// What is wrong with a field of a record (the first thing found).
#[derive(Debug, Clone, Copy)]
enum Problem {
    Missing,
    Twice,
    /// The key, and another that equals it ignoring case (`host`, `HOST`).
    CaseTwin,
    NotText(&'static str),
    NotArray(&'static str),
}

/// Follows a field path through a record as serde_json parses it: the text at the end of the
/// path is kept, every other value is skipped without being built.
struct Walk<'a> {
    steps: &'a [Step],
    out: &'a mut Vec<String>,
    problem: &'a mut Option<Problem>,
}

impl Walk<'_> {
    fn fail(&mut self, p: Problem) {
        self.problem.get_or_insert(p);
    }

    /// A value that is not what the next step needs: why, by what it is.
    fn wrong(mut self, kind: &'static str) {
        let p = match self.steps.first() {
            None => Problem::NotText(kind),
            Some(Step::Key(_)) => Problem::Missing,
            Some(Step::Each) => Problem::NotArray(kind),
        };
        self.fail(p);
    }
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        match self.steps.first() {
            None => self.out.push(v.to_string()),
            Some(_) => self.wrong("text"),
        }
        Ok(())
    }

    fn visit_unit<E: de::Error>(mut self) -> Result<(), E> {
        self.fail(Problem::Missing); // null is no value
        Ok(())
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.wrong("a boolean");
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.wrong("a number");
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.wrong("a number");
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.wrong("a number");
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if let Some((Step::Each, rest)) = self.steps.split_first() {
            let rest: &[Step] = rest;
            loop {
                let element = Walk {
                    steps: rest,
                    out: &mut *self.out,
                    problem: &mut *self.problem,
                };
                if seq.next_element_seed(element)?.is_none() {
                    return Ok(());
                }
            }
        }
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        self.wrong("an array");
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        let Some((Step::Key(want), rest)) = self.steps.split_first() else {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            self.wrong("an object");
            return Ok(());
        };
        let rest: &[Step] = rest;
        let (mut found, mut case_twin) = (false, false);
        let ascii = want.is_ascii();
        while let Some(key) = map.next_key_seed(KeyIs { want, ascii })? {
            if key != KeyMatch::Exact {
                case_twin |= key == KeyMatch::OtherCase;
                map.next_value::<IgnoredAny>()?;
            } else if found {
                // `{"host": "in.example", "host": "evil.example"}`: fail closed.
                map.next_value::<IgnoredAny>()?;
                self.fail(Problem::Twice);
            } else {
                found = true;
                map.next_value_seed(Walk {
                    steps: rest,
                    out: &mut *self.out,
                    problem: &mut *self.problem,
                })?;
            }
        }
        if !found {
            self.fail(Problem::Missing);
        } else if case_twin {
            // `{"host": "in.example", "HOST": "evil.example"}`: Go's reader takes the last.
            self.fail(Problem::CaseTwin);
        }
        Ok(())
    }
}

/// How a key compares with the one wanted.
#[derive(Clone, Copy, PartialEq, Eq)]
enum KeyMatch {
    Exact,
    /// Equal when case is ignored as Go's encoding/json ignores it (simple case folding: `ſ` is
    /// `s`, the Kelvin sign `k`), which fills a field from such a key.
    OtherCase,
    No,
}

/// Compares a key with the one wanted without building it.
struct KeyIs<'a> {
    want: &'a str,
    /// Whether `want` is ASCII (asked once an object, not once a key).
    ascii: bool,
}

impl<'de> DeserializeSeed<'de> for KeyIs<'_> {
    type Value = KeyMatch;
    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<KeyMatch, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeyIs<'_> {
    type Value = KeyMatch;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }

    #[inline]
    fn visit_str<E: de::Error>(self, v: &str) -> Result<KeyMatch, E> {
        let want = self.want;
        Ok(if v == want {
            KeyMatch::Exact
        } else if !self.ascii {
            fold_match(v, want)
        } else if v.len() < want.len() || v.len() > 3 * want.len() {
            // What folds to an ASCII character is one to three bytes long: most keys are
            // told apart by their length alone.
            KeyMatch::No
        } else if v.eq_ignore_ascii_case(want) {
            KeyMatch::OtherCase
        } else if v.is_ascii() {
            KeyMatch::No
        } else {
            fold_match(v, want)
        })
    }
}

/// [`KeyMatch`] of two keys, one of them not ASCII (rare: kept out of the hot path).
#[cold]
fn fold_match(key: &str, want: &str) -> KeyMatch {
    if key.chars().map(fold).eq(want.chars().map(fold)) {
        KeyMatch::OtherCase
    } else {
        KeyMatch::No
    }
}

/// A character as Go's `strings.EqualFold` compares it: lower case, and the three characters
/// whose simple case folding is another letter's (`ſ`, the Kelvin sign, final sigma).
fn fold(c: char) -> char {
    match c {
        'ſ' => 's',
        '\u{212a}' => 'k',
        'ς' => 'σ',
        _ => {
            let mut lower = c.to_lowercase();
            match (lower.next(), lower.next()) {
                (Some(l), None) => l,
                _ => c,
            }
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
fn check_record<'r>(
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
    if raw.trim_ascii_start().first() != Some(&b'{') {
        // Not an object: say what it is (this line is read twice, but only when it is wrong).
        return invalid(match serde_json::from_slice::<Value>(raw) {
            Ok(other) => format!("{} is not a JSON object", json_kind(&other)),
            Err(e) => format!("not JSON: {e}"),
        });
    }
    let mut texts: Vec<String> = Vec::new();
    for f in fields {
        match f.values(raw, &mut texts) {
            Err(e) => return invalid(format!("not JSON: {e}")),
            Ok(Err(problem)) => return invalid(problem),
            Ok(Ok(())) => {}
        }
    }
    let mut kinds = Vec::with_capacity(texts.len());
    let mut values = Vec::new();
    for text in &texts {
        let input = text.trim();
        let quick = opts
            .takes_quick_path(kind_only)
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
        let raw = strip_line_end(&buf);
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
        let raw = serde_json::to_vec(&v).unwrap();
        FieldPath::parse(path)?
            .values(&raw, &mut out)
            .map_err(|e| e.to_string())??;
        Ok(out)
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
        // Deep and escaped values, other fields skipped unread; a key twice is refused.
        assert_eq!(
            values(
                "a.b",
                json!({"x": [1, {"y": null}], "a": {"c": 1, "b": "h\u{e9}.example"}})
            )
            .unwrap(),
            ["h\u{e9}.example"]
        );
        let mut out = Vec::new();
        for twin in [
            r#"{"host":"in.example","HOST":"evil.example"}"#,
            r#"{"Host":"evil.example","host":"in.example"}"#,
            "{\"host\":\"in.example\",\"ho\u{17f}t\":\"evil.example\"}",
        ] {
            let e = FieldPath::parse("host")
                .unwrap()
                .values(twin.as_bytes(), &mut Vec::new())
                .unwrap();
            assert!(e.unwrap_err().contains("differs only in case"), "{twin}");
        }
        let e = FieldPath::parse("host")
            .unwrap()
            .values(br#"{"HOST":"in.example"}"#, &mut Vec::new())
            .unwrap();
        assert!(e.unwrap_err().contains("missing"));
        let twice = br#"{"host":"in.example","host":"evil.example"}"#;
        let e = FieldPath::parse("host")
            .unwrap()
            .values(twice, &mut out)
            .unwrap();
        assert!(e.unwrap_err().contains("twice"));
        let e = FieldPath::parse("host")
            .unwrap()
            .values(br#"{"host":"a""#, &mut out);
        assert!(e.is_err());
        let e = FieldPath::parse("a.b")
            .unwrap()
            .values(br#"{"a":[1]}"#, &mut out)
            .unwrap();
        assert!(e.unwrap_err().contains("missing"));
        for bad in ["", "a..b", ".a", "a[", "a[0]", "[]"] {
            assert!(FieldPath::parse(bad).is_err(), "{bad}");
        }
    }
}
