//! Errors of starting, restoring and acknowledging [`Outgoing`](super::Outgoing)
//! exchanges.

use core::fmt;

use super::ExchangeKind;
use crate::PacketId;
use crate::window::InsertErrorKind;

/// The error of starting or restoring an [`Outgoing`](crate::Outgoing) exchange. Every variant
/// hands back the message (`()` for exchanges without one).
///
/// # Examples
///
/// ```
/// use mqtt_session::{Outgoing, QoS, SessionError};
///
/// let mut out: Outgoing<&str, 4> = Outgoing::new();
/// let err = out.start_publish(QoS::AtMostOnce, "m").unwrap_err();
/// assert_eq!(err.to_string(), "a QoS 0 message has no acknowledgement exchange");
/// assert_eq!(err.into_inner(), "m");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionError<T> {
    /// As many QoS 1 and QoS 2 PUBLISH exchanges as `max_inflight` allows are
    /// in flight; retry after an acknowledgement.
    InflightFull(T),
    /// QoS 0 was given: a QoS 0 PUBLISH has no exchange and no packet id
    /// (MQTT-2.2.1-2); send it directly.
    QoS0(T),
    /// All `N` slots hold exchanges: no exchange can start, or be restored,
    /// until one ends.
    NoFreeId(T),
    /// Restoring: an exchange uses this id already.
    IdInUse {
        /// The id to restore.
        id: PacketId,
        /// The message that was not restored.
        value: T,
    },
}

impl<T> SessionError<T> {
    /// The message that was not stored.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::SessionError;
    ///
    /// assert_eq!(SessionError::InflightFull("m").into_inner(), "m");
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            Self::InflightFull(value) | Self::QoS0(value) | Self::NoFreeId(value) | Self::IdInUse { value, .. } => {
                value
            }
        }
    }

    pub(super) fn unavailable(id: PacketId, kind: InsertErrorKind, value: T) -> Self {
        match kind {
            InsertErrorKind::Full => Self::NoFreeId(value),
            InsertErrorKind::IdInUse => Self::IdInUse { id, value },
        }
    }
}

impl<T> fmt::Display for SessionError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InflightFull(_) => f.write_str("the maximum number of QoS 1 and QoS 2 messages is in flight"),
            Self::QoS0(_) => f.write_str("a QoS 0 message has no acknowledgement exchange"),
            Self::NoFreeId(_) => f.write_str("no packet identifier is free"),
            Self::IdInUse { id, .. } => write!(f, "packet identifier {id} is already in use"),
        }
    }
}

impl<T: fmt::Debug> core::error::Error for SessionError<T> {}

/// An acknowledgement that does not match an exchange in flight: which id, and
/// what was wrong.
///
/// # Examples
///
/// ```
/// use mqtt_session::{AckError, AckErrorKind, Outgoing, PacketId};
///
/// let mut out: Outgoing<(), 4> = Outgoing::new();
/// let id = PacketId::new(3).unwrap();
/// let err = out.puback(id).unwrap_err();
/// assert_eq!(err, AckError { id, kind: AckErrorKind::UnknownId });
/// assert_eq!(
///     err.to_string(),
///     "acknowledgement for packet identifier 3: no exchange is in flight under this identifier"
/// );
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AckError {
    /// The id the acknowledgement carried.
    pub id: PacketId,
    /// What was wrong.
    pub kind: AckErrorKind,
}

impl AckError {
    /// Whether this is a retransmitted PUBREC for an exchange already awaiting
    /// PUBCOMP, to be answered with PUBREL again rather than treated as a
    /// protocol violation.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::{Outgoing, QoS};
    ///
    /// let mut out: Outgoing<(), 4> = Outgoing::new();
    /// let id = out.start_publish(QoS::ExactlyOnce, ()).unwrap();
    /// out.pubrec(id).unwrap();
    /// assert!(out.pubrec(id).unwrap_err().is_duplicate_pubrec());
    /// ```
    #[must_use]
    pub const fn is_duplicate_pubrec(&self) -> bool {
        matches!(self.kind, AckErrorKind::DuplicatePubRec)
    }

    pub(super) const fn new(id: PacketId, kind: AckErrorKind) -> Self {
        Self { id, kind }
    }

    pub(super) const fn wrong_kind(id: PacketId, expected: ExchangeKind, found: ExchangeKind) -> Self {
        Self::new(id, AckErrorKind::WrongKind { expected, found })
    }
}

impl fmt::Display for AckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "acknowledgement for packet identifier {}: {}", self.id, self.kind)
    }
}

impl core::error::Error for AckError {}

/// What was wrong with an acknowledgement; see [`AckError`].
///
/// # Examples
///
/// ```
/// use mqtt_session::{AckErrorKind, ExchangeKind};
///
/// let kind = AckErrorKind::WrongKind {
///     expected: ExchangeKind::AwaitingPubAck,
///     found: ExchangeKind::AwaitingPubRec,
/// };
/// assert_eq!(kind.to_string(), "the exchange is awaiting PUBREC, not awaiting PUBACK");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AckErrorKind {
    /// No exchange is in flight under the id: never started, or already
    /// complete (a late duplicate acknowledgement).
    UnknownId,
    /// The exchange under the id waits for another acknowledgement, such as a
    /// PUBACK for a QoS 2 PUBLISH.
    WrongKind {
        /// The state this acknowledgement answers.
        expected: ExchangeKind,
        /// The state of the exchange.
        found: ExchangeKind,
    },
    /// A PUBREC for a QoS 2 exchange that already received one and awaits
    /// PUBCOMP: a retransmission. Answer with PUBREL again.
    DuplicatePubRec,
}

impl fmt::Display for AckErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownId => f.write_str("no exchange is in flight under this identifier"),
            Self::WrongKind { expected, found } => {
                write!(f, "the exchange is {found}, not {expected}")
            }
            Self::DuplicatePubRec => f.write_str("duplicate PUBREC for an exchange already awaiting PUBCOMP"),
        }
    }
}

impl core::error::Error for AckErrorKind {}

#[cfg(test)]
mod tests {
    extern crate alloc;

    use super::*;

    fn id(value: u16) -> PacketId {
        PacketId::new(value).expect("test ids are non-zero")
    }

    #[test]
    fn errors_display_in_words() {
        assert_eq!(
            alloc::format!("{}", SessionError::InflightFull(())),
            "the maximum number of QoS 1 and QoS 2 messages is in flight"
        );
        assert_eq!(alloc::format!("{}", SessionError::NoFreeId(())), "no packet identifier is free");
        assert_eq!(
            alloc::format!("{}", SessionError::IdInUse { id: id(6), value: () }),
            "packet identifier 6 is already in use"
        );
        assert_eq!(
            alloc::format!("{}", AckError::new(id(7), AckErrorKind::DuplicatePubRec)),
            "acknowledgement for packet identifier 7: \
             duplicate PUBREC for an exchange already awaiting PUBCOMP"
        );
    }
}
