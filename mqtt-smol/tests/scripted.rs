//! The async client against `mqtt_testkit::ScriptedBroker`, over real sockets
//! on 127.0.0.1, the driver on smol's executor: the scenarios of
//! mqtt-blocking's scripted tests (refusals, drops in the middle of QoS 2,
//! keep alive, malformed packets, server DISCONNECT, queued publishes,
//! re-subscribing, incoming QoS 2 across a reconnect), plus routing, the
//! graceful disconnect and cancel safety.
//!
//! Every wait is bounded; no test measures time.

mod common;

use std::future::IntoFuture;
use std::thread;
use std::time::Duration;

use bytes::Bytes;
use common::{WAIT, connect, connect_error, connected, disconnected, message, ms, next_event, within};
use futures_lite::future;
use mqtt_proto::{ConnAck, Disconnect, MqttStr, Packet, PacketType, QosPid};
use mqtt_smol::{
    ClientOptions, CloseReason, ConnAckProperties, ConnectError, ConnectProperties, DisconnectProperties, Error, Event,
    ProtocolVersion, QoS, ReasonCode,
};
use mqtt_testkit::{Conn, ScriptedBroker, packets};

const V3_1_1: ProtocolVersion = ProtocolVersion::V3_1_1;
const V5: ProtocolVersion = ProtocolVersion::V5;

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

fn mqtt_str(s: &str) -> MqttStr {
    MqttStr::try_from(s).expect("valid MQTT string")
}

/// Connect on a helper thread, answering with `reply`; returns what connect
/// returned.
fn connect_answered(
    options: ClientOptions,
    broker: &ScriptedBroker,
    reply: impl FnOnce(&mut Conn),
) -> Result<(mqtt_smol::Client, mqtt_smol::Driver, mqtt_smol::Events), Error> {
    let port = broker.port();
    let connecting = thread::spawn(move || smol::block_on(mqtt_smol::connect(options, "127.0.0.1", port)));
    let mut conn = broker.accept(WAIT);
    let _ = conn.expect_connect();
    reply(&mut conn);
    connecting.join().expect("no panic")
}

// ---- Refusal and connect errors ----

/// MQTT 3.1.1 CONNACK return code 5 "not authorized" (MQTT-3.2.2-5: the server
/// closes after a non-zero code): `connect` says refused with the code, and
/// no reconnect follows (the caller decides).
#[test]
fn connect_refused_v311_return_code_5() {
    let broker = ScriptedBroker::start();
    let result = connect_answered(options(V3_1_1), &broker, |conn| {
        conn.send_raw(&[0x20, 0x02, 0x00, 0x05]);
    });
    match connect_error(result) {
        ConnectError::Refused { reason_code, .. } => {
            assert_eq!(reason_code, ReasonCode::NotAuthorized);
            assert_eq!(reason_code.to_v3_connack(), Some(5));
        }
        other => panic!("expected Refused, got {other:?}"),
    }
    broker.expect_no_connection(ms(200));
}

/// MQTT 5 CONNACK 0x87 "not authorized" with a reason string: the error carries
/// the code and the string; the client closes its side (MQTT-3.2.2-7).
#[test]
fn connect_refused_v5_reason_code_and_string() {
    let broker = ScriptedBroker::start();
    let port = broker.port();
    let connecting = thread::spawn(move || smol::block_on(mqtt_smol::connect(options(V5), "127.0.0.1", port)));
    let mut conn = broker.accept(WAIT);
    let _ = conn.expect_connect();
    let properties = ConnAckProperties { reason_string: Some(mqtt_str("not on the list")), ..Default::default() };
    conn.send(&Packet::from(ConnAck { session_present: false, reason_code: ReasonCode::NotAuthorized, properties }));
    let e = connect_error(connecting.join().expect("no panic"));
    let text = e.to_string();
    let ConnectError::Refused { reason_code, properties } = e else { panic!("expected Refused, got {e:?}") };
    assert_eq!(reason_code.as_u8(), 0x87);
    assert_eq!(properties.reason_string.as_ref().map(MqttStr::as_str), Some("not on the list"));
    assert!(text.contains("not on the list"), "the message shows the reason string: {text}");
    conn.expect_closed(WAIT);
}

/// `.invalid` never resolves (RFC 6761 section 6.4).
#[test]
fn connect_error_name_not_resolved() {
    let result = within("connect", mqtt_smol::connect(options(V3_1_1), "no-such-host.invalid", 1883));
    assert!(matches!(connect_error(result), ConnectError::Resolve(..)));
}

/// A closed loopback port refuses the TCP connection.
#[test]
fn connect_error_connection_refused() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let result = within("connect", mqtt_smol::connect(options(V3_1_1), "127.0.0.1", port));
    match connect_error(result) {
        ConnectError::Io(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionRefused),
        other => panic!("expected Io, got {other:?}"),
    }
}

/// A server that takes the CONNECT and never answers: `connect` gives up
/// after the connect timeout.
#[test]
fn connect_error_timeout_without_connack() {
    let broker = ScriptedBroker::start();
    let opts = options(V3_1_1).connect_timeout(ms(300));
    let result = connect_answered(opts, &broker, |_| {});
    assert!(matches!(connect_error(result), ConnectError::Timeout), "no CONNACK is a timeout");
}

/// TLS against a plain MQTT socket: the "server" answers the ClientHello with
/// bytes that are no TLS record.
#[test]
fn connect_error_tls_against_plain_socket() {
    let broker = ScriptedBroker::start();
    let port = broker.port();
    let opts = options(V3_1_1).tls(mqtt_smol::TlsOptions::new().dangerous_accept_any_server_certificate());
    let connecting = thread::spawn(move || smol::block_on(mqtt_smol::connect(opts, "127.0.0.1", port)));
    let mut conn = broker.accept(WAIT);
    conn.send_raw(&[0x20, 0x02, 0x00, 0x00]);
    match connect_error(connecting.join().expect("no panic")) {
        ConnectError::Transport(mqtt_smol::TransportError::Tls(_) | mqtt_smol::TransportError::Io(_)) => {}
        other => panic!("expected a TLS error, got {other:?}"),
    }
}

// ---- Dropped in the middle of a QoS 2 flow ----

/// The broker drops the connection after PUBREC, before PUBCOMP: the driver
/// reconnects without clean start and resends the PUBREL with the same packet
/// id (MQTT-4.4.0-1), not the PUBLISH (MQTT-4.3.3-1); the token completes
/// once, after the PUBCOMP of the new connection.
fn qos2_dropped_after_pubrec(version: ProtocolVersion) {
    let broker = ScriptedBroker::start();
    let (client, mut events, mut conn, first) = connect(options(version), &broker, false);
    assert!(first.clean_start, "the first connection starts clean");
    connected(&mut events);

    let token = client.publish("q2/t", "exactly once", QoS::ExactlyOnce, false).expect("publish");
    let id = token.packet_id().expect("QoS 2 has a packet id");
    let p = conn.expect_publish();
    assert_eq!(p.qos, QosPid::ExactlyOnce(id));
    assert!(!p.dup, "MQTT 3.3.1.1: DUP 0 marks the first attempt");
    conn.send(&packets::pubrec(id.get()));
    conn.expect_ack(PacketType::PubRel, id);
    conn.drop_connection();

    assert_eq!(disconnected(&mut events), CloseReason::ConnectionLost);
    let mut conn = broker.accept(WAIT);
    let again = conn.expect_connect();
    assert!(!again.clean_start, "a reconnect resumes the session (MQTT 3.1.2.4)");
    assert_eq!(again.client_id, first.client_id, "same client id, same session");
    conn.send_connack(true, ReasonCode::Success);
    // MQTT-4.4.0-1: resend unacknowledged PUBREL with the original id.
    conn.expect_ack(PacketType::PubRel, id);
    assert!(!token.is_published(), "not complete before PUBCOMP");
    conn.send(&packets::pubcomp(id.get()));
    assert_eq!(within("PUBCOMP", token.wait()).expect("completes"), ReasonCode::Success);
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
/// driver reconnects and resends the PUBLISH with DUP set and the same packet
/// id (MQTT-4.4.0-1, MQTT-3.3.1-1), then completes the flow.
fn qos2_dropped_before_pubrec(version: ProtocolVersion) {
    let broker = ScriptedBroker::start();
    let (client, mut events, mut conn, _) = connect(options(version), &broker, false);

    let token = client.publish("q2/t", "exactly once", QoS::ExactlyOnce, true).expect("publish");
    let id = token.packet_id().expect("QoS 2 has a packet id");
    let p = conn.expect_publish();
    assert_eq!((p.qos, p.dup), (QosPid::ExactlyOnce(id), false));
    conn.drop_connection();

    assert_eq!(disconnected(&mut events), CloseReason::ConnectionLost);
    let mut conn = broker.accept(WAIT);
    assert!(!conn.expect_connect().clean_start, "a reconnect resumes the session (MQTT 3.1.2.4)");
    conn.send_connack(true, ReasonCode::Success);
    let again = conn.expect_publish();
    assert!(again.dup, "MQTT-3.3.1-1: DUP is 1 on a redelivery");
    assert_eq!(again.qos, QosPid::ExactlyOnce(id), "same packet id");
    assert_eq!((again.topic.as_str(), &again.payload[..], again.retain), ("q2/t", &b"exactly once"[..], true));
    conn.send(&packets::pubrec(id.get()));
    conn.expect_ack(PacketType::PubRel, id);
    assert!(!token.is_published(), "not complete before PUBCOMP");
    conn.send(&packets::pubcomp(id.get()));
    assert_eq!(within("PUBCOMP", token).expect("completes"), ReasonCode::Success);
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

/// Keep alive 1 s, ping timeout 500 ms, PINGRESP withheld: the driver sends
/// PINGREQ after a silence (MQTT-3.1.2-23), closes the connection (MQTT
/// 3.1.2.10: "it SHOULD close the Network Connection"), reports
/// KeepAliveTimeout and reconnects.
fn pingresp_withheld(version: ProtocolVersion) {
    let broker = ScriptedBroker::start();
    let mut opts = options(version).keepalive(1);
    opts.mqtt_options().ping_timeout = ms(500);
    let (client, mut events, mut conn, _) = connect(opts, &broker, false);
    assert_eq!(conn.expect_packet(WAIT), Packet::PingReq);
    // No PINGRESP. An MQTT 5 client may say why (DISCONNECT), then closes.
    loop {
        match conn.try_packet(WAIT) {
            Ok(Packet::Disconnect(d)) if version.is_v5() => {
                assert!(d.reason_code.is_error(), "not a normal disconnection (the will must go out): {d:?}");
            }
            Ok(other) => panic!("unexpected {other:?} while the PINGRESP was withheld"),
            Err(_) => break,
        }
    }
    assert_eq!(disconnected(&mut events), CloseReason::KeepAliveTimeout);
    let mut conn = broker.accept(WAIT);
    assert!(!conn.accept_connect(true).clean_start);
    assert!(connected(&mut events).session_present);
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

/// Nobody reads the events while messages pour in: keep alive and
/// acknowledgements go on regardless, since the driver never waits for the
/// application (PINGREQ after a silence, PUBACK for each QoS 1 message).
#[test]
fn unread_events_never_delay_keepalive_or_acks() {
    let broker = ScriptedBroker::start();
    let (_client, _events, mut conn, _) = connect(options(V3_1_1).keepalive(1), &broker, false);
    for n in 1..=50u16 {
        conn.send(&packets::publish("in/t", b"payload", QoS::AtLeastOnce, n));
        conn.expect_ack(PacketType::PubAck, packets::pid(n));
    }
    assert_eq!(conn.expect_packet(WAIT), Packet::PingReq);
    conn.send(&Packet::PingResp);
    assert_eq!(conn.expect_packet(WAIT), Packet::PingReq, "keep alive goes on");
}

// ---- Malformed packets and server DISCONNECT ----

/// A PUBLISH with both QoS bits set is malformed (MQTT-3.3.1-4). An MQTT 5
/// client sends DISCONNECT 0x81 "malformed packet" and closes (MQTT 5 section
/// 4.13); the event says Malformed; the driver reconnects.
#[test]
fn malformed_packet_v5_disconnects_with_0x81_and_reconnects() {
    let broker = ScriptedBroker::start();
    let (_client, mut events, mut conn, _) = connect(options(V5), &broker, false);
    conn.send_raw(&[0x36, 0x06, 0x00, 0x01, b'a', 0x00, 0x01, 0x00]);
    let d = conn.expect_disconnect();
    assert_eq!(d.reason_code.as_u8(), 0x81);
    conn.expect_closed(WAIT);
    let reason = disconnected(&mut events);
    assert!(matches!(reason, CloseReason::Malformed(_)), "{reason:?}");
    let mut conn = broker.accept(WAIT);
    assert!(!conn.accept_connect(true).clean_start);
    connected(&mut events);
}

/// MQTT 3.1.1 has no DISCONNECT for errors, and a DISCONNECT would make the
/// server drop the will (MQTT-3.14.4-3): the client just closes.
#[test]
fn malformed_packet_v311_closes_without_disconnect() {
    let broker = ScriptedBroker::start();
    let (_client, mut events, mut conn, _) = connect(options(V3_1_1), &broker, false);
    conn.send_raw(&[0x36, 0x05, 0x00, 0x01, b'a', 0x00, 0x01]);
    conn.expect_closed(WAIT);
    let reason = disconnected(&mut events);
    assert!(matches!(reason, CloseReason::Malformed(_)), "{reason:?}");
    let mut conn = broker.accept(WAIT);
    let _ = conn.accept_connect(true);
    connected(&mut events);
}

/// A server DISCONNECT (MQTT 5 section 3.14) with a reason code and reason
/// string reaches the event as it was; the driver reconnects.
#[test]
fn server_disconnect_v5_reports_reason_code_and_string() {
    let broker = ScriptedBroker::start();
    let (_client, mut events, mut conn, _) = connect(options(V5), &broker, false);
    let properties = DisconnectProperties { reason_string: Some(mqtt_str("maintenance")), ..Default::default() };
    conn.send(&Packet::from(Disconnect { reason_code: ReasonCode::ServerShuttingDown, properties }));
    conn.expect_closed(WAIT);
    match disconnected(&mut events) {
        CloseReason::ServerDisconnected { reason_code, properties } => {
            assert_eq!(reason_code, ReasonCode::ServerShuttingDown);
            assert_eq!(properties.reason_string.as_ref().map(MqttStr::as_str), Some("maintenance"));
        }
        other => panic!("expected ServerDisconnected, got {other:?}"),
    }
    let mut conn = broker.accept(WAIT);
    let _ = conn.accept_connect(true);
    connected(&mut events);
}

// ---- Publishing while disconnected ----

/// Publishes made while the reconnect waits for its CONNACK are queued (QoS 1
/// and 2) or refused (QoS 0), and go out in order, as first attempts, once
/// connected.
#[test]
fn publishes_while_reconnecting_are_queued_until_connack() {
    let broker = ScriptedBroker::start();
    let (client, mut events, conn, _) = connect(options(V5), &broker, false);
    conn.drop_connection();
    assert_eq!(disconnected(&mut events), CloseReason::ConnectionLost);
    let one = client.publish("offline", "one", QoS::AtLeastOnce, false).expect("QoS 1 is queued");
    let mut conn = broker.accept(WAIT);
    let _ = conn.expect_connect();
    // CONNACK withheld: connecting, not connected.
    assert!(!client.is_connected());
    let two = client.publish("offline", "two", QoS::ExactlyOnce, false).expect("QoS 2 is queued");
    assert!(matches!(client.publish("offline", "zero", QoS::AtMostOnce, false), Err(Error::NotConnected)));
    let (one_id, two_id) = (one.packet_id().expect("id"), two.packet_id().expect("id"));
    conn.send_connack(true, ReasonCode::Success);
    let p = conn.expect_publish();
    assert_eq!((p.qos, &p.payload[..], p.dup), (QosPid::AtLeastOnce(one_id), &b"one"[..], false));
    let p = conn.expect_publish();
    assert_eq!((p.qos, &p.payload[..], p.dup), (QosPid::ExactlyOnce(two_id), &b"two"[..], false));
    conn.send(&packets::puback(one_id.get()));
    conn.send(&packets::pubrec(two_id.get()));
    conn.expect_ack(PacketType::PubRel, two_id);
    conn.send(&packets::pubcomp(two_id.get()));
    assert_eq!(within("PUBACK", one).expect("one"), ReasonCode::Success);
    assert_eq!(within("PUBCOMP", two).expect("two"), ReasonCode::Success);
}

/// The queue for publishes made while disconnected is bounded
/// (`max_queued_messages`): beyond it, `publish` fails at once.
#[test]
fn queue_limit_while_disconnected() {
    let broker = ScriptedBroker::start();
    let opts =
        options(V3_1_1).reconnect_delay(Duration::from_secs(600), Duration::from_secs(600)).max_queued_messages(2);
    let (client, mut events, conn, _) = connect(opts, &broker, false);
    conn.drop_connection();
    assert_eq!(disconnected(&mut events), CloseReason::ConnectionLost);
    for n in 0..2 {
        client.publish("q", format!("{n}"), QoS::AtLeastOnce, false).expect("within the queue limit");
    }
    match client.publish("q", "one too many", QoS::AtLeastOnce, false) {
        Err(Error::Command(e)) => assert!(e.to_string().contains("queue"), "{e}"),
        other => panic!("expected a queue-full error, got {other:?}"),
    }
}

// ---- Re-subscribing when the session is lost ----

/// A reconnect whose CONNACK says Session Present 0 (MQTT-3.2.2-3 / v5
/// 3.2.2.1.1) makes the client subscribe again to what the server had granted
/// (not to the filter it refused). The SUBSCRIBE token gives the results per
/// filter.
fn resubscribe_when_session_lost(version: ProtocolVersion) {
    let broker = ScriptedBroker::start();
    let (client, mut events, mut conn, _) = connect(options(version), &broker, false);
    let token = client
        .subscribe([("a/#", QoS::AtLeastOnce), ("b", QoS::AtMostOnce), ("denied", QoS::ExactlyOnce)])
        .expect("subscribe");
    let s = conn.expect_subscribe();
    assert_eq!(s.packet_id, token.packet_id());
    conn.send(&packets::suback(
        s.packet_id.get(),
        [ReasonCode::GrantedQoS1, ReasonCode::Success, ReasonCode::UnspecifiedError],
    ));
    let suback = within("SUBACK", token).expect("SUBACK");
    assert_eq!(suback.results, vec![Ok(QoS::AtLeastOnce), Ok(QoS::AtMostOnce), Err(ReasonCode::UnspecifiedError)]);

    conn.drop_connection();
    let mut conn = broker.accept(WAIT);
    assert!(!conn.accept_connect(false).clean_start, "the client asked to resume");
    let again = conn.expect_subscribe();
    let subscriptions = again.subscriptions.to_vec();
    let filters: Vec<_> = subscriptions.iter().map(|s| (s.filter.as_str(), s.options.qos)).collect();
    assert_eq!(filters, [("a/#", QoS::AtLeastOnce), ("b", QoS::AtMostOnce)]);
    conn.send(&packets::suback(again.packet_id.get(), [ReasonCode::GrantedQoS1, ReasonCode::Success]));

    // Session Present 1 next time: nothing to redo; the next packet is ours.
    conn.drop_connection();
    let mut conn = broker.accept(WAIT);
    let _ = conn.accept_connect(true);
    while !connected(&mut events).session_present {}
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
    let (client, mut events, mut conn, _) = connect(options(V3_1_1).auto_resubscribe(false), &broker, false);
    let token = client.subscribe(("a", QoS::AtLeastOnce)).expect("subscribe");
    let _ = conn.ack_subscribe();
    within("SUBACK", token).expect("SUBACK");
    conn.drop_connection();
    let mut conn = broker.accept(WAIT);
    let _ = conn.accept_connect(false);
    connected(&mut events);
    connected(&mut events);
    client.publish("marker", "m", QoS::AtMostOnce, false).expect("publish");
    assert_eq!(conn.expect_publish().topic.as_str(), "marker");
}

/// A SUBSCRIBE whose connection closes before the SUBACK is not resent
/// (MQTT 4.4: only PUBLISH and PUBREL are); its token says so.
#[test]
fn subscribe_token_fails_when_the_connection_closes_first() {
    let broker = ScriptedBroker::start();
    let (client, _events, mut conn, _) = connect(options(V3_1_1), &broker, false);
    let token = client.subscribe(("a", QoS::AtLeastOnce)).expect("subscribe");
    let _ = conn.expect_subscribe();
    conn.drop_connection();
    match within("the token", token) {
        Err(Error::Closed(reason)) => assert_eq!(*reason, CloseReason::ConnectionLost),
        other => panic!("expected Closed, got {other:?}"),
    }
}

// ---- Incoming QoS 2 across a reconnect ----

/// The broker sends a QoS 2 PUBLISH, gets PUBREC, drops the connection, and
/// after the reconnect sends the PUBLISH again with DUP: the application sees
/// the message once (MQTT 4.3.3, exactly once), and the client answers PUBREC
/// again and PUBCOMP to the PUBREL (MQTT-4.3.3-2 in 3.1.1).
fn incoming_qos2_redelivered(version: ProtocolVersion) {
    let broker = ScriptedBroker::start();
    let (_client, mut events, mut conn, _) = connect(options(version), &broker, false);
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
    // A QoS 0 marker: every earlier message was queued before it.
    conn.send(&packets::publish("in/marker", b"", QoS::AtMostOnce, 0));
    let first = message(&mut events);
    assert_eq!((first.topic.as_str(), &first.payload[..], first.qos), ("in/q2", &b"once"[..], QoS::ExactlyOnce));
    let next = message(&mut events);
    assert_eq!(next.topic.as_str(), "in/marker", "the QoS 2 message was delivered twice");
}

#[test]
fn incoming_qos2_redelivered_after_reconnect_is_delivered_once_v311() {
    incoming_qos2_redelivered(V3_1_1);
}

#[test]
fn incoming_qos2_redelivered_after_reconnect_is_delivered_once_v5() {
    incoming_qos2_redelivered(V5);
}

// ---- Routing ----

/// paho's `message_callback_add`, as streams: every matching route gets the
/// message; a message no route matches goes to the event stream; a dropped
/// route's messages fall back to the event stream.
#[test]
fn per_filter_routes() {
    let broker = ScriptedBroker::start();
    let (client, mut events, mut conn, _) = connect(options(V3_1_1), &broker, false);
    let mut temperatures = client.route("sensors/+/temperature").expect("route");
    let mut sensors = client.route("sensors/#").expect("route");
    assert!(matches!(client.route("bad/#/filter"), Err(Error::InvalidTopic(_))));
    conn.send(&packets::publish("sensors/1/temperature", b"21", QoS::AtMostOnce, 0));
    conn.send(&packets::publish("sensors/1/humidity", b"40", QoS::AtMostOnce, 0));
    conn.send(&packets::publish("other", b"x", QoS::AtMostOnce, 0));
    let t = within("temperature", temperatures.recv()).expect("message");
    assert_eq!(t.topic.as_str(), "sensors/1/temperature");
    let s1 = within("sensors 1", sensors.recv()).expect("message");
    let s2 = within("sensors 2", sensors.recv()).expect("message");
    assert_eq!((s1.topic.as_str(), s2.topic.as_str()), ("sensors/1/temperature", "sensors/1/humidity"));
    assert_eq!(message(&mut events).topic.as_str(), "other", "no route matched: the event stream");

    drop(sensors);
    assert!(client.unroute("sensors/+/temperature"));
    conn.send(&packets::publish("sensors/2/humidity", b"41", QoS::AtMostOnce, 0));
    assert_eq!(message(&mut events).topic.as_str(), "sensors/2/humidity", "dropped route: the event stream");
    assert!(within("the unrouted stream ends", temperatures.recv()).is_none());
}

// ---- Disconnecting ----

/// `disconnect` waits until the QoS 1 and 2 publishes made before it
/// completed, then sends DISCONNECT (MQTT-3.14.4-1: then closes); the driver
/// ends; the event says Disconnected.
#[test]
fn disconnect_flushes_queued_publishes_first() {
    let broker = ScriptedBroker::start();
    let (client, mut events, mut conn, _) = connect(options(V3_1_1).max_inflight_messages(1), &broker, false);
    let tokens: Vec<_> =
        (0..3).map(|n| client.publish("flush", format!("{n}"), QoS::AtLeastOnce, false).expect("publish")).collect();
    let c = client.clone();
    let disconnecting = thread::spawn(move || smol::block_on(c.disconnect()));
    for _ in 0..3 {
        let p = conn.expect_publish();
        conn.send(&packets::puback(packets::id_of(&p).get()));
    }
    let _ = conn.expect_disconnect();
    conn.expect_closed(WAIT);
    disconnecting.join().expect("no panic").expect("disconnect flushed everything");
    for t in tokens {
        assert!(t.is_published());
    }
    assert_eq!(disconnected(&mut events), CloseReason::Disconnected);
    assert!(within("the event stream ends", events.recv()).is_none());
    assert!(matches!(client.publish("t", "x", QoS::AtLeastOnce, false), Err(Error::NotConnected)));
}

/// Dropping the last client handle disconnects (DISCONNECT, then the driver
/// ends and the event stream ends).
#[test]
fn dropping_the_last_handle_disconnects() {
    let broker = ScriptedBroker::start();
    let (client, mut events, mut conn, _) = connect(options(V5), &broker, false);
    let other = client.clone();
    drop(client);
    broker.expect_no_connection(ms(50));
    drop(other);
    let d = conn.expect_disconnect();
    assert_eq!(d.reason_code, ReasonCode::Success);
    assert_eq!(disconnected(&mut events), CloseReason::Disconnected);
    assert!(within("the event stream ends", events.recv()).is_none());
}

// ---- Cancel safety ----

/// Polls `fut` once and drops it: a future cancelled at its first `.await`.
fn poll_once_and_drop<F: std::future::Future>(fut: F) -> Option<F::Output> {
    smol::block_on(future::poll_once(fut))
}

/// Dropping a publish token's future (or the token) before the PUBACK loses
/// nothing: the PUBLISH goes out, and a clone of the token (or a new wait)
/// sees the completion.
#[test]
fn cancel_safety_dropped_publish_future_loses_nothing() {
    let broker = ScriptedBroker::start();
    let (client, _events, mut conn, _) = connect(options(V3_1_1), &broker, false);
    let token = client.publish("c/t", "kept", QoS::AtLeastOnce, false).expect("publish");
    let copy = token.clone();
    assert!(poll_once_and_drop(token.wait()).is_none(), "not complete before PUBACK");
    drop(token);
    let lost = client.publish("c/t", "token dropped at once", QoS::AtLeastOnce, false).expect("publish");
    let lost_id = lost.packet_id().expect("id");
    drop(lost);
    let p = conn.expect_publish();
    assert_eq!(&p.payload[..], b"kept");
    conn.send(&packets::puback(packets::id_of(&p).get()));
    let p = conn.expect_publish();
    assert_eq!((packets::id_of(&p), &p.payload[..]), (lost_id, &b"token dropped at once"[..]));
    conn.send(&packets::puback(lost_id.get()));
    assert_eq!(within("PUBACK", copy.wait()).expect("completes"), ReasonCode::Success);
    assert!(copy.is_published());
}

/// Dropping a subscribe token's future loses nothing: the subscription is
/// made and remembered (it is made again when the session is lost).
#[test]
fn cancel_safety_dropped_subscribe_future_loses_nothing() {
    let broker = ScriptedBroker::start();
    let (client, mut events, mut conn, _) = connect(options(V3_1_1), &broker, false);
    let token = client.subscribe(("kept/#", QoS::AtLeastOnce)).expect("subscribe");
    assert!(poll_once_and_drop(token.wait()).is_none());
    drop(token);
    let _ = conn.ack_subscribe();
    conn.send(&packets::publish("kept/1", b"m", QoS::AtMostOnce, 0));
    assert_eq!(message(&mut events).topic.as_str(), "kept/1");
    conn.drop_connection();
    let mut conn = broker.accept(WAIT);
    let _ = conn.accept_connect(false);
    let again = conn.expect_subscribe();
    let subscriptions = again.subscriptions.to_vec();
    assert_eq!(subscriptions[0].filter.as_str(), "kept/#", "the granted filter was remembered");
}

/// Dropping `disconnect()` while it waits for the flush changes nothing: the
/// client stays connected and the publish completes.
#[test]
fn cancel_safety_dropped_disconnect_while_flushing_keeps_the_client() {
    let broker = ScriptedBroker::start();
    let (client, _events, mut conn, _) = connect(options(V3_1_1), &broker, false);
    let token = client.publish("d/t", "unacked", QoS::AtLeastOnce, false).expect("publish");
    let p = conn.expect_publish();
    assert!(poll_once_and_drop(client.disconnect()).is_none(), "waiting for the PUBACK");
    assert!(client.is_connected());
    conn.send(&packets::puback(packets::id_of(&p).get()));
    within("PUBACK", token).expect("completes");
    client.publish("d/t", "after", QoS::AtMostOnce, false).expect("still connected");
    assert_eq!(&conn.expect_publish().payload[..], b"after");
}

/// Dropping `Events::recv()` while it waits loses no event.
#[test]
fn cancel_safety_dropped_event_wait_loses_no_event() {
    let broker = ScriptedBroker::start();
    let (_client, mut events, mut conn, _) = connect(options(V3_1_1), &broker, false);
    connected(&mut events);
    assert!(poll_once_and_drop(events.recv()).is_none());
    conn.send(&packets::publish("e/t", b"1", QoS::AtMostOnce, 0));
    assert_eq!(&message(&mut events).payload[..], b"1");
}

/// Dropping the driver ends the connection and fails the unfinished tokens:
/// nothing waits forever.
#[test]
fn dropping_the_driver_fails_unfinished_tokens() {
    let broker = ScriptedBroker::start();
    let port = broker.port();
    let connecting = thread::spawn(move || smol::block_on(mqtt_smol::connect(options(V3_1_1), "127.0.0.1", port)));
    let mut conn = broker.accept(WAIT);
    let _ = conn.accept_connect(false);
    let (client, driver, mut events) = connecting.join().expect("no panic").expect("connect");
    let token = client.publish("t", "x", QoS::AtLeastOnce, false).expect("publish");
    drop(driver);
    assert!(matches!(within("the token", token), Err(Error::PublishFailed(_))));
    connected(&mut events);
    assert_eq!(disconnected(&mut events), CloseReason::ConnectionLost);
    assert!(matches!(within("connected()", client.connected()), Err(Error::NotConnected)));
    conn.expect_closed(WAIT);
}

/// The driver on a futures-lite `block_on` thread, no smol executor: the
/// client needs nothing from a particular runtime.
#[test]
fn runs_under_futures_lite_block_on() {
    let broker = ScriptedBroker::start();
    let port = broker.port();
    let connecting =
        thread::spawn(move || futures_lite::future::block_on(mqtt_smol::connect(options(V5), "127.0.0.1", port)));
    let mut conn = broker.accept(WAIT);
    let _ = conn.accept_connect(false);
    let (client, driver, mut events) = connecting.join().expect("no panic").expect("connect");
    let driving = thread::spawn(move || futures_lite::future::block_on(driver));
    let token = client.publish("t", "x", QoS::AtLeastOnce, false).expect("publish");
    let p = conn.expect_publish();
    conn.send(&packets::puback(packets::id_of(&p).get()));
    futures_lite::future::block_on(token.into_future()).expect("PUBACK");
    next_event(&mut events, "Connected", |e| matches!(e, Event::Connected(_)).then_some(()));
    futures_lite::future::block_on(client.disconnect()).expect("disconnect");
    driving.join().expect("the driver ends after disconnect");
}

/// The handle can go to any task or thread, and so can the driver, the
/// streams and the tokens: the client works under multi-threaded executors.
#[test]
fn client_driver_streams_and_tokens_are_send() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<mqtt_smol::Client>();
    send::<mqtt_smol::Driver>();
    send::<mqtt_smol::Events>();
    send::<mqtt_smol::Messages>();
    send_sync::<mqtt_smol::PublishToken>();
    send_sync::<mqtt_smol::SubscribeToken>();
    send::<mqtt_smol::PublishFuture>();
}
