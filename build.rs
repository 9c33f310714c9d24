//! Prepares at build time what start-up would otherwise compute:
//! - the vendored Public Suffix List with every Unicode rule in its punycode form, so the list
//!   is parsed at run time without running IDNA over ten thousand rules;
//! - `psl_private_names.rs`: the sorted suffix hashes (`src/suffix_hash.rs`) of the list's
//!   private rules and an 8 KB bit filter of them, so a host with none of them is answered
//!   without parsing that section (and mostly without searching the hashes);
//! - `psl_public_names.rs`: the sorted suffix hashes of the names of all the list's rules, with
//!   a 16 KB bit filter of them, and the sorted hashes of the bases of its wildcard rules (no
//!   filter), so a name that is no public suffix is mostly answered without parsing the list;
//! - `embedded-check.yaml`: the embedded program with the sections `check` does not read
//!   blanked (lines kept, so every `file:line` stays the same);
//! - `embedded-check.json`: that text parsed into the rules model (`src/rules/model.rs`) and
//!   written as JSON with every `Spanned` item's locations, so `check` starts by reading JSON
//!   (serde_json, several times faster) instead of parsing YAML. It is made from the YAML on every
//!   build that changes either, so it cannot go stale; when the YAML does not parse, it is empty
//!   and the library parses the YAML, which reports the error with its line as before.

// `scopelint_crate` is set for the package's crates only (see `main`), never for this script.
#![allow(unexpected_cfgs)]

#[path = "src/psl_ascii.rs"]
mod psl_ascii;

#[path = "src/rules/check_sections.rs"]
mod check_sections;

// The library's hashes; the table mixing is not needed here.
#[allow(dead_code)]
#[path = "src/suffix_hash.rs"]
mod suffix_hash;

/// The rules model, compiled here with [`Spanned`] (below) in place of `serde_saphyr::Spanned`:
/// `model.rs` names it as `super::Spanned`.
#[path = "src/rules/model.rs"]
mod model;

/// Reads like `serde_saphyr::Spanned` (it is one) and writes the form that
/// `serde_saphyr::Spanned` reads back from any self-describing format: a map whose first key is
/// the crate's marker, then `value`, `referenced` and `defined` (see serde-saphyr's
/// `spanned.rs` and `location.rs`). serde-saphyr's own `Serialize` writes the value only.
/// The locations are written with line and column only (see [`location`]).
#[derive(Debug, Clone)]
pub struct Spanned<T>(serde_saphyr::Spanned<T>);

/// The first key of the located form, `serde_saphyr::spanned::INTERNAL_SPANNED_MARKER` (private).
const SPANNED_MARKER: &str = "__serde_saphyr_private_spanned";

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Spanned<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde_saphyr::Spanned::deserialize(d).map(Spanned)
    }
}

impl<T: serde::Serialize> serde::Serialize for Spanned<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(4))?;
        map.serialize_entry(SPANNED_MARKER, &())?;
        map.serialize_entry("value", &self.0.value)?;
        map.serialize_entry("referenced", &location(&self.0.referenced))?;
        map.serialize_entry("defined", &location(&self.0.defined))?;
        map.end()
    }
}

/// A `serde_saphyr::Location` as its `Deserialize` reads it: line and column. Not the span
/// (character and byte offsets, in the reduced text) nor the source id: nothing reads them, and
/// they were half of the JSON read (the loaded model has `Span::UNKNOWN` and source 0 there).
fn location(l: &serde_saphyr::Location) -> serde_json::Value {
    serde_json::json!({ "line": l.line(), "column": l.column() })
}

fn main() {
    // The package's crates, not this script: `src/rules/model.rs` derives `Serialize` only here.
    println!("cargo::rustc-check-cfg=cfg(scopelint_crate)");
    println!("cargo::rustc-cfg=scopelint_crate");
    let src = "data/public_suffix_list.dat";
    println!("cargo:rerun-if-changed={src}");
    println!("cargo:rerun-if-changed=src/psl_ascii.rs");
    let text = std::fs::read_to_string(src)
        .expect("data/public_suffix_list.dat is vendored in the repository");
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let rules = "scope-rules/microsoft-identity.yaml";
    println!("cargo:rerun-if-changed={rules}");
    println!("cargo:rerun-if-changed=src/rules/check_sections.rs");
    println!("cargo:rerun-if-changed=src/suffix_hash.rs");
    println!("cargo:rerun-if-changed=src/rules/model.rs");
    let yaml = std::fs::read_to_string(rules).expect("the embedded rules are in the repository");
    let check_yaml = check_sections::only_sections(&yaml, check_sections::CHECK_SECTIONS);
    std::fs::write(out.join("embedded-check.yaml"), &check_yaml).expect("OUT_DIR is writable");
    std::fs::write(out.join("embedded-check.json"), located_json(&check_yaml))
        .expect("OUT_DIR is writable");
    let ascii = psl_ascii::add_ascii_rules(&text);
    std::fs::write(out.join("public_suffix_list.ascii.dat"), &ascii).expect("OUT_DIR is writable");
    std::fs::write(out.join("psl_private_names.rs"), private_names(&ascii))
        .expect("OUT_DIR is writable");
    std::fs::write(out.join("psl_public_names.rs"), public_names(&ascii))
        .expect("OUT_DIR is writable");
}

/// `yaml` read into the rules model and written as JSON with locations (see [`Spanned`]), or
/// nothing when it does not read: the library then parses the YAML and reports the problem with
/// its line, as for any rules file.
fn located_json(yaml: &str) -> String {
    // The options of `scopelint::rules::yaml_options` (duplicate keys are errors).
    let mut options = serde_saphyr::options::Options::default();
    options.duplicate_keys = serde_saphyr::options::DuplicateKeyPolicy::Error;
    match serde_saphyr::from_str_with_options::<model::RulesFile>(yaml, options) {
        Ok(file) => serde_json::to_string(&file).expect("the model serializes to JSON"),
        Err(e) => {
            println!("cargo:warning=the embedded rules do not parse (the library reports it): {e}");
            String::new()
        }
    }
}

/// The names the private section's rules are written on (`*.` and `!` taken off), sorted, as a
/// Rust array: a host none of whose suffixes is one of them has no private suffix, which the
/// library answers without parsing the list (start-up of `check` on a wildcard-covered host).
fn private_names(ascii: &str) -> String {
    let start = ascii
        .find("===BEGIN PRIVATE DOMAINS===")
        .unwrap_or(ascii.len());
    let names = rule_names(&ascii[start..], |_| true);
    let mut out = String::from("/// Generated by build.rs from the vendored Public Suffix List.\n");
    out.push_str(&name_set(
        "PRIVATE_RULE",
        &names,
        Some(suffix_hash::PRIVATE_FILTER_BITS),
    ));
    out
}

/// The names every rule of the list is written on, and the names under its wildcard rules
/// (`*.ck` gives `ck`), as Rust arrays: a name that is not the first, and whose parent is not
/// the second, is no public suffix, which the library answers without parsing the list (the
/// load of a plain list checks every wildcard's base).
fn public_names(ascii: &str) -> String {
    // The library's pre-check knows one wildcard form: a leading `*.` on a rule that is no
    // exception. The crate matches `*` at any label, so a list with another form would make the
    // pre-check deny a public suffix (and widen scope): refuse to build with it.
    for rule in ascii
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|r| !r.starts_with("//"))
    {
        // (`!*.x` keeps its `*` here: no exception is a wildcard.)
        let rest = rule.strip_prefix("*.").unwrap_or(rule);
        assert!(
            !rest.contains('*'),
            "data/public_suffix_list.dat: the rule `{rule}` has a wildcard other than a leading \
             `*.`, which src/psl.rs's pre-check does not handle"
        );
    }
    let names = rule_names(ascii, |_| true);
    let wildcard_bases = rule_names(ascii, |rule| rule.starts_with("*."));
    let mut out = String::from("/// Generated by build.rs from the vendored Public Suffix List.\n");
    out.push_str(&name_set(
        "PUBLIC_RULE",
        &names,
        Some(suffix_hash::PUBLIC_FILTER_BITS),
    ));
    out.push_str(&name_set("WILDCARD_BASE", &wildcard_bases, None));
    out
}

/// The names the rules of `list` for which `keep` holds are written on (`*.` and `!` taken
/// off), lowercased, sorted, without repeats.
fn rule_names(list: &str, keep: impl Fn(&str) -> bool) -> Vec<String> {
    let mut names: Vec<String> = list
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|r| !r.starts_with("//") && keep(r))
        .map(|r| {
            let r = r.strip_prefix('!').unwrap_or(r);
            r.strip_prefix("*.").unwrap_or(r).to_lowercase()
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

/// `names` as Rust statics named after `prefix`: the names themselves (for tests), their
/// suffix hashes (`src/suffix_hash.rs`) sorted, and, given a size, a bit filter of the hashes.
fn name_set(prefix: &str, names: &[String], filter_bits: Option<u32>) -> String {
    let mut hashes: Vec<u64> = names
        .iter()
        .map(|n| suffix_hash::reverse_hash(n.as_bytes()))
        .collect();
    hashes.sort_unstable();
    hashes.dedup();
    let mut out = String::new();
    out.push_str(&format!(
        "#[cfg(test)]\npub static {prefix}_NAMES: &[&str] = &[\n"
    ));
    for n in names {
        out.push_str(&format!("    {n:?},\n"));
    }
    out.push_str("];\n");
    out.push_str("/// FNV-1a of each name, bytes taken last to first, sorted.\n");
    out.push_str(&format!("pub static {prefix}_HASHES: &[u64] = &[\n"));
    for h in &hashes {
        out.push_str(&format!("    {h:#018x},\n"));
    }
    out.push_str("];\n");
    let Some(bits) = filter_bits else {
        return out;
    };
    // A bit per hash, so most names are answered without the binary search above.
    let mut filter = vec![0u64; 1 << (bits - 6)];
    for &h in &hashes {
        let (word, mask) = suffix_hash::filter_slot(h, bits);
        filter[word] |= mask;
    }
    out.push_str(
        "/// One bit per name's hash (`suffix_hash::filter_slot`); a clear bit: no such name.\n",
    );
    out.push_str(&format!(
        "pub static {prefix}_FILTER: [u64; {}] = [\n",
        filter.len()
    ));
    for w in filter {
        out.push_str(&format!("    {w:#018x},\n"));
    }
    out.push_str("];\n");
    out
}
