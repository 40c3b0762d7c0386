//! Model-based tests: random sequences of operations run against the crate's
//! types and against small reference models written the obvious way (a `Vec`
//! in insertion order, a `BTreeSet`), and every return value and observable
//! state is compared after every step.
//!
//! The models and the operations live once, in the fuzz crate's session check
//! (`fuzz/src/session.rs`, included here): there the bytes come from libFuzzer,
//! here from proptest, which shrinks a failing sequence to a short one. The
//! check's documentation states the rules the models encode (the allocation
//! rule, MQTT-2.2.1-3 for new ids, MQTT-4.3.3-10 and -12 for incoming QoS 2).

extern crate alloc;

use proptest::prelude::*;

#[allow(dead_code, unreachable_pub)]
#[path = "../../fuzz/src/input.rs"]
mod input;

#[allow(dead_code, unreachable_pub)]
#[path = "../../fuzz/src/session.rs"]
mod session;

/// The first byte of a session script picks the type under test.
const WINDOW: u8 = 0;
const OUTGOING: u8 = 1;
const INCOMING_QOS2: u8 = 2;

/// A script for the type `which`: `ops` bytes, each byte starting an operation
/// whose arguments are the bytes after it.
fn script(which: u8, ops: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 1..ops).prop_map(move |rest| {
        let mut data = vec![which];
        data.extend(rest);
        data
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// `Window` against a `Vec` in insertion order.
    #[test]
    fn window_matches_model(data in script(WINDOW, 600)) {
        session::check_session(&data);
    }

    /// `Outgoing` against a `Vec` of exchanges in start order.
    #[test]
    fn outgoing_matches_model(data in script(OUTGOING, 600)) {
        session::check_session(&data);
    }

    /// `IncomingQos2` against a `BTreeSet`: a PUBLISH is delivered only when its
    /// id is not held (MQTT-4.3.3-10), and again after PUBREL (MQTT-4.3.3-12).
    #[test]
    fn incoming_qos2_matches_model(data in script(INCOMING_QOS2, 600)) {
        session::check_session(&data);
    }
}

/// A long run of inserts and removals drives the allocation cursor around the
/// id space three times: ids stay unique, in order, and as the model says.
#[test]
fn window_cycles_the_id_space() {
    // Insert, insert, remove the oldest (pick byte 0x01: index 0), remove the
    // second oldest (0x05: index 1): two new ids per round.
    const ROUND: [u8; 6] = [0, 0, 3, 0x01, 3, 0x05];
    let rounds = 3 * 0x1_0000 / 2;
    let mut data = vec![WINDOW];
    for _ in 0..rounds {
        data.extend_from_slice(&ROUND);
    }
    session::check_session(&data);
}
