//! Plain scope lists, as the community's filters use them: one entry per line, `*.example.com`
//! wildcards (also mid-label and multi-star), exact hosts, IPs and CIDRs, `!`-prefixed
//! exclusions, `#` comments. A `.inscope` file picks up the `.noscope` file beside it.
//!
//! Every entry becomes its own asset (or exclusion) whose id is the entry as written, so a
//! verdict names the line that decided. Anything not understood is an error with its line and
//! column, never dropped.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use super::model::{ProgramMeta, RulesFile};
use super::ScopeIndex;
use hashbrown::HashTable;

use super::{
    parse_cidr, parse_host_pattern, wildcard_base_problem, wildcard_problem, AssetRule,
    CustomerOwnedRule, ExclusionRule, HostPattern, Program, RulesError, SourceLoc,
};
use crate::psl::SuffixList;

/// File extensions read as plain lists.
pub const PLAIN_EXTENSIONS: &[&str] = &["txt", "scope", "inscope", "noscope", "lst", "list"];

/// Whether a rules file should be read as a plain list rather than YAML: by extension, else by
/// content (a YAML rules file starts with a `key:` mapping or `---`).
pub fn is_plain_list(path: &Path, text: &str) -> bool {
    match path.extension().and_then(|e| e.to_str()) {
        Some(e) if PLAIN_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()) => return true,
        Some("yaml" | "yml") => return false,
        _ => {}
    }
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'));
    match first {
        None => false,
        Some(l) => {
            !(l.starts_with("---")
                || l.split_once(':').is_some_and(|(k, v)| {
                    !k.is_empty()
                        && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                        && (v.is_empty() || v.starts_with(' '))
                }))
        }
    }
}

/// One entry of a list, classified.
#[derive(Debug, PartialEq)]
enum Entry<'t> {
    Host(HostPattern),
    /// A name in lower case already, or (`wild`) `*.` and one: the [`HostPattern::Exact`] or
    /// [`HostPattern::Subdomains`] without its apex that the name is, borrowed from the list
    /// (most entries: building each one's `String` was a fifth of a list's load).
    Name {
        name: &'t str,
        wild: bool,
    },
    Cidr(ipnet::IpNet),
}

impl Entry<'_> {
    /// The entry with a `Name` made the [`HostPattern`] it stands for.
    fn into_owned(self) -> Entry<'static> {
        match self {
            Entry::Host(p) => Entry::Host(p),
            Entry::Name { name, wild } => Entry::Host(name_pattern(name, wild)),
            Entry::Cidr(c) => Entry::Cidr(c),
        }
    }
}

/// The pattern of an [`Entry::Name`].
fn name_pattern(name: &str, wild: bool) -> HostPattern {
    if wild {
        HostPattern::Subdomains {
            base: name.to_string(),
            include_apex: false,
        }
    } else {
        HostPattern::Exact(name.to_string())
    }
}

fn parse_entry(raw: &str) -> Result<Entry<'_>, String> {
    quick_entry(raw).map_or_else(|| parse_entry_in_full(raw), Ok)
}

/// Most entries are a plain name, or `*.` and one, which [`crate::target::parse_host`] would
/// only lowercase: read in one pass, with no address, scheme, port or path to look for. What
/// [`parse_entry_in_full`] gives for them (checked by a unit test); `None` for anything else.
fn quick_entry(raw: &str) -> Option<Entry<'_>> {
    let (wild, name) = match raw.strip_prefix("*.") {
        Some(rest) => (true, rest),
        None => (false, raw),
    };
    let (len, upper) = crate::target::plain_domain(name)?;
    Some(if upper {
        Entry::Host(name_pattern(&name[..len].to_ascii_lowercase(), wild))
    } else {
        Entry::Name {
            name: &name[..len],
            wild,
        }
    })
}

/// [`parse_entry`] for any shape.
fn parse_entry_in_full(raw: &str) -> Result<Entry<'static>, String> {
    // Only hex digits, `.`, `:` and `/` can spell an address or range: skip building the
    // parser's error message for every host name.
    let address_like = raw
        .trim()
        .bytes()
        .all(|b| b.is_ascii_hexdigit() || matches!(b, b'.' | b':' | b'/'));
    if address_like {
        match parse_cidr(raw) {
            Ok(net) => return Ok(Entry::Cidr(net)),
            // The one refusal of an address that says more than "not an address".
            Err(e) if e.contains("leading zero") => return Err(e),
            Err(_) => {}
        }
    }
    // Built only for a message: this runs for every entry of lists of a million lines.
    let shown = || crate::text::excerpt(raw);
    let mut host = raw;
    // `split_once("://")` builds a substring searcher: only look when there is a colon at all.
    let scheme_split = if raw.as_bytes().contains(&b':') {
        raw.split_once("://")
    } else {
        None
    };
    if let Some((scheme, rest)) = scheme_split {
        if scheme.is_empty() || !scheme.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(format!("`{}` is not a host, wildcard, IP or CIDR", shown()));
        }
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains(['/', '?', '#', '@']) {
            return Err(format!(
                "`{}`: paths and credentials cannot be expressed in a plain list; use a YAML rules file",
                shown()
            ));
        }
        host = rest;
    }
    if host.contains(':') && !host.contains('*') {
        return Err(format!(
            "`{}`: ports cannot be expressed in a plain list; use a YAML rules file",
            shown()
        ));
    }
    if host.contains(['/', ' ', ',', '\t']) {
        return Err(format!("`{}` is not a host, wildcard, IP or CIDR", shown()));
    }
    // The pattern parser quotes what it was given: cut that too.
    parse_host_pattern(host, Some(false))
        .map(Entry::Host)
        .map_err(|e| e.replace(host, &crate::text::excerpt(host)))
}

/// Entries' texts seen, compared without ASCII case, for the duplicate check of what the index
/// cannot check on a name: ranges, entries set aside, and host entries filed on a name and kind
/// that has a rule already (see `ScopeIndex::add_asset_host_unless`). Each text is borrowed from
/// the list, packed as (source: 4 bits, excluded: 1, length: 27, offset: 32) in a `u64`: 8
/// bytes a bucket, nothing allocated per entry.
struct SeenTexts<'t> {
    sources: &'t [(String, Cow<'t, str>, bool)],
    table: HashTable<u64>,
}

impl<'t> SeenTexts<'t> {
    fn new(sources: &'t [(String, Cow<'t, str>, bool)]) -> Self {
        // The source is kept in 4 bits (there are two: a list and its `.noscope`).
        debug_assert!(sources.len() <= 16);
        SeenTexts {
            sources,
            table: HashTable::new(),
        }
    }

    /// Whether `text` (an entry of source `source`, a slice of its text) is seen for the first
    /// time with this `excluded`; it is remembered. An entry of 2^27 bytes or more is never
    /// remembered (its length does not fit; a repeat of one only costs a second rule, and the
    /// list is at most `MAX_LIST_BYTES`, so there can be no second).
    fn first_time(&mut self, source: usize, excluded: bool, text: &str) -> bool {
        if text.len() >= 1 << 27 {
            return true;
        }
        let sources = self.sources;
        let hash = caseless_hash(excluded, text);
        let same = |packed: &u64| {
            let (e, t) = unpack(sources, *packed);
            e == excluded && t.eq_ignore_ascii_case(text)
        };
        if self.table.find(hash, same).is_some() {
            return false;
        }
        let start = text.as_ptr() as usize - sources[source].1.as_ptr() as usize;
        debug_assert!(start + text.len() <= sources[source].1.len());
        let packed = (source as u64) << 60
            | u64::from(excluded) << 59
            | (text.len() as u64) << 32
            | start as u64;
        self.table.insert_unique(hash, packed, |packed| {
            let (e, t) = unpack(sources, *packed);
            caseless_hash(e, t)
        });
        true
    }
}

/// A packed [`SeenTexts`] entry: excluded or not, and its text.
fn unpack<'t>(sources: &'t [(String, Cow<'t, str>, bool)], packed: u64) -> (bool, &'t str) {
    let source = (packed >> 60) as usize;
    let start = (packed & 0xffff_ffff) as usize;
    let len = ((packed >> 32) & 0x07ff_ffff) as usize;
    (
        packed & 1 << 59 != 0,
        &sources[source].1[start..start + len],
    )
}

/// A hash equal for texts equal but for ASCII case: eight bytes at a time, each with bit 5
/// (ASCII's case bit) set, so `A` and `a` hash alike (other bytes that differ only in that bit
/// collide, and the comparison tells them apart).
fn caseless_hash(excluded: bool, text: &str) -> u64 {
    use crate::suffix_hash::table_hash;
    const CASE_BITS: u64 = 0x2020_2020_2020_2020;
    let bytes = text.as_bytes();
    let mut h = (bytes.len() as u64) << 1 | u64::from(excluded);
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        h = table_hash(h ^ (u64::from_le_bytes(word) | CASE_BITS));
    }
    let mut tail = [0u8; 8];
    tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    table_hash(h ^ (u64::from_le_bytes(tail) | CASE_BITS))
}

/// One line of a list that holds an entry, read and parsed.
struct ParsedLine<'t> {
    source: usize,
    line: u32,
    column: u32,
    excluded: bool,
    /// The entry as written, without `!` and spaces.
    text: &'t str,
    entry: Result<Entry<'t>, String>,
    /// Why an inclusion that parsed cannot be used (a wildcard over a public or customer-owned
    /// suffix): found here, beside the parsing, since it needs nothing filed before it.
    unusable: Option<String>,
}

/// Reads every entry of `sources` in order (comments and blank lines skipped) and parses it:
/// `emit` gets each, repeats too (the filing side drops those).
fn parse_lines<'t>(
    sources: &'t [(String, Cow<'t, str>, bool)],
    psl: &SuffixList,
    mut emit: impl FnMut(ParsedLine<'t>) -> bool,
) {
    for (source, (_, text, all_excluded)) in sources.iter().enumerate() {
        for (n, span) in crate::text::newline_spans(text.as_bytes()).enumerate() {
            let line = &text[span];
            let line = &line[..crate::text::strip_line_end(line.as_bytes()).len()];
            // A byte order mark is the file's, not the first entry's (`\u{feff}!x` is the
            // exclusion of `x`, as an editor shows it).
            let line = if n == 0 {
                line.strip_prefix('\u{feff}').unwrap_or(line)
            } else {
                line
            };
            // An inline comment starts at ` #`.
            let bytes = line.as_bytes();
            // Most lines have no `#`: a test the compiler vectorizes, before any search.
            let hash_sign = bytes.iter().fold(false, |seen, &b| seen | (b == b'#'));
            let comment = hash_sign
                .then(|| memchr::memchr_iter(b'#', bytes).find(|&i| i > 0 && bytes[i - 1] == b' '))
                .flatten();
            let body = match comment {
                Some(i) => &line[..i - 1],
                None => line,
            };
            let trimmed = crate::text::trim(body);
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let (excluded, text) = match trimmed.strip_prefix('!') {
                Some(rest) => (true, rest.trim()),
                None => (*all_excluded, trimmed),
            };
            let entry = parse_entry(text);
            let unusable = match &entry {
                // `ǃadmin.example.com` is a host name (the click letter is allowed), and reads
                // as the exclusion of `admin.example.com`.
                _ if !excluded && text.starts_with(looks_like_bang) => Some(format!(
                    "`{}` starts with {:?} (U+{:04X}), which looks like `!`: write `!` for an exclusion",
                    crate::text::excerpt(text),
                    text.chars().next().unwrap_or_default(),
                    text.chars().next().map_or(0, |c| c as u32)
                )),
                Ok(Entry::Host(p)) if !excluded => {
                    wildcard_problem(text, p, psl, &Default::default())
                }
                Ok(Entry::Name { name, wild: true }) if !excluded => {
                    wildcard_base_problem(text, name, psl, &Default::default())
                }
                _ => None,
            };
            let parsed = ParsedLine {
                source,
                line: n as u32 + 1,
                // In characters, as YAML positions and the snippet's caret count them.
                column: body[..trimmed.as_ptr() as usize - body.as_ptr() as usize]
                    .chars()
                    .count() as u32
                    + 1,
                excluded,
                text,
                entry,
                unusable,
            };
            if !emit(parsed) {
                return;
            }
        }
    }
}

/// Lists of this many lines or more are parsed on a second thread while the first files the
/// entries (a million entries load in half the time on two cores); shorter ones are not worth
/// a thread's start.
const PARALLEL_PARSE_LINES: usize = 20_000;
/// Names a big host table is warmed for at a time: enough reads to overlap, and few enough
/// pages for the address translation cache to keep until they are filed.
const WARM_CHUNK: usize = 256;
/// Entries handed from the parsing thread to the filing thread at a time. Small enough that the
/// few batches in flight are reused while cached: with 4,096 a 40,000-entry list touched some
/// 2 MB of fresh batches, 450 page faults (a fifth of the load); a million entries load as fast.
const PARSE_BATCH: usize = 1024;

/// An empty batch: a filed one emptied here (so the parsing thread frees what it allocated),
/// or a new one.
fn recycled<'t>(filed: &std::sync::mpsc::Receiver<Vec<ParsedLine<'t>>>) -> Vec<ParsedLine<'t>> {
    match filed.try_recv() {
        Ok(mut batch) => {
            batch.clear();
            batch
        }
        Err(_) => Vec::with_capacity(PARSE_BATCH),
    }
}

/// A plain list's assets, compact: each entry's text (in one string) and place. An entry becomes
/// an [`AssetRule`] the first time it is read (see [`super::Assets`]): the entry is parsed again,
/// which gives what the loader got, since it parsed the same text without error.
pub(crate) struct PlainAssets {
    /// The entries' texts, one after another.
    text: String,
    entries: Vec<PlainEntry>,
    /// The files the entries come from (a `.inscope` list and its `.noscope`).
    files: Vec<Arc<str>>,
    /// The rules built so far, in chunks of [`BUILT_CHUNK`] made when one of theirs is read:
    /// a `check` that reports few entries holds a few chunks, not a cell for every entry.
    built: Vec<OnceLock<BuiltChunk>>,
}

/// The rules built from one chunk of entries, each made when first read.
type BuiltChunk = Box<[OnceLock<Box<AssetRule>>]>;

/// Entries a chunk of built rules has room for.
const BUILT_CHUNK: usize = 1024;

/// Where one entry's text is in [`PlainAssets::text`], and where it was written.
#[derive(Debug, Clone, Copy)]
struct PlainEntry {
    start: u32,
    len: u32,
    line: u32,
    column: u32,
    file: u16,
}

impl PlainAssets {
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn get(&self, i: usize) -> Option<&AssetRule> {
        let e = *self.entries.get(i)?;
        let chunk = self
            .built
            .get(i / BUILT_CHUNK)?
            .get_or_init(|| (0..BUILT_CHUNK).map(|_| OnceLock::new()).collect());
        let cell = chunk.get(i % BUILT_CHUNK)?;
        Some(cell.get_or_init(|| Box::new(self.build(e))))
    }

    /// An entry's text as written.
    fn text_of(&self, e: PlainEntry) -> &str {
        &self.text[e.start as usize..(e.start + e.len) as usize]
    }

    fn build(&self, e: PlainEntry) -> AssetRule {
        let text = self.text_of(e);
        let hosts = match parse_entry(text).map(Entry::into_owned) {
            Ok(Entry::Host(p)) => vec![p],
            // A CIDR's asset lists no host (the loader filed the range in the index); an
            // error cannot happen, as the loader parsed this text, and would list no host.
            Ok(Entry::Cidr(_) | Entry::Name { .. }) | Err(_) => Vec::new(),
        };
        AssetRule {
            id: text.to_string(),
            title: None,
            award_table: None,
            ports: Vec::new(),
            paths: None,
            note: None,
            hosts,
            source: SourceLoc {
                file: self.files[usize::from(e.file)].clone(),
                line: e.line,
                column: e.column,
            },
        }
    }
}

/// The largest plain list read (all its files together): offsets in the compact layouts are
/// 32 bits. It is some ten million entries.
const MAX_LIST_BYTES: usize = 256 << 20;

/// Load a plain list (and, for `x.inscope`, the `x.noscope` beside it).
pub fn load_plain_file(
    path: &Path,
    text: &str,
    psl: Arc<SuffixList>,
) -> Result<Program, RulesError> {
    load_plain_file_all(path, text, psl, None).map_err(first_problem)
}

/// [`load_plain_file`] for raw community lists (`--skip-invalid`): an unusable *inclusion* is
/// left out and returned with its place and reason; an unusable *exclusion* is still an error,
/// since leaving it out would widen the scope.
pub fn load_plain_file_skipping(
    path: &Path,
    text: &str,
    psl: Arc<SuffixList>,
) -> Result<(Program, Vec<RulesError>), RulesError> {
    let mut skipped = Vec::new();
    let program =
        load_plain_file_all(path, text, psl, Some(&mut skipped)).map_err(first_kept_problem)?;
    Ok((program, skipped))
}

fn load_plain_file_all(
    path: &Path,
    text: &str,
    psl: Arc<SuffixList>,
    skipped: Option<&mut Vec<RulesError>>,
) -> Result<Program, Vec<RulesError>> {
    let origin = path.display().to_string();
    // The text is borrowed, not copied: a list of a million entries is 20 MB of it.
    let mut sources = vec![(origin.clone(), Cow::Borrowed(text), is_noscope(path))];
    if has_extension(path, "inscope") {
        for pair in noscope_pairs(path).map_err(|e| vec![e])? {
            let pair_error = |line, column, message| {
                vec![RulesError {
                    file: pair.display().to_string(),
                    line,
                    column,
                    message,
                }]
            };
            let bytes =
                std::fs::read(&pair).map_err(|e| pair_error(0, 0, format!("cannot read: {e}")))?;
            let pair_text = String::from_utf8(bytes).map_err(|e| {
                let (line, column) = crate::text::not_utf8_at(&e, crate::text::LineEnds::Newline);
                pair_error(line, column, "not valid UTF-8".into())
            })?;
            sources.push((pair.display().to_string(), Cow::Owned(pair_text), true));
        }
    }
    let id = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("plain-list")
        .to_string();
    load_plain_sources_all(&id, &origin, &sources, psl, skipped)
}

/// Whether an unusable entry may be left out of a list (`--skip-invalid`, `import list`): only
/// an inclusion that is plainly one. Leaving out an exclusion would widen the scope.
pub(crate) fn may_leave_out(excluded: bool, text: &str) -> bool {
    !excluded && plainly_an_inclusion(text)
}

/// Whether an entry without a leading `!` is plainly an inclusion: it starts with an ASCII
/// letter or digit or one of `*` `.` `-` `_` `[` `:` `/` `{` `(`, and holds no `!` nor a
/// look-alike of one. Anything else may be an exclusion a person reads that the loader does
/// not: an invisible character before the `!` (U+200B, U+2060, a Hangul filler), a look-alike
/// (`！`, `ǃ`, `‼`).
fn plainly_an_inclusion(text: &str) -> bool {
    text.bytes().next().is_some_and(|b| {
        b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'*' | b'.' | b'-' | b'_' | b'[' | b':' | b'/' | b'{' | b'('
            )
    }) && !text.chars().any(|c| c == '!' || looks_like_bang(c))
}

/// Characters that look like `!`: fullwidth and small forms, doubled ones, the Latin letter
/// `ǃ` (a click, valid in a host name), the raised modifier letters.
fn looks_like_bang(c: char) -> bool {
    matches!(
        c,
        '\u{1c3}'
            | '\u{ff01}'
            | '\u{fe57}'
            | '\u{fe15}'
            | '\u{203c}'
            | '\u{2049}'
            | '\u{2755}'
            | '\u{2757}'
            | '\u{a71d}'..='\u{a71f}'
    )
}

/// Whether `path`'s extension is `ext` in any case, as the directory scan and
/// [`is_plain_list`] read extensions: a `.NOSCOPE` file is a `.noscope` file.
pub(crate) fn has_extension(path: &Path, ext: &str) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

/// Whether two files have the same name but for the extension, ignoring ASCII case (as
/// case-insensitive file systems, macOS's and Windows's, compare names).
pub(crate) fn same_stem(a: &Path, b: &Path) -> bool {
    match (a.file_stem(), b.file_stem()) {
        (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
        _ => false,
    }
}

/// The `.noscope` files beside an `.inscope` list: the same name, both in any case (every one:
/// each holds exclusions, and one left out would widen the scope). At most 8.
pub(crate) fn noscope_pairs(path: &Path) -> Result<Vec<PathBuf>, RulesError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let error = |message: String| RulesError {
        file: path.display().to_string(),
        line: 0,
        column: 0,
        message,
    };
    // Not knowing whether there is a `.noscope` is not "there is none".
    let entries = std::fs::read_dir(dir).map_err(|e| {
        error(format!(
            "cannot read {} to find the .noscope file beside the list: {e}",
            dir.display()
        ))
    })?;
    let mut pairs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|f| same_stem(f, path) && has_extension(f, "noscope"))
        .filter(|f| f.is_file())
        .collect();
    pairs.sort();
    if pairs.len() > 8 {
        return Err(error(format!(
            "{} .noscope files beside the list (names differing only in case): merge them into one",
            pairs.len()
        )));
    }
    Ok(pairs)
}

/// The loader's one error for a list with bad lines: the first, saying how many more there are.
fn first_problem(problems: Vec<RulesError>) -> RulesError {
    let more = problems.len().saturating_sub(1);
    let mut first = problems.into_iter().next().unwrap_or_else(|| RulesError {
        file: String::new(),
        line: 0,
        column: 0,
        message: "invalid plain list".into(),
    });
    if more > 0 {
        first.message.push_str(&format!(
            " (and {more} more bad line{}: `scopelint rules validate` lists them all)",
            if more == 1 { "" } else { "s" }
        ));
    }
    first
}

/// [`first_problem`] for `--skip-invalid`, where every problem left is one it may not skip
/// (`rules validate` would list the skipped ones too): the others are named by place.
fn first_kept_problem(problems: Vec<RulesError>) -> RulesError {
    const NAMED: usize = 5;
    let mut rest = problems.iter().skip(1);
    let places: Vec<String> = rest
        .by_ref()
        .take(NAMED)
        .map(|p| format!("{}:{}:{}", p.file, p.line, p.column))
        .collect();
    let unnamed = rest.count();
    let more = places.len() + unnamed;
    let mut first = first_problem(problems.into_iter().take(1).collect());
    if more > 0 {
        first.message.push_str(&format!(
            " (and {more} more entr{} that --skip-invalid may not leave out: {}{})",
            if more == 1 { "y" } else { "ies" },
            places.join(", "),
            if unnamed > 0 {
                format!(" and {unnamed} more")
            } else {
                String::new()
            }
        ));
    }
    first
}

fn is_noscope(path: &Path) -> bool {
    has_extension(path, "noscope")
}

/// Load a plain list from text; every line is an inclusion unless prefixed with `!`.
pub fn load_plain_str(
    text: &str,
    origin: &str,
    psl: Arc<SuffixList>,
) -> Result<Program, RulesError> {
    let id = Path::new(origin)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("plain-list")
        .to_string();
    load_plain_sources(
        &id,
        origin,
        &[(origin.to_string(), Cow::Borrowed(text), false)],
        psl,
    )
}

/// Every problem of a plain list (empty when it loads), for `rules validate`.
pub fn plain_list_problems(path: &Path, text: &str, psl: Arc<SuffixList>) -> Vec<RulesError> {
    match load_plain_file_all(path, text, psl, None) {
        Ok(_) => Vec::new(),
        Err(problems) => problems,
    }
}

fn load_plain_sources(
    id: &str,
    origin: &str,
    sources: &[(String, Cow<'_, str>, bool)],
    psl: Arc<SuffixList>,
) -> Result<Program, RulesError> {
    load_plain_sources_all(id, origin, sources, psl, None).map_err(first_problem)
}

fn load_plain_sources_all(
    id: &str,
    origin: &str,
    sources: &[(String, Cow<'_, str>, bool)],
    psl: Arc<SuffixList>,
    mut skipped: Option<&mut Vec<RulesError>>,
) -> Result<Program, Vec<RulesError>> {
    let mut problems: Vec<RulesError> = Vec::new();
    let origin: Arc<str> = Arc::from(origin);
    let customer = CustomerOwnedRule {
        id: "customer-owned-suffix".to_string(),
        reason: "the host is below a private-section Public Suffix List entry, so it belongs to that platform's customer, not to the program".to_string(),
        psl_private: true,
        suffixes: Default::default(),
        source: SourceLoc {
            file: origin.clone(),
            line: 1,
            column: 1,
        },
    };
    let total: usize = sources.iter().map(|(_, text, _)| text.len()).sum();
    if total > MAX_LIST_BYTES {
        return Err(vec![super::whole_file_error(
            &origin,
            format!(
                "the list is {} MiB; plain lists of up to {} MiB are read (split it, or use a YAML rules file)",
                total.div_ceil(1 << 20),
                MAX_LIST_BYTES >> 20
            ),
        )]);
    }
    let mut index = ScopeIndex::default();
    // Sized once from the line count: a `Vec` grown by doubling holds up to twice the entries
    // at its peak.
    // (At most 4M ahead: a file of blank or comment lines has many lines and no entries.)
    let lines: usize = sources
        .iter()
        .map(|(_, text, _)| memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1)
        .sum::<usize>()
        .min(1 << 22);
    let mut assets = PlainAssets {
        text: String::with_capacity(total),
        entries: Vec::with_capacity(lines),
        files: sources
            .iter()
            .map(|(f, _, _)| Arc::from(f.as_str()))
            .collect(),
        built: Vec::new(),
    };
    let mut exclusions: Vec<ExclusionRule> = Vec::new();
    let mut seen = SeenTexts::new(sources);
    index.reserve_asset_hosts(lines, total);
    // Files one line. Takes it by reference: with the parsing thread, what it allocated is freed
    // there (glibc's `free` of another thread's memory locks that thread's arena).
    let mut file_entry = |index: &mut ScopeIndex, parsed: &ParsedLine<'_>| {
        let &ParsedLine {
            source: source_index,
            line: line_number,
            column,
            excluded,
            text: entry_text,
            ..
        } = parsed;
        let file = &assets.files[source_index];
        let err = |message: String| RulesError {
            file: file.to_string(),
            line: line_number,
            column,
            message,
        };
        // A bad line is recorded and the rest read, so every bad line is reported at once.
        // With `--skip-invalid` a bad inclusion is set aside instead (never an exclusion:
        // dropping one would widen the scope; nor an entry a person could read as one).
        let mut bad = |message: String| match skipped.as_deref_mut() {
            Some(list) if may_leave_out(excluded, entry_text) => list.push(err(message)),
            _ => problems.push(err(message)),
        };
        let entry = match &parsed.entry {
            Ok(e) => e,
            Err(m) => return bad(m.clone()),
        };
        // The same entry twice means the same thing: a repeat (its text the same but for
        // ASCII case, and excluded or not alike) is dropped. A host entry can only repeat
        // one filed on the same name and kind, so the index asks only when there is one:
        // it is the first of them, or a later one, whose text was then kept in `seen`
        // (as a range's and an entry's set aside are).
        if let Some(problem) = &parsed.unusable {
            if seen.first_time(source_index, excluded, entry_text) {
                bad(problem.clone());
            }
            return;
        }
        if matches!(entry, Entry::Cidr(_)) && !seen.first_time(source_index, excluded, entry_text) {
            return;
        }
        if excluded {
            let i = exclusions.len();
            // An exclusion keeps its host pattern (made for a borrowed name).
            let host = match entry {
                Entry::Host(h) => Some(h.clone()),
                &Entry::Name { name, wild } => Some(name_pattern(name, wild)),
                Entry::Cidr(c) => {
                    index.add_exclusion_cidr(*c, i);
                    None
                }
            };
            if let Some(h) = &host {
                let filed = index.add_exclusion_host_unless(h, i, |first| {
                    exclusions[first as usize].id[1..].eq_ignore_ascii_case(entry_text)
                        || !seen.first_time(source_index, excluded, entry_text)
                });
                if !filed {
                    return;
                }
            }
            exclusions.push(ExclusionRule {
                id: format!("!{entry_text}"),
                reason: format!("excluded by `!{entry_text}` in the list"),
                uncertain: false,
                note: None,
                paths: None,
                hosts: host.into_iter().collect(),
                source: SourceLoc {
                    file: file.clone(),
                    line: line_number,
                    column,
                },
            });
        } else {
            let i = assets.entries.len();
            let is_repeat = |first: u32| {
                let first = assets.text_of(assets.entries[first as usize]);
                first.eq_ignore_ascii_case(entry_text)
                    || !seen.first_time(source_index, excluded, entry_text)
            };
            let filed = match entry {
                Entry::Host(h) => index.add_asset_host_unless(h, i, is_repeat),
                &Entry::Name { name, wild } => {
                    index.add_asset_name_unless(name, wild, i, is_repeat)
                }
                Entry::Cidr(c) => {
                    index.add_asset_cidr(*c, i);
                    true
                }
            };
            if !filed {
                return;
            }
            assets.entries.push(PlainEntry {
                start: assets.text.len() as u32,
                len: entry_text.len() as u32,
                line: line_number,
                column,
                file: source_index as u16,
            });
            assets.text.push_str(entry_text);
        }
    };
    // Files a batch of lines, in order, a chunk at a time with a big host table warmed for it.
    let mut file_batch = |batch: &[ParsedLine<'_>]| {
        for chunk in batch.chunks(WARM_CHUNK) {
            index.warm_asset_hosts(chunk.iter().filter_map(|parsed| match &parsed.entry {
                Ok(Entry::Host(p)) if !parsed.excluded => Some(p.index_name()),
                Ok(Entry::Name { name, .. }) if !parsed.excluded => Some(*name),
                _ => None,
            }));
            for parsed in chunk {
                file_entry(&mut index, parsed);
            }
        }
    };
    if lines < PARALLEL_PARSE_LINES {
        parse_lines(sources, &psl, |parsed| {
            file_batch(std::slice::from_ref(&parsed));
            true
        });
    } else {
        // Reading, parsing and the Public Suffix List checks need no shared state; filing (the
        // duplicate check, the index) is done here, in line order. Filed batches go back to
        // the parsing thread to be freed and reused.
        let psl = &psl;
        std::thread::scope(|scope| {
            let (parsed_tx, parsed_rx) = std::sync::mpsc::sync_channel::<Vec<ParsedLine<'_>>>(4);
            let (filed_tx, filed_rx) = std::sync::mpsc::channel::<Vec<ParsedLine<'_>>>();
            scope.spawn(move || {
                let mut batch = recycled(&filed_rx);
                parse_lines(sources, psl, |parsed| {
                    batch.push(parsed);
                    if batch.len() < PARSE_BATCH {
                        return true;
                    }
                    let full = std::mem::replace(&mut batch, recycled(&filed_rx));
                    parsed_tx.send(full).is_ok()
                });
                let _ = parsed_tx.send(batch);
                drop(parsed_tx);
                // Free the last batches here too; ends when the filing side is done.
                for filed in filed_rx {
                    drop(filed);
                }
            });
            for batch in parsed_rx {
                file_batch(&batch);
                let _ = filed_tx.send(batch);
            }
            drop(filed_tx);
        });
    }
    if index.host_index_full() {
        problems.push(super::whole_file_error(
            &origin,
            "the list names more than 4 GiB of host names; split it".into(),
        ));
    }
    assets.text.shrink_to_fit();
    assets.entries.shrink_to_fit();
    assets.built = (0..assets.entries.len().div_ceil(BUILT_CHUNK))
        .map(|_| OnceLock::new())
        .collect();
    let file = RulesFile {
        schema_version: 1,
        program: ProgramMeta {
            id: id.to_string(),
            name: format!("plain list {origin}"),
            url: None,
            revision: "unknown".to_string(),
            history: Vec::new(),
            default_ports: Vec::new(),
            notes: None,
        },
        assets: Vec::new(),
        exclusions: Vec::new(),
        customer_owned: None,
        standards: Vec::new(),
        standards_policy: None,
        secret_patterns: Vec::new(),
        excluded_classes: Vec::new(),
        rules_of_engagement: Vec::new(),
        report_sections: Vec::new(),
        test_naming: None,
        awards: None,
        probe: None,
        examples: Vec::new(),
        prose: None,
    };
    let assets_source = SourceLoc {
        file: origin.clone(),
        line: 1,
        column: 1,
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Program {
        file,
        origin,
        // A plain list's assets never limit ports or paths.
        host_only: Program::host_only(std::iter::empty(), &exclusions),
        assets: assets.into(),
        exclusions,
        customer_owned: Some(customer),
        index,
        psl,
        assets_source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::verdicts::VerdictKind;

    fn load(text: &str) -> Result<Program, RulesError> {
        load_plain_str(text, "list.txt", SuffixList::embedded())
    }

    fn verdict(p: &Program, t: &str) -> (VerdictKind, String) {
        let v = p.classify(t, false);
        (v.kind, v.rule().to_string())
    }

    /// The one-pass reading of plain entries gives what the full reading gives, which reads
    /// the name with the same `plain_domain` (whose own test compares it with the
    /// rules for names): this checks the shapes around the name. Every entry of up to five bytes
    /// over an alphabet for wildcards, addresses, ports, schemes, case and punycode's `--`,
    /// alone, after `*.` and before `.example`.
    #[test]
    fn plain_entries_read_in_one_pass_as_in_full() {
        let mut quick = 0;
        crate::target::each_string(b"aX0-.*:/n", 5, |s| {
            for entry in [s.to_string(), format!("*.{s}"), format!("{s}.example")] {
                let full = parse_entry_in_full(&entry);
                if let Some(e) = quick_entry(&entry) {
                    quick += 1;
                    assert_eq!(Ok(e.into_owned()), full, "{entry:?}");
                }
                assert_eq!(
                    parse_entry(&entry).map(Entry::into_owned),
                    full,
                    "{entry:?}"
                );
            }
        });
        assert!(quick > 15_000, "{quick} entries read in one pass");
        for entry in [
            "10.0.0.1",
            "10.0.0.0/8",
            "::1",
            "https://a.example",
            "a.example:8080",
        ] {
            assert!(quick_entry(entry).is_none(), "{entry}");
        }
    }

    #[test]
    fn entries_wildcards_exclusions_and_comments() {
        let p = load("# scope\n*.example.com\nexact.example.org  # inline\n!staging.example.com\n192.0.2.0/24\n203.0.113.7\n*-prod.example.net\napi.*.example.io\n").unwrap();
        assert_eq!(
            verdict(&p, "a.example.com"),
            (VerdictKind::InScope, "*.example.com".into())
        );
        assert_eq!(verdict(&p, "example.com").0, VerdictKind::OutOfScope);
        assert_eq!(
            verdict(&p, "staging.example.com"),
            (VerdictKind::OutOfScope, "!staging.example.com".into())
        );
        assert_eq!(verdict(&p, "exact.example.org").0, VerdictKind::InScope);
        assert_eq!(verdict(&p, "192.0.2.9").0, VerdictKind::InScope);
        assert_eq!(verdict(&p, "203.0.113.7").0, VerdictKind::InScope);
        assert_eq!(verdict(&p, "web-prod.example.net").0, VerdictKind::InScope);
        assert_eq!(
            verdict(&p, "a.web-prod.example.net").0,
            VerdictKind::OutOfScope
        );
        assert_eq!(
            verdict(&p, "web-prod.example.net.evil.test").0,
            VerdictKind::OutOfScope
        );
        assert_eq!(verdict(&p, "api.eu.example.io").0, VerdictKind::InScope);
        assert_eq!(verdict(&p, "api.a.b.example.io").0, VerdictKind::OutOfScope);
        let v = p.classify("a.example.com", false);
        assert_eq!(v.source().unwrap().to_string(), "list.txt:2");
    }

    #[test]
    fn unknown_entries_are_errors_with_line_and_column() {
        let e = load("a.example.com\n  not a host\n").err().unwrap();
        assert_eq!((e.line, e.column), (2, 3));
        assert!(e.message.contains("not a host"), "{}", e.message);
        let e = load("https://example.com/path\n").err().unwrap();
        assert!(e.message.contains("paths"), "{}", e.message);
        let e = load("*.com\n").err().unwrap();
        assert!(e.message.contains("public suffix"), "{}", e.message);
        let e = load("*.google.*\n").err().unwrap();
        assert!(e.message.contains("last label"), "{}", e.message);
        let e = load("*-x.azurewebsites.net\n").err().unwrap();
        assert!(e.message.contains("customer-owned"), "{}", e.message);
    }

    #[test]
    fn duplicates_ignore_ascii_case_but_an_exclusion_is_not_its_inclusion() {
        let p =
            load("a.example.com\nA.Example.COM\n!b.example.com\n!B.EXAMPLE.com\nb.example.com\n")
                .unwrap();
        // `A.Example.COM` repeats line 1; `!B.EXAMPLE.com` repeats line 3; `b.example.com`
        // is an inclusion beside the exclusion, so it is kept (and the exclusion still wins).
        let ids: Vec<&str> = p.assets.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["a.example.com", "b.example.com"]);
        let ids: Vec<&str> = p.exclusions.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["!b.example.com"]);
        assert_eq!(
            verdict(&p, "b.example.com"),
            (VerdictKind::OutOfScope, "!b.example.com".into())
        );
        // Long entries compare the same way.
        let long = format!("{}example.com", "abcdefghij.".repeat(10));
        let p = load(&format!("{long}\n{}\n", long.to_ascii_uppercase())).unwrap();
        assert_eq!(p.assets.len(), 1);
    }

    /// A repeat is dropped wherever the loader finds it: a host entry's on its name in the index
    /// (exact, wildcard, glob; inclusion and exclusion), a range's and an unusable wildcard's by
    /// text. Entries that only mean the same (`example.com` and `https://example.com`, one range
    /// written two ways) stay two rules, as they always did. The same with the parsing thread.
    #[test]
    fn repeats_are_dropped_wherever_they_are_found() {
        let list = "example.com\nhttps://example.com\nEXAMPLE.com\n*.Example.com\n*.example.COM\n\
                    *-x.example.com\n*-X.example.com\n2001:db8::/32\n2001:DB8::/32\n2001:0db8::/32\n\
                    !a.example.com\n!A.example.com\n!*.b.example.com\n!*.B.example.com\n\
                    *.com\n*.COM\n\
                    *-y.example.com\n*-Y.example.com\nhttp://example.com\nHTTP://example.com\n\
                    !https://a.example.com\n!HTTPS://a.example.com\n";
        let padding = "#\n".repeat(PARALLEL_PARSE_LINES);
        for text in [list.to_string(), format!("{padding}{list}")] {
            let (p, skipped) =
                load_plain_file_skipping(Path::new("list.txt"), &text, SuffixList::embedded())
                    .unwrap();
            let ids: Vec<&str> = p.assets.iter().map(|a| a.id.as_str()).collect();
            assert_eq!(
                ids,
                [
                    "example.com",
                    "https://example.com",
                    "*.Example.com",
                    "*-x.example.com",
                    "2001:db8::/32",
                    "2001:0db8::/32",
                    "*-y.example.com",
                    "http://example.com"
                ]
            );
            // (The last three pairs repeat a later rule on a name, not the first one there.)
            let ids: Vec<&str> = p.exclusions.iter().map(|e| e.id.as_str()).collect();
            assert_eq!(
                ids,
                [
                    "!a.example.com",
                    "!*.b.example.com",
                    "!https://a.example.com"
                ]
            );
            // `*.com` is set aside once, its repeat dropped.
            let lines: Vec<u32> = skipped.iter().map(|e| e.line).collect();
            assert_eq!(
                lines,
                [text.lines().position(|l| l == "*.com").unwrap() as u32 + 1]
            );
            let problems =
                plain_list_problems(Path::new("list.txt"), &text, SuffixList::embedded());
            assert_eq!(problems.len(), 1, "{problems:?}");
        }
    }

    /// Offsets in the compact layouts are 32 bits: a list over the limit is an error, not a panic.
    #[test]
    fn a_list_over_the_size_limit_is_an_error_naming_it() {
        let text = "#\n".repeat(MAX_LIST_BYTES / 2 + 1);
        let e = load(&text).expect_err("too big");
        assert!(e.message.contains("256 MiB"), "{}", e.message);
        assert!(e.message.contains("the list is 257 MiB"), "{}", e.message);
        assert_eq!((e.file.as_str(), e.line, e.column), ("list.txt", 1, 1));
    }

    /// A list long enough to be parsed on a second thread reports every bad line, in order,
    /// drops repeats and files the rest as one thread does.
    #[test]
    fn long_lists_report_every_bad_line_in_order() {
        let mut text = String::new();
        let mut bad = Vec::new();
        let mut included = std::collections::HashSet::new();
        for i in 0..(PARALLEL_PARSE_LINES + 5_000) {
            if i % 997 == 0 {
                text.push_str(&format!("not a host {i}\n"));
                bad.push(i as u32 + 1);
            } else if i % 10 == 0 {
                text.push_str(&format!("!Host{}.Example.com\n", i - 10));
            } else {
                // Odd lines repeat the host of the line before.
                let host = format!("host{}.example.com", i - i % 2);
                text.push_str(&host);
                text.push('\n');
                included.insert(host);
            }
        }
        let problems = plain_list_problems(Path::new("long.txt"), &text, SuffixList::embedded());
        let lines: Vec<u32> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, bad);
        let p = load(&text.replace("not a host", "# not a host")).unwrap();
        assert_eq!(p.assets.len(), included.len());
        assert_eq!(verdict(&p, "host12.example.com").0, VerdictKind::InScope);
        assert_eq!(
            verdict(&p, "host20.example.com"),
            (VerdictKind::OutOfScope, "!Host20.Example.com".into())
        );
    }

    /// Entries are built into rules only when read, and built the same as ever.
    #[test]
    fn assets_are_built_when_read_with_their_place() {
        let p = load("# c\n*.example.com\n  Exact.Example.org\n192.0.2.0/24\n").unwrap();
        let super::super::AssetsRepr::Plain(plain) = &p.assets.0 else {
            panic!("a plain list keeps its entries compact");
        };
        let built = |plain: &PlainAssets| {
            plain
                .built
                .iter()
                .filter_map(|chunk| chunk.get())
                .flat_map(|chunk| chunk.iter())
                .filter(|c| c.get().is_some())
                .count()
        };
        assert_eq!(built(plain), 0);
        let v = p.classify("exact.example.org", false);
        assert_eq!(v.kind, VerdictKind::InScope);
        assert_eq!(built(plain), 1);
        let a = &p.assets[1];
        assert_eq!(a.id, "Exact.Example.org");
        assert_eq!((a.source.line, a.source.column), (3, 3));
        assert_eq!(a.hosts, [HostPattern::Exact("exact.example.org".into())]);
        assert_eq!(p.assets[0].hosts.len(), 1);
        assert!(
            p.assets[2].hosts.is_empty(),
            "a CIDR is filed in the index, not as a host"
        );
        let ids: Vec<&str> = p.assets.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["*.example.com", "Exact.Example.org", "192.0.2.0/24"]);
        assert_eq!(p.assets.iter().len(), 3);
    }

    #[test]
    fn detection_by_extension_and_content() {
        assert!(is_plain_list(Path::new("a.scope"), "schema_version: 1"));
        assert!(!is_plain_list(Path::new("a.yaml"), "*.example.com"));
        assert!(is_plain_list(Path::new("a"), "# c\n*.example.com\n"));
        assert!(is_plain_list(Path::new("a"), "2001:db8::/32\n"));
        assert!(!is_plain_list(Path::new("a"), "# c\nschema_version: 1\n"));
    }

    #[test]
    fn explicit_customer_host_is_in_scope_but_wildcards_over_customers_are_not() {
        let p = load("contoso.azurewebsites.net\n").unwrap();
        assert_eq!(
            verdict(&p, "contoso.azurewebsites.net").0,
            VerdictKind::InScope
        );
        assert_eq!(
            verdict(&p, "x.contoso.azurewebsites.net").0,
            VerdictKind::OutOfScope
        );
    }
}
