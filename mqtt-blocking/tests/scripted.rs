//! The blocking client against `mqtt_testkit::ScriptedBroker`, over real
//! sockets on 127.0.0.1: the exact bytes the client sends, and how it copes with
//! a broker that refuses, drops the connection mid-flow, withholds PINGRESP,
//! sends garbage or says goodbye.
//!
//! Every wait is bounded (channels, condition variables and the scripted
//! broker's `expect_*` all take timeouts); the only sleep is a callback that
//! plays a slow application on purpose.

use std::num::{NonZeroU16, NonZeroU32};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

use bytes::Bytes;
use mqtt_blocking::{
    Client, ClientOptions, CloseReason, ConnAckProperties, ConnectError, ConnectProperties, DisconnectProperties,
    Error, PacketId, ProtocolVersion, QoS, ReasonCode, WillProperties,
};
use mqtt_proto::properties::UserProperty;
use mqtt_proto::{ConnAck, Connect, Disconnect, MqttStr, Packet, PacketType, QosPid, Will};
use mqtt_testkit::{Conn, ConnError, ScriptedBroker, packets};

/// How long any single wait may take before the test fails.
const WAIT: Duration = Duration::from_secs(5);

const V3_1_1: ProtocolVersion = ProtocolVersion::V3_1_1;
const V5: ProtocolVersion = ProtocolVersion::V5;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Options for tests: short reconnect delays and connect timeout; MQTT 5
/// sessions outlive the network connection (Session Expiry Interval), so that
/// a reconnect resumes them as MQTT 3.1.1 sessions are resumed.
fn options(version: ProtocolVersion) -> ClientOptions {
    let options = ClientOptions::new("scripted")
        .protocol(version)
        .reconnect_delay(ms(10), ms(50))
        .connect_timeout(Duration::from_secs(2));
    if version.is_v5() {
        options.properties(ConnectProperties { session_expiry_interval: Some(300), ..ConnectProperties::default() })
    } else {
        options
    }
}

/// `connect` on a helper thread while the test plays the broker: the next
/// connection's CONNECT is answered with a successful CONNACK.
fn connect(client: &Client, broker: &ScriptedBroker, session_present: bool) -> (Conn, Connect) {
    let (client2, port) = (client.clone(), broker.port());
    let connecting = thread::spawn(move || client2.connect("127.0.0.1", port));
    let mut conn = broker.accept(WAIT);
    let connect = conn.accept_connect(session_present);
    let flags = connecting.join().expect("the connecting thread panicked").expect("connect");
    assert_eq!(flags.session_present, session_present);
    (conn, connect)
}

/// What the callbacks saw, in the order they ran.
#[derive(Debug)]
enum Seen {
    Connect(bool, ReasonCode, ConnAckProperties),
    ConnectFail(Option<ReasonCode>, String),
    Disconnect(CloseReason),
    Publish(PacketId, ReasonCode),
    Subscribe(PacketId, Vec<Result<QoS, ReasonCode>>),
}

/// Registers every callback to report into a channel, and starts the callback
/// thread.
fn record(client: &Client) -> Receiver<Seen> {
    let (tx, rx) = mpsc::channel();
    let t = tx.clone();
    client.on_connect(move |_, flags, code, props| {
        let _ = t.send(Seen::Connect(flags.session_present, code, props.clone()));
    });
    let t = tx.clone();
    client.on_connect_fail(move |_, e| {
        let code = match e {
            ConnectError::Refused { reason_code, .. } => Some(*reason_code),
            _ => None,
        };
        let _ = t.send(Seen::ConnectFail(code, e.to_string()));
    });
    let t = tx.clone();
    client.on_disconnect(move |_, reason| {
        let _ = t.send(Seen::Disconnect(reason.clone()));
    });
    let t = tx.clone();
    client.on_publish(move |_, id, code| {
        let _ = t.send(Seen::Publish(id, code));
    });
    client.on_subscribe(move |_, id, results| {
        let _ = tx.send(Seen::Subscribe(id, results.to_vec()));
    });
    client.loop_start().expect("loop_start");
    rx
}

/// Waits for the first event `pick` accepts, skipping the others.
#[track_caller]
fn wait_for<T>(rx: &Receiver<Seen>, what: &str, mut pick: impl FnMut(&Seen) -> Option<T>) -> T {
    let deadline = Instant::now() + WAIT;
    let mut skipped = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(seen) => match pick(&seen) {
                Some(t) => return t,
                None => skipped.push(seen),
            },
            Err(_) => panic!("no callback for {what} within {WAIT:?}; saw {skipped:?}"),
        }
    }
}

/// Waits for `on_disconnect` and returns its reason.
#[track_caller]
fn wait_disconnect(rx: &Receiver<Seen>) -> CloseReason {
    wait_for(rx, "on_disconnect", |s| match s {
        Seen::Disconnect(r) => Some(r.clone()),
        _ => None,
    })
}

/// Collects `on_publish` ids until `last` completes.
#[track_caller]
fn publishes_until(rx: &Receiver<Seen>, last: PacketId) -> Vec<PacketId> {
    let mut ids = Vec::new();
    wait_for(rx, "on_publish", |s| match s {
        Seen::Publish(id, code) => {
            assert_eq!(*code, ReasonCode::Success);
            ids.push(*id);
            (*id == last).then_some(())
        }
        _ => None,
    });
    ids
}

/// Reads until the client closes the connection, returning the packets it sent
/// first.
#[track_caller]
fn packets_until_closed(conn: &mut Conn, timeout: Duration) -> Vec<Packet> {
    let deadline = Instant::now() + timeout;
    let mut sent = Vec::new();
    loop {
        match conn.try_packet(deadline.saturating_duration_since(Instant::now())) {
            Ok(p) => sent.push(p),
            Err(ConnError::Closed { partial }) if partial.is_empty() => return sent,
            Err(e) => panic!("expected the client to close the connection (after {sent:?}): {e}"),
        }
    }
}

fn mqtt_str(s: &str) -> MqttStr {
    MqttStr::try_from(s).expect("a valid MQTT string")
}

// ---- CONNECT on the wire ----

/// MQTT 3.1.1 section 3.1, byte by byte: protocol name and level
/// (MQTT-3.1.2-1, MQTT-3.1.2-2), flags (MQTT-3.1.2-9 will flag, MQTT-3.1.2-14
/// will QoS, MQTT-3.1.2-15 will retain, MQTT-3.1.2-19 user name, MQTT-3.1.2-21
/// password), keep alive, then the payload in the order MQTT-3.1.3-1 fixes:
/// client id, will topic, will message, user name, password.
#[test]
fn connect_bytes_v311_with_will_and_credentials() {
    let broker = ScriptedBroker::start();
    let options = ClientOptions::new("c1")
        .keepalive(17)
        .will("w/t", "bye", QoS::AtLeastOnce, true)
        .expect("valid will topic")
        .username_pw("u", "p");
    let client = Client::new(options);
    let port = broker.port();
    let c = client.clone();
    let connecting = thread::spawn(move || c.connect("127.0.0.1", port));
    let mut conn = broker.accept(WAIT);
    #[rustfmt::skip]
    let expected = [
        0x10, 30,                                   // CONNECT, remaining length
        0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04,   // protocol name, level 4
        0xEE,                                       // user, password, will retain, will QoS 1, will, clean session
        0x00, 17,                                   // keep alive
        0x00, 0x02, b'c', b'1',                     // client id
        0x00, 0x03, b'w', b'/', b't',               // will topic
        0x00, 0x03, b'b', b'y', b'e',               // will message
        0x00, 0x01, b'u',                           // user name
        0x00, 0x01, b'p',                           // password
    ];
    conn.expect_bytes_eq(&expected, WAIT);
    conn.send_connack(false, ReasonCode::Success);
    connecting.join().expect("no panic").expect("connect");
    client.disconnect().expect("disconnect");
    // MQTT-3.14.1: a DISCONNECT is two bytes in 3.1.1.
    conn.expect_bytes_eq(&[0xE0, 0x00], WAIT);
    conn.expect_closed(WAIT);
}

/// MQTT 3.1 (protocol name "MQIsdp", level 3), clean session, no will.
#[test]
fn connect_bytes_v31() {
    let broker = ScriptedBroker::start();
    let client = Client::new(ClientOptions::new("c").protocol(ProtocolVersion::V3_1).keepalive(5));
    let port = broker.port();
    let c = client.clone();
    let connecting = thread::spawn(move || c.connect("127.0.0.1", port));
    let mut conn = broker.accept(WAIT);
    #[rustfmt::skip]
    let expected = [
        0x10, 15,
        0x00, 0x06, b'M', b'Q', b'I', b's', b'd', b'p', 0x03,
        0x02,
        0x00, 5,
        0x00, 0x01, b'c',
    ];
    conn.expect_bytes_eq(&expected, WAIT);
    conn.send_connack(false, ReasonCode::Success);
    connecting.join().expect("no panic").expect("connect");
}

/// MQTT 5 CONNECT with properties, will properties and credentials, decoded
/// and compared field by field.
#[test]
fn connect_v5_properties_will_and_credentials_decode_as_given() {
    let broker = ScriptedBroker::start();
    let properties = ConnectProperties {
        session_expiry_interval: Some(120),
        receive_maximum: NonZeroU16::new(10),
        maximum_packet_size: NonZeroU32::new(65_536),
        topic_alias_maximum: Some(5),
        request_problem_information: Some(false),
        user_properties: vec![UserProperty { name: mqtt_str("k"), value: mqtt_str("v") }].into(),
        ..ConnectProperties::default()
    };
    let will_properties = WillProperties {
        will_delay_interval: Some(7),
        content_type: Some(mqtt_str("text/plain")),
        ..WillProperties::default()
    };
    let options = ClientOptions::new("c5")
        .protocol(V5)
        .keepalive(30)
        .clean_session(false)
        .username_pw("user", "pass")
        .will("status/c5", "gone", QoS::ExactlyOnce, false)
        .expect("valid will topic")
        .will_properties(will_properties.clone())
        .properties(properties.clone());
    let client = Client::new(options);
    let (_conn, connect) = connect(&client, &broker, false);
    let expected = Connect {
        protocol: V5,
        clean_start: false,
        keep_alive: 30,
        client_id: mqtt_str("c5"),
        will: Some(Will {
            topic: packets::topic("status/c5"),
            payload: Bytes::from_static(b"gone"),
            qos: QoS::ExactlyOnce,
            retain: false,
            properties: will_properties,
        }),
        username: Some(mqtt_str("user")),
        password: Some(Bytes::from_static(b"pass")),
        properties,
    };
    assert!(connect == expected, "got {connect:?}\nexpected {expected:?}");
}

// ---- Refusal ----

/// MQTT 3.1.1 CONNACK return code 5 "not authorized" (MQTT-3.2.2-5: the server
/// closes after a non-zero code): `connect` says refused with the code, and
/// `on_connect` / `on_connect_fail` report it. No reconnect follows a failed
/// `connect`: the caller decides.
#[test]
fn connect_refused_v311_return_code_5() {
    let broker = ScriptedBroker::start();
    let client = Client::new(options(V3_1_1));
    let rx = record(&client);
    let (c, port) = (client.clone(), broker.port());
    let connecting = thread::spawn(move || c.connect("127.0.0.1", port));
    let mut conn = broker.accept(WAIT);
    let _ = conn.expect_connect();
    conn.send_raw(&[0x20, 0x02, 0x00, 0x05]);
    conn.drop_connection();
    let err = connecting.join().expect("no panic").expect_err("a refused connect is an error");
    match err {
        Error::Connect(e) => match *e {
            ConnectError::Refused { reason_code, .. } => assert_eq!(reason_code, ReasonCode::NotAuthorized),
            other => panic!("expected Refused, got {other:?}"),
        },
        other => panic!("expected Error::Connect, got {other:?}"),
    }
    let code = wait_for(&rx, "on_connect", |s| match s {
        Seen::Connect(false, code, _) => Some(*code),
        _ => None,
    });
    assert_eq!(code, ReasonCode::NotAuthorized);
    assert_eq!(code.to_v3_connack(), Some(5));
    let code = wait_for(&rx, "on_connect_fail", |s| match s {
        Seen::ConnectFail(code, _) => Some(*code),
        _ => None,
    });
    assert_eq!(code, Some(ReasonCode::NotAuthorized));
    assert!(!client.is_connected());
    broker.expect_no_connection(ms(200));
}

/// MQTT 5 CONNACK 0x87 "not authorized" with a reason string: the error and
/// both callbacks carry the code and the string.
#[test]
fn connect_refused_v5_reason_code_and_string() {
    let broker = ScriptedBroker::start();
    let client = Client::new(options(V5));
    let rx = record(&client);
    let (c, port) = (client.clone(), broker.port());
    let connecting = thread::spawn(move || c.connect("127.0.0.1", port));
    let mut conn = broker.accept(WAIT);
    let _ = conn.expect_connect();
    let properties = ConnAckProperties { reason_string: Some(mqtt_str("not on the list")), ..Default::default() };
    conn.send(&Packet::from(ConnAck { session_present: false, reason_code: ReasonCode::NotAuthorized, properties }));
    let err = connecting.join().expect("no panic").expect_err("a refused connect is an error");
    let Error::Connect(e) = err else { panic!("expected Error::Connect, got {err:?}") };
    let text = e.to_string();
    let ConnectError::Refused { reason_code, properties } = *e else { panic!("expected Refused, got {e:?}") };
    assert_eq!(reason_code, ReasonCode::NotAuthorized);
    assert_eq!(reason_code.as_u8(), 0x87);
    assert_eq!(properties.reason_string.as_ref().map(MqttStr::as_str), Some("not on the list"));
    assert!(text.contains("not on the list"), "the message shows the reason string: {text}");
    let (code, props) = wait_for(&rx, "on_connect", |s| match s {
        Seen::Connect(_, code, props) => Some((*code, props.clone())),
        _ => None,
    });
    assert_eq!(code, ReasonCode::NotAuthorized);
    assert_eq!(props.reason_string.as_ref().map(MqttStr::as_str), Some("not on the list"));
    let (code, text) = wait_for(&rx, "on_connect_fail", |s| match s {
        Seen::ConnectFail(code, text) => Some((*code, text.clone())),
        _ => None,
    });
    assert_eq!(code, Some(ReasonCode::NotAuthorized));
    assert!(text.contains("not on the list"), "{text}");
    // MQTT-3.2.2-7 (v5): the server closes after a failure code; the client
    // must not keep its side open either.
    conn.expect_closed(WAIT);
}

/// `connect_async` against a broker that refuses (0x86 "bad user name or
/// password"): the callbacks report each refusal, and the network thread keeps
/// trying with backoff until a CONNACK accepts it.
#[test]
fn connect_async_refused_reports_then_retries() {
    let broker = ScriptedBroker::start();
    let client = Client::new(options(V5).username_pw("u", "wrong"));
    let rx = record(&client);
    client.connect_async("127.0.0.1", broker.port()).expect("connect_async");
    let mut conn = broker.accept(WAIT);
    let _ = conn.expect_connect();
    conn.send_connack(false, ReasonCode::BadUserNameOrPassword);
    let code = wait_for(&rx, "on_connect", |s| match s {
        Seen::Connect(_, code, _) => Some(*code),
        _ => None,
    });
    assert_eq!(code, ReasonCode::BadUserNameOrPassword);
    let code = wait_for(&rx, "on_connect_fail", |s| match s {
        Seen::ConnectFail(code, _) => Some(*code),
        _ => None,
    });
    assert_eq!(code, Some(ReasonCode::BadUserNameOrPassword));
    conn.expect_closed(WAIT);
    // The retry, accepted this time.
    let mut conn = broker.accept(WAIT);
    let _ = conn.accept_connect(false);
    let code = wait_for(&rx, "on_connect after the retry", |s| match s {
        Seen::Connect(_, code, _) => Some(*code),
        _ => None,
    });
    assert_eq!(code, ReasonCode::Success);
    assert!(client.is_connected());
}

// ---- Dropped in the middle of a QoS 2 flow ----

/// The broker drops the connection after PUBREC, before PUBCOMP: the client
/// reconnects by itself without clean start and resends the PUBREL with the
/// same packet id (MQTT-4.4.0-1), not the PUBLISH (whose PUBREC arrived,
/// MQTT-4.3.3-1); the token completes once, after the PUBCOMP of the new
/// connection.
fn qos2_dropped_after_pubrec(version: ProtocolVersion) {
    let broker = ScriptedBroker::start();
    let client = Client::new(options(version));
    let rx = record(&client);
    let (mut conn, first) = connect(&client, &broker, false);
    assert!(first.clean_start, "the first connection starts clean");

    let token = client.publish("q2/t", "exactly once", QoS::ExactlyOnce, false).expect("publish");
    let id = token.packet_id().expect("QoS 2 has a packet id");
    let p = conn.expect_publish();
    assert_eq!(p.qos, QosPid::ExactlyOnce(id));
    assert!(!p.dup, "MQTT 3.3.1.1: DUP 0 marks the first attempt");
    conn.send(&packets::pubrec(id.get()));
    conn.expect_ack(PacketType::PubRel, id);
    conn.drop_connection();

    assert_eq!(wait_disconnect(&rx), CloseReason::ConnectionLost);
    let mut conn = broker.accept(WAIT);
    let again = conn.expect_connect();
    assert!(!again.clean_start, "a reconnect resumes the session (MQTT 3.1.2.4)");
    assert_eq!(again.client_id, first.client_id, "same client id, same session");
    conn.send_connack(true, ReasonCode::Success);
    // MQTT-4.4.0-1: resend unacknowledged PUBREL with the original id.
    conn.expect_ack(PacketType::PubRel, id);
    assert!(!token.is_published(), "not complete before PUBCOMP");
    conn.send(&packets::pubcomp(id.get()));
    assert_eq!(token.wait_for_publish(WAIT).expect("completes"), ReasonCode::Success);

    // A second publish is a barrier: once its on_publish ran, every earlier
    // callback ran too.
    let second = client.publish("q2/t", "then", QoS::AtLeastOnce, false).expect("publish");
    let p = conn.expect_publish();
    assert_eq!(p.payload, "then");
    conn.send(&packets::puback(packets::id_of(&p).get()));
    let second_id = second.packet_id().expect("id");
    let ids = publishes_until(&rx, second_id);
    assert_eq!(ids.iter().filter(|i| **i == id).count(), 1, "on_publish once for the QoS 2 message: {ids:?}");
    assert!(token.is_published());
}

#[test]
fn qos2_dropped_after_pubrec_resends_pubrel_v311() {
    qos2_dropped_after_pubrec(V3_1_1);
}

#[test]
fn qos2_dropped_after_pubrec_resends_pubrel_v5() {
    qos2_dropped_after_pubrec(V5);
}

/// The broker drops the connection after the PUBLISH, before PUBREC: the
/// client reconnects and resends the PUBLISH with DUP set and the same packet
/// id (MQTT-4.4.0-1, MQTT-3.3.1-1), then completes the flow; one completion.
fn qos2_dropped_before_pubrec(version: ProtocolVersion) {
    let broker = ScriptedBroker::start();
    let client = Client::new(options(version));
    let rx = record(&client);
    let (mut conn, _) = connect(&client, &broker, false);

    let token = client.publish("q2/t", "exactly once", QoS::ExactlyOnce, true).expect("publish");
    let id = token.packet_id().expect("QoS 2 has a packet id");
    let p = conn.expect_publish();
    assert_eq!((p.qos, p.dup), (QosPid::ExactlyOnce(id), false));
    conn.drop_connection();

    assert_eq!(wait_disconnect(&rx), CloseReason::ConnectionLost);
    let mut conn = broker.accept(WAIT);
    assert!(!conn.expect_connect().clean_start, "a reconnect resumes the session (MQTT 3.1.2.4)");
    conn.send_connack(true, ReasonCode::Success);
    let again = conn.expect_publish();
    assert!(again.dup, "MQTT-3.3.1-1: DUP is 1 on a redelivery");
    assert_eq!(again.qos, QosPid::ExactlyOnce(id), "same packet id");
    assert_eq!((again.topic.as_str(), &again.payload[..], again.retain), ("q2/t", &b"exactly once"[..], true));
    assert!(!token.is_published());
    conn.send(&packets::pubrec(id.get()));
    conn.expect_ack(PacketType::PubRel, id);
    assert!(!token.is_published(), "not complete before PUBCOMP");
    conn.send(&packets::pubcomp(id.get()));
    assert_eq!(token.wait_for_publish(WAIT).expect("completes"), ReasonCode::Success);

    let second = client.publish("q2/t", "then", QoS::AtLeastOnce, false).expect("publish");
    let p = conn.expect_publish();
    conn.send(&packets::puback(packets::id_of(&p).get()));
    let ids = publishes_until(&rx, second.packet_id().expect("id"));
    assert_eq!(ids.iter().filter(|i| **i == id).count(), 1, "on_publish once for the QoS 2 message: {ids:?}");
}

#[test]
fn qos2_dropped_before_pubrec_resends_publish_with_dup_v311() {
    qos2_dropped_before_pubrec(V3_1_1);
}

#[test]
fn qos2_dropped_before_pubrec_resends_publish_with_dup_v5() {
    qos2_dropped_before_pubrec(V5);
}

// ---- Keep alive ----

/// Keep alive 1 s, ping timeout 500 ms, PINGRESP withheld: the client sends
/// PINGREQ after a second of silence (MQTT-3.1.2-23), closes the connection
/// about 500 ms later (MQTT 3.1.2.10: "it SHOULD close the Network
/// Connection"), reports KeepAliveTimeout and reconnects.
fn pingresp_withheld(version: ProtocolVersion) {
    let broker = ScriptedBroker::start();
    let mut opts = options(version).keepalive(1);
    opts.mqtt_options().ping_timeout = ms(500);
    let client = Client::new(opts);
    let rx = record(&client);
    let (mut conn, _) = connect(&client, &broker, false);
    let connected = Instant::now();
    assert_eq!(conn.expect_packet(WAIT), Packet::PingReq);
    let pinged = Instant::now();
    let after = pinged - connected;
    assert!(after >= ms(700) && after <= ms(1600), "PINGREQ after {after:?}, keep alive is 1 s");

    // No PINGRESP. The client may say why (MQTT 5 DISCONNECT), then closes.
    let sent = packets_until_closed(&mut conn, WAIT);
    let closed = pinged.elapsed();
    assert!(closed >= ms(250) && closed <= ms(1500), "closed {closed:?} after PINGREQ, ping timeout 500 ms");
    for p in &sent {
        match p {
            Packet::Disconnect(d) if version.is_v5() => {
                assert!(d.reason_code.is_error(), "not a normal disconnection (the will must go out): {d:?}");
            }
            other => panic!("unexpected {other:?} while the PINGRESP was withheld (3.1.1 has no error DISCONNECT)"),
        }
    }
    assert_eq!(wait_disconnect(&rx), CloseReason::KeepAliveTimeout);
    let mut conn = broker.accept(WAIT);
    assert!(!conn.accept_connect(true).clean_start);
    wait_for(&rx, "on_connect after the reconnect", |s| {
        matches!(s, Seen::Connect(true, ReasonCode::Success, _)).then_some(())
    });
    assert!(client.is_connected());
}

#[test]
fn pingresp_withheld_closes_and_reconnects_v311() {
    pingresp_withheld(V3_1_1);
}

#[test]
fn pingresp_withheld_closes_and_reconnects_v5() {
    pingresp_withheld(V5);
}

/// A callback that blocks for 3 s never delays keep alive or
/// acknowledgements: with keep alive 1 s the broker receives PINGREQ within
/// 1.5 s of the client's last packet, twice, and a PUBACK at once, while the
/// callback sleeps.
#[test]
fn slow_callback_never_delays_keepalive() {
    let broker = ScriptedBroker::start();
    let client = Client::new(options(V3_1_1).keepalive(1));
    let (entered_tx, entered) = mpsc::channel();
    client.on_message(move |_, m| {
        let _ = entered_tx.send(m.topic.as_str().to_owned());
        if m.topic.as_str() == "slow" {
            // The application is slow on purpose.
            thread::sleep(Duration::from_secs(3));
        }
    });
    client.loop_start().expect("loop_start");
    let (mut conn, _) = connect(&client, &broker, false);
    let mut last_tx = Instant::now();
    conn.send(&packets::publish("slow", b"x", QoS::AtMostOnce, 0));
    assert_eq!(entered.recv_timeout(WAIT).expect("on_message runs"), "slow");

    // While the callback blocks: a QoS 1 message is acknowledged at once ...
    conn.send(&packets::publish("queued", b"y", QoS::AtLeastOnce, 9));
    conn.expect_ack(PacketType::PubAck, packets::pid(9));
    last_tx = last_tx.max(Instant::now());
    // ... and PINGREQ keeps coming, answered, on time.
    for _ in 0..2 {
        assert_eq!(conn.expect_packet(WAIT), Packet::PingReq);
        let gap = last_tx.elapsed();
        assert!(gap <= ms(1500), "PINGREQ {gap:?} after the last packet, keep alive 1 s");
        last_tx = Instant::now();
        conn.send(&packets::pingresp());
    }
    // The second message waited for the slow callback, in order.
    assert_eq!(entered.recv_timeout(WAIT).expect("second on_message"), "queued");
    client.loop_stop().expect("loop_stop");
}

// ---- Malformed packets and server DISCONNECT ----

/// A PUBLISH with both QoS bits set is malformed (MQTT-3.3.1-4). An MQTT 5
/// client sends DISCONNECT 0x81 "malformed packet" and closes (MQTT 5 section
/// 4.13); `on_disconnect` says Malformed; the client reconnects.
#[test]
fn malformed_packet_v5_disconnects_with_0x81_and_reconnects() {
    let broker = ScriptedBroker::start();
    let client = Client::new(options(V5));
    let rx = record(&client);
    let (mut conn, _) = connect(&client, &broker, false);
    // PUBLISH, QoS 3, topic "a", id 1, no properties.
    conn.send_raw(&[0x36, 0x06, 0x00, 0x01, b'a', 0x00, 0x01, 0x00]);
    let d = conn.expect_disconnect();
    assert_eq!(d.reason_code, ReasonCode::MalformedPacket);
    assert_eq!(d.reason_code.as_u8(), 0x81);
    conn.expect_closed(WAIT);
    let reason = wait_disconnect(&rx);
    assert!(matches!(reason, CloseReason::Malformed(_)), "{reason:?}");
    let mut conn = broker.accept(WAIT);
    assert!(!conn.accept_connect(true).clean_start);
    wait_for(&rx, "on_connect after the reconnect", |s| matches!(s, Seen::Connect(..)).then_some(()));
}

/// MQTT 3.1.1 has no DISCONNECT for errors, and a DISCONNECT would make the
/// server drop the will (MQTT-3.14.4-3): the client just closes.
#[test]
fn malformed_packet_v311_closes_without_disconnect() {
    let broker = ScriptedBroker::start();
    let client = Client::new(options(V3_1_1));
    let rx = record(&client);
    let (mut conn, _) = connect(&client, &broker, false);
    conn.send_raw(&[0x36, 0x05, 0x00, 0x01, b'a', 0x00, 0x01]);
    conn.expect_closed(WAIT);
    let reason = wait_disconnect(&rx);
    assert!(matches!(reason, CloseReason::Malformed(_)), "{reason:?}");
    let mut conn = broker.accept(WAIT);
    let _ = conn.accept_connect(true);
    wait_for(&rx, "on_connect after the reconnect", |s| matches!(s, Seen::Connect(true, ..)).then_some(()));
}

/// A server DISCONNECT (MQTT 5 section 3.14) with a reason code and reason
/// string reaches `on_disconnect` as they were; the client closes without
/// sending anything more (a DISCONNECT ends the exchange) and reconnects.
#[test]
fn server_disconnect_v5_reports_reason_code_and_string() {
    let broker = ScriptedBroker::start();
    let client = Client::new(options(V5));
    let rx = record(&client);
    let (mut conn, _) = connect(&client, &broker, false);
    let properties = DisconnectProperties { reason_string: Some(mqtt_str("maintenance")), ..Default::default() };
    conn.send(&Packet::from(Disconnect { reason_code: ReasonCode::ServerShuttingDown, properties }));
    conn.expect_closed(WAIT);
    match wait_disconnect(&rx) {
        CloseReason::ServerDisconnected { reason_code, properties } => {
            assert_eq!(reason_code, ReasonCode::ServerShuttingDown);
            assert_eq!(properties.reason_string.as_ref().map(MqttStr::as_str), Some("maintenance"));
        }
        other => panic!("expected ServerDisconnected, got {other:?}"),
    }
    let mut conn = broker.accept(WAIT);
    let _ = conn.accept_connect(true);
    wait_for(&rx, "on_connect after the reconnect", |s| matches!(s, Seen::Connect(true, ..)).then_some(()));
}

// ---- Publishing while disconnected ----

/// The broker is gone between two connections (no automatic reconnect here, so
/// the gap lasts as long as the test wants): QoS 1 and 2 publishes are queued
/// and go out after `reconnect`, in order, as first attempts; QoS 0 is
/// `NotConnected`.
#[test]
fn publishes_while_disconnected_are_queued_until_reconnect() {
    let broker = ScriptedBroker::start();
    let client = Client::new(options(V3_1_1).auto_reconnect(false));
    let rx = record(&client);
    let (conn, _) = connect(&client, &broker, false);
    conn.drop_connection();
    assert_eq!(wait_disconnect(&rx), CloseReason::ConnectionLost);
    assert!(!client.is_connected());

    let one = client.publish("offline", "one", QoS::AtLeastOnce, false).expect("QoS 1 is queued");
    let two = client.publish("offline", "two", QoS::ExactlyOnce, false).expect("QoS 2 is queued");
    assert!(matches!(client.publish("offline", "zero", QoS::AtMostOnce, false), Err(Error::NotConnected)));
    let (one_id, two_id) = (one.packet_id().expect("id"), two.packet_id().expect("id"));
    assert_ne!(one_id, two_id);
    assert!(!one.is_published() && !two.is_published());
    broker.expect_no_connection(ms(100));

    let c = client.clone();
    let reconnecting = thread::spawn(move || c.reconnect());
    let mut conn = broker.accept(WAIT);
    assert!(!conn.accept_connect(true).clean_start);
    reconnecting.join().expect("no panic").expect("reconnect");
    let p = conn.expect_publish();
    assert_eq!((p.qos, &p.payload[..]), (QosPid::AtLeastOnce(one_id), &b"one"[..]));
    let p = conn.expect_publish();
    assert_eq!((p.qos, &p.payload[..]), (QosPid::ExactlyOnce(two_id), &b"two"[..]));
    conn.send(&packets::puback(one_id.get()));
    conn.send(&packets::pubrec(two_id.get()));
    conn.expect_ack(PacketType::PubRel, two_id);
    conn.send(&packets::pubcomp(two_id.get()));
    assert_eq!(one.wait_for_publish(WAIT).expect("one"), ReasonCode::Success);
    assert_eq!(two.wait_for_publish(WAIT).expect("two"), ReasonCode::Success);
}

/// With automatic reconnect: publishes made while the reconnect waits for its
/// CONNACK are queued (QoS 1) or refused (QoS 0), and sent once connected.
#[test]
fn publishes_while_reconnecting_are_queued_until_connack() {
    let broker = ScriptedBroker::start();
    let client = Client::new(options(V5));
    let rx = record(&client);
    let (conn, _) = connect(&client, &broker, false);
    conn.drop_connection();
    assert_eq!(wait_disconnect(&rx), CloseReason::ConnectionLost);
    let mut conn = broker.accept(WAIT);
    let _ = conn.expect_connect();
    // CONNACK withheld: connecting, not connected.
    assert!(!client.is_connected());
    let one = client.publish("offline", "one", QoS::AtLeastOnce, false).expect("QoS 1 is queued");
    assert!(matches!(client.publish("offline", "zero", QoS::AtMostOnce, false), Err(Error::NotConnected)));
    conn.send_connack(true, ReasonCode::Success);
    let p = conn.expect_publish();
    assert_eq!(p.qos, QosPid::AtLeastOnce(one.packet_id().expect("id")));
    assert!(!p.dup);
    conn.send(&packets::puback(packets::id_of(&p).get()));
    assert_eq!(one.wait_for_publish(WAIT).expect("one"), ReasonCode::Success);
}

// ---- Re-subscribing when the session is lost ----

/// A reconnect whose CONNACK says Session Present 0 (MQTT-3.2.2-3 / v5
/// 3.2.2.1.1: the server has no session) makes the client subscribe again to
/// what the server had granted (not to the filter it refused).
fn resubscribe_when_session_lost(version: ProtocolVersion) {
    let broker = ScriptedBroker::start();
    let client = Client::new(options(version));
    let rx = record(&client);
    let (mut conn, _) = connect(&client, &broker, false);
    let id = client
        .subscribe([("a/#", QoS::AtLeastOnce), ("b", QoS::AtMostOnce), ("denied", QoS::ExactlyOnce)])
        .expect("subscribe");
    let s = conn.expect_subscribe();
    assert_eq!(s.packet_id, id);
    conn.send(&packets::suback(id.get(), [ReasonCode::GrantedQoS1, ReasonCode::Success, ReasonCode::UnspecifiedError]));
    let results = wait_for(&rx, "on_subscribe", |s| match s {
        Seen::Subscribe(i, r) if *i == id => Some(r.clone()),
        _ => None,
    });
    assert_eq!(results, vec![Ok(QoS::AtLeastOnce), Ok(QoS::AtMostOnce), Err(ReasonCode::UnspecifiedError)]);

    conn.drop_connection();
    let mut conn = broker.accept(WAIT);
    assert!(!conn.accept_connect(false).clean_start, "the client asked to resume");
    let again = conn.expect_subscribe();
    let subscriptions = again.subscriptions.to_vec();
    let filters: Vec<_> = subscriptions.iter().map(|s| (s.filter.as_str(), s.options.qos)).collect();
    assert_eq!(filters, [("a/#", QoS::AtLeastOnce), ("b", QoS::AtMostOnce)]);
    conn.send(&packets::suback(again.packet_id.get(), [ReasonCode::GrantedQoS1, ReasonCode::Success]));
    let results = wait_for(&rx, "on_subscribe of the re-subscription", |s| match s {
        Seen::Subscribe(i, r) if *i == again.packet_id => Some(r.clone()),
        _ => None,
    });
    assert_eq!(results, vec![Ok(QoS::AtLeastOnce), Ok(QoS::AtMostOnce)]);

    // Session Present 1 next time: nothing to redo; the next packet is ours.
    conn.drop_connection();
    let mut conn = broker.accept(WAIT);
    let _ = conn.accept_connect(true);
    wait_for(&rx, "on_connect", |s| matches!(s, Seen::Connect(true, ..)).then_some(()));
    client.publish("marker", "m", QoS::AtMostOnce, false).expect("publish");
    assert_eq!(conn.expect_publish().topic.as_str(), "marker", "no SUBSCRIBE when the session is present");
}

#[test]
fn resubscribes_when_session_lost_v311() {
    resubscribe_when_session_lost(V3_1_1);
}

#[test]
fn resubscribes_when_session_lost_v5() {
    resubscribe_when_session_lost(V5);
}

/// With `auto_resubscribe(false)` a lost session is the application's business.
#[test]
fn no_resubscribe_when_turned_off() {
    let broker = ScriptedBroker::start();
    let client = Client::new(options(V3_1_1).auto_resubscribe(false));
    let rx = record(&client);
    let (mut conn, _) = connect(&client, &broker, false);
    let _ = client.subscribe(("a", QoS::AtLeastOnce)).expect("subscribe");
    let _ = conn.ack_subscribe();
    wait_for(&rx, "on_subscribe", |s| matches!(s, Seen::Subscribe(..)).then_some(()));
    conn.drop_connection();
    let mut conn = broker.accept(WAIT);
    let _ = conn.accept_connect(false);
    wait_for(&rx, "on_connect", |s| matches!(s, Seen::Connect(false, ReasonCode::Success, _)).then_some(()));
    client.publish("marker", "m", QoS::AtMostOnce, false).expect("publish");
    assert_eq!(conn.expect_publish().topic.as_str(), "marker");
}

/// The queue for publishes made while disconnected is bounded
/// (`max_queued_messages`): beyond it, `publish` fails at once instead of
/// growing without limit.
#[test]
fn queue_limit_while_disconnected() {
    let broker = ScriptedBroker::start();
    let client = Client::new(options(V3_1_1).auto_reconnect(false).max_queued_messages(2));
    let rx = record(&client);
    let (conn, _) = connect(&client, &broker, false);
    conn.drop_connection();
    assert_eq!(wait_disconnect(&rx), CloseReason::ConnectionLost);
    for n in 0..2 {
        client.publish("q", format!("{n}"), QoS::AtLeastOnce, false).expect("within the queue limit");
    }
    match client.publish("q", "one too many", QoS::AtLeastOnce, false) {
        Err(Error::Command(e)) => assert!(e.to_string().contains("queue"), "{e}"),
        other => panic!("expected a queue-full error, got {other:?}"),
    }
}

// ---- Incoming QoS 2 across a reconnect ----

/// The broker sends a QoS 2 PUBLISH, gets PUBREC, drops the connection, and
/// after the reconnect sends the PUBLISH again with DUP: the application sees
/// the message once (MQTT 4.3.3, exactly once), and the client answers PUBREC
/// again and PUBCOMP to the PUBREL (MQTT-4.3.3-2 in 3.1.1: PUBREC for every
/// PUBLISH with that id until PUBREL, no duplicate delivery).
fn incoming_qos2_redelivered(version: ProtocolVersion) {
    let broker = ScriptedBroker::start();
    let client = Client::new(options(version));
    let (tx, messages) = mpsc::channel();
    client.on_message(move |_, m| {
        let _ = tx.send((m.topic.as_str().to_owned(), m.payload.clone(), m.qos));
    });
    client.loop_start().expect("loop_start");
    let (mut conn, _) = connect(&client, &broker, false);
    conn.send(&packets::publish("in/q2", b"once", QoS::ExactlyOnce, 4));
    conn.expect_ack(PacketType::PubRec, packets::pid(4));
    conn.drop_connection();

    let mut conn = broker.accept(WAIT);
    assert!(!conn.expect_connect().clean_start);
    conn.send_connack(true, ReasonCode::Success);
    let mut again = mqtt_proto::Publish::new(packets::topic("in/q2"), Bytes::from_static(b"once"));
    again.qos = QosPid::ExactlyOnce(packets::pid(4));
    again.dup = true;
    conn.send(&Packet::Publish(again));
    conn.expect_ack(PacketType::PubRec, packets::pid(4));
    conn.send(&packets::pubrel(4));
    conn.expect_ack(PacketType::PubComp, packets::pid(4));
    // A QoS 0 marker: every earlier message was dispatched before it.
    conn.send(&packets::publish("in/marker", b"", QoS::AtMostOnce, 0));
    let first = messages.recv_timeout(WAIT).expect("the QoS 2 message");
    assert_eq!(first, ("in/q2".to_owned(), Bytes::from_static(b"once"), QoS::ExactlyOnce));
    let next = messages.recv_timeout(WAIT).expect("the marker");
    assert_eq!(next.0, "in/marker", "the QoS 2 message was delivered twice");
    client.loop_stop().expect("loop_stop");
}

#[test]
fn incoming_qos2_redelivered_after_reconnect_is_delivered_once_v311() {
    incoming_qos2_redelivered(V3_1_1);
}

#[test]
fn incoming_qos2_redelivered_after_reconnect_is_delivered_once_v5() {
    incoming_qos2_redelivered(V5);
}
