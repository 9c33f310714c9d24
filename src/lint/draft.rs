//! A draft as the checks see it: front matter, lines, headings, code blocks, and the text to
//! match patterns against (HTML comments blanked out, so suppression reasons never trigger a
//! check).

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use super::{rule, Diagnostic, Severity};

/// A front-matter value with the line it is written on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub value: String,
    pub line: u32,
}

/// The front matter keys `lint` understands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FrontMatter {
    pub present: bool,
    pub program: Option<Field>,
    pub title: Option<Field>,
    pub targets: Vec<Field>,
    pub impact: Option<Field>,
    pub severity: Option<Field>,
    pub quality: Option<Field>,
    pub standard: Option<Field>,
    pub accounts: Vec<Field>,
    pub tenants: Vec<Field>,
    /// Problems found while reading it.
    pub problems: Vec<FrontMatterProblem>,
}

/// Something wrong with the front matter, at a 1-based line and, when the YAML parser says,
/// a column (otherwise the first non-blank character of the line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrontMatterProblem {
    pub line: u32,
    pub column: Option<u32>,
    pub message: String,
}

impl FrontMatterProblem {
    fn at_line(line: u32, message: String) -> FrontMatterProblem {
        FrontMatterProblem {
            line,
            column: None,
            message,
        }
    }
}

pub const FRONT_MATTER_KEYS: &[&str] = &[
    "program", "title", "targets", "impact", "severity", "quality", "standard", "accounts",
    "tenants",
];

/// A Markdown heading (ATX, setext, or a line that is only bold text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    pub line: u32,
    pub text: String,
}

#[derive(Debug)]
pub struct Draft<'a> {
    pub text: &'a str,
    /// Byte offset of each line start, lines as YAML and CommonMark count them
    /// ([`crate::text`]), so front-matter errors (from the YAML parser) and body diagnostics
    /// count the same lines.
    line_starts: Vec<usize>,
    /// The last column computed by [`Draft::pos`]: (byte offset, column). Matches are asked
    /// for in order, so the next column on the same line is counted from there, not from the
    /// line start (which was quadratic on a long line full of matches).
    last_pos: std::cell::Cell<(usize, usize)>,
    pub front: FrontMatter,
    /// Byte offset where the body (after the front matter) starts.
    pub body_offset: usize,
    pub headings: Vec<Heading>,
    /// Lines outside code blocks that open with a label instead of a heading: `**Impact:** An
    /// attacker …`, `**Impact**: …`, `Impact: …`, or a line that is only `Steps to reproduce:`.
    /// Drafts written as plain text or from a form name their sections this way, so the
    /// section checks read these beside `headings`; the prose analysis does not (the line's
    /// text is body text, not a heading).
    pub labels: Vec<Heading>,
    /// Fenced code blocks as line ranges (inclusive start, exclusive end).
    pub code_blocks: Vec<Range<u32>>,
    /// `text` with HTML comments replaced by spaces (same byte offsets).
    pub scan: String,
    /// Lines that are ordered-list items outside code blocks.
    pub ordered_items: Vec<u32>,
}

static HTML_COMMENT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?s)<!--.*?-->").unwrap());
static ATX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t#]*$").unwrap());
static BOLD_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(?:\*\*|__)([^*_].*?)(?:\*\*|__)\s*:?\s*$").unwrap());
/// A bold label with a colon inside or just after the bold, and text after it on the line.
static BOLD_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^ {0,3}(?:\*\*|__)([^*_:\s][^*_:]{0,60}?)[ \t]*(?::[ \t]*(?:\*\*|__)|(?:\*\*|__)[ \t]*:)[ \t]*\S")
        .unwrap()
});
/// A plain label at the start of a line: one to five words of letters, then a colon and white
/// space or the end of the line (so `https://…` is no label).
static PLAIN_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^ {0,3}(\p{L}[\p{L}'’/&()-]*(?:[ \t]+[\p{L}'’/&()-]+){0,4})[ \t]*:(?:[ \t]|$)")
        .unwrap()
});
static ORDERED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s{0,3}\d{1,3}[.)]\s+\S").unwrap());

impl<'a> Draft<'a> {
    pub fn parse(text: &'a str) -> Draft<'a> {
        let line_starts = crate::text::line_starts(text.as_bytes(), crate::text::LineEnds::Any);
        let mut d = Draft {
            text,
            line_starts,
            last_pos: std::cell::Cell::new((0, 0)),
            front: FrontMatter::default(),
            body_offset: 0,
            headings: Vec::new(),
            labels: Vec::new(),
            code_blocks: Vec::new(),
            scan: String::new(),
            ordered_items: Vec::new(),
        };
        d.read_front_matter();
        d.scan_body();
        // Every byte of a comment but line endings becomes a space: whole UTF-8 sequences are
        // replaced by ASCII, so the result is UTF-8 with the same offsets. One pass in place.
        let mut scan = text.as_bytes().to_vec();
        for m in HTML_COMMENT.find_iter(text) {
            for b in &mut scan[m.range()] {
                if *b != b'\n' && *b != b'\r' {
                    *b = b' ';
                }
            }
        }
        d.scan = String::from_utf8(scan).expect("blanking comments keeps UTF-8");
        d
    }

    /// What names a section: the headings, then the labels (see [`Draft::labels`]).
    pub fn section_names(&self) -> impl Iterator<Item = &Heading> {
        self.headings.iter().chain(&self.labels)
    }

    pub fn line_count(&self) -> u32 {
        self.line_starts.len() as u32
    }

    /// The text of a 1-based line without its line ending.
    pub fn line_text(&self, line: u32) -> &'a str {
        let i = (line.max(1) - 1) as usize;
        let Some(&start) = self.line_starts.get(i) else {
            return "";
        };
        let end = self
            .line_starts
            .get(i + 1)
            .copied()
            .unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    /// 1-based line and column (in chars) of a byte offset.
    pub fn pos(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let i = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[i];
        let (last_offset, last_col) = self.last_pos.get();
        let (from, base) = if last_offset >= start && last_offset <= offset {
            (last_offset, last_col)
        } else {
            (start, 0)
        };
        let col = base
            + self
                .text
                .get(from..offset)
                .map_or(offset - from, |s| s.chars().count());
        self.last_pos.set((offset, col));
        (i as u32 + 1, col as u32 + 1)
    }

    /// First line of the body (after the front matter).
    pub fn body_line(&self) -> u32 {
        self.pos(self.body_offset).0.min(self.line_count())
    }

    pub fn in_code_block(&self, line: u32) -> bool {
        // Code blocks are in order and do not overlap: the one that could hold `line` is the
        // last starting at or before it.
        let i = self.code_blocks.partition_point(|r| r.start <= line);
        i > 0 && self.code_blocks[i - 1].contains(&line)
    }

    pub fn diag_at(
        &self,
        rule: &'static str,
        severity: Severity,
        offset: usize,
        message: String,
    ) -> Diagnostic {
        let (line, column) = self.pos(offset);
        Diagnostic::new(rule, severity, line, column, message)
    }

    pub fn diag_at_line(
        &self,
        rule: &'static str,
        severity: Severity,
        line: u32,
        message: String,
    ) -> Diagnostic {
        // Point at the first non-blank character of the line.
        let text = self.line_text(line);
        let column = text.chars().take_while(|c| c.is_whitespace()).count() as u32 + 1;
        Diagnostic::new(rule, severity, line, column, message)
    }

    /// The line as shown under a diagnostic: secrets redacted, long lines cut.
    pub fn snippet(&self, line: u32, secrets: &[super::secrets::Secret]) -> Option<String> {
        let i = (line.max(1) - 1) as usize;
        let start = *self.line_starts.get(i)?;
        let raw = self.line_text(line);
        let end = start + raw.len();
        const MAX: usize = 200;
        // Only the first MAX characters are shown: the work stops there, however long the line
        // and however many secrets it holds.
        let mut out = String::new();
        let mut wanted = MAX + 1;
        fn push(out: &mut String, wanted: &mut usize, piece: &str) {
            for c in piece.chars().take(*wanted) {
                out.push(c);
                *wanted -= 1;
            }
        }
        let mut pos = start;
        // `secrets` are in order and do not overlap: skip to the first that ends after the
        // line starts instead of scanning them all for every line.
        let first = secrets.partition_point(|s| s.range.end <= start);
        for s in secrets[first..].iter().take_while(|s| s.range.start < end) {
            if wanted == 0 {
                break;
            }
            let a = s.range.start.max(start);
            if a > pos {
                push(&mut out, &mut wanted, &self.text[pos..a]);
            }
            if a >= pos {
                push(&mut out, &mut wanted, &s.redacted());
            }
            pos = pos.max(s.range.end.min(end));
        }
        if pos < end {
            push(&mut out, &mut wanted, &self.text[pos..end]);
        }
        if wanted > 0 && out.trim().is_empty() {
            return None;
        }
        if wanted == 0 {
            let cut: String = out.chars().take(MAX).collect();
            return Some(format!("{cut}…"));
        }
        Some(out)
    }

    fn read_front_matter(&mut self) {
        let text = self.text;
        let bom = if text.starts_with('\u{feff}') {
            '\u{feff}'.len_utf8()
        } else {
            0
        };
        let first_line = self.line_text(1).get(bom..).unwrap_or("");
        if first_line.trim_end() != "---" {
            return;
        }
        // Find the closing delimiter.
        let mut close = None;
        for (i, &start) in self.line_starts.iter().enumerate().skip(1) {
            let line = self.line_text(i as u32 + 1);
            if line.trim_end() == "---" || line.trim_end() == "..." {
                close = Some((i, start));
                break;
            }
        }
        let Some((close_idx, close_start)) = close else {
            self.front.present = true;
            self.front.problems.push(FrontMatterProblem::at_line(
                1,
                "front matter starts with `---` but has no closing `---` line".into(),
            ));
            return;
        };
        self.front.present = true;
        let yaml_start = self.line_starts[1].max(bom);
        let yaml = &text[yaml_start..close_start];
        self.body_offset = self
            .line_starts
            .get(close_idx + 1)
            .copied()
            .unwrap_or(text.len());
        let fm_first_line = 2u32;
        if yaml.trim().is_empty() {
            return;
        }
        let value: Value = match serde_saphyr::from_str_with_options::<Value>(
            yaml,
            crate::rules::yaml_options(),
        ) {
            Ok(v) => v,
            Err(e) => {
                // The parser counts lines from the first line of the front matter.
                let (line, column) = e
                    .location()
                    .map_or((1, 1), |l| (l.line() as u32, l.column() as u32));
                self.front.problems.push(FrontMatterProblem {
                    line: fm_first_line + line.max(1) - 1,
                    column: Some(column.max(1)),
                    message: format!(
                        "front matter is not valid YAML: {}",
                        crate::rules::yaml_error_message(&e)
                    ),
                });
                return;
            }
        };
        let Value::Object(map) = value else {
            self.front.problems.push(FrontMatterProblem::at_line(
                fm_first_line,
                "front matter must be a mapping of `key: value`".into(),
            ));
            return;
        };
        // The front matter's lines, split exactly as `line_starts` splits the draft.
        let yaml_lines: Vec<&str> = (fm_first_line..=close_idx as u32)
            .map(|l| self.line_text(l))
            .collect();
        // The line of each key: the first line that starts with it followed by `:`. Built in
        // one pass (a lookup per key would rescan the front matter for every key); only the
        // first few colons of a line are tried, so a line of colons costs no more than its
        // length times a constant.
        let mut key_lines: std::collections::HashMap<&str, u32> = Default::default();
        for (i, l) in yaml_lines.iter().enumerate() {
            for (colon, _) in l.match_indices(':').take(8) {
                key_lines
                    .entry(l[..colon].trim_end())
                    .or_insert(fm_first_line + i as u32);
            }
        }
        let key_line = |key: &str| -> u32 { key_lines.get(key).copied().unwrap_or(fm_first_line) };
        // Where the search for the next list item resumes: (index into `yaml_lines`, byte
        // offset in that line). Items come in order, so each search starts where the previous
        // one stopped and every line is read about once, whether the items are one per line
        // or all on one line (`[a, b, c]`). An item not found verbatim (YAML escapes) is given
        // the line the search stopped at, after looking at most ITEM_WINDOW lines ahead.
        const ITEM_WINDOW: usize = 64;
        let item_line = |cursor: &mut (usize, usize), item: &str| -> u32 {
            let (line0, offset0) = *cursor;
            for (i, l) in yaml_lines.iter().enumerate().skip(line0).take(ITEM_WINDOW) {
                let from = if i == line0 { offset0.min(l.len()) } else { 0 };
                if let Some(pos) = l.get(from..).and_then(|rest| rest.find(item)) {
                    *cursor = (i, from + pos + item.len());
                    return fm_first_line + i as u32;
                }
            }
            fm_first_line + line0.min(yaml_lines.len().saturating_sub(1)) as u32
        };
        for (key, v) in &map {
            let canonical = match key.as_str() {
                "target" => "targets",
                "account" => "accounts",
                "tenant" => "tenants",
                k => k,
            };
            let at = key_line(key);
            if !FRONT_MATTER_KEYS.contains(&canonical) {
                self.front.problems.push(FrontMatterProblem::at_line(
                    at,
                    format!(
                        "unknown front matter key `{key}` (known: {})",
                        FRONT_MATTER_KEYS.join(", ")
                    ),
                ));
                continue;
            }
            let list = matches!(canonical, "targets" | "accounts" | "tenants");
            let items: Vec<String> = match v {
                Value::Null => Vec::new(),
                Value::String(s) => vec![s.clone()],
                Value::Number(n) => vec![n.to_string()],
                Value::Bool(b) => vec![b.to_string()],
                Value::Array(a) if list => {
                    let mut out = Vec::new();
                    for x in a {
                        match x {
                            Value::String(s) => out.push(s.clone()),
                            Value::Number(n) => out.push(n.to_string()),
                            _ => self.front.problems.push(FrontMatterProblem::at_line(
                                at,
                                format!("`{key}` items must be strings"),
                            )),
                        }
                    }
                    out
                }
                _ => {
                    self.front.problems.push(FrontMatterProblem::at_line(
                        at,
                        format!(
                            "`{key}` must be {}",
                            if list {
                                "a string or a list of strings"
                            } else {
                                "a string"
                            }
                        ),
                    ));
                    continue;
                }
            };
            let mut cursor = ((at - fm_first_line) as usize, 0);
            let fields: Vec<Field> = items
                .into_iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .map(|s| Field {
                    line: if list { item_line(&mut cursor, &s) } else { at },
                    value: s,
                })
                .collect();
            let fm = &mut self.front;
            match canonical {
                "targets" => fm.targets.extend(fields),
                "accounts" => fm.accounts.extend(fields),
                "tenants" => fm.tenants.extend(fields),
                k => {
                    let f = fields.into_iter().next();
                    match k {
                        "program" => fm.program = f,
                        "title" => fm.title = f,
                        "impact" => fm.impact = f,
                        "severity" => fm.severity = f,
                        "quality" => fm.quality = f,
                        _ => fm.standard = f,
                    }
                }
            }
        }
    }

    fn scan_body(&mut self) {
        let first = self.body_line();
        let mut fence: Option<(String, u32)> = None;
        let mut prev_para: Option<u32> = None;
        for line in first..=self.line_count() {
            let t = self.line_text(line);
            let trimmed = t.trim_start();
            if let Some((marker, start)) = &fence {
                if trimmed.starts_with(marker.as_str())
                    && trimmed
                        .trim_start_matches(marker.chars().next().unwrap())
                        .trim()
                        .is_empty()
                {
                    self.code_blocks.push(*start..line + 1);
                    fence = None;
                }
                continue;
            }
            if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
                let c = trimmed.chars().next().unwrap();
                let n = trimmed.chars().take_while(|&x| x == c).count();
                fence = Some((c.to_string().repeat(n), line));
                prev_para = None;
                continue;
            }
            if let Some(c) = ATX.captures(t) {
                let text = c.get(2).map_or("", |m| m.as_str()).trim().to_string();
                self.headings.push(Heading { line, text });
                prev_para = None;
                continue;
            }
            let st = t.trim();
            if !st.is_empty()
                && (st.chars().all(|c| c == '=') || (st.len() >= 2 && st.chars().all(|c| c == '-')))
            {
                if let Some(p) = prev_para {
                    self.headings.push(Heading {
                        line: p,
                        text: self.line_text(p).trim().to_string(),
                    });
                    prev_para = None;
                    continue;
                }
            }
            if let Some(c) = BOLD_LINE.captures(t) {
                self.headings.push(Heading {
                    line,
                    text: c[1].trim().trim_end_matches(':').to_string(),
                });
            } else if let Some(c) = BOLD_LABEL.captures(t).or_else(|| PLAIN_LABEL.captures(t)) {
                self.labels.push(Heading {
                    line,
                    text: c[1].trim().to_string(),
                });
            }
            if ORDERED.is_match(t) {
                self.ordered_items.push(line);
            }
            prev_para = if st.is_empty() { None } else { Some(line) };
        }
        if let Some((_, start)) = fence {
            // An unclosed fence runs to the end of the file.
            self.code_blocks.push(start..self.line_count() + 1);
        }
    }

    /// Front-matter problems as diagnostics.
    pub fn front_matter_diagnostics(&self, out: &mut Vec<Diagnostic>) {
        for p in &self.front.problems {
            let d = match p.column {
                Some(column) => Diagnostic::new(
                    rule::INVALID_FRONT_MATTER,
                    Severity::Error,
                    p.line,
                    column,
                    p.message.clone(),
                ),
                None => self.diag_at_line(
                    rule::INVALID_FRONT_MATTER,
                    Severity::Error,
                    p.line,
                    p.message.clone(),
                ),
            };
            out.push(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_fields_and_lines() {
        let d = Draft::parse(
            "---\ntitle: X\ntargets:\n  - https://login.live.com/\n  - account.live.com\nimpact: eop\nseverity: critical\naccounts: a@b.c\n---\n# Summary\nbody\n",
        );
        assert!(d.front.present);
        assert_eq!(d.front.title.as_ref().unwrap().value, "X");
        assert_eq!(
            d.front.targets,
            vec![
                Field {
                    value: "https://login.live.com/".into(),
                    line: 4
                },
                Field {
                    value: "account.live.com".into(),
                    line: 5
                }
            ]
        );
        assert_eq!(d.front.impact.as_ref().unwrap().line, 6);
        assert_eq!(d.front.accounts[0].value, "a@b.c");
        assert_eq!(d.body_line(), 10);
        assert_eq!(
            d.headings,
            vec![Heading {
                line: 10,
                text: "Summary".into()
            }]
        );
        assert!(d.front.problems.is_empty());
    }

    #[test]
    fn bad_front_matter_is_reported_with_line() {
        let d = Draft::parse("---\ntitle: X\nimpakt: eop\n---\nbody\n");
        assert_eq!(d.front.problems.len(), 1);
        assert_eq!(d.front.problems[0].line, 3);
        assert!(d.front.problems[0].message.contains("impakt"));
        let d = Draft::parse("---\ntitle: [unclosed\n---\n");
        assert_eq!(d.front.problems.len(), 1, "{:?}", d.front.problems);
    }

    #[test]
    fn yaml_errors_point_at_the_parsers_line_and_column() {
        let d = Draft::parse("---\ntitle: [unclosed\nimpact: eop\n---\n# Summary\n");
        let p = &d.front.problems[0];
        assert_eq!((p.line, p.column), (3, Some(7)), "{p:?}");
        // The message is the parser's, without its own (front-matter-relative) location.
        assert!(!p.message.contains("line 2"), "{}", p.message);
        let d = Draft::parse("---\ntitle: X\ntitle: Y\n---\n");
        assert!(
            d.front.problems[0]
                .message
                .contains("duplicate key `title`"),
            "{:?}",
            d.front.problems
        );
    }

    #[test]
    fn a_lone_carriage_return_ends_a_line_everywhere() {
        // YAML and CommonMark both end a line at a lone `\r`; the draft must count the same lines
        // (found by fuzzing: fixtures/fuzz-regressions/lint_draft/lone-cr-in-front-matter).
        let d = Draft::parse("---\rtitle: X\rimpakt: eop\r---\r# Summary\r\rText\r\n## Impact\n");
        assert!(d.front.present);
        assert_eq!(d.front.title.as_ref().unwrap().line, 2);
        assert_eq!(d.front.problems.len(), 1, "{:?}", d.front.problems);
        assert_eq!(d.front.problems[0].line, 3);
        assert_eq!(d.body_line(), 5);
        let lines: Vec<_> = d.headings.iter().map(|h| h.line).collect();
        assert_eq!(lines, vec![5, 8]);
        assert_eq!(d.line_text(7), "Text");
        assert_eq!(d.pos(d.text.find("Text").unwrap()), (7, 1));
    }

    #[test]
    fn headings_skip_code_and_accept_setext_and_bold() {
        let d = Draft::parse(
            "Intro\n=====\n\n```\n# not a heading\n```\n**Steps to reproduce:**\n## Impact ##\n",
        );
        let texts: Vec<_> = d
            .headings
            .iter()
            .map(|h| (h.line, h.text.as_str()))
            .collect();
        assert_eq!(
            texts,
            vec![(1, "Intro"), (7, "Steps to reproduce"), (8, "Impact")]
        );
        assert!(d.in_code_block(5));
        assert!(!d.in_code_block(7));
    }

    #[test]
    fn labels_name_sections_but_are_not_headings() {
        let d = Draft::parse(concat!(
            "**Summary:** The endpoint leaks a code.\n", // 1: bold label, colon inside
            "**Impact**: takeover\n",                    // 2: colon after the bold
            "Steps to reproduce:\n",                     // 3: a line that is only a label
            "Root cause: the code is not bound.\n",      // 4: plain label with text
            "See https://login.live.com/x for it.\n",    // 5: no label
            "https://login.live.com/x\n",                // 6: a scheme is no label
            "**Note** the impact is high.\n",            // 7: bold without a colon
            "- Impact: high\n",                          // 8: a list item
            "```\nImpact: inside code\n```\n",           // 9-11: code
            "This sentence has six words before: x\n",   // 12: too many words
        ));
        let labels: Vec<_> = d.labels.iter().map(|h| (h.line, h.text.as_str())).collect();
        assert_eq!(
            labels,
            vec![
                (1, "Summary"),
                (2, "Impact"),
                (3, "Steps to reproduce"),
                (4, "Root cause")
            ]
        );
        assert!(d.headings.is_empty(), "{:?}", d.headings);
    }

    #[test]
    fn comments_are_blanked_in_scan_text() {
        let d = Draft::parse("a <!-- clickjacking é -->\nb\n");
        assert_eq!(d.scan.len(), d.text.len());
        assert!(!d.scan.contains("clickjacking"));
        assert_eq!(d.pos(d.text.find('b').unwrap()), (2, 1));
    }

    #[test]
    fn positions_count_chars() {
        let d = Draft::parse("héllo wörld\n");
        assert_eq!(d.pos(d.text.find('w').unwrap()), (1, 7));
    }

    /// `pos` resumes from the previous answer (issue 14: linear on long lines); asked out of
    /// order or across lines it must still count from the line start.
    #[test]
    fn positions_in_any_order() {
        let d = Draft::parse("ééé x ééé y\nzz é w\n");
        let x = d.text.find('x').unwrap();
        let y = d.text.find('y').unwrap();
        let w = d.text.find('w').unwrap();
        assert_eq!(d.pos(x), (1, 5));
        assert_eq!(d.pos(y), (1, 11));
        assert_eq!(d.pos(x), (1, 5));
        assert_eq!(d.pos(w), (2, 6));
        assert_eq!(d.pos(y), (1, 11));
    }

    /// Item lines resume where the previous item was found (issue 14: linear in the number of
    /// items): a flow list on one line, a block list, a repeated value, an escaped one.
    #[test]
    fn list_item_lines_in_order() {
        let d = Draft::parse(
            "---\ntargets: [a.example, b.example]\naccounts:\n  - x@a.example\n  - x@a.example\n  - \"y\\x40a.example\"\n  - z@a.example\n---\n",
        );
        let lines = |f: &[Field]| f.iter().map(|f| f.line).collect::<Vec<_>>();
        assert_eq!(lines(&d.front.targets), [2, 2]);
        // The escaped `y@a.example` is not in the text: it gets the line the search stopped at.
        assert_eq!(lines(&d.front.accounts), [4, 5, 5, 7]);
    }

    /// The snippet under a diagnostic is cut at 200 characters, secrets redacted, however many
    /// secrets the line holds.
    #[test]
    fn snippets_of_a_long_line_of_secrets_are_cut() {
        let token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl";
        let line = vec![token; 5000].join(" ");
        let d = Draft::parse(&line);
        let secrets = super::super::secrets::find(&line, &[]);
        assert_eq!(secrets.len(), 5000);
        let snippet = d.snippet(1, &secrets).unwrap();
        assert_eq!(snippet.chars().count(), 201, "{snippet}");
        assert!(
            snippet.ends_with('…') && !snippet.contains("c2lnbmF0dXJl"),
            "{snippet}"
        );
    }
}
