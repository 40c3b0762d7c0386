//! What the connection reports: events, and why it closed.

use alloc::vec::Vec;
use core::fmt;

use bytes::Bytes;
use mqtt_session::{PacketId, QoS};

use crate::{
    AckProperties, ConnAckProperties, DecodeError, DisconnectProperties, PacketType, PublishProperties, ReasonCode,
    TopicName,
};

/// Something that happened, pulled with [`Connection::poll_event`](crate::Connection::poll_event).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The server accepted the connection.
    Connected(Connected),
    /// A message arrived.
    Message(Message),
    /// A QoS 1 or 2 publish completed: PUBACK, or PUBCOMP, or a PUBREC with a
    /// failure reason (MQTT 5).
    Published(Published),
    /// A queued publish could not be sent, because the server's limits learned at
    /// connect forbid it. The message was not sent.
    PublishFailed {
        /// The id [`publish`](crate::Connection::publish) returned.
        packet_id: PacketId,
        /// Why.
        error: crate::CommandError,
    },
    /// SUBACK: one result per filter, in order.
    Subscribed(Subscribed),
    /// UNSUBACK: one result per filter (MQTT 5; 3.x reports success for each).
    Unsubscribed(Unsubscribed),
    /// An MQTT 5 re-authentication succeeded.
    Reauthenticated,
    /// The connection is over. Delivered exactly once; nothing else follows.
    Closed(CloseReason),
}

/// The server's acceptance of a connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Connected {
    /// Whether the server resumed a session. When false after a resume, the
    /// server lost the subscriptions and they need to be made again.
    pub session_present: bool,
    /// The CONNACK properties (MQTT 5): the server's limits and capabilities.
    pub properties: ConnAckProperties,
}

/// A received application message. The topic is resolved when the server used a
/// topic alias.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Message {
    /// Topic.
    pub topic: TopicName,
    /// Payload, a slice of the receive buffer.
    pub payload: Bytes,
    /// QoS it was delivered with.
    pub qos: QoS,
    /// Whether it is a retained message.
    pub retain: bool,
    /// DUP flag: the server may have sent it before.
    pub dup: bool,
    /// The packet identifier (QoS 1 and 2), which
    /// [`Connection::ack`](crate::Connection::ack) takes in manual-ack mode.
    pub packet_id: Option<PacketId>,
    /// MQTT 5 properties (the topic alias already applied).
    pub properties: PublishProperties,
}

/// A completed outgoing QoS 1 or 2 publish.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Published {
    /// The id [`publish`](crate::Connection::publish) returned.
    pub packet_id: PacketId,
    /// The server's reason code (MQTT 5); Success before MQTT 5. A code of 0x80
    /// or more means the server refused the message.
    pub reason_code: ReasonCode,
    /// The acknowledgement's properties.
    pub properties: AckProperties,
}

/// The result of a SUBSCRIBE.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscribed {
    /// The id [`subscribe`](crate::Connection::subscribe) returned.
    pub packet_id: PacketId,
    /// Per filter, the granted QoS or the failure reason.
    pub results: Vec<Result<QoS, ReasonCode>>,
    /// The SUBACK's properties.
    pub properties: AckProperties,
}

/// The result of an UNSUBSCRIBE.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unsubscribed {
    /// The id [`unsubscribe`](crate::Connection::unsubscribe) returned.
    pub packet_id: PacketId,
    /// Per filter, success (possibly "no subscription existed") or the failure
    /// reason.
    pub results: Vec<Result<ReasonCode, ReasonCode>>,
    /// The UNSUBACK's properties.
    pub properties: AckProperties,
}

/// Why the connection closed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseReason {
    /// The application called [`disconnect`](crate::Connection::disconnect).
    Disconnected,
    /// The server refused the connection (CONNACK with a failure).
    Refused {
        /// The reason (3.x return codes mapped to their MQTT 5 equivalents).
        reason_code: ReasonCode,
        /// The CONNACK properties, with the reason string and server reference.
        properties: ConnAckProperties,
    },
    /// The server sent DISCONNECT (MQTT 5).
    ServerDisconnected {
        /// Its reason code.
        reason_code: ReasonCode,
        /// Its properties: reason string, server reference, user properties.
        properties: DisconnectProperties,
    },
    /// The network connection ended (EOF) without a DISCONNECT.
    ConnectionLost,
    /// No CONNACK arrived within the connect timeout.
    ConnectTimeout,
    /// No PINGRESP arrived within the ping timeout.
    KeepAliveTimeout,
    /// The server sent bytes that are not a valid packet.
    Malformed(DecodeError),
    /// The server broke a rule of the protocol.
    ProtocolError(ProtocolViolation),
    /// Enhanced authentication failed: the reason code the
    /// [`Authenticator`](crate::Authenticator) gave, which the MQTT 5
    /// DISCONNECT carries (0x80 when a DISCONNECT cannot carry it).
    AuthenticationFailed(ReasonCode),
}

impl CloseReason {
    /// The MQTT 5 reason code a client DISCONNECT carries for this reason, if the
    /// client sends one.
    pub(crate) fn disconnect_code(&self) -> Option<ReasonCode> {
        Some(match self {
            Self::Malformed(DecodeError::PacketTooLarge { .. }) => ReasonCode::PacketTooLarge,
            // MQTT 5 section 3.3.4: a Topic Alias of 0 is "Topic Alias invalid".
            Self::Malformed(DecodeError::InvalidPropertyValue { property: crate::properties::id::TOPIC_ALIAS }) => {
                ReasonCode::TopicAliasInvalid
            }
            Self::Malformed(_) => ReasonCode::MalformedPacket,
            Self::ProtocolError(v) => v.reason_code(),
            // Keep Alive timeout (0x8D) is a code only servers send (MQTT 5
            // table 3-10, MQTT-3.14.2-1); a client reports it as unspecified.
            Self::KeepAliveTimeout => ReasonCode::UnspecifiedError,
            // The code the Authenticator chose (its documented contract), when
            // a client's DISCONNECT may carry it.
            Self::AuthenticationFailed(code) if code.is_error() && code.is_client_disconnect() => *code,
            Self::AuthenticationFailed(_) => ReasonCode::UnspecifiedError,
            Self::Disconnected => ReasonCode::Success,
            _ => return None,
        })
    }
}

impl fmt::Display for CloseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Disconnected => f.write_str("disconnected by the client"),
            Self::Refused { reason_code, .. } => write!(f, "connection refused: {reason_code}"),
            Self::ServerDisconnected { reason_code, properties } => {
                write!(f, "disconnected by the server: {reason_code}")?;
                if let Some(s) = &properties.reason_string {
                    write!(f, " ({s})")?;
                }
                Ok(())
            }
            Self::ConnectionLost => f.write_str("connection lost"),
            Self::ConnectTimeout => f.write_str("no CONNACK within the connect timeout"),
            Self::KeepAliveTimeout => f.write_str("no PINGRESP within the ping timeout"),
            Self::Malformed(e) => write!(f, "malformed packet from the server: {e}"),
            Self::ProtocolError(v) => write!(f, "protocol error by the server: {v}"),
            Self::AuthenticationFailed(code) => write!(f, "authentication failed: {code}"),
        }
    }
}

/// A protocol rule the server broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtocolViolation {
    /// A packet a server never sends, or not at this point (such as anything
    /// before CONNACK but AUTH).
    UnexpectedPacket(PacketType),
    /// Session Present on a connection that asked for a clean start (MQTT-3.2.2-4
    /// in 5.0, MQTT-3.2.2-1 in 3.1.1).
    SessionPresentOnCleanStart,
    /// A topic alias above our Topic Alias Maximum (MQTT-3.3.2-10).
    TopicAliasInvalid,
    /// A PUBLISH with an empty topic and a topic alias that was never defined on
    /// this connection (MQTT 5 section 3.3.4).
    UnknownTopicAlias,
    /// More unacknowledged QoS 1 and 2 publishes than our Receive Maximum
    /// (MQTT-3.3.4-9).
    ReceiveMaximumExceeded,
    /// A SUBACK or UNSUBACK with a different number of results than filters.
    WrongResultCount(PacketType),
    /// An AUTH exchange with another method, or AUTH without enhanced
    /// authentication.
    BadAuthentication,
}

impl ProtocolViolation {
    fn reason_code(self) -> ReasonCode {
        match self {
            Self::TopicAliasInvalid => ReasonCode::TopicAliasInvalid,
            Self::ReceiveMaximumExceeded => ReasonCode::ReceiveMaximumExceeded,
            _ => ReasonCode::ProtocolError,
        }
    }
}

impl fmt::Display for ProtocolViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnexpectedPacket(p) => write!(f, "unexpected {p}"),
            Self::SessionPresentOnCleanStart => f.write_str("session present after a clean start"),
            Self::TopicAliasInvalid => f.write_str("topic alias above our maximum"),
            Self::UnknownTopicAlias => f.write_str("topic alias used before it was defined"),
            Self::ReceiveMaximumExceeded => f.write_str("receive maximum exceeded"),
            Self::WrongResultCount(p) => write!(f, "{p} with a different number of results than filters"),
            Self::BadAuthentication => f.write_str("unexpected authentication exchange"),
        }
    }
}
