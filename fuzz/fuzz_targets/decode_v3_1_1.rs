//! Decodes any bytes as MQTT V3_1_1 packets: no panic, bounded allocation, and
//! every packet that decodes re-encodes to bytes that decode to it again.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mqtt_proto::ProtocolVersion;

fuzz_target!(|data: &[u8]| mqtt_fuzz::check_decode(ProtocolVersion::V3_1_1, data));
