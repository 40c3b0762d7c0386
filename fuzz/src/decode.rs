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
//! - its heap use is bounded by the bytes it was given plus a small constant (see [`ALLOC_BASE`]);
//! - a packet that decodes re-encodes, and its encoding decodes, both ways, to
//!   an equal packet (and re-encodes to the same bytes);
//! - one byte short of a packet, the decoder asks for more bytes.

use alloc::vec::Vec;

use bytes::BytesMut;
use mqtt_proto::{Buffer, Codec, Packet, ProtocolVersion};

use super::alloc_count::{Usage, measure};

/// Bytes a decode call may allocate beyond the bytes it was given, in total
/// (every allocation and reallocation added up, so its peak too).
///
/// Decoding is zero-copy: strings and payloads are slices of the input, and a
/// packet's lists (User Properties, Subscription Identifiers, the filters of
/// SUBSCRIBE and UNSUBSCRIBE) are views of its bytes with a count. What grows
/// with the input is only the reason codes of SUBACK and UNSUBACK, one byte each
/// and allocated once. What does not: the boxed CONNECT, CONNACK or PUBLISH
/// properties (a few hundred bytes), and `bytes`' shared header when the receive
/// buffer is first split. So a call given `n` bytes allocates at most
/// `n + ALLOC_BASE`.
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
    assert!(
        usage.peak <= usage.total && usage.total <= len.saturating_add(ALLOC_BASE),
        "{what} of {len} bytes allocated {usage:?}, over {len} + {ALLOC_BASE} bytes",
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
