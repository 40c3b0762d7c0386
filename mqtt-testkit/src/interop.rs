//! What the adapters' mosquitto interop tests share: the protocol versions the
//! scenarios run with, client options for them, and waiting with a limit.

use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

use mqtt_client_core::ClientOptions;
use mqtt_proto::{ConnectProperties, ProtocolVersion};

use crate::{Mosquitto, MosquittoBuilder};

/// How long any single expected event may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The protocol versions every scenario runs with.
pub const VERSIONS: [ProtocolVersion; 2] = [ProtocolVersion::V3_1_1, ProtocolVersion::V5];

/// A short name of `version` for client ids and topics.
#[must_use]
pub fn tag(version: ProtocolVersion) -> &'static str {
    match version {
        ProtocolVersion::V3_1 => "v31",
        ProtocolVersion::V3_1_1 => "v311",
        ProtocolVersion::V5 => "v5",
    }
}

/// Starts mosquitto or fails the test with its error.
#[track_caller]
#[must_use]
pub fn start(builder: MosquittoBuilder) -> Mosquitto {
    builder.start().unwrap_or_else(|e| panic!("start mosquitto: {e}"))
}

/// Options for a test client: `version`, keep alive 30 s, short reconnect
/// delays (50 ms to 500 ms), a connect timeout of [`TIMEOUT`].
#[must_use]
pub fn options(client_id: &str, version: ProtocolVersion) -> ClientOptions {
    ClientOptions::new(client_id)
        .protocol(version)
        .keepalive(30)
        .connect_timeout(TIMEOUT)
        .reconnect_delay(Duration::from_millis(50), Duration::from_millis(500))
}

/// [`options`] for a session the broker keeps while the client is away: clean
/// session off and, for MQTT 5, a session expiry interval of an hour (without
/// one, an MQTT 5 session ends with the network connection).
#[must_use]
pub fn persistent(client_id: &str, version: ProtocolVersion) -> ClientOptions {
    let options = options(client_id, version).clean_session(false);
    if version == ProtocolVersion::V5 {
        options.properties(ConnectProperties { session_expiry_interval: Some(3600), ..Default::default() })
    } else {
        options
    }
}

/// Receives from `rx` within [`TIMEOUT`] or fails the test saying what was
/// awaited.
#[track_caller]
pub fn recv<T>(rx: &Receiver<T>, what: &str) -> T {
    match rx.recv_timeout(TIMEOUT) {
        Ok(v) => v,
        Err(RecvTimeoutError::Timeout) => panic!("timed out after {TIMEOUT:?} waiting for {what}"),
        Err(RecvTimeoutError::Disconnected) => panic!("the sender went away while waiting for {what}"),
    }
}
