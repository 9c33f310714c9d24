//! The matcher: from a parsed target to a [`Verdict`].
//!
//! Host lookups are hashed on the host and on each of its label-boundary suffixes, so the cost
//! of a lookup depends on the number of labels in the target, not on the number of rules.
//!
//! Order of decision (the first that applies wins):
//! 1. the input does not parse: `invalid`;
//! 2. an exclusion matches: `out-of-scope` (exclusions win over assets);
//! 3. the host is under a customer-owned suffix: `out-of-scope`;
//! 4. an asset matches host, path and port: `in-scope` (the most specific asset);
//! 5. an asset matched the host but not the port: `out-of-scope` (`port-not-in-scope`);
//! 6. otherwise: `out-of-scope` (`no-asset`).
//!
//! [`programs`] answers across several programs (which ones have a target in scope, which pays
//! the most).

pub mod programs;

use crate::rules::{AssetRule, ExclusionRule, HostPattern, PathRule, PathSeg, Program, SourceLoc};
use crate::target::{self, AppTarget, Host, NetTarget, Target, TargetParseError};
use std::borrow::Cow;

pub use crate::rules::verdicts::{
    VerdictKind, RULE_AMBIGUOUS_PATH, RULE_APP_FEATURE, RULE_INVALID, RULE_NO_ASSET, RULE_PORT,
};

/// Why a verdict was reached. Rendered to a sentence only when output needs it.
#[derive(Debug, Clone)]
pub enum Reason<'p> {
    Asset(&'p AssetRule),
    Exclusion {
        rule: &'p ExclusionRule,
        overrode: Option<&'p AssetRule>,
    },
    CustomerOwned {
        rule: &'p crate::rules::CustomerOwnedRule,
        suffix: String,
    },
    Port {
        asset: &'p AssetRule,
        port: u16,
    },
    UnknownSchemePort {
        asset: &'p AssetRule,
        scheme: String,
    },
    /// No scheme and no port, and the asset does not allow both 80 and 443: the port is the
    /// client's guess (curl's is 80, a browser's 443).
    NoSchemeOrPort {
        asset: &'p AssetRule,
    },
    PathNotListed {
        asset: &'p AssetRule,
    },
    /// The path cannot be read one way (an encoded `/` or `\`, invalid UTF-8, an encoded
    /// parenthesis or quote in a function call's arguments), or a lenient server's reading of
    /// the path or query matches where the written one does not, or the other way round:
    /// refused on a host whose scope depends on the path. `exclusion` is the path exclusion
    /// it might be read as.
    AmbiguousPath {
        asset: Option<&'p AssetRule>,
        exclusion: Option<&'p ExclusionRule>,
    },
    /// Only some features of this app are in scope and the target names none of them.
    AppFeature {
        asset: &'p AssetRule,
        app: String,
        features: Vec<&'p str>,
        given: Option<String>,
    },
    /// Nothing covers the target (described from the normalized target when rendered).
    NoAsset,
    Invalid(TargetParseError),
}

/// The answer for one target under one program.
#[derive(Debug, Clone)]
pub struct Verdict<'p> {
    pub kind: VerdictKind,
    pub program: &'p Program,
    pub reason: Reason<'p>,
    /// The normalized target, when it parsed.
    pub normalized: Option<Target>,
    /// The decision path, filled only when asked for (`--explain`).
    pub trace: Vec<String>,
    /// With several programs: the ids of the other programs that also have the target in
    /// scope (filled by [`ScopeRules::classify`]; empty otherwise).
    pub also_in_scope: Vec<&'p str>,
}

impl<'p> Verdict<'p> {
    /// The asset that put the target in scope.
    pub fn asset(&self) -> Option<&'p AssetRule> {
        match self.reason {
            Reason::Asset(a) => Some(a),
            _ => None,
        }
    }

    pub fn award_table(&self) -> Option<&'p str> {
        self.asset().and_then(|a| a.award_table.as_deref())
    }

    /// Conditions the deciding asset or exclusion attaches (shown with `--explain` and in JSON).
    pub fn note(&self) -> Option<&'p str> {
        match &self.reason {
            Reason::Asset(a) => a.note.as_deref().map(str::trim),
            Reason::Exclusion { rule, .. } => rule.note.as_deref().map(str::trim),
            _ => None,
        }
    }

    /// Id of the rule or exclusion that decided.
    pub fn rule(&self) -> &'p str {
        match &self.reason {
            Reason::Asset(a) => &a.id,
            Reason::Exclusion { rule, .. } => &rule.id,
            Reason::CustomerOwned { rule, .. } => &rule.id,
            Reason::Port { .. }
            | Reason::UnknownSchemePort { .. }
            | Reason::NoSchemeOrPort { .. } => RULE_PORT,
            Reason::PathNotListed { .. } | Reason::NoAsset => RULE_NO_ASSET,
            Reason::AmbiguousPath { .. } => RULE_AMBIGUOUS_PATH,
            Reason::AppFeature { .. } => RULE_APP_FEATURE,
            Reason::Invalid(_) => RULE_INVALID,
        }
    }

    /// Where the deciding rule is written.
    pub fn source(&self) -> Option<&'p SourceLoc> {
        match &self.reason {
            Reason::Asset(a) => Some(&a.source),
            Reason::Exclusion { rule, .. } => Some(&rule.source),
            Reason::CustomerOwned { rule, .. } => Some(&rule.source),
            Reason::Port { asset, .. }
            | Reason::UnknownSchemePort { asset, .. }
            | Reason::NoSchemeOrPort { asset }
            | Reason::PathNotListed { asset, .. }
            | Reason::AppFeature { asset, .. } => Some(&asset.source),
            Reason::AmbiguousPath { exclusion, asset } => exclusion
                .map(|x| &x.source)
                .or(asset.map(|a| &a.source))
                .or(Some(&self.program.assets_source)),
            Reason::NoAsset => Some(&self.program.assets_source),
            Reason::Invalid(_) => None,
        }
    }

    /// The parse error, for `invalid`.
    pub fn error(&self) -> Option<&TargetParseError> {
        match &self.reason {
            Reason::Invalid(e) => Some(e),
            _ => None,
        }
    }

    /// One sentence saying why.
    pub fn reason_text(&self) -> String {
        let program = &self.program.file.program.name;
        match &self.reason {
            Reason::Asset(a) => {
                let title = a.title.as_deref().unwrap_or(&a.id);
                let mut s = format!("covered by asset `{}` ({title})", a.id);
                if let Some(t) = &a.award_table {
                    s.push_str(&format!(", paid under the `{t}` award table"));
                }
                s
            }
            Reason::Exclusion { rule, overrode } => {
                let mut s = String::new();
                if rule.uncertain {
                    s.push_str("needs review, never in scope until the program says so: ");
                }
                s.push_str(rule.reason.trim());
                if let Some(a) = overrode {
                    s.push_str(&format!(" (exclusion `{}` wins over asset `{}`)", rule.id, a.id));
                }
                s
            }
            Reason::CustomerOwned { rule, suffix } => {
                format!("{} (`{suffix}` is a customer-owned suffix)", rule.reason.trim())
            }
            Reason::Port { asset, port } => {
                let allowed: Vec<String> = asset.ports.iter().map(u16::to_string).collect();
                format!(
                    "port {port} is not in scope for asset `{}` (allowed: {})",
                    asset.id,
                    allowed.join(", ")
                )
            }
            Reason::UnknownSchemePort { asset, scheme } => format!(
                "scheme `{scheme}` has no known default port and asset `{}` allows only ports {}; give the port explicitly",
                asset.id,
                port_list(asset)
            ),
            Reason::NoSchemeOrPort { asset } => format!(
                "no scheme or port: clients pick one (curl port 80, browsers 443), and asset `{}` allows only ports {}; give the scheme (https://) or the port",
                asset.id,
                port_list(asset)
            ),
            Reason::PathNotListed { asset } => {
                let hosts: Vec<String> = asset.hosts.iter().map(|h| h.to_string()).collect();
                format!(
                    "{} is in scope only for the API paths listed by asset `{}` and its siblings; this path is not one of them",
                    hosts.join(", "),
                    asset.id
                )
            }
            Reason::AmbiguousPath { asset, exclusion } => {
                let mut s = "servers read this path or query in more than one way (an encoded `/` or `\\`, invalid UTF-8, a control character, an encoded parenthesis or quote in a call's arguments; or a form a lenient server reads as another path or query: path parameters, empty segments, trailing dots or spaces, an extension, an NTFS stream, a Windows short name, an escaped `?` or `#`, ASP.NET cookieless values, unresolved dot segments, a script with a path after it, look-alike letters, double or `%u` escapes, `;` between parameters, bracketed or space-led or spaced names, spaced values, comma lists, a value with a second `=`, an escaped `&` or `=`, invisible characters; or a route a hash router reads in the fragment or a front controller in the query: `#/admin`, `#admin`, `?/admin`, `?q=admin`)".to_string();
                if let Some(x) = exclusion {
                    s.push_str(&format!(
                        "; it could be read as a path excluded by `{}`",
                        x.id
                    ));
                }
                // Only an asset limited to some paths is; one covering its hosts whole was
                // named here too ("app.example.com is in scope only for listed paths").
                if let Some(a) = asset.filter(|a| a.paths.is_some()) {
                    let hosts: Vec<String> = a.hosts.iter().map(|h| h.to_string()).collect();
                    s.push_str(&format!(
                        "; {} is in scope only for listed paths",
                        hosts.join(", ")
                    ));
                }
                s
            }
            Reason::AppFeature {
                asset,
                app,
                features,
                given,
            } => {
                let title = asset.title.as_deref().unwrap_or(&asset.id);
                let list = features
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let how = features
                    .iter()
                    .map(|f| format!("`{app}#{f}`"))
                    .collect::<Vec<_>>()
                    .join(" or ");
                match given {
                    Some(g) => format!(
                        "feature `{g}` of the app `{app}` is not in scope: only {list} is (asset `{}`, {title})",
                        asset.id
                    ),
                    None => format!(
                        "the app `{app}` as a whole is not in scope: only its feature {list} is (asset `{}`, {title}); declare the feature as {how}",
                        asset.id
                    ),
                }
            }
            Reason::NoAsset => {
                let what = match &self.normalized {
                    Some(Target::App(a)) => format!("the {} app `{}`", a.platform.as_str(), a.id),
                    Some(Target::Net(n)) => match &n.host {
                        Host::Domain(d) => format!("host `{d}`"),
                        Host::Ip(ip) => format!("address `{ip}`"),
                    },
                    None => "this target".to_string(),
                };
                format!("no asset of the {program} covers {what}")
            }
            Reason::Invalid(e) => format!("not a target scopelint can classify: {e}"),
        }
    }
}

/// How host patterns are looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lookup {
    /// Hashed on the host's label-boundary suffixes: cost independent of the number of rules.
    #[default]
    Indexed,
    /// Every pattern tried in turn with the plain label matcher: slow and obviously correct,
    /// kept to check the index against (`check --reference`, differential tests, benchmarks).
    Linear,
}

/// Whether `pattern` matches `host`, and how specifically, by plain comparison.
fn pattern_specificity(pattern: &HostPattern, host: &str) -> Option<u32> {
    match pattern {
        HostPattern::Exact(h) => (h == host).then_some(u32::MAX),
        HostPattern::Subdomains { base, include_apex } => {
            if host == base {
                include_apex.then_some(u32::MAX)
            } else {
                let below = host.len() > base.len()
                    && host.ends_with(base.as_str())
                    && host.as_bytes()[host.len() - base.len() - 1] == b'.';
                below.then_some(base.len() as u32)
            }
        }
        HostPattern::Glob { pattern, anchor } => {
            crate::rules::glob_matches(pattern, host).then_some(anchor.len() as u32 - 1)
        }
    }
}

/// The segments of a target's path, decoded: as written, and with a call's arguments taken
/// off (`findTenantInformationByDomainName(domainName='contoso.com')` is matched as
/// `findTenantInformationByDomainName`, the way OData addresses functions and keys).
#[derive(Debug)]
struct PathSegments {
    full: Vec<String>,
    named: Vec<String>,
    /// The path as lenient servers may read it, each reading that differs from the above (see
    /// [`lenient_reading`]): a rule whose match differs between this and any of them is
    /// ambiguous.
    lenient: Vec<PathSegments>,
    /// Whether a segment in the form of a Windows short (8.3) name (`ADMINI~1`) may stand for
    /// any name it abbreviates (see [`short_name_may_be`]); set on the lenient reading only.
    short_names: bool,
}

/// Decode a target's path into segments; `None` when a segment cannot be decoded safely (an
/// encoded separator, invalid UTF-8, or an encoded parenthesis, quote or separator inside a
/// call's arguments, which servers may split differently).
fn path_segments(path: &str, written: Option<&str>) -> Option<PathSegments> {
    let mut raw: Vec<&str> = path.split('/').skip(1).collect();
    if raw.last() == Some(&"") {
        raw.pop();
    }
    let mut full = Vec::with_capacity(raw.len());
    let mut named = Vec::with_capacity(raw.len());
    for seg in raw {
        let decoded = target::decode_segment(seg)?;
        // Only a segment with a `(` can be a call; the others are their own name.
        named.push(if seg.contains('(') {
            call_name(seg)?
        } else {
            decoded.clone()
        });
        full.push(decoded);
    }
    let mut lenient: Vec<PathSegments> = Vec::new();
    // A path whose normalizing changed it (dot segments, escapes) is read from as written:
    // servers apply their leniencies before they resolve dot segments.
    // The path as clients send it (dot segments resolved) is read leniently too: a server reads
    // `/admin.::$DATA/`, which `/admin.::$DATA//..` is sent as, as `/admin`.
    let reads_otherwise = may_read_otherwise(path);
    let sent = (written.is_some() && reads_otherwise).then_some(path);
    if written.is_some() || reads_otherwise {
        let written = written.unwrap_or(path);
        let mut made: Vec<(&str, Leniency)> = Vec::with_capacity(2 * Leniency::READINGS.len());
        for (text, leniency) in std::iter::once(written).chain(sent).flat_map(|text| {
            let applicable = Leniency::applicable(text);
            Leniency::READINGS.map(|l| (text, l.and(applicable)))
        }) {
            if made.contains(&(text, leniency)) {
                continue;
            }
            made.push((text, leniency));
            let l = lenient_reading(text, leniency)?;
            let differs = l.full != full || l.named != named || l.short_names;
            if differs
                && !lenient.iter().any(|o| {
                    o.full == l.full && o.named == l.named && o.short_names == l.short_names
                })
            {
                lenient.push(l);
            }
        }
    }
    Some(PathSegments {
        full,
        named,
        lenient,
        short_names: false,
    })
}

/// Whether a server may read `path` other than as its segments are written: it holds a path
/// parameter (`;`), an empty segment, a percent-escape, a `:` (an NTFS stream), a `~` (a
/// Windows short name), a `(` (ASP.NET's cookieless values), a segment ending in a dot, a dot
/// in its last segment, or a script with more path after it.
fn may_read_otherwise(path: &str) -> bool {
    // Searched a byte class at a time (SIMD): most paths hold none of these, and every path
    // on a host with path rules is asked. (A `memmem` searcher costs more to build than this
    // whole scan.)
    let b = path.as_bytes();
    if memchr::memchr3(b';', b'%', b':', b).is_some()
        || memchr::memchr(b'~', b).is_some()
        || has_cookieless_value(b)
    {
        return true;
    }
    let (mut last, mut before_last) = (0, 0);
    for i in memchr::memchr_iter(b'/', b) {
        if i > 0 && i == last + 1 {
            return true;
        }
        (before_last, last) = (last, i);
    }
    // The last segment with a name: `/admin.json/` is served as `/admin.json` (Rails).
    if last + 1 == b.len() {
        last = before_last;
    }
    memchr::memchr_iter(b'.', b).any(|i| i > last || b.get(i + 1).is_none_or(|&n| n == b'/'))
        || (memchr::memchr(b'.', b).is_some() && has_script_segment(path))
}

/// The leniencies of one reading of a path (see [`lenient_reading`]).
#[derive(Clone, Copy, PartialEq, Eq)]
struct Leniency {
    /// Path parameters cut off each segment (`/admin;x`, `/..;/admin`: Tomcat, Jetty, Spring),
    /// also when the `;` is escaped.
    params: bool,
    /// `%uXXXX` decoded, and an escape left by decoding decoded again (IIS).
    decode_twice: bool,
    /// Compatibility forms folded (NFKC: `ａｄｍｉｎ`, IIS's best-fit mapping), and the letters
    /// that Java's case-insensitive comparison takes for `i` (`ı`, `İ`).
    fold: bool,
    /// An NTFS stream name and type (`::$DATA`, `:$i30:$INDEX_ALLOCATION`) cut off a segment at
    /// its first `:` (IIS).
    ntfs: bool,
    /// Trailing dots and spaces trimmed off a segment, and a segment of three or more dots
    /// taken as `..` (IIS on Windows: `/admin.`, `/admin%20`, `/.../`).
    trim: bool,
    /// Empty segments dropped before dot segments are resolved (`/x//../admin` is `/admin`:
    /// nginx's `merge_slashes`, Tomcat, Apache, Go's `path.Clean`).
    merge: bool,
    /// The last segment's extensions cut off (`/admin.json`, `/admin.tar.gz`: Rails formats,
    /// Spring's suffix matching before 5.3).
    extension: bool,
    /// A segment in the form of a Windows short name (`ADMINI~1`) read as any name it may
    /// abbreviate (IIS serves `/administrator/` at `/ADMINI~1/` where the volume keeps 8.3
    /// names): marked by `short_names`, matched by [`short_name_may_be`].
    short_names: bool,
    /// The path ended at a `?` or `#` that a segment decodes to (`/admin%3F.css` is `/admin`
    /// to Apache's `mod_rewrite`, which decodes the path, rewrites it, and splits the result
    /// at its first `?`; a proxy that decodes before it forwards does the same).
    cut_query: bool,
    /// ASP.NET's cookieless-session values taken out (`/(S(x))/admin` is `/admin`: ASP.NET on
    /// IIS removes `(X(...))` from every path, whatever the session configuration).
    cookieless: bool,
    /// `.` and `..` kept as names, not resolved (`/admin/../x` is under `/admin` to servers
    /// and proxies that route on the path as sent: Express, Envoy, HAProxy; Go's and Burp's
    /// clients send it so). Not with the others: they resolve dot segments.
    literal_dots: bool,
    /// A script segment followed by more ends the path (`/admin.php/x` runs `admin.php` with
    /// the rest as `PATH_INFO`: Apache, nginx with PHP-FPM, IIS for `.aspx`).
    path_info: bool,
    /// A script segment followed by more dropped (`/index.php/admin` is the route `/admin` to
    /// Symfony and Laravel front controllers).
    front_controller: bool,
    /// With `fold`, accents dropped too (`ā` is `a`: Windows' best-fit mapping to an ANSI code
    /// page). A reading of its own, so that `fold` alone still composes (`e` and a combining
    /// accent are `é`).
    best_fit: bool,
}

impl Leniency {
    /// The leniencies that can change a reading of `path`: a path without a `;` reads the same
    /// with path parameters cut or not, and so on. Readings whose leniencies differ only in
    /// ones that cannot apply are the same reading, made once.
    fn applicable(path: &str) -> Leniency {
        let escaped = memchr::memchr(b'%', path.as_bytes()).is_some();
        // What the escapes stand for decides, not the escapes (`%27` is no `;`).
        let decoded = match escaped {
            true => std::borrow::Cow::Owned(
                String::from_utf8_lossy(&target::percent_decode(path.as_bytes())).into_owned(),
            ),
            false => std::borrow::Cow::Borrowed(path),
        };
        let text = decoded.as_bytes();
        let has = |c: u8| memchr::memchr(c, text).is_some();
        // A second decoding, `%u` and folding can make any of the characters below (`%253b`
        // is `;`, `．` is `.`): then every leniency may apply.
        if has(b'%') || path.contains("%u") || path.contains("%U") || !decoded.is_ascii() {
            return Leniency::ANY;
        }
        let (params, ntfs) = (has(b';'), has(b':'));
        let cut_query = has(b'?') || has(b'#');
        let script = has_script_segment(&decoded);
        // Coarse on purpose: one cut exposes what another reads (`/admin.;x` is `admin.` once
        // the parameter is cut, then `admin` trimmed; `/admin.json//` ends in `admin.json` once
        // empty segments go), so a leniency applies when its character is anywhere in the path.
        let trim = has(b'.') || has(b' ');
        Leniency {
            params,
            decode_twice: false,
            fold: false,
            ntfs,
            trim,
            merge: memchr::memmem::find(text, b"//").is_some() || params || ntfs || trim,
            extension: has(b'.'),
            short_names: has(b'~'),
            cut_query,
            cookieless: has_cookieless_value(text),
            best_fit: false,
            literal_dots: decoded.split('/').any(|s| s == "." || s == ".."),
            path_info: script,
            front_controller: script,
        }
    }

    /// The leniencies of both.
    fn and(self, o: Leniency) -> Leniency {
        Leniency {
            params: self.params && o.params,
            decode_twice: self.decode_twice && o.decode_twice,
            fold: self.fold && o.fold,
            ntfs: self.ntfs && o.ntfs,
            trim: self.trim && o.trim,
            merge: self.merge && o.merge,
            extension: self.extension && o.extension,
            short_names: self.short_names && o.short_names,
            cut_query: self.cut_query && o.cut_query,
            cookieless: self.cookieless && o.cookieless,
            literal_dots: self.literal_dots && o.literal_dots,
            path_info: self.path_info && o.path_info,
            front_controller: self.front_controller && o.front_controller,
            best_fit: self.best_fit && o.best_fit,
        }
    }

    const NONE: Leniency = Leniency {
        params: false,
        decode_twice: false,
        fold: false,
        ntfs: false,
        trim: false,
        merge: false,
        extension: false,
        short_names: false,
        cut_query: false,
        cookieless: false,
        literal_dots: false,
        path_info: false,
        front_controller: false,
        best_fit: false,
    };
    const ALL: Leniency = Leniency {
        params: true,
        decode_twice: true,
        fold: true,
        ntfs: true,
        trim: true,
        merge: true,
        extension: true,
        short_names: true,
        // The rest read a path in ways that cut or reorder what the others read: each is a
        // reading of its own below.
        ..Leniency::NONE
    };
    /// Every leniency, those of `ALL` and the readings of their own: what may apply to a path
    /// whose characters cannot be told before it is decoded and folded.
    const ANY: Leniency = Leniency {
        cut_query: true,
        cookieless: true,
        literal_dots: true,
        path_info: true,
        front_controller: true,
        best_fit: true,
        ..Leniency::ALL
    };
    /// The readings a path is checked in: every leniency at once (but those that cut or
    /// reorder what the others read), the servers' own sets, and each leniency alone. One
    /// reading of all of them is not enough: two leniencies can cancel out (`/admin;x/..%20/foo` is `/foo` with both, but inside `/admin` to Tomcat,
    /// which cuts `;x` and keeps `.. `).
    const READINGS: [Leniency; 18] = [
        Leniency::ALL,
        // Tomcat, Jetty, Spring.
        Leniency {
            params: true,
            fold: true,
            merge: true,
            extension: true,
            ..Leniency::NONE
        },
        // IIS on Windows, with ASP.NET's cookieless values.
        Leniency {
            decode_twice: true,
            fold: true,
            ntfs: true,
            trim: true,
            short_names: true,
            cookieless: true,
            ..Leniency::NONE
        },
        Leniency {
            params: true,
            ..Leniency::NONE
        },
        Leniency {
            decode_twice: true,
            ..Leniency::NONE
        },
        Leniency {
            fold: true,
            ..Leniency::NONE
        },
        Leniency {
            ntfs: true,
            ..Leniency::NONE
        },
        Leniency {
            trim: true,
            ..Leniency::NONE
        },
        Leniency {
            merge: true,
            ..Leniency::NONE
        },
        Leniency {
            extension: true,
            ..Leniency::NONE
        },
        Leniency {
            cut_query: true,
            ..Leniency::NONE
        },
        Leniency {
            cookieless: true,
            ..Leniency::NONE
        },
        Leniency {
            literal_dots: true,
            ..Leniency::NONE
        },
        // The script runs: `/admin.php/x` is `admin.php`, which is `/admin` once its
        // extension is cut.
        Leniency {
            path_info: true,
            extension: true,
            ..Leniency::NONE
        },
        // As IIS and ASP.NET read the script's segment: `/admin.aspx./x`,
        // `/admin.aspx::$DATA/x`, `/(S(x))/admin.aspx/x`.
        Leniency {
            path_info: true,
            extension: true,
            ntfs: true,
            trim: true,
            cookieless: true,
            ..Leniency::NONE
        },
        Leniency {
            front_controller: true,
            ..Leniency::NONE
        },
        // The route with its format (`/index.php/admin.json`), and behind ASP.NET's cookieless
        // values (`/(S(x))/index.aspx/admin`).
        Leniency {
            front_controller: true,
            extension: true,
            cookieless: true,
            ..Leniency::NONE
        },
        Leniency {
            fold: true,
            best_fit: true,
            ..Leniency::NONE
        },
    ];
}

/// The path as a server with the given leniencies reads it, from the path as written: each
/// segment decoded and read, then `.` and `..` resolved in order (see [`Leniency`]).
///
/// `None` when a segment decodes to a separator or a control character (`%00` ends the path
/// for some servers), or to invalid UTF-8: then no reading is safe.
fn lenient_reading(path: &str, how: Leniency) -> Option<PathSegments> {
    let mut full: Vec<String> = Vec::new();
    let segments: Vec<&str> = path.split('/').collect();
    let last = segments.len().saturating_sub(1);
    for (i, raw) in segments.into_iter().enumerate() {
        let cut = match how.params {
            true => raw
                .bytes()
                .enumerate()
                .position(|(i, c)| {
                    c == b';'
                        || raw.as_bytes()[i..]
                            .get(..3)
                            .is_some_and(|e| e.eq_ignore_ascii_case(b"%3b"))
                })
                .unwrap_or(raw.len()),
            false => raw.len(),
        };
        let decoded = match how.decode_twice {
            true => decode_twice(&raw[..cut]),
            // Standard escapes only: `%u0061` stays as written.
            false => String::from_utf8(target::percent_decode(&raw.as_bytes()[..cut]))
                .ok()
                .filter(|s| !s.chars().any(char::is_control)),
        };
        let mut seg = decoded.filter(|s| !s.contains(['/', '\\']))?;
        if how.fold {
            seg = fold_lookalikes(seg, how.best_fit)?;
            // A full-width `；` is a `;` once folded.
            if let Some(i) = seg.find(';').filter(|_| how.params) {
                seg.truncate(i);
            }
        }
        // NTFS reads `name:stream:type` as the file or directory `name`: `::$DATA`,
        // `::$INDEX_ALLOCATION`, `:$i30:$INDEX_ALLOCATION` and a named stream all reach it.
        if how.ntfs {
            if let Some(i) = seg.find(':') {
                seg.truncate(i);
            }
        }
        let ends_path = match seg.find(['?', '#']).filter(|_| how.cut_query) {
            Some(i) => {
                seg.truncate(i);
                true
            }
            None => false,
        };
        let seg = match how.trim {
            true => seg.trim_end_matches(' '),
            false => seg.as_str(),
        };
        // Dots and spaces only, two dots or more (`...`, `.. .`): a step up once trimmed.
        let dots = || {
            seg.bytes().all(|b| b == b'.' || b == b' ')
                && seg.bytes().filter(|&b| b == b'.').count() >= 2
        };
        let script = i < last && (how.path_info || how.front_controller) && is_script(seg);
        if script && how.front_controller {
            continue;
        }
        match seg {
            "." | ".." if how.literal_dots => full.push(seg.to_string()),
            "." => {}
            ".." => {
                full.pop();
            }
            // A segment of dots is a step on Windows (`...`, which it trims towards `..`).
            _ if how.trim && dots() => {
                full.pop();
            }
            // The path's leading `/`, a trailing one, and (merged) any other empty segment.
            "" if i == 0 || i == last || how.merge => {}
            _ if how.trim => match seg.trim_end_matches(['.', ' ']) {
                "" => {}
                s => full.push(s.to_string()),
            },
            s => full.push(s.to_string()),
        }
        if ends_path || (script && how.path_info) {
            break;
        }
    }
    // ASP.NET takes its cookieless values out of the path it has resolved, with the `/` before
    // one (`/prot/(S(x))ected` is `/protected`, `/(S(x))/admin` is `/admin`).
    if how.cookieless {
        let stripped = without_cookieless_values(&format!("/{}", full.join("/")));
        full = stripped
            .split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
    }
    // An extension is letters and digits (`.json`, `.tar.gz`), not a call's arguments
    // (`('a.com')`).
    if let Some(last) = full.last_mut().filter(|_| how.extension) {
        let extensions = |i: usize| {
            last[i + 1..]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.')
        };
        if let Some(dot) = last.find('.').filter(|&i| i > 0 && extensions(i)) {
            last.truncate(dot);
        }
    }
    let named = full
        .iter()
        .map(|s| match s.split_once('(') {
            Some((name, args)) if args.ends_with(')') => name.to_string(),
            _ => s.clone(),
        })
        .collect();
    let short_names = how.short_names && full.iter().any(|s| short_name_form(s).is_some());
    Some(PathSegments {
        full,
        named,
        lenient: Vec::new(),
        short_names,
    })
}

/// `path` without ASP.NET's cookieless-session values: each `(` followed by one or more
/// `X(...)` (an upper-case letter, then a value without parentheses) and `)`, wherever it is,
/// with the `/` before it (`/(S(x))/admin` is `/admin`, and `/prot/(S(x))ected` is
/// `/protected` to `RemoveAppPathModifier`).
fn without_cookieless_values(path: &str) -> String {
    // The length of a cookieless value at the start of `s`, if one is there.
    let value_len = |s: &[u8]| -> Option<usize> {
        let mut i = 1; // past the `(`
        loop {
            match (s.get(i), s.get(i + 1)) {
                (Some(b')'), _) if i > 1 => return Some(i + 1),
                (Some(l), Some(b'(')) if l.is_ascii_uppercase() => {
                    let close = s[i + 2..].iter().position(|&b| b == b')' || b == b'(')?;
                    if s[i + 2 + close] != b')' {
                        return None;
                    }
                    i += 2 + close + 1;
                }
                _ => return None,
            }
        }
    };
    let b = path.as_bytes();
    let mut out = String::with_capacity(path.len());
    let mut i = 0;
    while let Some(open) = path[i..].find('(') {
        let at = i + open;
        out.push_str(&path[i..at]);
        match value_len(&b[at..]) {
            Some(n) => {
                // The `/` before a value goes with it (`RemoveAppPathModifier`).
                if out.ends_with('/') {
                    out.pop();
                }
                i = at + n;
            }
            None => {
                out.push('(');
                i = at + 1;
            }
        }
    }
    out.push_str(&path[i..]);
    out
}

/// Whether `path` may hold an ASP.NET cookieless value: a `(`, an upper-case letter, a `(`.
/// (An OData call, `devices(deviceId='x')`, has none.)
fn has_cookieless_value(path: &[u8]) -> bool {
    memchr::memchr_iter(b'(', path).any(|i| {
        path.get(i + 1).is_some_and(u8::is_ascii_uppercase) && path.get(i + 2) == Some(&b'(')
    })
}

/// Extensions of scripts a server runs with the rest of the path after them (`PATH_INFO`).
const SCRIPT_EXTENSIONS: &[&str] = &[
    "php", "php3", "php4", "php5", "php7", "php8", "phtml", "phar", "asp", "aspx", "asmx", "ashx",
    "axd", "svc", "jsp", "jspx", "cgi", "fcgi", "wsgi", "pl", "dll", "cfm", "cfc",
];

/// Whether the segment `seg` names a script (see [`SCRIPT_EXTENSIONS`]), as IIS reads it too:
/// with an NTFS stream cut off and trailing dots and spaces trimmed (`admin.aspx::$DATA`,
/// `admin.aspx.`).
fn is_script(seg: &str) -> bool {
    let seg = seg.split(':').next().unwrap_or_default();
    let seg = seg.trim_end_matches(['.', ' ']);
    seg.rsplit_once('.').is_some_and(|(name, ext)| {
        !name.is_empty()
            && SCRIPT_EXTENSIONS
                .iter()
                .any(|e| e.eq_ignore_ascii_case(ext))
    })
}

/// Whether some segment of `path` but the last names a script.
fn has_script_segment(path: &str) -> bool {
    let mut segments = path.split('/').peekable();
    while let Some(seg) = segments.next() {
        if segments.peek().is_some() && is_script(seg) {
            return true;
        }
    }
    false
}

/// `seg` as [`fold_compatibility`] folds it; `None` when that makes a separator (`／`, `＼`,
/// `∕`, `¥`).
fn fold_lookalikes(seg: String, strip_accents: bool) -> Option<String> {
    let folded = fold_compatibility(seg, strip_accents);
    (!folded.contains(['/', '\\'])).then_some(folded)
}

/// `text` with compatibility forms folded (NFKC), `ı`, `İ` read as `i`, and the best-fit
/// mappings below; when `strip_accents`, accents dropped (`ā` is `a`) and invisible characters
/// too (see [`is_default_ignorable`]).
fn fold_compatibility(text: String, strip_accents: bool) -> String {
    use unicode_normalization::char::is_combining_mark;
    use unicode_normalization::UnicodeNormalization;
    if text.is_ascii() {
        return text;
    }
    // Windows' best-fit mappings, which a program converting a path to an ANSI code page
    // applies (`WideCharToMultiByte`): with `strip_accents`, a letter loses its accents; and
    // these, which NFKC keeps, become ASCII: `∕` and `⁄` are `/`, `∖` is `\` (and `¥`, `₩` in
    // the Japanese and Korean code pages), `։` and `∶` are `:`.
    text.chars()
        // Before decomposing, which would make `İ` an `I` and a dot above.
        .map(|c| match c {
            '\u{131}' | '\u{130}' => 'i',
            c => c,
        })
        .nfkd()
        .filter(|&c| !(strip_accents && (is_combining_mark(c) || is_default_ignorable(c))))
        .map(|c| match c {
            '\u{2215}' | '\u{2044}' => '/',
            '\u{2216}' | '\u{a5}' | '\u{20a9}' => '\\',
            '\u{589}' | '\u{2236}' => ':',
            c => c,
        })
        .nfc()
        .collect()
}

/// Whether `c` is a default-ignorable code point (Unicode's `Default_Ignorable_Code_Point`:
/// zero-width spaces and joiners, the soft hyphen, bidirectional marks, variation selectors,
/// the byte-order mark). Linguistic string comparison ignores them (.NET on ICU, where
/// `"/adm\u200Bin".StartsWith("/admin")` holds; Java's `Collator`), as Windows' best-fit
/// mapping drops some, so `adm%E2%80%8Bin` may be read as `admin`.
fn is_default_ignorable(c: char) -> bool {
    matches!(c as u32,
        0xAD | 0x34F | 0x61C | 0x115F..=0x1160 | 0x17B4..=0x17B5 | 0x180B..=0x180F
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
        | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFF8 | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A
        | 0xE0000..=0xE0FFF)
}

/// `text` decoded as a lenient server does: percent-escapes and `%uXXXX` (IIS), and again
/// when that leaves an escape (`%2561` is `a`). `None` for a control character or invalid
/// UTF-8 in the result.
fn decode_twice(text: &str) -> Option<String> {
    decode_twice_with_controls(text).filter(|s| !s.chars().any(char::is_control))
}

/// [`decode_twice`], control characters kept in the result.
fn decode_twice_with_controls(text: &str) -> Option<String> {
    let once = decode_leniently(text)?;
    match once.contains('%') {
        true => decode_leniently(&once),
        false => Some(once),
    }
}

/// `text` percent-decoded, `%uXXXX` too; `None` for invalid UTF-8 in the result.
fn decode_leniently(text: &str) -> Option<String> {
    // Hex digits only: `from_str_radix` would also take a sign.
    let hex = |s: &[u8]| {
        s.iter().all(u8::is_ascii_hexdigit).then(|| {
            s.iter()
                .fold(0, |n, &d| n * 16 + (d as char).to_digit(16).unwrap_or(0))
        })
    };
    let b = text.as_bytes();
    let mut bytes = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if let Some(c) = b.get(i + 1..i + 3).and_then(hex) {
                bytes.push(c as u8);
                i += 3;
                continue;
            }
            if matches!(b.get(i + 1), Some(b'u' | b'U')) {
                if let Some(c) = b.get(i + 2..i + 6).and_then(hex).and_then(char::from_u32) {
                    bytes.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                    i += 6;
                    continue;
                }
            }
        }
        bytes.push(b[i]);
        i += 1;
    }
    String::from_utf8(bytes).ok()
}

/// The name part of a segment written `name(args)`, decoded; the whole segment decoded when it
/// is not a call. `None` when the arguments hide a parenthesis, quote or separator behind a
/// percent-escape.
fn call_name(seg: &str) -> Option<String> {
    let Some((name, rest)) = seg.split_once('(') else {
        return target::decode_segment(seg);
    };
    let Some(args) = rest.strip_suffix(')') else {
        // `a(b` is not a call: matched as written (it will not match a listed name).
        return target::decode_segment(seg);
    };
    if args.contains(['(', ')']) {
        return target::decode_segment(seg);
    }
    let hides_syntax = args.as_bytes().windows(3).any(|w| {
        w[0] == b'%'
            && matches!(
                std::str::from_utf8(&w[1..])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok()),
                Some(b'(' | b')' | b'\'' | b'"' | b'/' | b'\\' | b'%')
            )
    });
    if hides_syntax || target::decode_segment(args).is_none() {
        return None;
    }
    target::decode_segment(name)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PathMatch {
    /// Matched a prefix of this many segments (plus one per query condition).
    Yes(usize),
    No,
    Ambiguous,
}

fn seg_eq(rule: &PathRule, a: &str, b: &str) -> bool {
    if rule.case_insensitive {
        a.eq_ignore_ascii_case(b)
    } else {
        a == b
    }
}

fn glob_eq(rule: &PathRule, pattern: &str, text: &str) -> bool {
    if rule.case_insensitive {
        crate::rules::star_matches(&pattern.to_ascii_lowercase(), &text.to_ascii_lowercase())
    } else {
        crate::rules::star_matches(pattern, text)
    }
}

/// Whether `segs` start with `prefix`; with `short_names`, a segment in short-name form also
/// matches every literal or glob it may abbreviate.
fn prefix_matches(rule: &PathRule, prefix: &[PathSeg], segs: &[String], short_names: bool) -> bool {
    prefix.len() <= segs.len()
        && prefix.iter().zip(segs).all(|(p, s)| match p {
            PathSeg::Any => !s.is_empty(),
            PathSeg::Lit(l) => seg_eq(rule, l, s) || short_names && short_name_may_be(s, l, false),
            PathSeg::Glob(g) => glob_eq(rule, g, s) || short_names && short_name_may_be(s, g, true),
        })
}

/// The part before `~` of a segment in the form of a Windows short (8.3) name: one to six
/// characters without `~`, `~`, digits, the whole base at most eight characters, then an
/// extension of at most three; `None` for any other segment.
fn short_name_form(seg: &str) -> Option<&str> {
    let (base, extension) = match seg.rsplit_once('.') {
        Some((b, e)) if e.chars().count() <= 3 => (b, e),
        Some(_) => return None,
        None => (seg, ""),
    };
    let (stem, number) = base.split_once('~')?;
    let stem_len = stem.chars().count();
    ((1..=6).contains(&stem_len)
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
        && stem_len + 1 + number.len() <= 8
        && !extension.contains('~'))
    .then_some(stem)
}

/// Whether the short name `seg` (see [`short_name_form`]) may abbreviate `name`, or, with
/// `glob`, a name `name` matches. Windows makes a short name from the long one's first
/// characters, spaces and dots dropped, upper-cased; past four names with one start, from
/// its first two characters and four hex digits of a hash. A `*` or `?` in a glob may stand
/// for anything from there on.
fn short_name_may_be(seg: &str, name: &str, glob: bool) -> bool {
    let Some(stem) = short_name_form(seg) else {
        return false;
    };
    let stem: Vec<char> = stem.chars().flat_map(char::to_uppercase).collect();
    let mut basis = name
        .chars()
        .filter(|c| !matches!(c, ' ' | '.'))
        .flat_map(char::to_uppercase);
    // The hashed form keeps only the first two characters of the long name.
    let compared = match stem.len() == 6 && stem[2..].iter().all(char::is_ascii_hexdigit) {
        true => &stem[..2],
        false => &stem[..],
    };
    for &want in compared {
        match basis.next() {
            Some('*' | '?') if glob => return true,
            // Characters a short name cannot hold become `_`.
            Some(c) if c == want || want == '_' => {}
            _ => return false,
        }
    }
    true
}

/// How a query string is read: as the URL standard splits and decodes it, or as the most
/// lenient of common servers do (see [`lenient_query_pairs`]).
#[derive(Clone, Copy, PartialEq, Eq)]
enum QueryReading {
    AsWritten,
    Lenient,
}

/// Whether every query condition of the rule holds: the parameter is present, and each of its
/// values matches (a parameter repeated with another value could be read either way), or, for
/// an exclusion (`any_value`), any of them does.
fn query_matches(rule: &PathRule, query: Option<&str>, reading: QueryReading) -> bool {
    if rule.query.is_empty() {
        return true;
    }
    let query = query.unwrap_or_default();
    match reading {
        // Parsed as it is read, borrowing where nothing is decoded: the common case.
        QueryReading::AsWritten => {
            conditions_hold(rule, url::form_urlencoded::parse(query.as_bytes()))
        }
        QueryReading::Lenient => {
            let pairs = lenient_query_pairs(query);
            let borrowed = pairs
                .iter()
                .map(|(k, v)| (Cow::Borrowed(k.as_str()), Cow::Borrowed(v.as_str())));
            conditions_hold(rule, borrowed)
        }
    }
}

/// [`query_matches`] over the query's (name, value) pairs.
fn conditions_hold<'q>(
    rule: &PathRule,
    pairs: impl Iterator<Item = (Cow<'q, str>, Cow<'q, str>)> + Clone,
) -> bool {
    rule.query.iter().all(|(name, want)| {
        let mut values = pairs
            .clone()
            .filter(|(k, _)| seg_eq(rule, name, k))
            .map(|(_, v)| glob_eq(rule, want, &v))
            .peekable();
        if values.peek().is_none() {
            return false;
        }
        if rule.any_value {
            values.any(|m| m)
        } else {
            values.all(|m| m)
        }
    })
}

/// Whether a server may read `query` other than the URL standard does: it holds a `;`, an
/// escape, a `+`, a bracket, a dot a name may lose, a comma a value may be split at, or a pair
/// with a second `=`.
fn query_may_read_otherwise(query: &str) -> bool {
    !query.is_ascii()
        || query.contains([';', '%', '+', '[', ']', '.', ','])
        || query
            .split('&')
            .any(|pair| memchr::memchr_iter(b'=', pair.as_bytes()).nth(1).is_some())
}

/// The query's pairs as the most lenient of common servers read them, each leniency at once:
/// `;` separates pairs as `&` does (Rack before 3, Python before 3.9.2); escapes are decoded
/// twice and `%uXXXX` too (IIS); a name loses leading spaces and a trailing `[...]`, and its
/// other spaces and dots become `_` (PHP); a value loses surrounding spaces; a name or value
/// loses leading white space and control characters and then ends at its first control
/// character (`mode%00x=admin` is `mode=admin` to a server written in
/// C); compatibility forms are folded and `ı`, `İ` read as `i` (`adm%C4%B1n` is `admin` to
/// Java's case-insensitive comparison); a value with commas is also each of its parts (Spring
/// binds `mode=x,admin` to a list holding `admin`; `qs` with `comma`); a value with a `=` is
/// also read up to it (`mode=admin=x` is `mode=admin` to code that splits a pair at every
/// `=` and takes the second part, as hand-written parsers do); a name also loses surrounding
/// spaces (`mode+=admin`). A pair that does not decode (invalid UTF-8) keeps its standard
/// reading.
///
/// A query with escapes is also read decoded as a whole before it is split, once and twice
/// (`x=1%26mode=admin` holds `mode=admin` to code that decodes the query string first, as
/// hand-written parsers and some proxies do; `x=1%2526mode=admin` to code that does it twice).
fn lenient_query_pairs(query: &str) -> Vec<(String, String)> {
    let mut pairs = lenient_pairs_of(query);
    // Bytes that are no UTF-8 hide nothing: such code splits bytes (`x=%FF%26mode=admin`).
    let decode_whole = |text: &str| {
        decode_leniently(text).unwrap_or_else(|| {
            String::from_utf8_lossy(&target::percent_decode(text.as_bytes())).into_owned()
        })
    };
    // Once (`%26`, and `%u0026` as IIS decodes it), and again when that leaves an escape
    // (`%2526` is `&` to code that decodes twice).
    let mut text = query.to_string();
    for _ in 0..2 {
        if !text.contains('%') {
            break;
        }
        let decoded = decode_whole(&text);
        if decoded == text {
            break;
        }
        pairs.extend(lenient_pairs_of(&decoded));
        text = decoded;
    }
    pairs
}

/// The pairs of [`lenient_query_pairs`], the query split as written.
fn lenient_pairs_of(query: &str) -> Vec<(String, String)> {
    let decode = |s: &str| {
        let text = decode_twice_with_controls(&s.replace('+', " "))?;
        // Leading white space and control characters trimmed first (`%09admin` is `admin` to
        // Java's `String.trim`, PHP's `trim`, Python's `strip`), then cut at the first control
        // character left.
        let mut text = text
            .trim_start_matches(|c: char| c.is_control() || c.is_whitespace())
            .to_string();
        if let Some(i) = text.find(char::is_control) {
            text.truncate(i);
        }
        Some(fold_compatibility(text, false))
    };
    let pairs: Vec<(String, String)> = query
        .split(['&', ';'])
        .filter(|p| !p.is_empty())
        .flat_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match (decode(k), decode(v)) {
                (Some(k), Some(v)) => {
                    let v = v.trim();
                    let mut values = vec![v.to_string()];
                    if v.contains(',') {
                        values.extend(v.split(',').map(|part| part.trim().to_string()));
                    }
                    if let Some((first, _)) = v.split_once('=') {
                        values.push(first.trim().to_string());
                    }
                    lenient_names(&k)
                        .into_iter()
                        .flat_map(|name| values.iter().map(move |v| (name.clone(), v.clone())))
                        .collect::<Vec<_>>()
                }
                _ => url::form_urlencoded::parse(pair.as_bytes())
                    .next()
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .into_iter()
                    .collect(),
            }
        })
        .collect();
    // Accents dropped too (`adm%C4%81n`: Windows' best-fit mapping), beside the pairs that
    // keep them (`cafe%CC%81` is `café`).
    let stripped: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, v)| !(k.is_ascii() && v.is_ascii()))
        .map(|(k, v)| {
            (
                fold_compatibility(k.clone(), true),
                fold_compatibility(v.clone(), true),
            )
        })
        .filter(|p| !pairs.contains(p))
        .collect();
    pairs.into_iter().chain(stripped).collect()
}

/// The names a decoded parameter name `k` is read as, each once:
/// - PHP: leading spaces dropped; from the first `[`, a name with a `]` after it is cut there
///   (`mode[]`, `mode[a]b` are `mode`), an unclosed `[` becomes `_` (`do[it` is `do_it`);
///   spaces and dots become `_`;
/// - Rack 2 (Rails up to 7.0) and Express's `qs`: leading brackets dropped, then the name up
///   to the next bracket (`[mode]`, `mode]`, `[[mode` are `mode`);
/// - trimmed of spaces at both ends (`mode ` is `mode` to code that trims what it parses).
fn lenient_names(k: &str) -> Vec<String> {
    let trimmed = k.trim_matches(' ');
    let k = k.trim_start_matches(' ');
    let php = match k.find('[') {
        Some(i) if i > 0 && k[i..].contains(']') => k[..i].replace([' ', '.'], "_"),
        Some(i) if i > 0 => {
            format!("{}_{}", k[..i].replace([' ', '.'], "_"), &k[i + 1..])
        }
        _ => k.replace([' ', '.'], "_"),
    };
    let rack = k
        .trim_start_matches(['[', ']'])
        .split(['[', ']'])
        .next()
        .unwrap_or_default()
        .to_string();
    let mut names = vec![php];
    for name in [rack, trimmed.to_string()] {
        if !name.is_empty() && !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

fn match_path(rule: &PathRule, segs: Option<&PathSegments>, query: Option<&str>) -> PathMatch {
    let Some(segs) = segs else {
        return PathMatch::Ambiguous;
    };
    let as_written = match_segments(rule, segs, query, QueryReading::AsWritten);
    let lenient_query = !rule.query.is_empty() && query.is_some_and(query_may_read_otherwise);
    if segs.lenient.is_empty() && !lenient_query {
        return as_written;
    }
    let yes = matches!(as_written, PathMatch::Yes(_));
    let query_readings: &[QueryReading] = match lenient_query {
        true => &[QueryReading::AsWritten, QueryReading::Lenient],
        false => &[QueryReading::AsWritten],
    };
    let differs = std::iter::once(segs)
        .chain(&segs.lenient)
        .flat_map(|p| query_readings.iter().map(move |&q| (p, q)))
        // The path and the query as written: `as_written` itself.
        .skip(1)
        .any(|(p, q)| matches!(match_segments(rule, p, query, q), PathMatch::Yes(_)) != yes);
    match differs {
        true => PathMatch::Ambiguous,
        false => as_written,
    }
}

/// [`match_path`] on one reading of the path.
fn match_segments(
    rule: &PathRule,
    segs: &PathSegments,
    query: Option<&str>,
    reading: QueryReading,
) -> PathMatch {
    let rest: &[String] = if rule.versions.is_empty() {
        &segs.named
    } else {
        match segs.full.first() {
            Some(v) if rule.versions.iter().any(|want| seg_eq(rule, want, v)) => &segs.named[1..],
            _ => return PathMatch::No,
        }
    };
    if !query_matches(rule, query, reading) {
        return PathMatch::No;
    }
    // Aliases rewrite a leading prefix (`/me/...` is `/users/{id}/...`).
    let mut rewritten: Option<Vec<String>> = None;
    for (from, to) in &rule.aliases {
        if prefix_matches(rule, from, rest, segs.short_names) {
            let mut v: Vec<String> = to
                .iter()
                .map(|s| match s {
                    PathSeg::Lit(l) | PathSeg::Glob(l) => l.clone(),
                    PathSeg::Any => "{id}".to_string(),
                })
                .collect();
            v.extend_from_slice(&rest[from.len()..]);
            rewritten = Some(v);
            break;
        }
    }
    let rest = rewritten.as_deref().unwrap_or(rest);
    rule.prefixes
        .iter()
        .filter(|(_, p)| prefix_matches(rule, p, rest, segs.short_names))
        .map(|(_, p)| p.len() + rule.query.len())
        .max()
        .map_or(PathMatch::No, PathMatch::Yes)
}

struct Tracer<'t>(Option<&'t mut Vec<String>>);

impl Tracer<'_> {
    fn push(&mut self, f: impl FnOnce() -> String) {
        if let Some(t) = self.0.as_mut() {
            t.push(f());
        }
    }
}

impl Program {
    /// Classify one input line (as given by the user) under this program.
    pub fn classify<'p>(&'p self, input: &str, explain: bool) -> Verdict<'p> {
        self.classify_with(input, explain, Lookup::Indexed)
    }

    /// [`Program::classify`] with a choice of host lookup.
    pub fn classify_with<'p>(&'p self, input: &str, explain: bool, how: Lookup) -> Verdict<'p> {
        match target::parse_target(input) {
            Ok(t) => self.classify_target_with(t, explain, how),
            Err(e) => {
                let mut trace = Vec::new();
                if explain {
                    trace.push(format!("parse: invalid: {e}"));
                }
                Verdict {
                    kind: VerdictKind::Invalid,
                    program: self,
                    reason: Reason::Invalid(e),
                    normalized: None,
                    trace,
                    also_in_scope: Vec::new(),
                }
            }
        }
    }

    /// Classify an already parsed target.
    pub fn classify_target(&self, t: Target, explain: bool) -> Verdict<'_> {
        self.classify_target_with(t, explain, Lookup::Indexed)
    }

    fn classify_target_with(&self, t: Target, explain: bool, how: Lookup) -> Verdict<'_> {
        let mut trace = Vec::new();
        let reason = {
            let mut tr = Tracer(explain.then_some(&mut trace));
            tr.push(|| format!("normalized: {t}"));
            match &t {
                Target::Net(n) => self.decide_net(n, how, &mut tr),
                Target::App(a) => self.decide_app(a, &mut tr),
            }
        };
        let kind = match reason {
            Reason::Asset(_) => VerdictKind::InScope,
            Reason::Invalid(_) => VerdictKind::Invalid,
            _ => VerdictKind::OutOfScope,
        };
        let mut v = Verdict {
            kind,
            program: self,
            reason,
            normalized: Some(t),
            trace,
            also_in_scope: Vec::new(),
        };
        if explain {
            let line = format!("decision: {} by `{}`", v.kind, v.rule());
            v.trace.push(line);
        }
        v
    }

    fn decide_app<'p>(&'p self, a: &AppTarget, tr: &mut Tracer) -> Reason<'p> {
        let key = (a.platform, a.id.clone());
        let entries = self
            .index
            .asset_apps
            .get(&key)
            .map_or(&[][..], Vec::as_slice);
        // The whole app, or the very feature the target names. A target naming a feature of an
        // app that is in scope as a whole is in scope too.
        let whole = entries.iter().find(|(f, _)| f.is_none());
        let named = a
            .feature
            .as_ref()
            .and_then(|want| entries.iter().find(|(f, _)| f.as_ref() == Some(want)));
        let asset = named.or(whole).map(|&(_, i)| &self.assets[i as usize]);
        if let Some(asset) = asset {
            tr.push(|| {
                format!(
                    "candidate: asset `{}` ({}) lists this app{}",
                    asset.id,
                    asset.source,
                    if named.is_some() { " and feature" } else { "" }
                )
            });
        }
        if let Some(ids) = self.index.excl_apps.get(&key) {
            let rule = &self.exclusions[ids[0] as usize];
            tr.push(|| format!("exclusion `{}` ({}) lists this app", rule.id, rule.source));
            return Reason::Exclusion {
                rule,
                overrode: asset,
            };
        }
        if let Some(asset) = asset {
            return Reason::Asset(asset);
        }
        // Only features of this app are listed, and the target names none of them.
        if let Some(&(_, first)) = entries.first() {
            let asset = &self.assets[first as usize];
            let features: Vec<&str> = entries.iter().filter_map(|(f, _)| f.as_deref()).collect();
            tr.push(|| {
                format!(
                    "asset `{}` ({}) lists only feature(s) {} of this app",
                    asset.id,
                    asset.source,
                    features.join(", ")
                )
            });
            return Reason::AppFeature {
                asset,
                app: format!("{}:{}", a.platform.as_str(), a.id),
                features,
                given: a.feature.clone(),
            };
        }
        Reason::NoAsset
    }

    /// An exclusion that covers `n`'s host for some paths or queries only: a request whose
    /// path cannot be seen (inside a CONNECT tunnel) may reach what it excludes.
    pub fn path_exclusion_on_host(&self, n: &NetTarget) -> Option<&ExclusionRule> {
        let mut hits = self.exclusion_hits(&n.host, Lookup::Indexed);
        hits.sort_unstable();
        hits.into_iter()
            .map(|id| &self.exclusions[id as usize])
            .find(|x| x.paths.is_some())
    }

    /// The exclusions whose hosts or ranges cover `host` (their paths not yet asked), in the
    /// order the lookup finds them.
    fn exclusion_hits(&self, host: &Host, how: Lookup) -> Vec<u32> {
        let mut hits = Vec::new();
        match host {
            Host::Domain(d) if how == Lookup::Linear => {
                for (i, x) in self.exclusions.iter().enumerate() {
                    if x.hosts.iter().any(|p| pattern_specificity(p, d).is_some()) {
                        hits.push(i as u32);
                    }
                }
            }
            Host::Domain(d) => self.index.excl_hosts.lookup(d, |id, _| hits.push(id)),
            Host::Ip(ip) if how == Lookup::Linear => {
                self.index
                    .excl_cidrs
                    .lookup_linear(*ip, |id, _| hits.push(id));
            }
            Host::Ip(ip) => self.index.excl_cidrs.lookup(*ip, |id, _| hits.push(id)),
        }
        hits
    }

    fn decide_net<'p>(&'p self, n: &NetTarget, how: Lookup, tr: &mut Tracer) -> Reason<'p> {
        // Candidate assets by host or address, with their specificity.
        let mut candidates: Vec<(u32, u32)> = Vec::new();
        match &n.host {
            Host::Domain(d) if how == Lookup::Linear => {
                // Every pattern of every rule in turn, by plain comparison.
                for (i, a) in self.assets.iter().enumerate() {
                    if let Some(spec) = a
                        .hosts
                        .iter()
                        .filter_map(|p| pattern_specificity(p, d))
                        .max()
                    {
                        candidates.push((i as u32, spec));
                    }
                }
            }
            Host::Domain(d) => {
                self.index
                    .asset_hosts
                    .lookup(d, |id, spec| candidates.push((id, spec)));
            }
            Host::Ip(ip) if how == Lookup::Linear => {
                let assets = &self.index.asset_cidrs;
                assets.lookup_linear(*ip, |id, spec| candidates.push((id, spec)));
            }
            Host::Ip(ip) => {
                let assets = &self.index.asset_cidrs;
                assets.lookup(*ip, |id, spec| candidates.push((id, spec)));
            }
        }
        let mut excl_hits = self.exclusion_hits(&n.host, how);

        let needs_path = candidates
            .iter()
            .map(|&(id, _)| &self.assets[id as usize])
            .any(|a| a.paths.is_some())
            || excl_hits
                .iter()
                .any(|&id| self.exclusions[id as usize].paths.is_some());
        let segs = if needs_path {
            path_segments(&n.path, n.raw_path.as_deref())
        } else {
            None
        };

        // Exclusions first: they win over every asset.
        let query = n.query.as_deref();
        let mut winning_excl: Option<(&ExclusionRule, bool)> = None;
        // The target's routes read as paths, when an exclusion's path does not match.
        let mut route_segs: Option<Vec<(target::Route, Option<PathSegments>)>> = None;
        excl_hits.sort_unstable();
        for &id in &excl_hits {
            let x = &self.exclusions[id as usize];
            let (applies, ambiguous) = match &x.paths {
                None => (true, false),
                // An ambiguous path may be read as the excluded one: the exclusion applies,
                // and the verdict says the ambiguity is why.
                Some(p) => match match_path(p, segs.as_ref(), query) {
                    // A route is a page the exclusion may name (`/#/admin`, `/?/admin`).
                    PathMatch::No => {
                        let routes = route_segs.get_or_insert_with(|| {
                            target::routes(n)
                                .into_iter()
                                .map(|r| {
                                    let segs = r.path.as_deref().and_then(|path| {
                                        path_segments(path, r.raw_path.as_deref())
                                    });
                                    (r, segs)
                                })
                                .collect()
                        });
                        let routed = routes.iter().any(|(r, segs)| {
                            match_path(p, segs.as_ref(), r.query.as_deref()) != PathMatch::No
                        });
                        (routed, routed)
                    }
                    PathMatch::Yes(_) => (true, false),
                    PathMatch::Ambiguous => (true, true),
                },
            };
            tr.push(|| {
                format!(
                    "exclusion `{}` ({}): host matches{}",
                    x.id,
                    x.source,
                    match (&x.paths, applies, ambiguous) {
                        (None, _, _) => String::new(),
                        (Some(_), true, true) =>
                            ", path is ambiguous: may be the excluded one, applied".into(),
                        (Some(_), true, false) => ", path matches".into(),
                        (Some(_), false, _) => ", path or query does not match: not applied".into(),
                    }
                )
            });
            // A plain match beats one by ambiguity; a certain exclusion beats an uncertain one.
            let rank = |x: &ExclusionRule, ambiguous: bool| (ambiguous, x.uncertain);
            if applies && winning_excl.is_none_or(|(w, wa)| rank(x, ambiguous) < rank(w, wa)) {
                winning_excl = Some((x, ambiguous));
            }
        }

        // Assets: host matched; now path and port.
        let mut best: Option<(&AssetRule, (u32, usize))> = None;
        let mut port_fail: Option<Reason<'p>> = None;
        let mut path_fail: Option<(&AssetRule, bool)> = None;
        let mut ambiguous_asset: Option<&AssetRule> = None;
        candidates.sort_unstable();
        for &(id, spec) in &candidates {
            let a = &self.assets[id as usize];
            let path_len = match &a.paths {
                None => Some(0),
                Some(p) => match match_path(p, segs.as_ref(), query) {
                    PathMatch::Yes(len) => Some(len),
                    PathMatch::No => {
                        path_fail.get_or_insert((a, false));
                        None
                    }
                    PathMatch::Ambiguous => {
                        path_fail = Some((a, true));
                        ambiguous_asset.get_or_insert(a);
                        None
                    }
                },
            };
            let port_ok = match (n.port, &n.scheme) {
                _ if a.ports.is_empty() => Ok(()),
                (Some(p), _) if a.ports.contains(&p) => Ok(()),
                (Some(p), _) => Err(Reason::Port { asset: a, port: p }),
                (None, Some(s)) => Err(Reason::UnknownSchemePort {
                    asset: a,
                    scheme: s.clone(),
                }),
                // A bare host asks about the host; a path makes it a request whose port the
                // client guesses.
                (None, None) if !(n.has_path || n.query.is_some()) => Ok(()),
                (None, None) if either_web_port(&a.ports) => Ok(()),
                (None, None) => Err(Reason::NoSchemeOrPort { asset: a }),
            };
            tr.push(|| {
                format!(
                    "candidate: asset `{}` ({}): host matches{}{}",
                    a.id,
                    a.source,
                    match (&a.paths, path_len) {
                        (None, _) => String::new(),
                        (Some(_), Some(_)) => ", path matches".to_string(),
                        (Some(_), None) if segs.is_none() => ", path is ambiguous".to_string(),
                        (Some(_), None) => ", path does not match".to_string(),
                    },
                    if port_ok.is_ok() {
                        ""
                    } else {
                        ", port not allowed"
                    }
                )
            });
            let Some(path_len) = path_len else { continue };
            if let Err(r) = port_ok {
                port_fail.get_or_insert(r);
                continue;
            }
            let score = (spec, path_len);
            if best.is_none_or(|(_, s)| score > s) {
                best = Some((a, score));
            }
        }

        if let Some((rule, ambiguous)) = winning_excl {
            if ambiguous {
                return Reason::AmbiguousPath {
                    asset: best.map(|(a, _)| a).or(ambiguous_asset),
                    exclusion: Some(rule),
                };
            }
            return Reason::Exclusion {
                rule,
                overrode: best.map(|(a, _)| a),
            };
        }
        // A customer-owned suffix overrides broad rules (wildcards, globs); an asset that names
        // this very host (specificity MAX) is the program's own explicit choice.
        let explicit = best.is_some_and(|(_, (spec, _))| spec == u32::MAX);
        if let (Some(c), Host::Domain(d), false) = (&self.customer_owned, &n.host, explicit) {
            // The Public Suffix List is consulted only when an asset would otherwise put the
            // host in scope: without one the verdict is out of scope anyway (`no-asset`), and
            // the lookup is the most expensive step for the many hosts that match nothing.
            let use_psl = best.is_some();
            if let Some(suffix) = customer_suffix(self, c, d, use_psl) {
                tr.push(|| format!("customer-owned: `{d}` is below `{suffix}` ({})", c.source));
                if let Some((a, _)) = best {
                    tr.push(|| format!("customer-owned suffix wins over asset `{}`", a.id));
                }
                return Reason::CustomerOwned { rule: c, suffix };
            }
        }
        if let Some((a, _)) = best {
            return Reason::Asset(a);
        }
        if let Some(r) = port_fail {
            return r;
        }
        if let Some((asset, ambiguous)) = path_fail {
            if ambiguous {
                return Reason::AmbiguousPath {
                    asset: Some(asset),
                    exclusion: None,
                };
            }
            return Reason::PathNotListed { asset };
        }
        tr.push(|| "no asset matches".to_string());
        Reason::NoAsset
    }
}

/// The ports `asset` allows, as a reason lists them.
fn port_list(asset: &AssetRule) -> String {
    let ports: Vec<String> = asset.ports.iter().map(u16::to_string).collect();
    ports.join(", ")
}

/// Whether a target with a path but without a scheme or port is allowed by `ports`: whichever
/// port a client picks for it, 80 (curl) or 443 (browsers).
fn either_web_port(ports: &[u16]) -> bool {
    ports.contains(&80) && ports.contains(&443)
}

/// What [`Program::quick_kind`] looks up: a host name, or an address.
#[derive(Clone, Copy)]
enum QuickHost<'a> {
    Name(&'a str),
    Address(std::net::IpAddr),
}

/// Which rules of the index a lookup reads.
#[derive(Clone, Copy)]
enum Side {
    Assets,
    Exclusions,
}

fn customer_suffix(
    p: &Program,
    c: &crate::rules::CustomerOwnedRule,
    d: &str,
    use_psl: bool,
) -> Option<String> {
    customer_suffix_of(p, c, d, use_psl).map(str::to_string)
}

/// The customer-owned suffix `d` is below, if any (a listed suffix first, then the Public
/// Suffix List's private section when `use_psl`).
fn customer_suffix_of<'d>(
    p: &Program,
    c: &crate::rules::CustomerOwnedRule,
    d: &'d str,
    use_psl: bool,
) -> Option<&'d str> {
    if !c.suffixes.is_empty() {
        for (i, b) in d.bytes().enumerate() {
            if b == b'.' && c.suffixes.contains(&d[i + 1..]) {
                return Some(&d[i + 1..]);
            }
        }
    }
    if c.psl_private && use_psl {
        return p.psl.private_suffix_below(d);
    }
    None
}

impl Program {
    /// The verdict kind of a plain network target (see [`target::quick_net`]) without building
    /// a [`Verdict`], or `None` when the full path must decide: a rule that matched the host
    /// looks at the path. Gives the kind [`Program::classify`] gives (checked by unit and
    /// property tests and by `benches/run.sh` on the real lists).
    pub fn quick_kind(&self, t: &target::QuickNet<'_>) -> Option<VerdictKind> {
        let host = match t.ip {
            Some(ip) => QuickHost::Address(ip),
            None => QuickHost::Name(t.host),
        };
        let mut path_rule = false;
        let mut excluded = false;
        self.quick_lookup(host, Side::Exclusions, |id, _| {
            excluded = true;
            // When no rule looks at paths or ports, the rules matched need not be read (they
            // are cache misses with 40,000 of them).
            path_rule |= !self.host_only && self.exclusions[id as usize].paths.is_some();
        });
        if path_rule {
            return None;
        }
        if excluded {
            return Some(VerdictKind::OutOfScope);
        }
        // The most specific asset whose port allows the target (no asset here looks at paths).
        let mut best: Option<u32> = None;
        self.quick_lookup(host, Side::Assets, |id, spec| {
            if !self.host_only {
                let a = &self.assets[id as usize];
                path_rule |= a.paths.is_some();
                // No port: a bare host (the only shape without one here), which asks about
                // the host.
                if !(a.ports.is_empty() || t.port.is_none_or(|p| a.ports.contains(&p))) {
                    return;
                }
            }
            best = Some(best.map_or(spec, |b| b.max(spec)));
        });
        if path_rule {
            return None;
        }
        Some(match (best, host) {
            (None, _) => VerdictKind::OutOfScope,
            // No customer-owned suffix applies to an address.
            (Some(_), QuickHost::Address(_)) => VerdictKind::InScope,
            (Some(spec), QuickHost::Name(d)) => self.kind_of_best(d, spec),
        })
    }

    /// The index's host names or address ranges, of assets or exclusions, as `decide_net`
    /// looks them up: `f(rule, specificity)` for each rule matching `host`.
    fn quick_lookup(&self, host: QuickHost<'_>, side: Side, f: impl FnMut(u32, u32)) {
        let i = &self.index;
        match (host, side) {
            (QuickHost::Name(d), Side::Assets) => i.asset_hosts.lookup(d, f),
            (QuickHost::Name(d), Side::Exclusions) => i.excl_hosts.lookup(d, f),
            (QuickHost::Address(ip), Side::Assets) => i.asset_cidrs.lookup(ip, f),
            (QuickHost::Address(ip), Side::Exclusions) => i.excl_cidrs.lookup(ip, f),
        }
    }

    /// The kind of host name `d` when the most specific asset allowing it has specificity
    /// `spec`.
    fn kind_of_best(&self, d: &str, spec: u32) -> VerdictKind {
        // As in `decide_net`: a customer-owned suffix overrides all but an explicit host.
        if spec != u32::MAX {
            if let Some(c) = &self.customer_owned {
                if customer_suffix_of(self, c, d, true).is_some() {
                    return VerdictKind::OutOfScope;
                }
            }
        }
        VerdictKind::InScope
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::{scope_list, Rng, UrlCorpus};
    use crate::psl::SuffixList;
    use crate::rules::plain::load_plain_str;

    #[test]
    fn short_names_and_what_they_may_abbreviate() {
        for (seg, form) in [
            ("ADMINI~1", Some("ADMINI")),
            ("ab~12.asp", Some("ab")),
            ("ABCDEF~10", None), // nine characters before the extension
            ("ABCDEFG~1", None), // seven before `~`
            ("~1", None),
            ("ADMIN~", None),
            ("ADMIN~1x", None),
            ("ADMINI~1.ASPX", None), // a four-character extension
            ("ADMIN~1.~1", None),
        ] {
            assert_eq!(short_name_form(seg), form, "{seg}");
        }
        let may_be = |seg, name| short_name_may_be(seg, name, false);
        assert!(may_be("ADMINI~1", "administrator"));
        assert!(may_be("admini~3", "Admin Istrator.d"), "spaces and dots go");
        assert!(
            may_be("AD3F2A~1", "adventure"),
            "a hashed form keeps two characters"
        );
        assert!(
            may_be("CAF_~1", "café menu"),
            "a character a short name can't hold is `_`"
        );
        assert!(!may_be("ADMINX~1", "administrator"));
        assert!(
            !may_be("ADMINI~1", "admin"),
            "a long name has the short one's characters"
        );
        assert!(
            !may_be("administrator", "administrator"),
            "not a short name"
        );
        assert!(short_name_may_be("WP-ADM~1", "wp-a*", true));
        assert!(!short_name_may_be("WPADMI~1", "wp-a*", true));
    }

    /// The index must answer exactly what trying every rule in turn answers.
    #[test]
    fn index_agrees_with_linear_reference() {
        let mut list = scope_list(3_000, 5);
        // Exclusions at several depths, so exclusion lookups are compared too.
        for i in (0..3_000).step_by(97) {
            let (_, host) = crate::gen::scope_entry(5, i);
            list.push_str(&format!("!{host}\n"));
        }
        let program = load_plain_str(&list, "synthetic.txt", SuffixList::embedded()).unwrap();
        let mut rng = Rng(11);
        let (mut checked, mut quick) = (0, 0);
        for url in UrlCorpus::new(3_000, 5).take(5_000) {
            // Also a parent and a deeper child of each host.
            let variants = [url.clone(), format!("x{}.{url}", rng.below(9)), {
                let t = url.split_once('.').map_or(url.as_str(), |(_, r)| r);
                t.to_string()
            }];
            for v in variants {
                let fast = program.classify_with(&v, false, Lookup::Indexed);
                let slow = program.classify_with(&v, false, Lookup::Linear);
                assert_eq!((fast.kind, fast.rule()), (slow.kind, slow.rule()), "{v}");
                let mut buf = [0u8; 256];
                if let Some(q) = target::quick_net(&v, &mut buf) {
                    assert_eq!(program.quick_kind(&q), Some(slow.kind), "{v}");
                    quick += 1;
                }
                checked += 1;
            }
        }
        assert_eq!(checked, 15_000);
        assert!(
            quick > 7_000,
            "the quick path answered only {quick} of {checked}"
        );
    }

    /// The label matcher used by the index agrees with an independent regex translation.
    #[test]
    fn glob_matcher_agrees_with_regex() {
        let patterns = [
            "*-prod.example.com",
            "api.*.example.com",
            "*.*.example.com",
            "a*b*c.example.com",
            "*.example.com",
            "x*.y.example.com",
        ];
        let labels = [
            "a", "b", "c", "ab", "abc", "axbyc", "x", "xy", "api", "prod", "-prod", "web-prod", "y",
        ];
        let mut rng = Rng(3);
        for p in patterns {
            let mut re = String::from("^");
            for (i, label) in p.split('.').enumerate() {
                if i > 0 {
                    re.push_str(r"\.");
                }
                if label == "*" {
                    re.push_str(if i == 0 {
                        r"(?:[^.]+\.)*[^.]+"
                    } else {
                        "[^.]+"
                    });
                } else {
                    let parts: Vec<String> = label.split('*').map(regex::escape).collect();
                    re.push_str(&parts.join("[^.]*"));
                }
            }
            re.push('$');
            let re = regex::Regex::new(&re).unwrap();
            for _ in 0..3_000 {
                let n = 1 + rng.below(3) as usize;
                let mut host: Vec<&str> = (0..n)
                    .map(|_| labels[rng.below(labels.len() as u64) as usize])
                    .collect();
                host.extend(["example", "com"]);
                if rng.below(3) == 0 {
                    host.insert(host.len() - 2, "y");
                }
                let host = host.join(".");
                assert_eq!(
                    crate::rules::glob_matches(p, &host),
                    re.is_match(&host),
                    "{p} vs {host}"
                );
            }
        }
    }
}

/// Path calls, query conditions, one-label hosts and app features, on a small program.
#[cfg(test)]
mod expression_tests {
    use crate::psl::SuffixList;
    use crate::rules::load_program_str;

    const PROGRAM: &str = r#"schema_version: 1
program: {id: p, name: P, revision: "1"}
assets:
  - id: api
    hosts: [api.example.com]
    award_table: main
    paths:
      versions: [v1]
      case_insensitive: true
      prefixes: [/devices, "/things/{id}/parts"]
  - id: login
    hosts: [login.example.com]
    award_table: main
  - id: login-special
    hosts: [login.example.com]
    award_table: other
    paths:
      case_insensitive: true
      prefixes: ["/"]
      query: [{name: p, value: "special_*"}]
  - id: tenants
    hosts: ["{tenant}.tenants.example.com"]
    award_table: main
  - id: mail-feature
    apps: [{platform: android, id: com.example.mail, feature: sign-in}]
    award_table: main
awards:
  currency: USD
  severities: [critical]
  qualities: [high]
  tables:
    - {id: main, title: M, impacts: [{id: x, title: X, awards: {critical: {high: 2}}}]}
    - {id: other, title: O, impacts: [{id: x, title: X, awards: {critical: {high: 1}}}]}
"#;

    fn verdict(target: &str) -> (String, String) {
        let p = load_program_str(PROGRAM, "t.yaml", SuffixList::embedded()).unwrap();
        let v = p.classify(target, false);
        (v.kind.to_string(), v.rule().to_string())
    }

    #[test]
    fn a_call_segment_matches_by_its_name() {
        let ok = ("in-scope".to_string(), "api".to_string());
        assert_eq!(verdict("https://api.example.com/v1/devices(id='a-b')"), ok);
        assert_eq!(verdict("https://api.example.com/v1/Devices(id='a')/x"), ok);
        assert_eq!(
            verdict("https://api.example.com/v1/things(k=1)/7/parts(n=2)"),
            ok
        );
        // The version segment is never read as a call.
        assert_eq!(
            verdict("https://api.example.com/v1(x)/devices").1,
            "no-asset"
        );
    }

    #[test]
    fn a_call_never_hides_syntax() {
        for hidden in [
            "https://api.example.com/v1/devices(id='a%27b')",
            "https://api.example.com/v1/devices(id=%28a)",
            "https://api.example.com/v1/devices(id='a%2fb')",
            "https://api.example.com/v1/devices(id='a%5cb')",
            "https://api.example.com/v1/devices(id=%22a%22)",
        ] {
            assert_eq!(
                verdict(hidden),
                ("out-of-scope".into(), "ambiguous-path".into()),
                "{hidden}"
            );
        }
        // Not a call: an encoded `(`, nested or unclosed parentheses, an empty name.
        for not_call in [
            "https://api.example.com/v1/devices%28id=1)",
            "https://api.example.com/v1/devices(id=(1))",
            "https://api.example.com/v1/devices(id='a%27)')",
            "https://api.example.com/v1/devices(id=1",
            "https://api.example.com/v1/(id=1)",
            "https://api.example.com/v1/devicesX(id=1)",
        ] {
            assert_eq!(verdict(not_call).0, "out-of-scope", "{not_call}");
        }
    }

    #[test]
    fn query_conditions_choose_an_asset() {
        let asset = |t: &str| verdict(t).1;
        assert_eq!(
            asset("https://login.example.com/a?p=special_x"),
            "login-special"
        );
        assert_eq!(
            asset("https://login.example.com/a?P=SPECIAL_x&q=1"),
            "login-special"
        );
        assert_eq!(
            asset("https://login.example.com/a?p=special_%78"),
            "login-special"
        );
        // Absent, another value, or repeated with another value: the plain asset.
        assert_eq!(asset("https://login.example.com/a"), "login");
        assert_eq!(asset("https://login.example.com/a?p=plain"), "login");
        assert_eq!(
            asset("https://login.example.com/a?p=special_x&p=plain"),
            "login"
        );
        assert_eq!(asset("https://login.example.com/a#?p=special_x"), "login");
    }

    #[test]
    fn a_placeholder_label_is_exactly_one_label() {
        assert_eq!(verdict("contoso.tenants.example.com").0, "in-scope");
        assert_eq!(verdict("www.tenants.example.com").0, "in-scope");
        assert_eq!(verdict("a.b.tenants.example.com").1, "no-asset");
        assert_eq!(verdict("tenants.example.com").1, "no-asset");
    }

    #[test]
    fn a_feature_must_be_named() {
        assert_eq!(
            verdict("android:com.example.mail#sign-in"),
            ("in-scope".into(), "mail-feature".into())
        );
        assert_eq!(
            verdict("android:com.example.mail"),
            ("out-of-scope".into(), "app-feature-required".into())
        );
        assert_eq!(
            verdict("android:com.example.mail#calendar").1,
            "app-feature-required"
        );
        assert_eq!(verdict("ios:com.example.mail#sign-in").1, "no-asset");
    }

    #[test]
    fn placeholders_and_features_are_checked_at_load() {
        let load = |asset: &str| {
            let yaml = format!(
                "schema_version: 1\nprogram: {{id: p, name: P, revision: \"1\"}}\nassets:\n{asset}"
            );
            load_program_str(&yaml, "t.yaml", SuffixList::embedded())
                .err()
                .map(|e| e.message)
        };
        assert!(load("  - {id: a, hosts: [\"{t}.example.com\"]}\n").is_none());
        let e = load("  - {id: a, hosts: [\"x{t}.example.com\"]}\n").unwrap();
        assert!(e.contains("placeholders"), "{e}");
        let e = load("  - {id: a, hosts: [\"{t}.com\"]}\n").unwrap();
        assert!(e.contains("public suffix"), "{e}");
        let e =
            load("  - {id: a, apps: [{platform: android, id: a.b, feature: \"x y\"}]}\n").unwrap();
        assert!(e.contains("not a valid app id"), "{e}");
        let e = load(
            "  - {id: a, apps: [{platform: android, id: a.b}, {platform: android, id: a.b}]}\n",
        )
        .unwrap();
        assert!(e.contains("already listed"), "{e}");
    }
}
