//! Address resolution with pins (`--resolve HOST:PORT:ADDR`, curl's syntax) and the internal
//! address guard.
//!
//! A pinned address is the user's explicit choice and is used as given. An address the system
//! resolver returns is refused when it lies in loopback, private, link-local or other internal
//! space: an in-scope name must not lead a probe into internal networks. The address decided
//! here is the one connected to (the HTTP client never resolves on its own), so a name cannot
//! resolve once for the check and again for the connection.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};

use crate::target::{self, not_global_reason, Host};

/// `--resolve` pins: (lowercased host, port) to address.
#[derive(Debug, Clone, Default)]
pub struct Pins {
    map: HashMap<(String, u16), IpAddr>,
}

impl Pins {
    /// Parse one `HOST:PORT:ADDR` (ADDR may be bracketed IPv6) and add it.
    pub fn add(&mut self, spec: &str) -> Result<(), String> {
        let bad = || {
            format!(
                "--resolve `{spec}`: expected HOST:PORT:ADDR, e.g. login.live.com:443:127.0.0.1"
            )
        };
        let (host, rest) = spec.split_once(':').ok_or_else(bad)?;
        let (port, addr) = rest.split_once(':').ok_or_else(bad)?;
        let port: u16 = port
            .parse()
            .map_err(|_| format!("--resolve `{spec}`: `{port}` is not a port"))?;
        // Brackets come in pairs or not at all: `[::1` is a typo, not an address.
        let addr_text = match (addr.strip_prefix('['), addr.strip_suffix(']')) {
            (Some(inner), Some(_)) => &inner[..inner.len() - 1],
            (None, None) => addr,
            _ => {
                return Err(format!(
                    "--resolve `{spec}`: `{addr}` has an unpaired bracket"
                ))
            }
        };
        let addr: IpAddr = addr_text
            .parse()
            .map_err(|_| format!("--resolve `{spec}`: `{addr}` is not an IP address"))?;
        let host = match target::parse_host(host) {
            Ok(Host::Domain(d)) => d,
            Ok(Host::Ip(ip)) => ip.to_string(),
            Err(e) => return Err(format!("--resolve `{spec}`: `{host}`: {e}")),
        };
        self.map.insert((host, port), addr);
        Ok(())
    }

    pub fn get(&self, host: &str, port: u16) -> Option<IpAddr> {
        self.map.get(&(host.to_ascii_lowercase(), port)).copied()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// Where a request will go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolved {
    pub addr: SocketAddr,
    /// From `--resolve`.
    pub pinned: bool,
}

/// Why an address could not be decided, with the engine rule id for the record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveError {
    /// [`super::RULE_INTERNAL`] or [`super::RULE_RESOLVE`].
    pub rule: &'static str,
    pub reason: String,
}

/// Decide the address for `host:port`. `host` is a domain or an IP literal (IPv6 without
/// brackets).
pub async fn resolve(pins: &Pins, host: &str, port: u16) -> Result<Resolved, ResolveError> {
    resolve_with(pins, host, port, |host, port| async move {
        tokio::net::lookup_host((host.as_str(), port))
            .await
            .map(|a| a.collect())
    })
    .await
}

/// [`resolve`] with the system lookup given by the caller (tests stub it, so refusals of
/// internal answers are checked without a socket ever being opened).
pub async fn resolve_with<F, Fut>(
    pins: &Pins,
    host: &str,
    port: u16,
    lookup: F,
) -> Result<Resolved, ResolveError>
where
    F: FnOnce(String, u16) -> Fut,
    Fut: std::future::Future<Output = std::io::Result<Vec<SocketAddr>>>,
{
    if let Some(ip) = pins.get(host, port) {
        return Ok(Resolved {
            addr: SocketAddr::new(ip, port),
            pinned: true,
        });
    }
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = literal.parse::<IpAddr>() {
        if let Some(why) = not_global_reason(ip) {
            return Err(ResolveError {
                rule: super::RULE_INTERNAL,
                reason: format!("{why}; pin it with --resolve {host}:{port}:{ip} if you mean it"),
            });
        }
        return Ok(Resolved {
            addr: SocketAddr::new(ip, port),
            pinned: false,
        });
    }
    let addrs = lookup(host.to_string(), port)
        .await
        .map_err(|e| ResolveError {
            rule: super::RULE_RESOLVE,
            reason: format!("cannot resolve {host}: {e}"),
        })?;
    check_system_addrs(host, &addrs)?;
    Ok(Resolved {
        addr: addrs[0],
        pinned: false,
    })
}

/// Refuse a system-resolved answer that is empty or contains any address that is not globally
/// reachable (a name that resolves partly into internal space is treated as internal).
pub fn check_system_addrs(host: &str, addrs: &[SocketAddr]) -> Result<(), ResolveError> {
    if addrs.is_empty() {
        return Err(ResolveError {
            rule: super::RULE_RESOLVE,
            reason: format!("{host} resolved to no address"),
        });
    }
    if let Some(why) = addrs.iter().find_map(|a| not_global_reason(a.ip())) {
        return Err(ResolveError {
            rule: super::RULE_INTERNAL,
            reason: format!(
                "{host} resolves to an address that is not globally reachable: {why}; refusing (use --resolve to pin an address explicitly)"
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pins() {
        let mut p = Pins::default();
        p.add("Login.Live.com:443:127.0.0.1").unwrap();
        p.add("a.example.com:8443:[::1]").unwrap();
        assert_eq!(
            p.get("login.live.com", 443),
            Some("127.0.0.1".parse().unwrap())
        );
        assert_eq!(p.get("login.live.com", 80), None);
        assert_eq!(p.get("a.example.com", 8443), Some("::1".parse().unwrap()));
        for bad in [
            "x",
            "x:1",
            "x:port:1.2.3.4",
            "x:1:notanip",
            "x:70000:1.2.3.4",
            "x:1:[::1",
            "x:1:::1]",
        ] {
            assert!(p.add(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn refuses_internal_system_answers() {
        let public: SocketAddr = "93.184.216.34:443".parse().unwrap();
        let private: SocketAddr = "10.0.0.1:443".parse().unwrap();
        assert!(check_system_addrs("h", &[public]).is_ok());
        assert!(check_system_addrs("h", &[public, private]).is_err());
        assert!(check_system_addrs("h", &[]).is_err());
    }

    /// The reproductions of issue 14: a system resolver (stubbed: no socket is opened) answering
    /// with these is refused as internal; a failed lookup is labelled as a lookup failure.
    #[tokio::test]
    async fn system_answers_outside_global_space_are_refused_without_connecting() {
        let pins = Pins::default();
        for answer in [
            "198.18.0.1",
            "240.0.0.1",
            "192.0.0.1",
            "224.0.0.1",
            "64:ff9b::7f00:1",
            "2002:7f00:1::1",
            "::127.0.0.1",
            "fec0::1",
        ] {
            let ip: IpAddr = answer.parse().unwrap();
            let e = resolve_with(&pins, "in.test", 443, |_, port| async move {
                Ok(vec![SocketAddr::new(ip, port)])
            })
            .await
            .unwrap_err();
            assert_eq!(e.rule, crate::probe::RULE_INTERNAL, "{answer}");
            assert!(
                e.reason.contains("not globally reachable"),
                "{answer}: {}",
                e.reason
            );
        }
        let public: IpAddr = "2606:4700::1".parse().unwrap();
        let ok = resolve_with(&pins, "in.test", 443, |_, port| async move {
            Ok(vec![SocketAddr::new(public, port)])
        })
        .await
        .unwrap();
        assert_eq!(ok.addr, SocketAddr::new(public, 443));
        let e = resolve_with(&pins, "in.test", 443, |_, _| async {
            Err(std::io::Error::other("no such host"))
        })
        .await
        .unwrap_err();
        assert_eq!(e.rule, crate::probe::RULE_RESOLVE);
        assert!(e.reason.contains("cannot resolve in.test"), "{}", e.reason);
    }

    #[tokio::test]
    async fn internal_literal_needs_a_pin() {
        let mut pins = Pins::default();
        assert!(resolve(&pins, "127.0.0.1", 80).await.is_err());
        pins.add("127.0.0.1:80:127.0.0.1").unwrap();
        let r = resolve(&pins, "127.0.0.1", 80).await.unwrap();
        assert!(r.pinned);
    }
}
