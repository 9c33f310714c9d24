//! Lines as YAML and CommonMark count them: a line ends at `\n`, `\r\n` or a lone `\r`.
//!
//! The YAML parser reports locations that way, so every `file:line` scopelint prints for a rules
//! file, a configuration file or a draft (and the snippet shown under it) splits lines here, and
//! the numbers agree with the parser's (found by fuzzing: a draft of lone `\r`s got diagnostics
//! past its last `\n` line).

/// Where a file's lines end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineEnds {
    /// At `\n`, `\r\n` or a lone `\r`: YAML files and Markdown drafts.
    Any,
    /// At `\n` alone (a `\r` before it is dropped): plain lists and `check`'s input, read a
    /// line at a time as [`newline_spans`] reads them. A lone `\r` is part of its line.
    Newline,
}

impl LineEnds {
    /// How the rules file or list at `path` with this text counts its lines (the loader's
    /// choice: a plain list is read a line at a time).
    pub fn of_rules(path: &std::path::Path, text: &str) -> LineEnds {
        if crate::rules::plain::is_plain_list(path, text) {
            LineEnds::Newline
        } else {
            LineEnds::Any
        }
    }
}

/// Byte offset of the start of each line; the first is 0.
pub fn line_starts(bytes: &[u8], ends: LineEnds) -> Vec<usize> {
    let mut starts = vec![0];
    for (i, &b) in bytes.iter().enumerate() {
        let breaks = match ends {
            LineEnds::Any => b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')),
            LineEnds::Newline => b == b'\n',
        };
        if breaks {
            starts.push(i + 1);
        }
    }
    starts
}

/// The lines of `text` without their line endings. A final line ending does not start another
/// line (as with [`str::lines`]).
pub fn lines(text: &str, ends: LineEnds) -> Vec<&str> {
    let starts = line_starts(text.as_bytes(), ends);
    let mut out: Vec<&str> = starts
        .windows(2)
        .map(|w| match ends {
            LineEnds::Any => text[w[0]..w[1]].trim_end_matches(['\n', '\r']),
            LineEnds::Newline => list_line(&text[w[0]..w[1]]),
        })
        .collect();
    let last = starts[starts.len() - 1];
    if last < text.len() {
        out.push(match ends {
            LineEnds::Any => &text[last..],
            LineEnds::Newline => list_line(&text[last..]),
        });
    }
    out
}

/// The byte range of each line of `bytes` as a line-at-a-time input counts them (`check`'s
/// targets, a plain list's entries, as [`str::lines`] does): a line ends at `\n` alone, which
/// the range includes; the last line may have none, and a final `\n` starts no line. Found with
/// one `memchr` pass.
pub fn newline_spans(bytes: &[u8]) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    let mut start = 0;
    memchr::memchr_iter(b'\n', bytes)
        .map(|end| end + 1)
        .chain(std::iter::once(bytes.len()))
        .filter_map(move |end| {
            let span = start..end;
            start = end;
            (!span.is_empty()).then_some(span)
        })
}

/// A list's line as the loader reads it: [`strip_line_end`] of its span.
fn list_line(span: &str) -> &str {
    &span[..strip_line_end(span.as_bytes()).len()]
}

/// `line` without its `\n` or `\r\n`.
pub fn strip_line_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// `text` as [`str::trim`] gives it. A text that starts and ends with a visible ASCII character,
/// as nearly every line of a list or of recon output does, is returned as it is, without
/// reading Unicode's whitespace tables.
pub fn trim(text: &str) -> &str {
    let visible = |b: Option<&u8>| b.is_some_and(u8::is_ascii_graphic);
    if visible(text.as_bytes().first()) && visible(text.as_bytes().last()) {
        text
    } else {
        text.trim()
    }
}

/// 1-based line and column (in characters; invalid UTF-8 counts as one per bad sequence) of a
/// byte offset.
pub fn line_col(bytes: &[u8], offset: usize, ends: LineEnds) -> (u32, u32) {
    let offset = offset.min(bytes.len());
    let starts = line_starts(bytes, ends);
    let i = starts.partition_point(|&s| s <= offset) - 1;
    let column = String::from_utf8_lossy(&bytes[starts[i]..offset])
        .chars()
        .count()
        + 1;
    (i as u32 + 1, column as u32)
}

/// `file:line:column: not valid UTF-8 (byte N)` for a file that is not UTF-8.
pub fn not_utf8(file: &str, e: &std::string::FromUtf8Error, ends: LineEnds) -> String {
    let (line, column) = not_utf8_at(e, ends);
    let at = e.utf8_error().valid_up_to();
    format!("{file}:{line}:{column}: not valid UTF-8 (byte {at})")
}

/// The 1-based line and column of the first byte of a file that is not UTF-8.
pub fn not_utf8_at(e: &std::string::FromUtf8Error, ends: LineEnds) -> (u32, u32) {
    line_col(e.as_bytes(), e.utf8_error().valid_up_to(), ends)
}

/// What goes under a snippet of `line` before the caret at `column` (1-based, in characters):
/// a space for each character shown before it, a tab for a tab, and as many spaces as an
/// escape is wide for a character shown [`printable`].
pub fn caret_pad(line: &str, column: u32) -> String {
    let before: String = line
        .chars()
        .take(column.saturating_sub(1) as usize)
        .collect();
    printable(&before)
        .chars()
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect()
}

/// `text` as quoted in a message: whole when short, else its first 60 characters and its
/// length, so a 100 MB bad entry does not make a 100 MB error. (Escaped where it is shown,
/// see [`printable`]; JSON escapes it itself.)
pub fn excerpt(text: &str) -> String {
    const SHOWN: usize = 60;
    match text.char_indices().nth(SHOWN) {
        None => text.to_string(),
        Some((cut, _)) => format!("{}... ({} bytes)", &text[..cut], text.len()),
    }
}

/// `text` safe to show in a terminal: control characters but tab, the characters that reorder
/// bidirectional text, and the invisible ones that hide in a name (zero-width space, word
/// joiner, byte order mark, soft hyphen, Hangul fillers, line separators: [`is_invisible`]) are
/// written as Rust escapes (`\r`, `\u{1b}`, `\u{202e}`, `\u{200b}`), so a message shows why
/// `x` was refused. A target, list entry or draft line is untrusted: printed raw in a message,
/// an escape sequence in it could move the cursor, rewrite the line shown, retitle the window
/// or reach the clipboard, and a `\r` could hide the text before it. (What is printed as data,
/// `--print`'s lines and JSON, stays as it was: JSON escapes controls itself.)
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    let plain = |b: &u8| (b' '..=b'~').contains(b) || *b == b'\t';
    if text.bytes().all(|b| plain(&b)) || !text.chars().any(needs_escape) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Text of several lines, each [`printable`], its `\n`s kept: for the prose `lint --explain`
/// shows (a class's quote, a rule of engagement's text), whose line breaks are the rules file's
/// own. Reports that put values on lines (`rules show|diff`, `config show`) escape each value
/// where they put it instead, `\n` too, so that no value makes a line of its own.
pub fn printable_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&printable(line));
    }
    out
}

/// A character [`printable`] escapes. (The zero-width joiners, U+200C and U+200D, are not:
/// scripts and emoji need them.)
fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
        || is_invisible(c)
}

/// Characters that show as nothing, or as a blank, and can hide in a name: the soft hyphen,
/// the combining grapheme joiner, the Hangul fillers, the Mongolian vowel separator, the
/// zero-width space, line and paragraph separators, the word joiner and invisible operators,
/// the byte order mark, and the tag characters.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{ad}'
            | '\u{34f}'
            | '\u{115f}'
            | '\u{1160}'
            | '\u{180e}'
            | '\u{200b}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{2060}'..='\u{2064}'
            | '\u{3164}'
            | '\u{feff}'
            | '\u{ffa0}'
            | '\u{e0001}'
            | '\u{e0020}'..='\u{e007f}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every string of up to 6 bytes over `a`, `\n`, `\r`: the spans cover the text in order,
    /// each ends at its `\n` or at the text's end, and without their line ends they are the
    /// lines `str::lines` gives.
    #[test]
    fn newline_spans_are_str_lines_with_their_ends() {
        let mut texts = vec![String::new()];
        let mut level = vec![String::new()];
        for _ in 0..6 {
            level = level
                .iter()
                .flat_map(|t| ["a", "\n", "\r"].map(|c| format!("{t}{c}")))
                .collect();
            texts.extend(level.iter().cloned());
        }
        assert_eq!(texts.len(), 1 + 3 + 9 + 27 + 81 + 243 + 729);
        for text in &texts {
            let spans: Vec<_> = newline_spans(text.as_bytes()).collect();
            let mut at = 0;
            for span in &spans {
                assert_eq!(span.start, at, "{text:?}");
                assert!(text[span.clone()].ends_with('\n') || span.end == text.len());
                at = span.end;
            }
            assert_eq!(at, text.len(), "{text:?}");
            let lines: Vec<&str> = spans
                .iter()
                .map(|span| {
                    let line = &text[span.clone()];
                    line.strip_suffix('\n')
                        .map_or(line, |l| l.strip_suffix('\r').unwrap_or(l))
                })
                .collect();
            assert_eq!(lines, text.lines().collect::<Vec<_>>(), "{text:?}");
            // The snippet lines of a list are the lines the loader reads.
            let read: Vec<&str> = spans
                .iter()
                .map(|span| {
                    std::str::from_utf8(strip_line_end(text[span.clone()].as_bytes())).unwrap()
                })
                .collect();
            assert_eq!(super::lines(text, LineEnds::Newline), read, "{text:?}");
        }
    }

    #[test]
    fn every_line_ending_counts_once() {
        let any = LineEnds::Any;
        assert_eq!(line_starts(b"a\nb\r\nc\rd", any), vec![0, 2, 5, 7]);
        assert_eq!(lines("a\nb\r\nc\rd", any), vec!["a", "b", "c", "d"]);
        assert_eq!(lines("a\r\r\n", any), vec!["a", ""]);
        assert_eq!(lines("a\n", any), "a\n".lines().collect::<Vec<_>>());
        assert_eq!(lines("", any), Vec::<&str>::new());
    }

    /// Every control character but tab, every bidirectional control and the invisible
    /// characters come out escaped; other text comes out as it went in.
    #[test]
    fn printable_escapes_what_could_steer_a_terminal() {
        assert_eq!(printable("a.com\rx.com"), "a.com\\rx.com");
        assert_eq!(printable("a\u{1b}[31mb"), "a\\u{1b}[31mb");
        assert_eq!(printable("x\u{202e}moc.y"), "x\\u{202e}moc.y");
        assert_eq!(printable("\u{9b}\u{7f}\0"), "\\u{9b}\\u{7f}\\u{0}");
        assert!(matches!(
            printable("tab\there é ü"),
            std::borrow::Cow::Borrowed(_)
        ));
        for c in (0..0x11_0000).filter_map(char::from_u32) {
            let shown = printable(c.encode_utf8(&mut [0; 4])).into_owned();
            let steers = (c.is_control() && c != '\t')
                || matches!(c, '\u{61c}' | '\u{200e}' | '\u{200f}')
                || ('\u{202a}'..='\u{202e}').contains(&c)
                || ('\u{2066}'..='\u{2069}').contains(&c)
                || "\u{ad}\u{34f}\u{115f}\u{1160}\u{180e}\u{200b}\u{2028}\u{2029}\u{3164}\u{feff}\u{ffa0}\u{e0001}"
                    .contains(c)
                || ('\u{2060}'..='\u{2064}').contains(&c)
                || ('\u{e0020}'..='\u{e007f}').contains(&c);
            assert!(!shown.chars().any(|s| s.is_control() && s != '\t'), "{c:?}");
            assert_eq!(shown != c.to_string(), steers, "{c:?}");
        }
        assert_eq!(printable_text("a\r\n\u{1b}b\n"), "a\\r\n\\u{1b}b\n");
    }

    #[test]
    fn line_col_counts_characters_after_the_last_break() {
        let any = LineEnds::Any;
        assert_eq!(line_col(b"ab\rc\xffd", 5, any), (2, 3));
        assert_eq!(line_col("x\né\n".as_bytes(), 4, any), (2, 2));
        assert_eq!(line_col(b"a\r\nb", 3, any), (2, 1));
        assert_eq!(line_col(b"abc", 99, any), (1, 4));
        // A list's lone `\r` is inside its line.
        assert_eq!(line_col(b"ab\rc\xffd", 5, LineEnds::Newline), (1, 6));
        assert_eq!(line_col(b"a\r\nb", 3, LineEnds::Newline), (2, 1));
    }
}
