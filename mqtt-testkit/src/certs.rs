//! Generated certificates for TLS tests: a CA, a server certificate for
//! `127.0.0.1` and `localhost`, and a client certificate for mutual TLS.
//!
//! Every [`TestPki::generate`] makes a fresh CA with fresh ECDSA P-256 keys, so a
//! second `TestPki` is an untrusted CA for negative tests. Certificates are valid
//! from 1975 to 4096 (rcgen's defaults), so tests never fail on dates.
//!
//! ```
//! use mqtt_testkit::certs::TestPki;
//!
//! let pki = TestPki::generate();
//! let dir = tempfile::tempdir().unwrap();
//! let files = pki.write_to(dir.path()).unwrap();
//! assert!(std::fs::read_to_string(&files.ca_cert).unwrap().starts_with("-----BEGIN CERTIFICATE-----"));
//! assert!(!pki.ca_cert_der().is_empty());
//! ```

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};

/// The names the server certificate is valid for.
pub const SERVER_NAMES: [&str; 2] = ["127.0.0.1", "localhost"];

/// The common name of the client certificate (mosquitto's `use_identity_as_username`
/// would make it the user name).
pub const CLIENT_COMMON_NAME: &str = "mqtt-testkit-client";

/// A generated CA with a server and a client certificate it signed, in PEM and DER.
///
/// Private keys are PKCS#8 (`-----BEGIN PRIVATE KEY-----`), which OpenSSL
/// (mosquitto) and rustls both read.
#[derive(Clone)]
pub struct TestPki {
    ca_cert_pem: String,
    ca_cert_der: Vec<u8>,
    server_cert_pem: String,
    server_cert_der: Vec<u8>,
    server_key_pem: String,
    server_key_der: Vec<u8>,
    client_cert_pem: String,
    client_cert_der: Vec<u8>,
    client_key_pem: String,
    client_key_der: Vec<u8>,
}

/// Where [`TestPki::write_to`] put the PEM files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PkiFiles {
    /// The CA certificate (`ca.crt`): what clients trust, and what a mutual-TLS
    /// server checks client certificates against.
    pub ca_cert: PathBuf,
    /// The server certificate (`server.crt`) for [`SERVER_NAMES`].
    pub server_cert: PathBuf,
    /// The server's private key (`server.key`).
    pub server_key: PathBuf,
    /// The client certificate (`client.crt`), common name [`CLIENT_COMMON_NAME`].
    pub client_cert: PathBuf,
    /// The client's private key (`client.key`).
    pub client_key: PathBuf,
}

impl TestPki {
    /// Generates a new CA and the server and client certificates it signs.
    ///
    /// # Panics
    ///
    /// If key generation or signing fails, which only a broken crypto backend does.
    #[must_use]
    pub fn generate() -> Self {
        let ca_key = KeyPair::generate().expect("generate the CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("no names to validate");
        ca_params.distinguished_name.push(DnType::CommonName, "mqtt-testkit CA");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = ca_params.self_signed(&ca_key).expect("self-sign the CA");
        let issuer = Issuer::new(ca_params, ca_key);

        let server_key = KeyPair::generate().expect("generate the server key");
        let names: Vec<String> = SERVER_NAMES.iter().map(|s| (*s).to_owned()).collect();
        let mut server_params = CertificateParams::new(names).expect("valid server names");
        server_params.distinguished_name.push(DnType::CommonName, "localhost");
        server_params.use_authority_key_identifier_extension = true;
        server_params.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment];
        server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let server_cert = server_params.signed_by(&server_key, &issuer).expect("sign the server certificate");

        let client_key = KeyPair::generate().expect("generate the client key");
        let mut client_params = CertificateParams::new(Vec::<String>::new()).expect("no names to validate");
        client_params.distinguished_name.push(DnType::CommonName, CLIENT_COMMON_NAME);
        client_params.use_authority_key_identifier_extension = true;
        client_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        client_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let client_cert = client_params.signed_by(&client_key, &issuer).expect("sign the client certificate");

        Self {
            ca_cert_pem: ca_cert.pem(),
            ca_cert_der: ca_cert.der().to_vec(),
            server_cert_pem: server_cert.pem(),
            server_cert_der: server_cert.der().to_vec(),
            server_key_pem: server_key.serialize_pem(),
            server_key_der: server_key.serialize_der(),
            client_cert_pem: client_cert.pem(),
            client_cert_der: client_cert.der().to_vec(),
            client_key_pem: client_key.serialize_pem(),
            client_key_der: client_key.serialize_der(),
        }
    }

    /// Writes the five PEM files into `dir` (which must exist) and returns their
    /// paths. Existing files of the same names are replaced.
    ///
    /// # Errors
    ///
    /// When a file cannot be written.
    pub fn write_to(&self, dir: &Path) -> io::Result<PkiFiles> {
        let files = PkiFiles {
            ca_cert: dir.join("ca.crt"),
            server_cert: dir.join("server.crt"),
            server_key: dir.join("server.key"),
            client_cert: dir.join("client.crt"),
            client_key: dir.join("client.key"),
        };
        fs::write(&files.ca_cert, &self.ca_cert_pem)?;
        fs::write(&files.server_cert, &self.server_cert_pem)?;
        fs::write(&files.server_key, &self.server_key_pem)?;
        fs::write(&files.client_cert, &self.client_cert_pem)?;
        fs::write(&files.client_key, &self.client_key_pem)?;
        Ok(files)
    }

    /// The CA certificate in PEM.
    #[must_use]
    pub fn ca_cert_pem(&self) -> &str {
        &self.ca_cert_pem
    }

    /// The CA certificate in DER, e.g. for `rustls::RootCertStore::add`.
    #[must_use]
    pub fn ca_cert_der(&self) -> &[u8] {
        &self.ca_cert_der
    }

    /// The server certificate in PEM.
    #[must_use]
    pub fn server_cert_pem(&self) -> &str {
        &self.server_cert_pem
    }

    /// The server certificate in DER.
    #[must_use]
    pub fn server_cert_der(&self) -> &[u8] {
        &self.server_cert_der
    }

    /// The server's private key in PEM (PKCS#8).
    #[must_use]
    pub fn server_key_pem(&self) -> &str {
        &self.server_key_pem
    }

    /// The server's private key in DER (PKCS#8).
    #[must_use]
    pub fn server_key_der(&self) -> &[u8] {
        &self.server_key_der
    }

    /// The client certificate in PEM.
    #[must_use]
    pub fn client_cert_pem(&self) -> &str {
        &self.client_cert_pem
    }

    /// The client certificate in DER.
    #[must_use]
    pub fn client_cert_der(&self) -> &[u8] {
        &self.client_cert_der
    }

    /// The client's private key in PEM (PKCS#8).
    #[must_use]
    pub fn client_key_pem(&self) -> &str {
        &self.client_key_pem
    }

    /// The client's private key in DER (PKCS#8), e.g. for
    /// `rustls::pki_types::PrivatePkcs8KeyDer::from`.
    #[must_use]
    pub fn client_key_der(&self) -> &[u8] {
        &self.client_key_der
    }
}

impl core::fmt::Debug for TestPki {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Certificates are long and keys are secrets (even test ones): show sizes.
        f.debug_struct("TestPki")
            .field("ca_cert_der", &format_args!("{} bytes", self.ca_cert_der.len()))
            .field("server_cert_der", &format_args!("{} bytes", self.server_cert_der.len()))
            .field("client_cert_der", &format_args!("{} bytes", self.client_cert_der.len()))
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_files_have_the_expected_labels() {
        let pki = TestPki::generate();
        let dir = tempfile::tempdir().unwrap();
        let files = pki.write_to(dir.path()).unwrap();
        for (path, label) in [
            (&files.ca_cert, "CERTIFICATE"),
            (&files.server_cert, "CERTIFICATE"),
            (&files.server_key, "PRIVATE KEY"),
            (&files.client_cert, "CERTIFICATE"),
            (&files.client_key, "PRIVATE KEY"),
        ] {
            let text = fs::read_to_string(path).unwrap();
            assert!(text.starts_with(&format!("-----BEGIN {label}-----")), "{}: {text}", path.display());
            assert!(text.trim_end().ends_with(&format!("-----END {label}-----")), "{}", path.display());
        }
    }

    #[test]
    fn every_generation_is_a_new_ca() {
        let a = TestPki::generate();
        let b = TestPki::generate();
        assert_ne!(a.ca_cert_der(), b.ca_cert_der());
        assert_ne!(a.client_key_der(), b.client_key_der());
    }

    #[test]
    fn debug_shows_no_key_material() {
        let pki = TestPki::generate();
        let shown = format!("{pki:?}");
        assert!(!shown.contains("PRIVATE"), "{shown}");
        assert!(shown.contains("bytes"), "{shown}");
    }
}
