//! Errors.

use std::fmt;

use mqtt_client_core::{ConnectError, PublishFailure, StateError};
use mqtt_proto::{CommandError, DecodeError, ReasonCode};

/// Why a call on the client failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// Not connected (QoS 0 publish, subscribe and unsubscribe need a
    /// connection; QoS 1 and 2 publishes are queued instead).
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
    /// Called from a callback where it would wait for that very callback to
    /// return (such as `loop_stop` or `loop_forever` on the callback thread).
    InCallback,
    /// A loop is already dispatching callbacks (`loop_start` twice, or
    /// `loop_forever` while `loop_start` runs).
    LoopRunning,
    /// No connection was ever started: call `connect` or `connect_async` first.
    NeverConnected,
    /// The server refused a subscription of a one-shot subscribe helper (its
    /// SUBACK reason code).
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
            Self::InCallback => f.write_str("not allowed from a callback: it would wait for itself"),
            Self::LoopRunning => f.write_str("a loop is already dispatching callbacks"),
            Self::NeverConnected => f.write_str("connect or connect_async was never called"),
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
            StateError::NeverConnected => Self::NeverConnected,
            StateError::Command(e) => e.into(),
            _ => Self::NotConnected,
        }
    }
}
