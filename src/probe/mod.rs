//! `probe` and `proxy`: sending requests that cannot leave scope.
//!
//! The [`Engine`] is shared by both: it checks every URL (every redirect hop, every proxied
//! request, every CONNECT authority) against the scope, decides the address (pins, internal
//! address guard), paces requests (global and per-host GCRA limits, `Retry-After`), keeps the
//! request budget and writes the audit log.

pub mod audit;
pub mod body;
pub mod client;
pub mod client_hello;
pub mod intercept;
#[cfg(target_os = "linux")]
pub mod isolate;
pub mod proxy;
pub mod rate;
pub mod resolve;
pub mod run;
pub mod send;
pub mod token;

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use colored::Colorize;
use reqwest::header::HeaderMap;
use reqwest::{Method, Url};

use crate::rules::ScopeRules;
use crate::target::Target;
use crate::VerdictKind;
use audit::{AuditLog, AuditRecord};
use client::Clients;
use rate::{Limiters, Rate};
use resolve::{Pins, Resolved};

/// Rate used when no rules file sets one.
pub const FALLBACK_RATE: &str = "1/s";
/// Fill `rec` with a reply (sent, status, timing, size, the redirect without userinfo) and
/// return the reply's `Location`.
pub(crate) fn record_reply(rec: &mut AuditRecord, reply: &client::Reply) -> Option<String> {
    rec.verdict = "sent";
    rec.status = Some(reply.status);
    rec.duration_ms = Some(reply.duration.as_millis() as u64);
    rec.bytes = Some(reply.bytes);
    let location = reply.location();
    if (300..400).contains(&reply.status) {
        rec.redirect = location.as_deref().map(audit::redact_userinfo);
    }
    location
}

/// Consecutive 429/503 answers after which a host is no longer probed.
pub const MAX_THROTTLE_STRIKES: u32 = 3;
/// Engine rule ids used in records when no scope rule decided.
pub const RULE_INTERNAL: &str = "internal-address";
pub const RULE_RESOLVE: &str = "resolve-failed";
pub const RULE_BUDGET: &str = "request-budget";
pub const RULE_STOPPED: &str = "host-stopped";
pub const RULE_REDIRECTS: &str = "too-many-redirects";
pub const RULE_SCHEME: &str = "scheme-not-http";
/// Rule id of a request refused before any scope check because it cannot be read or sent as
/// given: the proxy's own 400 and 413 answers, or a tool request with a caller `Host` header
/// or a header that cannot be sent.
pub const RULE_BAD_REQUEST: &str = "bad-request";

/// The port the proxy listens on inside `run --isolate`'s network namespace (the namespace is
/// new, so the port is free there).
pub const ISOLATED_PROXY_PORT: u16 = 3128;

/// The pacing of the rules in use: the slowest `probe:` section of the loaded programs.
#[derive(Debug, Clone, Copy)]
pub struct Pacing {
    pub rate: Rate,
    pub per_host_rate: Rate,
    pub burst: u32,
}

impl Pacing {
    /// Defaults from the rules files (the most conservative program wins), else 1/s.
    pub fn from_rules(rules: &ScopeRules) -> Result<Pacing, String> {
        let mut best: Option<Pacing> = None;
        for p in &rules.programs {
            let Some(def) = &p.file.probe else { continue };
            let def = &def.value;
            let at = |what: &str, e: String| format!("{} (probe.{what}): {e}", p.origin);
            let rate = rate::parse_rate(&def.rate).map_err(|e| at("rate", e))?;
            let per_host_rate = match &def.per_host_rate {
                Some(r) => rate::parse_rate(r).map_err(|e| at("per_host_rate", e))?,
                None => rate,
            };
            let burst = rate::check_burst(def.burst.unwrap_or(1))
                .map_err(|e| at("burst", e))?
                .get();
            best = Some(match best {
                None => Pacing {
                    rate,
                    per_host_rate,
                    burst,
                },
                Some(b) => Pacing {
                    rate: slower(b.rate, rate),
                    per_host_rate: slower(b.per_host_rate, per_host_rate),
                    burst: b.burst.min(burst),
                },
            });
        }
        Ok(best.unwrap_or_else(|| {
            let r = rate::parse_rate(FALLBACK_RATE).expect("fallback rate parses");
            Pacing {
                rate: r,
                per_host_rate: r,
                burst: 1,
            }
        }))
    }
}

fn slower(a: Rate, b: Rate) -> Rate {
    if a.per_second() <= b.per_second() {
        a
    } else {
        b
    }
}

/// Everything an [`Engine`] needs besides the rules.
pub struct EngineConfig {
    pub pins: Pins,
    pub pacing: Pacing,
    pub timeout: Duration,
    pub user_agent: String,
    /// Hard budget of requests sent in this run.
    pub max_requests: Option<u64>,
    /// Longest `Retry-After` honored; longer ones stop probing the host.
    pub max_wait: Duration,
    pub audit: Option<AuditLog>,
    /// Certificates trusted for upstream TLS besides the webpki roots (`--upstream-ca`).
    pub upstream_roots: Vec<rustls::pki_types::CertificateDer<'static>>,
}

/// Outcome of the scope check of one URL.
#[derive(Debug, Clone, Default)]
pub struct ScopeCheck {
    pub in_scope: bool,
    /// Deciding rule id.
    pub rule: String,
    pub reason: String,
    /// The identification headers (`probe.headers`) of the program that has the target in
    /// scope; empty when out of scope.
    pub headers: HeaderMap,
    /// Out of scope only because the host's scope depends on the path and the target names
    /// none (a CONNECT authority has no path): the host is in scope for some paths only, or
    /// an exclusion covers some of its paths. An intercepting proxy may open the tunnel and
    /// check each request's path inside it.
    pub paths_only: bool,
}

/// What a checked request does not show the proxy: nothing (a URL), or its path (a CONNECT
/// tunnel's authority), which a host with path exclusions needs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Hidden {
    Nothing,
    Path,
}

/// A program's `probe.headers`, as request headers (entries the loader accepted; any other is
/// left out rather than sent malformed).
pub fn program_headers(program: &crate::rules::Program) -> HeaderMap {
    let mut out = HeaderMap::new();
    let Some(def) = &program.file.probe else {
        return out;
    };
    for h in &def.value.headers {
        let Ok((n, v)) = crate::rules::pacing::parse_program_header(&h.value) else {
            continue;
        };
        if let (Ok(n), Ok(v)) = (
            reqwest::header::HeaderName::from_bytes(n.as_bytes()),
            reqwest::header::HeaderValue::from_str(&v),
        ) {
            out.append(n, v);
        }
    }
    out
}

/// Add the program's identification headers to `headers` (replacing same-named ones), only
/// when the check says in scope.
pub fn add_program_headers(headers: &mut HeaderMap, scope: &ScopeCheck) {
    if !scope.in_scope {
        return;
    }
    for name in scope.headers.keys() {
        headers.remove(name);
    }
    for (n, v) in &scope.headers {
        headers.append(n.clone(), v.clone());
    }
}

#[derive(Debug, Default)]
struct HostThrottle {
    strikes: u32,
    until: Option<Instant>,
    stopped: Option<String>,
}

/// What to do after a 429 or 503.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Throttle {
    /// Retry after this delay.
    Retry(Duration),
    /// Stop sending to this host; the message says why.
    Stop(String),
}

/// Scope check, resolution, pacing, budget and audit, shared by `probe` and `proxy`.
pub struct Engine {
    pub rules: ScopeRules,
    pub pins: Pins,
    pub limiters: Limiters,
    pub clients: Arc<Clients>,
    pub max_requests: Option<u64>,
    pub max_wait: Duration,
    sent: AtomicU64,
    hosts: Mutex<HashMap<String, HostThrottle>>,
    audit: Option<AuditLog>,
    /// Each program's `probe.headers` (indexed like `rules.programs`), parsed once: the rules
    /// do not change during a run.
    program_headers: Vec<HeaderMap>,
    /// Some asset or exclusion has a query condition, so a body's fields can change a verdict
    /// (see [`Engine::check_body`]).
    reads_body_fields: bool,
}

impl Engine {
    pub fn new(rules: ScopeRules, cfg: EngineConfig) -> Result<Engine, String> {
        let burst = rate::check_burst(cfg.pacing.burst).map_err(|e| format!("--{e}"))?;
        let program_headers = rules.programs.iter().map(program_headers).collect();
        let reads_body_fields = rules.programs.iter().any(|p| p.has_query_conditions());
        Ok(Engine {
            program_headers,
            reads_body_fields,
            rules,
            pins: cfg.pins,
            limiters: Limiters::new(cfg.pacing.rate, cfg.pacing.per_host_rate, burst),
            clients: Arc::new(
                Clients::new(cfg.timeout, cfg.user_agent).with_roots(
                    cfg.upstream_roots
                        .iter()
                        .map(|c| reqwest::Certificate::from_der(c))
                        .collect::<Result<_, _>>()
                        .map_err(|e| format!("--upstream-ca: {e}"))?,
                ),
            ),
            max_requests: cfg.max_requests,
            max_wait: cfg.max_wait,
            sent: AtomicU64::new(0),
            hosts: Mutex::new(HashMap::new()),
            audit: cfg.audit,
        })
    }

    /// Check a URL against the scope. The URL must be one the engine also parses to the same
    /// host and port, or it is refused as ambiguous.
    pub fn check_url(&self, url: &Url) -> ScopeCheck {
        if !matches!(url.scheme(), "http" | "https") {
            return ScopeCheck {
                in_scope: false,
                rule: RULE_SCHEME.into(),
                reason: format!("only http and https URLs are sent, not `{}`", url.scheme()),
                ..ScopeCheck::default()
            };
        }
        self.check_target(
            url.as_str(),
            url.host_str().unwrap_or(""),
            url.port_or_known_default(),
            Hidden::Nothing,
        )
    }

    /// Check a CONNECT authority (`host:port`).
    pub fn check_authority(&self, host: &str, port: u16) -> ScopeCheck {
        let text = if host.contains(':') && !host.starts_with('[') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        self.check_target(&text, host, Some(port), Hidden::Path)
    }

    /// Check `text` (a URL, or an authority when `hidden` says the path is not seen).
    fn check_target(
        &self,
        text: &str,
        host: &str,
        port: Option<u16>,
        hidden: Hidden,
    ) -> ScopeCheck {
        let Some(v) = self.rules.classify(text, false) else {
            return ScopeCheck {
                in_scope: false,
                rule: crate::matcher::RULE_NO_ASSET.into(),
                reason: "no rules loaded".into(),
                ..ScopeCheck::default()
            };
        };
        let mut check = ScopeCheck {
            in_scope: v.kind == VerdictKind::InScope,
            rule: v.rule().to_string(),
            reason: match v.error() {
                Some(e) => format!("invalid target: {e}"),
                None => format!("{}: {}", v.kind, v.reason_text()),
            },
            paths_only: matches!(v.reason, crate::matcher::Reason::PathNotListed { .. }),
            ..ScopeCheck::default()
        };
        if !check.in_scope {
            return check;
        }
        // The scope engine and the HTTP client must agree on where this goes.
        let agree = match &v.normalized {
            Some(Target::Net(n)) => {
                let h = n.host.to_string();
                let bare = h.trim_start_matches('[').trim_end_matches(']');
                let want = host.trim_start_matches('[').trim_end_matches(']');
                bare.eq_ignore_ascii_case(want) && (port.is_none() || n.port == port)
            }
            _ => false,
        };
        if !agree {
            check.in_scope = false;
            check.rule = crate::matcher::RULE_INVALID.into();
            check.reason = format!(
                "`{text}` is read differently by the scope engine and the HTTP client; refusing"
            );
            return check;
        }
        // A tunnel hides the path: a host with path exclusions is tunnelled only intercepted,
        // where each request's path is checked.
        let path_exclusion = match (hidden, &v.normalized) {
            (Hidden::Path, Some(Target::Net(n))) => v.program.path_exclusion_on_host(n),
            _ => None,
        };
        if let Some(x) = path_exclusion {
            return ScopeCheck {
                in_scope: false,
                rule: x.id.clone(),
                reason: format!(
                    "out-of-scope: exclusion `{}` covers some paths of this host, and a tunnel \
                     hides the path (`--intercept` checks each request's)",
                    x.id
                ),
                paths_only: true,
                ..ScopeCheck::default()
            };
        }
        let index = self
            .rules
            .programs
            .iter()
            .position(|p| std::ptr::eq(p, v.program));
        check.headers = index
            .map(|i| self.program_headers[i].clone())
            .unwrap_or_default();
        check
    }

    /// Decide the address for a host.
    pub async fn resolve(&self, host: &str, port: u16) -> Result<Resolved, resolve::ResolveError> {
        resolve::resolve(&self.pins, host, port).await
    }

    /// Take one request from the budget; when it is spent, the reason a refusal gives.
    pub fn take_budget(&self) -> Result<(), String> {
        let taken = match self.max_requests {
            None => {
                self.sent.fetch_add(1, Ordering::SeqCst);
                true
            }
            Some(max) => self
                .sent
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                    (n < max).then_some(n + 1)
                })
                .is_ok(),
        };
        if taken {
            Ok(())
        } else {
            Err(format!(
                "the request budget (--max-requests {}) is spent",
                self.max_requests.unwrap_or(0)
            ))
        }
    }

    /// Requests sent (or about to be) so far.
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::SeqCst)
    }

    /// Why `host` is no longer probed, if it is not.
    pub fn host_stopped(&self, host: &str) -> Option<String> {
        let hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        hosts.get(host).and_then(|h| h.stopped.clone())
    }

    /// How long `host` must still rest after a 429/503.
    pub fn host_pause(&self, host: &str) -> Option<Duration> {
        let hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        let until = hosts.get(host)?.until?;
        until
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
    }

    /// Wait until a request to `host` may be sent: its `Retry-After` pause, then its own rate,
    /// then the global rate.
    pub async fn wait_turn(&self, host: &str) {
        while let Some(d) = self.host_pause(host) {
            tokio::time::sleep(d).await;
        }
        self.limiters.wait(host).await;
    }

    /// Record a 429/503 from `host` and decide whether to retry.
    fn on_throttle(&self, host: &str, status: u16, retry_after: Option<Duration>) -> Throttle {
        let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        let h = hosts.entry(host.to_string()).or_default();
        h.strikes += 1;
        if h.strikes >= MAX_THROTTLE_STRIKES {
            let msg = format!(
                "{host} answered {status} {} times in a row; stopped probing it",
                h.strikes
            );
            h.stopped = Some(msg.clone());
            return Throttle::Stop(msg);
        }
        // Without Retry-After: back off exponentially from the host's own period, at least 1 s.
        let fallback = self.limiters.host_rate.period().max(Duration::from_secs(1))
            * (1u32 << h.strikes.min(8));
        let delay = retry_after.unwrap_or(fallback);
        if delay > self.max_wait {
            let msg = format!(
                "{host} asked to wait {}s (Retry-After), more than --max-wait {}s; stopped probing it",
                delay.as_secs(),
                self.max_wait.as_secs()
            );
            h.stopped = Some(msg.clone());
            return Throttle::Stop(msg);
        }
        match Instant::now().checked_add(delay) {
            Some(until) => {
                h.until = Some(until);
                Throttle::Retry(delay)
            }
            None => {
                let msg = format!(
                    "{host} asked to wait longer than this clock can count; stopped probing it"
                );
                h.stopped = Some(msg.clone());
                Throttle::Stop(msg)
            }
        }
    }

    /// Note `host`'s answer: a 429 or 503 is a strike ([`Engine::on_throttle`], whose decision
    /// is returned); any other status forgets earlier strikes.
    pub fn after_reply(&self, host: &str, reply: &client::Reply) -> Option<Throttle> {
        if matches!(reply.status, 429 | 503) {
            Some(self.on_throttle(host, reply.status, reply.retry_after()))
        } else {
            self.on_success(host);
            None
        }
    }

    /// A non-throttled answer from `host`: forget earlier strikes.
    fn on_success(&self, host: &str) {
        let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(h) = hosts.get_mut(host) {
            h.strikes = 0;
        }
    }

    /// Append to the audit log (if any). A failing audit log is an error: nothing is sent
    /// without a record, so callers write a `sending` record (see [`Engine::audit_sending`])
    /// before any byte goes out.
    pub fn audit(&self, rec: &AuditRecord) -> std::io::Result<()> {
        match &self.audit {
            Some(log) => log.write(rec),
            None => Ok(()),
        }
    }

    /// Write the `sending` record of `rec` (audit first): on error, the request must not be
    /// sent.
    pub fn audit_sending(&self, rec: &AuditRecord) -> std::io::Result<()> {
        let mut sending = rec.clone();
        sending.verdict = "sending";
        self.audit(&sending)
    }

    /// Check a request to `url` with these headers: the URL, and the path of any header some
    /// servers route on in place of the request line's (see [`PATH_OVERRIDE_HEADERS`]), so
    /// that `X-Original-URL: /admin` does not reach an excluded path through an allowed one.
    pub fn check_request(&self, url: &Url, headers: &HeaderMap) -> ScopeCheck {
        let scope = self.check_url(url);
        if !scope.in_scope {
            return scope;
        }
        let overrides = PATH_OVERRIDE_HEADERS
            .iter()
            .flat_map(|name| headers.get_all(*name).iter().map(move |v| (name, v)));
        for (name, value) in overrides {
            let text = String::from_utf8_lossy(value.as_bytes());
            // Only a path: anything else is not what the request line asked for.
            let checked = (text.starts_with('/') && !text.starts_with("//"))
                .then(|| url.join(&text).ok())
                .flatten()
                .map(|u| self.check_url(&u));
            let (rule, why) = match checked {
                Some(c) if c.in_scope => continue,
                Some(c) => (c.rule, c.reason),
                None => (
                    crate::matcher::RULE_INVALID.into(),
                    "it is not a path".into(),
                ),
            };
            return ScopeCheck {
                in_scope: false,
                rule,
                reason: format!(
                    "`{name}: {}` asks the server for another path: {why}",
                    crate::text::printable(&text)
                ),
                ..ScopeCheck::default()
            };
        }
        scope
    }

    /// Whether a request body's fields can change a verdict: some rule has a query condition.
    /// Only then does the proxy read a body before sending it.
    pub fn reads_body_fields(&self) -> bool {
        self.reads_body_fields
    }

    /// Check a request to the in-scope `url` with `body` of `content_type` as servers read it:
    /// a form's fields (a JSON body's members) together with the query (see [`body`]). `None`
    /// when that leaves it in scope, or the body has no fields; else the refusal.
    pub fn check_body(
        &self,
        url: &Url,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Option<ScopeCheck> {
        if !self.reads_body_fields || body.is_empty() {
            return None;
        }
        let kind = body::BodyKind::of(content_type?)?;
        let fields = body::fields_as_query(&kind, body);
        if fields.is_empty() {
            return None;
        }
        let mut read = url.clone();
        let query = match url.query() {
            Some(q) if !q.is_empty() => format!("{q}&{fields}"),
            _ => fields,
        };
        read.set_query(Some(&query));
        let scope = self.check_url(&read);
        (!scope.in_scope).then(|| ScopeCheck {
            reason: format!(
                "servers that read a body's fields as query parameters (PHP's $_REQUEST, ASP.NET's Request[], Spring, Rails) read this request as {}: {}",
                crate::text::printable(read.as_str()),
                scope.reason
            ),
            ..scope
        })
    }

    /// Check a user `Host` header for a request to `url`: the virtual host it names must be in
    /// scope like the URL's host.
    pub fn check_host_header(&self, url: &Url, value: &reqwest::header::HeaderValue) -> ScopeCheck {
        let invalid = |why: String| ScopeCheck {
            in_scope: false,
            rule: crate::matcher::RULE_INVALID.into(),
            reason: why,
            ..ScopeCheck::default()
        };
        let Ok(text) = value.to_str() else {
            return invalid("the Host header is not ASCII text".into());
        };
        let text = text.trim();
        if text.is_empty() || text.contains(['/', '?', '#', '@', '\\', ' ']) {
            return invalid(format!("Host header `{text}` is not a host[:port]"));
        }
        match Url::parse(&format!("{}://{text}/", url.scheme())) {
            // What is checked is what is sent: a value the parser had to change (a tab taken
            // out, an escape decoded, a port with a leading zero) is not the checked host.
            Ok(vhost) if !host_header_as_parsed(text, &vhost) => invalid(format!(
                "Host header `{}` is not written as the host it is read as; write it as `{}`",
                crate::text::printable(text),
                vhost.host_str().unwrap_or_default()
            )),
            Ok(vhost) if vhost.host_str().is_some() => {
                let mut check = self.check_url(&vhost);
                check.reason = format!("Host header `{text}`: {}", check.reason);
                check
            }
            _ => invalid(format!("Host header `{text}` is not a host[:port]")),
        }
    }
}

/// Headers that some servers and frameworks route on in place of the request line's path
/// (IIS URL Rewrite, Symfony and Drupal honour `X-Original-URL` and `X-Rewrite-URL`).
pub const PATH_OVERRIDE_HEADERS: [&str; 2] = ["x-original-url", "x-rewrite-url"];

/// Whether a Host header's `text` is, but for ASCII case, the host and port `vhost` was
/// parsed to: the host as the parser writes it, and a port (if any) in plain digits.
fn host_header_as_parsed(text: &str, vhost: &Url) -> bool {
    let Some(host) = vhost.host_str() else {
        return false;
    };
    let Some(written_port) = text
        .get(..host.len())
        .filter(|h| h.eq_ignore_ascii_case(host))
        .and_then(|_| text.get(host.len()..))
    else {
        return false;
    };
    match written_port.strip_prefix(':') {
        None => written_port.is_empty(),
        Some(p) => {
            !p.is_empty()
                && p.bytes().all(|b| b.is_ascii_digit())
                && (p == "0" || !p.starts_with('0'))
                && p.parse::<u16>().ok() == vhost.port_or_known_default()
        }
    }
}

/// Output format of `probe`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeFormat {
    Text,
    Jsonl,
}

crate::named!(ProbeFormat { Text => "text", Jsonl => "jsonl" });

/// Options of one `probe` run.
pub struct ProbeOptions {
    /// `None`: HEAD, falling back to GET when HEAD is refused (405/501).
    pub method: Option<Method>,
    /// User headers, in order.
    pub headers: HeaderMap,
    pub max_redirects: usize,
    pub dry_run: bool,
    pub format: ProbeFormat,
    pub color: bool,
}

/// Counts of one run.
#[derive(Debug, Default, Clone)]
pub struct ProbeSummary {
    pub targets: u64,
    pub sent: u64,
    pub refused: u64,
    pub errors: u64,
    pub dry_run: u64,
    /// Hosts given up on (too many 429/503, or a Retry-After beyond --max-wait).
    pub stopped_hosts: u64,
    pub by_status: BTreeMap<u16, u64>,
}

impl ProbeSummary {
    /// Whether anything was refused or failed, or a host was given up on (exit 1).
    pub fn found(&self) -> bool {
        self.refused + self.errors + self.stopped_hosts > 0
    }

    fn add(&mut self, rec: &AuditRecord) {
        match rec.verdict {
            "sent" => {
                self.sent += 1;
                if let Some(s) = rec.status {
                    *self.by_status.entry(s).or_default() += 1;
                }
            }
            "refused" => self.refused += 1,
            "dry-run" => self.dry_run += 1,
            _ => self.errors += 1,
        }
    }

    /// One line: `3 sent, 1 refused, 0 errors (200: 2, 302: 1)`.
    pub fn line(&self) -> String {
        let plural =
            |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut s = format!(
            "{}: {} sent, {} refused, {}",
            plural(self.targets, "target", "targets"),
            self.sent,
            self.refused,
            plural(self.errors, "error", "errors")
        );
        if self.stopped_hosts > 0 {
            s.push_str(&format!(
                ", {} given up on",
                plural(self.stopped_hosts, "host", "hosts")
            ));
        }
        if self.dry_run > 0 {
            s.push_str(&format!(", {} dry-run", self.dry_run));
        }
        if !self.by_status.is_empty() {
            let parts: Vec<String> = self
                .by_status
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect();
            s.push_str(&format!(" (status {})", parts.join(", ")));
        }
        s
    }
}

/// Output lines held back so that they come out in input order: hosts are probed
/// concurrently, but a reader expects line N of the output to be about line N of the input.
#[derive(Default)]
struct OutputOrder {
    /// The input index whose lines are written as they come.
    next: u64,
    /// Lines of later inputs, and whether each input is done.
    pending: BTreeMap<u64, (Vec<String>, bool)>,
    /// Lines held in `pending`, for backpressure on the input.
    held: usize,
}

/// Most output lines held back before the input waits (a slow host holds up the order).
const MAX_HELD_LINES: usize = 4096;

/// Where records go: stdout lines (in input order), the audit log (at once) and the summary.
struct Sink<W: Write + Send> {
    out: Mutex<(W, ProbeSummary)>,
    order: Mutex<OutputOrder>,
    format: ProbeFormat,
    color: bool,
}

impl<W: Write + Send> Sink<W> {
    /// Count a host given up on: the run is not clean even if it was the last target.
    fn host_stopped(&self) {
        let mut g = self.out.lock().unwrap_or_else(|e| e.into_inner());
        g.1.stopped_hosts += 1;
    }

    /// Record one attempt for input `index`: the audit log first, then the summary, then the
    /// output line (now, or when the inputs before it are done).
    fn emit_at(&self, index: u64, engine: &Engine, rec: &AuditRecord) -> std::io::Result<()> {
        engine.audit(rec)?;
        let line = match self.format {
            ProbeFormat::Jsonl => serde_json::to_string(rec).map_err(std::io::Error::other)?,
            ProbeFormat::Text => render_text(rec, self.color),
        };
        let mut order = self.order.lock().unwrap_or_else(|e| e.into_inner());
        let mut g = self.out.lock().unwrap_or_else(|e| e.into_inner());
        g.1.add(rec);
        if index == order.next {
            writeln!(g.0, "{line}")?;
            return g.0.flush();
        }
        order.pending.entry(index).or_default().0.push(line);
        order.held += 1;
        Ok(())
    }

    /// Input `index` has no more records: write what it unblocks.
    fn done(&self, index: u64) -> std::io::Result<()> {
        let mut order = self.order.lock().unwrap_or_else(|e| e.into_inner());
        order.pending.entry(index).or_default().1 = true;
        if index != order.next {
            return Ok(());
        }
        let mut g = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let order = &mut *order;
        while let Some((lines, done)) = order.pending.remove(&order.next) {
            order.held -= lines.len();
            for l in &lines {
                writeln!(g.0, "{l}")?;
            }
            if !done {
                // Now the input being written: its later lines go straight out.
                break;
            }
            order.next += 1;
        }
        g.0.flush()
    }

    fn held(&self) -> usize {
        self.order.lock().unwrap_or_else(|e| e.into_inner()).held
    }
}

/// The sink as one input sees it: every record it emits is for that input.
struct Emitter<'s, W: Write + Send> {
    sink: &'s Sink<W>,
    index: u64,
}

impl<W: Write + Send> Emitter<'_, W> {
    fn emit(&self, engine: &Engine, rec: &AuditRecord) -> std::io::Result<()> {
        self.sink.emit_at(self.index, engine, rec)
    }

    fn host_stopped(&self) {
        self.sink.host_stopped();
    }
}

/// One human line for a record. The URL, the redirect a server gave and the reasons are
/// untrusted text: shown [`printable`](crate::text::printable).
pub fn render_text(rec: &AuditRecord, color: bool) -> String {
    let shown = |s: &str| crate::text::printable(s).into_owned();
    let url = shown(&rec.url);
    let reason = shown(rec.reason.as_deref().unwrap_or(""));
    let paint = |s: String, c: &str| {
        if color {
            s.color(c).bold().to_string()
        } else {
            s
        }
    };
    match rec.verdict {
        "sent" => {
            let status = rec.status.map_or("---".into(), |s| s.to_string());
            let c = match rec.status.unwrap_or(0) {
                200..=299 => "green",
                300..=399 => "cyan",
                _ => "yellow",
            };
            let mut s = format!(
                "{} {} {} via {} {}ms {}B",
                paint(status, c),
                shown(&rec.method),
                url,
                rec.addr.as_deref().unwrap_or("?"),
                rec.duration_ms.unwrap_or(0),
                rec.bytes.unwrap_or(0)
            );
            if let Some(r) = &rec.redirect {
                s.push_str(&format!(" -> {}", shown(r)));
            }
            if rec.reason.is_some() {
                s.push_str(&format!(" ({reason})"));
            }
            s
        }
        "dry-run" => format!(
            "{} {} {} via {} [{}]",
            paint("DRY-RUN".into(), "blue"),
            shown(&rec.method),
            url,
            rec.addr.as_deref().unwrap_or("system DNS"),
            reason
        ),
        "refused" => format!(
            "{} {} {} [{}]: {}",
            paint("REFUSED".into(), "red"),
            shown(&rec.method),
            url,
            shown(rec.rule.as_deref().unwrap_or("-")),
            reason
        ),
        _ => format!(
            "{} {} {}: {}",
            paint("ERROR".into(), "red"),
            shown(&rec.method),
            url,
            reason
        ),
    }
}

/// The URL as logged: without userinfo.
fn loggable(url: &Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.to_string()
}

fn host_of(url: &Url) -> String {
    url.host_str()
        .unwrap_or("")
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase()
}

/// Most hosts worked on at once.
const CONCURRENT_HOSTS: usize = 32;
/// Most targets waiting in the queues of the hosts being worked on.
const MAX_QUEUED: usize = 4096;
/// Most targets read ahead of the probing.
const READ_AHEAD: usize = 1024;

/// Run `probe` over `targets` as they arrive: one task per host (requests to a host stay in
/// order), at most [`CONCURRENT_HOSTS`] at once, all sharing the engine's limits. Input is
/// read only as fast as it is probed, and a host's task and queue exist only while it has
/// work, so memory stays bounded however many targets and distinct hosts come in. Records go
/// to `out` as they happen.
pub async fn run_probe<W: Write + Send + 'static>(
    engine: Arc<Engine>,
    mut targets: tokio::sync::mpsc::Receiver<String>,
    opts: Arc<ProbeOptions>,
    out: W,
) -> std::io::Result<(ProbeSummary, W)> {
    type Queues = Mutex<HashMap<String, std::collections::VecDeque<(u64, String)>>>;
    let sink = Arc::new(Sink {
        out: Mutex::new((out, ProbeSummary::default())),
        order: Mutex::default(),
        format: opts.format,
        color: opts.color,
    });
    let queues: Arc<Queues> = Arc::default();
    // Signalled whenever a task takes a target from its queue (or finishes).
    let progress = Arc::new(tokio::sync::Notify::new());
    let mut tasks = tokio::task::JoinSet::new();
    let mut target_count = 0u64;
    let mut result: std::io::Result<()> = Ok(());
    let outcome = |r: Result<std::io::Result<()>, tokio::task::JoinError>| match r {
        Ok(r) => r,
        Err(e) if e.is_cancelled() => Ok(()),
        Err(e) => Err(std::io::Error::other(e.to_string())),
    };
    'input: while let Some(t) = targets.recv().await {
        let index = target_count;
        target_count += 1;
        let t = (index, t.trim().to_string());
        let key = Url::parse(&t.1).map(|u| host_of(&u)).unwrap_or_default();
        let mut target = Some(t);
        while let Some(t) = target.take() {
            while let Some(r) = tasks.try_join_next() {
                if let Err(e) = outcome(r) {
                    result = Err(e);
                    break 'input;
                }
            }
            {
                let mut q = queues.lock().unwrap_or_else(|e| e.into_inner());
                let queued: usize = q.values().map(|v| v.len()).sum();
                // Output held back for the input order counts against the read-ahead too.
                let room = queued < MAX_QUEUED && sink.held() < MAX_HELD_LINES;
                if let Some(queue) = q.get_mut(&key) {
                    if room {
                        queue.push_back(t);
                        continue;
                    }
                } else if room && tasks.len() < CONCURRENT_HOSTS {
                    q.insert(key.clone(), std::collections::VecDeque::from([t]));
                    drop(q);
                    let (engine, opts, sink) = (engine.clone(), opts.clone(), sink.clone());
                    let (queues, progress, key) = (queues.clone(), progress.clone(), key.clone());
                    tasks.spawn(async move {
                        loop {
                            // Empty: the host is done; it leaves the map under the same lock,
                            // so no target can be queued for a task that has ended.
                            let next = {
                                let mut q = queues.lock().unwrap_or_else(|e| e.into_inner());
                                let next = q.get_mut(&key).and_then(|v| v.pop_front());
                                if next.is_none() {
                                    q.remove(&key);
                                }
                                next
                            };
                            progress.notify_one();
                            let Some((index, u)) = next else {
                                return Ok(());
                            };
                            let emitter = Emitter { sink: &sink, index };
                            probe_one(&engine, &opts, &emitter, &u).await?;
                            sink.done(index)?;
                        }
                    });
                    continue;
                }
            }
            // No room: wait for a task to take a target or to finish, then try again.
            target = Some(t);
            tokio::select! {
                Some(r) = tasks.join_next() => {
                    if let Err(e) = outcome(r) {
                        result = Err(e);
                        break 'input;
                    }
                }
                _ = progress.notified() => {}
            }
        }
    }
    if result.is_err() {
        tasks.abort_all();
    }
    while let Some(r) = tasks.join_next().await {
        if let (Ok(()), Err(e)) = (&result, outcome(r)) {
            tasks.abort_all();
            result = Err(e);
        }
    }
    result?;
    let sink = Arc::into_inner(sink).expect("all tasks are done");
    let (w, mut summary) = sink.out.into_inner().unwrap_or_else(|e| e.into_inner());
    summary.targets = target_count;
    Ok((summary, w))
}

/// Headers for a hop: secrets and a user `Host` only go to the origin they were given for.
pub(crate) fn hop_headers(
    base: &HeaderMap,
    origin: &(String, String, Option<u16>),
    url: &Url,
) -> HeaderMap {
    let same = origin.0 == url.scheme()
        && origin.1 == host_of(url)
        && origin.2 == url.port_or_known_default();
    let mut h = base.clone();
    if !same {
        for name in audit::SECRET_HEADERS {
            h.remove(*name);
        }
        h.remove(reqwest::header::HOST);
    }
    h
}

async fn probe_one<W: Write + Send>(
    engine: &Engine,
    opts: &ProbeOptions,
    sink: &Emitter<'_, W>,
    raw: &str,
) -> std::io::Result<()> {
    let auto_get = opts.method.is_none();
    let mut method = opts.method.clone().unwrap_or(Method::HEAD);
    let mut url = match Url::parse(raw) {
        Ok(u) if u.host_str().is_some() => u,
        Ok(_) | Err(_) => {
            let mut rec = AuditRecord::new("probe", method.as_str(), raw, "");
            rec.rule = Some(crate::matcher::RULE_INVALID.into());
            // A bare host (`login.live.com`) is the common slip: say what was probably meant,
            // but never guess the scheme and send.
            let bare_host = matches!(
                crate::target::parse_target(raw),
                Ok(crate::Target::Net(ref n)) if n.scheme.is_none()
            );
            rec.reason = Some(if bare_host {
                format!(
                    "not an absolute http(s) URL; did you mean https://{}/ ?",
                    raw.trim().trim_end_matches('/')
                )
            } else {
                "not an absolute http(s) URL".into()
            });
            return sink.emit(engine, &rec);
        }
    };
    let origin = (
        url.scheme().to_string(),
        host_of(&url),
        url.port_or_known_default(),
    );
    let mut hops = 0usize;
    let mut fell_back = false;
    let mut came_from: Option<String> = None;
    loop {
        let host = host_of(&url);
        let port = url.port_or_known_default().unwrap_or(0);
        let mut headers = hop_headers(&opts.headers, &origin, &url);
        let mut scope = engine.check_request(&url, &headers);
        // A user Host header names the virtual host actually asked for: it is checked too.
        if let (true, Some(vhost)) = (scope.in_scope, headers.get(reqwest::header::HOST)) {
            scope = engine.check_host_header(&url, vhost);
        }
        // The program's identification headers, for this hop only when it is in scope.
        add_program_headers(&mut headers, &scope);
        let mut rec = AuditRecord::new("probe", method.as_str(), &loggable(&url), &host)
            .with_headers(
                headers
                    .iter()
                    .map(|(n, v)| (n.as_str(), v.to_str().unwrap_or("?"))),
            );
        rec.rule = Some(scope.rule.clone());
        if !scope.in_scope {
            rec.reason = Some(match &came_from {
                Some(from) => format!("redirect from {from} not followed: {}", scope.reason),
                None => scope.reason,
            });
            return sink.emit(engine, &rec);
        }
        if opts.dry_run {
            rec.verdict = "dry-run";
            rec.addr = engine
                .pins
                .get(&host, port)
                .map(|ip| std::net::SocketAddr::new(ip, port).to_string());
            rec.reason = Some(scope.reason);
            return sink.emit(engine, &rec);
        }
        if let Some(why) = engine.host_stopped(&host) {
            rec.rule = Some(RULE_STOPPED.into());
            rec.reason = Some(why);
            return sink.emit(engine, &rec);
        }
        let resolved = match engine.resolve(&host, port).await {
            Ok(r) => r,
            Err(e) => {
                rec.rule = Some(e.rule.into());
                rec.reason = Some(e.reason);
                return sink.emit(engine, &rec);
            }
        };
        rec.addr = Some(resolved.addr.to_string());
        if let Err(why) = engine.take_budget() {
            rec.rule = Some(RULE_BUDGET.into());
            rec.reason = Some(why);
            return sink.emit(engine, &rec);
        }
        let client = match engine.clients.get_async(&host, resolved.addr).await {
            Ok(c) => c,
            Err(e) => {
                rec.verdict = "error";
                rec.reason = Some(e);
                return sink.emit(engine, &rec);
            }
        };
        engine.wait_turn(&host).await;
        rec.time = audit::rfc3339_now();
        engine.audit_sending(&rec)?;
        let reply = client::send(
            &client,
            method.clone(),
            url.clone(),
            headers,
            None,
            client::BodyMode::Drop,
        )
        .await;
        let reply = match reply {
            Ok(r) => r,
            Err(e) => {
                rec.verdict = "error";
                rec.reason = Some(e);
                return sink.emit(engine, &rec);
            }
        };
        let location = record_reply(&mut rec, &reply);

        match engine.after_reply(&host, &reply) {
            Some(Throttle::Retry(d)) => {
                rec.reason = Some(format!("throttled; retrying in {}ms", d.as_millis()));
                sink.emit(engine, &rec)?;
                continue;
            }
            Some(Throttle::Stop(msg)) => {
                rec.reason = Some(msg);
                sink.host_stopped();
                return sink.emit(engine, &rec);
            }
            None => {}
        }

        if auto_get && !fell_back && method == Method::HEAD && matches!(reply.status, 405 | 501) {
            rec.reason = Some("HEAD refused; retrying with GET".into());
            sink.emit(engine, &rec)?;
            method = Method::GET;
            fell_back = true;
            continue;
        }

        let next = match (&location, reply.status) {
            (Some(loc), 300..=399) => Some(url.join(loc)),
            _ => None,
        };
        sink.emit(engine, &rec)?;
        match next {
            None => return Ok(()),
            Some(Err(e)) => {
                let mut r = AuditRecord::new(
                    "probe",
                    method.as_str(),
                    location.as_deref().unwrap_or(""),
                    "",
                );
                r.rule = Some(crate::matcher::RULE_INVALID.into());
                r.reason = Some(format!("redirect Location is not a URL: {e}"));
                return sink.emit(engine, &r);
            }
            Some(Ok(next)) => {
                if hops >= opts.max_redirects {
                    let mut r = AuditRecord::new(
                        "probe",
                        method.as_str(),
                        &loggable(&next),
                        &host_of(&next),
                    );
                    r.rule = Some(RULE_REDIRECTS.into());
                    r.reason = Some(format!(
                        "more than --max-redirects {} hops",
                        opts.max_redirects
                    ));
                    return sink.emit(engine, &r);
                }
                hops += 1;
                if reply.status == 303 && method != Method::HEAD
                    || matches!(reply.status, 301 | 302) && method == Method::POST
                {
                    method = Method::GET;
                }
                came_from = Some(loggable(&url));
                url = next;
            }
        }
    }
}

/// Warnings about the test naming of bearer tokens in `headers` (see [`token`]).
pub fn token_warnings(rules: &ScopeRules, headers: &HeaderMap) -> Vec<String> {
    let Some(naming) = rules
        .programs
        .iter()
        .find_map(|p| p.file.test_naming.as_ref().map(|t| &t.value))
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for v in headers.get_all(reqwest::header::AUTHORIZATION) {
        let Ok(v) = v.to_str() else { continue };
        let Some(jwt) = token::bearer_jwt(v) else {
            continue;
        };
        match token::decode_claims(jwt) {
            Ok(claims) => out.extend(token::check_marker(&claims, naming)),
            Err(e) => out.push(format!("cannot read the bearer token's claims: {e}")),
        }
    }
    out
}

impl Pacing {
    /// Apply command-line overrides. `--rate` replaces the global rate; the per-host rate stays
    /// the rules' `per_host_rate` when they set one (else it follows `--rate`), unless
    /// `--per-host-rate` is given. Returns warnings for rates faster than the rules' defaults.
    pub fn with_overrides(
        self,
        rules_have_per_host: bool,
        rate: Option<&str>,
        per_host_rate: Option<&str>,
        burst: Option<u32>,
    ) -> Result<(Pacing, Vec<String>), String> {
        let mut p = self;
        let mut warnings = Vec::new();
        if let Some(r) = rate {
            p.rate = rate::parse_rate(r).map_err(|e| format!("--rate: {e}"))?;
            if !rules_have_per_host {
                p.per_host_rate = p.rate;
            }
        }
        if let Some(r) = per_host_rate {
            p.per_host_rate = rate::parse_rate(r).map_err(|e| format!("--per-host-rate: {e}"))?;
        }
        if let Some(b) = burst {
            p.burst = rate::check_burst(b).map_err(|e| format!("--{e}"))?.get();
        }
        if p.burst > self.burst {
            warnings.push(format!(
                "--burst {} is more than the program's {}",
                p.burst, self.burst
            ));
        }
        if p.rate.per_second() > self.rate.per_second() {
            warnings.push(format!(
                "--rate {} is faster than the program's default {}",
                p.rate, self.rate
            ));
        }
        // Only a per-host rate the user gave is theirs to be warned about: one that follows
        // --rate is covered by the --rate warning.
        if per_host_rate.is_some() && p.per_host_rate.per_second() > self.per_host_rate.per_second()
        {
            warnings.push(format!(
                "--per-host-rate {} is faster than the program's default {}",
                p.per_host_rate, self.per_host_rate
            ));
        }
        Ok((p, warnings))
    }
}

/// Whether any loaded program sets `probe.per_host_rate`.
pub fn rules_have_per_host(rules: &ScopeRules) -> bool {
    rules.programs.iter().any(|p| {
        p.file
            .probe
            .as_ref()
            .is_some_and(|d| d.value.per_host_rate.is_some())
    })
}

/// Read targets on a thread of their own (standard input blocks): the arguments, then standard
/// input (one per line, `#` comments and blank lines skipped) when there are none or one is
/// `-`. At most [`READ_AHEAD`] targets are read ahead of the probing. A line that is not
/// UTF-8 is skipped with a warning naming it, and counted in the second value; the others are
/// still read.
pub fn read_targets(
    args: Vec<String>,
    mut stdin: impl std::io::BufRead + Send + 'static,
) -> (
    tokio::sync::mpsc::Receiver<String>,
    std::thread::JoinHandle<std::io::Result<u64>>,
) {
    let (tx, rx) = tokio::sync::mpsc::channel(READ_AHEAD);
    let reader = std::thread::spawn(move || {
        let read_stdin = args.is_empty() || args.iter().any(|a| a == "-");
        for a in args.into_iter().filter(|a| a != "-") {
            if tx.blocking_send(a).is_err() {
                return Ok(0);
            }
        }
        let mut skipped = 0u64;
        if !read_stdin {
            return Ok(skipped);
        }
        let mut line = Vec::new();
        let mut number = 0u64;
        // A line longer than any URL (binary input, a file without newlines) is read only up to
        // this bound, then skipped to its end: memory stays bounded whatever comes in.
        let limit = crate::target::MAX_TARGET_LEN as u64 + 1;
        loop {
            line.clear();
            let mut bounded = std::io::Read::take(&mut stdin, limit);
            if std::io::BufRead::read_until(&mut bounded, b'\n', &mut line)? == 0 {
                return Ok(skipped);
            }
            number += 1;
            if line.len() as u64 == limit && line.last() != Some(&b'\n') {
                let mut rest = 0usize;
                loop {
                    let buf = stdin.fill_buf()?;
                    if buf.is_empty() {
                        break;
                    }
                    match buf.iter().position(|&b| b == b'\n') {
                        Some(i) => {
                            stdin.consume(i + 1);
                            break;
                        }
                        None => {
                            rest += buf.len();
                            let n = buf.len();
                            stdin.consume(n);
                        }
                    }
                }
                eprintln!(
                    "scopelint probe: warning: standard input line {number} is longer than {} bytes ({} more); skipped",
                    crate::target::MAX_TARGET_LEN,
                    rest
                );
                skipped += 1;
                continue;
            }
            let Ok(text) = std::str::from_utf8(&line) else {
                eprintln!(
                    "scopelint probe: warning: standard input line {number} is not UTF-8; skipped"
                );
                skipped += 1;
                continue;
            };
            let t = text.trim();
            if !t.is_empty() && !t.starts_with('#') && tx.blocking_send(t.to_string()).is_err() {
                // The run stopped (an error): nothing more to read for.
                return Ok(skipped);
            }
        }
    });
    (rx, reader)
}
