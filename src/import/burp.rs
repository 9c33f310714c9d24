//! Burp Suite's scope export: `{"target":{"scope":{"advanced_mode":bool,"include":[...],
//! "exclude":[...]}}}`. In advanced mode each rule has `host`, `port` and `file` regexes (and a
//! `protocol`); in simple mode a `prefix` URL. Regexes are converted only when they say a host
//! pattern, a port list and a path prefix plainly; anything else is skipped with the reason.

use serde_json::Value;

use super::{Imported, Item, Kind, RawEntry, Scope, Skipped};
use crate::psl::SuffixList;
use crate::rules::{parse_host_pattern, wildcard_problem, HostPattern};

/// Import a Burp scope export.
pub fn import_burp(
    json: &str,
    origin: &str,
    command: String,
    psl: &SuffixList,
) -> Result<Imported, String> {
    let v: Value = serde_json::from_str(json)
        .map_err(|e| format!("{origin}:{}:{}: not valid JSON: {e}", e.line(), e.column()))?;
    let scope = v.pointer("/target/scope").ok_or_else(|| {
        format!("{origin}: no `target.scope` object (is this a Burp scope export?)")
    })?;
    let advanced = scope
        .get("advanced_mode")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let id = std::path::Path::new(origin)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("burp-scope");
    let mut imp = Imported::new(id, &format!("Burp scope {origin}"), None, command);
    for (key, excluded) in [("include", false), ("exclude", true)] {
        let Some(list) = scope.get(key).and_then(Value::as_array) else {
            continue;
        };
        for (i, rule) in list.iter().enumerate() {
            let origin = format!("{key}[{i}]");
            let raw = describe(rule);
            if rule.get("enabled") == Some(&Value::Bool(false)) {
                imp.skipped.push(Skipped {
                    origin,
                    raw,
                    excluded,
                    reason: "disabled in Burp".into(),
                    names_target: true,
                });
                continue;
            }
            if !advanced || rule.get("prefix").is_some() {
                let text = rule.get("prefix").and_then(Value::as_str).unwrap_or("");
                imp.add(
                    RawEntry {
                        origin,
                        text: text.to_string(),
                        excluded,
                        kind: Kind::Any,
                        note: None,
                    },
                    psl,
                );
                continue;
            }
            match advanced_rule(rule, psl) {
                Ok(item) => {
                    if !imp
                        .entries
                        .iter()
                        .any(|e| e.excluded == excluded && e.item == item)
                    {
                        imp.entries.push(super::Entry {
                            item,
                            excluded,
                            origin,
                            raw,
                            note: None,
                        });
                    } else {
                        imp.duplicates += 1;
                    }
                }
                Err(reason) => imp.skipped.push(Skipped {
                    origin,
                    raw,
                    excluded,
                    reason,
                    names_target: true,
                }),
            }
        }
    }
    Ok(imp)
}

/// The rule as one line, for messages.
fn describe(rule: &Value) -> String {
    let mut parts = Vec::new();
    for k in ["prefix", "protocol", "host", "port", "file"] {
        if let Some(v) = rule.get(k).and_then(Value::as_str) {
            parts.push(format!("{k}={v}"));
        }
    }
    parts.join(" ")
}

fn advanced_rule(rule: &Value, psl: &SuffixList) -> Result<Item, String> {
    let host_re = rule.get("host").and_then(Value::as_str).unwrap_or("");
    if host_re.trim().is_empty() {
        return Err("no host regex: every host would match".into());
    }
    let (text, apex) = host_regex(host_re)?;
    let pat = if let Ok(net) = crate::rules::parse_cidr(&text) {
        return if is_any(rule.get("port")) && file_prefix(rule.get("file"))?.is_none() {
            Ok(Item {
                scope: Scope::Cidr(net),
                ports: Vec::new(),
                path: None,
            })
        } else {
            Err("a port or path on an IP address cannot be expressed in a rules file".into())
        };
    } else {
        parse_host_pattern(&text, Some(apex))?
    };
    if let Some(p) = wildcard_problem(&text, &pat, psl, &Default::default()) {
        return Err(p);
    }
    if let HostPattern::Exact(h) = &pat {
        if !h.contains('.') {
            return Err(format!("`{h}` is a single word, not a domain name"));
        }
    }
    Ok(Item {
        scope: Scope::Host(pat),
        ports: ports(rule.get("port"))?,
        path: file_prefix(rule.get("file"))?,
    })
}

fn anchors(re: &str) -> &str {
    let re = re.trim();
    let re = re.strip_prefix('^').unwrap_or(re);
    re.strip_suffix('$').unwrap_or(re)
}

/// `^.*\.example\.com$` -> (`*.example.com`, false); `^(.*\.)?example\.com$` -> (.., true);
/// `^www\.example\.com$` -> (`www.example.com`, _).
fn host_regex(re: &str) -> Result<(String, bool), String> {
    let body = anchors(re);
    let mut apex = false;
    let mut rest = body;
    let mut prefix = "";
    for (p, a) in [
        (".*\\.", false),
        (".+\\.", false),
        ("(.*\\.)?", true),
        ("(?:.*\\.)?", true),
        ("([^.]+\\.)*", true),
        ("(?:[^.]+\\.)*", true),
    ] {
        if let Some(r) = body.strip_prefix(p) {
            rest = r;
            apex = a;
            prefix = "*.";
            break;
        }
    }
    let mut out = String::from(prefix);
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(n) if !n.is_ascii_alphanumeric() => out.push(n),
                _ => return Err(format!("host regex `{re}` is not a plain host pattern")),
            },
            '.' => out.push('.'),
            '*' | '+' | '?' | '(' | ')' | '[' | ']' | '{' | '}' | '|' | '^' | '$' => {
                return Err(format!("host regex `{re}` is not a plain host pattern"));
            }
            c => out.push(c),
        }
    }
    Ok((out, apex))
}

fn is_any(v: Option<&Value>) -> bool {
    match v.and_then(Value::as_str).map(anchors) {
        None => true,
        Some(s) => matches!(s, "" | ".*" | "\\d*" | "\\d+" | "[0-9]*" | "[0-9]+"),
    }
}

/// `^443$` -> [443]; `^(80|443)$` -> [80, 443]; empty or `.*` -> any.
fn ports(v: Option<&Value>) -> Result<Vec<u16>, String> {
    if is_any(v) {
        return Ok(Vec::new());
    }
    let raw = v.and_then(Value::as_str).unwrap_or("");
    let s = anchors(raw);
    let s = s
        .strip_prefix("(?:")
        .or_else(|| s.strip_prefix('('))
        .map_or(s, |x| x.strip_suffix(')').unwrap_or(x));
    let mut out = Vec::new();
    for p in s.split('|') {
        match p.parse::<u16>() {
            Ok(n) if n > 0 => out.push(n),
            _ => return Err(format!("port regex `{raw}` is not a plain list of ports")),
        }
    }
    Ok(out)
}

/// `^/.*` or empty -> no path; `^/api/.*` -> `/api`.
fn file_prefix(v: Option<&Value>) -> Result<Option<String>, String> {
    let Some(raw) = v.and_then(Value::as_str) else {
        return Ok(None);
    };
    let s = anchors(raw);
    let s = s
        .strip_suffix("(/.*)?")
        .or_else(|| s.strip_suffix("(?:/.*)?"))
        .or_else(|| s.strip_suffix(".*"))
        .unwrap_or(s);
    let s = s.trim_end_matches('/');
    if s.is_empty() {
        return Ok(None);
    }
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(n) if !n.is_ascii_alphanumeric() => out.push(n),
                _ => return Err(format!("file regex `{raw}` is not a plain path prefix")),
            },
            '*' | '+' | '?' | '(' | ')' | '[' | ']' | '{' | '}' | '|' | '^' | '$' => {
                return Err(format!("file regex `{raw}` is not a plain path prefix"))
            }
            c => out.push(c),
        }
    }
    if !out.starts_with('/') {
        return Err(format!("file regex `{raw}` is not a plain path prefix"));
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_regexes() {
        assert_eq!(
            host_regex("^.*\\.example\\.com$").unwrap(),
            ("*.example.com".into(), false)
        );
        assert_eq!(
            host_regex("^(.*\\.)?example\\.com$").unwrap(),
            ("*.example.com".into(), true)
        );
        assert_eq!(
            host_regex("^www\\.example\\.com$").unwrap().0,
            "www.example.com"
        );
        assert!(host_regex("^(www|api)\\.example\\.com$").is_err());
        assert!(host_regex("^\\w+\\.example\\.com$").is_err());
    }

    #[test]
    fn ports_and_files() {
        let v = |s: &str| Value::String(s.into());
        assert_eq!(ports(Some(&v("^443$"))).unwrap(), vec![443]);
        assert_eq!(ports(Some(&v("^(80|443)$"))).unwrap(), vec![80, 443]);
        assert_eq!(ports(Some(&v("^.*$"))).unwrap(), Vec::<u16>::new());
        assert!(ports(Some(&v("^8[0-9]+$"))).is_err());
        assert_eq!(file_prefix(Some(&v("^/.*"))).unwrap(), None);
        assert_eq!(
            file_prefix(Some(&v("^/api/.*"))).unwrap(),
            Some("/api".into())
        );
        assert!(file_prefix(Some(&v("^/(a|b)/.*"))).is_err());
    }
}
