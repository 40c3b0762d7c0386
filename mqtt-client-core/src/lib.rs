//! What the MQTT client adapters share: `mqtt-blocking` (std threads) and
//! `mqtt-smol` (async-io, any executor) are thin drivers around this crate.
//!
//! Like `mqtt-proto` below it, this crate does no networking, starts no
//! thread or task, and reads no clock: the adapters own sockets, threads,
//! timers and time. It holds the logic that is the same in both:
//!
//! - [`ClientOptions`]: every option of a client, paho-style, with
//!   [`TlsOptions`], [`WebSocketOptions`] and [`Transport`];
//! - [`Backoff`]: the reconnect policy (exponential backoff with jitter);
//! - [`ReadPacer`]: when the network side yields the CPU before a read, so
//!   that reads take batches of packets;
//! - [`Stack`]: TLS (rustls) and WebSocket (tungstenite) over byte buffers, so
//!   one TLS and WebSocket code path serves a blocking `TcpStream` and an
//!   async one alike;
//! - [`Router`]: per-filter message routing;
//! - [`IntoSubscriptions`] / [`IntoFilters`]: what `subscribe` and
//!   `unsubscribe` accept;
//! - [`ClientState`]: the state around `mqtt_proto::Connection` that outlives
//!   one network connection (completions keyed by packet id, granted
//!   subscriptions and re-subscribing, the client events), with
//!   [`Completion`] for results that arrive later.
//!
//! ```
//! use mqtt_client_core::{ClientOptions, TlsOptions, WebSocketOptions};
//!
//! let options = ClientOptions::new("sensor-17")
//!     .tls(TlsOptions::new().ca_pem(Vec::new()))
//!     .websocket(WebSocketOptions::new("/mqtt"));
//! assert!(options.transport_options().tls_options().is_some());
//! assert!(options.transport_options().ws_options().is_some());
//! ```

#![forbid(unsafe_code)]

mod completion;
mod error;
mod message;
mod options;
mod pacing;
mod reconnect;
mod routing;
mod state;
mod subscriptions;
mod transport;

pub use completion::Completion;
pub use error::{ConnectError, PublishFailure, StateError};
pub use message::{Collector, OutMessage, completion_wait};
pub use options::ClientOptions;
pub use pacing::ReadPacer;
pub use reconnect::Backoff;
pub use routing::Router;
pub use state::{ClientEvent, ClientState, PublishResult, Status, SubscribeResult, UnsubscribeResult};
pub use subscriptions::{IntoFilters, IntoSubscriptions};
pub use transport::{Stack, TlsError, TlsOptions, Transport, TransportError, WebSocketOptions};
