//! Errors.

use std::fmt;

use mqtt_client_core::{ConnectError, PublishFailure, StateError};
use mqtt_proto::{CloseReason, CommandError, DecodeError, ReasonCode};

/// Why a call on the client failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// Not connected (QoS 0 publish, subscribe and unsubscribe need a
    /// connection; QoS 1 and 2 publishes are queued instead), or the client
    /// was disconnected.
    NotConnected,
    /// The connection refused the command: queue full, QoS or retain not
    /// supported by the server, packet too large, ...
    Command(CommandError),
    /// A topic name or filter is not valid.
    InvalidTopic(DecodeError),
    /// Connecting failed.
    Connect(Box<ConnectError>),
    /// The wait ended before the operation completed.
    Timeout,
    /// The server refused the message (an MQTT 5 PUBACK or PUBREC reason code of
    /// 0x80 or more), or it could not be sent.
    PublishFailed(PublishFailure),
    /// The connection closed before the server answered a SUBSCRIBE or
    /// UNSUBSCRIBE (they are not resent on a new connection).
    Closed(Box<CloseReason>),
    /// The server refused a subscription of the one-shot
    /// [`subscribe`](crate::subscribe) helpers (its SUBACK failure code).
    SubscribeRefused(ReasonCode),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotConnected => f.write_str("not connected"),
            Self::Command(e) => write!(f, "{e}"),
            Self::InvalidTopic(e) => write!(f, "invalid topic: {e}"),
            Self::Connect(e) => write!(f, "{e}"),
            Self::Timeout => f.write_str("timed out"),
            Self::PublishFailed(e) => write!(f, "{e}"),
            Self::Closed(reason) => write!(f, "the connection closed before the answer: {reason}"),
            Self::SubscribeRefused(code) => write!(f, "the server refused the subscription: {code}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Command(e) => Some(e),
            Self::InvalidTopic(e) => Some(e),
            Self::Connect(e) => Some(&**e),
            Self::PublishFailed(e) => Some(e),
            _ => None,
        }
    }
}

impl From<CommandError> for Error {
    fn from(e: CommandError) -> Self {
        match e {
            CommandError::NotConnected | CommandError::Closed => Self::NotConnected,
            other => Self::Command(other),
        }
    }
}

impl From<ConnectError> for Error {
    fn from(e: ConnectError) -> Self {
        Self::Connect(Box::new(e))
    }
}

impl From<DecodeError> for Error {
    fn from(e: DecodeError) -> Self {
        Self::InvalidTopic(e)
    }
}

impl From<StateError> for Error {
    fn from(e: StateError) -> Self {
        match e {
            StateError::Command(e) => e.into(),
            _ => Self::NotConnected,
        }
    }
}
