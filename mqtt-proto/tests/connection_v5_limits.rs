//! MQTT 5 limits in both directions: topic aliases, Maximum Packet Size,
//! Maximum QoS and Retain Available.

mod sim;

use core::num::{NonZeroU16, NonZeroU32};

use bytes::Bytes;
use mqtt_proto::{
    CloseReason, CommandError, ConnAckProperties, DecodeError, DisconnectProperties, Event, Packet, ProtocolVersion,
    ProtocolViolation, Publish, PublishProperties, QoS, QosPid, ReasonCode, TopicName, UserProperty,
};
use sim::*;

const V5: ProtocolVersion = ProtocolVersion::V5;

/// Options with our Topic Alias Maximum set.
fn with_alias_maximum(max: u16) -> mqtt_proto::Options {
    let mut options = options(V5);
    options.properties.topic_alias_maximum = Some(max);
    options
}

/// A server PUBLISH using `alias`, with `t` as topic ("" for the alias alone).
fn aliased(t: &str, alias: u16, payload: &'static [u8], qos: QosPid) -> Packet {
    let name = if t.is_empty() { TopicName::default() } else { topic(t) };
    let mut p = Publish::new(name, Bytes::from_static(payload));
    p.qos = qos;
    p.properties_mut().topic_alias = NonZeroU16::new(alias);
    Packet::Publish(p)
}

fn message_topics(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .map(|e| match e {
            Event::Message(m) => {
                assert_eq!(m.properties.topic_alias, None, "the alias is resolved, not passed on");
                m.topic.as_str().to_owned()
            }
            other => panic!("expected only messages, got {other:?}"),
        })
        .collect()
}

/// Asserts the client sent DISCONNECT `code` and closed for `reason`, with no
/// event before.
fn assert_closed(sim: &mut Sim, code: ReasonCode, reason: &CloseReason) {
    let sent = sim.recv();
    assert!(matches!(sent.as_slice(), [Packet::Disconnect(d)] if d.reason_code == code), "{sent:?}");
    let (before, closed) = sim.take_closed();
    assert!(before.is_empty(), "{before:?}");
    assert_eq!(&closed, reason);
}

/// (topic, alias) of each PUBLISH among `packets`.
fn topics_and_aliases(packets: &[Packet]) -> Vec<(String, Option<u16>)> {
    packets
        .iter()
        .map(|p| match p {
            Packet::Publish(p) => {
                (p.topic.as_str().to_owned(), p.properties().and_then(|x| x.topic_alias).map(NonZeroU16::get))
            }
            other => panic!("expected only PUBLISH, got {other:?}"),
        })
        .collect()
}

// ---- Incoming topic aliases ----

/// MQTT-3.3.2-10: the client accepts every alias from 1 to the Topic Alias
/// Maximum it sent; a PUBLISH with a topic and an alias defines the mapping, one
/// with the alias alone uses it, and a new topic redefines it (section 3.3.4).
#[test]
fn mqtt_3_3_2_10_incoming_topic_alias_defined_then_used() {
    let mut sim = Sim::new(with_alias_maximum(10));
    assert_eq!(sim.recv_connect().properties.topic_alias_maximum, Some(10));
    sim.send(connack_ok(false));
    sim.take_events();
    sim.send(aliased("a/b", 3, b"define", QosPid::AtMostOnce));
    sim.send(aliased("", 3, b"use", QosPid::AtLeastOnce(pid(1))));
    sim.send(aliased("c/d", 3, b"redefine", QosPid::AtMostOnce));
    sim.send(aliased("", 3, b"use again", QosPid::ExactlyOnce(pid(2))));
    sim.send(aliased("max/alias", 10, b"highest", QosPid::AtMostOnce));
    sim.send(aliased("", 10, b"highest used", QosPid::AtMostOnce));
    let events = sim.take_events();
    assert_eq!(message_topics(&events), ["a/b", "a/b", "c/d", "c/d", "max/alias", "max/alias"]);
    assert!(matches!(sim.recv().as_slice(), [Packet::PubAck(_), Packet::PubRec(_)]));
    assert!(sim.client.is_connected());
}

/// Section 3.3.4: an alias above our Topic Alias Maximum (MQTT-3.3.2-11 binds the
/// server) is a protocol error: DISCONNECT 0x94. Without a Topic Alias Maximum in
/// CONNECT (0), every alias is.
#[test]
fn mqtt_3_3_2_11_alias_above_our_maximum_is_topic_alias_invalid() {
    for (options, alias) in [(with_alias_maximum(2), 3), (options(V5), 1)] {
        let mut sim = Sim::connected_with(options, connack_ok(false));
        sim.send(aliased("a/b", alias, b"m", QosPid::AtLeastOnce(pid(1))));
        let reason = CloseReason::ProtocolError(ProtocolViolation::TopicAliasInvalid);
        assert_closed(&mut sim, ReasonCode::TopicAliasInvalid, &reason);
    }
}

/// An alias used alone before any PUBLISH defined it is a Protocol Error
/// (MQTT 5 section 3.3.4): DISCONNECT 0x82.
#[test]
fn v5_undefined_alias_is_a_protocol_error() {
    let mut sim = Sim::connected_with(with_alias_maximum(5), connack_ok(false));
    sim.send(aliased("a/b", 1, b"m", QosPid::AtMostOnce));
    sim.take_events();
    sim.send(aliased("", 2, b"m", QosPid::AtMostOnce));
    let reason = CloseReason::ProtocolError(ProtocolViolation::UnknownTopicAlias);
    assert_closed(&mut sim, ReasonCode::ProtocolError, &reason);
}

/// MQTT-3.3.2-8 / section 3.3.4: a Topic Alias of 0 is a protocol error; the
/// client says DISCONNECT 0x94 (Topic Alias invalid).
#[test]
fn mqtt_3_3_2_8_topic_alias_zero_disconnects_0x94() {
    let mut sim = Sim::connected_with(with_alias_maximum(5), connack_ok(false));
    // PUBLISH QoS 0, topic "t", properties: Topic Alias 0.
    sim.send_bytes(&[0x30, 0x07, 0x00, 0x01, b't', 0x03, 0x23, 0x00, 0x00]);
    let sent = sim.recv();
    assert!(
        matches!(sent.as_slice(), [Packet::Disconnect(d)] if d.reason_code == ReasonCode::TopicAliasInvalid),
        "{sent:?}"
    );
    let (before, reason) = sim.take_closed();
    assert!(before.is_empty());
    assert!(
        matches!(reason, CloseReason::Malformed(DecodeError::InvalidPropertyValue { property: 0x23 })),
        "{reason:?}"
    );
}

/// MQTT-3.3.2-7: alias mappings do not carry over to the next network
/// connection: an alias defined before is unknown after a resume.
#[test]
fn mqtt_3_3_2_7_incoming_aliases_not_carried_to_next_connection() {
    let mut sim = Sim::connected_with(with_alias_maximum(5), connack_ok(false));
    sim.send(aliased("a/b", 1, b"define", QosPid::AtMostOnce));
    assert_eq!(message_topics(&sim.take_events()), ["a/b"]);
    let mut sim = sim.reconnect(with_alias_maximum(5));
    sim.recv_connect();
    sim.send(connack_ok(true));
    sim.take_events();
    sim.send(aliased("", 1, b"use", QosPid::AtMostOnce));
    let reason = CloseReason::ProtocolError(ProtocolViolation::UnknownTopicAlias);
    assert_closed(&mut sim, ReasonCode::ProtocolError, &reason);
}

// ---- Outgoing topic aliases ----

fn alias_options() -> mqtt_proto::Options {
    let mut options = options(V5);
    options.topic_alias_outgoing = true;
    options
}

fn server_alias_maximum(max: u16) -> Packet {
    connack_props(ConnAckProperties { topic_alias_maximum: Some(max), ..Default::default() })
}

/// MQTT-3.3.2-9, MQTT-3.2.2-17: with Options::topic_alias_outgoing, topics get
/// aliases 1..=the server's Topic Alias Maximum: the first PUBLISH to a topic
/// carries topic and alias, later ones the alias and an empty topic; topics
/// beyond the maximum go in full, without an alias. QoS 0, 1 and 2 alike.
#[test]
fn mqtt_3_3_2_9_outgoing_aliases_assigned_within_server_maximum() {
    let mut sim = Sim::connected_with(alias_options(), server_alias_maximum(2));
    let qos = [QoS::AtMostOnce, Q1, Q2];
    for (i, t) in ["t/1", "t/1", "t/2", "t/2", "t/3", "t/3", "t/1"].into_iter().enumerate() {
        sim.client.publish(topic(t), Bytes::from_static(b"m"), qos[i % 3], false).unwrap();
    }
    let expected =
        [("t/1", Some(1)), ("", Some(1)), ("t/2", Some(2)), ("", Some(2)), ("t/3", None), ("t/3", None), ("", Some(1))]
            .map(|(t, a)| (t.to_owned(), a));
    assert_eq!(topics_and_aliases(&sim.recv()), expected);
}

/// MQTT-3.2.2-18: no aliases when the server's Topic Alias Maximum is absent or
/// 0, and none unless Options::topic_alias_outgoing asks for them.
#[test]
fn mqtt_3_2_2_18_no_outgoing_aliases_without_server_maximum_or_option() {
    let setups = [
        (alias_options(), connack_ok(false)),
        (alias_options(), server_alias_maximum(0)),
        (options(V5), server_alias_maximum(10)),
    ];
    for (options, connack) in setups {
        let mut sim = Sim::connected_with(options, connack);
        for _ in 0..3 {
            sim.publish("a/b", b"m", Q1);
        }
        assert_eq!(topics_and_aliases(&sim.recv()), vec![("a/b".to_owned(), None); 3]);
    }
}

/// MQTT-3.3.2-9: a topic alias in the caller's PublishProperties never leads to
/// an alias the server did not allow, nor to a mapping that contradicts the
/// automatic ones (a message must reach the topic it was published to).
#[test]
fn mqtt_3_3_2_9_caller_topic_alias_does_not_break_outgoing_aliases() {
    // Automatic aliases on: the caller's alias 1 must not remap alias 1.
    let mut sim = Sim::connected_with(alias_options(), server_alias_maximum(2));
    let caller = PublishProperties { topic_alias: NonZeroU16::new(1), ..Default::default() };
    sim.publish("a", b"1", Q1);
    sim.client.publish_with_properties(topic("x"), Bytes::from_static(b"2"), Q1, false, caller.clone()).unwrap();
    sim.publish("a", b"3", Q1);
    // What the server resolves each PUBLISH to.
    let mut mapping = std::collections::HashMap::new();
    let resolved: Vec<String> = topics_and_aliases(&sim.recv())
        .into_iter()
        .map(|(t, alias)| match alias {
            Some(a) if t.is_empty() => mapping.get(&a).cloned().expect("alias defined before use"),
            Some(a) => {
                mapping.insert(a, t.clone());
                t
            }
            None => t,
        })
        .collect();
    assert_eq!(resolved, ["a", "x", "a"]);

    // Automatic aliases off, server allows none: no alias goes out.
    let mut sim = Sim::connected(V5);
    sim.client.publish_with_properties(topic("x"), Bytes::from_static(b"m"), Q1, false, caller).unwrap();
    assert_eq!(topics_and_aliases(&sim.recv()), [("x".to_owned(), None)]);
}

// ---- Maximum Packet Size ----

fn server_maximum_packet_size(max: u32) -> Packet {
    connack_props(ConnAckProperties { maximum_packet_size: NonZeroU32::new(max), ..Default::default() })
}

/// MQTT-3.2.2-15: the client does not send packets over the server's Maximum
/// Packet Size: such a publish (any QoS) is refused with PacketTooLarge, nothing
/// is sent and nothing stays in the session. One that fits goes out.
#[test]
fn mqtt_3_2_2_15_publish_over_server_maximum_packet_size_refused() {
    let mut sim = Sim::connected_with(options(V5), server_maximum_packet_size(64));
    for qos in [QoS::AtMostOnce, Q1, Q2] {
        let r = sim.client.publish(topic("t"), Bytes::from(vec![0u8; 100]), qos, false);
        assert!(matches!(r, Err(CommandError::PacketTooLarge { max: 64, size }) if size > 64), "{qos:?}: {r:?}");
    }
    assert!(sim.recv().is_empty());
    assert!(sim.client.session().is_empty());
    // PUBLISH QoS 1 of exactly 64 bytes: 2 fixed header + 3 topic + 2 id + 1
    // property length + 56 payload.
    let id = sim.client.publish(topic("t"), Bytes::from(vec![0u8; 56]), Q1, false).unwrap();
    let bytes = sim.recv_bytes();
    assert_eq!(bytes.len(), 64);
    assert!(id.is_some());
}

/// MQTT-3.2.2-15: the limit is known once connected, so a publish that has to wait
/// for the window is refused at once too, not accepted and dropped later.
#[test]
fn mqtt_3_2_2_15_queued_publish_over_maximum_packet_size_refused_at_once() {
    let mut sim = Sim::connected_with(options(V5).with_max_inflight(1), server_maximum_packet_size(64));
    let first = sim.publish("t", b"small", Q1);
    let r = sim.client.publish(topic("t"), Bytes::from(vec![0u8; 100]), Q2, false);
    assert!(matches!(r, Err(CommandError::PacketTooLarge { max: 64, .. })), "{r:?}");
    assert_eq!(sim.client.session().queued(), 0);
    // A queued one that fits is fine.
    let second = sim.publish("t", b"small too", Q1);
    assert_eq!(sim.recv().len(), 1);
    sim.send(puback(first.get()));
    let sent = sim.recv();
    assert!(matches!(sent.as_slice(), [Packet::Publish(p)] if p.qos == QosPid::AtLeastOnce(second)), "{sent:?}");
    assert_eq!(published(&sim.take_events()), [(first.get(), ReasonCode::Success)]);
}

/// A publish made before CONNACK cannot be checked until the server's limits are
/// known: after CONNACK it is reported as PublishFailed and not sent.
#[test]
fn publish_queued_before_connack_over_limit_is_publish_failed() {
    let mut sim = Sim::new(options(V5));
    sim.recv_connect();
    let big = sim.client.publish(topic("t"), Bytes::from(vec![0u8; 100]), Q1, false).unwrap().unwrap();
    let small = sim.publish("t", b"ok", Q1);
    sim.send(server_maximum_packet_size(64));
    let events = sim.take_events();
    assert!(
        matches!(
            events.as_slice(),
            [Event::Connected(_), Event::PublishFailed { packet_id, error: CommandError::PacketTooLarge { max: 64, .. } }]
                if *packet_id == big
        ),
        "{events:?}"
    );
    let sent = sim.recv();
    assert!(matches!(sent.as_slice(), [Packet::Publish(p)] if p.qos == QosPid::AtLeastOnce(small)), "{sent:?}");
}

/// MQTT-3.2.2-15 for SUBSCRIBE: refused with PacketTooLarge, nothing sent.
#[test]
fn mqtt_3_2_2_15_subscribe_over_server_maximum_packet_size_refused() {
    let mut sim = Sim::connected_with(options(V5), server_maximum_packet_size(32));
    let long = filter(&"f/".repeat(20));
    let r = sim.client.subscribe([(long, Q1)], Default::default());
    assert!(matches!(r, Err(CommandError::PacketTooLarge { max: 32, .. })), "{r:?}");
    assert!(sim.recv().is_empty());
}

/// MQTT-3.14.2-3, MQTT-3.14.2-4: the reason string and user properties of our
/// DISCONNECT are left out when they would take it over the server's Maximum
/// Packet Size; the reason code and the rest go out.
///
/// The acknowledgements the connection sends (PUBACK, PUBREC, PUBREL, PUBCOMP,
/// MQTT-3.4.2-2 and siblings) never carry a reason string or user properties
/// through the public API, so that case cannot be reached from here.
#[test]
fn mqtt_3_14_2_3_disconnect_reason_string_left_out_when_too_large() {
    let mut sim = Sim::connected_with(options(V5), server_maximum_packet_size(32));
    let properties = DisconnectProperties {
        session_expiry_interval: Some(0),
        reason_string: Some(mqtt_str(&"going away ".repeat(5))),
        user_properties: vec![UserProperty { name: mqtt_str("k"), value: mqtt_str("v") }].into(),
        ..Default::default()
    };
    sim.client.disconnect_with(ReasonCode::DisconnectWithWillMessage, properties);
    let bytes = sim.recv_bytes();
    assert!(bytes.len() <= 32, "{bytes:02x?}");
    let mut wire = bytes::BytesMut::from(&bytes[..]);
    let Some(Packet::Disconnect(d)) = sim.server_codec.decode(&mut wire).unwrap() else { panic!("{bytes:02x?}") };
    assert_eq!(d.reason_code, ReasonCode::DisconnectWithWillMessage);
    assert_eq!(d.properties.session_expiry_interval, Some(0));
    assert_eq!((d.properties.reason_string, d.properties.user_properties.len()), (None, 0));

    // Within the limit they go out.
    let mut sim = Sim::connected_with(options(V5), server_maximum_packet_size(128));
    let properties = DisconnectProperties { reason_string: Some(mqtt_str("bye")), ..Default::default() };
    sim.client.disconnect_with(ReasonCode::Success, properties.clone());
    assert!(matches!(sim.recv().as_slice(), [Packet::Disconnect(d)] if d.properties == properties));
}

/// MQTT-3.1.2-24 is the server's duty; section 3.1.2.11.4: a packet over our
/// Maximum Packet Size is a protocol error, the client sends DISCONNECT 0x95
/// (Packet too large). A packet of exactly the maximum is fine.
#[test]
fn mqtt_3_1_2_24_incoming_packet_over_our_maximum_disconnects_0x95() {
    let mut options = options(V5);
    options.properties.maximum_packet_size = NonZeroU32::new(64);
    let mut sim = Sim::new(options);
    assert_eq!(sim.recv_connect().properties.maximum_packet_size, NonZeroU32::new(64));
    sim.send(connack_ok(false));
    sim.take_events();
    // PUBLISH QoS 0 of 64 bytes: 2 fixed header + 3 topic + 1 property length + 58 payload.
    let payload: &'static [u8] = &[7u8; 58];
    sim.send(server_publish("t", payload, QosPid::AtMostOnce));
    assert!(matches!(sim.take_events().as_slice(), [Event::Message(m)] if m.payload.len() == 58));
    let payload: &'static [u8] = &[7u8; 59];
    sim.send(server_publish("t", payload, QosPid::AtMostOnce));
    let sent = sim.recv();
    assert!(
        matches!(sent.as_slice(), [Packet::Disconnect(d)] if d.reason_code == ReasonCode::PacketTooLarge),
        "{sent:?}"
    );
    let (before, reason) = sim.take_closed();
    assert!(before.is_empty(), "{before:?}");
    assert!(matches!(reason, CloseReason::Malformed(DecodeError::PacketTooLarge { .. })), "{reason:?}");
}

// ---- Maximum QoS and Retain Available ----

/// MQTT-3.2.2-11: no PUBLISH above the server's Maximum QoS: refused with
/// QoSNotSupported, never downgraded, nothing sent.
#[test]
fn mqtt_3_2_2_11_publish_above_maximum_qos_refused() {
    for (maximum, allowed, refused) in
        [(QoS::AtMostOnce, &[QoS::AtMostOnce][..], &[Q1, Q2][..]), (Q1, &[QoS::AtMostOnce, Q1][..], &[Q2][..])]
    {
        let connack = connack_props(ConnAckProperties { maximum_qos: Some(maximum), ..Default::default() });
        let mut sim = Sim::connected_with(options(V5), connack);
        assert_eq!(sim.client.server_limits().maximum_qos, maximum);
        for &qos in refused {
            let r = sim.client.publish(topic("t"), Bytes::from_static(b"m"), qos, false);
            assert_eq!(r, Err(CommandError::QoSNotSupported { requested: qos, maximum }));
        }
        assert!(sim.recv().is_empty(), "nothing sent, nothing downgraded");
        assert!(sim.client.session().is_empty());
        for &qos in allowed {
            sim.client.publish(topic("t"), Bytes::from_static(b"m"), qos, false).unwrap();
        }
        let sent = sim.recv();
        let qos_sent: Vec<QoS> = sent
            .iter()
            .map(|p| match p {
                Packet::Publish(p) => p.qos.qos(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(qos_sent, allowed);
    }
}

/// MQTT-3.2.2-11 for publishes queued before CONNACK: they cannot be checked
/// earlier, so the ones above the Maximum QoS are reported PublishFailed and not
/// sent; the others go out.
#[test]
fn mqtt_3_2_2_11_queued_publish_above_maximum_qos_is_publish_failed() {
    let mut sim = Sim::new(options(V5));
    sim.recv_connect();
    let q2 = sim.publish("t", b"two", Q2);
    let q1 = sim.publish("t", b"one", Q1);
    sim.send(connack_props(ConnAckProperties { maximum_qos: Some(Q1), ..Default::default() }));
    let events = sim.take_events();
    let failed =
        Event::PublishFailed { packet_id: q2, error: CommandError::QoSNotSupported { requested: Q2, maximum: Q1 } };
    assert!(matches!(events.as_slice(), [Event::Connected(_), e] if *e == failed), "{events:?}");
    let sent = sim.recv();
    assert!(matches!(sent.as_slice(), [Packet::Publish(p)] if p.qos == QosPid::AtLeastOnce(q1)), "{sent:?}");
}

/// MQTT-3.2.2-14: no RETAIN when the server said Retain Available 0:
/// RetainNotSupported at any QoS, nothing sent; non-retained publishes go out.
#[test]
fn mqtt_3_2_2_14_retain_when_not_available_refused() {
    let connack = connack_props(ConnAckProperties { retain_available: Some(false), ..Default::default() });
    let mut sim = Sim::connected_with(options(V5), connack);
    for qos in [QoS::AtMostOnce, Q1, Q2] {
        let r = sim.client.publish(topic("t"), Bytes::from_static(b"m"), qos, true);
        assert_eq!(r, Err(CommandError::RetainNotSupported), "{qos:?}");
    }
    assert!(sim.recv().is_empty());
    assert!(sim.client.session().is_empty());
    sim.client.publish(topic("t"), Bytes::from_static(b"m"), Q1, false).unwrap();
    assert!(matches!(sim.recv().as_slice(), [Packet::Publish(p)] if !p.retain));
}

/// Before MQTT 5 there is no Maximum QoS, Retain Available or Maximum Packet Size
/// to honour: everything up to QoS 2, retained, goes out.
#[test]
fn v3_has_no_server_limits() {
    for version in [ProtocolVersion::V3_1, ProtocolVersion::V3_1_1] {
        let mut sim = Sim::connected(version);
        for qos in [QoS::AtMostOnce, Q1, Q2] {
            sim.client.publish(topic("t"), Bytes::from(vec![1u8; 10_000]), qos, true).unwrap();
        }
        assert_eq!(sim.recv().len(), 3, "{version:?}");
    }
}
