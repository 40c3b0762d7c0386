//! The checks behind the fuzz targets of mqtt-proto and mqtt-session.
//!
//! Each fuzz target in `fuzz_targets/` is one line that calls a function here,
//! so that the same checks run in two places:
//!
//! - under libFuzzer (`cargo +nightly fuzz run <target>`), which looks for
//!   inputs that make them panic;
//! - under plain `cargo test` on the stable toolchain, where
//!   `mqtt-proto/tests/fuzz_corpus.rs` includes this file as a module and
//!   replays every file of `fuzz/corpus/<target>/` and
//!   `fuzz/regressions/<target>/`.
//!
//! A check fails by panicking. The checks:
//!
//! - [`check_decode`]: any bytes, decoded as packets of one protocol version;
//! - [`check_connection`]: a client `Connection` driven by a script read from
//!   the bytes;
//! - [`check_session`]: operation sequences on mqtt-session's types against
//!   reference models.
//!
//! This file must compile both as the root of the `mqtt-fuzz` crate and as a
//! module of a test crate: it names `core`, `alloc` and `std` explicitly, and
//! its submodules are found next to it.

extern crate alloc;

pub mod alloc_count;
pub mod connection;
pub mod decode;
pub mod input;
pub mod session;

pub use connection::check_connection;
pub use decode::check_decode;
pub use session::check_session;

/// A check: panics when `data` shows a bug.
pub type Check = fn(data: &[u8]);

/// The name of each fuzz target, its corpus directory under `fuzz/corpus/`
/// and `fuzz/regressions/`, and the check it runs.
pub const TARGETS: [(&str, Check); 5] = [
    ("decode_v3_1", |data| check_decode(mqtt_proto::ProtocolVersion::V3_1, data)),
    ("decode_v3_1_1", |data| check_decode(mqtt_proto::ProtocolVersion::V3_1_1, data)),
    ("decode_v5", |data| check_decode(mqtt_proto::ProtocolVersion::V5, data)),
    ("connection", check_connection),
    ("session", check_session),
];
