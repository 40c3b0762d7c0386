//! The mosquitto launcher against the real broker: every listener, persistence
//! across a crash, limits and passwords. Run with `--ignored`.

#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

mod common;

use std::io::ErrorKind;
use std::net::TcpStream;
use std::time::Duration;

use common::{Client, Stream, TIMEOUT, Ws, connect, plain_client, tls, tls_config};
use mqtt_proto::{ConnAckProperties, Packet, ProtocolVersion, QoS, ReasonCode};
use mqtt_testkit::{Mosquitto, packets};
use tungstenite::client::IntoClientRequest;

const VERSIONS: [ProtocolVersion; 3] = [ProtocolVersion::V3_1, ProtocolVersion::V3_1_1, ProtocolVersion::V5];

fn start(builder: mqtt_testkit::MosquittoBuilder) -> Mosquitto {
    builder.start().unwrap_or_else(|e| panic!("start mosquitto: {e}"))
}

#[test]
#[ignore = "needs mosquitto"]
fn plain_tcp_connect_subscribe_publish_receive_in_every_version() {
    let broker = start(Mosquitto::builder());
    assert_eq!(broker.addr().ip(), std::net::Ipv4Addr::LOCALHOST);
    for version in VERSIONS {
        let mut client = plain_client(broker.port(), version);
        let connack = client.connect(&format!("plain-{}", version.level()), true);
        assert_eq!((connack.reason_code, connack.session_present), (ReasonCode::Success, false), "{version}");
        client.round_trip("kit/plain", b"hello");
        client.send(&Packet::Disconnect(Default::default()));
    }
    assert!(broker.log().contains("mosquitto version"), "{}", broker.log());
}

#[test]
#[ignore = "needs mosquitto"]
fn tls_with_rustls_by_name_and_by_ip() {
    let broker = start(Mosquitto::builder().tls());
    let config = tls_config(broker.pki(), false);
    for server_name in ["localhost", "127.0.0.1"] {
        let stream = tls(broker.tls_port(), config.clone(), server_name).expect("TLS handshake");
        let mut client = Client::new(Stream(stream), ProtocolVersion::V3_1_1);
        assert_eq!(client.connect("tls", true).reason_code, ReasonCode::Success);
        client.round_trip("kit/tls", server_name.as_bytes());
    }
    // The PEM file is the same CA.
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let from_file = CertificateDer::from_pem_file(broker.ca_cert_pem_path()).expect("read the CA PEM");
    assert_eq!(&from_file[..], broker.pki().ca_cert_der());
}

#[test]
#[ignore = "needs mosquitto"]
fn tls_refuses_a_client_that_trusts_another_ca() {
    let broker = start(Mosquitto::builder().tls());
    let stranger = mqtt_testkit::certs::TestPki::generate();
    let err = tls(broker.tls_port(), tls_config(&stranger, false), "localhost").expect_err("handshake must fail");
    assert!(err.to_string().contains("UnknownIssuer") || err.kind() == ErrorKind::InvalidData, "{err}");
}

#[test]
#[ignore = "needs mosquitto"]
fn mutual_tls_needs_the_client_certificate() {
    let broker = start(Mosquitto::builder().require_certificate());
    assert!(broker.client_cert_path().is_file() && broker.client_key_path().is_file());

    let stream = tls(broker.tls_port(), tls_config(broker.pki(), true), "localhost").expect("mutual TLS handshake");
    let mut client = Client::new(Stream(stream), ProtocolVersion::V5);
    assert_eq!(client.connect("mtls", true).reason_code, ReasonCode::Success);
    client.round_trip("kit/mtls", b"x");

    // Without a certificate: TLS 1.3 finishes the client's side of the handshake,
    // then the server's alert (or close) arrives on the first read.
    match tls(broker.tls_port(), tls_config(broker.pki(), false), "localhost") {
        Err(_) => {}
        Ok(mut stream) => {
            use std::io::Write;
            let _ = stream.write_all(&[0xC0, 0x00]);
            let _ = stream.flush();
            assert!(common::peer_ended(&mut stream), "the broker accepted a client without a certificate");
        }
    }
}

/// The WebSocket handshake request for `url` with the `mqtt` subprotocol.
fn ws_request(url: &str) -> tungstenite::handshake::client::Request {
    let mut request = url.into_client_request().expect("request");
    request.headers_mut().insert("Sec-WebSocket-Protocol", "mqtt".parse().expect("header"));
    request
}

#[test]
#[ignore = "needs mosquitto"]
fn websocket_listener_answers_the_upgrade_and_speaks_mqtt() {
    let broker = start(Mosquitto::builder().websockets());
    let port = broker.ws_port();
    let (ws, response) = tungstenite::client(ws_request(&format!("ws://127.0.0.1:{port}/")), common::tcp(port))
        .unwrap_or_else(|e| panic!("WebSocket handshake: {e}"));
    assert_eq!(response.status(), 101);
    assert_eq!(response.headers().get("Sec-WebSocket-Protocol").map(|v| v.as_bytes()), Some(&b"mqtt"[..]));
    let mut client = Client::new(Ws(ws), ProtocolVersion::V3_1_1);
    assert_eq!(client.connect("ws", true).reason_code, ReasonCode::Success);
    client.round_trip("kit/ws", b"over websocket");
}

#[test]
#[ignore = "needs mosquitto"]
fn secure_websocket_listener() {
    let broker = start(Mosquitto::builder().secure_websockets());
    let port = broker.wss_port();
    let stream = tls(port, tls_config(broker.pki(), false), "localhost").expect("TLS handshake");
    let (ws, response) = tungstenite::client(ws_request(&format!("wss://localhost:{port}/")), stream)
        .unwrap_or_else(|e| panic!("WebSocket handshake over TLS: {e}"));
    assert_eq!(response.status(), 101);
    let mut client = Client::new(Ws(ws), ProtocolVersion::V5);
    assert_eq!(client.connect("wss", true).reason_code, ReasonCode::Success);
    client.round_trip("kit/wss", b"over secure websocket");
}

/// The local addresses of listening TCP sockets on `port`, from /proc/net/tcp{,6}
/// (hex, as the kernel writes them).
fn listening_addresses(port: u16) -> Vec<String> {
    let mut found = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else { continue };
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (Some(local), Some(state)) = (fields.get(1), fields.get(3)) else { continue };
            let Some((addr, p)) = local.rsplit_once(':') else { continue };
            if *state == "0A" && u16::from_str_radix(p, 16) == Ok(port) {
                found.push(addr.to_owned());
            }
        }
    }
    found
}

#[test]
#[ignore = "needs mosquitto"]
fn every_listener_is_loopback_only() {
    if !std::path::Path::new("/proc/net/tcp").exists() {
        return; // Not Linux: nothing to inspect.
    }
    let broker = start(Mosquitto::builder().tls().websockets().secure_websockets());
    for port in [broker.port(), broker.tls_port(), broker.ws_port(), broker.wss_port()] {
        // 127.0.0.1 in /proc/net/tcp's byte order.
        assert_eq!(listening_addresses(port), ["0100007F"], "port {port}\n{}", broker.log());
    }
}

/// Subscribes `client_id` with a persistent session at QoS 1 to `topic` and
/// goes away.
fn persistent_subscriber(port: u16, client_id: &str, topic: &str) {
    let mut sub = plain_client(port, ProtocolVersion::V3_1_1);
    assert_eq!(sub.connect(client_id, false).reason_code, ReasonCode::Success);
    assert_eq!(sub.subscribe(topic, QoS::AtLeastOnce, 1).reason_codes, [ReasonCode::GrantedQoS1]);
    sub.send(&Packet::Disconnect(Default::default()));
}

/// Publishes `payloads` at QoS 1 and waits for each PUBACK.
fn publish_all(port: u16, topic: &str, payloads: &[&[u8]]) {
    let mut publisher = plain_client(port, ProtocolVersion::V3_1_1);
    assert_eq!(publisher.connect("publisher", true).reason_code, ReasonCode::Success);
    for (i, payload) in payloads.iter().enumerate() {
        let id = u16::try_from(i + 1).expect("few messages");
        publisher.send(&packets::publish(topic, payload, QoS::AtLeastOnce, id));
        assert_eq!(publisher.recv(), packets::puback(id));
    }
    publisher.send(&Packet::Disconnect(Default::default()));
}

/// Reconnects `client_id` and returns the payloads delivered before `quiet` of
/// silence, acknowledging each.
fn resume_and_collect(port: u16, client_id: &str, quiet: Duration) -> (bool, Vec<Vec<u8>>) {
    let stream = common::tcp(port);
    stream.set_read_timeout(Some(quiet)).unwrap();
    let mut sub = Client::new(Stream(stream), ProtocolVersion::V3_1_1);
    let connack = sub.connect(client_id, false);
    assert_eq!(connack.reason_code, ReasonCode::Success);
    let mut payloads = Vec::new();
    // Until the first quiet period.
    while let Some(packet) = sub.try_recv() {
        let Packet::Publish(publish) = packet else { panic!("expected PUBLISH, got {packet:?}") };
        if let Some(id) = publish.qos.packet_id() {
            sub.send(&packets::puback(id.get()));
        }
        payloads.push(publish.payload.to_vec());
    }
    (connack.session_present, payloads)
}

#[test]
#[ignore = "needs mosquitto"]
fn persistence_survives_sigterm_and_restart() {
    let mut broker = start(Mosquitto::builder().persistence());
    let port = broker.port();
    persistent_subscriber(port, "sleeper", "kit/persist");
    publish_all(port, "kit/persist", &[b"one", b"two"]);
    broker.stop().expect("stop");
    assert!(broker.persistence_path().expect("persistence on").is_file(), "{}", broker.log());
    assert!(TcpStream::connect(broker.addr()).is_err(), "still listening after stop");
    broker.restart().expect("restart");
    assert_eq!(broker.port(), port, "same port after restart");
    let (present, payloads) = resume_and_collect(port, "sleeper", Duration::from_millis(500));
    assert!(present, "session present after restart\n{}", broker.log());
    assert_eq!(payloads, [b"one".to_vec(), b"two".to_vec()], "{}", broker.log());
}

#[test]
#[ignore = "needs mosquitto"]
fn persistence_survives_sigkill_after_persist_now() {
    let mut broker = start(Mosquitto::builder().persistence());
    let port = broker.port();
    persistent_subscriber(port, "crashy", "kit/crash");
    publish_all(port, "kit/crash", &[b"queued before the crash"]);
    broker.persist_now().expect("save");
    broker.kill().expect("kill");
    broker.restart().expect("restart");
    let (present, payloads) = resume_and_collect(port, "crashy", Duration::from_millis(500));
    assert!(present, "{}", broker.log());
    assert_eq!(payloads, [b"queued before the crash".to_vec()], "{}", broker.log());
}

#[test]
#[ignore = "needs mosquitto"]
fn autosave_keeps_queued_messages_across_sigkill() {
    // No persist_now: autosave_on_changes must have saved by the time PUBACK came
    // back and the main loop went round once more.
    let mut broker = start(Mosquitto::builder().persistence());
    let port = broker.port();
    persistent_subscriber(port, "autosaved", "kit/autosave");
    publish_all(port, "kit/autosave", &[b"a", b"b"]);
    // One more round trip through the main loop after the last change.
    let mut probe = plain_client(port, ProtocolVersion::V3_1_1);
    assert_eq!(probe.connect("probe", true).reason_code, ReasonCode::Success);
    broker.kill().expect("kill");
    broker.restart().expect("restart");
    let (present, payloads) = resume_and_collect(port, "autosaved", Duration::from_millis(500));
    assert!(present, "{}", broker.log());
    assert_eq!(payloads, [b"a".to_vec(), b"b".to_vec()], "{}", broker.log());
}

#[test]
#[ignore = "needs mosquitto"]
fn max_inflight_messages_is_announced_as_receive_maximum() {
    let broker = start(Mosquitto::builder().max_inflight_messages(3));
    let mut client = plain_client(broker.port(), ProtocolVersion::V5);
    let connack = client.connect("limits", true);
    assert_eq!(connack.reason_code, ReasonCode::Success);
    let ConnAckProperties { receive_maximum, .. } = connack.properties;
    assert_eq!(receive_maximum.map(|n| n.get()), Some(3), "{}", broker.log());
}

#[test]
#[ignore = "needs mosquitto"]
fn max_queued_messages_drops_the_excess() {
    let broker = start(Mosquitto::builder().max_inflight_messages(1).max_queued_messages(2));
    let port = broker.port();
    persistent_subscriber(port, "limited", "kit/queue");
    publish_all(port, "kit/queue", &[b"1", b"2", b"3", b"4", b"5"]);
    let (_, payloads) = resume_and_collect(port, "limited", Duration::from_millis(500));
    // mosquitto 2.0.11 queues at most two messages for the offline client (the
    // in-flight limit plays no part while it is away) and logs "Outgoing messages
    // are being dropped" for the rest.
    assert_eq!(payloads, [b"1".to_vec(), b"2".to_vec()], "{}", broker.log());
}

#[test]
#[ignore = "needs mosquitto"]
fn password_file_checks_users() {
    if !Mosquitto::passwd_available() {
        return;
    }
    let broker = start(Mosquitto::builder().allow_anonymous(false).user("alice", "s3cret").user("bob", "b0b"));
    let attempt = |credentials: Option<(&str, &str)>| {
        let mut client = plain_client(broker.port(), ProtocolVersion::V3_1_1);
        let mut c = connect(ProtocolVersion::V3_1_1, "auth", true);
        if let Some((user, password)) = credentials {
            c.username = Some(mqtt_proto::MqttStr::try_from(user).expect("user name"));
            c.password = Some(bytes::Bytes::copy_from_slice(password.as_bytes()));
        }
        client.connect_with(c).reason_code
    };
    assert_eq!(attempt(Some(("alice", "s3cret"))), ReasonCode::Success);
    assert_eq!(attempt(Some(("bob", "b0b"))), ReasonCode::Success);
    assert_eq!(attempt(Some(("alice", "b0b"))), ReasonCode::NotAuthorized);
    assert_eq!(attempt(None), ReasonCode::NotAuthorized);
    let passwd = std::fs::read_to_string(broker.dir().join("passwd")).expect("password file");
    assert!(passwd.starts_with("alice:$") && !passwd.contains("s3cret"), "hashed: {passwd}");
}

#[test]
#[ignore = "needs mosquitto"]
fn stop_kill_restart_and_drop() {
    let mut broker = start(Mosquitto::builder().tls().websockets());
    let (port, tls_port, ws_port) = (broker.port(), broker.tls_port(), broker.ws_port());
    assert!(broker.is_running());
    let pid = broker.pid().expect("running");
    broker.kill().expect("kill");
    assert!(!broker.is_running() && broker.pid().is_none());
    assert!(TcpStream::connect(broker.addr()).is_err());
    broker.kill().expect("killing twice is fine");
    broker.stop().expect("stopping a stopped broker is fine");
    broker.restart().expect("restart");
    assert_ne!(broker.pid(), Some(pid));
    assert_eq!((broker.port(), broker.tls_port(), broker.ws_port()), (port, tls_port, ws_port));
    plain_client(port, ProtocolVersion::V3_1_1).connect("again", true);
    broker.restart().expect("restart while running stops it first");
    let log = broker.log();
    assert_eq!(log.matches("--- mqtt-testkit: start #").count(), 3, "{log}");
    let dir = broker.dir().to_owned();
    drop(broker);
    assert!(!dir.exists(), "temp dir removed");
    assert!(TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), TIMEOUT).is_err(), "killed on drop");
}

#[test]
#[ignore = "needs mosquitto"]
fn config_lines_reach_mosquitto() {
    let broker = start(Mosquitto::builder().config_line("max_keepalive 10"));
    let mut client = plain_client(broker.port(), ProtocolVersion::V5);
    let connack = client.connect("keepalive", true);
    // Our CONNECT asks for 60 s; the broker caps it.
    assert_eq!(connack.properties.server_keep_alive, Some(10), "{}", broker.log());
}

#[test]
#[ignore = "needs mosquitto"]
fn persist_now_without_persistence_is_an_error() {
    let mut broker = start(Mosquitto::builder());
    assert!(broker.persist_now().is_err());
    assert!(broker.persistence_path().is_none());
}
