//! An async MQTT 3.1, 3.1.1 and 5.0 client that runs under any executor (smol,
//! async-executor, `futures_lite::future::block_on`, ...): it is built on
//! async-io, futures-lite and async-channel, not on one runtime.
//!
//! The protocol logic is `mqtt_proto::Connection`, a sans-IO state machine;
//! options, the reconnect policy, the TLS / WebSocket layers and message
//! routing are `mqtt_client_core`'s, the same code `mqtt-blocking` runs.
//!
//! ```no_run
//! use futures_lite::StreamExt;
//! use mqtt_smol::{ClientOptions, Event, QoS};
//!
//! # fn main() -> Result<(), mqtt_smol::Error> {
//! smol::block_on(async {
//!     let options = ClientOptions::new("demo").keepalive(30);
//!     let (client, driver, mut events) = mqtt_smol::connect(options, "127.0.0.1", 1883).await?;
//!     let driver = smol::spawn(driver);
//!
//!     let suback = client.subscribe(("hello", QoS::AtLeastOnce))?.await?;
//!     println!("granted: {:?}", suback.results);
//!     let token = client.publish("hello", "Hello world!", QoS::AtLeastOnce, false)?;
//!     token.await?; // PUBACK
//!     while let Some(event) = events.next().await {
//!         if let Event::Message(m) = event {
//!             println!("{}: {}", m.topic, String::from_utf8_lossy(&m.payload));
//!             break;
//!         }
//!     }
//!     client.disconnect().await?;
//!     driver.await;
//!     Ok(())
//! })
//! # }
//! ```
//!
//! # The three parts
//!
//! [`connect`] does TCP, TLS, WebSocket and CONNECT / CONNACK itself and
//! returns:
//!
//! - a [`Client`]: a cloneable, `Send` handle. Its commands (`publish`,
//!   `subscribe`, `unsubscribe`, `ack`, `route`) decide at once under a short
//!   lock and return a token with the packet id; awaiting the token gives the
//!   completion (PUBACK / PUBCOMP, SUBACK, UNSUBACK).
//! - a [`Driver`], a `#[must_use]` future that owns the socket and the
//!   connection: it reads, writes, keeps the connection alive, completes
//!   tokens, and reconnects with exponential backoff and jitter. Spawn it on
//!   any executor, or await it next to your code. It never runs user code:
//!   what it has for the application goes into channels, so a slow consumer
//!   never delays keep alive or acknowledgements.
//! - an [`Events`] stream: connection events ([`Event::Connected`],
//!   [`Event::ConnectFailed`], [`Event::Disconnected`]) and the messages no
//!   route took ([`Event::Message`]). [`Client::route`] gives a [`Messages`]
//!   stream per topic filter (paho's `message_callback_add`).
//!
//! Nothing a client call returns depends on anything being polled but the
//! driver: tokens complete, `connected()` and `disconnect()` return, whether
//! or not anyone reads [`Events`].
//!
//! # Tasks and threads
//!
//! The crate spawns no task and starts no thread of its own: the driver is
//! the one future that does the work, and it runs wherever you put it. Two
//! things run outside it: async-io's reactor thread (`async-io`, started by
//! async-io on first use, shared by every async-io user in the process,
//! unless your executor drives the reactor itself, as `smol::block_on`
//! does), and, only when the host is a name rather than an IP address, one
//! short-lived thread named `mqtt-resolve` per connection attempt, for the
//! system's resolver (async-io has none, and a blocking lookup would stall
//! the executor).
//!
//! # Cancel safety
//!
//! Every future this crate returns can be dropped at any `.await` without
//! losing state or messages:
//!
//! - commands are not futures: `publish` and friends have queued the packet
//!   when they return. Dropping a token, or the future of its completion,
//!   changes nothing: the packet goes out and its result is recorded for any
//!   clone of the token.
//! - the client state sits behind a std mutex held only for short, synchronous
//!   sections, never across an `.await`, so no future can leave it half
//!   changed.
//! - [`Events::recv`] and [`Messages::recv`] take an item only when they
//!   return it.
//! - [`Client::connected`] only waits; [`Client::disconnect`] dropped while it
//!   waits for the flush leaves the client connected, and dropped after has
//!   the driver finish the disconnect.
//! - [`connect`] dropped early closes what it opened; nothing was handed out.
//! - dropping the [`Driver`] ends the network connection at once (no
//!   DISCONNECT) and fails the unfinished tokens, so no waiter hangs.
//!
//! # Back-pressure
//!
//! The event and route streams are unbounded queues: the driver never waits
//! for the application (waiting would starve keep alive, paho's classic
//! failure) and never drops a message. What the queues can hold is bounded by
//! what the server sends: to bound it, read the streams, or turn on
//! [`ClientOptions::manual_ack`] so that the server's flow control (MQTT 5
//! Receive Maximum) waits for the application's [`Client::ack`] at QoS 1 and
//! 2. Publish and subscribe results are not queued as events (the tokens carry
//! them), so a client that never reads [`Events`] holds only the messages no
//! route took and the connection events. QoS 1 and 2 publishes wait in the
//! session's bounded queue (`max_queued_messages`); QoS 0 bytes wait in memory
//! until the socket takes them.
//!
//! # From mqtt-blocking (and paho)
//!
//! | mqtt-blocking | here |
//! | --- | --- |
//! | `Client::new(options)`, `connect(host, port)`, `loop_start()` | [`connect`]`(options, host, port).await`, spawn the [`Driver`] |
//! | `on_connect`, `on_connect_fail`, `on_disconnect`, `on_message` | [`Events`]: [`Event::Connected`], [`Event::ConnectFailed`], [`Event::Disconnected`], [`Event::Message`] |
//! | `message_callback_add(filter, cb)` | [`Client::route`]`(filter)` → [`Messages`] |
//! | `publish(..)` → `PublishToken`, `wait_for_publish(timeout)` | [`Client::publish`] → [`PublishToken`], `token.await` |
//! | `on_publish` | the [`PublishToken`] |
//! | `subscribe(..)` + `on_subscribe` | [`Client::subscribe`] → [`SubscribeToken`], `token.await` |
//! | `unsubscribe(..)` + `on_unsubscribe` | [`Client::unsubscribe`] → [`UnsubscribeToken`] |
//! | `disconnect()` | [`Client::disconnect`]`.await` (flushes QoS 1 and 2 first) |
//! | `wait_connected(timeout)` | [`Client::connected`]`.await` |
//! | `publish::single` / `multiple`, `subscribe::simple` / `callback` | [`publish::single`] / [`publish::multiple`], [`subscribe::simple`] / [`subscribe::callback`], async |
//!
//! Options ([`ClientOptions`], [`TlsOptions`], [`WebSocketOptions`],
//! [`Transport`]) are the same types as in mqtt-blocking.

#![forbid(unsafe_code)]

mod client;
mod driver;
mod error;
mod events;
mod helpers;
mod net;
mod queue;
mod shared;
mod token;

pub use client::{Client, connect};
pub use driver::Driver;
pub use error::Error;
pub use events::{Event, Events, Messages};
pub use helpers::{publish, subscribe};
pub use token::{PublishFuture, PublishToken, SubscribeFuture, SubscribeToken, UnsubscribeFuture, UnsubscribeToken};

pub use mqtt_client_core::{
    Backoff, ClientOptions, ConnectError, IntoFilters, IntoSubscriptions, PublishFailure, TlsError, TlsOptions,
    Transport, TransportError, WebSocketOptions,
};
pub use mqtt_proto::{
    CloseReason, ConnAckProperties, ConnectProperties, Connected, DisconnectProperties, Message, PacketId,
    ProtocolVersion, PublishProperties, QoS, ReasonCode, RetainHandling, SubscribeProperties, Subscribed,
    SubscriptionOptions, Unsubscribed, WillProperties, topic_matches_sub,
};
