//! Lines as YAML and CommonMark count them: a line ends at `\n`, `\r\n` or a lone `\r`.
//!
//! The YAML parser reports locations that way, so every `file:line` scopelint prints for a rules
//! file, a configuration file or a draft (and the snippet shown under it) splits lines here, and
//! the numbers agree with the parser's (found by fuzzing: a draft of lone `\r`s got diagnostics
//! past its last `\n` line).

/// Byte offset of the start of each line; the first is 0.
pub fn line_starts(bytes: &[u8]) -> Vec<usize> {
    let mut starts = vec![0];
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
            starts.push(i + 1);
        }
    }
    starts
}

/// The lines of `text` without their line endings. A final line ending does not start another
/// line (as with [`str::lines`]).
pub fn lines(text: &str) -> Vec<&str> {
    let starts = line_starts(text.as_bytes());
    let mut out: Vec<&str> = starts
        .windows(2)
        .map(|w| text[w[0]..w[1]].trim_end_matches(['\n', '\r']))
        .collect();
    let last = starts[starts.len() - 1];
    if last < text.len() {
        out.push(&text[last..]);
    }
    out
}

/// 1-based line and column (in characters; invalid UTF-8 counts as one per bad sequence) of a
/// byte offset.
pub fn line_col(bytes: &[u8], offset: usize) -> (u32, u32) {
    let offset = offset.min(bytes.len());
    let starts = line_starts(bytes);
    let i = starts.partition_point(|&s| s <= offset) - 1;
    let column = String::from_utf8_lossy(&bytes[starts[i]..offset])
        .chars()
        .count()
        + 1;
    (i as u32 + 1, column as u32)
}

/// `file:line:column: not valid UTF-8 (byte N)` for a file that is not UTF-8.
pub fn not_utf8(file: &str, e: &std::string::FromUtf8Error) -> String {
    let at = e.utf8_error().valid_up_to();
    let (line, column) = line_col(e.as_bytes(), at);
    format!("{file}:{line}:{column}: not valid UTF-8 (byte {at})")
}

/// `text` as shown in a message: whole when short, else its first 60 characters and its
/// length, so a 100 MB bad entry does not make a 100 MB error.
pub fn excerpt(text: &str) -> String {
    const SHOWN: usize = 60;
    match text.char_indices().nth(SHOWN) {
        None => text.to_string(),
        Some((cut, _)) => format!("{}... ({} bytes)", &text[..cut], text.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_ending_counts_once() {
        assert_eq!(line_starts(b"a\nb\r\nc\rd"), vec![0, 2, 5, 7]);
        assert_eq!(lines("a\nb\r\nc\rd"), vec!["a", "b", "c", "d"]);
        assert_eq!(lines("a\r\r\n"), vec!["a", ""]);
        assert_eq!(lines("a\n"), "a\n".lines().collect::<Vec<_>>());
        assert_eq!(lines(""), Vec::<&str>::new());
    }

    #[test]
    fn line_col_counts_characters_after_the_last_break() {
        assert_eq!(line_col(b"ab\rc\xffd", 5), (2, 3));
        assert_eq!(line_col("x\né\n".as_bytes(), 4), (2, 2));
        assert_eq!(line_col(b"a\r\nb", 3), (2, 1));
        assert_eq!(line_col(b"abc", 99), (1, 4));
    }
}
