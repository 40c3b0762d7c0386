//! Test-only helpers for the adapter crates: a real broker, a scripted broker and
//! TLS certificates. Not published.
//!
//! - [`Mosquitto`] starts a real `mosquitto` on ephemeral 127.0.0.1 ports with a
//!   generated configuration in a temporary directory: plain TCP always, and on
//!   request TLS (optionally mutual), WebSocket, secure WebSocket, persistence,
//!   limits and a password file. [`Mosquitto::available`] says whether the
//!   binary is installed; tests that need it are `#[ignore = "needs mosquitto"]`.
//! - [`ScriptedBroker`] is an MQTT server on 127.0.0.1 that the test drives
//!   packet by packet (or byte by byte) for fault and wire-level tests.
//! - [`CutProxy`] forwards TCP connections and cuts them on request, so that a
//!   broker sees a network failure rather than a DISCONNECT.
//! - [`certs::TestPki`] generates a CA, a server certificate for `127.0.0.1` and
//!   `localhost`, and a client certificate for mutual TLS.
//! - [`oneshot`] holds the broker's side of both adapters' one-shot helper
//!   tests, [`interop`] the shared bits of their mosquitto interop tests, and
//!   [`mod@bench`] the harness of their throughput benches.
//!
//! Everything listens on 127.0.0.1 only.
//!
//! # Threads and processes
//!
//! A [`ScriptedBroker`] runs one thread, `scripted-broker-accept`, that accepts
//! connections and hands them to the test; it ends when the broker is dropped.
//! A [`Mosquitto`] runs one child process, killed when it is dropped. A
//! [`CutProxy`] runs one accepting thread and two per proxied connection.
//! Nothing else runs in the background.
//!
//! # Examples
//!
//! A client's CONNECT answered by a script:
//!
//! ```
//! use std::io::{Read, Write};
//! use std::net::TcpStream;
//! use std::time::Duration;
//! use mqtt_proto::{ProtocolVersion, ReasonCode};
//! use mqtt_testkit::ScriptedBroker;
//!
//! let broker = ScriptedBroker::start();
//! // The "client": a raw MQTT 3.1.1 CONNECT for client id "c".
//! let mut client = TcpStream::connect(broker.addr()).unwrap();
//! client.write_all(b"\x10\x0d\x00\x04MQTT\x04\x02\x00\x3c\x00\x01c").unwrap();
//!
//! let mut conn = broker.accept(Duration::from_secs(5));
//! let connect = conn.expect_connect();
//! assert_eq!((connect.protocol, connect.client_id.as_str()), (ProtocolVersion::V3_1_1, "c"));
//! conn.send_connack(false, ReasonCode::Success);
//!
//! let mut connack = [0u8; 4];
//! client.read_exact(&mut connack).unwrap();
//! assert_eq!(connack, [0x20, 0x02, 0x00, 0x00]);
//! ```

// This is a std-only test crate: it runs processes, threads and sockets, so the
// workspace's no_std hygiene lints (`std_instead_of_core`, `std_instead_of_alloc`)
// would only add noise here.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
#![forbid(unsafe_code)]

pub mod bench;
pub mod certs;
pub mod interop;
pub mod mosquitto;
pub mod oneshot;
pub mod packets;
mod proxy;
pub mod scripted;

pub use mosquitto::{Mosquitto, MosquittoBuilder};
pub use proxy::CutProxy;
pub use scripted::{Conn, ConnError, DEFAULT_TIMEOUT, ScriptedBroker};
