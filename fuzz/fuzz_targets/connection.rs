//! Drives a client `Connection` with a sequence of inputs read from the fuzzer's
//! bytes (broker bytes cut anywhere, timeouts, commands, reconnects) and checks
//! its invariants; see `mqtt_fuzz::connection`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| mqtt_fuzz::check_connection(data));
