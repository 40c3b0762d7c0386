//! Errors.

use std::fmt;
use std::io;

use mqtt_proto::{CloseReason, CommandError, ConnAckProperties, DecodeError, ReasonCode};

use crate::transport::TransportError;

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
}

/// Why a publish did not complete.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PublishFailure {
    /// The server answered with this failure reason code.
    Refused(ReasonCode),
    /// The message could not be sent because of the server's limits.
    NotSent(CommandError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotConnected => f.write_str("not connected"),
            Self::Command(e) => write!(f, "{e}"),
            Self::InvalidTopic(e) => write!(f, "invalid topic: {e}"),
            Self::Connect(e) => write!(f, "{e}"),
            Self::Timeout => f.write_str("timed out"),
            Self::PublishFailed(PublishFailure::Refused(code)) => write!(f, "the server refused the message: {code}"),
            Self::PublishFailed(PublishFailure::NotSent(e)) => write!(f, "the message could not be sent: {e}"),
            Self::InCallback => f.write_str("not allowed from a callback: it would wait for itself"),
            Self::LoopRunning => f.write_str("a loop is already dispatching callbacks"),
            Self::NeverConnected => f.write_str("connect or connect_async was never called"),
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

/// Why connecting failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConnectError {
    /// The host name could not be resolved.
    Resolve(String, io::Error),
    /// The TCP connection failed (refused, unreachable, ...).
    Io(io::Error),
    /// TLS or the WebSocket upgrade failed.
    Transport(TransportError),
    /// No CONNACK within the connect timeout.
    Timeout,
    /// The server refused the connection (paho's `rc` / reason code).
    Refused {
        /// The reason (3.x return codes as their MQTT 5 equivalents).
        reason_code: ReasonCode,
        /// The CONNACK properties (reason string, server reference).
        properties: Box<ConnAckProperties>,
    },
    /// The connection closed during the handshake for another reason.
    Closed(Box<CloseReason>),
    /// The options cannot make a valid CONNECT (such as an empty client id with
    /// MQTT 3.1.1 and no clean session, MQTT-3.1.3-7).
    InvalidOptions(CommandError),
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Resolve(host, e) => write!(f, "cannot resolve {host}: {e}"),
            Self::Io(e) => write!(f, "cannot connect: {e}"),
            Self::Transport(e) => write!(f, "{e}"),
            Self::Timeout => f.write_str("no CONNACK within the connect timeout"),
            Self::Refused { reason_code, properties } => {
                write!(f, "connection refused: {reason_code}")?;
                if let Some(s) = &properties.reason_string {
                    write!(f, " ({s})")?;
                }
                Ok(())
            }
            Self::Closed(reason) => write!(f, "connection closed while connecting: {reason}"),
            Self::InvalidOptions(e) => write!(f, "the options make no valid CONNECT: {e}"),
        }
    }
}

impl std::error::Error for ConnectError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Resolve(_, e) | Self::Io(e) => Some(e),
            Self::Transport(e) => Some(e),
            _ => None,
        }
    }
}

impl ConnectError {
    pub(crate) fn from_close(reason: CloseReason) -> Self {
        match reason {
            CloseReason::Refused { reason_code, properties } => {
                Self::Refused { reason_code, properties: Box::new(properties) }
            }
            CloseReason::ConnectTimeout => Self::Timeout,
            other => Self::Closed(Box::new(other)),
        }
    }
}
