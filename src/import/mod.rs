//! `scopelint import`: turn a scope published elsewhere (a plain list, a platform's
//! bounty-targets-data JSON, a Burp Suite scope export) into a rules YAML file or a cleaned plain
//! list.
//!
//! Every entry of the input is either imported or reported as skipped with a reason, never
//! dropped silently. Validity is decided by the rules loader's own functions
//! ([`parse_host_pattern`], [`wildcard_problem`], [`parse_cidr`]), so whatever is imported loads.

pub mod all;
pub mod burp;
pub mod fetch;
pub mod hackerone_csv;
pub mod list;
pub mod platforms;

use std::collections::HashSet;
use std::fmt::Write as _;

use crate::psl::SuffixList;
use crate::rules::{parse_cidr, parse_host_pattern, wildcard_problem, HostPattern};
use crate::target::{self, Platform, Target};

/// The input formats `scopelint import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportFormat {
    /// One entry per line (`*.example.com`, hosts, IPs, CIDRs, `!` exclusions, `#` comments).
    List,
    /// bounty-targets-data `hackerone_data.json`.
    Hackerone,
    /// bounty-targets-data `bugcrowd_data.json`.
    Bugcrowd,
    /// bounty-targets-data `intigriti_data.json`.
    Intigriti,
    /// bounty-targets-data `yeswehack_data.json`.
    Yeswehack,
    /// bounty-targets-data `federacy_data.json`.
    Federacy,
    /// Burp Suite project options scope export (`{"target":{"scope":...}}`).
    Burp,
    /// The CSV a HackerOne program's scope page downloads.
    HackeroneCsv,
}

crate::named!(ImportFormat {
    List => "list",
    Hackerone => "hackerone",
    Bugcrowd => "bugcrowd",
    Intigriti => "intigriti",
    Yeswehack => "yeswehack",
    Federacy => "federacy",
    Burp => "burp",
    HackeroneCsv => "hackerone-csv",
});

impl ImportFormat {
    /// The platform-file formats' names, for help and error texts.
    pub fn platform_file_names() -> Vec<&'static str> {
        use crate::named::Named;
        Self::ALL
            .iter()
            .filter(|f| f.is_platform_file())
            .map(|f| f.name())
            .collect()
    }

    /// Whether the format is a bounty-targets-data platform file (several programs).
    pub fn is_platform_file(self) -> bool {
        matches!(
            self,
            ImportFormat::Hackerone
                | ImportFormat::Bugcrowd
                | ImportFormat::Intigriti
                | ImportFormat::Yeswehack
                | ImportFormat::Federacy
        )
    }
}

/// What an input entry says it is, when the format says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A host, wildcard, URL, IP or CIDR (or a list of them): decided by the text.
    Any,
    /// A mobile app on this platform (package name, bundle id, store id or store URL).
    App(Platform),
    /// Something that is not a network target (source code, hardware, executables...):
    /// the platform's type name.
    NotNetwork(String),
}

/// One entry as read from the input, before cleaning.
#[derive(Debug, Clone)]
pub struct RawEntry {
    /// Where it is: `file:line`, `in_scope[3]`, `include[0]`.
    pub origin: String,
    pub text: String,
    pub excluded: bool,
    pub kind: Kind,
    /// Shown with the verdict (tier, eligibility...).
    pub note: Option<String>,
}

/// What one cleaned entry covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Host(HostPattern),
    Cidr(ipnet::IpNet),
    App(Platform, String),
}

/// One imported item: what, on which ports (empty: any), under which path prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub scope: Scope,
    pub ports: Vec<u16>,
    pub path: Option<String>,
}

impl Item {
    fn host(p: HostPattern) -> Item {
        Item {
            scope: Scope::Host(p),
            ports: Vec::new(),
            path: None,
        }
    }
    /// A stable id, also the entry as a plain list would write it when it has no port or path.
    pub fn id(&self) -> String {
        let mut s = match &self.scope {
            Scope::Host(HostPattern::Subdomains {
                base,
                include_apex: true,
            }) => format!("*.{base}+apex"),
            Scope::Host(h) => h.to_string(),
            Scope::Cidr(n) => n.to_string(),
            Scope::App(p, id) => format!("{}:{id}", p.as_str()),
        };
        if !self.ports.is_empty() {
            let ports: Vec<String> = self.ports.iter().map(u16::to_string).collect();
            write!(s, ":{}", ports.join(",")).unwrap();
        }
        if let Some(p) = &self.path {
            s.push_str(p);
        }
        s
    }
}

/// An imported entry.
#[derive(Debug, Clone)]
pub struct Entry {
    pub item: Item,
    pub excluded: bool,
    pub origin: String,
    pub raw: String,
    pub note: Option<String>,
}

/// An entry that could not be imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub origin: String,
    pub raw: String,
    pub excluded: bool,
    pub reason: String,
    /// Whether the entry names a host, address or app (a type that is not a network target,
    /// or free text without a host name or address in it, names none).
    pub names_target: bool,
}

/// The result of an import: one program.
#[derive(Debug, Clone, Default)]
pub struct Imported {
    pub id: String,
    pub name: String,
    pub url: Option<String>,
    /// How it was produced (`scopelint import hackerone FILE --program x`), for the header.
    pub command: String,
    pub entries: Vec<Entry>,
    pub skipped: Vec<Skipped>,
    /// Input entries that repeated an earlier one (imported once).
    pub duplicates: usize,
    /// Program-level facts and out-of-scope text that names no target, kept in `program.notes`.
    pub program_notes: Vec<String>,
}

impl Imported {
    pub fn new(id: &str, name: &str, url: Option<String>, command: String) -> Imported {
        Imported {
            id: slug(id),
            name: name.trim().to_string(),
            url,
            command,
            ..Default::default()
        }
    }

    /// Clean one raw entry and record it as imported or skipped.
    pub fn add(&mut self, raw: RawEntry, psl: &SuffixList) {
        match clean(&raw.text, &raw.kind, psl) {
            Ok(items) => {
                for item in items {
                    let dup = self
                        .entries
                        .iter()
                        .any(|e| e.excluded == raw.excluded && e.item == item);
                    if dup {
                        self.duplicates += 1;
                        continue;
                    }
                    self.entries.push(Entry {
                        item,
                        excluded: raw.excluded,
                        origin: raw.origin.clone(),
                        raw: raw.text.trim().to_string(),
                        note: raw.note.clone(),
                    });
                }
            }
            Err(reason) => self.skipped.push(Skipped {
                names_target: !matches!(raw.kind, Kind::NotNetwork(_)) && names_target(&raw.text),
                origin: raw.origin,
                raw: raw.text,
                excluded: raw.excluded,
                reason,
            }),
        }
    }

    /// The summary line printed at the end: `imported N, skipped M`.
    pub fn summary(&self) -> String {
        format!(
            "imported {}, skipped {}",
            self.entries.len(),
            self.skipped.len()
        )
    }
}

/// Whether free text names something a target could be: a host name (`a.example`, `*.x.io`),
/// an IP address, or a URL. Text that names none (`Denial of service attacks`) cannot be an
/// exclusion of hosts; text that names one but could not be imported might be.
pub fn names_target(text: &str) -> bool {
    static HOSTISH: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"(?i)://|\b\d{1,3}(\.\d{1,3}){3}\b|[0-9a-f]*:[0-9a-f]*:[0-9a-f:]*|(^|[^\w.-])[\w*{}-]+(\.[\w*{}-]+)*\.([a-z][a-z0-9-]*[a-z0-9]|\*)\b",
        )
        .expect("a valid pattern")
    });
    HOSTISH.is_match(text)
}

/// Lowercase, `[a-z0-9-]` only: a usable program id.
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.trim().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "imported".to_string()
    } else {
        out
    }
}

/// Clean one entry's text into the items it stands for, or say why it cannot be used.
pub fn clean(text: &str, kind: &Kind, psl: &SuffixList) -> Result<Vec<Item>, String> {
    let t = text.trim().trim_matches('`');
    if t.is_empty() {
        return Err("empty entry".into());
    }
    match kind {
        Kind::NotNetwork(ty) => Err(format!(
            "asset type `{ty}` is not a host, IP range or app scopelint can check"
        )),
        Kind::App(platform) => app(t, *platform).map(|i| vec![i]),
        Kind::Any => {
            let first = match one(t, psl) {
                Ok(i) => return Ok(vec![i]),
                Err(e) => e,
            };
            let parts: Vec<&str> = t
                .split(|c: char| c == ',' || c == ';' || c == '|' || c.is_whitespace())
                .filter(|p| !p.is_empty())
                .collect();
            if parts.len() < 2 {
                return Err(first);
            }
            let mut items = Vec::with_capacity(parts.len());
            for p in &parts {
                match one(p, psl) {
                    Ok(i) => items.push(i),
                    Err(e)
                        if (t.contains(',') || t.contains(';'))
                            && t.split([',', ';'])
                                .all(|c| !c.trim().contains(char::is_whitespace)) =>
                    {
                        return Err(format!("list entry `{p}`: {e}"))
                    }
                    Err(_) => {
                        return Err(
                            "free text: not a host, wildcard, URL, IP, CIDR or a list of them"
                                .into(),
                        )
                    }
                }
            }
            Ok(items)
        }
    }
}

/// One host, wildcard, URL, IP or CIDR.
fn one(t: &str, psl: &SuffixList) -> Result<Item, String> {
    if let Ok(net) = parse_cidr(t) {
        return Ok(Item {
            scope: Scope::Cidr(net),
            ports: Vec::new(),
            path: None,
        });
    }
    if let Some((a, b)) = t.split_once('-') {
        if a.parse::<std::net::IpAddr>().is_ok() {
            let _ = b;
            return Err("an IP range written `first-last`: write it as CIDR blocks".into());
        }
    }
    let (scheme, rest) = match t.split_once("://") {
        Some((s, r)) => {
            if s.is_empty()
                || !s
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
            {
                return Err(format!("`{t}` is not a host, wildcard, URL, IP or CIDR"));
            }
            (Some(s), r)
        }
        None => (None, t),
    };
    let _ = scheme;
    let split = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (auth, path) = rest.split_at(split);
    if auth.contains('@') {
        return Err("credentials in the entry: only hosts can be imported".into());
    }
    let (host, port) = split_port(auth)?;
    let path = clean_path(path)?;
    if host.is_empty() {
        return Err("no host".into());
    }
    if let Ok(net) = parse_cidr(host.trim_start_matches('[').trim_end_matches(']')) {
        if path.is_some() {
            return Err("a path on an IP address cannot be expressed in a rules file".into());
        }
        if port.is_some() {
            return Err("a port on an IP address cannot be expressed in a rules file".into());
        }
        return Ok(Item {
            scope: Scope::Cidr(net),
            ports: Vec::new(),
            path: None,
        });
    }
    // `{name}` is a one-label placeholder (`{tenant}.example.com`) only as a whole label.
    let stray_brace = host
        .split('.')
        .any(|l| l.contains(['{', '}']) && !crate::rules::is_one_label(l));
    if stray_brace || host.contains([' ', '\t', ',', '(', ')', '"', '\'', '<', '>', '!']) {
        return Err("free text: not a host, wildcard, URL, IP, CIDR or a list of them".into());
    }
    let pat = parse_host_pattern(host, Some(false))?;
    if let HostPattern::Exact(h) = &pat {
        single_label_or_bad_tld(h)?;
    }
    if let Some(problem) = wildcard_problem(host, &pat, psl, &Default::default()) {
        return Err(problem);
    }
    let mut item = Item::host(pat);
    item.ports = port.into_iter().collect();
    item.path = path;
    Ok(item)
}

/// A name with one label (`Wellfound`, `localhost`) or a numeric/odd last label is not a
/// domain a program can own on the Internet: most likely a product name written as scope.
fn single_label_or_bad_tld(h: &str) -> Result<(), String> {
    let Some((_, tld)) = h.rsplit_once('.') else {
        return Err(format!("`{h}` is a single word, not a domain name"));
    };
    let ok =
        tld.starts_with("xn--") || (tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()));
    if ok {
        Ok(())
    } else {
        Err(format!("`{h}`: `{tld}` is not a top-level domain"))
    }
}

fn split_port(auth: &str) -> Result<(&str, Option<u16>), String> {
    if auth.starts_with('[') {
        return match auth.find(']') {
            Some(i) => {
                let rest = &auth[i + 1..];
                match rest.strip_prefix(':') {
                    Some(p) => Ok((&auth[..=i], Some(parse_port(p)?))),
                    None if rest.is_empty() => Ok((auth, None)),
                    None => Err(format!("`{auth}` is not a host")),
                }
            }
            None => Err(format!("`{auth}` is not a host")),
        };
    }
    match auth.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => Ok((h, Some(parse_port(p)?))),
        _ => Ok((auth, None)),
    }
}

fn parse_port(p: &str) -> Result<u16, String> {
    p.parse::<u16>()
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("`{p}` is not a port number"))
}

/// A path after the host: `/`, `/*` and `` mean the whole host; `/api/*` means the `/api` prefix.
fn clean_path(path: &str) -> Result<Option<String>, String> {
    if path.contains(['?', '#']) {
        return Err("a query or fragment: only hosts and path prefixes can be imported".into());
    }
    let p = path.trim_end_matches('*').trim_end_matches('/');
    if p.is_empty() {
        return Ok(None);
    }
    if p.contains(['*', '{', '}', ' ', '\\']) {
        return Err(format!(
            "path `{path}`: only whole-segment path prefixes can be imported"
        ));
    }
    Ok(Some(p.to_string()))
}

/// An app id or a store URL on a platform.
fn app(t: &str, platform: Platform) -> Result<Item, String> {
    let id = if t.starts_with("http://") || t.starts_with("https://") {
        let u = url::Url::parse(t).map_err(|e| format!("`{t}`: {e}"))?;
        match platform {
            Platform::Android => u
                .query_pairs()
                .find(|(k, _)| k == "id")
                .map(|(_, v)| v.into_owned())
                .ok_or("a store URL without an `id=` app id")?,
            Platform::Ios => u
                .path_segments()
                .and_then(|mut s| s.rfind(|seg| seg.starts_with("id") && seg.len() > 2))
                .map(|seg| seg[2..].to_string())
                .filter(|d| d.bytes().all(|b| b.is_ascii_digit()))
                .ok_or("an App Store URL without an `id…` segment")?,
        }
    } else {
        t.to_string()
    };
    match target::parse_target(&format!("{}:{id}", platform.as_str())) {
        Ok(Target::App(a)) => Ok(Item {
            scope: Scope::App(a.platform, a.id),
            ports: Vec::new(),
            path: None,
        }),
        _ => Err(format!("`{t}` is not a valid {} app id", platform.as_str())),
    }
}

/// A YAML double-quoted scalar: JSON string syntax, which is valid YAML, with every character
/// YAML does not allow raw (DEL, the C1 controls, U+FFFE and U+FFFF, which JSON leaves as
/// they are) written as a `\uXXXX` escape too, so a platform's text cannot make the import
/// fail to load.
fn q(s: &str) -> String {
    let json = serde_json::to_string(s).expect("strings serialize");
    if json.chars().all(is_yaml_printable) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 12);
    for c in json.chars() {
        if is_yaml_printable(c) {
            out.push(c);
        } else {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        }
    }
    out
}

/// YAML 1.2's printable set (`c-printable`), less what a quoted scalar escapes anyway.
fn is_yaml_printable(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}')
        || u32::from(c) >= 0x10000
}

/// `s` fit for a YAML comment: one line, and only characters YAML allows there (a control
/// character or U+FFFE in a platform's text made the whole import fail to load).
fn comment_text(s: &str) -> String {
    let line = crate::text::printable(&s.replace(['\n', '\r'], " ")).into_owned();
    line.chars()
        .map(|c| if is_yaml_printable(c) { c } else { '\u{fffd}' })
        .collect()
}

/// Render the import as a rules YAML file that loads with the normal loader.
pub fn to_yaml(imp: &Imported) -> String {
    let mut y = String::new();
    y.push_str("# yaml-language-server: $schema=../schema/scope-rules.schema.json\n#\n");
    writeln!(y, "# Generated by `{}`.", comment_text(&imp.command)).unwrap();
    writeln!(y, "# Program: {}", comment_text(&imp.name)).unwrap();
    if let Some(u) = &imp.url {
        writeln!(y, "# Page: {}", comment_text(u)).unwrap();
    }
    y.push_str(
        "#\n# Wildcards: `*.example.com` is imported with `include_apex: false`: it covers names\n",
    );
    y.push_str(
        "# below example.com, not example.com itself. If the program covers the apex too, list\n",
    );
    y.push_str(
        "# it as its own host or set `include_apex: true` after reading the program page.\n",
    );
    y.push_str(
        "# Ports: an entry without a port allows any port. Paths: `https://host/api` becomes\n",
    );
    y.push_str("# the whole-segment path prefix `/api` on that host.\n#\n");
    writeln!(y, "# {}.", imp.summary()).unwrap();
    if !imp.skipped.is_empty() {
        y.push_str("# Skipped entries (not in this file; review them against the program page):\n");
        for s in &imp.skipped {
            writeln!(
                y,
                "#   {} {}{}: {}",
                s.origin,
                if s.excluded { "(out of scope) " } else { "" },
                comment_text(&format!("`{}`", s.raw.trim())),
                comment_text(&s.reason)
            )
            .unwrap();
        }
        if imp.skipped.iter().any(|s| s.excluded) {
            y.push_str("# Some out-of-scope entries were skipped: the program excludes more than this file does.\n");
        }
    }
    y.push_str("\nschema_version: 1\nprogram:\n");
    writeln!(y, "  id: {}", q(&imp.id)).unwrap();
    writeln!(
        y,
        "  name: {}",
        q(if imp.name.is_empty() {
            &imp.id
        } else {
            &imp.name
        })
    )
    .unwrap();
    if let Some(u) = &imp.url {
        writeln!(y, "  url: {}", q(u)).unwrap();
    }
    y.push_str("  revision: \"unknown\"\n");
    let mut notes = String::from(
        "Imported; the program page's revision date is unknown. Review skipped entries (header comment).",
    );
    for n in &imp.program_notes {
        notes.push(' ');
        notes.push_str(n);
    }
    writeln!(y, "  notes: {}", q(&notes)).unwrap();
    for excluded in [false, true] {
        let list: Vec<&Entry> = imp
            .entries
            .iter()
            .filter(|e| e.excluded == excluded)
            .collect();
        let key = if excluded { "exclusions" } else { "assets" };
        if list.is_empty() {
            writeln!(y, "{key}: []").unwrap();
            continue;
        }
        writeln!(y, "{key}:").unwrap();
        for e in list {
            let id = if excluded {
                format!("!{}", e.item.id())
            } else {
                e.item.id()
            };
            writeln!(y, "  - id: {}", q(&id)).unwrap();
            if excluded {
                writeln!(
                    y,
                    "    reason: {}",
                    q(&format!(
                        "Listed as out of scope by the program ({}: `{}`).",
                        e.origin, e.raw
                    ))
                )
                .unwrap();
            }
            match &e.item.scope {
                Scope::Host(h) => {
                    let (text, apex) = match h {
                        HostPattern::Subdomains { base, include_apex } => {
                            (format!("*.{base}"), Some(*include_apex))
                        }
                        other => (other.to_string(), None),
                    };
                    writeln!(y, "    hosts: [{}]", q(&text)).unwrap();
                    if let Some(a) = apex {
                        writeln!(y, "    include_apex: {a}").unwrap();
                    }
                }
                Scope::Cidr(n) => writeln!(y, "    cidrs: [{}]", q(&n.to_string())).unwrap(),
                Scope::App(p, id) => writeln!(
                    y,
                    "    apps: [{{ platform: {}, id: {} }}]",
                    p.as_str(),
                    q(id)
                )
                .unwrap(),
            }
            if let Some(p) = &e.item.path {
                writeln!(y, "    paths: {{ prefixes: [{}] }}", q(p)).unwrap();
            }
            if !excluded && !e.item.ports.is_empty() {
                let ports: Vec<String> = e.item.ports.iter().map(u16::to_string).collect();
                writeln!(y, "    ports: [{}]", ports.join(", ")).unwrap();
            }
            let mut note = e.note.clone().unwrap_or_default();
            if e.item.ports.len() == 1 && excluded {
                // Exclusions cannot be narrowed to a port: the whole host is excluded.
                if !note.is_empty() {
                    note.push(' ');
                }
                write!(
                    note,
                    "The program excludes port {} only; every port is excluded here.",
                    e.item.ports[0]
                )
                .unwrap();
            }
            if !note.trim().is_empty() {
                writeln!(y, "    note: {}", q(note.trim())).unwrap();
            }
        }
    }
    y.push_str("customer_owned:\n  id: customer-owned-suffix\n");
    writeln!(
        y,
        "  reason: {}",
        q("The host is below a private-section Public Suffix List entry: it belongs to that platform's customer, not to the program.")
    )
    .unwrap();
    y.push_str("  psl_private: true\n");
    y
}

/// Render the import as a plain list; entries a plain list cannot express (ports, paths, apps)
/// are added to `skipped` with the reason.
pub fn to_list(imp: &mut Imported) -> String {
    let mut out = String::new();
    let mut body = String::new();
    let mut seen = HashSet::new();
    let mut newly_skipped = Vec::new();
    for e in &imp.entries {
        let why = match (
            &e.item.scope,
            e.item.path.is_some(),
            e.item.ports.is_empty(),
        ) {
            (Scope::App(..), _, _) => Some("apps cannot be expressed in a plain list".to_string()),
            (_, true, _) => Some(format!(
                "the path `{}` cannot be expressed in a plain list",
                e.item.path.as_deref().unwrap_or("")
            )),
            (_, _, false) => Some("ports cannot be expressed in a plain list".to_string()),
            _ => None,
        };
        if let Some(reason) = why {
            newly_skipped.push(Skipped {
                names_target: true,
                origin: e.origin.clone(),
                raw: e.raw.clone(),
                excluded: e.excluded,
                reason,
            });
            continue;
        }
        let mut lines = Vec::new();
        match &e.item.scope {
            Scope::Host(HostPattern::Subdomains {
                base,
                include_apex: true,
            }) => {
                lines.push(format!("*.{base}"));
                lines.push(base.clone());
            }
            Scope::Host(h) => lines.push(h.to_string()),
            Scope::Cidr(n) => lines.push(n.to_string()),
            Scope::App(..) => unreachable!("skipped above"),
        }
        for l in lines {
            let l = if e.excluded { format!("!{l}") } else { l };
            if seen.insert(l.clone()) {
                body.push_str(&l);
                body.push('\n');
            }
        }
    }
    // Entries that are now skipped no longer count as imported.
    let skipped_keys: Vec<(String, String)> = newly_skipped
        .iter()
        .map(|s| (s.origin.clone(), s.raw.clone()))
        .collect();
    let mut kept = Vec::new();
    for e in imp.entries.drain(..) {
        let key = (e.origin.clone(), e.raw.clone());
        let is_skipped = skipped_keys.contains(&key)
            && (matches!(e.item.scope, Scope::App(..))
                || e.item.path.is_some()
                || !e.item.ports.is_empty());
        if !is_skipped {
            kept.push(e);
        }
    }
    imp.entries = kept;
    imp.skipped.extend(newly_skipped);
    writeln!(out, "# Generated by `{}`.", comment_text(&imp.command)).unwrap();
    writeln!(out, "# {}.", imp.summary()).unwrap();
    out.push_str(&body);
    out
}

/// What `run_import` reports besides the output: one message per skipped entry, the summary.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    /// `origin `entry`: reason`, one per skipped entry.
    pub messages: Vec<String>,
    /// `imported N, skipped M`.
    pub summary: String,
    pub count: usize,
}

/// Read `path` in `format`, import (one program: `program`), render as YAML or as a plain list
/// (`to_list_output`), and check that the result loads with the normal loader.
pub fn run_import(
    format: ImportFormat,
    path: &std::path::Path,
    program: Option<&str>,
    to_list_output: bool,
    psl: &std::sync::Arc<SuffixList>,
) -> Result<(String, ImportReport), String> {
    let origin = path.display().to_string();
    let fmt_name = crate::named::Named::name(format);
    let mut command = format!("scopelint import {fmt_name} {origin}");
    if let Some(p) = program {
        command.push_str(&format!(" --program {p}"));
    }
    if to_list_output {
        command.push_str(" --to list");
    }
    let mut imp = match format {
        ImportFormat::List => {
            if program.is_some() {
                return Err("--program applies to platform files, not to plain lists".into());
            }
            let imp = list::import_list_file(path, command, psl)?;
            // A list's exclusion left out would widen the scope its conversion says (as
            // `--skip-invalid` refuses to): nothing is written.
            if let Some(s) = imp
                .skipped
                .iter()
                .find(|s| !crate::rules::plain::may_leave_out(s.excluded, &s.raw))
            {
                return Err(format!(
                    "{}: `{}` cannot be imported: {}; it is an exclusion, or may be read as one, and leaving it out would widen the scope",
                    s.origin,
                    crate::text::excerpt(&s.raw),
                    s.reason
                ));
            }
            imp
        }
        ImportFormat::Burp => {
            let text = list::read_text(path)?;
            burp::import_burp(&text, &origin, command, psl)?
        }
        ImportFormat::HackeroneCsv => {
            let text = list::read_text(path)?;
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("imported")
                .to_string();
            hackerone_csv::import_csv(&text, &origin, program.unwrap_or(&stem), command, psl)?
        }
        _ => {
            let text = list::read_text(path)?;
            platforms::import_platform(format, &text, &origin, program, command, psl)?
        }
    };
    let text = if to_list_output {
        let t = to_list(&mut imp);
        crate::rules::plain::load_plain_str(&t, "imported.txt", psl.clone())
            .map_err(|e| format!("internal error: the generated list does not load: {e}"))?;
        t
    } else {
        let t = to_yaml(&imp);
        crate::rules::load_program_str(&t, "imported.yaml", psl.clone())
            .map_err(|e| format!("internal error: the generated rules do not load: {e}"))?;
        t
    };
    let messages = imp
        .skipped
        .iter()
        .map(|s| {
            format!(
                "{}{} `{}`: {}",
                s.origin,
                if s.excluded { " (out of scope)" } else { "" },
                s.raw.trim(),
                s.reason
            )
        })
        .collect();
    Ok((
        text,
        ImportReport {
            messages,
            summary: imp.summary(),
            count: imp.skipped.len(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(t: &str) -> Result<Vec<String>, String> {
        clean(t, &Kind::Any, &SuffixList::embedded()).map(|v| v.iter().map(Item::id).collect())
    }

    #[test]
    fn messy_entries() {
        assert_eq!(c("  *.Example.com \t").unwrap(), vec!["*.example.com"]);
        assert_eq!(
            c("https://www.example.com/").unwrap(),
            vec!["www.example.com"]
        );
        assert_eq!(
            c("https://www.example.com/*").unwrap(),
            vec!["www.example.com"]
        );
        assert_eq!(
            c("https://api.example.com:8443/v2/").unwrap(),
            vec!["api.example.com:8443/v2"]
        );
        assert_eq!(
            c("192.0.2.1, 192.0.2.2").unwrap(),
            vec!["192.0.2.1/32", "192.0.2.2/32"]
        );
        assert_eq!(
            c("dev_api.example.com").unwrap(),
            vec!["dev_api.example.com"]
        );
        assert_eq!(c("*-prod.example.com").unwrap(), vec!["*-prod.example.com"]);
        // One-label placeholders survive import; braces elsewhere are free text.
        assert_eq!(
            c("{tenant}.login.example.com").unwrap(),
            vec!["{tenant}.login.example.com"]
        );
        assert!(c("x{tenant}.login.example.com").is_err());
        assert!(c("Any host owned by us")
            .unwrap_err()
            .starts_with("free text"));
        assert!(c("Wellfound").unwrap_err().contains("single word"));
        assert!(c("*.com").unwrap_err().contains("public suffix"));
        assert!(c("*.example.*").unwrap_err().contains("last label"));
        assert!(c("192.0.2.1-192.0.2.9").unwrap_err().contains("CIDR"));
        assert!(c("192.0.2.1, nope").unwrap_err().contains("`nope`"));
        assert!(c("https://x.example.com/?a=1")
            .unwrap_err()
            .contains("query"));
    }

    #[test]
    fn apps_from_store_urls() {
        let psl = SuffixList::embedded();
        let a = clean(
            "https://play.google.com/store/apps/details?id=com.example.app",
            &Kind::App(Platform::Android),
            &psl,
        )
        .unwrap();
        assert_eq!(a[0].id(), "android:com.example.app");
        let i = clean(
            "https://apps.apple.com/us/app/example/id123456789",
            &Kind::App(Platform::Ios),
            &psl,
        )
        .unwrap();
        assert_eq!(i[0].id(), "ios:123456789");
    }

    #[test]
    fn text_that_names_a_target() {
        for yes in [
            "Other subdomains of asana.com",
            "support.binance.*",
            "195.94.213.80 - 195.94.213.95",
            "https://x.example/a?b",
            "*. myqcloud.com",
            "fe80::1 and friends",
        ] {
            assert!(names_target(yes), "{yes}");
        }
        for no in [
            "Denial of service attacks",
            "Social engineering, phishing, etc.",
            "e.g. physical attacks against offices",
            "Any resource created by another hunter",
        ] {
            assert!(!names_target(no), "{no}");
        }
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("CCData-mbb-og"), "ccdata-mbb-og");
        assert_eq!(slug(" Acme Corp: VDP "), "acme-corp-vdp");
        assert_eq!(slug("!!"), "imported");
    }
}
