//! Target parsing and normalization.
//!
//! The rule here is *fail closed*: when an input could reasonably be read as two different hosts
//! by two common clients (a WHATWG browser and an RFC 3986 client such as curl), it is not a
//! target we can vouch for, and parsing returns a [`TargetParseError`] instead of guessing.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A parsed, normalized target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Net(NetTarget),
    App(AppTarget),
}

/// A network target: a URL, a bare host, `host:port`, `host/path` or an IP literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetTarget {
    /// Lowercased scheme, when one was given.
    pub scheme: Option<String>,
    pub host: Host,
    /// Explicit port, or the scheme's default port when the scheme has one.
    pub port: Option<u16>,
    /// Normalized path (dot segments removed), `/` when absent.
    pub path: String,
    /// Whether the input had a path at all (`host` vs `host/`).
    pub has_path: bool,
    /// The query as written, without `?` (the fragment is never sent, so it is dropped).
    /// Kept for rules that look at a query parameter (e.g. which award table a URL falls under).
    pub query: Option<String>,
    /// The input carried credentials before `@` (they are never the host).
    pub had_userinfo: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Host {
    /// ASCII (punycode) lowercase domain without trailing dot.
    Domain(String),
    Ip(IpAddr),
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Domain(d) => f.write_str(d),
            Host::Ip(IpAddr::V4(ip)) => write!(f, "{ip}"),
            Host::Ip(IpAddr::V6(ip)) => write!(f, "[{ip}]"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Platform {
    Android,
    Ios,
}

impl Platform {
    pub fn parse(s: &str) -> Option<Platform> {
        match s.to_ascii_lowercase().as_str() {
            "android" => Some(Platform::Android),
            "ios" => Some(Platform::Ios),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Android => "android",
            Platform::Ios => "ios",
        }
    }
}

/// A mobile app written `android:<package>` or `ios:<bundle-id or store id>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AppTarget {
    pub platform: Platform,
    /// The id as a store knows it; iOS ids are lowercased (bundle ids are case-insensitive).
    pub id: String,
    /// A feature inside the app (`android:<package>#<feature>`), lowercased: for programs that
    /// scope one feature of an app, not the whole app.
    pub feature: Option<String>,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::App(a) => {
                write!(f, "{}:{}", a.platform.as_str(), a.id)?;
                match &a.feature {
                    Some(feature) => write!(f, "#{feature}"),
                    None => Ok(()),
                }
            }
            Target::Net(n) => {
                match &n.scheme {
                    Some(s) => write!(f, "{s}://")?,
                    // `android:123` would read back as an app: keep the `//` of `//android:123`.
                    None if n.port.is_some()
                        && matches!(&n.host, Host::Domain(d) if Platform::parse(d).is_some()) =>
                    {
                        f.write_str("//")?
                    }
                    None => {}
                }
                write!(f, "{}", n.host)?;
                let default = n.scheme.as_deref().and_then(default_port);
                if let Some(p) = n.port.filter(|&p| Some(p) != default) {
                    write!(f, ":{p}")?;
                }
                if n.has_path {
                    f.write_str(&n.path)?;
                }
                if let Some(q) = &n.query {
                    write!(f, "?{q}")?;
                }
                Ok(())
            }
        }
    }
}

/// Why an input is not a target scopelint can classify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetParseError {
    pub message: String,
}

impl TargetParseError {
    fn new(message: impl Into<String>) -> Self {
        TargetParseError {
            message: message.into(),
        }
    }
}

impl fmt::Display for TargetParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TargetParseError {}

/// Longest input accepted as a target. Longer lines are answered `invalid`, not truncated.
pub const MAX_TARGET_LEN: usize = 64 * 1024;

/// Default port of the schemes whose default is well known.
pub fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        "ftp" => Some(21),
        _ => None,
    }
}

/// Parse and normalize one target as written by a user (surrounding whitespace is ignored).
pub fn parse_target(input: &str) -> Result<Target, TargetParseError> {
    let input = input.trim();
    if input.is_empty() {
        return Err(TargetParseError::new("empty target"));
    }
    if input.len() > MAX_TARGET_LEN {
        return Err(TargetParseError::new(format!(
            "target is {} bytes long; the limit is {MAX_TARGET_LEN}",
            input.len()
        )));
    }
    let has_control = if input.is_ascii() {
        input.bytes().any(|b| b < 0x20 || b == 0x7f)
    } else {
        input.chars().any(char::is_control)
    };
    if let Some(c) = has_control
        .then(|| input.chars().find(|c| c.is_control()))
        .flatten()
    {
        // Browsers silently strip tabs and newlines from URLs, other clients do not.
        return Err(TargetParseError::new(format!(
            "contains the control character U+{:04X}, which clients treat differently",
            c as u32
        )));
    }
    if let Some(app) = parse_app(input)? {
        return Ok(Target::App(app));
    }
    parse_net(input).map(Target::Net)
}

fn parse_app(input: &str) -> Result<Option<AppTarget>, TargetParseError> {
    let prefix_is = |p: &str| {
        input
            .get(..p.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(p))
    };
    let (platform, rest) = if prefix_is("android:") {
        (Platform::Android, &input[8..])
    } else if prefix_is("ios:") {
        (Platform::Ios, &input[4..])
    } else {
        return Ok(None);
    };
    if rest.starts_with("//") {
        return Ok(None);
    }
    let (rest, feature) = match rest.split_once('#') {
        Some((id, feature)) => {
            let ok = !feature.is_empty()
                && feature.len() <= 64
                && feature
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !ok {
                return Err(TargetParseError::new(format!(
                    "`{feature}` is not a valid app feature name (after `#`: letters, digits, `-`, `_`)"
                )));
            }
            (id, Some(feature.to_ascii_lowercase()))
        }
        None => (rest, None),
    };
    let valid = !rest.is_empty()
        && rest.len() <= 255
        && rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
        && !rest.starts_with('.')
        && !rest.ends_with('.')
        && !rest.contains("..");
    if !valid {
        return Err(TargetParseError::new(format!(
            "`{rest}` is not a valid {} app id (letters, digits, `.`, `_`, `-`)",
            platform.as_str()
        )));
    }
    let id = match platform {
        Platform::Android => rest.to_string(),
        Platform::Ios => rest.to_ascii_lowercase(),
    };
    Ok(Some(AppTarget {
        platform,
        id,
        feature,
    }))
}

fn split_scheme(input: &str) -> Result<(Option<String>, &str), TargetParseError> {
    if let Some(rest) = input.strip_prefix("//") {
        return Ok((None, rest));
    }
    let Some(colon) = input.find(':') else {
        return Ok((None, input));
    };
    let candidate = &input[..colon];
    let looks_like_scheme = !candidate.is_empty()
        && candidate.as_bytes()[0].is_ascii_alphabetic()
        && candidate
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.');
    let after = &input[colon + 1..];
    if looks_like_scheme {
        if let Some(rest) = after.strip_prefix("//") {
            return Ok((Some(candidate.to_ascii_lowercase()), rest));
        }
        // `https:/host` and `https:host` are the same URL to a browser and a path to others.
        let scheme = candidate.to_ascii_lowercase();
        if default_port(&scheme).is_some() || after.starts_with('/') || after.starts_with('\\') {
            return Err(TargetParseError::new(format!(
                "`{candidate}:` is not followed by `//`; clients disagree on where the host is"
            )));
        }
    }
    Ok((None, input))
}

fn parse_net(input: &str) -> Result<NetTarget, TargetParseError> {
    let (scheme, rest) = split_scheme(input)?;
    if rest.starts_with(['/', '\\']) {
        return Err(TargetParseError::new(
            "more than two slashes after the scheme; clients disagree on where the host is",
        ));
    }
    // One pass over the authority: where it ends, and what is in it.
    let (mut end, mut ats, mut last_at, mut backslash, mut space) =
        (rest.len(), 0, 0, false, false);
    for (i, b) in rest.bytes().enumerate() {
        match b {
            b'/' | b'?' | b'#' => {
                end = i;
                break;
            }
            b'@' => {
                ats += 1;
                last_at = i;
            }
            b'\\' => backslash = true,
            b' ' => space = true,
            _ => {}
        }
    }
    let (authority, tail) = rest.split_at(end);
    if backslash {
        // WHATWG parsers end the authority at `\`, RFC 3986 parsers do not.
        return Err(TargetParseError::new(
            "backslash in the authority; browsers and other clients read a different host",
        ));
    }
    if space {
        return Err(TargetParseError::new("space in the authority"));
    }
    if ats > 1 {
        return Err(TargetParseError::new(
            "more than one `@` in the authority; clients disagree on which part is the host",
        ));
    }
    let had_userinfo = ats == 1;
    let hostport = if had_userinfo {
        &authority[last_at + 1..]
    } else {
        authority
    };
    if hostport.is_empty() {
        return Err(TargetParseError::new("no host"));
    }

    let (host_str, port_str) = split_host_port(hostport, scheme.is_none() && tail.is_empty())?;
    let host = parse_host(host_str)?;
    let port = match port_str {
        Some(p) if !p.is_empty() => Some(parse_port(p)?),
        _ => scheme.as_deref().and_then(default_port),
    };
    let (path, has_path) = normalize_path(tail)?;
    // The query runs from the first `?` to a `#`; a `?` inside the fragment is not a query.
    let query = tail
        .find(['?', '#'])
        .filter(|&i| tail.as_bytes()[i] == b'?')
        .map(|i| encode_query(tail[i + 1..].split('#').next().unwrap_or_default()))
        .filter(|q| !q.is_empty());
    Ok(NetTarget {
        scheme,
        host,
        port,
        path,
        has_path,
        had_userinfo,
        query,
    })
}

/// Split `host:port`, `[v6]:port` and (for bare input) an unbracketed IPv6 literal.
fn split_host_port(hostport: &str, bare: bool) -> Result<(&str, Option<&str>), TargetParseError> {
    if let Some(rest) = hostport.strip_prefix('[') {
        let Some(close) = rest.find(']') else {
            return Err(TargetParseError::new("`[` without a closing `]`"));
        };
        let host = &hostport[..close + 2];
        let after = &rest[close + 1..];
        return match after {
            "" => Ok((host, None)),
            _ => match after.strip_prefix(':') {
                Some(p) => Ok((host, Some(p))),
                None => Err(TargetParseError::new("unexpected text after `]`")),
            },
        };
    }
    match hostport.matches(':').count() {
        0 => Ok((hostport, None)),
        1 => {
            let (h, p) = hostport.split_once(':').unwrap_or((hostport, ""));
            Ok((h, Some(p)))
        }
        _ if bare && hostport.parse::<Ipv6Addr>().is_ok() => Ok((hostport, None)),
        _ => Err(TargetParseError::new(
            "more than one `:` in the authority (IPv6 literals must be in brackets)",
        )),
    }
}

fn parse_port(p: &str) -> Result<u16, TargetParseError> {
    if !p.bytes().all(|b| b.is_ascii_digit()) {
        return Err(TargetParseError::new(format!("`{p}` is not a port number")));
    }
    p.parse::<u16>()
        .map_err(|_| TargetParseError::new(format!("port {p} is out of range (0-65535)")))
}

/// Normalize a host the way browsers do: percent-decoding, UTS 46 to punycode, lowercase,
/// IPv4 in every numeric form, IPv4-mapped IPv6 as IPv4; then drop one trailing dot.
pub fn parse_host(raw: &str) -> Result<Host, TargetParseError> {
    if raw.is_empty() {
        return Err(TargetParseError::new("no host"));
    }
    if raw.starts_with('[') {
        let inner = raw
            .strip_prefix('[')
            .and_then(|r| r.strip_suffix(']'))
            .ok_or_else(|| TargetParseError::new("malformed IPv6 literal"))?;
        let v6: Ipv6Addr = inner
            .parse()
            .map_err(|_| TargetParseError::new(format!("`{inner}` is not an IPv6 address")))?;
        return Ok(Host::Ip(canonical_v6(v6)));
    }
    if let Some(host) = fast_domain(raw) {
        // The WHATWG host parser maps such a name to its lowercase form and nothing else;
        // skipping it is the common case of recon input (unit tests check the agreement).
        return Ok(host);
    }
    if raw.contains(':') {
        if let Ok(v6) = raw.parse::<Ipv6Addr>() {
            return Ok(Host::Ip(canonical_v6(v6)));
        }
    }
    match url::Host::parse(raw) {
        Ok(url::Host::Ipv4(v4)) => Ok(Host::Ip(IpAddr::V4(v4))),
        Ok(url::Host::Ipv6(v6)) => Ok(Host::Ip(canonical_v6(v6))),
        Ok(url::Host::Domain(d)) => normalize_domain(d),
        Err(e) => Err(TargetParseError::new(format!(
            "`{raw}` is not a valid host: {e}"
        ))),
    }
}

/// One pass over a host that needs nothing but lowercasing (see [`is_plain_ascii_domain`]),
/// with the length checks of [`normalize_domain`]. `None` sends the host down the full path.
fn fast_domain(raw: &str) -> Option<Host> {
    let bytes = raw.as_bytes();
    let body = bytes.strip_suffix(b".").unwrap_or(bytes);
    if body.is_empty() || body.len() > 253 {
        return None;
    }
    let (mut label_start, mut upper, mut last_numeric, mut last_0x) = (0, false, true, false);
    for (i, &b) in body.iter().enumerate() {
        match b {
            b'a'..=b'z' | b'-' | b'_' => last_numeric = false,
            b'A'..=b'Z' => {
                upper = true;
                last_numeric = false;
            }
            b'0'..=b'9' => {}
            b'.' => {
                let len = i - label_start;
                if len == 0 || len > 63 || is_xn(&body[label_start..i]) {
                    return None;
                }
                label_start = i + 1;
                last_numeric = true;
                last_0x = false;
            }
            _ => return None,
        }
        if i == label_start + 1 {
            last_0x = body[label_start] == b'0' && (b == b'x' || b == b'X');
        }
    }
    let last = &body[label_start..];
    if last.is_empty() || last.len() > 63 || is_xn(last) || last_numeric || last_0x {
        return None;
    }
    let text = &raw[..body.len()];
    Some(Host::Domain(if upper {
        text.to_ascii_lowercase()
    } else {
        text.to_string()
    }))
}

fn is_xn(label: &[u8]) -> bool {
    label.len() >= 4 && label[..4].eq_ignore_ascii_case(b"xn--")
}

/// A name the WHATWG host parser would only lowercase: ASCII letters, digits, `-`, `_` and
/// `.`, no punycode label (which IDNA must validate), and a last label that is not a number
/// (which would be read as IPv4: all digits, or `0x...`).
pub fn is_plain_ascii_domain(raw: &str) -> bool {
    let bytes = raw.as_bytes();
    if bytes.is_empty()
        || !bytes
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
    {
        return false;
    }
    let trimmed = raw.strip_suffix('.').unwrap_or(raw);
    let mut last = "";
    for label in trimmed.split('.') {
        if label.is_empty()
            || label
                .get(..4)
                .is_some_and(|p| p.eq_ignore_ascii_case("xn--"))
        {
            return false;
        }
        last = label;
    }
    let numeric = last.bytes().all(|b| b.is_ascii_digit())
        || last.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("0x"));
    !numeric
}

fn canonical_v6(v6: Ipv6Addr) -> IpAddr {
    match v6.to_ipv4_mapped() {
        Some(v4) => IpAddr::V4(v4),
        None => IpAddr::V6(v6),
    }
}

fn normalize_domain(mut d: String) -> Result<Host, TargetParseError> {
    if d.ends_with('.') {
        d.pop();
    }
    if d.is_empty() {
        return Err(TargetParseError::new("no host"));
    }
    if d.len() > 253 {
        return Err(TargetParseError::new(
            "host name longer than 253 characters",
        ));
    }
    for label in d.split('.') {
        if label.is_empty() {
            return Err(TargetParseError::new(format!("`{d}` has an empty label")));
        }
        if label.len() > 63 {
            return Err(TargetParseError::new(format!(
                "`{d}` has a label longer than 63 characters"
            )));
        }
        if let Some(c) = label
            .get(..4)
            .filter(|p| p.eq_ignore_ascii_case("xn--"))
            .and_then(|_| idna::punycode::decode_to_string(&label[4..]))
            .and_then(|u| u.chars().find(|&c| unstable_idna_char(c)))
        {
            return Err(TargetParseError::new(format!(
                "`{d}` contains U+{:04X}, whose IDNA status differs between Unicode versions; clients disagree on whether it is a host",
                c as u32
            )));
        }
    }
    if !d
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
    {
        return Err(TargetParseError::new(format!(
            "`{d}` contains characters that are not allowed in a host name"
        )));
    }
    // A numeric last label means the WHATWG parser would have read an IPv4 address and failed.
    if d.rsplit('.')
        .next()
        .is_some_and(|l| l.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(TargetParseError::new(format!(
            "`{d}` ends in a number but is not a valid IPv4 address"
        )));
    }
    Ok(Host::Domain(d.to_ascii_lowercase()))
}

/// Characters outside the Basic Multilingual Plane other than emoji: recent Unicode versions
/// keep assigning them, and IDNA tables of different ages (browsers' ICU, the `idna` crate)
/// disagree on them (found by the differential test: `xn--0x7f` is U+190EA, accepted by `idna`,
/// refused by Node's `URL`). Fail closed.
fn unstable_idna_char(c: char) -> bool {
    c as u32 > 0xFFFF && !(0x1F000..=0x1FAFF).contains(&(c as u32))
}

/// Resolve `.`/`..` segments (including `%2e` forms) the way the WHATWG parser does, with a
/// backslash treated as a slash. Returns the normalized path and whether the input had one.
fn normalize_path(tail: &str) -> Result<(String, bool), TargetParseError> {
    let path_end = tail
        .bytes()
        .position(|b| b == b'?' || b == b'#')
        .unwrap_or(tail.len());
    let raw = &tail[..path_end];
    if raw.is_empty() {
        return Ok(("/".to_string(), false));
    }
    if is_plain_path(raw) {
        return Ok((raw.to_string(), true));
    }
    let mut url = url::Url::parse("http://h/").map_err(|e| TargetParseError::new(e.to_string()))?;
    // `set_path`, not `join`: joining `//evil/x` would read `evil` as a host and drop it from
    // the path (found by fuzzing: `ht//-//8rtr8>5Kot>p//a`).
    url.set_path(raw);
    Ok((url.path().to_string(), true))
}

/// Percent-encode a query the way the WHATWG parser does for special schemes (controls, space,
/// `"`, `#`, `<`, `>`, `'` and non-ASCII bytes), so the printed target reads back the same.
fn encode_query(q: &str) -> String {
    let mut out = String::with_capacity(q.len());
    for b in q.bytes() {
        if b <= 0x20 || b >= 0x7f || matches!(b, b'"' | b'#' | b'<' | b'>' | b'\'') {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push(b as char);
        }
    }
    out
}

/// A path the WHATWG parser keeps byte for byte: starts with `/`, only unreserved and
/// sub-delimiter characters (no `%`, `\`, or characters it would escape), no `.`/`..` segment.
fn is_plain_path(raw: &str) -> bool {
    raw.starts_with('/')
        && raw.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'/' | b'-'
                        | b'.'
                        | b'_'
                        | b'~'
                        | b'!'
                        | b'$'
                        | b'&'
                        | b'('
                        | b')'
                        | b'*'
                        | b'+'
                        | b','
                        | b';'
                        | b'='
                        | b':'
                        | b'@'
                )
        })
        && !raw.split('/').any(|seg| seg == "." || seg == "..")
}

/// Decode the percent-escapes of one path segment. `None` when the segment decodes to bytes that
/// would change how the path splits (`/`, `\`) or is not UTF-8: matching on it would be a guess.
pub fn decode_segment(seg: &str) -> Option<String> {
    if !seg.contains('%') {
        return Some(seg.to_string());
    }
    let bytes: Vec<u8> = percent_decode(seg.as_bytes());
    let s = String::from_utf8(bytes).ok()?;
    if s.contains(['/', '\\']) {
        return None;
    }
    Some(s)
}

fn percent_decode(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        if input[i] == b'%' && i + 2 < input.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(input[i + 1]), hex(input[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(input[i]);
        i += 1;
    }
    out
}

/// True when `ip` is in a range that is internal to a network: loopback, private, link-local,
/// unique-local, unspecified, CGNAT, or an IPv4-mapped form of one of those.
pub fn is_internal_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_internal_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_internal_v4(v4);
            }
            let seg0 = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || (seg0 & 0xfe00) == 0xfc00
                || (seg0 & 0xffc0) == 0xfe80
        }
    }
}

fn is_internal_v4(v4: Ipv4Addr) -> bool {
    let o = v4.octets();
    v4.is_loopback()
        || v4.is_private()
        || v4.is_link_local()
        || v4.is_unspecified()
        || v4.is_broadcast()
        || (o[0] == 100 && (o[1] & 0xc0) == 64)
        || o[0] == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host_of(s: &str) -> Host {
        match parse_target(s).unwrap_or_else(|e| panic!("{s}: {e}")) {
            Target::Net(n) => n.host,
            Target::App(a) => panic!("{s} parsed as app {a:?}"),
        }
    }
    fn dom(s: &str) -> Host {
        Host::Domain(s.to_string())
    }
    fn err(s: &str) -> String {
        match parse_target(s) {
            Err(e) => e.message,
            Ok(t) => panic!("{s:?} should be invalid, parsed as {t:?}"),
        }
    }

    /// The fast paths must give exactly what the full WHATWG parser gives.
    #[test]
    fn fast_paths_agree_with_the_full_parser() {
        let hosts = [
            "login.live.com",
            "LOGIN.Live.COM.",
            "a_b.example",
            "-x-.example",
            "a--b.example",
            "x.0x",
            "x.0xg",
            "x.123",
            "x.1a",
            "0x.example",
            "xn--bcher-kva.example",
            "a..b",
            ".a",
            "a.",
            "x.y.z.0X1",
            "localhost",
            "_dmarc.example.com",
        ];
        for h in hosts {
            let slow = match url::Host::parse(h) {
                Ok(url::Host::Domain(d)) => normalize_domain(d),
                Ok(url::Host::Ipv4(v4)) => Ok(Host::Ip(IpAddr::V4(v4))),
                Ok(url::Host::Ipv6(v6)) => Ok(Host::Ip(canonical_v6(v6))),
                Err(e) => Err(TargetParseError::new(e.to_string())),
            };
            if is_plain_ascii_domain(h) {
                assert_eq!(parse_host(h).ok(), slow.clone().ok(), "{h}");
                assert!(
                    slow.is_ok(),
                    "{h}: fast path accepted what the parser refuses"
                );
            }
            if let Some(fast) = fast_domain(h) {
                assert_eq!(Ok(fast), slow, "{h}");
            }
        }
        // And on many generated hosts over the characters that matter (letters of both cases,
        // digits, `x` for `0x`, dots, hyphens, underscores, and a few that leave the fast path).
        let alphabet = b"aAbzZ09x.._-%";
        let mut rng = crate::gen::Rng(42);
        for _ in 0..20_000 {
            let len = 1 + rng.below(12) as usize;
            let h: String = (0..len)
                .map(|_| alphabet[rng.below(alphabet.len() as u64) as usize] as char)
                .collect();
            if let Some(fast) = fast_domain(&h) {
                let slow = match url::Host::parse(&h) {
                    Ok(url::Host::Domain(d)) => normalize_domain(d),
                    other => panic!("{h:?}: fast path gave {fast:?}, parser gave {other:?}"),
                };
                assert_eq!(Ok(fast), slow, "{h:?}");
            }
        }
        let paths = [
            "/a/b",
            "/v1.0/me/x",
            "/a.b/c..d/",
            "/a/./b",
            "/a/../b",
            "/%2e/",
            "/a b",
            "/~x/(y)*z",
        ];
        let base = url::Url::parse("http://h/").unwrap();
        for p in paths {
            if is_plain_path(p) {
                assert_eq!(base.join(p).unwrap().path(), p, "{p}");
            }
        }
        assert!(!is_plain_path("/a/./b") && !is_plain_path("/%2e/") && !is_plain_path("/a b"));
    }

    #[test]
    fn hosts_are_lowercased_and_lose_trailing_dot() {
        assert_eq!(host_of("https://LOGIN.Live.COM./x"), dom("login.live.com"));
        assert_eq!(host_of("Login.Live.Com."), dom("login.live.com"));
    }

    #[test]
    fn unicode_hosts_become_punycode() {
        assert_eq!(
            host_of("https://bücher.example/"),
            dom("xn--bcher-kva.example")
        );
        // Fullwidth dots and letters are folded by UTS 46, as browsers do.
        assert_eq!(host_of("ｌｏｇｉｎ．live．com"), dom("login.live.com"));
    }

    #[test]
    fn percent_encoded_hosts_are_decoded_like_browsers() {
        assert_eq!(host_of("https://login%2elive.com/"), dom("login.live.com"));
        assert_eq!(host_of("https://%6cogin.live.com/"), dom("login.live.com"));
    }

    #[test]
    fn userinfo_is_never_the_host() {
        assert_eq!(
            host_of("https://login.live.com@evil.example/"),
            dom("evil.example")
        );
        assert_eq!(
            host_of("https://user:pw@login.live.com/"),
            dom("login.live.com")
        );
    }

    #[test]
    fn ipv4_in_every_browser_form_is_an_ip() {
        let ip = |s: &str| Host::Ip(s.parse().unwrap());
        assert_eq!(host_of("http://3232235777/"), ip("192.168.1.1"));
        assert_eq!(host_of("http://0x7f.1/"), ip("127.0.0.1"));
        assert_eq!(host_of("http://0177.0.0.1/"), ip("127.0.0.1"));
        assert_eq!(host_of("http://[::ffff:127.0.0.1]/"), ip("127.0.0.1"));
        assert_eq!(host_of("[::ffff:7f00:1]"), ip("127.0.0.1"));
        assert_eq!(host_of("10.0.0.1:8080"), ip("10.0.0.1"));
        assert_eq!(host_of("2001:db8::1"), ip("2001:db8::1"));
        assert_eq!(host_of("https://[2001:DB8::1]:443/"), ip("2001:db8::1"));
    }

    #[test]
    fn numeric_last_label_that_is_not_an_ip_is_invalid() {
        assert!(err("login.live.com.0x1").contains("not a valid"));
        assert!(err("1.2.3.4.5").contains("not a valid"));
    }

    #[test]
    fn a_path_starting_with_two_slashes_stays_a_path() {
        // Found by fuzzing (fixtures/fuzz-regressions/parse_target): `//x` in the path was
        // joined as a scheme-relative URL, so `x` vanished from the path.
        let path = |s: &str| match parse_target(s).unwrap() {
            Target::Net(n) => n.path,
            _ => unreachable!(),
        };
        assert_eq!(
            path("h.example//evil.example/v1.0/me%41"),
            "//evil.example/v1.0/me%41"
        );
        assert_eq!(
            path("h.example//evil.example/v1.0/me"),
            "//evil.example/v1.0/me"
        );
        assert_eq!(path("https://h.example/\\\\evil/x/../y"), "///evil/y");
        assert_eq!(path("ht//-//8rtr8>5Kot>p//a"), "//-//8rtr8%3E5Kot%3Ep//a");
    }

    #[test]
    fn display_of_a_host_named_like_a_platform_reads_back_as_a_host() {
        // Found by the idempotence invariant (fixtures/fuzz-regressions/parse_target).
        let t = parse_target("//android:123").unwrap();
        assert_eq!(t.to_string(), "//android:123");
        assert_eq!(parse_target(&t.to_string()).unwrap(), t);
        assert!(matches!(
            parse_target("android:123").unwrap(),
            Target::App(_)
        ));
    }

    #[test]
    fn idn_characters_with_version_dependent_status_are_invalid() {
        // Found by tests/differential.rs: the `idna` crate accepts, Node's WHATWG URL refuses.
        assert!(err("http://xn--0x7f.#1/xn--").contains("U+190EA"));
        assert!(err("https://a\u{190ea}.com/").contains("IDNA status"));
        assert!(err("https://a\u{323b0}.com/").contains("IDNA status"));
        assert_eq!(host_of("https://💩.la/"), dom("xn--ls8h.la"));
        assert_eq!(host_of("https://xn--zca.de/"), dom("xn--zca.de"));
    }

    #[test]
    fn ambiguous_authorities_are_invalid() {
        assert!(err("https://evil.example\\@login.live.com/").contains("backslash"));
        assert!(err("https://login.live.com\\.evil.example/").contains("backslash"));
        assert!(err("https://a@b@login.live.com/").contains("more than one `@`"));
        assert!(err("https://login.live.com\t/").contains("control character"));
        assert!(err("https://log\nin.live.com/").contains("control character"));
        assert!(err("https://login .live.com/").contains("space"));
        assert!(err("https:login.live.com").contains("not followed by `//`"));
        assert!(err("https:/login.live.com").contains("not followed by `//`"));
        assert!(err("https:///login.live.com").contains("more than two slashes"));
    }

    #[test]
    fn ports_are_parsed_and_defaulted_by_scheme() {
        let net = |s: &str| match parse_target(s).unwrap() {
            Target::Net(n) => n,
            _ => unreachable!(),
        };
        assert_eq!(net("https://login.live.com/").port, Some(443));
        assert_eq!(net("http://login.live.com/").port, Some(80));
        assert_eq!(net("login.live.com").port, None);
        assert_eq!(net("login.live.com:8443").port, Some(8443));
        assert_eq!(net("https://login.live.com:/").port, Some(443));
        assert!(err("login.live.com:99999").contains("out of range"));
        assert!(err("login.live.com:80a").contains("not a port"));
    }

    #[test]
    fn paths_are_normalized_before_matching() {
        let path = |s: &str| match parse_target(s).unwrap() {
            Target::Net(n) => n.path,
            _ => unreachable!(),
        };
        assert_eq!(path("https://h.example/a/./b/../c"), "/a/c");
        assert_eq!(path("https://h.example/a/%2e%2E/c"), "/c");
        assert_eq!(path("https://h.example/a/%2e/c?x=/../y#z"), "/a/c");
        assert_eq!(path("h.example/v1.0/../beta/x"), "/beta/x");
        assert_eq!(path("h.example"), "/");
    }

    #[test]
    fn queries_are_kept_without_the_fragment() {
        let query = |s: &str| match parse_target(s).unwrap() {
            Target::Net(n) => n.query,
            _ => unreachable!(),
        };
        assert_eq!(
            query("https://h.example/a?p=B2C_1_x#frag").as_deref(),
            Some("p=B2C_1_x")
        );
        assert_eq!(query("https://h.example?x=1").as_deref(), Some("x=1"));
        assert_eq!(query("https://h.example/a#frag?p=1"), None);
        assert_eq!(query("https://h.example/a?"), None);
        let t = parse_target("https://h.example/a?p=1#f").unwrap();
        assert_eq!(t.to_string(), "https://h.example/a?p=1");
        assert_eq!(parse_target(&t.to_string()).unwrap(), t);
    }

    #[test]
    fn app_features_follow_a_hash() {
        let t = parse_target("android:com.example.mail#Authenticator-Lite").unwrap();
        assert_eq!(
            t,
            Target::App(AppTarget {
                platform: Platform::Android,
                id: "com.example.mail".into(),
                feature: Some("authenticator-lite".into()),
            })
        );
        assert_eq!(t.to_string(), "android:com.example.mail#authenticator-lite");
        assert!(parse_target("android:com.example.mail#").is_err());
        assert!(parse_target("android:com.example.mail#a b").is_err());
        assert!(parse_target("ios:com.example.mail#a/b").is_err());
    }

    #[test]
    fn encoded_separators_do_not_decode_into_segments() {
        assert_eq!(decode_segment("%64irectory").as_deref(), Some("directory"));
        assert_eq!(decode_segment("a%2Fb"), None);
        assert_eq!(decode_segment("a%5cb"), None);
        assert_eq!(decode_segment("%ff"), None);
        assert_eq!(decode_segment("50%"), Some("50%".to_string()));
    }

    #[test]
    fn apps_are_recognised() {
        assert_eq!(
            parse_target("android:com.azure.authenticator").unwrap(),
            Target::App(AppTarget {
                platform: Platform::Android,
                id: "com.azure.authenticator".into(),
                feature: None,
            })
        );
        assert_eq!(
            parse_target("iOS:com.Microsoft.AzureAuthenticator").unwrap(),
            Target::App(AppTarget {
                platform: Platform::Ios,
                id: "com.microsoft.azureauthenticator".into(),
                feature: None,
            })
        );
        assert!(err("android:com/evil").contains("not a valid android app id"));
        assert!(err("ios:").contains("not a valid ios app id"));
    }

    #[test]
    fn any_scheme_is_accepted() {
        let t = parse_target("wss://login.live.com/socket").unwrap();
        assert!(matches!(t, Target::Net(ref n) if n.port == Some(443)));
        let t = parse_target("msauth://login.live.com/x").unwrap();
        assert!(matches!(t, Target::Net(ref n) if n.port.is_none()));
    }

    #[test]
    fn internal_ranges() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.0.1",
            "169.254.1.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "100.64.0.1",
            "0.0.0.0",
            "::ffff:10.0.0.1",
        ] {
            assert!(is_internal_ip(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "2001:4860::1", "172.32.0.1"] {
            assert!(!is_internal_ip(ip.parse().unwrap()), "{ip}");
        }
    }
}
