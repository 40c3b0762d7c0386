//! Byte vectors for MQTT 3.1 (protocol name "MQIsdp", version 3), derived by hand
//! from the packet layouts of the MQTT V3.1 Protocol Specification (IBM and
//! Eurotech, 2010).
//!
//! MQTT 3.1 differs from 3.1.1 on the wire in a few places, each tested here:
//! - CONNECT carries the protocol name "MQIsdp" and version 3;
//! - the first byte of CONNACK's variable header is reserved and not used: there is
//!   no Session Present flag;
//! - PUBREL, SUBSCRIBE and UNSUBSCRIBE carry QoS 1 in their fixed header (flags
//!   0010), and a retransmission may also set DUP (flags 1010).
//!
//! Every vector is checked in both directions, whole and one byte at a time.

mod common;

use common::{assert_decodes, assert_vector, bin, cat, encode_error, filter, pid, reencode, s, topic};
use mqtt_proto::{
    Ack, Auth, Codec, ConnAck, Connect, ConnectProperties, DecodeError, EncodeError, Packet, ProtocolVersion, Publish,
    QoS, QosPid, ReasonCode, SubAck, Subscribe, Subscription, SubscriptionOptions, UnsubAck, Unsubscribe, Will,
    WillProperties,
};

const V: ProtocolVersion = ProtocolVersion::V3_1;

fn codec() -> Codec {
    Codec::new(V)
}

// ---------------------------------------------------------------------------
// CONNECT
// ---------------------------------------------------------------------------

#[test]
fn connect_mqisdp_version_3() {
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
        &[0x10, 0x10],     // CONNECT, remaining length 16
        b"\x00\x06MQIsdp", // protocol name "MQIsdp"
        &[0x03],           // protocol version 3
        &[0x02],           // connect flags: clean session
        &[0x00, 0x3C],     // keep alive 60 s
        b"\x00\x02c1",     // client identifier
    ]);
    assert_vector(codec(), &Packet::from(connect), &wire);
}

/// The connect flags have the same layout as in 3.1.1: user name, password, will
/// retain, will QoS (2 bits), will flag, clean session, reserved.
#[test]
fn connect_with_will_username_password() {
    let connect = Connect {
        protocol: V,
        clean_start: false,
        keep_alive: 300,
        client_id: s("client-7"),
        will: Some(Will {
            topic: topic("dev/7/status"),
            payload: bin(b"offline"),
            qos: QoS::AtLeastOnce,
            retain: true,
            properties: WillProperties::default(),
        }),
        username: Some(s("alice")),
        password: Some(bin(b"secret")),
        properties: ConnectProperties::default(),
    };
    let wire = cat(&[
        &[0x10, 0x3C],           // CONNECT, remaining length 60
        b"\x00\x06MQIsdp",       // protocol name
        &[0x03],                 // protocol version 3
        &[0xEC],                 // flags: user name | password | will retain | will QoS 1 | will
        &[0x01, 0x2C],           // keep alive 300 s
        b"\x00\x08client-7",     // client identifier
        b"\x00\x0Cdev/7/status", // will topic
        b"\x00\x07offline",      // will message
        b"\x00\x05alice",        // user name
        b"\x00\x06secret",       // password
    ]);
    assert_vector(codec(), &Packet::from(connect), &wire);
}

/// A server learns the version from CONNECT: an "MQIsdp" CONNECT decodes as 3.1
/// whatever the codec's version.
#[test]
fn connect_decodes_as_3_1_in_any_codec() {
    let wire = cat(&[&[0x10, 0x10], b"\x00\x06MQIsdp", &[0x03, 0x02, 0x00, 0x3C], b"\x00\x02c1"]);
    let (packet, used) = Codec::new(ProtocolVersion::V5).decode_slice(&wire).unwrap().unwrap();
    let Packet::Connect(connect) = packet else { panic!("not a CONNECT: {packet:?}") };
    assert_eq!(used, wire.len());
    assert_eq!(connect.protocol, V);
    assert_eq!(connect.client_id.as_str(), "c1");
}

// ---------------------------------------------------------------------------
// CONNACK: byte 1 of the variable header is reserved, not used
// ---------------------------------------------------------------------------

fn connack(reason_code: ReasonCode) -> Packet {
    Packet::from(ConnAck { session_present: false, reason_code, properties: Default::default() })
}

/// The connect return codes 0 to 5 are those of 3.1.1.
#[test]
fn connack_return_codes() {
    let codes = [
        (0x00, ReasonCode::Success),                    // connection accepted
        (0x01, ReasonCode::UnsupportedProtocolVersion), // unacceptable protocol version
        (0x02, ReasonCode::ClientIdentifierNotValid),   // identifier rejected
        (0x03, ReasonCode::ServerUnavailable),          // server unavailable
        (0x04, ReasonCode::BadUserNameOrPassword),      // bad user name or password
        (0x05, ReasonCode::NotAuthorized),              // not authorized
    ];
    for (byte, code) in codes {
        assert_vector(codec(), &connack(code), &[0x20, 0x02, 0x00, byte]);
    }
}

/// Whatever the unused byte holds, there is no session present flag to read, and
/// none to write.
#[test]
fn connack_first_byte_is_unused() {
    for unused in [0x01, 0x02, 0x80, 0xFF] {
        assert_decodes(codec(), &[0x20, 0x02, unused, 0x00], &connack(ReasonCode::Success));
        assert_decodes(codec(), &[0x20, 0x02, unused, 0x05], &connack(ReasonCode::NotAuthorized));
    }
    let asked: Packet = Packet::from(ConnAck {
        session_present: true,
        reason_code: ReasonCode::Success,
        properties: Default::default(),
    });
    assert_eq!(reencode(codec(), &asked), [0x20, 0x02, 0x00, 0x00]);
}

// ---------------------------------------------------------------------------
// PUBLISH and its acknowledgements
// ---------------------------------------------------------------------------

#[test]
fn publish_qos_0_1_2() {
    let publish = |dup, qos, retain, payload: &[u8]| {
        Packet::Publish(Publish { dup, qos, retain, topic: topic("a/b"), payload: bin(payload), properties: None })
    };
    // PUBLISH QoS 0: header 0011 0000, remaining length 7, topic, payload.
    assert_vector(codec(), &publish(false, QosPid::AtMostOnce, false, b"hi"), b"\x30\x07\x00\x03a/bhi");
    // QoS 1, DUP, RETAIN: header 0011 1011, topic, message id 10, payload.
    assert_vector(codec(), &publish(true, QosPid::AtLeastOnce(pid(10)), true, b"hi"), b"\x3B\x09\x00\x03a/b\x00\x0Ahi");
    // QoS 2: header 0011 0100, topic, message id 258, empty payload.
    assert_vector(codec(), &publish(false, QosPid::ExactlyOnce(pid(258)), false, b""), b"\x34\x07\x00\x03a/b\x01\x02");
}

/// PUBACK and PUBCOMP have flags 0000; PUBREL has QoS 1 (0010). Each is its fixed
/// header and the message identifier.
#[test]
fn publish_acknowledgements() {
    let ack = Ack::new(pid(0x1234));
    assert_vector(codec(), &Packet::PubAck(ack.clone()), &[0x40, 0x02, 0x12, 0x34]);
    assert_vector(codec(), &Packet::PubRec(ack.clone()), &[0x50, 0x02, 0x12, 0x34]);
    assert_vector(codec(), &Packet::PubRel(ack.clone()), &[0x62, 0x02, 0x12, 0x34]);
    assert_vector(codec(), &Packet::PubComp(ack), &[0x70, 0x02, 0x12, 0x34]);
}

/// A retransmitted PUBREL may carry DUP: 0110 1010. It is accepted, and the codec
/// itself always writes 0010.
#[test]
fn pubrel_with_dup_is_accepted() {
    assert_decodes(codec(), &[0x6A, 0x02, 0x12, 0x34], &Packet::PubRel(Ack::new(pid(0x1234))));
}

// ---------------------------------------------------------------------------
// SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK
// ---------------------------------------------------------------------------

fn subscribe() -> Packet {
    Packet::Subscribe(Subscribe {
        packet_id: pid(2),
        subscriptions: vec![
            Subscription { filter: filter("a/#"), options: SubscriptionOptions::new(QoS::ExactlyOnce) },
            Subscription { filter: filter("+/b"), options: SubscriptionOptions::new(QoS::AtMostOnce) },
        ]
        .into(),
        properties: Default::default(),
    })
}

#[test]
fn subscribe_qos_1_header() {
    let wire = cat(&[
        &[0x82, 0x0E],      // SUBSCRIBE, QoS 1 (0010); remaining length 14
        &[0x00, 0x02],      // message identifier 2
        b"\x00\x03a/#\x02", // topic "a/#", requested QoS 2
        b"\x00\x03+/b\x00", // topic "+/b", requested QoS 0
    ]);
    assert_vector(codec(), &subscribe(), &wire);
}

/// A retransmitted SUBSCRIBE may carry DUP: 1000 1010.
#[test]
fn subscribe_with_dup_is_accepted() {
    let wire = cat(&[&[0x8A, 0x0E, 0x00, 0x02], b"\x00\x03a/#\x02", b"\x00\x03+/b\x00"]);
    assert_decodes(codec(), &wire, &subscribe());
}

/// SUBACK: the message identifier, then a granted QoS per topic.
#[test]
fn suback_granted_qos() {
    let suback = SubAck {
        packet_id: pid(2),
        reason_codes: vec![ReasonCode::GrantedQoS2, ReasonCode::Success, ReasonCode::GrantedQoS1],
        properties: Default::default(),
    };
    assert_vector(codec(), &Packet::SubAck(suback), &[0x90, 0x05, 0x00, 0x02, 0x02, 0x00, 0x01]);
}

fn unsubscribe() -> Packet {
    Packet::Unsubscribe(Unsubscribe {
        packet_id: pid(3),
        filters: vec![filter("a/#"), filter("+/b")].into(),
        properties: Default::default(),
    })
}

#[test]
fn unsubscribe_qos_1_header() {
    let wire = cat(&[
        &[0xA2, 0x0C],  // UNSUBSCRIBE, QoS 1 (0010); remaining length 12
        &[0x00, 0x03],  // message identifier 3
        b"\x00\x03a/#", // topic
        b"\x00\x03+/b", // topic
    ]);
    assert_vector(codec(), &unsubscribe(), &wire);
}

/// A retransmitted UNSUBSCRIBE may carry DUP: 1010 1010.
#[test]
fn unsubscribe_with_dup_is_accepted() {
    let wire = cat(&[&[0xAA, 0x0C, 0x00, 0x03], b"\x00\x03a/#", b"\x00\x03+/b"]);
    assert_decodes(codec(), &wire, &unsubscribe());
}

#[test]
fn unsuback() {
    let unsuback = UnsubAck { packet_id: pid(3), reason_codes: vec![], properties: Default::default() };
    assert_vector(codec(), &Packet::UnsubAck(unsuback), &[0xB0, 0x02, 0x00, 0x03]);
}

// ---------------------------------------------------------------------------
// PINGREQ, PINGRESP, DISCONNECT, and no AUTH
// ---------------------------------------------------------------------------

#[test]
fn pingreq_pingresp_disconnect() {
    assert_vector(codec(), &Packet::PingReq, &[0xC0, 0x00]);
    assert_vector(codec(), &Packet::PingResp, &[0xD0, 0x00]);
    assert_vector(codec(), &Packet::Disconnect(Default::default()), &[0xE0, 0x00]);
}

/// Message type 15 is reserved in 3.1.
#[test]
fn auth_is_reserved() {
    common::assert_decode_error(codec(), &[0xF0, 0x00], DecodeError::ReservedPacketType(15));
    let error = encode_error(codec(), &Packet::Auth(Auth::default()));
    assert!(matches!(error, EncodeError::NotInVersion { version: V, .. }), "{error:?}");
}
