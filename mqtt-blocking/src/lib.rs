//! A paho-style MQTT 3.1, 3.1.1 and 5.0 client over std threads, with TCP, TLS
//! (rustls), WebSocket and secure WebSocket (tungstenite), and reconnects with
//! backoff. No async runtime inside.
//!
//! The protocol logic is `mqtt_proto::Connection`, a sans-IO state machine; this
//! crate owns the sockets and the threads.
//!
//! ```no_run
//! use std::time::Duration;
//! use mqtt_blocking::{Client, ClientOptions, QoS};
//!
//! let client = Client::new(ClientOptions::new("demo"));
//! client.on_connect(|_, flags, rc, _| println!("Connection returned with result code: {}", rc.as_u8()));
//! client.on_message(|_, m| {
//!     println!("Received message, topic: {} payload: {}", m.topic, String::from_utf8_lossy(&m.payload))
//! });
//! client.connect("127.0.0.1", 1883)?;
//! client.loop_start()?;
//! client.subscribe(("hello", QoS::AtMostOnce))?;
//! client.publish("hello", "Hello world!", QoS::AtLeastOnce, false)?.wait_for_publish(Duration::from_secs(5))?;
//! client.disconnect()?;
//! client.loop_stop()?;
//! # Ok::<(), mqtt_blocking::Error>(())
//! ```
//!
//! # Threads
//!
//! - **`mqtt-net-<client id>`**, one per client from `connect` or
//!   `connect_async`: reads the socket, sends acknowledgements and PINGREQ,
//!   completes publish tokens, and reconnects with exponential backoff and jitter.
//!   It never runs user code, so a slow callback never delays keep alive.
//! - **Callbacks run on one thread**: `mqtt-callbacks` when started by
//!   [`Client::loop_start`], or the thread that calls [`Client::loop_forever`] or
//!   [`Client::loop_once`]. Without a loop, events wait in a queue.
//!
//! Writes happen on whichever thread issues a command (under the client's lock),
//! so `publish` puts bytes on the wire before it returns. Nothing you call
//! depends on a loop being driven: `connect` reads the CONNACK itself, and
//! `wait_for_publish` waits for the network thread. Publishing and subscribing
//! from callbacks works; waiting for a publish inside a callback returns
//! [`Error::InCallback`] instead of hanging (use `on_publish`).
//!
//! # From paho-mqtt
//!
//! | paho-mqtt (Python) | here |
//! | --- | --- |
//! | `Client(client_id=...)` | [`ClientOptions::new`]`(client_id)`, then [`Client::new`] |
//! | `clean_session=` / `clean_start=` | [`ClientOptions::clean_session`] (first connection; reconnects resume) |
//! | `userdata=`, `user_data_set()` | state captured by the callback closures |
//! | `protocol=MQTTv31 / MQTTv311 / MQTTv5` | [`ClientOptions::protocol`]`(ProtocolVersion::V3_1 / V3_1_1 / V5)` |
//! | `transport="tcp" / "websockets"` | [`ClientOptions::transport`], [`ClientOptions::websocket`] |
//! | `username_pw_set()` | [`ClientOptions::username_pw`] |
//! | `will_set()` | [`ClientOptions::will`], [`ClientOptions::will_properties`] |
//! | `tls_set(ca_certs, certfile, keyfile)` | [`ClientOptions::tls`]`(`[`TlsOptions`]`::new().ca_file(..).client_auth(..))` |
//! | `tls_insecure_set(True)` | [`TlsOptions::dangerous_accept_any_server_certificate`] |
//! | `ws_set_options(path, headers)` | [`WebSocketOptions::new`]`(path).with_header(..)` |
//! | `max_inflight_messages_set()` | [`ClientOptions::max_inflight_messages`] |
//! | `max_queued_messages_set()` | [`ClientOptions::max_queued_messages`] |
//! | `reconnect_delay_set(min, max)` | [`ClientOptions::reconnect_delay`] |
//! | (always sets `TCP_NODELAY`) | the default too; [`ClientOptions::tcp_nodelay`]`(false)` for Nagle's algorithm |
//! | `manual_ack_set()` / `ack()` | [`ClientOptions::manual_ack`] / [`Client::ack`] |
//! | `connect(host, port, keepalive)` | [`Client::connect`]`(host, port)` (keep alive in the options) |
//! | `connect_async()` | [`Client::connect_async`] |
//! | `reconnect()` | [`Client::reconnect`] |
//! | `disconnect()` | [`Client::disconnect`], [`Client::disconnect_with`] |
//! | `loop(timeout)` | [`Client::loop_once`] |
//! | `loop_forever()` | [`Client::loop_forever`] |
//! | `loop_start()` / `loop_stop()` | [`Client::loop_start`] / [`Client::loop_stop`] |
//! | `publish(topic, payload, qos, retain)` → `MQTTMessageInfo` | [`Client::publish`] → [`PublishToken`] |
//! | `info.mid`, `info.wait_for_publish(timeout)`, `info.is_published()` | [`PublishToken::packet_id`], [`PublishToken::wait_for_publish`], [`PublishToken::is_published`] |
//! | `subscribe("t", qos)`, `subscribe(("t", qos))`, `subscribe([...])` | [`Client::subscribe`]`(("t", qos))` or `([("a", q), ("b", q)])` |
//! | `unsubscribe(t or [t...])` | [`Client::unsubscribe`] |
//! | `is_connected()` | [`Client::is_connected`] |
//! | `on_connect(client, userdata, flags, rc, properties)` | [`Client::on_connect`]`(|client, flags, rc, properties|)` |
//! | `on_connect_fail` | [`Client::on_connect_fail`] |
//! | `on_disconnect(client, userdata, rc)` | [`Client::on_disconnect`]`(|client, reason|)` |
//! | `on_message(client, userdata, message)` | [`Client::on_message`]`(|client, message|)` |
//! | `on_publish(client, userdata, mid)` | [`Client::on_publish`]`(|client, id, reason_code|)` |
//! | `on_subscribe(client, userdata, mid, granted_qos)` | [`Client::on_subscribe`]`(|client, id, results|)` |
//! | `on_unsubscribe` | [`Client::on_unsubscribe`] |
//! | `on_log` | the `log` crate (`log::info!` and friends under target `mqtt_blocking`) |
//! | `message_callback_add(sub, cb)` / `message_callback_remove(sub)` | [`Client::message_callback_add`] / [`Client::message_callback_remove`] |
//! | `topic_matches_sub(sub, topic)` | [`topic_matches_sub`] |
//! | `publish.single()` / `publish.multiple()` | [`publish::single`] / [`publish::multiple`] |
//! | `subscribe.simple()` / `subscribe.callback()` | [`subscribe::simple`] / [`subscribe::callback`] |
//!
//! Differences on purpose: callbacks never run on the network thread (in paho
//! they do and can starve keep alive); `wait_for_publish` from a callback
//! returns an error instead of hanging; a reconnect resends in-flight messages through the
//! inflight window; the password never appears in `Debug` output or logs.

#![forbid(unsafe_code)]

mod callbacks;
mod client;
mod core;
mod error;
mod helpers;
mod net;
mod token;

pub use callbacks::ConnectFlags;
pub use client::Client;
pub use error::Error;
pub use helpers::{publish, subscribe};
pub use token::PublishToken;

// Options, transports, subscription inputs and connect errors are the same in
// both adapters: they live in mqtt-client-core.
pub use mqtt_client_core::{
    ClientOptions, ConnectError, IntoFilters, IntoSubscriptions, PublishFailure, TlsError, TlsOptions, Transport,
    TransportError, WebSocketOptions,
};

pub use mqtt_proto::{
    CloseReason, ConnAckProperties, ConnectProperties, DisconnectProperties, Message, PacketId, ProtocolVersion,
    PublishProperties, QoS, ReasonCode, RetainHandling, SubscribeProperties, SubscriptionOptions, WillProperties,
    topic_matches_sub,
};
