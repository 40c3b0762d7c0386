//! Helpers shared by the conformance tests: building field values, and checking a
//! packet against its bytes in both directions, whole and byte by byte.

// Each test crate uses its own subset of these helpers.
#![allow(dead_code)]

use bytes::{BufMut, Bytes, BytesMut};
use mqtt_proto::{Codec, DecodeError, EncodeError, MqttStr, Packet, PacketId, TopicFilter, TopicName, UserProperty};

/// A packet identifier; panics on 0, which no vector uses by accident.
pub(crate) fn pid(id: u16) -> PacketId {
    PacketId::new(id).expect("test packet identifiers are non-zero")
}

/// An MQTT string.
pub(crate) fn s(text: &str) -> MqttStr {
    MqttStr::try_from(text).expect("test strings are valid MQTT strings")
}

/// A topic name.
pub(crate) fn topic(name: &str) -> TopicName {
    TopicName::try_from(name).expect("test topic names are valid")
}

/// A topic filter.
pub(crate) fn filter(f: &str) -> TopicFilter {
    TopicFilter::try_from(f).expect("test topic filters are valid")
}

/// Binary data or a payload.
pub(crate) fn bin(data: &[u8]) -> Bytes {
    Bytes::copy_from_slice(data)
}

/// A User Property.
pub(crate) fn user(name: &str, value: &str) -> UserProperty {
    UserProperty { name: s(name), value: s(value) }
}

/// Concatenates wire fragments, so that a vector can be written one field per line.
pub(crate) fn cat(fields: &[&[u8]]) -> Vec<u8> {
    fields.concat()
}

/// Bytes already in the output buffer before a packet is encoded: encoding appends
/// after them and, on error, leaves them alone.
const PREFIX: &[u8] = b"\xA5\x5A\xA5";

/// Checks that encoding `packet` appends exactly `wire`, and that
/// [`Codec::encoded_len`] (and, for a PUBLISH, [`Codec::encode_publish`]) agrees.
#[track_caller]
pub(crate) fn assert_encodes(codec: Codec, packet: &Packet, wire: &[u8]) {
    let mut out = BytesMut::from(PREFIX);
    let written = codec.encode(packet, &mut out).unwrap_or_else(|e| panic!("encode {packet:?}: {e}"));
    assert_eq!(&out[..PREFIX.len()], PREFIX, "encode must append");
    if &out[PREFIX.len()..] != wire {
        assert_eq!(hex(&out[PREFIX.len()..]), hex(wire), "encoding of {packet:?}");
    }
    assert_eq!(written, wire.len(), "returned length");
    assert_eq!(codec.encoded_len(packet), Ok(wire.len()), "encoded_len");
    if let Packet::Publish(publish) = packet {
        let mut direct = Vec::new();
        assert_eq!(codec.encode_publish(publish, &mut direct), Ok(wire.len()), "encode_publish");
        assert_eq!(direct, wire, "encode_publish must write what encode writes");
    }
}

/// Checks that `wire` decodes to `packet`, both owned ([`Codec::decode`]) and
/// borrowed ([`Codec::decode_slice`]), taking exactly `wire.len()` bytes. A packet
/// that follows in the same buffer is left for the next call.
#[track_caller]
pub(crate) fn assert_decodes(codec: Codec, wire: &[u8], packet: &Packet) {
    let mut buf = BytesMut::from(wire);
    buf.extend_from_slice(&[0xD0, 0x00]); // a PINGRESP after it
    assert_eq!(codec.decode(&mut buf), Ok(Some(packet.clone())), "decode of {}", hex(wire));
    assert_eq!(&buf[..], &[0xD0, 0x00], "decode must take exactly the packet");

    let mut followed = wire.to_vec();
    followed.extend_from_slice(&[0xD0, 0x00]);
    let (borrowed, used) = match codec.decode_slice(&followed) {
        Ok(Some(found)) => found,
        other => panic!("decode_slice of {}: {other:?}", hex(wire)),
    };
    assert_eq!(used, wire.len(), "decode_slice must report the packet's length");
    // A borrowed packet holds `&[u8]` where the owned one holds `Bytes`; they are
    // the same packet when they encode to the same bytes.
    assert_eq!(reencode(codec, &borrowed), reencode(codec, packet), "decode_slice of {}", hex(wire));
}

/// Checks that feeding `wire` one byte at a time yields nothing, and consumes
/// nothing, until the last byte, and then exactly `packet`.
#[track_caller]
pub(crate) fn assert_streams(codec: Codec, wire: &[u8], packet: &Packet) {
    let mut buf = BytesMut::new();
    for (i, &byte) in wire.iter().enumerate() {
        buf.put_u8(byte);
        if i + 1 < wire.len() {
            assert_eq!(codec.decode(&mut buf), Ok(None), "after {} of {} bytes", i + 1, wire.len());
            assert_eq!(buf.len(), i + 1, "nothing may be consumed before the packet is complete");
            assert_eq!(codec.decode_slice(&wire[..=i]), Ok(None), "decode_slice of {} bytes", i + 1);
        }
    }
    assert_eq!(codec.decode(&mut buf), Ok(Some(packet.clone())));
    assert!(buf.is_empty());
}

/// A vector that holds in both directions: `packet` encodes to `wire`, and `wire`
/// decodes to `packet`, whole or byte by byte.
#[track_caller]
pub(crate) fn assert_vector(codec: Codec, packet: &Packet, wire: &[u8]) {
    assert_encodes(codec, packet, wire);
    assert_decodes(codec, wire, packet);
    assert_streams(codec, wire, packet);
}

/// Checks that `wire` is rejected with `error` by both [`Codec::decode`] and
/// [`Codec::decode_slice`].
#[track_caller]
pub(crate) fn assert_decode_error(codec: Codec, wire: &[u8], error: DecodeError) {
    let mut buf = BytesMut::from(wire);
    assert_eq!(codec.decode(&mut buf), Err(error), "decode of {}", hex(wire));
    assert_eq!(codec.decode_slice(wire).map(|found| found.map(|(_, used)| used)), Err(error), "decode_slice");
}

/// Encodes `packet`, which must fail, and returns the error after checking that
/// neither a `BytesMut` nor a `Vec` output buffer was touched and that
/// [`Codec::encoded_len`] (and, for a PUBLISH, [`Codec::encode_publish`]) fails
/// the same way. `encoded_len` cannot see the buffer, so it never reports
/// [`EncodeError::BufferTooSmall`].
#[track_caller]
pub(crate) fn encode_error(codec: Codec, packet: &Packet) -> EncodeError {
    let mut out = BytesMut::from(PREFIX);
    let error = match codec.encode(packet, &mut out) {
        Err(e) => e,
        Ok(n) => panic!("encoding {packet:?} must fail, but wrote {n} bytes"),
    };
    assert_eq!(&out[..], PREFIX, "a failed encode must leave the buffer unchanged");

    let mut vec = PREFIX.to_vec();
    assert_eq!(codec.encode(packet, &mut vec), Err(error));
    assert_eq!(vec, PREFIX, "a failed encode must leave the buffer unchanged");

    assert_eq!(codec.encoded_len(packet), Err(error), "encoded_len");
    if let Packet::Publish(publish) = packet {
        let mut out = BytesMut::from(PREFIX);
        assert_eq!(codec.encode_publish(publish, &mut out), Err(error), "encode_publish");
        assert_eq!(&out[..], PREFIX, "a failed encode_publish must leave the buffer unchanged");
    }
    error
}

/// The bytes `packet` encodes to.
#[track_caller]
pub(crate) fn reencode<B: mqtt_proto::Buffer>(codec: Codec, packet: &Packet<B>) -> Vec<u8> {
    let mut out = Vec::new();
    codec.encode(packet, &mut out).unwrap_or_else(|e| panic!("re-encode {packet:?}: {e}"));
    out
}

/// Bytes as spaced hex, so a mismatch shows where it starts.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(" ")
}
