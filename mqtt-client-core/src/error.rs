//! Errors both adapters report: why connecting failed, why a publish did not
//! complete, why a command was refused.

use std::fmt;
use std::io;

use mqtt_proto::{CloseReason, CommandError, ConnAckProperties, ReasonCode};

use crate::transport::TransportError;

/// Why a publish did not complete.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PublishFailure {
    /// The server answered with this failure reason code.
    Refused(ReasonCode),
    /// The message could not be sent because of the server's limits.
    NotSent(CommandError),
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

impl fmt::Display for PublishFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Refused(code) => write!(f, "the server refused the message: {code}"),
            Self::NotSent(e) => write!(f, "the message could not be sent: {e}"),
        }
    }
}

impl std::error::Error for PublishFailure {}

/// Why the client state refused a command.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StateError {
    /// No connection was ever started.
    NeverConnected,
    /// The connection refused the command.
    Command(CommandError),
}

impl fmt::Display for StateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NeverConnected => f.write_str("no connection was ever started"),
            Self::Command(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for StateError {}

impl From<CommandError> for StateError {
    fn from(e: CommandError) -> Self {
        Self::Command(e)
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
    /// The error for a connection that closed before its CONNACK accepted it.
    #[must_use]
    pub fn from_close(reason: CloseReason) -> Self {
        match reason {
            CloseReason::Refused { reason_code, properties } => {
                Self::Refused { reason_code, properties: Box::new(properties) }
            }
            CloseReason::ConnectTimeout => Self::Timeout,
            other => Self::Closed(Box::new(other)),
        }
    }
}
