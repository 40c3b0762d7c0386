//! The seed corpus: writes it, or checks that the committed one is complete.
//!
//! ```sh
//! cd fuzz
//! MQTT_FUZZ_WRITE_SEEDS=1 cargo test --test seed_corpus   # (re)write the seeds
//! cargo test --test seed_corpus                           # check they are all there
//! ```
//!
//! The decoder seeds are mqtt-proto's specification byte vectors: the vector
//! tests (`vectors_v3_1.rs`, `vectors_v3_1_1.rs`, `vectors_v5.rs`) and the
//! malformed-packet tests (`decode_errors.rs`) run here, unchanged (see
//! `build.rs`), with a `common` module whose helpers record each vector's bytes
//! before they run the real check. A vector checked with a codec of version V
//! becomes a file of `corpus/decode_vV/` (vectors over 4 KiB are left out). Each vector a broker could send also
//! becomes a connection seed: a script that connects (with a valid CONNACK
//! unless the vector is one) and delivers the vector's bytes.
//!
//! The connection and session seeds also hold hand-written scenarios, below.
//!
//! A file's name is a hash of its contents, so writing is idempotent and the
//! check knows each file's name.

#![allow(dead_code, unused_imports, missing_docs, clippy::all)]

use std::path::{Path, PathBuf};

use mqtt_fuzz::connection::{Script, broker, flags, op, resume};
use mqtt_proto::{Codec, ProtocolVersion};

/// Where the seeds of `target` go.
fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus").join(target)
}

/// FNV-1a, 64 bits: a stable name for a file's contents.
fn name(data: &[u8]) -> String {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    for &b in data {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01B3);
    }
    format!("seed-{h:016x}")
}

/// Writes `data` as a seed of `target` (with MQTT_FUZZ_WRITE_SEEDS set), or
/// checks that it is there.
fn seed(target: &str, data: &[u8]) {
    let dir = corpus_dir(target);
    let path = dir.join(name(data));
    if std::env::var_os("MQTT_FUZZ_WRITE_SEEDS").is_some() {
        std::fs::create_dir_all(&dir).expect("create the corpus directory");
        std::fs::write(&path, data).expect("write a seed");
    } else {
        let found = std::fs::read(&path).ok();
        assert!(
            found.as_deref() == Some(data),
            "seed {} is missing or differs: run `MQTT_FUZZ_WRITE_SEEDS=1 cargo test --test seed_corpus` in fuzz/",
            path.display()
        );
    }
}

fn target_of(version: ProtocolVersion) -> &'static str {
    match version {
        ProtocolVersion::V3_1 => "decode_v3_1",
        ProtocolVersion::V3_1_1 => "decode_v3_1_1",
        _ => "decode_v5",
    }
}

/// The largest seed: libFuzzer's default maximum input length. Larger vectors
/// (payloads that take the longest remaining lengths) would slow every
/// mutation and add no branch the decoder does not take on their first bytes.
const MAX_SEED: usize = 4096;

/// Records a specification vector: a decoder seed, and a connection seed when
/// a broker could send it.
fn record(codec: Codec, wire: &[u8]) {
    if wire.len() > MAX_SEED {
        return;
    }
    let version = codec.version();
    seed(target_of(version), wire);
    // CONNACK, PUBLISH, the acknowledgements, SUBACK, UNSUBACK, PINGRESP,
    // DISCONNECT, AUTH.
    let kind = wire.first().map_or(0, |b| b >> 4);
    if matches!(kind, 2..=7 | 9 | 11 | 13..=15) {
        let script = if kind == 2 {
            Script::new(version, 0)
        } else if version.is_v5() {
            Script::new(version, flags::PREAMBLE).push(&[0])
        } else {
            Script::new(version, flags::PREAMBLE)
        };
        seed("connection", &script.raw(wire).into_bytes());
    }
}

/// The real helpers of mqtt-proto's tests.
mod real {
    include!(concat!(env!("OUT_DIR"), "/spec/common.rs"));
}

/// The helpers the vector tests call: each records the bytes, then runs the
/// real check.
mod common {
    pub(crate) use super::real::{bin, cat, encode_error, filter, hex, pid, reencode, s, topic, user};
    use mqtt_proto::{Codec, DecodeError, Packet};

    pub(crate) fn assert_vector(codec: Codec, packet: &Packet, wire: &[u8]) {
        super::record(codec, wire);
        super::real::assert_vector(codec, packet, wire);
    }

    pub(crate) fn assert_encodes(codec: Codec, packet: &Packet, wire: &[u8]) {
        super::record(codec, wire);
        super::real::assert_encodes(codec, packet, wire);
    }

    pub(crate) fn assert_decodes(codec: Codec, wire: &[u8], packet: &Packet) {
        super::record(codec, wire);
        super::real::assert_decodes(codec, wire, packet);
    }

    pub(crate) fn assert_streams(codec: Codec, wire: &[u8], packet: &Packet) {
        super::record(codec, wire);
        super::real::assert_streams(codec, wire, packet);
    }

    pub(crate) fn assert_decode_error(codec: Codec, wire: &[u8], error: DecodeError) {
        super::record(codec, wire);
        super::real::assert_decode_error(codec, wire, error);
    }
}

mod vectors_v3_1 {
    include!(concat!(env!("OUT_DIR"), "/spec/vectors_v3_1.rs"));
}

mod vectors_v3_1_1 {
    include!(concat!(env!("OUT_DIR"), "/spec/vectors_v3_1_1.rs"));
}

mod vectors_v5 {
    include!(concat!(env!("OUT_DIR"), "/spec/vectors_v5.rs"));
}

mod decode_errors {
    include!(concat!(env!("OUT_DIR"), "/spec/decode_errors.rs"));
}

// ---------------------------------------------------------------- dense lists

/// Appends `v` as a variable byte integer.
fn varint(mut v: usize, out: &mut Vec<u8>) {
    loop {
        let byte = (v & 0x7F) as u8;
        v >>= 7;
        out.push(if v > 0 { byte | 0x80 } else { byte });
        if v == 0 {
            return;
        }
    }
}

/// A packet: first byte, remaining length, body.
fn packet(first: u8, body: &[u8]) -> Vec<u8> {
    let mut wire = vec![first];
    varint(body.len(), &mut wire);
    wire.extend_from_slice(body);
    wire
}

/// The decoder's worst cases for the allocation bound (`ALLOC_PER_BYTE` in
/// `src/decode.rs`): lists of the smallest elements on the wire, one more than
/// a power of two long, where a growing `Vec` holds the most per input byte.
/// The decode targets must accept them within the bound.
#[test]
fn dense_list_seeds() {
    for n in [5, 17, 513] {
        // MQTT 5 DISCONNECT with n empty User Properties (5 bytes each).
        let mut props = Vec::new();
        for _ in 0..n {
            props.extend_from_slice(&[0x26, 0, 0, 0, 0]);
        }
        let mut body = vec![0x00];
        varint(props.len(), &mut body);
        body.extend_from_slice(&props);
        let wire = packet(0xE0, &body);
        mqtt_fuzz::check_decode(V5, &wire);
        seed("decode_v5", &wire);

        // UNSUBSCRIBE with n one-byte filters (3 bytes each), and SUBSCRIBE
        // with n one-byte filters and options (4 bytes each).
        for version in [V3_1, V3_1_1, V5] {
            let head: &[u8] = if version.is_v5() { &[0, 1, 0] } else { &[0, 1] };
            let mut unsubscribe = head.to_vec();
            let mut subscribe = head.to_vec();
            for _ in 0..n {
                unsubscribe.extend_from_slice(b"\x00\x01a");
                subscribe.extend_from_slice(b"\x00\x01a\x01");
            }
            for wire in [packet(0xA2, &unsubscribe), packet(0x82, &subscribe)] {
                mqtt_fuzz::check_decode(version, &wire);
                seed(target_of(version), &wire);
            }
        }
    }
}

// ---------------------------------------------------------------- scenarios

use ProtocolVersion::{V3_1, V3_1_1, V5};

/// Handles for the scenario scripts below: each names what its bytes mean.
const QOS0: u8 = 0;
const QOS1: u8 = 1;
const QOS2: u8 = 2;
/// The cut byte of `Script::broker`'s packets and the pick byte of acks: the
/// first id in use.
const FIRST: u8 = 0;
/// A time step to the next deadline.
const DEADLINE: u8 = 0x80;

/// Connection scenarios: each a short story through the protocol.
#[test]
fn connection_scenarios() {
    let scenarios = [
        // 3.1.1: QoS 1 and 2 both ways, subscribe and unsubscribe, keep alive,
        // disconnect.
        Script::new(V3_1_1, flags::PREAMBLE | flags::CLEAN_START)
            .op(op::PUBLISH, &[QOS1, 4])
            .broker(broker::PUBACK, &[FIRST])
            .op(op::PUBLISH, &[QOS2 | 8, 40])
            .broker(broker::PUBREC, &[FIRST])
            .broker(broker::PUBCOMP, &[FIRST])
            .op(op::SUBSCRIBE, &[1, 1, 3 | (1 << 3)])
            .broker(broker::SUBACK, &[FIRST, 0, 0, 1])
            .broker(broker::PUBLISH, &[QOS1, 0, 5])
            .broker(broker::PUBLISH, &[QOS2, 1, 5])
            .broker(broker::PUBREL, &[1])
            .op(op::TIMEOUT, &[DEADLINE])
            .broker(broker::PINGRESP, &[])
            .op(op::TIMEOUT, &[DEADLINE])
            .op(op::UNSUBSCRIBE, &[0, 2])
            .broker(broker::UNSUBACK, &[FIRST, 0])
            .op(op::DISCONNECT, &[0]),
        // 3.1: the same without Session Present.
        Script::new(V3_1, flags::PREAMBLE | flags::CLEAN_START)
            .op(op::PUBLISH, &[QOS2, 4])
            .broker(broker::PUBREC, &[FIRST])
            .broker(broker::PUBCOMP, &[FIRST])
            .op(op::SUBSCRIBE, &[0, 1])
            .broker(broker::SUBACK, &[FIRST, 0, 2])
            .op(op::EOF, &[]),
        // 3.1.1, session kept: messages in flight when the network fails are
        // resent with DUP after the broker resumes the session.
        Script::new(V3_1_1, flags::PREAMBLE)
            .op(op::PUBLISH, &[QOS1, 1])
            .op(op::PUBLISH, &[QOS2, 1])
            .op(op::PUBLISH, &[QOS1 | 16, 1])
            .broker(broker::PUBREC, &[1])
            .op(op::EOF, &[])
            .op(op::RESUME, &[resume::CONNACK | resume::SESSION_PRESENT])
            .broker(broker::PUBACK, &[FIRST])
            .broker(broker::PUBCOMP, &[FIRST])
            .broker(broker::PUBACK, &[FIRST])
            .op(op::RESUME, &[resume::CONNACK]),
        // 5.0: the broker's limits: Maximum Packet Size 48, Topic Alias Maximum
        // 3, Receive Maximum 1; outgoing aliases; a publish too large.
        Script::new(V5, flags::PREAMBLE | flags::CLEAN_START | flags::ALIAS_OUT)
            .push(&[0x01 | 0x02 | 0x04, 20, 0, 3])
            .op(op::PUBLISH, &[QOS1 | 8, 2])
            .op(op::PUBLISH, &[QOS1 | 8, 2])
            .op(op::PUBLISH, &[QOS0 | 8, 200])
            .broker(broker::PUBACK, &[FIRST, 0])
            .broker(broker::PUBACK, &[FIRST, 2])
            .broker(broker::PUBLISH, &[QOS1 | 0x10, 0, 0, 3])
            .broker(broker::PUBLISH, &[QOS0 | 0x10 | 0x20, 0, 0, 3])
            .broker(broker::DISCONNECT, &[1]),
        // 5.0: enhanced authentication, then re-authentication.
        Script::new(V5, flags::AUTH | flags::CLEAN_START)
            .broker(broker::AUTH, &[0 | (1 << 3)])
            .broker(broker::CONNACK, &[0, 0])
            .op(op::REAUTH, &[])
            .broker(broker::AUTH, &[0 | (1 << 3)])
            .broker(broker::AUTH, &[1])
            .op(op::DISCONNECT, &[1]),
        // 5.0: manual acknowledgements, in order; a Receive Maximum of 2.
        Script::new(V5, flags::PREAMBLE | flags::CLEAN_START | flags::MANUAL_ACKS)
            .push(&[0])
            .broker(broker::PUBLISH, &[QOS1, 0, 1])
            .broker(broker::PUBLISH, &[QOS2, 1, 1])
            .op(op::ACK, &[1])
            .op(op::ACK, &[0])
            .broker(broker::PUBREL, &[1, 0])
            .broker(broker::PUBLISH, &[QOS1, 2, 1])
            .broker(broker::PUBLISH, &[QOS1, 3, 1])
            .broker(broker::PUBLISH, &[QOS1, 4, 1]),
        // 5.0: no CONNACK within the connect timeout.
        Script::new(V5, flags::CLEAN_START).op(op::TIMEOUT, &[DEADLINE]).op(op::PUBLISH, &[QOS1, 1]),
        // 3.1.1: no PINGRESP within the ping timeout; then a new session.
        Script::new(V3_1_1, flags::PREAMBLE | flags::CLEAN_START)
            .op(op::TIMEOUT, &[DEADLINE])
            .op(op::TIMEOUT, &[DEADLINE])
            .op(op::TIMEOUT, &[DEADLINE])
            .op(op::RESUME, &[resume::FRESH | resume::CONNACK]),
        // 5.0: a refused connection; a CONNACK cut in two.
        Script::new(V5, flags::CLEAN_START).broker(broker::CONNACK, &[0x06 | (1 << 3), 0]),
        Script::new(V3_1_1, flags::CLEAN_START).op(op::PACKET, &[broker::CONNACK, 0, 4 * 2]).op(op::FLUSH, &[]),
    ];
    for script in scenarios {
        let bytes = script.into_bytes();
        mqtt_fuzz::check_connection(&bytes);
        seed("connection", &bytes);
    }
}

/// Session scenarios: the first byte picks `Window` (0), `Outgoing` (1) or
/// `IncomingQos2` (2); see `mqtt_fuzz::session`.
#[test]
fn session_scenarios() {
    let mut scenarios: Vec<Vec<u8>> = vec![
        // Window: fill, remove from the middle, refill, cap, clear.
        vec![0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 9, 3, 13, 0, 0, 6, 0, 3, 0, 6, 2, 0, 2, 5, 0],
        // Window: ids chosen by the caller, and the cursor at the wrap.
        vec![0, 2, 7, 2, 0xE0, 6, 1, 0x5F, 0, 0, 0, 7, 1, 7, 0],
        // Outgoing: QoS 1 and 2 exchanges, acks in any order, restore.
        vec![1, 0, 1, 0, 2, 3, 0, 4, 1, 5, 5, 7, 5, 8, 9, 10, 40, 1, 11, 41, 13, 0, 2],
        // Outgoing: the window cap, cancel, wrong acks.
        vec![1, 13, 0, 1, 0, 1, 0, 2, 4, 6, 6, 5, 9, 1, 12, 1, 7, 2, 13, 2],
        // IncomingQos2: receive, retransmission, release.
        vec![2, 0, 7, 0, 7, 5, 7, 5, 7, 0, 0xFF, 8, 0],
    ];
    // A few longer pseudo-random sequences per type.
    let mut state = 0x2545_F491_4F6C_DD1D_u64;
    for kind in 0..3u8 {
        for _ in 0..3 {
            let mut bytes = vec![kind];
            for _ in 0..96 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                bytes.push(state.to_le_bytes()[0]);
            }
            scenarios.push(bytes);
        }
    }
    for bytes in scenarios {
        mqtt_fuzz::check_session(&bytes);
        seed("session", &bytes);
    }
}
