//! A minimal MQTT client for the kit's own tests: packets encoded with
//! mqtt-proto's `Codec`, over TCP, TLS or WebSocket.

#![allow(dead_code, unreachable_pub, clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use mqtt_proto::{
    Codec, ConnAck, Connect, MqttStr, Packet, ProtocolVersion, Publish, QoS, SubAck, Subscribe, Subscription,
};
use mqtt_testkit::certs::TestPki;
use mqtt_testkit::packets;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

pub const TIMEOUT: Duration = Duration::from_secs(5);

/// Something that carries MQTT bytes.
pub trait Transport {
    fn send_bytes(&mut self, bytes: &[u8]);
    /// Some bytes (at least one), or `None` on the read timeout; panics on EOF.
    fn recv_bytes(&mut self) -> Option<Vec<u8>>;
}

/// Any byte stream (TCP, TLS over TCP).
pub struct Stream<S>(pub S);

impl<S: Read + Write> Transport for Stream<S> {
    fn send_bytes(&mut self, bytes: &[u8]) {
        self.0.write_all(bytes).expect("write");
        self.0.flush().expect("flush");
    }

    fn recv_bytes(&mut self) -> Option<Vec<u8>> {
        let mut buf = [0u8; 4096];
        match self.0.read(&mut buf) {
            Ok(0) => panic!("the broker closed the connection"),
            Ok(n) => Some(buf[..n].to_vec()),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => None,
            Err(e) => panic!("read from the broker: {e}"),
        }
    }
}

/// MQTT over WebSocket binary messages.
pub struct Ws<S>(pub tungstenite::WebSocket<S>);

impl<S: Read + Write> Transport for Ws<S> {
    fn send_bytes(&mut self, bytes: &[u8]) {
        self.0.send(tungstenite::Message::binary(bytes.to_vec())).expect("send a WebSocket message");
    }

    fn recv_bytes(&mut self) -> Option<Vec<u8>> {
        loop {
            match self.0.read().expect("read a WebSocket message") {
                tungstenite::Message::Binary(b) => return Some(b.to_vec()),
                tungstenite::Message::Close(c) => panic!("the broker closed the WebSocket: {c:?}"),
                _ => {}
            }
        }
    }
}

/// An MQTT client that speaks one version over a transport.
pub struct Client<T> {
    pub transport: T,
    pub codec: Codec,
    rx: BytesMut,
}

impl<T: Transport> Client<T> {
    pub fn new(transport: T, version: ProtocolVersion) -> Self {
        Self { transport, codec: Codec::new(version), rx: BytesMut::new() }
    }

    pub fn send(&mut self, packet: &Packet) {
        let mut buf = BytesMut::new();
        self.codec.encode(packet, &mut buf).expect("encode");
        self.transport.send_bytes(&buf);
    }

    /// The next packet; panics on the read timeout.
    pub fn recv(&mut self) -> Packet {
        self.try_recv().expect("timed out waiting for a packet from the broker")
    }

    /// The next packet, or `None` on the read timeout.
    pub fn try_recv(&mut self) -> Option<Packet> {
        loop {
            if let Some(p) = self.codec.decode(&mut self.rx).expect("the broker sends valid packets") {
                return Some(p);
            }
            let bytes = self.transport.recv_bytes()?;
            self.rx.extend_from_slice(&bytes);
        }
    }

    /// CONNECT with `client_id` and Clean Session/Start `clean`; returns the CONNACK.
    pub fn connect_with(&mut self, connect: Connect) -> ConnAck {
        self.send(&Packet::from(connect));
        match self.recv() {
            Packet::ConnAck(c) => *c,
            other => panic!("expected CONNACK, got {other:?}"),
        }
    }

    pub fn connect(&mut self, client_id: &str, clean: bool) -> ConnAck {
        self.connect_with(connect(self.codec.version(), client_id, clean))
    }

    pub fn subscribe(&mut self, filter: &str, qos: QoS, id: u16) -> SubAck {
        let subscription: Subscription = (packets::filter(filter), qos).into();
        self.send(&Packet::Subscribe(Subscribe {
            packet_id: packets::pid(id),
            subscriptions: vec![subscription].into(),
            properties: Default::default(),
        }));
        match self.recv() {
            Packet::SubAck(s) => s,
            other => panic!("expected SUBACK, got {other:?}"),
        }
    }

    pub fn recv_publish(&mut self) -> Publish {
        match self.recv() {
            Packet::Publish(p) => p,
            other => panic!("expected PUBLISH, got {other:?}"),
        }
    }

    /// Subscribes to `topic` at QoS 1, publishes to it at QoS 1 and receives the
    /// PUBACK and the message back.
    pub fn round_trip(&mut self, topic: &str, payload: &[u8]) {
        let suback = self.subscribe(topic, QoS::AtLeastOnce, 1);
        assert_eq!(suback.reason_codes, [packets::granted(QoS::AtLeastOnce)]);
        self.send(&packets::publish(topic, payload, QoS::AtLeastOnce, 2));
        // The PUBACK and the forwarded PUBLISH may come in either order.
        let mut got_ack = false;
        let mut got_message = None;
        while !got_ack || got_message.is_none() {
            match self.recv() {
                Packet::PubAck(a) if a.packet_id.get() == 2 => got_ack = true,
                Packet::Publish(p) => {
                    if let Some(id) = p.qos.packet_id() {
                        self.send(&packets::puback(id.get()));
                    }
                    got_message = Some(p);
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        let message = got_message.expect("checked");
        assert_eq!((message.topic.as_str(), &message.payload[..]), (topic, payload));
    }
}

pub fn connect(version: ProtocolVersion, client_id: &str, clean: bool) -> Connect {
    let mut c = Connect::new(version, MqttStr::try_from(client_id).expect("valid client id"));
    c.clean_start = clean;
    c
}

pub fn tcp(port: u16) -> TcpStream {
    let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to 127.0.0.1");
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    stream.set_nodelay(true).unwrap();
    stream
}

pub fn plain_client(port: u16, version: ProtocolVersion) -> Client<Stream<TcpStream>> {
    Client::new(Stream(tcp(port)), version)
}

/// A rustls client configuration trusting `pki`'s CA, with its client
/// certificate when `client_cert`.
pub fn tls_config(pki: &TestPki, client_cert: bool) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    roots.add(CertificateDer::from(pki.ca_cert_der().to_vec())).expect("add the CA");
    let builder = ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_root_certificates(roots);
    let config = if client_cert {
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.client_key_der().to_vec()));
        builder
            .with_client_auth_cert(vec![CertificateDer::from(pki.client_cert_der().to_vec())], key)
            .expect("client auth")
    } else {
        builder.with_no_client_auth()
    };
    Arc::new(config)
}

pub type TlsStream = StreamOwned<ClientConnection, TcpStream>;

/// A TLS connection to 127.0.0.1:`port` for `server_name`, handshake completed.
pub fn tls(port: u16, config: Arc<ClientConfig>, server_name: &str) -> Result<TlsStream, std::io::Error> {
    let name = ServerName::try_from(server_name.to_owned()).expect("valid server name");
    let conn = ClientConnection::new(config, name).expect("client connection");
    let mut stream = StreamOwned::new(conn, tcp(port));
    while stream.conn.is_handshaking() {
        stream.conn.complete_io(&mut stream.sock)?;
    }
    Ok(stream)
}

/// Whether a read shows the peer ended the connection (EOF, reset, or a TLS alert).
pub fn peer_ended<S: Read>(stream: &mut S) -> bool {
    let mut buf = [0u8; 64];
    match stream.read(&mut buf) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => !matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
    }
}
