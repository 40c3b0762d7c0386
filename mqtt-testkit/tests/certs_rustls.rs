//! The generated certificates verify under rustls, both ways, without mosquitto:
//! an in-process rustls server on 127.0.0.1 and a rustls client.

#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::thread;

use mqtt_testkit::certs::TestPki;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig, ServerConnection, StreamOwned};

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn server_config(pki: &TestPki, require_client_cert: bool) -> Arc<ServerConfig> {
    let builder = ServerConfig::builder_with_provider(provider()).with_safe_default_protocol_versions().unwrap();
    let builder = if require_client_cert {
        let mut roots = RootCertStore::empty();
        roots.add(CertificateDer::from(pki.ca_cert_der().to_vec())).unwrap();
        let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider()).build().unwrap();
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.server_key_der().to_vec()));
    Arc::new(builder.with_single_cert(vec![CertificateDer::from(pki.server_cert_der().to_vec())], key).unwrap())
}

/// Serves one TLS connection on 127.0.0.1 that echoes one message; returns the
/// port and a handle giving the server's result.
fn echo_once(config: Arc<ServerConfig>) -> (u16, thread::JoinHandle<Result<(), rustls::Error>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = thread::spawn(move || {
        let (sock, _) = listener.accept().unwrap();
        sock.set_read_timeout(Some(common::TIMEOUT)).unwrap();
        let mut tls = StreamOwned::new(ServerConnection::new(config).unwrap(), sock);
        let mut buf = [0u8; 5];
        match tls.read_exact(&mut buf) {
            Ok(()) => {
                tls.write_all(&buf).unwrap();
                tls.flush().unwrap();
                Ok(())
            }
            Err(e) => Err(e
                .into_inner()
                .and_then(|inner| inner.downcast::<rustls::Error>().ok())
                .map_or(rustls::Error::General("read failed".into()), |b| *b)),
        }
    });
    (port, handle)
}

#[test]
fn server_certificate_verifies_for_localhost_and_127_0_0_1() {
    let pki = TestPki::generate();
    for name in ["localhost", "127.0.0.1"] {
        let (port, server) = echo_once(server_config(&pki, false));
        let mut tls = common::tls(port, common::tls_config(&pki, false), name).expect("handshake");
        tls.write_all(b"hello").unwrap();
        let mut echo = [0u8; 5];
        tls.read_exact(&mut echo).unwrap();
        assert_eq!(&echo, b"hello");
        server.join().unwrap().unwrap();
    }
}

#[test]
fn server_certificate_does_not_verify_for_other_names() {
    let pki = TestPki::generate();
    let (port, _server) = echo_once(server_config(&pki, false));
    let err = common::tls(port, common::tls_config(&pki, false), "example.com").expect_err("must fail");
    assert!(err.to_string().contains("not valid for name"), "{err}");
}

#[test]
fn client_certificate_verifies_for_mutual_tls() {
    let pki = TestPki::generate();
    let (port, server) = echo_once(server_config(&pki, true));
    let mut tls = common::tls(port, common::tls_config(&pki, true), "localhost").expect("handshake");
    tls.write_all(b"mutua").unwrap();
    let mut echo = [0u8; 5];
    tls.read_exact(&mut echo).unwrap();
    server.join().unwrap().unwrap();

    // A client certificate from another CA is refused by the server.
    let stranger = TestPki::generate();
    let (port, server) = echo_once(server_config(&pki, true));
    // Trust the real server, present the stranger's certificate.
    let mut roots = RootCertStore::empty();
    roots.add(CertificateDer::from(pki.ca_cert_der().to_vec())).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_client_auth_cert(
            vec![CertificateDer::from(stranger.client_cert_der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(stranger.client_key_der().to_vec())),
        )
        .unwrap();
    let attempt = common::tls(port, Arc::new(config), "localhost").and_then(|mut tls| {
        tls.write_all(b"nope!")?;
        let mut buf = [0u8; 5];
        tls.read_exact(&mut buf)
    });
    assert!(attempt.is_err(), "a foreign client certificate was accepted");
    assert!(server.join().unwrap().is_err());
}
