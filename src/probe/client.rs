//! The HTTP client side: one reqwest client per (host, address), built with redirects disabled
//! (every hop is checked by the caller), no environment proxy, and the host pinned to the
//! address the resolver decided, so the client itself never resolves a name.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, LOCATION, RETRY_AFTER};
use reqwest::{Client, Method, Url};

/// Most of a response body read (and counted) per request; the rest is not downloaded.
pub const MAX_BODY_BYTES: u64 = 16 * 1024 * 1024;

/// Builds and caches clients.
pub struct Clients {
    timeout: Duration,
    user_agent: String,
    /// Trusted besides the webpki roots (`--upstream-ca`).
    extra_roots: Vec<reqwest::Certificate>,
    cache: Mutex<HashMap<(String, SocketAddr), Client>>,
}

impl Clients {
    pub fn new(timeout: Duration, user_agent: String) -> Clients {
        Clients {
            timeout,
            user_agent,
            extra_roots: Vec::new(),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Also trust these roots for upstream TLS (the webpki roots stay trusted).
    pub fn with_roots(mut self, roots: Vec<reqwest::Certificate>) -> Clients {
        self.extra_roots = roots;
        self
    }

    /// [`Clients::get`] off the async threads: building a TLS client takes a few
    /// milliseconds that would otherwise delay requests already released by the rate limiter.
    pub async fn get_async(
        self: &std::sync::Arc<Self>,
        host: &str,
        addr: SocketAddr,
    ) -> Result<Client, String> {
        if let Some(c) = self.cached(host, addr) {
            return Ok(c);
        }
        let this = self.clone();
        let host = host.to_string();
        tokio::task::spawn_blocking(move || this.get(&host, addr))
            .await
            .map_err(|e| format!("cannot build HTTP client: {e}"))?
    }

    fn cached(&self, host: &str, addr: SocketAddr) -> Option<Client> {
        let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        cache.get(&(host.to_string(), addr)).cloned()
    }

    /// The client that connects `host` to `addr` and nowhere else.
    pub fn get(&self, host: &str, addr: SocketAddr) -> Result<Client, String> {
        let key = (host.to_string(), addr);
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = cache.get(&key) {
            return Ok(c.clone());
        }
        let mut b = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(self.timeout)
            .connect_timeout(self.timeout)
            .user_agent(self.user_agent.clone());
        if host.parse::<std::net::IpAddr>().is_err() && !host.starts_with('[') {
            b = b.resolve(host, addr);
        }
        for root in &self.extra_roots {
            b = b.add_root_certificate(root.clone());
        }
        let c = b
            .build()
            .map_err(|e| format!("cannot build HTTP client: {e}"))?;
        cache.insert(key, c.clone());
        Ok(c)
    }
}

/// What one sent request came back with.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub duration: Duration,
    pub bytes: u64,
    /// The body, when the caller asked to keep it.
    pub body: Option<bytes::Bytes>,
}

impl Reply {
    pub fn location(&self) -> Option<String> {
        self.headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    /// `Retry-After` as a delay from now (seconds or HTTP date).
    pub fn retry_after(&self) -> Option<Duration> {
        self.headers
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after)
    }
}

/// Parse a `Retry-After` value: delay in seconds, or an HTTP date (past dates mean now).
pub fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// What [`send`] does with a response body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyMode {
    /// Count it (up to [`MAX_BODY_BYTES`]) and drop it: `probe`.
    Drop,
    /// Keep all of it; over [`MAX_BODY_BYTES`] is an error, never a silent cut: the proxy.
    Whole,
    /// Keep at most this many bytes and stop reading after them (`bytes` then says one chunk
    /// more was seen): the MCP request tool, which reports the cut.
    Cut(usize),
}

/// Send one request and read its body as `mode` says.
pub async fn send(
    client: &Client,
    method: Method,
    url: Url,
    headers: HeaderMap,
    body: Option<reqwest::Body>,
    mode: BodyMode,
) -> Result<Reply, String> {
    let start = Instant::now();
    let mut req = client.request(method.clone(), url).headers(headers);
    if let Some(b) = body {
        req = req.body(b);
    }
    let mut resp = req.send().await.map_err(describe)?;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let limit = match mode {
        BodyMode::Drop | BodyMode::Whole => MAX_BODY_BYTES,
        BodyMode::Cut(n) => (n as u64).min(MAX_BODY_BYTES),
    };
    let mut bytes = 0u64;
    let mut kept = (mode != BodyMode::Drop).then(Vec::new);
    if method != Method::HEAD {
        loop {
            match resp.chunk().await {
                Ok(Some(c)) => {
                    let room = limit.saturating_sub(bytes) as usize;
                    bytes += c.len() as u64;
                    if let Some(k) = kept.as_mut() {
                        k.extend_from_slice(&c[..room.min(c.len())]);
                    }
                    if bytes > limit {
                        if mode == BodyMode::Whole {
                            return Err(format!(
                                "the response body is larger than {MAX_BODY_BYTES} bytes; not passed on"
                            ));
                        }
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => return Err(describe(e)),
            }
        }
    }
    Ok(Reply {
        status,
        headers,
        duration: start.elapsed(),
        bytes,
        body: kept.map(bytes::Bytes::from),
    })
}

fn describe(e: reqwest::Error) -> String {
    use std::error::Error as _;
    let mut s = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "connection failed".to_string()
    } else {
        "request failed".to_string()
    };
    let mut src = e.source();
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}

/// Parse `Name: value` as given to `--header`.
pub fn parse_header(spec: &str) -> Result<(HeaderName, HeaderValue), String> {
    let (n, v) = spec
        .split_once(':')
        .ok_or_else(|| format!("--header `{spec}`: expected `Name: value`"))?;
    header_pair(n, v).map_err(|e| match e {
        BadHeader::Name => format!("--header: `{}` is not a header name", n.trim()),
        BadHeader::Value(name) => format!(
            "--header {}: the value has invalid characters",
            name.as_str()
        ),
    })
}

/// Why a header pair was refused; each caller words it for its own input.
pub enum BadHeader {
    Name,
    Value(HeaderName),
}

/// One header from its name and value (both trimmed), marked sensitive when it carries a
/// secret so it is redacted wherever it is printed or logged. Shared by `--header` and the
/// MCP request tool so the two read headers alike.
pub fn header_pair(name: &str, value: &str) -> Result<(HeaderName, HeaderValue), BadHeader> {
    let name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| BadHeader::Name)?;
    let Ok(mut value) = HeaderValue::from_str(value.trim()) else {
        return Err(BadHeader::Value(name));
    };
    if super::audit::is_secret_header(name.as_str()) {
        value.set_sensitive(true);
    }
    Ok((name, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        let future = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(30));
        let d = parse_retry_after(&future).unwrap();
        assert!(
            d > Duration::from_secs(25) && d <= Duration::from_secs(30),
            "{d:?}"
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn header_specs() {
        let (n, v) = parse_header("Authorization: Bearer x").unwrap();
        assert_eq!(n.as_str(), "authorization");
        assert!(v.is_sensitive());
        assert!(parse_header("no colon").is_err());
    }
}
