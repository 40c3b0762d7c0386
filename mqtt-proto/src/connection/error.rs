//! Errors of connection commands.

use core::fmt;

use mqtt_session::QoS;

use crate::EncodeError;

/// Why a command was refused. The connection is unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CommandError {
    /// The connection is not established yet (or is between connections) and
    /// the command cannot wait: QoS 0 publishes, subscriptions.
    NotConnected,
    /// The connection is closed.
    Closed,
    /// The queue of publishes waiting for the window is full.
    QueueFull,
    /// No packet identifier is free: too many exchanges are outstanding.
    NoFreePacketId,
    /// The packet is larger than the server's Maximum Packet Size.
    PacketTooLarge {
        /// The packet's size in bytes.
        size: usize,
        /// The server's maximum.
        max: u32,
    },
    /// The server's Maximum QoS is below the requested QoS (MQTT-3.2.2-11); the
    /// publish is refused, never downgraded.
    QoSNotSupported {
        /// The QoS asked for.
        requested: QoS,
        /// The server's maximum.
        maximum: QoS,
    },
    /// The server does not support retained messages (MQTT-3.2.2-14).
    RetainNotSupported,
    /// The server does not support wildcard subscriptions.
    WildcardSubscriptionsNotSupported,
    /// The server does not support shared subscriptions.
    SharedSubscriptionsNotSupported,
    /// The server does not support subscription identifiers.
    SubscriptionIdentifiersNotSupported,
    /// A SUBSCRIBE or UNSUBSCRIBE without filters.
    NoTopicFilters,
    /// No packet is awaiting this acknowledgement (manual acks).
    UnknownPacketId,
    /// Re-authentication without an authenticator, or before MQTT 5.
    AuthenticationNotConfigured,
    /// The packet cannot be encoded.
    Encode(EncodeError),
}

impl From<EncodeError> for CommandError {
    fn from(e: EncodeError) -> Self {
        match e {
            EncodeError::PacketTooLarge { size, max } => Self::PacketTooLarge { size, max },
            other => Self::Encode(other),
        }
    }
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotConnected => f.write_str("not connected"),
            Self::Closed => f.write_str("the connection is closed"),
            Self::QueueFull => f.write_str("the publish queue is full"),
            Self::NoFreePacketId => f.write_str("no packet identifier is free"),
            Self::PacketTooLarge { size, max } => {
                write!(f, "packet of {size} bytes exceeds the server's maximum of {max}")
            }
            Self::QoSNotSupported { requested, maximum } => {
                write!(f, "QoS {} exceeds the server's maximum QoS {}", requested.as_u8(), maximum.as_u8())
            }
            Self::RetainNotSupported => f.write_str("the server does not support retained messages"),
            Self::WildcardSubscriptionsNotSupported => {
                f.write_str("the server does not support wildcard subscriptions")
            }
            Self::SharedSubscriptionsNotSupported => f.write_str("the server does not support shared subscriptions"),
            Self::SubscriptionIdentifiersNotSupported => {
                f.write_str("the server does not support subscription identifiers")
            }
            Self::NoTopicFilters => f.write_str("at least one topic filter is needed"),
            Self::UnknownPacketId => f.write_str("no message awaits an acknowledgement with this id"),
            Self::AuthenticationNotConfigured => f.write_str("no enhanced authentication is configured"),
            Self::Encode(e) => write!(f, "cannot encode: {e}"),
        }
    }
}

impl core::error::Error for CommandError {}
