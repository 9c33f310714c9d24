//! `lint --audit-log FILE`: the draft checked against what was really sent.
//!
//! Every declared target and every URL in the draft is looked up in the audit log of the
//! session (`probe`, `proxy`, `run`): a target no entry shows as sent is "never requested in
//! this session" (a warning: the signature of an invented endpoint), one the log shows refused
//! is an error. A URL matches a `sent` entry with the same scheme, host, port and path (the
//! query is not compared); a declared host (no path) matches any request to the host. A
//! CONNECT tunnel's entry carries only `host:port`: it vouches for the host, not for a path
//! (the message says so).
//!
//! The log is read as the JSON Lines `probe` writes ([`crate::probe::audit`]); only the fields
//! `method`, `url`, `host`, `verdict`, `rule` and `reason` are used.

use serde::Deserialize;
use url::Url;

use super::checks::{find_targets, Found};
use super::draft::{Draft, Field};
use super::{rule, Diagnostic, Severity};
use crate::rules::Program;

/// Refusals that say nothing about the target (pacing, budget): the request was simply not
/// sent.
const NOT_SCOPE_REFUSALS: &[&str] = &["request-budget", "rate-limit", "host-stopped"];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// A request that was sent (an answer came back).
    Sent,
    /// A CONNECT tunnel that was opened: only the host and port are known.
    Tunnel,
    /// Refused by the scope check or the address guard.
    Refused { rule: String, reason: String },
}

#[derive(Debug, Clone)]
struct Entry {
    kind: Kind,
    scheme: Option<String>,
    host: String,
    port: Option<u16>,
    /// `None` for tunnels and CONNECT refusals.
    path: Option<String>,
    /// The URL as logged.
    url: String,
}

/// The requests of one session, from its audit log.
#[derive(Debug, Clone, Default)]
pub struct SentLog {
    entries: Vec<Entry>,
    /// Lines read.
    pub lines: usize,
}

#[derive(Deserialize)]
struct Line {
    #[serde(default)]
    method: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    host: String,
    verdict: String,
    #[serde(default)]
    rule: Option<String>,
    #[serde(default)]
    reason: Option<String>,
}

fn norm_host(h: &str) -> String {
    h.trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

fn norm_path(p: &str) -> String {
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        "/".into()
    } else {
        t.to_string()
    }
}

impl SentLog {
    /// Read an audit log. A line that is not an audit entry is an error (`line N: why`): a log
    /// that cannot be read whole cannot vouch for anything.
    pub fn parse(text: &str) -> Result<SentLog, String> {
        let mut log = SentLog::default();
        for (i, raw) in text.lines().enumerate() {
            log.lines += 1;
            if raw.trim().is_empty() {
                continue;
            }
            let l: Line = serde_json::from_str(raw)
                .map_err(|e| format!("line {}: not an audit entry: {e}", i + 1))?;
            let kind = match l.verdict.as_str() {
                "sent" if l.method.eq_ignore_ascii_case("CONNECT") => Kind::Tunnel,
                "sent" => Kind::Sent,
                "refused" => {
                    let rule = l.rule.unwrap_or_default();
                    if NOT_SCOPE_REFUSALS.contains(&rule.as_str()) {
                        continue;
                    }
                    Kind::Refused {
                        rule,
                        reason: l.reason.unwrap_or_default(),
                    }
                }
                // `sending` is followed by its outcome; `error` and `dry-run` were not answered.
                _ => continue,
            };
            let entry = if l.method.eq_ignore_ascii_case("CONNECT") {
                let port = l.url.rsplit_once(':').and_then(|(_, p)| p.parse().ok());
                Entry {
                    kind,
                    scheme: None,
                    host: norm_host(&l.host),
                    port,
                    path: None,
                    url: l.url,
                }
            } else {
                match Url::parse(&l.url) {
                    Ok(u) if u.host_str().is_some() => Entry {
                        kind,
                        scheme: Some(u.scheme().to_string()),
                        host: norm_host(u.host_str().unwrap_or("")),
                        port: u.port_or_known_default(),
                        path: Some(norm_path(u.path())),
                        url: l.url,
                    },
                    // A refused target that does not parse matches nothing in a draft.
                    _ => continue,
                }
            };
            log.entries.push(entry);
        }
        Ok(log)
    }

    fn find(&self, want: &Want, pred: impl Fn(&Entry) -> bool) -> Option<&Entry> {
        self.entries.iter().find(|e| {
            pred(e)
                && e.host == want.host
                && want.port.is_none_or(|p| e.port.is_none_or(|ep| ep == p))
                && match (&want.scheme, &e.scheme) {
                    (Some(w), Some(s)) => w == s,
                    // A tunnel carries HTTPS (or something else over TLS).
                    (Some(w), None) => w == "https",
                    _ => true,
                }
                && match (&want.path, &e.path) {
                    (Some(w), Some(p)) => w == p,
                    _ => true,
                }
        })
    }
}

/// What a draft names: a host, or a URL down to its path.
#[derive(Debug)]
struct Want {
    scheme: Option<String>,
    host: String,
    port: Option<u16>,
    path: Option<String>,
}

impl Want {
    /// `None` for what is not sent over HTTP (app ids) or does not parse.
    fn of(target: &str) -> Option<Want> {
        let t = target.trim();
        let lower = t.to_ascii_lowercase();
        if lower.starts_with("android:") || lower.starts_with("ios:") {
            return None;
        }
        if lower.starts_with("http://") || lower.starts_with("https://") {
            let u = Url::parse(t).ok()?;
            return Some(Want {
                scheme: Some(u.scheme().to_string()),
                host: norm_host(u.host_str()?),
                port: u.port_or_known_default(),
                path: Some(norm_path(u.path())),
            });
        }
        if t.contains("://") {
            return None;
        }
        // host, host:port, host/path: no scheme.
        let u = Url::parse(&format!("http://{t}")).ok()?;
        let has_path = t.contains('/');
        Some(Want {
            scheme: None,
            host: norm_host(u.host_str()?),
            port: u.port(),
            path: has_path.then(|| norm_path(u.path())),
        })
    }
}

/// The verdict for one target of the draft; `None` when the log vouches for it.
fn judge(log: &SentLog, target: &str) -> Option<(Severity, String)> {
    let want = Want::of(target)?;
    if log.find(&want, |e| e.kind == Kind::Sent).is_some() {
        return None;
    }
    if let Some(e) = log.find(&want, |e| matches!(e.kind, Kind::Refused { .. })) {
        let Kind::Refused { rule, reason } = &e.kind else {
            return None;
        };
        return Some((
            Severity::Error,
            format!(
                "`{target}`: the audit log shows the request to `{}` refused ({rule}: {reason}); a finding cannot rest on a request that was never sent",
                e.url
            ),
        ));
    }
    if let Some(e) = log.find(&want, |e| e.kind == Kind::Tunnel) {
        // A declared host: the tunnel vouches for it.
        want.path.as_ref()?;
        return Some((
            Severity::Info,
            format!(
                "`{target}`: only an HTTPS tunnel to `{}` was sent in this session; a tunnel vouches for the host, not the path (the proxy cannot see inside it)",
                e.url
            ),
        ));
    }
    Some((
        Severity::Warning,
        format!(
            "`{target}` was never requested in this session: no audit entry shows it sent and in scope (was it invented?)"
        ),
    ))
}

/// Check the draft's declared targets and the URLs in its text against `log`.
pub fn check(program: &Program, d: &Draft<'_>, log: &SentLog, out: &mut Vec<Diagnostic>) {
    let mut seen = std::collections::HashSet::new();
    for Field { value, line } in &d.front.targets {
        if !seen.insert(value.trim().to_ascii_lowercase()) {
            continue;
        }
        if let Some((sev, msg)) = judge(log, value) {
            out.push(d.diag_at_line(rule_for(sev), sev, *line, msg));
        }
    }
    let body_start = d.body_offset;
    for Found { value, offset } in find_targets(program, &d.scan) {
        let lower = value.to_ascii_lowercase();
        if offset < body_start || !(lower.starts_with("http://") || lower.starts_with("https://")) {
            continue;
        }
        if !seen.insert(lower) {
            continue;
        }
        if let Some((sev, msg)) = judge(log, &value) {
            out.push(d.diag_at(rule_for(sev), sev, offset, msg));
        }
    }
}

fn rule_for(sev: Severity) -> &'static str {
    if sev == Severity::Error {
        rule::REFUSED_REQUEST
    } else {
        rule::NEVER_REQUESTED
    }
}
