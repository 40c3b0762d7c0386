//! How the blocking client behaves for its user: connect errors, the three
//! loops and the threads callbacks run on, commands from callbacks, publish
//! tokens, per-filter callbacks, the one-shot helpers, secrets kept out of
//! `Debug` and logs, and client ids.
//!
//! The broker is `mqtt_testkit::ScriptedBroker` on 127.0.0.1, played by the
//! test. Every wait is bounded by a timeout; nothing sleeps to wait for
//! something.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use mqtt_blocking::publish::OutMessage;
use mqtt_blocking::{
    Client, ClientOptions, ConnAckProperties, ConnectError, Error, PacketId, ProtocolVersion, PublishFailure, QoS,
    ReasonCode, TlsError, TlsOptions, Transport, TransportError, publish, subscribe, topic_matches_sub,
};
use mqtt_proto::{ConnAck, Connect, MqttStr, Packet, PacketType, QosPid};
use mqtt_testkit::certs::TestPki;
use mqtt_testkit::{Conn, ScriptedBroker, oneshot, packets};

/// How long any single wait may take before the test fails.
const WAIT: Duration = Duration::from_secs(5);

const LOCALHOST: &str = "127.0.0.1";

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn options(version: ProtocolVersion) -> ClientOptions {
    ClientOptions::new("behaviour")
        .protocol(version)
        .reconnect_delay(ms(10), ms(50))
        .connect_timeout(Duration::from_secs(2))
}

/// `connect` on a helper thread while the test plays the broker.
fn connect(client: &Client, broker: &ScriptedBroker) -> (Conn, Connect) {
    let (c, port) = (client.clone(), broker.port());
    let connecting = thread::spawn(move || c.connect(LOCALHOST, port));
    let mut conn = broker.accept(WAIT);
    let connect = conn.accept_connect(false);
    connecting.join().expect("the connecting thread panicked").expect("connect");
    (conn, connect)
}

#[track_caller]
fn recv<T>(rx: &Receiver<T>, what: &str) -> T {
    rx.recv_timeout(WAIT).unwrap_or_else(|e| panic!("{what}: nothing within {WAIT:?} ({e})"))
}

#[track_caller]
fn connect_error(result: Result<impl std::fmt::Debug, Error>) -> ConnectError {
    match result {
        Err(Error::Connect(e)) => *e,
        other => panic!("expected Error::Connect, got {other:?}"),
    }
}

// ---- Connect errors ----

/// `.invalid` never resolves (RFC 6761 section 6.4), with or without a network.
#[test]
fn connect_error_name_not_resolved() {
    let client = Client::new(options(ProtocolVersion::V3_1_1));
    match connect_error(client.connect("nonexistent.invalid", 1883)) {
        ConnectError::Resolve(host, _) => assert_eq!(host, "nonexistent.invalid"),
        other => panic!("expected Resolve, got {other:?}"),
    }
    assert!(!client.is_connected());
}

/// A closed loopback port refuses the TCP connection.
#[test]
fn connect_error_connection_refused() {
    let port = {
        let listener = TcpListener::bind((LOCALHOST, 0)).expect("bind");
        listener.local_addr().expect("address").port()
    };
    let client = Client::new(options(ProtocolVersion::V3_1_1));
    match connect_error(client.connect(LOCALHOST, port)) {
        ConnectError::Io(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionRefused, "{e}"),
        other => panic!("expected Io(ConnectionRefused), got {other:?}"),
    }
}

/// A server that accepts the TCP connection and the CONNECT but never answers:
/// `connect` gives up after the connect timeout, and closes the connection.
#[test]
fn connect_error_timeout_without_connack() {
    let broker = ScriptedBroker::start();
    let client = Client::new(options(ProtocolVersion::V3_1_1).connect_timeout(ms(500)));
    let (c, port) = (client.clone(), broker.port());
    let started = Instant::now();
    let connecting = thread::spawn(move || c.connect(LOCALHOST, port));
    let mut conn = broker.accept(WAIT);
    let _ = conn.expect_connect();
    let result = connecting.join().expect("no panic");
    let took = started.elapsed();
    assert!(matches!(connect_error(result), ConnectError::Timeout));
    assert!(took >= ms(450) && took < ms(3000), "gave up after {took:?}, the connect timeout is 500 ms");
    conn.expect_closed(WAIT);
    assert!(!client.is_connected());
}

/// TLS against a plain MQTT socket: the "server" answers the ClientHello with
/// a plain CONNACK, which is no TLS record.
#[test]
fn connect_error_tls_against_plain_socket() {
    let pki = TestPki::generate();
    let broker = ScriptedBroker::start();
    let tls = TlsOptions::new().ca_pem(pki.ca_cert_pem());
    let client = Client::new(options(ProtocolVersion::V3_1_1).transport(Transport::Tls(tls)));
    let (c, port) = (client.clone(), broker.port());
    let connecting = thread::spawn(move || c.connect(LOCALHOST, port));
    let mut conn = broker.accept(WAIT);
    let hello = conn.expect_bytes(WAIT);
    assert_eq!(hello[0], 0x16, "a TLS handshake record comes first");
    conn.send_raw(&[0x20, 0x02, 0x00, 0x00]);
    match connect_error(connecting.join().expect("no panic")) {
        ConnectError::Transport(TransportError::Tls(TlsError::Handshake(_))) => {}
        other => panic!("expected a TLS handshake error, got {other:?}"),
    }
}

/// A rustls server on 127.0.0.1 presenting `server_pki`'s certificate, which
/// answers one client's CONNECT with CONNACK if the handshake succeeds.
fn tls_server(server_pki: &TestPki) -> (u16, thread::JoinHandle<Result<(), String>>) {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(server_pki.server_cert_der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_pki.server_key_der().to_vec())),
        )
        .expect("server certificate");
    let listener = TcpListener::bind((LOCALHOST, 0)).expect("bind");
    let port = listener.local_addr().expect("address").port();
    let server = thread::spawn(move || {
        let (sock, _) = listener.accept().map_err(|e| e.to_string())?;
        sock.set_read_timeout(Some(WAIT)).map_err(|e| e.to_string())?;
        let conn = rustls::ServerConnection::new(Arc::new(config)).map_err(|e| e.to_string())?;
        let mut tls = rustls::StreamOwned::new(conn, sock);
        let mut header = [0u8; 2];
        tls.read_exact(&mut header).map_err(|e| e.to_string())?;
        let mut body = vec![0u8; usize::from(header[1])];
        tls.read_exact(&mut body).map_err(|e| e.to_string())?;
        tls.write_all(&[0x20, 0x02, 0x00, 0x00]).map_err(|e| e.to_string())?;
        tls.flush().map_err(|e| e.to_string())?;
        // Hold the connection until the client goes.
        let _ = tls.read(&mut header);
        Ok(())
    });
    (port, server)
}

/// A server certificate from a CA the client does not trust fails the
/// handshake with a certificate error.
#[test]
fn connect_error_tls_unknown_ca() {
    let (server_pki, other_pki) = (TestPki::generate(), TestPki::generate());
    let (port, server) = tls_server(&server_pki);
    let tls = TlsOptions::new().ca_pem(other_pki.ca_cert_pem());
    let client = Client::new(options(ProtocolVersion::V3_1_1).transport(Transport::Tls(tls)));
    match connect_error(client.connect(LOCALHOST, port)) {
        ConnectError::Transport(TransportError::Tls(TlsError::Handshake(rustls::Error::InvalidCertificate(_)))) => {}
        other => panic!("expected an invalid-certificate handshake error, got {other:?}"),
    }
    assert!(server.join().expect("no panic").is_err(), "the server saw the handshake fail");
}

/// The same server with the right CA: the handshake verifies 127.0.0.1 and
/// MQTT flows over TLS.
#[test]
fn tls_with_the_right_ca_connects() {
    let pki = TestPki::generate();
    let (port, server) = tls_server(&pki);
    let tls = TlsOptions::new().ca_pem(pki.ca_cert_pem());
    let client = Client::new(options(ProtocolVersion::V3_1_1).transport(Transport::Tls(tls)));
    let flags = client.connect(LOCALHOST, port).expect("connect over TLS");
    assert!(!flags.session_present);
    assert!(client.is_connected());
    client.disconnect().expect("disconnect");
    server.join().expect("no panic").expect("the server's side of the exchange");
}

// ---- connect_async and the loops ----

/// `connect_async` returns before anything answered; the network thread
/// connects and `on_connect` runs.
#[test]
fn connect_async_returns_at_once_and_connects_in_the_background() {
    let broker = ScriptedBroker::start();
    let client = Client::new(options(ProtocolVersion::V3_1_1));
    let (tx, connected) = mpsc::channel();
    client.on_connect(move |_, flags, code, _| {
        let _ = tx.send((flags.session_present, code));
    });
    client.loop_start().expect("loop_start");
    client.connect_async(LOCALHOST, broker.port()).expect("connect_async");
    // Returned, though nobody answered yet.
    assert!(!client.is_connected());
    let mut conn = broker.accept(WAIT);
    let _ = conn.accept_connect(false);
    assert_eq!(recv(&connected, "on_connect"), (false, ReasonCode::Success));
    assert!(client.is_connected());
    client.wait_connected(WAIT).expect("connected");
    client.disconnect().expect("disconnect");
    let _ = conn.expect_disconnect();
    client.loop_stop().expect("loop_stop");
}

/// `loop_forever` runs callbacks on its caller's thread and returns once a
/// callback called `disconnect` (after `on_disconnect` ran).
#[test]
fn loop_forever_returns_after_disconnect_from_a_callback() {
    let broker = ScriptedBroker::start();
    let client = Client::new(options(ProtocolVersion::V3_1_1));
    let (tx, seen) = mpsc::channel();
    let t = tx.clone();
    client.on_message(move |c, m| {
        let _ = t.send(format!("message {} on {:?}", m.topic, thread::current().name()));
        c.disconnect().expect("disconnect from a callback");
    });
    client.on_disconnect(move |_, reason| {
        let _ = tx.send(format!("disconnect {reason:?} on {:?}", thread::current().name()));
    });
    let (mut conn, _) = connect(&client, &broker);
    let c = client.clone();
    let (done_tx, done) = mpsc::channel();
    thread::Builder::new()
        .name("user-loop".into())
        .spawn(move || {
            let _ = done_tx.send(c.loop_forever());
        })
        .expect("spawn");
    conn.send(&packets::publish("stop", b"", QoS::AtMostOnce, 0));
    let _ = conn.expect_disconnect();
    conn.expect_closed(WAIT);
    recv(&done, "loop_forever returns").expect("loop_forever ends with Ok after disconnect");
    assert_eq!(recv(&seen, "on_message"), "message stop on Some(\"user-loop\")");
    assert_eq!(recv(&seen, "on_disconnect"), "disconnect Disconnected on Some(\"user-loop\")");
}

/// `loop_once(timeout)` runs callbacks on the thread that calls it.
#[test]
fn loop_once_dispatches_on_the_callers_thread() {
    let broker = ScriptedBroker::start();
    let client = Client::new(options(ProtocolVersion::V3_1_1));
    assert!(matches!(client.loop_once(ms(10)), Err(Error::NeverConnected)));
    let (tx, seen) = mpsc::channel();
    client.on_message(move |_, m| {
        let _ = tx.send((m.topic.as_str().to_owned(), thread::current().id()));
    });
    let (mut conn, _) = connect(&client, &broker);
    conn.send(&packets::publish("here", b"x", QoS::AtMostOnce, 0));
    let deadline = Instant::now() + WAIT;
    let got = loop {
        client.loop_once(ms(50)).expect("loop_once");
        if let Ok(got) = seen.try_recv() {
            break got;
        }
        assert!(Instant::now() < deadline, "loop_once never dispatched the message");
    };
    assert_eq!(got, ("here".to_owned(), thread::current().id()));
}

/// `loop_start` runs callbacks on a thread named `mqtt-callbacks`; after
/// `loop_stop` nothing is dispatched until another loop runs. One loop at a
/// time.
#[test]
fn loop_start_runs_callbacks_on_the_mqtt_callbacks_thread() {
    let broker = ScriptedBroker::start();
    let client = Client::new(options(ProtocolVersion::V3_1_1));
    let (tx, seen) = mpsc::channel();
    let t = tx.clone();
    client.on_connect(move |_, _, _, _| {
        let _ = t.send(("connect".to_owned(), thread::current().name().map(str::to_owned)));
    });
    client.on_message(move |_, m| {
        let _ = tx.send((m.topic.as_str().to_owned(), thread::current().name().map(str::to_owned)));
    });
    client.loop_start().expect("loop_start");
    assert!(matches!(client.loop_start(), Err(Error::LoopRunning)));
    let (mut conn, _) = connect(&client, &broker);
    assert!(matches!(client.loop_forever(), Err(Error::LoopRunning)));
    assert!(matches!(client.loop_once(ms(1)), Err(Error::LoopRunning)));
    let callbacks = Some("mqtt-callbacks".to_owned());
    assert_eq!(recv(&seen, "on_connect"), ("connect".to_owned(), callbacks.clone()));
    conn.send(&packets::publish("one", b"1", QoS::AtMostOnce, 0));
    assert_eq!(recv(&seen, "on_message"), ("one".to_owned(), callbacks));

    client.loop_stop().expect("loop_stop");
    conn.send(&packets::publish("two", b"2", QoS::AtLeastOnce, 3));
    // The network thread acknowledges without any loop running ...
    conn.expect_ack(PacketType::PubAck, packets::pid(3));
    assert!(seen.try_recv().is_err(), "no callback runs without a loop");
    // ... and the message waits for the next loop, here on this thread.
    let me = thread::current().name().map(str::to_owned);
    let deadline = Instant::now() + WAIT;
    let got = loop {
        client.loop_once(ms(50)).expect("loop_once");
        if let Ok(got) = seen.try_recv() {
            break got;
        }
        assert!(Instant::now() < deadline, "loop_once never dispatched the message");
    };
    assert_eq!(got, ("two".to_owned(), me));
}

/// Calls that would wait for the callback they are made from return
/// `InCallback` instead of deadlocking.
#[test]
fn loop_calls_from_a_callback_return_in_callback() {
    let broker = ScriptedBroker::start();
    let client = Client::new(options(ProtocolVersion::V3_1_1));
    let (tx, results) = mpsc::channel();
    client.on_message(move |c, _| {
        let _ = tx.send((
            format!("{:?}", c.loop_stop()),
            format!("{:?}", c.loop_forever()),
            format!("{:?}", c.loop_once(ms(10))),
            format!("{:?}", c.loop_start()),
        ));
    });
    client.loop_start().expect("loop_start");
    let (mut conn, _) = connect(&client, &broker);
    conn.send(&packets::publish("t", b"", QoS::AtMostOnce, 0));
    let (stop, forever, once, start) = recv(&results, "on_message");
    assert_eq!(stop, "Err(InCallback)");
    assert_eq!(forever, "Err(InCallback)");
    assert_eq!(once, "Err(InCallback)");
    assert_eq!(start, "Err(InCallback)");
    // The loop still runs.
    client.publish("still", "alive", QoS::AtMostOnce, false).expect("publish");
    assert_eq!(conn.expect_publish().topic.as_str(), "still");
    client.loop_stop().expect("loop_stop");
}

// ---- Commands from callbacks ----

/// Subscribing from `on_connect` and publishing from `on_message` work.
#[test]
fn publish_and_subscribe_from_callbacks() {
    let broker = ScriptedBroker::start();
    let client = Client::new(options(ProtocolVersion::V5));
    let (tx, ids) = mpsc::channel();
    let t = tx.clone();
    client.on_connect(move |c, _, _, _| {
        let _ = t.send(c.subscribe(("cmd", QoS::AtLeastOnce)).map(|id| id.get()));
    });
    client.on_message(move |c, m| {
        let token = c.publish("reply", m.payload.clone(), QoS::AtLeastOnce, false);
        let _ = tx.send(token.map(|t| t.packet_id().map_or(0, PacketId::get)));
    });
    client.loop_start().expect("loop_start");
    let (mut conn, _) = connect(&client, &broker);
    let sub = conn.ack_subscribe();
    assert_eq!(recv(&ids, "subscribe from on_connect").expect("subscribe"), sub.packet_id.get());
    assert_eq!(sub.subscriptions.get(0).unwrap().filter.as_str(), "cmd");
    conn.send(&packets::publish("cmd", b"ping", QoS::AtLeastOnce, 5));
    conn.expect_ack(PacketType::PubAck, packets::pid(5));
    let reply = conn.expect_publish();
    assert_eq!((reply.topic.as_str(), &reply.payload[..]), ("reply", &b"ping"[..]));
    assert_eq!(recv(&ids, "publish from on_message").expect("publish"), packets::id_of(&reply).get());
    conn.send(&packets::puback(packets::id_of(&reply).get()));
    client.loop_stop().expect("loop_stop");
}

/// `wait_for_publish` inside a callback returns `InCallback` at once instead
/// of hanging (paho hangs: its callbacks run on the network thread); the
/// publish itself goes out and completes, and `on_publish` reports it. A
/// complete token (QoS 0, written at once) gives its result.
#[test]
fn wait_for_publish_inside_a_callback_returns_an_error_instead_of_hanging() {
    let broker = ScriptedBroker::start();
    let client = Client::new(options(ProtocolVersion::V3_1_1));
    let (tx, waited) = mpsc::channel();
    let (published_tx, published) = mpsc::channel();
    client.on_message(move |c, _| {
        let started = Instant::now();
        let one = c.publish("out", "x", QoS::AtLeastOnce, false).and_then(|t| t.wait_for_publish(WAIT));
        let zero = c.publish("out", "y", QoS::AtMostOnce, false).and_then(|t| t.wait_for_publish(WAIT));
        let _ = tx.send((one.map_err(|e| e.to_string()), zero.map_err(|e| e.to_string()), started.elapsed()));
    });
    client.on_publish(move |_, id, code| {
        let _ = published_tx.send((id, code));
    });
    client.loop_start().expect("loop_start");
    let (mut conn, _) = connect(&client, &broker);
    conn.send(&packets::publish("go", b"", QoS::AtMostOnce, 0));
    let (one, zero, took) = recv(&waited, "the callback's waits");
    assert_eq!(one, Err(Error::InCallback.to_string()));
    assert_eq!(zero, Ok(ReasonCode::Success));
    assert!(took < WAIT, "returned at once, not at its timeout ({took:?})");
    let p = conn.expect_publish();
    conn.send(&packets::puback(packets::id_of(&p).get()));
    assert_eq!(recv(&published, "on_publish"), (packets::id_of(&p), ReasonCode::Success));
    client.loop_stop().expect("loop_stop");
}

// ---- Publish tokens ----

/// The token carries the packet id the PUBLISH used; `is_published` turns true
/// on PUBACK (QoS 1) or PUBCOMP (QoS 2), not before; QoS 0 has no id and is
/// complete at once. `on_publish` gets the id.
#[test]
fn publish_tokens_track_completion() {
    let broker = ScriptedBroker::start();
    let client = Client::new(options(ProtocolVersion::V3_1_1));
    let (tx, published) = mpsc::channel();
    client.on_publish(move |_, id, code| {
        let _ = tx.send((id, code));
    });
    client.loop_start().expect("loop_start");
    let (mut conn, _) = connect(&client, &broker);

    let zero = client.publish("t", "0", QoS::AtMostOnce, false).expect("QoS 0");
    assert_eq!(zero.packet_id(), None);
    assert!(zero.is_published());
    assert_eq!(zero.wait_for_publish(ms(1)).expect("complete"), ReasonCode::Success);
    assert_eq!(conn.expect_publish().qos, QosPid::AtMostOnce);

    let one = client.publish("t", "1", QoS::AtLeastOnce, false).expect("QoS 1");
    let p = conn.expect_publish();
    assert_eq!(one.packet_id(), Some(packets::id_of(&p)));
    assert!(!one.is_published());
    assert!(matches!(one.wait_for_publish(ms(20)), Err(Error::Timeout)));
    conn.send(&packets::puback(packets::id_of(&p).get()));
    assert_eq!(one.wait_for_publish(WAIT).expect("PUBACK"), ReasonCode::Success);
    assert!(one.is_published());
    assert_eq!(recv(&published, "on_publish"), (packets::id_of(&p), ReasonCode::Success));

    let two = client.publish("t", "2", QoS::ExactlyOnce, false).expect("QoS 2");
    let p = conn.expect_publish();
    let id = packets::id_of(&p);
    assert_eq!(two.packet_id(), Some(id));
    assert_ne!(two.packet_id(), one.packet_id());
    conn.send(&packets::pubrec(id.get()));
    conn.expect_ack(PacketType::PubRel, id);
    // The client has handled PUBREC (it sent PUBREL): still not complete.
    assert!(!two.is_published());
    conn.send(&packets::pubcomp(id.get()));
    assert_eq!(two.wait_for_publish(WAIT).expect("PUBCOMP"), ReasonCode::Success);
    assert!(two.is_published());
    assert_eq!(recv(&published, "on_publish"), (id, ReasonCode::Success));
    client.loop_stop().expect("loop_stop");
}

/// An MQTT 5 PUBACK with a failure code completes the token with that failure.
#[test]
fn publish_token_reports_a_v5_refusal() {
    let broker = ScriptedBroker::start();
    let client = Client::new(options(ProtocolVersion::V5));
    let (mut conn, _) = connect(&client, &broker);
    let token = client.publish("t", "x", QoS::AtLeastOnce, false).expect("publish");
    let p = conn.expect_publish();
    conn.send(&packets::ack_with(PacketType::PubAck, packets::id_of(&p).get(), ReasonCode::QuotaExceeded));
    match token.wait_for_publish(WAIT) {
        Err(Error::PublishFailed(PublishFailure::Refused(code))) => assert_eq!(code, ReasonCode::QuotaExceeded),
        other => panic!("expected PublishFailed(Refused(QuotaExceeded)), got {other:?}"),
    }
    assert!(token.is_published(), "complete, unsuccessfully");
}

// ---- Per-filter callbacks ----

/// paho's `message_callback_add`: every matching filter's callback runs
/// (wildcards included), `on_message` only when none matches, and
/// `message_callback_remove` sends the topic back to `on_message`.
#[test]
fn per_filter_callbacks() {
    let broker = ScriptedBroker::start();
    let client = Client::new(options(ProtocolVersion::V3_1_1));
    let (tx, seen) = mpsc::channel::<(&'static str, String)>();
    for (filter, tag) in [("sensors/+/temp", "plus"), ("sensors/#", "hash"), ("sensors/1/temp", "exact")] {
        let t = tx.clone();
        client
            .message_callback_add(filter, move |_, m| {
                let _ = t.send((tag, m.topic.as_str().to_owned()));
            })
            .expect("valid filter");
    }
    assert!(matches!(client.message_callback_add("bad/#/filter", |_, _| {}), Err(Error::InvalidTopic(_))));
    client.on_message(move |_, m| {
        let _ = tx.send(("on_message", m.topic.as_str().to_owned()));
    });
    client.loop_start().expect("loop_start");
    let (mut conn, _) = connect(&client, &broker);

    let phase = |topics: &[&str], conn: &mut Conn| {
        for topic in topics {
            conn.send(&packets::publish(topic, b"", QoS::AtMostOnce, 0));
        }
        conn.send(&packets::publish("end", b"", QoS::AtMostOnce, 0));
        let mut got = Vec::new();
        loop {
            let (tag, topic) = recv(&seen, "callbacks");
            if topic == "end" {
                assert_eq!(tag, "on_message");
                return got;
            }
            got.push(format!("{tag} {topic}"));
        }
    };
    let mut got = phase(&["sensors/1/temp", "sensors/2/hum", "other"], &mut conn);
    got[..3].sort();
    assert_eq!(
        got,
        [
            "exact sensors/1/temp",
            "hash sensors/1/temp",
            "plus sensors/1/temp",
            "hash sensors/2/hum",
            "on_message other"
        ]
    );

    client.message_callback_remove("sensors/#");
    client.message_callback_remove("sensors/1/temp");
    let got = phase(&["sensors/1/temp", "sensors/2/hum"], &mut conn);
    assert_eq!(got, ["plus sensors/1/temp", "on_message sensors/2/hum"]);
    client.loop_stop().expect("loop_stop");
}

#[test]
fn topic_matches_sub_follows_the_wildcard_rules() {
    // MQTT-4.7.1-2 (#), MQTT-4.7.1-3 (+), MQTT-4.7.2-1 ($ topics and wildcards).
    assert!(topic_matches_sub("sensors/#", "sensors/1/temp"));
    assert!(topic_matches_sub("sensors/#", "sensors"));
    assert!(topic_matches_sub("sensors/+/temp", "sensors/1/temp"));
    assert!(!topic_matches_sub("sensors/+/temp", "sensors/1/2/temp"));
    assert!(topic_matches_sub("+/+", "/finance"));
    assert!(!topic_matches_sub("#", "$SYS/uptime"));
    assert!(!topic_matches_sub("+/uptime", "$SYS/uptime"));
    assert!(topic_matches_sub("$SYS/#", "$SYS/uptime"));
}

// ---- One-shot helpers (the broker's side: mqtt_testkit::oneshot) ----

/// `publish::single`: connect, publish, wait for the acknowledgement,
/// disconnect.
#[test]
fn publish_single_helper() {
    let result = oneshot::run(
        |port| {
            let options = options(ProtocolVersion::V3_1_1);
            publish::single("one/shot", "hi", QoS::AtLeastOnce, true, LOCALHOST, port, options)
        },
        oneshot::publish_single,
    );
    result.expect("publish::single");
}

/// `publish::multiple`: every message in order, each QoS flow completed, then
/// DISCONNECT.
#[test]
fn publish_multiple_helper() {
    let result = oneshot::run(
        |port| {
            let messages = oneshot::MULTIPLE_MESSAGES.map(|(t, p, q)| OutMessage::new(t, p, q, false));
            publish::multiple(messages, LOCALHOST, port, options(ProtocolVersion::V5))
        },
        oneshot::publish_multiple,
    );
    result.expect("publish::multiple");
}

/// `subscribe::simple`: the first `count` messages, retained ones skipped when
/// asked, then DISCONNECT.
#[test]
fn subscribe_simple_helper() {
    let got = oneshot::run(
        |port| {
            let options = options(ProtocolVersion::V3_1_1);
            subscribe::simple(("news/#", QoS::AtLeastOnce), 2, false, LOCALHOST, port, options)
        },
        oneshot::subscribe_simple,
    );
    oneshot::check_simple(&got.expect("subscribe::simple"));
}

/// `subscribe::callback`: the callback sees each message until it breaks.
#[test]
fn subscribe_callback_helper() {
    let seen = oneshot::run(
        |port| {
            let mut seen = Vec::new();
            let options = options(ProtocolVersion::V5);
            let result = subscribe::callback(
                |_, m| oneshot::until_stop(&mut seen, m),
                oneshot::CALLBACK_TOPICS,
                LOCALHOST,
                port,
                options,
            );
            result.map(|()| seen)
        },
        oneshot::subscribe_callback,
    );
    assert_eq!(seen.expect("subscribe::callback"), oneshot::CALLBACK_SEEN);
}

/// A refused subscription (SUBACK 0x80, MQTT-3.9.3-2) ends `subscribe::simple`
/// with an error instead of waiting forever for messages that cannot come.
#[test]
fn subscribe_helper_reports_a_refused_subscription() {
    let result = oneshot::run(
        |port| {
            let options = options(ProtocolVersion::V3_1_1);
            subscribe::simple(("secret/#", QoS::AtMostOnce), 1, false, LOCALHOST, port, options)
        },
        oneshot::subscribe_refused,
    );
    match result {
        Err(Error::SubscribeRefused(code)) => assert!(code.is_error()),
        other => panic!("expected SubscribeRefused, got {other:?}"),
    }
}

// ---- Secrets ----

/// Collects every log record, from every thread of this test binary.
struct Capture(Mutex<Vec<String>>);

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let line = format!("{} {}: {}", record.level(), record.target(), record.args());
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(line);
    }

    fn flush(&self) {}
}

fn capture_logs() -> &'static Capture {
    static CAPTURE: OnceLock<&'static Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let capture: &'static Capture = Box::leak(Box::new(Capture(Mutex::new(Vec::new()))));
        log::set_logger(capture).expect("no other logger in this test binary");
        log::set_max_level(log::LevelFilter::Trace);
        capture
    })
}

/// The password shows in no `Debug` output (options, client, errors) and no
/// log record at Trace level, through a refused and an accepted connect.
#[test]
fn password_never_in_debug_or_logs() {
    const SECRET: &str = "hunter2-Zq9xK";
    let logs = capture_logs();
    let broker = ScriptedBroker::start();
    let opts = options(ProtocolVersion::V5).username_pw("alice", SECRET);
    let debug = format!("{opts:?} {opts:#?}");
    assert!(!debug.contains(SECRET), "ClientOptions Debug shows the password: {debug}");
    assert!(debug.contains("alice"), "the user name is not a secret");
    let client = Client::new(opts);
    assert!(!format!("{client:?}").contains(SECRET));

    // Refused first (bad password) ...
    let (c, port) = (client.clone(), broker.port());
    let connecting = thread::spawn(move || c.connect(LOCALHOST, port));
    let mut conn = broker.accept(WAIT);
    let sent = conn.expect_connect();
    assert_eq!(sent.password.as_deref(), Some(SECRET.as_bytes()), "the password does go on the wire");
    assert!(!format!("{sent:?}").contains(SECRET), "not even the decoded CONNECT shows it");
    conn.send_connack(false, ReasonCode::BadUserNameOrPassword);
    let err = connecting.join().expect("no panic").expect_err("refused");
    assert!(!format!("{err:?} {err}").contains(SECRET));

    // ... then accepted, with traffic.
    let (mut conn, _) = connect(&client, &broker);
    client.publish("t", "x", QoS::AtLeastOnce, false).expect("publish");
    let p = conn.expect_publish();
    conn.send(&packets::puback(packets::id_of(&p).get()));
    let debug = format!("{client:?} {client:#?}");
    assert!(!debug.contains(SECRET), "Client Debug shows the password: {debug}");
    client.disconnect().expect("disconnect");
    let _ = conn.expect_disconnect();

    let records = logs.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    assert!(records.iter().any(|r| r.contains("mqtt_blocking")), "the client logs through `log`: {records:?}");
    let leaked: Vec<_> = records.iter().filter(|r| r.contains(SECRET)).collect();
    assert!(leaked.is_empty(), "the password is in log records: {leaked:?}");
}

// ---- Client ids ----

/// The client id the CONNECT carries for an empty client id.
fn client_id_sent(options: ClientOptions) -> String {
    let broker = ScriptedBroker::start();
    let client = Client::new(options);
    let (_conn, connect) = connect(&client, &broker);
    connect.client_id.as_str().to_owned()
}

/// MQTT 3.1 requires a client id of 1 to 23 characters: an empty one is
/// generated, within what every server must accept (MQTT-3.1.3-5: 1 to 23
/// bytes of [0-9a-zA-Z]).
#[test]
fn client_id_generated_when_empty_for_v31() {
    let id = client_id_sent(ClientOptions::new("").protocol(ProtocolVersion::V3_1));
    assert!(!id.is_empty() && id.len() <= 23, "{id:?}");
    assert!(id.bytes().all(|b| b.is_ascii_alphanumeric()), "{id:?}");
    let other = client_id_sent(ClientOptions::new("").protocol(ProtocolVersion::V3_1));
    assert_ne!(id, other, "generated ids differ between clients");
}

/// MQTT 3.1.1 with clean session: an empty client id is sent empty
/// (MQTT-3.1.3-6, the server assigns one). Without clean session an empty id is
/// not allowed (MQTT-3.1.3-7), so one is generated.
#[test]
fn client_id_for_v311_empty_with_clean_session_generated_without() {
    assert_eq!(client_id_sent(ClientOptions::new("").protocol(ProtocolVersion::V3_1_1)), "");
    let id = client_id_sent(ClientOptions::new("").protocol(ProtocolVersion::V3_1_1).clean_session(false));
    assert!(!id.is_empty() && id.len() <= 23 && id.bytes().all(|b| b.is_ascii_alphanumeric()), "{id:?}");
}

/// MQTT 5: an empty client id is sent empty; the server's Assigned Client
/// Identifier (MQTT 5 section 3.2.2.3.7) is used when reconnecting, so the
/// session resumes.
#[test]
fn client_id_for_v5_empty_then_assigned_by_the_server() {
    let broker = ScriptedBroker::start();
    let client = Client::new(ClientOptions::new("").protocol(ProtocolVersion::V5).reconnect_delay(ms(10), ms(50)));
    let (tx, connected) = mpsc::channel();
    client.on_connect(move |_, _, _, props| {
        let _ = tx.send(props.assigned_client_identifier.as_ref().map(|s| s.as_str().to_owned()));
    });
    client.loop_start().expect("loop_start");
    client.connect_async(LOCALHOST, broker.port()).expect("connect_async");
    let mut conn = broker.accept(WAIT);
    assert_eq!(conn.expect_connect().client_id.as_str(), "");
    let properties = ConnAckProperties {
        assigned_client_identifier: Some(MqttStr::try_from("srv-7").expect("valid")),
        ..Default::default()
    };
    conn.send(&Packet::from(ConnAck { session_present: false, reason_code: ReasonCode::Success, properties }));
    assert_eq!(recv(&connected, "on_connect"), Some("srv-7".to_owned()));
    conn.drop_connection();
    let mut conn = broker.accept(WAIT);
    let again = conn.accept_connect(true);
    assert_eq!(again.client_id.as_str(), "srv-7");
    assert!(!again.clean_start);
    assert_eq!(recv(&connected, "on_connect after the reconnect"), None);
    client.loop_stop().expect("loop_stop");
}

// ---- Misuse ----

#[test]
fn commands_before_connect_say_never_connected() {
    let client = Client::new(options(ProtocolVersion::V3_1_1));
    assert!(matches!(client.publish("t", "x", QoS::AtLeastOnce, false), Err(Error::NeverConnected)));
    assert!(matches!(client.subscribe(("t", QoS::AtMostOnce)), Err(Error::NeverConnected)));
    assert!(matches!(client.loop_forever(), Err(Error::NeverConnected)));
    assert!(matches!(client.reconnect(), Err(Error::NeverConnected)));
    assert!(matches!(client.publish("bad/+", "x", QoS::AtMostOnce, false), Err(Error::InvalidTopic(_))));
}

/// CPU time (clock ticks) used so far by this process's threads named
/// `mqtt-callbacks`, from /proc.
#[cfg(target_os = "linux")]
fn callback_threads_cpu_ticks() -> u64 {
    let mut total = 0;
    for task in std::fs::read_dir("/proc/self/task").expect("/proc/self/task").flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.trim_end() != "mqtt-callbacks" {
            continue;
        }
        let stat = std::fs::read_to_string(task.path().join("stat")).unwrap_or_default();
        // After "pid (comm)": state is field 3, utime field 14, stime field 15.
        let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
        for i in [11, 12] {
            total += fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
        }
    }
    total
}

/// After `disconnect` with `loop_start` still running, the client does not
/// reconnect and its callback thread waits instead of spinning.
#[cfg(target_os = "linux")]
#[test]
fn loop_start_thread_idles_while_disconnected() {
    let broker = ScriptedBroker::start();
    let client = Client::new(options(ProtocolVersion::V3_1_1));
    let (tx, disconnected) = mpsc::channel();
    client.on_disconnect(move |_, reason| {
        let _ = tx.send(reason.clone());
    });
    client.loop_start().expect("loop_start");
    let (mut conn, _) = connect(&client, &broker);
    client.disconnect().expect("disconnect");
    let _ = conn.expect_disconnect();
    assert_eq!(recv(&disconnected, "on_disconnect"), mqtt_blocking::CloseReason::Disconnected);
    let before = callback_threads_cpu_ticks();
    broker.expect_no_connection(ms(500));
    let used = callback_threads_cpu_ticks() - before;
    // A spinning thread would use about 50 ticks (at 100 per second) here.
    assert!(used < 20, "the callback threads used {used} ticks of CPU in 500 ms while idle");
    client.loop_stop().expect("loop_stop");
}
