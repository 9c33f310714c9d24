//! TLS interception for `proxy --intercept` and `run --intercept`: a certificate authority made
//! on this machine the first time it is needed, and a leaf certificate per host signed by it on
//! the fly, so the proxy can end a client's TLS inside a CONNECT tunnel and check every request
//! in it like a plain one (see [`super::proxy`]).
//!
//! The CA lives in a directory of its own (`--ca-dir`): `scopelint-ca.pem` (the certificate,
//! which clients are told to trust) and `scopelint-ca.key` (the private key, created with mode
//! 0600 in a 0700 directory). No key is ever shipped or fixed: each machine makes its own.
//! Leaf keys live only in memory.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// File name of the CA certificate (PEM) in the CA directory.
pub const CA_CERT_FILE: &str = "scopelint-ca.pem";
/// File name of the CA private key (PEM, mode 0600) in the CA directory.
pub const CA_KEY_FILE: &str = "scopelint-ca.key";
/// The CA's subject common name (also how a user recognizes it in a trust store).
pub const CA_NAME: &str = "scopelint local interception CA";
/// How long a leaf certificate is valid from now (it lives only as long as the proxy).
const LEAF_DAYS: u64 = 30;
/// How long the CA certificate is valid from its creation.
const CA_DAYS: u64 = 3650;
/// Most leaf configurations kept; past that the cache starts over (a few KB each).
const MAX_CACHED_LEAVES: usize = 4096;

/// The default CA directory: `$XDG_DATA_HOME/scopelint/ca`, else
/// `$HOME/.local/share/scopelint/ca`.
pub fn default_ca_dir() -> Option<PathBuf> {
    let data = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".local/share"))
        })?;
    Some(data.join("scopelint").join("ca"))
}

/// The interception CA and the leaf configurations made with it.
pub struct CertAuthority {
    cert_path: PathBuf,
    cert_der: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
    leaves: Mutex<HashMap<String, Arc<rustls::ServerConfig>>>,
}

impl std::fmt::Debug for CertAuthority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertAuthority")
            .field("cert_path", &self.cert_path)
            .finish_non_exhaustive()
    }
}

fn ca_params(not_before: SystemTime) -> CertificateParams {
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, CA_NAME);
    dn.push(DnType::OrganizationName, "scopelint");
    p.distinguished_name = dn;
    p.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    set_validity(&mut p, not_before, CA_DAYS);
    p
}

/// From a day before `from` (clocks differ) to `days` after it.
fn set_validity(p: &mut CertificateParams, from: SystemTime, days: u64) {
    let day = Duration::from_secs(86_400);
    p.not_before = time::OffsetDateTime::from(from - day);
    p.not_after = time::OffsetDateTime::from(from + day * days as u32);
}

impl CertAuthority {
    /// Load the CA from `dir`, or create it there (directory 0700, key 0600) when `dir` has
    /// neither file. One file without the other is an error, never silently replaced.
    pub fn load_or_create(dir: &Path) -> Result<CertAuthority, String> {
        let cert_path = dir.join(CA_CERT_FILE);
        let key_path = dir.join(CA_KEY_FILE);
        let at = |p: &Path, e: &dyn std::fmt::Display| format!("{}: {e}", p.display());
        let (cert_pem, key) = match (cert_path.exists(), key_path.exists()) {
            (true, true) => {
                check_key_permissions(&key_path)?;
                let key_pem = std::fs::read_to_string(&key_path).map_err(|e| at(&key_path, &e))?;
                let key = KeyPair::from_pem(&key_pem)
                    .map_err(|e| at(&key_path, &format!("not a private key: {e}")))?;
                let cert_pem =
                    std::fs::read_to_string(&cert_path).map_err(|e| at(&cert_path, &e))?;
                (cert_pem, key)
            }
            (false, false) => {
                create_private_dir(dir)?;
                let key = KeyPair::generate().map_err(|e| format!("cannot make a key: {e}"))?;
                let cert = ca_params(SystemTime::now())
                    .self_signed(&key)
                    .map_err(|e| format!("cannot make the CA certificate: {e}"))?;
                write_new(&key_path, key.serialize_pem().as_bytes(), 0o600)?;
                write_new(&cert_path, cert.pem().as_bytes(), 0o644)?;
                (cert.pem(), key)
            }
            (true, false) => {
                return Err(format!(
                    "{} exists without its key {}; remove it to make a new CA",
                    cert_path.display(),
                    key_path.display()
                ))
            }
            (false, true) => {
                return Err(format!(
                    "{} exists without its certificate {}; remove it to make a new CA",
                    key_path.display(),
                    cert_path.display()
                ))
            }
        };
        let cert_der = first_certificate(&cert_pem).map_err(|e| at(&cert_path, &e))?;
        // The certificate must be this key's: leaves signed by the key must chain to it.
        let spki_ok = {
            let spki = rcgen::PublicKeyData::subject_public_key_info(&key);
            cert_der
                .as_ref()
                .windows(spki.len())
                .any(|w| w == spki.as_slice())
        };
        if !spki_ok {
            return Err(format!(
                "{} is not the certificate of {}; remove both to make a new CA",
                cert_path.display(),
                key_path.display()
            ));
        }
        // Leaves name the CA by its subject and key identifier, which the parameters rebuild.
        let issuer = Issuer::new(ca_params(SystemTime::now()), key);
        Ok(CertAuthority {
            cert_path,
            cert_der,
            issuer,
            leaves: Mutex::new(HashMap::new()),
        })
    }

    /// The CA certificate file (PEM), for clients to trust.
    pub fn cert_path(&self) -> &Path {
        &self.cert_path
    }

    /// The CA certificate (DER).
    pub fn cert_der(&self) -> &CertificateDer<'static> {
        &self.cert_der
    }

    /// A TLS server configuration presenting a certificate for `host` (a DNS name or an IP
    /// address) signed by this CA, offering HTTP/1.1 only. Made once per host.
    pub fn server_config(&self, host: &str) -> Result<Arc<rustls::ServerConfig>, String> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        if let Some(c) = self
            .leaves
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&host)
        {
            return Ok(c.clone());
        }
        let mut p = CertificateParams::default();
        let san = match host.parse::<std::net::IpAddr>() {
            Ok(ip) => SanType::IpAddress(ip),
            Err(_) => SanType::DnsName(
                host.clone()
                    .try_into()
                    .map_err(|e| format!("`{host}` cannot be a certificate name: {e}"))?,
            ),
        };
        p.subject_alt_names = vec![san];
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, host.as_str());
        p.distinguished_name = dn;
        p.is_ca = IsCa::ExplicitNoCa;
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        p.use_authority_key_identifier_extension = true;
        set_validity(&mut p, SystemTime::now(), LEAF_DAYS);
        let key = KeyPair::generate().map_err(|e| format!("cannot make a key: {e}"))?;
        let cert = p
            .signed_by(&key, &self.issuer)
            .map_err(|e| format!("cannot sign a certificate for `{host}`: {e}"))?;
        let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(vec![cert.der().clone(), self.cert_der.clone()], key_der)
        .map_err(|e| format!("cannot use the certificate for `{host}`: {e}"))?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let config = Arc::new(config);
        let mut leaves = self.leaves.lock().unwrap_or_else(|e| e.into_inner());
        if leaves.len() >= MAX_CACHED_LEAVES {
            leaves.clear();
        }
        leaves.insert(host, config.clone());
        Ok(config)
    }
}

/// The first certificate of a PEM text.
fn first_certificate(pem: &str) -> Result<CertificateDer<'static>, String> {
    use rustls::pki_types::pem::PemObject;
    CertificateDer::pem_slice_iter(pem.as_bytes())
        .next()
        .ok_or_else(|| "no certificate in the file".to_string())?
        .map_err(|e| format!("not a PEM certificate: {e}"))
}

/// Every certificate of a PEM file, for `--upstream-ca`.
pub fn read_pem_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    use rustls::pki_types::pem::PemObject;
    let text = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let certs: Vec<_> = CertificateDer::pem_slice_iter(&text)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: not a PEM certificate file: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("{}: no certificate in the file", path.display()));
    }
    Ok(certs)
}

#[cfg(unix)]
fn check_key_permissions(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(format!(
            "{}: the CA key is readable by others (mode {:o}); run `chmod 600` on it",
            path.display(),
            mode & 0o777
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_key_permissions(_path: &Path) -> Result<(), String> {
    Ok(())
}

fn create_private_dir(dir: &Path) -> Result<(), String> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
        .map_err(|e| format!("cannot create the CA directory {}: {e}", dir.display()))
}

/// Write a new file with `mode` from the start (never a moment with wider permissions).
fn write_new(path: &Path, data: &[u8], mode: u32) -> Result<(), String> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let mut f = o
        .open(path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    f.write_all(data)
        .and_then(|_| f.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn the_ca_is_made_once_with_a_private_key_and_reloaded() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let ca_dir = dir.path().join("ca");
        let a = CertAuthority::load_or_create(&ca_dir).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&ca_dir.join(CA_KEY_FILE)), 0o600);
        assert_eq!(mode(&ca_dir), 0o700);
        let b = CertAuthority::load_or_create(&ca_dir).unwrap();
        assert_eq!(a.cert_der(), b.cert_der(), "reloaded, not remade");
        // Another directory, another key.
        let c = CertAuthority::load_or_create(&dir.path().join("other")).unwrap();
        assert_ne!(a.cert_der(), c.cert_der());
        // A key others can read is refused.
        std::fs::set_permissions(
            ca_dir.join(CA_KEY_FILE),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        let e = CertAuthority::load_or_create(&ca_dir).unwrap_err();
        assert!(e.contains("readable by others"), "{e}");
        // A certificate without its key is not replaced.
        std::fs::remove_file(ca_dir.join(CA_KEY_FILE)).unwrap();
        let e = CertAuthority::load_or_create(&ca_dir).unwrap_err();
        assert!(e.contains("without its key"), "{e}");
    }

    #[test]
    fn a_certificate_of_another_key_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (one, two) = (dir.path().join("one"), dir.path().join("two"));
        CertAuthority::load_or_create(&one).unwrap();
        CertAuthority::load_or_create(&two).unwrap();
        std::fs::copy(two.join(CA_CERT_FILE), one.join(CA_CERT_FILE)).unwrap();
        let e = CertAuthority::load_or_create(&one).unwrap_err();
        assert!(e.contains("is not the certificate of"), "{e}");
    }

    #[test]
    fn leaves_are_made_per_host_and_cached() {
        let dir = tempfile::tempdir().unwrap();
        let ca = CertAuthority::load_or_create(dir.path()).unwrap();
        let a = ca.server_config("www.example.net").unwrap();
        let b = ca.server_config("WWW.example.net.").unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert!(ca.server_config("127.0.0.1").is_ok());
    }
}
