//! Fatal errors through the public API: whatever the server does wrong ends the
//! connection exactly once, with its reason, and in MQTT 5 after a DISCONNECT
//! with the matching reason code (MQTT 5 section 4.13.1). Nothing malformed
//! reaches the application, nothing is sent after the end, and how the bytes
//! are split on the way in changes nothing.

mod sim;

use core::num::{NonZeroU16, NonZeroU32};

use bytes::{Bytes, BytesMut};
use mqtt_proto::{
    Ack, Auth, CloseReason, Codec, ConnAckProperties, Connect, DecodeError, Disconnect, DisconnectProperties, Event,
    List, Packet, PacketType, ProtocolVersion, ProtocolViolation, Publish, PublishProperties, QosPid, ReasonCode,
    SubAck, Subscribe, Subscription, TopicFilter, Unsubscribe, UserProperty,
};
use sim::*;

const V3: [ProtocolVersion; 2] = [ProtocolVersion::V3_1, ProtocolVersion::V3_1_1];

/// What the client must have sent when it closes for `reason` in `version`.
fn expected_disconnect(version: ProtocolVersion, code: ReasonCode) -> Vec<Packet> {
    if version.is_v5() {
        vec![Packet::Disconnect(Disconnect { reason_code: code, properties: DisconnectProperties::default() })]
    } else {
        vec![]
    }
}

/// Feeds `bytes` and checks the connection closed with `reason`, having sent
/// the DISCONNECT `code` first in MQTT 5 and nothing at all before.
fn assert_fatal(sim: &mut Sim, bytes: &[u8], reason: &CloseReason, code: ReasonCode) {
    let version = sim.client.version();
    sim.send_bytes(bytes);
    assert_eq!(sim.recv(), expected_disconnect(version, code), "{version}: {reason:?}");
    let (before, got) = sim.take_closed();
    assert_eq!(before, [], "{version}: nothing reaches the application: {reason:?}");
    assert_eq!(&got, reason, "{version}");
    assert!(!sim.client.is_connected());
    assert_eq!(sim.client.poll_timeout(), None);
    // After the end: more input, a deadline, EOF. Nothing is sent, no event.
    sim.send(server_publish("t", b"late", QosPid::AtLeastOnce(pid(9))));
    sim.send_bytes(&[0xFF, 0xFF]);
    sim.advance(core::time::Duration::from_secs(3600));
    sim.eof();
    assert_eq!(sim.recv(), []);
    assert!(sim.take_events().is_empty(), "{version}: no event after Closed");
    assert_eq!(sim.bytes_after_closed, 0);
}

/// Encodes `packet` as the server would.
fn server_bytes(version: ProtocolVersion, packet: &Packet) -> BytesMut {
    let mut buf = BytesMut::new();
    Codec::new(version).encode(packet, &mut buf).expect("encodes");
    buf
}

/// The decode error the codec reports for `bytes`.
fn decode_error(version: ProtocolVersion, bytes: &[u8]) -> DecodeError {
    Codec::new(version).decode(&mut BytesMut::from(bytes)).expect_err("malformed")
}

// ---- Malformed packets ----

#[test]
fn malformed_packet_closes_with_disconnect_0x81() {
    for version in ALL_VERSIONS {
        let cases: &[&[u8]] = &[
            &[0x36, 0x05, 0x00, 0x01, b'a', 0x00, 0x01], // QoS 3 (MQTT-3.3.1-4)
            &[0x00, 0x00],                               // reserved packet type 0
            &[0x41, 0x02, 0x00, 0x01],                   // PUBACK with flags (MQTT-2.2.2-1)
            &[0x40, 0x02, 0x00, 0x00],                   // packet id 0 (MQTT-2.3.1-1)
            &[0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01],       // remaining length of five bytes
            &[0x38, 0x04, 0x00, 0x01, b'a', b'x'],       // DUP on QoS 0 (MQTT-3.3.1-2)
            &[0x90, 0x02, 0x00, 0x01],                   // SUBACK without any result
        ];
        // MQTT 5 requires the shortest remaining length (MQTT-1.5.5-1); 3.x
        // does not say so, and the codec accepts the longer form there.
        let v5_only: &[&[u8]] = if version.is_v5() { &[&[0xD0, 0x80, 0x00]] } else { &[] };
        for bytes in cases.iter().chain(v5_only) {
            let mut sim = Sim::connected(version);
            let reason = CloseReason::Malformed(decode_error(version, bytes));
            assert_fatal(&mut sim, bytes, &reason, ReasonCode::MalformedPacket);
        }
    }
}

#[test]
fn malformed_auth_before_v5_is_a_reserved_packet_type() {
    for version in V3 {
        let mut sim = Sim::connected(version);
        let reason = CloseReason::Malformed(DecodeError::ReservedPacketType(15));
        assert_fatal(&mut sim, &[0xF0, 0x00], &reason, ReasonCode::MalformedPacket);
    }
}

/// A PUBLISH of `topic` bytes, QoS 1 id 1, payload "x".
fn publish_with_raw_topic(version: ProtocolVersion, topic: &[u8]) -> Vec<u8> {
    let mut body = vec![0x00, topic.len() as u8];
    body.extend_from_slice(topic);
    body.extend_from_slice(&[0x00, 0x01]);
    if version.is_v5() {
        body.push(0x00);
    }
    body.push(b'x');
    let mut bytes = vec![0x32, body.len() as u8];
    bytes.extend_from_slice(&body);
    bytes
}

fn invalid_utf8_topic_is_malformed(version: ProtocolVersion) {
    for (topic, error) in [
        (&b"a\xC3\x28"[..], DecodeError::InvalidUtf8),    // truncated sequence
        (&b"\xED\xA0\x80"[..], DecodeError::InvalidUtf8), // a surrogate, U+D800
        (&b"\xC0\xAF"[..], DecodeError::InvalidUtf8),     // overlong '/'
        (&b"a\x00b"[..], DecodeError::NullCharacter),     // U+0000
    ] {
        let mut sim = Sim::connected(version);
        let bytes = publish_with_raw_topic(version, topic);
        // No Message, and no PUBACK for it: the packet is not accepted.
        assert_fatal(&mut sim, &bytes, &CloseReason::Malformed(error), ReasonCode::MalformedPacket);
    }
}

#[test]
fn mqtt_1_5_3_1_invalid_utf8_in_a_publish_topic_is_malformed() {
    for version in V3 {
        invalid_utf8_topic_is_malformed(version);
    }
}

#[test]
fn mqtt_1_5_4_1_v5_invalid_utf8_in_a_publish_topic_is_malformed() {
    invalid_utf8_topic_is_malformed(ProtocolVersion::V5);
}

#[test]
fn mqtt_3_1_2_24_v5_packet_over_our_maximum_packet_size_is_rejected_from_the_fixed_header() {
    let mut opts = options(ProtocolVersion::V5);
    opts.properties.maximum_packet_size = NonZeroU32::new(100);
    let mut sim = Sim::connected_with(opts.clone(), connack_ok(false));
    // Only the fixed header of a 203-byte PUBLISH: rejected before its body.
    let reason = CloseReason::Malformed(DecodeError::PacketTooLarge { size: 203, max: 100 });
    assert_fatal(&mut sim, &[0x30, 0xC8, 0x01], &reason, ReasonCode::PacketTooLarge);

    // A packet of exactly 100 bytes is fine.
    let mut sim = Sim::connected_with(opts, connack_ok(false));
    let publish = Publish::new(topic("t"), Bytes::from(vec![b'p'; 100 - 2 - 3 - 1]));
    let bytes = server_bytes(ProtocolVersion::V5, &Packet::Publish(publish));
    assert_eq!(bytes.len(), 100);
    sim.send_bytes(&bytes);
    assert!(matches!(sim.take_events().as_slice(), [Event::Message(_)]));
    assert!(sim.client.is_connected());
}

#[test]
fn nothing_malformed_reaches_the_application() {
    for version in ALL_VERSIONS {
        // A valid QoS 1 PUBLISH and a malformed one in the same read: the first
        // is delivered and acknowledged, the second neither.
        let mut sim = Sim::connected(version);
        let mut bytes = server_bytes(version, &server_publish("ok", b"1", QosPid::AtLeastOnce(pid(1))));
        bytes.extend_from_slice(&publish_with_raw_topic(version, b"\xFF"));
        bytes.extend_from_slice(&server_bytes(version, &server_publish("after", b"2", QosPid::AtMostOnce)));
        sim.send_bytes(&bytes);
        let mut sent = sim.recv();
        assert_eq!(sent.remove(0), Packet::PubAck(Ack::new(pid(1))), "{version}");
        assert_eq!(sent, expected_disconnect(version, ReasonCode::MalformedPacket));
        let (before, reason) = sim.take_closed();
        assert!(matches!(before.as_slice(), [Event::Message(m)] if m.topic.as_str() == "ok"), "{before:?}");
        assert_eq!(reason, CloseReason::Malformed(DecodeError::InvalidUtf8));
    }
}

// ---- Protocol errors ----

fn violation(packet: PacketType) -> CloseReason {
    CloseReason::ProtocolError(ProtocolViolation::UnexpectedPacket(packet))
}

#[test]
fn mqtt_3_2_0_1_anything_but_connack_first_is_a_protocol_error() {
    for version in ALL_VERSIONS {
        let packets = [
            server_publish("t", b"early", QosPid::AtMostOnce),
            server_publish("t", b"early", QosPid::AtLeastOnce(pid(1))),
            Packet::PingResp,
            Packet::SubAck(SubAck {
                packet_id: pid(1),
                reason_codes: vec![ReasonCode::Success],
                properties: Default::default(),
            }),
            Packet::PubAck(Ack::new(pid(1))),
        ];
        for packet in packets {
            let mut sim = Sim::new(options(version));
            sim.recv_connect();
            let reason = violation(packet.packet_type());
            assert_fatal(&mut sim, &server_bytes(version, &packet), &reason, ReasonCode::ProtocolError);
        }
    }
}

#[test]
fn mqtt_3_2_0_2_v5_second_connack_is_a_protocol_error() {
    for version in ALL_VERSIONS {
        let mut sim = Sim::connected(version);
        let reason = violation(PacketType::ConnAck);
        assert_fatal(&mut sim, &server_bytes(version, &connack_ok(false)), &reason, ReasonCode::ProtocolError);
    }
}

#[test]
fn packets_only_a_client_sends_are_protocol_errors() {
    for version in ALL_VERSIONS {
        let filter = TopicFilter::try_from("a/#").unwrap();
        let packets = [
            Packet::PingReq,
            Packet::Subscribe(Subscribe {
                packet_id: pid(1),
                subscriptions: List::from([Subscription::from((filter.clone(), Q1))]),
                properties: Default::default(),
            }),
            Packet::Unsubscribe(Unsubscribe {
                packet_id: pid(2),
                filters: vec![filter].into(),
                properties: Default::default(),
            }),
            Packet::from(Connect::new(version, mqtt_str("server?"))),
        ];
        for packet in packets {
            let mut sim = Sim::connected(version);
            let reason = violation(packet.packet_type());
            assert_fatal(&mut sim, &server_bytes(version, &packet), &reason, ReasonCode::ProtocolError);
        }
    }
}

#[test]
fn disconnect_from_a_v3_server_is_a_protocol_error() {
    // Before MQTT 5 only the client sends DISCONNECT.
    for version in V3 {
        let mut sim = Sim::connected(version);
        assert_fatal(&mut sim, &[0xE0, 0x00], &violation(PacketType::Disconnect), ReasonCode::ProtocolError);
    }
}

#[test]
fn mqtt_3_2_2_4_session_present_after_clean_start_is_a_protocol_error() {
    // MQTT 5 numbers it MQTT-3.2.2-4; MQTT 3.1.1 states it in section 3.2.2.2.
    for version in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
        let mut sim = Sim::new(options(version).with_clean_start(true));
        sim.recv_connect();
        let reason = CloseReason::ProtocolError(ProtocolViolation::SessionPresentOnCleanStart);
        assert_fatal(&mut sim, &server_bytes(version, &connack_ok(true)), &reason, ReasonCode::ProtocolError);
    }
}

#[test]
fn mqtt_3_3_4_9_v5_more_than_our_receive_maximum_is_0x93() {
    // MQTT 5: the server must not send more unacknowledged QoS 1 and 2
    // PUBLISH than our Receive Maximum; DISCONNECT 0x93 when it does.
    let mut opts = options(ProtocolVersion::V5).with_manual_acks(true);
    opts.properties.receive_maximum = NonZeroU16::new(1);
    let mut sim = Sim::connected_with(opts, connack_ok(false));
    sim.send(server_publish("t", b"1", QosPid::AtLeastOnce(pid(1))));
    assert!(matches!(sim.take_events().as_slice(), [Event::Message(_)]));
    let bytes = server_bytes(ProtocolVersion::V5, &server_publish("t", b"2", QosPid::ExactlyOnce(pid(2))));
    let reason = CloseReason::ProtocolError(ProtocolViolation::ReceiveMaximumExceeded);
    assert_fatal(&mut sim, &bytes, &reason, ReasonCode::ReceiveMaximumExceeded);
}

fn topic_or_empty(s: &str) -> mqtt_proto::TopicName {
    if s.is_empty() { mqtt_proto::TopicName::default() } else { topic(s) }
}

#[test]
fn mqtt_3_3_2_10_v5_topic_alias_above_our_maximum_is_0x94() {
    for (alias, topic_name) in [(3u16, "t"), (3, "")] {
        let mut opts = options(ProtocolVersion::V5);
        opts.properties.topic_alias_maximum = Some(2);
        let mut sim = Sim::connected_with(opts, connack_ok(false));
        let mut publish = Publish::new(topic_or_empty(topic_name), Bytes::new());
        publish.properties =
            Some(Box::new(PublishProperties { topic_alias: NonZeroU16::new(alias), ..Default::default() }));
        let bytes = server_bytes(ProtocolVersion::V5, &Packet::Publish(publish));
        let reason = CloseReason::ProtocolError(ProtocolViolation::TopicAliasInvalid);
        assert_fatal(&mut sim, &bytes, &reason, ReasonCode::TopicAliasInvalid);
    }
}

// ---- The end of the network connection ----

#[test]
fn eof_closes_as_connection_lost_without_disconnect() {
    for version in ALL_VERSIONS {
        // While connecting.
        let mut sim = Sim::new(options(version));
        sim.recv_connect();
        sim.eof();
        assert_eq!(sim.recv(), [], "{version}");
        assert_eq!(sim.take_closed(), (vec![], CloseReason::ConnectionLost));
        // Connected, with work in flight: the session keeps it.
        let mut sim = Sim::connected(version);
        let id = sim.client.publish(topic("t"), Bytes::new(), Q1, false).unwrap().unwrap();
        assert_eq!(sim.recv().len(), 1);
        sim.eof();
        assert_eq!(sim.recv(), [], "{version}: nobody is listening");
        assert_eq!(sim.take_closed(), (vec![], CloseReason::ConnectionLost));
        assert_eq!(sim.client.session().pending_ids().collect::<Vec<_>>(), [id]);
        sim.eof();
        sim.send(connack_ok(false));
        assert!(sim.take_events().is_empty());
        assert_eq!(sim.bytes_after_closed, 0);
    }
}

#[test]
fn events_before_a_fatal_error_are_delivered_first() {
    let version = ProtocolVersion::V5;
    let mut sim = Sim::new(options(version));
    sim.recv_connect();
    let mut bytes = server_bytes(version, &connack_ok(false));
    bytes.extend_from_slice(&server_bytes(version, &server_publish("a", b"1", QosPid::AtMostOnce)));
    bytes.extend_from_slice(&[0x00, 0x00]);
    sim.send_bytes(&bytes);
    let (before, reason) = sim.take_closed();
    assert!(matches!(before.as_slice(), [Event::Connected(_), Event::Message(_)]), "{before:?}");
    assert_eq!(reason, CloseReason::Malformed(DecodeError::ReservedPacketType(0)));
}

// ---- Bytes split anywhere ----

fn user(name: &str, value: &str) -> UserProperty {
    UserProperty { name: mqtt_str(name), value: mqtt_str(value) }
}

/// A scripted stream of server packets for `version`, and the options the
/// client needs for it.
fn script(version: ProtocolVersion) -> (mqtt_proto::Options, Vec<Packet>) {
    let mut opts = options(version);
    let mut packets = vec![
        if version.is_v5() {
            connack_props(ConnAckProperties {
                receive_maximum: NonZeroU16::new(5),
                reason_string: Some(mqtt_str("hello")),
                user_properties: vec![user("k", "v")].into(),
                ..Default::default()
            })
        } else {
            connack_ok(false)
        },
        server_publish("a/b", b"zero", QosPid::AtMostOnce),
        server_publish("a/c", b"one", QosPid::AtLeastOnce(pid(1))),
        server_publish("a/d", b"two", QosPid::ExactlyOnce(pid(2))),
        server_publish("a/d", b"two", QosPid::ExactlyOnce(pid(2))), // retransmitted before PUBREL
        pubrel(2),
        Packet::PingResp,
        Packet::Publish(Publish::new(topic("big"), Bytes::from(vec![7u8; 300]))),
        puback(77), // acknowledges nothing: ignored
    ];
    if version.is_v5() {
        opts.properties.topic_alias_maximum = Some(4);
        let mut define = Publish::new(topic("long/topic/name"), Bytes::from_static(b"d"));
        define.properties_mut().topic_alias = NonZeroU16::new(2);
        define.properties_mut().user_properties = vec![user("x", "1")].into();
        let mut reuse = Publish::new(mqtt_proto::TopicName::default(), Bytes::from_static(b"r"));
        reuse.properties_mut().topic_alias = NonZeroU16::new(2);
        packets.push(Packet::Publish(define));
        packets.push(Packet::Publish(reuse));
        packets.push(Packet::Auth(Auth::default())); // no authentication configured: protocol error
    } else {
        packets.push(Packet::PingReq); // a client's packet: protocol error
    }
    (opts, packets)
}

/// Runs the script delivered in the given chunks; returns the events and the
/// bytes the client sent.
fn run(opts: &mqtt_proto::Options, wire: &[u8], cuts: &[usize]) -> (Vec<Event>, Vec<u8>) {
    let mut sim = Sim::new(opts.clone());
    sim.recv_connect();
    let mut start = 0;
    for &cut in cuts.iter().chain([&wire.len()]) {
        sim.send_bytes(&wire[start..cut]);
        start = cut;
    }
    let sent = sim.recv_bytes().to_vec();
    (sim.take_events(), sent)
}

#[test]
fn bytes_split_at_every_point_give_the_same_events() {
    for version in ALL_VERSIONS {
        let (opts, packets) = script(version);
        let wire: Vec<u8> = packets.iter().flat_map(|p| server_bytes(version, p).to_vec()).collect();
        let whole = run(&opts, &wire, &[]);
        assert!(matches!(whole.0.last(), Some(Event::Closed(CloseReason::ProtocolError(_)))), "{:?}", whole.0);
        assert_eq!(
            whole.0.iter().filter(|e| matches!(e, Event::Message(_))).count(),
            if version.is_v5() { 6 } else { 4 }
        );
        // One byte at a time.
        let every: Vec<usize> = (1..wire.len()).collect();
        assert_eq!(run(&opts, &wire, &every), whole, "{version}: byte by byte");
        // In two pieces, cut anywhere.
        for cut in 0..=wire.len() {
            assert_eq!(run(&opts, &wire, &[cut]), whole, "{version}: cut at {cut}");
        }
    }
}
