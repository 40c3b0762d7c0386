//! The decoder check: any bytes, one protocol version.
//!
//! The bytes are a stream from a peer. Packets are decoded from it one after
//! the other, owned ([`Codec::decode`] on a `BytesMut`) and borrowed
//! ([`Codec::decode_slice`]), until the stream needs more bytes or an error
//! ends it. For every call:
//!
//! - it does not panic;
//! - both ways agree: the same packet (they encode to the same bytes) and the
//!   same length, or the same error, or both need more bytes; `decode`
//!   consumes nothing when it needs more bytes;
//! - its heap use is bounded by the bytes it was given (see [`ALLOC_PER_BYTE`]);
//! - a packet that decodes re-encodes, and its encoding decodes, both ways, to
//!   an equal packet (and re-encodes to the same bytes);
//! - one byte short of a packet, the decoder asks for more bytes.

use alloc::vec::Vec;

use bytes::BytesMut;
use mqtt_proto::{Buffer, Codec, Packet, ProtocolVersion};

use super::alloc_count::{Usage, measure};

/// Bytes the decoder may allocate per byte of input, at most: its peak of live
/// bytes, and its total (every allocation and reallocation added up).
///
/// Decoding is zero-copy: strings and payloads are slices of the input. What
/// it allocates grows with the input only through the lists of a packet,
/// whose elements are larger than their wire form. The densest, for
/// `Packet<Bytes>` (the `&[u8]` forms are half the size):
///
/// | list | element | bytes | smallest on the wire |
/// |------|---------|-------|----------------------|
/// | User Properties (MQTT 5) | `UserProperty` | 64 | 5: id, two empty strings |
/// | UNSUBSCRIBE filters | `TopicFilter` | 32 | 3: a one-byte filter |
/// | SUBSCRIBE subscriptions | `Subscription` | 40 | 4: a one-byte filter, options |
/// | Subscription Identifiers | `NonZeroU32` | 4 | 2: id, one-byte integer |
/// | SUBACK / UNSUBACK reason codes | `ReasonCode` | 1 | 1 (allocated once, exactly) |
///
/// User Properties are the worst: 64 / 5 = 12.8 bytes per input byte in the
/// final list. A `Vec` grows by doubling, so its capacity is under twice its
/// length (after the first four elements), and while it grows the old and the
/// new block are alive together: peak under 1.5 × 2 × 12.8 = 38.4 bytes per
/// input byte; total under 4 × 12.8 = 51.2 (capacities 4, 8, ... add up to
/// less than twice the last).
pub const ALLOC_PER_BYTE: Usage = Usage { total: 52, peak: 40 };

/// Bytes the decoder may allocate whatever the input: the boxed CONNECT (432
/// bytes), CONNACK (256) or PUBLISH properties (160); `bytes`' shared header
/// when the receive buffer is first split; and the first four elements of a
/// list, which the per-byte bound does not cover when the list holds one
/// (a CONNECT has two lists of User Properties).
pub const ALLOC_BASE: usize = 1024;

/// Decodes `data` as a stream of `version` packets and checks what the module
/// documentation lists. Panics on a violation.
pub fn check_decode(version: ProtocolVersion, data: &[u8]) {
    let codec = Codec::new(version);
    let mut buf = BytesMut::from(data);
    let mut at = 0;
    loop {
        let rest = &data[at..];
        let (owned, usage) = measure(|| codec.decode(&mut buf));
        check_usage("decode", usage, rest.len());
        let (borrowed, usage) = measure(|| codec.decode_slice(rest));
        check_usage("decode_slice", usage, rest.len());
        match (owned, borrowed) {
            (Ok(Some(packet)), Ok(Some((slice_packet, used)))) => {
                assert_eq!(rest.len() - buf.len(), used, "decode and decode_slice take the same bytes");
                let wire = encode(codec, &packet);
                assert_eq!(encode(codec, &slice_packet), wire, "decode and decode_slice give the same packet");
                check_round_trip(codec, &packet, &wire);
                assert_eq!(codec.decode_slice(&rest[..used - 1]), Ok(None), "a packet one byte short needs more");
                at += used;
            }
            (Ok(None), Ok(None)) => {
                assert_eq!(buf.len(), rest.len(), "decode consumes nothing while it needs more bytes");
                return;
            }
            (Err(e), Err(slice_e)) => {
                assert_eq!(e, slice_e, "decode and decode_slice fail alike");
                return;
            }
            (owned, borrowed) => panic!("decode gave {owned:?}, decode_slice gave {borrowed:?}"),
        }
    }
}

/// Checks a measurement against the bound for an input of `len` bytes.
fn check_usage(what: &str, usage: Usage, len: usize) {
    let bound = |per_byte: usize| len.saturating_mul(per_byte).saturating_add(ALLOC_BASE);
    assert!(
        usage.peak <= bound(ALLOC_PER_BYTE.peak) && usage.total <= bound(ALLOC_PER_BYTE.total),
        "{what} of {len} bytes allocated {usage:?}, over {} + {ALLOC_BASE} bytes",
        len * ALLOC_PER_BYTE.peak,
    );
}

/// The bytes `packet` encodes to; a packet that decoded must encode.
fn encode<B: Buffer>(codec: Codec, packet: &Packet<B>) -> Vec<u8> {
    let mut wire = Vec::new();
    match codec.encode(packet, &mut wire) {
        Ok(n) => assert_eq!(n, wire.len(), "encode returns the length it wrote"),
        Err(e) => panic!("a decoded packet does not re-encode: {e}: {packet:?}"),
    }
    assert_eq!(codec.encoded_len(packet), Ok(wire.len()), "encoded_len agrees with encode");
    wire
}

/// Checks that `wire`, the encoding of the decoded `packet`, decodes to an
/// equal packet both ways.
fn check_round_trip(codec: Codec, packet: &Packet, wire: &[u8]) {
    let mut buf = BytesMut::from(wire);
    match codec.decode(&mut buf) {
        Ok(Some(again)) => assert_eq!(&again, packet, "re-encoded packet decodes to an equal packet"),
        other => panic!("re-encoded packet does not decode: {other:?}; {packet:?}"),
    }
    assert!(buf.is_empty(), "re-encoded packet decodes whole");
    match codec.decode_slice(wire) {
        Ok(Some((again, used))) => {
            assert_eq!(used, wire.len(), "re-encoded packet decodes whole (decode_slice)");
            assert_eq!(encode(codec, &again), wire, "re-encoded packet is stable (decode_slice)");
        }
        other => panic!("re-encoded packet does not decode (decode_slice): {other:?}"),
    }
}
