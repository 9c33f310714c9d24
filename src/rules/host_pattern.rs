//! Host patterns as a rules file writes them (`login.example.com`, `*.example.com`,
//! `*-prod.example.com`, `{tenant}.example.com`), parsed and normalized like targets, and
//! checked against the Public Suffix List so no wildcard covers names the program cannot own.

use std::fmt;

use super::NameSet;
use crate::psl::SuffixList;
use crate::target::{self, Host};

/// A host pattern from a rules file, normalized like targets are.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HostPattern {
    /// Exactly this host.
    Exact(String),
    /// Any host strictly below `base`, and `base` itself when `include_apex`.
    Subdomains { base: String, include_apex: bool },
    /// A mid-label or multi-star wildcard (`*-prod.example.com`, `api.*.example.com`), matched
    /// label by label: a `*` inside a label stays inside it; a label that is only `*` is one
    /// label, or one or more labels when it is the first. A label written `{name}`
    /// (`{tenant}.example.com`) is exactly one label wherever it stands.
    Glob {
        /// The normalized pattern.
        pattern: String,
        /// The trailing labels without a `*` (`example.com`): a matching host ends in them.
        anchor: String,
    },
}

impl HostPattern {
    /// The name the host index files the pattern under: the host, the base, or the anchor.
    pub(crate) fn index_name(&self) -> &str {
        match self {
            HostPattern::Exact(h) => h,
            HostPattern::Subdomains { base, .. } => base,
            HostPattern::Glob { anchor, .. } => anchor,
        }
    }
}

impl fmt::Display for HostPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostPattern::Exact(h) => f.write_str(h),
            HostPattern::Subdomains { base, .. } => write!(f, "*.{base}"),
            HostPattern::Glob { pattern, .. } => f.write_str(pattern),
        }
    }
}

/// Parse a host pattern (`host` or `*.host`) and normalize it as targets are normalized.
pub fn parse_host_pattern(raw: &str, include_apex: Option<bool>) -> Result<HostPattern, String> {
    let trimmed = raw.trim();
    let (wild, rest) = match trimmed.strip_prefix("*.") {
        Some(r) => (true, r),
        None => (false, trimmed),
    };
    if rest.contains('*') || trimmed.contains(['{', '}']) {
        return parse_glob(raw, trimmed);
    }
    let host = match target::parse_host(rest) {
        Ok(Host::Domain(d)) => d,
        Ok(Host::Ip(_)) => {
            return Err(format!("`{raw}` is an IP address: list it under `cidrs`"));
        }
        Err(e) => return Err(format!("`{raw}` is not a valid host pattern: {e}")),
    };
    if wild {
        let Some(include_apex) = include_apex else {
            return Err(format!(
                "`{raw}` is a wildcard: set `include_apex: true` or `false` to say whether `{host}` itself is covered"
            ));
        };
        Ok(HostPattern::Subdomains {
            base: host,
            include_apex,
        })
    } else {
        Ok(HostPattern::Exact(host))
    }
}

/// The words in [`wildcard_problem`]'s reason for a wildcard over a whole customer-owned suffix
/// (such a wildcard is out of scope anyway: importers keep it as a note rather than refuse).
pub const COVERS_CUSTOMER_SUFFIX: &str = "is customer-owned, names under it belong";

/// Why a wildcard pattern would cover names the program cannot own, if it would: a public
/// suffix (`*.com`, `*.co.uk`), a platform's customer space (`*.azurewebsites.net`, or a suffix
/// the rules file lists as customer-owned), or a name inside one customer's space.
pub fn wildcard_problem(
    raw: &str,
    pat: &HostPattern,
    psl: &SuffixList,
    customer: &NameSet,
) -> Option<String> {
    let base = match pat {
        HostPattern::Exact(_) => return None,
        HostPattern::Subdomains { base, .. } => base.as_str(),
        HostPattern::Glob { anchor, .. } => anchor.as_str(),
    };
    wildcard_base_problem(raw, base, psl, customer)
}

/// [`wildcard_problem`] of the wildcard `raw` on `base` (a `*.` wildcard's base, a glob's
/// anchor).
pub fn wildcard_base_problem(
    raw: &str,
    base: &str,
    psl: &SuffixList,
    customer: &NameSet,
) -> Option<String> {
    // Nearly every base: the list's names known at build time show there is nothing to find,
    // in one pass over the base (this runs for every wildcard of lists of a million lines).
    if psl.wildcard_base_is_clear(base) && !customer.contains(base) {
        return None;
    }
    // A wildcard over a platform's private PSL entry or a listed customer suffix covers the
    // platform's customers.
    // Built without `format!`: this runs for every wildcard of lists of a million lines.
    let mut probe = String::with_capacity(base.len() + 2);
    probe.push_str("x.");
    probe.push_str(base);
    if customer.contains(base) || psl.private_suffix_below(&probe) == Some(base) {
        return Some(format!(
            "`{raw}` covers a public suffix: `{base}` {COVERS_CUSTOMER_SUFFIX} to the platform's customers, not the program"
        ));
    }
    if psl.is_public_suffix(base) {
        return Some(format!(
            "`{raw}` covers a public suffix: names under `{base}` belong to many unrelated owners"
        ));
    }
    // The list's wildcard rules (`*.yokohama.jp`): `base` itself is registrable, but every name
    // directly under it is a public suffix, so the names below those are unrelated owners'.
    if psl.is_public_suffix(&probe) {
        return Some(format!(
            "`{raw}` covers public suffixes: every name directly under `{base}` is one (the Public Suffix List has `*.{base}`), so the names below them belong to many unrelated owners"
        ));
    }
    if let Some(s) = psl.private_suffix_below(base) {
        return Some(format!(
            "`{raw}` lies under the customer-owned suffix `{s}`: it belongs to a customer, not the program"
        ));
    }
    None
}

/// Parse a mid-label or multi-star wildcard into a [`HostPattern::Glob`].
fn parse_glob(raw: &str, trimmed: &str) -> Result<HostPattern, String> {
    let pattern = trimmed.to_ascii_lowercase();
    let pattern = pattern.strip_suffix('.').unwrap_or(&pattern).to_string();
    let labels: Vec<&str> = pattern.split('.').collect();
    if labels.iter().any(|l| l.is_empty()) {
        return Err(format!("`{raw}` has an empty label"));
    }
    let plain = |l: &str| {
        l.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'*'))
    };
    if !labels.iter().all(|l| plain(l) || is_one_label(l)) {
        return Err(format!(
            "`{raw}`: wildcard patterns may only contain ASCII letters, digits, `-`, `_`, `.`, `*` and whole-label `{{name}}` placeholders (write IDNs in punycode)"
        ));
    }
    let fixed = labels
        .iter()
        .rev()
        .take_while(|l| !l.contains('*') && !is_one_label(l))
        .count();
    if fixed == 0 {
        return Err(format!(
            "`{raw}`: a wildcard in the last label would cover domains of unrelated owners"
        ));
    }
    let anchor = labels[labels.len() - fixed..].join(".");
    // The anchor must itself be a host name.
    match target::parse_host(&anchor) {
        Ok(Host::Domain(_)) => {}
        _ => return Err(format!("`{raw}` is not a valid host pattern")),
    }
    Ok(HostPattern::Glob { pattern, anchor })
}

/// A whole-label placeholder `{name}`: exactly one label, whatever it spells.
pub fn is_one_label(label: &str) -> bool {
    label.len() > 2
        && label.starts_with('{')
        && label.ends_with('}')
        && label[1..label.len() - 1]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Whether `host` matches a glob pattern, label by label (see [`HostPattern::Glob`]).
pub fn glob_matches(pattern: &str, host: &str) -> bool {
    // Compared from the right on bytes, without collecting labels: this runs for every host
    // that reaches a glob's anchor.
    let labels = |s: &[u8]| s.iter().filter(|&&b| b == b'.').count() + 1;
    let dot = |b: &u8| *b == b'.';
    let (pattern, host) = (pattern.as_bytes(), host.as_bytes());
    let mut hl = host.rsplit(dot);
    if let Some(rest) = pattern.strip_prefix(b"*.") {
        // First label `*`: one or more whole labels.
        if labels(host) <= labels(rest) {
            return false;
        }
        return rest
            .rsplit(dot)
            .all(|p| hl.next().is_some_and(|h| label_matches(p, h)))
            && hl.all(|l| !l.is_empty());
    }
    labels(pattern) == labels(host)
        && pattern
            .rsplit(dot)
            .all(|p| hl.next().is_some_and(|h| label_matches(p, h)))
}

/// One pattern label against one host label: `*` or `{name}` alone is any one label.
fn label_matches(p: &[u8], h: &[u8]) -> bool {
    let placeholder = p.len() > 2
        && p[0] == b'{'
        && p[p.len() - 1] == b'}'
        && p[1..p.len() - 1]
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if p == b"*" || placeholder {
        !h.is_empty()
    } else {
        star_matches_bytes(p, h)
    }
}

/// Classic `*` matching: `*` matches any run of characters (within one label or one path
/// segment: callers split first).
pub fn star_matches(p: &str, h: &str) -> bool {
    star_matches_bytes(p.as_bytes(), h.as_bytes())
}

fn star_matches_bytes(pb: &[u8], hb: &[u8]) -> bool {
    let (mut pi, mut hi, mut star, mut mark) = (0, 0, None, 0);
    while hi < hb.len() {
        if pi < pb.len() && pb[pi] == b'*' {
            star = Some(pi);
            mark = hi;
            pi += 1;
        } else if pi < pb.len() && pb[pi] == hb[hi] {
            pi += 1;
            hi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            hi = mark;
        } else {
            return false;
        }
    }
    pb[pi..].iter().all(|&b| b == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::psl::EMBEDDED_PSL;

    /// The one-pass shortcut changes no answer: every wildcard on every ASCII rule of the list,
    /// and on names around it, gets the same problem (or none) from the embedded list, which
    /// takes the shortcut, as from the same list parsed at run time, which cannot; with and
    /// without customer-owned suffixes, as a `*.` base and as a glob's anchor.
    #[test]
    fn wildcard_problems_are_the_same_with_and_without_the_shortcut() {
        let lazy = SuffixList::embedded();
        let full = SuffixList::parse(EMBEDDED_PSL, "full").unwrap();
        let customer: NameSet = ["example-customer.net", "github.io", "azurewebsites.net"]
            .into_iter()
            .map(String::from)
            .collect();
        let (mut problems, mut bases) = (0, 0);
        let names = EMBEDDED_PSL
            .lines()
            .filter(|l| !l.starts_with("//") && l.is_ascii())
            .filter_map(|l| l.split_whitespace().next())
            .map(|r| r.trim_start_matches('!').trim_start_matches("*."));
        for name in names.chain(["example-customer.net", "login12.com"]) {
            let parent = name.split_once('.').map_or("", |(_, p)| p);
            for base in [
                name.to_string(),
                format!("a.{name}"),
                format!("a.b.{name}"),
                parent.to_string(),
            ] {
                for raw in [format!("*.{base}"), format!("*-x.{base}")] {
                    for names in [&NameSet::default(), &customer] {
                        let got = wildcard_base_problem(&raw, &base, &lazy, names);
                        assert_eq!(
                            got,
                            wildcard_base_problem(&raw, &base, &full, names),
                            "{raw}"
                        );
                        problems += usize::from(got.is_some());
                        bases += 1;
                    }
                }
            }
        }
        assert!(
            problems > 30_000 && bases - problems > 30_000,
            "{problems} of {bases}"
        );
    }
}
