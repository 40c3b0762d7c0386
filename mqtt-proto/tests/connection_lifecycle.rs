//! The life of one connection through the public API: CONNECT with every
//! option, CONNACK with every result and every MQTT 5 server property, the
//! connect timeout, and the end of the connection by either side.
//!
//! Test names cite the normative statement they check: MQTT 3.1.1 numbering
//! for behaviour shared by 3.x (and by 5.0 where the statement is the same),
//! MQTT 5.0 numbering for tests whose name says `v5`.

mod sim;

use core::num::{NonZeroU16, NonZeroU32};
use core::time::Duration;

use bytes::Bytes;
use mqtt_proto::{
    CloseReason, CommandError, ConnAck, ConnAckProperties, Connect, ConnectProperties, Disconnect,
    DisconnectProperties, EncodeError, Event, Instant, Packet, PayloadFormat, ProtocolVersion, QoS, QosPid, ReasonCode,
    State, SubscribeProperties, TopicFilter, UserProperty, Will, WillProperties,
};
use sim::*;

const V3: [ProtocolVersion; 2] = [ProtocolVersion::V3_1, ProtocolVersion::V3_1_1];

fn filter(s: &str) -> TopicFilter {
    TopicFilter::try_from(s).expect("valid filter")
}

fn user(name: &str, value: &str) -> UserProperty {
    UserProperty { name: mqtt_str(name), value: mqtt_str(value) }
}

/// Sends CONNECT, answers `connack`, and returns the Connected event.
fn connect_with(sim: &mut Sim, connack: Packet) -> mqtt_proto::Connected {
    sim.recv_connect();
    sim.send(connack);
    let events = sim.take_events();
    match <[Event; 1]>::try_from(events) {
        Ok([Event::Connected(c)]) => c,
        other => panic!("expected exactly Connected, got {other:?}"),
    }
}

/// A v5 connection accepted with `properties`; the Connected event is returned.
fn connected_v5(properties: ConnAckProperties) -> (Sim, mqtt_proto::Connected) {
    let mut sim = Sim::new(options(ProtocolVersion::V5));
    let connected = connect_with(&mut sim, connack_props(properties));
    (sim, connected)
}

// ---- CONNECT ----

#[test]
fn mqtt_3_1_0_1_connect_is_the_first_packet_sent() {
    for version in ALL_VERSIONS {
        let mut sim = Sim::new(options(version));
        assert_eq!(sim.client.state(), State::Connecting);
        assert!(sim.client.has_pending_transmit(), "{version}: CONNECT is queued at once");
        let connect = sim.recv_connect();
        assert_eq!(connect.protocol, version);
        assert!(sim.take_events().is_empty(), "{version}: no event before CONNACK");
        assert_eq!(sim.recv(), [], "{version}: nothing after CONNECT before CONNACK");
    }
}

#[test]
fn connect_carries_client_id_clean_start_and_keep_alive() {
    for version in ALL_VERSIONS {
        for clean in [true, false] {
            let opts = options(version).with_keep_alive(17).with_clean_start(clean);
            let mut sim = Sim::new(opts);
            let mut expected = Connect::new(version, mqtt_str("sim-client"));
            expected.keep_alive = 17;
            expected.clean_start = clean;
            assert_eq!(sim.recv_connect(), expected, "{version} clean={clean}");
        }
    }
}

#[test]
fn connect_uses_clean_start_on_the_first_connection_by_default() {
    for version in ALL_VERSIONS {
        let mut sim = Sim::new(options(version));
        let connect = sim.recv_connect();
        assert!(connect.clean_start, "{version}");
        assert_eq!(connect.keep_alive, 60, "{version}: the documented default");
    }
}

#[test]
fn mqtt_3_1_3_6_empty_client_id_is_sent_as_is() {
    for version in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
        let opts = mqtt_proto::Options::new(version, "").unwrap();
        let mut sim = Sim::new(opts);
        let connect = sim.recv_connect();
        assert!(connect.client_id.is_empty(), "{version}");
        assert!(connect.clean_start, "{version}");
    }
}

#[test]
fn mqtt_3_1_3_7_empty_client_id_requires_clean_session() {
    // MQTT 3.1.1: "If the Client supplies a zero-byte ClientId, the Client MUST
    // also set CleanSession to 1."
    let opts = mqtt_proto::Options::new(ProtocolVersion::V3_1_1, "").unwrap().with_clean_start(false);
    let err = mqtt_proto::Connection::new(opts.clone(), Instant::ZERO).unwrap_err();
    assert!(matches!(err, CommandError::Encode(EncodeError::Forbidden { .. })), "{err:?}");
    // Resuming uses `clean_start_on_resume`, false by default: refused too.
    let mut opts = opts.with_clean_start(true);
    let err = mqtt_proto::Connection::resume(opts.clone(), mqtt_proto::Session::new(), Instant::ZERO).unwrap_err();
    assert!(matches!(err, CommandError::Encode(EncodeError::Forbidden { .. })), "{err:?}");
    opts.clean_start_on_resume = true;
    assert!(mqtt_proto::Connection::resume(opts, mqtt_proto::Session::new(), Instant::ZERO).is_ok());
    // MQTT 5 lets the server assign an identifier to a resumed session.
    let opts = mqtt_proto::Options::new(ProtocolVersion::V5, "").unwrap().with_clean_start(false);
    let mut sim = Sim::new(opts);
    assert!(!sim.recv_connect().clean_start);
}

#[test]
fn mqtt_3_2_2_16_v5_assigned_client_identifier_is_adopted() {
    let opts = mqtt_proto::Options::new(ProtocolVersion::V5, "").unwrap();
    let mut sim = Sim::new(opts);
    let props = ConnAckProperties { assigned_client_identifier: Some(mqtt_str("srv-42")), ..Default::default() };
    let connected = connect_with(&mut sim, connack_props(props));
    assert_eq!(connected.properties.assigned_client_identifier, Some(mqtt_str("srv-42")));
    assert_eq!(sim.client.options().client_id, mqtt_str("srv-42"), "kept for the next connection");
}

#[test]
fn mqtt_3_1_2_9_will_is_encoded_with_its_qos_and_retain() {
    for version in ALL_VERSIONS {
        for qos in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
            for retain in [false, true] {
                let will = Will {
                    topic: topic("clients/sim/status"),
                    payload: Bytes::from_static(b"gone"),
                    qos,
                    retain,
                    properties: WillProperties::default(),
                };
                let mut sim = Sim::new(options(version).with_will(will.clone()));
                assert_eq!(sim.recv_connect().will, Some(will), "{version} {qos:?} retain={retain}");
            }
        }
    }
}

#[test]
fn v5_will_properties_are_encoded() {
    let will = Will {
        topic: topic("clients/sim/status"),
        payload: Bytes::from_static(b"{\"online\":false}"),
        qos: QoS::AtLeastOnce,
        retain: true,
        properties: WillProperties {
            will_delay_interval: Some(30),
            payload_format: Some(PayloadFormat::Utf8),
            message_expiry_interval: Some(3600),
            content_type: Some(mqtt_str("application/json")),
            response_topic: Some(topic("clients/sim/reply")),
            correlation_data: Some(Bytes::from_static(b"\x01\x02")),
            user_properties: vec![user("a", "1"), user("a", "2")].into(),
        },
    };
    let mut sim = Sim::new(options(ProtocolVersion::V5).with_will(will.clone()));
    assert_eq!(sim.recv_connect().will, Some(will));
}

#[test]
fn will_properties_before_v5_are_refused() {
    for version in V3 {
        let will = Will {
            topic: topic("t"),
            payload: Bytes::new(),
            qos: QoS::AtMostOnce,
            retain: false,
            properties: WillProperties { will_delay_interval: Some(1), ..Default::default() },
        };
        let err = mqtt_proto::Connection::new(options(version).with_will(will), Instant::ZERO).unwrap_err();
        assert!(matches!(err, CommandError::Encode(EncodeError::NotInVersion { .. })), "{version}: {err:?}");
    }
}

#[test]
fn mqtt_3_1_2_19_user_name_and_mqtt_3_1_2_21_password_are_encoded() {
    for version in ALL_VERSIONS {
        let mut sim = Sim::new(options(version).with_credentials("alice", Bytes::from_static(b"s3cr\0t")));
        let connect = sim.recv_connect();
        assert_eq!(connect.username, Some(mqtt_str("alice")), "{version}");
        assert_eq!(connect.password.as_deref(), Some(&b"s3cr\0t"[..]), "{version}");
        // And neither is present when not set (MQTT-3.1.2-18, MQTT-3.1.2-20).
        let mut sim = Sim::new(options(version));
        let connect = sim.recv_connect();
        assert_eq!((connect.username, connect.password), (None, None), "{version}");
    }
}

#[test]
fn mqtt_3_1_2_22_password_without_user_name_is_refused_before_v5() {
    for version in V3 {
        let mut opts = options(version);
        opts.password = Some(Bytes::from_static(b"token"));
        let err = mqtt_proto::Connection::new(opts, Instant::ZERO).unwrap_err();
        assert_eq!(err, CommandError::Encode(EncodeError::PasswordWithoutUsername), "{version}");
    }
    // MQTT 5 allows a password alone (section 3.1.2.9).
    let mut opts = options(ProtocolVersion::V5);
    opts.password = Some(Bytes::from_static(b"token"));
    let mut sim = Sim::new(opts);
    let connect = sim.recv_connect();
    assert_eq!((connect.username, connect.password.as_deref()), (None, Some(&b"token"[..])));
}

#[test]
fn v5_connect_carries_every_property_set() {
    let properties = ConnectProperties {
        session_expiry_interval: Some(600),
        receive_maximum: NonZeroU16::new(10),
        maximum_packet_size: NonZeroU32::new(4096),
        topic_alias_maximum: Some(8),
        request_response_information: Some(true),
        request_problem_information: Some(false),
        authentication_method: Some(mqtt_str("TOKEN")),
        authentication_data: Some(Bytes::from_static(b"abc")),
        user_properties: vec![user("region", "eu"), user("region", "us")].into(),
    };
    let mut opts = options(ProtocolVersion::V5);
    opts.properties = properties.clone();
    let mut sim = Sim::new(opts);
    assert_eq!(sim.recv_connect().properties, properties);
}

#[test]
fn v5_connect_omits_properties_that_state_the_protocol_default() {
    // MQTT 5 section 3.1.2.11: an absent property means its default, so a
    // property set to its default value is left out of CONNECT.
    let mut opts = options(ProtocolVersion::V5);
    opts.properties = ConnectProperties {
        session_expiry_interval: Some(0),
        receive_maximum: NonZeroU16::new(u16::MAX),
        maximum_packet_size: NonZeroU32::new(mqtt_proto::MAX_PACKET_SIZE),
        topic_alias_maximum: Some(0),
        request_response_information: Some(false),
        request_problem_information: Some(true),
        ..Default::default()
    };
    let will_props = mqtt_proto::WillProperties {
        will_delay_interval: Some(0),
        payload_format: Some(mqtt_proto::PayloadFormat::Unspecified),
        ..Default::default()
    };
    opts.will = Some(mqtt_proto::Will {
        topic: topic("last/will"),
        payload: Bytes::from_static(b"gone"),
        qos: QoS::AtMostOnce,
        retain: false,
        properties: will_props,
    });
    let mut sim = Sim::new(opts);
    let connect = sim.recv_connect();
    assert_eq!(connect.properties, ConnectProperties::default());
    assert_eq!(connect.will.expect("will").properties, mqtt_proto::WillProperties::default());
}

#[test]
fn mqtt_2_2_2_1_v5_connect_without_properties_has_property_length_zero() {
    // Options that are not CONNECT properties must not turn into any.
    let mut opts = options(ProtocolVersion::V5).with_max_inflight(3).with_max_queued(5).with_manual_acks(true);
    opts.topic_alias_outgoing = true;
    opts.connect_timeout = Duration::from_secs(3);
    opts.ping_timeout = Duration::from_secs(2);
    let mut sim = Sim::new(opts);
    let bytes = sim.recv_bytes();
    // Fixed header (2), protocol name (6), level, flags, keep alive (2): the
    // property length is the 13th byte.
    assert_eq!(&bytes[..12], b"\x10\x17\x00\x04MQTT\x05\x02\x00\x3c");
    assert_eq!(bytes[12], 0x00, "property length 0: {bytes:02x?}");
    assert_eq!(&bytes[13..], b"\x00\x0asim-client");

    // Exactly the property that was set goes out, and nothing else.
    let mut opts = options(ProtocolVersion::V5);
    opts.properties.session_expiry_interval = Some(0xFFFF_FFFF);
    let mut sim = Sim::new(opts);
    let expected = ConnectProperties { session_expiry_interval: Some(0xFFFF_FFFF), ..Default::default() };
    assert_eq!(sim.recv_connect().properties, expected);
}

#[test]
fn connect_properties_are_not_sent_before_v5() {
    for version in V3 {
        let mut opts = options(version);
        opts.properties.session_expiry_interval = Some(10);
        let mut sim = Sim::new(opts);
        assert_eq!(sim.recv_connect().properties, ConnectProperties::default(), "{version}");
    }
}

// ---- CONNACK ----

#[test]
fn connack_return_codes_1_to_5_close_the_connection_as_refused() {
    for version in V3 {
        for code in 1..=5u8 {
            let mut sim = Sim::new(options(version));
            sim.recv_connect();
            sim.send_bytes(&[0x20, 0x02, 0x00, code]);
            let (before, reason) = sim.take_closed();
            assert_eq!(before, [], "{version} {code}");
            let expected = ReasonCode::from_v3_connack(code).unwrap();
            assert_eq!(
                reason,
                CloseReason::Refused { reason_code: expected, properties: Default::default() },
                "{version} return code {code}"
            );
            assert_eq!(sim.recv(), [], "{version}: the server closes; nothing is sent");
            assert_eq!(sim.client.state(), State::Closed);
            assert_eq!(sim.client.poll_timeout(), None);
        }
    }
}

#[test]
fn mqtt_3_2_2_7_v5_connack_failure_codes_close_the_connection_as_refused() {
    let failures = (0x80..=0xFFu8)
        .filter_map(|c| ReasonCode::try_from(c).ok())
        .filter(|c| c.is_valid_for(mqtt_proto::PacketType::ConnAck, ProtocolVersion::V5));
    let mut seen = 0;
    for code in failures {
        seen += 1;
        let mut sim = Sim::new(options(ProtocolVersion::V5));
        sim.recv_connect();
        let properties = ConnAckProperties {
            reason_string: Some(mqtt_str("go away")),
            server_reference: Some(mqtt_str("other.example:1883")),
            user_properties: vec![user("k", "v")].into(),
            ..Default::default()
        };
        let connack = ConnAck { session_present: false, reason_code: code, properties: properties.clone() };
        sim.send(Packet::from(connack));
        let (before, reason) = sim.take_closed();
        assert_eq!(before, [], "{code}");
        assert_eq!(reason, CloseReason::Refused { reason_code: code, properties }, "{code}");
        assert_eq!(sim.recv(), [], "{code}: no DISCONNECT after a refusal");
        assert!(!sim.client.is_connected());
    }
    assert_eq!(seen, 21, "every CONNACK failure code of MQTT 5 table 3-1");
}

#[test]
fn session_present_is_reported_in_connected() {
    for version in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
        for present in [false, true] {
            let mut sim = Sim::new(options(version).with_clean_start(false));
            let connected = connect_with(&mut sim, connack_ok(present));
            assert_eq!(connected.session_present, present, "{version}");
        }
    }
}

#[test]
fn mqtt_3_1_connack_has_no_session_present_flag() {
    // MQTT 3.1's first CONNACK byte is unused: a 1 there is not Session Present
    // and not a protocol error after a clean session.
    let mut sim = Sim::new(options(ProtocolVersion::V3_1));
    sim.recv_connect();
    sim.send_bytes(&[0x20, 0x02, 0x01, 0x00]);
    let events = sim.take_events();
    assert!(matches!(events.as_slice(), [Event::Connected(c)] if !c.session_present), "{events:?}");
    assert!(sim.client.is_connected());
}

#[test]
fn v5_connack_properties_are_exposed_in_connected_and_server_limits() {
    let properties = ConnAckProperties {
        session_expiry_interval: Some(120),
        receive_maximum: NonZeroU16::new(7),
        maximum_qos: Some(QoS::AtLeastOnce),
        retain_available: Some(false),
        maximum_packet_size: NonZeroU32::new(2048),
        assigned_client_identifier: None,
        topic_alias_maximum: Some(4),
        reason_string: Some(mqtt_str("welcome")),
        user_properties: vec![user("node", "b2")].into(),
        wildcard_subscription_available: Some(false),
        subscription_identifiers_available: Some(false),
        shared_subscription_available: Some(false),
        server_keep_alive: Some(25),
        response_information: Some(mqtt_str("replies/sim")),
        server_reference: Some(mqtt_str("backup.example")),
        authentication_method: None,
        authentication_data: None,
    };
    let (sim, connected) = connected_v5(properties.clone());
    assert_eq!(connected.properties, properties);
    assert!(!connected.session_present);
    let limits = sim.client.server_limits();
    assert_eq!(limits.receive_maximum, 7);
    assert_eq!(limits.maximum_qos, QoS::AtLeastOnce);
    assert!(!limits.retain_available);
    assert_eq!(limits.maximum_packet_size, 2048);
    assert_eq!(limits.topic_alias_maximum, 4);
    assert!(!limits.wildcard_subscription_available);
    assert!(!limits.subscription_identifiers_available);
    assert!(!limits.shared_subscription_available);
    assert_eq!(limits.keep_alive, 25);
}

#[test]
fn server_limits_keep_their_defaults_without_properties() {
    for version in ALL_VERSIONS {
        let sim = Sim::connected(version);
        let limits = sim.client.server_limits();
        assert_eq!(limits.maximum_qos, QoS::ExactlyOnce, "{version}");
        assert!(limits.retain_available);
        assert_eq!(limits.receive_maximum, u16::MAX);
        assert_eq!(limits.maximum_packet_size, mqtt_proto::MAX_PACKET_SIZE);
        assert_eq!(limits.topic_alias_maximum, 0);
        assert!(limits.wildcard_subscription_available);
        assert!(limits.subscription_identifiers_available);
        assert!(limits.shared_subscription_available);
        assert_eq!(limits.keep_alive, 60);
    }
}

#[test]
fn mqtt_4_9_0_2_v5_receive_maximum_bounds_the_send_window() {
    let props = ConnAckProperties { receive_maximum: NonZeroU16::new(2), ..Default::default() };
    let (mut sim, _) = connected_v5(props);
    let ids: Vec<_> =
        (0..3).map(|_| sim.client.publish(topic("t"), Bytes::from_static(b"x"), Q1, false).unwrap().unwrap()).collect();
    let sent = sim.recv();
    assert_eq!(sent.len(), 2, "two in flight at most: {sent:?}");
    assert_eq!(sim.client.session().inflight(), 2);
    assert_eq!(sim.client.session().queued(), 1);
    sim.send(puback(ids[0].get()));
    let sent = sim.recv();
    assert!(matches!(sent.as_slice(), [Packet::Publish(p)] if p.qos == QosPid::AtLeastOnce(ids[2])), "{sent:?}");
}

#[test]
fn mqtt_3_2_2_11_v5_maximum_qos_refuses_higher_publishes() {
    for (max, allowed, refused) in [(QoS::AtMostOnce, QoS::AtMostOnce, Q1), (QoS::AtLeastOnce, Q1, Q2)] {
        let (mut sim, _) = connected_v5(ConnAckProperties { maximum_qos: Some(max), ..Default::default() });
        let err = sim.client.publish(topic("t"), Bytes::new(), refused, false).unwrap_err();
        assert_eq!(err, CommandError::QoSNotSupported { requested: refused, maximum: max });
        assert_eq!(sim.recv(), [], "refused, never downgraded");
        sim.client.publish(topic("t"), Bytes::new(), allowed, false).unwrap();
        assert!(matches!(sim.recv().as_slice(), [Packet::Publish(p)] if p.qos.qos() == allowed));
    }
}

#[test]
fn mqtt_3_2_2_14_v5_retain_not_available_refuses_retained_publishes() {
    let (mut sim, _) = connected_v5(ConnAckProperties { retain_available: Some(false), ..Default::default() });
    for qos in [QoS::AtMostOnce, Q1, Q2] {
        let err = sim.client.publish(topic("t"), Bytes::new(), qos, true).unwrap_err();
        assert_eq!(err, CommandError::RetainNotSupported);
    }
    assert_eq!(sim.recv(), []);
    sim.client.publish(topic("t"), Bytes::new(), QoS::AtMostOnce, false).unwrap();
    assert_eq!(sim.recv().len(), 1);
}

#[test]
fn mqtt_3_2_2_15_v5_server_maximum_packet_size_refuses_larger_packets() {
    let (mut sim, _) =
        connected_v5(ConnAckProperties { maximum_packet_size: NonZeroU32::new(64), ..Default::default() });
    let big = Bytes::from(vec![b'x'; 100]);
    for qos in [QoS::AtMostOnce, Q1, Q2] {
        let err = sim.client.publish(topic("t"), big.clone(), qos, false).unwrap_err();
        assert!(matches!(err, CommandError::PacketTooLarge { max: 64, size } if size > 64), "{qos:?}: {err:?}");
    }
    assert_eq!(sim.client.session().inflight(), 0, "a refused publish holds no id");
    let long = filter(&"f".repeat(80));
    let err = sim.client.subscribe([(long, Q1)], SubscribeProperties::default()).unwrap_err();
    assert!(matches!(err, CommandError::PacketTooLarge { max: 64, .. }), "{err:?}");
    assert_eq!(sim.recv(), []);
    sim.client.publish(topic("t"), Bytes::from(vec![b'x'; 40]), Q1, false).unwrap();
    assert_eq!(sim.recv().len(), 1, "a packet within the limit goes out");
}

#[test]
fn mqtt_3_2_2_17_v5_outgoing_topic_aliases_stay_within_topic_alias_maximum() {
    let mut opts = options(ProtocolVersion::V5);
    opts.topic_alias_outgoing = true;
    let mut sim = Sim::new(opts);
    connect_with(&mut sim, connack_props(ConnAckProperties { topic_alias_maximum: Some(1), ..Default::default() }));
    for t in ["a/b", "a/b", "c/d"] {
        sim.client.publish(topic(t), Bytes::new(), QoS::AtMostOnce, false).unwrap();
    }
    let sent = sim.recv();
    let seen: Vec<_> = sent
        .iter()
        .map(|p| match p {
            Packet::Publish(p) => {
                (p.topic.as_str().to_owned(), p.properties().and_then(|x| x.topic_alias).map(NonZeroU16::get))
            }
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(seen, [("a/b".to_owned(), Some(1)), (String::new(), Some(1)), ("c/d".to_owned(), None)]);

    // MQTT-3.2.2-18: without a Topic Alias Maximum, no alias at all.
    let mut opts = options(ProtocolVersion::V5);
    opts.topic_alias_outgoing = true;
    let mut sim = Sim::connected_with(opts, connack_ok(false));
    for _ in 0..2 {
        sim.client.publish(topic("a/b"), Bytes::new(), QoS::AtMostOnce, false).unwrap();
    }
    for p in sim.recv() {
        let Packet::Publish(p) = p else { panic!("{p:?}") };
        assert_eq!((p.topic.as_str(), p.properties().and_then(|x| x.topic_alias)), ("a/b", None));
    }
}

#[test]
fn v5_unavailable_subscription_features_are_refused() {
    let props = ConnAckProperties {
        wildcard_subscription_available: Some(false),
        subscription_identifiers_available: Some(false),
        shared_subscription_available: Some(false),
        ..Default::default()
    };
    let (mut sim, _) = connected_v5(props);
    let none = SubscribeProperties::default;
    for wild in ["a/+", "a/#", "#"] {
        let err = sim.client.subscribe([(filter(wild), Q1)], none()).unwrap_err();
        assert_eq!(err, CommandError::WildcardSubscriptionsNotSupported, "{wild}");
    }
    let err = sim.client.subscribe([(filter("$share/g/a"), Q1)], none()).unwrap_err();
    assert_eq!(err, CommandError::SharedSubscriptionsNotSupported);
    let with_id = SubscribeProperties { subscription_identifier: NonZeroU32::new(3), ..Default::default() };
    let err = sim.client.subscribe([(filter("a"), Q1)], with_id).unwrap_err();
    assert_eq!(err, CommandError::SubscriptionIdentifiersNotSupported);
    assert_eq!(sim.recv(), [], "nothing refused goes out");
    sim.client.subscribe([(filter("a/b"), Q1)], none()).unwrap();
    assert!(matches!(sim.recv().as_slice(), [Packet::Subscribe(_)]));
}

// ---- Connect timeout ----

#[test]
fn connect_timeout_closes_at_exactly_the_deadline() {
    for version in ALL_VERSIONS {
        let mut opts = options(version);
        opts.connect_timeout = Duration::from_secs(5);
        let mut sim = Sim::new(opts);
        sim.recv_connect();
        let deadline = Instant::ZERO + Duration::from_secs(5);
        assert_eq!(sim.client.poll_timeout(), Some(deadline), "{version}");
        sim.now = Instant::from_millis(4_999);
        sim.client.handle_timeout(sim.now);
        assert!(sim.take_events().is_empty(), "{version}: not before the deadline");
        assert_eq!(sim.client.poll_timeout(), Some(deadline));
        sim.now = deadline;
        sim.client.handle_timeout(sim.now);
        let (before, reason) = sim.take_closed();
        assert_eq!((before, reason), (vec![], CloseReason::ConnectTimeout), "{version}");
        assert_eq!(sim.recv(), [], "{version}: nothing to say to a silent server");
        assert_eq!(sim.client.poll_timeout(), None);
        // A late CONNACK changes nothing.
        sim.send(connack_ok(false));
        assert!(sim.take_events().is_empty());
        assert!(!sim.client.is_connected());
        assert_eq!(sim.bytes_after_closed, 0);
    }
}

#[test]
fn connack_in_time_cancels_the_connect_timeout() {
    for version in ALL_VERSIONS {
        let mut opts = options(version).with_keep_alive(0);
        opts.connect_timeout = Duration::from_secs(5);
        let mut sim = Sim::new(opts);
        sim.recv_connect();
        sim.now = Instant::from_millis(4_999);
        sim.send(connack_ok(false));
        assert!(matches!(sim.take_events().as_slice(), [Event::Connected(_)]));
        assert_eq!(sim.client.poll_timeout(), None, "{version}: no deadline left with keep alive off");
        sim.now = Instant::ZERO + Duration::from_secs(3600);
        sim.client.handle_timeout(sim.now);
        assert!(sim.take_events().is_empty());
        assert!(sim.client.is_connected());
    }
}

// ---- The end ----

#[test]
fn mqtt_3_14_4_1_v5_disconnect_sends_reason_code_and_properties_then_nothing() {
    let mut sim = Sim::connected(ProtocolVersion::V5);
    let properties = DisconnectProperties {
        session_expiry_interval: Some(0),
        reason_string: Some(mqtt_str("shutting down")),
        user_properties: vec![user("why", "maintenance")].into(),
        server_reference: None,
    };
    sim.client.disconnect_with(ReasonCode::DisconnectWithWillMessage, properties.clone());
    let sent = sim.recv();
    let expected = Disconnect { reason_code: ReasonCode::DisconnectWithWillMessage, properties };
    assert_eq!(sent, [Packet::Disconnect(expected)]);
    let (before, reason) = sim.take_closed();
    assert_eq!((before, reason), (vec![], CloseReason::Disconnected));
    assert_eq!(sim.client.state(), State::Closed);
    assert_eq!(sim.client.poll_timeout(), None);
    // Nothing follows: not on time, not on input, not on a second disconnect.
    sim.advance(Duration::from_secs(3600));
    sim.send(server_publish("t", b"late", QosPid::AtLeastOnce(pid(1))));
    sim.client.disconnect();
    assert_eq!(sim.recv(), []);
    assert!(sim.take_events().is_empty());
    assert_eq!(sim.bytes_after_closed, 0);
}

#[test]
fn mqtt_3_14_4_2_v3_disconnect_is_the_bare_packet_then_nothing() {
    for version in V3 {
        let mut sim = Sim::connected(version);
        // A reason code and properties cannot be expressed before MQTT 5.
        let props = DisconnectProperties { reason_string: Some(mqtt_str("x")), ..Default::default() };
        sim.client.disconnect_with(ReasonCode::DisconnectWithWillMessage, props);
        assert_eq!(&sim.recv_bytes()[..], [0xE0, 0x00], "{version}");
        assert_eq!(sim.take_closed(), (vec![], CloseReason::Disconnected));
        sim.advance(Duration::from_secs(3600));
        assert_eq!(sim.recv(), []);
        assert_eq!(sim.bytes_after_closed, 0);
    }
}

#[test]
fn disconnect_before_connack_sends_disconnect_and_closes() {
    for version in ALL_VERSIONS {
        let mut sim = Sim::new(options(version));
        sim.recv_connect();
        sim.client.disconnect();
        assert!(matches!(sim.recv().as_slice(), [Packet::Disconnect(d)] if d.reason_code == ReasonCode::Success));
        assert_eq!(sim.take_closed(), (vec![], CloseReason::Disconnected), "{version}");
        assert_eq!(sim.client.poll_timeout(), None, "{version}: the connect timeout is gone");
    }
}

#[test]
fn v5_server_disconnect_closes_with_its_reason_code_and_properties() {
    let mut sim = Sim::connected(ProtocolVersion::V5);
    let properties = DisconnectProperties {
        session_expiry_interval: None,
        reason_string: Some(mqtt_str("maintenance window")),
        user_properties: vec![user("eta", "10m")].into(),
        server_reference: Some(mqtt_str("other.example")),
    };
    let disconnect = Disconnect { reason_code: ReasonCode::ServerShuttingDown, properties: properties.clone() };
    sim.send(Packet::from(disconnect));
    let (before, reason) = sim.take_closed();
    assert_eq!(before, []);
    assert_eq!(reason, CloseReason::ServerDisconnected { reason_code: ReasonCode::ServerShuttingDown, properties });
    assert!(reason.to_string().contains("maintenance window"), "{reason}");
    assert_eq!(sim.recv(), [], "no DISCONNECT in reply (MQTT-3.14.4-1 binds the server)");
    assert_eq!(sim.client.poll_timeout(), None);
}

#[test]
fn commands_after_close_are_refused_but_qos_1_and_2_publishes_are_kept_in_the_session() {
    for version in ALL_VERSIONS {
        let mut sim = Sim::connected(version);
        sim.eof();
        assert_eq!(sim.take_closed(), (vec![], CloseReason::ConnectionLost));
        let c = &mut sim.client;
        assert_eq!(c.publish(topic("t"), Bytes::new(), QoS::AtMostOnce, false), Err(CommandError::Closed));
        assert_eq!(c.subscribe([(filter("t"), Q1)], Default::default()), Err(CommandError::Closed));
        assert_eq!(c.unsubscribe([filter("t")], Default::default()), Err(CommandError::Closed));
        assert_eq!(c.ack(pid(1)), Err(CommandError::Closed));
        assert_eq!(c.reauthenticate(), Err(CommandError::Closed));
        // By design: the session queues them for the connection that resumes it.
        let a = c.publish(topic("t"), Bytes::from_static(b"1"), Q1, false).unwrap().unwrap();
        let b = c.publish(topic("t"), Bytes::from_static(b"2"), Q2, false).unwrap().unwrap();
        assert_ne!(a, b);
        assert_eq!(c.session().queued(), 2, "{version}");
        assert_eq!(c.session().pending_ids().collect::<Vec<_>>(), [a, b]);
        c.disconnect();
        sim.advance(Duration::from_secs(3600));
        assert_eq!(sim.recv(), [], "{version}");
        assert!(sim.take_events().is_empty());
        assert_eq!(sim.bytes_after_closed, 0);
    }
}

#[test]
fn commands_before_connack_wait_or_are_refused() {
    for version in ALL_VERSIONS {
        let mut sim = Sim::new(options(version));
        sim.recv_connect();
        let c = &mut sim.client;
        assert_eq!(c.publish(topic("t"), Bytes::new(), QoS::AtMostOnce, false), Err(CommandError::NotConnected));
        assert_eq!(c.subscribe([(filter("t"), Q1)], Default::default()), Err(CommandError::NotConnected));
        assert_eq!(c.unsubscribe([filter("t")], Default::default()), Err(CommandError::NotConnected));
        let id = c.publish(topic("t"), Bytes::from_static(b"q"), Q1, false).unwrap().unwrap();
        assert_eq!(sim.recv(), [], "{version}: nothing but CONNECT before CONNACK");
        sim.send(connack_ok(false));
        assert!(matches!(sim.take_events().as_slice(), [Event::Connected(_)]));
        let sent = sim.recv();
        assert!(
            matches!(sent.as_slice(), [Packet::Publish(p)] if p.qos == QosPid::AtLeastOnce(id) && !p.dup),
            "{version}: the queued publish goes after CONNACK: {sent:?}"
        );
    }
}
