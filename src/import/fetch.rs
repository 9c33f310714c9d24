//! Fetch a platform file over HTTP(S) for `scopelint sync`: conditional (`If-None-Match`,
//! `If-Modified-Since` from the last fetch), bounded (a size cap, read as the body arrives, and
//! timeouts), and with errors that say what went wrong. This fetches a platform's data file,
//! not a target: it is not scope-enforced.

use std::time::Duration;

use reqwest::header::{ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};

/// What the server said identifies the version fetched, sent back on the next fetch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// The result of a fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// HTTP 304: the file has not changed since the fetch `Validators` came from.
    NotModified,
    /// The file, and the validators to send next time.
    Body(Vec<u8>, Validators),
}

/// Limits of a fetch.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The largest body accepted, in bytes.
    pub max_bytes: u64,
    /// Connecting, and the whole request, each at most this long.
    pub timeout: Duration,
}

/// GET `url` (http or https only), conditionally on `previous`.
pub async fn fetch(url: &str, previous: &Validators, limits: Limits) -> Result<Fetched, String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("`{url}` is not a URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!(
            "`{url}`: only http:// and https:// URLs can be fetched"
        ));
    }
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::limited(5))
        .timeout(limits.timeout)
        .connect_timeout(limits.timeout)
        .user_agent(concat!("scopelint/", env!("CARGO_PKG_VERSION"), " (sync)"))
        .build()
        .map_err(|e| format!("cannot build HTTP client: {e}"))?;
    let mut req = client.get(parsed);
    if let Some(e) = &previous.etag {
        req = req.header(IF_NONE_MATCH, e);
    }
    if let Some(m) = &previous.last_modified {
        req = req.header(IF_MODIFIED_SINCE, m);
    }
    let mut resp = req.send().await.map_err(|e| describe(url, &e))?;
    let status = resp.status();
    if status == reqwest::StatusCode::NOT_MODIFIED {
        return Ok(Fetched::NotModified);
    }
    if !status.is_success() {
        return Err(format!("{url}: the server answered HTTP {status}"));
    }
    let too_big = || {
        format!(
            "{url}: the file is larger than the size cap of {} bytes (--max-bytes)",
            limits.max_bytes
        )
    };
    if resp.content_length().is_some_and(|n| n > limits.max_bytes) {
        return Err(too_big());
    }
    let header = |name| {
        resp.headers()
            .get(name)
            .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
            .map(str::to_string)
    };
    let validators = Validators {
        etag: header(ETAG),
        last_modified: header(LAST_MODIFIED),
    };
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| describe(url, &e))? {
        if body.len() as u64 + chunk.len() as u64 > limits.max_bytes {
            return Err(too_big());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Fetched::Body(body, validators))
}

fn describe(url: &str, e: &reqwest::Error) -> String {
    use std::error::Error as _;
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else if e.is_redirect() {
        "too many redirects"
    } else {
        "request failed"
    };
    let mut cause = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        cause = s.to_string();
        src = s.source();
    }
    format!("{url}: {what}: {cause}")
}
