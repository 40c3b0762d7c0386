//! TLS options and the rustls configuration built from them.

use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

/// TLS options (paho's `tls_set()` and `tls_insecure_set()`).
///
/// Certificate verification is on by default, against the system's root
/// certificates or a CA file. Turning it off takes a method whose name says
/// what it does.
///
/// # Examples
///
/// ```no_run
/// use mqtt_client_core::TlsOptions;
///
/// let tls = TlsOptions::new()
///     .ca_file("/etc/mosquitto/ca.crt")
///     .client_auth("client.crt", "client.key");
/// ```
#[derive(Clone, Default)]
pub struct TlsOptions {
    ca_file: Option<PathBuf>,
    ca_pem: Option<Vec<u8>>,
    client_cert: Option<(PathBuf, PathBuf)>,
    server_name: Option<String>,
    alpn: Vec<Vec<u8>>,
    insecure: bool,
    built: Arc<OnceLock<Result<Arc<ClientConfig>, TlsError>>>,
}

impl TlsOptions {
    /// TLS with the system's root certificates and verification on.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Trusts the CA certificates in this PEM file instead of the system roots
    /// (paho's `ca_certs`).
    #[must_use]
    pub fn ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_file = Some(path.into());
        self.reset()
    }

    /// Trusts the CA certificates in this PEM text instead of the system roots.
    #[must_use]
    pub fn ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca_pem = Some(pem.into());
        self.reset()
    }

    /// Presents this certificate chain and private key (PEM files) for mutual TLS
    /// (paho's `certfile` and `keyfile`).
    #[must_use]
    pub fn client_auth(mut self, cert_file: impl Into<PathBuf>, key_file: impl Into<PathBuf>) -> Self {
        self.client_cert = Some((cert_file.into(), key_file.into()));
        self.reset()
    }

    /// Verifies the server's certificate against this name instead of the host
    /// connected to.
    #[must_use]
    pub fn server_name(mut self, name: &str) -> Self {
        self.server_name = Some(name.to_owned());
        self.reset()
    }

    /// ALPN protocols to offer (some brokers multiplex MQTT on port 443).
    #[must_use]
    pub fn alpn(mut self, protocols: &[&str]) -> Self {
        self.alpn = protocols.iter().map(|p| p.as_bytes().to_vec()).collect();
        self.reset()
    }

    /// Accepts any server certificate, from anyone: no protection against a man
    /// in the middle. For tests against throw-away brokers only (paho's
    /// `tls_insecure_set(True)` also skips the name check; this skips every
    /// check).
    #[must_use]
    pub fn dangerous_accept_any_server_certificate(mut self) -> Self {
        self.insecure = true;
        self.reset()
    }

    fn reset(mut self) -> Self {
        self.built = Arc::default();
        self
    }

    pub(crate) fn name_for(&self, host: &str) -> Result<ServerName<'static>, TlsError> {
        let name = self.server_name.as_deref().unwrap_or(host);
        ServerName::try_from(name.to_owned()).map_err(|_| TlsError::InvalidServerName(name.to_owned()))
    }

    /// The rustls configuration, built on first use and shared after.
    pub(crate) fn client_config(&self) -> Result<Arc<ClientConfig>, TlsError> {
        self.built.get_or_init(|| self.build()).clone()
    }

    fn build(&self) -> Result<Arc<ClientConfig>, TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(TlsError::Config)?;
        let builder = if self.insecure {
            builder.dangerous().with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider)))
        } else {
            builder.with_root_certificates(self.roots()?)
        };
        let mut config = match &self.client_cert {
            Some((cert, key)) => {
                let chain = CertificateDer::pem_file_iter(cert)
                    .and_then(Iterator::collect::<Result<Vec<_>, _>>)
                    .map_err(|e| TlsError::File(cert.clone(), e.to_string()))?;
                let key = PrivateKeyDer::from_pem_file(key).map_err(|e| TlsError::File(key.clone(), e.to_string()))?;
                builder.with_client_auth_cert(chain, key).map_err(TlsError::Config)?
            }
            None => builder.with_no_client_auth(),
        };
        config.alpn_protocols.clone_from(&self.alpn);
        Ok(Arc::new(config))
    }

    fn roots(&self) -> Result<RootCertStore, TlsError> {
        let mut roots = RootCertStore::empty();
        let certs: Vec<CertificateDer<'static>> = if let Some(path) = &self.ca_file {
            CertificateDer::pem_file_iter(path)
                .and_then(Iterator::collect::<Result<Vec<_>, _>>)
                .map_err(|e| TlsError::File(path.clone(), e.to_string()))?
        } else if let Some(pem) = &self.ca_pem {
            CertificateDer::pem_slice_iter(pem)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| TlsError::File(PathBuf::from("<CA PEM>"), e.to_string()))?
        } else {
            let found = rustls_native_certs::load_native_certs();
            for e in &found.errors {
                log::warn!("loading a system root certificate failed: {e}");
            }
            found.certs
        };
        let (added, ignored) = roots.add_parsable_certificates(certs);
        if ignored > 0 {
            log::warn!("{ignored} CA certificates could not be parsed");
        }
        if added == 0 {
            return Err(TlsError::NoRootCertificates);
        }
        Ok(roots)
    }
}

impl fmt::Debug for TlsOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsOptions")
            .field("ca_file", &self.ca_file)
            .field("ca_pem", &self.ca_pem.as_ref().map(|p| p.len()))
            .field("client_cert", &self.client_cert)
            .field("server_name", &self.server_name)
            .field("insecure", &self.insecure)
            .finish_non_exhaustive()
    }
}

/// Why TLS could not be set up or did not complete.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum TlsError {
    /// A certificate or key file could not be read or parsed.
    File(PathBuf, String),
    /// No usable root certificate was found.
    NoRootCertificates,
    /// The server name is not a valid DNS name or IP address.
    InvalidServerName(String),
    /// rustls refused the configuration (such as a key not matching the
    /// certificate).
    Config(rustls::Error),
    /// The handshake failed: certificate not trusted, wrong name, alert from the
    /// server, ...
    Handshake(rustls::Error),
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File(path, e) => write!(f, "cannot read {}: {e}", path.display()),
            Self::NoRootCertificates => f.write_str("no usable root certificate"),
            Self::InvalidServerName(n) => write!(f, "{n:?} is not a valid server name"),
            Self::Config(e) => write!(f, "invalid TLS configuration: {e}"),
            Self::Handshake(e) => write!(f, "TLS handshake failed: {e}"),
        }
    }
}

impl std::error::Error for TlsError {}

/// The verifier behind [`TlsOptions::dangerous_accept_any_server_certificate`]:
/// any certificate passes; handshake signatures are still checked, so the
/// session keys belong to whoever holds the certificate's key.
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
