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

use crate::target::{self, is_internal_ip, Host};

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
        let addr_text = addr.trim_start_matches('[').trim_end_matches(']');
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

/// Decide the address for `host:port`. `host` is a domain or an IP literal (IPv6 without
/// brackets).
pub async fn resolve(pins: &Pins, host: &str, port: u16) -> Result<Resolved, String> {
    if let Some(ip) = pins.get(host, port) {
        return Ok(Resolved {
            addr: SocketAddr::new(ip, port),
            pinned: true,
        });
    }
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = literal.parse::<IpAddr>() {
        if is_internal_ip(ip) {
            return Err(format!(
                "{ip} is an internal address; pin it with --resolve {host}:{port}:{ip} if you mean it"
            ));
        }
        return Ok(Resolved {
            addr: SocketAddr::new(ip, port),
            pinned: false,
        });
    }
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .collect();
    check_system_addrs(host, &addrs)?;
    Ok(Resolved {
        addr: addrs[0],
        pinned: false,
    })
}

/// Refuse a system-resolved answer that is empty or contains any internal address (a name that
/// resolves partly into internal space is treated as internal).
pub fn check_system_addrs(host: &str, addrs: &[SocketAddr]) -> Result<(), String> {
    if addrs.is_empty() {
        return Err(format!("{host} resolved to no address"));
    }
    if let Some(a) = addrs.iter().find(|a| is_internal_ip(a.ip())) {
        return Err(format!(
            "{host} resolves to the internal address {}; refusing (use --resolve to pin an address explicitly)",
            a.ip()
        ));
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

    #[tokio::test]
    async fn internal_literal_needs_a_pin() {
        let mut pins = Pins::default();
        assert!(resolve(&pins, "127.0.0.1", 80).await.is_err());
        pins.add("127.0.0.1:80:127.0.0.1").unwrap();
        let r = resolve(&pins, "127.0.0.1", 80).await.unwrap();
        assert!(r.pinned);
    }
}
