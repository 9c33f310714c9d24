//! Shared by `build.rs` and the library: give every Unicode rule of a Public Suffix List its
//! punycode form, so lookups of normalized (ASCII) hosts find it without converting the whole
//! list at every start.

/// Returns the list with an ASCII (punycode) line added after each non-ASCII rule.
/// Rules that cannot be converted are kept as they are (they can never match an ASCII host).
pub fn add_ascii_rules(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for line in text.lines() {
        out.push_str(line);
        out.push('\n');
        let rule = line.split_whitespace().next().unwrap_or("");
        if rule.starts_with("//") || rule.is_ascii() {
            continue;
        }
        // Keep the `*.` / `!` prefixes of wildcard and exception rules.
        let (prefix, name) = if let Some(n) = rule.strip_prefix('!') {
            ("!", n)
        } else if let Some(n) = rule.strip_prefix("*.") {
            ("*.", n)
        } else {
            ("", rule)
        };
        if let Ok(ascii) = idna::domain_to_ascii(name) {
            out.push_str(prefix);
            out.push_str(&ascii);
            out.push('\n');
        }
    }
    out
}
