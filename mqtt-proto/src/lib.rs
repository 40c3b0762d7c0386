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

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

mod codec;
mod connect;
mod connection;
mod disconnect;
mod error;
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
