//! The control packet enum and packet types.

use alloc::boxed::Box;
use core::fmt;

use bytes::Bytes;

use crate::string::Buffer;
use crate::{Ack, Auth, ConnAck, Connect, Disconnect, Publish, SubAck, Subscribe, UnsubAck, Unsubscribe};

/// The type of a control packet, the high nibble of its first byte (MQTT 2.1.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum PacketType {
    /// 1: client request to connect.
    Connect = 0x01,
    /// 2: connect acknowledgement.
    ConnAck = 0x02,
    /// 3: publish message.
    Publish = 0x03,
    /// 4: publish acknowledgement (QoS 1).
    PubAck = 0x04,
    /// 5: publish received (QoS 2, part 1).
    PubRec = 0x05,
    /// 6: publish release (QoS 2, part 2).
    PubRel = 0x06,
    /// 7: publish complete (QoS 2, part 3).
    PubComp = 0x07,
    /// 8: subscribe request.
    Subscribe = 0x08,
    /// 9: subscribe acknowledgement.
    SubAck = 0x09,
    /// 10: unsubscribe request.
    Unsubscribe = 0x0A,
    /// 11: unsubscribe acknowledgement.
    UnsubAck = 0x0B,
    /// 12: ping request.
    PingReq = 0x0C,
    /// 13: ping response.
    PingResp = 0x0D,
    /// 14: disconnect notification.
    Disconnect = 0x0E,
    /// 15: authentication exchange (MQTT 5 only).
    Auth = 0x0F,
}

impl PacketType {
    /// The type for the high nibble of a first byte, if it is not reserved (0).
    #[must_use]
    pub const fn from_u8(value: u8) -> Option<Self> {
        Some(match value {
            0x01 => Self::Connect,
            0x02 => Self::ConnAck,
            0x03 => Self::Publish,
            0x04 => Self::PubAck,
            0x05 => Self::PubRec,
            0x06 => Self::PubRel,
            0x07 => Self::PubComp,
            0x08 => Self::Subscribe,
            0x09 => Self::SubAck,
            0x0A => Self::Unsubscribe,
            0x0B => Self::UnsubAck,
            0x0C => Self::PingReq,
            0x0D => Self::PingResp,
            0x0E => Self::Disconnect,
            0x0F => Self::Auth,
            _ => return None,
        })
    }

    /// The packet's name as the specification writes it.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Connect => "CONNECT",
            Self::ConnAck => "CONNACK",
            Self::Publish => "PUBLISH",
            Self::PubAck => "PUBACK",
            Self::PubRec => "PUBREC",
            Self::PubRel => "PUBREL",
            Self::PubComp => "PUBCOMP",
            Self::Subscribe => "SUBSCRIBE",
            Self::SubAck => "SUBACK",
            Self::Unsubscribe => "UNSUBSCRIBE",
            Self::UnsubAck => "UNSUBACK",
            Self::PingReq => "PINGREQ",
            Self::PingResp => "PINGRESP",
            Self::Disconnect => "DISCONNECT",
            Self::Auth => "AUTH",
        }
    }
}

impl fmt::Display for PacketType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An MQTT control packet, in any protocol version.
///
/// `B` is the buffer strings and payloads live in: [`Bytes`] for packets decoded
/// with [`Codec::decode`](crate::Codec::decode) or built by the application, `&[u8]`
/// for packets borrowed from the input by
/// [`Codec::decode_slice`](crate::Codec::decode_slice). The rare, large CONNECT and
/// CONNACK are boxed so the enum stays small.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Packet<B: Buffer = Bytes> {
    /// CONNECT (MQTT 3.1).
    Connect(Box<Connect<B>>),
    /// CONNACK (MQTT 3.2).
    ConnAck(Box<ConnAck<B>>),
    /// PUBLISH (MQTT 3.3).
    Publish(Publish<B>),
    /// PUBACK (MQTT 3.4).
    PubAck(Ack<B>),
    /// PUBREC (MQTT 3.5).
    PubRec(Ack<B>),
    /// PUBREL (MQTT 3.6).
    PubRel(Ack<B>),
    /// PUBCOMP (MQTT 3.7).
    PubComp(Ack<B>),
    /// SUBSCRIBE (MQTT 3.8).
    Subscribe(Subscribe<B>),
    /// SUBACK (MQTT 3.9).
    SubAck(SubAck<B>),
    /// UNSUBSCRIBE (MQTT 3.10).
    Unsubscribe(Unsubscribe<B>),
    /// UNSUBACK (MQTT 3.11).
    UnsubAck(UnsubAck<B>),
    /// PINGREQ (MQTT 3.12).
    PingReq,
    /// PINGRESP (MQTT 3.13).
    PingResp,
    /// DISCONNECT (MQTT 3.14).
    Disconnect(Disconnect<B>),
    /// AUTH (MQTT 5 section 3.15).
    Auth(Auth<B>),
}

impl<B: Buffer> Packet<B> {
    /// The packet's type.
    #[must_use]
    pub const fn packet_type(&self) -> PacketType {
        match self {
            Self::Connect(_) => PacketType::Connect,
            Self::ConnAck(_) => PacketType::ConnAck,
            Self::Publish(_) => PacketType::Publish,
            Self::PubAck(_) => PacketType::PubAck,
            Self::PubRec(_) => PacketType::PubRec,
            Self::PubRel(_) => PacketType::PubRel,
            Self::PubComp(_) => PacketType::PubComp,
            Self::Subscribe(_) => PacketType::Subscribe,
            Self::SubAck(_) => PacketType::SubAck,
            Self::Unsubscribe(_) => PacketType::Unsubscribe,
            Self::UnsubAck(_) => PacketType::UnsubAck,
            Self::PingReq => PacketType::PingReq,
            Self::PingResp => PacketType::PingResp,
            Self::Disconnect(_) => PacketType::Disconnect,
            Self::Auth(_) => PacketType::Auth,
        }
    }
}

impl<B: Buffer> From<Connect<B>> for Packet<B> {
    fn from(p: Connect<B>) -> Self {
        Self::Connect(Box::new(p))
    }
}

impl<B: Buffer> From<ConnAck<B>> for Packet<B> {
    fn from(p: ConnAck<B>) -> Self {
        Self::ConnAck(Box::new(p))
    }
}

impl<B: Buffer> From<Publish<B>> for Packet<B> {
    fn from(p: Publish<B>) -> Self {
        Self::Publish(p)
    }
}

impl<B: Buffer> From<Subscribe<B>> for Packet<B> {
    fn from(p: Subscribe<B>) -> Self {
        Self::Subscribe(p)
    }
}

impl<B: Buffer> From<SubAck<B>> for Packet<B> {
    fn from(p: SubAck<B>) -> Self {
        Self::SubAck(p)
    }
}

impl<B: Buffer> From<Unsubscribe<B>> for Packet<B> {
    fn from(p: Unsubscribe<B>) -> Self {
        Self::Unsubscribe(p)
    }
}

impl<B: Buffer> From<UnsubAck<B>> for Packet<B> {
    fn from(p: UnsubAck<B>) -> Self {
        Self::UnsubAck(p)
    }
}

impl<B: Buffer> From<Disconnect<B>> for Packet<B> {
    fn from(p: Disconnect<B>) -> Self {
        Self::Disconnect(p)
    }
}

impl<B: Buffer> From<Auth<B>> for Packet<B> {
    fn from(p: Auth<B>) -> Self {
        Self::Auth(p)
    }
}
