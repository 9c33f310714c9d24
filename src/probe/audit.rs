//! The audit log: JSON Lines, one entry per attempted request, sent or refused.
//!
//! Header values of `Authorization`, `Proxy-Authorization`, `Cookie` and `Set-Cookie` are
//! never written; URLs (also redirect targets and targets that do not parse) are written
//! without userinfo.
//!
//! Audit first: every request is preceded by a `sending` entry, written and flushed before a
//! byte goes out, and followed by its outcome (`sent` or `error`). A request whose `sending`
//! entry cannot be written is not sent.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

/// Headers whose values are secrets.
pub const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
];

/// True for headers whose values must never be logged or sent to another host.
pub fn is_secret_header(name: &str) -> bool {
    SECRET_HEADERS.iter().any(|s| s.eq_ignore_ascii_case(name))
}

/// Shown instead of a secret header value.
pub const REDACTED: &str = "[redacted]";

/// One attempted request (the public JSON contract of the audit log).
#[derive(Debug, Clone, Serialize, Default)]
pub struct AuditRecord {
    /// RFC 3339 UTC time the attempt started.
    pub time: String,
    /// `probe` or `proxy`.
    pub source: &'static str,
    pub method: String,
    pub url: String,
    pub host: String,
    /// The address connected to (`ip:port`), when one was decided.
    pub addr: Option<String>,
    /// `sending` (written before the request goes out), then `sent` or `error`; or `refused`
    /// or `dry-run` for requests never sent.
    pub verdict: &'static str,
    /// The scope rule that decided (asset id, exclusion id, or an engine rule id).
    pub rule: Option<String>,
    pub status: Option<u16>,
    pub duration_ms: Option<u64>,
    /// Response body bytes read (for a CONNECT tunnel: bytes from the server to the client).
    pub bytes: Option<u64>,
    /// For a CONNECT tunnel: bytes from the client to the server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes_sent: Option<u64>,
    /// For a CONNECT tunnel: the TLS server name of the client's ClientHello.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_name: Option<String>,
    /// `Location` of a redirect response.
    pub redirect: Option<String>,
    /// Why the request was refused or failed.
    pub reason: Option<String>,
    /// Request headers added by the user; secret values are redacted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<(String, String)>,
}

impl AuditRecord {
    pub fn new(source: &'static str, method: &str, url: &str, host: &str) -> AuditRecord {
        AuditRecord {
            time: rfc3339_now(),
            source,
            method: method.to_string(),
            url: redact_userinfo(url),
            host: host.to_string(),
            verdict: "refused",
            ..AuditRecord::default()
        }
    }

    /// Record user headers with secret values redacted.
    pub fn with_headers<'a>(
        mut self,
        headers: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Self {
        self.headers = headers
            .into_iter()
            .map(|(n, v)| {
                let v = if is_secret_header(n) { REDACTED } else { v };
                (n.to_string(), v.to_string())
            })
            .collect();
        self
    }
}

/// `raw` (a URL or something meant as one, absolute or relative) with any userinfo replaced by
/// `[redacted]`. Works on text that does not parse (`http://u:pw@host:99999/`), since such
/// targets are logged as given.
pub fn redact_userinfo(raw: &str) -> String {
    let after_scheme = match raw.find("://") {
        Some(i)
            if raw[..i]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b)) =>
        {
            i + 3
        }
        _ if raw.starts_with("//") => 2,
        _ => return raw.to_string(),
    };
    let rest = &raw[after_scheme..];
    let authority_end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}{REDACTED}{}", &raw[..after_scheme], &rest[at..]),
        None => raw.to_string(),
    }
}

/// An append-only JSON Lines file, written through after every entry so a killed run keeps its
/// log.
pub struct AuditLog {
    path: PathBuf,
    out: Mutex<File>,
}

impl AuditLog {
    pub fn open(path: &Path) -> io::Result<AuditLog> {
        let f = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(AuditLog {
            path: path.to_path_buf(),
            out: Mutex::new(f),
        })
    }

    /// Append one entry and flush it. The error names the log.
    pub fn write(&self, rec: &AuditRecord) -> io::Result<()> {
        let mut line = serde_json::to_vec(rec).map_err(io::Error::other)?;
        line.push(b'\n');
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        // One unbuffered write per entry: nothing is left in a buffer to be written later.
        out.write_all(&line).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("audit log {}: cannot write: {e}", self.path.display()),
            )
        })
    }
}

/// The current time as RFC 3339 UTC with milliseconds.
pub fn rfc3339_now() -> String {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    rfc3339(d.as_secs() as i64, d.subsec_millis())
}

/// Format seconds since the epoch (UTC) as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn rfc3339(secs: i64, millis: u32) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_rfc3339() {
        assert_eq!(rfc3339(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(951_782_400, 5), "2000-02-29T00:00:00.005Z");
        assert_eq!(rfc3339(1_767_225_599, 999), "2025-12-31T23:59:59.999Z");
    }

    #[test]
    fn redacts_userinfo_even_when_the_url_does_not_parse() {
        for (raw, want) in [
            (
                "http://user:SECRETPW@in.test:99999/",
                "http://[redacted]@in.test:99999/",
            ),
            (
                "https://u:p@a.test/x?y=@z",
                "https://[redacted]@a.test/x?y=@z",
            ),
            ("//u:p@a.test/", "//[redacted]@a.test/"),
            ("/relative/@path", "/relative/@path"),
            ("https://a.test/path@x", "https://a.test/path@x"),
            ("http://a:b@c@d.test/", "http://[redacted]@d.test/"),
        ] {
            assert_eq!(redact_userinfo(raw), want, "{raw}");
        }
    }

    #[test]
    fn redacts_secret_headers() {
        let r = AuditRecord::new("probe", "GET", "https://a/", "a").with_headers([
            ("Authorization", "Bearer sekrit"),
            ("cookie", "sid=sekrit"),
            ("X-Test", "visible"),
        ]);
        let json = serde_json::to_string(&r).unwrap();
        assert!(!json.contains("sekrit"), "{json}");
        assert!(json.contains("visible"));
    }
}
