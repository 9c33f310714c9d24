//! Shared by `build.rs` and the library: the embedded rules file reduced to what `check` reads,
//! prepared at build time so `check` starts without parsing the linter's sections.

/// The top-level sections a verdict of `check` reads. Not `awards`: a verdict names its asset's
/// award table by id, and the tables themselves (a third of the parse) are read by `lint`.
pub const CHECK_SECTIONS: &[&str] = &[
    "schema_version",
    "program",
    "assets",
    "exclusions",
    "customer_owned",
    "probe",
];

/// `text` with every top-level section but `keep`, and every whole-line comment, blanked out
/// (emptied), so that lines and columns stay those of the whole file. A section
/// runs from its `key:` line at column 0 to the next line at column 0 that is not a comment.
/// (A block scalar holding a line that starts with `#` would lose it: the unit test that
/// compares the reduced program with the whole one would fail.)
pub fn only_sections(text: &str, keep: &[&str]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut keeping = true;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let top = !body.is_empty() && !body.starts_with([' ', '\t', '#']);
        if top {
            keeping = match body.split_once(':') {
                Some((key, _)) => keep.contains(&key.trim()),
                None => true, // `---` and the like
            };
        }
        if keeping && !body.trim_start().starts_with('#') {
            out.push_str(line);
        } else {
            // An empty line, so lines and columns stay those of the whole file. (Not spaces: a
            // line of spaces after a block scalar would become part of its text.)
            out.push_str(&line[body.len()..]);
        }
    }
    out
}
