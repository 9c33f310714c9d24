//! The rules model and its loader: YAML in, a validated [`Program`] out.
//!
//! Loading never yields a partial scope. Any problem (YAML syntax, unknown key, bad host
//! pattern, CIDR, regex, duplicate id, dangling reference) is a [`RulesError`] that names the
//! file, line and column.

mod compile;
pub mod host_pattern;
pub mod index;
pub mod model;
pub mod multi;
pub mod pacing;
pub mod pattern;
pub mod plain;
pub mod schema;
pub mod verdicts;

use std::collections::HashSet;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use crate::psl::SuffixList;
pub use compile::{compile_all, parse_cidr, parse_not_account, AppKey};
pub use host_pattern::{
    glob_matches, is_one_label, parse_host_pattern, star_matches, wildcard_base_problem,
    wildcard_problem, HostPattern, COVERS_CUSTOMER_SUFFIX,
};
pub use index::ScopeIndex;
use model::RulesFile;
/// A value with the place it is written (what `model` calls `Spanned`).
pub use serde_saphyr::Spanned;

/// The default program, compiled into the binary.
pub const EMBEDDED_RULES: &str = include_str!("../../scope-rules/microsoft-identity.yaml");
/// [`EMBEDDED_RULES`] with only the sections `check` reads (the others blanked out, positions
/// kept), prepared by `build.rs`.
const EMBEDDED_CHECK_RULES: &str = include_str!(concat!(env!("OUT_DIR"), "/embedded-check.yaml"));
/// [`EMBEDDED_CHECK_RULES`] read into the model by `build.rs` and written as JSON with every
/// `Spanned` item's locations: `check` reads it instead of parsing YAML (most of its start-up).
/// Made from the YAML by every build, so it cannot go stale; empty when the YAML does not parse
/// (the YAML is parsed then, and its error reported as for any rules file).
const EMBEDDED_CHECK_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/embedded-check.json"));
#[cfg(test)]
#[path = "check_sections.rs"]
mod check_sections;
/// The path shown for rules that come from the embedded default.
pub const EMBEDDED_RULES_PATH: &str = "scope-rules/microsoft-identity.yaml";

/// A problem in a rules file, with where it is (the one source-located error type).
pub type RulesError = crate::diagnostic::SourceError;

/// Where a rule is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLoc {
    pub file: Arc<str>,
    pub line: u32,
    pub column: u32,
}

impl fmt::Display for SourceLoc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// One segment of an API path prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSeg {
    Lit(String),
    /// `{name}`: any one segment.
    Any,
    /// A segment with `*` in it (`b2c_1*`): `*` matches any run of characters in the segment.
    Glob(String),
}

#[derive(Debug, Clone)]
pub struct PathRule {
    pub versions: Vec<String>,
    pub case_insensitive: bool,
    /// A query condition holds when any value of a repeated parameter matches, not every one:
    /// set for exclusions, where a parameter given twice could be read either way and
    /// excluding is the side to err on. (Assets need every value to match.)
    pub any_value: bool,
    pub aliases: Vec<(Vec<PathSeg>, Vec<PathSeg>)>,
    pub prefixes: Vec<(String, Vec<PathSeg>)>,
    /// Query parameters the target must carry: (name, value glob).
    pub query: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct AssetRule {
    pub id: String,
    pub title: Option<String>,
    pub award_table: Option<String>,
    /// Allowed ports; empty means any.
    pub ports: Vec<u16>,
    /// Boxed: most rules have none, and plain lists hold a million rules.
    pub paths: Option<Box<PathRule>>,
    pub note: Option<String>,
    pub hosts: Vec<HostPattern>,
    pub source: SourceLoc,
}

#[derive(Debug, Clone)]
pub struct ExclusionRule {
    pub id: String,
    pub reason: String,
    pub uncertain: bool,
    pub note: Option<String>,
    pub paths: Option<Box<PathRule>>,
    pub hosts: Vec<HostPattern>,
    pub source: SourceLoc,
}

/// A program's assets, read by index as a slice would be. A YAML program's are compiled up
/// front; a plain list's entries are kept compact (the entry's text and place) and each built
/// into an [`AssetRule`] the first time it is read, which for `check` is only when a verdict
/// names it: a list of a million entries would otherwise hold 300 MB of rules nobody reads.
pub struct Assets(pub(crate) AssetsRepr);

pub(crate) enum AssetsRepr {
    Built(Vec<AssetRule>),
    Plain(plain::PlainAssets),
}

impl Assets {
    pub fn len(&self) -> usize {
        match &self.0 {
            AssetsRepr::Built(v) => v.len(),
            AssetsRepr::Plain(p) => p.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, i: usize) -> Option<&AssetRule> {
        match &self.0 {
            AssetsRepr::Built(v) => v.get(i),
            AssetsRepr::Plain(p) => p.get(i),
        }
    }

    pub fn iter(&self) -> AssetsIter<'_> {
        AssetsIter {
            assets: self,
            next: 0,
            end: self.len(),
        }
    }
}

impl From<Vec<AssetRule>> for Assets {
    fn from(v: Vec<AssetRule>) -> Self {
        Assets(AssetsRepr::Built(v))
    }
}

impl From<plain::PlainAssets> for Assets {
    fn from(p: plain::PlainAssets) -> Self {
        Assets(AssetsRepr::Plain(p))
    }
}

impl std::ops::Index<usize> for Assets {
    type Output = AssetRule;
    fn index(&self, i: usize) -> &AssetRule {
        match &self.0 {
            AssetsRepr::Built(v) => &v[i],
            AssetsRepr::Plain(p) => p.get(i).expect("asset index in range"),
        }
    }
}

impl<'a> IntoIterator for &'a Assets {
    type Item = &'a AssetRule;
    type IntoIter = AssetsIter<'a>;
    fn into_iter(self) -> AssetsIter<'a> {
        self.iter()
    }
}

/// The assets in order (see [`Assets::iter`]).
pub struct AssetsIter<'a> {
    assets: &'a Assets,
    next: usize,
    end: usize,
}

impl<'a> Iterator for AssetsIter<'a> {
    type Item = &'a AssetRule;
    fn next(&mut self) -> Option<&'a AssetRule> {
        if self.next >= self.end {
            return None;
        }
        self.next += 1;
        self.assets.get(self.next - 1)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.end - self.next;
        (n, Some(n))
    }
}

impl ExactSizeIterator for AssetsIter<'_> {}

impl fmt::Debug for Assets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// A set of host names, hashed for the per-label lookups of the matcher.
pub type NameSet = foldhash::HashSet<String>;

#[derive(Debug, Clone)]
pub struct CustomerOwnedRule {
    pub id: String,
    pub reason: String,
    pub psl_private: bool,
    pub suffixes: NameSet,
    pub source: SourceLoc,
}

/// A loaded, validated program: the raw file (for lint, probe and rules tooling) plus the
/// compiled scope.
#[derive(Debug)]
pub struct Program {
    pub file: RulesFile,
    /// Path of the rules file, as shown in `source` fields.
    pub origin: Arc<str>,
    pub assets: Assets,
    pub exclusions: Vec<ExclusionRule>,
    pub customer_owned: Option<CustomerOwnedRule>,
    pub index: ScopeIndex,
    pub psl: Arc<SuffixList>,
    /// Where the `assets:` list starts, for verdicts that no asset decided.
    pub assets_source: SourceLoc,
    /// No asset limits ports or paths and no exclusion limits paths: the host decides, and the
    /// quick path need not read the rules it matched (set by [`Program::host_only`]).
    pub(crate) host_only: bool,
}

impl Program {
    /// Whether some asset or exclusion has a query condition (`paths.query`).
    pub fn has_query_conditions(&self) -> bool {
        let has = |p: &Option<Box<PathRule>>| p.as_ref().is_some_and(|p| !p.query.is_empty());
        !self.host_only
            && (self.assets.iter().any(|a| has(&a.paths))
                || self.exclusions.iter().any(|x| has(&x.paths)))
    }

    /// Whether a host match alone decides under these rules (see `host_only`).
    pub(crate) fn host_only<'a>(
        assets: impl IntoIterator<Item = &'a AssetRule>,
        exclusions: &[ExclusionRule],
    ) -> bool {
        assets
            .into_iter()
            .all(|a| a.ports.is_empty() && a.paths.is_none())
            && exclusions.iter().all(|x| x.paths.is_none())
    }
}

impl Program {
    pub fn id(&self) -> &str {
        &self.file.program.id
    }
}

/// Every program in use for a run.
#[derive(Debug)]
pub struct ScopeRules {
    pub programs: Vec<Program>,
}

impl ScopeRules {
    /// The embedded default program.
    pub fn embedded(psl: Arc<SuffixList>) -> Result<ScopeRules, RulesError> {
        let file = parse_rules_file(EMBEDDED_RULES, EMBEDDED_RULES_PATH)?;
        ScopeRules::embedded_file(file, psl, false)
    }

    /// The embedded default program with only the sections that classify targets (`check`):
    /// assets, exclusions, customer-owned suffixes and probe settings. The linter's sections and
    /// the award tables (most of the file) are not parsed, which is most of `check`'s start-up;
    /// `file.awards` is `None` in the result (an asset's award table is still its id).
    /// The model is read from the JSON form `build.rs` wrote ([`EMBEDDED_CHECK_JSON`]).
    pub fn embedded_for_check(psl: Arc<SuffixList>) -> Result<ScopeRules, RulesError> {
        ScopeRules::embedded_file(embedded_check_file()?, psl, true)
    }

    fn embedded_file(
        file: RulesFile,
        psl: Arc<SuffixList>,
        awards_left_out: bool,
    ) -> Result<ScopeRules, RulesError> {
        // With another suffix list (`--psl`), the wildcards are checked again against it.
        let trusted = Arc::ptr_eq(&psl, &SuffixList::embedded());
        let (program, mut errors) =
            compile::compile_with(file, EMBEDDED_RULES_PATH, psl, trusted, awards_left_out);
        if !errors.is_empty() {
            return Err(errors.swap_remove(0));
        }
        Ok(ScopeRules {
            programs: vec![program],
        })
    }

    /// Load each rules file given, in order.
    pub fn from_files(
        paths: &[impl AsRef<Path>],
        psl: Arc<SuffixList>,
    ) -> Result<ScopeRules, RulesError> {
        ScopeRules::from_files_with(paths, psl, None)
    }

    /// [`ScopeRules::from_files`]; with `skipped`, plain lists load without their unusable
    /// inclusions, which are added there (see [`load_program_file_with`]).
    pub fn from_files_with(
        paths: &[impl AsRef<Path>],
        psl: Arc<SuffixList>,
        mut skipped: Option<&mut Vec<RulesError>>,
    ) -> Result<ScopeRules, RulesError> {
        let mut programs = Vec::with_capacity(paths.len());
        for p in multi::expand_rules_paths(paths)? {
            programs.push(load_program_file_with(
                &p,
                psl.clone(),
                skipped.as_deref_mut(),
            )?);
        }
        let mut seen = HashSet::new();
        for p in &programs {
            if !seen.insert(p.id().to_string()) {
                return Err(RulesError {
                    file: p.origin.to_string(),
                    line: 1,
                    column: 1,
                    message: format!("program id `{}` is loaded twice", p.id()),
                });
            }
        }
        Ok(ScopeRules { programs })
    }
}

/// The model of [`EMBEDDED_CHECK_RULES`], read from [`EMBEDDED_CHECK_JSON`] (or from the YAML
/// when `build.rs` could not read it, so that its error is reported with its line).
fn embedded_check_file() -> Result<RulesFile, RulesError> {
    check_file_from(EMBEDDED_CHECK_JSON)
}

fn check_file_from(json: &str) -> Result<RulesFile, RulesError> {
    if json.is_empty() {
        return parse_rules_file(EMBEDDED_CHECK_RULES, EMBEDDED_RULES_PATH);
    }
    serde_json::from_str(json).map_err(|e| {
        whole_file_error(
            EMBEDDED_RULES_PATH,
            format!("the build's JSON form of the embedded rules does not read: {e}"),
        )
    })
}

pub(crate) fn whole_file_error(file: &str, message: String) -> RulesError {
    RulesError {
        file: file.to_string(),
        line: 1,
        column: 1,
        message,
    }
}

/// Read and load a rules file from disk.
pub fn load_program_file(path: &Path, psl: Arc<SuffixList>) -> Result<Program, RulesError> {
    load_program_file_with(path, psl, None)
}

/// [`load_program_file`]; with `skipped`, the unusable inclusions of a plain list are left out
/// and added there (`--skip-invalid`) instead of failing the load. YAML rules files and
/// unusable exclusions still fail.
pub fn load_program_file_with(
    path: &Path,
    psl: Arc<SuffixList>,
    skipped: Option<&mut Vec<RulesError>>,
) -> Result<Program, RulesError> {
    let name = path.display().to_string();
    if path.is_dir() {
        return Err(whole_file_error(
            &name,
            "is a directory, not a rules file".into(),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| RulesError {
        file: name.clone(),
        line: 0,
        column: 0,
        message: format!("cannot read: {e}"),
    })?;
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let ends =
                crate::text::LineEnds::of_rules(path, &String::from_utf8_lossy(e.as_bytes()));
            let (line, column) = crate::text::not_utf8_at(&e, ends);
            return Err(RulesError {
                file: name,
                line,
                column,
                message: "not valid UTF-8".into(),
            });
        }
    };
    if plain::is_plain_list(path, &text) {
        return match skipped {
            Some(list) => plain::load_plain_file_skipping(path, &text, psl).map(|(p, s)| {
                list.extend(s);
                p
            }),
            None => plain::load_plain_file(path, &text, psl),
        };
    }
    load_program_str(&text, &name, psl)
}

/// Parse YAML into the model, with errors located in `origin`.
pub fn parse_rules_file(text: &str, origin: &str) -> Result<RulesFile, RulesError> {
    // Lines as YAML counts them (a lone `\r` ends one): a comment does not hide what follows.
    if crate::text::lines(text, crate::text::LineEnds::Any)
        .iter()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        return Err(whole_file_error(origin, "the rules file is empty".into()));
    }
    serde_saphyr::from_str_with_options::<RulesFile>(text, yaml_options()).map_err(|e| {
        let (line, column) = e
            .location()
            .map(|l| (l.line() as u32, l.column() as u32))
            .unwrap_or((1, 1));
        RulesError {
            file: origin.to_string(),
            line: line.max(1),
            column: column.max(1),
            message: yaml_error_message(&e),
        }
    })
}

/// How every YAML file scopelint reads is parsed (rules, configuration, draft front matter):
/// a duplicate key is an error, and errors come without the crate's snippet (we print our own
/// location and snippet).
pub fn yaml_options() -> serde_saphyr::options::Options {
    let mut options = serde_saphyr::options::Options::default();
    options.with_snippet = false;
    options.duplicate_keys = serde_saphyr::options::DuplicateKeyPolicy::Error;
    options
}

/// The YAML error's text without the location prefix the crate adds (we print our own).
/// Shared with the configuration-file loader.
pub fn yaml_error_message(e: &serde_saphyr::Error) -> String {
    let text = e.to_string();
    let first = text.lines().next().unwrap_or("invalid YAML").trim();
    // serde-saphyr renders "<message> at line L, column C"; keep the message part.
    let message = match first.rfind(" at line ") {
        Some(i) => &first[..i],
        None => first,
    };
    // Our policy, not the reader's: drop the crate's advice on how to allow duplicates.
    match message.strip_prefix("duplicate mapping key: ") {
        Some(rest) => {
            let key = rest
                .split(", set DuplicateKeyPolicy")
                .next()
                .unwrap_or(rest);
            format!("duplicate key `{key}` (a key may appear once per mapping)")
        }
        None => message.to_string(),
    }
}

/// Load and validate a program from YAML text.
pub fn load_program_str(
    text: &str,
    origin: &str,
    psl: Arc<SuffixList>,
) -> Result<Program, RulesError> {
    let file = parse_rules_file(text, origin)?;
    compile::compile(file, origin, psl)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Start-up trusts the embedded rules; this is the check that makes that safe.
    #[test]
    fn embedded_rules_pass_full_validation() {
        let psl = SuffixList::embedded();
        let file = parse_rules_file(EMBEDDED_RULES, EMBEDDED_RULES_PATH).unwrap();
        let (full, errors) = compile_all(file, EMBEDDED_RULES_PATH, psl.clone());
        assert!(errors.is_empty(), "{errors:?}");
        let fast = ScopeRules::embedded(psl).unwrap();
        let ids = |p: &Program| p.assets.iter().map(|a| a.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&fast.programs[0]), ids(&full));
        assert!(!full.assets.is_empty());
    }

    /// `check` loads the embedded program without the linter's sections: what classifies must
    /// be the same, down to every rule's source position, and so must every verdict.
    #[test]
    fn check_sections_of_the_embedded_rules_classify_the_same() {
        let psl = SuffixList::embedded();
        let whole = ScopeRules::embedded(psl.clone()).unwrap();
        let part = ScopeRules::embedded_for_check(psl).unwrap();
        assert_eq!(
            EMBEDDED_CHECK_RULES,
            check_sections::only_sections(EMBEDDED_RULES, check_sections::CHECK_SECTIONS)
        );
        assert_eq!(
            EMBEDDED_CHECK_RULES.lines().count(),
            EMBEDDED_RULES.lines().count()
        );
        let (w, p) = (&whole.programs[0], &part.programs[0]);
        assert_eq!(format!("{:?}", w.assets), format!("{:?}", p.assets));
        assert_eq!(format!("{:?}", w.exclusions), format!("{:?}", p.exclusions));
        // The suffix set prints in hash order: compare it sorted.
        let customer = |p: &Program| {
            p.customer_owned.as_ref().map(|c| {
                let mut s: Vec<&String> = c.suffixes.iter().collect();
                s.sort();
                format!("{} {} {} {} {s:?}", c.id, c.reason, c.psl_private, c.source)
            })
        };
        assert_eq!(customer(w), customer(p));
        assert!(customer(w).is_some());
        // Lines and columns are the same; byte offsets are not (blanked lines are emptied), and
        // nothing reads them.
        let spans = regex::Regex::new(r"span: Span \{[^}]*\}").unwrap();
        let same = |a: String, b: String| {
            assert_eq!(spans.replace_all(&a, ""), spans.replace_all(&b, ""));
        };
        same(
            format!("{:?}", w.file.program),
            format!("{:?}", p.file.program),
        );
        assert!(p.file.awards.is_none() && w.file.awards.is_some());
        // Every asset's award table is still there (compared with the assets above).
        assert!(p.assets.iter().any(|a| a.award_table.is_some()));
        same(format!("{:?}", w.file.probe), format!("{:?}", p.file.probe));
        assert!(p.file.excluded_classes.is_empty() && !w.file.excluded_classes.is_empty());
        let mut targets = Vec::new();
        for a in &w.assets {
            for h in &a.hosts {
                let h = h.to_string().replace("*.", "x.").replace('*', "y");
                let h = h.replace(['{', '}'], "");
                targets.extend([
                    h.clone(),
                    format!("https://{h}/v1.0/me"),
                    format!("http://{h}:8080/"),
                ]);
            }
        }
        targets.extend(["contoso.azurewebsites.net".into(), "example.org".into()]);
        for t in &targets {
            let (a, b) = (w.classify(t, true), p.classify(t, true));
            assert_eq!(
                (a.kind, a.rule(), a.reason_text(), &a.trace),
                (b.kind, b.rule(), b.reason_text(), &b.trace),
                "{t}"
            );
        }
        assert!(targets.len() >= 50, "{}", targets.len());
    }

    /// The JSON form `build.rs` writes reads into the very model the YAML parse gives, every
    /// location's line and column included: `check` reads the JSON. It is made from the YAML by
    /// each build, and this compares it with the YAML this build embeds. (The JSON leaves out
    /// the spans, character and byte offsets that nothing reads.)
    #[test]
    fn json_form_of_the_check_sections_is_the_yaml_model_with_every_location() {
        assert!(
            !EMBEDDED_CHECK_JSON.is_empty(),
            "build.rs wrote no JSON form"
        );
        let spans = regex::Regex::new(r"span: Span \{[^}]*\}").unwrap();
        let debug = |f: &RulesFile| spans.replace_all(&format!("{f:?}"), "").into_owned();
        let yaml_file = parse_rules_file(EMBEDDED_CHECK_RULES, EMBEDDED_RULES_PATH).unwrap();
        let from_yaml = debug(&yaml_file);
        assert!(from_yaml.matches("line: ").count() > 300);
        assert_eq!(from_yaml, debug(&embedded_check_file().unwrap()));
        // Without the JSON form (the YAML did not parse at build time), the YAML is read.
        assert_eq!(from_yaml, debug(&check_file_from("").unwrap()));
        // The comparison sees one wrong line: move the first asset host one line down.
        let host = &yaml_file.assets[0].value.hosts[0];
        let line = format!("\"line\":{}", host.referenced.line());
        let at = EMBEDDED_CHECK_JSON
            .find(&format!("{:?}", host.value))
            .unwrap();
        let i = at + EMBEDDED_CHECK_JSON[at..].find(&line).unwrap();
        let moved = format!(
            "{}\"line\":{}{}",
            &EMBEDDED_CHECK_JSON[..i],
            host.referenced.line() + 1,
            &EMBEDDED_CHECK_JSON[i + line.len()..]
        );
        let wrong = check_file_from(&moved).unwrap();
        assert_eq!(
            wrong.assets[0].value.hosts[0].referenced.line(),
            host.referenced.line() + 1
        );
        assert_ne!(from_yaml, debug(&wrong));
        // A JSON form that does not read is an error, not a panic or an empty program.
        let e = check_file_from("{").unwrap_err();
        assert!(e.message.contains("JSON form"), "{}", e.message);
    }

    #[test]
    fn another_suffix_list_revalidates_the_embedded_wildcards() {
        // A list on which b2clogin.com is a public suffix makes `{tenant}.b2clogin.com` an error.
        let psl = Arc::new(
            SuffixList::parse(
                "// ===BEGIN ICANN DOMAINS===\ncom\n// ===END ICANN DOMAINS===\n// ===BEGIN PRIVATE DOMAINS===\nb2clogin.com\n// ===END PRIVATE DOMAINS===\n",
                "test.dat",
            )
            .unwrap(),
        );
        let e = ScopeRules::embedded(psl).expect_err("must be refused");
        assert!(e.message.contains("b2clogin.com"), "{}", e.message);
    }

    /// Found by fuzzing: a `*` left in a customer-owned suffix after its `*.` prefix reached an
    /// `unreachable!`. It is an error at the entry.
    #[test]
    fn customer_owned_suffix_with_a_star_is_an_error() {
        for (suffix, column) in [("users.exam*ple.com", 14), ("\"*.*.example.com\"", 14)] {
            let yaml = format!(
                "schema_version: 1\nprogram:\n  id: p\n  name: P\n  revision: \"1\"\nassets:\n  - id: a\n    hosts: [www.example.org]\ncustomer_owned:\n  id: c\n  reason: Customers.\n  suffixes: [{suffix}]\n"
            );
            let e = load_program_str(&yaml, "t.yaml", SuffixList::embedded())
                .expect_err("must be refused");
            assert_eq!((e.line, e.column), (12, column), "{suffix}: {e:?}");
            assert!(
                e.message.starts_with("customer-owned suffix `")
                    && e.message.contains("without other `*`"),
                "{}",
                e.message
            );
        }
    }
}
