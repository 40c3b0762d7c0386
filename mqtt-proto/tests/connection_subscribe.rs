//! SUBSCRIBE / SUBACK and UNSUBSCRIBE / UNSUBACK through the public API.
//!
//! Statement numbers are MQTT 5.0's unless a test says otherwise; the 3.1.1
//! counterpart is named in the test's comment.

mod sim;

use core::num::{NonZeroU16, NonZeroU32};

use mqtt_proto::{
    CloseReason, CommandError, ConnAckProperties, EncodeError, Event, Packet, PacketType, ProtocolVersion,
    ProtocolViolation, QoS, ReasonCode, RetainHandling, SubAck, SubscribeProperties, SubscriptionOptions, UnsubAck,
    UserProperty,
};
use sim::*;

fn suback(id: mqtt_proto::PacketId, reason_codes: Vec<ReasonCode>) -> Packet {
    Packet::SubAck(SubAck { packet_id: id, reason_codes, properties: Default::default() })
}

fn unsuback(id: mqtt_proto::PacketId, reason_codes: Vec<ReasonCode>) -> Packet {
    Packet::UnsubAck(UnsubAck { packet_id: id, reason_codes, properties: Default::default() })
}

fn connack_without(properties: ConnAckProperties) -> Packet {
    connack_props(properties)
}

// ---- SUBSCRIBE ----

/// One filter with its QoS: the exact SUBSCRIBE bytes (MQTT 3.1.1 section 3.8,
/// MQTT 3.1 is the same) and MQTT-2.2.1-3 (3.1.1: MQTT-2.3.1-1): a non-zero id.
#[test]
fn subscribe_one_filter_sends_subscribe_bytes_v3() {
    for version in [ProtocolVersion::V3_1, ProtocolVersion::V3_1_1] {
        let mut sim = Sim::connected(version);
        let id = sim.client.subscribe([(filter("a/#"), Q1)], Default::default()).unwrap();
        assert_eq!(id, pid(1));
        let bytes = sim.recv_bytes();
        assert_eq!(&bytes[..], [0x82, 0x08, 0x00, 0x01, 0x00, 0x03, b'a', b'/', b'#', 0x01], "{version:?}");
    }
}

/// MQTT 5 section 3.8: several filters with subscription options (No Local,
/// Retain As Published, Retain Handling) and a Subscription Identifier, byte for
/// byte.
#[test]
fn v5_subscribe_many_filters_with_options_and_subscription_identifier_bytes() {
    let mut sim = Sim::connected(ProtocolVersion::V5);
    let subscriptions = [
        (filter("a/+"), SubscriptionOptions { no_local: true, ..SubscriptionOptions::new(QoS::AtLeastOnce) }),
        (
            filter("b"),
            SubscriptionOptions {
                retain_as_published: true,
                retain_handling: RetainHandling::DoNotSend,
                ..SubscriptionOptions::new(QoS::ExactlyOnce)
            },
        ),
        (
            filter("$share/g/c"),
            SubscriptionOptions {
                retain_handling: RetainHandling::SendAtSubscribeIfNew,
                ..SubscriptionOptions::new(QoS::AtMostOnce)
            },
        ),
    ];
    let properties = SubscribeProperties { subscription_identifier: NonZeroU32::new(17), ..Default::default() };
    let id = sim.client.subscribe(subscriptions, properties).unwrap();
    assert_eq!(id, pid(1));
    let bytes = sim.recv_bytes();
    #[rustfmt::skip]
    let expected = [
        0x82, 0x1C,             // SUBSCRIBE, remaining length 28
        0x00, 0x01,             // packet id
        0x02, 0x0B, 0x11,       // properties: Subscription Identifier 17
        0x00, 0x03, b'a', b'/', b'+', 0x05, // QoS 1, No Local
        0x00, 0x01, b'b', 0x2A,             // QoS 2, Retain As Published, Retain Handling 2
        0x00, 0x0A, b'$', b's', b'h', b'a', b'r', b'e', b'/', b'g', b'/', b'c', 0x10, // QoS 0, Retain Handling 1
    ];
    assert_eq!(&bytes[..], expected);
}

/// MQTT-3.8.4-6, MQTT-3.9.3-1 (3.1.1: MQTT-3.8.4-5, MQTT-3.9.3-1): SUBACK has one
/// result per filter, in order; Event::Subscribed carries them with the granted
/// QoS.
#[test]
fn mqtt_3_8_4_6_suback_gives_one_result_per_filter_in_order() {
    for version in ALL_VERSIONS {
        let mut sim = Sim::connected(version);
        let id = sim
            .client
            .subscribe([(filter("a"), Q2), (filter("b"), Q1), (filter("c"), QoS::AtMostOnce)], Default::default())
            .unwrap();
        assert!(matches!(sim.recv().as_slice(), [Packet::Subscribe(s)] if s.subscriptions.len() == 3));
        // The server may grant less than asked.
        sim.send(suback(id, vec![ReasonCode::GrantedQoS1, ReasonCode::GrantedQoS1, ReasonCode::Success]));
        let events = sim.take_events();
        let [Event::Subscribed(s)] = events.as_slice() else { panic!("{version:?}: {events:?}") };
        assert_eq!(s.packet_id, id);
        assert_eq!(s.results, [Ok(QoS::AtLeastOnce), Ok(QoS::AtLeastOnce), Ok(QoS::AtMostOnce)], "{version:?}");
    }
}

/// MQTT-3.8.4-7 (3.1.1: MQTT-3.8.4-5, return code 0x80): a refused filter is a
/// per-filter Err, not a connection error.
#[test]
fn refused_filter_is_a_per_filter_error() {
    for version in ALL_VERSIONS {
        let mut sim = Sim::connected(version);
        let id = sim.client.subscribe([(filter("ok"), Q1), (filter("secret/#"), Q1)], Default::default()).unwrap();
        sim.recv();
        let refusal = if version.is_v5() { ReasonCode::NotAuthorized } else { ReasonCode::UnspecifiedError };
        sim.send(suback(id, vec![ReasonCode::GrantedQoS1, refusal]));
        let events = sim.take_events();
        let [Event::Subscribed(s)] = events.as_slice() else { panic!("{version:?}: {events:?}") };
        assert_eq!(s.results, [Ok(QoS::AtLeastOnce), Err(refusal)], "{version:?}");
        assert!(sim.client.is_connected());
        assert!(sim.recv().is_empty());
    }
}

/// MQTT 5: the SUBACK's properties (reason string, user properties) reach the
/// application, and every failure code is reported as such.
#[test]
fn v5_suback_failure_codes_and_properties_reported() {
    let mut sim = Sim::connected(ProtocolVersion::V5);
    let failures = [
        ReasonCode::UnspecifiedError,
        ReasonCode::ImplementationSpecificError,
        ReasonCode::NotAuthorized,
        ReasonCode::TopicFilterInvalid,
        ReasonCode::PacketIdentifierInUse,
        ReasonCode::QuotaExceeded,
        ReasonCode::SharedSubscriptionsNotSupported,
        ReasonCode::SubscriptionIdentifiersNotSupported,
        ReasonCode::WildcardSubscriptionsNotSupported,
    ];
    let subs: Vec<_> = (0..failures.len()).map(|i| (filter(&format!("f/{i}")), Q1)).collect();
    let id = sim.client.subscribe(subs, Default::default()).unwrap();
    sim.recv();
    let properties = mqtt_proto::AckProperties {
        reason_string: Some(mqtt_str("not today")),
        user_properties: vec![UserProperty { name: mqtt_str("k"), value: mqtt_str("v") }].into(),
    };
    sim.send(Packet::SubAck(SubAck { packet_id: id, reason_codes: failures.to_vec(), properties: properties.clone() }));
    let events = sim.take_events();
    let [Event::Subscribed(s)] = events.as_slice() else { panic!("{events:?}") };
    let expected: Vec<Result<QoS, ReasonCode>> = failures.iter().map(|&c| Err(c)).collect();
    assert_eq!(s.results, expected);
    assert_eq!(s.properties, properties);
    assert!(sim.client.is_connected());
}

/// MQTT-3.8.4-6 (3.1.1: MQTT-3.8.4-5): a SUBACK with a different number of codes
/// than filters is a protocol error (MQTT 5: DISCONNECT 0x82).
#[test]
fn mqtt_3_8_4_6_suback_with_wrong_number_of_codes_is_protocol_error() {
    for (version, codes) in [
        (ProtocolVersion::V3_1_1, vec![ReasonCode::GrantedQoS1]),
        (ProtocolVersion::V3_1, vec![ReasonCode::GrantedQoS1; 3]),
        (ProtocolVersion::V5, vec![ReasonCode::GrantedQoS1]),
    ] {
        let mut sim = Sim::connected(version);
        let id = sim.client.subscribe([(filter("a"), Q1), (filter("b"), Q1)], Default::default()).unwrap();
        sim.recv();
        sim.send(suback(id, codes));
        let sent = sim.recv();
        if version.is_v5() {
            assert!(
                matches!(sent.as_slice(), [Packet::Disconnect(d)] if d.reason_code == ReasonCode::ProtocolError),
                "{sent:?}"
            );
        } else {
            assert!(sent.is_empty(), "{version:?}: no DISCONNECT before MQTT 5: {sent:?}");
        }
        let (before, reason) = sim.take_closed();
        assert!(before.is_empty(), "{version:?}: no Subscribed: {before:?}");
        assert_eq!(reason, CloseReason::ProtocolError(ProtocolViolation::WrongResultCount(PacketType::SubAck)));
    }
}

/// A SUBACK for no SUBSCRIBE of ours (never sent, or already answered) is
/// ignored.
#[test]
fn suback_for_unknown_id_is_ignored() {
    for version in ALL_VERSIONS {
        let mut sim = Sim::connected(version);
        sim.send(suback(pid(77), vec![ReasonCode::GrantedQoS1]));
        let id = sim.client.subscribe([(filter("a"), Q1)], Default::default()).unwrap();
        sim.recv();
        sim.send(suback(id, vec![ReasonCode::GrantedQoS1]));
        sim.send(suback(id, vec![ReasonCode::GrantedQoS1]));
        let events = sim.take_events();
        assert!(matches!(events.as_slice(), [Event::Subscribed(s)] if s.packet_id == id), "{version:?}: {events:?}");
        assert!(sim.client.is_connected());
    }
}

/// Subscriptions cannot wait for CONNACK: NotConnected; after close: Closed.
#[test]
fn subscribe_before_connack_is_not_connected() {
    for version in ALL_VERSIONS {
        let mut sim = Sim::new(options(version));
        assert_eq!(
            sim.client.subscribe([(filter("a"), Q1)], Default::default()),
            Err(CommandError::NotConnected),
            "{version:?}"
        );
        assert_eq!(sim.client.unsubscribe([filter("a")], Default::default()), Err(CommandError::NotConnected));
        assert!(matches!(sim.recv().as_slice(), [Packet::Connect(_)]), "nothing but CONNECT");
        sim.send(connack_ok(false));
        sim.client.disconnect();
        assert_eq!(sim.client.subscribe([(filter("a"), Q1)], Default::default()), Err(CommandError::Closed));
        assert_eq!(sim.client.unsubscribe([filter("a")], Default::default()), Err(CommandError::Closed));
    }
}

/// MQTT-3.8.3-2 (3.1.1: MQTT-3.8.3-3): a SUBSCRIBE has at least one filter;
/// MQTT-3.10.3-2: so has an UNSUBSCRIBE. An empty list is refused, nothing sent,
/// no id taken.
#[test]
fn mqtt_3_8_3_2_empty_subscribe_or_unsubscribe_is_no_topic_filters() {
    for version in ALL_VERSIONS {
        let mut sim = Sim::connected(version);
        let none: [(mqtt_proto::TopicFilter, QoS); 0] = [];
        assert_eq!(sim.client.subscribe(none, Default::default()), Err(CommandError::NoTopicFilters), "{version:?}");
        assert_eq!(sim.client.unsubscribe([], Default::default()), Err(CommandError::NoTopicFilters));
        assert!(sim.recv().is_empty());
        let id = sim.client.subscribe([(filter("a"), Q1)], Default::default()).unwrap();
        assert_eq!(id, pid(1), "the refused commands took no id");
    }
}

/// MQTT 5 CONNACK capabilities (section 3.2.2.3.11 to 3.2.2.3.13): a server that
/// does not support wildcard subscriptions, shared subscriptions or subscription
/// identifiers gets none; the command fails with the matching error and nothing
/// is sent.
#[test]
fn v5_server_capabilities_refuse_wildcard_shared_and_identified_subscriptions() {
    let properties = ConnAckProperties {
        wildcard_subscription_available: Some(false),
        shared_subscription_available: Some(false),
        subscription_identifiers_available: Some(false),
        ..Default::default()
    };
    let mut sim = Sim::connected_with(options(ProtocolVersion::V5), connack_without(properties));
    for f in ["a/+", "a/#", "#"] {
        assert_eq!(
            sim.client.subscribe([(filter("plain"), Q1), (filter(f), Q1)], Default::default()),
            Err(CommandError::WildcardSubscriptionsNotSupported),
            "{f}"
        );
    }
    assert_eq!(
        sim.client.subscribe([(filter("$share/g/a"), Q1)], Default::default()),
        Err(CommandError::SharedSubscriptionsNotSupported)
    );
    let identified = SubscribeProperties { subscription_identifier: NonZeroU32::new(1), ..Default::default() };
    assert_eq!(
        sim.client.subscribe([(filter("a"), Q1)], identified),
        Err(CommandError::SubscriptionIdentifiersNotSupported)
    );
    assert!(sim.recv().is_empty(), "nothing sent");
    // What the server supports still works.
    let id = sim.client.subscribe([(filter("a/b"), Q1)], Default::default()).unwrap();
    assert!(matches!(sim.recv().as_slice(), [Packet::Subscribe(s)] if s.packet_id == id));
}

/// The capability checks are MQTT 5's: a 3.1.1 connection sends wildcard and
/// `$share/` filters (a 3.1.1 server reads the latter as an ordinary filter).
#[test]
fn v3_has_no_capability_checks() {
    let mut sim = Sim::connected(ProtocolVersion::V3_1_1);
    sim.client.subscribe([(filter("a/#"), Q1), (filter("$share/g/a"), Q1)], Default::default()).unwrap();
    assert!(matches!(sim.recv().as_slice(), [Packet::Subscribe(s)] if s.subscriptions.len() == 2));
}

/// MQTT-3.8.3-4: No Local on a shared subscription is a protocol error, refused
/// before anything is sent. Before MQTT 5 the options beyond QoS do not exist.
#[test]
fn mqtt_3_8_3_4_no_local_on_shared_subscription_refused() {
    let mut sim = Sim::connected(ProtocolVersion::V5);
    let no_local = SubscriptionOptions { no_local: true, ..SubscriptionOptions::new(QoS::AtLeastOnce) };
    let r = sim.client.subscribe([(filter("$share/g/a"), no_local)], Default::default());
    assert!(matches!(r, Err(CommandError::Encode(EncodeError::Forbidden { .. }))), "{r:?}");
    assert!(sim.recv().is_empty());

    let mut sim = Sim::connected(ProtocolVersion::V3_1_1);
    let r = sim.client.subscribe([(filter("a"), no_local)], Default::default());
    assert!(matches!(r, Err(CommandError::Encode(EncodeError::NotInVersion { .. }))), "{r:?}");
    let identified = SubscribeProperties { subscription_identifier: NonZeroU32::new(1), ..Default::default() };
    let r = sim.client.subscribe([(filter("a"), Q1)], identified);
    assert!(matches!(r, Err(CommandError::Encode(EncodeError::NotInVersion { .. }))), "{r:?}");
    assert!(sim.recv().is_empty());
    // The refused SUBSCRIBEs left no exchange behind.
    sim.send(suback(pid(1), vec![ReasonCode::GrantedQoS1]));
    sim.send(suback(pid(2), vec![ReasonCode::GrantedQoS1]));
    assert!(sim.take_events().is_empty());
    let id = sim.client.subscribe([(filter("a"), Q1)], Default::default()).unwrap();
    sim.send(suback(id, vec![ReasonCode::GrantedQoS1]));
    assert!(matches!(sim.take_events().as_slice(), [Event::Subscribed(s)] if s.packet_id == id));
}

/// MQTT-3.3.4-8: a full publish window does not delay SUBSCRIBE or UNSUBSCRIBE.
#[test]
fn mqtt_3_3_4_8_subscribe_not_delayed_by_full_publish_window() {
    let properties = ConnAckProperties { receive_maximum: NonZeroU16::new(1), ..Default::default() };
    let mut sim = Sim::connected_with(options(ProtocolVersion::V5), connack_props(properties));
    let p1 = sim.publish("t", b"1", Q1);
    sim.publish("t", b"2", Q1);
    assert_eq!(sim.recv().len(), 1);
    let sub = sim.client.subscribe([(filter("a"), Q1)], Default::default()).unwrap();
    let unsub = sim.client.unsubscribe([filter("b")], Default::default()).unwrap();
    let sent = sim.recv();
    assert!(
        matches!(sent.as_slice(), [Packet::Subscribe(s), Packet::Unsubscribe(u)] if s.packet_id == sub && u.packet_id == unsub),
        "{sent:?}"
    );
    assert!(sub != p1 && unsub != p1 && sub != unsub);
}

// ---- UNSUBSCRIBE ----

/// Unsubscribe one and many filters: the UNSUBSCRIBE bytes (3.1.1 section 3.10,
/// MQTT 5 section 3.10) and Event::Unsubscribed with one result per filter; 3.x
/// UNSUBACK has no codes, so each filter reports success.
#[test]
fn unsubscribe_sends_unsubscribe_and_reports_unsubscribed() {
    for version in ALL_VERSIONS {
        let mut sim = Sim::connected(version);
        let one = sim.client.unsubscribe([filter("a/+")], Default::default()).unwrap();
        let many = sim.client.unsubscribe([filter("a/+"), filter("b")], Default::default()).unwrap();
        assert_eq!((one, many), (pid(1), pid(2)));
        let bytes = sim.recv_bytes();
        let expected: Vec<u8> = if version.is_v5() {
            [
                &[0xA2, 0x08, 0x00, 0x01, 0x00, 0x00, 0x03, b'a', b'/', b'+'][..],
                &[0xA2, 0x0B, 0x00, 0x02, 0x00, 0x00, 0x03, b'a', b'/', b'+', 0x00, 0x01, b'b'],
            ]
            .concat()
        } else {
            [
                &[0xA2, 0x07, 0x00, 0x01, 0x00, 0x03, b'a', b'/', b'+'][..],
                &[0xA2, 0x0A, 0x00, 0x02, 0x00, 0x03, b'a', b'/', b'+', 0x00, 0x01, b'b'],
            ]
            .concat()
        };
        assert_eq!(&bytes[..], expected, "{version:?}");
        let (codes_one, codes_many) = if version.is_v5() {
            (vec![ReasonCode::Success], vec![ReasonCode::NoSubscriptionExisted, ReasonCode::NotAuthorized])
        } else {
            (vec![], vec![])
        };
        sim.send(unsuback(many, codes_many));
        sim.send(unsuback(one, codes_one));
        let events = sim.take_events();
        let [Event::Unsubscribed(m), Event::Unsubscribed(o)] = events.as_slice() else {
            panic!("{version:?}: {events:?}")
        };
        assert_eq!((m.packet_id, o.packet_id), (many, one));
        assert_eq!(o.results, [Ok(ReasonCode::Success)]);
        if version.is_v5() {
            // MQTT 5 section 3.11.3: 0x11 is a success; 0x87 a per-filter failure.
            assert_eq!(m.results, [Ok(ReasonCode::NoSubscriptionExisted), Err(ReasonCode::NotAuthorized)]);
        } else {
            assert_eq!(m.results, [Ok(ReasonCode::Success), Ok(ReasonCode::Success)], "{version:?}");
        }
        assert!(sim.client.is_connected());
    }
}

/// MQTT-3.11.3-1 (5.0): an UNSUBACK with a different number of codes than
/// filters is a protocol error: DISCONNECT 0x82.
#[test]
fn mqtt_3_11_3_1_v5_unsuback_with_wrong_number_of_codes_is_protocol_error() {
    let mut sim = Sim::connected(ProtocolVersion::V5);
    let id = sim.client.unsubscribe([filter("a"), filter("b")], Default::default()).unwrap();
    sim.recv();
    sim.send(unsuback(id, vec![ReasonCode::Success]));
    assert!(matches!(sim.recv().as_slice(), [Packet::Disconnect(d)] if d.reason_code == ReasonCode::ProtocolError));
    let (before, reason) = sim.take_closed();
    assert!(before.is_empty());
    assert_eq!(reason, CloseReason::ProtocolError(ProtocolViolation::WrongResultCount(PacketType::UnsubAck)));
}

/// SUBACK and UNSUBACK are matched by id: answering an UNSUBSCRIBE's id with a
/// SUBACK completes nothing, and the right acknowledgement still works.
#[test]
fn suback_for_unsubscribe_id_is_ignored() {
    let mut sim = Sim::connected(ProtocolVersion::V3_1_1);
    let id = sim.client.unsubscribe([filter("a")], Default::default()).unwrap();
    sim.recv();
    sim.send(suback(id, vec![ReasonCode::GrantedQoS1]));
    assert!(sim.take_events().is_empty());
    assert!(sim.client.is_connected());
    sim.send(unsuback(id, vec![]));
    assert!(matches!(sim.take_events().as_slice(), [Event::Unsubscribed(u)] if u.packet_id == id));
}
