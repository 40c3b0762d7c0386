//! Byte vectors for MQTT 3.1.1 (protocol name "MQTT", level 4), derived by hand
//! from the packet layouts of the OASIS MQTT Version 3.1.1 specification.
//!
//! Every vector is checked in both directions: the packet encodes to exactly these
//! bytes, and the bytes decode to the packet, owned and borrowed, whole and one
//! byte at a time. A client encodes CONNECT, PUBLISH, the acknowledgements,
//! SUBSCRIBE, UNSUBSCRIBE, PINGREQ and DISCONNECT and decodes CONNACK, PUBLISH,
//! the acknowledgements, SUBACK, UNSUBACK and PINGRESP; a server does the reverse,
//! so both directions matter for every packet.

mod common;

use bytes::BytesMut;
use common::{assert_decode_error, assert_vector, bin, cat, encode_error, filter, pid, s, topic};
use mqtt_proto::{
    Ack, Auth, Codec, ConnAck, Connect, ConnectProperties, DecodeError, EncodeError, Packet, ProtocolVersion, Publish,
    QoS, QosPid, ReasonCode, SubAck, Subscribe, Subscription, SubscriptionOptions, UnsubAck, Unsubscribe, Will,
    WillProperties,
};

const V: ProtocolVersion = ProtocolVersion::V3_1_1;

fn codec() -> Codec {
    Codec::new(V)
}

// ---------------------------------------------------------------------------
// CONNECT (section 3.1)
// ---------------------------------------------------------------------------

/// The smallest CONNECT: protocol name, level, flags, keep alive and client id.
#[test]
fn connect_clean_session() {
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
        &[0x10, 0x0E],   // CONNECT, remaining length 14
        b"\x00\x04MQTT", // 3.1.2.1 protocol name
        &[0x04],         // 3.1.2.2 protocol level 4
        &[0x02],         // 3.1.2.3 connect flags: clean session (bit 1)
        &[0x00, 0x3C],   // 3.1.2.10 keep alive 60 s
        b"\x00\x02c1",   // 3.1.3.1 client identifier
    ]);
    assert_vector(codec(), &Packet::from(connect), &wire);
}

/// Every CONNECT flag but clean session: user name, password, will retain, will
/// QoS 1, will flag; the payload fields in the order of MQTT-3.1.3-1.
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
        // Password is binary data: a zero byte is allowed in it.
        password: Some(bin(b"s3cr\x00t")),
        properties: ConnectProperties::default(),
    };
    let wire = cat(&[
        &[0x10, 0x3A],           // CONNECT, remaining length 58
        b"\x00\x04MQTT",         // protocol name
        &[0x04],                 // protocol level 4
        &[0xEC],                 // flags: user name, password, will retain, will QoS 1, will
        &[0x01, 0x2C],           // keep alive 300 s
        b"\x00\x08client-7",     // client identifier
        b"\x00\x0Cdev/7/status", // will topic
        b"\x00\x07offline",      // will message
        b"\x00\x05alice",        // user name
        b"\x00\x06s3cr\x00t",    // password
    ]);
    assert_vector(codec(), &Packet::from(connect), &wire);
}

/// Will QoS 2 without retain, a user name without password, keep alive 0 (off),
/// an empty will message and an empty client identifier (allowed with clean
/// session, MQTT-3.1.3-6 and MQTT-3.1.3-7).
#[test]
fn connect_will_qos_2_username_only_empty_client_id() {
    let connect = Connect {
        protocol: V,
        clean_start: true,
        keep_alive: 0,
        client_id: s(""),
        will: Some(Will {
            topic: topic("t"),
            payload: bin(b""),
            qos: QoS::ExactlyOnce,
            retain: false,
            properties: WillProperties::default(),
        }),
        username: Some(s("u")),
        password: None,
        properties: ConnectProperties::default(),
    };
    let wire = cat(&[
        &[0x10, 0x14],   // CONNECT, remaining length 20
        b"\x00\x04MQTT", // protocol name
        &[0x04],         // protocol level 4
        &[0x96],         // flags: user name 0x80 | will QoS 2 0x10 | will 0x04 | clean session 0x02
        &[0x00, 0x00],   // keep alive 0: off
        &[0x00, 0x00],   // client identifier "" (zero length)
        b"\x00\x01t",    // will topic
        &[0x00, 0x00],   // will message: zero length
        b"\x00\x01u",    // user name
    ]);
    assert_vector(codec(), &Packet::from(connect), &wire);
}

// ---------------------------------------------------------------------------
// CONNACK (section 3.2)
// ---------------------------------------------------------------------------

fn connack(session_present: bool, reason_code: ReasonCode) -> Packet {
    Packet::from(ConnAck { session_present, reason_code, properties: Default::default() })
}

/// Table 3.1: the return codes 0 to 5, with the MQTT 5 reason codes they map to.
#[test]
fn connack_return_codes_0_to_5() {
    let codes = [
        (0x00, ReasonCode::Success),                    // Connection Accepted
        (0x01, ReasonCode::UnsupportedProtocolVersion), // unacceptable protocol version
        (0x02, ReasonCode::ClientIdentifierNotValid),   // identifier rejected
        (0x03, ReasonCode::ServerUnavailable),          // server unavailable
        (0x04, ReasonCode::BadUserNameOrPassword),      // bad user name or password
        (0x05, ReasonCode::NotAuthorized),              // not authorized
    ];
    for (byte, code) in codes {
        // CONNACK, remaining length 2, acknowledge flags 0, return code.
        assert_vector(codec(), &connack(false, code), &[0x20, 0x02, 0x00, byte]);
    }
}

/// 3.2.2.2: Session Present is bit 0 of the acknowledge flags.
#[test]
fn connack_session_present() {
    assert_vector(codec(), &connack(true, ReasonCode::Success), &[0x20, 0x02, 0x01, 0x00]);
}

// ---------------------------------------------------------------------------
// PUBLISH (section 3.3)
// ---------------------------------------------------------------------------

fn publish(dup: bool, qos: QosPid, retain: bool, name: &str, payload: &[u8]) -> Packet {
    Packet::Publish(Publish { dup, qos, retain, topic: topic(name), payload: bin(payload), properties: None })
}

/// QoS 0 carries no packet identifier (MQTT-2.3.1-5).
#[test]
fn publish_qos_0() {
    let wire = cat(&[
        &[0x30, 0x07],  // PUBLISH, DUP 0, QoS 0, RETAIN 0; remaining length 7
        b"\x00\x03a/b", // topic name
        b"hi",          // payload
    ]);
    assert_vector(codec(), &publish(false, QosPid::AtMostOnce, false, "a/b", b"hi"), &wire);
}

/// QoS 1 with DUP and RETAIN: flags 1011.
#[test]
fn publish_qos_1_dup_retain() {
    let wire = cat(&[
        &[0x3B, 0x0C],  // PUBLISH, DUP 1, QoS 1, RETAIN 1; remaining length 12
        b"\x00\x03a/b", // topic name
        &[0x00, 0x0A],  // packet identifier 10
        b"hello",       // payload
    ]);
    assert_vector(codec(), &publish(true, QosPid::AtLeastOnce(pid(10)), true, "a/b", b"hello"), &wire);
}

/// QoS 2 with the largest packet identifier and a binary payload.
#[test]
fn publish_qos_2() {
    let wire = cat(&[
        &[0x34, 0x07], // PUBLISH, DUP 0, QoS 2, RETAIN 0; remaining length 7
        b"\x00\x01x",  // topic name
        &[0xFF, 0xFF], // packet identifier 65535
        &[0x00, 0xFF], // payload: any bytes
    ]);
    assert_vector(codec(), &publish(false, QosPid::ExactlyOnce(pid(0xFFFF)), false, "x", b"\x00\xFF"), &wire);
}

/// A redelivered QoS 2 PUBLISH: flags 1100.
#[test]
fn publish_qos_2_dup() {
    let wire = cat(&[
        &[0x3C, 0x07], // PUBLISH, DUP 1, QoS 2, RETAIN 0; remaining length 7
        b"\x00\x01x",  // topic name
        &[0x00, 0x01], // packet identifier 1
        b"!!",         // payload
    ]);
    assert_vector(codec(), &publish(true, QosPid::ExactlyOnce(pid(1)), false, "x", b"!!"), &wire);
}

/// A retained message with an empty payload, which clears the retained message
/// (MQTT-3.3.1-10); a zero-length payload is valid (3.3.3).
#[test]
fn publish_retained_empty_payload() {
    let wire = cat(&[
        &[0x31, 0x05],  // PUBLISH, DUP 0, QoS 0, RETAIN 1; remaining length 5
        b"\x00\x03a/b", // topic name; no payload follows
    ]);
    assert_vector(codec(), &publish(false, QosPid::AtMostOnce, true, "a/b", b""), &wire);
}

/// A topic name is UTF-8 (1.5.3): its length prefix counts bytes, not characters.
#[test]
fn publish_multibyte_topic() {
    let wire = cat(&[
        &[0x30, 0x07],                         // PUBLISH QoS 0, remaining length 7
        &[0x00, 0x04, b'a', b'/', 0xC3, 0xBC], // "a/ü": 4 bytes, U+00FC is C3 BC
        b"1",                                  // payload
    ]);
    assert_vector(codec(), &publish(false, QosPid::AtMostOnce, false, "a/ü", b"1"), &wire);
}

// ---------------------------------------------------------------------------
// PUBACK, PUBREC, PUBREL, PUBCOMP (sections 3.4 to 3.7)
// ---------------------------------------------------------------------------

/// Each acknowledgement is its fixed header and the packet identifier; PUBREL's
/// flags are 0010 (MQTT-3.6.1-1), the others' 0000.
#[test]
fn publish_acknowledgements() {
    let ack = Ack::new(pid(10));
    assert_vector(codec(), &Packet::PubAck(ack.clone()), &[0x40, 0x02, 0x00, 0x0A]);
    assert_vector(codec(), &Packet::PubRec(ack.clone()), &[0x50, 0x02, 0x00, 0x0A]);
    assert_vector(codec(), &Packet::PubRel(ack.clone()), &[0x62, 0x02, 0x00, 0x0A]);
    assert_vector(codec(), &Packet::PubComp(ack), &[0x70, 0x02, 0x00, 0x0A]);
}

// ---------------------------------------------------------------------------
// SUBSCRIBE, SUBACK (sections 3.8, 3.9)
// ---------------------------------------------------------------------------

/// Three filters with their requested QoS; flags 0010 (MQTT-3.8.1-1).
#[test]
fn subscribe_several_filters() {
    let subscribe = Subscribe {
        packet_id: pid(10),
        subscriptions: vec![
            Subscription { filter: filter("a/b"), options: SubscriptionOptions::new(QoS::AtLeastOnce) },
            Subscription { filter: filter("c/d"), options: SubscriptionOptions::new(QoS::ExactlyOnce) },
            Subscription { filter: filter("#"), options: SubscriptionOptions::new(QoS::AtMostOnce) },
        ]
        .into(),
        properties: Default::default(),
    };
    let wire = cat(&[
        &[0x82, 0x12],      // SUBSCRIBE, flags 0010; remaining length 18
        &[0x00, 0x0A],      // packet identifier 10
        b"\x00\x03a/b\x01", // filter "a/b", requested QoS 1
        b"\x00\x03c/d\x02", // filter "c/d", requested QoS 2
        b"\x00\x01#\x00",   // filter "#", requested QoS 0
    ]);
    assert_vector(codec(), &Packet::Subscribe(subscribe), &wire);
}

/// The return codes of 3.9.3: granted QoS 0, 1, 2, and 0x80 Failure.
#[test]
fn suback_granted_and_failure() {
    let suback = SubAck {
        packet_id: pid(10),
        reason_codes: vec![
            ReasonCode::Success,          // 0x00 maximum QoS 0
            ReasonCode::GrantedQoS1,      // 0x01 maximum QoS 1
            ReasonCode::GrantedQoS2,      // 0x02 maximum QoS 2
            ReasonCode::UnspecifiedError, // 0x80 Failure
        ],
        properties: Default::default(),
    };
    let wire = [
        0x90, 0x06, // SUBACK, remaining length 6
        0x00, 0x0A, // packet identifier 10
        0x00, 0x01, 0x02, 0x80, // return codes, in the order of the filters (MQTT-3.9.3-1)
    ];
    assert_vector(codec(), &Packet::SubAck(suback), &wire);
}

// ---------------------------------------------------------------------------
// UNSUBSCRIBE, UNSUBACK (sections 3.10, 3.11)
// ---------------------------------------------------------------------------

/// Two filters, packed contiguously (MQTT-3.10.3-1); flags 0010 (MQTT-3.10.1-1).
#[test]
fn unsubscribe_two_filters() {
    let unsubscribe = Unsubscribe {
        packet_id: pid(11),
        filters: vec![filter("a/b"), filter("c/d")].into(),
        properties: Default::default(),
    };
    let wire = cat(&[
        &[0xA2, 0x0C],  // UNSUBSCRIBE, flags 0010; remaining length 12
        &[0x00, 0x0B],  // packet identifier 11
        b"\x00\x03a/b", // filter
        b"\x00\x03c/d", // filter
    ]);
    assert_vector(codec(), &Packet::Unsubscribe(unsubscribe), &wire);
}

/// UNSUBACK has no payload in 3.1.1 (3.11.3).
#[test]
fn unsuback() {
    let unsuback = UnsubAck { packet_id: pid(11), reason_codes: vec![], properties: Default::default() };
    assert_vector(codec(), &Packet::UnsubAck(unsuback), &[0xB0, 0x02, 0x00, 0x0B]);
}

// ---------------------------------------------------------------------------
// PINGREQ, PINGRESP, DISCONNECT (sections 3.12 to 3.14)
// ---------------------------------------------------------------------------

#[test]
fn pingreq_pingresp_disconnect() {
    assert_vector(codec(), &Packet::PingReq, &[0xC0, 0x00]);
    assert_vector(codec(), &Packet::PingResp, &[0xD0, 0x00]);
    assert_vector(codec(), &Packet::Disconnect(Default::default()), &[0xE0, 0x00]);
}

// ---------------------------------------------------------------------------
// AUTH does not exist before MQTT 5 (Table 2.1: 15 is Reserved)
// ---------------------------------------------------------------------------

#[test]
fn auth_is_reserved() {
    assert_decode_error(codec(), &[0xF0, 0x00], DecodeError::ReservedPacketType(15));
    let error = encode_error(codec(), &Packet::Auth(Auth::default()));
    assert!(matches!(error, EncodeError::NotInVersion { version: V, .. }), "{error:?}");
}

// ---------------------------------------------------------------------------
// Remaining Length (section 2.2.3, Table 2.4)
// ---------------------------------------------------------------------------

/// A QoS 0 PUBLISH to "t" whose remaining length is `remaining`, and its bytes
/// after the remaining length field.
fn publish_of_remaining_length(remaining: usize) -> (Packet, Vec<u8>) {
    let payload = vec![0x55; remaining - 3];
    let body = cat(&[b"\x00\x01t", &payload]);
    (publish(false, QosPid::AtMostOnce, false, "t", &payload), body)
}

/// Each boundary of Table 2.4, in the fewest bytes that hold it.
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
        let (packet, body) = publish_of_remaining_length(remaining);
        let wire = cat(&[&[0x30], length_field, &body]);
        common::assert_encodes(codec(), &packet, &wire);
        common::assert_decodes(codec(), &wire, &packet);
        if remaining <= 16_384 {
            common::assert_streams(codec(), &wire, &packet);
        }
    }
}

/// The largest remaining length, 268,435,455 (FF FF FF 7F), is a valid header:
/// the decoder waits for the body instead of rejecting it.
#[test]
fn remaining_length_maximum_waits_for_body() {
    let mut buf = BytesMut::from(&[0x30, 0xFF, 0xFF, 0xFF, 0x7F, 0x00][..]);
    assert_eq!(codec().decode(&mut buf), Ok(None));
    assert_eq!(buf.len(), 6, "nothing consumed");
    assert_eq!(codec().decode_slice(&buf), Ok(None));
}

// ---------------------------------------------------------------------------
// Streams
// ---------------------------------------------------------------------------

/// Packets back to back are decoded one per call, in order.
#[test]
fn back_to_back_packets() {
    let wire = [
        0x30, 0x04, 0x00, 0x01, b't', b'!', // PUBLISH QoS 0 "t" "!"
        0x40, 0x02, 0x00, 0x07, // PUBACK 7
        0xD0, 0x00, // PINGRESP
    ];
    let mut buf = BytesMut::from(&wire[..]);
    assert_eq!(codec().decode(&mut buf), Ok(Some(publish(false, QosPid::AtMostOnce, false, "t", b"!"))));
    assert_eq!(codec().decode(&mut buf), Ok(Some(Packet::PubAck(Ack::new(pid(7))))));
    assert_eq!(codec().decode(&mut buf), Ok(Some(Packet::PingResp)));
    assert_eq!(codec().decode(&mut buf), Ok(None));

    let mut at = 0;
    let mut used_each = vec![];
    while let Some((_, used)) = codec().decode_slice(&wire[at..]).unwrap() {
        used_each.push(used);
        at += used;
    }
    assert_eq!(used_each, [6, 4, 2]);
}

/// A CONNECT is decoded in the version it declares, whatever the codec's version:
/// a server learns the client's version from it (3.1.2.2).
#[test]
fn connect_decodes_in_its_own_version() {
    let wire = cat(&[
        &[0x10, 0x0F],   // CONNECT, remaining length 15
        b"\x00\x04MQTT", // protocol name
        &[0x05],         // protocol version 5
        &[0x02],         // clean start
        &[0x00, 0x3C],   // keep alive 60 s
        &[0x00],         // property length 0 (MQTT 5 only)
        b"\x00\x02c1",   // client identifier
    ]);
    let connect = Connect {
        protocol: ProtocolVersion::V5,
        clean_start: true,
        keep_alive: 60,
        client_id: s("c1"),
        will: None,
        username: None,
        password: None,
        properties: ConnectProperties::default(),
    };
    assert_vector(codec(), &Packet::from(connect), &wire);
}
