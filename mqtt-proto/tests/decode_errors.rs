//! Malformed packets and protocol errors a receiver must detect, one or more per
//! [`DecodeError`] variant, each named after the normative statement it checks
//! where the specification numbers one.
//!
//! Statement numbers differ between versions: a test names the 3.1.1 number
//! (`mqtt_…`) or the 5.0 number (`v5_mqtt_…`) for the version it runs, and its
//! documentation gives the other version's number where one exists. Every case is
//! checked through both [`Codec::decode`] and [`Codec::decode_slice`].

mod common;

use bytes::BytesMut;
use common::{assert_decode_error, cat};
use mqtt_proto::properties::id;
use mqtt_proto::{Codec, DecodeError, PacketType, ProtocolVersion};

use DecodeError as E;
use PacketType as P;

fn v3_1() -> Codec {
    Codec::new(ProtocolVersion::V3_1)
}

fn v3_1_1() -> Codec {
    Codec::new(ProtocolVersion::V3_1_1)
}

fn v5() -> Codec {
    Codec::new(ProtocolVersion::V5)
}

fn all() -> [Codec; 3] {
    [v3_1(), v3_1_1(), v5()]
}

/// A 3.1.1 CONNECT with the given flags and payload after the client id "c".
fn connect_v4(flags: u8, rest: &[u8]) -> Vec<u8> {
    let body = cat(&[b"\x00\x04MQTT", &[0x04, flags, 0x00, 0x3C], b"\x00\x01c", rest]);
    cat(&[&[0x10, body.len() as u8], &body])
}

/// A 5.0 CONNECT with the given flags, properties and payload after the client id.
fn connect_v5(flags: u8, properties: &[u8], rest: &[u8]) -> Vec<u8> {
    let body =
        cat(&[b"\x00\x04MQTT", &[0x05, flags, 0x00, 0x3C, properties.len() as u8], properties, b"\x00\x01c", rest]);
    cat(&[&[0x10, body.len() as u8], &body])
}

/// A CONNECT with the given protocol name and level and otherwise valid 3.1.1 fields.
fn connect_named(name: &[u8], level: u8) -> Vec<u8> {
    let body = cat(&[&[0x00, name.len() as u8], name, &[level, 0x02, 0x00, 0x3C], b"\x00\x01c"]);
    cat(&[&[0x10, body.len() as u8], &body])
}

/// A v5 QoS 0 PUBLISH to "t" with the given property bytes and payload "!".
fn publish_v5(properties: &[u8]) -> Vec<u8> {
    let body = cat(&[b"\x00\x01t", &[properties.len() as u8], properties, b"!"]);
    cat(&[&[0x30, body.len() as u8], &body])
}

/// A SUBSCRIBE (packet identifier 1) with one filter and options byte, without
/// (3.x) or with (5.0) an empty property block.
fn subscribe(codec: Codec, filter: &[u8], options: u8) -> Vec<u8> {
    let props: &[u8] = if codec.version().is_v5() { &[0x00] } else { &[] };
    let body = cat(&[&[0x00, 0x01], props, &[0x00, filter.len() as u8], filter, &[options]]);
    cat(&[&[0x82, body.len() as u8], &body])
}

// ---------------------------------------------------------------------------
// Fixed header: packet type and flags
// ---------------------------------------------------------------------------

/// Packet type 0 is reserved in every version (3.1.1 Table 2.1, 5.0 Table 2-1).
#[test]
fn packet_type_0_is_reserved() {
    for codec in all() {
        for first in [0x00, 0x02, 0x0F] {
            assert_decode_error(codec, &[first, 0x00], E::ReservedPacketType(0));
        }
    }
}

/// Packet type 15 is reserved before MQTT 5, where it is AUTH.
#[test]
fn packet_type_15_is_reserved_before_mqtt_5() {
    for codec in [v3_1(), v3_1_1()] {
        assert_decode_error(codec, &[0xF0, 0x00], E::ReservedPacketType(15));
    }
}

/// [MQTT-2.2.2-1], [MQTT-2.2.2-2] (5.0: [MQTT-2.1.3-1]): reserved flag bits must
/// hold the values of Table 2.2, 0000 for every packet but PUBLISH, PUBREL,
/// SUBSCRIBE and UNSUBSCRIBE; anything else is malformed.
#[test]
fn mqtt_2_2_2_2_invalid_reserved_flags() {
    let zero_flag_packets = [
        (0x10, P::Connect),
        (0x20, P::ConnAck),
        (0x40, P::PubAck),
        (0x50, P::PubRec),
        (0x70, P::PubComp),
        (0x90, P::SubAck),
        (0xB0, P::UnsubAck),
        (0xC0, P::PingReq),
        (0xD0, P::PingResp),
        (0xE0, P::Disconnect),
    ];
    for codec in all() {
        for (kind, packet) in zero_flag_packets {
            for flags in [0x01, 0x02, 0x04, 0x08, 0x0F] {
                assert_decode_error(codec, &[kind | flags, 0x00], E::InvalidFlags { packet, flags });
            }
        }
    }
}

/// [MQTT-3.6.1-1]: PUBREL's flags must be 0010. MQTT 3.1's DUP retransmission,
/// 1010, is accepted in 3.1 only.
#[test]
fn mqtt_3_6_1_1_pubrel_flags_must_be_0010() {
    for codec in all() {
        for flags in [0x00, 0x01, 0x03, 0x04, 0x0F] {
            let wire = [0x60 | flags, 0x02, 0x00, 0x01];
            assert_decode_error(codec, &wire, E::InvalidFlags { packet: P::PubRel, flags });
        }
    }
    for codec in [v3_1_1(), v5()] {
        assert_decode_error(codec, &[0x6A, 0x02, 0x00, 0x01], E::InvalidFlags { packet: P::PubRel, flags: 0x0A });
    }
}

/// [MQTT-3.8.1-1]: SUBSCRIBE's flags must be 0010 (1010 accepted in 3.1 only).
#[test]
fn mqtt_3_8_1_1_subscribe_flags_must_be_0010() {
    for codec in all() {
        let wire = subscribe(codec, b"a", 0x00);
        for flags in [0x00, 0x01, 0x06] {
            let mut bad = wire.clone();
            bad[0] = 0x80 | flags;
            assert_decode_error(codec, &bad, E::InvalidFlags { packet: P::Subscribe, flags });
        }
    }
    for codec in [v3_1_1(), v5()] {
        let mut bad = subscribe(codec, b"a", 0x00);
        bad[0] = 0x8A;
        assert_decode_error(codec, &bad, E::InvalidFlags { packet: P::Subscribe, flags: 0x0A });
    }
}

/// [MQTT-3.10.1-1]: UNSUBSCRIBE's flags must be 0010 (1010 accepted in 3.1 only).
#[test]
fn mqtt_3_10_1_1_unsubscribe_flags_must_be_0010() {
    let v3 = [0x00, 0x01, 0x00, 0x01, b'a'];
    for codec in all() {
        assert_decode_error(codec, &cat(&[&[0xA0, 0x05], &v3]), E::InvalidFlags { packet: P::Unsubscribe, flags: 0 });
    }
    for codec in [v3_1_1(), v5()] {
        let wire = cat(&[&[0xAA, 0x05], &v3]);
        assert_decode_error(codec, &wire, E::InvalidFlags { packet: P::Unsubscribe, flags: 0x0A });
    }
}

/// 5.0 [MQTT-3.14.1-1]: DISCONNECT's reserved bits must be 0.
#[test]
fn v5_mqtt_3_14_1_1_disconnect_reserved_bits() {
    assert_decode_error(v5(), &[0xE2, 0x00], E::InvalidFlags { packet: P::Disconnect, flags: 0x02 });
}

/// 5.0 [MQTT-3.15.1-1]: AUTH's reserved bits must be 0.
#[test]
fn v5_mqtt_3_15_1_1_auth_reserved_bits() {
    assert_decode_error(v5(), &[0xF1, 0x00], E::InvalidFlags { packet: P::Auth, flags: 0x01 });
}

/// [MQTT-3.3.1-4]: a PUBLISH must not have both QoS bits set.
#[test]
fn mqtt_3_3_1_4_publish_qos_3_is_malformed() {
    for codec in all() {
        for first in [0x36, 0x37, 0x3E, 0x3F] {
            assert_decode_error(codec, &[first, 0x05, 0x00, 0x01, b't', 0x00, 0x01], E::InvalidQoS);
        }
    }
}

/// [MQTT-3.3.1-2]: the DUP flag must be 0 for QoS 0.
#[test]
fn mqtt_3_3_1_2_dup_with_qos_0() {
    for codec in all() {
        for first in [0x38, 0x39] {
            assert_decode_error(codec, &[first, 0x04, 0x00, 0x01, b't', b'!'], E::DupWithQoS0);
        }
    }
}

// ---------------------------------------------------------------------------
// Fixed header: Remaining Length
// ---------------------------------------------------------------------------

/// The Remaining Length takes at most four bytes (3.1.1 section 2.2.3, 5.0
/// section 1.5.5): a fourth byte with its continuation bit set is malformed, and
/// is detected before any fifth byte arrives.
#[test]
fn remaining_length_longer_than_four_bytes() {
    for codec in all() {
        assert_decode_error(codec, &[0x30, 0xFF, 0xFF, 0xFF, 0xFF], E::RemainingLengthTooLong);
        assert_decode_error(codec, &[0x30, 0x80, 0x80, 0x80, 0x80, 0x01], E::RemainingLengthTooLong);
        assert_decode_error(codec, &[0xC0, 0x80, 0x80, 0x80, 0x80, 0x00], E::RemainingLengthTooLong);
    }
}

/// 5.0 [MQTT-1.5.5-1]: a Variable Byte Integer uses the fewest bytes; a Remaining
/// Length with a superfluous zero group is malformed.
#[test]
fn v5_mqtt_1_5_5_1_remaining_length_not_minimal() {
    // PINGREQ with Remaining Length 0 written as 80 00.
    assert_decode_error(v5(), &[0xC0, 0x80, 0x00], E::NonMinimalVarInt);
    // 127 written as FF 00.
    assert_decode_error(v5(), &[0x30, 0xFF, 0x00], E::NonMinimalVarInt);
    // 1 written as 81 80 00.
    assert_decode_error(v5(), &[0xE0, 0x81, 0x80, 0x00], E::NonMinimalVarInt);
}

/// 5.0 [MQTT-1.5.5-1] inside a packet: a Subscription Identifier and a Property
/// Length in more bytes than needed.
#[test]
fn v5_mqtt_1_5_5_1_property_varint_not_minimal() {
    // Subscription Identifier 1 written as 81 00.
    assert_decode_error(v5(), &publish_v5(&[0x0B, 0x81, 0x00]), E::NonMinimalVarInt);
    // PUBACK with Property Length 0 written as 80 00.
    assert_decode_error(v5(), &[0x40, 0x05, 0x00, 0x01, 0x00, 0x80, 0x00], E::NonMinimalVarInt);
}

/// A packet over the maximum packet size is refused from its fixed header alone,
/// before its body is buffered: a client that set Maximum Packet Size treats a
/// bigger packet as a Protocol Error (5.0 [MQTT-3.1.2-24], 3.1.2.11.4).
#[test]
fn v5_mqtt_3_1_2_24_packet_over_maximum_size() {
    for codec in all() {
        let codec = codec.with_max_packet_size(1000);
        // Remaining length 998 (E6 07): 1 + 2 + 998 = 1001 bytes, only the header given.
        assert_decode_error(codec, &[0x30, 0xE6, 0x07], E::PacketTooLarge { size: 1001, max: 1000 });
        // Remaining length 997: exactly 1000 bytes, so the codec waits for the body.
        assert_eq!(codec.decode_slice(&[0x30, 0xE5, 0x07]), Ok(None));
        // The largest remaining length MQTT can express.
        let size = 5 + 268_435_455;
        assert_decode_error(codec, &[0x30, 0xFF, 0xFF, 0xFF, 0x7F], E::PacketTooLarge { size, max: 1000 });
    }
}

// ---------------------------------------------------------------------------
// Packet length: fields past the end, bytes after the last field
// ---------------------------------------------------------------------------

/// A packet whose Remaining Length ends before a field it must contain.
#[test]
fn packet_ends_before_its_fields() {
    for codec in all() {
        // PUBACK needs two bytes of packet identifier.
        assert_decode_error(codec, &[0x40, 0x01, 0x00], E::UnexpectedEnd { packet: P::PubAck });
        // A topic name whose length runs past the packet.
        assert_decode_error(codec, &[0x30, 0x03, 0x00, 0x05, b'a'], E::UnexpectedEnd { packet: P::Publish });
        // QoS 1 without its packet identifier.
        assert_decode_error(codec, &[0x32, 0x03, 0x00, 0x01, b't'], E::UnexpectedEnd { packet: P::Publish });
        // A CONNECT cut after its protocol level.
        assert_decode_error(codec, b"\x10\x07\x00\x04MQTT\x04", E::UnexpectedEnd { packet: P::Connect });
    }
    // A SUBSCRIBE filter without its options byte.
    assert_decode_error(v3_1_1(), b"\x82\x05\x00\x01\x00\x01a", E::UnexpectedEnd { packet: P::Subscribe });
    // A SUBACK must hold a return code per filter, so at least one.
    assert_decode_error(v3_1_1(), &[0x90, 0x02, 0x00, 0x01], E::UnexpectedEnd { packet: P::SubAck });
    // A v5 CONNACK has no short form: its Property Length is required.
    assert_decode_error(v5(), &[0x20, 0x02, 0x00, 0x00], E::UnexpectedEnd { packet: P::ConnAck });
    // A Property Length of 5 with no properties after it.
    assert_decode_error(v5(), &[0x40, 0x04, 0x00, 0x01, 0x00, 0x05], E::UnexpectedEnd { packet: P::PubAck });
    // A v5 UNSUBACK must hold a reason code per filter.
    assert_decode_error(v5(), &[0xB0, 0x03, 0x00, 0x01, 0x00], E::UnexpectedEnd { packet: P::UnsubAck });
}

/// Bytes left over after a packet's last field: the Remaining Length of a PUBACK
/// is 2 before MQTT 5 (3.1.1 section 3.4.1), PINGREQ's is 0 (3.12.1).
#[test]
fn bytes_after_the_last_field() {
    for codec in [v3_1(), v3_1_1()] {
        assert_decode_error(codec, &[0x40, 0x03, 0x00, 0x0A, 0x00], E::TrailingBytes { packet: P::PubAck, count: 1 });
        assert_decode_error(
            codec,
            &[0x62, 0x04, 0x00, 0x0A, 0x00, 0x00],
            E::TrailingBytes { packet: P::PubRel, count: 2 },
        );
        assert_decode_error(codec, &[0xB0, 0x03, 0x00, 0x0A, 0x00], E::TrailingBytes { packet: P::UnsubAck, count: 1 });
        assert_decode_error(codec, &[0xE0, 0x01, 0x00], E::TrailingBytes { packet: P::Disconnect, count: 1 });
    }
    assert_decode_error(v3_1_1(), &[0x20, 0x03, 0x00, 0x00, 0x00], E::TrailingBytes { packet: P::ConnAck, count: 1 });
    for codec in all() {
        assert_decode_error(codec, &[0xC0, 0x01, 0x00], E::TrailingBytes { packet: P::PingReq, count: 1 });
        assert_decode_error(codec, &[0xD0, 0x02, 0x00, 0x00], E::TrailingBytes { packet: P::PingResp, count: 2 });
    }
    // A v5 PUBACK with a byte after its (empty) properties.
    assert_decode_error(
        v5(),
        &[0x40, 0x05, 0x00, 0x0A, 0x10, 0x00, 0xFF],
        E::TrailingBytes { packet: P::PubAck, count: 1 },
    );
}

/// [MQTT-3.1.2-18], [MQTT-3.1.2-20] (5.0: [MQTT-3.1.2-16], [MQTT-3.1.2-18]): with
/// the User Name and Password flags 0, no user name or password may follow.
#[test]
fn mqtt_3_1_2_18_no_user_name_without_flag() {
    let wire = connect_v4(0x02, b"\x00\x01u");
    assert_decode_error(v3_1_1(), &wire, E::TrailingBytes { packet: P::Connect, count: 3 });
    let wire = connect_v5(0x02, &[], b"\x00\x01u");
    assert_decode_error(v5(), &wire, E::TrailingBytes { packet: P::Connect, count: 3 });
}

// ---------------------------------------------------------------------------
// Strings (3.1.1 section 1.5.3, 5.0 section 1.5.4) and topics (section 4.7)
// ---------------------------------------------------------------------------

/// [MQTT-1.5.3-1] (5.0: [MQTT-1.5.4-1]): strings must be well-formed UTF-8, and
/// must not encode the surrogates U+D800 to U+DFFF.
#[test]
fn mqtt_1_5_3_1_ill_formed_utf8() {
    for codec in all() {
        // Topic "a\xFF".
        assert_decode_error(codec, &[0x30, 0x04, 0x00, 0x02, b'a', 0xFF], E::InvalidUtf8);
        // Topic U+D800 encoded as ED A0 80.
        assert_decode_error(codec, &[0x30, 0x05, 0x00, 0x03, 0xED, 0xA0, 0x80], E::InvalidUtf8);
        // A truncated two-byte sequence.
        assert_decode_error(codec, &[0x30, 0x03, 0x00, 0x01, 0xC3], E::InvalidUtf8);
        // An overlong encoding of '/': C0 AF.
        assert_decode_error(codec, &[0x30, 0x04, 0x00, 0x02, 0xC0, 0xAF], E::InvalidUtf8);
    }
    // In a client identifier.
    let wire = cat(&[&[0x10, 0x0F], b"\x00\x04MQTT", &[0x04, 0x02, 0x00, 0x3C], &[0x00, 0x03, b'a', 0xED, 0xBF]]);
    assert_decode_error(v3_1_1(), &wire, E::InvalidUtf8);
}

/// 5.0 [MQTT-1.5.7-1]: both strings of a User Property must be valid strings.
#[test]
fn v5_mqtt_1_5_7_1_user_property_strings() {
    assert_decode_error(v5(), &publish_v5(b"\x26\x00\x01\xFF\x00\x01v"), E::InvalidUtf8);
    assert_decode_error(v5(), &publish_v5(b"\x26\x00\x01k\x00\x01\x00"), E::NullCharacter);
}

/// [MQTT-1.5.3-2] (5.0: [MQTT-1.5.4-2]), [MQTT-4.7.3-2]: no string, topic name or
/// topic filter may contain U+0000.
#[test]
fn mqtt_1_5_3_2_null_character() {
    for codec in all() {
        // Topic "a\0b".
        assert_decode_error(codec, &[0x30, 0x05, 0x00, 0x03, b'a', 0x00, b'b'], E::NullCharacter);
        // Topic filter "a\0".
        assert_decode_error(codec, &subscribe(codec, b"a\x00", 0x00), E::NullCharacter);
    }
    // In a v5 Reason String.
    assert_decode_error(v5(), &[0x40, 0x08, 0x00, 0x01, 0x80, 0x04, 0x1F, 0x00, 0x01, 0x00], E::NullCharacter);
    // In a user name.
    assert_decode_error(v3_1_1(), &connect_v4(0x82, b"\x00\x02u\x00"), E::NullCharacter);
}

/// [MQTT-4.7.3-1]: topic names and topic filters are at least one character long.
#[test]
fn mqtt_4_7_3_1_empty_topic() {
    for codec in [v3_1(), v3_1_1()] {
        // PUBLISH with a zero-length topic name.
        assert_decode_error(codec, &[0x30, 0x03, 0x00, 0x00, b'!'], E::EmptyTopic);
        // UNSUBSCRIBE with a zero-length filter.
        assert_decode_error(codec, &[0xA2, 0x04, 0x00, 0x01, 0x00, 0x00], E::EmptyTopic);
    }
    for codec in all() {
        assert_decode_error(codec, &subscribe(codec, b"", 0x00), E::EmptyTopic);
    }
    // A will topic.
    assert_decode_error(v3_1_1(), &connect_v4(0x06, b"\x00\x00\x00\x00"), E::EmptyTopic);
}

/// 5.0 section 3.3.2.1: "It is a Protocol Error if the Topic Name is zero length
/// and there is no Topic Alias."
#[test]
fn v5_empty_topic_without_topic_alias() {
    assert_decode_error(v5(), &[0x30, 0x04, 0x00, 0x00, 0x00, b'!'], E::EmptyTopic);
    // Other properties do not stand in for a Topic Alias.
    assert_decode_error(v5(), &[0x30, 0x06, 0x00, 0x00, 0x02, 0x01, 0x01, b'!'], E::EmptyTopic);
}

/// [MQTT-3.3.2-2]: the topic name of a PUBLISH must not contain wildcards
/// ([MQTT-4.7.1-1] in 3.1.1).
#[test]
fn mqtt_3_3_2_2_wildcard_in_topic_name() {
    for codec in all() {
        let props: &[u8] = if codec.version().is_v5() { &[0x00] } else { &[] };
        for name in [&b"a/+"[..], b"#", b"a/#", b"a+b"] {
            let body = cat(&[&[0x00, name.len() as u8], name, props]);
            let wire = cat(&[&[0x30, body.len() as u8], &body]);
            assert_decode_error(codec, &wire, E::WildcardInTopicName);
        }
    }
    // A will topic is a topic name too.
    assert_decode_error(v3_1_1(), &connect_v4(0x06, b"\x00\x01#\x00\x00"), E::WildcardInTopicName);
}

/// 5.0 [MQTT-3.3.2-14]: a Response Topic must not contain wildcards.
#[test]
fn v5_mqtt_3_3_2_14_wildcard_in_response_topic() {
    assert_decode_error(v5(), &publish_v5(b"\x08\x00\x03a/+"), E::WildcardInTopicName);
}

/// [MQTT-4.7.1-2] (5.0: [MQTT-4.7.1-1]): the multi-level wildcard is alone in the
/// last level of a filter.
#[test]
fn mqtt_4_7_1_2_multi_level_wildcard_last_and_alone() {
    for codec in all() {
        for bad in [&b"a/#/b"[..], b"a#", b"a/b#", b"##", b"#/"] {
            assert_decode_error(codec, &subscribe(codec, bad, 0x00), E::InvalidTopicFilter);
        }
    }
    // UNSUBSCRIBE filters follow the same rules.
    assert_decode_error(v3_1_1(), &[0xA2, 0x07, 0x00, 0x01, 0x00, 0x03, b'#', b'/', b'a'], E::InvalidTopicFilter);
}

/// [MQTT-4.7.1-3] (5.0: [MQTT-4.7.1-2]): the single-level wildcard occupies a
/// whole level.
#[test]
fn mqtt_4_7_1_3_single_level_wildcard_alone_in_level() {
    for codec in all() {
        for bad in [&b"a+"[..], b"+a", b"a/b+/c", b"++"] {
            assert_decode_error(codec, &subscribe(codec, bad, 0x00), E::InvalidTopicFilter);
        }
    }
}

/// 5.0 [MQTT-4.8.2-1]: a shared subscription has a ShareName of at least one
/// character.
#[test]
fn v5_mqtt_4_8_2_1_share_name_not_empty() {
    assert_decode_error(v5(), &subscribe(v5(), b"$share//a", 0x00), E::InvalidTopicFilter);
}

/// 5.0 [MQTT-4.8.2-2]: the ShareName has no "/", "+" or "#", and is followed by "/"
/// and a topic filter.
#[test]
fn v5_mqtt_4_8_2_2_share_name_then_filter() {
    for bad in [&b"$share/g"[..], b"$share/g/", b"$share/g+/a", b"$share/#/a"] {
        assert_decode_error(v5(), &subscribe(v5(), bad, 0x00), E::InvalidTopicFilter);
    }
}

// ---------------------------------------------------------------------------
// Packet identifiers
// ---------------------------------------------------------------------------

/// [MQTT-2.3.1-1] (5.0: [MQTT-2.2.1-3], [MQTT-2.2.1-4]): SUBSCRIBE, UNSUBSCRIBE
/// and QoS 1 and 2 PUBLISH carry a non-zero packet identifier; the
/// acknowledgements repeat it ([MQTT-2.3.1-6]), so they cannot carry 0 either.
#[test]
fn mqtt_2_3_1_1_zero_packet_identifier() {
    for codec in all() {
        for first in [0x32, 0x34] {
            assert_decode_error(codec, &[first, 0x05, 0x00, 0x01, b't', 0x00, 0x00], E::ZeroPacketId);
        }
        for first in [0x40, 0x50, 0x62, 0x70, 0xB0] {
            assert_decode_error(codec, &[first, 0x02, 0x00, 0x00], E::ZeroPacketId);
        }
        let mut wire = subscribe(codec, b"a", 0x00);
        wire[3] = 0x00; // packet identifier 00 00
        assert_decode_error(codec, &wire, E::ZeroPacketId);
    }
    assert_decode_error(v3_1_1(), &[0xA2, 0x05, 0x00, 0x00, 0x00, 0x01, b'a'], E::ZeroPacketId);
    assert_decode_error(v3_1_1(), &[0x90, 0x03, 0x00, 0x00, 0x00], E::ZeroPacketId);
}

// ---------------------------------------------------------------------------
// SUBSCRIBE and UNSUBSCRIBE payloads
// ---------------------------------------------------------------------------

/// [MQTT-3.8.3-3] (5.0: [MQTT-3.8.3-2]): a SUBSCRIBE carries at least one filter.
#[test]
fn mqtt_3_8_3_3_subscribe_without_filters() {
    for codec in [v3_1(), v3_1_1()] {
        assert_decode_error(codec, &[0x82, 0x02, 0x00, 0x01], E::NoTopicFilters { packet: P::Subscribe });
    }
    assert_decode_error(v5(), &[0x82, 0x03, 0x00, 0x01, 0x00], E::NoTopicFilters { packet: P::Subscribe });
}

/// [MQTT-3.10.3-2]: an UNSUBSCRIBE carries at least one filter.
#[test]
fn mqtt_3_10_3_2_unsubscribe_without_filters() {
    for codec in [v3_1(), v3_1_1()] {
        assert_decode_error(codec, &[0xA2, 0x02, 0x00, 0x01], E::NoTopicFilters { packet: P::Unsubscribe });
    }
    let wire = [0xA2, 0x0A, 0x00, 0x01, 0x07, 0x26, 0x00, 0x01, b'a', 0x00, 0x01, b'b'];
    assert_decode_error(v5(), &wire, E::NoTopicFilters { packet: P::Unsubscribe });
}

/// [MQTT-3.8.3-4] (3.1.1): the reserved bits of the requested QoS byte are 0, and
/// the QoS is 0, 1 or 2.
#[test]
fn mqtt_3_8_3_4_reserved_bits_of_requested_qos() {
    for codec in [v3_1(), v3_1_1()] {
        for options in [0x04, 0x08, 0x10, 0x80, 0xFC] {
            assert_decode_error(codec, &subscribe(codec, b"a", options), E::InvalidSubscriptionOptions(options));
        }
        assert_decode_error(codec, &subscribe(codec, b"a", 0x03), E::InvalidQoS);
    }
}

/// 5.0 [MQTT-3.8.3-5]: bits 7 and 6 of the Subscription Options are reserved.
#[test]
fn v5_mqtt_3_8_3_5_reserved_bits_of_subscription_options() {
    for options in [0x40, 0x80, 0xC1] {
        assert_decode_error(v5(), &subscribe(v5(), b"a", options), E::InvalidSubscriptionOptions(options));
    }
}

/// 5.0 section 3.8.3.1: Retain Handling 3 and Maximum QoS 3 are Protocol Errors.
#[test]
fn v5_retain_handling_3_and_maximum_qos_3() {
    assert_decode_error(v5(), &subscribe(v5(), b"a", 0x30), E::InvalidSubscriptionOptions(0x30));
    assert_decode_error(v5(), &subscribe(v5(), b"a", 0x03), E::InvalidQoS);
}

/// 5.0 [MQTT-3.8.3-4]: No Local on a shared subscription is a Protocol Error.
#[test]
fn v5_mqtt_3_8_3_4_no_local_on_shared_subscription() {
    assert_decode_error(v5(), &subscribe(v5(), b"$share/g/a", 0x04), E::InvalidSubscriptionOptions(0x04));
}

// ---------------------------------------------------------------------------
// CONNECT
// ---------------------------------------------------------------------------

/// [MQTT-3.1.2-1]: the protocol name is "MQTT" ("MQIsdp" in 3.1), as capitalized.
#[test]
fn mqtt_3_1_2_1_protocol_name() {
    for codec in all() {
        for (name, level) in [(&b"MQTX"[..], 4), (b"mqtt", 4), (b"MQTT\x00", 4), (b"", 4), (b"MQIsdP", 3), (b"HTTP", 5)]
        {
            assert_decode_error(codec, &connect_named(name, level), E::InvalidProtocolName);
        }
    }
}

/// [MQTT-3.1.2-2]: a protocol level the server does not support.
#[test]
fn mqtt_3_1_2_2_unsupported_protocol_level() {
    for codec in all() {
        for level in [0, 1, 2, 6, 0x83, 0xFF] {
            assert_decode_error(codec, &connect_named(b"MQTT", level), E::UnsupportedProtocolLevel(level));
        }
        assert_decode_error(codec, &connect_named(b"MQIsdp", 6), E::UnsupportedProtocolLevel(6));
    }
}

/// The protocol name and level go together: "MQIsdp" with 3, "MQTT" with 4 or 5.
#[test]
fn protocol_name_and_level_mismatch() {
    for codec in all() {
        assert_decode_error(codec, &connect_named(b"MQTT", 3), E::ProtocolMismatch { level: 3 });
        assert_decode_error(codec, &connect_named(b"MQIsdp", 4), E::ProtocolMismatch { level: 4 });
        assert_decode_error(codec, &connect_named(b"MQIsdp", 5), E::ProtocolMismatch { level: 5 });
    }
}

/// [MQTT-3.1.2-3]: the reserved bit 0 of the connect flags is 0.
#[test]
fn mqtt_3_1_2_3_reserved_connect_flag() {
    for codec in all() {
        assert_decode_error(codec, &connect_v4(0x03, b""), E::ReservedConnectFlag);
        assert_decode_error(codec, &connect_v5(0x01, &[], b""), E::ReservedConnectFlag);
    }
    let mqisdp = cat(&[&[0x10, 0x0F], b"\x00\x06MQIsdp", &[0x03, 0x03, 0x00, 0x3C], b"\x00\x01c"]);
    assert_decode_error(v3_1(), &mqisdp, E::ReservedConnectFlag);
}

/// [MQTT-3.1.2-13] (5.0: [MQTT-3.1.2-11]): without the Will Flag, Will QoS is 0.
#[test]
fn mqtt_3_1_2_13_will_qos_without_will_flag() {
    for flags in [0x0A, 0x12] {
        assert_decode_error(v3_1_1(), &connect_v4(flags, b""), E::InvalidWillFlags);
        assert_decode_error(v5(), &connect_v5(flags, &[], b""), E::InvalidWillFlags);
    }
}

/// [MQTT-3.1.2-15] (5.0: [MQTT-3.1.2-13]): without the Will Flag, Will Retain is 0.
#[test]
fn mqtt_3_1_2_15_will_retain_without_will_flag() {
    assert_decode_error(v3_1_1(), &connect_v4(0x22, b""), E::InvalidWillFlags);
    assert_decode_error(v5(), &connect_v5(0x22, &[], b""), E::InvalidWillFlags);
}

/// [MQTT-3.1.2-14] (5.0: [MQTT-3.1.2-12]): Will QoS 3 is malformed.
#[test]
fn mqtt_3_1_2_14_will_qos_3() {
    assert_decode_error(v3_1_1(), &connect_v4(0x1E, b"\x00\x01t\x00\x00"), E::InvalidQoS);
    assert_decode_error(v5(), &connect_v5(0x1E, &[], b"\x00\x00\x01t\x00\x00"), E::InvalidQoS);
}

/// [MQTT-3.1.2-22] (3.1.1): with the User Name Flag 0 the Password Flag is 0. MQTT 5
/// lifts this (its vectors include a password without a user name).
#[test]
fn mqtt_3_1_2_22_password_without_user_name() {
    assert_decode_error(v3_1_1(), &connect_v4(0x42, b"\x00\x02pw"), E::PasswordWithoutUsername);
}

// ---------------------------------------------------------------------------
// CONNACK
// ---------------------------------------------------------------------------

/// 3.1.1 section 3.2.2.1 (5.0: [MQTT-3.2.2-1]): bits 7-1 of the Connect
/// Acknowledge Flags are reserved and 0.
#[test]
fn v5_mqtt_3_2_2_1_connack_reserved_flags() {
    for flags in [0x02, 0x80, 0xFE] {
        assert_decode_error(v3_1_1(), &[0x20, 0x02, flags, 0x00], E::InvalidConnAckFlags(flags));
        assert_decode_error(v5(), &[0x20, 0x03, flags, 0x00, 0x00], E::InvalidConnAckFlags(flags));
    }
}

/// [MQTT-3.2.2-4] (5.0: [MQTT-3.2.2-6]): a refusal has Session Present 0.
#[test]
fn mqtt_3_2_2_4_session_present_on_refusal() {
    for code in 1..=5 {
        assert_decode_error(v3_1_1(), &[0x20, 0x02, 0x01, code], E::InvalidConnAckFlags(0x01));
    }
    assert_decode_error(v5(), &[0x20, 0x03, 0x01, 0x87, 0x00], E::InvalidConnAckFlags(0x01));
}

// ---------------------------------------------------------------------------
// Reason codes and return codes
// ---------------------------------------------------------------------------

/// 3.1.1 Table 3.1: CONNACK return codes 6 to 255 are reserved (3.1 likewise).
#[test]
fn connack_reserved_return_codes() {
    for codec in [v3_1(), v3_1_1()] {
        for code in [0x06, 0x80, 0x87, 0xFF] {
            assert_decode_error(codec, &[0x20, 0x02, 0x00, code], E::InvalidReasonCode { packet: P::ConnAck, code });
        }
    }
}

/// [MQTT-3.9.3-2] (3.1.1): SUBACK return codes other than 0x00, 0x01, 0x02 and
/// 0x80 are reserved.
#[test]
fn mqtt_3_9_3_2_suback_reserved_return_codes() {
    for code in [0x03, 0x11, 0x81, 0x87, 0xFF] {
        let wire = [0x90, 0x04, 0x00, 0x01, 0x00, code];
        assert_decode_error(v3_1_1(), &wire, E::InvalidReasonCode { packet: P::SubAck, code });
    }
}

/// The sender of each MQTT 5 packet uses one of that packet's reason codes:
/// CONNACK [MQTT-3.2.2-8], PUBACK [MQTT-3.4.2-1], PUBREC [MQTT-3.5.2-1], PUBREL
/// [MQTT-3.6.2-1], PUBCOMP [MQTT-3.7.2-1], SUBACK [MQTT-3.9.3-2], UNSUBACK
/// [MQTT-3.11.3-2], DISCONNECT [MQTT-3.14.2-1], AUTH [MQTT-3.15.2-1].
#[test]
fn v5_reason_code_not_allowed_for_packet() {
    let cases: [(P, &[u8], u8); 14] = [
        (P::ConnAck, &[0x20, 0x03, 0x00, 0x10, 0x00], 0x10),
        (P::ConnAck, &[0x20, 0x03, 0x00, 0x01, 0x00], 0x01),
        (P::PubAck, &[0x40, 0x03, 0x00, 0x01, 0x92], 0x92),
        (P::PubAck, &[0x40, 0x03, 0x00, 0x01, 0x03], 0x03), // not a reason code at all
        (P::PubRec, &[0x50, 0x03, 0x00, 0x01, 0x8F], 0x8F),
        (P::PubRel, &[0x62, 0x03, 0x00, 0x01, 0x10], 0x10),
        (P::PubComp, &[0x70, 0x03, 0x00, 0x01, 0x80], 0x80),
        (P::SubAck, &[0x90, 0x04, 0x00, 0x01, 0x00, 0x11], 0x11),
        (P::SubAck, &[0x90, 0x04, 0x00, 0x01, 0x00, 0x03], 0x03),
        (P::UnsubAck, &[0xB0, 0x04, 0x00, 0x01, 0x00, 0x01], 0x01),
        (P::Disconnect, &[0xE0, 0x01, 0x18], 0x18),
        (P::Disconnect, &[0xE0, 0x01, 0x84], 0x84),
        (P::Auth, &[0xF0, 0x02, 0x01, 0x00], 0x01),
        (P::Auth, &[0xF0, 0x02, 0x87, 0x00], 0x87),
    ];
    for (packet, wire, code) in cases {
        assert_decode_error(v5(), wire, E::InvalidReasonCode { packet, code });
    }
}

// ---------------------------------------------------------------------------
// MQTT 5 properties (section 2.2.2)
// ---------------------------------------------------------------------------

/// 2.2.2.2: "A Control Packet which contains an Identifier which is not valid for
/// its packet type … is a Malformed Packet". Identifiers Table 2-4 does not define.
#[test]
fn v5_unknown_property_identifier() {
    for unknown in [0x00, 0x04, 0x0A, 0x10, 0x14, 0x1B, 0x1D, 0x20, 0x2B, 0x7F] {
        assert_decode_error(v5(), &publish_v5(&[unknown, 0x00]), E::UnknownProperty(unknown));
    }
}

/// 2.2.2.2: identifiers Table 2-4 defines, but not for this packet.
#[test]
fn v5_property_not_allowed_on_packet() {
    // PUBLISH with a Session Expiry Interval.
    let wire = publish_v5(&[0x11, 0x00, 0x00, 0x00, 0x00]);
    assert_decode_error(
        v5(),
        &wire,
        E::PropertyNotAllowed { packet: P::Publish, property: id::SESSION_EXPIRY_INTERVAL },
    );
    // Will Properties with a Topic Alias.
    let wire = connect_v5(0x06, &[], b"\x03\x23\x00\x01\x00\x01t\x00\x00");
    assert_decode_error(v5(), &wire, E::PropertyNotAllowed { packet: P::Connect, property: id::TOPIC_ALIAS });
    // CONNECT with a Will Delay Interval outside the Will Properties.
    let wire = connect_v5(0x02, &[0x18, 0x00, 0x00, 0x00, 0x01], b"");
    assert_decode_error(v5(), &wire, E::PropertyNotAllowed { packet: P::Connect, property: id::WILL_DELAY_INTERVAL });
    // PUBACK with a Subscription Identifier.
    let wire = [0x40, 0x06, 0x00, 0x01, 0x00, 0x02, 0x0B, 0x01];
    assert_decode_error(
        v5(),
        &wire,
        E::PropertyNotAllowed { packet: P::PubAck, property: id::SUBSCRIPTION_IDENTIFIER },
    );
    // DISCONNECT with a Receive Maximum.
    let wire = [0xE0, 0x05, 0x00, 0x03, 0x21, 0x00, 0x01];
    assert_decode_error(v5(), &wire, E::PropertyNotAllowed { packet: P::Disconnect, property: id::RECEIVE_MAXIMUM });
    // AUTH with a Session Expiry Interval.
    let wire = [0xF0, 0x07, 0x18, 0x05, 0x11, 0x00, 0x00, 0x00, 0x00];
    assert_decode_error(v5(), &wire, E::PropertyNotAllowed { packet: P::Auth, property: id::SESSION_EXPIRY_INTERVAL });
    // UNSUBSCRIBE with a Subscription Identifier.
    let wire = [0xA2, 0x07, 0x00, 0x01, 0x02, 0x0B, 0x01, 0x00, 0x01];
    assert_decode_error(
        v5(),
        &wire,
        E::PropertyNotAllowed { packet: P::Unsubscribe, property: id::SUBSCRIPTION_IDENTIFIER },
    );
}

/// "It is a Protocol Error to include … more than once", said of every property
/// but User Property (and, in PUBLISH, Subscription Identifier).
#[test]
fn v5_duplicate_property() {
    // CONNECT: Session Expiry Interval twice (3.1.2.11.2).
    let twice = [0x11, 0x00, 0x00, 0x00, 0x01, 0x11, 0x00, 0x00, 0x00, 0x02];
    let wire = connect_v5(0x02, &twice, b"");
    assert_decode_error(
        v5(),
        &wire,
        E::DuplicateProperty { packet: P::Connect, property: id::SESSION_EXPIRY_INTERVAL },
    );
    // PUBLISH: Topic Alias twice (3.3.2.3.4).
    let wire = publish_v5(&[0x23, 0x00, 0x01, 0x23, 0x00, 0x02]);
    assert_decode_error(v5(), &wire, E::DuplicateProperty { packet: P::Publish, property: id::TOPIC_ALIAS });
    // PUBACK: Reason String twice (3.4.2.2.2).
    let wire = [0x40, 0x0C, 0x00, 0x01, 0x80, 0x08, 0x1F, 0x00, 0x01, b'a', 0x1F, 0x00, 0x01, b'b'];
    assert_decode_error(v5(), &wire, E::DuplicateProperty { packet: P::PubAck, property: id::REASON_STRING });
    // SUBSCRIBE: Subscription Identifier twice (3.8.2.1.2).
    let wire = [0x82, 0x0B, 0x00, 0x01, 0x04, 0x0B, 0x01, 0x0B, 0x02, 0x00, 0x01, b'a', 0x00];
    assert_decode_error(
        v5(),
        &wire,
        E::DuplicateProperty { packet: P::Subscribe, property: id::SUBSCRIPTION_IDENTIFIER },
    );
    // CONNACK: Maximum QoS twice (3.2.2.3.4).
    let wire = [0x20, 0x07, 0x00, 0x00, 0x04, 0x24, 0x00, 0x24, 0x01];
    assert_decode_error(v5(), &wire, E::DuplicateProperty { packet: P::ConnAck, property: id::MAXIMUM_QOS });
}

/// Property values outside their ranges.
#[test]
fn v5_invalid_property_value() {
    let cases: [(Vec<u8>, u8); 11] = [
        // [MQTT-3.3.2-8]: a Topic Alias of 0 is not permitted.
        (publish_v5(&[0x23, 0x00, 0x00]), id::TOPIC_ALIAS),
        // 3.3.2.3.8: a Subscription Identifier of 0 is a Protocol Error.
        (publish_v5(&[0x0B, 0x00]), id::SUBSCRIPTION_IDENTIFIER),
        // 3.3.2.3.2: the Payload Format Indicator is 0 or 1.
        (publish_v5(&[0x01, 0x02]), id::PAYLOAD_FORMAT_INDICATOR),
        // 3.1.2.11.3: a Receive Maximum of 0 is a Protocol Error.
        (connect_v5(0x02, &[0x21, 0x00, 0x00], b""), id::RECEIVE_MAXIMUM),
        // 3.1.2.11.4: a Maximum Packet Size of 0 is a Protocol Error.
        (connect_v5(0x02, &[0x27, 0x00, 0x00, 0x00, 0x00], b""), id::MAXIMUM_PACKET_SIZE),
        // 3.1.2.11.6, 3.1.2.11.7: Request Response / Problem Information are 0 or 1.
        (connect_v5(0x02, &[0x19, 0x02], b""), id::REQUEST_RESPONSE_INFORMATION),
        (connect_v5(0x02, &[0x17, 0x02], b""), id::REQUEST_PROBLEM_INFORMATION),
        // 3.2.2.3.4: Maximum QoS is 0 or 1.
        (vec![0x20, 0x05, 0x00, 0x00, 0x02, 0x24, 0x02], id::MAXIMUM_QOS),
        // 3.2.2.3.5: Retain Available is 0 or 1.
        (vec![0x20, 0x05, 0x00, 0x00, 0x02, 0x25, 0x02], id::RETAIN_AVAILABLE),
        // 3.2.2.3.3: a Receive Maximum of 0 from the server too.
        (vec![0x20, 0x06, 0x00, 0x00, 0x03, 0x21, 0x00, 0x00], id::RECEIVE_MAXIMUM),
        // 3.8.2.1.2: a Subscription Identifier of 0 in SUBSCRIBE.
        (vec![0x82, 0x09, 0x00, 0x01, 0x02, 0x0B, 0x00, 0x00, 0x01, b'a', 0x00], id::SUBSCRIPTION_IDENTIFIER),
    ];
    for (wire, property) in cases {
        assert_decode_error(v5(), &wire, E::InvalidPropertyValue { property });
    }
}

// ---------------------------------------------------------------------------
// What a failed decode leaves in the buffer
// ---------------------------------------------------------------------------

/// A malformed packet whose size the fixed header gave is consumed by
/// [`Codec::decode`], so the caller can see what follows; [`Codec::decode_slice`]
/// reports the same error.
#[test]
fn failed_decode_consumes_the_malformed_packet() {
    let wire = [
        0x40, 0x03, 0x00, 0x0A, 0x00, // 3.1.1 PUBACK with a trailing byte
        0xD0, 0x00, // PINGRESP
    ];
    let mut buf = BytesMut::from(&wire[..]);
    let error = E::TrailingBytes { packet: P::PubAck, count: 1 };
    assert_eq!(v3_1_1().decode(&mut buf), Err(error));
    assert_eq!(&buf[..], &[0xD0, 0x00]);
    assert_eq!(v3_1_1().decode_slice(&wire).map(|p| p.map(|(_, used)| used)), Err(error));
}

/// An incomplete packet is not an error, however malformed its body will turn out
/// to be: the codec waits for the rest and consumes nothing.
#[test]
fn incomplete_packet_is_not_an_error() {
    let mut buf = BytesMut::from(&[0x30, 0x05, 0x00, 0x03, b'a'][..]);
    assert_eq!(v3_1_1().decode(&mut buf), Ok(None));
    assert_eq!(buf.len(), 5);
    buf.extend_from_slice(b"/+");
    assert_eq!(v3_1_1().decode(&mut buf), Err(E::WildcardInTopicName));
}
