//! `scopelint export`: a program's host scope in other tools' formats (Burp Suite scope JSON,
//! a ZAP context, a Caido scope preset, a plain list), with a warning for everything the
//! format cannot express. What cannot be expressed is left out, never widened, except ports
//! in formats without ports (list, Caido), which is said in a warning.

mod hackerone_csv;

use std::fmt::Write as _;

use serde_json::json;

use crate::rules::{parse_cidr, HostPattern, PathRule, PathSeg, Program};
use crate::target::Platform;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Burp,
    Zap,
    Caido,
    List,
    /// HackerOne's scope CSV (download and bulk upload).
    HackeroneCsv,
}

crate::named!(ExportFormat {
    Burp => "burp",
    Zap => "zap",
    Caido => "caido",
    List => "list",
    HackeroneCsv => "hackerone-csv",
});

impl ExportFormat {
    /// The tool's name, for messages.
    fn tool_name(self) -> &'static str {
        match self {
            ExportFormat::Burp => "Burp",
            ExportFormat::Zap => "ZAP",
            ExportFormat::Caido => "Caido",
            ExportFormat::List => "a plain list",
            ExportFormat::HackeroneCsv => "HackerOne's CSV",
        }
    }
}

/// The exported text and what could not be expressed.
#[derive(Debug, Clone, Default)]
pub struct Export {
    pub text: String,
    pub warnings: Vec<String>,
}

/// One rule (asset or exclusion) flattened to what export formats need.
struct Flat<'a> {
    id: &'a str,
    excluded: bool,
    hosts: Vec<HostPattern>,
    cidrs: Vec<ipnet::IpNet>,
    apps: Vec<(Platform, String)>,
    ports: &'a [u16],
    paths: Option<&'a PathRule>,
}

fn flatten(p: &Program) -> Vec<Flat<'_>> {
    let mut out = Vec::new();
    for (i, a) in p.assets.iter().enumerate() {
        let (cidrs, apps) = extras(p, i, false, &a.id, a.hosts.is_empty());
        out.push(Flat {
            id: &a.id,
            excluded: false,
            hosts: a.hosts.clone(),
            cidrs,
            apps,
            ports: &a.ports,
            paths: a.paths.as_deref(),
        });
    }
    for (i, x) in p.exclusions.iter().enumerate() {
        let (cidrs, apps) = extras(p, i, true, &x.id, x.hosts.is_empty());
        out.push(Flat {
            id: &x.id,
            excluded: true,
            hosts: x.hosts.clone(),
            cidrs,
            apps,
            ports: &[],
            paths: x.paths.as_deref(),
        });
    }
    if let Some(c) = &p.customer_owned {
        let mut suffixes: Vec<&String> = c.suffixes.iter().collect();
        suffixes.sort();
        for s in suffixes {
            out.push(Flat {
                id: &c.id,
                excluded: true,
                hosts: vec![HostPattern::Subdomains {
                    base: s.clone(),
                    include_apex: false,
                }],
                cidrs: Vec::new(),
                apps: Vec::new(),
                ports: &[],
                paths: None,
            });
        }
    }
    out
}

/// CIDRs and apps of rule `i`: from the YAML model, or for plain lists (no model) from the id.
fn extras(
    p: &Program,
    i: usize,
    excluded: bool,
    id: &str,
    no_hosts: bool,
) -> (Vec<ipnet::IpNet>, Vec<(Platform, String)>) {
    let def = if excluded {
        p.file
            .exclusions
            .get(i)
            .map(|x| (&x.value.cidrs, &x.value.apps))
    } else {
        p.file
            .assets
            .get(i)
            .map(|a| (&a.value.cidrs, &a.value.apps))
    };
    match def {
        Some((cidrs, apps)) => (
            cidrs
                .iter()
                .filter_map(|c| parse_cidr(&c.value).ok())
                .collect(),
            apps.iter()
                .filter_map(|a| {
                    Platform::parse(&a.value.platform).map(|pl| (pl, a.value.id.clone()))
                })
                .collect(),
        ),
        None if no_hosts => (
            parse_cidr(id.trim_start_matches('!')).into_iter().collect(),
            Vec::new(),
        ),
        None => (Vec::new(), Vec::new()),
    }
}

/// Export program `p` in `format`.
pub fn export(p: &Program, format: ExportFormat) -> Export {
    match format {
        ExportFormat::HackeroneCsv => hackerone_csv::export(p),
        tool => export_to_tool(p, tool),
    }
}

/// Export program `p` for a proxy tool or as a plain list (every format but HackerOne's CSV,
/// which its own module writes).
fn export_to_tool(p: &Program, format: ExportFormat) -> Export {
    let mut ex = Export::default();
    let rules = flatten(p);
    let tool = format.tool_name();
    let mut port_warned = false;
    // Entries per format.
    let mut list_lines: Vec<String> = Vec::new();
    let mut burp_inc = Vec::new();
    let mut burp_exc = Vec::new();
    let mut zap_inc: Vec<String> = Vec::new();
    let mut zap_exc: Vec<String> = Vec::new();
    let mut caido_allow: Vec<String> = Vec::new();
    let mut caido_deny: Vec<String> = Vec::new();
    for r in &rules {
        let what = if r.excluded { "exclusion" } else { "asset" };
        for (pl, id) in &r.apps {
            ex.warnings.push(format!(
                "{what} `{}`: the app {}:{id} cannot be expressed in {tool}; left out",
                r.id,
                pl.as_str()
            ));
        }
        let path_re = match r.paths {
            None => None,
            Some(pr) => match format {
                ExportFormat::Burp | ExportFormat::Zap => {
                    if !pr.query.is_empty() && !r.excluded {
                        // Without its query condition the entry would cover more than the asset.
                        ex.warnings.push(format!(
                            "asset `{}`: query conditions cannot be expressed in {tool}; left out",
                            r.id
                        ));
                        continue;
                    }
                    if !pr.aliases.is_empty() {
                        ex.warnings.push(format!(
                            "{what} `{}`: path aliases cannot be expressed in {tool}; only the listed prefixes are exported",
                            r.id
                        ));
                    }
                    Some(path_regex(pr))
                }
                ExportFormat::HackeroneCsv => unreachable!("export() hands it to hackerone_csv"),
                ExportFormat::Caido | ExportFormat::List => {
                    ex.warnings.push(format!(
                        "{what} `{}`: it covers only some paths, which cannot be expressed in {tool}; {}",
                        r.id,
                        if r.excluded {
                            "the whole host is excluded instead"
                        } else {
                            "left out"
                        }
                    ));
                    if r.excluded {
                        None
                    } else {
                        continue;
                    }
                }
            },
        };
        if !r.ports.is_empty()
            && !r.excluded
            && matches!(format, ExportFormat::Caido | ExportFormat::List)
            && !port_warned
        {
            port_warned = true;
            ex.warnings.push(format!(
                "ports cannot be expressed in {tool}: exported entries cover every port (the program allows {})",
                port_list(r.ports)
            ));
        }
        let mut host_res = Vec::new();
        for h in &r.hosts {
            host_res.push(host_regex(h));
            let globs = host_globs(h);
            match format {
                ExportFormat::List => {
                    for g in globs {
                        list_lines.push(if r.excluded { format!("!{g}") } else { g });
                    }
                }
                ExportFormat::Caido => {
                    if matches!(h, HostPattern::Glob { .. }) {
                        // Caido's `*` crosses dots: a mid-label glob would widen the scope.
                        let msg = format!("{what} `{}`: the pattern `{h}` cannot be expressed in Caido (its `*` spans dots)", r.id);
                        ex.warnings.push(if r.excluded {
                            let HostPattern::Glob { anchor, .. } = h else {
                                unreachable!()
                            };
                            (if r.excluded {
                                &mut caido_deny
                            } else {
                                &mut caido_allow
                            })
                            .push(format!("*.{anchor}"));
                            format!("{msg}; `*.{anchor}` is excluded instead")
                        } else {
                            format!("{msg}; left out")
                        });
                    } else {
                        let target = if r.excluded {
                            &mut caido_deny
                        } else {
                            &mut caido_allow
                        };
                        target.extend(globs);
                    }
                }
                _ => {}
            }
        }
        for c in &r.cidrs {
            let single = (c.prefix_len() == 32 && c.addr().is_ipv4())
                || (c.prefix_len() == 128 && c.addr().is_ipv6());
            match format {
                ExportFormat::List => {
                    let s = c.to_string();
                    list_lines.push(if r.excluded { format!("!{s}") } else { s });
                }
                ExportFormat::Caido if single => {
                    let s = c.addr().to_string();
                    (if r.excluded { &mut caido_deny } else { &mut caido_allow }).push(s);
                }
                ExportFormat::Burp | ExportFormat::Zap => match cidr_regex(c) {
                    Some(re) => host_res.push(re),
                    None => ex.warnings.push(format!(
                        "{what} `{}`: the range {c} cannot be expressed in {tool} (only /8, /16, /24 and single IPv4 addresses); left out",
                        r.id
                    )),
                },
                _ => ex.warnings.push(format!(
                    "{what} `{}`: the range {c} cannot be expressed in {tool}; left out",
                    r.id
                )),
            }
        }
        let port_re = if r.ports.is_empty() {
            "^[0-9]+$".to_string()
        } else {
            format!("^({})$", port_list_sep(r.ports, "|"))
        };
        for hr in &host_res {
            match format {
                ExportFormat::Burp => {
                    let file = path_re
                        .clone()
                        .map_or_else(|| "^/.*".to_string(), |p| format!("^{p}$"));
                    let entry = json!({
                        "enabled": true,
                        "file": file,
                        "host": format!("^{hr}$"),
                        "port": port_re,
                        "protocol": "any",
                    });
                    if r.excluded {
                        burp_exc.push(entry)
                    } else {
                        burp_inc.push(entry)
                    }
                }
                ExportFormat::Zap => {
                    let port = if r.ports.is_empty() {
                        "(?::[0-9]+)?".to_string()
                    } else {
                        format!("(?::(?:{}))?", port_list_sep(r.ports, "|"))
                    };
                    let path = path_re
                        .clone()
                        .unwrap_or_else(|| "(?:[/?#].*)?".to_string());
                    let re = format!("^https?://{hr}{port}{path}$");
                    if r.excluded {
                        zap_exc.push(re)
                    } else {
                        zap_inc.push(re)
                    }
                }
                _ => {}
            }
        }
    }
    if p.customer_owned.as_ref().is_some_and(|c| c.psl_private) && format != ExportFormat::List {
        ex.warnings.push(format!(
            "customer-owned hosts under Public Suffix List private entries (e.g. *.azurewebsites.net) cannot be expressed in {tool}; check wildcard matches with scopelint"
        ));
    }
    ex.text = match format {
        ExportFormat::List => {
            // The name is the rules file's (a platform's, when imported): kept to one comment
            // line, escapes and all, so that no `\n` in it can start a line of the list, which
            // would be an entry of the scope.
            let mut s = format!(
                "# {} ({}), exported by scopelint\n",
                crate::text::printable(&p.file.program.name),
                crate::text::printable(p.id())
            );
            let mut seen = std::collections::HashSet::new();
            for l in list_lines {
                if seen.insert(l.clone()) {
                    s.push_str(&l);
                    s.push('\n');
                }
            }
            s
        }
        ExportFormat::Burp => {
            let v = json!({"target": {"scope": {"advanced_mode": true, "exclude": burp_exc, "include": burp_inc}}});
            serde_json::to_string_pretty(&v).expect("json") + "\n"
        }
        ExportFormat::Caido => {
            dedup(&mut caido_allow);
            dedup(&mut caido_deny);
            let v = json!({"name": p.file.program.name, "allowlist": caido_allow, "denylist": caido_deny});
            serde_json::to_string_pretty(&v).expect("json") + "\n"
        }
        ExportFormat::Zap => zap_context(p, &zap_inc, &zap_exc),
        ExportFormat::HackeroneCsv => unreachable!("export() hands it to hackerone_csv"),
    };
    ex
}

fn dedup(v: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    v.retain(|s| seen.insert(s.clone()));
}

fn port_list(ports: &[u16]) -> String {
    port_list_sep(ports, ", ")
}

fn port_list_sep(ports: &[u16], sep: &str) -> String {
    ports
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(sep)
}

/// Host patterns as globs (`*.example.com`, plus the apex when included).
fn host_globs(h: &HostPattern) -> Vec<String> {
    match h {
        HostPattern::Subdomains { base, include_apex } => {
            let mut v = vec![format!("*.{base}")];
            if *include_apex {
                v.push(base.clone());
            }
            v
        }
        other => vec![other.to_string()],
    }
}

/// A host pattern as a regex body (no anchors), label-safe.
pub fn host_regex(h: &HostPattern) -> String {
    match h {
        HostPattern::Exact(x) => regex::escape(x),
        HostPattern::Subdomains { base, include_apex } => {
            let b = regex::escape(base);
            if *include_apex {
                format!("(?:[^.]+\\.)*{b}")
            } else {
                format!("(?:[^.]+\\.)+{b}")
            }
        }
        HostPattern::Glob { pattern, .. } => {
            let labels: Vec<&str> = pattern.split('.').collect();
            let mut parts = Vec::new();
            for (i, l) in labels.iter().enumerate() {
                if crate::rules::is_one_label(l) {
                    parts.push("[^.]+".to_string());
                } else if *l == "*" {
                    parts.push(if i == 0 {
                        "[^.]+(?:\\.[^.]+)*".to_string()
                    } else {
                        "[^.]+".to_string()
                    });
                } else {
                    let pieces: Vec<String> = l.split('*').map(regex::escape).collect();
                    parts.push(pieces.join("[^.]*"));
                }
            }
            parts.join("\\.")
        }
    }
}

/// An IPv4 range on an octet boundary as a regex; `None` otherwise.
fn cidr_regex(c: &ipnet::IpNet) -> Option<String> {
    let ipnet::IpNet::V4(n) = c else { return None };
    let octets = n.network().octets();
    let keep = match n.prefix_len() {
        32 => 4,
        24 => 3,
        16 => 2,
        8 => 1,
        _ => return None,
    };
    let mut parts: Vec<String> = octets[..keep].iter().map(u8::to_string).collect();
    parts.extend(std::iter::repeat_n("[0-9]{1,3}".to_string(), 4 - keep));
    Some(parts.join("\\."))
}

/// A path rule as a regex body starting with `/` (version segment, prefixes, whole segments).
fn path_regex(pr: &PathRule) -> String {
    let mut s = String::new();
    if pr.case_insensitive {
        s.push_str("(?i)");
    }
    if !pr.versions.is_empty() {
        let v: Vec<String> = pr.versions.iter().map(|v| regex::escape(v)).collect();
        write!(s, "/(?:{})", v.join("|")).unwrap();
    }
    let prefixes: Vec<String> = pr
        .prefixes
        .iter()
        .map(|(_, segs)| {
            segs.iter()
                .map(|seg| match seg {
                    PathSeg::Lit(l) => format!("/{}", regex::escape(l)),
                    PathSeg::Any => "/[^/?#]+".to_string(),
                    PathSeg::Glob(g) => format!(
                        "/{}",
                        g.split('*')
                            .map(regex::escape)
                            .collect::<Vec<_>>()
                            .join("[^/?#]*")
                    ),
                })
                .collect::<String>()
        })
        .collect();
    write!(s, "(?:{})(?:[/?#].*)?", prefixes.join("|")).unwrap();
    s
}

/// Text for an XML element. Control characters but tab cannot be written in XML 1.0 at all, not
/// even as references, so they are written as [`printable`](crate::text::printable) escapes;
/// nor can U+FFFE and U+FFFF, which become U+FFFD.
fn xml_escape(s: &str) -> String {
    crate::text::printable(s)
        .replace(['\u{fffe}', '\u{ffff}'], "\u{fffd}")
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A ZAP context file (Import Context): include and exclude regexes over whole URLs.
fn zap_context(p: &Program, inc: &[String], exc: &[String]) -> String {
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n<configuration>\n  <context>\n");
    writeln!(s, "    <name>{}</name>", xml_escape(p.id())).unwrap();
    writeln!(
        s,
        "    <desc>{}, exported by scopelint</desc>",
        xml_escape(&p.file.program.name)
    )
    .unwrap();
    s.push_str("    <inscope>true</inscope>\n");
    for r in inc {
        writeln!(s, "    <incregexes>{}</incregexes>", xml_escape(r)).unwrap();
    }
    for r in exc {
        writeln!(s, "    <excregexes>{}</excregexes>", xml_escape(r)).unwrap();
    }
    s.push_str("  </context>\n</configuration>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_regexes_are_label_safe() {
        let re = |p: &str| {
            let h = crate::rules::parse_host_pattern(p, Some(false)).unwrap();
            regex::Regex::new(&format!("^{}$", host_regex(&h))).unwrap()
        };
        let g = re("*-prod.example.com");
        assert!(g.is_match("web-prod.example.com"));
        assert!(!g.is_match("a.web-prod.example.com"));
        let w = re("*.example.com");
        assert!(w.is_match("a.b.example.com"));
        assert!(!w.is_match("example.com"));
        assert!(!w.is_match("aexample.com"));
        let m = re("api.*.example.com");
        assert!(m.is_match("api.eu.example.com"));
        assert!(!m.is_match("api.a.b.example.com"));
    }
}
