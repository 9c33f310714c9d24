//! The first bytes of a CONNECT tunnel: a TLS ClientHello whose server name must be the
//! CONNECT host, so one in-scope tunnel cannot carry plaintext requests for another `Host` or
//! front another TLS server name.
//!
//! A small, strict parser (RFC 8446 §4.1.2 and §5.1, RFC 6066 §3): anything it does not
//! understand is refused, never guessed. It reads the handshake across as many records as the
//! client split it into, up to [`MAX_CLIENT_HELLO`] bytes. Encrypted Client Hello (RFC 9849 and
//! its drafts) and the older encrypted SNI are refused: the real server name would be hidden.

/// Most bytes read while waiting for a complete ClientHello (records and their headers).
pub const MAX_CLIENT_HELLO: usize = 64 * 1024;

/// Largest TLS record payload (2^14, RFC 8446 §5.1).
const MAX_RECORD: usize = 16 * 1024;

const CONTENT_HANDSHAKE: u8 = 0x16;
const HANDSHAKE_CLIENT_HELLO: u8 = 1;
const EXT_SERVER_NAME: u16 = 0;
/// encrypted_client_hello (RFC 9849; drafts -08 to -13 used 0xfe08..=0xfe0d) and the
/// encrypted_server_name of the ESNI drafts.
fn hides_server_name(ext: u16) -> bool {
    (0xfe08..=0xfe0d).contains(&ext) || ext == 0xffce
}

/// What a complete ClientHello says about where it is going.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHello {
    /// The `host_name` of the server_name extension, lowercased; `None` without one.
    pub server_name: Option<String>,
}

/// Result of looking at the bytes received so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// More bytes are needed (the ClientHello is split across packets or records).
    Incomplete,
    Complete(ClientHello),
}

/// Parse the start of a tunnel. `Err` says why the bytes are refused.
pub fn parse(buf: &[u8]) -> Result<Parsed, String> {
    let mut handshake = Vec::new();
    let mut at = 0usize;
    loop {
        let Some(header) = buf.get(at..at + 5) else {
            return check_prefix(&buf[at..]).map(|()| Parsed::Incomplete);
        };
        if header[0] != CONTENT_HANDSHAKE {
            return Err(not_tls(buf));
        }
        if header[1] != 3 || header[2] > 4 {
            return Err(format!(
                "TLS record version {}.{} is not one a ClientHello uses",
                header[1], header[2]
            ));
        }
        let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
        if len == 0 || len > MAX_RECORD {
            return Err(format!("TLS record of {len} bytes is malformed"));
        }
        let end = (at + 5 + len).min(buf.len());
        handshake.extend_from_slice(&buf[at + 5..end]);
        // The handshake header is checked as soon as it arrives, not when its record is whole.
        let body_len = check_handshake_header(&handshake)?;
        if end < at + 5 + len {
            return Ok(Parsed::Incomplete);
        }
        at = end;
        if let Some(body) = body_len.and_then(|n| handshake.get(4..4 + n)) {
            return parse_body(body).map(Parsed::Complete);
        }
    }
}

/// Check the handshake message header seen so far; its body length once all 4 bytes are in.
fn check_handshake_header(handshake: &[u8]) -> Result<Option<usize>, String> {
    match handshake.first() {
        Some(&t) if t != HANDSHAKE_CLIENT_HELLO => {
            return Err(format!(
                "the first TLS handshake message is type {t}, not a ClientHello"
            ))
        }
        _ => {}
    }
    let Some(h) = handshake.get(1..4) else {
        return Ok(None);
    };
    let body_len = usize::from(h[0]) << 16 | usize::from(h[1]) << 8 | usize::from(h[2]);
    if body_len + 4 > MAX_CLIENT_HELLO {
        return Err(format!(
            "ClientHello of {body_len} bytes is over the {MAX_CLIENT_HELLO}-byte limit"
        ));
    }
    Ok(Some(body_len))
}

/// A partial record header must still look like a handshake record.
fn check_prefix(rest: &[u8]) -> Result<(), String> {
    match rest {
        [] => Ok(()),
        [t, ..] if *t != CONTENT_HANDSHAKE => Err(not_tls(rest)),
        [_, major, ..] if *major != 3 => Err(format!("TLS record version {major}.x is unknown")),
        _ => Ok(()),
    }
}

fn not_tls(buf: &[u8]) -> String {
    if buf.first().is_some_and(|b| b.is_ascii_alphabetic()) {
        "the tunnel carries plaintext, not TLS; only TLS to the CONNECT host is passed".into()
    } else {
        "the tunnel does not start with a TLS ClientHello".into()
    }
}

/// A cursor that refuses to read past the end.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], String> {
        if self.rest.len() < n {
            return Err(format!("ClientHello is truncated in {what}"));
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }
    fn u8(&mut self, what: &str) -> Result<usize, String> {
        Ok(usize::from(self.take(1, what)?[0]))
    }
    fn u16(&mut self, what: &str) -> Result<usize, String> {
        let b = self.take(2, what)?;
        Ok(usize::from(u16::from_be_bytes([b[0], b[1]])))
    }
    fn vec8(&mut self, what: &str) -> Result<&'a [u8], String> {
        let n = self.u8(what)?;
        self.take(n, what)
    }
    fn vec16(&mut self, what: &str) -> Result<&'a [u8], String> {
        let n = self.u16(what)?;
        self.take(n, what)
    }
}

fn parse_body(body: &[u8]) -> Result<ClientHello, String> {
    let mut r = Reader { rest: body };
    r.take(2 + 32, "version and random")?;
    if r.vec8("session id")?.len() > 32 {
        return Err("ClientHello session id is longer than 32 bytes".into());
    }
    let suites = r.vec16("cipher suites")?;
    if suites.is_empty() || suites.len() % 2 != 0 {
        return Err("ClientHello cipher suites are malformed".into());
    }
    if r.vec8("compression methods")?.is_empty() {
        return Err("ClientHello has no compression method".into());
    }
    if r.rest.is_empty() {
        return Ok(ClientHello { server_name: None });
    }
    let mut exts = Reader {
        rest: r.vec16("extensions")?,
    };
    if !r.rest.is_empty() {
        return Err("ClientHello has bytes after its extensions".into());
    }
    let mut seen = std::collections::HashSet::new();
    let mut server_name = None;
    while !exts.rest.is_empty() {
        let ext = exts.u16("an extension type")? as u16;
        let data = exts.vec16("an extension")?;
        if !seen.insert(ext) {
            return Err(format!("ClientHello repeats extension {ext:#06x}"));
        }
        if hides_server_name(ext) {
            return Err(
                "the ClientHello uses Encrypted Client Hello, which hides the server name".into(),
            );
        }
        if ext == EXT_SERVER_NAME {
            server_name = Some(parse_server_name(data)?);
        }
    }
    Ok(ClientHello { server_name })
}

/// The server_name extension: exactly one `host_name` entry (RFC 6066 §3).
fn parse_server_name(data: &[u8]) -> Result<String, String> {
    let mut r = Reader { rest: data };
    let mut list = Reader {
        rest: r.vec16("server name list")?,
    };
    if !r.rest.is_empty() {
        return Err("server_name extension has trailing bytes".into());
    }
    let kind = list.u8("server name type")?;
    let name = list.vec16("server name")?;
    if kind != 0 || !list.rest.is_empty() {
        return Err("server_name must hold exactly one host name".into());
    }
    let valid = !name.is_empty()
        && name.len() <= 253
        && name
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
    if !valid {
        return Err(format!(
            "server name `{}` is not a host name",
            String::from_utf8_lossy(name).escape_debug()
        ));
    }
    Ok(String::from_utf8_lossy(name).to_ascii_lowercase())
}

/// A ClientHello as a client would send it, for tests: the given server name (if any) and
/// extra extensions (type, data).
#[cfg(test)]
pub fn build(server_name: Option<&str>, extra: &[(u16, Vec<u8>)]) -> Vec<u8> {
    let mut exts = Vec::new();
    if let Some(name) = server_name {
        let n = name.as_bytes();
        let mut sni = Vec::new();
        sni.extend_from_slice(&((n.len() + 3) as u16).to_be_bytes());
        sni.push(0);
        sni.extend_from_slice(&(n.len() as u16).to_be_bytes());
        sni.extend_from_slice(n);
        exts.extend_from_slice(&0u16.to_be_bytes());
        exts.extend_from_slice(&(sni.len() as u16).to_be_bytes());
        exts.extend_from_slice(&sni);
    }
    for (t, d) in extra {
        exts.extend_from_slice(&t.to_be_bytes());
        exts.extend_from_slice(&(d.len() as u16).to_be_bytes());
        exts.extend_from_slice(d);
    }
    let mut body = vec![3, 3];
    body.extend_from_slice(&[7; 32]);
    body.push(0);
    body.extend_from_slice(&[0, 2, 0x13, 0x01, 1, 0]);
    body.extend_from_slice(&(exts.len() as u16).to_be_bytes());
    body.extend_from_slice(&exts);
    let mut hs = vec![HANDSHAKE_CLIENT_HELLO];
    hs.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    hs.extend_from_slice(&body);
    let mut rec = vec![CONTENT_HANDSHAKE, 3, 1];
    rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    rec.extend_from_slice(&hs);
    rec
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name_of(buf: &[u8]) -> Option<String> {
        match parse(buf).unwrap() {
            Parsed::Complete(h) => h.server_name,
            Parsed::Incomplete => panic!("incomplete"),
        }
    }

    #[test]
    fn reads_the_server_name() {
        assert_eq!(
            name_of(&build(Some("In.Test"), &[(10, vec![0, 2, 0, 29])])),
            Some("in.test".into())
        );
        assert_eq!(name_of(&build(None, &[])), None);
    }

    #[test]
    fn every_prefix_is_incomplete_not_an_error() {
        let hello = build(Some("in.test"), &[]);
        for n in 0..hello.len() {
            assert_eq!(parse(&hello[..n]), Ok(Parsed::Incomplete), "prefix {n}");
        }
    }

    #[test]
    fn a_hello_split_across_records_is_joined() {
        let hello = build(Some("in.test"), &[]);
        let hs = &hello[5..];
        let mut split = Vec::new();
        for part in [&hs[..10], &hs[10..]] {
            split.extend_from_slice(&[0x16, 3, 1]);
            split.extend_from_slice(&(part.len() as u16).to_be_bytes());
            split.extend_from_slice(part);
        }
        assert_eq!(name_of(&split), Some("in.test".into()));
        assert_eq!(parse(&split[..20]), Ok(Parsed::Incomplete));
    }

    #[test]
    fn refuses_plaintext_ech_and_malformed_hellos() {
        let plain = parse(b"GET / HTTP/1.1\r\nHost: evil.in.test\r\n\r\n").unwrap_err();
        assert!(plain.contains("plaintext"), "{plain}");
        for ech in [0xfe0d, 0xfe0a, 0xffce] {
            let e = parse(&build(Some("in.test"), &[(ech, vec![0; 8])])).unwrap_err();
            assert!(e.contains("Encrypted Client Hello"), "{e}");
        }
        let twice = parse(&build(Some("in.test"), &[(0, vec![0, 0])])).unwrap_err();
        assert!(twice.contains("repeats"), "{twice}");
        let bad_name = parse(&build(Some("in.test\0evil"), &[])).unwrap_err();
        assert!(bad_name.contains("not a host name"), "{bad_name}");
        // A record announcing a handshake over the cap is refused without waiting for it.
        let huge = [0x16, 3, 1, 0x40, 0, 1, 0x01, 0, 0];
        assert!(parse(&huge).unwrap_err().contains("limit"));
        let mut not_hello = build(Some("in.test"), &[]);
        not_hello[5] = 2;
        assert!(parse(&not_hello).is_err());
    }
}
