//! The Public Suffix List: which names are public suffixes (no one may claim `*.com`) and which
//! belong to a private-section entry, i.e. to a customer of a hosting platform
//! (`contoso.azurewebsites.net`).
//!
//! A current copy is vendored at `data/public_suffix_list.dat` and compiled in; `--psl FILE`
//! replaces it at run time.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use publicsuffix::{List, Psl, Type};

/// The vendored list, as shipped in the binary (with punycode forms added by `build.rs`).
pub const EMBEDDED_PSL: &str =
    include_str!(concat!(env!("OUT_DIR"), "/public_suffix_list.ascii.dat"));

pub struct SuffixList {
    /// Parsed on first use: the embedded list costs milliseconds to parse, and a `check` whose
    /// targets never need it (an exact asset, no wildcard to validate) should not pay for it.
    list: OnceLock<List>,
    /// The text the list is parsed from, until then: the embedded list, or empty for a list
    /// parsed at once (`--psl`).
    text: &'static str,
    /// The private section alone, parsed on first use by [`SuffixList::private_suffix_below`]
    /// when the whole list has not been needed (a third of the rules, a third of the time).
    private: OnceLock<List>,
    /// The `// VERSION:` line of the file, when it has one.
    version: Option<String>,
    origin: String,
}

/// The `// VERSION:` line near the top of a list.
fn version_of(text: &str) -> Option<String> {
    text.lines()
        .take(50)
        .find_map(|l| l.strip_prefix("// VERSION:"))
        .map(|v| v.trim().to_string())
}

impl std::fmt::Debug for SuffixList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SuffixList")
            .field("version", &self.version)
            .field("origin", &self.origin)
            .finish()
    }
}

impl SuffixList {
    /// The embedded list, parsed lazily, once per process.
    pub fn embedded() -> Arc<SuffixList> {
        static EMBEDDED: OnceLock<Arc<SuffixList>> = OnceLock::new();
        EMBEDDED
            .get_or_init(|| Arc::new(SuffixList::unparsed_embedded("embedded")))
            .clone()
    }

    /// The embedded list, not parsed yet (it is parsed on first use).
    fn unparsed_embedded(origin: &str) -> SuffixList {
        SuffixList {
            list: OnceLock::new(),
            private: OnceLock::new(),
            text: EMBEDDED_PSL,
            version: version_of(EMBEDDED_PSL),
            origin: origin.to_string(),
        }
    }

    fn private_list(&self) -> &List {
        self.private.get_or_init(|| {
            let start = self
                .text
                .find("===BEGIN PRIVATE DOMAINS===")
                .map_or(0, |i| self.text[..i].rfind('\n').map_or(0, |n| n + 1));
            self.text[start..].parse().unwrap_or_else(|_| List::new())
        })
    }

    fn list(&self) -> &List {
        // The vendored file is checked by a unit test, so this parse cannot fail in a released
        // binary; an empty list would still fail closed for wildcards.
        self.list
            .get_or_init(|| self.text.parse().unwrap_or_else(|_| List::new()))
    }

    /// Parse a list as published (Unicode rules are given their punycode form first).
    pub fn parse(text: &str, origin: &str) -> Result<SuffixList, String> {
        SuffixList::parse_ascii(&crate::psl_ascii::add_ascii_rules(text), origin)
    }

    /// Parse a list whose Unicode rules already have their punycode forms.
    fn parse_ascii(text: &str, origin: &str) -> Result<SuffixList, String> {
        let list: List = text
            .parse()
            .map_err(|e| format!("{origin}: not a Public Suffix List: {e}"))?;
        if list.is_empty() {
            return Err(format!("{origin}: the Public Suffix List has no rules"));
        }
        Ok(SuffixList {
            list: OnceLock::from(list),
            private: OnceLock::new(),
            text: "",
            version: version_of(text),
            origin: origin.to_string(),
        })
    }

    pub fn from_file(path: &Path) -> Result<SuffixList, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read Public Suffix List: {e}", path.display()))?;
        SuffixList::parse(&text, &path.display().to_string())
    }

    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Whether this is the embedded list, whose rules' names `build.rs` wrote: only it keeps a
    /// text (a `const` has no one address to compare it by).
    fn has_build_time_names(&self) -> bool {
        !self.text.is_empty()
    }

    /// True when `domain` itself is a listed public suffix (ICANN or private section).
    pub fn is_public_suffix(&self, domain: &str) -> bool {
        // Once the list is parsed, asking it is as quick.
        if self.has_build_time_names() && self.list.get().is_none() && !may_be_public_suffix(domain)
        {
            // No rule is written on `domain`, nor a wildcard rule on its parent.
            return false;
        }
        match self.list().suffix(domain.as_bytes()) {
            Some(s) => s.is_known() && s.as_bytes() == domain.as_bytes(),
            None => false,
        }
    }

    /// When `domain` sits strictly below a private-section entry, that entry.
    pub fn private_suffix_below<'d>(&self, domain: &'d str) -> Option<&'d str> {
        if self.has_build_time_names() && !may_have_private_rule(domain) {
            // No private rule is written on any suffix of `domain`: no need to parse the list.
            return None;
        }
        let list = match self.list.get() {
            Some(full) => full,
            None => self.private_list(),
        };
        let s = list.suffix(domain.as_bytes())?;
        if s.typ() != Some(Type::Private) {
            return None;
        }
        if s.as_bytes().len() < domain.len() {
            let start = domain.len() - s.as_bytes().len();
            return Some(&domain[start..]);
        }
        // `domain` is a suffix itself. Under a private wildcard rule
        // (`*.compute-1.amazonaws.com`) each name is one customer's (a cloud instance), so it
        // sits below the wildcard's base: a name the rule does not list is one too.
        let (_, parent) = domain.split_once('.')?;
        let probe = format!("scopelint-probe.{parent}");
        let p = list.suffix(probe.as_bytes())?;
        (p.typ() == Some(Type::Private) && p.as_bytes().len() == probe.len()).then_some(parent)
    }

    /// Whether the embedded list's names known at build time show, without parsing the list,
    /// that a wildcard on `base` meets none of the list's rules that [`wildcard_problem`]
    /// asks about: `base` is no public suffix ([`SuffixList::is_public_suffix`] is false), and
    /// no private rule is written on `x.base`, on `base` or on a suffix of it (so
    /// [`SuffixList::private_suffix_below`] finds none for either). One pass from the right
    /// gives every hash that takes. `false` when that cannot be shown: ask the list.
    ///
    /// [`wildcard_problem`]: crate::rules::wildcard_problem
    pub fn wildcard_base_is_clear(&self, base: &str) -> bool {
        if !self.has_build_time_names() {
            return false;
        }
        // Also checks that `base` is in the list's form (see `in_list_form`): one pass for all.
        let bytes = base.as_bytes();
        let (mut h, mut parent) = (crate::suffix_hash::OFFSET, None);
        // Whether the byte to the right was a dot (or the end): an empty label.
        let mut after_dot = true;
        for &b in bytes.iter().rev() {
            if b == b'.' {
                if after_dot || is_private_rule(h) {
                    return false;
                }
                // The last dot met is the first: the parent's hash.
                parent = Some(h);
                after_dot = true;
            } else if is_list_byte(b) {
                after_dot = false;
            } else {
                return false;
            }
            h = crate::suffix_hash::step(h, b);
        }
        let probe = crate::suffix_hash::step(crate::suffix_hash::step(h, b'.'), b'x');
        !(after_dot || is_private_rule(h) || is_private_rule(probe) || is_public_name(h, parent))
    }
}

mod private_names {
    include!(concat!(env!("OUT_DIR"), "/psl_private_names.rs"));
}

/// Whether a rule of the embedded list's private section may be written on `domain` or one of
/// its label-boundary suffixes (the only way one can match it). Compared by hash (one pass from
/// the right; an 8 KB bit filter, then a binary search in 28 KB of sorted numbers, whose leaves
/// are cache misses for hosts as varied as a recon list's): a collision only sends the host to
/// the list itself.
fn may_have_private_rule(domain: &str) -> bool {
    let bytes = domain.as_bytes();
    let mut h = crate::suffix_hash::OFFSET;
    for i in (0..bytes.len()).rev() {
        if bytes[i] == b'.' && is_private_rule(h) {
            return true;
        }
        h = crate::suffix_hash::step(h, bytes[i]);
    }
    is_private_rule(h)
}

/// Whether a private-section rule may be written on the name whose suffix hash is `h`.
fn is_private_rule(h: u64) -> bool {
    in_name_set(
        h,
        &private_names::PRIVATE_RULE_FILTER,
        crate::suffix_hash::PRIVATE_FILTER_BITS,
        private_names::PRIVATE_RULE_HASHES,
    )
}

/// Whether the suffix hash `h` is in one of `build.rs`'s name sets: its bit filter of 2^`bits`
/// bits first, then its sorted hashes.
fn in_name_set(h: u64, filter: &[u64], bits: u32, hashes: &[u64]) -> bool {
    let (word, mask) = crate::suffix_hash::filter_slot(h, bits);
    filter[word] & mask != 0 && hashes.binary_search(&h).is_ok()
}

mod public_names {
    include!(concat!(env!("OUT_DIR"), "/psl_public_names.rs"));
}

/// Whether `domain` may be a public suffix of the embedded list: a rule is written on it, or a
/// wildcard rule on its parent (`*.ck` makes `any.ck` one). Compared by hash, as
/// [`may_have_private_rule`] does: a collision only sends the name to the list. Names in
/// another form than the list's (upper case, empty labels, an end dot, anything but ASCII
/// letters, digits, `-` and `_`) go to the list too.
fn may_be_public_suffix(domain: &str) -> bool {
    if !in_list_form(domain) {
        return true;
    }
    // One pass from the right: the hash met at the first dot is the parent's.
    let bytes = domain.as_bytes();
    let first_dot = bytes.iter().position(|&b| b == b'.');
    let (mut h, mut parent) = (crate::suffix_hash::OFFSET, None);
    for i in (0..bytes.len()).rev() {
        if Some(i) == first_dot {
            parent = Some(h);
        }
        h = crate::suffix_hash::step(h, bytes[i]);
    }
    is_public_name(h, parent)
}

/// Whether `domain` is in the form the list's names are in (see [`may_be_public_suffix`]): ASCII
/// lower-case letters, digits, `-` and `_` in labels that are not empty.
fn in_list_form(domain: &str) -> bool {
    let bytes = domain.as_bytes();
    !bytes.is_empty()
        && bytes.split(|&b| b == b'.').all(|l| !l.is_empty())
        && bytes.iter().all(|&b| b == b'.' || is_list_byte(b))
}

/// A byte the list's names have in their labels: ASCII lower case, digits, `-` and `_`.
fn is_list_byte(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_'
}

/// Whether a name with suffix hash `h`, and its parent's hash, may be a public suffix: a rule is
/// written on it, or a wildcard rule on its parent.
fn is_public_name(h: u64, parent: Option<u64>) -> bool {
    let wildcard_bases = public_names::WILDCARD_BASE_HASHES;
    parent.is_some_and(|p| wildcard_bases.binary_search(&p).is_ok())
        || in_name_set(
            h,
            &public_names::PUBLIC_RULE_FILTER,
            crate::suffix_hash::PUBLIC_FILTER_BITS,
            public_names::PUBLIC_RULE_HASHES,
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The embedded list, not parsed yet (a fresh one, where `embedded()` is shared by tests).
    #[test]
    fn embedded_list_parses_and_has_a_version() {
        let psl = SuffixList::parse_ascii(EMBEDDED_PSL, "embedded").unwrap();
        assert!(psl.version().unwrap().starts_with("20"));
    }

    #[test]
    fn unicode_rules_are_found_by_their_punycode_form() {
        let psl = SuffixList::embedded();
        // `рф` is the Russian ccTLD; hosts reach the matcher as punycode.
        assert!(psl.is_public_suffix("xn--p1ai"));
        let runtime = SuffixList::parse("// ===BEGIN ICANN DOMAINS===\nрф\n", "t").unwrap();
        assert!(runtime.is_public_suffix("xn--p1ai"));
    }

    /// The pre-check of the embedded list never hides a private suffix: every rule's name,
    /// below and at it, gets the answer of the whole list (which is parsed, no pre-check).
    #[test]
    fn private_rule_names_precheck_agrees_with_the_whole_list() {
        let lazy = SuffixList::embedded();
        let full = SuffixList::parse_ascii(EMBEDDED_PSL, "full").unwrap();
        let names = private_names::PRIVATE_RULE_NAMES;
        assert!(names.len() > 1000, "{}", names.len());
        for name in names.iter().filter(|n| n.is_ascii()) {
            for host in [
                name.to_string(),
                format!("x.{name}"),
                format!("a.b.{name}"),
                format!("x{name}"),
            ] {
                assert_eq!(
                    lazy.private_suffix_below(&host),
                    full.private_suffix_below(&host),
                    "{host}"
                );
            }
        }
        assert!(!may_have_private_rule("login.live.com"));
        assert!(!may_have_private_rule("contoso.b2clogin.com"));
        // The pre-check is taken: answering leaves the list unparsed.
        let fresh = SuffixList::unparsed_embedded("fresh");
        assert_eq!(fresh.private_suffix_below("contoso.b2clogin.com"), None);
        assert!(fresh.private.get().is_none() && fresh.list.get().is_none());
        assert!(may_have_private_rule("contoso.azurewebsites.net"));
    }

    #[test]
    fn private_section_alone_gives_the_same_answers_as_the_whole_list() {
        let lazy = SuffixList::embedded();
        let full = SuffixList::parse_ascii(EMBEDDED_PSL, "full").unwrap();
        let lazy_private = SuffixList::unparsed_embedded("lazy");
        for host in [
            "contoso.azurewebsites.net",
            "a.b.blob.core.windows.net",
            "x.github.io",
            "login.live.com",
            "foo.blogspot.co.uk",
            "a.b.c.compute.amazonaws.com",
            "x.appspot.com",
            "www.example.co.uk",
            "foo.herokuapp.com",
            "a.s3.amazonaws.com",
            "evil.com",
        ] {
            assert_eq!(
                lazy_private.private_suffix_below(host),
                full.private_suffix_below(host),
                "{host}"
            );
            assert_eq!(
                lazy.private_suffix_below(host),
                full.private_suffix_below(host),
                "{host}"
            );
        }
        assert!(
            lazy_private.list.get().is_none(),
            "the whole list was parsed"
        );
    }

    /// The pre-check of the embedded list never hides a public suffix: every rule, read from
    /// the list's text as the crate reads it (not from `build.rs`'s output, which is what is
    /// checked), and names around it, get the answer of the whole list (parsed, no pre-check).
    #[test]
    fn public_suffix_precheck_agrees_with_the_whole_list() {
        let lazy = SuffixList::embedded();
        let full = SuffixList::parse_ascii(EMBEDDED_PSL, "full").unwrap();
        let rules: Vec<&str> = EMBEDDED_PSL
            .lines()
            .skip_while(|l| !l.contains("===BEGIN ICANN DOMAINS==="))
            .filter(|l| !l.starts_with("//"))
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        assert!(rules.len() > 10_000, "{}", rules.len());
        let mut public = 0;
        for rule in &rules {
            let name = rule.trim_start_matches('!');
            // What build.rs wrote holds every rule, and every wildcard rule's base.
            let written = name.strip_prefix("*.").unwrap_or(name);
            assert!(
                public_names::PUBLIC_RULE_NAMES
                    .binary_search(&written)
                    .is_ok(),
                "{rule}"
            );
            if name != written {
                let bases = public_names::WILDCARD_BASE_NAMES;
                assert!(bases.binary_search(&written).is_ok(), "{rule}");
            }
            let name = match name.strip_prefix("*.") {
                Some(base) => format!("x.{base}"),
                None => name.to_string(),
            };
            let parent = name.split_once('.').map_or("", |(_, p)| p);
            for host in [
                name.clone(),
                format!("a.{name}"),
                format!("a.b.{name}"),
                format!("x{name}"),
                parent.to_string(),
                rule.to_string(),
                format!("{name}."),
                name.to_ascii_uppercase(),
            ] {
                let answer = full.is_public_suffix(&host);
                public += usize::from(answer);
                // The pre-check itself: `lazy` below may have parsed its list already.
                assert!(
                    !answer || may_be_public_suffix(&host),
                    "{host} (rule {rule})"
                );
                assert_eq!(lazy.is_public_suffix(&host), answer, "{host} (rule {rule})");
            }
        }
        assert!(public > 8000, "the test reaches public suffixes: {public}");
        // Wildcard and exception rules: `*.ck` and `!www.ck`.
        assert!(may_be_public_suffix("anything.ck"));
        assert!(lazy.is_public_suffix("anything.ck"));
        assert!(!lazy.is_public_suffix("www.ck"));
        // Names that are no rule's are answered without parsing the list.
        let fresh = SuffixList::unparsed_embedded("fresh");
        for name in [
            "edge0.com",
            "login.live.com",
            "contoso.example.co.uk",
            "b2clogin.com",
        ] {
            assert!(!fresh.is_public_suffix(name), "{name}");
        }
        assert!(fresh.list.get().is_none(), "the list was parsed");
        assert!(fresh.is_public_suffix("co.uk"));
    }

    /// A wildcard's base that the one-pass check clears gets no answer from the whole list
    /// (parsed, no pre-check) that `wildcard_problem` would report: every rule of the list's
    /// text, public and private, and names around it, in the shapes a wildcard's base takes.
    #[test]
    fn cleared_wildcard_bases_meet_no_rule_of_the_whole_list() {
        let lazy = SuffixList::embedded();
        let full = SuffixList::parse_ascii(EMBEDDED_PSL, "full").unwrap();
        let (mut cleared, mut held) = (0, 0);
        let rules = EMBEDDED_PSL
            .lines()
            .filter(|l| !l.starts_with("//"))
            .filter_map(|l| l.split_whitespace().next());
        for rule in rules {
            let name = rule.trim_start_matches('!').trim_start_matches("*.");
            let parent = name.split_once('.').map_or("", |(_, p)| p);
            for base in [
                name.to_string(),
                format!("a.{name}"),
                format!("x.{name}"),
                format!("a.b.{name}"),
                format!("x{name}"),
                parent.to_string(),
                format!("{name}."),
                format!(".{name}"),
                name.to_ascii_uppercase(),
            ] {
                let meets_a_rule = full.is_public_suffix(&base)
                    || full.private_suffix_below(&format!("x.{base}")).is_some()
                    || full.private_suffix_below(&base).is_some();
                if lazy.wildcard_base_is_clear(&base) {
                    cleared += 1;
                    assert!(!meets_a_rule, "{base} (rule {rule})");
                } else {
                    held += 1;
                }
            }
        }
        // (32,013 and 65,691 with the vendored list of 2026-10-22.)
        assert!(
            cleared > 20_000 && held > 20_000,
            "{cleared} cleared, {held} held"
        );
        assert!(lazy.wildcard_base_is_clear("login12.com"));
        for base in [
            "co.uk",
            "azurewebsites.net",
            "a.azurewebsites.net",
            "anything.ck",
        ] {
            assert!(!lazy.wildcard_base_is_clear(base), "{base}");
        }
        // Only the embedded list has names known at build time.
        assert!(!full.wildcard_base_is_clear("login12.com"));
    }

    #[test]
    fn public_suffixes_are_recognised() {
        let psl = SuffixList::embedded();
        assert!(psl.is_public_suffix("com"));
        assert!(psl.is_public_suffix("co.uk"));
        assert!(psl.is_public_suffix("azurewebsites.net"));
        assert!(!psl.is_public_suffix("live.com"));
        assert!(!psl.is_public_suffix("b2clogin.com"));
    }

    #[test]
    fn private_section_entries_are_customer_space() {
        let psl = SuffixList::embedded();
        assert_eq!(
            psl.private_suffix_below("contoso.azurewebsites.net"),
            Some("azurewebsites.net")
        );
        assert_eq!(
            psl.private_suffix_below("x.blob.core.windows.net"),
            Some("blob.core.windows.net")
        );
        assert_eq!(psl.private_suffix_below("azurewebsites.net"), None);
        // A wildcard rule's names are its customers' (`*.compute-1.amazonaws.com`: instances),
        // though each is a suffix itself; the base is the platform's.
        let full = Arc::new(SuffixList::parse_ascii(EMBEDDED_PSL, "full").unwrap());
        for psl in [SuffixList::embedded(), full] {
            assert_eq!(
                psl.private_suffix_below("ec2-54-1-2-3.compute-1.amazonaws.com"),
                Some("compute-1.amazonaws.com")
            );
            assert_eq!(
                psl.private_suffix_below("www.ec2-54-1-2-3.compute-1.amazonaws.com"),
                Some("ec2-54-1-2-3.compute-1.amazonaws.com")
            );
            assert_eq!(psl.private_suffix_below("compute-1.amazonaws.com"), None);
            assert_eq!(psl.private_suffix_below("github.io"), None);
        }
        assert_eq!(psl.private_suffix_below("login.live.com"), None);
        assert_eq!(psl.private_suffix_below("contoso.b2clogin.com"), None);
    }
}
