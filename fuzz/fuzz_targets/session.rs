//! Runs operation sequences read from the fuzzer's bytes on mqtt-session's
//! `Window`, `Outgoing` and `IncomingQos2` against reference models; see
//! `mqtt_fuzz::session`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| mqtt_fuzz::check_session(data));
