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
    list: List,
    /// The `// VERSION:` line of the file, when it has one.
    version: Option<String>,
    origin: String,
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
    /// The embedded list, parsed once per process.
    pub fn embedded() -> Arc<SuffixList> {
        static EMBEDDED: OnceLock<Arc<SuffixList>> = OnceLock::new();
        EMBEDDED
            .get_or_init(|| {
                // The vendored file is checked by a unit test, so this parse cannot fail in a
                // released binary; an empty list would still fail closed for wildcards.
                Arc::new(
                    SuffixList::parse_ascii(EMBEDDED_PSL, "embedded")
                        .unwrap_or_else(|_| SuffixList::empty("embedded (unreadable)")),
                )
            })
            .clone()
    }

    fn empty(origin: &str) -> SuffixList {
        SuffixList {
            list: List::new(),
            version: None,
            origin: origin.to_string(),
        }
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
        let version = text
            .lines()
            .take(50)
            .find_map(|l| l.strip_prefix("// VERSION:"))
            .map(|v| v.trim().to_string());
        Ok(SuffixList {
            list,
            version,
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

    /// True when `domain` itself is a listed public suffix (ICANN or private section).
    pub fn is_public_suffix(&self, domain: &str) -> bool {
        match self.list.suffix(domain.as_bytes()) {
            Some(s) => s.is_known() && s.as_bytes() == domain.as_bytes(),
            None => false,
        }
    }

    /// When `domain` sits strictly below a private-section entry, that entry.
    pub fn private_suffix_below<'d>(&self, domain: &'d str) -> Option<&'d str> {
        let s = self.list.suffix(domain.as_bytes())?;
        if s.typ() != Some(Type::Private) || s.as_bytes().len() >= domain.len() {
            return None;
        }
        let start = domain.len() - s.as_bytes().len();
        Some(&domain[start..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(psl.private_suffix_below("login.live.com"), None);
        assert_eq!(psl.private_suffix_below("contoso.b2clogin.com"), None);
    }
}
