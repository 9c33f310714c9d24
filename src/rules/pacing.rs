//! Request pacing as a rules file writes it (`probe.rate: 1/s`, `probe.burst: 1`), parsed and
//! range-checked here so the loader, `rules validate` and the prober refuse the same values.

use std::fmt;
use std::num::NonZeroU32;
use std::time::Duration;

/// A request rate: `count` requests per `per`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub count: f64,
    pub per: Duration,
}

impl Rate {
    /// Time between two requests at this rate.
    pub fn period(&self) -> Duration {
        Duration::from_secs_f64(self.per.as_secs_f64() / self.count)
    }

    /// Requests per second.
    pub fn per_second(&self) -> f64 {
        self.count / self.per.as_secs_f64()
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.per.as_secs() {
            1 => "s",
            60 => "min",
            3600 => "h",
            _ => "?",
        };
        write!(f, "{}/{unit}", self.count)
    }
}

/// Highest accepted rate, so a typo (`4000/s`) is an error rather than a flood.
pub const MAX_PER_SECOND: f64 = 1000.0;
/// Longest accepted interval between two requests (one a day).
pub const MAX_PERIOD_SECS: f64 = 86_400.0;
/// Most requests allowed back to back (`--burst`, `probe.burst`).
pub const MAX_BURST: u32 = 100;
/// Check a burst (`--burst`, `probe.burst`): 1 to [`MAX_BURST`].
pub fn check_burst(burst: u32) -> Result<NonZeroU32, String> {
    match NonZeroU32::new(burst) {
        Some(b) if burst <= MAX_BURST => Ok(b),
        _ => Err(format!(
            "burst {burst} is out of range: use 1 to {MAX_BURST}"
        )),
    }
}

/// Parse `N/s`, `N/sec`, `N/second`, `N/m`, `N/min`, `N/minute`, `N/h`, `N/hour`; `N` may be
/// fractional (`0.5/s`) but must be positive.
pub fn parse_rate(s: &str) -> Result<Rate, String> {
    let t = s.trim();
    let (n, unit) = t.split_once('/').ok_or_else(|| {
        format!("rate `{s}`: expected COUNT/UNIT, e.g. `4/s`, `100/min`, `0.5/s`")
    })?;
    let count: f64 = n
        .trim()
        .parse()
        .map_err(|_| format!("rate `{s}`: `{}` is not a number", n.trim()))?;
    if !count.is_finite() || count <= 0.0 {
        return Err(format!("rate `{s}`: the count must be a positive number"));
    }
    let per = match unit.trim().to_ascii_lowercase().as_str() {
        "s" | "sec" | "second" => Duration::from_secs(1),
        "m" | "min" | "minute" => Duration::from_secs(60),
        "h" | "hour" => Duration::from_secs(3600),
        other => {
            return Err(format!(
                "rate `{s}`: unknown unit `{other}` (use s, min or h)"
            ))
        }
    };
    let rate = Rate { count, per };
    if rate.per_second() > MAX_PER_SECOND {
        return Err(format!(
            "rate `{s}` is above the maximum of {MAX_PER_SECOND}/s"
        ));
    }
    // Checked in floating point before any Duration is built: a tiny rate's period would
    // overflow one.
    let period_secs = per.as_secs_f64() / count;
    if !(period_secs.is_finite() && period_secs <= MAX_PERIOD_SECS) {
        return Err(format!("rate `{s}` is below one request a day"));
    }
    Ok(rate)
}

/// Header names a rules file's `probe.headers` may not set: credentials (they would be shared
/// with everyone who has the rules file) and headers that belong to the connection or that
/// the HTTP client decides.
const REFUSED_PROGRAM_HEADERS: &[&str] = &[
    "authorization",
    "cookie",
    "set-cookie",
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "te",
    "trailer",
    "upgrade",
    "expect",
];

/// One `probe.headers` entry, `Name: value`, checked: the name is an HTTP token not in the
/// refused list (nor `Proxy-*`), the value is visible ASCII (spaces and tabs allowed inside).
/// Returns the name (lower-case) and the trimmed value.
pub fn parse_program_header(spec: &str) -> Result<(String, String), String> {
    let (name, value) = spec
        .split_once(':')
        .ok_or_else(|| format!("`{spec}`: write a header as `Name: value`"))?;
    let name = name.trim();
    let value = value.trim();
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty() || !name.chars().all(token) {
        return Err(format!("`{name}` is not a header name"));
    }
    let lower = name.to_ascii_lowercase();
    if REFUSED_PROGRAM_HEADERS.contains(&lower.as_str()) || lower.starts_with("proxy-") {
        return Err(format!(
            "`{name}` cannot be set here (credentials and connection headers are refused)"
        ));
    }
    if value.is_empty() {
        return Err(format!("`{name}` has an empty value"));
    }
    if let Some(c) = value
        .chars()
        .find(|c| !(c.is_ascii_graphic() || *c == ' ' || *c == '\t'))
    {
        return Err(format!(
            "the value of `{name}` has the character {c:?}; only visible ASCII is allowed"
        ));
    }
    Ok((lower, value.to_string()))
}
