//! One request through the engine, for callers that are not the `probe` command (the MCP
//! server): the same scope check on every hop, pacing, budget and audit-first log as `probe`,
//! with a method, headers and a body, and a bounded response body returned.

use reqwest::header::HeaderMap;
use reqwest::{Method, Url};
use serde::Serialize;

use super::audit::{self, AuditRecord};
use super::{
    add_program_headers, client, hop_headers, host_of, loggable, record_reply, Engine, Throttle,
};
use super::{RULE_BAD_REQUEST, RULE_BUDGET, RULE_REDIRECTS, RULE_STOPPED};

/// What to send.
#[derive(Debug, Clone)]
pub struct SendRequest {
    /// The caller chooses from the methods it offers (the MCP tool: GET, HEAD, POST, PUT,
    /// PATCH, DELETE, OPTIONS).
    pub method: Method,
    pub url: String,
    /// `(name, value)`; a `Host` header is refused.
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    /// Redirects followed (GET and HEAD only; each hop checked like the first).
    pub max_redirects: usize,
    /// Most response body bytes returned (the rest is cut, `body_truncated`).
    pub max_body: usize,
}

/// Why nothing (more) was sent.
#[derive(Debug, Clone, Serialize)]
pub struct Refusal {
    pub rule: String,
    pub reason: String,
    pub url: String,
}

/// What happened: every hop's audit record, then the last response (if any).
#[derive(Debug, Clone, Serialize, Default)]
pub struct SendOutcome {
    /// A response came back for the last hop sent.
    pub sent: bool,
    pub refused: Option<Refusal>,
    pub error: Option<String>,
    pub status: Option<u16>,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    pub body_truncated: bool,
    pub hops: Vec<AuditRecord>,
}

impl SendOutcome {
    fn refuse(mut self, mut rec: AuditRecord, engine: &Engine, rule: &str, reason: String) -> Self {
        rec.rule = Some(rule.to_string());
        rec.reason = Some(reason.clone());
        let _ = engine.audit(&rec);
        self.refused = Some(Refusal {
            rule: rule.to_string(),
            reason,
            url: rec.url.clone(),
        });
        self.hops.push(rec);
        self
    }
}

fn parse_headers(h: &[(String, String)]) -> Result<HeaderMap, String> {
    let mut out = HeaderMap::new();
    for (n, v) in h {
        if n.trim()
            .eq_ignore_ascii_case(reqwest::header::HOST.as_str())
        {
            return Err(
                "a Host header is refused: the URL names the host, and scope is checked on it"
                    .into(),
            );
        }
        let (name, value) = client::header_pair(n, v).map_err(|e| match e {
            client::BadHeader::Name => format!("`{n}` is not a header name"),
            client::BadHeader::Value(_) => format!("the value of `{n}` has invalid characters"),
        })?;
        out.append(name, value);
    }
    Ok(out)
}

/// Send `req` through `engine`; refusals and failures are in the outcome, never a panic.
pub async fn send_one(engine: &Engine, req: SendRequest, source: &'static str) -> SendOutcome {
    let out = SendOutcome::default();
    let method = req.method;
    let rec0 = AuditRecord::new(source, method.as_str(), &req.url, "");
    let user_headers = match parse_headers(&req.headers) {
        Ok(h) => h,
        Err(why) => return out.refuse(rec0, engine, RULE_BAD_REQUEST, why),
    };
    let mut url = match Url::parse(&req.url) {
        Ok(u) if u.host_str().is_some() => u,
        _ => {
            let why = "not an absolute http(s) URL".to_string();
            return out.refuse(rec0, engine, crate::matcher::RULE_INVALID, why);
        }
    };
    let origin = (
        url.scheme().to_string(),
        host_of(&url),
        url.port_or_known_default(),
    );
    let mut out = out;
    let mut hops = 0usize;
    loop {
        let host = host_of(&url);
        let port = url.port_or_known_default().unwrap_or(0);
        // Secrets (and a Host, which `parse_headers` refuses anyway) stay with the origin.
        let mut headers = hop_headers(&user_headers, &origin, &url);
        let scope = engine.check_request(&url, &headers);
        add_program_headers(&mut headers, &scope);
        let mut rec = AuditRecord::new(source, method.as_str(), &loggable(&url), &host)
            .with_headers(
                headers
                    .iter()
                    .map(|(n, v)| (n.as_str(), v.to_str().unwrap_or("?"))),
            );
        rec.rule = Some(scope.rule.clone());
        if !scope.in_scope {
            let why = match hops {
                0 => scope.reason,
                _ => format!("redirect not followed: {}", scope.reason),
            };
            return out.refuse(rec, engine, &scope.rule, why);
        }
        // The body goes with the first hop only; its fields are read with the query.
        if let (0, Some(body)) = (hops, &req.body) {
            let content_type = headers
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok());
            if let Some(refusal) = engine.check_body(&url, content_type, body.as_bytes()) {
                return out.refuse(rec, engine, &refusal.rule, refusal.reason);
            }
        }
        if let Some(why) = engine.host_stopped(&host) {
            return out.refuse(rec, engine, RULE_STOPPED, why);
        }
        let resolved = match engine.resolve(&host, port).await {
            Ok(r) => r,
            Err(e) => return out.refuse(rec, engine, e.rule, e.reason),
        };
        rec.addr = Some(resolved.addr.to_string());
        if let Err(why) = engine.take_budget() {
            return out.refuse(rec, engine, RULE_BUDGET, why);
        }
        let http = match engine.clients.get_async(&host, resolved.addr).await {
            Ok(c) => c,
            Err(e) => return failed(out, rec, engine, e),
        };
        engine.wait_turn(&host).await;
        rec.time = audit::rfc3339_now();
        if let Err(e) = engine.audit_sending(&rec) {
            return failed(out, rec, engine, format!("not sent: {e}"));
        }
        let body = (hops == 0)
            .then(|| req.body.clone())
            .flatten()
            .map(reqwest::Body::from);
        let reply = match client::send(
            &http,
            method.clone(),
            url.clone(),
            headers,
            body,
            client::BodyMode::Cut(req.max_body),
        )
        .await
        {
            Ok(r) => r,
            Err(e) => return failed(out, rec, engine, e),
        };
        let location = record_reply(&mut rec, &reply);
        if let Some(Throttle::Stop(msg)) = engine.after_reply(&host, &reply) {
            rec.reason = Some(msg);
        }
        let _ = engine.audit(&rec);
        out.hops.push(rec);
        let follow = (300..400).contains(&reply.status)
            && matches!(method, Method::GET | Method::HEAD)
            && location.is_some();
        if follow {
            let next = location.as_deref().and_then(|l| url.join(l).ok());
            match next {
                Some(n) if hops < req.max_redirects => {
                    hops += 1;
                    url = n;
                    continue;
                }
                Some(n) => {
                    let rec =
                        AuditRecord::new(source, method.as_str(), &loggable(&n), &host_of(&n));
                    let why = format!("more than {} redirects", req.max_redirects);
                    return out.refuse(rec, engine, RULE_REDIRECTS, why);
                }
                None => {}
            }
        }
        out.sent = true;
        out.status = Some(reply.status);
        out.headers = reply
            .headers
            .iter()
            .map(|(n, v)| {
                let v = if audit::is_secret_header(n.as_str()) {
                    audit::REDACTED.to_string()
                } else {
                    String::from_utf8_lossy(v.as_bytes()).into_owned()
                };
                (n.as_str().to_string(), v)
            })
            .collect();
        if let Some(b) = reply.body {
            // The client kept at most `max_body` bytes; more were seen when `bytes` says so.
            out.body_truncated = reply.bytes > b.len() as u64;
            out.body = Some(String::from_utf8_lossy(&b).into_owned());
        }
        return out;
    }
}

fn failed(mut out: SendOutcome, mut rec: AuditRecord, engine: &Engine, why: String) -> SendOutcome {
    rec.verdict = "error";
    rec.reason = Some(why.clone());
    let _ = engine.audit(&rec);
    out.error = Some(why);
    out.hops.push(rec);
    out
}
