//! Property tests of the codec.
//!
//! - Round trip (per version): valid packets of every type encode to `encoded_len`
//!   bytes and decode back unchanged with `decode` and `decode_slice`, consuming
//!   exactly their encoding; every proper prefix is `Ok(None)` and consumes nothing.
//! - Robustness: arbitrary and corrupted bytes never make either decoder panic, in
//!   any version; what they accept is a valid packet (checked against reference
//!   rules), takes no more bytes than given, and survives re-encoding.
//! - Agreement: `decode` and `decode_slice` return the same packets, the same byte
//!   counts and the same errors.
//! - The encoder refuses whatever it cannot write as a packet the decoder accepts
//!   back unchanged.
//! - String, topic name and topic filter validation matches reference rules.

mod strategies;

use bytes::{Bytes, BytesMut};
use mqtt_proto::{
    Buffer, Codec, ConnAck, DecodeError, EncodeError, List, MAX_PACKET_SIZE, MqttStr, Packet, PacketId, PacketType,
    ProtocolVersion, Publish, QoS, ReasonCode, SubAck, Subscribe, Subscription, SubscriptionOptions, TopicFilter,
    TopicName, UnsubAck, UserProperty,
};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::Index;

use strategies::{VERSIONS, fuzz_input, packet, tweaked_packet};

/// Encodes `packet` with `codec` into a fresh vector.
fn encode<B: Buffer>(codec: Codec, packet: &Packet<B>) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::new();
    codec.encode(packet, &mut out)?;
    Ok(out)
}

/// Property 2: `packet` (valid for `version`) encodes to `encoded_len` bytes and
/// decodes back to itself with both decoders, consuming exactly its encoding; every
/// proper prefix of the encoding is "not yet" without consuming anything.
fn check_roundtrip(
    version: ProtocolVersion,
    packet: &Packet,
    split: Index,
    trailing: &[u8],
) -> Result<(), TestCaseError> {
    let codec = Codec::new(version);
    let len = codec.encoded_len(packet)?;
    let mut wire = BytesMut::new();
    let written = codec.encode(packet, &mut wire)?;
    prop_assert_eq!(written, len, "encode and encoded_len disagree");
    prop_assert_eq!(wire.len(), written, "encode reported a wrong length");
    let encoded = wire.freeze();

    // decode, with unrelated bytes after the packet that must stay in the buffer.
    let mut buf = BytesMut::from(&encoded[..]);
    buf.extend_from_slice(trailing);
    let decoded = codec.decode(&mut buf)?;
    prop_assert_eq!(decoded.as_ref(), Some(packet));
    prop_assert_eq!(&buf[..], trailing, "decode consumed the wrong number of bytes");

    // decode_slice, compared by re-encoding the borrowed packet.
    let mut input = encoded.to_vec();
    input.extend_from_slice(trailing);
    let Some((borrowed, used)) = codec.decode_slice(&input)? else {
        return Err(TestCaseError::fail("decode_slice returned None for a whole packet"));
    };
    prop_assert_eq!(used, written, "decode_slice consumed the wrong number of bytes");
    prop_assert_eq!(borrowed.packet_type(), packet.packet_type());
    prop_assert_eq!(encode(codec, &borrowed)?, encoded.to_vec(), "decode_slice gave a different packet");

    // Every proper prefix is incomplete.
    for cut in 0..written {
        prop_assert_eq!(codec.decode_slice(&encoded[..cut]), Ok(None), "prefix of {} bytes", cut);
    }
    // Streaming: a prefix consumes nothing; the rest completes the packet.
    let cut = split.index(written);
    let mut stream = BytesMut::from(&encoded[..cut]);
    prop_assert_eq!(codec.decode(&mut stream), Ok(None), "prefix of {} bytes", cut);
    prop_assert_eq!(stream.len(), cut, "a prefix was consumed");
    stream.extend_from_slice(&encoded[cut..]);
    let completed = codec.decode(&mut stream)?;
    prop_assert_eq!(completed.as_ref(), Some(packet));
    prop_assert!(stream.is_empty());

    // A CONNECT is encoded and decoded in the version it declares, whatever the codec's.
    if let Packet::Connect(_) = packet {
        for other in VERSIONS {
            let codec = Codec::new(other);
            prop_assert_eq!(&encode(codec, packet)?[..], &encoded[..], "CONNECT encoded by a {} codec", other);
            let mut buf = BytesMut::from(&encoded[..]);
            let decoded = codec.decode(&mut buf)?;
            prop_assert_eq!(decoded.as_ref(), Some(packet), "CONNECT decoded by a {} codec", other);
        }
    }
    Ok(())
}

/// Reference check of an MQTT string (MQTT 1.5.4): UTF-8 without U+0000.
fn is_mqtt_str(b: &[u8]) -> bool {
    core::str::from_utf8(b).is_ok() && !b.contains(&0)
}

/// Reference check of a topic name (MQTT 4.7): a non-empty string without wildcards.
fn is_topic_name(b: &[u8]) -> bool {
    is_mqtt_str(b) && !b.is_empty() && !b.iter().any(|&c| c == b'+' || c == b'#')
}

/// Reference check of a topic filter (MQTT 4.7.1, 4.8.2).
fn is_topic_filter(b: &[u8]) -> bool {
    if !is_mqtt_str(b) || b.is_empty() {
        return false;
    }
    let levels: Vec<&[u8]> = b.split(|&c| c == b'/').collect();
    let wildcards_ok = levels.iter().enumerate().all(|(i, level)| match *level {
        b"+" => true,
        b"#" => i + 1 == levels.len(),
        _ => !level.iter().any(|&c| c == b'+' || c == b'#'),
    });
    let share_ok = match b.strip_prefix(b"$share/") {
        None => true,
        Some(rest) => match rest.iter().position(|&c| c == b'/') {
            Some(i) => i > 0 && i + 1 < rest.len() && !rest[..i].iter().any(|&c| c == b'+' || c == b'#'),
            None => false,
        },
    };
    wildcards_ok && share_ok
}

fn check_strs<'a, B: Buffer + 'a>(strs: impl IntoIterator<Item = &'a MqttStr<B>>) -> Result<(), TestCaseError> {
    for s in strs {
        prop_assert!(is_mqtt_str(s.as_bytes()), "invalid string {:02x?}", s.as_bytes());
    }
    Ok(())
}

fn check_users<B: Buffer>(users: &List<UserProperty<B>, B>) -> Result<(), TestCaseError> {
    for u in users {
        check_strs([&u.name, &u.value])?;
    }
    Ok(())
}

fn check_code(code: ReasonCode, packet: PacketType, version: ProtocolVersion) -> Result<(), TestCaseError> {
    prop_assert!(code.is_valid_for(packet, version), "{:?} in {} {}", code, version, packet);
    Ok(())
}

/// Checks a decoded packet against the rules of the specification, independently
/// of the decoder: whatever a decoder accepts must be a valid packet of `version`
/// (for CONNECT, of the version it declares).
fn check_decoded<B: Buffer>(packet: &Packet<B>, version: ProtocolVersion) -> Result<(), TestCaseError> {
    let v5 = version.is_v5();
    match packet {
        Packet::Connect(c) => {
            let v5 = c.protocol.is_v5();
            check_strs([&c.client_id].into_iter().chain(&c.username))?;
            prop_assert!(v5 || c.password.is_none() || c.username.is_some(), "password without user name");
            prop_assert!(v5 || c.properties == Default::default());
            let p = &c.properties;
            check_strs(&p.authentication_method)?;
            check_users(&p.user_properties)?;
            if let Some(w) = &c.will {
                prop_assert!(is_topic_name(w.topic.as_bytes()), "will topic {:02x?}", w.topic.as_bytes());
                prop_assert!(v5 || w.properties == Default::default());
                let p = &w.properties;
                check_strs(&p.content_type)?;
                prop_assert!(p.response_topic.as_ref().is_none_or(|t| is_topic_name(t.as_bytes())));
                check_users(&p.user_properties)?;
            }
        }
        Packet::ConnAck(c) => {
            check_code(c.reason_code, PacketType::ConnAck, version)?;
            prop_assert!(!c.session_present || c.reason_code == ReasonCode::Success, "session present on a refusal");
            prop_assert!(v5 || c.properties == Default::default());
            let p = &c.properties;
            prop_assert_ne!(p.maximum_qos, Some(QoS::ExactlyOnce));
            check_strs(
                [&p.assigned_client_identifier, &p.reason_string, &p.response_information, &p.server_reference]
                    .into_iter()
                    .chain([&p.authentication_method])
                    .flatten(),
            )?;
            check_users(&p.user_properties)?;
        }
        Packet::Publish(p) => {
            // Decoding never yields an empty box: no properties is `None`.
            prop_assert!(p.properties.as_ref().is_none_or(|b| **b != Default::default()));
            let props = p.properties.as_deref().cloned().unwrap_or_default();
            let alias = v5 && props.topic_alias.is_some();
            prop_assert!(
                is_topic_name(p.topic.as_bytes()) || (alias && p.topic.is_empty()),
                "topic {:02x?}",
                p.topic.as_bytes()
            );
            prop_assert!(!p.dup || p.qos.qos() != QoS::AtMostOnce, "DUP on QoS 0");
            prop_assert!(v5 || props == Default::default());
            check_strs(&props.content_type)?;
            prop_assert!(props.response_topic.as_ref().is_none_or(|t| is_topic_name(t.as_bytes())));
            prop_assert!(props.subscription_identifiers.iter().all(|id| id.get() <= 268_435_455));
            check_users(&props.user_properties)?;
        }
        Packet::PubAck(a) | Packet::PubRec(a) | Packet::PubRel(a) | Packet::PubComp(a) => {
            check_code(a.reason_code, packet.packet_type(), version)?;
            prop_assert!(v5 || a.properties == Default::default());
            check_strs(&a.properties.reason_string)?;
            check_users(&a.properties.user_properties)?;
        }
        Packet::Subscribe(s) => {
            prop_assert!(!s.subscriptions.is_empty());
            prop_assert!(v5 || s.properties == Default::default());
            prop_assert!(s.properties.subscription_identifier.is_none_or(|id| id.get() <= 268_435_455));
            check_users(&s.properties.user_properties)?;
            for sub in &s.subscriptions {
                prop_assert!(is_topic_filter(sub.filter.as_bytes()), "filter {:02x?}", sub.filter.as_bytes());
                prop_assert!(v5 || sub.options == SubscriptionOptions::new(sub.options.qos));
                prop_assert!(!(v5 && sub.options.no_local && sub.filter.is_shared()), "No Local on a shared filter");
            }
        }
        Packet::SubAck(s) => {
            prop_assert!(!s.reason_codes.is_empty());
            for &code in &s.reason_codes {
                check_code(code, PacketType::SubAck, version)?;
            }
            prop_assert!(v5 || s.properties == Default::default());
            check_strs(&s.properties.reason_string)?;
            check_users(&s.properties.user_properties)?;
        }
        Packet::Unsubscribe(u) => {
            prop_assert!(!u.filters.is_empty());
            for f in &u.filters {
                prop_assert!(is_topic_filter(f.as_bytes()), "filter {:02x?}", f.as_bytes());
            }
            prop_assert!(v5 || u.properties == Default::default());
            check_users(&u.properties.user_properties)?;
        }
        Packet::UnsubAck(u) => {
            prop_assert_eq!(v5, !u.reason_codes.is_empty());
            for &code in &u.reason_codes {
                check_code(code, PacketType::UnsubAck, version)?;
            }
            prop_assert!(v5 || u.properties == Default::default());
            check_strs(&u.properties.reason_string)?;
            check_users(&u.properties.user_properties)?;
        }
        Packet::PingReq | Packet::PingResp => {}
        Packet::Disconnect(d) => {
            check_code(d.reason_code, PacketType::Disconnect, version)?;
            prop_assert!(v5 || d.properties == Default::default());
            check_strs(d.properties.reason_string.iter().chain(&d.properties.server_reference))?;
            check_users(&d.properties.user_properties)?;
        }
        Packet::Auth(a) => {
            prop_assert!(v5, "AUTH before MQTT 5");
            check_code(a.reason_code, PacketType::Auth, version)?;
            check_strs(a.properties.authentication_method.iter().chain(&a.properties.reason_string))?;
            check_users(&a.properties.user_properties)?;
        }
    }
    Ok(())
}

/// Property 5: the encoder accepts only what the decoder accepts back unchanged.
/// Whatever `packet` holds, for each version either `encode` and `encoded_len` fail
/// alike, or the bytes decode to `packet` (in MQTT 3.1, where CONNACK has no Session
/// Present flag, without it).
fn check_encode_is_decodable(packet: &Packet) -> Result<(), TestCaseError> {
    for version in VERSIONS {
        let codec = Codec::new(version);
        let encoded = encode(codec, packet);
        prop_assert_eq!(codec.encoded_len(packet), encoded.as_ref().map(Vec::len).map_err(|e| *e));
        let Ok(bytes) = encoded else { continue };
        let mut expected = packet.clone();
        if let (ProtocolVersion::V3_1, Packet::ConnAck(c)) = (version, &mut expected) {
            c.session_present = false;
        }
        let mut buf = BytesMut::from(&bytes[..]);
        prop_assert_eq!(codec.decode(&mut buf), Ok(Some(expected)), "{} encoding {:02x?}", version, bytes);
    }
    Ok(())
}

/// What one decoder call did, in terms both decoders can report.
#[derive(Debug, PartialEq, Eq)]
enum Step {
    /// A packet taking `used` bytes, and its re-encoding (or why that failed).
    Packet { used: usize, reencoded: Result<Vec<u8>, EncodeError> },
    /// More bytes needed.
    Incomplete,
    /// The input is not valid.
    Error(DecodeError),
}

/// Property 3 for a packet from `decode_slice`: re-encoding it (if that succeeds)
/// and decoding again gives it back.
fn check_reencode_slice(codec: Codec, packet: &Packet<&[u8]>) -> Result<Result<Vec<u8>, EncodeError>, TestCaseError> {
    let reencoded = encode(codec, packet);
    if let Ok(bytes) = &reencoded {
        prop_assert_eq!(codec.encoded_len(packet), Ok(bytes.len()));
        let again = codec.decode_slice(bytes)?;
        prop_assert_eq!(again, Some((packet.clone(), bytes.len())), "re-encoding changed the packet");
    }
    Ok(reencoded)
}

/// Property 3 for a packet from `decode`.
fn check_reencode_bytes(codec: Codec, packet: &Packet) -> Result<Result<Vec<u8>, EncodeError>, TestCaseError> {
    let reencoded = encode(codec, packet);
    if let Ok(bytes) = &reencoded {
        prop_assert_eq!(codec.encoded_len(packet), Ok(bytes.len()));
        let mut buf = BytesMut::from(&bytes[..]);
        let again = codec.decode(&mut buf)?;
        prop_assert_eq!(again.as_ref(), Some(packet), "re-encoding changed the packet");
        prop_assert!(buf.is_empty());
    }
    Ok(reencoded)
}

/// Decodes `input` packet after packet with `decode_slice` until it needs more
/// bytes or fails.
fn steps_slice(codec: Codec, input: &[u8]) -> Result<Vec<Step>, TestCaseError> {
    let mut steps = Vec::new();
    let mut rest = input;
    loop {
        match codec.decode_slice(rest) {
            Ok(Some((packet, used))) => {
                prop_assert!(used > 0 && used <= rest.len(), "used {} of {} bytes", used, rest.len());
                check_decoded(&packet, codec.version())?;
                let reencoded = check_reencode_slice(codec, &packet)?;
                steps.push(Step::Packet { used, reencoded });
                rest = &rest[used..];
            }
            Ok(None) => {
                steps.push(Step::Incomplete);
                return Ok(steps);
            }
            Err(e) => {
                steps.push(Step::Error(e));
                return Ok(steps);
            }
        }
    }
}

/// Decodes `input` packet after packet with `decode` until it needs more bytes or
/// fails.
fn steps_bytes(codec: Codec, input: &[u8]) -> Result<Vec<Step>, TestCaseError> {
    let mut steps = Vec::new();
    let mut buf = BytesMut::from(input);
    loop {
        let before = buf.len();
        match codec.decode(&mut buf) {
            Ok(Some(packet)) => {
                let used = before - buf.len();
                prop_assert!(used > 0 && used <= before, "used {} of {} bytes", used, before);
                check_decoded(&packet, codec.version())?;
                let reencoded = check_reencode_bytes(codec, &packet)?;
                steps.push(Step::Packet { used, reencoded });
            }
            Ok(None) => {
                prop_assert_eq!(buf.len(), before, "Ok(None) consumed bytes");
                steps.push(Step::Incomplete);
                return Ok(steps);
            }
            Err(e) => {
                prop_assert!(buf.len() <= before);
                steps.push(Step::Error(e));
                return Ok(steps);
            }
        }
    }
}

/// The codecs the decoders are tried with: every version, without a size limit
/// and with `max`.
fn codecs(max: u32) -> impl Iterator<Item = Codec> {
    VERSIONS.into_iter().flat_map(move |v| [Codec::new(v), Codec::new(v).with_max_packet_size(max)])
}

/// `cases` cases, without writing regression files next to the sources.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(cases) }
}

proptest! {
    #![proptest_config(config(2048))]

    #[test]
    fn roundtrip_v3_1(p in packet(ProtocolVersion::V3_1), split: Index, trailing in vec(any::<u8>(), 0..8)) {
        check_roundtrip(ProtocolVersion::V3_1, &p, split, &trailing)?;
    }

    #[test]
    fn roundtrip_v3_1_1(p in packet(ProtocolVersion::V3_1_1), split: Index, trailing in vec(any::<u8>(), 0..8)) {
        check_roundtrip(ProtocolVersion::V3_1_1, &p, split, &trailing)?;
    }

    #[test]
    fn roundtrip_v5(p in packet(ProtocolVersion::V5), split: Index, trailing in vec(any::<u8>(), 0..8)) {
        check_roundtrip(ProtocolVersion::V5, &p, split, &trailing)?;
    }
}

proptest! {
    #![proptest_config(config(4096))]

    /// Property 3: no input makes either decoder panic, in any version; a decoded
    /// packet takes no more bytes than given and survives re-encoding.
    #[test]
    fn decoding_arbitrary_bytes_never_panics(input in fuzz_input(), max in prop_oneof![Just(MAX_PACKET_SIZE), 0u32..600]) {
        for codec in codecs(max) {
            steps_slice(codec, &input)?;
            steps_bytes(codec, &input)?;
        }
    }

    /// Property 4: `decode_slice` and `decode` agree on every input: the same
    /// packets (compared by their encodings) taking the same bytes, then the same
    /// error or the same need for more bytes.
    #[test]
    fn decode_slice_and_decode_agree(input in fuzz_input(), max in prop_oneof![Just(MAX_PACKET_SIZE), 0u32..600]) {
        for codec in codecs(max) {
            let slice = steps_slice(codec, &input)?;
            let bytes = steps_bytes(codec, &input)?;
            prop_assert_eq!(slice, bytes, "{:?}", codec);
        }
    }
}

// Regression tests for packets the encoder used to write although they break a rule
// of the specification, and the decoder rejects them (found by
// `encode_accepts_only_decodable_packets`).

/// Asserts `packet` cannot be encoded in `version`, and that the output is untouched.
fn assert_not_encoded(version: ProtocolVersion, packet: Packet) {
    let codec = Codec::new(version);
    let mut out = vec![0xAA];
    let result = codec.encode(&packet, &mut out);
    assert!(result.is_err(), "{version}: {packet:?} encoded as {out:02x?}");
    assert_eq!(out, [0xAA], "output changed on error");
    assert!(codec.encoded_len(&packet).is_err());
}

fn pid(id: u16) -> PacketId {
    PacketId::new(id).unwrap()
}

/// MQTT-3.3.1-2: was written as `38 03 00 01 61`, which decodes as `DupWithQoS0`.
#[test]
fn regression_publish_dup_with_qos0_is_not_encoded() {
    let mut publish = Publish::new(TopicName::try_from("a").unwrap(), Bytes::new());
    publish.dup = true;
    for version in VERSIONS {
        assert_not_encoded(version, Packet::Publish(publish.clone()));
    }
}

/// MQTT-3.2.2-4, MQTT-3.2.2-6: was written as `20 02 01 05` (3.1.1) and
/// `20 03 01 87 00` (5.0), which decode as `InvalidConnAckFlags(1)`.
#[test]
fn regression_connack_session_present_on_refusal_is_not_encoded() {
    let connack = ConnAck { session_present: true, reason_code: ReasonCode::NotAuthorized, ..ConnAck::default() };
    for version in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
        assert_not_encoded(version, Packet::from(connack.clone()));
    }
    // MQTT 3.1 has no Session Present flag: it is left out, as before.
    let mut wire = BytesMut::new();
    Codec::new(ProtocolVersion::V3_1).encode(&Packet::from(connack), &mut wire).unwrap();
    assert_eq!(&wire[..], b"\x20\x02\x00\x05");
}

/// MQTT 5 section 3.2.2.3.4: was written as `20 05 00 00 02 24 02`, which decodes
/// as `InvalidPropertyValue { property: 0x24 }`.
#[test]
fn regression_connack_maximum_qos_2_is_not_encoded() {
    let mut connack = ConnAck::<Bytes>::default();
    connack.properties.maximum_qos = Some(QoS::ExactlyOnce);
    assert_not_encoded(ProtocolVersion::V5, Packet::from(connack));
}

/// MQTT-3.8.3-4: was written as `82 10 00 01 00 00 0a $share/g/a 04`, which decodes
/// as `InvalidSubscriptionOptions(4)`.
#[test]
fn regression_subscribe_no_local_on_shared_subscription_is_not_encoded() {
    let options = SubscriptionOptions { no_local: true, ..SubscriptionOptions::default() };
    let subscribe = Subscribe {
        packet_id: pid(1),
        subscriptions: vec![Subscription { filter: TopicFilter::try_from("$share/g/a").unwrap(), options }].into(),
        properties: Default::default(),
    };
    assert_not_encoded(ProtocolVersion::V5, Packet::Subscribe(subscribe));
}

/// A SUBACK has one reason code per filter of the SUBSCRIBE, so at least one: was
/// written as `90 02 00 01` (3.x) and `90 03 00 01 00` (5.0), which decode as
/// `UnexpectedEnd`.
#[test]
fn regression_suback_without_reason_codes_is_not_encoded() {
    let suback = SubAck::<Bytes> { packet_id: pid(1), reason_codes: vec![], properties: Default::default() };
    for version in VERSIONS {
        assert_not_encoded(version, Packet::SubAck(suback.clone()));
    }
}

/// An MQTT 5 UNSUBACK has one reason code per filter: an UNSUBACK built the 3.x way
/// was written as `b0 03 00 01 00`, which decodes as `UnexpectedEnd`.
#[test]
fn regression_v5_unsuback_without_reason_codes_is_not_encoded() {
    let unsuback = UnsubAck::<Bytes> { packet_id: pid(1), reason_codes: vec![], properties: Default::default() };
    assert_not_encoded(ProtocolVersion::V5, Packet::UnsubAck(unsuback.clone()));
    // Before MQTT 5 it has no reason codes at all.
    let mut wire = BytesMut::new();
    Codec::new(ProtocolVersion::V3_1_1).encode(&Packet::UnsubAck(unsuback), &mut wire).unwrap();
    assert_eq!(&wire[..], b"\xb0\x02\x00\x01");
}

proptest! {
    #![proptest_config(config(1024))]

    /// Property 5: whatever a packet holds, valid in some version or made invalid by
    /// a few edits, the encoder either refuses it or writes bytes that decode to it.
    #[test]
    fn encode_accepts_only_decodable_packets(p in tweaked_packet()) {
        check_encode_is_decodable(&p)?;
    }
}

/// Bytes for strings: ASCII, wildcards, separators, U+0000, and pieces of multi-byte
/// sequences that may or may not line up.
const STRING_BYTES: &[u8] = &[
    b'a', b'z', b'/', b'+', b'#', b'$', 0, 0x7F, 0x80, 0xBF, 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xED, 0xA0, 0xF0, 0x9F, 0xFF,
];

fn string_bytes() -> impl Strategy<Value = Vec<u8>> {
    let body = prop_oneof![
        vec(proptest::sample::select(STRING_BYTES), 0..40),
        "[a-z/+#$\u{0}é€😀]{0,40}".prop_map(String::into_bytes),
    ];
    (prop_oneof![Just(&b""[..]), Just(&b"$share/"[..]), Just(&b"$share/g/"[..])], body).prop_map(|(prefix, body)| {
        let mut v = prefix.to_vec();
        v.extend(body);
        v
    })
}

proptest! {
    #![proptest_config(config(2048))]

    /// Property 6: the string, topic name and topic filter validators (which every
    /// decoded string goes through) agree with a straightforward reading of the
    /// specification, at every alignment of the word-at-a-time scan.
    #[test]
    fn string_validation_matches_reference(bytes in string_bytes()) {
        let b = Bytes::from(bytes.clone());
        prop_assert_eq!(MqttStr::new(b.clone()).is_ok(), is_mqtt_str(&bytes));
        prop_assert_eq!(TopicName::new(b.clone()).is_ok(), is_topic_name(&bytes));
        prop_assert_eq!(TopicFilter::new(b).is_ok(), is_topic_filter(&bytes));
    }
}

/// Remaining lengths at each boundary of the variable byte integer (MQTT 2.2.3)
/// round-trip with a header of the right size.
#[test]
fn remaining_length_boundaries_round_trip() {
    for remaining in [4usize, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152] {
        for version in VERSIONS {
            // Topic length (2), topic "a" (1), property length in MQTT 5 (1), payload.
            let payload = Bytes::from(vec![0x5A; remaining - 3 - usize::from(version.is_v5())]);
            let packet = Packet::Publish(Publish::new(TopicName::try_from("a").unwrap(), payload));
            let codec = Codec::new(version);
            let wire = encode(codec, &packet).unwrap();
            let header = match remaining {
                0..=127 => 2,
                128..=16_383 => 3,
                16_384..=2_097_151 => 4,
                _ => 5,
            };
            assert_eq!(wire.len(), header + remaining, "{version} remaining length {remaining}");
            assert_eq!(codec.encoded_len(&packet), Ok(wire.len()));
            assert_eq!(codec.decode_slice(&wire[..wire.len() - 1]), Ok(None));
            let (borrowed, used) = codec.decode_slice(&wire).unwrap().unwrap();
            assert_eq!(used, wire.len());
            assert_eq!(encode(codec, &borrowed).unwrap(), wire);
            let mut buf = BytesMut::from(&wire[..]);
            assert_eq!(codec.decode(&mut buf), Ok(Some(packet.clone())));
        }
    }
}
