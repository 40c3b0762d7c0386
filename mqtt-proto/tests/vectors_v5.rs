//! Byte vectors for MQTT 5.0 (protocol name "MQTT", version 5), derived by hand
//! from the packet layouts of the OASIS MQTT Version 5.0 specification.
//!
//! Every vector is checked in both directions: the packet encodes to exactly these
//! bytes, and the bytes decode to the packet, owned and borrowed, whole and one
//! byte at a time. Properties are written in the order the encoder emits them;
//! their order carries no meaning (2.2.2.2), which `properties_in_any_order`
//! checks, except among repeated User Properties, whose order is kept.
//!
//! Where MQTT 5 lets a packet end early (acknowledgements and DISCONNECT without
//! properties, 3.4.2.1 and 3.14.2.1), the encoder writes the shortest form and the
//! decoder also accepts the longer ones.

mod common;

use core::num::{NonZeroU16, NonZeroU32};

use common::{assert_decodes, assert_encodes, assert_streams, assert_vector, bin, cat, filter, pid, s, topic, user};
use mqtt_proto::properties::{
    AckProperties, AuthProperties, ConnAckProperties, ConnectProperties, DisconnectProperties, PayloadFormat,
    PublishProperties, SubscribeProperties, UnsubscribeProperties, WillProperties,
};
use mqtt_proto::{
    Ack, Auth, Codec, ConnAck, Connect, Disconnect, Packet, ProtocolVersion, Publish, QoS, QosPid, ReasonCode,
    RetainHandling, SubAck, Subscribe, Subscription, SubscriptionOptions, TopicName, UnsubAck, Unsubscribe, Will,
};

const V: ProtocolVersion = ProtocolVersion::V5;

fn codec() -> Codec {
    Codec::new(V)
}

fn nz16(v: u16) -> Option<NonZeroU16> {
    Some(NonZeroU16::new(v).unwrap())
}

fn nz32(v: u32) -> NonZeroU32 {
    NonZeroU32::new(v).unwrap()
}

// ---------------------------------------------------------------------------
// CONNECT (section 3.1)
// ---------------------------------------------------------------------------

/// Without properties the Property Length is still there, as 0 (MQTT-2.2.2-1).
#[test]
fn connect_minimal() {
    let connect = Connect {
        protocol: V,
        clean_start: true,
        keep_alive: 60,
        client_id: s("c1"),
        will: None,
        username: None,
        password: None,
        properties: ConnectProperties::default(),
    };
    let wire = cat(&[
        &[0x10, 0x0F],   // CONNECT, remaining length 15
        b"\x00\x04MQTT", // 3.1.2.1 protocol name
        &[0x05],         // 3.1.2.2 protocol version 5
        &[0x02],         // 3.1.2.3 connect flags: clean start
        &[0x00, 0x3C],   // 3.1.2.10 keep alive 60 s
        &[0x00],         // 3.1.2.11.1 property length 0
        b"\x00\x02c1",   // 3.1.3.1 client identifier
    ]);
    assert_vector(codec(), &Packet::from(connect), &wire);
}

/// Every CONNECT property (3.1.2.11) and every Will Property (3.1.3.2), with all
/// connect flags set, the payload in the order of MQTT-3.1.3-1.
#[test]
fn connect_every_property_and_will_property() {
    let connect = Connect {
        protocol: V,
        clean_start: true,
        keep_alive: 30,
        client_id: s("cid"),
        will: Some(Will {
            topic: topic("w/t"),
            payload: bin(b"bye"),
            qos: QoS::ExactlyOnce,
            retain: true,
            properties: WillProperties {
                will_delay_interval: Some(30),
                payload_format: Some(PayloadFormat::Utf8),
                message_expiry_interval: Some(300),
                content_type: Some(s("text")),
                response_topic: Some(topic("reply")),
                correlation_data: Some(bin(&[0xAB, 0xCD])),
                user_properties: vec![user("k", "v")].into(),
            },
        }),
        username: Some(s("user")),
        password: Some(bin(b"pw")),
        properties: ConnectProperties {
            session_expiry_interval: Some(3600),
            receive_maximum: nz16(20),
            maximum_packet_size: Some(nz32(16_384)),
            topic_alias_maximum: Some(10),
            request_response_information: Some(true),
            request_problem_information: Some(false),
            authentication_method: Some(s("SCRAM")),
            authentication_data: Some(bin(&[1, 2, 3])),
            user_properties: vec![user("a", "1"), user("b", "2")].into(),
        },
    };
    let wire = cat(&[
        &[0x10, 0x7C],                   // CONNECT, remaining length 124
        b"\x00\x04MQTT",                 // protocol name
        &[0x05],                         // protocol version 5
        &[0xF6],                         // flags: user name, password, will retain, will QoS 2, will, clean start
        &[0x00, 0x1E],                   // keep alive 30 s
        &[0x30],                         // property length 48
        &[0x11, 0x00, 0x00, 0x0E, 0x10], // session expiry interval 3600 s
        &[0x21, 0x00, 0x14],             // receive maximum 20
        &[0x27, 0x00, 0x00, 0x40, 0x00], // maximum packet size 16384
        &[0x22, 0x00, 0x0A],             // topic alias maximum 10
        &[0x19, 0x01],                   // request response information 1
        &[0x17, 0x00],                   // request problem information 0
        b"\x15\x00\x05SCRAM",            // authentication method
        &[0x16, 0x00, 0x03, 1, 2, 3],    // authentication data
        b"\x26\x00\x01a\x00\x011",       // user property a=1
        b"\x26\x00\x01b\x00\x012",       // user property b=2
        b"\x00\x03cid",                  // client identifier
        &[0x27],                         // will property length 39
        &[0x18, 0x00, 0x00, 0x00, 0x1E], // will delay interval 30 s
        &[0x01, 0x01],                   // payload format indicator: UTF-8
        &[0x02, 0x00, 0x00, 0x01, 0x2C], // message expiry interval 300 s
        b"\x03\x00\x04text",             // content type
        b"\x08\x00\x05reply",            // response topic
        &[0x09, 0x00, 0x02, 0xAB, 0xCD], // correlation data
        b"\x26\x00\x01k\x00\x01v",       // user property k=v
        b"\x00\x03w/t",                  // will topic
        b"\x00\x03bye",                  // will payload
        b"\x00\x04user",                 // user name
        b"\x00\x02pw",                   // password
    ]);
    assert_vector(codec(), &Packet::from(connect), &wire);
}

/// MQTT 5 allows a password without a user name (3.1.2.9, non-normative comment).
#[test]
fn connect_password_without_username() {
    let connect = Connect {
        protocol: V,
        clean_start: true,
        keep_alive: 60,
        client_id: s("c"),
        will: None,
        username: None,
        password: Some(bin(b"tok")),
        properties: ConnectProperties::default(),
    };
    let wire = cat(&[
        &[0x10, 0x13],   // CONNECT, remaining length 19
        b"\x00\x04MQTT", // protocol name
        &[0x05],         // protocol version 5
        &[0x42],         // flags: password 0x40 | clean start 0x02
        &[0x00, 0x3C],   // keep alive
        &[0x00],         // property length 0
        b"\x00\x01c",    // client identifier
        b"\x00\x03tok",  // password
    ]);
    assert_vector(codec(), &Packet::from(connect), &wire);
}

// ---------------------------------------------------------------------------
// CONNACK (section 3.2)
// ---------------------------------------------------------------------------

fn connack(session_present: bool, reason_code: ReasonCode, properties: ConnAckProperties) -> Packet {
    Packet::from(ConnAck { session_present, reason_code, properties })
}

#[test]
fn connack_success_session_present_and_refusal() {
    let none = ConnAckProperties::default;
    // CONNACK, remaining length 3, acknowledge flags, reason code, property length 0.
    assert_vector(codec(), &connack(false, ReasonCode::Success, none()), &[0x20, 0x03, 0x00, 0x00, 0x00]);
    assert_vector(codec(), &connack(true, ReasonCode::Success, none()), &[0x20, 0x03, 0x01, 0x00, 0x00]);
    // A refusal, with Session Present 0 (MQTT-3.2.2-6).
    assert_vector(codec(), &connack(false, ReasonCode::NotAuthorized, none()), &[0x20, 0x03, 0x00, 0x87, 0x00]);
}

/// Every Connect Reason Code of Table 3.1.
#[test]
fn connack_every_reason_code() {
    let codes = [
        0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8C, 0x90, 0x95, 0x97, 0x99, 0x9A,
        0x9B, 0x9C, 0x9D, 0x9F,
    ];
    for byte in codes {
        let code = ReasonCode::try_from(byte).unwrap();
        assert_vector(codec(), &connack(false, code, ConnAckProperties::default()), &[0x20, 0x03, 0x00, byte, 0x00]);
    }
}

/// Every CONNACK property (3.2.2.3).
#[test]
fn connack_every_property() {
    let properties = ConnAckProperties {
        session_expiry_interval: Some(120),
        receive_maximum: nz16(10),
        maximum_qos: Some(QoS::AtLeastOnce),
        retain_available: Some(false),
        maximum_packet_size: Some(nz32(1_048_576)),
        assigned_client_identifier: Some(s("auto")),
        topic_alias_maximum: Some(5),
        reason_string: Some(s("ok")),
        user_properties: vec![user("x", "y")].into(),
        wildcard_subscription_available: Some(false),
        subscription_identifiers_available: Some(true),
        shared_subscription_available: Some(false),
        server_keep_alive: Some(60),
        response_information: Some(s("resp")),
        server_reference: Some(s("srv")),
        authentication_method: Some(s("SCRAM")),
        authentication_data: Some(bin(&[0xAA, 0xBB])),
    };
    let wire = cat(&[
        &[0x20, 0x4D],                   // CONNACK, remaining length 77
        &[0x00],                         // acknowledge flags
        &[0x00],                         // reason code: Success
        &[0x4A],                         // property length 74
        &[0x11, 0x00, 0x00, 0x00, 0x78], // session expiry interval 120 s
        &[0x21, 0x00, 0x0A],             // receive maximum 10
        &[0x24, 0x01],                   // maximum QoS 1
        &[0x25, 0x00],                   // retain available 0
        &[0x27, 0x00, 0x10, 0x00, 0x00], // maximum packet size 1 MiB
        b"\x12\x00\x04auto",             // assigned client identifier
        &[0x22, 0x00, 0x05],             // topic alias maximum 5
        b"\x1F\x00\x02ok",               // reason string
        b"\x26\x00\x01x\x00\x01y",       // user property x=y
        &[0x28, 0x00],                   // wildcard subscription available 0
        &[0x29, 0x01],                   // subscription identifiers available 1
        &[0x2A, 0x00],                   // shared subscription available 0
        &[0x13, 0x00, 0x3C],             // server keep alive 60 s
        b"\x1A\x00\x04resp",             // response information
        b"\x1C\x00\x03srv",              // server reference
        b"\x15\x00\x05SCRAM",            // authentication method
        &[0x16, 0x00, 0x02, 0xAA, 0xBB], // authentication data
    ]);
    assert_vector(codec(), &connack(false, ReasonCode::Success, properties), &wire);
}

// ---------------------------------------------------------------------------
// PUBLISH (section 3.3)
// ---------------------------------------------------------------------------

fn publish(dup: bool, qos: QosPid, retain: bool, name: &str, payload: &[u8], properties: PublishProperties) -> Packet {
    let topic = if name.is_empty() { TopicName::default() } else { topic(name) };
    Packet::Publish(
        Publish { dup, qos, retain, topic, payload: bin(payload), properties: None }.with_properties(properties),
    )
}

#[test]
fn publish_qos_0_1_2_without_properties() {
    let none = PublishProperties::default;
    let wire = cat(&[
        &[0x30, 0x08],  // PUBLISH QoS 0; remaining length 8
        b"\x00\x03a/b", // topic name
        &[0x00],        // property length 0
        b"hi",          // payload
    ]);
    assert_vector(codec(), &publish(false, QosPid::AtMostOnce, false, "a/b", b"hi", none()), &wire);

    // Figure 3-9: topic "a/b", packet identifier 10, no properties.
    let wire = cat(&[
        &[0x3A, 0x0A],  // PUBLISH, DUP 1, QoS 1; remaining length 10
        b"\x00\x03a/b", // topic name
        &[0x00, 0x0A],  // packet identifier 10
        &[0x00],        // property length 0
        b"hi",          // payload
    ]);
    assert_vector(codec(), &publish(true, QosPid::AtLeastOnce(pid(10)), false, "a/b", b"hi", none()), &wire);

    let wire = cat(&[
        &[0x35, 0x06], // PUBLISH, QoS 2, RETAIN; remaining length 6
        b"\x00\x01t",  // topic name
        &[0x00, 0x02], // packet identifier 2
        &[0x00],       // property length 0; empty payload
    ]);
    assert_vector(codec(), &publish(false, QosPid::ExactlyOnce(pid(2)), true, "t", b"", none()), &wire);
}

/// Every PUBLISH property (3.3.2.3), with repeated User Properties whose order is
/// kept (MQTT-3.3.2-18) and repeated Subscription Identifiers, one of them twice
/// (3.3.4), in 1, 3 and 4 byte encodings.
#[test]
fn publish_every_property() {
    let properties = PublishProperties {
        payload_format: Some(PayloadFormat::Utf8),
        message_expiry_interval: Some(60),
        topic_alias: nz16(5),
        response_topic: Some(topic("r/1")),
        correlation_data: Some(bin(&[0xDE, 0xAD, 0xBE, 0xEF])),
        user_properties: vec![user("z", "1"), user("a", "2"), user("z", "3")].into(),
        subscription_identifiers: vec![nz32(1), nz32(16_384), nz32(268_435_455), nz32(1)].into(),
        content_type: Some(s("text/plain")),
    };
    let wire = cat(&[
        &[0x35, 0x50],                               // PUBLISH, QoS 2, RETAIN; remaining length 80
        b"\x00\x03s/t",                              // topic name
        &[0x12, 0x34],                               // packet identifier 0x1234
        &[0x46],                                     // property length 70
        &[0x01, 0x01],                               // payload format indicator: UTF-8
        &[0x02, 0x00, 0x00, 0x00, 0x3C],             // message expiry interval 60 s
        &[0x23, 0x00, 0x05],                         // topic alias 5
        b"\x08\x00\x03r/1",                          // response topic
        &[0x09, 0x00, 0x04, 0xDE, 0xAD, 0xBE, 0xEF], // correlation data
        b"\x26\x00\x01z\x00\x011",                   // user property z=1
        b"\x26\x00\x01a\x00\x012",                   // user property a=2
        b"\x26\x00\x01z\x00\x013",                   // user property z=3
        &[0x0B, 0x01],                               // subscription identifier 1
        &[0x0B, 0x80, 0x80, 0x01],                   // subscription identifier 16384
        &[0x0B, 0xFF, 0xFF, 0xFF, 0x7F],             // subscription identifier 268435455
        &[0x0B, 0x01],                               // subscription identifier 1 again
        b"\x03\x00\x0Atext/plain",                   // content type
        b"{}",                                       // payload
    ]);
    assert_vector(codec(), &publish(false, QosPid::ExactlyOnce(pid(0x1234)), true, "s/t", b"{}", properties), &wire);
}

/// With a Topic Alias the Topic Name may be empty (3.3.2.3.4).
#[test]
fn publish_topic_alias_with_empty_topic() {
    let properties = PublishProperties { topic_alias: nz16(5), ..Default::default() };
    let wire = cat(&[
        &[0x30, 0x07],       // PUBLISH QoS 0; remaining length 7
        &[0x00, 0x00],       // topic name: zero length
        &[0x03],             // property length 3
        &[0x23, 0x00, 0x05], // topic alias 5
        b"x",                // payload
    ]);
    assert_vector(codec(), &publish(false, QosPid::AtMostOnce, false, "", b"x", properties), &wire);
}

/// User Properties come out in the order they went in, names repeated.
#[test]
fn user_property_order_is_kept() {
    let wire = cat(&[
        &[0x30, 0x1A],             // PUBLISH QoS 0; remaining length 26
        b"\x00\x01t",              // topic name
        &[0x15],                   // property length 21
        b"\x26\x00\x01b\x00\x011", // b=1
        b"\x26\x00\x01a\x00\x012", // a=2
        b"\x26\x00\x01b\x00\x013", // b=3
        b"!",                      // payload
    ]);
    let Ok(Some((Packet::Publish(publish), _))) = codec().decode_slice(&wire) else { panic!("not a PUBLISH") };
    let pairs: Vec<_> = publish
        .properties()
        .expect("properties")
        .user_properties
        .iter()
        .map(|p| (p.name.to_string(), p.value.to_string()))
        .collect();
    assert_eq!(pairs, [("b", "1"), ("a", "2"), ("b", "3")].map(|(n, v)| (n.to_owned(), v.to_owned())));
}

// ---------------------------------------------------------------------------
// PUBACK, PUBREC, PUBREL, PUBCOMP (sections 3.4 to 3.7)
// ---------------------------------------------------------------------------

fn ack(id: u16, reason_code: ReasonCode, properties: AckProperties) -> Ack {
    Ack { packet_id: pid(id), reason_code, properties }
}

/// Success without properties: Remaining Length 2, no reason code (3.4.2.1,
/// 3.5.2.1, 3.6.2.1, 3.7.2.1); the encoder uses this short form.
#[test]
fn acks_success_short_form() {
    let a = |id| ack(id, ReasonCode::Success, AckProperties::default());
    assert_vector(codec(), &Packet::PubAck(a(10)), &[0x40, 0x02, 0x00, 0x0A]);
    assert_vector(codec(), &Packet::PubRec(a(11)), &[0x50, 0x02, 0x00, 0x0B]);
    assert_vector(codec(), &Packet::PubRel(a(12)), &[0x62, 0x02, 0x00, 0x0C]);
    assert_vector(codec(), &Packet::PubComp(a(13)), &[0x70, 0x02, 0x00, 0x0D]);
}

/// A reason code without properties: Remaining Length 3, no Property Length
/// ("if the Remaining Length is less than 4 there is no Property Length").
#[test]
fn acks_reason_code_only() {
    let a = |id, code| ack(id, code, AckProperties::default());
    // PUBACK 0x10 No matching subscribers.
    assert_vector(codec(), &Packet::PubAck(a(10, ReasonCode::NoMatchingSubscribers)), &[0x40, 0x03, 0x00, 0x0A, 0x10]);
    // PUBREC 0x91 Packet Identifier in use.
    assert_vector(codec(), &Packet::PubRec(a(11, ReasonCode::PacketIdentifierInUse)), &[0x50, 0x03, 0x00, 0x0B, 0x91]);
    // PUBREL 0x92 Packet Identifier not found.
    assert_vector(
        codec(),
        &Packet::PubRel(a(12, ReasonCode::PacketIdentifierNotFound)),
        &[0x62, 0x03, 0x00, 0x0C, 0x92],
    );
    // PUBCOMP 0x92 Packet Identifier not found.
    assert_vector(
        codec(),
        &Packet::PubComp(a(13, ReasonCode::PacketIdentifierNotFound)),
        &[0x70, 0x03, 0x00, 0x0D, 0x92],
    );
}

/// Every reason code of Tables 3.4 to 3.7, each in its three-byte form.
#[test]
fn acks_every_reason_code() {
    let puback_pubrec = [0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99];
    let pubrel_pubcomp = [0x00, 0x92];
    for byte in puback_pubrec {
        let code = ReasonCode::try_from(byte).unwrap();
        let a = ack(1, code, AckProperties::default());
        assert_decodes(codec(), &[0x40, 0x03, 0x00, 0x01, byte], &Packet::PubAck(a.clone()));
        assert_decodes(codec(), &[0x50, 0x03, 0x00, 0x01, byte], &Packet::PubRec(a));
    }
    for byte in pubrel_pubcomp {
        let code = ReasonCode::try_from(byte).unwrap();
        let a = ack(1, code, AckProperties::default());
        assert_decodes(codec(), &[0x62, 0x03, 0x00, 0x01, byte], &Packet::PubRel(a.clone()));
        assert_decodes(codec(), &[0x70, 0x03, 0x00, 0x01, byte], &Packet::PubComp(a));
    }
}

/// The long forms a peer may send decode to the same packets; the encoder then
/// writes the short forms.
#[test]
fn acks_long_forms_decode_short_forms_encode() {
    // Success with Property Length 0: Remaining Length 4.
    let success = Packet::PubAck(ack(10, ReasonCode::Success, AckProperties::default()));
    assert_decodes(codec(), &[0x40, 0x04, 0x00, 0x0A, 0x00, 0x00], &success);
    assert_encodes(codec(), &success, &[0x40, 0x02, 0x00, 0x0A]);
    // Success as an explicit reason code: Remaining Length 3.
    assert_decodes(codec(), &[0x40, 0x03, 0x00, 0x0A, 0x00], &success);
    // A reason code with Property Length 0.
    let refused = Packet::PubRec(ack(10, ReasonCode::QuotaExceeded, AckProperties::default()));
    assert_decodes(codec(), &[0x50, 0x04, 0x00, 0x0A, 0x97, 0x00], &refused);
    assert_encodes(codec(), &refused, &[0x50, 0x03, 0x00, 0x0A, 0x97]);
}

/// Properties make the reason code and Property Length necessary, even for Success.
#[test]
fn acks_with_properties() {
    let with_reason = Packet::PubAck(ack(
        10,
        ReasonCode::NoMatchingSubscribers,
        AckProperties { reason_string: Some(s("none")), ..Default::default() },
    ));
    let wire = cat(&[
        &[0x40, 0x0B],       // PUBACK, remaining length 11
        &[0x00, 0x0A],       // packet identifier 10
        &[0x10],             // reason code: No matching subscribers
        &[0x07],             // property length 7
        b"\x1F\x00\x04none", // reason string
    ]);
    assert_vector(codec(), &with_reason, &wire);

    let success_with_user = Packet::PubComp(ack(
        10,
        ReasonCode::Success,
        AckProperties { user_properties: vec![user("a", "b")].into(), ..Default::default() },
    ));
    let wire = cat(&[
        &[0x70, 0x0B],             // PUBCOMP, remaining length 11
        &[0x00, 0x0A],             // packet identifier 10
        &[0x00],                   // reason code: Success
        &[0x07],                   // property length 7
        b"\x26\x00\x01a\x00\x01b", // user property a=b
    ]);
    assert_vector(codec(), &success_with_user, &wire);
}

// ---------------------------------------------------------------------------
// SUBSCRIBE, SUBACK (sections 3.8, 3.9)
// ---------------------------------------------------------------------------

/// Subscription Options (3.8.3.1): Maximum QoS in bits 1-0, No Local in bit 2,
/// Retain As Published in bit 3, Retain Handling in bits 5-4.
#[test]
fn subscribe_options_and_properties() {
    let subscribe = Subscribe {
        packet_id: pid(10),
        subscriptions: vec![
            Subscription { filter: filter("a/b"), options: SubscriptionOptions::new(QoS::AtLeastOnce) },
            Subscription {
                filter: filter("c/d"),
                options: SubscriptionOptions {
                    qos: QoS::ExactlyOnce,
                    no_local: true,
                    retain_as_published: true,
                    retain_handling: RetainHandling::DoNotSend,
                },
            },
            Subscription {
                filter: filter("$share/g/e/#"),
                options: SubscriptionOptions {
                    qos: QoS::AtMostOnce,
                    no_local: false,
                    retain_as_published: false,
                    retain_handling: RetainHandling::SendAtSubscribeIfNew,
                },
            },
        ]
        .into(),
        properties: SubscribeProperties {
            subscription_identifier: Some(nz32(7)),
            user_properties: vec![user("u", "v")].into(),
        },
    };
    let wire = cat(&[
        &[0x82, 0x27],               // SUBSCRIBE, flags 0010 (MQTT-3.8.1-1); remaining length 39
        &[0x00, 0x0A],               // packet identifier 10
        &[0x09],                     // property length 9
        &[0x0B, 0x07],               // subscription identifier 7
        b"\x26\x00\x01u\x00\x01v",   // user property u=v
        b"\x00\x03a/b\x01",          // "a/b": QoS 1
        b"\x00\x03c/d\x2E",          // "c/d": QoS 2 | No Local 0x04 | Retain As Published 0x08 | Retain Handling 2 0x20
        b"\x00\x0C$share/g/e/#\x10", // shared subscription: QoS 0 | Retain Handling 1 0x10
    ]);
    assert_vector(codec(), &Packet::Subscribe(subscribe), &wire);
}

/// The largest Subscription Identifier, 268,435,455, takes four bytes.
#[test]
fn subscribe_largest_subscription_identifier() {
    let subscribe = Subscribe {
        packet_id: pid(1),
        subscriptions: vec![Subscription { filter: filter("#"), options: SubscriptionOptions::new(QoS::AtMostOnce) }]
            .into(),
        properties: SubscribeProperties {
            subscription_identifier: Some(nz32(268_435_455)),
            user_properties: vec![].into(),
        },
    };
    let wire = cat(&[
        &[0x82, 0x0C],                   // SUBSCRIBE, remaining length 12
        &[0x00, 0x01],                   // packet identifier 1
        &[0x05],                         // property length 5
        &[0x0B, 0xFF, 0xFF, 0xFF, 0x7F], // subscription identifier 268435455
        b"\x00\x01#\x00",                // "#": QoS 0
    ]);
    assert_vector(codec(), &Packet::Subscribe(subscribe), &wire);
}

/// Every Subscribe Reason Code of Table 3.8, in the order of the filters.
#[test]
fn suback_every_reason_code() {
    let bytes = [0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2];
    let suback = SubAck {
        packet_id: pid(10),
        reason_codes: bytes.iter().map(|&b| ReasonCode::try_from(b).unwrap()).collect(),
        properties: AckProperties::default(),
    };
    let wire = cat(&[
        &[0x90, 0x0F], // SUBACK, remaining length 15
        &[0x00, 0x0A], // packet identifier 10
        &[0x00],       // property length 0
        &bytes,        // reason codes
    ]);
    assert_vector(codec(), &Packet::SubAck(suback), &wire);
}

#[test]
fn suback_with_reason_string() {
    let suback = SubAck {
        packet_id: pid(10),
        reason_codes: vec![ReasonCode::UnspecifiedError],
        properties: AckProperties { reason_string: Some(s("no")), ..Default::default() },
    };
    let wire = cat(&[
        &[0x90, 0x09],     // SUBACK, remaining length 9
        &[0x00, 0x0A],     // packet identifier 10
        &[0x05],           // property length 5
        b"\x1F\x00\x02no", // reason string
        &[0x80],           // Unspecified error
    ]);
    assert_vector(codec(), &Packet::SubAck(suback), &wire);
}

// ---------------------------------------------------------------------------
// UNSUBSCRIBE, UNSUBACK (sections 3.10, 3.11)
// ---------------------------------------------------------------------------

#[test]
fn unsubscribe_with_user_property() {
    let unsubscribe = Unsubscribe {
        packet_id: pid(11),
        filters: vec![filter("a/b"), filter("c/d")].into(),
        properties: UnsubscribeProperties { user_properties: vec![user("u", "v")].into() },
    };
    let wire = cat(&[
        &[0xA2, 0x14],             // UNSUBSCRIBE, flags 0010 (MQTT-3.10.1-1); remaining length 20
        &[0x00, 0x0B],             // packet identifier 11
        &[0x07],                   // property length 7
        b"\x26\x00\x01u\x00\x01v", // user property u=v
        b"\x00\x03a/b",            // filter
        b"\x00\x03c/d",            // filter
    ]);
    assert_vector(codec(), &Packet::Unsubscribe(unsubscribe), &wire);

    let bare = Unsubscribe { packet_id: pid(11), filters: vec![filter("a/b")].into(), properties: Default::default() };
    assert_vector(codec(), &Packet::Unsubscribe(bare), b"\xA2\x08\x00\x0B\x00\x00\x03a/b");
}

/// MQTT 5 UNSUBACK carries a reason code per filter (3.11.3); every one of
/// Table 3.9.
#[test]
fn unsuback_every_reason_code() {
    let bytes = [0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91];
    let unsuback = UnsubAck {
        packet_id: pid(11),
        reason_codes: bytes.iter().map(|&b| ReasonCode::try_from(b).unwrap()).collect(),
        properties: AckProperties::default(),
    };
    let wire = cat(&[
        &[0xB0, 0x0A], // UNSUBACK, remaining length 10
        &[0x00, 0x0B], // packet identifier 11
        &[0x00],       // property length 0
        &bytes,        // reason codes
    ]);
    assert_vector(codec(), &Packet::UnsubAck(unsuback), &wire);
}

// ---------------------------------------------------------------------------
// PINGREQ, PINGRESP (sections 3.12, 3.13)
// ---------------------------------------------------------------------------

#[test]
fn pingreq_pingresp() {
    assert_vector(codec(), &Packet::PingReq, &[0xC0, 0x00]);
    assert_vector(codec(), &Packet::PingResp, &[0xD0, 0x00]);
}

// ---------------------------------------------------------------------------
// DISCONNECT (section 3.14)
// ---------------------------------------------------------------------------

fn disconnect(reason_code: ReasonCode, properties: DisconnectProperties) -> Packet {
    Packet::Disconnect(Disconnect { reason_code, properties })
}

/// Normal disconnection without properties: Remaining Length 0 (3.14.2.1).
#[test]
fn disconnect_remaining_length_0() {
    assert_vector(codec(), &disconnect(ReasonCode::Success, Default::default()), &[0xE0, 0x00]);
}

/// A reason code alone: Remaining Length 1, no Property Length (3.14.2.2.1: "if
/// the Remaining Length is less than 2, a value of 0 is used").
#[test]
fn disconnect_remaining_length_1() {
    // Client: Disconnect with Will Message.
    assert_vector(codec(), &disconnect(ReasonCode::DisconnectWithWillMessage, Default::default()), &[0xE0, 0x01, 0x04]);
    // Server: Session taken over.
    assert_vector(codec(), &disconnect(ReasonCode::SessionTakenOver, Default::default()), &[0xE0, 0x01, 0x8E]);
}

/// Longer forms decode to the same packets; the encoder writes the shortest.
#[test]
fn disconnect_long_forms() {
    let normal = disconnect(ReasonCode::Success, Default::default());
    assert_decodes(codec(), &[0xE0, 0x01, 0x00], &normal);
    assert_decodes(codec(), &[0xE0, 0x02, 0x00, 0x00], &normal);
    let busy = disconnect(ReasonCode::ServerBusy, Default::default());
    assert_decodes(codec(), &[0xE0, 0x02, 0x89, 0x00], &busy);
    assert_encodes(codec(), &busy, &[0xE0, 0x01, 0x89]);
}

/// Every DISCONNECT property (3.14.2.2), in a server's redirection.
#[test]
fn disconnect_with_properties() {
    let properties = DisconnectProperties {
        session_expiry_interval: None,
        reason_string: Some(s("bye")),
        user_properties: vec![user("a", "b")].into(),
        server_reference: Some(s("srv2")),
    };
    let wire = cat(&[
        &[0xE0, 0x16],             // DISCONNECT, remaining length 22
        &[0x9C],                   // reason code: Use another server
        &[0x14],                   // property length 20
        b"\x1F\x00\x03bye",        // reason string
        b"\x26\x00\x01a\x00\x01b", // user property a=b
        b"\x1C\x00\x04srv2",       // server reference
    ]);
    assert_vector(codec(), &disconnect(ReasonCode::UseAnotherServer, properties), &wire);

    // A client ending its session: Success, Session Expiry Interval 0.
    let properties = DisconnectProperties { session_expiry_interval: Some(0), ..Default::default() };
    let wire = [
        0xE0, 0x07, // DISCONNECT, remaining length 7
        0x00, // reason code: Normal disconnection
        0x05, // property length 5
        0x11, 0x00, 0x00, 0x00, 0x00, // session expiry interval 0
    ];
    assert_vector(codec(), &disconnect(ReasonCode::Success, properties), &wire);
}

// ---------------------------------------------------------------------------
// AUTH (section 3.15)
// ---------------------------------------------------------------------------

/// Success without properties: Remaining Length 0 (3.15.2.1).
#[test]
fn auth_success_remaining_length_0() {
    assert_vector(codec(), &Packet::Auth(Auth::default()), &[0xF0, 0x00]);
}

#[test]
fn auth_continue_and_reauthenticate() {
    let properties = AuthProperties {
        authentication_method: Some(s("SCRAM")),
        authentication_data: Some(bin(&[1, 2, 3])),
        reason_string: None,
        user_properties: vec![].into(),
    };
    let wire = cat(&[
        &[0xF0, 0x10],                // AUTH, remaining length 16
        &[0x18],                      // reason code: Continue authentication
        &[0x0E],                      // property length 14
        b"\x15\x00\x05SCRAM",         // authentication method
        &[0x16, 0x00, 0x03, 1, 2, 3], // authentication data
    ]);
    let auth = Auth { reason_code: ReasonCode::ContinueAuthentication, properties };
    assert_vector(codec(), &Packet::Auth(auth), &wire);

    let properties = AuthProperties { authentication_method: Some(s("SCRAM")), ..Default::default() };
    let wire = cat(&[
        &[0xF0, 0x0A],        // AUTH, remaining length 10
        &[0x19],              // reason code: Re-authenticate
        &[0x08],              // property length 8
        b"\x15\x00\x05SCRAM", // authentication method
    ]);
    let auth = Auth { reason_code: ReasonCode::ReAuthenticate, properties };
    assert_vector(codec(), &Packet::Auth(auth), &wire);
}

/// AUTH has no form with a reason code alone: the Property Length follows it, even
/// when 0 (3.15.2.1 only lets both be omitted together).
#[test]
fn auth_reason_code_with_empty_properties() {
    let auth = Auth { reason_code: ReasonCode::ContinueAuthentication, properties: AuthProperties::default() };
    assert_vector(codec(), &Packet::Auth(auth), &[0xF0, 0x02, 0x18, 0x00]);
}

#[test]
fn auth_with_reason_string_and_user_property() {
    let properties = AuthProperties {
        authentication_method: Some(s("K")),
        authentication_data: None,
        reason_string: Some(s("r")),
        user_properties: vec![user("a", "b")].into(),
    };
    let wire = cat(&[
        &[0xF0, 0x11],             // AUTH, remaining length 17
        &[0x18],                   // Continue authentication
        &[0x0F],                   // property length 15
        b"\x15\x00\x01K",          // authentication method
        b"\x1F\x00\x01r",          // reason string
        b"\x26\x00\x01a\x00\x01b", // user property a=b
    ]);
    assert_vector(codec(), &Packet::Auth(Auth { reason_code: ReasonCode::ContinueAuthentication, properties }), &wire);
}

// ---------------------------------------------------------------------------
// Properties: order, Variable Byte Integer boundaries
// ---------------------------------------------------------------------------

/// "There is no significance in the order of Properties with different
/// Identifiers" (2.2.2.2): any order decodes to the same packet.
#[test]
fn properties_in_any_order() {
    let properties = ConnAckProperties {
        receive_maximum: nz16(10),
        server_keep_alive: Some(60),
        assigned_client_identifier: Some(s("id")),
        ..Default::default()
    };
    let packet = connack(false, ReasonCode::Success, properties);
    let in_encoder_order = cat(&[
        &[0x20, 0x0E, 0x00, 0x00, 0x0B], // CONNACK, remaining length 14, flags, Success, property length 11
        &[0x21, 0x00, 0x0A],             // receive maximum
        b"\x12\x00\x02id",               // assigned client identifier
        &[0x13, 0x00, 0x3C],             // server keep alive
    ]);
    let reversed = cat(&[
        &[0x20, 0x0E, 0x00, 0x00, 0x0B], // CONNACK, remaining length 14, flags, Success, property length 11
        &[0x13, 0x00, 0x3C],             // server keep alive
        b"\x12\x00\x02id",               // assigned client identifier
        &[0x21, 0x00, 0x0A],             // receive maximum
    ]);
    assert_vector(codec(), &packet, &in_encoder_order);
    assert_decodes(codec(), &reversed, &packet);
}

/// Subscription Identifier values at each boundary of Table 1-1, in the fewest
/// bytes (MQTT-1.5.5-1).
#[test]
fn variable_byte_integer_boundaries_in_properties() {
    let table: [(u32, &[u8]); 8] = [
        (1, &[0x01]),
        (127, &[0x7F]),
        (128, &[0x80, 0x01]),
        (16_383, &[0xFF, 0x7F]),
        (16_384, &[0x80, 0x80, 0x01]),
        (2_097_151, &[0xFF, 0xFF, 0x7F]),
        (2_097_152, &[0x80, 0x80, 0x80, 0x01]),
        (268_435_455, &[0xFF, 0xFF, 0xFF, 0x7F]),
    ];
    for (value, encoded) in table {
        let properties =
            SubscribeProperties { subscription_identifier: Some(nz32(value)), user_properties: Default::default() };
        let subscribe = Subscribe {
            packet_id: pid(1),
            subscriptions: vec![Subscription {
                filter: filter("t"),
                options: SubscriptionOptions::new(QoS::AtMostOnce),
            }]
            .into(),
            properties,
        };
        let property_length = 1 + encoded.len() as u8;
        let wire = cat(&[
            &[0x82, 2 + 1 + property_length + 4], // SUBSCRIBE, remaining length
            &[0x00, 0x01],                        // packet identifier
            &[property_length],                   // property length
            &[0x0B],                              // subscription identifier:
            encoded,                              // the value under test
            b"\x00\x01t\x00",                     // "t": QoS 0
        ]);
        assert_vector(codec(), &Packet::Subscribe(subscribe), &wire);
    }
}

// ---------------------------------------------------------------------------
// Remaining Length (section 2.1.4, 1.5.5)
// ---------------------------------------------------------------------------

/// Each boundary of Table 1-1 as a Remaining Length, in the fewest bytes
/// (MQTT-1.5.5-1).
#[test]
fn remaining_length_boundaries() {
    let table: [(usize, &[u8]); 6] = [
        (127, &[0x7F]),
        (128, &[0x80, 0x01]),
        (16_383, &[0xFF, 0x7F]),
        (16_384, &[0x80, 0x80, 0x01]),
        (2_097_151, &[0xFF, 0xFF, 0x7F]),
        (2_097_152, &[0x80, 0x80, 0x80, 0x01]),
    ];
    for (remaining, length_field) in table {
        // Topic "t" (3 bytes), property length 0 (1 byte), then the payload.
        let payload = vec![0xA5; remaining - 4];
        let packet = publish(false, QosPid::AtMostOnce, false, "t", &payload, PublishProperties::default());
        let wire = cat(&[&[0x30], length_field, b"\x00\x01t", &[0x00], &payload]);
        assert_encodes(codec(), &packet, &wire);
        assert_decodes(codec(), &wire, &packet);
        if remaining <= 16_384 {
            assert_streams(codec(), &wire, &packet);
        }
    }
}
