//! Plain scope lists: one entry per line, `!` exclusions, `#` comments (also after ` #`).
//! A `.noscope` file is all exclusions; importing `x.inscope` also reads `x.noscope` beside it.

use std::path::Path;

use super::{Imported, Kind, RawEntry};
use crate::psl::SuffixList;

/// Add every line of a list to `imp`; `all_excluded` for `.noscope` files.
pub fn add_list(
    imp: &mut Imported,
    origin: &str,
    text: &str,
    all_excluded: bool,
    psl: &SuffixList,
) {
    for (n, line) in text.lines().enumerate() {
        let body = line.split(" #").next().unwrap_or(line);
        let body = body.split("\t#").next().unwrap_or(body);
        let trimmed = body.trim().trim_start_matches('\u{feff}');
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let (excluded, entry) = match trimmed.strip_prefix('!') {
            Some(rest) => (true, rest.trim()),
            None => (all_excluded, trimmed),
        };
        imp.add(
            RawEntry {
                origin: format!("{origin}:{}", n + 1),
                text: entry.to_string(),
                excluded,
                kind: Kind::Any,
                note: None,
            },
            psl,
        );
    }
}

/// Import a list file (and its `.noscope` pair).
pub fn import_list_file(
    path: &Path,
    command: String,
    psl: &SuffixList,
) -> Result<Imported, String> {
    let origin = path.display().to_string();
    let text = read_text(path)?;
    let id = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("plain-list");
    let mut imp = Imported::new(id, &format!("plain list {origin}"), None, command);
    // Paired as `--rules` pairs them (extensions and names in any case).
    let noscope = crate::rules::plain::has_extension(path, "noscope");
    add_list(&mut imp, &origin, &text, noscope, psl);
    if crate::rules::plain::has_extension(path, "inscope") {
        for pair in crate::rules::plain::noscope_pairs(path).map_err(|e| e.to_string())? {
            let t = read_text(&pair)?;
            add_list(&mut imp, &pair.display().to_string(), &t, true, psl);
        }
    }
    Ok(imp)
}

/// Read a file as UTF-8, naming the file (and the byte) when it is not.
pub fn read_text(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    // Lists, JSON and CSV count lines at `\n`, as their readers do.
    String::from_utf8(bytes).map_err(|e| {
        crate::text::not_utf8(
            &path.display().to_string(),
            &e,
            crate::text::LineEnds::Newline,
        )
    })
}
