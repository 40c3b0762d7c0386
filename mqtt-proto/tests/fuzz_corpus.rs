//! Replays the fuzz corpus under plain `cargo test`, on the stable toolchain:
//! every file of `fuzz/corpus/<target>/` (the seed corpus) and
//! `fuzz/regressions/<target>/` (inputs that once failed) goes through the
//! check its fuzz target runs, so a regression is caught without nightly or
//! libFuzzer.
//!
//! The checks live in `fuzz/src/lib.rs`, included here as a module; see
//! FUZZING.md. That module also installs its counting global allocator in this
//! test binary, which measures only the thread that asks.

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;
use std::path::{Path, PathBuf};

// `pub` items of the fuzz crate are private to this test; some serve only the
// fuzz targets.
#[allow(unreachable_pub, dead_code)]
#[path = "../../fuzz/src/lib.rs"]
mod checks;

/// The fuzz directory of the repository.
fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// The files of `dir`, sorted; none when it does not exist.
fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> =
        entries.map(|entry| entry.expect("a readable directory entry").path()).filter(|path| path.is_file()).collect();
    files.sort();
    files
}

/// Runs `target`'s check on every file of its corpus and regressions, and
/// returns how many there were.
fn replay(target: &str) -> usize {
    let (_, check) =
        checks::TARGETS.iter().find(|(name, _)| *name == target).unwrap_or_else(|| panic!("no fuzz target {target}"));
    let corpus = files(&fuzz_dir().join("corpus").join(target));
    assert!(!corpus.is_empty(), "fuzz/corpus/{target}/ holds the seed corpus");
    let regressions = files(&fuzz_dir().join("regressions").join(target));
    for path in corpus.iter().chain(&regressions) {
        let data = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        // Shown when the check panics: the input to reproduce with.
        eprintln!("{target}: {}", path.display());
        check(&data);
    }
    corpus.len() + regressions.len()
}

#[test]
fn decode_v3_1_corpus() {
    replay("decode_v3_1");
}

#[test]
fn decode_v3_1_1_corpus() {
    replay("decode_v3_1_1");
}

#[test]
fn decode_v5_corpus() {
    replay("decode_v5");
}

#[test]
fn connection_corpus() {
    replay("connection");
}

#[test]
fn session_corpus() {
    replay("session");
}

/// Every directory under corpus/ and regressions/ is a target replayed here,
/// so that a new target's inputs are not silently skipped.
#[test]
fn every_corpus_directory_is_a_known_target() {
    for kind in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(fuzz_dir().join(kind)) else { continue };
        for entry in entries {
            let entry = entry.expect("a readable directory entry");
            if !entry.path().is_dir() {
                continue;
            }
            let name: String = entry.file_name().to_string_lossy().into_owned();
            assert!(checks::TARGETS.iter().any(|(target, _)| *target == name), "fuzz/{kind}/{name}/ is not a target");
        }
    }
}

/// Issue: "decoding never allocates more than the input it was given". Packets
/// packed with the smallest list elements the wire allows (a User Property of
/// two empty strings is 5 bytes, a Subscription Identifier 2, a one-byte filter
/// 3 or 4) decode within the input's size plus `ALLOC_BASE`, owned and borrowed
/// (`check_decode` measures both), and their lists read back whole.
#[test]
fn dense_lists_decode_within_the_input_size() {
    use bytes::Bytes;
    use mqtt_proto::{
        Codec, List, MqttStr, Packet, ProtocolVersion, Publish, QoS, Subscribe, Subscription, TopicFilter, TopicName,
        Unsubscribe, UserProperty,
    };

    const N: usize = 10_000;
    let empty = MqttStr::try_from("").expect("empty string");
    let users: List<UserProperty> =
        (0..N).map(|_| UserProperty { name: empty.clone(), value: empty.clone() }).collect();
    let filter = TopicFilter::try_from("a").expect("filter");
    let id = mqtt_proto::PacketId::new(1).expect("id");

    let mut publish = Publish::new(TopicName::try_from("t").expect("topic"), Bytes::new());
    let props = publish.properties_mut();
    props.user_properties = users.clone();
    props.subscription_identifiers = (0..N).map(|_| core::num::NonZeroU32::MIN).collect();
    let mut subscribe = Subscribe {
        packet_id: id,
        subscriptions: (0..N).map(|_| Subscription::from((filter.clone(), QoS::AtLeastOnce))).collect(),
        properties: Default::default(),
    };
    subscribe.properties.user_properties = users.clone();
    let unsubscribe = Unsubscribe {
        packet_id: id,
        filters: (0..N).map(|_| filter.clone()).collect(),
        properties: Default::default(),
    };

    let codec = Codec::new(ProtocolVersion::V5);
    for packet in [Packet::Publish(publish), Packet::Subscribe(subscribe), Packet::Unsubscribe(unsubscribe)] {
        let mut wire = Vec::new();
        codec.encode(&packet, &mut wire).expect("encodes");
        checks::check_decode(ProtocolVersion::V5, &wire);
        let (decoded, _) = codec.decode_slice(&wire).expect("decodes").expect("whole");
        let lens = match &decoded {
            Packet::Publish(p) => {
                let props = p.properties().expect("properties");
                [props.user_properties.iter().count(), props.subscription_identifiers.iter().count()]
            }
            Packet::Subscribe(s) => [s.properties.user_properties.iter().count(), s.subscriptions.iter().count()],
            Packet::Unsubscribe(u) => [N, u.filters.iter().count()],
            other => panic!("decoded {other:?}"),
        };
        assert_eq!(lens, [N, N], "every element reads back from {:?}", packet.packet_type());
    }
}
