//! Packets the caller asks for that cannot go on the wire, one or more per
//! [`EncodeError`] variant. Every case also checks that the output buffer is left
//! exactly as it was, and that [`Codec::encoded_len`] reports the same error.

mod common;

use core::num::{NonZeroU16, NonZeroU32};

use bytes::{BufMut, Bytes, BytesMut};
use common::{bin, encode_error, filter, pid, s, topic, user};
use mqtt_proto::properties::{
    AckProperties, AuthProperties, ConnAckProperties, ConnectProperties, DisconnectProperties, PublishProperties,
    SubscribeProperties, UnsubscribeProperties, WillProperties,
};
use mqtt_proto::{
    Ack, Auth, Codec, ConnAck, Connect, Disconnect, EncodeError, List, MAX_PACKET_SIZE, MqttStr, Packet, PacketType,
    ProtocolVersion, Publish, QoS, QosPid, ReasonCode, RetainHandling, SubAck, Subscribe, Subscription,
    SubscriptionOptions, TopicFilter, TopicName, UnsubAck, Unsubscribe, UserProperty, Will,
};

use EncodeError as E;
use PacketType as P;
use ProtocolVersion::{V3_1, V3_1_1, V5};

fn codec(version: ProtocolVersion) -> Codec {
    Codec::new(version)
}

fn connect(version: ProtocolVersion) -> Connect {
    Connect::new(version, s("c"))
}

fn publish(name: &str, payload: Bytes) -> Publish {
    Publish::new(topic(name), payload)
}

fn subscription(f: &str) -> Subscription {
    Subscription { filter: filter(f), options: SubscriptionOptions::new(QoS::AtLeastOnce) }
}

fn subscribe(subscriptions: Vec<Subscription>) -> Subscribe {
    Subscribe { packet_id: pid(1), subscriptions: subscriptions.into(), properties: SubscribeProperties::default() }
}

/// `n` bytes of 'a' as a string.
fn long_text(n: usize) -> String {
    "a".repeat(n)
}

// ---------------------------------------------------------------------------
// Field lengths (section 1.5)
// ---------------------------------------------------------------------------

/// A UTF-8 Encoded String holds at most 65,535 bytes (3.1.1 1.5.3, 5.0 1.5.4); a
/// topic name or filter likewise ([MQTT-4.7.3-3]).
#[test]
fn string_longer_than_65535_bytes() {
    let long = long_text(65_536);
    let too_long = E::StringTooLong { len: 65_536 };

    let p = Publish::new(TopicName::try_from(long.as_str()).unwrap(), Bytes::new());
    assert_eq!(encode_error(codec(V3_1_1), &Packet::Publish(p)), too_long);

    let c = Connect::new(V3_1_1, MqttStr::try_from(long.as_str()).unwrap());
    assert_eq!(encode_error(codec(V3_1_1), &Packet::from(c)), too_long);

    let mut c = connect(V5);
    c.username = Some(MqttStr::try_from(long.as_str()).unwrap());
    assert_eq!(encode_error(codec(V5), &Packet::from(c)), too_long);

    let sub = subscribe(vec![Subscription {
        filter: TopicFilter::try_from(long.as_str()).unwrap(),
        options: SubscriptionOptions::default(),
    }]);
    assert_eq!(encode_error(codec(V3_1), &Packet::Subscribe(sub)), too_long);

    // In a property: a User Property value, a Reason String.
    let mut p = publish("t", Bytes::new());
    p.properties_mut().user_properties = vec![user("k", &long)].into();
    assert_eq!(encode_error(codec(V5), &Packet::Publish(p)), too_long);
    let d = Disconnect {
        reason_code: ReasonCode::Success,
        properties: DisconnectProperties { reason_string: Some(s(&long)), ..Default::default() },
    };
    assert_eq!(encode_error(codec(V5), &Packet::Disconnect(d)), too_long);
}

/// 65,535 bytes is still a valid string.
#[test]
fn string_of_65535_bytes_is_valid() {
    let p = Publish::new(TopicName::try_from(long_text(65_535)).unwrap(), Bytes::new());
    let len = Codec::new(V3_1_1).encoded_len(&Packet::Publish(p)).unwrap();
    // Fixed header 1 + 3 (remaining length 65,537), length prefix 2, topic.
    assert_eq!(len, 1 + 3 + 2 + 65_535);
}

/// Binary Data holds at most 65,535 bytes (5.0 section 1.5.6; 3.1.1 section 3.1.3
/// for the will message and password).
#[test]
fn binary_data_longer_than_65535_bytes() {
    let big = Bytes::from(vec![0x42; 65_536]);
    let too_long = E::BinaryTooLong { len: 65_536 };

    let mut c = connect(V3_1_1);
    c.username = Some(s("u"));
    c.password = Some(big.clone());
    assert_eq!(encode_error(codec(V3_1_1), &Packet::from(c)), too_long);

    let mut c = connect(V3_1);
    c.will = Some(Will {
        topic: topic("w"),
        payload: big.clone(),
        qos: QoS::AtMostOnce,
        retain: false,
        properties: WillProperties::default(),
    });
    assert_eq!(encode_error(codec(V3_1), &Packet::from(c)), too_long);

    let mut p = publish("t", Bytes::new());
    p.properties_mut().correlation_data = Some(big.clone());
    assert_eq!(encode_error(codec(V5), &Packet::Publish(p)), too_long);

    let a = Auth {
        reason_code: ReasonCode::ContinueAuthentication,
        properties: AuthProperties {
            authentication_method: Some(s("m")),
            authentication_data: Some(big),
            ..Default::default()
        },
    };
    assert_eq!(encode_error(codec(V5), &Packet::Auth(a)), too_long);
}

/// A PUBLISH payload is not length-prefixed: it may exceed 65,535 bytes (3.3.3).
#[test]
fn payload_is_not_binary_data() {
    let p = publish("t", Bytes::from(vec![0; 70_000]));
    assert_eq!(Codec::new(V5).encoded_len(&Packet::Publish(p)), Ok(1 + 3 + 3 + 1 + 70_000));
}

/// A Variable Byte Integer holds at most 268,435,455 (1.5.5), and so does a
/// Subscription Identifier (3.8.2.1.2, 3.3.2.3.8).
#[test]
fn subscription_identifier_above_268435455() {
    let mut sub = subscribe(vec![subscription("a")]);
    sub.properties.subscription_identifier = NonZeroU32::new(268_435_456);
    assert_eq!(encode_error(codec(V5), &Packet::Subscribe(sub)), E::ValueTooLarge { value: 268_435_456 });

    let mut p = publish("t", Bytes::new());
    p.properties_mut().subscription_identifiers =
        vec![NonZeroU32::new(1).unwrap(), NonZeroU32::new(u32::MAX).unwrap()].into();
    assert_eq!(encode_error(codec(V5), &Packet::Publish(p)), E::ValueTooLarge { value: u32::MAX });
}

// ---------------------------------------------------------------------------
// Packet size
// ---------------------------------------------------------------------------

/// A packet over the codec's maximum packet size (the peer's Maximum Packet Size,
/// which a client must not exceed, 5.0 [MQTT-3.2.2-15]) is refused; one of exactly
/// the maximum is not.
#[test]
fn v5_mqtt_3_2_2_15_packet_over_maximum_packet_size() {
    // PUBLISH QoS 0 to "t" without properties: 2 + 3 + 1 + payload bytes.
    let codec = Codec::new(V5).with_max_packet_size(16);
    let fits = Packet::Publish(publish("t", Bytes::from(vec![0; 10])));
    assert_eq!(codec.encoded_len(&fits), Ok(16));
    assert_eq!(codec.encode(&fits, &mut BytesMut::new()), Ok(16));

    let over = Packet::Publish(publish("t", Bytes::from(vec![0; 11])));
    assert_eq!(encode_error(codec, &over), E::PacketTooLarge { size: 17, max: 16 });

    // Properties count too: a Reason String pushes a PUBACK over.
    let codec = Codec::new(V5).with_max_packet_size(4);
    let ack = Ack {
        packet_id: pid(1),
        reason_code: ReasonCode::Success,
        properties: AckProperties { reason_string: Some(s("x")), ..Default::default() },
    };
    assert_eq!(encode_error(codec, &Packet::PubAck(ack)), E::PacketTooLarge { size: 10, max: 4 });
    assert_eq!(codec.encoded_len(&Packet::PubAck(Ack::<Bytes>::new(pid(1)))), Ok(4));
}

/// A packet whose remaining length exceeds 268,435,455 cannot be expressed at all
/// (3.1.1 section 2.2.3, 5.0 section 2.1.4). The payload is allocated zeroed and
/// never written, so it costs address space but almost no memory.
#[test]
fn packet_over_the_protocol_maximum() {
    let payload = Bytes::from(vec![0u8; 268_435_455]);
    // Topic "t": 3 bytes before the payload, so the remaining length is 268,435,458.
    let p = Packet::Publish(publish("t", payload.clone()));
    let error = encode_error(codec(V3_1_1), &p);
    assert!(
        matches!(error, E::PacketTooLarge { max: MAX_PACKET_SIZE, size } if size > MAX_PACKET_SIZE as usize),
        "{error:?}"
    );

    // The largest packet that can be expressed: remaining length exactly 268,435,455.
    let p = Packet::Publish(publish("t", payload.slice(3..)));
    assert_eq!(codec(V3_1_1).encoded_len(&p), Ok(MAX_PACKET_SIZE as usize));
}

/// A property block alone can exceed what its Property Length, a Variable Byte
/// Integer (2.2.2.1), can express: 4,097 User Properties sharing one 65,535-byte
/// name make 268,517,380 bytes. The packet cannot be encoded; the codec reports
/// the Property Length as the value too large.
#[test]
fn property_length_over_the_protocol_maximum() {
    let name = MqttStr::try_from("n".repeat(65_535)).unwrap();
    let mut p = publish("t", Bytes::new());
    p.properties_mut().user_properties = vec![UserProperty { name, value: MqttStr::default() }; 4_097].into();
    let error = encode_error(codec(V5), &Packet::Publish(p));
    assert!(matches!(error, E::ValueTooLarge { value: 268_517_380 } | E::PacketTooLarge { .. }), "{error:?}");
}

/// The output buffer cannot take the packet: a `&mut [u8]` of fixed size, or a
/// buffer behind [`BufMut::limit`]. Nothing is written.
#[test]
fn buffer_too_small() {
    // QoS 0 PUBLISH "a/b" "hi": 9 bytes in 3.1.1.
    let p = Packet::Publish(publish("a/b", bin(b"hi")));
    let codec = codec(V3_1_1);

    let mut storage = [0xEE; 8];
    let mut out: &mut [u8] = &mut storage;
    assert_eq!(codec.encode(&p, &mut out), Err(E::BufferTooSmall { needed: 9, available: 8 }));
    assert_eq!(out.len(), 8);
    assert_eq!(storage, [0xEE; 8], "nothing written");

    let mut storage = [0xEE; 9];
    let mut out: &mut [u8] = &mut storage;
    assert_eq!(codec.encode(&p, &mut out), Ok(9));
    assert!(out.is_empty());
    assert_eq!(&storage, b"\x30\x07\x00\x03a/bhi");

    let mut limited = BytesMut::from(&b"xyz"[..]).limit(5);
    assert_eq!(codec.encode(&p, &mut limited), Err(E::BufferTooSmall { needed: 9, available: 5 }));
    assert_eq!(&limited.into_inner()[..], b"xyz", "nothing written");

    // encoded_len does not see a buffer, so it succeeds.
    assert_eq!(codec.encoded_len(&p), Ok(9));
}

// ---------------------------------------------------------------------------
// Packet contents
// ---------------------------------------------------------------------------

/// SUBSCRIBE ([MQTT-3.8.3-3]; 5.0 [MQTT-3.8.3-2]) and UNSUBSCRIBE
/// ([MQTT-3.10.3-2]) carry at least one topic filter.
#[test]
fn mqtt_3_8_3_3_no_topic_filters() {
    for version in [V3_1, V3_1_1, V5] {
        let sub = subscribe(vec![]);
        assert_eq!(encode_error(codec(version), &Packet::Subscribe(sub)), E::NoTopicFilters { packet: P::Subscribe });
        let unsub =
            Unsubscribe { packet_id: pid(1), filters: List::new(), properties: UnsubscribeProperties::default() };
        let error = encode_error(codec(version), &Packet::Unsubscribe(unsub));
        assert_eq!(error, E::NoTopicFilters { packet: P::Unsubscribe });
    }
}

/// [MQTT-3.1.2-22] (3.1.1): no password without a user name. MQTT 5 allows it.
#[test]
fn mqtt_3_1_2_22_password_without_user_name() {
    for version in [V3_1, V3_1_1] {
        let mut c = connect(version);
        c.password = Some(bin(b"pw"));
        assert_eq!(encode_error(codec(version), &Packet::from(c)), E::PasswordWithoutUsername);
    }
    let mut c = connect(V5);
    c.password = Some(bin(b"pw"));
    assert!(codec(V5).encoded_len(&Packet::from(c)).is_ok());
}

/// The sender of each packet uses one of that packet's reason codes (5.0
/// [MQTT-3.2.2-8], [MQTT-3.4.2-1], [MQTT-3.5.2-1], [MQTT-3.6.2-1], [MQTT-3.7.2-1],
/// [MQTT-3.9.3-2], [MQTT-3.11.3-2], [MQTT-3.14.2-1], [MQTT-3.15.2-1]; 3.1.1 Table
/// 3.1 and [MQTT-3.9.3-2]).
#[test]
fn reason_code_not_allowed_for_packet() {
    let ack = |code| Ack { packet_id: pid(1), reason_code: code, properties: AckProperties::default() };
    let connack =
        |code| ConnAck { session_present: false, reason_code: code, properties: ConnAckProperties::default() };
    let suback = |code| SubAck {
        packet_id: pid(1),
        reason_codes: vec![ReasonCode::Success, code],
        properties: Default::default(),
    };
    let unsuback = |code| UnsubAck { packet_id: pid(1), reason_codes: vec![code], properties: Default::default() };
    let cases: [(ProtocolVersion, Packet, P, ReasonCode); 14] = [
        (V5, Packet::from(connack(ReasonCode::ContinueAuthentication)), P::ConnAck, ReasonCode::ContinueAuthentication),
        (V5, Packet::PubAck(ack(ReasonCode::GrantedQoS1)), P::PubAck, ReasonCode::GrantedQoS1),
        (
            V5,
            Packet::PubRec(ack(ReasonCode::PacketIdentifierNotFound)),
            P::PubRec,
            ReasonCode::PacketIdentifierNotFound,
        ),
        (V5, Packet::PubRel(ack(ReasonCode::NoMatchingSubscribers)), P::PubRel, ReasonCode::NoMatchingSubscribers),
        (V5, Packet::PubComp(ack(ReasonCode::UnspecifiedError)), P::PubComp, ReasonCode::UnspecifiedError),
        (V5, Packet::SubAck(suback(ReasonCode::NoSubscriptionExisted)), P::SubAck, ReasonCode::NoSubscriptionExisted),
        (V5, Packet::UnsubAck(unsuback(ReasonCode::GrantedQoS2)), P::UnsubAck, ReasonCode::GrantedQoS2),
        (
            V5,
            Packet::Disconnect(Disconnect { reason_code: ReasonCode::ReAuthenticate, properties: Default::default() }),
            P::Disconnect,
            ReasonCode::ReAuthenticate,
        ),
        (
            V5,
            Packet::Auth(Auth { reason_code: ReasonCode::Banned, properties: Default::default() }),
            P::Auth,
            ReasonCode::Banned,
        ),
        // MQTT 3.x CONNACK has return codes 0 to 5 only.
        (V3_1_1, Packet::from(connack(ReasonCode::Banned)), P::ConnAck, ReasonCode::Banned),
        (V3_1, Packet::from(connack(ReasonCode::ServerBusy)), P::ConnAck, ReasonCode::ServerBusy),
        // MQTT 3.1.1 SUBACK has 0x00, 0x01, 0x02 and 0x80 only.
        (V3_1_1, Packet::SubAck(suback(ReasonCode::NotAuthorized)), P::SubAck, ReasonCode::NotAuthorized),
        (V3_1_1, Packet::SubAck(suback(ReasonCode::TopicFilterInvalid)), P::SubAck, ReasonCode::TopicFilterInvalid),
        (
            V5,
            Packet::from(connack(ReasonCode::DisconnectWithWillMessage)),
            P::ConnAck,
            ReasonCode::DisconnectWithWillMessage,
        ),
    ];
    for (version, packet, kind, code) in cases {
        assert_eq!(encode_error(codec(version), &packet), E::InvalidReasonCode { packet: kind, code: code.as_u8() });
    }
}

/// [MQTT-4.7.3-1]: a topic name is at least one character; MQTT 5 lets a PUBLISH
/// leave it empty only with a Topic Alias (3.3.2.1).
#[test]
fn mqtt_4_7_3_1_empty_topic_name() {
    let empty = Publish::new(TopicName::default(), bin(b"x"));
    for version in [V3_1, V3_1_1, V5] {
        assert_eq!(encode_error(codec(version), &Packet::Publish(empty.clone())), E::EmptyTopic);
    }
    // Other properties do not stand in for a Topic Alias.
    let mut p = empty.clone();
    p.properties_mut().message_expiry_interval = Some(10);
    assert_eq!(encode_error(codec(V5), &Packet::Publish(p)), E::EmptyTopic);
    // With a Topic Alias it is fine in MQTT 5, and still not before.
    let mut p = empty;
    p.properties_mut().topic_alias = NonZeroU16::new(1);
    assert_eq!(codec(V5).encoded_len(&Packet::Publish(p.clone())), Ok(2 + 2 + 1 + 3 + 1));
    assert_eq!(encode_error(codec(V3_1_1), &Packet::Publish(p)), E::EmptyTopic);
}

/// What only MQTT 5 can express, asked of MQTT 3.1 or 3.1.1: AUTH, properties,
/// reason codes other than success, subscription options beyond QoS.
#[test]
fn not_in_version() {
    let mut with_alias = publish("t", Bytes::new());
    with_alias.properties = Some(Box::new(PublishProperties { topic_alias: NonZeroU16::new(1), ..Default::default() }));
    let mut connect_props = connect(V3_1_1);
    connect_props.properties = ConnectProperties { session_expiry_interval: Some(1), ..Default::default() };
    let mut will_props = connect(V3_1);
    will_props.will = Some(Will {
        topic: topic("w"),
        payload: Bytes::new(),
        qos: QoS::AtMostOnce,
        retain: false,
        properties: WillProperties { will_delay_interval: Some(5), ..Default::default() },
    });
    let connack_props = ConnAck {
        session_present: false,
        reason_code: ReasonCode::Success,
        properties: ConnAckProperties { server_keep_alive: Some(5), ..Default::default() },
    };
    let refused_puback =
        Ack { packet_id: pid(1), reason_code: ReasonCode::NoMatchingSubscribers, properties: Default::default() };
    let puback_props = Ack {
        packet_id: pid(1),
        reason_code: ReasonCode::Success,
        properties: AckProperties { user_properties: vec![user("a", "b")].into(), ..Default::default() },
    };
    let mut no_local = subscribe(vec![subscription("a")]);
    no_local.subscriptions.make_mut()[0].options.no_local = true;
    let mut retain_handling = subscribe(vec![subscription("a")]);
    retain_handling.subscriptions.make_mut()[0].options.retain_handling = RetainHandling::DoNotSend;
    let mut sub_id = subscribe(vec![subscription("a")]);
    sub_id.properties.subscription_identifier = NonZeroU32::new(1);
    let unsub_props = Unsubscribe {
        packet_id: pid(1),
        filters: vec![filter("a")].into(),
        properties: UnsubscribeProperties { user_properties: vec![user("a", "b")].into() },
    };
    let unsuback_codes =
        UnsubAck { packet_id: pid(1), reason_codes: vec![ReasonCode::Success], properties: Default::default() };
    let disconnect_code =
        Disconnect { reason_code: ReasonCode::DisconnectWithWillMessage, properties: Default::default() };
    let disconnect_props = Disconnect {
        reason_code: ReasonCode::Success,
        properties: DisconnectProperties { session_expiry_interval: Some(0), ..Default::default() },
    };

    let packets: Vec<Packet> = vec![
        Packet::Auth(Auth::default()),
        Packet::Auth(Auth {
            reason_code: ReasonCode::ContinueAuthentication,
            properties: AuthProperties { authentication_method: Some(s("m")), ..Default::default() },
        }),
        Packet::Publish(with_alias),
        Packet::from(connect_props),
        Packet::from(will_props),
        Packet::from(connack_props),
        Packet::PubAck(refused_puback.clone()),
        Packet::PubRec(refused_puback),
        Packet::PubComp(puback_props),
        Packet::Subscribe(no_local),
        Packet::Subscribe(retain_handling),
        Packet::Subscribe(sub_id),
        Packet::Unsubscribe(unsub_props),
        Packet::UnsubAck(unsuback_codes),
        Packet::Disconnect(disconnect_code),
        Packet::Disconnect(disconnect_props),
    ];
    for version in [V3_1, V3_1_1] {
        for packet in &packets {
            // A CONNECT is encoded in the version it declares.
            let version = match packet {
                Packet::Connect(c) => c.protocol,
                _ => version,
            };
            let error = encode_error(codec(version), packet);
            assert!(matches!(error, E::NotInVersion { version: v, .. } if v == version), "{packet:?}: {error:?}");
        }
    }
}

// ---------------------------------------------------------------------------
// Field combinations the specification forbids, which a receiver would reject:
// the encoder refuses them rather than send a malformed packet.
// ---------------------------------------------------------------------------

/// [MQTT-3.3.1-2]: the DUP flag is 0 for all QoS 0 messages.
#[test]
fn mqtt_3_3_1_2_dup_with_qos_0() {
    let mut p = publish("t", bin(b"!"));
    p.dup = true;
    for version in [V3_1, V3_1_1, V5] {
        let error = encode_error(codec(version), &Packet::Publish(p.clone()));
        assert!(matches!(error, E::Forbidden { packet: P::Publish, .. }), "{error:?}");
    }
    // DUP is fine from QoS 1 up.
    p.qos = QosPid::AtLeastOnce(pid(1));
    assert!(codec(V3_1_1).encoded_len(&Packet::Publish(p)).is_ok());
}

/// [MQTT-3.2.2-4] (5.0: [MQTT-3.2.2-6]): a refusal has Session Present 0. MQTT 3.1
/// has no Session Present flag, so there is nothing to refuse there.
#[test]
fn mqtt_3_2_2_4_session_present_on_refusal() {
    let refused = Packet::from(ConnAck {
        session_present: true,
        reason_code: ReasonCode::NotAuthorized,
        properties: ConnAckProperties::default(),
    });
    for version in [V3_1_1, V5] {
        let error = encode_error(codec(version), &refused);
        assert!(matches!(error, E::Forbidden { packet: P::ConnAck, .. }), "{error:?}");
    }
    assert_eq!(common::reencode(codec(V3_1), &refused), [0x20, 0x02, 0x00, 0x05]);
}

/// 5.0 section 3.2.2.3.4: Maximum QoS is 0 or 1 (absent means 2).
#[test]
fn v5_maximum_qos_2() {
    let connack = Packet::from(ConnAck {
        session_present: false,
        reason_code: ReasonCode::Success,
        properties: ConnAckProperties { maximum_qos: Some(QoS::ExactlyOnce), ..Default::default() },
    });
    let error = encode_error(codec(V5), &connack);
    assert!(matches!(error, E::Forbidden { packet: P::ConnAck, .. }), "{error:?}");
}

/// 5.0 [MQTT-3.8.3-4]: No Local on a shared subscription is a Protocol Error.
#[test]
fn v5_mqtt_3_8_3_4_no_local_on_shared_subscription() {
    let mut sub = subscribe(vec![subscription("a"), subscription("$share/g/a")]);
    sub.subscriptions.make_mut()[1].options.no_local = true;
    let error = encode_error(codec(V5), &Packet::Subscribe(sub.clone()));
    assert!(matches!(error, E::Forbidden { packet: P::Subscribe, .. }), "{error:?}");
    // No Local on a non-shared subscription is fine.
    let mut fine = subscribe(vec![subscription("a")]);
    fine.subscriptions.make_mut()[0].options.no_local = true;
    assert!(codec(V5).encoded_len(&Packet::Subscribe(fine)).is_ok());
}

/// [MQTT-3.8.4-5] (5.0: [MQTT-3.8.4-6]): a SUBACK has a code per filter, and a
/// SUBSCRIBE has at least one filter; likewise an MQTT 5 UNSUBACK (3.11.3). A 3.x
/// UNSUBACK has no codes at all.
#[test]
fn suback_and_v5_unsuback_without_reason_codes() {
    for version in [V3_1, V3_1_1, V5] {
        let suback = SubAck { packet_id: pid(1), reason_codes: vec![], properties: Default::default() };
        let error = encode_error(codec(version), &Packet::SubAck(suback));
        assert!(matches!(error, E::Forbidden { packet: P::SubAck, .. }), "{error:?}");
    }
    let unsuback = UnsubAck { packet_id: pid(1), reason_codes: vec![], properties: Default::default() };
    let error = encode_error(codec(V5), &Packet::UnsubAck(unsuback.clone()));
    assert!(matches!(error, E::Forbidden { packet: P::UnsubAck, .. }), "{error:?}");
    assert_eq!(common::reencode(codec(V3_1_1), &Packet::UnsubAck(unsuback)), [0xB0, 0x02, 0x00, 0x01]);
}
