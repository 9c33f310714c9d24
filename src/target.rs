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
    /// The path as written (a `\` read as `/`), when normalizing changed it: lenient servers
    /// apply their own readings before they resolve dot segments (`/x/..;a/../admin` is
    /// `/admin` to Tomcat), so those readings start from here.
    pub raw_path: Option<String>,
    /// Whether the input had a path at all (`host` vs `host/`).
    pub has_path: bool,
    /// The query as written, without `?` (the fragment is never sent, so it is dropped).
    /// Kept for rules that look at a query parameter (e.g. which award table a URL falls under).
    pub query: Option<String>,
    /// The input carried credentials before `@` (they are never the host).
    pub had_userinfo: bool,
    /// The fragment as written, without `#`: never sent, never printed, but read for the
    /// target's [`routes`].
    pub fragment: Option<String>,
}

/// A route a target may be served as (see [`routes`]), read as a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The route's path, normalized as a URL's path is; `None` when it cannot be read as one
    /// (then no path rule can be told not to apply to it).
    pub path: Option<String>,
    /// The path as written, when normalizing changed it (see [`NetTarget::raw_path`]).
    pub raw_path: Option<String>,
    /// The route's query, after its `?`.
    pub query: Option<String>,
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
    // ASCII text is told apart in one vectorized pass; other text is read a character at a time.
    let may_break = !input.is_ascii() || input.bytes().any(|b| b <= 0x20 || b == 0x7f);
    if let Some(c) = may_break
        .then(|| {
            input
                .chars()
                .find(|&c| c.is_control() || is_line_separator(c) || c.is_whitespace())
        })
        .flatten()
    {
        return Err(TargetParseError::new(if c.is_control() {
            // Browsers silently strip tabs and newlines from URLs, other clients do not.
            format!(
                "contains the control character U+{:04X}, which clients treat differently",
                c as u32
            )
        } else if is_line_separator(c) {
            // `check --print` echoes the line: a reader that ends lines there (Python's
            // `splitlines`, JavaScript) would take what follows for a target of its own.
            format!(
                "contains the line separator U+{:04X}, at which some readers end the line",
                c as u32
            )
        } else {
            // The same for words: `xargs`, a shell's `$(...)`, `awk` and Python's `split()`
            // read `https://a.example/x https://b.example/` as two targets.
            format!(
                "contains the space U+{:04X}, at which tools that split on whitespace start another target (write it as %20)",
                c as u32
            )
        }));
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
        return without_scheme(input);
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
        // `host:443` is a host and port. Anything else after `name:` makes `name` a scheme
        // to a URL parser (`mailto:a@host`, `javascript:x@host`, `file:x@host`) and a user
        // name to a tool that looks for `@`: the host after `@` is nobody's reading. An
        // unbracketed IPv6 address (`fe80::1`) has its own checks.
        let authority_end = after.find(['/', '?', '#']).unwrap_or(after.len());
        // A digit first is a port to every reader; the port parser says what is wrong with it.
        let port_like = after[..authority_end]
            .bytes()
            .next()
            .is_none_or(|b| b.is_ascii_digit());
        let bare_v6 = input[..colon + 1 + authority_end]
            .parse::<Ipv6Addr>()
            .is_ok();
        if !port_like && !bare_v6 {
            return Err(TargetParseError::new(format!(
                "`{candidate}:` is followed by neither `//` nor a port number: URL parsers read `{candidate}:` as a scheme with no host, other tools as a user name or a host; clients disagree on where the host is"
            )));
        }
    }
    without_scheme(input)
}

/// [`split_scheme`]'s answer for `input` without a scheme. Without one, `x.example:80@app.example.com`
/// is a scheme with no host to a URL parser, `x.example` to a tool that splits at the `:`, and
/// `app.example.com` to curl; `a@app.example.com` is an address or a path to others.
fn without_scheme(input: &str) -> Result<(Option<String>, &str), TargetParseError> {
    let authority_end = input.find(['/', '?', '#']).unwrap_or(input.len());
    if input[..authority_end].contains('@') {
        return Err(TargetParseError::new(
            "an `@` in a target without a scheme: URL parsers read no host, other tools the name before or after the `@`; clients disagree on where the host is (write https://)",
        ));
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
    let (path, has_path, raw_path) = normalize_path(tail)?;
    // The query runs from the first `?` to a `#`; a `?` inside the fragment is not a query.
    let query = tail
        .find(['?', '#'])
        .filter(|&i| tail.as_bytes()[i] == b'?')
        .map(|i| encode_query(tail[i + 1..].split('#').next().unwrap_or_default()))
        .filter(|q| !q.is_empty());
    let fragment = tail.split_once('#').map(|(_, f)| f.to_string());
    Ok(NetTarget {
        scheme,
        host,
        port,
        path,
        raw_path,
        has_path,
        had_userinfo,
        query,
        fragment,
    })
}

/// Query parameters front controllers take their route from (Drupal 7, Yii, OpenCart,
/// Phalcon).
const ROUTE_PARAMETERS: &[&str] = &["q", "r", "route", "_url"];

/// Other paths `target` may be served as, read for exclusions only (never for a host or an
/// asset): a hash router's route in the fragment, which a single-page app shows though the
/// fragment is never sent (`#/admin`, `#!/admin`, and `#admin`, which React Router and Vue
/// Router read as `/admin`); and a front controller's route in the query (`?/admin`:
/// CodeIgniter; `?q=admin`: Drupal 7; `?r=`, `?route=`, `?_url=`: Yii, OpenCart, Phalcon).
/// Made when asked (by an exclusion that looks at paths), not when the target is parsed.
pub fn routes(target: &NetTarget) -> Vec<Route> {
    let mut routes = Vec::new();
    // Hash routers: `#/admin`, `#!/admin` (AngularJS), `#admin` (a `/` added).
    if let Some(fragment) = &target.fragment {
        let text = fragment.strip_prefix('!').unwrap_or(fragment);
        routes.push(route(text));
    }
    if let Some(query) = target.query.as_deref() {
        // CodeIgniter reads a query that starts with `/` as the path, and a `?` after it as the
        // query (`?/x?mode=admin`).
        if query.starts_with('/') {
            routes.push(route(query));
        }
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            if ROUTE_PARAMETERS.contains(&name.as_ref()) && !value.is_empty() {
                routes.push(route(&value));
            }
        }
    }
    routes
}

/// `text` (a path with a `/` added when it has none, then an optional `?` and query) read as
/// a route.
fn route(text: &str) -> Route {
    let text = match text.starts_with(['/', '\\']) {
        true => std::borrow::Cow::Borrowed(text),
        false => std::borrow::Cow::Owned(format!("/{text}")),
    };
    let text = text.as_ref();
    let (path, raw_path) = match normalize_path(text) {
        Ok((path, _, raw_path)) => (Some(path), raw_path),
        Err(_) => (None, None),
    };
    let query = text
        .split_once('?')
        .map(|(_, q)| encode_query(q.split('#').next().unwrap_or_default()))
        .filter(|q| !q.is_empty());
    Route {
        path,
        raw_path,
        query,
    }
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
        _ if bare && hostport.parse::<Ipv6Addr>().is_ok() => {
            // `2001:db8::1:443` is an address, and to a tool that splits at the last `:`,
            // `2001:db8::1` and port 443: which one is meant cannot be told. Fail closed.
            let (addr, last) = hostport.rsplit_once(':').unwrap_or((hostport, ""));
            let port_like = !last.is_empty()
                && last.bytes().all(|b| b.is_ascii_digit())
                && last.parse::<u16>().is_ok();
            if port_like && addr.parse::<Ipv6Addr>().is_ok() {
                return Err(TargetParseError::new(format!(
                    "`{hostport}` is an IPv6 address, or `{addr}` and port {last} to a tool that splits at the last `:`; write `[{hostport}]` or `[{addr}]:{last}`"
                )));
            }
            Ok((hostport, None))
        }
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
    if let Some(name) = fast_domain(raw) {
        // The WHATWG host parser maps such a name to its lowercase form and nothing else;
        // skipping it is the common case of recon input (unit tests check the agreement).
        return Ok(Host::Domain(name));
    }
    if raw.contains(':') {
        if let Ok(v6) = raw.parse::<Ipv6Addr>() {
            return Ok(Host::Ip(canonical_v6(v6)));
        }
    }
    // A host written in Unicode or with escapes, decoded: what IDNA maps. Plain ASCII has
    // nothing to map.
    let written_otherwise = !raw.is_ascii() || raw.contains('%');
    let decoded = written_otherwise
        .then(|| String::from_utf8_lossy(&percent_decode(raw.as_bytes())).into_owned());
    if let Some((c, mapped)) = decoded
        .iter()
        .flat_map(|d| d.chars())
        .find_map(unstable_mapping)
    {
        let reading = match mapped.as_str() {
            "" => "drops".to_string(),
            m => format!("maps to `{m}`"),
        };
        return Err(TargetParseError::new(format!(
            "`{raw}` contains U+{:04X}, which IDNA {reading}; IDNA tables of other versions (Python's IDNA 2003, older browsers) keep or refuse it, so clients read different hosts; write the host as the name meant",
            c as u32
        )));
    }
    match url::Host::parse(raw) {
        Ok(url::Host::Ipv4(v4)) => {
            let written = match &decoded {
                Some(d) => std::borrow::Cow::Owned(idna::domain_to_unicode(d).0),
                None => std::borrow::Cow::Borrowed(raw),
            };
            if let Some(part) = leading_zero_part(&written) {
                return Err(TargetParseError::new(format!(
                    "`{raw}` has the part `{part}` with a leading zero: URL parsers and `inet_aton` read it as octal ({v4}), others (Java, Python's `ipaddress`) as decimal or not at all; write the address in plain decimal"
                )));
            }
            Ok(Host::Ip(IpAddr::V4(v4)))
        }
        Ok(url::Host::Ipv6(v6)) => Ok(Host::Ip(canonical_v6(v6))),
        // Only a name written in Unicode (or percent-escaped) is read two ways: one given as
        // `xn--` labels is sent as written.
        Ok(url::Host::Domain(d)) => normalize_domain(d, written_otherwise.then_some(raw)),
        Err(e) => Err(TargetParseError::new(format!(
            "`{raw}` is not a valid host: {e}"
        ))),
    }
}

/// The domain name of a host that needs nothing but lowercasing (see
/// [`is_plain_ascii_domain`]), with the length checks of [`normalize_domain`], read without a
/// branch on each byte (see [`plain_domain`]). `None` sends the host down the full path.
pub(crate) fn fast_domain(raw: &str) -> Option<String> {
    let (len, upper) = plain_domain(raw)?;
    let text = &raw[..len];
    Some(if upper {
        text.to_ascii_lowercase()
    } else {
        text.to_string()
    })
}

/// The checks of [`fast_domain`] without building the name: the length of the name without its
/// trailing dot, and whether it has upper-case letters. `None` for anything else.
pub(crate) fn plain_domain(raw: &str) -> Option<(usize, bool)> {
    let bytes = raw.as_bytes();
    let body = bytes.strip_suffix(b".").unwrap_or(bytes);
    if body.is_empty() || body.len() > 253 {
        return None;
    }
    // This runs for every line `check --print` reads. Label lengths vary from host to host, so
    // it has no branch on what a byte is (a branch on each dot was mispredicted about once a
    // label): what each byte is, or-ed over the name, and over each pair of neighbours, a
    // doubled `.` (an empty label) or `-` (which a punycode label's `xn--` has).
    let (classes, doubled, _) = body.iter().fold((0u8, 0u8, 0u8), |(all, pairs, prev), &b| {
        let class = HOST_BYTE[b as usize];
        (all | class, pairs | (class & prev), class)
    });
    let doubled = doubled & (HOST_DOT | HOST_DASH) != 0;
    if classes & HOST_OTHER != 0 || body[0] == b'.' {
        return None;
    }
    // Rare: an empty, long or punycode label is possible, so each label is checked.
    if (doubled || body.len() > 63)
        && !body
            .split(|&b| b == b'.')
            .all(|label| !label.is_empty() && label.len() <= 63 && !is_xn(label))
    {
        return None;
    }
    let upper = classes & HOST_UPPER != 0;
    let last = &body[memchr::memrchr(b'.', body).map_or(0, |i| i + 1)..];
    // A last label of digits, or `0x...`, would be read as part of an IPv4 address.
    let numeric = last.iter().all(u8::is_ascii_digit)
        || (last.len() >= 2 && last[0] == b'0' && last[1] | 0x20 == b'x');
    if last.is_empty() || numeric {
        return None;
    }
    Some((body.len(), upper))
}

/// Bits of [`HOST_BYTE`]: a byte a plain host name may not have; an upper-case letter; the
/// label separator; a hyphen.
const HOST_OTHER: u8 = 1;
const HOST_UPPER: u8 = 2;
const HOST_DOT: u8 = 4;
const HOST_DASH: u8 = 8;

/// What each byte is in a plain host name: 0 for a lowercase letter, digit or `_`, else its
/// bit: [`HOST_UPPER`], [`HOST_DOT`], [`HOST_DASH`], or [`HOST_OTHER`] for anything else.
static HOST_BYTE: [u8; 256] = {
    let mut t = [HOST_OTHER; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = match c {
            b'a'..=b'z' | b'0'..=b'9' | b'_' => 0,
            b'A'..=b'Z' => HOST_UPPER,
            b'.' => HOST_DOT,
            b'-' => HOST_DASH,
            _ => HOST_OTHER,
        };
        b += 1;
    }
    t
};

/// A network target read without allocating, for the common shapes of recon input:
/// `http(s)://host[:port][/...]` and a bare `host`, with a plain ASCII host name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuickNet<'a> {
    /// The host, normalized exactly as [`parse_target`] normalizes it (for an address, as
    /// written: it is written in the one form the parser keeps).
    pub host: &'a str,
    /// The port as [`parse_target`] gives it: explicit or the scheme's default.
    pub port: Option<u16>,
    /// The address, when the host is an IPv4 address in dotted decimal
    /// ([`Host::Ip`] for the parser).
    pub ip: Option<IpAddr>,
}

/// Reads the host and port of `input` (trimmed) the way [`parse_target`] would, when the input
/// has one of the plain shapes: `http://` or `https://` (lower case), an authority of ASCII
/// letters, digits, `-`, `_`, `.` and an optional `:port`, then visible ASCII (no space); or a
/// bare host without `:`, `/`, `?`, `#`. The host is a name or an IPv4 address in dotted
/// decimal. Anything else (other schemes, credentials, IPv6, other forms of IPv4, brackets,
/// percent-escapes, non-ASCII, control characters, punycode) returns `None`, and the caller
/// uses [`parse_target`]. When this returns `Some`, [`parse_target`] parses the same input to a
/// network target with this host (or address) and port (checked by unit and property tests).
/// `buf` holds the lowercased host when the input has upper-case letters.
pub fn quick_net<'a>(input: &'a str, buf: &'a mut [u8; 256]) -> Option<QuickNet<'a>> {
    let bytes = input.as_bytes();
    // Printable ASCII only; a fold without early exit, so the compiler vectorizes it.
    let printable = bytes
        .iter()
        .fold(true, |ok, &b| ok & (b.wrapping_sub(0x21) < 0x5e));
    if bytes.len() > MAX_TARGET_LEN || !printable {
        return None;
    }
    let (rest, default) = if let Some(r) = input.strip_prefix("https://") {
        (r, Some(443))
    } else if let Some(r) = input.strip_prefix("http://") {
        (r, Some(80))
    } else {
        (input, None)
    };
    // Where the authority ends, and its first `:` (searched for, not branched on byte by byte:
    // hosts' lengths vary, so a per-byte loop's exit was mispredicted line after line).
    let end = memchr::memchr3(b'/', b'?', b'#', rest.as_bytes()).unwrap_or(rest.len());
    let colon = memchr::memchr(b':', &rest.as_bytes()[..end]);
    if default.is_none() && (end != rest.len() || colon.is_some()) {
        // `host/path` without a scheme, or `a:b`, which may be an app, a scheme or a port:
        // left to the full parser.
        return None;
    }
    let (host, port) = match colon {
        None => (&rest[..end], default),
        Some(c) if c + 1 == end => (&rest[..c], default),
        Some(c) => {
            let p = &rest[c + 1..end];
            if !p.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            (&rest[..c], Some(p.parse::<u16>().ok()?))
        }
    };
    let Some((len, upper)) = plain_domain(host) else {
        // A name's last label is never all digits, an address's always is: only a host that
        // is no plain name is read as an address, so names pay nothing for it.
        return Some(QuickNet {
            host,
            port,
            ip: Some(IpAddr::V4(dotted_decimal(host)?)),
        });
    };
    let host = &host[..len];
    let host = if upper {
        let out = buf.get_mut(..len)?;
        out.copy_from_slice(host.as_bytes());
        out.make_ascii_lowercase();
        std::str::from_utf8(out).ok()?
    } else {
        host
    };
    Some(QuickNet {
        host,
        port,
        ip: None,
    })
}

/// An IPv4 address in the one form every parser reads alike: four decimal numbers of 0 to 255
/// without leading zeros, three dots, nothing else (no end dot: `1.2.3.4.` is declined, as are
/// the WHATWG parser's other forms, `1.2.3`, `0x7f.1`, `010.0.0.1`, which the full parser reads).
fn dotted_decimal(host: &str) -> Option<Ipv4Addr> {
    let bytes = host.as_bytes();
    if bytes.len() > 15 || !bytes.iter().all(|b| b.is_ascii_digit() || *b == b'.') {
        return None;
    }
    let mut octets = [0u8; 4];
    let mut parts = host.split('.');
    for octet in &mut octets {
        let part = parts.next()?;
        if part.is_empty() || part.len() > 3 || (part.len() > 1 && part.starts_with('0')) {
            return None;
        }
        *octet = part.parse().ok()?;
    }
    parts.next().is_none().then(|| Ipv4Addr::from(octets))
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

/// The host name the URL parser gave for a host, checked and lowercased. `written` is the host
/// as the input wrote it when that was in Unicode or percent-escaped (see [`is_idna_deviation`]).
fn normalize_domain(mut d: String, written: Option<&str>) -> Result<Host, TargetParseError> {
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
    let mut deviation = None;
    for label in d.split('.') {
        if label.is_empty() {
            return Err(TargetParseError::new(format!("`{d}` has an empty label")));
        }
        if label.len() > 63 {
            return Err(TargetParseError::new(format!(
                "`{d}` has a label longer than 63 characters"
            )));
        }
        let Some(unicode) = label
            .get(..4)
            .filter(|p| p.eq_ignore_ascii_case("xn--"))
            .and_then(|_| idna::punycode::decode_to_string(&label[4..]))
        else {
            continue;
        };
        if let Some(c) = unicode.chars().find(|&c| unstable_idna_char(c)) {
            return Err(TargetParseError::new(format!(
                "`{d}` contains U+{:04X}, whose IDNA status differs between Unicode versions; clients disagree on whether it is a host",
                c as u32
            )));
        }
        if written.is_some() && deviation.is_none() {
            deviation = unicode.chars().find(|&c| is_idna_deviation(c));
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
    let name = d.to_ascii_lowercase();
    if let (Some(c), Some(raw)) = (deviation, written) {
        return Err(TargetParseError::new(format!(
            "`{raw}` contains {c:?} (U+{:04X}), which clients map differently: browsers and curl keep it (`{name}`), Python's standard library (IDNA 2003) {}; write the host as the `xn--` name meant",
            c as u32,
            match c {
                'ß' => "reads it as `ss`",
                'ς' => "reads it as `σ`",
                _ => "drops it",
            }
        )));
    }
    Ok(Host::Domain(name))
}

/// The first part of an IPv4 address written with a leading zero (`010` in `010.0.0.1`, not
/// `0x7f`, which is hex to every parser that reads it): octal to the WHATWG parser and
/// `inet_aton`, decimal to Java. `written` is the host as mapped, before it was read as numbers.
fn leading_zero_part(written: &str) -> Option<&str> {
    let body = written.strip_suffix('.').unwrap_or(written);
    body.split('.').find(|p| {
        p.len() > 1
            && p.starts_with('0')
            && !p[1..].starts_with(['x', 'X'])
            && p.bytes().all(|b| b.is_ascii_digit())
    })
}

/// A character of a host written in Unicode that IDNA (UTS 46, as browsers and the `url` crate
/// apply it) drops or changes in a way other IDNA versions do not share, with what it becomes.
/// Hangul fillers (U+3164), invisible operators, variation selectors and modifier letters are
/// dropped or mapped to plain letters by UTS 46, and kept or refused by IDNA 2003 (Python's
/// codec): `log\u{3164}in.live.com` is `login.live.com` to one client and another name to the
/// next. Kept characters (`ü`), the case folding of Latin, Greek and Cyrillic letters, and
/// full-width ASCII and full stops (compatibility forms every version maps alike) are stable.
fn unstable_mapping(c: char) -> Option<(char, String)> {
    if c.is_ascii() || matches!(c, '\u{FF01}'..='\u{FF5E}' | '\u{3002}' | '\u{FF61}') {
        return None;
    }
    let (mapped, result) = idna::domain_to_unicode(&format!("a{c}a"));
    let inner = mapped
        .strip_prefix('a')
        .and_then(|m| m.strip_suffix('a'))
        .unwrap_or(&mapped);
    let mut buf = [0; 4];
    if result.is_err() || inner == c.encode_utf8(&mut buf) {
        // Refused characters fail the URL parser itself; kept ones are read alike.
        return None;
    }
    let folded = (c as u32) < 0x0530 && !inner.is_ascii() && c.to_lowercase().eq(inner.chars());
    (!folded).then(|| (c, inner.to_string()))
}

/// Unicode's line and paragraph separators: not control characters, but line ends to Python's
/// `str.splitlines` and to JavaScript.
fn is_line_separator(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}')
}

/// The IDNA deviation characters (`ß`, `ς`, the zero-width joiners): IDNA 2008 and browsers keep
/// them, IDNA 2003 (Python's `idna` codec, which `urllib` and `socket` use) maps them to `ss`,
/// `σ` or nothing, so `straße.example.com` is one host to a browser and `strasse.example.com` to
/// a Python script. Fail closed.
fn is_idna_deviation(c: char) -> bool {
    matches!(c, 'ß' | 'ς' | '\u{200c}' | '\u{200d}')
}

/// Characters outside the Basic Multilingual Plane other than emoji: recent Unicode versions
/// keep assigning them, and IDNA tables of different ages (browsers' ICU, the `idna` crate)
/// disagree on them (found by the differential test: `xn--0x7f` is U+190EA, accepted by `idna`,
/// refused by Node's `URL`). Fail closed.
fn unstable_idna_char(c: char) -> bool {
    c as u32 > 0xFFFF && !(0x1F000..=0x1FAFF).contains(&(c as u32))
}

/// Resolve `.`/`..` segments (including `%2e` forms) the way the WHATWG parser does, with a
/// backslash treated as a slash. Returns the normalized path, whether the input had one, and
/// the path as written when it differs (see [`NetTarget::raw_path`]).
fn normalize_path(tail: &str) -> Result<(String, bool, Option<String>), TargetParseError> {
    let path_end = tail
        .bytes()
        .position(|b| b == b'?' || b == b'#')
        .unwrap_or(tail.len());
    let raw = &tail[..path_end];
    if raw.is_empty() {
        return Ok(("/".to_string(), false, None));
    }
    if is_plain_path(raw) {
        return Ok((raw.to_string(), true, None));
    }
    if drive_letter_before_dot_dot(raw) {
        return Err(TargetParseError::new(
            "a Windows drive letter (`c:`, `c|`) followed by `..`: browsers remove it like any \
             other segment, the URL parser this tool and Rust clients use keeps it"
                .to_string(),
        ));
    }
    let mut url = url::Url::parse("http://h/").map_err(|e| TargetParseError::new(e.to_string()))?;
    // `set_path`, not `join`: joining `//evil/x` would read `evil` as a host and drop it from
    // the path (found by fuzzing: `ht//-//8rtr8>5Kot>p//a`).
    url.set_path(raw);
    let path = url.path().to_string();
    let written = raw.replace('\\', "/");
    let raw_path = (written != path).then_some(written);
    Ok((path, true, raw_path))
}

/// Whether a segment in the form of a Windows drive letter (`c:`, `C|`) comes before a `..`
/// segment (`..`, `.%2e`, `%2E%2e`): the `url` crate does not remove the drive letter (the
/// WHATWG quirk meant for `file:` URLs), so `/v1.0/x/c:/../../beta` reads as `/v1.0/x/c:/beta`
/// to it and as `/beta` to browsers.
fn drive_letter_before_dot_dot(raw: &str) -> bool {
    let is_drive = |seg: &str| {
        let b = seg.as_bytes();
        b.len() == 2 && b[0].is_ascii_alphabetic() && matches!(b[1], b':' | b'|')
    };
    let is_dot_dot = |seg: &str| {
        let lower = seg.to_ascii_lowercase();
        matches!(lower.as_str(), ".." | ".%2e" | "%2e." | "%2e%2e")
    };
    let mut segs = raw.split(['/', '\\']);
    segs.by_ref().any(is_drive) && segs.any(is_dot_dot)
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

pub(crate) fn percent_decode(input: &[u8]) -> Vec<u8> {
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

/// Whether addresses in a special-purpose range are globally reachable, after the "Globally
/// Reachable" column of the IANA special-purpose address registries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    /// "True": reachable like any public address.
    Global,
    /// "False" (or a deprecated range with "N/A" whose use we cannot vouch for).
    NotGlobal,
    /// "N/A" for a range that carries an IPv4 address (6to4): decided by that address.
    ByEmbeddedV4,
}

/// One row: prefix, registry name (with its RFC), reachability.
type SpecialRange = (&'static str, &'static str, Reach);

/// The IANA IPv4 Special-Purpose Address Registry (iana-ipv4-special-registry, 2024-ish rows),
/// plus multicast (its own registry; never a unicast target). The most specific row decides.
const IPV4_SPECIAL: &[SpecialRange] = &[
    ("0.0.0.0/8", "This network (RFC 791)", Reach::NotGlobal),
    (
        "0.0.0.0/32",
        "This host on this network (RFC 1122)",
        Reach::NotGlobal,
    ),
    ("10.0.0.0/8", "Private-Use (RFC 1918)", Reach::NotGlobal),
    (
        "100.64.0.0/10",
        "Shared Address Space (RFC 6598)",
        Reach::NotGlobal,
    ),
    ("127.0.0.0/8", "Loopback (RFC 1122)", Reach::NotGlobal),
    ("169.254.0.0/16", "Link Local (RFC 3927)", Reach::NotGlobal),
    ("172.16.0.0/12", "Private-Use (RFC 1918)", Reach::NotGlobal),
    (
        "192.0.0.0/24",
        "IETF Protocol Assignments (RFC 6890)",
        Reach::NotGlobal,
    ),
    (
        "192.0.0.0/29",
        "IPv4 Service Continuity Prefix (RFC 7335)",
        Reach::NotGlobal,
    ),
    (
        "192.0.0.8/32",
        "IPv4 dummy address (RFC 7600)",
        Reach::NotGlobal,
    ),
    (
        "192.0.0.9/32",
        "Port Control Protocol Anycast (RFC 7723)",
        Reach::Global,
    ),
    (
        "192.0.0.10/32",
        "Traversal Using Relays around NAT Anycast (RFC 8155)",
        Reach::Global,
    ),
    (
        "192.0.0.170/32",
        "NAT64/DNS64 Discovery (RFC 8880)",
        Reach::NotGlobal,
    ),
    (
        "192.0.0.171/32",
        "NAT64/DNS64 Discovery (RFC 8880)",
        Reach::NotGlobal,
    ),
    (
        "192.0.2.0/24",
        "Documentation (TEST-NET-1) (RFC 5737)",
        Reach::NotGlobal,
    ),
    ("192.31.196.0/24", "AS112-v4 (RFC 7535)", Reach::Global),
    ("192.52.193.0/24", "AMT (RFC 7450)", Reach::Global),
    // "N/A": deprecated; nothing to probe there.
    (
        "192.88.99.0/24",
        "Deprecated (6to4 Relay Anycast) (RFC 7526)",
        Reach::NotGlobal,
    ),
    ("192.168.0.0/16", "Private-Use (RFC 1918)", Reach::NotGlobal),
    (
        "192.175.48.0/24",
        "Direct Delegation AS112 Service (RFC 7534)",
        Reach::Global,
    ),
    ("198.18.0.0/15", "Benchmarking (RFC 2544)", Reach::NotGlobal),
    (
        "198.51.100.0/24",
        "Documentation (TEST-NET-2) (RFC 5737)",
        Reach::NotGlobal,
    ),
    (
        "203.0.113.0/24",
        "Documentation (TEST-NET-3) (RFC 5737)",
        Reach::NotGlobal,
    ),
    ("240.0.0.0/4", "Reserved (RFC 1112)", Reach::NotGlobal),
    (
        "255.255.255.255/32",
        "Limited Broadcast (RFC 919)",
        Reach::NotGlobal,
    ),
    // Not in the special-purpose registry: the multicast registry.
    ("224.0.0.0/4", "Multicast (RFC 5771)", Reach::NotGlobal),
];

/// The IANA IPv6 Special-Purpose Address Registry (iana-ipv6-special-registry), plus the
/// deprecated forms RFC 4291 and RFC 3879 retired and multicast. Anything outside global
/// unicast 2000::/3 that no row names is refused too.
const IPV6_SPECIAL: &[SpecialRange] = &[
    ("::1/128", "Loopback Address (RFC 4291)", Reach::NotGlobal),
    ("::/128", "Unspecified Address (RFC 4291)", Reach::NotGlobal),
    (
        "::ffff:0:0/96",
        "IPv4-mapped Address (RFC 4291)",
        Reach::NotGlobal,
    ),
    (
        "64:ff9b::/96",
        "IPv4-IPv6 Translat. (RFC 6052)",
        Reach::Global,
    ),
    (
        "64:ff9b:1::/48",
        "IPv4-IPv6 Translat. (RFC 8215)",
        Reach::NotGlobal,
    ),
    (
        "100::/64",
        "Discard-Only Address Block (RFC 6666)",
        Reach::NotGlobal,
    ),
    (
        "100:0:0:1::/64",
        "Dummy IPv6 Prefix (RFC 9780)",
        Reach::NotGlobal,
    ),
    (
        "2001::/23",
        "IETF Protocol Assignments (RFC 2928)",
        Reach::NotGlobal,
    ),
    // "N/A": the IPv4 addresses inside are obfuscated; refused rather than guessed.
    ("2001::/32", "TEREDO (RFC 4380)", Reach::NotGlobal),
    (
        "2001:1::1/128",
        "Port Control Protocol Anycast (RFC 7723)",
        Reach::Global,
    ),
    (
        "2001:1::2/128",
        "Traversal Using Relays around NAT Anycast (RFC 8155)",
        Reach::Global,
    ),
    (
        "2001:1::3/128",
        "DNS-SD Service Registration Protocol Anycast (RFC 9665)",
        Reach::Global,
    ),
    ("2001:2::/48", "Benchmarking (RFC 5180)", Reach::NotGlobal),
    ("2001:3::/32", "AMT (RFC 7450)", Reach::Global),
    ("2001:4:112::/48", "AS112-v6 (RFC 7535)", Reach::Global),
    (
        "2001:10::/28",
        "Deprecated (previously ORCHID) (RFC 4843)",
        Reach::NotGlobal,
    ),
    ("2001:20::/28", "ORCHIDv2 (RFC 7343)", Reach::Global),
    (
        "2001:30::/28",
        "Drone Remote ID Protocol Entity Tags (DETs) Prefix (RFC 9374)",
        Reach::Global,
    ),
    (
        "2001:db8::/32",
        "Documentation (RFC 3849)",
        Reach::NotGlobal,
    ),
    ("2002::/16", "6to4 (RFC 3056)", Reach::ByEmbeddedV4),
    (
        "2620:4f:8000::/48",
        "Direct Delegation AS112 Service (RFC 7534)",
        Reach::Global,
    ),
    ("3fff::/20", "Documentation (RFC 9637)", Reach::NotGlobal),
    (
        "5f00::/16",
        "Segment Routing (SRv6) SIDs (RFC 9602)",
        Reach::NotGlobal,
    ),
    ("fc00::/7", "Unique-Local (RFC 4193)", Reach::NotGlobal),
    (
        "fe80::/10",
        "Link-Local Unicast (RFC 4291)",
        Reach::NotGlobal,
    ),
    // Not rows of the registry: retired or non-unicast forms.
    (
        "::/96",
        "IPv4-compatible Address, deprecated (RFC 4291)",
        Reach::NotGlobal,
    ),
    (
        "fec0::/10",
        "Site-Local, deprecated (RFC 3879)",
        Reach::NotGlobal,
    ),
    ("ff00::/8", "Multicast (RFC 4291)", Reach::NotGlobal),
];

static SPECIAL_NETS: std::sync::LazyLock<Vec<(ipnet::IpNet, &'static str, Reach)>> =
    std::sync::LazyLock::new(|| {
        IPV4_SPECIAL
            .iter()
            .chain(IPV6_SPECIAL)
            .map(|(net, name, reach)| (net.parse().expect("registry rows parse"), *name, *reach))
            .collect()
    });

/// The most specific registry row containing `ip`.
fn special_row(ip: IpAddr) -> Option<(ipnet::IpNet, &'static str, Reach)> {
    SPECIAL_NETS
        .iter()
        .filter(|(net, _, _)| net.contains(&ip))
        .max_by_key(|(net, _, _)| net.prefix_len())
        .copied()
}

/// The IPv4 address carried inside an IPv6 one: NAT64 (64:ff9b::/96, last 32 bits), 6to4
/// (2002:AABB:CCDD::/48), IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d).
fn embedded_ipv4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = v6.segments();
    let last32 = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] || s[..6] == [0, 0, 0, 0, 0, 0xffff] {
        return Some(last32);
    }
    if s[..6] == [0; 6] && !v6.is_loopback() && !v6.is_unspecified() {
        return Some(last32);
    }
    if s[0] == 0x2002 {
        return Some(Ipv4Addr::new(
            (s[1] >> 8) as u8,
            s[1] as u8,
            (s[2] >> 8) as u8,
            s[2] as u8,
        ));
    }
    None
}

/// Why `ip` is not globally reachable (so a probe must not be sent there unless the user pinned
/// it), or `None` for a global address. IPv6 addresses that carry an IPv4 address are refused
/// when that address is.
pub fn not_global_reason(ip: IpAddr) -> Option<String> {
    let row = special_row(ip);
    if let Some((net, name, Reach::NotGlobal)) = row {
        let carried = match ip {
            IpAddr::V6(v6) => embedded_ipv4(v6).map(|v4| format!(", carrying IPv4 {v4}")),
            IpAddr::V4(_) => None,
        }
        .unwrap_or_default();
        return Some(format!(
            "{ip} is in {net} ({name}{carried}), which is not globally reachable"
        ));
    }
    let IpAddr::V6(v6) = ip else { return None };
    if row.is_none() && (v6.segments()[0] & 0xe000) != 0x2000 {
        return Some(format!(
            "{ip} is outside global unicast 2000::/3 and not a globally reachable special range"
        ));
    }
    let v4 = embedded_ipv4(v6)?;
    not_global_reason(IpAddr::V4(v4)).map(|why| format!("{ip} carries IPv4 {v4}: {why}"))
}

/// True when `ip` is not globally reachable (see [`not_global_reason`], which the resolver
/// uses): the tests' shorthand.
#[cfg(test)]
fn is_internal_ip(ip: IpAddr) -> bool {
    not_global_reason(ip).is_some()
}

/// Calls `f` with every string of 1 to `max_len` bytes over `alphabet` (ASCII): the tests'
/// exhaustive inputs for the one-pass readers of plain names.
#[cfg(test)]
pub(crate) fn each_string(alphabet: &[u8], max_len: u32, mut f: impl FnMut(&str)) {
    let mut s = String::new();
    for len in 1..=max_len {
        for mut code in 0..alphabet.len().pow(len) {
            s.clear();
            for _ in 0..len {
                s.push(char::from(alphabet[code % alphabet.len()]));
                code /= alphabet.len();
            }
            f(&s);
        }
    }
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
                Ok(url::Host::Domain(d)) => normalize_domain(d, None),
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
                assert_eq!(Ok(Host::Domain(fast)), slow, "{h}");
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
                    Ok(url::Host::Domain(d)) => normalize_domain(d, None),
                    other => panic!("{h:?}: fast path gave {fast:?}, parser gave {other:?}"),
                };
                assert_eq!(Ok(Host::Domain(fast)), slow, "{h:?}");
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

    /// `plain_domain` takes exactly the names [`is_plain_ascii_domain`] describes that are
    /// within the length limits, and reports their length and case: every name of up to six
    /// characters over an alphabet with each kind of byte, and long names and labels at the
    /// limits, with and without a punycode label or an empty one.
    #[test]
    fn plain_domain_takes_exactly_the_plain_names() {
        let within_limits = |s: &str| {
            let body = s.strip_suffix('.').unwrap_or(s);
            body.len() <= 253 && body.split('.').all(|l| l.len() <= 63)
        };
        let check = |s: &str| {
            let expected = (is_plain_ascii_domain(s) && within_limits(s)).then(|| {
                let body = s.strip_suffix('.').unwrap_or(s);
                (body.len(), body.bytes().any(|b| b.is_ascii_uppercase()))
            });
            assert_eq!(plain_domain(s), expected, "{s:?}");
        };
        let mut taken = 0;
        each_string(b"aA0-._xn/", 6, |name| {
            check(name);
            taken += usize::from(plain_domain(name).is_some());
        });
        assert!(taken > 10_000, "{taken} names taken");
        let label = |n: usize| "a".repeat(n);
        for long in [
            format!("{}.com", label(63)),
            format!("{}.com", label(64)),
            format!("{}.com.", label(64)),
            format!("xn--{}.com", label(59)),
            format!("a--{}.com", label(70)),
            format!("{}..com", label(70)),
            format!("{}.{}", label(63), label(63)),
            format!("{}.{}", label(63), label(64)),
            [label(63).as_str(); 4].join("."),
            format!("{}.", [label(63).as_str(); 4].join(".")),
            format!("a{}", [label(63).as_str(); 4].join(".")),
            format!("A{}.x", label(62)),
            format!("{}.0x1", label(70)),
            format!("{}.123", label(70)),
            label(63),
            label(64),
            format!("{}.", label(64)),
            // 253 and 254 bytes, no label over 63.
            format!("{}.{}", [label(63).as_str(); 3].join("."), label(61)),
            format!("{}.{}.", [label(63).as_str(); 3].join("."), label(61)),
            format!("{}.{}", [label(63).as_str(); 3].join("."), label(62)),
            "XN--ab.com".to_string(),
            "Xn--ab.com".to_string(),
            "a.xN--b".to_string(),
            "a--b.com".to_string(),
        ] {
            check(&long);
        }
    }

    /// The quick reader takes the plain shapes, reads them as the full parser does, and
    /// declines everything else.
    #[test]
    fn quick_reader_takes_plain_shapes_only() {
        let quick = |s: &str| {
            let mut buf = [0u8; 256];
            quick_net(s, &mut buf).map(|q| (q.host.to_string(), q.port))
        };
        let taken = [
            ("https://login.live.com/x?y#z", "login.live.com", Some(443)),
            ("http://LOGIN.Live.com.:8080", "login.live.com", Some(8080)),
            ("https://a_b.example:/", "a_b.example", Some(443)),
            ("https://a.example?q", "a.example", Some(443)),
            ("login.live.com", "login.live.com", None),
            ("WWW.EXAMPLE.COM.", "www.example.com", None),
            // A `:` after the authority is not a port.
            ("http://a.example/:", "a.example", Some(80)),
            ("http://a.example/x:1", "a.example", Some(80)),
            ("http://a.example?:", "a.example", Some(80)),
            ("http://a.example#:80", "a.example", Some(80)),
        ];
        for (input, host, port) in taken {
            assert_eq!(quick(input), Some((host.to_string(), port)), "{input}");
            match parse_target(input) {
                Ok(Target::Net(n)) => {
                    assert_eq!(
                        (n.host, n.port),
                        (Host::Domain(host.into()), port),
                        "{input}"
                    )
                }
                other => panic!("{input}: {other:?}"),
            }
        }
        for declined in [
            "HTTPS://a.example/",
            "ftp://a.example/",
            "https://u@a.example/",
            "https://a.example:99999/",
            "https://a.example:8x/",
            "https://a.example:1:2/",
            "https://[::1]/",
            "https://192.168.000.1/",
            "https://x.123/",
            "https://xn--bcher-kva.example/",
            "https://a%2eexample/",
            "https://a..example/",
            "https:///a.example/",
            "https://a\\b.example/",
            "https://a.example/\u{e9}",
            "https://a.example/\u{7}",
            "a.example/path",
            "a.example:443",
            "android:com.example",
            "//a.example",
            "",
        ] {
            assert_eq!(quick(declined), None, "{declined:?}");
        }
    }

    /// IPv4 addresses in dotted decimal take the quick path, as the parser reads them; every
    /// other spelling of an address is left to the parser. Exhaustive over short strings of
    /// digits and dots, with and without a scheme and port.
    #[test]
    fn quick_reader_takes_dotted_decimal_addresses_only() {
        let mut taken = 0;
        each_string(b"0129.", 8, |s| {
            for input in [
                s.to_string(),
                format!("http://{s}:8080/x"),
                format!("https://{s}"),
            ] {
                let mut buf = [0u8; 256];
                let Some(q) = quick_net(&input, &mut buf) else {
                    continue;
                };
                let parsed = match parse_target(&input) {
                    Ok(Target::Net(n)) => (n.host, n.port),
                    other => panic!("{input}: quick {q:?}, parser {other:?}"),
                };
                let quick_host = match q.ip {
                    Some(ip) => Host::Ip(ip),
                    None => Host::Domain(q.host.to_string()),
                };
                assert_eq!((quick_host, q.port), parsed, "{input}");
                taken += usize::from(q.ip.is_some());
            }
        });
        assert!(taken > 1_000, "{taken} addresses read quickly");
        // Three-digit parts, over 255, leading zeros and the longest form, which the strings
        // above are too short to reach: every canonical address is taken, as the parser reads
        // it; every other spelling is declined.
        for a in 0..=300u32 {
            for b in [0u32, 1, 9, 10, 99, 100, 199, 200, 249, 250, 255, 256, 999] {
                for (input, canonical) in [
                    (format!("{a}.{b}.{b}.{a}"), a <= 255 && b <= 255),
                    (
                        format!("https://{b}.{a}.{a}.{b}:443/"),
                        a <= 255 && b <= 255,
                    ),
                    (format!("0{a}.{b}.{b}.{a}"), false),
                    (format!("{a}.{b}.0{b}.{a}"), false),
                ] {
                    let mut buf = [0u8; 256];
                    let quick = quick_net(&input, &mut buf).and_then(|q| q.ip);
                    assert_eq!(quick.is_some(), canonical, "{input}");
                    if let Some(ip) = quick {
                        match parse_target(&input) {
                            Ok(Target::Net(n)) => assert_eq!(n.host, Host::Ip(ip), "{input}"),
                            other => panic!("{input}: {other:?}"),
                        }
                    }
                }
            }
        }
        let mut buf = [0u8; 256];
        for input in ["https://255.255.255.255/", "0.0.0.0", "http://10.0.0.1:80"] {
            assert!(
                quick_net(input, &mut buf).is_some_and(|q| q.ip.is_some()),
                "{input}"
            );
        }
        for input in [
            "01.2.3.4",
            "1.2.3",
            "1.2.3.4.",
            "256.1.1.1",
            "0x7f.0.0.1",
            "1.2.3.4.5",
            "1.2.3.4:80",
            "https://[::1]/",
            "https://1.2.3.4a/",
        ] {
            assert!(
                quick_net(input, &mut buf).is_none_or(|q| q.ip.is_none()),
                "{input}"
            );
        }
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
        // Octal to the URL standard and `inet_aton`, decimal to Java: read two ways.
        assert!(err("http://0177.0.0.1/").contains("`0177` with a leading zero"));
        assert!(err("0.0.0.010").contains("`010` with a leading zero"));
        assert_eq!(host_of("0.0.0.0"), ip("0.0.0.0"));
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
        // Found by tests/integration/differential.rs: the `idna` crate accepts, Node's WHATWG URL refuses.
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
        assert!(err("https://login.live.com/x\u{2028}https://evil.example/")
            .contains("line separator U+2028"));
        assert!(err("evil.example\u{2029}login.live.com").contains("line separator U+2029"));
        assert!(err("2001:db8::1:443").contains("write `[2001:db8::1:443]` or `[2001:db8::1]:443`"));
        assert!(err("::1:80").contains("or `::1` and port 80"));
        assert!(err("u@::1:80").contains("an `@` in a target without a scheme"));
        assert!(err("https://login.live.com/x https://evil.example/").contains("space U+0020"));
        assert!(err("login.live.com/x\u{3000}evil.example").contains("space U+3000"));
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
        // The fragment is read for routes, but never printed: it is never sent.
        let Target::Net(mut n) = t else {
            unreachable!()
        };
        assert_eq!(n.fragment.as_deref(), Some("f"));
        n.fragment = None;
        let printed = Target::Net(n.clone()).to_string();
        assert_eq!(parse_target(&printed).unwrap(), Target::Net(n));
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

    /// One line per row of the IANA special-purpose registries (IPv4, then IPv6), with an
    /// address inside the row and whether it may be probed ("Globally Reachable"), plus the
    /// embedded-IPv4 forms and the reproductions of issue 14. Pure classification: nothing
    /// here opens a socket.
    #[test]
    fn special_purpose_registry_rows() {
        let rows: &[(&str, bool, &str)] = &[
            // IPv4 Special-Purpose Address Registry.
            ("0.1.2.3", false, "0.0.0.0/8 This network"),
            ("0.0.0.0", false, "0.0.0.0/32 This host on this network"),
            ("10.20.30.40", false, "10.0.0.0/8 Private-Use"),
            ("100.64.0.1", false, "100.64.0.0/10 Shared Address Space"),
            (
                "100.127.255.254",
                false,
                "100.64.0.0/10 Shared Address Space",
            ),
            ("127.0.0.1", false, "127.0.0.0/8 Loopback"),
            ("169.254.169.254", false, "169.254.0.0/16 Link Local"),
            ("172.31.255.255", false, "172.16.0.0/12 Private-Use"),
            ("192.0.0.1", false, "192.0.0.0/24 IETF Protocol Assignments"),
            (
                "192.0.0.7",
                false,
                "192.0.0.0/29 IPv4 Service Continuity Prefix",
            ),
            ("192.0.0.8", false, "192.0.0.8/32 IPv4 dummy address"),
            (
                "192.0.0.9",
                true,
                "192.0.0.9/32 Port Control Protocol Anycast",
            ),
            ("192.0.0.10", true, "192.0.0.10/32 TURN Anycast"),
            ("192.0.0.170", false, "192.0.0.170/32 NAT64/DNS64 Discovery"),
            ("192.0.0.171", false, "192.0.0.171/32 NAT64/DNS64 Discovery"),
            (
                "192.0.2.1",
                false,
                "192.0.2.0/24 Documentation (TEST-NET-1)",
            ),
            ("192.31.196.1", true, "192.31.196.0/24 AS112-v4"),
            ("192.52.193.1", true, "192.52.193.0/24 AMT"),
            (
                "192.88.99.1",
                false,
                "192.88.99.0/24 Deprecated (6to4 Relay Anycast)",
            ),
            ("192.168.1.1", false, "192.168.0.0/16 Private-Use"),
            (
                "192.175.48.1",
                true,
                "192.175.48.0/24 Direct Delegation AS112 Service",
            ),
            ("198.18.0.1", false, "198.18.0.0/15 Benchmarking"),
            ("198.19.255.255", false, "198.18.0.0/15 Benchmarking"),
            (
                "198.51.100.1",
                false,
                "198.51.100.0/24 Documentation (TEST-NET-2)",
            ),
            (
                "203.0.113.1",
                false,
                "203.0.113.0/24 Documentation (TEST-NET-3)",
            ),
            ("240.0.0.1", false, "240.0.0.0/4 Reserved"),
            (
                "255.255.255.255",
                false,
                "255.255.255.255/32 Limited Broadcast",
            ),
            (
                "224.0.0.1",
                false,
                "224.0.0.0/4 Multicast (multicast registry)",
            ),
            (
                "239.255.255.250",
                false,
                "224.0.0.0/4 Multicast (multicast registry)",
            ),
            // IPv6 Special-Purpose Address Registry.
            ("::1", false, "::1/128 Loopback Address"),
            ("::", false, "::/128 Unspecified Address"),
            ("::ffff:8.8.8.8", false, "::ffff:0:0/96 IPv4-mapped Address"),
            (
                "::ffff:127.0.0.1",
                false,
                "::ffff:0:0/96 IPv4-mapped Address",
            ),
            (
                "64:ff9b::808:808",
                true,
                "64:ff9b::/96 IPv4-IPv6 Translat. (global IPv4)",
            ),
            (
                "64:ff9b::7f00:1",
                false,
                "64:ff9b::/96 IPv4-IPv6 Translat. (carries 127.0.0.1)",
            ),
            (
                "64:ff9b::a00:1",
                false,
                "64:ff9b::/96 IPv4-IPv6 Translat. (carries 10.0.0.1)",
            ),
            (
                "64:ff9b:1::1",
                false,
                "64:ff9b:1::/48 IPv4-IPv6 Translat. (local-use)",
            ),
            ("100::1", false, "100::/64 Discard-Only Address Block"),
            ("100:0:0:1::1", false, "100:0:0:1::/64 Dummy IPv6 Prefix"),
            ("2001:0:4136:e378::1", false, "2001::/32 TEREDO"),
            ("2001:100::1", false, "2001::/23 IETF Protocol Assignments"),
            (
                "2001:1::1",
                true,
                "2001:1::1/128 Port Control Protocol Anycast",
            ),
            ("2001:1::2", true, "2001:1::2/128 TURN Anycast"),
            ("2001:1::3", true, "2001:1::3/128 DNS-SD SRP Anycast"),
            (
                "2001:1::4",
                false,
                "2001::/23 IETF Protocol Assignments (outside the anycasts)",
            ),
            ("2001:2::1", false, "2001:2::/48 Benchmarking"),
            ("2001:3::1", true, "2001:3::/32 AMT"),
            ("2001:4:112::1", true, "2001:4:112::/48 AS112-v6"),
            (
                "2001:10::1",
                false,
                "2001:10::/28 Deprecated (previously ORCHID)",
            ),
            ("2001:20::1", true, "2001:20::/28 ORCHIDv2"),
            (
                "2001:30::1",
                true,
                "2001:30::/28 Drone Remote ID Protocol Entity Tags",
            ),
            ("2001:db8::1", false, "2001:db8::/32 Documentation"),
            ("2002:808:808::1", true, "2002::/16 6to4 (carries 8.8.8.8)"),
            (
                "2002:7f00:1::1",
                false,
                "2002::/16 6to4 (carries 127.0.0.1)",
            ),
            (
                "2002:c0a8:101::1",
                false,
                "2002::/16 6to4 (carries 192.168.1.1)",
            ),
            (
                "2620:4f:8000::1",
                true,
                "2620:4f:8000::/48 Direct Delegation AS112 Service",
            ),
            ("3fff::1", false, "3fff::/20 Documentation"),
            ("5f00::1", false, "5f00::/16 Segment Routing (SRv6) SIDs"),
            ("fc00::1", false, "fc00::/7 Unique-Local"),
            ("fd12:3456::1", false, "fc00::/7 Unique-Local"),
            ("fe80::1", false, "fe80::/10 Link-Local Unicast"),
            // Deprecated and non-unicast forms outside the registry.
            ("::127.0.0.1", false, "::/96 IPv4-compatible (deprecated)"),
            ("::8.8.8.8", false, "::/96 IPv4-compatible (deprecated)"),
            ("fec0::1", false, "fec0::/10 Site-Local (deprecated)"),
            ("ff02::1", false, "ff00::/8 Multicast"),
            ("4000::1", false, "outside global unicast 2000::/3"),
            // Ordinary public addresses.
            ("8.8.8.8", true, "public IPv4"),
            ("2606:4700::1111", true, "public IPv6"),
        ];
        for (ip, global, row) in rows {
            let ip: IpAddr = ip.parse().unwrap();
            assert_eq!(
                not_global_reason(ip).is_none(),
                *global,
                "{ip} ({row}): {:?}",
                not_global_reason(ip)
            );
        }
        // Every registry row of the implementation is exercised by a line above.
        for (net, name, _) in IPV4_SPECIAL.iter().chain(IPV6_SPECIAL) {
            let net: ipnet::IpNet = net.parse().unwrap();
            assert!(
                rows.iter()
                    .any(|(ip, _, _)| net.contains(&ip.parse::<IpAddr>().unwrap())),
                "no test line for {net} ({name})"
            );
        }
        let why = not_global_reason("64:ff9b::7f00:1".parse().unwrap()).unwrap();
        assert!(
            why.contains("127.0.0.1") && why.contains("Loopback"),
            "{why}"
        );
    }
}
