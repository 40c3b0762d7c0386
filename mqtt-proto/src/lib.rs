//! The MQTT 3.1, 3.1.1 and 5.0 codec and client protocol logic, without I/O.
//!
//! This crate does no networking, reads no clock and starts no thread: bytes and
//! time come in as arguments, bytes and events go out as return values. It is
//! `#![no_std]` and needs only `alloc`.
//!
//! # Codec
//!
//! One [`Packet`] enum covers all fifteen control packets of every version; the
//! parts only MQTT 5 has (properties, reason codes) are fields. A [`Codec`]
//! decodes a stream of bytes packet by packet, zero-copy, and encodes packets into
//! any [`bytes::BufMut`].
//!
//! ```
//! use bytes::BytesMut;
//! use mqtt_proto::{Codec, Packet, ProtocolVersion, Publish, QoS, QosPid, PacketId, TopicName};
//!
//! let codec = Codec::new(ProtocolVersion::V5);
//! let mut publish = Publish::new(
//!     TopicName::try_from("sensors/room1/temperature").unwrap(),
//!     bytes::Bytes::from_static(b"21.5"),
//! );
//! publish.qos = QosPid::AtLeastOnce(PacketId::new(7).unwrap());
//!
//! let mut wire = BytesMut::new();
//! codec.encode(&Packet::Publish(publish.clone()), &mut wire).unwrap();
//!
//! // Bytes arrive in pieces: nothing is consumed until a packet is complete.
//! let mut rx = BytesMut::new();
//! rx.extend_from_slice(&wire[..10]);
//! assert_eq!(codec.decode(&mut rx).unwrap(), None);
//! rx.extend_from_slice(&wire[10..]);
//! assert_eq!(codec.decode(&mut rx).unwrap(), Some(Packet::Publish(publish)));
//! ```
//!
//! # The connection
//!
//! A [`Connection`] is one network connection's client protocol state. Feed it
//! what happened (`handle_bytes`, `handle_timeout`, `handle_eof`) and issue
//! commands (`publish`, `subscribe`, ...); after every one, drain it: write what
//! `poll_transmit` gives, handle what `poll_event` gives, then wait for bytes or
//! until `poll_timeout`.
//!
//! A complete driver over a blocking `TcpStream`, following the drain rule:
//!
//! ```no_run
//! use std::io::{ErrorKind, Read, Write};
//! use std::net::TcpStream;
//! use bytes::{Bytes, BytesMut};
//! use mqtt_proto::{Connection, Event, Instant, Options, ProtocolVersion, QoS, TopicFilter, TopicName};
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let start = std::time::Instant::now();
//!     let now = || Instant::from_duration(start.elapsed());
//!     let mut stream = TcpStream::connect("127.0.0.1:1883")?;
//!     let options = Options::new(ProtocolVersion::V5, "demo")?;
//!     let mut conn = Connection::new(options, now())?;
//!     let mut out = BytesMut::new();
//!     let mut buf = [0u8; 4096];
//!     let mut closed = false;
//!     loop {
//!         // Drain: bytes first, then events. Commands issued while handling
//!         // events queue more bytes, so repeat until nothing is pending.
//!         loop {
//!             while conn.poll_transmit(now(), &mut out).is_some() {}
//!             stream.write_all(&out)?;
//!             out.clear();
//!             while let Some(event) = conn.poll_event() {
//!                 match event {
//!                     Event::Connected(_) => {
//!                         let filter = TopicFilter::try_from("hello")?;
//!                         conn.subscribe([(filter, QoS::AtLeastOnce)], Default::default())?;
//!                         let topic = TopicName::try_from("hello")?;
//!                         conn.publish(topic, Bytes::from("world"), QoS::AtLeastOnce, false)?;
//!                     }
//!                     Event::Message(m) => {
//!                         println!("{}: {:?}", m.topic, m.payload);
//!                         conn.disconnect();
//!                     }
//!                     Event::Closed(reason) => {
//!                         println!("closed: {reason}");
//!                         closed = true;
//!                     }
//!                     _ => {}
//!                 }
//!             }
//!             if !conn.has_pending_transmit() {
//!                 break;
//!             }
//!         }
//!         if closed {
//!             return Ok(()); // the DISCONNECT, if any, was written above
//!         }
//!         // Then wait for bytes or the next deadline.
//!         let timeout = conn.poll_timeout().map(|t| t.saturating_duration_since(now()));
//!         stream.set_read_timeout(timeout.map(|t| t.max(std::time::Duration::from_millis(1))))?;
//!         match stream.read(&mut buf) {
//!             Ok(0) => conn.handle_eof(now()),
//!             Ok(n) => conn.handle_bytes(&buf[..n], now()),
//!             Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => conn.handle_timeout(now()),
//!             Err(e) if e.kind() == ErrorKind::Interrupted => {}
//!             Err(e) => return Err(e.into()),
//!         }
//!     }
//! }
//! ```

#![no_std]
#![forbid(unsafe_code)]
#![warn(clippy::std_instead_of_core, clippy::alloc_instead_of_core, clippy::std_instead_of_alloc)]

extern crate alloc;

mod codec;
mod connect;
mod connection;
mod disconnect;
mod error;
pub mod list;
mod packet;
mod primitives;
pub mod properties;
mod publish;
mod reason;
mod string;
mod subscribe;
mod topic;
mod version;

pub use codec::{Codec, MAX_PACKET_SIZE};
pub use connect::{ConnAck, Connect, Will};
pub use connection::{
    Authenticator, CloseReason, CommandError, Connected, Connection, Event, Instant, MAX_OUTGOING, Message, Options,
    ProtocolViolation, Published, ServerLimits, Session, State, Subscribed, Unsubscribed,
};
pub use disconnect::{Auth, Disconnect};
pub use error::{DecodeError, EncodeError};
pub use list::{List, ListItem};
pub use mqtt_session::{PacketId, QoS};
pub use packet::{Packet, PacketType};
pub use properties::{
    AckProperties, AuthProperties, ConnAckProperties, ConnectProperties, DisconnectProperties, PayloadFormat,
    PublishProperties, SubscribeProperties, UnsubscribeProperties, UserProperty, WillProperties,
};
pub use publish::{Ack, Publish, QosPid};
pub use reason::ReasonCode;
pub use string::{Buffer, MqttStr};
pub use subscribe::{RetainHandling, SubAck, Subscribe, Subscription, SubscriptionOptions, UnsubAck, Unsubscribe};
pub use topic::{TopicFilter, TopicName, topic_matches_sub};
pub use version::ProtocolVersion;
